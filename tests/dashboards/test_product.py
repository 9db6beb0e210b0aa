"""The Product page on a hand-counted A/B world (dash_world's assistants have one variant only).

On top of dash_world (HR bot, Sales bot; minimum sample 5; users of every role), ``ab`` adds
**Copilot** to HR, feature ``draft``, one conversation (one user message, one output) per user:

arm  days (June 2026)        users       output's first action                      intent
a    Jun 2..13 (one a day)   a0..a11     a0..a8 copy after 2 s, a9..a11 edit after 10 s  "Draft an email"
b    Jun 16..27 (one a day)  b0..b11     b0..b2 copy after 2 s, b3..b11 dismiss after 4 s "Summarize a thread" (b0..b7), none (b8..b11)

plus a0, a1, a2 coming back on Jun 9 with one user message and no variant, feature, output or
intent (their week 1 in the retention cohort of the week of Jun 1), and a prompt release on Jun 15.
A copied last output resolves its conversation; every conversation has ended by NOW.

So: acceptance a 9/12, b 3/12 (z = 2.449, p = 0.0143: a wins); success the same per arm; edits
a 3/12, b 0/12; release (before Jun 1-14, after Jun 16-29): acceptance 9/12 -> 3/12 (worse,
p = 0.0143), success 9/15 -> 3/12 (p = 0.069, no significant difference).
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from statistics import NormalDist
from urllib.parse import parse_qs, urlsplit

import pytest

from apps.analytics.decision_services import recommendation_upsert
from apps.analytics.definitions import Rate
from apps.analytics.rules import AdoptionCut, sunset_or_redesign
from apps.analytics.services import rollups_rebuild
from apps.nlp.models import Intent
from apps.registry.models import Assistant
from tests.dashboards.conftest import JUNE, NOW, DashWorld, _conversation
from tests.factories import (
    AssistantFactory,
    ReleaseAnnotationFactory,
)

pytestmark = pytest.mark.django_db

Z = NormalDist().inv_cdf(0.975)
URL = "/dashboards/product/"


def wilson(k: int, n: int) -> tuple[float, float]:
    p, d = k / n, 1 + Z * Z / n
    center = (p + Z * Z / (2 * n)) / d
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / d
    return center - half, center + half


def newcombe(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    """Newcombe's hybrid score interval (method 10) of p1 - p2, from the two Wilson intervals."""
    p1, p2 = k1 / n1, k2 / n2
    (l1, u1), (l2, u2) = wilson(k1, n1), wilson(k2, n2)
    return p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def z_test_p(k1: int, n1: int, k2: int, n2: int) -> float:
    pooled = (k1 + k2) / (n1 + n2)
    z = (k1 / n1 - k2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


@dataclass
class AbWorld:
    dash: DashWorld
    copilot: Assistant

    def get(self, role: str, **params):
        return self.dash.client(role).get(URL, {**JUNE, "assistant": self.copilot.pk, **params})


@pytest.fixture
def ab(dash_world: DashWorld) -> AbWorld:
    copilot = AssistantFactory(department=dash_world.hr, name="Copilot")
    drafting = Intent.objects.create(assistant=copilot, label="Draft an email")
    summarizing = Intent.objects.create(assistant=copilot, label="Summarize a thread")
    for i in range(12):
        action, delay = ("copy", 2) if i < 9 else ("edit", 10)
        start = datetime(2026, 6, 2 + i, 14, 0, tzinfo=UTC)
        _conversation(copilot, start, f"a{i}", action, "a", feature="draft", intent=drafting, delay=delay)
    for i in range(12):
        action, delay = ("copy", 2) if i < 3 else ("dismiss", 4)
        start = datetime(2026, 6, 16 + i, 14, 0, tzinfo=UTC)
        intent = summarizing if i < 8 else None
        _conversation(copilot, start, f"b{i}", action, "b", feature="draft", intent=intent, delay=delay)
    for i in range(3):
        _conversation(copilot, datetime(2026, 6, 9, 16, i, tzinfo=UTC), f"a{i}", None, "")
    ReleaseAnnotationFactory(assistant=copilot, date=date(2026, 6, 15), kind="prompt", text="Shorter drafts")
    rollups_rebuild(now=NOW)
    return AbWorld(dash=dash_world, copilot=copilot)


def cells(table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]


# --- Numbers, against the hand counts ------------------------------------------------------------


def test_ab_results_state_the_winner_with_its_interval_and_test(ab: AbWorld) -> None:
    response = ab.get("product")
    assert response.status_code == 200
    p = z_test_p(9, 12, 3, 12)
    assert p == pytest.approx(0.0143, abs=1e-4)  # z = 0.5 / sqrt(0.25 * (2 / 12)) = 2.449
    low, high = newcombe(9, 12, 3, 12)
    rows = {r[0]: r for r in cells(response.context["ab_table"])}
    assert rows["acceptance"][:10] == [
        "acceptance", "a", "12", "75.0%", "b", "12", "25.0%", "+50 pts",
        f"{low * 100:+.1f} to {high * 100:+.1f} pts", f"{p:.3f}",
    ]  # fmt: skip
    verdict = (
        f"Variant a wins on acceptance: 75% vs 25% (difference +50 pts, 95% CI {low * 100:+.0f} to "
        f"{high * 100:+.0f} pts, p = {p:.3f}, n = 12 / 12)"
    )
    assert rows["acceptance"][10:] == ["a", verdict]
    # Resolution: the copied outputs resolve their conversations, 9 of 12 against 3 of 12.
    assert rows["resolution"][3] == "75.0%"
    assert rows["resolution"][6] == "25.0%"
    # No regeneration in either arm: identical arms, the pooled test gives p = 1.
    assert rows["tasks with 3+ regenerations"][10:] == ["none", "no significant difference yet (p = 1.00)"]
    # Nobody rated anything.
    assert rows["thumbs up"][11] == "not enough data (n = 0 / 0; at least 5 per arm)"
    verdicts = {v.what: v for v in response.context["ab_verdicts"]}
    assert verdicts["acceptance"].arms == "a 75.0% of 12 vs b 25.0% of 12"
    assert verdicts["thumbs up"].arms == "a not enough data (n = 0) vs b not enough data (n = 0)"
    assert verdicts["thumbs up"].href is None
    # The headline states the acceptance and resolution winners, first on the page.
    texts = [h.text for h in response.context["headlines"]]
    assert texts[0] == verdict
    assert texts[1].startswith("Variant a wins on resolution: 75% vs 25%")
    html = response.content.decode()
    assert html.index(verdict) < html.index("Key figures")


def test_an_arm_below_the_minimum_sample_is_not_enough_data(ab: AbWorld, settings) -> None:
    settings.ANALYTICS_MIN_SAMPLE = 13
    response = ab.get("product")
    rows = {r[0]: r for r in cells(response.context["ab_table"])}
    assert rows["acceptance"][3] == "not enough data (n = 12)"
    assert rows["acceptance"][7:] == ["—", "—", "—", "none", "not enough data (n = 12 / 12; at least 13 per arm)"]
    assert not [h for h in response.context["headlines"] if "wins" in h.text]


def test_kpis_and_breakdowns_by_feature_and_variant(ab: AbWorld) -> None:
    response = ab.get("product")
    kpis = {k.label: k.display for k in response.context["kpis"]}
    # 24 people; 12 of 24 outputs accepted, 3 edited; no regeneration. First actions: 12 at 2 s,
    # 9 at 4 s, 3 at 10 s: the median (12th of 24) is 2 s.
    assert kpis == {
        "Active users": "24",
        "Acceptance": "50.0%",
        "Edit rate": "12.5%",
        "Regenerations per task": "0",
        "Time to first action": "2.0 s",
        "Thumbs up": "no data",
    }
    assert cells(response.context["feature_table"]) == [["draft", "50.0%", "12.5%", "0", "2.0 s"]]
    # a: first actions 9 at 2 s and 3 at 10 s (median 2 s); b: 3 at 2 s, 9 at 4 s (median 4 s).
    assert cells(response.context["variant_table"]) == [
        ["a", "75.0%", "25.0%", "0", "2.0 s"],
        ["b", "25.0%", "0.0%", "0", "4.0 s"],
    ]
    a_row = response.context["variant_table"].rows[0]
    assert a_row[1].title.startswith("9 of 12 (95% CI")
    assert "variant=a" in a_row[1].href
    assert f"assistant={ab.copilot.pk}" in a_row[1].href
    # The grouped bars are the table's percentages.
    chart = response.context["variant_chart"].option
    assert [[d["value"] for d in s["data"]] for s in chart["series"]] == [[75.0, 25.0], [25.0, 0.0]]
    # The feature's name opens this page on that feature.
    feature_link = response.context["feature_table"].rows[0][0].href
    assert feature_link.startswith("?")
    assert "feature=draft" in feature_link


def test_release_is_marked_on_every_time_chart_and_its_impact_tested(ab: AbWorld) -> None:
    response = ab.get("product")
    marker = [{"name": "prompt: Shorter drafts", "xAxis": "2026-06-15"}]
    for chart in ("adoption", "quality"):
        assert response.context[chart].option["series"][0]["markLine"]["data"] == marker
    rows = {r[1]: r for r in cells(response.context["release_table"])}
    assert rows["acceptance"][0] == "2026-06-15 prompt: Shorter drafts"
    p_acceptance = z_test_p(3, 12, 9, 12)
    assert rows["acceptance"][2:] == [
        "75.0% of 12",
        "25.0% of 12",
        "-50 pts",
        "{:+.1f} to {:+.1f} pts".format(*(x * 100 for x in newcombe(3, 12, 9, 12))),
        f"{p_acceptance:.3f}",
        f"worse after the release: 25% vs 75% before (difference -50 pts, p = {p_acceptance:.3f})",
    ]
    # Success before counts the three returning conversations (ended, unresolved): 9 of 15.
    p_success = z_test_p(3, 12, 9, 15)
    assert p_success == pytest.approx(0.069, abs=1e-3)
    assert rows["resolution"][2:4] == ["60.0% of 15", "25.0% of 12"]
    assert rows["resolution"][7] == f"no significant difference yet (p = {p_success:.3f})"
    before_link = response.context["release_table"].rows[0][2].href
    assert "from=2026-06-01" in before_link
    assert "to=2026-06-14" in before_link


def test_retention_cohorts_heatmap_and_table(ab: AbWorld) -> None:
    response = ab.get("product")
    chart = response.context["retention"]
    table = cells(chart.table)
    # Cohorts by week of first use: a0..a5 (Jun 2-7), a6..a11 (Jun 8-13), b0..b5, b6..b11; only
    # a0..a2 came back, in week 1 of the first cohort. Every week since has elapsed (weeks cap at 12).
    assert [r[:4] for r in table] == [
        ["week of 2026-06-01", "6", "50.0%", "0.0%"],
        ["week of 2026-06-08", "6", "0.0%", "0.0%"],
        ["week of 2026-06-15", "6", "0.0%", "0.0%"],
        ["week of 2026-06-22", "6", "0.0%", "0.0%"],
    ]
    assert chart.table.columns[-1] == "Week 12"
    assert [0, 0, 50.0] in chart.option["series"][0]["data"]
    assert chart.option["yAxis"]["data"] == ["2026-06-01 (6)", "2026-06-08 (6)", "2026-06-15 (6)", "2026-06-22 (6)"]
    assert response.context["retention_drawn"] is True


def test_intents_by_volume_with_success_and_links(ab: AbWorld) -> None:
    response = ab.get("product")
    table = response.context["intent_table"]
    drafting = Intent.objects.get(label="Draft an email")
    # Volume first; the unclustered b8..b11 are 4 people + a0..a2's returns, 7 conversations by
    # 7 people; "Summarize a thread" is 8 conversations, 3 resolved.
    assert cells(table) == [
        ["Draft an email", "12", "75.0%"],
        ["Summarize a thread", "8", "37.5%"],
        ["(not clustered yet)", "7", "0.0%"],
    ]
    link = urlsplit(table.rows[0][0].href)
    assert link.path == "/dashboards/conversations/"
    assert parse_qs(link.query) == {
        "intent": [str(drafting.pk)], "assistant": [str(ab.copilot.pk)], "from": ["2026-06-01"], "to": ["2026-06-30"],
    }  # fmt: skip
    assert table.rows[2][0].href is None


def test_recommendation_shows_its_evidence(ab: AbWorld) -> None:
    decision = sunset_or_redesign(
        AdoptionCut(day1_users=30, audience_size=100, return_30d=Rate(1, 25, 5), feature="draft")
    )
    assert decision.fired
    recommendation_upsert(
        assistant=ab.copilot,
        kind=decision.kind,
        dims=decision.dims,
        evidence=decision.evidence,
        summary=decision.summary,
    )
    response = ab.get("product")
    texts = [h.text for h in response.context["headlines"]]
    assert (
        texts[2]
        == "Copilot: Sunset or redesign draft: 30% of its audience tried it on day one, 4% came back within 30 days"
    )
    (item,) = response.context["decisions"]
    assert item.label == "Sunset or redesign"
    assert dict(item.evidence) == {
        "feature": "draft",
        "day-1 users": "30",
        "day-1 adoption": "30 of 100 (30.0%)",
        "min day-1 adoption": "20%",
        "return 30-day": "1 of 25 (4.0%)",
        "max return 30-day": "10%",
    }
    html = response.content.decode()
    assert "<dt>day-1 adoption</dt><dd>30 of 100 (30.0%)</dd>" in html
    assert "feature=draft" in item.href


def test_a_feature_filter_narrows_the_page_and_its_ab_test(ab: AbWorld) -> None:
    response = ab.get("product", feature="nope")
    # No output of the feature: no arms, and the by-feature table still lists every feature.
    assert response.context["ab_table"].rows == []
    assert cells(response.context["feature_table"])[0][0] == "draft"
    narrowed = ab.get("product", feature="draft")
    assert {r[0]: r[10] for r in cells(narrowed.context["ab_table"])}["acceptance"] == "a"
    assert narrowed.context["subject"].feature == "draft"
    assert b"(all features)" in narrowed.content


# --- Which assistant ------------------------------------------------------------------------------


def test_without_an_assistant_the_first_with_traffic_is_shown_and_said(ab: AbWorld) -> None:
    client = ab.dash.client("product")
    response = client.get(URL, JUNE)
    subject = response.context["subject"]
    assert (subject.assistant, subject.defaulted) == (ab.copilot, True)
    assert [name for name, _, _ in subject.choices] == ["Copilot", "HR bot"]
    assert b"No single assistant chosen: showing <strong>Copilot</strong>" in response.content
    # The links keep the default assistant, so a number opens its conversations only.
    assert f"assistant={ab.copilot.pk}" in response.context["kpis"][0].href
    # On Jun 1 only HR bot had conversations (Copilot starts on Jun 2).
    first_day = client.get(URL, {"from": "2026-06-01", "to": "2026-06-01"})
    assert first_day.context["subject"].assistant == ab.dash.hr_bot


# --- Who may see it -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["cx", "viewer", "compliance"])
def test_roles_without_product_work_are_refused(ab: AbWorld, role: str) -> None:
    response = ab.get(role)
    assert response.status_code == 403
    assert b"Copilot" not in response.content
    assert b"wins on" not in response.content


@pytest.mark.parametrize("role", ["admin", "owner", "product"])
def test_product_roles_open_it(ab: AbWorld, role: str) -> None:
    assert ab.get(role).status_code == 200


def test_another_departments_assistant_is_a_filter_error(ab: AbWorld) -> None:
    response = ab.dash.client("product").get(URL, {**JUNE, "assistant": ab.dash.sales_bot.pk})
    assert response.status_code == 400
    assert "assistant" in response.context["form"].errors
    assert b"Sales bot" not in response.content
    assert "ab_table" not in response.context


# --- Exports, partials, honest states -------------------------------------------------------------


def test_csv_export_of_the_ab_table(ab: AbWorld) -> None:
    response = ab.get("product", export="ab-results")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0] == [
        "Metric", "Variant A", "n (A)", "Rate (A)", "Variant B", "n (B)", "Rate (B)",
        "Difference (A − B)", "95% CI", "p-value", "Winner", "Verdict",
    ]  # fmt: skip
    acceptance = next(r for r in rows if r[0] == "acceptance")
    assert acceptance[:8] == ["acceptance", "a", "12", "75.0%", "b", "12", "25.0%", "'+50 pts"]
    assert acceptance[10] == "a"
    variants = list(csv.reader(io.StringIO(ab.get("product", export="by-variant").getvalue().decode())))
    assert variants[1:] == [["a", "75.0%", "25.0%", "0", "2.0 s"], ["b", "25.0%", "0.0%", "0", "4.0 s"]]


def test_htmx_gets_the_body_partial(ab: AbWorld) -> None:
    response = ab.dash.client("product").get(
        URL, {**JUNE, "assistant": ab.copilot.pk}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dashboard-body"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="dashboard-body">')
    assert "Variant a wins on acceptance" in body
    assert "<html" not in body


def test_privacy_mode_suppresses_small_cuts(ab: AbWorld) -> None:
    # b8..b11 alone (4 people) have no intent; with their 3 returning colleagues it is 7 people.
    # A period holding only Jun 24-27 leaves b8..b11 unclustered: fewer than 5 people.
    response = ab.get("product", **{"from": "2026-06-24", "to": "2026-06-27"})
    rows = {r[0]: r for r in cells(response.context["intent_table"])}
    assert rows["(not clustered yet)"][1:] == ["fewer than 5 people", "fewer than 5 people"]
    # Compliance sees small cuts, but the page is not theirs; the numbers stay hidden.
    assert ab.get("compliance").status_code == 403


def test_charts_are_drawable_json(ab: AbWorld) -> None:
    response = ab.get("product")
    for name in ("adoption", "quality", "retention", "feature_chart", "variant_chart"):
        option = json.loads(response.context[name].option_json)
        assert option["series"], name
