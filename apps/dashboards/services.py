"""Writes of the qualitative layer: tags, notes and saved segments (dashboards owns these tables).

Every write checks that the actor may use the explorer and may see what they annotate, and is
audited. Audit entries never hold a note's text nor an end user's id: the audit log is permanent,
while notes are edited and an end user may be erased (compliance's ``end_user_erase``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from apps.accounts.models import Role, User
from apps.accounts.permissions import require_role
from apps.audit.services import audit_record
from apps.conversations.models import Conversation
from apps.core.exceptions import ApplicationError, ConflictError, NotFoundError, NotPermittedError
from apps.core.services import model_update
from apps.dashboards.digest import digest_build, digest_email
from apps.dashboards.models import (
    ConversationTag,
    DigestDelivery,
    DigestSubscription,
    Note,
    Segment,
    Tag,
    UserTag,
)
from apps.dashboards.selectors import conversation_visible, end_user_visible

# Who reads transcripts and annotates them (the explorer's roles; a viewer reads summaries only).
EXPLORER_ROLES = (Role.ADMIN, Role.PRODUCT, Role.OWNER, Role.CX, Role.COMPLIANCE)
MAX_TAGS_PER_SUBJECT = 20
MAX_SEGMENTS_PER_USER = 100


def _require_conversation(actor: User, conversation: Conversation) -> None:
    require_role(actor, *EXPLORER_ROLES)
    if conversation_visible(user=actor, pk=conversation.pk) is None:
        raise NotFoundError("no such conversation among those you may see")


def _require_end_user(actor: User, end_user_id: str) -> None:
    require_role(actor, *EXPLORER_ROLES)
    if not end_user_id or not end_user_visible(user=actor, end_user_id=end_user_id):
        raise NotFoundError("no conversation of this user among those you may see")


def _tag(name: str, actor: User) -> Tag:
    tag, _ = Tag.objects.get_or_create(name=name, defaults={"created_by": actor})
    return tag


L = TypeVar("L", ConversationTag, UserTag)


def _link_add(*, actor: User, links: QuerySet[L], subject: str, name: str, create: Callable[[Tag], L]) -> L:
    """Put tag ``name`` on a subject (one of its ``links``): once, and at most MAX_TAGS_PER_SUBJECT."""
    if links.filter(tag__name=name).exists():
        raise ConflictError(f"This {subject} is already tagged “{name}”.")
    if links.count() >= MAX_TAGS_PER_SUBJECT:
        raise ApplicationError(f"A {subject} carries at most {MAX_TAGS_PER_SUBJECT} tags; remove one first.")
    return create(_tag(name, actor))


def _link_remove(*, links: QuerySet[L], subject: str, tag_id: int) -> L:
    link = links.filter(tag_id=tag_id).select_related("tag").first()
    if link is None:
        raise NotFoundError(f"this {subject} does not carry that tag")
    link.delete()
    _tags_drop_unused(link.tag_id)
    return link


def _tags_drop_unused(tag_id: int | None = None) -> None:
    """The vocabulary keeps only tags in use: a typo does not linger in every tag list, and a tag
    name does not outlive what it described (an erased user's conversations)."""
    unused = Tag.objects.exclude(Exists(ConversationTag.objects.filter(tag=OuterRef("pk")))).exclude(
        Exists(UserTag.objects.filter(tag=OuterRef("pk")))
    )
    (unused if tag_id is None else unused.filter(pk=tag_id)).delete()


# --- tags ----------------------------------------------------------------------------------------


@transaction.atomic
def conversation_tag_add(*, actor: User, conversation: Conversation, name: str) -> ConversationTag:
    """Tag a conversation with ``name`` (already normalized by the form: lower case, single spaces)."""
    _require_conversation(actor, conversation)
    link = _link_add(
        actor=actor,
        links=ConversationTag.objects.filter(conversation=conversation),
        subject="conversation",
        name=name,
        create=lambda tag: ConversationTag.objects.create(conversation=conversation, tag=tag, added_by=actor),
    )
    audit_record(actor=actor, action="conversation.tag", target=conversation, after={"tag": name})
    return link


@transaction.atomic
def conversation_tag_remove(*, actor: User, conversation: Conversation, tag_id: int) -> None:
    _require_conversation(actor, conversation)
    links = ConversationTag.objects.filter(conversation=conversation)
    link = _link_remove(links=links, subject="conversation", tag_id=tag_id)
    audit_record(actor=actor, action="conversation.untag", target=conversation, before={"tag": link.tag.name})


@transaction.atomic
def end_user_tag_add(*, actor: User, end_user_id: str, name: str) -> UserTag:
    _require_end_user(actor, end_user_id)
    link = _link_add(
        actor=actor,
        links=UserTag.objects.filter(end_user_id=end_user_id),
        subject="user",
        name=name,
        create=lambda tag: UserTag.objects.create(end_user_id=end_user_id, tag=tag, added_by=actor),
    )
    audit_record(actor=actor, action="end_user.tag", target=link, after={"tag": name})
    return link


@transaction.atomic
def end_user_tag_remove(*, actor: User, end_user_id: str, tag_id: int) -> None:
    _require_end_user(actor, end_user_id)
    link = _link_remove(links=UserTag.objects.filter(end_user_id=end_user_id), subject="user", tag_id=tag_id)
    # The link is gone: the entry names the tag row's type and the tag, never the end user.
    audit_record(actor=actor, action="end_user.untag", target_type="dashboards.usertag", before={"tag": link.tag.name})


@transaction.atomic
def end_user_annotations_erase(*, user_id: str) -> int:
    """Erasure of one end user (``compliance.retention.end_user_erase``, settings.END_USER_ERASURE_STEPS):
    the tags and notes about them; those on their conversations went with the conversations.
    Returns the number of rows deleted. Compliance audits the erasure as a whole."""
    deleted = UserTag.objects.filter(end_user_id=user_id).delete()[0]
    deleted += Note.objects.filter(end_user_id=user_id).delete()[0]
    _tags_drop_unused()  # also those only the user's (already deleted) conversations carried
    return deleted


# --- notes ---------------------------------------------------------------------------------------


def _note_facts(note: Note) -> dict[str, object]:
    return {"length": len(note.text)}


@transaction.atomic
def note_create(*, actor: User, text: str, conversation: Conversation | None = None, end_user_id: str = "") -> Note:
    """A note on a conversation or (``end_user_id``) on an end user: exactly one of the two."""
    if (conversation is None) == (not end_user_id):
        raise ApplicationError("a note is about one conversation or one user")
    if conversation is not None:
        _require_conversation(actor, conversation)
    else:
        _require_end_user(actor, end_user_id)
    note = Note(conversation=conversation, end_user_id=end_user_id, author=actor, text=text)
    note.full_clean()
    note.save()
    audit_record(actor=actor, action="note.create", target=note, after=_note_facts(note))
    return note


def _require_author(actor: User, note: Note) -> None:
    require_role(actor, *EXPLORER_ROLES)
    if note.author_id != actor.pk:
        raise NotPermittedError("only the author of a note may change or delete it")


@transaction.atomic
def note_update(*, actor: User, note: Note, text: str) -> Note:
    _require_author(actor, note)
    before = _note_facts(note)
    if model_update(instance=note, fields=["text"], data={"text": text}):
        audit_record(actor=actor, action="note.update", target=note, before=before, after=_note_facts(note))
    return note


@transaction.atomic
def note_delete(*, actor: User, note: Note) -> None:
    _require_author(actor, note)
    audit_record(actor=actor, action="note.delete", target=note, before=_note_facts(note))
    note.delete()


# --- segments -----------------------------------------------------------------------------------


def _segment_facts(segment: Segment) -> dict[str, object]:
    return {"name": segment.name, "shared": segment.shared, "filters": segment.filters}


def _require_unique_name(owner: User, name: str, *, exclude: int | None = None) -> None:
    taken = Segment.objects.filter(owner=owner, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ConflictError(f"You already have a segment named “{name}”.")


@transaction.atomic
def segment_create(*, actor: User, name: str, filters: Sequence[tuple[str, str]], shared: bool = False) -> Segment:
    """Save explorer filters (validated by the explorer's FilterSet at the interface) under a name."""
    require_role(actor, *EXPLORER_ROLES)
    if not filters:
        raise ApplicationError("Choose at least one filter before saving a segment.")
    _require_unique_name(actor, name)
    if Segment.objects.filter(owner=actor).count() >= MAX_SEGMENTS_PER_USER:
        raise ApplicationError(f"You have {MAX_SEGMENTS_PER_USER} segments, the most one person keeps; delete one.")
    segment = Segment(owner=actor, name=name, filters=[[k, v] for k, v in filters], shared=shared)
    segment.full_clean()
    segment.save()
    audit_record(actor=actor, action="segment.create", target=segment, after=_segment_facts(segment))
    return segment


def _require_owner(actor: User, segment: Segment) -> None:
    require_role(actor, *EXPLORER_ROLES)
    if segment.owner_id != actor.pk:
        raise NotPermittedError("only the owner of a segment may change or delete it")


@transaction.atomic
def segment_update(*, actor: User, segment: Segment, name: str, shared: bool) -> Segment:
    _require_owner(actor, segment)
    _require_unique_name(actor, name, exclude=segment.pk)
    changed = model_update(instance=segment, fields=["name", "shared"], data={"name": name, "shared": shared})
    if changed:
        audit_record(
            actor=actor,
            action="segment.update",
            target=segment,
            before={k: v[0] for k, v in changed.items()},
            after={k: v[1] for k, v in changed.items()},
        )
    return segment


@transaction.atomic
def segment_delete(*, actor: User, segment: Segment) -> None:
    _require_owner(actor, segment)
    audit_record(actor=actor, action="segment.delete", target=segment, before=_segment_facts(segment))
    segment.delete()


# --- the weekly digest e-mail (issue 12 item 9) ------------------------------------------------


@dataclass
class DigestRun:
    week_from: date
    sent: int = 0
    empty: int = 0
    failed: int = 0
    skipped: int = 0  # already sent (or empty) for this week, or gave up after the last attempt

    def as_dict(self) -> dict[str, object]:
        return {
            "week_from": self.week_from.isoformat(),
            "sent": self.sent,
            "empty": self.empty,
            "failed": self.failed,
            "skipped": self.skipped,
        }


def digest_week_due(now_local: datetime) -> date:
    """The Monday from which the digest is due: the last whole Monday-Sunday week whose send
    time (Monday ``TESSERA_DIGEST_SEND_HOUR`` in the organization's time zone) has passed.

    Shifting the clock back by the send hour makes Monday 00:00-06:59 still belong to the week
    before, so the digest waits for the hour when Sunday's late events are in."""
    shifted = (now_local - timedelta(hours=settings.TESSERA_DIGEST_SEND_HOUR)).date()
    return shifted - timedelta(days=shifted.weekday() + 7)


def digest_recipients() -> QuerySet[User]:
    opted_out = DigestSubscription.objects.filter(user=OuterRef("pk"), email=False)
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .exclude(roles=[])
        .exclude(Exists(opted_out))
        .order_by("pk")
    )


def digests_send_due(*, now_local: datetime, base_url: str) -> DigestRun:
    """Send every subscribed person the digest of the week due, at most once per person and week.

    Idempotent and safe to run hourly, twice at once, or late: each (person, week) is claimed
    under a row lock before its e-mail goes out; a week already ``sent`` or ``empty`` is skipped;
    a failed send is recorded and retried by the next run up to ``TESSERA_DIGEST_MAX_ATTEMPTS``.
    """
    week_from = digest_week_due(now_local)
    run = DigestRun(week_from=week_from)
    for user in digest_recipients():
        with transaction.atomic():
            DigestDelivery.objects.get_or_create(
                user=user, week_from=week_from, defaults={"status": DigestDelivery.Status.FAILED}
            )
            row = (
                DigestDelivery.objects.select_for_update(skip_locked=True)
                .filter(user=user, week_from=week_from)
                .first()
            )
            if row is None or row.status != DigestDelivery.Status.FAILED:
                run.skipped += 1  # another run holds it, or it is done
                continue
            if row.attempts >= settings.TESSERA_DIGEST_MAX_ATTEMPTS:
                run.skipped += 1
                continue
            row.attempts += 1
            digest = digest_build(user=user, today=week_from + timedelta(days=7))
            if digest.empty:
                row.status, row.error = DigestDelivery.Status.EMPTY, ""
                run.empty += 1
            else:
                try:
                    digest_email(digest=digest, base_url=base_url).send()
                except Exception as exc:
                    row.error = f"{type(exc).__name__}: {exc}"[:500]
                    run.failed += 1
                else:
                    row.status, row.error = DigestDelivery.Status.SENT, ""
                    run.sent += 1
            row.save(update_fields=["status", "error", "attempts", "updated_at"])
    return run


def digest_subscription_set(*, user: User, email: bool) -> DigestSubscription:
    """A person turns their own weekly digest e-mail on or off (the in-app digest stays)."""
    subscription, _ = DigestSubscription.objects.update_or_create(user=user, defaults={"email": email})
    return subscription
