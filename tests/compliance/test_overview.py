"""The compliance overview: counts by hand (low severities included), links that land on the rows
behind each number, CSV of every table, masked content, the old queue URL redirected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.compliance.models import CaseStatus, ReviewCase
from apps.compliance.selectors import Period, decision_times, findings_overview, open_cases_by_age
from apps.conversations.models import Conversation
from tests.factories import (
    AssistantFactory,
    ConversationFactory,
    DepartmentFactory,
    MessageFactory,
    ReviewCaseFactory,
    SensitiveFindingFactory,
    UserFactory,
    sensitive_events,
)

DAYS = 10


@dataclass
class Scene:
    period: Period
    conv1: Conversation
    conv2: Conversation
    open_recent: ReviewCase
    open_old: ReviewCase


def _finding(conversation: Conversation, type_: str, severity: int, **extra) -> None:
    SensitiveFindingFactory(message=MessageFactory(conversation=conversation), type=type_, severity=severity, **extra)


@pytest.fixture
def scene(alpha) -> Scene:
    """In the 10-day window: conv1 (HR bot, u1): a card (high), a suppressed e-mail (medium), a
    name (low); conv2 (Sales bot, u1): three names (low). Before it: conv3 (HR bot, u2), a card."""
    now = timezone.now()
    hr_bot = AssistantFactory(name="HR bot", department=DepartmentFactory(name="HR"))
    sales_bot = AssistantFactory(name="Sales bot", department=DepartmentFactory(name="Sales"))
    conv1 = ConversationFactory(assistant=hr_bot, user_id="u1", external_id="c1", started_at=now - timedelta(days=2))
    conv2 = ConversationFactory(assistant=sales_bot, user_id="u1", external_id="c2", started_at=now - timedelta(days=3))
    conv3 = ConversationFactory(assistant=hr_bot, user_id="u2", external_id="c3", started_at=now - timedelta(days=40))
    _finding(conv1, "CREDIT_CARD", 3)
    _finding(conv1, "EMAIL", 2, suppressed=True)
    _finding(conv1, "PERSON", 1)
    for _ in range(3):
        _finding(conv2, "PERSON", 1)
    _finding(conv3, "CREDIT_CARD", 3)
    # Cases: two open (2 and 40 days old), two decided by a person in the window after 5 and 2 days.
    open_recent = ReviewCaseFactory(conversation=conv1, severity=3, created_at=now - timedelta(days=2))
    open_old = ReviewCaseFactory(conversation=conv3, severity=3, created_at=now - timedelta(days=40))
    officer = UserFactory(roles=["compliance"])
    for severity, age, decided in ((3, 10, 5), (2, 3, 1)):
        ReviewCaseFactory(
            severity=severity,
            status=CaseStatus.ACCEPTED_RISK,
            created_at=now - timedelta(days=age),
            decided_at=now - timedelta(days=decided),
            decided_by=officer,
        )
    # Closed by an auto-close rule (no person): left out of the time to decision.
    ReviewCaseFactory(
        status=CaseStatus.ACCEPTED_RISK, created_at=now - timedelta(days=9), decided_at=now - timedelta(days=1)
    )
    today = timezone.localdate()
    return Scene(Period(today - timedelta(days=DAYS - 1), today), conv1, conv2, open_recent, open_old)


@pytest.fixture
def officer(alpha_client):
    alpha_client.force_login(UserFactory(roles=["compliance"]))
    return alpha_client


def _counts(rows) -> dict:
    return {c.label: (c.findings, c.opening, c.below_threshold, c.suppressed) for c in rows}


def test_findings_are_counted_by_type_severity_department_and_assistant(scene) -> None:
    found = findings_overview(period=scene.period, threshold=2)
    # (findings, open or feed a case, below the threshold, suppressed)
    assert (found.totals.findings, found.totals.opening, found.totals.below_threshold, found.totals.suppressed) == (
        6,
        1,
        4,
        1,
    )
    assert _counts(found.by_type) == {"PERSON": (4, 0, 4, 0), "CREDIT_CARD": (1, 1, 0, 0), "EMAIL": (1, 0, 0, 1)}
    assert [c.label for c in found.by_type] == ["PERSON", "CREDIT_CARD", "EMAIL"]
    assert _counts(found.by_severity) == {"high": (1, 1, 0, 0), "medium": (1, 0, 0, 1), "low": (4, 0, 4, 0)}
    assert _counts(found.by_department) == {"HR": (3, 1, 1, 1), "Sales": (3, 0, 3, 0)}
    assert _counts(found.by_assistant) == {"HR bot": (3, 1, 1, 1), "Sales bot": (3, 0, 3, 0)}
    # Every day of the window has a row; the findings sit on the days their conversations started.
    assert len(found.over_time) == DAYS
    by_day = dict(found.over_time)
    assert by_day[scene.conv1.started_at.astimezone(timezone.get_current_timezone()).date()] == {
        "CREDIT_CARD": 1,
        "EMAIL": 1,
        "PERSON": 1,
    }
    assert by_day[scene.conv2.started_at.astimezone(timezone.get_current_timezone()).date()] == {"PERSON": 3}
    assert sum(sum(c.values()) for c in by_day.values()) == 6


def test_case_ageing_and_time_to_decision(scene) -> None:
    ages = {b.label: (b.cases, b.high) for b in open_cases_by_age()}
    assert ages == {
        "under 1 day": (0, 0),
        "1–7 days": (1, 1),
        "7–30 days": (0, 0),
        "30–90 days": (1, 1),
        "over 90 days": (0, 0),
    }
    rows = {d.label: (d.decided, d.median, d.p90) for d in decision_times(period=scene.period)}
    assert rows == {
        "high": (1, timedelta(days=5), timedelta(days=5)),
        "medium": (1, timedelta(days=2), timedelta(days=2)),
        # median of 2 and 5 days; p90 interpolates: 2 + 0.9 × 3 = 4.7 days
        "all": (2, timedelta(days=3.5), timedelta(days=4.7)),
    }


def _query(period: Period) -> dict[str, str]:
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


def _window(period: Period) -> dict[str, str]:
    return {"date_from": period.start.isoformat(), "date_to": period.end.isoformat()}


def test_page_states_the_answer_and_links_every_number(scene, officer) -> None:
    response = officer.get("/compliance/", _query(scene.period))
    html = response.content.decode()
    assert response.status_code == 200
    assert "6 findings: 1 open or feed a review case, 4 are below the case threshold (medium) and open none." in html
    assert "2 cases were decided, a median of 3.5 d after the data was exposed (90% within 4.7 d)." in html
    assert "1 of 2 open cases are older than 30 days." in html
    window = f"date_from={scene.period.start.isoformat()}&amp;date_to={scene.period.end.isoformat()}"
    # The low-severity names link to the findings list, which lists exactly those four.
    person_link = f'<a href="/compliance/findings/?{window}&amp;type=PERSON">4</a>'
    assert person_link in html
    listing = officer.get("/compliance/findings/", {**_window(scene.period), "type": "PERSON"}).content.decode()
    assert "4 findings" in listing
    assert listing.count('<span class="pill">PERSON</span>') == 4
    # The ageing row links to the queue filtered to its bucket, which lists that one case.
    ageing_link = "/compliance/queue/?status=open&amp;older_than_days=1&amp;younger_than_days=7"
    assert f'<a href="{ageing_link}">1</a>' in html
    queue = officer.get("/compliance/queue/", {"status": "open", "older_than_days": 1, "younger_than_days": 7})
    queue_html = queue.content.decode()
    assert f'href="/compliance/cases/{scene.open_recent.pk}/"' in queue_html
    assert f'href="/compliance/cases/{scene.open_old.pk}/"' not in queue_html
    # Top conversations link to the conversation page; top people are listed for compliance.
    assert f'<a href="/compliance/conversations/{scene.conv1.pk}/">c1</a>' in html
    assert 'id="top_users"' in html
    assert f'<a href="/compliance/findings/?{window}&amp;user=u1">6</a>' in html


def test_every_table_exports_csv(scene, officer) -> None:
    response = officer.get("/compliance/", {**_query(scene.period), "export": "by_type"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines() == [
        "type,findings,in cases,below threshold,suppressed",
        "PERSON,4,0,4,0",
        "CREDIT_CARD,1,1,0,0",
        "EMAIL,1,0,0,1",
    ]
    page = officer.get("/compliance/", _query(scene.period)).content.decode()
    for table in ("over_time", "by_type", "by_severity", "by_department", "by_assistant", "ageing",
                  "decision_time", "top_conversations", "top_users"):  # fmt: skip
        assert f"&amp;export={table}" in page
        assert officer.get("/compliance/", {**_query(scene.period), "export": table}).status_code == 200
    bad = officer.get("/compliance/", {"export": "nope"})
    assert bad.status_code == 400
    assert bad.content.decode().startswith("export must be one of: over_time, by_type, by_severity")


def test_findings_list_exports_csv(scene, officer) -> None:
    response = officer.get("/compliance/findings/", {**_window(scene.period), "type": "CREDIT_CARD", "export": "csv"})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == (
        "id,conversation_started,type,severity,masked_preview,written_by,assistant,department,conversation,"
        "end_user,suppressed,case"
    )
    assert len(lines) == 2
    assert ",CREDIT_CARD,high,[CREDIT_CARD],user,HR bot,HR,c1,u1,False," in lines[1]


def test_an_invalid_period_shows_its_error_and_no_numbers(scene, officer) -> None:
    response = officer.get("/compliance/", {"from": "2026-05-01", "to": "2026-04-01"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "<p>To: must be on or after the start date</p>" in html
    assert 'id="by_type"' not in html
    assert officer.get("/compliance/", {"from": "yesterday", "export": "by_type"}).status_code == 400


def test_admin_sees_the_overview_without_per_person_rows(scene, alpha_client) -> None:
    alpha_client.force_login(UserFactory(roles=["admin"]))
    html = alpha_client.get("/compliance/", _query(scene.period)).content.decode()
    assert 'id="top_users"' not in html
    assert "Findings per person are shown to compliance only" in html
    assert ">u1<" not in html
    alpha_client.force_login(UserFactory(roles=["viewer"]))
    assert alpha_client.get("/compliance/").status_code == 403


def test_old_queue_links_land_on_the_queue(officer) -> None:
    response = officer.get("/compliance/", {"status": "open", "finding_type": "IBAN"})
    assert response.status_code == 302
    assert response["Location"] == "/compliance/queue/?status=open&finding_type=IBAN"
    assert officer.get("/compliance/").status_code == 200


CARD = "4111 1111 1111 1111"


def test_no_page_shows_a_raw_value(post_events, officer) -> None:
    post_events(sensitive_events("c-raw", "u-raw", f"card {CARD}"))
    conversation = Conversation.objects.get(external_id="c-raw")
    for path in ("/compliance/", "/compliance/findings/", f"/compliance/conversations/{conversation.pk}/"):
        html = officer.get(path).content.decode()
        assert CARD not in html
        assert CARD.replace(" ", "") not in html
    csv = b"".join(officer.get("/compliance/findings/", {"export": "csv"}).streaming_content).decode()
    assert "**** 1111" in csv
    assert CARD not in csv


def test_findings_over_time_chart_has_its_table_view(scene, officer) -> None:
    import html as html_lib
    import json
    import re

    page = officer.get("/compliance/", _query(scene.period)).content.decode()
    option = json.loads(html_lib.unescape(re.search(r'id="findings-over-time".*?data-option="([^"]*)"', page, re.S)[1]))
    assert option["aria"] == {"enabled": True, "decal": {"show": True}}
    assert [s["name"] for s in option["series"]] == ["PERSON", "CREDIT_CARD", "EMAIL"]
    assert {s["name"]: sum(p["value"] for p in s["data"]) for s in option["series"]} == {
        "PERSON": 4,
        "CREDIT_CARD": 1,
        "EMAIL": 1,
    }
    assert len(option["xAxis"]["data"]) == DAYS
    # A bar is a link to its findings; the same numbers are in the table view under the chart.
    assert all(p["href"].startswith("/compliance/findings/?date_from=") for s in option["series"] for p in s["data"])
    assert '<details class="table-view"><summary>Table view</summary>' in page
    assert "vendor/echarts-6.1.0/echarts.min.js" in page
