from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from apps.analytics.services import rollups_rebuild
from apps.registry.models import Assistant


class Command(BaseCommand):
    help = "Rebuild the metric rollups of one organization (optionally one assistant) from the enriched record."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization slug (schema name)")
        parser.add_argument("--assistant", type=int, help="assistant id")

    def handle(self, *args: object, **opts: object) -> None:
        with schema_context(str(opts["org"])):
            ids = None
            if opts["assistant"] is not None:
                ids = [int(str(opts["assistant"]))]
                if not Assistant.objects.filter(pk=ids[0]).exists():
                    raise CommandError(f"no assistant {ids[0]} in {opts['org']!r}")
            pairs = rollups_rebuild(assistant_ids=ids)
            self.stdout.write(f"rebuilt {pairs} assistant-days")
