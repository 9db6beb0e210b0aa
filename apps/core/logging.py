"""Logging filters wired in ``settings.LOGGING``."""

from __future__ import annotations

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """Keep ``django.request``'s one-line warning for a 4xx but drop the traceback it attaches.

    Django logs ``PermissionDenied`` and friends with ``exc_info``; an ordinary 403 is not a
    bug, and a traceback per refused request buries the real errors (5xx keep theirs).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
