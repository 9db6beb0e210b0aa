"""The metrics API against numbers computed by hand from the small world below.

The enriched rows are written with factories, the rollups rebuilt from them (``rollups_rebuild``),
and every expected value is derived here (minimum sample set to 5 for the test):

assistant  dept   day           conversations (one user message, one output each)
bot        HR     Mon Jun 1     5, variant a, users u0..u4, output copied, latency 200 ms
bot        HR     Tue Jun 2     5, variant a, users u0..u4, output copied, latency 200 ms
bot        HR     Tue Jun 16    5, variant b, users u5..u9, output dismissed, latency 400 ms
bot        HR     Wed Jun 17    5, variant b, users u5..u9, output dismissed, latency 400 ms
other      Sales  Mon Jun 1     5, variant a, users s0..s4, output copied
A copied last output resolves its conversation; every conversation has ended by NOW.
Release annotation of bot on Jun 15 (prompt): before = Jun 1-14, after = Jun 16-29.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, date, datetime, timedelta
from statistics import NormalDist

import orjson
import pyarrow.parquet as pq
import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.services import token_create
from apps.analytics.decision_services import alert_upsert, recommendation_upsert
from apps.analytics.engine import METRICS
from apps.analytics.models import Alert, DecisionStatus, Recommendation
from apps.analytics.privacy import analytics_settings_update
from apps.analytics.services import rollups_rebuild
from apps.analytics.stats import newcombe_interval
from apps.registry.models import Assistant, ReleaseAnnotation
from tests.conftest import ALPHA
from tests.factories import (
    ActionFactory,
    AssistantFactory,
    ConversationFactory,
    DepartmentFactory,
    MessageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
JUNE = {"from": "2026-06-01", "to": "2026-06-30"}
Z = NormalDist().inv_cdf(0.975)


def _day(day: int) -> datetime:
    return datetime(2026, 6, day, 12, 0, tzinfo=UTC)


def _conversations(assistant, day, variant, users, action, latency):
    for i, user in enumerate(users):
        conv = ConversationFactory(
            assistant=assistant,
            user_id=user,
            started_at=_day(day) + timedelta(minutes=i),
            last_event_at=_day(day) + timedelta(minutes=i + 2),
            variant=variant,
            language="en",
            user_department="Staff",
            user_messages=1,
        )
        MessageFactory(conversation=conv, role="user", ts=conv.started_at)
        output = MessageFactory(
            conversation=conv, role="assistant", ts=conv.started_at + timedelta(seconds=10), latency_ms=latency
        )
        ActionFactory(message=output, action=action, ts=output.ts + timedelta(seconds=2))


def wilson(k: int, n: int) -> tuple[float, float]:
    p, d = k / n, 1 + Z * Z / n
    center = (p + Z * Z / (2 * n)) / d
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / d
    return center - half, center + half


def z_test_p(k1: int, n1: int, k2: int, n2: int) -> float:
    pooled = (k1 + k2) / (n1 + n2)
    z = (k1 / n1 - k2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


@pytest.fixture
def world(alpha, settings):
    settings.ANALYTICS_MIN_SAMPLE = 5
    hr, sales = DepartmentFactory(name="HR"), DepartmentFactory(name="Sales")
    bot, other = AssistantFactory(department=hr, name="HR bot"), AssistantFactory(department=sales, name="Sales bot")
    a_users, b_users = [f"u{i}" for i in range(5)], [f"u{i}" for i in range(5, 10)]
    _conversations(bot, 1, "a", a_users, "copy", 200)
    _conversations(bot, 2, "a", a_users, "copy", 200)
    _conversations(bot, 16, "b", b_users, "dismiss", 400)
    _conversations(bot, 17, "b", b_users, "dismiss", 400)
    _conversations(other, 1, "a", [f"s{i}" for i in range(5)], "copy", 100)
    release = ReleaseAnnotation.objects.create(assistant=bot, date=date(2026, 6, 15), kind="prompt", text="v2")
    rollups_rebuild(now=NOW)
    users = {role: UserFactory(email=f"api-{role}@alpha.test", roles=[role]) for role in ("admin", "owner", "viewer")}
    users["product"] = UserFactory(email="api-product@alpha.test", roles=["product"])
    users["sales_owner"] = UserFactory(email="api-sales-owner@alpha.test", roles=["owner"])
    users["compliance"] = UserFactory(email="api-compliance@alpha.test", roles=["compliance"])
    hr.members.add(users["owner"], users["viewer"], users["product"])
    sales.members.add(users["sales_owner"])
    return {"bot": bot, "other": other, "release": release, "users": users}


def client_of(user) -> Client:
    client = Client(HTTP_HOST=ALPHA["domain"])
    client.force_login(user)
    return client


def get(user, path, **params):
    return client_of(user).get(path, params)


def rows(response):
    assert response.status_code == 200, response.content
    return response.json()["rows"]


# --- Metric queries, against the hand-computed numbers --------------------------------------------


def test_metric_list_names_every_metric_with_its_definition(world) -> None:
    body = get(world["users"]["admin"], "/api/v1/metrics/").json()
    assert [m["slug"] for m in body] == list(METRICS)
    acceptance = next(m for m in body if m["slug"] == "acceptance_rate")
    assert acceptance == {
        "slug": "acceptance_rate",
        "definition": "outputs with an accept action and no edit / outputs with any action",
        "unit": "ratio",
        "kind": "rate",
        "dimensions": ["assistant", "variant", "feature", "language", "department", "dim1", "dim2", "dim3"],
        "summary": False,
    }


def test_acceptance_rate_overall_and_by_variant(world) -> None:
    bot = world["bot"]
    response = get(world["users"]["owner"], "/api/v1/metrics/acceptance_rate/", assistant=bot.pk, **JUNE)
    body = response.json()
    assert (body["metric"], body["from"], body["to"], body["interval"], body["group_by"]) == (
        "acceptance_rate", "2026-06-01", "2026-06-30", "all", [],
    )  # fmt: skip
    (row,) = body["rows"]
    low, high = wilson(10, 20)  # 10 copied of 20 outputs with an action
    assert (row["period"], row["dims"], row["numerator"], row["denominator"], row["value"]) == (None, {}, 10, 20, 0.5)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    assert row["enough_data"] is True

    by_variant = rows(
        get(world["users"]["owner"], "/api/v1/metrics/acceptance_rate/", assistant=bot.pk, group_by="variant", **JUNE)
    )
    assert [(r["dims"], r["numerator"], r["denominator"], r["value"]) for r in by_variant] == [
        ({"variant": "a"}, 10, 10, 1.0),
        ({"variant": "b"}, 0, 10, 0.0),
    ]


def test_conversations_and_active_users_per_day(world) -> None:
    owner, bot = world["users"]["owner"], world["bot"]
    conversations = rows(
        get(owner, "/api/v1/metrics/conversations/", assistant=bot.pk, interval="day", group_by="variant", **JUNE)
    )
    assert [(r["period"], r["dims"]["variant"], r["value"]) for r in conversations] == [
        ("2026-06-01", "a", 5), ("2026-06-02", "a", 5), ("2026-06-16", "b", 5), ("2026-06-17", "b", 5),
    ]  # fmt: skip
    # u0..u4 on both days of June 1-2 and u5..u9 on June 16-17: 10 distinct users in June.
    (month,) = rows(get(owner, "/api/v1/metrics/active_users/", assistant=bot.pk, interval="month", **JUNE))
    assert (month["period"], month["value"]) == ("2026-06-01", 10)
    weekly = rows(get(owner, "/api/v1/metrics/active_users/", assistant=bot.pk, interval="week", **JUNE))
    assert [(r["period"], r["value"]) for r in weekly] == [("2026-06-01", 5), ("2026-06-15", 5)]


def test_privacy_mode_hides_cuts_of_fewer_than_k_people_from_all_but_compliance(world) -> None:
    # Each variant of bot is used by 5 people (u0..u4 and u5..u9); with k raised to 6 both cuts
    # are too small for the owner, in queries, comparisons and exports alike; compliance sees them.
    analytics_settings_update(actor=world["users"]["admin"], changes={"min_people": 6})
    owner, officer, bot = world["users"]["owner"], world["users"]["compliance"], world["bot"]
    params = {"assistant": bot.pk, "group_by": "variant", **JUNE}
    hidden = rows(get(owner, "/api/v1/metrics/acceptance_rate/", **params))
    assert [(r["dims"], r["value"], r["numerator"], r["denominator"], r["suppressed"]) for r in hidden] == [
        ({"variant": "a"}, None, None, None, True),
        ({"variant": "b"}, None, None, None, True),
    ]
    assert hidden[0]["suppressed_reason"] == "fewer than 6 people"
    csv_rows = list(
        csv.DictReader(
            io.StringIO(get(owner, "/api/v1/metrics/acceptance_rate/", format="csv", **params).content.decode())
        )
    )
    assert [(r["value"], r["numerator"]) for r in csv_rows] == [("", ""), ("", "")]
    (pair,) = get(owner, "/api/v1/comparisons/variants/", assistant=bot.pk, metric="acceptance_rate", **JUNE).json()[
        "rows"
    ]
    assert (pair["a"]["denominator"], pair["winner"], pair["enough_data"]) == (0, None, False)
    shown = rows(get(officer, "/api/v1/metrics/acceptance_rate/", **params))
    assert [(r["numerator"], r["denominator"], r["suppressed"]) for r in shown] == [(10, 10, False), (0, 10, False)]
    (everyone,) = rows(get(owner, "/api/v1/metrics/acceptance_rate/", assistant=bot.pk, **JUNE))  # 10 people
    assert (everyone["numerator"], everyone["denominator"], everyone["suppressed"]) == (10, 20, False)


def test_latency_carries_its_extra_percentile(world) -> None:
    (row,) = rows(get(world["users"]["owner"], "/api/v1/metrics/latency_ms/", assistant=world["bot"].pk, **JUNE))
    # 20 outputs, 10 at 200 ms then 10 at 400 ms: nearest rank 10 is 200, rank 19 is 400.
    assert (row["value"], row["p95"], row["denominator"]) == (200, 400, 20)


def test_success_rate_over_every_visible_assistant_by_default(world) -> None:
    # Resolved = a copied last output: 10 of bot's 20 ended conversations, and all 5 of other's.
    admin, owner = world["users"]["admin"], world["users"]["owner"]
    (everything,) = rows(get(admin, "/api/v1/metrics/success_rate/", **JUNE))
    assert (everything["numerator"], everything["denominator"]) == (15, 25)
    (hr_only,) = rows(get(owner, "/api/v1/metrics/success_rate/", **JUNE))
    assert (hr_only["numerator"], hr_only["denominator"]) == (10, 20)
    body = get(owner, "/api/v1/metrics/success_rate/", **JUNE).json()
    assert body["assistants"] == [world["bot"].pk]


def test_default_range_is_the_last_30_days_of_the_tenant(world) -> None:
    body = get(world["users"]["owner"], "/api/v1/metrics/conversations/").json()
    today = timezone.localtime(timezone.now()).date()  # settings.TIME_ZONE is the tenant's zone
    assert (body["from"], body["to"]) == ((today - timedelta(days=29)).isoformat(), today.isoformat())


# --- Scoping by role, department and tenant --------------------------------------------------------


def test_owner_of_another_department_sees_neither_the_assistant_nor_its_numbers(world) -> None:
    sales_owner, bot = world["users"]["sales_owner"], world["bot"]
    response = get(sales_owner, "/api/v1/metrics/conversations/", assistant=bot.pk, **JUNE)
    assert response.status_code == 404
    assert response.json() == {"detail": f"no assistant {bot.pk} visible to you"}
    (own,) = rows(get(sales_owner, "/api/v1/metrics/conversations/", **JUNE))
    assert own["value"] == 5  # only the Sales bot's conversations
    for path in (
        f"/api/v1/comparisons/releases/{world['release'].pk}/?metric=acceptance_rate",
        f"/api/v1/comparisons/variants/?metric=acceptance_rate&assistant={bot.pk}",
    ):
        assert client_of(sales_owner).get(path).status_code == 404, path


def test_viewer_reads_only_summary_metrics(world) -> None:
    viewer, bot = world["users"]["viewer"], world["bot"]
    listed = [m["slug"] for m in get(viewer, "/api/v1/metrics/").json()]
    assert listed == ["conversations", "active_users", "thumbs_up_rate", "success_rate"]
    refused = get(viewer, "/api/v1/metrics/acceptance_rate/", assistant=bot.pk, **JUNE)
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("a viewer reads only the summary metrics")
    (row,) = rows(get(viewer, "/api/v1/metrics/success_rate/", assistant=bot.pk, **JUNE))
    assert (row["numerator"], row["denominator"]) == (10, 20)
    compare = get(viewer, "/api/v1/comparisons/variants/", assistant=bot.pk, metric="acceptance_rate", **JUNE)
    assert compare.status_code == 403


def test_another_tenants_assistant_id_is_not_found(world, beta) -> None:
    alpha_ids = set(Assistant.objects.values_list("pk", flat=True))
    with schema_context(beta.schema_name):
        foreign = AssistantFactory(department=DepartmentFactory(name="Beta HR"))
        while foreign.pk in alpha_ids:  # ids are per schema: take one Alpha does not have
            foreign = AssistantFactory(department=foreign.department)
    response = get(world["users"]["admin"], "/api/v1/metrics/conversations/", assistant=foreign.pk, **JUNE)
    assert response.status_code == 404
    assert response.json() == {"detail": f"no assistant {foreign.pk} visible to you"}


def test_personal_token_reads_and_cannot_resolve(world) -> None:
    owner, bot = world["users"]["owner"], world["bot"]
    token = token_create(actor=owner, user=owner, name="bi").plaintext
    api = Client(HTTP_HOST=ALPHA["domain"], HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api.get("/api/v1/metrics/acceptance_rate/", {"assistant": bot.pk, **JUNE})
    assert rows(response)[0]["value"] == 0.5
    rec = recommendation_upsert(assistant=bot, kind="fix_prompt", dims={"feature": "x"}, evidence={}).record
    refused = api.post(f"/api/v1/recommendations/{rec.pk}/resolve/", b"{}", content_type="application/json")
    assert refused.status_code == 403
    rec.refresh_from_db()
    assert rec.status == DecisionStatus.OPEN


# --- Comparisons -----------------------------------------------------------------------------------


def test_variant_comparison_declares_the_significant_winner(world) -> None:
    bot = world["bot"]
    body = get(
        world["users"]["owner"], "/api/v1/comparisons/variants/", assistant=bot.pk, metric="acceptance_rate", **JUNE
    ).json()
    (pair,) = body["rows"]
    assert (pair["a"]["key"], pair["a"]["numerator"], pair["a"]["denominator"]) == ("a", 10, 10)
    assert (pair["b"]["key"], pair["b"]["numerator"], pair["b"]["denominator"]) == ("b", 0, 10)
    assert pair["difference"] == 1.0
    assert pair["p_value"] == pytest.approx(z_test_p(10, 10, 0, 10))  # z = 4.47, p = 7.7e-6
    assert (pair["ci_low"], pair["ci_high"]) == pytest.approx(newcombe_interval(10, 10, 0, 10))
    assert pair["winner"] == "a"


def test_release_comparison_after_vs_before(world) -> None:
    release = world["release"]
    body = get(world["users"]["owner"], f"/api/v1/comparisons/releases/{release.pk}/", metric="acceptance_rate").json()
    assert body["before"] == {"from": "2026-06-01", "to": "2026-06-14"}
    assert body["after"] == {"from": "2026-06-16", "to": "2026-06-29"}
    (row,) = body["rows"]
    assert (row["a"]["key"], row["a"]["numerator"], row["a"]["denominator"]) == ("after", 0, 10)
    assert (row["b"]["key"], row["b"]["numerator"], row["b"]["denominator"]) == ("before", 10, 10)
    assert row["difference"] == -1.0
    assert row["p_value"] == pytest.approx(z_test_p(0, 10, 10, 10))
    assert row["winner"] == "before"


def test_comparisons_refuse_what_is_not_a_rate(world) -> None:
    response = get(
        world["users"]["owner"], "/api/v1/comparisons/variants/", assistant=world["bot"].pk, metric="latency_ms"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith(
        "latency_ms is not a rate; comparable metrics: abandonment_rate, acceptance_rate, edit_rate,"
    )


# --- Exports ----------------------------------------------------------------------------------------


def _flat(row: dict) -> dict:
    out = {k: v for k, v in row.items() if k != "dims"}
    out.update({f"dims.{k}": v for k, v in row["dims"].items()})
    return out


def test_csv_and_parquet_exports_hold_the_same_rows(world) -> None:
    owner, bot = world["users"]["owner"], world["bot"]
    params = {"assistant": bot.pk, "group_by": "variant", "interval": "day", **JUNE}
    expected = [_flat(r) for r in rows(get(owner, "/api/v1/metrics/acceptance_rate/", **params))]
    assert len(expected) == 4

    exported = get(owner, "/api/v1/metrics/acceptance_rate/", format="csv", **params)
    assert exported["Content-Type"].startswith("text/csv")
    assert exported["Content-Disposition"] == 'attachment; filename="acceptance_rate.csv"'
    parsed = list(csv.DictReader(io.StringIO(exported.content.decode())))
    as_text = [
        {k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for k, v in r.items()}
        for r in expected
    ]
    assert parsed == as_text

    parquet = get(owner, "/api/v1/metrics/acceptance_rate/", format="parquet", **params)
    assert parquet["Content-Type"] == "application/vnd.apache.parquet"
    table = pq.read_table(io.BytesIO(parquet.content)).to_pylist()
    for row in table:
        row["period"] = row["period"].isoformat()
    assert table == expected


# --- Validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "status", "body"),
    [
        ("nope", {}, 404, {"detail": "no metric 'nope'; GET /api/v1/metrics/ lists them"}),
        ("conversations", {"from": "2026-13-01"}, 400, None),
        ("conversations", {"from": "2026-06-30", "to": "2026-06-01"}, 400,
         {"from": ["2026-06-30 is after to (2026-06-01)"]}),
        ("conversations", {"from": "2025-01-01", "to": "2026-06-01"}, 400,
         {"to": ["the range 2025-01-01 to 2026-06-01 spans more than 366 days"]}),
        ("conversations", {"from": "1900-01-01", "to": "1900-01-02"}, 400,
         {"from": ["must be from 2000-01-01 to 2100-12-31"]}),
        ("conversations", {"interval": "hour"}, 400, {"interval": ['"hour" is not a valid choice.']}),
        ("acceptance_rate", {"group_by": "variant,intent"}, 400,
         {"group_by": ["acceptance_rate cannot be cut by 'intent' (allowed: assistant, variant, feature, language, "
                       "department, dim1, dim2, dim3)"]}),
        ("roi", {"variant": "a"}, 400, {"variant": ["roi cannot be filtered by variant (allowed: assistant)"]}),
        ("conversations", {"assistant": "abc"}, 400, {"assistant": {"0": ["A valid integer is required."]}}),
        ("conversations", {"format": "xml"}, 400, {"format": ["one of: json, csv, parquet"]}),
    ],
)  # fmt: skip
def test_invalid_queries_are_refused_precisely(world, path, params, status, body) -> None:
    response = get(world["users"]["admin"], f"/api/v1/metrics/{path}/", **params)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    if body is not None:
        assert response.json() == body


def test_filters_narrow_the_cut(world) -> None:
    (row,) = rows(
        get(world["users"]["owner"], "/api/v1/metrics/conversations/", assistant=world["bot"].pk, variant="b", **JUNE)
    )
    assert row["value"] == 10


# --- Recommendations and alerts ---------------------------------------------------------------------


def test_recommendations_and_alerts_are_scoped_and_resolved_with_a_session(world) -> None:
    bot, other, users = world["bot"], world["other"], world["users"]
    rec = recommendation_upsert(
        assistant=bot, kind="fix_prompt", dims={"feature": "draft"}, evidence={"acceptance": 0.2}, summary="fix it"
    ).record
    recommendation_upsert(assistant=other, kind="expand", dims={"department": "Sales"}, evidence={})
    alert = alert_upsert(
        assistant=bot, kind="degradation", dims={"metric": "success_rate"}, evidence={"p": 0.001}
    ).record

    listed = get(users["owner"], "/api/v1/recommendations/").json()
    assert [(r["id"], r["kind"], r["evidence"], r["status"]) for r in listed["results"]] == [
        (rec.pk, "fix_prompt", {"acceptance": 0.2, "conversation_ids": []}, "open")
    ]
    assert get(users["sales_owner"], "/api/v1/alerts/").json()["results"] == []
    assert [a["id"] for a in get(users["viewer"], "/api/v1/alerts/").json()["results"]] == [alert.pk]

    def post(user, path):
        return client_of(user).post(path, orjson.dumps({"reason": "prompt v3"}), content_type="application/json")

    assert post(users["sales_owner"], f"/api/v1/recommendations/{rec.pk}/resolve/").status_code == 404
    assert post(users["viewer"], f"/api/v1/recommendations/{rec.pk}/resolve/").status_code == 403
    rec.refresh_from_db()
    assert rec.status == DecisionStatus.OPEN
    resolved = post(users["product"], f"/api/v1/recommendations/{rec.pk}/resolve/")
    assert resolved.status_code == 200, resolved.content
    assert (resolved.json()["status"], resolved.json()["resolved_by"]) == ("resolved", users["product"].email)
    again = post(users["product"], f"/api/v1/recommendations/{rec.pk}/dismiss/")
    assert (again.status_code, again.json()) == (409, {"detail": "this recommendation is already resolved"})
    assert get(users["owner"], "/api/v1/recommendations/").json()["results"] == []
    assert [r["id"] for r in get(users["owner"], "/api/v1/recommendations/", status="all").json()["results"]] == [
        rec.pk
    ]

    dismissed = post(users["owner"], f"/api/v1/alerts/{alert.pk}/dismiss/")
    assert dismissed.json()["status"] == "dismissed"
    assert Alert.objects.get(pk=alert.pk).status == DecisionStatus.DISMISSED
    assert Recommendation.objects.filter(status=DecisionStatus.OPEN).count() == 1  # other's, untouched


@pytest.mark.parametrize("slash", ["/", ""])
@pytest.mark.parametrize(
    ("route", "upsert", "kind", "verb", "status"),
    [
        ("recommendations", recommendation_upsert, "fix_prompt", "resolve", DecisionStatus.RESOLVED),
        ("recommendations", recommendation_upsert, "fix_prompt", "dismiss", DecisionStatus.DISMISSED),
        ("alerts", alert_upsert, "degradation", "resolve", DecisionStatus.RESOLVED),
        ("alerts", alert_upsert, "degradation", "dismiss", DecisionStatus.DISMISSED),
    ],
)
def test_closing_a_finding_works_with_and_without_a_trailing_slash(world, slash, route, upsert, kind, verb, status):
    # The issue spells `POST /api/v1/recommendations/{id}/resolve`; the other routes end in a slash.
    record = upsert(assistant=world["bot"], kind=kind, dims={}, evidence={}).record
    untouched = upsert(assistant=world["bot"], kind=kind, dims={"other": "1"}, evidence={}).record
    path = f"/api/v1/{route}/{record.pk}/{verb}{slash}"
    response = client_of(world["users"]["product"]).post(
        path, orjson.dumps({"reason": "done"}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["id"], response.json()["status"]) == (record.pk, status)
    record.refresh_from_db()
    untouched.refresh_from_db()
    assert (record.status, record.resolved_by, untouched.status) == (status, world["users"]["product"], "open")
    # A GET on either form is still refused (the route takes POST only).
    assert client_of(world["users"]["product"]).get(path).status_code == 405
