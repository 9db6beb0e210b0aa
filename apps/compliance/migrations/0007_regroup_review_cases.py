"""Existing cases are regrouped, not dropped: each old case (one conversation, several types) is
split per type, and the pieces that share (assistant, end user, type) are merged into one case.
A merged case is open when any of its old cases was open; otherwise it keeps the latest decision
(status, decider, time, comment). It keeps the earliest old case's id where it can, so the
audit log's entries and bookmarked case pages still lead somewhere, and suppression rules that
came from a merged-away case point at the case that absorbed it. Its counts are recomputed from
the findings. ``merge_cases`` is the pure part, unit-tested in tests/compliance/test_grouping.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import migrations, models

OPEN = "open"


@dataclass(frozen=True)
class OldCase:
    id: int
    conversation_id: int
    assistant_id: int
    department_id: int
    user_id: str
    types: tuple[str, ...]
    severity: int
    status: str
    assignee_id: int | None
    decided_by_id: int | None
    decided_at: datetime | None
    comment: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TypeStats:
    """What the findings say about one (conversation, type) of an old case."""

    severity: int
    count: int
    first_seen: datetime


@dataclass
class MergedCase:
    key: tuple[int, str, str]  # (assistant, end user, type)
    id: int | None  # an old case's id kept, or None for a new row
    conversation_id: int
    department_id: int
    severity: int
    finding_count: int
    conversation_count: int
    status: str
    assignee_id: int | None
    decided_by_id: int | None
    decided_at: datetime | None
    comment: str
    created_at: datetime
    updated_at: datetime
    absorbed: list[int] = field(default_factory=list)  # every old case id merged in


def merge_cases(old: list[OldCase], stats: dict[tuple[int, str], TypeStats]) -> list[MergedCase]:
    """Regroup ``old`` cases per (assistant, end user, type); ``stats`` maps (conversation, type)
    to its findings (absent when none is left, e.g. erased)."""
    groups: dict[tuple[int, str, str], list[OldCase]] = defaultdict(list)
    for case in sorted(old, key=lambda c: (c.created_at, c.id)):
        for t in case.types:
            groups[(case.assistant_id, case.user_id, t)].append(case)
    merged: list[MergedCase] = []
    kept: set[int] = set()
    # The most severe groups first, so an old case's id goes to its most important type.
    for key in sorted(groups, key=lambda k: (-max(c.severity for c in groups[k]), k)):
        cases = groups[key]
        first = cases[0]
        found = [stats[(c.conversation_id, key[2])] for c in cases if (c.conversation_id, key[2]) in stats]
        decided = [c for c in cases if c.status != OPEN and c.decided_at is not None]
        latest = max(decided, key=lambda c: c.decided_at) if decided and all(c.status != OPEN for c in cases) else None
        assigned = [c for c in cases if c.assignee_id is not None]
        merged.append(
            MergedCase(
                key=key,
                id=first.id if first.id not in kept else None,
                conversation_id=first.conversation_id,
                department_id=first.department_id,
                severity=max(s.severity for s in found) if found else first.severity,
                finding_count=sum(s.count for s in found),
                conversation_count=len({c.conversation_id for c in cases}),
                status=latest.status if latest else OPEN,
                assignee_id=max(assigned, key=lambda c: c.updated_at).assignee_id if assigned else None,
                decided_by_id=latest.decided_by_id if latest else None,
                decided_at=latest.decided_at if latest else None,
                comment=latest.comment if latest else "",
                created_at=min([s.first_seen for s in found] or [first.created_at]),
                updated_at=max(c.updated_at for c in cases),
                absorbed=[c.id for c in cases],
            )
        )
        kept.add(first.id)
    return merged


def _type_stats(apps: Any, conversation_ids: list[int], threshold: int) -> dict[tuple[int, str], TypeStats]:
    finding = apps.get_model("detection", "SensitiveFinding")
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    qualifying = finding.objects.filter(conversation_id__in=conversation_ids, severity__gte=threshold)
    # Unsuppressed findings, as enrichment counts them; a group a false positive suppressed
    # entirely is described by its suppressed findings rather than by nothing.
    for suppressed in (False, True):
        for row in (
            qualifying.filter(suppressed=suppressed)
            .values("conversation_id", "type")
            .annotate(sev=models.Max("severity"), n=models.Count("id"), first=models.Min("message__ts"))
        ):
            rows.setdefault((row["conversation_id"], row["type"]), row)
    return {k: TypeStats(r["sev"], r["n"], r["first"]) for k, r in rows.items()}


def regroup(apps: Any, schema_editor: Any) -> None:
    case_model = apps.get_model("compliance", "ReviewCase")
    policy = apps.get_model("detection", "MaskingPolicy").objects.first()
    threshold = policy.case_threshold if policy else 2
    old = [
        OldCase(
            c.id,
            c.conversation_id,
            c.assistant_id,
            c.department_id,
            c.conversation.user_id,
            tuple(c.finding_types),
            c.severity,
            c.status,
            c.assignee_id,
            c.decided_by_id,
            c.decided_at,
            c.comment,
            c.created_at,
            c.updated_at,
        )  # fmt: skip
        for c in case_model.objects.select_related("conversation").iterator(chunk_size=2000)
    ]
    if not old:
        return
    merged = merge_cases(old, _type_stats(apps, sorted({c.conversation_id for c in old}), threshold))
    kept = {m.id for m in merged if m.id is not None}
    case_model.objects.exclude(id__in=kept).delete()
    fields = ("conversation_id", "department_id", "severity", "finding_count", "conversation_count", "status",
              "assignee_id", "decided_by_id", "decided_at", "comment", "created_at", "updated_at")  # fmt: skip
    rows = []
    for m in merged:
        assistant_id, user_id, finding_type = m.key
        rows.append(
            case_model(
                id=m.id,
                assistant_id=assistant_id,
                user_id=user_id,
                finding_type=finding_type,
                reviewable_count=m.finding_count,  # no auto-close rule existed before
                **{f: getattr(m, f) for f in fields},
            )
        )
    case_model.objects.bulk_update([r for r in rows if r.id is not None], [
        "assistant_id", "user_id", "finding_type", "reviewable_count", *fields
    ], batch_size=1000)  # fmt: skip
    created = case_model.objects.bulk_create([r for r in rows if r.id is None], batch_size=1000)
    # Suppression rules name their source case by a plain id (detection sits below compliance):
    # re-point the ones whose case was merged away at the case that absorbed it.
    new_id = {m.key: r.id for m, r in zip([m for m in merged if m.id is None], created, strict=True)}
    target = {}
    for m in merged:
        for old_id in m.absorbed:
            if old_id not in kept:
                target.setdefault(old_id, m.id if m.id is not None else new_id[m.key])
    rule_model = apps.get_model("detection", "SuppressionRule")
    for rule in rule_model.objects.filter(source_case_id__in=list(target)):
        rule.source_case_id = target[rule.source_case_id]
        rule.save(update_fields=["source_case_id"])


class Migration(migrations.Migration):
    dependencies = [("compliance", "0006_group_cases_by_user_and_type")]

    operations = [migrations.RunPython(regroup, migrations.RunPython.noop)]
