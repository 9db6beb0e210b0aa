"""``manage.py catalog_update [--sources DIR] [--check]``: re-merge the AI service catalog.

Reads local copies of the public lists (docs/shadow-ai.md: where each comes from) and our own
``curation.csv``, and writes ``apps/detection/data/ai_services.csv`` sorted, so the same inputs
give the same file and a review shows only what changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.detection.shadow.catalog import CATALOG_PATH, DATA_DIR, write_catalog
from apps.detection.shadow.catalog_sources import catalog_from_sources


class Command(BaseCommand):
    help = "Re-merge apps/detection/data/ai_services.csv from the source lists and curation.csv."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sources", default=str(DATA_DIR / "sources"), help="folder with the source lists")
        parser.add_argument("--output", default=str(CATALOG_PATH))
        parser.add_argument("--check", action="store_true", help="exit 1 when the catalog file is out of date")

    def handle(self, *args: Any, sources: str, output: str, check: bool, **options: Any) -> None:
        source_dir = Path(sources)
        if not source_dir.is_dir():
            raise CommandError(f"no sources folder at {source_dir} (docs/shadow-ai.md says how to fill it)")
        try:
            services = catalog_from_sources(source_dir)
        except FileNotFoundError as error:
            raise CommandError(f"a source file is missing: {error.filename}") from None
        target = Path(output)
        if check:
            scratch = target.with_suffix(".check.tmp")
            write_catalog(services, scratch)
            same = target.exists() and scratch.read_bytes() == target.read_bytes()
            scratch.unlink()
            if not same:
                raise CommandError(f"{target} is out of date: run manage.py catalog_update", returncode=1)
            self.stdout.write(f"{target} is up to date ({len(services)} services)")
            return
        write_catalog(services, target)
        domains = sum(len(service.domains) for service in services)
        self.stdout.write(f"wrote {len(services)} services with {domains} domain rules to {target}")
