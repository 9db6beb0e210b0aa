"""The typed boundary between Django/DRF requests and our services.

Services take ``actor: User``. ``request.user`` is typed ``User | AnonymousUser`` by the stubs,
so each interface narrows it once, here: page views behind ``login_required`` annotate their
request as ``AuthedRequest``; API views call ``request_user(request)``, which refuses an
anonymous caller instead of letting one reach a service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from apps.accounts.models import User

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails


class AuthedRequest(HttpRequest):
    """A page request after ``login_required`` (and django-htmx's middleware)."""

    user: User  # narrowed: login_required ran first
    htmx: HtmxDetails


def request_user(request: HttpRequest | Request) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated("sign in or send a valid token")
    return user
