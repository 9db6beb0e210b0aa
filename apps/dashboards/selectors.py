"""Reads of the conversation explorer, transcripts and the qualitative layer (tags, notes, segments).

Everything here is scoped by who asks: conversations through
``registry.selectors.assistants_visible_to``, end users through the conversations of theirs the
reader may see, segments to their owner unless shared. Transcript content is shown masked to
every role but compliance (``transcript``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.permissions import can_unmask, sees_all_assistants
from apps.analytics.definitions import (
    ACCEPT_ACTIONS,
    EDIT_ACTION,
    ESCALATE_ACTION,
    REJECT_ACTIONS,
    abandon_signal_q,
    ended_q,
    escalated_q,
    resolved_q,
)
from apps.compliance.models import ReviewCase, UnmaskRequest
from apps.conversations.models import Action, Conversation, Feedback, Message
from apps.conversations.selectors import action_delay_seconds
from apps.dashboards.models import ConversationTag, Note, Segment, Tag, UserTag
from apps.dashboards.scope import conversation_url, user_journey_url
from apps.detection.models import MaskAction, SensitiveFinding, Severity
from apps.detection.selectors import findings_by_message
from apps.nlp.frustration import NEGATIVE_SENTIMENT
from apps.nlp.models import Intent
from apps.registry.selectors import assistants_visible_to

# --- scope ---------------------------------------------------------------------------------------


def conversations_visible_to(*, user: User) -> QuerySet[Conversation]:
    qs = Conversation.objects.all()
    if sees_all_assistants(user):
        return qs
    return qs.filter(assistant__in=assistants_visible_to(user=user).values("pk"))


def conversation_visible(*, user: User, pk: int) -> Conversation | None:
    """One conversation, or None when it does not exist or its assistant is not the user's to see."""
    return conversations_visible_to(user=user).select_related("assistant__department", "intent").filter(pk=pk).first()


def end_user_visible(*, user: User, end_user_id: str) -> bool:
    """Whether the reader may see anything of this end user: some conversation of theirs."""
    return conversations_visible_to(user=user).filter(user_id=end_user_id).exists()


def intents_visible_to(*, user: User) -> QuerySet[Intent]:
    return (
        Intent.objects.filter(assistant__in=assistants_visible_to(user=user).values("pk"))
        .select_related("assistant")
        .order_by("assistant__name", "label", "id")
    )


# --- segments ----------------------------------------------------------------------------------


def segments_visible_to(*, user: User) -> QuerySet[Segment]:
    """The user's own segments and those shared with the organization."""
    return Segment.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner").order_by("name", "id")


def segment_filters(user: User, segment_id: int) -> list[tuple[str, str]] | None:
    """The explorer filters saved as segment ``segment_id`` (``[(name, value), ...]``, a name may
    repeat), or None when no such segment is the user's or shared with them.

    Any page may apply a segment (``?segment=<id>``): read its filters here and treat them like
    the URL's own (the explorer lets a name in the URL replace the segment's).
    """
    segment = segments_visible_to(user=user).filter(pk=segment_id).first()
    if segment is None:
        return None
    return [(str(name), str(value)) for name, value in segment.filters]


# --- tags and notes ---------------------------------------------------------------------------


def tags_all() -> QuerySet[Tag]:
    return Tag.objects.order_by("name")


def conversation_tagged_q(name: str) -> Q:
    """Conversations carrying tag ``name`` (normalized), themselves or through their end user."""
    on_conversation = ConversationTag.objects.filter(conversation=OuterRef("pk"), tag__name=name)
    on_user = UserTag.objects.filter(end_user_id=OuterRef("user_id"), tag__name=name)
    return Q(Exists(on_conversation)) | Q(Exists(on_user))


@dataclass(frozen=True)
class Annotations:
    """The tags and notes of one subject (a conversation or an end user)."""

    tags: list[Tag]
    notes: list[Note]


def conversation_annotations(*, conversation: Conversation) -> Annotations:
    tags = [link.tag for link in ConversationTag.objects.filter(conversation=conversation).select_related("tag")]
    notes = list(Note.objects.filter(conversation=conversation).select_related("author"))
    return Annotations(tags=sorted(tags, key=lambda t: t.name), notes=notes)


def end_user_annotations(*, end_user_id: str) -> Annotations:
    """Tags and notes about one end user; callers check ``end_user_visible`` first."""
    tags = [link.tag for link in UserTag.objects.filter(end_user_id=end_user_id).select_related("tag")]
    notes = list(Note.objects.filter(end_user_id=end_user_id).select_related("author"))
    return Annotations(tags=sorted(tags, key=lambda t: t.name), notes=notes)


def note_visible(*, user: User, pk: int) -> Note | None:
    """A note its reader may see: on a conversation they may see, or about an end user they may."""
    note = Note.objects.select_related("conversation", "author").filter(pk=pk).first()
    if note is None:
        return None
    if note.conversation_id is not None:
        return note if conversation_visible(user=user, pk=note.conversation_id) else None
    return note if end_user_visible(user=user, end_user_id=note.end_user_id) else None


