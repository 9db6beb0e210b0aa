"""The customer-experience page and the user journey, on a hand-countable world.

Help bot (department Support), every conversation in June 3-30, 2026, ended long before NOW. Each
conversation has `turns` user messages; the last `reph` of turns 2.. are rephrases (the first
never has a score). Frustrated conversations score 0.8, the others 0.1 (0.3 for f4).

user     convs (day 09:00 or 10:00)         language  intent    kind (turns, rephrases)
e0       Jun 3, 13, 21                      en        refund    resolved(2,0), escalated(2,1), escalated(2,1)
e1       Jun 4, 14, 22                      en        refund    resolved(2,0), escalated(2,1), abandoned(2,1)
e2       Jun 5, 15, 23                      en        refund    resolved(2,0), abandoned(2,1), abandoned(2,1)
e3..e5   Jun 3+j, 13+j, 21+j                en        password  resolved(2,1), resolved(2,0), resolved(2,0)
e6..e9   Jun 3+j, 13+j, 21+j                en        password  resolved(2,0) x 3
s0..s2   Jun 3+j (A), 13+j (B) 10:00        es        refund    A resolved(2,1), B escalated(3,2)
s3..s5   same                               es        refund    A resolved(2,0), B escalated(3,2)
s6..s9   same                               es        refund    A abandoned(1,0) by an `abandon` action, B abandoned(3,2)
f0..f4   Jun 25+i 08:00                     fr        -         f0..f3 resolved(1,0), f4 escalated(1,0) (not frustrated)

Totals (55 conversations, 25 people): frustrated 6 en + 14 es = 20 -> 36.4%; abandoned 3 + 8 = 11 -> 20.0%;
escalated 3 + 6 + 1 = 10 -> 18.2%; resolved 24 + 6 + 4 = 34 -> 61.8%; rephrases en 9 of 30, es 23 of 26
(3 + 12 + 0 + 8 of 6 + 12 + 0 + 8), fr none of 0 -> 32 of 56 = 57.1%.
Drop-off (last user turn of the 11 abandoned): turn 1 x 4 (s6..s9 A), turn 2 x 3 (en), turn 3 x 4 (s6..s9 B).
Intents: refund = es + e0..e2 (13 people): rephrases 23 + 6 of 26 + 9; escalated 6 + 3 of 29.
         password = e3..e9 (7 people): rephrases 3 of 21; escalated 0 of 21.
Users with >= 2 frustrated: e0 (last seen Jun 21 09:02), e1 (Jun 22), e2 (Jun 23), s6..s9 (Jun 19..22 10:02).

Other bot (department Sales, English, no intent): o0 escalated + frustrated on Jun 5 and 6 (10:00), o1..o3 one
resolved each (Jun 7..9), e0 one resolved on Jun 25 09:00. The cx, product and owner users belong to Support only.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.analytics.decision_services import alert_upsert
from apps.analytics.decisions import decisions_evaluate
from apps.analytics.models import Recommendation
from apps.analytics.privacy import analytics_settings_update
from apps.analytics.services import rollups_rebuild
from apps.conversations.models import Conversation, Feedback
from apps.nlp.models import Intent
from apps.registry.models import Assistant
from tests.conftest import ALPHA
from tests.factories import (
    ActionFactory,
    AssistantFactory,
    ConversationFactory,
    DepartmentFactory,
    MessageFactory,
    ReleaseAnnotationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
JUNE = {"from": "2026-06-01", "to": "2026-06-30"}
ROLES = ("admin", "owner", "product", "cx", "compliance", "viewer")
CONTENT_MARKER = "SECRET-CONTENT-7f3a"
COMMENT_MARKER = "COMMENT-MARKER-19bd"


@dataclass
class CxWorld:
    help_bot: Assistant
    other_bot: Assistant
    users: dict[str, User]
    conversations: dict[tuple[str, int], Conversation]  # (user, n-th conversation on Help bot from 0)

    def client(self, role: str) -> Client:
        client = Client(HTTP_HOST=ALPHA["domain"])
        client.force_login(self.users[role])
        return client


def _conversation(
    assistant: Assistant,
    user: str,
    start: datetime,
    language: str,
    kind: str,
    turns: int,
    rephrases: int,
    intent: Intent | None,
    *,
    frustrated: bool | None = None,
) -> Conversation:
    frustrated = kind != "resolved" if frustrated is None else frustrated
    conv = ConversationFactory(
        assistant=assistant,
        user_id=user,
        started_at=start,
        last_event_at=start + timedelta(minutes=2),
        outcome={"resolved": "resolved", "escalated": "escalated"}.get(kind),
        language=language,
        user_department="Customers",
        user_messages=turns,
        frustrated=frustrated,
        frustration=0.8 if frustrated else (0.3 if kind == "escalated" else 0.1),
        intent=intent,
    )
    last = None
    for turn in range(1, turns + 1):
        rephrase = turn > 1 and turn > turns - rephrases
        last = MessageFactory(
            conversation=conv,
            role="user",
            ts=start + timedelta(seconds=10 * turn),
            content=f"{CONTENT_MARKER} question {turn}",
            rephrase_score=None if turn == 1 else (0.9 if rephrase else 0.1),
            is_rephrase=None if turn == 1 else rephrase,
        )
    assert last is not None
    output = MessageFactory(conversation=conv, role="assistant", ts=last.ts + timedelta(seconds=5), content="answer")
    if kind == "abandoned" and rephrases == 0:
        ActionFactory(message=output, action="abandon", ts=output.ts + timedelta(seconds=5))
    return conv


def _feedback(conv: Conversation, rating: str, thumb: str, comment: str = "") -> None:
    Feedback.objects.create(
        conversation=conv, event_id=f"fb-{conv.pk}", rating=rating, thumb=thumb, comment=comment, ts=conv.last_event_at
    )


@pytest.fixture
def cx_world(alpha, settings) -> CxWorld:
    settings.ANALYTICS_MIN_SAMPLE = 5
    support, sales = DepartmentFactory(name="Support"), DepartmentFactory(name="Sales")
    help_bot = AssistantFactory(department=support, name="Help bot")
    other_bot = AssistantFactory(department=sales, name="Other bot")
    refund = Intent.objects.create(assistant=help_bot, label="refund")
    password = Intent.objects.create(assistant=help_bot, label="password")
    convs: dict[tuple[str, int], Conversation] = {}

    def at(day: int, hour: int) -> datetime:
        return datetime(2026, 6, day, hour, 0, tzinfo=UTC)

    en_plans = {
        0: [("resolved", 0), ("escalated", 1), ("escalated", 1)],
        1: [("resolved", 0), ("escalated", 1), ("abandoned", 1)],
        2: [("resolved", 0), ("abandoned", 1), ("abandoned", 1)],
    }
    for j in range(10):
        plan = en_plans.get(j) or [("resolved", 1 if j <= 5 else 0), ("resolved", 0), ("resolved", 0)]
        intent = refund if j <= 2 else password
        for n, (day, (kind, reph)) in enumerate(zip((3 + j, 13 + j, 21 + j), plan, strict=True)):
            convs[(f"e{j}", n)] = _conversation(help_bot, f"e{j}", at(day, 9), "en", kind, 2, reph, intent)
    for j in range(10):
        if j <= 5:
            first = ("resolved", 2, 1 if j <= 2 else 0)
            second = ("escalated", 3, 2)
        else:
            first, second = ("abandoned", 1, 0), ("abandoned", 3, 2)
        for n, (day, (kind, turns, reph)) in enumerate(zip((3 + j, 13 + j), (first, second), strict=True)):
            convs[(f"s{j}", n)] = _conversation(help_bot, f"s{j}", at(day, 10), "es", kind, turns, reph, refund)
    for i in range(5):
        kind = "resolved" if i < 4 else "escalated"
        convs[(f"f{i}", 0)] = _conversation(help_bot, f"f{i}", at(25 + i, 8), "fr", kind, 1, 0, None, frustrated=False)
    for day in (5, 6):
        _conversation(other_bot, "o0", at(day, 10), "en", "escalated", 1, 0, None)
    for i in (1, 2, 3):
        _conversation(other_bot, f"o{i}", at(6 + i, 10), "en", "resolved", 1, 0, None)
    _conversation(other_bot, "e0", at(25, 9), "en", "resolved", 1, 0, None)
    _feedback(convs[("e0", 0)], "up", "up")
    _feedback(convs[("e0", 1)], "down", "down", comment=COMMENT_MARKER)
    _feedback(convs[("e0", 2)], "2", "down")
    rollups_rebuild(now=NOW)
    users = {role: UserFactory(email=f"cx-{role}@alpha.test", roles=[role]) for role in ROLES}
    support.members.add(users["owner"], users["product"], users["cx"], users["viewer"])
    return CxWorld(help_bot=help_bot, other_bot=other_bot, users=users, conversations=convs)


def privacy_off(world: CxWorld) -> None:
    analytics_settings_update(actor=world.users["admin"], changes={"privacy_mode": False})


def texts(table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]


def two_sided_p(a: int, n_a: int, b: int, n_b: int) -> float:
    """The pooled two-proportion z-test, by hand (math.erfc: P(|Z| > z) = erfc(z / √2))."""
    pooled = (a + b) / (n_a + n_b)
    z = (a / n_a - b / n_b) / math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    return math.erfc(abs(z) / math.sqrt(2))


# --- the customer-experience page ---------------------------------------------------------------


def test_kpis_are_the_hand_counted_rates(cx_world: CxWorld) -> None:
    response = cx_world.client("cx").get("/dashboards/cx/", JUNE)
    assert response.status_code == 200
    kpis = {k.label: k for k in response.context["kpis"]}
    assert {label: k.display for label, k in kpis.items()} == {
        "Frustrated conversations": "36.4%",  # 20 of 55
        "Abandonment": "20.0%",  # 11 of 55
        "Escalation": "18.2%",  # 10 of 55
        "Rephrase rate": "57.1%",  # 32 of 56
        "Success rate": "61.8%",  # 34 of 55
    }
    assert kpis["Frustrated conversations"].title == "20 of 55"
    assert kpis["Rephrase rate"].title == "32 of 56"
    assert "frustrated=1" in kpis["Frustrated conversations"].href
    assert "outcome=abandoned" in kpis["Abandonment"].href
    assert "outcome=escalated" in kpis["Escalation"].href
    assert "rephrased=1" in kpis["Rephrase rate"].href
    assert "from=2026-06-01" in kpis["Success rate"].href


def test_drop_off_is_the_engines_histogram(cx_world: CxWorld) -> None:
    chart = cx_world.client("cx").get("/dashboards/cx/", JUNE).context["drop_off"]
    assert texts(chart.table) == [["turn 1", "4"], ["turn 2", "3"], ["turn 3", "4"]]
    # Nearest rank over 1,1,1,1,2,2,2,3,3,3,3: the 6th is 2, the 10th is 3.
    assert chart.description == "11 abandoned conversations; half of them ended by turn 2, 90% by turn 3."
    assert "outcome=abandoned" in chart.table.rows[0][0].href
    assert [p["value"] for p in chart.option["series"][0]["data"]] == [4, 3, 4]


def test_rephrase_hotspots_and_escalations_by_intent(cx_world: CxWorld) -> None:
    context = cx_world.client("cx").get("/dashboards/cx/", JUNE).context
    hotspots = context["rephrase_hotspots"]
    # refund: 23 (es) + 6 (e0..e2) of 26 + 9; password: 3 of 21.
    assert texts(hotspots) == [["refund", "Help bot", "29", "82.9%"], ["password", "Help bot", "3", "14.3%"]]
    refund = Intent.objects.get(label="refund")
    assert f"intent={refund.pk}" in hotspots.rows[0][2].href
    assert "rephrased=1" in hotspots.rows[0][2].href
    assert hotspots.rows[0][3].title.startswith("29 of 35")
    by_intent = context["escalations_by_intent"]
    # password has no escalation: not a hotspot. f4's escalation has no intent.
    assert texts(by_intent) == [["refund", "Help bot", "9", "31.0%"]]
    assert "outcome=escalated" in by_intent.rows[0][0].href
    assert by_intent.note == "1 more escalation in conversations without an intent yet."
    assert texts(context["escalations_by_assistant"]) == [["Help bot", "10", "18.2%"]]


def test_admin_sees_escalations_of_every_assistant(cx_world: CxWorld) -> None:
    table = cx_world.client("admin").get("/dashboards/cx/", JUNE).context["escalations_by_assistant"]
    # Other bot: o0's two escalations of 6 conversations.
    assert texts(table) == [["Other bot", "2", "33.3%"], ["Help bot", "10", "18.2%"]]
    assert f"assistant={cx_world.other_bot.pk}" in table.rows[0][0].href


def test_language_gap_view_tests_each_language_against_the_majority(cx_world: CxWorld) -> None:
    context = cx_world.client("cx").get("/dashboards/cx/", JUNE).context
    rows = {r[1]: r for r in texts(context["language_table"])}
    assert list(rows) == ["English", "Spanish", "French"]  # by volume: 30, 20, 5
    assert rows["English"] == [
        "Help bot", "English", "30", "80.0%", "reference", "—", "30.0%", "reference", "—",
        "Majority language: the reference for Help bot.",
    ]  # fmt: skip
    # Spanish: success 6/20 vs 24/30 (-50 points), rephrase 23/26 vs 9/30 (+58.5 points).
    assert two_sided_p(6, 20, 24, 30) < 0.001
    assert two_sided_p(23, 26, 9, 30) < 0.001
    assert rows["Spanish"] == [
        "Help bot", "Spanish", "20", "30.0%", "−50.0 pts", "p < 0.001", "88.5%", "+58.5 pts", "p < 0.001",
        "Gap: Spanish speakers resolve 30% vs 80% and rephrase 88% vs 30% for English.",
    ]  # fmt: skip
    # French: 4/5 vs 24/30 is no difference at all (z = 0, p = 1); no French follow-up questions.
    assert two_sided_p(4, 5, 24, 30) == 1.0
    assert rows["French"] == [
        "Help bot", "French", "5", "80.0%", "+0.0 pts", "1.000", "no data", "—", "—",
        "No significant difference from English.",
    ]  # fmt: skip
    assert context["language_gaps"] == 1
    spanish = context["language_table"].rows[1]
    assert spanish[9].tone == "bad"
    assert "language=es" in spanish[3].href
    assert "rephrased=1" in spanish[6].href
    chart = context["language_chart"]
    assert texts(chart.table) == [
        ["Help bot · English", "80.0%", "30.0%", "no"],
        ["Help bot · Spanish", "30.0%", "88.5%", "yes"],
        ["Help bot · French", "80.0%", "no data", "no"],
    ]
    assert b"Spanish speakers resolve 30% vs 80%" in cx_world.client("cx").get("/dashboards/cx/", JUNE).content


def test_a_p_value_that_is_not_tiny_is_printed(cx_world: CxWorld) -> None:
    # June 3-12 holds each user's first conversation: en 10 of 10 resolved (e0..e9), es 6 of 10
    # (s0..s5); follow-up questions en 3 rephrased of 10 (e3..e5), es 3 of 6 (s0..s2; s6..s9 asked once).
    response = cx_world.client("cx").get("/dashboards/cx/", {"from": "2026-06-03", "to": "2026-06-12"})
    rows = {r[1]: r for r in texts(response.context["language_table"])}
    assert list(rows) == ["English", "Spanish"]
    assert f"{two_sided_p(6, 10, 10, 10):.3f}" == "0.025"  # not below the rule's 0.01
    assert f"{two_sided_p(3, 6, 3, 10):.3f}" == "0.424"
    assert rows["Spanish"] == [
        "Help bot", "Spanish", "10", "60.0%", "−40.0 pts", "0.025", "50.0%", "+20.0 pts", "0.424",
        "No significant difference from English.",
    ]  # fmt: skip


def test_outreach_lists_users_with_two_frustrated_conversations(cx_world: CxWorld) -> None:
    table = cx_world.client("cx").get("/dashboards/cx/", JUNE).context["outreach_table"]
    assert texts(table) == [
        ["e2", "2", "3", "2026-06-23 09:02", "Help bot"],
        ["s9", "2", "2", "2026-06-22 10:02", "Help bot"],
        ["e1", "2", "3", "2026-06-22 09:02", "Help bot"],
        ["s8", "2", "2", "2026-06-21 10:02", "Help bot"],
        ["e0", "2", "3", "2026-06-21 09:02", "Help bot"],
        ["s7", "2", "2", "2026-06-20 10:02", "Help bot"],
        ["s6", "2", "2", "2026-06-19 10:02", "Help bot"],
    ]
    assert table.rows[0][0].href == "/dashboards/users/?user=e2"
    assert "user=e2" in table.rows[0][1].href
    assert "frustrated=1" in table.rows[0][1].href
    assert "Privacy mode is on" in table.note


def test_admin_outreach_counts_every_visible_assistant(cx_world: CxWorld) -> None:
    table = cx_world.client("admin").get("/dashboards/cx/", JUNE).context["outreach_table"]
    rows = texts(table)
    # e0 was last seen on Other bot (Jun 25), where nothing frustrated them; o0 joins the list.
    assert rows[0] == ["e0", "2", "4", "2026-06-25 09:02", "Help bot"]
    assert rows[-1] == ["o0", "2", "2", "2026-06-06 10:02", "Other bot"]
    assert len(rows) == 8


def test_outreach_under_privacy_mode_needs_k_people(cx_world: CxWorld) -> None:
    # Spanish speakers only: s6..s9 qualify, 4 people < k = 5.
    params = {**JUNE, "language": "es"}
    response = cx_world.client("cx").get("/dashboards/cx/", params)
    table = response.context["outreach_table"]
    assert table.rows == []
    assert table.empty == "fewer than 5 people had two or more frustrated conversations (privacy mode)."
    assert b"fewer than 5 people had two or more frustrated conversations" in response.content
    assert b"/dashboards/users/?user=s6" not in response.content
    # With privacy mode off the four are listed.
    privacy_off(cx_world)
    listed = cx_world.client("cx").get("/dashboards/cx/", params).context["outreach_table"]
    assert [r[0] for r in texts(listed)] == ["s9", "s8", "s7", "s6"]


def test_privacy_mode_suppresses_a_small_language(cx_world: CxWorld) -> None:
    analytics_settings_update(actor=cx_world.users["admin"], changes={"min_people": 6})
    response = cx_world.client("cx").get("/dashboards/cx/", JUNE)
    rows = {r[1]: r for r in texts(response.context["language_table"])}
    # French has 5 people (f0..f4) < 6: every number of its row is withheld.
    assert rows["French"][2:] == ["fewer than 6 people", *["—"] * 6, "fewer than 6 people"]
    assert rows["Spanish"][3] == "30.0%"
    assert [r[0] for r in texts(response.context["language_chart"].table)] == [
        "Help bot · English",
        "Help bot · Spanish",
    ]
    privacy_off(cx_world)
    shown = cx_world.client("cx").get("/dashboards/cx/", JUNE)
    assert {r[1]: r for r in texts(shown.context["language_table"])}["French"][3] == "80.0%"


def test_frustration_and_abandonment_over_time_with_release_markers(cx_world: CxWorld) -> None:
    ReleaseAnnotationFactory(assistant=cx_world.help_bot, date=date(2026, 6, 15), kind="prompt", text="refunds")
    ReleaseAnnotationFactory(assistant=cx_world.other_bot, date=date(2026, 6, 16), kind="model", text="new model")
    chart = cx_world.client("cx").get("/dashboards/cx/", {**JUNE, "interval": "month"}).context["over_time"]
    assert texts(chart.table) == [["2026-06-01", "36.4%", "20.0%"]]
    assert chart.option["series"][0]["markLine"]["data"] == [{"name": "Help bot: prompt change", "xAxis": "2026-06-15"}]
    point = chart.option["series"][0]["data"][0]
    assert "from=2026-06-01" in point["href"]
    assert "to=2026-06-30" in point["href"]
    assert "frustrated=1" in point["href"]


def test_headlines_state_the_language_gap_and_degradations_plainly(cx_world: CxWorld) -> None:
    decisions_evaluate(today=date(2026, 6, 30))
    gaps = Recommendation.objects.filter(kind="language_gap", assistant=cx_world.help_bot)
    assert sorted((r.dims["language"], r.dims["metric"]) for r in gaps) == [
        ("es", "rephrase_rate"),
        ("es", "success_rate"),
    ]
    alert_upsert(
        assistant=cx_world.help_bot,
        kind="degradation",
        dims={"metric": "escalation_rate"},
        evidence={},
        summary="escalation_rate rose to 30% over the last 7 days from 10% over the 28 before (p = 0.004, n = 40 / 160)",
    )
    alert_upsert(assistant=cx_world.other_bot, kind="degradation", dims={"metric": "success_rate"}, evidence={})
    headlines = cx_world.client("cx").get("/dashboards/cx/", JUNE).context["headlines"]
    assert [h.text for h in headlines] == [
        "Spanish speakers of Help bot resolve 30% of their conversations vs 80% and rephrase 88% of their "
        "follow-up questions vs 30% for English speakers",
        "Help bot: escalation rate rose to 30% over the last 7 days from 10% over the 28 before "
        "(p = 0.004, n = 40 / 160)",
    ]
    assert headlines[0].evidence == (
        "success rate p < 0.001, n = 20 / 30; rephrase rate p < 0.001, n = 26 / 30; 2026-06-03 to 2026-06-30"
    )
    assert "language=es" in headlines[0].href


def test_the_cx_page_is_for_admin_and_cx_only(cx_world: CxWorld) -> None:
    for role, status in {
        "admin": 200,
        "cx": 200,
        "owner": 403,
        "product": 403,
        "compliance": 403,
        "viewer": 403,
    }.items():
        assert cx_world.client(role).get("/dashboards/cx/", JUNE).status_code == status, role


def test_an_assistant_outside_the_scope_is_refused(cx_world: CxWorld) -> None:
    response = cx_world.client("cx").get("/dashboards/cx/", {**JUNE, "assistant": cx_world.other_bot.pk})
    assert response.status_code == 400
    assert "assistant" in response.context["form"].errors
    assert b"Other bot" not in response.content


def test_csv_exports_of_outreach_and_language_tables(cx_world: CxWorld) -> None:
    client = cx_world.client("cx")
    outreach = client.get("/dashboards/cx/", {**JUNE, "export": "outreach"})
    assert outreach.status_code == 200
    assert outreach["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(outreach.getvalue().decode())))
    assert rows[0] == ["User (pseudonymous id)", "Frustrated conversations", "Conversations", "Last seen", "Assistants"]
    assert rows[1] == ["e2", "2", "3", "2026-06-23 09:02", "Help bot"]
    assert len(rows) == 8
    languages = list(
        csv.reader(io.StringIO(client.get("/dashboards/cx/", {**JUNE, "export": "language-gap"}).getvalue().decode()))
    )
    assert languages[0][-1] == "Verdict"
    assert languages[2][:6] == ["Help bot", "Spanish", "20", "30.0%", "−50.0 pts", "p < 0.001"]
    drop_off = client.get("/dashboards/cx/", {**JUNE, "export": "drop-off-table"})
    assert drop_off.getvalue().decode().splitlines() == [
        "Last user turn,Abandoned conversations",
        "turn 1,4",
        "turn 2,3",
        "turn 3,4",
    ]


def test_no_message_content_on_the_cx_page(cx_world: CxWorld) -> None:
    privacy_off(cx_world)
    body = cx_world.client("admin").get("/dashboards/cx/", JUNE).content
    assert CONTENT_MARKER.encode() not in body
    assert COMMENT_MARKER.encode() not in body


def test_htmx_swaps_only_the_body(cx_world: CxWorld) -> None:
    response = cx_world.client("cx").get(
        "/dashboards/cx/", JUNE, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dashboard-body"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="dashboard-body">')
    assert "Language gap" in body
    assert "<html" not in body


# --- the user journey -----------------------------------------------------------------------------


def test_journey_lists_each_conversation_with_how_it_ended(cx_world: CxWorld) -> None:
    privacy_off(cx_world)
    response = cx_world.client("cx").get("/dashboards/users/", {"user": "e0"})
    assert response.status_code == 200
    # The default range starts on e0's first conversation with an assistant the viewer may see.
    assert response.context["scope"].date_from == date(2026, 6, 3)
    assert texts(response.context["journey_table"]) == [
        ["2026-06-03 09:00", "Help bot", "2", "resolved", "0.10", "1", "0", "1", "English", "refund"],
        ["2026-06-13 09:00", "Help bot", "2", "escalated", "0.80 (frustrated)", "0", "1", "1", "English", "refund"],
        ["2026-06-21 09:00", "Help bot", "2", "escalated", "0.80 (frustrated)", "0", "1", "1", "English", "refund"],
    ]
    first = cx_world.conversations[("e0", 0)]
    assert response.context["journey_table"].rows[0][0].href == f"/dashboards/conversations/{first.pk}/"
    kpis = {k.label: k.display for k in response.context["kpis"]}
    assert kpis == {
        "Conversations": "3",
        "Frustrated": "2",
        "Resolved": "1",
        "Escalated": "2",
        "Abandoned": "0",
        "Rated down": "2",
    }
    assert texts(response.context["assistants_table"]) == [
        ["Help bot", "3", "2026-06-03", "2026-06-21", "2", "1", "2", "0"]
    ]
    chart = response.context["journey_chart"]
    assert [p["value"][1] for p in chart.option["series"][0]["data"]] == [0.1, 0.8, 0.8]
    assert [p["value"][1] for p in chart.option["series"][1]["data"]] == [1, -1, -1]
    assert (
        chart.option["series"][1]["data"][1]["href"]
        == f"/dashboards/conversations/{cx_world.conversations[('e0', 1)].pk}/"
    )
    # The CSV export and the filter bar keep the user.
    assert 'name="user" value="e0"' in response.content.decode()
    assert "user=e0" in response.context["scope"].query()


def test_journey_labels_abandoned_and_open_conversations(cx_world: CxWorld) -> None:
    privacy_off(cx_world)
    started = timezone.now() - timedelta(minutes=5)
    _conversation(cx_world.help_bot, "s6", started, "es", "abandoned", 1, 0, None, frustrated=False)
    # (abandon action, but the conversation is less than 30 minutes old and has no outcome: still open)
    response = cx_world.client("cx").get("/dashboards/users/", {"user": "s6"})
    assert [r[3] for r in texts(response.context["journey_table"])] == ["abandoned", "abandoned", "still open"]


def test_journey_is_scoped_to_the_assistants_the_viewer_may_see(cx_world: CxWorld) -> None:
    privacy_off(cx_world)
    admin = cx_world.client("admin").get("/dashboards/users/", {"user": "e0"})
    assert [r[1] for r in texts(admin.context["journey_table"])] == ["Help bot", "Help bot", "Help bot", "Other bot"]
    # o0 used only Other bot, outside the cx user's department: the id does not exist for them.
    assert cx_world.client("cx").get("/dashboards/users/", {"user": "o0"}).status_code == 404
    assert cx_world.client("admin").get("/dashboards/users/", {"user": "o0"}).status_code == 200
    assert cx_world.client("admin").get("/dashboards/users/", {"user": "nobody"}).status_code == 404
    cx_e0 = cx_world.client("cx").get("/dashboards/users/", {"user": "e0"})
    assert b"Other bot" not in cx_e0.content


def test_journey_roles(cx_world: CxWorld) -> None:
    privacy_off(cx_world)
    for role, status in {
        "admin": 200,
        "cx": 200,
        "owner": 200,
        "product": 200,
        "compliance": 200,
        "viewer": 403,
    }.items():
        assert cx_world.client(role).get("/dashboards/users/", {"user": "e0"}).status_code == status, role


def test_journey_never_shows_message_content(cx_world: CxWorld) -> None:
    privacy_off(cx_world)
    for role in ("admin", "cx", "compliance"):
        body = cx_world.client(role).get("/dashboards/users/", {"user": "e0"}).content
        assert CONTENT_MARKER.encode() not in body, role
        assert COMMENT_MARKER.encode() not in body, role


def test_journey_is_suppressed_under_privacy_mode_except_for_compliance(cx_world: CxWorld) -> None:
    for role in ("admin", "cx", "product", "owner"):
        response = cx_world.client(role).get("/dashboards/users/", {"user": "e0"})
        assert response.status_code == 200, role
        assert b"Suppressed under privacy mode" in response.content
        assert b"fewer than 5 people" in response.content
        assert b"Help bot" not in response.content
        assert "journey_table" not in response.context
    # Also for an id the viewer could not see: the message tells nothing about the id.
    assert cx_world.client("cx").get("/dashboards/users/", {"user": "o0"}).status_code == 200
    compliance = cx_world.client("compliance").get("/dashboards/users/", {"user": "e0"})
    assert len(compliance.context["journey_table"].rows) == 4


def test_journey_csv_export(cx_world: CxWorld) -> None:
    privacy_off(cx_world)
    response = cx_world.client("cx").get("/dashboards/users/", {"user": "e0", "export": "journey"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0][:4] == ["Started", "Assistant", "User turns", "Ended"]
    assert rows[2][:5] == ["2026-06-13 09:00", "Help bot", "2", "escalated", "0.80 (frustrated)"]


def test_journey_without_an_id_offers_a_lookup(cx_world: CxWorld) -> None:
    response = cx_world.client("cx").get("/dashboards/users/")
    assert response.status_code == 200
    assert b"Look up a user" in response.content
    too_long = cx_world.client("cx").get("/dashboards/users/", {"user": "x" * 129})
    assert too_long.status_code == 400
    assert b"at most 128 characters" in too_long.content


def test_a_bad_filter_on_the_journey_is_a_400(cx_world: CxWorld) -> None:
    privacy_off(cx_world)
    response = cx_world.client("cx").get("/dashboards/users/", {"user": "e0", "from": "yesterday"})
    assert response.status_code == 400
    assert "from" in response.context["form"].errors
