"""Shadow AI writes: policy, tenant catalog, identity map, egress imports, findings, decisions."""

from __future__ import annotations

import csv
import hashlib
import io
import ipaddress
import os
import re
import secrets
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone
from django.utils.module_loading import import_string
from psycopg import sql

from apps.accounts.models import Role, User
from apps.accounts.permissions import has_role
from apps.audit.services import audit_record
from apps.core import crypto
from apps.core.enqueue import task_enqueue
from apps.core.exceptions import ApplicationError, ConflictError, NotFoundError, NotPermittedError
from apps.core.tenancy import current_schema
from apps.detection.models import (
    AIUsageDaily,
    EgressImport,
    EgressImportStatus,
    FindingStatus,
    IdentityKind,
    IdentityMapEntry,
    ShadowAIFinding,
    ShadowAIPolicy,
    TenantAIService,
)
from apps.detection.shadow.catalog import (
    CATEGORIES,
    RISKS,
    AIService,
    Catalog,
    CatalogError,
    catalog_build,
    normalize_rule,
    shared_catalog,
)
from apps.detection.shadow.identity import IdentityResolver, Pseudonymizer
from apps.detection.shadow.parsers import FORMATS, MalformedLineError, lines_of, validate_mapping
from apps.registry.models import Department
from apps.registry.services import assistant_register

MALFORMED_SAMPLES = 20
_EPOCH = date(1970, 1, 1)
_PROGRESS_EVERY = 500_000  # lines between progress writes of a running import


# --- policy and catalog ------------------------------------------------------------------------


def shadow_policy_get() -> ShadowAIPolicy:
    policy = ShadowAIPolicy.objects.first()
    if policy is None:
        policy = ShadowAIPolicy.objects.create(user_key=crypto.encrypt(secrets.token_bytes(32)))
    return policy


def shadow_policy_update(
    *, actor: User, pseudonymize_users: bool | None = None, approved_vendors: dict[str, list[Any]] | None = None
) -> ShadowAIPolicy:
    _require_shadow_admin(actor)
    policy = shadow_policy_get()
    before = {"pseudonymize_users": policy.pseudonymize_users, "approved_vendors": policy.approved_vendors}
    if pseudonymize_users is not None:
        policy.pseudonymize_users = pseudonymize_users
    if approved_vendors is not None:
        wanted = {int(i) for ids in approved_vendors.values() if "*" not in ids for i in ids}
        unknown = sorted(wanted - set(Department.objects.filter(pk__in=wanted).values_list("pk", flat=True)))
        if unknown:
            raise ApplicationError(f"unknown department ids: {', '.join(map(str, unknown))}")
        policy.approved_vendors = {
            vendor.strip(): ["*"] if "*" in ids else sorted({int(i) for i in ids})
            for vendor, ids in approved_vendors.items()
        }
    policy.save()
    after = {"pseudonymize_users": policy.pseudonymize_users, "approved_vendors": policy.approved_vendors}
    audit_record(actor=actor, action="shadow_ai.policy.update", target=policy, before=before, after=after)
    return policy


def _require_shadow_admin(actor: User) -> None:
    if not has_role(actor, Role.ADMIN, Role.COMPLIANCE):
        raise NotPermittedError("shadow-AI settings and decisions are for admin and compliance users only")


# Built catalogs by the organization's overlay rows: building one compiles ~1,400 domain rules
# (tens of ms), and a page reads the catalog several times. The key is the overlay's content, so an
# edit is a new key (never a stale catalog); organizations without an overlay share one entry.
_CATALOGS: dict[tuple[tuple[Any, ...], ...], Catalog] = {}
_CATALOGS_MAX = 64


