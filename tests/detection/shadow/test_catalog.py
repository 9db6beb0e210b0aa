"""Catalog data and host matching: a suffix dictionary, whole labels from the right."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.detection.shadow.catalog import (
    CATEGORIES,
    AIService,
    CatalogError,
    HostMatcher,
    catalog_build,
    normalize_rule,
    read_catalog,
    shared_catalog,
    write_catalog,
)
from apps.detection.shadow.catalog_sources import SourceRow, catalog_merge

MATCHER = HostMatcher(
    [
        ("openai.com", "openai"),
        ("api.openai.com", "openai-api"),
        ("full:exact.example.org", "exact"),
        ("bedrock.*.amazonaws.com", "bedrock"),
    ]
)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("openai.com", "openai"),
        ("chat.openai.com", "openai"),
        ("CHAT.OpenAI.com.", "openai"),  # DNS logs end names with a dot; case does not matter
        ("chat.openai.com:443", "openai"),
        ("api.openai.com", "openai-api"),  # the most specific rule wins
        ("v1.api.openai.com", "openai-api"),
        ("notopenai.com", None),
        ("notopenai.com.evil.example", None),
        ("openai.com.evil.example", None),
        ("openai.co", None),
        ("com", None),
        ("", None),
        ("exact.example.org", "exact"),
        ("sub.exact.example.org", None),  # full: is that host only
        ("bedrock.us-east-1.amazonaws.com", "bedrock"),
        ("bedrock.amazonaws.com", None),  # the * needs one label
        ("s3.us-east-1.amazonaws.com", None),
    ],
)
def test_host_matching(host: str, expected: str | None) -> None:
    assert MATCHER.match(host) == expected


def test_rules_are_normalized_and_bad_ones_refused() -> None:
    assert normalize_rule("*.OpenAI.com") == "openai.com"
    assert normalize_rule("domain:claude.ai") == "claude.ai"
    assert normalize_rule("full:Chat.example.com") == "full:chat.example.com"
    for bad in ("", "exa mple.com", "a..b", "ex*ample.com", "example.*", "http://x.com/"):
        with pytest.raises(CatalogError):
            normalize_rule(bad)


def test_shipped_catalog_has_at_least_150_valid_services() -> None:
    services = shared_catalog()
    assert len(services) >= 150
    assert len({s.key for s in services}) == len(services)
    assert all(s.category in CATEGORIES and s.vendor and s.domains and s.sources for s in services)
    by_key = {s.key: s for s in services}
    # Regional coverage the issue asks for: Chinese and European services.
    assert by_key["deepseek-chat"].country == "China"
    assert by_key["aleph-alpha"].country == "Germany"
    assert by_key["mistral-le-chat"].country == "France"
    catalog = catalog_build(shared=services, overrides=[])
    assert catalog.match("chat.deepseek.com").key == "deepseek-chat"
    assert catalog.match("chatgpt.com").key == "openai-chatgpt"
    assert catalog.match("api.openai.com").key == "openai-api"
    assert catalog.match("claude.ai").key == "anthropic-claude"
    assert catalog.match("notopenai.com.evil.example") is None


def test_catalog_file_round_trips_byte_for_byte(tmp_path: Path) -> None:
    original = Path(__file__).resolve().parents[3] / "apps" / "detection" / "data" / "ai_services.csv"
    copy = tmp_path / "copy.csv"
    write_catalog(read_catalog(original), copy)
    assert copy.read_bytes() == original.read_bytes()


def _svc(key: str, vendor: str, domains: tuple[str, ...], risk: str = "medium") -> AIService:
    return AIService(key=key, vendor=vendor, product=vendor, category="chat_assistant", risk=risk, domains=domains)


def test_tenant_entries_override_risk_add_services_and_disable() -> None:
    shared = [_svc("acme-ai", "Acme", ("acme.ai",)), _svc("other", "Other", ("other.ai",))]
    overrides = [
        AIService(key="acme-ai", vendor="", product="", category="", risk="high", domains=("acme-cdn.net",)),
        _svc("in-house", "Us", ("llm.intra.example",), risk="low"),
    ]
    catalog = catalog_build(shared=shared, overrides=overrides, disabled=["other"])
    assert catalog.services["acme-ai"].risk == "high"
    assert catalog.services["acme-ai"].vendor == "Acme"  # blank override fields keep the shared value
    assert catalog.match("x.acme-cdn.net").key == "acme-ai"
    assert catalog.match("llm.intra.example").key == "in-house"
    assert catalog.match("other.ai") is None


def test_merge_attaches_source_domains_to_curated_services_and_is_deterministic() -> None:
    curated = [_svc("openai-chatgpt", "OpenAI", ("chatgpt.com",))]
    rows = [
        SourceRow("radiusmethod:llms.csv", "*.chatgpt.com", "OpenAI", "OpenAI", "chat_assistant", "USA", ""),
        SourceRow(
            "azure-sentinel:ai_domains.csv",
            "cdn.chatgpt-static.example",
            "OpenAI",
            "ChatGPT",
            "chat_assistant",
            "",
            "",
            "g1",
        ),
        SourceRow("v2fly:category-ai-!cn", "chatgpt.com", "Openai", "Openai", "other_ai", "", "", "g1"),
        SourceRow("v2fly:category-ai-cn", "kimi.example", "Moonshot", "Moonshot", "other_ai", "China", ""),
        SourceRow("v2fly:category-ai-cn", "bad domain", "X", "X", "other_ai", "", ""),
    ]
    merged = catalog_merge(curated=curated, rows=rows)
    assert merged == catalog_merge(curated=curated, rows=rows)
    by_key = {s.key: s for s in merged}
    assert set(by_key) == {"openai-chatgpt", "moonshot"}
    chatgpt = by_key["openai-chatgpt"]
    # *.chatgpt.com is already covered; the group's CDN domain joins the curated service.
    assert chatgpt.domains == ("chatgpt.com", "cdn.chatgpt-static.example")
    assert chatgpt.sources == ("radiusmethod:llms.csv", "azure-sentinel:ai_domains.csv", "v2fly:category-ai-!cn")
    assert by_key["moonshot"].risk == "high"  # China → high by default
