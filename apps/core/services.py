"""Write helpers every app's services share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django.db import models
from django.forms.models import model_to_dict

M = TypeVar("M", bound=models.Model)


def model_update(*, instance: M, fields: Sequence[str], data: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set ``data`` on ``instance`` (only keys named in ``fields``), validate and save what changed.

    Returns ``{field: (before, after)}`` for the fields whose value changed, in
    ``model_to_dict`` form (a foreign key as its id), ready for an audit entry; an empty dict
    means nothing was written. ``auto_now`` fields are saved along with a change.
    (HackSoft Django Styleguide's ``model_update``, with the diff our audit log needs.)
    """
    wanted = [f for f in fields if f in data]
    before = model_to_dict(instance, fields=wanted)
    for field in wanted:
        setattr(instance, field, data[field])
    after = model_to_dict(instance, fields=wanted)
    changed = {f: (before.get(f), after.get(f)) for f in wanted if before.get(f) != after.get(f)}
    if not changed:
        return {}
    instance.full_clean()
    auto_now = [
        f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False) and f.name not in changed
    ]
    instance.save(update_fields=[*changed, *auto_now])
    return changed


def singleton_get(model: type[M]) -> M:
    """An organization's one settings row of ``model`` (a policy, a settings table), created with
    the model's defaults on first use."""
    row = model._default_manager.order_by("pk").first()
    if row is None:
        row, _ = model._default_manager.get_or_create(pk=1)
    return row
