from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_tenants.utils import schema_context

from apps.analytics.tasks import decisions_run


class Command(BaseCommand):
    help = (
        "Evaluate the recommendation and alert rules of one organization now (as the hourly task does), "
        "store what fired and queue the delivery of new alerts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization slug (schema name)")
        parser.add_argument("--today", help="evaluate as of this day (YYYY-MM-DD, tenant time zone); default today")

    def handle(self, *args: object, **opts: object) -> None:
        today = None
        if opts["today"]:
            try:
                today = date.fromisoformat(str(opts["today"]))
            except ValueError as exc:
                raise CommandError("--today must be YYYY-MM-DD") from exc
        org = str(opts["org"])
        with schema_context(org), transaction.atomic():
            report = decisions_run(today=today)
        self.stdout.write(
            f"{org}: {report.assistants} assistants, {report.fired} fired, {report.created} new, "
            f"{report.refreshed} refreshed, {report.suppressed} suppressed, {len(report.new_alert_ids)} new alerts, "
            f"{len(report.new_recommendation_ids)} new recommendations"
        )
