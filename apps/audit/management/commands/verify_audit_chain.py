"""``manage.py verify_audit_chain --org SLUG``: check an organization's audit hash chain.

Exit status 0 when the chain is intact, 1 when an entry was edited or removed (for cron/CI).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import get_tenant_model, schema_context

from apps.audit.services import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the hash chain of an organization's audit log; exit 1 when it is broken."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization slug (schema name)")

    def handle(self, *args: Any, org: str, **options: Any) -> None:
        # By setting, not by import: the audit app depends on nothing above accounts.
        organization = get_tenant_model().objects.filter(schema_name=org).first()
        if organization is None:
            raise CommandError(f"no organization with slug {org!r}", returncode=2)
        with schema_context(organization.schema_name):
            report = audit_chain_verify()
        if not report.ok:
            raise CommandError(
                f"audit chain of {org} is BROKEN at entry {report.first_bad_id} "
                f"({report.entries} entries checked): {report.problem}",
                returncode=1,
            )
        self.stdout.write(f"audit chain of {org} OK: {report.entries} entries verified")
