"""The qualitative layer over the numbers (issue 12, point 8): tags, notes and saved segments.

Dashboards owns these tables and writes them only through ``apps.dashboards.services``. End users
are referred to by their pseudonymous id (``end_user_id``, the events' ``user_id``), never by a
foreign key: there is no end-user table, and the id is what every page and link carries.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

TAG_MAX_LENGTH = 40
NOTE_MAX_LENGTH = 2000
SEGMENT_NAME_MAX_LENGTH = 80
END_USER_ID_MAX_LENGTH = 128  # Conversation.user_id


class Tag(models.Model):
    """A label of the organization's shared vocabulary ("billing bug", "vip"): one row per name,
    compared without case, so two people tagging "VIP" and "vip" filter the same conversations."""

    name = models.CharField(max_length=TAG_MAX_LENGTH)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("name"), name="dashboards_tag_name_ci_uq")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TagLink(models.Model):
    """A tag put on something by someone, at some time."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class ConversationTag(TagLink):
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "tag"], name="dashboards_convtag_uq")]
        # The explorer's ``tag=`` filter is an EXISTS by tag and conversation.
        indexes = [models.Index(fields=["tag", "conversation"], name="dashboards_convtag_tag")]

    def __str__(self) -> str:
        return f"tag {self.tag_id} on conversation {self.conversation_id}"


class UserTag(TagLink):
    """A tag on an end user (by pseudonymous id): every conversation of that user carries it for
    the explorer's ``tag=`` filter."""

    end_user_id = models.CharField(max_length=END_USER_ID_MAX_LENGTH)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["end_user_id", "tag"], name="dashboards_usertag_uq")]
        indexes = [models.Index(fields=["tag", "end_user_id"], name="dashboards_usertag_tag")]

    def __str__(self) -> str:
        # No end-user id: this label lands in the (permanent) audit log.
        return f"tag {self.tag_id} on an end user"


class Note(models.Model):
    """A free-text note by a staff member on one conversation or one end user (exactly one)."""

    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    end_user_id = models.CharField(max_length=END_USER_ID_MAX_LENGTH, blank=True, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(conversation__isnull=False) & models.Q(end_user_id=""))
                | (models.Q(conversation__isnull=True) & ~models.Q(end_user_id="")),
                name="dashboards_note_one_subject",
            )
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        # No end-user id: this label lands in the (permanent) audit log.
        subject = f"conversation {self.conversation_id}" if self.conversation_id else "an end user"
        return f"note {self.pk} on {subject}"

    @property
    def edited(self) -> bool:
        # auto_now_add and auto_now are two clock reads: only a later save counts as an edit.
        return self.updated_at - self.created_at > timedelta(seconds=1)


class Segment(models.Model):
    """A named set of explorer filters, private to its owner unless shared with the organization.

    ``filters`` holds the explorer query as ``[[name, value], ...]`` (a name may repeat, e.g.
    ``assistant``), validated by the explorer's FilterSet when saved and again when applied: an
    assistant the reader may not see makes the segment a 400 for that reader, never a wider list.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=SEGMENT_NAME_MAX_LENGTH)
    filters = models.JSONField(default=list)
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("owner", Lower("name"), name="dashboards_segment_owner_name_ci_uq"),
        ]
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class DigestSubscription(models.Model):
    """A person's choice about the weekly digest e-mail; no row means subscribed (the default)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"digest e-mail {'on' if self.email else 'off'} for user {self.user_id}"


class DigestDelivery(models.Model):
    """One weekly digest e-mail per person and week: the row that makes sending idempotent.

    The sender claims (user, week) before sending, so a second run, a retried task or two beat
    processes never send the same week twice; a failed send keeps its row as ``failed`` with the
    error and is tried again by the next run until it is ``sent``.
    """

    class Status(models.TextChoices):
        SENT = "sent", "sent"
        EMPTY = "empty", "nothing to report"
        FAILED = "failed", "failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_from = models.DateField()  # the Monday of the week reported on
    status = models.CharField(max_length=10, choices=Status.choices)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint("user", "week_from", name="dashboards_digest_user_week_uq")]
        ordering = ["-week_from", "user_id"]

    def __str__(self) -> str:
        return f"digest {self.week_from} for user {self.user_id}: {self.status}"
