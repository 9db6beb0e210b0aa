"""Reads of review cases and their conversations."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, TypeVar, cast

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, TruncDay, TruncWeek
from django.utils import timezone

from apps.accounts.models import User
from apps.compliance.models import AutoCloseRule, CaseStatus, ReviewCase, SavedQueueView, UnmaskRequest, UnmaskStatus
from apps.conversations.models import Conversation, Message
from apps.detection.models import SensitiveFinding, Severity
from apps.detection.selectors import findings_by_message
from apps.registry.models import Assistant

# --- Review cases -------------------------------------------------------------------------------

CASE_SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "severity": ("-severity", "-created_at", "-id"),
    "findings": ("-finding_count", "-created_at", "-id"),
}


def review_cases() -> QuerySet[ReviewCase]:
    """The queue, newest first; its filters are ``apps.compliance.filters.CaseFilter``. Callers
    check the role first (``can_read_review_cases``): cases are org-wide."""
    return ReviewCase.objects.select_related("assistant", "department", "assignee", "conversation").order_by(
        *CASE_SORTS["newest"]
    )


def conversation_cases(*, conversation: Conversation) -> QuerySet[ReviewCase]:
    """The review cases a conversation's findings opened or feed."""
    return review_cases().filter(
        assistant_id=conversation.assistant_id,
        user_id=conversation.user_id,
        finding_type__in=SensitiveFinding.objects.filter(conversation=conversation).values("type"),
    )


def case_findings(*, case: ReviewCase) -> QuerySet[SensitiveFinding]:
    """Every finding of the case's group, suppressed and below-threshold ones included."""
    return SensitiveFinding.objects.filter(
        conversation__assistant_id=case.assistant_id, conversation__user_id=case.user_id, type=case.finding_type
    )


def case_findings_map(*, cases: list[ReviewCase]) -> dict[int, int]:
    """Finding id → case id for the findings of these cases (one query)."""
    by_group = {(c.assistant_id, c.user_id, c.finding_type): c.pk for c in cases}
    groups = Q(pk__in=[])
    for assistant_id, user_id, finding_type in by_group:
        groups |= Q(conversation__assistant_id=assistant_id, conversation__user_id=user_id, type=finding_type)
    rows = SensitiveFinding.objects.filter(groups).values_list(
        "id", "conversation__assistant_id", "conversation__user_id", "type"
    )
    return {fid: by_group[(a, u, t)] for fid, a, u, t in rows}


CASE_CONVERSATIONS_SHOWN = 10


def case_conversations(*, case: ReviewCase) -> list[Conversation]:
    """The conversations holding the case's findings, most recent first (the page shows the first
    ``CASE_CONVERSATIONS_SHOWN``; ``case.conversation_count`` says how many there are)."""
    ids = case_findings(case=case).values("conversation_id")
    return list(
        Conversation.objects.filter(id__in=ids)
        .select_related("assistant__department")
        .order_by("-started_at", "-id")[:CASE_CONVERSATIONS_SHOWN]
    )


def case_of_finding(prefix: str = "") -> Subquery:
    """The id of the review case a finding (at ``prefix``, e.g. ``"finding__"``) belongs to, as
    a subquery to annotate with: none when its group opened no case."""
    return Subquery(
        ReviewCase.objects.filter(
            assistant_id=OuterRef(f"{prefix}conversation__assistant_id"),
            user_id=OuterRef(f"{prefix}conversation__user_id"),
            finding_type=OuterRef(f"{prefix}type"),
        ).values("id")[:1]
    )


def auto_close_rules() -> list[AutoCloseRule]:
    """In the order they apply: a rule for one assistant before a rule for every assistant."""
    return list(
        AutoCloseRule.objects.select_related("assistant", "created_by").order_by(
            F("assistant_id").asc(nulls_last=True), "finding_type", "message_role", "id"
        )
    )


def saved_queue_views(*, user: User) -> QuerySet[SavedQueueView]:
    return SavedQueueView.objects.filter(user=user).order_by("name")


def compliance_users() -> QuerySet[User]:
    """Who may be assigned a case."""
    return User.objects.filter(roles__contains=["compliance"], is_active=True).order_by("email")