def tenant_catalog() -> Catalog:
    """The shared catalog with this organization's own entries and overrides on top."""
    fields = ("key", "vendor", "product", "category", "risk", "domains", "data_use", "disabled")
    rows = tuple(TenantAIService.objects.order_by("key").values_list(*fields))
    cached = _CATALOGS.get(rows)
    if cached is not None:
        return cached
    overrides: list[AIService] = []
    disabled: list[str] = []
    for key, vendor, product, category, risk, domains, data_use, is_disabled in rows:
        if is_disabled:
            disabled.append(key)
            continue
        overrides.append(
            AIService(
                key=key,
                vendor=vendor,
                product=product,
                category=category,
                risk=risk,
                domains=tuple(domains.split()),
                data_use=data_use,
                sources=("tenant",),
            )
        )
    catalog = catalog_build(shared=shared_catalog(), overrides=overrides, disabled=disabled)
    if len(_CATALOGS) >= _CATALOGS_MAX:
        _CATALOGS.clear()
    _CATALOGS[rows] = catalog
    return catalog


_SERVICE_KEY = re.compile(r"[-a-zA-Z0-9_]{1,80}")  # TenantAIService.key (a SlugField of 80)


@transaction.atomic
def tenant_service_upsert(*, actor: User, key: str, **fields: Any) -> TenantAIService:
    """Add an entry of the organization's own, or override a shared one (risk, domains, …)."""
    _require_shadow_admin(actor)
    if not _SERVICE_KEY.fullmatch(key):
        raise ApplicationError("a catalog key is 1-80 letters, digits, '-' or '_'")
    shared_keys = {service.key for service in shared_catalog()}
    if fields.get("category") and fields["category"] not in CATEGORIES:
        raise ApplicationError(f"unknown category {fields['category']!r}; one of: {', '.join(CATEGORIES)}")
    if fields.get("risk") and fields["risk"] not in RISKS:
        raise ApplicationError(f"unknown risk {fields['risk']!r}; one of: {', '.join(RISKS)}")
    try:
        domains = [normalize_rule(rule) for rule in str(fields.get("domains", "")).split()]
    except CatalogError as error:
        raise ApplicationError(str(error)) from None
    if "domains" in fields:
        fields["domains"] = " ".join(domains)
    existing = TenantAIService.objects.filter(key=key).first()
    # An entry of the organization's own, once saved, is changed field by field like an override.
    complete = {**({f: getattr(existing, f) for f in ("vendor", "product", "category", "domains")} if existing else {})}
    complete.update({k: v for k, v in fields.items() if v not in ("", None)})
    if key not in shared_keys and not (
        complete.get("vendor") and complete.get("product") and complete.get("domains") and complete.get("category")
    ):
        raise ApplicationError("a new catalog entry needs vendor, product, category and at least one domain")
    row, created = TenantAIService.objects.update_or_create(key=key, defaults=fields)
    audit_record(
        actor=actor, action="shadow_ai.catalog.add" if created else "shadow_ai.catalog.update", target=row, after=fields
    )
    return row


@transaction.atomic
def tenant_service_delete(*, actor: User, key: str) -> None:
    """Remove the organization's own entry, or its override (the shared entry applies again)."""
    _require_shadow_admin(actor)
    row = TenantAIService.objects.filter(key=key).first()
    if row is None:
        raise NotFoundError(f"the organization has no catalog entry or override {key!r}")
    before = {f: getattr(row, f) for f in ("vendor", "product", "category", "risk", "domains", "disabled")}
    row.delete()
    audit_record(actor=actor, action="shadow_ai.catalog.delete", target_type="detection.tenantaiservice", before=before)


# --- identity map ------------------------------------------------------------------------------


IDENTITY_MAP_MAX_CHARS = 2_000_000  # ~50k lines; larger maps belong in the CLI (egress_identity_map)


@dataclass
class IdentityMapReport:
    entries: int = 0
    rejected: list[str] = field(default_factory=list)


class IdentityMapRejectedError(ApplicationError):
    def __init__(self, rejected: list[str]) -> None:
        shown = "; ".join(rejected[:5]) + (f"; … {len(rejected) - 5} more" if len(rejected) > 5 else "")
        super().__init__(f"no valid line, the identity map is unchanged: {shown}", extra={"rejected": rejected[:100]})
        self.rejected = rejected


