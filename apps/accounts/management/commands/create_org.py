import os

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.services import organization_provision
from apps.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Create an organization (schema, domain, first admin). Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True, help="schema name, e.g. acme")
        parser.add_argument("--name", required=True)
        parser.add_argument("--domain", required=True, help="host name, e.g. acme.localhost")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument(
            "--admin-password-env",
            default="TESSERA_ADMIN_PASSWORD",
            help="environment variable holding the admin password (generated and printed once if unset)",
        )

    def handle(self, *args: object, **opts: str) -> None:
        password = os.environ.get(opts["admin_password_env"]) or None
        try:
            result = organization_provision(
                slug=opts["slug"],
                name=opts["name"],
                domain=opts["domain"],
                admin_email=opts["admin_email"],
                admin_password=password,
            )
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        org = result.organization
        verb = "created" if result.created else "already exists"
        self.stdout.write(f"organization {org.schema_name} ({org.name}) {verb}; domain {opts['domain']}")
        if result.admin_created:
            self.stdout.write(f"admin {result.admin_email} created")
            if result.admin_password:
                self.stdout.write(f"admin password (shown once): {result.admin_password}")
        else:
            self.stdout.write(f"admin {result.admin_email} already exists; password unchanged")
