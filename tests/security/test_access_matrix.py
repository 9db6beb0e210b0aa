"""Access-control matrix enumerated from the URL conf (issue 10, "tests that keep them closed").

Every route of ``config/urls_tenants.py`` is requested (GET, then POST) on Alpha's host by each
principal: anonymous, each role, Beta's admin session cookie and Beta's API key. Each answer must
have the status in ``EXPECTED`` and no body may hold the other tenant's planted marker. A route
without an expectation fails the test, so a new route is covered the day it is added.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

import orjson
import pytest
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.services import token_create
from apps.analytics.decision_services import alert_upsert, recommendation_upsert
from apps.compliance.models import AutoCloseRule, ReviewCase, SavedQueueView
from apps.compliance.services import unmask_request_create
from apps.dashboards.services import conversation_tag_add, end_user_tag_add, note_create, segment_create
from apps.detection.models import EgressImport, SensitiveFinding, ShadowAIFinding
from apps.registry.models import ApiKey, ReleaseAnnotation
from apps.tenants.models import Organization
from tests.conftest import ALPHA, BETA
from tests.factories import AssistantFactory, DepartmentFactory, UserFactory, issue_key, sensitive_events

ROLES = ("admin", "owner", "product", "cx", "compliance", "viewer")
PRINCIPALS = ("anonymous", *ROLES, "beta_session", "beta_key")
ALPHA_MARKER = "alpha-secret-marker-51c2"
BETA_MARKER = "beta-secret-marker-9e7d"
ADMIN_PREFIX = "admin/"


def routes() -> list[str]:
    """Every route pattern of the tenant URL conf, as written (``api/v1/assistants/<int:pk>/``)."""

    def walk(patterns: list, prefix: str) -> Iterator[str]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern)

    return list(walk(get_resolver("config.urls_tenants").url_patterns, ""))


_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def route_path(route: str, args: dict[str, object]) -> str:
    # An optional trailing slash (`/?$`) is requested without it: the slashed form is the usual one.
    path = route.replace("/?$", "").replace("^", "").replace("$", "")
    return "/" + _CONVERTER.sub(lambda m: str(args[m.group(1) or m.group(2)]), path)


@dataclass
class Scene:
    alpha: Organization
    users: dict[str, User]
    args_by_route: dict[str, dict[str, object]]
    beta_cookies: object
    beta_key: str


@pytest.fixture
def scene(alpha, beta, django_capture_on_commit_callbacks) -> Scene:
    # Beta: a department, an assistant and a conversation carrying its marker; an admin session.
    with schema_context(beta.schema_name):
        beta_bot = AssistantFactory(department=DepartmentFactory(name=BETA_MARKER), name=BETA_MARKER)
        beta_key = issue_key(beta_bot)
        beta_browser = Client(HTTP_HOST=BETA["domain"])
        beta_browser.force_login(User.objects.get(email=BETA["admin_email"]))
    with django_capture_on_commit_callbacks(execute=True):
        response = beta_browser.post(
            "/api/v1/events",
            data=orjson.dumps(
                {"events": sensitive_events("c-matrix", "u-matrix", f"{BETA_MARKER} card 4111 1111 1111 1111")}
            ),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {beta_key}",
        )
    assert response.status_code == 200, response.content
    connection.set_tenant(alpha)  # the request above left the connection on Beta's schema

    # Alpha: HR (every department-scoped role is a member) with an assistant, a key, a release,
    # a conversation with a case and findings, and an unmask request by a second officer.
    hr = DepartmentFactory(name=f"HR {ALPHA_MARKER}")
    bot = AssistantFactory(department=hr, name=f"Bot {ALPHA_MARKER}")
    key = issue_key(bot)
    users = {}
    for role in ROLES:
        users[role] = UserFactory(email=f"matrix-{role}@alpha.test", roles=[role], is_staff=role == "admin")
    hr.members.add(users["owner"], users["product"], users["cx"], users["viewer"])
    release = ReleaseAnnotation.objects.create(assistant=bot, date="2026-01-05", kind="prompt", text="v2")
    # Two of each finding: a resolve and a dismiss in the same run must each meet an open one.
    findings = {
        f"{model}-{verb}": upsert(assistant=bot, kind=kind, dims={"verb": verb}, evidence={}).record.pk
        for model, upsert, kind in (
            ("recommendations", recommendation_upsert, "fix_prompt"),
            ("alerts", alert_upsert, "degradation"),
        )
        for verb in ("resolve", "dismiss")
    }
    client = Client(HTTP_HOST=ALPHA["domain"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/events",
            data=orjson.dumps(
                {"events": sensitive_events("c-matrix", "u-matrix", f"{ALPHA_MARKER} card 4111 1111 1111 1111")}
            ),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
    assert response.status_code == 200, response.content
    case = ReviewCase.objects.get()  # the card: one case (assistant, end user, type)
    finding = SensitiveFinding.objects.filter(conversation=case.conversation).first()
    second_officer = UserFactory(email="matrix-officer2@alpha.test", roles=["compliance"])
    unmask = unmask_request_create(actor=second_officer, finding=finding, reason="matrix check")
    # The qualitative layer (apps/dashboards): a tag on the conversation and on its user, a note
    # and a private segment, all the admin's.
    conversation_tag = conversation_tag_add(actor=users["admin"], conversation=case.conversation, name="matrix")
    user_tag = end_user_tag_add(actor=users["admin"], end_user_id="u-matrix", name="watch")
    note = note_create(actor=users["admin"], conversation=case.conversation, text="matrix note")
    segment = segment_create(actor=users["admin"], name="matrix", filters=[("frustrated", "1")])
    api_key = ApiKey.objects.get(assistant=bot)
    rule = AutoCloseRule.objects.create(
        finding_type="EMAIL", message_role="assistant", decision="accepted_risk", comment="m"
    )
    saved_view = SavedQueueView.objects.create(user=users["compliance"], name="matrix", query="status=open")
    token_holder = UserFactory(email="matrix-token-holder@alpha.test", roles=["product"])
    token = token_create(actor=token_holder, user=token_holder, name="matrix").token
    shadow_import = EgressImport.objects.create(sha256="0" * 64, filename=f"{ALPHA_MARKER}.log", format="squid")
    shadow_finding = ShadowAIFinding.objects.create(
        service_key="openai-chatgpt", department=hr, first_seen="2026-01-05", last_seen="2026-01-06"
    )
    args = {
        "shadow_import": {"pk": shadow_import.pk},
        "shadow_finding": {"pk": shadow_finding.pk},
        "shadow_catalog": {"key": "openai-chatgpt"},
        "assistant": {"pk": bot.pk, "assistant_pk": bot.pk, "key_id": api_key.pk},
        "api_key": {"assistant_pk": bot.pk, "pk": api_key.pk},
        "department": {"pk": hr.pk},
        "case": {"pk": case.pk},
        "finding": {"pk": finding.pk},
        "unmask": {"pk": unmask.pk},
        "conversation": {"conversation_id": "c-matrix"},
        "dash_conversation": {"pk": case.conversation_id, "tag_id": conversation_tag.tag_id},
        "user_tag": {"tag_id": user_tag.tag_id},
        "note": {"pk": note.pk},
        "segment": {"pk": segment.pk},
        "compliance_conversation": {"pk": case.conversation_id},
        "rule": {"pk": rule.pk},
        "saved_view": {"pk": saved_view.pk},
        "token": {"token_id": token.pk},
        "metric": {"slug": "acceptance_rate"},
        "release": {"annotation_id": release.pk},
        **{name: {"pk": pk} for name, pk in findings.items()},
        "admin": {"object_id": bot.pk, "id": bot.pk, "app_label": "registry", "content_type_id": 1, "url": "x"},
    }
    return Scene(alpha=alpha, users=users, args_by_route=args, beta_cookies=beta_browser.cookies, beta_key=beta_key)


def route_args(route: str, scene: Scene) -> dict[str, object]:
    for needle, kind in (
        (ADMIN_PREFIX, "admin"),
        ("dashboards/conversations/", "dash_conversation"),
        ("dashboards/users/tags/", "user_tag"),
        ("dashboards/notes/", "note"),
        ("dashboards/segments/", "segment"),
        ("keys/<int:pk>", "api_key"),
        ("compliance/cases", "case"),
        ("shadow-ai/findings", "shadow_finding"),
        ("shadow-ai/imports", "shadow_import"),
        ("shadow-ai/catalog", "shadow_catalog"),
        ("findings/", "finding"),
        ("unmask-requests/", "unmask"),
        ("departments/", "department"),
        ("compliance/conversations/", "compliance_conversation"),
        ("policy/rules/", "rule"),
        ("queue/views/", "saved_view"),
        ("conversations/", "conversation"),
        ("tokens/", "token"),
        ("metrics/<slug:slug>", "metric"),
        ("comparisons/releases/", "release"),
        *(
            (f"{model}/(?P<pk>[0-9]+)/{verb}/?$", f"{model}-{verb}")
            for model in ("recommendations", "alerts")
            for verb in ("resolve", "dismiss")
        ),
    ):
        if needle in route:
            return scene.args_by_route[kind]
    return scene.args_by_route["assistant"]


def client_for(principal: str, scene: Scene) -> tuple[Client, dict[str, str]]:
    """A browser or API client of ``principal`` on Alpha's host (built once per principal)."""
    client = Client(HTTP_HOST=ALPHA["domain"])
    headers: dict[str, str] = {}
    if principal in ROLES:
        client.force_login(scene.users[principal])
    elif principal == "beta_session":
        client.cookies = scene.beta_cookies
    elif principal == "beta_key":
        headers["HTTP_AUTHORIZATION"] = f"Bearer {scene.beta_key}"
    return client, headers


