"""Reads of detection's tables."""

from __future__ import annotations

from collections import defaultdict

from apps.detection.models import SensitiveFinding


def findings_by_message(*, conversation_id: int) -> dict[int, list[SensitiveFinding]]:
    grouped: dict[int, list[SensitiveFinding]] = defaultdict(list)
    for finding in SensitiveFinding.objects.filter(conversation_id=conversation_id).order_by("message_id", "start"):
        grouped[finding.message_id].append(finding)
    return grouped
