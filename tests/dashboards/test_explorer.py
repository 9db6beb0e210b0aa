"""The conversation explorer and the transcript: every filter of the link contract against
conversations counted by hand, scope (403 by role, 404 / 400 across departments), paging, CSV
export of the page, no N+1, and masking in the DOM for product vs compliance.

July 2026 (the June conversations of ``dash_world`` lie outside every July range):

conv  assistant  day/hour  user  lang  intent   what happened                                   outcome
c1    HR bot     1 09:00   u1    en    billing  outcome event "resolved"; text "…INVOICE…"      resolved
c2    HR bot     1 12:00   u2    es    billing  frustrated; 2nd user turn a rephrase; escalate  escalated
c3    HR bot     2 09:00   u1    en    leave    conversation variant a, its output variant b;   resolved
                                                copied
c4    HR bot     3 09:00   u3    pt    —        frustrated; negative last user turn; dismissed  abandoned
c5    HR bot     3 10:00   u3    en    —        an e-mail finding; no action                    unresolved
c6    Sales bot  2 10:00   u1    en    —        dims region=north (Sales declares "region");    resolved
                                                copied
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.models import AuditEntry
from apps.conversations.models import Conversation, Message
from apps.dashboards import explorer
from apps.detection.models import MaskAction, SensitiveFinding, Severity
from apps.detection.services import masking_policy_get
from apps.nlp.models import Intent
from tests.conftest import ALPHA
from tests.dashboards.conftest import DashWorld
from tests.factories import ActionFactory, ConversationFactory, MessageFactory, UserFactory, sensitive_events

pytestmark = pytest.mark.django_db

URL = "/dashboards/conversations/"
JULY = {"from": "2026-07-01", "to": "2026-07-05"}


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 7, day, hour, 0, tzinfo=UTC)


def finding(message: Message, *, type_: str, start: int, end: int, action: str = MaskAction.MASK_AND_VAULT):
    """A finding on stored text ``message.content[start:end]`` (already masked unless ``keep``)."""
    return SensitiveFinding.objects.create(
        message=message,
        conversation=message.conversation,
        type=type_,
        start=start,
        end=end,
        masked_start=start,
        masked_end=end,
        score=0.9,
        recognizer="test",
        action=action,
        severity=Severity.MEDIUM,
        value_hash="0" * 64,
        masked_preview=f"[{type_}]",
        created_at=timezone.now(),
    )


@dataclass
class World:
    dash: DashWorld
    convs: dict[str, Conversation]
    billing: Intent
    leave: Intent

    def client(self, role: str):
        return self.dash.client(role)

    def names(self, response) -> list[str]:
        by_pk = {c.pk: name for name, c in self.convs.items()}
        return [by_pk.get(r.conversation.pk, r.conversation.external_id) for r in response.context["rows"]]


@pytest.fixture
def world(dash_world: DashWorld) -> World:
    hr, sales = dash_world.hr_bot, dash_world.sales_bot
    sales.metric_dimensions = ["region"]
    sales.save(update_fields=["metric_dimensions"])
    billing = Intent.objects.create(assistant=hr, label="billing")
    leave = Intent.objects.create(assistant=hr, label="leave")

    def conv(assistant, start, user, **fields):
        return ConversationFactory(
            assistant=assistant, started_at=start, user_id=user, **{"user_messages": 1, **fields}
        )

    def turn(c, seconds, content, role="user", **fields):
        return MessageFactory(
            conversation=c, role=role, content=content, ts=c.started_at + timedelta(seconds=seconds), **fields
        )

    c1 = conv(hr, at(1, 9), "u1", language="en", intent=billing, variant="a", outcome="resolved", outcome_at=at(1, 9))
    turn(c1, 0, "How do I pay my INVOICE?")
    turn(c1, 5, "Open Billing, then Pay.", role="assistant")

    c2 = conv(hr, at(1, 12), "u2", language="es", intent=billing, frustrated=True, frustration=0.8, user_messages=2)
    turn(c2, 0, "no funciona el pago", sentiment=-0.6)
    answer = turn(c2, 5, "¿Puede darme más detalles?", role="assistant")
    turn(c2, 20, "sigue sin funcionar el pago", sentiment=-0.5, is_rephrase=True, rephrase_score=0.91)
    ActionFactory(message=answer, action="escalate", ts=answer.ts + timedelta(seconds=30))

    c3 = conv(hr, at(2, 9), "u1", language="en", intent=leave, variant="a")
    turn(c3, 0, "How many leave days do I have?")
    output = turn(c3, 4, "You have 12 days left.", role="assistant", variant="b", latency_ms=420)
    ActionFactory(message=output, action="copy", ts=output.ts + timedelta(seconds=3))

    c4 = conv(hr, at(3, 9), "u3", language="pt", frustrated=True, frustration=0.6)
    turn(c4, 0, "isso está errado", sentiment=-0.8)
    output = turn(c4, 4, "Desculpe.", role="assistant")
    ActionFactory(message=output, action="dismiss", ts=output.ts + timedelta(seconds=2))

    c5 = conv(hr, at(3, 10), "u3", language="en")
    note = turn(c5, 0, "Mail me at [EMAIL] please")
    finding(note, type_="EMAIL", start=11, end=18)
    turn(c5, 3, "Sure.", role="assistant")

    c6 = conv(sales, at(2, 10), "u1", language="en", dims={"region": "north"})
    turn(c6, 0, "Draft a follow-up")
    output = turn(c6, 4, "Here it is.", role="assistant")
    ActionFactory(message=output, action="copy", ts=output.ts + timedelta(seconds=8))
    convs = {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "c6": c6}
    return World(dash=dash_world, convs=convs, billing=billing, leave=leave)


def listed(world: World, role: str = "admin", **params) -> list[str]:
    response = world.client(role).get(URL, {**JULY, **params})
    assert response.status_code == 200, response.content
    return world.names(response)


# --- the list ------------------------------------------------------------------------------------


def test_the_list_is_every_visible_conversation_of_the_range_newest_first(world: World) -> None:
    response = world.client("admin").get(URL, JULY)
    assert response.status_code == 200
    assert world.names(response) == ["c5", "c4", "c6", "c3", "c2", "c1"]
    assert response.context["page"].paginator.count == 6
    rows = dict(zip(world.names(response), response.context["rows"], strict=True))
    assert [(n, rows[n].facts.outcome) for n in ("c1", "c2", "c3", "c4", "c5", "c6")] == [
        ("c1", "resolved"),
        ("c2", "escalated"),
        ("c3", "resolved"),
        ("c4", "abandoned"),
        ("c5", "unresolved"),
        ("c6", "resolved"),
    ]
    assert rows["c5"].facts.findings == 1
    assert rows["c2"].conversation.user_messages == 2
    body = response.content.decode()
    assert f'href="/dashboards/conversations/{world.convs["c5"].pk}/"' in body
    assert 'href="/dashboards/users/?user=u3"' in body


def test_the_filters_in_effect_read_as_labels_with_their_remove_links(world: World) -> None:
    response = world.client("admin").get(URL, {**JULY, "outcome": "unresolved", "intent": world.billing.pk})
    chips = [(c["label"], c["value"], c["remove"]) for c in response.context["chips"]]
    assert chips == [
        ("Outcome", "Ended, not resolved", f"?from=2026-07-01&to=2026-07-05&intent={world.billing.pk}"),
        ("Intent", "billing", "?from=2026-07-01&to=2026-07-05&outcome=unresolved"),
    ]
    assert world.names(response) == ["c2"]


def test_oldest_first(world: World) -> None:
    assert listed(world, sort="oldest") == ["c1", "c2", "c3", "c6", "c4", "c5"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"assistant": "hr"}, {"c1", "c2", "c3", "c4", "c5"}),
        ({"department": "sales"}, {"c6"}),
        ({"language": "es"}, {"c2"}),
        ({"intent": "billing"}, {"c1", "c2"}),
        ({"outcome": "resolved"}, {"c1", "c3", "c6"}),
        ({"outcome": "unresolved"}, {"c2", "c4", "c5"}),
        ({"outcome": "escalated"}, {"c2"}),
        ({"outcome": "abandoned"}, {"c4"}),
        ({"outcome": "open"}, set()),
        ({"frustrated": "1"}, {"c2", "c4"}),
        ({"frustrated": "0"}, {"c1", "c3", "c5", "c6"}),
        ({"findings": "1"}, {"c5"}),
        ({"rephrased": "1"}, {"c2"}),
        ({"user": "u1"}, {"c1", "c3", "c6"}),
        # A variant matches the conversation's own or any of its outputs' (the engine's cut).
        ({"variant": "b"}, {"c3"}),
        ({"variant": "a"}, {"c1", "c3"}),
        ({"dim1": "north"}, {"c6"}),
        ({"q": "invoice"}, {"c1"}),
        ({"from": "2026-07-02", "to": "2026-07-02"}, {"c3", "c6"}),
        ({"assistant": "hr", "frustrated": "1", "language": "es"}, {"c2"}),
        ({"intent": "billing", "outcome": "resolved"}, {"c1"}),
        ({"user": "u1", "outcome": "resolved"}, {"c1", "c3", "c6"}),
        ({"frustrated": "1", "outcome": "abandoned"}, {"c4"}),
        ({"findings": "1", "outcome": "unresolved", "user": "u3"}, {"c5"}),
        ({"department": "hr", "rephrased": "0", "outcome": "resolved"}, {"c1", "c3"}),
    ],
)
def test_filters_match_the_hand_counted_conversations(world: World, params, expected) -> None:
    ids = {
        "hr": world.dash.hr_bot.pk,
        "sales": world.dash.sales_bot.pk,
        "billing": world.billing.pk,
    }
    params = dict(params)
    if "assistant" in params:
        params["assistant"] = ids[params["assistant"]]
    if "department" in params:
        params["department"] = {"hr": world.dash.hr.pk, "sales": world.dash.sales.pk}[params["department"]]
    if "intent" in params:
        params["intent"] = ids[params["intent"]]
    assert set(listed(world, **params)) == expected


def test_blank_fields_of_a_submitted_form_mean_no_filter(world: World) -> None:
    # The filter form sends every field, "All assistants" as ``assistant=``.
    blank = dict.fromkeys(("assistant", "department", "intent", "outcome", "frustrated", "tag", "segment", "q"), "")
    assert listed(world, **blank) == ["c5", "c4", "c6", "c3", "c2", "c1"]
    summary = world.client("admin").get("/dashboards/summary/", {**JULY, "assistant": "", "department": ""})
    assert summary.status_code == 200


def test_open_conversations_of_the_default_range(world: World) -> None:
    # No dates: the last 30 days, like every page; a conversation still going is "open".
    live = ConversationFactory(
        assistant=world.dash.hr_bot, started_at=timezone.now() - timedelta(minutes=5), last_event_at=timezone.now()
    )
    response = world.client("admin").get(URL, {"outcome": "open"})
    assert [r.conversation.pk for r in response.context["rows"]] == [live.pk]
    assert [r.conversation.pk for r in world.client("admin").get(URL, {"outcome": "resolved"}).context["rows"]] == []


def test_a_department_member_sees_only_its_assistants(world: World) -> None:
    assert set(listed(world, "product", user="u1")) == {"c1", "c3"}
    assert set(listed(world, "cx")) == {"c1", "c2", "c3", "c4", "c5"}


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"outcome": "maybe"}, "outcome", "Select a valid choice"),
        ({"frustrated": "true"}, "frustrated", "Select a valid choice"),
        ({"intent": "999999"}, "intent", "No intent of an assistant you may see has this id."),
        ({"q": "a"}, "q", "at least 2 characters"),
        ({"tag": "!!"}, "tag", "A tag starts with a letter or digit"),
        ({"segment": "999999"}, "segment", "No saved segment with this id is shared with you."),
        ({"from": "2026-07-05", "to": "2026-07-01"}, "from", "must be on or before"),
        ({"from": "someday"}, "from", "Enter a valid date"),
        ({"user": "x" * 129}, "user", "at most 128 characters"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_it(world: World, params, field, message) -> None:
    response = world.client("admin").get(URL, params)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert "rows" not in response.context


def test_a_bad_page_number_is_a_400(world: World) -> None:
    response = world.client("admin").get(URL, {**JULY, "page": "0"})
    assert response.status_code == 400
    assert b"a page is a whole number from 1" in response.content


def test_an_assistant_of_another_department_is_refused_like_an_unknown_one(world: World) -> None:
    response = world.client("product").get(URL, {**JULY, "assistant": world.dash.sales_bot.pk})
    assert response.status_code == 400
    assert f"No assistant {world.dash.sales_bot.pk} that you may see." in response.context["form"].errors["assistant"]
    assert b"Sales bot" not in response.content
    intent = Intent.objects.create(assistant=world.dash.sales_bot, label="renewals")
    assert world.client("product").get(URL, {"intent": intent.pk}).status_code == 400


def test_the_explorer_is_not_for_viewers(world: World) -> None:
    assert world.client("viewer").get(URL).status_code == 403
    for role in ("admin", "owner", "product", "cx", "compliance"):
        assert world.client(role).get(URL, JULY).status_code == 200, role


def test_pages_and_the_csv_of_the_current_page(world: World, monkeypatch) -> None:
    monkeypatch.setattr(explorer, "PAGE_SIZE", 2)
    second = world.client("admin").get(URL, {**JULY, "page": 2})
    assert world.names(second) == ["c6", "c3"]
    assert second.context["page"].paginator.num_pages == 3
    export = world.client("admin").get(URL, {**JULY, "page": 2, "export": "conversations"})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(export.getvalue().decode())))
    assert table[0] == [
        "Started",
        "Assistant",
        "User",
        "Intent",
        "Language",
        "Outcome",
        "Frustrated",
        "Findings",
        "Turns",
        "Tags",
    ]
    assert [row[1:9] for row in table[1:]] == [
        ["Sales bot", "u1", "", "en", "resolved", "no", "0", "1"],
        ["HR bot", "u1", "leave", "en", "resolved", "no", "0", "1"],
    ]
    assert world.client("admin").get(URL, {**JULY, "export": "nope"}).status_code == 404


def test_the_list_costs_the_same_queries_whatever_its_length(world: World) -> None:
    client = world.client("admin")
    client.get(URL, JULY)  # session and caches warm

    def queries(params) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL, params)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    # 6 rows in July, 25 rows (other assistants, users, intents) in June.
    assert queries(JULY) == queries({"from": "2026-06-01", "to": "2026-06-30"})


def test_htmx_gets_only_the_list(world: World) -> None:
    response = world.client("admin").get(URL, JULY, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="explorer-body")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="explorer-body">')
    assert "<html" not in body


# --- the transcript ------------------------------------------------------------------------------


def test_the_transcript_shows_annotations_inline(world: World) -> None:
    c2 = world.convs["c2"]
    response = world.client("cx").get(f"{URL}{c2.pk}/")
    assert response.status_code == 200
    t = response.context["t"]
    assert t.facts.outcome == "escalated"
    assert [(v.message.role, v.user_turn) for v in t.turns] == [("user", 1), ("assistant", None), ("user", 2)]
    assert [(a.action.action, a.kind, a.seconds_after) for a in t.turns[1].actions] == [("escalate", "escalate", 30.0)]
    assert [v.negative for v in t.turns] == [True, False, True]
    body = response.content.decode()
    assert "↻ rephrase" in body
    assert "sentiment -0.60 · negative" in body
    assert "30.0 s after" in body


def test_a_transcript_of_another_department_is_not_found(world: World) -> None:
    c6 = world.convs["c6"]
    assert world.client("product").get(f"{URL}{c6.pk}/").status_code == 404
    assert world.client("admin").get(f"{URL}{c6.pk}/").status_code == 200
    assert world.client("viewer").get(f"{URL}{world.convs['c1'].pk}/").status_code == 403
    assert world.client("admin").get(f"{URL}999999/").status_code == 404


# --- masking in the DOM ------------------------------------------------------------------------------

CARD = "4111 1111 1111 1111"
EMAIL = "ana.souza@example.org"


@pytest.fixture
def masked_conversation(post_events, assistant) -> Conversation:
    """Through the real pipeline: the card is masked and vaulted, the e-mail kept as is by policy."""
    policy = masking_policy_get()
    policy.actions = {"EMAIL": MaskAction.KEEP}
    policy.save()
    response = post_events(sensitive_events("c-mask", "u-mask", f"My card {CARD}, write to {EMAIL} please"))
    assert response.status_code == 200, response.content
    return Conversation.objects.get(external_id="c-mask")


def _reader(role: str, conversation: Conversation) -> tuple[Client, User]:
    user = UserFactory(email=f"mask-{role}@alpha.test", roles=[role])
    conversation.assistant.department.members.add(user)
    client = Client(HTTP_HOST=ALPHA["domain"])
    client.force_login(user)
    return client, user


def test_masked_for_product_and_shown_as_stored_to_compliance(masked_conversation: Conversation) -> None:
    stored = Message.objects.get(external_id="c-mask-m1").content
    assert stored == f"My card **** 1111, write to {EMAIL} please"  # the policy keeps the e-mail as is
    path = f"{URL}{masked_conversation.pk}/"

    product, _ = _reader("product", masked_conversation)
    body = product.get(path).content.decode()
    assert EMAIL not in body
    assert "ana.souza" not in body
    assert CARD not in body
    assert "4111111111111111" not in body
    assert "My card <mark" in body
    assert "**** 1111</mark>, write to <mark" in body
    assert "[EMAIL]</mark> please" in body
    assert "Unmask" not in body
    assert not AuditEntry.objects.filter(action="conversation.view_sensitive").exists()

    compliance, officer = _reader("compliance", masked_conversation)
    body = compliance.get(path).content.decode()
    assert EMAIL in body  # stored as is: compliance reads it, highlighted
    assert CARD not in body
    assert "4111111111111111" not in body
    card = SensitiveFinding.objects.get(conversation=masked_conversation, type="CREDIT_CARD")
    assert f'hx-post="/compliance/findings/{card.pk}/unmask/"' in body
    entry = AuditEntry.objects.get(action="conversation.view_sensitive")
    assert (entry.actor_id, entry.target_id, entry.after) == (
        officer.pk,
        str(masked_conversation.pk),
        {"via": "transcript"},
    )


def test_kept_values_are_not_searchable_by_other_roles(masked_conversation: Conversation) -> None:
    product, _ = _reader("product", masked_conversation)
    compliance, _ = _reader("compliance", masked_conversation)
    assert [r.conversation.pk for r in product.get(URL, {"q": "ana.souza"}).context["rows"]] == []
    assert [r.conversation.pk for r in compliance.get(URL, {"q": "ana.souza"}).context["rows"]] == [
        masked_conversation.pk
    ]
    # Text outside the findings is searchable by everyone.
    assert [r.conversation.pk for r in product.get(URL, {"q": "billing team"}).context["rows"]] == [
        masked_conversation.pk
    ]
