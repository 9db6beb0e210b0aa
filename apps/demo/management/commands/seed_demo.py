import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django_tenants.utils import schema_context
from tqdm import tqdm

from apps.analytics.tasks import evaluate_decisions
from apps.demo.generator import DEFAULT_EVENTS, Plan, demo_batches
from apps.demo.services import DEMO_LOGINS, DEMO_SLUG, demo_org_ensure, demo_portfolio_ensure, demo_shadow_ai_ensure
from apps.ingestion.services import events_ingest
from apps.ingestion.validation import Limits
from apps.nlp.tasks import recluster_intents
from apps.tenants.models import Organization


class Command(BaseCommand):
    help = (
        "Create (or refresh) the demo organization at demo.localhost with one login per role, its assistants, "
        "and ~90 days of deterministic traffic sent through the real ingestion path."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list-logins", action="store_true", help="only print the demo logins")
        parser.add_argument("--seed", type=int, default=42, help="same seed, same data (default 42)")
        parser.add_argument("--days", type=int, default=90, help="days of traffic up to now (default 90)")
        parser.add_argument(
            "--events", type=int, default=DEFAULT_EVENTS, help=f"target total events (default {DEFAULT_EVENTS:,})"
        )
        parser.add_argument(
            "--org", default=DEMO_SLUG, help="organization slug; other than 'demo' it must exist already"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--egress-out",
            type=Path,
            help="also keep the demo proxy log and identity map in this directory (to try the upload form)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["list_logins"]:
            for login in DEMO_LOGINS:
                self.stdout.write(f"{login.email:<28} {', '.join(login.roles)}")
            return
        days, events, slug = int(opts["days"]), int(opts["events"]), str(opts["org"])
        if not 1 <= days <= 365:
            raise CommandError("--days must be between 1 and 365")
        if events < 0:
            raise CommandError("--events must not be negative")
        if slug == DEMO_SLUG:
            org = demo_org_ensure()
            self.stdout.write(f"demo organization ready: {org.name} ({org.schema_name})")
        elif not Organization.objects.filter(schema_name=slug).exists():
            raise CommandError(f"organization {slug!r} does not exist; create it first (create_org)")

        now = timezone.now()
        # The trusted-caller path: the seed back-fills history older than the public API's 30 days.
        limits = Limits(
            content_max_chars=settings.INGEST_CONTENT_MAX_CHARS,
            metadata_max_bytes=settings.INGEST_METADATA_MAX_BYTES,
            max_age=timedelta(days=max(120, days + 2)),
            max_future=timedelta(seconds=settings.INGEST_MAX_FUTURE_SECONDS),
        )
        started = time.monotonic()
        accepted = duplicates = rejected = 0
        with schema_context(slug):
            portfolio = demo_portfolio_ensure(today=now.date())
            plan = Plan(
                seed=int(opts["seed"]), today=now.date(), now=now, anchor=portfolio.anchor, days=days, events=events
            )
            progress = tqdm(
                total=events, unit="ev", unit_scale=True, disable=bool(opts["no_progress"]) or events < 20_000
            )
            for batch in demo_batches(plan):
                result = events_ingest(
                    assistant=portfolio.assistants[batch.assistant], events=batch.events, source="seed", limits=limits
                )
                accepted += result.accepted
                duplicates += result.duplicates
                rejected += len(result.rejected)
                if result.rejected:
                    # A rejected seed event is a generator bug: say which, without the content.
                    self.stderr.write(f"rejected: {result.rejected[0]['id']} {result.rejected[0]['errors']}")
                progress.update(len(batch.events))
            progress.close()
            # Name the intents now rather than at the next scheduled re-clustering. Queued after
            # every enrichment task, so a worker runs it once the conversations are annotated;
            # without a broker it runs here, in-process.
            for assistant in portfolio.assistants.values():
                recluster_intents.delay(assistant.pk)
            # Six weeks of proxy logs through the real egress import, the planted decisions and launch.
            shadow = demo_shadow_ai_ensure(seed=plan.seed, anchor=portfolio.anchor, keep_dir=opts["egress_out"])
            if shadow.imported:
                self.stdout.write(f"shadow AI: proxy log imported {shadow.report}")
            else:
                self.stdout.write("shadow AI: the demo proxy log was imported before (a re-import is refused)")
            for decision in shadow.decisions:
                self.stdout.write(f"shadow AI decision: {decision}")
            # Likewise the recommendations and alerts the dashboards headline, rather than at the
            # next hourly run: queued last, so they read the finished rollups.
            evaluate_decisions.delay()
        self.stdout.write(
            f"seeded {slug}: {accepted:,} events stored, {duplicates:,} already present, {rejected:,} rejected "
            f"(seed {plan.seed}, {days} days up to {now:%Y-%m-%d %H:%M} UTC, anchor {plan.anchor}) "
            f"in {time.monotonic() - started:.1f}s"
        )