def request(client: Client, method: str, path: str, headers: dict[str, str]):
    if method == "GET":
        return client.get(path, **headers)
    if path.startswith("/api/"):
        return client.post(path, data=b"{}", content_type="application/json", **headers)
    return client.post(path, data={}, **headers)


def observed(principal: str, scene: Scene) -> dict[tuple[str, str], int]:
    """Status of every (method, route) for ``principal``; asserts no foreign marker in any body."""
    foreign = BETA_MARKER if principal != "beta_session" and principal != "beta_key" else ALPHA_MARKER
    results = {}
    ordered = sorted(routes(), key=lambda r: r.endswith("logout/"))  # logging out last
    client, headers = client_for(principal, scene)
    for method in ("GET", "POST"):
        for route in ordered:
            response = request(client, method, route_path(route, route_args(route, scene)), headers)
            body = response.content.decode(errors="replace") if not response.streaming else ""
            assert BETA_MARKER not in body, (principal, method, route)
            if foreign == ALPHA_MARKER:
                assert ALPHA_MARKER not in body, (principal, method, route)
            results[(method, route)] = response.status_code
            connection.set_tenant(scene.alpha)
    return results


# Status per principal, in PRINCIPALS order:
#   anonymous admin owner product cx compliance viewer beta_session beta_key
# Pages send strangers to the login page (302); the API answers 401/403. Beta's session cookie is
# unknown in Alpha's schema (anonymous); Beta's key is refused as another tenant's (403).
# POSTs carry an empty body: where a role may write, the answer is the validation error (400)
# or the form again (200); the same routes with valid bodies are tested per role in tests/registry
# and tests/compliance. The API's create endpoints validate before the role check, so a role that
# may not create gets 400 for an empty body (403 with a valid one: tests/registry/test_api.py).
EXPECTED: dict[tuple[str, str], str] = {
    ("GET", ""): "302 200 200 200 200 200 200 302 302",
    ("GET", "accounts/login/"): "200 200 200 200 200 200 200 200 200",
    ("GET", "accounts/password/"): "302 200 200 200 200 200 200 302 302",
    ("GET", "accounts/password/done/"): "302 200 200 200 200 200 200 302 302",
    ("GET", "accounts/tokens/"): "302 200 200 200 200 200 200 302 302",
    ("GET", "accounts/tokens/<int:token_id>/revoke/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "api/schema/"): "200 200 200 200 200 200 200 200 200",
    ("GET", "api/docs/"): "200 200 200 200 200 200 200 200 200",
    ("GET", "api/v1/events"): "401 401 401 401 401 401 401 401 403",
    # Publishable keys only (?key=tpk_live_…): sessions and secret keys are not credentials here.
    ("GET", "api/v1/browser/events"): "401 401 401 401 401 401 401 401 401",
    ("GET", "api/v1/otlp/v1/traces"): "401 401 401 401 401 401 401 401 403",
    ("GET", "api/v1/otlp/v1/logs"): "401 401 401 401 401 401 401 401 403",
    ("GET", "api/v1/otlp/v1/metrics"): "401 401 401 401 401 401 401 401 403",
    ("GET", "api/public/otel/v1/traces"): "401 401 401 401 401 401 401 401 403",
    ("GET", "api/public/ingestion"): "401 401 401 401 401 401 401 401 403",
    ("GET", "api/public/scores"): "401 401 401 401 401 401 401 401 403",
    ("GET", "api/public/projects"): "401 401 401 401 401 401 401 401 403",
    ("GET", "api/v1/conversations/<str:conversation_id>"): "401 200 200 200 200 200 200 401 403",
    ("GET", "api/v1/assistants/"): "403 200 200 200 200 200 200 403 403",
    ("GET", "api/v1/assistants/<int:pk>/"): "403 200 200 200 200 200 200 403 403",
    ("GET", "api/v1/assistants/<int:assistant_pk>/keys/"): "403 200 200 200 200 200 200 403 403",
    ("GET", "api/v1/assistants/<int:assistant_pk>/keys/<int:pk>/revoke/"): "403 405 405 405 405 405 405 403 403",
    ("GET", "api/v1/assistants/<int:assistant_pk>/releases/"): "403 200 200 200 200 200 200 403 403",
    ("GET", "api/v1/departments/"): "403 200 200 200 200 200 200 403 403",
    ("GET", "api/v1/departments/<int:pk>/"): "403 200 200 200 200 200 200 403 403",
    ("GET", "api/^v1/shadow-ai/imports/$"): "403 200 403 403 403 200 403 403 403",
    ("GET", "api/^v1/shadow-ai/imports/(?P<pk>[^/.]+)/$"): "403 200 403 403 403 200 403 403 403",
    ("GET", "api/^v1/shadow-ai/findings/$"): "403 200 403 403 403 200 403 403 403",
    ("GET", "api/^v1/shadow-ai/findings/blocklist/$"): "403 200 403 403 403 200 403 403 403",
    ("GET", "api/^v1/shadow-ai/findings/(?P<pk>[^/.]+)/decide/$"): "403 405 403 403 403 405 403 403 403",
    ("GET", "api/^v1/shadow-ai/unregistered-models/$"): "403 200 403 403 403 200 403 403 403",
    ("GET", "api/^v1/shadow-ai/mentions/$"): "403 200 403 403 403 200 403 403 403",
    ("GET", "api/^v1/shadow-ai/launch-impact/$"): "403 200 403 403 403 200 403 403 403",
    ("GET", "api/^v1/shadow-ai/identity-map/$"): "403 200 403 403 403 200 403 403 403",
    ("GET", "api/^v1/shadow-ai/catalog/$"): "403 200 403 403 403 200 403 403 403",
    ("GET", "api/^v1/shadow-ai/catalog/(?P<key>[-a-zA-Z0-9_]+)/$"): "403 200 403 403 403 200 403 403 403",
    ("GET", "api/v1/shadow-ai/policy/"): "403 200 403 403 403 200 403 403 403",
    ("GET", "api/^v1/compliance/cases/$"): "403 403 403 403 403 200 403 403 403",
    ("GET", "api/^v1/compliance/cases/(?P<pk>[^/.]+)/$"): "403 403 403 403 403 200 403 403 403",
    ("GET", "api/^v1/compliance/cases/(?P<pk>[^/.]+)/decide/$"): "403 403 403 403 403 405 403 403 403",
    # Metrics API: a viewer reads only summary metrics (acceptance_rate is not one); comparisons
    # without their required parameters (metric, assistant) are a 400 for every role.
    ("GET", "api/v1/metrics/"): "403 200 200 200 200 200 200 403 403",
    ("GET", "api/v1/metrics/<slug:slug>/"): "403 200 200 200 200 200 403 403 403",
    ("GET", "api/v1/comparisons/variants/"): "403 400 400 400 400 400 400 403 403",
    ("GET", "api/v1/comparisons/releases/<int:annotation_id>/"): "403 400 400 400 400 400 400 403 403",
    ("GET", "api/v1/recommendations/"): "403 200 200 200 200 200 200 403 403",
    ("GET", "api/^v1/recommendations/(?P<pk>[0-9]+)/resolve/?$"): "403 405 405 405 405 405 405 403 403",
    ("GET", "api/^v1/recommendations/(?P<pk>[0-9]+)/dismiss/?$"): "403 405 405 405 405 405 405 403 403",
    ("GET", "api/v1/alerts/"): "403 200 200 200 200 200 200 403 403",
    ("GET", "api/^v1/alerts/(?P<pk>[0-9]+)/resolve/?$"): "403 405 405 405 405 405 405 403 403",
    ("GET", "api/^v1/alerts/(?P<pk>[0-9]+)/dismiss/?$"): "403 405 405 405 405 405 405 403 403",
    ("GET", "registry/audit/"): "302 200 403 403 403 200 403 302 302",
    ("GET", "registry/audit/export.csv"): "302 200 403 403 403 200 403 302 302",
    ("GET", "registry/"): "302 200 200 200 200 200 200 302 302",
    ("GET", "registry/new/"): "302 200 200 403 403 403 403 302 302",
    ("GET", "registry/new/validate/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "registry/<int:pk>/"): "302 200 200 200 200 200 200 302 302",
    ("GET", "registry/<int:pk>/edit/"): "302 200 200 403 403 403 403 302 302",
    ("GET", "registry/<int:pk>/validate/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "registry/<int:pk>/keys/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "registry/<int:pk>/keys/<int:key_id>/revoke/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "registry/<int:pk>/releases/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "registry/<int:pk>/getting-started/"): "302 200 200 403 403 403 403 302 302",
    ("GET", "registry/<int:pk>/getting-started/first-event/"): "302 200 200 403 403 403 403 302 302",
    ("GET", "compliance/"): "302 200 403 403 403 200 403 302 302",
    ("GET", "compliance/queue/"): "302 200 403 403 403 200 403 302 302",
    ("GET", "compliance/findings/"): "302 200 403 403 403 200 403 302 302",
    ("GET", "compliance/queue/views/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "compliance/queue/views/<int:pk>/delete/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "compliance/policy/rules/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "compliance/policy/rules/<int:pk>/delete/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "compliance/conversations/<int:pk>/"): "302 200 403 403 403 200 403 302 302",
    ("GET", "compliance/bulk/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "compliance/cases/<int:pk>/"): "302 200 403 403 403 200 403 302 302",
    ("GET", "compliance/cases/<int:pk>/decide/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "compliance/cases/<int:pk>/assign/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "compliance/findings/<int:pk>/unmask/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "compliance/unmask-requests/<int:pk>/decide/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "compliance/policy/"): "302 200 403 403 403 200 403 302 302",
    ("GET", "dashboards/summary/"): "302 200 200 200 200 200 200 302 302",
    ("GET", "dashboards/digest/"): "302 200 200 200 200 200 200 302 302",
    ("GET", "dashboards/digest/subscription/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "dashboards/portfolio/"): "302 200 403 403 403 403 403 302 302",
    ("GET", "dashboards/department/"): "302 200 200 403 403 403 403 302 302",
    ("GET", "dashboards/product/"): "302 200 200 200 403 403 403 302 302",
    ("GET", "dashboards/cx/"): "302 200 403 403 200 403 403 302 302",
    ("GET", "dashboards/shadow-ai/"): "302 200 403 403 403 200 403 302 302",
    ("GET", "dashboards/shadow-ai/findings/<int:pk>/"): "302 200 403 403 403 200 403 302 302",
    ("GET", "dashboards/shadow-ai/findings/<int:pk>/decide/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "dashboards/shadow-ai/blocklist/"): "302 200 403 403 403 200 403 302 302",
    ("GET", "dashboards/shadow-ai/imports/"): "302 200 403 403 403 200 403 302 302",
    ("GET", "dashboards/shadow-ai/settings/"): "302 200 403 403 403 200 403 302 302",
    # Without ?user= the journey page is a lookup form; a viewer may not open journeys.
    ("GET", "dashboards/users/"): "302 200 200 200 200 200 403 302 302",
    # Conversation explorer and transcripts: every role but viewer (its conversation is HR's, and
    # every department-scoped role is an HR member). The tag, note and segment endpoints are POST.
    ("GET", "dashboards/conversations/"): "302 200 200 200 200 200 403 302 302",
    ("GET", "dashboards/conversations/<int:pk>/"): "302 200 200 200 200 200 403 302 302",
    ("GET", "dashboards/conversations/<int:pk>/tags/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "dashboards/conversations/<int:pk>/tags/<int:tag_id>/remove/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "dashboards/conversations/<int:pk>/notes/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "dashboards/users/tags/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "dashboards/users/tags/<int:tag_id>/remove/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "dashboards/users/notes/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "dashboards/notes/<int:pk>/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "dashboards/notes/<int:pk>/delete/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "dashboards/segments/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "dashboards/segments/<int:pk>/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "dashboards/segments/<int:pk>/delete/"): "302 405 405 405 405 405 405 302 302",
    ("GET", "healthz"): "200 200 200 200 200 200 200 200 200",
    ("GET", "accounts/logout/"): "405 405 405 405 405 405 405 405 405",
    ("POST", ""): "302 200 200 200 200 200 200 302 302",
    ("POST", "dashboards/summary/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "dashboards/digest/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "dashboards/digest/subscription/"): "302 400 400 400 400 400 400 302 302",
    ("POST", "dashboards/portfolio/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "dashboards/department/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "dashboards/product/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "dashboards/cx/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "dashboards/shadow-ai/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "dashboards/shadow-ai/findings/<int:pk>/"): "302 405 405 405 405 405 405 302 302",
    # An empty decision: refused with a message and back to the finding (htmx gets the panel, 400).
    ("POST", "dashboards/shadow-ai/findings/<int:pk>/decide/"): "302 302 403 403 403 302 403 302 302",
    ("POST", "dashboards/shadow-ai/blocklist/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "dashboards/shadow-ai/imports/"): "302 400 403 403 403 400 403 302 302",
    ("POST", "dashboards/shadow-ai/settings/"): "302 400 403 403 403 400 403 302 302",
    ("POST", "dashboards/users/"): "302 405 405 405 405 405 405 302 302",
    # Empty bodies: a missing tag name, note text, end-user id or segment name is a 400; removing
    # the existing tag works (302 back); a note changes only by its author (the admin's) and a
    # private segment is the admin's alone (404 to others: its id is not confirmed).
    ("POST", "dashboards/conversations/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "dashboards/conversations/<int:pk>/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "dashboards/conversations/<int:pk>/tags/"): "302 400 400 400 400 400 403 302 302",
    ("POST", "dashboards/conversations/<int:pk>/tags/<int:tag_id>/remove/"): "302 302 302 302 302 302 403 302 302",
    ("POST", "dashboards/conversations/<int:pk>/notes/"): "302 400 400 400 400 400 403 302 302",
    ("POST", "dashboards/users/tags/"): "302 400 400 400 400 400 403 302 302",
    ("POST", "dashboards/users/tags/<int:tag_id>/remove/"): "302 400 400 400 400 400 403 302 302",
    ("POST", "dashboards/users/notes/"): "302 400 400 400 400 400 403 302 302",
    ("POST", "dashboards/notes/<int:pk>/"): "302 400 403 403 403 403 403 302 302",
    ("POST", "dashboards/notes/<int:pk>/delete/"): "302 302 403 403 403 403 403 302 302",
    ("POST", "dashboards/segments/"): "302 400 400 400 400 400 403 302 302",
    ("POST", "dashboards/segments/<int:pk>/"): "302 400 404 404 404 404 403 302 302",
    ("POST", "dashboards/segments/<int:pk>/delete/"): "302 302 404 404 404 404 403 302 302",
    ("POST", "accounts/login/"): "200 200 200 200 200 200 200 200 200",
    ("POST", "accounts/password/"): "302 200 200 200 200 200 200 302 302",
    ("POST", "accounts/password/done/"): "302 405 405 405 405 405 405 302 302",
    # Creating with an empty body shows the form again; a token is revocable by its holder or an
    # admin only, and to anyone else it does not exist (404, not 403: ids are not confirmed).
    ("POST", "accounts/tokens/"): "302 200 200 200 200 200 200 302 302",
    ("POST", "accounts/tokens/<int:token_id>/revoke/"): "302 302 404 404 404 404 404 302 302",
    ("POST", "api/schema/"): "405 405 405 405 405 405 405 405 405",
    ("POST", "api/docs/"): "405 405 405 405 405 405 405 405 405",
    ("POST", "api/v1/events"): "401 401 401 401 401 401 401 401 403",
    ("POST", "api/v1/browser/events"): "401 401 401 401 401 401 401 401 401",
    ("POST", "api/v1/otlp/v1/traces"): "401 401 401 401 401 401 401 401 403",
    ("POST", "api/v1/otlp/v1/logs"): "401 401 401 401 401 401 401 401 403",
    ("POST", "api/v1/otlp/v1/metrics"): "401 401 401 401 401 401 401 401 403",
    ("POST", "api/public/otel/v1/traces"): "401 401 401 401 401 401 401 401 403",
    ("POST", "api/public/ingestion"): "401 401 401 401 401 401 401 401 403",
    ("POST", "api/public/scores"): "401 401 401 401 401 401 401 401 403",
    ("POST", "api/public/projects"): "401 401 401 401 401 401 401 401 403",
    ("POST", "api/v1/conversations/<str:conversation_id>"): "401 405 405 405 405 405 405 401 403",
    ("POST", "api/v1/assistants/"): "403 400 400 400 400 400 400 403 403",
    ("POST", "api/v1/assistants/<int:pk>/"): "403 405 405 405 405 405 405 403 403",
    ("POST", "api/v1/assistants/<int:assistant_pk>/keys/"): "403 201 201 403 403 403 403 403 403",
    ("POST", "api/v1/assistants/<int:assistant_pk>/keys/<int:pk>/revoke/"): "403 200 200 403 403 403 403 403 403",
    ("POST", "api/v1/assistants/<int:assistant_pk>/releases/"): "403 400 400 400 400 400 400 403 403",
    ("POST", "api/v1/departments/"): "403 405 405 405 405 405 405 403 403",
    ("POST", "api/v1/departments/<int:pk>/"): "403 405 405 405 405 405 405 403 403",
    # The upload takes multipart/form-data only: the matrix's JSON body is a 415.
    ("POST", "api/^v1/shadow-ai/imports/$"): "403 415 403 403 403 415 403 403 403",
    ("POST", "api/^v1/shadow-ai/imports/(?P<pk>[^/.]+)/$"): "403 405 403 403 403 405 403 403 403",
    ("POST", "api/^v1/shadow-ai/findings/$"): "403 405 403 403 403 405 403 403 403",
    ("POST", "api/^v1/shadow-ai/findings/blocklist/$"): "403 405 403 403 403 405 403 403 403",
    ("POST", "api/^v1/shadow-ai/findings/(?P<pk>[^/.]+)/decide/$"): "403 400 403 403 403 400 403 403 403",
    ("POST", "api/^v1/shadow-ai/unregistered-models/$"): "403 405 403 403 403 405 403 403 403",
    ("POST", "api/^v1/shadow-ai/mentions/$"): "403 405 403 403 403 405 403 403 403",
    ("POST", "api/^v1/shadow-ai/launch-impact/$"): "403 405 403 403 403 405 403 403 403",
    ("POST", "api/^v1/shadow-ai/identity-map/$"): "403 400 403 403 403 400 403 403 403",
    ("POST", "api/^v1/shadow-ai/catalog/$"): "403 405 403 403 403 405 403 403 403",
    ("POST", "api/^v1/shadow-ai/catalog/(?P<key>[-a-zA-Z0-9_]+)/$"): "403 405 403 403 403 405 403 403 403",
    ("POST", "api/v1/shadow-ai/policy/"): "403 405 403 403 403 405 403 403 403",
    ("POST", "api/^v1/compliance/cases/$"): "403 403 403 403 403 405 403 403 403",
    ("POST", "api/^v1/compliance/cases/(?P<pk>[^/.]+)/$"): "403 403 403 403 403 405 403 403 403",
    ("POST", "api/^v1/compliance/cases/(?P<pk>[^/.]+)/decide/$"): "403 403 403 403 403 400 403 403 403",
    ("POST", "api/v1/metrics/"): "403 405 405 405 405 405 405 403 403",
    ("POST", "api/v1/metrics/<slug:slug>/"): "403 405 405 405 405 405 405 403 403",
    ("POST", "api/v1/comparisons/variants/"): "403 405 405 405 405 405 405 403 403",
    ("POST", "api/v1/comparisons/releases/<int:annotation_id>/"): "403 405 405 405 405 405 405 403 403",
    ("POST", "api/v1/recommendations/"): "403 405 405 405 405 405 405 403 403",
    # Findings are closed by admin, or owner/product/cx of the assistant's department (the reason
    # is optional, so an empty body closes); compliance and viewer read them only.
    ("POST", "api/^v1/recommendations/(?P<pk>[0-9]+)/resolve/?$"): "403 200 200 200 200 403 403 403 403",
    ("POST", "api/^v1/recommendations/(?P<pk>[0-9]+)/dismiss/?$"): "403 200 200 200 200 403 403 403 403",
    ("POST", "api/v1/alerts/"): "403 405 405 405 405 405 405 403 403",
    ("POST", "api/^v1/alerts/(?P<pk>[0-9]+)/resolve/?$"): "403 200 200 200 200 403 403 403 403",
    ("POST", "api/^v1/alerts/(?P<pk>[0-9]+)/dismiss/?$"): "403 200 200 200 200 403 403 403 403",
    ("POST", "registry/audit/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "registry/audit/export.csv"): "302 405 405 405 405 405 405 302 302",
    ("POST", "registry/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "registry/new/"): "302 200 200 403 403 403 403 302 302",
    ("POST", "registry/new/validate/"): "302 400 400 403 403 403 403 302 302",
    ("POST", "registry/<int:pk>/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "registry/<int:pk>/edit/"): "302 200 200 403 403 403 403 302 302",
    ("POST", "registry/<int:pk>/validate/"): "302 400 400 403 403 403 403 302 302",
    ("POST", "registry/<int:pk>/keys/"): "302 200 200 403 403 403 403 302 302",
    ("POST", "registry/<int:pk>/keys/<int:key_id>/revoke/"): "302 200 200 403 403 403 403 302 302",
    ("POST", "registry/<int:pk>/releases/"): "302 200 200 403 403 403 403 302 302",
    ("POST", "registry/<int:pk>/getting-started/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "registry/<int:pk>/getting-started/first-event/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "compliance/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "compliance/queue/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "compliance/findings/"): "302 405 405 405 405 405 405 302 302",
    # Saved queue views: each reader's own (the compliance officer's view is a 404 to the admin).
    ("POST", "compliance/queue/views/"): "302 302 403 403 403 302 403 302 302",
    ("POST", "compliance/queue/views/<int:pk>/delete/"): "302 404 403 403 403 302 403 302 302",
    # Auto-close rules decide cases: compliance only (an empty form is a 400).
    ("POST", "compliance/policy/rules/"): "302 403 403 403 403 400 403 302 302",
    ("POST", "compliance/policy/rules/<int:pk>/delete/"): "302 403 403 403 403 302 403 302 302",
    ("POST", "compliance/conversations/<int:pk>/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "compliance/bulk/"): "302 403 403 403 403 302 403 302 302",
    ("POST", "compliance/cases/<int:pk>/"): "302 405 405 405 405 405 405 302 302",
    ("POST", "compliance/cases/<int:pk>/decide/"): "302 403 403 403 403 400 403 302 302",
    ("POST", "compliance/cases/<int:pk>/assign/"): "302 403 403 403 403 302 403 302 302",
    ("POST", "compliance/findings/<int:pk>/unmask/"): "302 403 403 403 403 400 403 302 302",
    ("POST", "compliance/unmask-requests/<int:pk>/decide/"): "302 403 403 403 403 302 403 302 302",
    ("POST", "compliance/policy/"): "302 200 403 403 403 200 403 302 302",
    ("POST", "healthz"): "200 200 200 200 200 200 200 200 200",
    ("POST", "accounts/logout/"): "302 302 302 302 302 302 302 302 302",
}


def admin_site_expected(method: str, route: str, principal: str) -> set[int]:
    """Django's admin: staff only (the admin role); a staff user without model permissions
    (every tenant admin) sees the index and nothing of any model."""
    if route == "admin/login/":
        return {302} if principal == "admin" and method == "GET" else {200}
    if principal != "admin":
        return {302}  # to the admin login page
    if method == "GET" and route in (
        "admin/",
        "admin/password_change/",
        "admin/password_change/done/",
        "admin/jsi18n/",
    ):
        return {200}
    if route in ("admin/", "admin/password_change/"):
        return {200}
    return {302, 403, 404, 405}


def expected(method: str, route: str, principal: str) -> set[int] | None:
    if route.startswith(ADMIN_PREFIX):
        return admin_site_expected(method, route, principal)
    row = EXPECTED.get((method, route))
    return None if row is None else {int(row.split()[PRINCIPALS.index(principal)])}


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_access_matrix(scene, principal) -> None:
    got = observed(principal, scene)
    if os.environ.get("ACCESS_MATRIX_DUMP"):
        with open(os.environ["ACCESS_MATRIX_DUMP"], "a") as out:
            for (method, route), status in got.items():
                out.write(f"{principal}\t{method}\t{route}\t{status}\n")
    wrong = {
        (method, route): (status, expected(method, route, principal) or "no expectation: add the route to EXPECTED")
        for (method, route), status in got.items()
        if status not in (expected(method, route, principal) or ())
    }
    assert wrong == {}
    assert len(got) == 2 * len(routes())


def test_every_expectation_names_a_route() -> None:
    assert set(EXPECTED) - {(m, r) for r in routes() for m in ("GET", "POST")} == set()
