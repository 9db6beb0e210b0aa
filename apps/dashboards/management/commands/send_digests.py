import json
from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.analytics.services import tenant_tz
from apps.dashboards.services import digests_send_due
from apps.tenants.selectors import organization_base_url


class Command(BaseCommand):
    help = (
        "E-mail the weekly digest of one organization now, as the hourly task does: to every subscribed "
        "person who has not had the digest of the last whole week. Prints a JSON summary."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization slug (schema name)")
        parser.add_argument(
            "--now", help="act as of this local date and time (YYYY-MM-DD[THH:MM], organization time zone)"
        )

    def handle(self, *args: object, **opts: object) -> None:
        org = str(opts["org"])
        with schema_context(org):
            tz = tenant_tz()
            if opts["now"]:
                try:
                    parsed = datetime.fromisoformat(str(opts["now"]))
                except ValueError as exc:
                    raise CommandError("--now must be YYYY-MM-DD or YYYY-MM-DDTHH:MM") from exc
                if len(str(opts["now"])) == 10:
                    parsed = datetime.combine(parsed.date(), time(12))
                now_local = parsed.replace(tzinfo=tz)
            else:
                now_local = timezone.localtime(timezone.now(), tz)
            run = digests_send_due(now_local=now_local, base_url=organization_base_url())
        self.stdout.write(json.dumps({"org": org, **run.as_dict()}))