def findings_list() -> QuerySet[SensitiveFinding]:
    """Every finding with its conversation, message role and review case (``case_id``), newest
    conversations first; its filters are ``apps.compliance.filters.FindingFilter``."""
    return (
        SensitiveFinding.objects.select_related("conversation__assistant__department", "message")
        .defer("message__content")
        .annotate(
            case_id=case_of_finding(),
            severity_label=Case(
                *(When(severity=value, then=Value(label)) for value, label in Severity.choices),
                default=Cast("severity", CharField()),
            ),
        )
        .order_by("-conversation__started_at", "-conversation_id", "message_id", "start")
    )


def review_case_counts() -> dict[str, int]:
    return dict(ReviewCase.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))


@dataclass(frozen=True)
class Segment:
    text: str
    finding: SensitiveFinding | None = None


@dataclass(frozen=True)
class MessageView:
    message: Message
    segments: list[Segment]
    findings: list[SensitiveFinding]


def conversation_messages(*, conversation_id: int) -> list[MessageView]:
    """The conversation's (masked) messages cut into plain and highlighted segments."""
    grouped = findings_by_message(conversation_id=conversation_id)
    views: list[MessageView] = []
    for message in Message.objects.filter(conversation_id=conversation_id).order_by("ts", "id"):
        found = grouped.get(message.pk, [])
        segments: list[Segment] = []
        cursor = 0
        for finding in found:
            if finding.masked_start < cursor or finding.masked_end > len(message.content):
                continue  # content expired by retention: the offsets no longer apply
            segments.append(Segment(message.content[cursor : finding.masked_start]))
            segments.append(Segment(message.content[finding.masked_start : finding.masked_end], finding))
            cursor = finding.masked_end
        segments.append(Segment(message.content[cursor:]))
        views.append(MessageView(message=message, segments=[s for s in segments if s.text], findings=found))
    return views


def unmask_requests_pending() -> QuerySet[UnmaskRequest]:
    return (
        UnmaskRequest.objects.filter(status=UnmaskStatus.PENDING)
        .select_related("requester", "finding")
        .annotate(case_id=case_of_finding("finding__"))
    )


# --- Overview (aggregated in SQL: one query per table) ---------------------------------------------


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end`` inclusive, in the organization's time zone."""

    start: date
    end: date

    @property
    def interval(self) -> str:
        # Daily rows for a month or so; beyond that a week per row keeps the table readable.
        return "day" if (self.end - self.start).days < 45 else "week"

    def bounds(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )


def findings_in(period: Period) -> QuerySet[SensitiveFinding]:
    """Findings of the conversations started in the period (the window every page uses:
    "conversations started in the window", METRICS.md), whatever their severity, suppressed or
    not: a name (low) that opens no case is still a finding."""
    lo, hi = period.bounds()
    return SensitiveFinding.objects.filter(conversation__started_at__gte=lo, conversation__started_at__lt=hi)


@dataclass
class FindingCount:
    key: str | int
    label: str
    findings: int = 0
    opening: int = 0  # at or above the case threshold and not suppressed: these open or feed cases
    below_threshold: int = 0
    suppressed: int = 0

    def add(self, *, n: int, severity: int, suppressed: bool, threshold: int) -> None:
        self.findings += n
        if severity < threshold:
            self.below_threshold += n
        elif not suppressed:
            self.opening += n
        if suppressed:
            self.suppressed += n


@dataclass(frozen=True)
class FindingsOverview:
    totals: FindingCount
    by_type: list[FindingCount]
    by_severity: list[FindingCount]
    by_department: list[FindingCount]
    by_assistant: list[FindingCount]
    types: list[str]  # over_time's columns, most frequent first
    over_time: list[tuple[date, dict[str, int]]]  # every period of the range, empty ones included


