"""Shadow AI reads: findings with their sanctioned/shadow verdict, inventory, block lists, imports.

These are the functions the dashboards pages build on (docs/shadow-ai.md lists them). Each takes
the user who asks; only admin and compliance read shadow-AI data (DESIGN.md roles: compliance
"watch shadow AI", admin sees everything), everyone else gets nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, QuerySet, Sum

from apps.accounts.models import Role, User
from apps.accounts.permissions import has_role
from apps.audit.models import AuditEntry
from apps.detection.models import (
    AIUsageDaily,
    EgressImport,
    FindingStatus,
    IdentityMapEntry,
    ShadowAIFinding,
    TenantAIService,
)
from apps.detection.shadow.catalog import Catalog, shared_catalog
from apps.detection.shadow.services import shadow_policy_get, tenant_catalog
from apps.registry.models import Assistant, AssistantStatus

UNATTRIBUTED_LABEL = "unattributed"


def can_read_shadow_ai(user: User) -> bool:
    return has_role(user, Role.ADMIN, Role.COMPLIANCE)


@dataclass(frozen=True)
class Sanctions:
    """Which uses are sanctioned: (department, vendor) pairs of approved assistants and the policy,
    plus the (service, department) pairs whose finding was decided *approved*."""

    by_department: dict[int, set[str]]
    everywhere: set[str]
    approved_services: frozenset[tuple[str, int | None]] = frozenset()

    def sanctioned(self, *, vendor: str, department_id: int | None, service_key: str = "") -> bool:
        if service_key and (service_key, department_id) in self.approved_services:
            return True
        vendor = vendor.casefold().strip()
        if vendor in self.everywhere:
            return True
        return department_id is not None and vendor in self.by_department.get(department_id, set())


@dataclass(frozen=True)
class SanctionInputs:
    """What the verdict is computed from, read once (three queries): ``sanctions_from`` then builds
    the verdict with or without a given assistant without reading again."""

    approved_assistants: tuple[tuple[int, int, str], ...]  # (assistant id, department id, vendor)
    approved_vendors: dict[str, list[Any]]
    approved_services: frozenset[tuple[str, int | None]]


def sanction_inputs() -> SanctionInputs:
    return SanctionInputs(
        approved_assistants=tuple(
            Assistant.objects.filter(status=AssistantStatus.APPROVED).values_list("pk", "department_id", "vendor")
        ),
        approved_vendors=dict(shadow_policy_get().approved_vendors or {}),
        approved_services=frozenset(
            ShadowAIFinding.objects.filter(status=FindingStatus.APPROVED).values_list("service_key", "department_id")
        ),
    )


def sanctions_from(inputs: SanctionInputs, *, exclude_assistant_id: int | None = None) -> Sanctions:
    by_department: dict[int, set[str]] = defaultdict(set)
    for assistant_id, department_id, vendor in inputs.approved_assistants:
        if assistant_id != exclude_assistant_id:
            by_department[department_id].add(vendor.casefold().strip())
    everywhere: set[str] = set()
    for vendor, ids in inputs.approved_vendors.items():
        name = vendor.casefold().strip()
        if "*" in ids:
            everywhere.add(name)
        for department_id in ids:
            if department_id != "*":
                by_department[int(department_id)].add(name)
    return Sanctions(
        by_department=dict(by_department), everywhere=everywhere, approved_services=inputs.approved_services
    )


def sanctions(*, exclude_assistant_id: int | None = None) -> Sanctions:
    """Usage is sanctioned for a department when one of its *approved* assistants uses the vendor,
    or the policy approves the vendor for it (``"*"``: for every department). Vendors compare
    case-insensitively; unattributed traffic is sanctioned only by a policy for every department.
    An *approved* finding sanctions its own (service, department) pair — that service only, not its
    vendor's other services; revising the decision to *blocked* withdraws it (the verdict is read
    from the finding's status each time, so the audit log of ``finding_decide`` is its history).
    ``exclude_assistant_id`` leaves one assistant out (what was shadow before it launched)."""
    return sanctions_from(sanction_inputs(), exclude_assistant_id=exclude_assistant_id)


@dataclass(frozen=True)
class FindingRow:
    id: int
    service_key: str
    vendor: str
    product: str
    category: str
    risk: str
    department_id: int | None
    department: str  # "unattributed" when no identity matched
    status: str
    sanctioned: bool
    first_seen: date
    last_seen: date
    distinct_users: int
    requests: int
    bytes: int
    domains: tuple[str, ...]


def findings_list(
    *,
    user: User,
    status: str = "",
    department_id: int | None = None,
    service_key: str = "",
    risk: str = "",
    shadow_only: bool = False,
    catalog: Catalog | None = None,
) -> list[FindingRow]:
    """Findings the user may read, most requests first, with the sanctioned verdict of now."""
    if not can_read_shadow_ai(user):
        return []
    catalog = catalog or tenant_catalog()
    rules = sanctions()
    qs = findings_queryset(user=user).select_related("department").order_by("-requests", "service_key", "id")
    if status:
        qs = qs.filter(status=status)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    if service_key:
        qs = qs.filter(service_key=service_key)
    rows = []
    for finding in qs:
        service = catalog.services.get(finding.service_key)
        vendor = service.vendor if service else finding.service_key
        row = FindingRow(
            id=finding.pk,
            service_key=finding.service_key,
            vendor=vendor,
            product=service.product if service else finding.service_key,
            category=service.category if service else "other_ai",
            risk=service.risk if service else "medium",
            department_id=finding.department_id,
            department=finding.department.name if finding.department else UNATTRIBUTED_LABEL,
            status=finding.status,
            sanctioned=rules.sanctioned(
                vendor=vendor, department_id=finding.department_id, service_key=finding.service_key
            ),
            first_seen=finding.first_seen,
            last_seen=finding.last_seen,
            distinct_users=finding.distinct_users,
            requests=finding.requests,
            bytes=finding.bytes,
            domains=service.domains if service else (),
        )
        if risk and row.risk != risk:
            continue
        if shadow_only and row.sanctioned:
            continue
        rows.append(row)
    return rows


def findings_queryset(*, user: User) -> QuerySet[ShadowAIFinding]:
    """The scoped queryset for API views (object lookups go through it)."""
    if not can_read_shadow_ai(user):
        return ShadowAIFinding.objects.none()
    return ShadowAIFinding.objects.all()


def finding_trend(
    *, service_key: str, department_id: int | None, date_from: date | None = None
) -> list[tuple[date, int]]:
    """Daily requests of one finding, oldest first (days without traffic are absent)."""
    qs = AIUsageDaily.objects.filter(service_key=service_key)
    qs = qs.filter(department__isnull=True) if department_id is None else qs.filter(department_id=department_id)
    if date_from is not None:
        qs = qs.filter(date__gte=date_from)
    return list(qs.values("date").annotate(n=Sum("requests")).order_by("date").values_list("date", "n"))


@dataclass
class DepartmentInventory:
    department_id: int | None
    department: str
    services: list[FindingRow] = field(default_factory=list)
    shadow_services: int = 0
    requests: int = 0
    shadow_requests: int = 0
    trend: list[tuple[date, int]] = field(default_factory=list)  # daily requests to shadow services


def inventory_by_department(*, user: User, date_from: date | None = None) -> list[DepartmentInventory]:
    """Per department (unattributed last): its AI services, how many are shadow, daily shadow trend."""
    rows = findings_list(user=user)
    if not rows:
        return []
    departments: dict[int | None, DepartmentInventory] = {}
    shadow_keys: dict[int | None, set[str]] = defaultdict(set)
    for row in rows:
        inventory = departments.setdefault(
            row.department_id, DepartmentInventory(department_id=row.department_id, department=row.department)
        )
        inventory.services.append(row)
        inventory.requests += row.requests
        if not row.sanctioned:
            inventory.shadow_services += 1
            inventory.shadow_requests += row.requests
            shadow_keys[row.department_id].add(row.service_key)
    usage = AIUsageDaily.objects.all()
    if date_from is not None:
        usage = usage.filter(date__gte=date_from)
    daily: dict[int | None, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for owner, key, day, n in (
        usage.values("department_id", "service_key", "date")
        .annotate(n=Sum("requests"))
        .values_list("department_id", "service_key", "date", "n")
    ):
        if key in shadow_keys.get(owner, ()):
            daily[owner][day] += n
    for department_id, inventory in departments.items():
        inventory.trend = sorted(daily[department_id].items())
    return sorted(
        departments.values(), key=lambda inv: (inv.department_id is None, -inv.shadow_requests, inv.department)
    )


def blocklist(*, user: User) -> list[str]:
    """Domain rules of every service with a blocked finding, sorted (exact-host rules included)."""
    catalog = tenant_catalog()
    keys = set(findings_queryset(user=user).filter(status=FindingStatus.BLOCKED).values_list("service_key", flat=True))
    return sorted({rule for key in keys if key in catalog.services for rule in catalog.services[key].domains})


def blocklist_domains(*, user: User) -> str:
    """One domain per line; suffix rules as ``.example.com`` would lose the apex in some
    tools, so the plain list names the domain itself and means "and its subdomains"."""
    return "".join(f"{rule.removeprefix('full:')}\n" for rule in blocklist(user=user) if "*" not in rule)


def blocklist_squid(*, user: User) -> str:
    """A Squid ``dstdomain`` ACL: ``.example.com`` matches the domain and its subdomains,
    ``host.example.com`` that host only; one-label wildcards become a ``dstdom_regex``."""
    lines = ["# Tessera shadow-AI block list", "# http_access deny tessera_blocked_ai (and tessera_blocked_ai_re)"]
    regexes = []
    for rule in blocklist(user=user):
        if "*" in rule:
            pattern = rule.removeprefix("full:").replace(".", r"\.").replace("*", r"[^.]+")
            regexes.append(f"acl tessera_blocked_ai_re dstdom_regex -i (^|\\.){pattern}$")
        elif rule.startswith("full:"):
            lines.append(f"acl tessera_blocked_ai dstdomain {rule.removeprefix('full:')}")
        else:
            lines.append(f"acl tessera_blocked_ai dstdomain .{rule}")
    return "\n".join([*lines, *regexes]) + "\n"


def imports_list(*, user: User) -> QuerySet[EgressImport]:
    if not can_read_shadow_ai(user):
        return EgressImport.objects.none()
    return EgressImport.objects.order_by("-created_at", "-id")


@dataclass(frozen=True)
class PeriodUsage:
    """One (service, department)'s use within a date range, with its daily requests."""

    requests: int = 0
    bytes: int = 0
    distinct_users: int = 0
    daily: dict[date, int] = field(default_factory=dict)


