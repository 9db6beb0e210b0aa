"""Writes apps/detection/data/job_titles.txt from Faker's job providers (MIT licence).

    .venv/bin/python scripts/detection_build_job_titles.py

A signature's line under a name is a job title or a company; the company rule
(``organizations.recognize_signature_companies``) reads this list to tell them apart ("Dentist",
"Chemikant", "Técnico de la Web", "Pharmacist, community" are titles). Latin-script titles of every
locale Faker has, lower case, one per line. Faker is a dev dependency (factories); the list is
copied into the repo so detection needs no Faker and nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import faker.providers.job as job_providers

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "apps" / "detection" / "data" / "job_titles.txt"


def _latin(title: str) -> bool:
    return all(ord(c) < 0x250 or not c.isalpha() for c in title)


def main() -> None:
    titles: set[str] = set()
    modules = ["faker.providers.job"] + [
        f"faker.providers.job.{m.name}" for m in pkgutil.iter_modules(job_providers.__path__)
    ]
    for name in modules:
        provider = getattr(importlib.import_module(name), "Provider", None)
        jobs = getattr(provider, "jobs", None) or ()
        titles.update(" ".join(str(job).lower().split()) for job in jobs if _latin(str(job)))
    kept = sorted(t for t in titles if t)
    OUT.write_text(
        "# Job titles from Faker's job providers (MIT licence), lower case\n" + "\n".join(kept) + "\n", encoding="utf-8"
    )
    print(f"{OUT}: {len(kept)} titles")


if __name__ == "__main__":
    main()
