"""The Open WebUI filter (clients/openwebui/tessera_filter.py) against recorded Open WebUI payloads.

The filter posts to a real local HTTP server that records the bodies (the network boundary);
what it sent is then ingested by Tessera's real events API, so the events are proven valid and
the chat reads back as one conversation: each message once although the inlet and both outlets
re-send them, and the thumbs-down with its comment.
"""

from __future__ import annotations

import importlib.util
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest

from apps.conversations.models import Conversation, Feedback
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[3]
PAYLOADS = Path(__file__).parent / "payloads"
CHAT = "b7e4c2f0-8d1a-4e3b-9c6f-1a2b3c4d5e6f"
USER = "5f0d1c1e-2b7a-4c55-9a1e-6f3b2a8d9c10"


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "tessera_filter", ROOT / "clients" / "openwebui" / "tessera_filter.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def payload(name: str) -> dict[str, Any]:
    now = int(time.time())
    text = re.sub(r"\{\{T-(\d+)\}\}", lambda m: str(now - int(m.group(1))), (PAYLOADS / name).read_text())
    return orjson.loads(text)


class Recorder:
    def __init__(self, fail_first: int = 0) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.fail_first = fail_first

    @property
    def events(self) -> list[dict[str, Any]]:
        return [event for _, body in self.requests for event in body["events"]]


@pytest.fixture
def recorder() -> Iterator[tuple[Recorder, str]]:
    rec = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = orjson.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if rec.fail_first > 0:
                rec.fail_first -= 1
                self.send_response(503)
                self.send_header("Retry-After", "0")
                self.end_headers()
                return
            rec.requests.append(({"path": self.path, "authorization": self.headers["Authorization"]}, body))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(orjson.dumps({"accepted": len(body["events"]), "duplicates": 0, "rejected": []}))

        def log_message(self, *args: Any) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec, f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


def make_filter(host: str, key: str = "tsk_live_0123456789abSECRETSECRETSECRET") -> Any:
    flt = _module().Filter()
    flt.valves.tessera_host = host
    flt.valves.api_key = key
    flt.valves.send_in_background = False  # the test reads what was sent right after each hook
    return flt


def run_chat(flt: Any) -> None:
    for name, hook in (
        ("inlet_turn1.json", flt.inlet),
        ("outlet_turn1.json", flt.outlet),
        ("inlet_turn2.json", flt.inlet),
        ("outlet_turn2_rated.json", flt.outlet),
    ):
        data = payload(name)
        returned = hook(data["body"], __user__=data["__user__"])
        assert returned is data["body"]  # a filter that only observes hands the body on unchanged


def test_filter_sends_messages_and_rating_with_stable_ids(recorder) -> None:
    rec, host = recorder
    run_chat(make_filter(host))

    assert [r[0] for r in rec.requests] == [
        {"path": "/api/v1/events", "authorization": "Bearer tsk_live_0123456789abSECRETSECRETSECRET"}
    ] * 4
    events = rec.events
    assert {e["conversation_id"] for e in events} == {CHAT}
    assert {e["user_id"] for e in events} == {USER}  # the account id, never the e-mail
    assert not any("jane" in orjson.dumps(e).decode().lower() for e in events)
    inlet_question = rec.requests[0][1]["events"][0]
    outlet_question = rec.requests[1][1]["events"][0]
    assert inlet_question["id"] == outlet_question["id"]  # sent twice, one id
    assert rec.requests[2][1]["events"][0]["id"] == rec.requests[3][1]["events"][3]["id"]  # multimodal too
    feedback = [e for e in events if e["type"] == "feedback"]
    first_answer = rec.requests[1][1]["events"][1]
    assert feedback == [
        {
            "id": feedback[0]["id"],
            "type": "feedback",
            "timestamp": feedback[0]["timestamp"],
            "conversation_id": CHAT,
            "user_id": USER,
            "message_id": first_answer["message_id"],
            "rating": "down",
            "comment": "There is no certificate prompt any more",
        }
    ]
    assert first_answer["model"] == "llama3.1:8b"
    assert (first_answer["input_tokens"], first_answer["output_tokens"]) == (52, 21)
    assert "latency_ms" in first_answer
    multimodal = rec.requests[2][1]["events"][0]
    assert multimodal["content"] == "It asks for a certificate anyway, see screenshot."  # the image part is dropped


def test_what_the_filter_sends_is_one_valid_conversation_in_tessera(recorder, post_events, assistant) -> None:
    rec, host = recorder
    run_chat(make_filter(host))
    for _, body in rec.requests:  # each request as the filter sent it, in order
        response = post_events(body["events"])
        assert response.status_code == 200
        assert response.json()["rejected"] == []

    conversation = Conversation.objects.get(assistant=assistant)
    assert (conversation.external_id, conversation.user_id, conversation.feature) == (CHAT, USER, "open-webui")
    roles = list(conversation.messages.order_by("ts", "id").values_list("role", flat=True))
    assert roles == ["user", "assistant", "user", "assistant"]
    feedback = Feedback.objects.get(conversation=conversation)
    assert (feedback.rating, feedback.comment) == ("down", "There is no certificate prompt any more")
    assert feedback.message is not None
    assert feedback.message.content.startswith("Pick the network CORP-SECURE")


def test_server_errors_are_retried_and_an_unreachable_host_never_breaks_the_chat(recorder) -> None:
    rec, host = recorder
    rec.fail_first = 1
    data = payload("outlet_turn1.json")
    make_filter(host).outlet(data["body"], __user__=data["__user__"])
    assert len(rec.requests) == 1  # the 503 was retried once, then stored

    dead = make_filter(f"http://127.0.0.1:{free_port()}")
    dead.valves.timeout_seconds = 0.5
    body = payload("inlet_turn1.json")
    assert dead.inlet(body["body"], __user__=body["__user__"]) is body["body"]


def test_without_host_or_key_nothing_is_sent_and_nothing_fails(recorder) -> None:
    rec, _ = recorder
    flt = _module().Filter()
    data = payload("outlet_turn1.json")
    assert flt.outlet(data["body"], __user__=data["__user__"]) is data["body"]
    assert rec.requests == []
