"""Langfuse's key pair, answered by a Tessera assistant key (docs/integrations/langfuse.md).

Langfuse clients send ``Authorization: Basic base64(public_key:secret_key)``. The mapping:

- **public key** = the key's public prefix, ``tsk_live_<12 hex>`` (shown in the key list);
- **secret key** = the whole key, ``tsk_live_<12 hex><secret>`` (shown once, at creation).

The secret alone identifies and verifies the key (against its salted hash, as for Bearer);
the public key must be that key's own prefix, so a pair that mixes two keys is refused rather
than silently accepted. Nothing new is stored: the pair is the key.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.request import Request

from apps.registry.auth import ApiKeyAuthentication
from apps.registry.models import ApiKey
from apps.registry.services import KEY_ID_HEX, KEY_PREFIX

HINT = (
    "send the assistant's key as Langfuse's pair: LANGFUSE_PUBLIC_KEY=tsk_live_<12 hex> (the key's prefix), "
    "LANGFUSE_SECRET_KEY=the whole key"
)


def basic_pair(header: str) -> tuple[str, str] | None:
    """``(public, secret)`` from an ``Authorization: Basic …`` header; None when it is another scheme."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise exceptions.AuthenticationFailed(f"malformed Basic credentials; {HINT}") from exc
    public, sep, secret = decoded.partition(":")
    if not sep:
        raise exceptions.AuthenticationFailed(f"malformed Basic credentials; {HINT}")
    return public.strip(), secret.strip()


class LangfuseKeyAuthentication(ApiKeyAuthentication):
    """``Authorization: Basic base64(tsk_live_<id>:tsk_live_<id><secret>)`` → the ApiKey."""

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        pair = basic_pair(request.META.get("HTTP_AUTHORIZATION", ""))
        if pair is None:
            return None  # Bearer keys are the next authenticator's
        public, secret = pair
        if not public.startswith(KEY_PREFIX) or len(public) != len(KEY_PREFIX) + KEY_ID_HEX:
            raise exceptions.AuthenticationFailed(f"unknown public key; {HINT}")
        if not secret.startswith(public):
            raise exceptions.AuthenticationFailed(f"the secret key does not belong to this public key; {HINT}")
        return self.verify(request, secret)

    def authenticate_header(self, request: Request) -> str:
        return 'Basic realm="tessera"'


class LangfuseKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "apps.ingestion.api.langfuse_auth.LangfuseKeyAuthentication"
    name = "langfuseKeyPair"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "basic",
            "description": "Langfuse key pair: username = key prefix (tsk_live_<12 hex>), password = the whole key",
        }
