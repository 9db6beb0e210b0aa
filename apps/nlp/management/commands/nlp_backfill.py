from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context
from tqdm import tqdm

from apps.conversations.models import Conversation
from apps.conversations.selectors import assistant_spans
from apps.conversations.services import record_change_notify
from apps.nlp.services import intents_recluster, nlp_enrich_step
from apps.registry.models import Assistant
from apps.tenants.models import Organization

CHUNK = 500


class Command(BaseCommand):
    help = "Annotate existing conversations (language, sentiment, rephrase, frustration) and cluster intents."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: object, **opts: object) -> None:
        slug = str(opts["org"])
        if not Organization.objects.filter(schema_name=slug).exclude(schema_name="public").exists():
            raise CommandError(f"no organization with slug {slug!r}")
        with schema_context(slug):
            ids = list(Conversation.objects.order_by("id").values_list("id", flat=True))
            bar = tqdm(total=len(ids), unit="conv", disable=bool(opts["no_progress"]))
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                nlp_enrich_step(batch_id=0, conversation_ids=chunk)
                bar.update(len(chunk))
            bar.close()
            for assistant in Assistant.objects.order_by("name"):
                n = intents_recluster(assistant_id=assistant.pk)
                if not n:
                    # Too few messages to cluster: nothing announced the annotations above to
                    # the aggregates (a re-clustering does), so announce them here.
                    record_change_notify(spans=assistant_spans(assistant_ids=[assistant.pk]))
                self.stdout.write(f"{assistant.name}: {n} intents")