def findings_overview(*, period: Period, threshold: int) -> FindingsOverview:
    """Findings of the period per type, severity, department and assistant, and per day or week
    and type. One grouped query counts them at the grain (type, severity, suppressed, assistant,
    day or week): a few hundred rows, which the tables below only add up."""
    trunc = TruncDay if period.interval == "day" else TruncWeek
    grid = (
        findings_in(period)
        .annotate(bucket=trunc("conversation__started_at", tzinfo=timezone.get_current_timezone()))
        .values("type", "severity", "suppressed", "conversation__assistant_id", "bucket")
        .annotate(n=Count("id"))
        .order_by()
    )
    assistants = {a.pk: a for a in Assistant.objects.select_related("department")}
    totals = FindingCount("all", "all")
    tables: dict[str, dict[str | int, FindingCount]] = defaultdict(dict)
    by_bucket: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in grid:
        assistant = assistants[row["conversation__assistant_id"]]
        keys: dict[str, tuple[str | int, str]] = {
            "type": (row["type"], row["type"]),
            "severity": (row["severity"], Severity(row["severity"]).label),
            "department": (assistant.department_id, assistant.department.name),
            "assistant": (assistant.pk, assistant.name),
        }
        counted = {"n": row["n"], "severity": row["severity"], "suppressed": row["suppressed"], "threshold": threshold}
        totals.add(**counted)
        for table, (key, label) in keys.items():
            if key not in tables[table]:
                tables[table][key] = FindingCount(key, label)
            tables[table][key].add(**counted)
        bucket = row["bucket"].date() if isinstance(row["bucket"], datetime) else row["bucket"]
        by_bucket[bucket][row["type"]] += row["n"]

    def most_first(table: str) -> list[FindingCount]:
        return sorted(tables[table].values(), key=lambda c: (-c.findings, c.label))

    step = timedelta(days=1 if period.interval == "day" else 7)
    day = period.start if period.interval == "day" else period.start - timedelta(days=period.start.weekday())
    over_time = []
    while day <= period.end:
        over_time.append((day, dict(by_bucket.get(day, {}))))
        day += step
    return FindingsOverview(
        totals=totals,
        by_type=most_first("type"),
        by_severity=sorted(tables["severity"].values(), key=lambda c: -int(c.key)),
        by_department=most_first("department"),
        by_assistant=most_first("assistant"),
        types=[c.label for c in most_first("type")],
        over_time=over_time,
    )


# Open cases by age (from when the data was exposed), as (label, min days, max days or None).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("under 1 day", 0, 1),
    ("1–7 days", 1, 7),
    ("7–30 days", 7, 30),
    ("30–90 days", 30, 90),
    ("over 90 days", 90, None),
)


@dataclass(frozen=True)
class AgeBucket:
    label: str
    min_days: int
    max_days: int | None
    cases: int
    high: int  # severity high or critical


def open_cases_by_age(*, now: datetime | None = None) -> list[AgeBucket]:
    now = now or timezone.now()
    aggregates = {}
    for i, (_label, lo, hi) in enumerate(AGE_BUCKETS):
        window = Q(created_at__lte=now - timedelta(days=lo))
        if hi is not None:
            window &= Q(created_at__gt=now - timedelta(days=hi))
        aggregates[f"n{i}"] = Count("id", filter=window)
        aggregates[f"h{i}"] = Count("id", filter=window & Q(severity__gte=Severity.HIGH))
    row = ReviewCase.objects.filter(status=CaseStatus.OPEN).aggregate(**aggregates)
    return [AgeBucket(label, lo, hi, row[f"n{i}"], row[f"h{i}"]) for i, (label, lo, hi) in enumerate(AGE_BUCKETS)]


