"""Helpers for tests: real processes (worker, server) against the test database, OTLP request
builders, and the scan of every stored column for planted originals."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from django.db import connection
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue, KeyValueList
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span
from psycopg import sql as psql

ROOT = Path(__file__).resolve().parent.parent


# --- "No originals outside the vault" -------------------------------------------------------


def scan_schema_for(schema: str, values: Sequence[str]) -> list[tuple[str, str]]:
    """Every (table, column) of ``schema`` whose content contains one of ``values``.

    Text, JSON, array and varchar columns are searched in their text form; ``bytea`` columns byte
    for byte (the values' UTF-8), so a value kept anywhere outside the vault — pickled or
    encoded, say — is found (the vault's ciphertext never contains it).
    """
    patterns = ["%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for value in values]
    hits: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s ORDER BY table_name, column_name",
            [schema],
        )
        for table, column, data_type in cursor.fetchall():
            if data_type == "bytea":
                condition, param = (
                    "{col} IS NOT NULL AND EXISTS (SELECT 1 FROM unnest(%s::text[]) v WHERE position(convert_to(v, 'UTF8') in {col}) > 0)",
                    list(values),
                )
            else:
                condition, param = "{col}::text LIKE ANY(%s)", patterns
            query = psql.SQL("SELECT 1 FROM {}.{} WHERE " + condition + " LIMIT 1").format(
                psql.Identifier(schema), psql.Identifier(table), col=psql.Identifier(column)
            )
            cursor.execute(query, [param])
            if cursor.fetchone():
                hits.append((table, column))
    return hits


def scan_text_for(text: str, values: Sequence[str]) -> list[str]:
    """The ``values`` that occur in ``text`` (captured logs, a response body)."""
    return [value for value in values if value in text]


def test_database_url() -> str:
    cfg = connection.settings_dict
    host = cfg.get("HOST") or "localhost"
    user = quote(cfg.get("USER") or "postgres")
    password = quote(cfg.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else f"{user}@"
    if host.startswith("/"):
        return f"postgresql://{auth}/{cfg['NAME']}?host={quote(host)}"
    port = cfg.get("PORT") or "5432"
    return f"postgresql://{auth}{host}:{port}/{cfg['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {"DATABASE_URL": test_database_url(), "DJANGO_SETTINGS_MODULE": "config.settings.test", "LOG_LEVEL": "WARNING"}
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


def wait_for_http(port: int, host: str, path: str = "/accounts/login/", timeout: float = 180.0) -> None:
    """Wait until the server on ``port`` answers ``path`` for ``host``.

    The port opens when gunicorn's master binds it, before its worker has loaded Django; on a
    busy 2-core machine that first load took longer than a browser's 30 s navigation timeout.
    """
    deadline = time.monotonic() + timeout
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=max(1.0, deadline - time.monotonic()))
        try:
            conn.request("GET", path, headers={"Host": f"{host}:{port}"})
            if conn.getresponse().status < 500:
                return
        except OSError:
            pass
        finally:
            conn.close()
        if time.monotonic() > deadline:
            raise TimeoutError(f"no answer from {host}:{port}{path} after {timeout}s")
        time.sleep(0.2)


def _spawn(cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
    # Output goes to a file, not a pipe: nobody reads a pipe while the test runs, and a child
    # that fills one (64 KB of log lines) blocks on its next write.
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed by stop()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    proc.log_file = log  # type: ignore[attr-defined]
    return proc


def start_worker(queue: str, env: dict[str, str], *, pool: str = "solo") -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        f"--pool={pool}",
        "-Q",
        queue,
        "--loglevel=WARNING",
    ]
    if pool == "prefork":
        cmd.append("--concurrency=1")
    return _spawn(cmd, env)


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> str:
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log = getattr(proc, "log_file", None)
    if log is None:
        return ""
    log.seek(0)
    out = log.read()
    log.close()
    return out


# --- OTLP builders (tests/ingestion/test_otlp*.py) -----------------------------------------


def otlp_value(value: object) -> AnyValue:
    """A Python value as an OTLP AnyValue (str, bool, int, float, list, dict)."""
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, list):
        return AnyValue(array_value=ArrayValue(values=[otlp_value(v) for v in value]))
    if isinstance(value, dict):
        return AnyValue(kvlist_value=KeyValueList(values=otlp_attributes(value)))
    return AnyValue(string_value=str(value))


def otlp_attributes(attrs: dict[str, object]) -> list[KeyValue]:
    return [KeyValue(key=key, value=otlp_value(value)) for key, value in attrs.items()]


def unix_nano(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1_000


def otlp_span(
    *,
    trace_id: str,
    span_id: str,
    start: datetime,
    end: datetime,
    attrs: dict[str, object] | None = None,
    parent: str = "",
    name: str = "chat gpt-4o-mini",
    events: Sequence[tuple[str, datetime, dict[str, object]]] = (),
) -> Span:
    return Span(
        trace_id=bytes.fromhex(trace_id),
        span_id=bytes.fromhex(span_id),
        parent_span_id=bytes.fromhex(parent),
        name=name,
        kind=Span.SPAN_KIND_CLIENT,
        start_time_unix_nano=unix_nano(start),
        end_time_unix_nano=unix_nano(end),
        attributes=otlp_attributes(attrs or {}),
        events=[
            Span.Event(name=ev_name, time_unix_nano=unix_nano(at), attributes=otlp_attributes(ev_attrs))
            for ev_name, at, ev_attrs in events
        ],
    )


def otlp_traces(*spans: Span, resource: dict[str, object] | None = None) -> ExportTraceServiceRequest:
    return ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=Resource(attributes=otlp_attributes(resource or {"service.name": "test-app"})),
                scope_spans=[ScopeSpans(spans=list(spans))],
            )
        ]
    )


def otlp_log(
    *, trace_id: str, span_id: str, event_name: str, at: datetime, body: object = None, attrs: dict | None = None
) -> LogRecord:
    record = LogRecord(
        trace_id=bytes.fromhex(trace_id),
        span_id=bytes.fromhex(span_id),
        event_name=event_name,
        time_unix_nano=unix_nano(at),
        attributes=otlp_attributes(attrs or {}),
    )
    if body is not None:
        record.body.CopyFrom(otlp_value(body))
    return record


def otlp_logs(*records: LogRecord) -> ExportLogsServiceRequest:
    return ExportLogsServiceRequest(resource_logs=[ResourceLogs(scope_logs=[ScopeLogs(log_records=list(records))])])


def otlp_json(message: object) -> bytes:
    """OTLP/JSON as exporters write it: lowerCamelCase, trace/span ids in hex (not protobuf's base64)."""
    import base64

    import orjson
    from google.protobuf import json_format

    def to_hex(node: object) -> object:
        if isinstance(node, dict):
            return {
                k: base64.b64decode(v).hex() if k in {"traceId", "spanId", "parentSpanId"} else to_hex(v)
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [to_hex(v) for v in node]
        return node

    return orjson.dumps(to_hex(json_format.MessageToDict(message)))


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen:
    """The production server command (gunicorn), one worker, against the test database."""
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--log-level",
        "warning",
        # The first request loads the NLP models inside the request (tasks run eagerly in the
        # test settings): allow it more than gunicorn's default 30 s on a loaded machine.
        "--timeout",
        "180",
    ]
    return _spawn(cmd, env)


def columns_containing(needle: str) -> list[str]:
    """``table.column`` of every column in the current tenant schema that contains ``needle``."""
    return [f"{table}.{column}" for table, column in scan_schema_for(connection.schema_name, [needle])]
