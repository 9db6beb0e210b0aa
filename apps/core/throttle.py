"""Failed-credential counting for API authentication (keys, tokens), per schema and client IP.

django-axes guards the login form; API credentials are checked by DRF authentication classes
that axes never sees, so they count their failures here. The cache key carries the schema
(django-tenants' ``make_key``), so one organization's failures never throttle another's.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from apps.core.http import client_ip


def _key(scope: str, request: HttpRequest) -> str:
    return f"auth-failures:{scope}:{client_ip(request)}"


def auth_failures_exceeded(*, scope: str, request: HttpRequest) -> bool:
    return (cache.get(_key(scope, request)) or 0) >= settings.API_AUTH_FAILURE_LIMIT


def auth_failure_record(*, scope: str, request: HttpRequest) -> None:
    # Fixed window from the first failure: add() starts it with its timeout, incr() keeps it.
    key = _key(scope, request)
    if cache.add(key, 1, timeout=settings.API_AUTH_FAILURE_WINDOW_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=settings.API_AUTH_FAILURE_WINDOW_SECONDS)


def rate_window_take(*, key: str, amount: int, limit: int, window_seconds: int = 60) -> int | None:
    """Take ``amount`` from a fixed window's budget of ``limit``; ``None`` if granted, else the
    seconds until the window ends (for ``Retry-After``).

    The window is aligned to the clock (``key`` plus the window's number), so every process
    sharing the cache counts against the same budget; a refused take is not counted, so a client
    that backs off is not punished for the attempts it was refused.
    """
    now = time.time()
    window = int(now // window_seconds)
    cache_key = f"rate:{key}:{window}"
    retry_after = max(1, math.ceil((window + 1) * window_seconds - now))
    if amount > limit:
        return retry_after
    if cache.add(cache_key, amount, timeout=window_seconds + 5):
        return None
    try:
        used = cache.incr(cache_key, amount)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, amount, timeout=window_seconds + 5)
        return None
    if used > limit:
        cache.decr(cache_key, amount)
        return retry_after
    return None
