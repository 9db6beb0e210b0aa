"""Failed-credential counting for API authentication (keys, tokens), per schema and client IP.

django-axes guards the login form; API credentials are checked by DRF authentication classes
that axes never sees, so they count their failures here. The cache key carries the schema
(django-tenants' ``make_key``), so one organization's failures never throttle another's.
"""

from __future__ import annotations

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
