from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from apps.core.exceptions import ApplicationError
from apps.registry.services import api_key_create, assistant_find_or_register
from apps.tenants.models import Organization


class Command(BaseCommand):
    help = "Create (or find) an assistant and print a new API key on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument("--department", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--vendor", required=True)
        parser.add_argument("--model", required=True)

    def handle(self, *args: object, **opts: str) -> None:
        if not Organization.objects.filter(schema_name=opts["org"]).exclude(schema_name="public").exists():
            raise CommandError(f"no organization with slug {opts['org']!r}")
        try:
            with schema_context(opts["org"]):
                assistant, created = assistant_find_or_register(
                    department_name=opts["department"], name=opts["name"], vendor=opts["vendor"], model=opts["model"]
                )
                issued = api_key_create(actor=None, assistant=assistant, name="register_assistant")
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        verb = "created" if created else "found"
        self.stdout.write(f"assistant {assistant.name} (id {assistant.pk}) {verb} in {opts['department']}")
        self.stdout.write(issued.plaintext)
