"""A fault-injecting HTTP proxy between the SDK and a real Tessera server (test-only).

Each request takes the next step of a script — answer an error without forwarding, forward and
then lose the answer, or pass through — and is recorded with the event ids it carried, so a
test can show that every retry repeated the same ids and that the server stored each once.
"""

from __future__ import annotations

import gzip
import http.client
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Step:
    """``forward``: send upstream first; then answer ``status`` (None = upstream's answer), or
    close the connection without any answer when ``drop``."""

    forward: bool = True
    status: int | None = None
    retry_after: str | None = None
    drop: bool = False


PASS = Step()


def fail(status: int, retry_after: str | None = None) -> Step:
    """Answer ``status`` without the server ever seeing the request."""
    return Step(forward=False, status=status, retry_after=retry_after)


def lose_answer(status: int = 502) -> Step:
    """The server stores the batch, the client gets ``status`` instead of the 200."""
    return Step(forward=True, status=status)


def drop_connection() -> Step:
    """The server stores the batch, the client sees the connection close with no answer."""
    return Step(forward=True, drop=True)


@dataclass
class Attempt:
    at: float
    ids: list[str]
    step: Step
    upstream: dict | None = None


@dataclass
class Proxy:
    upstream_port: int
    upstream_host: str
    script: list[Step] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def next_step(self) -> Step:
        with self.lock:
            return self.script.pop(0) if self.script else PASS

    def record(self, attempt: Attempt) -> None:
        with self.lock:
            self.attempts.append(attempt)


def _ids(body: bytes, encoding: str) -> list[str]:
    if encoding == "gzip":
        body = gzip.decompress(body)
    return [event.get("id") for event in json.loads(body)["events"]]


def _handler(proxy: Proxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the SDK uses it

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            step = proxy.next_step()
            attempt = Attempt(time.monotonic(), _ids(body, self.headers.get("Content-Encoding", "")), step)
            status, payload, headers = 502, b"", {}
            if step.forward:
                conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=120)
                forwarded = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "connection"}}
                forwarded["Host"] = f"{proxy.upstream_host}:{proxy.upstream_port}"
                conn.request("POST", self.path, body=body, headers=forwarded)
                answer = conn.getresponse()
                status, payload = answer.status, answer.read()
                headers = {k: v for k, v in answer.getheaders() if k.lower() in {"content-type", "retry-after"}}
                conn.close()
                attempt.upstream = {"status": status, "body": json.loads(payload) if payload else None}
            proxy.record(attempt)
            if step.drop:
                self.close_connection = True
                self.connection.close()
                return
            if step.status is not None:
                status, payload = step.status, json.dumps({"detail": "injected by the test proxy"}).encode()
                headers = {"Content-Type": "application/json"}
                if step.retry_after is not None:
                    headers["Retry-After"] = step.retry_after
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@contextmanager
def running_proxy(upstream_port: int, upstream_host: str, script: list[Step] | None = None) -> Iterator[Proxy]:
    proxy = Proxy(upstream_port=upstream_port, upstream_host=upstream_host, script=list(script or []))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    server.daemon_threads = True
    proxy.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
