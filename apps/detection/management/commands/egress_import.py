"""``manage.py egress_import --org SLUG --format FORMAT [--map field=column …] FILE…``.

Imports proxy / gateway / DNS logs into the organization's shadow-AI usage. The last line printed
is a JSON summary over all files: ``{"lines", "parsed", "malformed", "ai_requests", "services"}``.
A file imported before is reported and skipped (exit status 0 unless every file failed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from apps.core.exceptions import ApplicationError
from apps.core.tenancy import iter_tenant_schemas
from apps.detection.shadow.parsers import FORMATS
from apps.detection.shadow.services import egress_import_create, egress_import_run


class Command(BaseCommand):
    help = "Import egress logs (Squid, Zscaler NSS, Cisco Umbrella, generic CSV/JSON lines) for shadow-AI detection."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS), dest="fmt")
        parser.add_argument("--map", action="append", default=[], help="generic formats: field=column (repeatable)")
        parser.add_argument("files", nargs="+")

    def handle(self, *args: Any, org: str, fmt: str, map: list[str], files: list[str], **options: Any) -> None:
        if org not in set(iter_tenant_schemas()):
            raise CommandError(f"no organization with slug {org!r}", returncode=2)
        mapping = {}
        for pair in map:
            name, sep, column = pair.partition("=")
            if not sep:
                raise CommandError(f"--map takes field=column, not {pair!r}")
            mapping[name.strip()] = column.strip()
        total = {"lines": 0, "parsed": 0, "malformed": 0, "ai_requests": 0}
        services: dict[str, int] = {}
        failures = 0
        for name in files:
            path = Path(name)
            if not path.is_file():
                self.stderr.write(f"{name}: no such file")
                failures += 1
                continue
            with schema_context(org):
                try:
                    record = egress_import_create(actor=None, path=path, filename=path.name, fmt=fmt, mapping=mapping)
                    record = egress_import_run(import_id=record.pk, path=path)
                except ApplicationError as error:
                    self.stderr.write(f"{name}: {error.detail}")
                    failures += 1
                    continue
            for key in total:
                total[key] += getattr(record, key)
            for entry in record.services:
                services[entry["key"]] = services.get(entry["key"], 0) + entry["requests"]
            self.stdout.write(
                f"{name}: {record.lines} lines, {record.malformed} malformed, {record.ai_requests} AI requests"
                f" ({record.unattributed_requests} unattributed)"
            )
            for sample in record.malformed_samples[:5]:
                self.stdout.write(f"  line {sample['line']}: {sample['reason']}")
        summary = {**total, "services": sorted(services, key=lambda key: (-services[key], key))}
        self.stdout.write(orjson.dumps(summary).decode())
        if failures == len(files):
            raise CommandError("no file was imported", returncode=1)
