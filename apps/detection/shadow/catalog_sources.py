"""Re-merge the catalog from the public lists it is built from (``manage.py catalog_update``).

Inputs, all local files (nothing on the internet is reached at run time):

- ``apps/detection/data/curation.csv``: our own entries — vendor, product, category, risk and
  data-use notes for the services we describe by hand, with their main domains;
- a sources directory (docs/shadow-ai.md says where each file comes from, at which commit and
  under which license) with ``radiusmethod-shadowai-domains/{llms,saas,multimodal,voice}.csv``,
  ``v2fly-domain-list-community/data/`` and ``azure-sentinel/ai_domains.csv``.

Every source domain is attached to the curated service whose rules already cover it (so
``*.openai.com`` from one list and ``openai.com`` from another end in one entry); what no
curated service covers becomes a service of its own, named from the source's own columns.
The output is sorted and carries no timestamps, so the same inputs give the same file byte for
byte.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from apps.detection.shadow.catalog import DATA_DIR, AIService, CatalogError, HostMatcher, normalize_rule

CURATION_PATH = DATA_DIR / "curation.csv"
RADIUS_FILES = ("llms.csv", "saas.csv", "multimodal.csv", "voice.csv")
V2FLY_LISTS = ("category-ai-!cn", "category-ai-cn")

# Source category → catalog category.
_RADIUS_CATEGORY = {
    "Frontier / Consumer": "chat_assistant",
    "Cloud Provider AI": "model_api",
    "Aggregators / Wrappers": "chat_assistant",
    "Open Source Inference": "inference_platform",
    "Dev Tooling / IDE": "coding_assistant",
    "Productivity / Workflow": "productivity_ai",
    "Agent / Orchestration": "agent_platform",
    "Search / AI Search": "ai_search",
    "SaaS / Enterprise": "suite_ai_feature",
    "Image / Multimodal": "image_generation",
    "Voice / Audio": "voice_audio",
}
_AZURE_CATEGORY = {
    "Web": "chat_assistant",
    "Desktop": "chat_assistant",
    "API": "model_api",
    "Developer": "coding_assistant",
    "Image": "image_generation",
    "Video": "video_generation",
    "Audio": "voice_audio",
    "Document": "productivity_ai",
}
# Default risk of an entry nobody curated: where the data goes (jurisdiction) first, then how
# much of it an employee typically pastes in (a suite feature is low: the suite is already
# under contract; a consumer chat or coding tool is where documents and code go).
_HIGH_RISK_COUNTRIES = {"China", "Russia"}
_CATEGORY_RISK = {
    "suite_ai_feature": "low",
    "model_api": "medium",
    "inference_platform": "medium",
    "agent_platform": "medium",
    "ai_search": "medium",
    "productivity_ai": "medium",
    "meeting_ai": "high",
    "coding_assistant": "high",
    "chat_assistant": "medium",
}
_DATA_USE = {
    "suite_ai_feature": "AI feature of a business suite; its data terms are the suite's. The rule counts all traffic to the suite.",
    "meeting_ai": "Records and transcribes meetings.",
    "coding_assistant": "Source code is sent to the vendor.",
}
# Chinese sites' headers in v2fly carry their ICP licence number, which is no part of the name.
_ICP = re.compile(r"\S*ICP备\S*")
_DEFAULT_DATA_USE = "No curated notes: check the vendor's terms before approving."


@dataclass(frozen=True)
class SourceRow:
    source: str  # e.g. "radiusmethod:llms.csv"
    rule: str
    vendor: str
    product: str
    category: str
    country: str
    notes: str
    group: str = ""  # rows of one vendor list (a v2fly include file) that belong together


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def read_curation(path: Path = CURATION_PATH) -> list[AIService]:
    services = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            services.append(
                AIService(
                    key=row["key"],
                    vendor=row["vendor"],
                    product=row["product"],
                    category=row["category"],
                    risk=row["risk"],
                    country=row["country"],
                    domains=tuple(normalize_rule(rule) for rule in row["domains"].split()),
                    data_use=row["data_use"],
                    sources=("tessera",),
                )
            )
    return services


def radius_rows(directory: Path) -> Iterator[SourceRow]:
    """radiusmethod/shadowai-domains: Domain,Category,Subcategory,Country,Notes."""
    for name in RADIUS_FILES:
        with (directory / name).open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                category = _RADIUS_CATEGORY.get(row["Category"].strip(), "other_ai")
                notes = row["Notes"].strip()
                if category == "suite_ai_feature":
                    # Its Subcategory is a function (CRM / Sales); the product is in the notes.
                    product = notes.split(" - ")[0].strip()
                    vendor = _vendor_from_rule(row["Domain"])
                else:
                    vendor = product = row["Subcategory"].strip()
                yield SourceRow(
                    source=f"radiusmethod:{name}",
                    rule=row["Domain"],
                    vendor=vendor,
                    product=product,
                    category=category,
                    country=row["Country"].strip(),
                    notes=notes,
                )


def azure_rows(path: Path) -> Iterator[SourceRow]:
    """Azure-Sentinel Sample Data/AIGovernance/ai_domains.csv: Provider,Product,Domain,Category,…"""
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row["Domain"].strip():  # desktop-process rows carry no domain
                continue
            yield SourceRow(
                source="azure-sentinel:ai_domains.csv",
                rule=row["Domain"],
                vendor=row["Provider"].strip(),
                product=row["Product"].strip(),
                category=_AZURE_CATEGORY.get(row["Category"].strip(), "other_ai"),
                country="",
                notes="",
            )


def v2fly_rows(data_dir: Path) -> Iterator[SourceRow]:
    """v2fly/domain-list-community: ``include:``, ``full:``, ``domain:`` and plain lines.

    ``keyword:`` and ``regexp:`` rules are skipped (a suffix dictionary cannot hold them), and so
    are entries tagged ``@ads`` (trackers, not the AI service).
    """
    for top in V2FLY_LISTS:
        country = "China" if top.endswith("-cn") and "!" not in top else ""
        yield from _v2fly_file(data_dir, top, top, country, seen=set())


def _v2fly_file(data_dir: Path, name: str, top: str, country: str, *, seen: set[str]) -> Iterator[SourceRow]:
    if name in seen:
        return
    seen.add(name)
    header, after_blank = "", True
    for raw in (data_dir / name).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            # The first comment after a blank line names the group below it ("# Cohere").
            if raw.strip().startswith("#") and after_blank:
                header = raw.strip().lstrip("#").strip()
            elif not raw.strip():
                header = ""
            after_blank = not raw.strip()
            continue
        after_blank = False
        parts = line.split()
        entry, attributes = parts[0], parts[1:]
        if "@ads" in attributes:
            continue
        if entry.startswith("include:"):
            yield from _v2fly_file(data_dir, entry[len("include:") :], top, country, seen=seen)
            continue
        if entry.startswith(("keyword:", "regexp:")):
            continue
        if name == top:
            vendor = _ICP.sub("", header).strip() or _vendor_from_rule(entry)
            group = f"v2fly:{top}:{header}" if header else ""
        else:
            vendor = name.removesuffix("-!cn").replace("-", " ").title()
            group = f"v2fly:{name}"
        yield SourceRow(
            source=f"v2fly:{top}",
            rule=entry,
            vendor=vendor,
            product=vendor,
            category="other_ai",
            country=country,
            notes="",
            group=group,
        )


def _vendor_from_rule(rule: str) -> str:
    labels = normalize_rule(rule).removeprefix("full:").split(".")
    return labels[-2].title() if len(labels) >= 2 else labels[0].title()


def _probe(rule: str) -> str:
    return rule.removeprefix("full:").replace("*", "x")


def _new_key(row: SourceRow, rule: str) -> str:
    key = slug(row.vendor if row.vendor == row.product else f"{row.vendor} {row.product}")
    if not key or not row.vendor.isascii():
        # A name in another script has no ASCII slug: key the entry by its domain instead.
        key = slug(_probe(rule))
    return key


def catalog_merge(*, curated: Iterable[AIService], rows: Iterable[SourceRow]) -> list[AIService]:
    services: dict[str, AIService] = {service.key: service for service in curated}
    matcher = HostMatcher((rule, s.key) for s in services.values() for rule in s.domains)
    valid: list[tuple[SourceRow, str]] = []
    for row in rows:
        try:
            valid.append((row, normalize_rule(row.rule)))
        except CatalogError:
            continue
    # A vendor list of which one domain is a curated service's belongs to that service whole
    # (v2fly's "doubao" file: doubao.com is curated, its CDN domains are not).
    group_key: dict[str, str] = {}
    for row, rule in valid:
        curated_key = matcher.match(_probe(rule))
        if row.group and curated_key and row.group not in group_key:
            group_key[row.group] = curated_key
    for row, rule in valid:
        key = matcher.match(_probe(rule)) or group_key.get(row.group) or _new_key(row, rule)
        if row.group:
            group_key.setdefault(row.group, key)
        if key not in services:
            category = row.category
            services[key] = AIService(
                key=key,
                vendor=row.vendor,
                product=row.product,
                category=category,
                risk="high" if row.country in _HIGH_RISK_COUNTRIES else _CATEGORY_RISK.get(category, "medium"),
                country=row.country,
                data_use=" ".join(filter(None, (row.notes, _DATA_USE.get(category, _DEFAULT_DATA_USE)))),
            )
        service = services[key]
        covered = matcher.match(_probe(rule)) == key
        services[key] = replace(
            service,
            domains=service.domains if covered else (*service.domains, rule),
            sources=tuple(dict.fromkeys((*service.sources, row.source))),
        )
        if not covered:
            matcher.add(rule, key)
    return sorted(services.values(), key=lambda service: service.key)


def catalog_from_sources(source_dir: Path, curation: Path = CURATION_PATH) -> list[AIService]:
    rows: list[SourceRow] = []
    rows += radius_rows(source_dir / "radiusmethod-shadowai-domains")
    rows += v2fly_rows(source_dir / "v2fly-domain-list-community" / "data")
    rows += azure_rows(source_dir / "azure-sentinel" / "ai_domains.csv")
    return catalog_merge(curated=read_curation(curation), rows=rows)
