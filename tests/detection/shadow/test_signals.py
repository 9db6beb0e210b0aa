"""More shadow-AI signals: unregistered models in telemetry, external-AI mentions in user messages,
and shadow use before vs after a sanctioned launch (docs/shadow-ai.md "More signals")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.compliance.models import ReviewCase
from apps.conversations.models import Conversation, Message
from apps.conversations.services import batch_enrich
from apps.detection.models import AIUsageDaily, ExternalAIMention, SignalBatchScan, UnregisteredModelFinding
from apps.detection.shadow.catalog import shared_catalog
from apps.detection.shadow.signal_selectors import (
    approval_date,
    assistant_category,
    external_mentions_by_service,
    launch_impact,
    unregistered_models_list,
)
from apps.detection.shadow.signals import MentionMatcher, mention_names, models_match, telemetry_matches
from apps.ingestion.models import IngestBatch
from apps.registry.services import assistant_update
from tests.factories import AssistantFactory, DepartmentFactory, UserFactory
from tests.helpers import otlp_span, otlp_traces

# --- unregistered model: the comparison -------------------------------------------------------


@pytest.mark.parametrize(
    ("vendor", "model", "registered_vendor", "registered_model", "expected"),
    [
        ("openai", "gpt-4o-2024-08-06", "OpenAI", "gpt-4o", ""),  # dated snapshot of the registered model
        ("OpenAI", "gpt-4o", "open ai", "GPT-4o", ""),  # case and spacing
        ("openai", "gpt-4o-mini", "OpenAI", "gpt-4o", "model"),  # another model of the family
        ("openai", "gpt-4.1", "OpenAI", "gpt-4", "model"),
        ("anthropic", "claude-3-5-sonnet-20240620", "OpenAI", "gpt-4o", "vendor+model"),
        ("deepseek", "gpt-4o", "OpenAI", "gpt-4o", "vendor"),
        ("mistral_ai", "mistral-large-latest", "Mistral AI", "mistral-large", ""),  # semconv id vs name
        ("gcp.vertex_ai", "gemini-1.5-pro-002", "Google", "models/gemini-1.5-pro", ""),
        # A cloud serving the registered maker's model is the registered model.
        ("aws.bedrock", "us.anthropic.claude-3-5-sonnet-20240620-v1:0", "Anthropic", "claude-3-5-sonnet", ""),
        ("aws.bedrock", "meta.llama3-70b-instruct-v1:0", "Anthropic", "claude-3-5-sonnet", "vendor+model"),
        ("openai", "gpt-4o", "Azure OpenAI", "gpt-4o", ""),  # the OpenAI SDK pointed at Azure
        ("", "gpt-4o", "OpenAI", "gpt-4o, gpt-4o-mini", ""),  # a list of registered models
        ("openai", "", "OpenAI", "gpt-4o", ""),  # nothing to compare is no evidence
    ],
)
def test_telemetry_matches(
    vendor: str, model: str, registered_vendor: str, registered_model: str, expected: str
) -> None:
    assert (
        telemetry_matches(
            vendor=vendor, model=model, registered_vendor=registered_vendor, registered_model=registered_model
        )
        == expected
    )


_VENDORS = [
    "",
    "openai",
    "OpenAI",
    "Azure OpenAI",
    "anthropic",
    "aws.bedrock",
    "microsoft",
    "deepseek",
    "gcp.vertex_ai",
]
_MODELS = [
    "",
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4o-2024-08-06",
    "claude-3-5-sonnet-20240620",
    "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
    "deepseek-chat",
    "gemini-1.5-pro-002",
]
_REGISTERED_MODELS = ["", "gpt-4o", "gpt-4o, gpt-4o-mini", "claude-3-5-sonnet", "models/gemini-1.5-pro"]


@settings(max_examples=400, deadline=None)
@given(
    events=st.lists(st.tuples(st.sampled_from(_VENDORS), st.sampled_from(_MODELS)), min_size=1, max_size=4),
    registered_vendor=st.sampled_from(["", "OpenAI", "Anthropic", "Google", "Microsoft", "Amazon"]),
    registered_model=st.sampled_from(_REGISTERED_MODELS),
)
def test_a_span_mismatches_only_if_one_of_its_events_does(
    events: list[tuple[str, str]], registered_vendor: str, registered_model: str
) -> None:
    """What lets ``unregistered_models_scan`` settle a batch from its events' distinct values: a
    span takes its provider and its model from any of its events, and mismatches only if one of
    them does on its own."""

    def mismatch(vendor: str, model: str) -> bool:
        return bool(
            telemetry_matches(
                vendor=vendor, model=model, registered_vendor=registered_vendor, registered_model=registered_model
            )
        )

    span_vendor = next((v for v, _ in events if v), "")
    span_model = next((m for _, m in events if m), "")
    if mismatch(span_vendor, span_model):
        assert any(mismatch(v, m) for v, m in events)


def test_models_match_is_symmetric_for_snapshots() -> None:
    assert models_match("gpt-4o", "gpt-4o-2024-08-06")
    assert models_match("claude-3-5-sonnet@20240620", "claude-3-5-sonnet")
    assert not models_match("gpt-4o", "gpt-4o-mini-2024-07-18")


# --- unregistered model: through ingestion and enrichment -----------------------------------


def _span(conversation: str, span_id: str, *, provider: str, model: str, start: datetime) -> Any:
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": model,
        "gen_ai.response.model": model,
        "gen_ai.conversation.id": conversation,
        "user.id": "u1",
        "gen_ai.input.messages": orjson.dumps(
            [{"role": "user", "parts": [{"type": "text", "content": f"question {span_id}"}]}]
        ).decode(),
        "gen_ai.output.messages": orjson.dumps(
            [{"role": "assistant", "parts": [{"type": "text", "content": f"answer {span_id}"}]}]
        ).decode(),
    }
    return otlp_span(
        trace_id=f"{span_id:0>32}", span_id=span_id, start=start, end=start + timedelta(seconds=1), attrs=attrs
    )


def test_otlp_spans_with_another_provider_are_one_finding_per_vendor_and_model(post_otlp, assistant) -> None:
    # The fixture's assistant is registered as openai / gpt-4o-mini.
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    body = otlp_traces(
        _span("conv-a", "a000000000000001", provider="anthropic", model="claude-3-5-sonnet-20240620", start=start),
        _span("conv-b", "a000000000000002", provider="anthropic", model="claude-3-5-sonnet-20240620", start=start),
        _span("conv-c", "a000000000000003", provider="openai", model="gpt-4o-mini-2024-07-18", start=start),
        _span("conv-c", "a000000000000004", provider="openai", model="gpt-4o", start=start),
    )
    assert post_otlp(body.SerializeToString()).status_code == 200
    rows = {
        (f.vendor, f.model): (f.reason, f.count, f.registered_vendor, f.registered_model)
        for f in UnregisteredModelFinding.objects.filter(assistant=assistant)
    }
    assert rows == {
        ("anthropic", "claude-3-5-sonnet-20240620"): ("vendor+model", 2, "openai", "gpt-4o-mini"),
        ("openai", "gpt-4o"): ("model", 1, "openai", "gpt-4o-mini"),
    }
    claude = UnregisteredModelFinding.objects.get(vendor="anthropic")
    conversations = dict(Conversation.objects.filter(assistant=assistant).values_list("external_id", "pk"))
    assert sorted(claude.example_conversation_ids) == sorted([conversations["conv-a"], conversations["conv-b"]])
    assert claude.first_seen <= claude.last_seen

    # The same spans again (an exporter retry) are duplicates: nothing is counted twice.
    assert post_otlp(body.SerializeToString()).status_code == 200
    assert UnregisteredModelFinding.objects.get(vendor="anthropic").count == 2
    # A new span of the same pair adds to its row.
    more = otlp_traces(
        _span("conv-d", "a000000000000005", provider="Anthropic", model="claude-3-5-sonnet-20240620", start=start)
    )
    assert post_otlp(more.SerializeToString()).status_code == 200
    claude = UnregisteredModelFinding.objects.get(vendor="anthropic")
    assert claude.count == 3
    assert len(claude.example_conversation_ids) == 3


def test_batch_events_name_the_model_and_vendor_in_metadata(post_events, assistant) -> None:
    stamp = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    base = {"type": "message", "timestamp": stamp, "conversation_id": "b1", "user_id": "u1"}
    events = [
        {**base, "id": "b-1", "message_id": "m1", "role": "user", "content": "hello"},
        {**base, "id": "b-2", "message_id": "m2", "role": "assistant", "content": "hi", "model": "gpt-4o-mini"},
        {
            **base,
            "id": "b-3",
            "message_id": "m3",
            "role": "assistant",
            "content": "hi again",
            "model": "deepseek-chat",
            "metadata": {"provider": "DeepSeek"},
        },
    ]
    assert post_events(events).status_code == 200
    finding = UnregisteredModelFinding.objects.get(assistant=assistant)
    assert (finding.vendor, finding.model, finding.reason, finding.count) == (
        "deepseek",
        "deepseek-chat",
        "vendor+model",
        1,
    )


def test_a_batch_whose_events_all_fit_is_scanned_and_counts_nothing(post_events, assistant) -> None:
    # The fixture's assistant is registered as openai / gpt-4o-mini: a dated snapshot, the
    # provider under any of its keys, and events naming neither all fit.
    stamp = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    base = {"type": "message", "timestamp": stamp, "conversation_id": "f1", "user_id": "u1", "role": "assistant"}
    events = [
        {**base, "id": "f-1", "message_id": "m1", "role": "user", "content": "hello"},
        {**base, "id": "f-2", "message_id": "m2", "content": "hi", "model": "gpt-4o-mini-2024-07-18"},
        {**base, "id": "f-3", "message_id": "m3", "content": "hi", "metadata": {"gen_ai.provider.name": "openai"}},
        {**base, "id": "f-4", "message_id": "m4", "content": "hi", "metadata": {"provider": 7, "vendor": " OpenAI "}},
    ]
    assert post_events(events).status_code == 200
    assert SignalBatchScan.objects.filter(batch__assistant=assistant).count() == 1
    assert not UnregisteredModelFinding.objects.filter(assistant=assistant).exists()
    # One event that does not fit, among fitting ones, is counted alone.
    assert (
        post_events([*events[1:], {**base, "id": "f-5", "message_id": "m5", "content": "x", "model": "o3"}]).status_code
        == 200
    )
    assert list(UnregisteredModelFinding.objects.values_list("model", "reason", "count")) == [("o3", "model", 1)]
    # A provider named only under a dotted OpenTelemetry key is read as well.
    other = {**base, "id": "f-6", "message_id": "m6", "content": "x", "metadata": {"gen_ai.system": "anthropic"}}
    assert post_events([other]).status_code == 200
    assert UnregisteredModelFinding.objects.filter(vendor="anthropic", model="", reason="vendor").exists()


def test_re_running_a_batch_counts_nothing_twice(post_events, assistant) -> None:
    stamp = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    base = {"type": "message", "timestamp": stamp, "conversation_id": "r1", "user_id": "u1"}
    events = [
        {**base, "id": "r-1", "message_id": "m1", "role": "user", "content": "I asked Claude first"},
        {**base, "id": "r-2", "message_id": "m2", "role": "assistant", "content": "ok", "model": "gpt-4o"},
    ]
    assert post_events(events).status_code == 200
    batch = IngestBatch.objects.get()
    IngestBatch.objects.filter(pk=batch.pk).update(enriched_at=None)  # as if the task were retried
    batch_enrich(batch_id=batch.pk)
    assert UnregisteredModelFinding.objects.get().count == 1
    assert ExternalAIMention.objects.count() == 1


# --- external-AI mentions: the matcher ----------------------------------------------------------


@pytest.fixture(scope="module")
def matcher() -> MentionMatcher:
    return MentionMatcher(mention_names(shared_catalog()))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I pasted this into ChatGPT and it gave me a different answer", ("openai-chatgpt", "ChatGPT", "paste")),
        ("Claude said the clause is fine", ("anthropic-claude", "Claude", "attribution")),
        ("according to Gemini, the deadline is Friday", ("google-gemini", "Gemini", "attribution")),
        ("I copied this from DeepSeek", ("deepseek-chat", "DeepSeek", "copy")),
        ("I used Perplexity for the research", ("perplexity", "Perplexity", "use")),
        ("ChatGPT's answer was different", ("openai-chatgpt", "ChatGPT", "attribution")),
        ("I asked chatgpt yesterday", ("openai-chatgpt", "chatgpt", "ask")),
        ("Lo pegué en ChatGPT y me dijo otra cosa", ("openai-chatgpt", "ChatGPT", "paste")),
        ("Según Gemini el plazo es mañana", ("google-gemini", "Gemini", "attribution")),
        ("Copiei do ChatGPT", ("openai-chatgpt", "ChatGPT", "copy")),
        ("J'ai collé le texte dans Mistral", ("mistral-le-chat", "Mistral", "paste")),
        ("D'après Claude, c'est correct", ("anthropic-claude", "Claude", "attribution")),
        ("Ich habe das in ChatGPT eingefügt", ("openai-chatgpt", "ChatGPT", "paste")),
        ("Laut DeepSeek ist das richtig", ("deepseek-chat", "DeepSeek", "attribution")),
        # a negation or condition in an earlier clause does not cancel the report of use
        ("The portal didn't work, so I pasted it into ChatGPT", ("openai-chatgpt", "ChatGPT", "paste")),
        ("If that is fine: I asked Claude already", ("anthropic-claude", "Claude", "ask")),
        ("No sé si está bien, pero lo pegué en ChatGPT", ("openai-chatgpt", "ChatGPT", "paste")),
        ("Se lo pregunté a ChatGPT", ("openai-chatgpt", "ChatGPT", "ask")),
    ],
)
def test_mentions_found(matcher: MentionMatcher, text: str, expected: tuple[str, str, str]) -> None:
    [mention] = matcher.find(text)
    assert (mention.service_key, mention.name, mention.cue) == expected
    assert text[mention.start : mention.end] == mention.name


@pytest.mark.parametrize(
    "text",
    [
        "What is OpenAI's data retention policy?",  # a name without a usage cue
        "Are we allowed to use ChatGPT for customer data?",  # asking, not reporting use
        "I asked my manager whether ChatGPT is allowed",  # the cue is not about the tool
        "Claude Dupont said the invoice is late.",  # a colleague
        "I'm a Gemini, according to my horoscope",  # the cue follows, and is not an attribution of it
        "Please continue using the cursor keys",  # ordinary words that are product names
        "According to Google, the office opens at 9",  # big-tech names are not AI tools on their own
        "I pasted the logs into the ticket. Mistral is a cold wind.",  # the cue is in another sentence
        "I used the Claudette template",  # part of another word
        "The Gemini project said nothing new",
        "Notion said the page was shared",  # a suite, not an AI tool
        # negated or hypothetical use is not use
        "I never pasted it into ChatGPT",
        "I didn't use Claude for this",
        "We do not copy anything from DeepSeek",
        "What happens if I paste it into ChatGPT?",
        "Can I ask Gemini instead?",
        "Is it ok to use Perplexity for research?",
        "Nunca lo pegué en ChatGPT",
        "Je ne l'ai pas collé dans ChatGPT",
        "Je n'ai jamais utilisé Mistral",
        "Ich habe das nicht in ChatGPT eingefügt",
        "Ich habe ChatGPT nicht gefragt",
        "Eu não colei no ChatGPT",
    ],
)
def test_mentions_hard_negatives(matcher: MentionMatcher, text: str) -> None:
    assert matcher.find(text) == []


def test_mention_names_come_from_the_catalog() -> None:
    names = mention_names(shared_catalog())
    assert names["chatgpt"] == "openai-chatgpt"
    assert names["le chat"] == "mistral-le-chat"
    assert names["doubao"] == "bytedance-doubao"  # a product from the catalog, no extra alias
    assert not {"notion", "google", "continue"} & set(names)


# --- external-AI mentions: through ingestion ----------------------------------------------------


def test_user_messages_mentioning_external_tools_are_low_severity_signals(post_events, assistant) -> None:
    stamp = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    base = {"type": "message", "timestamp": stamp, "conversation_id": "x1", "user_id": "u1"}
    events = [
        {**base, "id": "x-1", "message_id": "m1", "role": "user", "content": "I pasted the draft into ChatGPT, ok?"},
        {**base, "id": "x-2", "message_id": "m2", "role": "assistant", "content": "According to ChatGPT's terms…"},
        {**base, "id": "x-3", "message_id": "m3", "role": "user", "content": "What is OpenAI's policy on this?"},
    ]
    assert post_events(events).status_code == 200
    [mention] = ExternalAIMention.objects.all()
    message = Message.objects.get(pk=mention.message_id)
    assert (message.external_id, mention.service_key, mention.name, mention.cue, mention.severity) == (
        "m1",
        "openai-chatgpt",
        "ChatGPT",
        "paste",
        1,
    )
    assert message.content[mention.start : mention.end] == "ChatGPT"
    assert not ReviewCase.objects.exists()  # a signal, never a review case
    officer = UserFactory(roles=["compliance"])
    [count] = external_mentions_by_service(user=officer)
    assert (count.service_key, count.product, count.mentions, count.conversations, count.users) == (
        "openai-chatgpt",
        "ChatGPT",
        1,
        1,
        1,
    )
    assert external_mentions_by_service(user=UserFactory(roles=["product"])) == []


def test_signals_api(alpha, alpha_client, post_events, assistant) -> None:
    stamp = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    base = {"type": "message", "timestamp": stamp, "conversation_id": "y1", "user_id": "u1"}
    events = [
        {**base, "id": "y-1", "message_id": "m1", "role": "user", "content": "Claude said no"},
        {**base, "id": "y-2", "message_id": "m2", "role": "assistant", "content": "ok", "model": "o3"},
    ]
    assert post_events(events).status_code == 200
    officer = UserFactory(roles=["compliance"])
    alpha_client.force_login(officer)
    models = alpha_client.get("/api/v1/shadow-ai/unregistered-models/", HTTP_HOST="alpha.localhost").json()
    [row] = models["results"]
    assert (row["assistant"], row["vendor"], row["model"], row["reason"], row["count"]) == (
        "Helpdesk",
        "",
        "o3",
        "model",
        1,
    )
    mentions = alpha_client.get("/api/v1/shadow-ai/mentions/?service=anthropic-claude").json()
    assert [(m["name"], m["cue"], m["severity"]) for m in mentions["results"]] == [("Claude", "attribution", "low")]
    assert alpha_client.get("/api/v1/shadow-ai/mentions/?service=openai-chatgpt").json()["results"] == []
    alpha_client.force_login(UserFactory(roles=["owner", "product"]))
    assert alpha_client.get("/api/v1/shadow-ai/unregistered-models/").status_code == 403
    assert alpha_client.get("/api/v1/shadow-ai/mentions/").status_code == 403


def test_signals_stay_in_their_organization(alpha) -> None:
    bot = AssistantFactory(name="Isolated")
    now = datetime.now(UTC)
    UnregisteredModelFinding.objects.create(
        assistant=bot, vendor="x", model="y", reason="vendor", first_seen=now, last_seen=now, count=1
    )
    officer = UserFactory(roles=["compliance"])
    assert unregistered_models_list(user=officer).count() == 1
    with schema_context("beta"):
        assert unregistered_models_list(user=officer).count() == 0
        assert external_mentions_by_service(user=officer) == []


# --- before / after a sanctioned launch -------------------------------------------------------

APPROVED_ON = date(2026, 3, 1)


def _daily(department, key: str, first: date, days: int, per_user: dict[str, int]) -> None:
    AIUsageDaily.objects.bulk_create(
        AIUsageDaily(date=first + timedelta(days=i), service_key=key, department=department, user_ref=user, requests=n)
        for i in range(days)
        for user, n in per_user.items()
    )


@pytest.fixture
def launch(alpha):
    sales, hr = DepartmentFactory(name="Sales"), DepartmentFactory(name="HR")
    copilot = AssistantFactory(
        department=sales, name="Sales copilot", vendor="Mistral AI", model="mistral-large", status="approved"
    )
    # Before: 28 days (Feb 1–28) of ChatGPT, 2 people × 5 requests a day = 10/day; Le Chat (the
    # copilot's own vendor, sanctioned by nothing else) 1 person × 2 a day.
    _daily(sales, "openai-chatgpt", date(2026, 2, 1), 28, {"u1": 5, "u2": 5})
    _daily(sales, "mistral-le-chat", date(2026, 2, 1), 28, {"u3": 2})
    # The approval day counts in neither window.
    _daily(sales, "openai-chatgpt", APPROVED_ON, 1, {"u1": 500})
    # After: Mar 2–29, ChatGPT 1 person × 4 a day; Le Chat gone.
    _daily(sales, "openai-chatgpt", date(2026, 3, 2), 28, {"u1": 4})
    # Not counted: another category (coding), another department, and a policy-approved vendor.
    _daily(sales, "github-copilot", date(2026, 2, 1), 56, {"u9": 50})
    _daily(hr, "openai-chatgpt", date(2026, 2, 1), 56, {"h1": 30})
    _daily(sales, "anthropic-claude", date(2026, 2, 1), 56, {"u8": 40})
    from apps.detection.shadow.services import shadow_policy_update

    shadow_policy_update(actor=UserFactory(roles=["admin"]), approved_vendors={"Anthropic": [sales.pk]})
    return copilot


def test_launch_impact_before_and_after(launch) -> None:
    officer = UserFactory(roles=["compliance"])
    impact = launch_impact(user=officer, assistant_id=launch.pk, approved_on=APPROVED_ON, today=date(2026, 4, 15))
    assert impact is not None
    assert impact.category == "chat_assistant"
    assert {"openai-chatgpt", "mistral-le-chat"} <= set(impact.services)
    assert not {"anthropic-claude", "github-copilot"} & set(impact.services)
    before, after = impact.before, impact.after
    assert (before.date_from, before.date_to, before.days) == (date(2026, 2, 1), date(2026, 2, 28), 28)
    assert (after.date_from, after.date_to, after.days) == (date(2026, 3, 2), date(2026, 3, 29), 28)
    # Before: (10 + 2) × 28 = 336 requests, 12/day, 3 users a day; after: 4 × 28 = 112, 4/day, 1 user.
    assert (before.requests, before.requests_per_day, before.users_per_day, before.distinct_users) == (336, 12, 3, 3)
    assert (after.requests, after.requests_per_day, after.users_per_day, after.distinct_users) == (112, 4, 1, 1)
    assert impact.requests_change == pytest.approx((4 - 12) / 12)  # −66.7%
    assert impact.users_change == pytest.approx((1 - 3) / 3)
    assert impact.complete
    assert impact.requests_p_value is not None
    assert impact.requests_p_value < 0.001
    assert impact.summary.startswith(
        "After Sales copilot was approved on 2026-03-01, shadow chat assistant use in Sales fell 67% "
        "(requests per day 12.0 → 4.0 over 28 / 28 days;"
    )


def test_launch_impact_with_a_running_after_window_and_roles(launch) -> None:
    officer = UserFactory(roles=["compliance"])
    impact = launch_impact(user=officer, assistant_id=launch.pk, approved_on=APPROVED_ON, today=date(2026, 3, 11))
    assert impact is not None
    assert (impact.after.days, impact.after.requests, impact.complete) == (10, 40, False)
    assert impact.requests_change == pytest.approx((4 - 12) / 12)
    # Nothing before the window: no relative change to state.
    early = launch_impact(user=officer, assistant_id=launch.pk, approved_on=date(2026, 1, 10), today=date(2026, 4, 15))
    assert early is not None
    assert (early.before.requests, early.after.requests, early.requests_change) == (0, 7 * 12, None)
    # Days before the first egress log are unknown, not zero: nothing is compared with them.
    assert early.before.days == 0
    assert early.summary.endswith("no egress log covers the days before it, nothing to compare with.")
    assert launch_impact(user=UserFactory(roles=["owner"]), assistant_id=launch.pk, approved_on=APPROVED_ON) is None


def test_approval_date_and_category(alpha) -> None:
    admin = UserFactory(roles=["admin"])
    sales = DepartmentFactory(name="Sales")
    bot = AssistantFactory(department=sales, name="Code helper", purpose="Reviews code", launched_on=date(2026, 1, 5))
    assert approval_date(bot) == date(2026, 1, 5)  # not approved yet: launch day as registered
    assert assistant_category(bot) == "coding_assistant"
    assistant_update(actor=admin, assistant=bot, status="approved")
    assert approval_date(bot) == timezone.localdate()  # the day the audit log saw it approved
    assert assistant_category(AssistantFactory(department=sales, name="Sales copilot")) == "chat_assistant"


def test_approval_date_of_an_assistant_registered_already_approved_is_its_launch(alpha) -> None:
    from apps.detection.shadow.signal_selectors import approval_date
    from apps.registry.services import assistant_register
    from tests.factories import DepartmentFactory

    department = DepartmentFactory(name="Marketing")
    running = assistant_register(
        actor=None, department=department, name="Image studio", vendor="Adobe", model="firefly",
        status="approved", launched_on=date(2020, 5, 1),
    )  # fmt: skip
    # Registered (on the seeding day, today) as approved with an earlier launch: the launch day.
    assert approval_date(running) == date(2020, 5, 1)
    fresh = assistant_register(
        actor=None, department=department, name="New one", vendor="Adobe", model="firefly", status="approved"
    )
    assert approval_date(fresh) == timezone.localdate()
