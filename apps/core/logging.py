"""Logging filters wired in ``settings.LOGGING``."""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any, TypeGuard

import psycopg
from django.db import DatabaseError as DjangoDatabaseError
from django.http import HttpRequest
from django.views.debug import ExceptionReporter
from django.views.debug import SafeExceptionReporterFilter as DjangoSafeExceptionReporterFilter


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


# --- Database error redaction ----------------------------------------------------------------
# PostgreSQL's error text quotes the data that failed: a COPY error's CONTEXT line holds the
# whole row ("COPY ingest_stage, line 1, column payload: "{...}""), DETAIL lines hold key values,
# and Django's query log holds the parameters. Any of them can be an event's unmasked content,
# so no log record and no error page may carry them. What stays is enough to debug: the error
# class, SQLSTATE, and the table/column/constraint names PostgreSQL reports separately.

REDACTED = "[redacted]"
_QUOTED = re.compile(r"\"[^\"]*\"|'(?:[^']|'')*'")
# In rendered SQL: string literals, and numbers long enough to be a card or phone number.
_SQL_LITERAL = re.compile(r"'(?:[^']|'')*'|(?<![\w.])\d{6,}")


def is_database_error(exc: object) -> TypeGuard[BaseException]:
    return isinstance(exc, DjangoDatabaseError | psycopg.Error)


def database_error_summary(exc: BaseException) -> str:
    """``exc`` without the values PostgreSQL quoted: class, SQLSTATE, identifiers, primary message."""
    diag = getattr(exc, "diag", None) or getattr(exc.__cause__, "diag", None)
    parts = [f"{type(exc).__name__}: database error details redacted"]
    if diag is not None:
        for label, value in (
            ("sqlstate", diag.sqlstate),
            ("table", diag.table_name),
            ("column", diag.column_name),
            ("constraint", diag.constraint_name),
        ):
            if value:
                parts.append(f"{label}={value}")
        if diag.message_primary:
            parts.append(f"message={_QUOTED.sub(REDACTED, diag.message_primary)!r}")
    return " ".join(parts)


def _redact_traceback(te: traceback.TracebackException, seen: set[int]) -> None:
    if id(te) in seen:
        return
    seen.add(id(te))
    if te.exc_type is not None and issubclass(te.exc_type, DjangoDatabaseError | psycopg.Error):
        # TracebackException keeps the rendered message here (CPython 3.11-3.13); the frames
        # show source lines only, never values.
        te._str = f"database error details redacted ({te.exc_type.__name__})"  # type: ignore[attr-defined]  # private in typeshed
        te.__notes__ = None
    for linked in (te.__cause__, te.__context__, *(getattr(te, "exceptions", None) or ())):
        if linked is not None:
            _redact_traceback(linked, seen)


def _chain(exc: BaseException | None) -> list[BaseException]:
    out: list[BaseException] = []
    while exc is not None and exc not in out:
        out.append(exc)
        exc = exc.__cause__ or exc.__context__
    return out


def redacted_traceback(exc: BaseException) -> str:
    """The formatted traceback of ``exc``, with every database error's message replaced."""
    te = traceback.TracebackException(type(exc), exc, exc.__traceback__)
    _redact_traceback(te, set())
    # Keep the identifiers of the first database error in the chain (SQLSTATE, table, column).
    summaries = [database_error_summary(e) for e in _chain(exc) if is_database_error(e)]
    return "".join(te.format()).rstrip("\n") + ("\n" + summaries[0] if summaries else "")


def _redact_sql(sql: object) -> object:
    return _SQL_LITERAL.sub(REDACTED, sql) if isinstance(sql, str) else sql


def redact_record(record: logging.LogRecord) -> None:
    """Strip database error details and query parameters from ``record`` in place."""
    exc = record.exc_info[1] if record.exc_info else None
    if exc is not None and any(is_database_error(e) for e in _chain(exc)):
        record.exc_text = redacted_traceback(exc)
        record.exc_info = None
    if is_database_error(record.msg):
        record.msg = database_error_summary(record.msg)
    if isinstance(record.args, tuple) and any(is_database_error(a) for a in record.args):
        record.args = tuple(database_error_summary(a) if is_database_error(a) else a for a in record.args)
    if record.name.startswith("django.db.backends"):
        # "(%.3f) %s; args=%s; alias=%s": the SQL is rendered with its literals, args are the values.
        if isinstance(record.args, tuple) and len(record.args) == 4:
            duration, sql, _params, alias = record.args
            record.args = (duration, _redact_sql(sql), REDACTED, alias)
        # The same as ``extra`` attributes (set after the record factory ran: the handler filter).
        if hasattr(record, "params"):
            record.params = REDACTED
            record.__dict__["sql"] = _redact_sql(record.__dict__.get("sql", ""))


class RedactDatabaseErrors(logging.Filter):
    """The same redaction as a filter, for handlers configured outside Django's LOGGING."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install_log_redaction() -> None:
    """Redact every log record when it is made, so every handler (console, gunicorn, Sentry,
    pytest's capture) sees the redacted form; a filter on one handler would leave the others."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts_database_errors", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redact_record(record)
        return record

    factory.redacts_database_errors = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


# --- The DEBUG error page ---------------------------------------------------------------------


def _hides_request_data(request: HttpRequest | None) -> bool:
    # API bodies are event content (ingestion) or records that may hold it; pages post forms.
    return request is not None and request.path.startswith("/api/")


class SafeExceptionReporterFilter(DjangoSafeExceptionReporterFilter):
    """Django's filter, plus: for /api/ requests no POST data and no frame variables (a frame
    of the ingestion path holds the parsed body, its rows and the COPY buffer)."""

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        if _hides_request_data(request):
            return dict.fromkeys(request.POST, self.cleansed_substitute)  # type: ignore[union-attr]
        return super().get_post_parameters(request)

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        if _hides_request_data(request):
            return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
        return super().get_traceback_frame_variables(request, tb_frame)


class SafeExceptionReporter(ExceptionReporter):
    """Django's DEBUG page and error e-mails, with database error messages redacted."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        if self.exc_value is not None and is_database_error(self.exc_value):
            data["exception_value"] = database_error_summary(self.exc_value)
        for frame in data.get("frames", []):
            if is_database_error(frame.get("exc_cause")):
                frame["exc_cause"] = database_error_summary(frame["exc_cause"])
        return data
