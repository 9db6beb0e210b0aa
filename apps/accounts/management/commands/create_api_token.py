from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from apps.accounts.models import User
from apps.accounts.services import token_create
from apps.core.exceptions import ApplicationError
from apps.tenants.models import Organization


class Command(BaseCommand):
    help = (
        "Create a personal API token (read-only, with the user's roles) for a user of an organization. "
        "The token is printed once, on the last line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization slug (schema name), e.g. acme")
        parser.add_argument("--email", required=True, help="the user's e-mail address in that organization")
        parser.add_argument("--name", default="", help="what the token is for, e.g. 'Power BI'")
        parser.add_argument("--expires-days", type=int, default=None, help="expire after N days (default: never)")

    def handle(self, *args: object, **opts: str | int | None) -> None:
        slug = str(opts["org"]).strip().lower()
        email = str(opts["email"]).strip().lower()
        org = Organization.objects.exclude(schema_name=get_public_schema_name()).filter(schema_name=slug).first()
        if org is None:
            raise CommandError(f"unknown organization {slug!r}")
        days = opts["expires_days"]
        if days is not None and int(days) <= 0:
            raise CommandError("--expires-days must be a positive number of days")
        expires_at = timezone.now() + timedelta(days=int(days)) if days else None
        with schema_context(org.schema_name):
            user = User.objects.filter(email=email).first()
            if user is None:
                raise CommandError(f"no user {email!r} in organization {slug!r}")
            try:
                issued = token_create(actor=None, user=user, name=str(opts["name"] or ""), expires_at=expires_at)
            except ApplicationError as exc:
                raise CommandError(exc.detail) from exc
        roles = ", ".join(user.roles) or "no roles"
        expiry = f"expires {expires_at:%Y-%m-%d}" if expires_at else "never expires"
        self.stdout.write(
            f"personal API token {issued.token.prefix}… for {user.email} in {org.schema_name} ({roles}); {expiry}; "
            "read-only. Shown once, on the next line:"
        )
        self.stdout.write(issued.plaintext)
