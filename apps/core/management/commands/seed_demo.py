from django.core.management.base import BaseCommand, CommandParser

from apps.core.demo import DEMO_LOGINS, demo_org_ensure


class Command(BaseCommand):
    help = "Create (or refresh) the demo organization at demo.localhost with one login per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list-logins", action="store_true", help="only print the demo logins")

    def handle(self, *args: object, **opts: object) -> None:
        if opts["list_logins"]:
            for login in DEMO_LOGINS:
                self.stdout.write(f"{login.email:<28} {', '.join(login.roles)}")
            return
        org = demo_org_ensure()
        self.stdout.write(f"demo organization ready: {org.name} ({org.schema_name})")
