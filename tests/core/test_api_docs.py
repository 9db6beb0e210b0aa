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


# Every ingestion entry point, how it authenticates, and its answers (the integrations of issue 14).
INGESTION_PATHS = {
    "/api/v1/events": ({"assistantApiKey"}, {"200", "401", "403", "413", "429"}),
    "/api/v1/browser/events": ({"publishableKey"}, {"200", "401", "403", "413", "429"}),
    "/api/public/otel/v1/traces": ({"langfuseKeyPair", "assistantApiKey"}, {"200", "401", "403", "413", "429"}),
    "/api/public/ingestion": ({"langfuseKeyPair", "assistantApiKey"}, {"207", "400", "401", "403", "413"}),
    "/api/public/scores": ({"langfuseKeyPair", "assistantApiKey"}, {"401", "403"}),
    "/api/public/projects": ({"langfuseKeyPair", "assistantApiKey"}, {"200", "401"}),
}


def test_openapi_schema_documents_every_ingestion_path_with_its_authentication(alpha_client) -> None:
    from tests.factories import UserFactory

    alpha_client.force_login(UserFactory(roles=["admin"]))
    schema = alpha_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["langfuseKeyPair"]["type"] == "http"
    assert schemes["langfuseKeyPair"]["scheme"] == "basic"
    assert "username = key prefix" in schemes["langfuseKeyPair"]["description"]
    assert "password = the whole key" in schemes["langfuseKeyPair"]["description"]
    assert (schemes["publishableKey"]["type"], schemes["publishableKey"]["in"], schemes["publishableKey"]["name"]) == (
        "apiKey",
        "query",
        "key",
    )
    assert "tpk_live_" in schemes["publishableKey"]["description"]
    assert schemes["assistantApiKey"]["bearerFormat"] == "tsk_live_…"
    for path, (auth, statuses) in INGESTION_PATHS.items():
        operations = schema["paths"][path]
        method = "get" if path.endswith("/projects") else "post"
        operation = operations[method]
        # Each alternative is one scheme; no operation may be reachable without a key.
        assert {name for alternative in operation["security"] for name in alternative} == auth, path
        assert {} not in operation["security"], path
        assert statuses <= set(operation["responses"]), (path, sorted(operation["responses"]))
        assert operation.get("summary"), path
    # Pages (the getting-started page) and the CORS preflight are not API operations.
    assert not any("getting-started" in path for path in schema["paths"])
    assert "options" not in schema["paths"]["/api/v1/browser/events"]
