"""The result type every recognizer returns, and how overlapping results are reconciled."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

EMAIL: Final = "EMAIL"
PHONE: Final = "PHONE"
CREDIT_CARD: Final = "CREDIT_CARD"
IBAN: Final = "IBAN"
SSN: Final = "SSN"
NATIONAL_ID: Final = "NATIONAL_ID"
IP_ADDRESS: Final = "IP_ADDRESS"
SECRET: Final = "SECRET"  # noqa: S105 — an entity type name, not a credential
DATE_OF_BIRTH: Final = "DATE_OF_BIRTH"
PERSON: Final = "PERSON"
ORGANIZATION: Final = "ORGANIZATION"
LOCATION: Final = "LOCATION"

ENTITY_TYPES: Final = (
    EMAIL,
    PHONE,
    CREDIT_CARD,
    IBAN,
    SSN,
    NATIONAL_ID,
    IP_ADDRESS,
    SECRET,
    DATE_OF_BIRTH,
    PERSON,
    ORGANIZATION,
    LOCATION,
)
PATTERN_TYPES: Final = frozenset(ENTITY_TYPES) - {PERSON, ORGANIZATION, LOCATION}


@dataclass(frozen=True, slots=True)
class Finding:
    """One span of sensitive data. ``start``/``end`` are character offsets (``text[start:end]``).

    The matched value itself is deliberately not stored: findings travel to logs, tasks and
    review queues, and the raw value must not travel with them.
    """

    type: str
    start: int
    end: int
    score: float
    recognizer: str


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Keep the most confident finding where spans overlap; ties go to the longer span.

    Different recognizers legitimately claim the same digits (an IBAN's tail looks like a phone
    number, a VAT number contains a national ID); the checksum-validated, context-boosted one
    carries the higher score, so a greedy pass by score is enough.
    """
    ordered = sorted(findings, key=lambda f: (-f.score, -(f.end - f.start), f.start))
    # Kept spans never overlap, so sorted by start they are sorted by end too: a candidate can
    # only collide with the kept span that starts last before its end (bisect, not a scan of
    # every kept span: a long message with thousands of findings stays n log n).
    starts: list[int] = []
    kept: list[Finding] = []
    for finding in ordered:
        i = bisect.bisect_left(starts, finding.end)
        if i and kept[i - 1].end > finding.start:
            continue
        starts.insert(i, finding.start)
        kept.insert(i, finding)
    return kept
