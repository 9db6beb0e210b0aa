"""``manage.py erase_user --org SLUG --user-id ID``: erase everything about one end user."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.compliance.retention import end_user_erase
from apps.tenants.models import Organization


class Command(BaseCommand):
    help = "Delete every conversation, message, raw event, finding and case of one end user; keeps an erasure record."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization slug (schema name)")
        parser.add_argument("--user-id", required=True, help="the end user's id as the assistants send it")
        parser.add_argument("--requested-by", default="", help="e-mail of the admin/compliance user who asked")

    def handle(self, *args: Any, org: str, user_id: str, requested_by: str, **options: Any) -> None:
        if not Organization.objects.filter(schema_name=org).exists():
            raise CommandError(f"no organization with slug {org!r}", returncode=2)
        with schema_context(org):
            actor = None
            if requested_by:
                actor = User.objects.filter(email=requested_by.lower()).first()
                if actor is None:
                    raise CommandError(f"no user {requested_by!r} in {org}", returncode=2)
            record = end_user_erase(actor=actor, user_id=user_id)
        counts = ", ".join(f"{k}={v}" for k, v in record.counts.items())
        self.stdout.write(f"erased end user (hash {record.user_hash[:12]}…) in {org}: {counts}")
