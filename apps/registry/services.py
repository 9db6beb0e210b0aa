"""Writes of the registry: departments, assistants, API keys and release annotations (audited)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.permissions import can_manage_department_assistants, require_manage_assistant
from apps.audit.services import audit_record
from apps.core.crypto import secret_hash, secret_matches
from apps.core.exceptions import ApplicationError, NotPermittedError
from apps.core.services import model_update
from apps.core.tenancy import current_schema
from apps.core.throttle import rate_window_take
from apps.registry.models import ApiKey, ApiKeyKind, Assistant, Department, ReleaseAnnotation, ReleaseKind

KEY_PREFIX = "tsk_live_"
PUBLISHABLE_KEY_PREFIX = "tpk_live_"
KEY_ID_HEX = 12  # visible part after the prefix
PUBLISHABLE_DEFAULT_RATE_PER_MINUTE = 600
PUBLISHABLE_MAX_RATE_PER_MINUTE = 100_000
PUBLISHABLE_MAX_ORIGINS = 20
LAST_USED_RESOLUTION = timedelta(minutes=1)  # don't write on every request

ASSISTANT_FIELDS = (
    "name",
    "purpose",
    "vendor",
    "model",
    "status",
    "audience_size",
    "launched_on",
    "minutes_saved_per_task",
    "hourly_cost",
    "cost_per_human_contact",
    "deflection_share",
    "fixed_monthly_cost",
    "price_per_1k_tokens",
    "metric_dimensions",
)


@transaction.atomic
def department_ensure(*, name: str, description: str = "") -> Department:
    name = name.strip()
    if not name:
        raise ApplicationError("department name must not be empty")
    department, _ = Department.objects.get_or_create(name=name, defaults={"description": description})
    return department


@transaction.atomic
def department_add_members(*, department: Department, users: Iterable[User]) -> None:
    department.members.add(*users)


def _snapshot(assistant: Assistant) -> dict[str, Any]:
    return model_to_dict(assistant, fields=("department", *ASSISTANT_FIELDS))


@transaction.atomic
def assistant_register(*, actor: User | None, department: Department, **fields: Any) -> Assistant:
    """Create an assistant. ``actor=None`` is the operator CLI (trusted, audited as 'system')."""
    if actor is not None and not can_manage_department_assistants(actor, department):
        raise NotPermittedError("only an admin or an owner of this department may register its assistants")
    unknown = set(fields) - set(ASSISTANT_FIELDS)
    if unknown:
        raise ApplicationError(f"unknown assistant field(s): {', '.join(sorted(unknown))}")
    if Assistant.objects.filter(department=department, name=fields.get("name", "")).exists():
        raise ApplicationError(f"department {department.name!r} already has an assistant named {fields.get('name')!r}")
    assistant = Assistant(department=department, **fields)
    assistant.full_clean()
    assistant.save()
    audit_record(actor=actor or "system", action="assistant.register", target=assistant, after=_snapshot(assistant))
    return assistant


@transaction.atomic
def assistant_update(*, actor: User, assistant: Assistant, **changes: Any) -> Assistant:
    require_manage_assistant(actor, assistant)
    unknown = set(changes) - {"department", *ASSISTANT_FIELDS}
    if unknown:
        raise ApplicationError(f"unknown assistant field(s): {', '.join(sorted(unknown))}")
    new_department = changes.get("department")
    if new_department is None:
        changes.pop("department", None)
    elif new_department.pk != assistant.department_id and not can_manage_department_assistants(actor, new_department):
        raise NotPermittedError("you may not move an assistant into a department you do not own")
    changed = model_update(instance=assistant, fields=("department", *ASSISTANT_FIELDS), data=changes)
    if changed:
        audit_record(
            actor=actor,
            action="assistant.update",
            target=assistant,
            before={k: before for k, (before, _) in changed.items()},
            after={k: after for k, (_, after) in changed.items()},
        )
    return assistant


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    plaintext: str  # shown once, never stored


def _key_issue(*, actor: User | None, assistant: Assistant, name: str, kind: str, **fields: Any) -> IssuedKey:
    from apps.tenants.models import ApiKeyRoute, Organization

    if actor is not None:
        require_manage_assistant(actor, assistant)
    key_prefix = PUBLISHABLE_KEY_PREFIX if kind == ApiKeyKind.PUBLISHABLE else KEY_PREFIX
    key_id = secrets.token_hex(KEY_ID_HEX // 2)
    plaintext = f"{key_prefix}{key_id}{secrets.token_urlsafe(24)}"
    prefix = f"{key_prefix}{key_id}"
    salt = secrets.token_hex(8)
    api_key = ApiKey.objects.create(
        assistant=assistant,
        name=name[:80],
        prefix=prefix,
        kind=kind,
        salt=salt,
        hashed=secret_hash(salt, plaintext),
        created_by=actor,
        **fields,
    )
    ApiKeyRoute.objects.create(prefix=prefix, tenant=Organization.objects.get(schema_name=current_schema()))
    audit_record(
        actor=actor or "system",
        action="api_key.create",
        target=api_key,
        after={"prefix": prefix, "kind": kind, **fields},
    )
    return IssuedKey(api_key=api_key, plaintext=plaintext)


@transaction.atomic
def api_key_create(*, actor: User | None, assistant: Assistant, name: str = "") -> IssuedKey:
    return _key_issue(actor=actor, assistant=assistant, name=name, kind=ApiKeyKind.SECRET)


class InvalidOriginError(ApplicationError):
    pass


def origin_normalize(value: str) -> str:
    """``scheme://host[:port]`` exactly as a browser sends it in ``Origin`` (lower case, default
    port dropped), or :class:`InvalidOriginError` saying what is wrong. No wildcards: a key
    whose origins anyone could match would be a key anyone could use."""
    raw = value.strip()
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidOriginError(
            f"{raw[:100]!r} is not an origin: expected scheme://host[:port], e.g. https://app.example.com"
        )
    if "*" in raw:
        raise InvalidOriginError(f"{raw[:100]!r}: wildcards are not allowed; list each origin")
    if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidOriginError(
            f"{raw[:100]!r}: an origin has no path, query or credentials, only scheme://host[:port]"
        )
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidOriginError(f"{raw[:100]!r}: the port is not a number between 0 and 65535") from exc
    host = parts.hostname
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + ("" if port in {None, default} else f":{port}")


@transaction.atomic
def publishable_key_create(
    *,
    actor: User | None,
    assistant: Assistant,
    allowed_origins: Sequence[str],
    rate_limit_per_minute: int = PUBLISHABLE_DEFAULT_RATE_PER_MINUTE,
    name: str = "",
) -> IssuedKey:
    """A browser key for the snippet (docs/integrations/browser.md): ingest-only, one assistant,
    exact origins, a per-key rate limit."""
    origins = list(dict.fromkeys(origin_normalize(origin) for origin in allowed_origins if origin.strip()))
    if not origins:
        raise InvalidOriginError("a publishable key needs at least one allowed origin, e.g. https://app.example.com")
    if len(origins) > PUBLISHABLE_MAX_ORIGINS:
        raise InvalidOriginError(f"at most {PUBLISHABLE_MAX_ORIGINS} allowed origins per key")
    if not 1 <= rate_limit_per_minute <= PUBLISHABLE_MAX_RATE_PER_MINUTE:
        raise ApplicationError(f"rate limit must be between 1 and {PUBLISHABLE_MAX_RATE_PER_MINUTE} events per minute")
    return _key_issue(
        actor=actor,
        assistant=assistant,
        name=name,
        kind=ApiKeyKind.PUBLISHABLE,
        allowed_origins=origins,
        rate_limit_per_minute=rate_limit_per_minute,
    )


@transaction.atomic
def api_key_revoke(*, actor: User, api_key: ApiKey) -> ApiKey:
    require_manage_assistant(actor, api_key.assistant)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_key.revoke", target=api_key, after={"prefix": api_key.prefix})
    return api_key


class InvalidKeyError(ApplicationError):
    status_code = 401


class ForbiddenKeyError(ApplicationError):
    status_code = 403


def api_key_authenticate(plaintext: str, *, kind: str = ApiKeyKind.SECRET) -> ApiKey:
    """Return the active key of ``kind`` in the *current* schema or raise a precise 401/403."""
    from apps.tenants.models import ApiKeyRoute

    key_prefix = PUBLISHABLE_KEY_PREFIX if kind == ApiKeyKind.PUBLISHABLE else KEY_PREFIX
    plaintext = plaintext.strip()
    prefix = plaintext[: len(key_prefix) + KEY_ID_HEX]
    if not plaintext.startswith(key_prefix) or len(plaintext) < len(prefix) + 16:
        expected = "?key=tpk_live_…" if kind == ApiKeyKind.PUBLISHABLE else "'Authorization: Bearer tsk_live_…'"
        raise InvalidKeyError(f"malformed API key: expected {expected}")
    api_key = ApiKey.objects.select_related("assistant").filter(prefix=prefix, kind=kind).first()
    if api_key is None:
        route = ApiKeyRoute.objects.filter(prefix=prefix).exclude(tenant__schema_name=current_schema()).first()
        if route is not None:
            raise ForbiddenKeyError("this API key belongs to another organization; send it to that organization's host")
        raise InvalidKeyError("unknown API key")
    if not secret_matches(api_key.hashed, api_key.salt, plaintext):
        raise InvalidKeyError("unknown API key")
    if api_key.revoked_at is not None:
        raise ForbiddenKeyError(f"API key {api_key.prefix}… was revoked on {api_key.revoked_at:%Y-%m-%d}")
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


class OriginNotAllowedError(ApplicationError):
    status_code = 403


class KeyRateLimitedError(ApplicationError):
    status_code = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, extra={"retry_after": retry_after})
        self.retry_after = retry_after


def publishable_key_origin_check(*, api_key: ApiKey, origin: str | None) -> str:
    """The request's origin when the key allows it; otherwise a 403 that says what to change."""
    if not origin:
        raise OriginNotAllowedError(
            f"publishable key {api_key.prefix}… accepts requests from web pages only (no Origin header); "
            "send from a server with a secret key instead"
        )
    if origin not in api_key.allowed_origins:
        raise OriginNotAllowedError(
            f"origin {origin[:200]} is not allowed for publishable key {api_key.prefix}…; "
            "an owner or admin can add it to the key's allowed origins (or issue a key for it)"
        )
    return origin


