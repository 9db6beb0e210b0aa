"""The base classes every API view inherits (CONVENTIONS.md: one scoped base class).

Subclasses implement ``scoped_queryset()``; ``get_queryset`` is final so no view can return
rows its caller may not see (PostHog's ``safely_get_queryset`` idea). ``get_authenticators`` is
final too: every view accepts its own authenticators plus the user-token authenticators of
``settings.API_USER_TOKEN_AUTHENTICATION`` (personal API tokens, which authenticate reads
only), so no view can forget them or swap in something that skips them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.module_loading import import_string
from rest_framework import viewsets
from rest_framework.authentication import BaseAuthentication
from rest_framework.views import APIView


@cache
def _user_token_authenticator(path: str) -> type[BaseAuthentication]:
    # By dotted path, like DRF's own DEFAULT_AUTHENTICATION_CLASSES: core sits below accounts.
    authenticator: type[BaseAuthentication] = import_string(path)
    return authenticator


def _with_user_tokens(declared: list[BaseAuthentication]) -> list[BaseAuthentication]:
    # Appended after the view's own: the view's credentials (session, assistant key) are claimed
    # first, and DRF's 401/403 choice (from the first authenticator) stays what it was.
    present = {type(authenticator) for authenticator in declared}
    extra = [_user_token_authenticator(path) for path in settings.API_USER_TOKEN_AUTHENTICATION]
    return [*declared, *(cls() for cls in extra if cls not in present)]


def _guard_final(cls: type, *names: str) -> None:
    for name in names:
        if name in cls.__dict__:
            raise TypeError(f"{cls.__name__} overrides {name}; it is final in apps.core.api")


class ScopedViewSet(viewsets.GenericViewSet):
    def scoped_queryset(self) -> QuerySet:
        raise NotImplementedError(f"{type(self).__name__} must implement scoped_queryset()")

    def get_queryset(self) -> QuerySet:
        return self.scoped_queryset()

    def get_authenticators(self) -> list[BaseAuthentication]:
        return _with_user_tokens(super().get_authenticators())

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} overrides get_queryset; implement scoped_queryset() instead")
        _guard_final(cls, "get_authenticators")


class ScopedAPIView(APIView):
    """For endpoints that are not model viewsets (ingestion, read-back); same exception handling."""

    def get_authenticators(self) -> list[BaseAuthentication]:
        return _with_user_tokens(super().get_authenticators())

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _guard_final(cls, "get_authenticators")
