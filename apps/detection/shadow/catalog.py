"""The AI service catalog (data in ``apps/detection/data/ai_services.csv``) and host matching.

A catalog entry is one service (vendor + product) with its domain rules:

- ``example.com`` matches ``example.com`` and every subdomain (``chat.example.com``);
- ``full:host.example.com`` matches that host only;
- ``bedrock.*.amazonaws.com``: a ``*`` label matches exactly one label (the AWS region).

Matching walks the host's labels from the right through a dictionary tree (a reversed-label
trie), so its cost depends on the number of labels, never on the size of the catalog, and a
look-alike such as ``openai.com.evil.example`` or ``notopenai.com`` cannot match ``openai.com``:
labels are compared whole, starting from the top-level domain. The most specific rule wins
(``api.openai.com`` beats ``openai.com``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CATALOG_PATH = DATA_DIR / "ai_services.csv"
CATALOG_COLUMNS = ("key", "vendor", "product", "category", "risk", "country", "domains", "data_use", "sources")

CATEGORIES = (
    "chat_assistant",
    "model_api",
    "coding_assistant",
    "image_generation",
    "video_generation",
    "voice_audio",
    "ai_search",
    "agent_platform",
    "inference_platform",
    "productivity_ai",
    "meeting_ai",
    "suite_ai_feature",
    "other_ai",
)
RISKS = ("low", "medium", "high")

_EXACT = "="  # trie key: a rule that ends here and matches this host only
_SUFFIX = "."  # trie key: a rule that ends here and matches this host and its subdomains
_ANY = "*"


@dataclass(frozen=True)
class AIService:
    key: str
    vendor: str
    product: str
    category: str
    risk: str
    country: str = ""
    domains: tuple[str, ...] = ()
    data_use: str = ""
    sources: tuple[str, ...] = field(default=())

    def as_row(self) -> dict[str, str]:
        return {
            "key": self.key,
            "vendor": self.vendor,
            "product": self.product,
            "category": self.category,
            "risk": self.risk,
            "country": self.country,
            "domains": " ".join(self.domains),
            "data_use": self.data_use,
            "sources": " ".join(self.sources),
        }


class CatalogError(ValueError):
    pass


def normalize_host(host: str) -> str:
    """Lower case, no trailing dot (DNS logs end names with one), no port, no brackets."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("["):  # [IPv6]:port
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host


def normalize_rule(rule: str) -> str:
    """A rule in the catalog's form: ``*.example.com`` (the common list notation) is a suffix rule."""
    rule = rule.strip().lower().rstrip(".")
    if rule.startswith("domain:"):
        rule = rule[len("domain:") :]
    while rule.startswith("*."):
        rule = rule[2:]
    body = rule[len("full:") :] if rule.startswith("full:") else rule
    labels = body.split(".")
    if not body or any(not label for label in labels) or any(" " in label or "/" in label for label in labels):
        raise CatalogError(f"not a domain rule: {rule!r}")
    if any(_ANY in label and label != _ANY for label in labels) or labels[-1] == _ANY:
        raise CatalogError(f"a wildcard must be a whole label and not the top-level domain: {rule!r}")
    return rule


class HostMatcher:
    """Host name → service key, by a reversed-label dictionary walk (see the module docstring)."""

    def __init__(self, rules: Iterable[tuple[str, str]]) -> None:
        self._root: dict[str, Any] = {}
        for rule, key in rules:
            self.add(rule, key)

    def add(self, rule: str, key: str) -> None:
        rule = normalize_rule(rule)
        exact = rule.startswith("full:")
        labels = (rule[5:] if exact else rule).split(".")
        node: dict[str, Any] = self._root
        for label in reversed(labels):
            node = node.setdefault(label, {})
        # The first rule for a node wins: the catalog is read in a fixed order, so a tenant's
        # own entries (added first) take precedence over the shared catalog's.
        node.setdefault(_EXACT if exact else _SUFFIX, key)

    def match(self, host: str) -> str | None:
        labels = normalize_host(host).split(".")
        labels.reverse()
        best = _walk(self._root, labels, 0)
        return best[1] if best else None


def _walk(node: dict, labels: list[str], depth: int) -> tuple[int, str] | None:
    """The deepest rule on the path of ``labels`` (reversed host labels): (depth, key)."""
    best: tuple[int, str] | None = None
    if depth and _SUFFIX in node:
        best = (depth, node[_SUFFIX])
    if depth == len(labels):
        if _EXACT in node:
            return (depth, node[_EXACT])
        return best
    for child_key in (labels[depth], _ANY):
        child = node.get(child_key)
        if child is not None:
            found = _walk(child, labels, depth + 1)
            if found and (best is None or found[0] > best[0]):
                best = found
    return best


def read_catalog(path: Path = CATALOG_PATH) -> list[AIService]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [service_from_row(row) for row in csv.DictReader(handle)]


def service_from_row(row: dict[str, str]) -> AIService:
    category = row["category"].strip()
    risk = row["risk"].strip()
    if category not in CATEGORIES:
        raise CatalogError(f"{row['key']}: unknown category {category!r}")
    if risk not in RISKS:
        raise CatalogError(f"{row['key']}: unknown risk {risk!r}")
    return AIService(
        key=row["key"].strip(),
        vendor=row["vendor"].strip(),
        product=row["product"].strip(),
        category=category,
        risk=risk,
        country=(row.get("country") or "").strip(),
        domains=tuple(normalize_rule(rule) for rule in (row.get("domains") or "").split()),
        data_use=(row.get("data_use") or "").strip(),
        sources=tuple((row.get("sources") or "").split()),
    )


def write_catalog(services: Iterable[AIService], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CATALOG_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for service in sorted(services, key=lambda s: s.key):
            writer.writerow(service.as_row())


@lru_cache(maxsize=1)
def shared_catalog() -> tuple[AIService, ...]:
    """The catalog shipped with the code (read once per process)."""
    return tuple(read_catalog())


@dataclass(frozen=True)
class Catalog:
    """One organization's view: the shared catalog overlaid with its own entries and risk."""

    services: dict[str, AIService]
    matcher: HostMatcher

    def match(self, host: str) -> AIService | None:
        key = self.matcher.match(host)
        return self.services[key] if key is not None else None

    def __iter__(self) -> Iterator[AIService]:
        return iter(self.services.values())


def catalog_build(
    *, shared: Iterable[AIService], overrides: Iterable[AIService], disabled: Iterable[str] = ()
) -> Catalog:
    """Overlay tenant entries on the shared catalog.

    An override with a shared key replaces the fields it sets (an empty field keeps the shared
    value; its domains are added); a new key is a new service. Disabled keys match nothing.
    """
    services = {service.key: service for service in shared}
    own_rules: list[tuple[str, str]] = []
    for override in overrides:
        base = services.get(override.key)
        if base is None:
            services[override.key] = override
        else:
            services[override.key] = replace(
                base,
                vendor=override.vendor or base.vendor,
                product=override.product or base.product,
                category=override.category or base.category,
                risk=override.risk or base.risk,
                data_use=override.data_use or base.data_use,
                domains=tuple(dict.fromkeys((*base.domains, *override.domains))),
                sources=tuple(dict.fromkeys((*base.sources, "tenant"))),
            )
        own_rules.extend((rule, override.key) for rule in override.domains)
    for key in disabled:
        services.pop(key, None)
    # The tenant's own rules first: on the very same rule its entry wins over the shared one.
    rules = [(rule, key) for rule, key in own_rules if key in services]
    rules += [(rule, service.key) for service in services.values() for rule in service.domains]
    return Catalog(services=services, matcher=HostMatcher(rules))
