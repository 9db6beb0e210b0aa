"""Every list endpoint (found in the URL conf, so a new one is covered) survives absurd limits and offsets."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from apps.core.pagination import MAX_LIMIT, MAX_OFFSET
from tests.factories import AssistantFactory, UserFactory


def _list_routes(patterns=None, prefix: str = "") -> list[str]:
    routes: list[str] = []
    for entry in patterns if patterns is not None else get_resolver("config.urls_tenants").url_patterns:
        if isinstance(entry, URLResolver):
            routes += _list_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and "list" in (getattr(entry.callback, "actions", None) or {}).values():
            routes.append(("/" + prefix + str(entry.pattern)).replace("^", "").replace("$", ""))
    return routes


LIST_ROUTES = _list_routes()


def test_the_list_routes_are_found() -> None:
    assert {
        "/api/v1/assistants/",
        "/api/v1/assistants/<int:assistant_pk>/keys/",
        "/api/v1/assistants/<int:assistant_pk>/releases/",
        "/api/v1/departments/",
    } <= set(LIST_ROUTES)
    assert any(route.startswith("/api/v1/compliance/cases") for route in LIST_ROUTES)


@pytest.fixture
def admin_client(alpha, alpha_client):
    alpha_client.force_login(UserFactory(email="pager@alpha.test", roles=["admin", "compliance"]))
    return alpha_client, AssistantFactory()


@pytest.mark.parametrize("route", LIST_ROUTES)
@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"limit": "99999999999999999999"}, 200),
        ({"limit": "9" * 5000}, 200),
        ({"limit": str(MAX_LIMIT + 1)}, 200),
        ({"offset": "99999999999999999999"}, 400),
        ({"offset": str(MAX_OFFSET + 1)}, 400),
        ({"offset": str(MAX_OFFSET), "limit": "99999999999999999999"}, 200),
    ],
)
def test_huge_limit_is_clamped_and_huge_offset_refused(admin_client, route, query, status) -> None:
    client, assistant = admin_client
    url = route.replace("<int:assistant_pk>", str(assistant.pk))
    response = client.get(url, query)
    assert response.status_code == status, response.content[:300]
    if status == 400:
        assert response.json() == {"offset": [f"must be an integer from 0 to {MAX_OFFSET}"]}
    elif "limit" in query and "offset" not in query:
        next_link = response.json()["next"]
        assert next_link is None or f"limit={MAX_LIMIT}" in next_link