class _Percentile(Aggregate):
    """PostgreSQL's ``percentile_cont(f) WITHIN GROUP (ORDER BY expr)`` (continuous, interpolated)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), output_field=DurationField(), **extra)


@dataclass(frozen=True)
class DecisionTime:
    severity: int | None  # None: every severity
    label: str
    decided: int
    median: timedelta | None
    p90: timedelta | None


def decision_times(*, period: Period) -> list[DecisionTime]:
    """Cases a person decided in the period: how long from exposure (the case's start) to the
    decision, median and 90th percentile, per severity and overall."""
    lo, hi = period.bounds()
    # People's decisions: a case an auto-close rule decided took no one's time.
    decided = ReviewCase.objects.filter(decided_at__gte=lo, decided_at__lt=hi, decided_by__isnull=False).exclude(
        status=CaseStatus.OPEN
    )
    wait = ExpressionWrapper(F("decided_at") - F("created_at"), output_field=DurationField())
    stats = {"n": Count("id"), "median": _Percentile(wait, 0.5), "p90": _Percentile(wait, 0.9)}
    # The stubs type values() rows by the model's fields only, not the annotations.
    per_severity = cast(
        "list[dict[str, Any]]", list(decided.values("severity").annotate(**stats).order_by("-severity"))
    )
    rows = [
        DecisionTime(row["severity"], Severity(row["severity"]).label, row["n"], row["median"], row["p90"])
        for row in per_severity
    ]
    total = decided.aggregate(**stats)
    return [*rows, DecisionTime(None, "all", total["n"], total["median"], total["p90"])]


@dataclass(frozen=True)
class TopConversation:
    conversation_id: int
    external_id: str
    assistant: str
    user_id: str
    findings: int
    severity: int
    types: list[str]


@dataclass(frozen=True)
class TopUser:
    user_id: str  # the client's pseudonymous id, never an e-mail (DESIGN.md, ingestion)
    findings: int
    conversations: int
    severity: int
    types: list[str]


T = TypeVar("T")


@dataclass(frozen=True)
class Ranked(Generic[T]):
    rows: list[T]
    total: int  # how many conversations (or people) have findings in the period at all


def _types_of(findings: QuerySet[SensitiveFinding], key: str) -> dict[Any, list[str]]:
    return {
        row[key]: row["types"]
        for row in findings.values(key).annotate(types=ArrayAgg("type", distinct=True, order_by="type")).order_by()
    }


def top_conversations(*, period: Period, limit: int = 10) -> Ranked[TopConversation]:
    """The conversations with the most findings; ranked on the findings table alone, then the few
    winners are described (a second, small query), so the ranking stays one cheap aggregate."""
    ranked = list(
        findings_in(period)
        .values("conversation_id")
        .annotate(n=Count("id"), top=Max("severity"), total=Window(Count("conversation_id")))
        .order_by("-n", "-top", "conversation_id")[:limit]
    )
    ids = [r["conversation_id"] for r in ranked]
    about = {c.pk: c for c in Conversation.objects.filter(id__in=ids).select_related("assistant")}
    types = _types_of(SensitiveFinding.objects.filter(conversation_id__in=ids), "conversation_id")
    rows = [
        TopConversation(
            conversation_id=r["conversation_id"],
            external_id=about[r["conversation_id"]].external_id,
            assistant=about[r["conversation_id"]].assistant.name,
            user_id=about[r["conversation_id"]].user_id,
            findings=r["n"],
            severity=r["top"],
            types=types.get(r["conversation_id"], []),
        )
        for r in ranked
    ]
    return Ranked(rows, ranked[0]["total"] if ranked else 0)


def top_users(*, period: Period, limit: int = 10) -> Ranked[TopUser]:
    """The (pseudonymous) people with the most findings, ranked like ``top_conversations``: the
    ranking counts findings only; the winners' conversations and types come from a second query
    over their rows alone (a distinct count over every person would sort the whole period)."""
    in_period = findings_in(period)
    ranked = list(
        in_period.values("conversation__user_id")
        .annotate(n=Count("id"), top=Max("severity"), total=Window(Count("conversation__user_id")))
        .order_by("-n", "-top", "conversation__user_id")[:limit]
    )
    about = {
        row["conversation__user_id"]: row
        for row in in_period.filter(conversation__user_id__in=[r["conversation__user_id"] for r in ranked])
        .values("conversation__user_id")
        .annotate(
            conversations=Count("conversation_id", distinct=True),
            types=ArrayAgg("type", distinct=True, order_by="type"),
        )
        .order_by()
    }
    rows = [
        TopUser(
            u["conversation__user_id"],
            u["n"],
            about[u["conversation__user_id"]]["conversations"],
            u["top"],
            about[u["conversation__user_id"]]["types"],
        )
        for u in ranked
    ]
    return Ranked(rows, ranked[0]["total"] if ranked else 0)