# --- the explorer's rows -------------------------------------------------------------------------


def _flag(q: Q) -> Coalesce:
    # A term over nullable columns is NULL rather than false; a row shows it as false.
    return Coalesce(ExpressionWrapper(q, output_field=BooleanField()), Value(False), output_field=BooleanField())


def outcome_label(*, ended: bool, resolved: bool, escalated: bool, abandon_signal: bool) -> str:
    """How a conversation ended, in METRICS.md's terms (the explorer's ``outcome`` values)."""
    if not ended:
        return "open"
    if resolved:
        return "resolved"
    if escalated:
        return "escalated"
    return "abandoned" if abandon_signal else "unresolved"


@dataclass(frozen=True)
class ConversationFacts:
    outcome: str
    escalated: bool
    findings: int


def conversation_facts(ids: Sequence[int], *, now: datetime | None = None) -> dict[int, ConversationFacts]:
    """Outcome and findings count of each conversation of ``ids`` (one query: a page's rows only,
    never the whole filtered list)."""
    rows = (
        Conversation.objects.filter(pk__in=list(ids))
        .order_by()
        .annotate(
            f_ended=_flag(ended_q(now=now or timezone.now())),
            f_resolved=_flag(resolved_q()),
            f_escalated=_flag(escalated_q()),
            f_abandon=_flag(abandon_signal_q()),
        )
        .values("pk", "f_ended", "f_resolved", "f_escalated", "f_abandon")
    )
    findings = dict(
        SensitiveFinding.objects.filter(conversation_id__in=list(ids))
        .order_by()
        .values_list("conversation_id")
        .annotate(n=Count("id"))
        .values_list("conversation_id", "n")
    )
    return {
        r["pk"]: ConversationFacts(
            outcome=outcome_label(
                ended=r["f_ended"], resolved=r["f_resolved"], escalated=r["f_escalated"], abandon_signal=r["f_abandon"]
            ),
            escalated=r["f_escalated"],
            findings=findings.get(r["pk"], 0),
        )
        for r in rows
    }


@dataclass(frozen=True)
class ExplorerRow:
    conversation: Conversation
    facts: ConversationFacts
    tags: list[str]

    @property
    def transcript_url(self) -> str:
        return conversation_url(self.conversation.pk)

    @property
    def journey_url(self) -> str:
        return user_journey_url(self.conversation.user_id)


@contextmanager
def without_jit() -> Iterator[None]:
    """Run the enclosed queries with PostgreSQL's JIT compiler off (in a transaction of their own).

    The explorer's filters are correlated subqueries (METRICS.md's terms) whose estimated cost
    passes PostgreSQL's default ``jit_above_cost``: compiling them took 2-4 s on the demo
    organization for plans that execute in 50-200 ms.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def explorer_page(conversations: QuerySet[Conversation], *, number: int, per_page: int, cap: int) -> ExplorerPage:
    """One page of a filtered (and ordered) list, counting and paging through at most ``cap``
    conversations, with each row's facts; a fixed number of queries whatever the page size."""
    with without_jit():
        paginator = Paginator(conversations[:cap], per_page)
        page = paginator.get_page(number)
        rows = explorer_rows(list(page.object_list))
    return ExplorerPage(page=page, rows=rows, capped=paginator.count >= cap)


@dataclass(frozen=True)
class ExplorerPage:
    page: Page
    rows: list[ExplorerRow]
    capped: bool  # the filters match at least ``cap`` conversations


def explorer_rows(conversations: Sequence[Conversation]) -> list[ExplorerRow]:
    """A page of the explorer's list with what each row shows, in a fixed number of queries."""
    ids = [c.pk for c in conversations]
    facts = conversation_facts(ids)
    tags: dict[int, set[str]] = defaultdict(set)
    for conversation_id, name in ConversationTag.objects.filter(conversation_id__in=ids).values_list(
        "conversation_id", "tag__name"
    ):
        tags[conversation_id].add(name)
    by_user: dict[str, set[str]] = defaultdict(set)
    users = {c.user_id for c in conversations}
    for end_user_id, name in UserTag.objects.filter(end_user_id__in=users).values_list("end_user_id", "tag__name"):
        by_user[end_user_id].add(name)
    return [
        ExplorerRow(conversation=c, facts=facts[c.pk], tags=sorted(tags[c.pk] | by_user[c.user_id]))
        for c in conversations
    ]


# --- the transcript ----------------------------------------------------------------------------

WITHHELD = "[content withheld: its findings no longer line up with the stored text]"


@dataclass(frozen=True)
class Piece:
    """A run of a message's displayed text; ``finding`` set when the run is a finding's span."""

    text: str
    finding: SensitiveFinding | None = None


