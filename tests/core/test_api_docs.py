def test_openapi_schema_documents_ingestion_and_registry(alpha_client) -> None:
    from tests.factories import UserFactory

    alpha_client.force_login(UserFactory(roles=["admin"]))
    response = alpha_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/events" in schema["paths"]
    assert "/api/v1/conversations/{conversation_id}" in schema["paths"]
    assert schema["components"]["securitySchemes"]["assistantApiKey"]["scheme"] == "bearer"


def test_swagger_ui_is_served_locally(alpha_client) -> None:
    from tests.factories import UserFactory

    alpha_client.force_login(UserFactory(roles=["viewer"]))
    body = alpha_client.get("/api/docs/").content.decode()
    assert "swagger-ui" in body
    assert "cdn.jsdelivr.net" not in body