@transaction.atomic
def identity_map_replace(*, actor: User | None, text: str) -> IdentityMapReport:
    """Replace the identity map with a CSV ``identity,department`` (user name, IP or CIDR).

    Departments are matched by name; a line naming an unknown department or an invalid network is
    reported, not fatal. ``actor=None`` is the operator CLI and the demo seed.
    """
    if actor is not None:
        _require_shadow_admin(actor)
    departments = {d.name.lower(): d.id for d in Department.objects.all()}
    report = IdentityMapReport()
    entries: dict[tuple[str, str], int] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if not row or row[0].strip().startswith("#") or (number == 1 and row[0].strip().lower() == "identity"):
            continue
        if len(row) < 2:
            report.rejected.append(f"line {number}: expected 'identity,department'")
            continue
        identity, department = row[0].strip(), row[1].strip()
        department_id = departments.get(department.lower())
        if department_id is None:
            report.rejected.append(f"line {number}: unknown department {department!r}")
            continue
        kind, value = _identity_kind(identity)
        if kind is None:
            report.rejected.append(f"line {number}: {value}")
            continue
        entries[(kind, value)] = department_id
    if not entries and report.rejected:
        # A file of nothing but errors (wrong columns, another file) must not wipe a working map.
        raise IdentityMapRejectedError(report.rejected)
    IdentityMapEntry.objects.all().delete()
    IdentityMapEntry.objects.bulk_create(
        IdentityMapEntry(kind=kind, value=value, department_id=department_id)
        for (kind, value), department_id in entries.items()
    )
    report.entries = len(entries)
    audit_record(
        actor=actor or "system",
        action="shadow_ai.identity_map.replace",
        target_type="detection.identitymapentry",
        after={"entries": report.entries, "rejected": len(report.rejected)},
    )
    return report


def _identity_kind(identity: str) -> tuple[str | None, str]:
    if not identity:
        return None, "empty identity"
    looks_like_address = "/" in identity or all(ch in "0123456789abcdefABCDEF.:" for ch in identity)
    if looks_like_address and any(ch.isdigit() for ch in identity):
        try:
            return IdentityKind.CIDR, str(ipaddress.ip_network(identity, strict=False))
        except ValueError:
            return None, f"not an IP address or network: {identity!r}"
    return IdentityKind.USER, identity.lower()


def identity_resolver() -> IdentityResolver:
    return IdentityResolver.from_entries(IdentityMapEntry.objects.values_list("kind", "value", "department_id"))


def pseudonymizer() -> Pseudonymizer:
    policy = shadow_policy_get()
    return Pseudonymizer(key=crypto.decrypt(policy.user_key) if policy.pseudonymize_users else None)


# --- egress import -----------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def egress_import_create(
    *,
    actor: User | None,
    path: Path,
    filename: str,
    fmt: str,
    mapping: dict[str, str] | None = None,
    keep_file: bool = False,
) -> EgressImport:
    """Register an import of the file at ``path``; a file imported before is refused (409).

    ``keep_file``: an upload waiting for the worker (``stored_path`` is set, the task deletes it).
    """
    mapping = mapping or {}
    problems = validate_mapping(fmt, mapping)
    if problems:
        raise ApplicationError("; ".join(problems))
    sha = file_sha256(path)
    previous = EgressImport.objects.filter(sha256=sha).first()
    if previous is not None:
        raise ConflictError(
            f"this file was already imported (import {previous.pk}, {previous.filename}, {previous.created_at:%Y-%m-%d})",
            extra={"import_id": previous.pk},
        )
    record = EgressImport.objects.create(
        sha256=sha,
        filename=filename[:255],
        format=fmt,
        mapping=mapping,
        size_bytes=path.stat().st_size,
        stored_path=str(path) if keep_file else "",
        created_by=actor,
    )
    audit_record(
        actor=actor or "system", action="shadow_ai.import.create", target=record, after={"format": fmt, "sha256": sha}
    )
    return record