def displayed_pieces(content: str, found: Sequence[SensitiveFinding], *, reveal_kept: bool) -> list[Piece]:
    """A message's stored (masked) content cut at its findings, as the reader may see it.

    Stored content already carries the policy's masks (``[EMAIL]``, ``**** 4242``); a finding the
    policy keeps as is (``keep``, e.g. organizations) still holds its value. Compliance sees it
    (highlighted); every other reader gets ``[TYPE]`` in its place, so the value never reaches
    their page. When a finding's offsets no longer fit the text (content expired by retention),
    a reader who may not see kept values gets no text at all rather than a guess.
    """
    pieces: list[Piece] = []
    cursor = 0
    for finding in sorted(found, key=lambda f: f.masked_start):
        fits = cursor <= finding.masked_start <= finding.masked_end <= len(content)
        if not fits:
            if not reveal_kept and finding.action == MaskAction.KEEP:
                return [Piece(WITHHELD)]
            continue
        pieces.append(Piece(content[cursor : finding.masked_start]))
        shown = content[finding.masked_start : finding.masked_end]
        if finding.action == MaskAction.KEEP and not reveal_kept:
            shown = f"[{finding.type}]"
        pieces.append(Piece(shown, finding))
        cursor = finding.masked_end
    pieces.append(Piece(content[cursor:]))
    return [p for p in pieces if p.text]


@dataclass(frozen=True)
class ActionView:
    action: Action
    kind: str  # accept | reject | edit | escalate | other
    seconds_after: float | None  # after the output it acts on


def _action_kind(name: str) -> str:
    if name in ACCEPT_ACTIONS:
        return "accept"
    if name in REJECT_ACTIONS:
        return "reject"
    if name == EDIT_ACTION:
        return "edit"
    return "escalate" if name == ESCALATE_ACTION else "other"


@dataclass
class TurnView:
    message: Message
    pieces: list[Piece]
    findings: list[SensitiveFinding]
    user_turn: int | None = None  # 1, 2, … for user messages
    actions: list[ActionView] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)

    @property
    def negative(self) -> bool:
        return self.message.sentiment is not None and self.message.sentiment <= NEGATIVE_SENTIMENT


@dataclass(frozen=True)
class FindingView:
    finding: SensitiveFinding
    my_request: UnmaskRequest | None = None  # the compliance viewer's latest four-eyes request

    @property
    def severity_label(self) -> str:
        return Severity(self.finding.severity).label if self.finding.severity in Severity.values else "?"


@dataclass
class Transcript:
    conversation: Conversation
    facts: ConversationFacts
    turns: list[TurnView]
    # Actions and ratings sent without a message id (or for a message never received).
    loose_actions: list[ActionView]
    loose_feedback: list[Feedback]
    findings: list[FindingView]
    reveals_kept: bool  # the reader sees values the policy keeps as is (compliance)
    review_case_id: int | None


def transcript(*, conversation: Conversation, viewer: User) -> Transcript:
    """One conversation, every message with its annotations inline, masked for the viewer."""
    reveal = can_unmask(viewer)
    grouped = findings_by_message(conversation_id=conversation.pk)
    messages = list(Message.objects.filter(conversation=conversation).select_related("intent").order_by("ts", "id"))
    turns: dict[int, TurnView] = {}
    user_turn = 0
    for message in messages:
        found = grouped.get(message.pk, [])
        view = TurnView(
            message=message, pieces=displayed_pieces(message.content, found, reveal_kept=reveal), findings=found
        )
        if message.role == "user":
            user_turn += 1
            view.user_turn = user_turn
        turns[message.pk] = view
    loose_actions: list[ActionView] = []
    actions = Action.objects.filter(conversation=conversation).annotate(delay=action_delay_seconds())
    for action in actions.order_by("ts", "id"):
        target = turns.get(action.message_id) if action.message_id else None
        seconds = action.delay if target else None
        view_action = ActionView(action=action, kind=_action_kind(action.action), seconds_after=seconds)
        (target.actions if target else loose_actions).append(view_action)
    loose_feedback: list[Feedback] = []
    for rating in Feedback.objects.filter(conversation=conversation).order_by("ts", "id"):
        target = turns.get(rating.message_id) if rating.message_id else None
        (target.feedback if target else loose_feedback).append(rating)
    case_id = ReviewCase.objects.filter(conversation=conversation).values_list("pk", flat=True).first()
    mine: dict[int, UnmaskRequest] = {}
    if reveal:
        requests = UnmaskRequest.objects.filter(finding__conversation=conversation, requester=viewer)
        mine = {r.finding_id: r for r in requests.select_related("approved_by").order_by("created_at")}
    return Transcript(
        conversation=conversation,
        facts=conversation_facts([conversation.pk])[conversation.pk],
        turns=list(turns.values()),
        loose_actions=loose_actions,
        loose_feedback=loose_feedback,
        findings=[FindingView(f, mine.get(f.pk)) for message in messages for f in grouped.get(message.pk, [])],
        reveals_kept=reveal,
        review_case_id=case_id,
    )
