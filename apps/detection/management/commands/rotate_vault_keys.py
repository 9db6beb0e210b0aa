"""``manage.py rotate_vault_keys [--org SLUG]``: re-encrypt vault entries with the first key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from apps.core.tenancy import iter_tenant_schemas
from apps.detection.vault import vault_rotate


class Command(BaseCommand):
    help = "Re-encrypt every vault entry with the first key of TESSERA_VAULT_KEYS (all organizations by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", default="", help="only this organization (schema name)")

    def handle(self, *args: Any, org: str, **options: Any) -> None:
        schemas = list(iter_tenant_schemas())
        if org:
            if org not in schemas:
                raise CommandError(f"no organization with slug {org!r}", returncode=2)
            schemas = [org]
        for schema in schemas:
            with schema_context(schema):
                done = vault_rotate()
            self.stdout.write(f"{schema}: {done} vault entries re-encrypted with the current key")