@dataclass
class _Tally:
    lines: int = 0
    parsed: int = 0
    malformed: int = 0
    ai_requests: int = 0
    unattributed: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)
    services: Counter[str] = field(default_factory=Counter)
    # (day number, service key, department id or None, user ref) → [requests, bytes]
    usage: dict[tuple[int, str, int | None, str], list[int]] = field(default_factory=dict)


def egress_parse(
    stream: IO[bytes],
    *,
    fmt: str,
    mapping: dict[str, str],
    catalog: Catalog,
    identities: IdentityResolver,
    users: Pseudonymizer,
    progress: Any = None,
) -> _Tally:
    """Stream ``stream`` through the format's parser into daily usage of catalogued services.

    Memory is bounded by the distinct (day, service, department, user) of AI traffic, not by the
    file: non-AI lines leave nothing behind, and host look-ups are memoised in a bounded dict.
    """
    parse = FORMATS[fmt](mapping)
    tally = _Tally()
    host_memo: dict[str, str | None] = {}
    match = catalog.matcher.match
    usage = tally.usage
    for number, line in enumerate(lines_of(stream), 1):
        tally.lines = number
        if progress is not None and number % _PROGRESS_EVERY == 0:
            progress(number)
        try:
            hit = parse(line)
        except MalformedLineError as error:
            tally.malformed += 1
            if len(tally.samples) < MALFORMED_SAMPLES:
                # PostgreSQL's jsonb refuses NUL characters (a log cut by a crash has them): shown escaped.
                text = line[:200].rstrip("\r\n").replace("\x00", "\\x00")
                tally.samples.append({"line": number, "reason": str(error), "text": text})
            continue
        if hit is None:
            continue
        tally.parsed += 1
        host = hit.host
        if host in host_memo:
            key = host_memo[host]
        else:
            key = match(host)
            if len(host_memo) >= 100_000:
                host_memo.clear()
            host_memo[host] = key
        if key is None:
            continue
        tally.ai_requests += 1
        department = identities.department_of(hit.user, hit.client_ip)
        if department is None:
            tally.unattributed += 1
        bucket = (hit.day, key, department, users.ref(hit.user, hit.client_ip))
        counts = usage.get(bucket)
        if counts is None:
            usage[bucket] = [1, hit.bytes]
        else:
            counts[0] += 1
            counts[1] += hit.bytes
    for (_day, key, _dept, _user), (requests, _bytes) in usage.items():
        tally.services[key] += requests
    return tally


