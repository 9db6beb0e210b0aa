import io

import pytest
from django.core.management import CommandError, call_command

from apps.analytics.models import ConversationRollup
from apps.analytics.services import rollups_rebuild
from apps.conversations.models import Conversation, Message
from tests.fixtures.events import make_conversation

pytestmark = pytest.mark.django_db


def test_backfill_annotates_existing_messages_and_is_repeatable(post_events) -> None:
    post_events(make_conversation("bf1") + make_conversation("bf2", user="u2"))
    Message.objects.update(language=None, sentiment=None, annotated_at=None)
    Conversation.objects.update(language=None, frustration=None)
    rollups_rebuild()  # the metric rollups as of the unannotated record: no language
    assert set(ConversationRollup.objects.values_list("language", flat=True)) == {""}
    out = io.StringIO()
    call_command("nlp_backfill", org="alpha", no_progress=True, stdout=out)
    assert set(Message.objects.filter(role="user").values_list("language", flat=True)) == {"en"}
    # Too few messages to cluster, so the command itself announced the change to the rollups.
    assert set(ConversationRollup.objects.values_list("language", flat=True)) == {"en"}
    assert not Conversation.objects.filter(frustration__isnull=True).exists()
    snapshot = list(Message.objects.order_by("id").values_list("language", "sentiment", "annotated_at"))
    call_command("nlp_backfill", org="alpha", no_progress=True, stdout=io.StringIO())
    assert list(Message.objects.order_by("id").values_list("language", "sentiment", "annotated_at")) == snapshot


def test_backfill_unknown_org_is_refused(organizations) -> None:
    with pytest.raises(CommandError, match="no organization"):
        call_command("nlp_backfill", org="nope", no_progress=True)
