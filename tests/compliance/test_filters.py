"""The review queue's filters: one FilterSet for the page and the API; bad values are refused
precisely (400 in the API, a visible error on the page), never answered with an unfiltered list."""

from __future__ import annotations

import pytest

from apps.compliance.models import ReviewCase
from tests.factories import AssistantFactory, UserFactory, issue_key, sensitive_events

CHOICE_ERROR = "Select a valid choice. That choice is not one of the available choices."
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "case-table"}


@pytest.fixture
def cases(post_events, assistant) -> dict[str, ReviewCase]:
    """Helpdesk: a card; Payroll (another department): an IBAN."""
    payroll = AssistantFactory(name="Payroll bot")
    assert post_events(sensitive_events("c-card", "u1", "card 4111 1111 1111 1111")).status_code == 200
    post_events(sensitive_events("c-iban", "u2", "IBAN DE89 3704 0044 0532 0130 00"), key=issue_key(payroll))
    return {c.conversation.external_id: c for c in ReviewCase.objects.select_related("conversation")}


@pytest.fixture
def officer(alpha_client):
    alpha_client.force_login(UserFactory(roles=["compliance"]))
    return alpha_client


def _ids(response) -> list[int]:
    return sorted(row["id"] for row in response.json()["results"])


def test_api_filters_with_the_pages_filterset(cases, officer) -> None:
    card, iban = cases["c-card"], cases["c-iban"]
    api = "/api/v1/compliance/cases/"
    assert _ids(officer.get(api)) == sorted([card.pk, iban.pk])
    assert _ids(officer.get(api, {"department": iban.department_id})) == [iban.pk]
    assert _ids(officer.get(api, {"assistant": card.assistant_id})) == [card.pk]
    assert _ids(officer.get(api, {"finding_type": "IBAN"})) == [iban.pk]
    assert _ids(officer.get(api, {"type": "CREDIT_CARD"})) == [card.pk]  # the API's older name
    assert _ids(officer.get(api, {"status": "accepted_risk"})) == []


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"department": "abc"}, {"department": [CHOICE_ERROR]}),
        ({"department": "999999"}, {"department": [CHOICE_ERROR]}),
        ({"assistant": "1e3"}, {"assistant": [CHOICE_ERROR]}),
        ({"older_than_days": "abc"}, {"older_than_days": ["Enter a whole number."]}),
        ({"older_than_days": "0"}, {"older_than_days": ["Ensure this value is greater than or equal to 1."]}),
        ({"sort": "loudest"}, {"sort": ["Select a valid choice. loudest is not one of the available choices."]}),
        ({"type": "CARD"}, {"type": ["Select a valid choice. CARD is not one of the available choices."]}),
    ],
)
def test_api_refuses_a_malformed_filter_precisely(cases, officer, params, errors) -> None:
    response = officer.get("/api/v1/compliance/cases/", params)
    assert response.status_code == 400
    assert response.json() == errors


def test_page_shows_the_error_and_lists_no_case(cases, officer) -> None:
    for headers in ({}, HTMX):
        response = officer.get("/compliance/queue/", {"department": "abc", "status": "open"}, **headers)
        html = response.content.decode()
        assert response.status_code == 200
        assert f"<p>Department: {CHOICE_ERROR}</p>" in html
        assert "/compliance/cases/" not in html  # not one case: never the unfiltered queue
        assert "0 cases" in html


def test_page_filters_like_the_api(cases, officer) -> None:
    card, iban = cases["c-card"], cases["c-iban"]
    html = officer.get("/compliance/queue/", {"department": iban.department_id}).content.decode()
    assert f'href="/compliance/cases/{iban.pk}/"' in html
    assert f'href="/compliance/cases/{card.pk}/"' not in html


def test_case_filters_are_in_the_openapi_schema(alpha_client) -> None:
    schema = alpha_client.get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/compliance/cases/"]["get"]["parameters"]}
    assert {"status", "min_severity", "finding_type", "assistant", "department", "older_than_days", "sort"} <= set(
        parameters
    )
    assert parameters["department"]["schema"] == {"type": "integer"}
    assert parameters["older_than_days"]["schema"]["type"] == "integer"
