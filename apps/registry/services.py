"""Writes of the registry: departments, assistants, API keys and release annotations (audited)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

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
from apps.registry.models import ApiKey, Assistant, Department, ReleaseAnnotation, ReleaseKind

KEY_PREFIX = "tsk_live_"
KEY_ID_HEX = 12  # visible part after the prefix
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


@transaction.atomic
def api_key_create(*, actor: User | None, assistant: Assistant, name: str = "") -> IssuedKey:
    from apps.tenants.models import ApiKeyRoute, Organization

    if actor is not None:
        require_manage_assistant(actor, assistant)
    key_id = secrets.token_hex(KEY_ID_HEX // 2)
    plaintext = f"{KEY_PREFIX}{key_id}{secrets.token_urlsafe(24)}"
    prefix = f"{KEY_PREFIX}{key_id}"
    salt = secrets.token_hex(8)
    api_key = ApiKey.objects.create(
        assistant=assistant,
        name=name[:80],
        prefix=prefix,
        salt=salt,
        hashed=secret_hash(salt, plaintext),
        created_by=actor,
    )
    ApiKeyRoute.objects.create(prefix=prefix, tenant=Organization.objects.get(schema_name=current_schema()))
    audit_record(actor=actor or "system", action="api_key.create", target=api_key, after={"prefix": prefix})
    return IssuedKey(api_key=api_key, plaintext=plaintext)


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


def api_key_authenticate(plaintext: str) -> ApiKey:
    """Return the active key in the *current* schema or raise a precise 401/403."""
    from apps.tenants.models import ApiKeyRoute

    plaintext = plaintext.strip()
    prefix = plaintext[: len(KEY_PREFIX) + KEY_ID_HEX]
    if not plaintext.startswith(KEY_PREFIX) or len(plaintext) < len(prefix) + 16:
        raise InvalidKeyError("malformed API key: expected 'Authorization: Bearer tsk_live_…'")
    api_key = ApiKey.objects.select_related("assistant").filter(prefix=prefix).first()
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
