from django.test import Client
from django_tenants.utils import schema_context

from tests.conftest import ALPHA, BETA
from tests.factories import AssistantFactory, DepartmentFactory, UserFactory, issue_key
from tests.ingestion.conftest import make_conversation


def test_key_reads_back_its_conversation(post_events, alpha_client, api_key) -> None:
    post_events(make_conversation("rb"))
    response = alpha_client.get("/api/v1/conversations/rb", HTTP_AUTHORIZATION=f"Bearer {api_key}")
    assert response.status_code == 200
    body = response.json()
    assert body["conversation_id"] == "rb"
    assert [(m["message_id"], m["role"]) for m in body["messages"]] == [("rb-m1", "user"), ("rb-m2", "assistant")]
    assert body["messages"][1]["output_tokens"] == 12
    assert body["actions"] == [
        {"action": "copy", "message_id": "rb-m2", "ts": body["actions"][0]["ts"], "feature": None}
    ]
    assert body["feedback"][0]["thumb"] == "up"
    assert body["outcome"] == "resolved"


def test_key_of_another_assistant_cannot_read_it(post_events, alpha_client, assistant) -> None:
    post_events(make_conversation("private"))
    other_key = issue_key(AssistantFactory(department=assistant.department, name="Other"))
    response = alpha_client.get("/api/v1/conversations/private", HTTP_AUTHORIZATION=f"Bearer {other_key}")
    assert response.status_code == 404


def test_users_see_conversations_of_their_departments_only(post_events, alpha_client, assistant) -> None:
    post_events(make_conversation("dept"))
    member = UserFactory(roles=["cx"])
    assistant.department.members.add(member)
    outsider = UserFactory(roles=["cx"])
    DepartmentFactory(name="Elsewhere").members.add(outsider)
    compliance = UserFactory(roles=["compliance"])

    for user, expected in ((member, 200), (compliance, 200), (outsider, 404)):
        client = Client(HTTP_HOST=ALPHA["domain"])
        client.force_login(user)
        assert client.get("/api/v1/conversations/dept").status_code == expected, user.roles

    assert Client(HTTP_HOST=ALPHA["domain"]).get("/api/v1/conversations/dept").status_code in (401, 403)


def test_conversation_is_invisible_from_another_tenant(post_events, beta) -> None:
    post_events(make_conversation("secret"))
    with schema_context(beta.schema_name):
        beta_key = issue_key(AssistantFactory(name="B"))
        beta_admin = UserFactory(roles=["admin"])
    client = Client(HTTP_HOST=BETA["domain"])
    assert client.get("/api/v1/conversations/secret", HTTP_AUTHORIZATION=f"Bearer {beta_key}").status_code == 404
    client.force_login(beta_admin)
    assert client.get("/api/v1/conversations/secret").status_code == 404