def publishable_key_rate_take(*, api_key: ApiKey, events: int) -> None:
    """Count ``events`` against the key's per-minute budget, or raise 429 with the wait."""
    limit = api_key.rate_limit_per_minute or PUBLISHABLE_DEFAULT_RATE_PER_MINUTE
    wait = rate_window_take(key=f"publishable:{api_key.prefix}", amount=events, limit=limit, window_seconds=60)
    if wait is not None and events > limit:
        raise KeyRateLimitedError(
            f"a batch of {events} events is over publishable key {api_key.prefix}…'s limit of {limit} events "
            "per minute; send smaller batches",
            retry_after=wait,
        )
    if wait is not None:
        raise KeyRateLimitedError(
            f"publishable key {api_key.prefix}… is over its limit of {limit} events per minute; retry in {wait} s",
            retry_after=wait,
        )


@transaction.atomic
def release_annotate(*, actor: User, assistant: Assistant, date: Any, kind: str, text: str) -> ReleaseAnnotation:
    require_manage_assistant(actor, assistant)
    release = ReleaseAnnotation(assistant=assistant, date=date, kind=kind, text=text, created_by=actor)
    release.full_clean()
    release.save()
    audit_record(
        actor=actor, action="release.annotate", target=release, after={"date": date, "kind": kind, "text": text}
    )
    return release