def egress_import_run(*, import_id: int, path: Path | None = None) -> EgressImport:
    """Parse the import's file and record its usage. Idempotent: a finished import is left as is.

    The usage rows, the report and the findings refresh commit together, so a crash mid-way
    leaves nothing half counted and the retried task starts again from the top.
    """
    record = EgressImport.objects.get(pk=import_id)
    if record.status == EgressImportStatus.DONE:
        return record
    source = path or Path(record.stored_path)
    EgressImport.objects.filter(pk=import_id).update(status=EgressImportStatus.RUNNING, error="")

    def progress(lines: int) -> None:
        EgressImport.objects.filter(pk=import_id).update(lines=lines)

    try:
        with source.open("rb") as stream:
            tally = egress_parse(
                stream,
                fmt=record.format,
                mapping=record.mapping,
                catalog=tenant_catalog(),
                identities=identity_resolver(),
                users=pseudonymizer(),
                progress=progress,
            )
    except OSError as error:
        EgressImport.objects.filter(pk=import_id).update(status=EgressImportStatus.FAILED, error=str(error)[:500])
        raise ApplicationError(f"cannot read the import's file: {error.strerror or error}") from None
    with transaction.atomic():
        _usage_add(tally.usage)
        findings_refresh(pairs={(key, dept) for (_day, key, dept, _user) in tally.usage})
        record.lines, record.parsed, record.malformed = tally.lines, tally.parsed, tally.malformed
        record.ai_requests, record.unattributed_requests = tally.ai_requests, tally.unattributed
        record.malformed_samples = tally.samples
        record.services = [
            {"key": key, "requests": n} for key, n in sorted(tally.services.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        record.status, record.finished_at, record.error = EgressImportStatus.DONE, timezone.now(), ""
        record.save()
    if record.stored_path:
        Path(record.stored_path).unlink(missing_ok=True)
    if tally.usage:
        days = [_EPOCH + timedelta(days=day) for (day, _key, _dept, _user) in tally.usage]
        import_done_notify(date_from=min(days), date_to=max(days))
    return record


def import_done_notify(*, date_from: date, date_to: date) -> None:
    """Run ``settings.EGRESS_IMPORT_DONE_HOOKS`` (dotted paths, like ENRICHMENT_STEPS: analytics
    sits above detection) with the span of days an import added usage to."""
    for path in getattr(settings, "EGRESS_IMPORT_DONE_HOOKS", ()):
        import_string(path)(date_from=date_from, date_to=date_to)


def _usage_add(usage: dict[tuple[int, str, int | None, str], list[int]]) -> None:
    """Add to the daily usage rows (INSERT … ON CONFLICT adds): two files of one day both count."""
    if not usage:
        return
    table = sql.Identifier(AIUsageDaily._meta.db_table)
    statement = sql.SQL(
        "INSERT INTO {table} (date, service_key, department_id, user_ref, requests, bytes) "
        "VALUES (%s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (date, service_key, department_id, user_ref) DO UPDATE SET "
        "requests = {table}.requests + EXCLUDED.requests, bytes = {table}.bytes + EXCLUDED.bytes"
    ).format(table=table)
    rows = [
        (_EPOCH + timedelta(days=day), key, dept, user, counts[0], counts[1])
        for (day, key, dept, user), counts in usage.items()
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(statement.as_string(cursor.connection), rows[start : start + 5000])


def findings_refresh(*, pairs: Iterable[tuple[str, int | None]]) -> int:
    """Recompute the usage figures of the findings of (service, department) pairs from usage rows."""
    pairs = set(pairs)
    if not pairs:
        return 0
    keys = {key for key, _dept in pairs}
    rows = (
        AIUsageDaily.objects.filter(service_key__in=keys)
        .values("service_key", "department_id")
        .annotate(
            first=Min("date"),
            last=Max("date"),
            users=Count("user_ref", distinct=True),
            n=Sum("requests"),
            b=Sum("bytes"),
        )
    )
    refreshed = 0
    for row in rows:
        if (row["service_key"], row["department_id"]) not in pairs:
            continue
        ShadowAIFinding.objects.update_or_create(
            service_key=row["service_key"],
            department_id=row["department_id"],
            defaults={
                "first_seen": row["first"],
                "last_seen": row["last"],
                "distinct_users": row["users"],
                "requests": row["n"],
                "bytes": row["b"],
            },
        )
        refreshed += 1
    return refreshed


def upload_dir() -> Path:
    directory = Path(settings.TESSERA_EGRESS_UPLOAD_DIR) / current_schema()
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def upload_store(chunks: Iterable[bytes], *, max_bytes: int) -> Path:
    """Write an upload's chunks to a new file in the upload directory; refuse past ``max_bytes``."""
    fd, name = _mkstemp(upload_dir())
    written = 0
    with os.fdopen(fd, "wb") as handle:
        for chunk in chunks:
            written += len(chunk)
            if written > max_bytes:
                handle.close()
                Path(name).unlink(missing_ok=True)
                raise UploadTooLargeError(f"the file is larger than the limit of {max_bytes} bytes")
            handle.write(chunk)
    return Path(name)


def _mkstemp(directory: Path) -> tuple[int, str]:
    return tempfile.mkstemp(dir=directory, suffix=".log")


class UploadTooLargeError(ApplicationError):
    status_code = 413


EGRESS_IMPORT_TASK = "apps.detection.tasks.egress_import"


def egress_upload_accept(
    *,
    actor: User,
    chunks: Iterable[bytes],
    filename: str,
    fmt: str,
    mapping: dict[str, str] | None,
) -> EgressImport:
    """An uploaded log (API or page): stored, refused when too large (413) or imported before (409),
    then imported by the Celery task once the record is committed. One path for both interfaces, so
    their limits and answers cannot drift apart (each refuses a declared Content-Length past the
    limit before reading the body)."""
    _require_shadow_admin(actor)
    path = upload_store(chunks, max_bytes=settings.TESSERA_EGRESS_UPLOAD_MAX_BYTES)
    try:
        with transaction.atomic():
            record = egress_import_create(
                actor=actor, path=path, filename=filename or "upload.log", fmt=fmt, mapping=mapping, keep_file=True
            )
            transaction.on_commit(lambda: task_enqueue(EGRESS_IMPORT_TASK, record.pk))
    except ApplicationError:
        path.unlink(missing_ok=True)
        raise
    record.refresh_from_db()
    return record


# --- decisions ---------------------------------------------------------------------------------

_TRANSITIONS = {
    FindingStatus.NEW: {FindingStatus.ACKNOWLEDGED, FindingStatus.APPROVED, FindingStatus.BLOCKED},
    FindingStatus.ACKNOWLEDGED: {FindingStatus.APPROVED, FindingStatus.BLOCKED},
    FindingStatus.APPROVED: {FindingStatus.BLOCKED},
    FindingStatus.BLOCKED: {FindingStatus.APPROVED},
}


def finding_next_statuses(status: str) -> list[str]:
    """The statuses a finding in ``status`` may move to (the workflow above), in workflow order."""
    allowed = _TRANSITIONS.get(FindingStatus(status), set())
    return [s for s in FindingStatus.values if s in allowed]


@transaction.atomic
def finding_decide(
    *, actor: User, finding: ShadowAIFinding, status: str, note: str = "", create_assistant: bool = False
) -> ShadowAIFinding:
    """Move a finding along new → acknowledged → approved | blocked (audited).

    *Approved* sanctions the use of that service by that department (``selectors.sanctions`` reads
    the approved findings), not the vendor's other services nor other departments; a revision to
    *blocked* makes it shadow again.

    ``create_assistant`` with ``approved`` registers a pilot (draft) assistant of the service's
    vendor in the finding's department through the registry, with the registry's own permission
    check (admin, or an owner of that department).
    """
    _require_shadow_admin(actor)
    if status not in FindingStatus.values:
        raise ApplicationError(f"unknown status {status!r}; one of: {', '.join(FindingStatus.values)}")
    if status not in _TRANSITIONS[FindingStatus(finding.status)]:
        raise ApplicationError(f"a finding in status {finding.status!r} cannot become {status!r}")
    if create_assistant and status != FindingStatus.APPROVED:
        raise ApplicationError("an assistant is created only when the finding is approved")
    before = {"status": finding.status, "note": finding.note}
    service = tenant_catalog().services.get(finding.service_key)
    if create_assistant:
        department = finding.department
        if department is None or service is None:
            raise ApplicationError("an assistant needs a department and a catalogued service")
        finding.assistant = assistant_register(
            actor=actor,
            department=department,
            name=f"{service.product} ({service.vendor})"[:120],
            vendor=service.vendor[:80],
            model=service.product[:120],
            purpose=f"Registered from the shadow-AI finding {finding.pk}.",
        )
    finding.status, finding.note = status, note
    finding.decided_by, finding.decided_at = actor, timezone.now()
    finding.save()
    audit_record(
        actor=actor,
        action=f"shadow_ai.finding.{status}",
        target=finding,
        before=before,
        # "sanctioned": an approved finding sanctions its (service, department) use (selectors.sanctions);
        # any other status withdraws that, so the log reads as the approval's history.
        after={
            "status": status,
            "note": note,
            "assistant": finding.assistant_id,
            "sanctioned": status == FindingStatus.APPROVED,
        },
    )
    return finding
