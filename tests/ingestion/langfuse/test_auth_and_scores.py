"""The key pair, Langfuse-like errors, ``POST /api/public/scores`` and the projects auth check."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.conversations.models import Feedback
from apps.ingestion.models import RawEvent
from tests.factories import AssistantFactory, issue_key
from tests.ingestion.conftest import iso
from tests.ingestion.langfuse.conftest import basic, pair


def _chat(post_langfuse, trace: str = "t1", session: str = "s1") -> None:
    batch = [
        {
            "id": "e1",
            "type": "trace-create",
            "timestamp": iso(),
            "body": {"id": trace, "sessionId": session, "userId": "u1"},
        },
        {
            "id": "e2",
            "type": "generation-create",
            "timestamp": iso(),
            "body": {"id": f"{trace}-g", "traceId": trace, "input": "Is the VPN down?", "output": "No, it is up."},
        },
    ]
    response = post_langfuse("ingestion", {"batch": batch})
    assert response.json()["errors"] == []


def test_wrong_secret_is_401_in_langfuse_shape_and_stores_nothing(post_langfuse, api_key, assistant) -> None:
    public = api_key[: len("tsk_live_") + 12]
    response = post_langfuse("ingestion", {"batch": []}, auth=basic(public, public + "x" * 32))
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "UnauthorizedError"
    assert body["message"] == body["detail"] == "unknown API key"
    assert response["WWW-Authenticate"] == 'Basic realm="tessera"'
    assert not RawEvent.objects.filter(assistant=assistant).exists()


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        ("", "send the assistant's key as Langfuse's pair"),
        ("Basic !!!", "malformed Basic credentials"),
        (basic("pk-lf-123", "sk-lf-456"), "unknown public key"),
    ],
)
def test_missing_or_malformed_pair_is_401(post_langfuse, auth: str, message: str) -> None:
    response = post_langfuse("scores", {"traceId": "t", "name": "x", "value": 1}, auth=auth)
    assert response.status_code == 401
    assert response.json()["message"].startswith(message)


def test_a_pair_mixing_two_keys_is_refused(post_langfuse, api_key, assistant) -> None:
    other = issue_key(AssistantFactory(name="Other"))
    response = post_langfuse("ingestion", {"batch": []}, auth=basic(other[: len("tsk_live_") + 12], api_key))
    assert response.status_code == 401
    assert "does not belong to this public key" in response.json()["message"]


def test_bearer_key_works_and_another_organizations_pair_is_403(post_langfuse, api_key, beta) -> None:
    assert post_langfuse("ingestion", {"batch": []}, auth=f"Bearer {api_key}").status_code == 207
    with schema_context(beta.schema_name):
        beta_key = issue_key(AssistantFactory(name="Beta bot"))
    response = post_langfuse("ingestion", {"batch": []}, auth=pair(beta_key))  # sent to Alpha's host
    assert response.status_code == 403
    assert response.json()["error"] == "AccessDeniedError"
    assert "another organization" in response.json()["message"]


def test_projects_auth_check_names_the_keys_assistant(alpha_client, api_key, assistant) -> None:
    response = alpha_client.get("/api/public/projects", HTTP_AUTHORIZATION=pair(api_key))
    assert response.status_code == 200
    assert response.json()["data"] == [{"id": str(assistant.pk), "name": "Helpdesk", "metadata": {}}]


@pytest.mark.parametrize(
    ("score", "rating"),
    [
        ({"value": 1, "dataType": "BOOLEAN"}, "up"),
        ({"value": 0, "dataType": "BOOLEAN"}, "down"),
        ({"value": True}, "up"),
        ({"value": 0.2, "dataType": "NUMERIC"}, "down"),
        ({"value": -1, "dataType": "NUMERIC"}, "down"),
        ({"value": 4, "dataType": "NUMERIC"}, "4"),
        ({"value": 4.6}, "5"),
        ({"value": "thumbs up", "dataType": "CATEGORICAL"}, "up"),
        ({"value": "Bad", "dataType": "CATEGORICAL"}, "down"),
        ({"value": 0, "stringValue": "3", "dataType": "CATEGORICAL"}, "3"),
    ],
)
def test_single_score_becomes_feedback(post_langfuse, score: dict, rating: str) -> None:
    _chat(post_langfuse)
    body = {"id": "sc1", "traceId": "t1", "name": "user-feedback", "comment": "ok", **score}
    response = post_langfuse("scores", body)
    assert response.status_code == 200, response.json()
    assert response.json() == {"id": "sc1"}
    feedback = Feedback.objects.get()
    assert (feedback.rating, feedback.comment, feedback.message.content) == (rating, "ok", "No, it is up.")


@pytest.mark.parametrize(
    ("score", "status", "message"),
    [
        ({"value": 7}, 400, "numeric score 7 is outside"),
        ({"value": "meh", "dataType": "CATEGORICAL"}, 400, "categorical label 'meh'"),
        ({"value": "long text", "dataType": "TEXT"}, 400, "TEXT scores are not a rating"),
        ({"value": 1, "traceId": None, "sessionId": "nope"}, 404, "unknown session nope"),
        ({"value": 9, "traceId": "not-yet"}, 400, "numeric score 9 is outside"),  # refused before parking
        ({"value": 1, "name": None}, 400, "name: required"),
    ],
)
def test_single_score_refused_stores_nothing(post_langfuse, score: dict, status: int, message: str) -> None:
    _chat(post_langfuse)
    response = post_langfuse("scores", {"id": "sc1", "traceId": "t1", "name": "fb", **score})
    assert response.status_code == status
    assert response.json()["message"].startswith(message)
    assert not Feedback.objects.exists()


def test_score_list_is_202_when_all_pass_and_207_with_the_refused_ones(post_langfuse) -> None:
    _chat(post_langfuse)
    good = [{"id": f"ok{i}", "traceId": "t1", "name": "fb", "value": 1} for i in range(2)]
    response = post_langfuse("scores", good)
    assert (response.status_code, response.json()) == (202, {"message": "Accepted"})

    mixed = [
        {"id": "ok3", "sessionId": "s1", "name": "session-fb", "value": 5},  # a session score: its last answer
        {"id": "bad", "traceId": "t1", "name": "fb", "value": "text", "dataType": "TEXT"},
        "junk",
    ]
    response = post_langfuse("scores", mixed)
    assert response.status_code == 207
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (1, 2)
    assert [e["message"].split(":")[0] for e in body["errors"]] == ["score 1", "score 2"]
    assert sorted(Feedback.objects.values_list("rating", flat=True)) == ["5", "up", "up"]

    # A retried list is three duplicates, not three more ratings.
    assert post_langfuse("scores", good).status_code == 202
    assert Feedback.objects.count() == 3


def test_a_score_that_overtakes_its_trace_is_stored_when_the_trace_arrives(post_langfuse) -> None:
    early = {"id": "early", "traceId": "t-late", "name": "user-feedback", "value": 0, "dataType": "BOOLEAN"}
    assert post_langfuse("scores", [early]).status_code == 202
    assert not Feedback.objects.exists()
    _chat(post_langfuse, trace="t-late", session="s-late")
    feedback = Feedback.objects.get()
    assert (feedback.rating, feedback.conversation.external_id, feedback.message.content) == (
        "down",
        "s-late",
        "No, it is up.",
    )
    _chat(post_langfuse, trace="t-late", session="s-late")  # the trace again: the score is not stored twice
    assert Feedback.objects.count() == 1


def test_openapi_schema_documents_the_langfuse_endpoints(alpha_client) -> None:
    response = alpha_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = response.json()
    for path in ("/api/public/otel/v1/traces", "/api/public/ingestion", "/api/public/scores", "/api/public/projects"):
        assert path in schema["paths"], path
    assert "207" in schema["paths"]["/api/public/ingestion"]["post"]["responses"]
    assert schema["components"]["securitySchemes"]["langfuseKeyPair"]["scheme"] == "basic"