@transaction.atomic
def release_reported_ensure(*, assistant: Assistant, release: str, date: Any) -> ReleaseAnnotation | None:
    """Annotate a release an integration reported (Langfuse's ``release``) the first time it is seen.

    No acting user: the assistant's own key sent it. Returns the new annotation, or None when
    this release was already annotated (by an earlier request or a person).
    """
    text = f"Release {release.strip()[:480]}"
    # Serialized per assistant: two concurrent exports of a new release must add it once.
    Assistant.objects.select_for_update().filter(pk=assistant.pk).first()
    if ReleaseAnnotation.objects.filter(assistant=assistant, text=text).exists():
        return None
    annotation = ReleaseAnnotation(assistant=assistant, date=date, kind=ReleaseKind.OTHER, text=text)
    annotation.full_clean()
    annotation.save()
    audit_record(actor="system", action="release.annotate", target=annotation, after={"date": date, "text": text})
    return annotation


@transaction.atomic
def assistant_find_or_register(*, department_name: str, name: str, vendor: str, model: str) -> tuple[Assistant, bool]:
    """Operator path (``register_assistant`` command): find by department+name or create."""
    department = department_ensure(name=department_name)
    existing = Assistant.objects.filter(department=department, name=name).first()
    if existing is not None:
        return existing, False
    return assistant_register(actor=None, department=department, name=name, vendor=vendor, model=model), True
