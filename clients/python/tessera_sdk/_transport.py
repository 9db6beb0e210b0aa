"""One keep-alive HTTP connection (``http.client``) and the retry policy's pure parts."""

from __future__ import annotations

import gzip
import http.client
import random
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from tessera_sdk import __version__

# Worth another try: the server or something in front of it was overloaded or briefly away.
# 429 and 503 carry Retry-After from Tessera; 408/500/502/504 come from proxies and crashes.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# Network failures: refused, reset, timed out, a connection closed before the response.
NETWORK_ERRORS = (OSError, http.client.HTTPException)
GZIP_FROM_BYTES = 1024
# A server asking for more than this is misconfigured; waiting longer would only stall the queue.
MAX_RETRY_AFTER_SECONDS = 600.0


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes


class Transport:
    """POSTs to ``<host>/api/v1/events`` on one reused connection; used by one thread only."""

    def __init__(self, *, host: str, api_key: str, timeout: float, compress: bool) -> None:
        parts = urlsplit(host.rstrip("/"))
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"host must be an http(s) URL such as https://acme.tessera.example, not {host!r}")
        self._scheme = parts.scheme
        self._netloc = parts.netloc
        self._path = (parts.path or "") + "/api/v1/events"
        self._timeout = timeout
        self._compress = compress
        self._headers = {
            "Authorization": f"Bearer {api_key}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"tessera-sdk-python/{__version__}",
        }
        self._conn: http.client.HTTPConnection | None = None

    @property
    def url(self) -> str:
        return f"{self._scheme}://{self._netloc}{self._path}"

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            if self._scheme == "https":
                self._conn = http.client.HTTPSConnection(
                    self._netloc, timeout=self._timeout, context=ssl.create_default_context()
                )
            else:
                self._conn = http.client.HTTPConnection(self._netloc, timeout=self._timeout)
        return self._conn

    def post(self, body: bytes) -> Response:
        """Send one batch; raises one of ``NETWORK_ERRORS`` when no response came back."""
        headers = dict(self._headers)
        if self._compress and len(body) >= GZIP_FROM_BYTES:
            body = gzip.compress(body, compresslevel=5)
            headers["Content-Encoding"] = "gzip"
        conn = self._connection()
        try:
            conn.request("POST", self._path, body=body, headers=headers)
            raw = conn.getresponse()
            data = raw.read()  # read to the end, or the connection cannot be reused
        except NETWORK_ERRORS:
            self.close()  # a half-used connection is never reused
            raise
        response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)
        if response.headers.get("connection", "").lower() == "close":
            self.close()
        return response

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds to wait: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_SECONDS)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    wait = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return min(max(wait, 0.0), MAX_RETRY_AFTER_SECONDS)


def backoff_seconds(attempt: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with "equal jitter": half the step is fixed, half random, so clients
    that failed together spread out yet none retries immediately. ``attempt`` counts from 0."""
    step = min(cap, base * float(2**attempt))
    return step / 2 + rng.uniform(0, step / 2)


def delay_for(*, attempt: int, retry_after: float | None, base: float, cap: float, rng: random.Random) -> float:
    """The server's Retry-After, when it sent one, is a floor (plus a little jitter so that many
    clients told the same number do not return in the same instant); otherwise backoff."""
    if retry_after is not None:
        return retry_after + rng.uniform(0, min(1.0, 0.1 * retry_after))
    return backoff_seconds(attempt, base=base, cap=cap, rng=rng)