def usage_in_period(*, user: User, date_from: date, date_to: date) -> dict[tuple[str, int | None], PeriodUsage]:
    """Use per (service key, department id) between two days (inclusive): the pages' numbers for a
    chosen period, where a finding's own figures are its whole history. Two grouped queries."""
    if not can_read_shadow_ai(user):
        return {}
    usage = AIUsageDaily.objects.filter(date__gte=date_from, date__lte=date_to)
    daily: dict[tuple[str, int | None], dict[date, int]] = defaultdict(dict)
    for key, department_id, day, n in (
        usage.values("service_key", "department_id", "date")
        .annotate(n=Sum("requests"))
        .values_list("service_key", "department_id", "date", "n")
    ):
        daily[(key, department_id)][day] = n
    out: dict[tuple[str, int | None], PeriodUsage] = {}
    for row in usage.values("service_key", "department_id").annotate(
        n=Sum("requests"), b=Sum("bytes"), users=Count("user_ref", distinct=True)
    ):
        pair = (row["service_key"], row["department_id"])
        out[pair] = PeriodUsage(requests=row["n"], bytes=row["b"], distinct_users=row["users"], daily=daily[pair])
    return out


def finding_decisions(*, user: User, finding_id: int) -> QuerySet[AuditEntry]:
    """The audit log's entries about one finding (its decisions), newest first."""
    if not can_read_shadow_ai(user):
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(target_type=ShadowAIFinding._meta.label_lower, target_id=str(finding_id)).order_by(
        "-id"
    )


