from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from apps.analytics.selectors import success_and_rephrase_by_language
from apps.conversations.models import Message
from apps.nlp.models import Intent
from apps.registry.models import Assistant


class Command(BaseCommand):
    help = "Print success and rephrase rate by language, and the named intents, of one assistant."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True)
        parser.add_argument("--assistant", required=True, help="assistant name")

    def handle(self, *args: object, **opts: str) -> None:
        with schema_context(opts["org"]):
            assistant = Assistant.objects.filter(name=opts["assistant"]).first()
            if assistant is None:
                raise CommandError(f"no assistant named {opts['assistant']!r} in {opts['org']!r}")
            self.stdout.write(
                f"{'language':<10}{'conversations':>15}{'ended':>8}{'success':>26}{'user msgs':>11}{'rephrase':>26}"
            )
            for row in success_and_rephrase_by_language(assistant_id=assistant.pk):
                self.stdout.write(
                    f"{row.language:<10}{row.conversations:>15}{row.success.denominator:>8}"
                    f"{row.success.display():>26}{row.rephrase.denominator:>11}{row.rephrase.display():>26}"
                )
            user_messages = Message.objects.filter(conversation__assistant=assistant, role="user")
            other = user_messages.filter(intent__isnull=True).count()
            total = user_messages.count()
            self.stdout.write(f"\nintents (other / unassigned: {other} of {total} user messages):")
            for intent in Intent.objects.filter(assistant=assistant, active=True).order_by("-size")[:20]:
                self.stdout.write(f"  {intent.size:>6}  {intent.label}")