def identity_map_entries(*, user: User) -> QuerySet[IdentityMapEntry]:
    """The organization's identity map (user names and networks → department), for its settings page."""
    if not can_read_shadow_ai(user):
        return IdentityMapEntry.objects.none()
    return IdentityMapEntry.objects.select_related("department").order_by("kind", "value")


def catalog_entries(*, user: User, key: str | None = None) -> list[dict[str, Any]]:
    """The catalog as this organization matches it (shared entries, its own, its overrides), one
    dict per key in key order — or only ``key``'s. ``overridden``: the organization has a row for
    the key; ``disabled``: that row stops it matching (it is then described by the shared entry,
    or by the row itself for an entry of the organization's own)."""
    if not can_read_shadow_ai(user):
        return []
    own_rows = tenant_services(user=user)
    own = {row.key: row for row in (own_rows.filter(key=key) if key is not None else own_rows)}
    services = {service.key: service for service in shared_catalog()} | {s.key: s for s in tenant_catalog()}
    keys = sorted(services.keys() | own.keys()) if key is None else [k for k in (key,) if k in services or k in own]
    entries = []
    for k in keys:
        service, row = services.get(k), own.get(k)
        if service is not None:
            fields: dict[str, Any] = asdict(service)
        elif row is not None:  # the organization's own entry, switched off
            fields = {
                "key": k,
                **{f: getattr(row, f) for f in ("vendor", "product", "category", "risk", "data_use")},
                "domains": row.domains.split(),
                "sources": ["tenant"],
            }
        entries.append({**fields, "disabled": bool(row and row.disabled), "overridden": row is not None})
    return entries


def tenant_services(*, user: User) -> QuerySet[TenantAIService]:
    """The organization's own catalog entries and overrides of shared ones."""
    if not can_read_shadow_ai(user):
        return TenantAIService.objects.none()
    return TenantAIService.objects.order_by("key")
