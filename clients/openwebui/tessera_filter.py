"""
title: Tessera
author: Tessera
version: 0.1.0
license: MIT
description: Forwards each chat's user and assistant messages and thumbs ratings to Tessera's batch ingestion API (POST /api/v1/events). Standard library only.
requirements:
"""

# An Open WebUI *filter function* (Admin Panel → Functions → +, paste this file, enable it,
# then enable it globally or per model). Setup: docs/integrations/langfuse.md, "Open WebUI".
#
# - inlet (before the model is called): the new user message;
# - outlet (after the answer): every user and assistant message of the chat not yet sent
#   (normally the answer), and the thumbs rating of any assistant message that carries one
#   (Open WebUI keeps ratings on the message as ``annotation.rating`` 1 / -1, so a rating
#   given after an answer is forwarded with the chat's next outlet).
#
# Event ids are derived from (chat id, position among user/assistant messages, role, text hash),
# so a message is stored once however many times it is sent (inlet then outlet, retries,
# regenerated chats re-sent whole); a rating changed later is a new event, the newest wins.
# Sending never breaks the chat: errors are logged and dropped, by default off the request path.

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

try:  # Open WebUI always has pydantic; the fallback keeps the file importable (tests, linters).
    from pydantic import BaseModel, Field
except ImportError:  # pragma: no cover
    BaseModel = object  # type: ignore[assignment,misc]

    def Field(default: Any = None, **_: Any) -> Any:  # type: ignore[no-redef]  # noqa: N802
        return default


logger = logging.getLogger("tessera_filter")

ROLES = ("user", "assistant")
CONTENT_MAX = 65_536
COMMENT_MAX = 2_000


def _text(content: Any) -> str:
    """Message content as text: a string, or the text parts of a multimodal list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _iso(seconds: float | None) -> str:
    moment = datetime.fromtimestamp(seconds, UTC) if seconds else datetime.now(UTC)
    return moment.isoformat()


class Filter:
    class Valves(BaseModel):  # type: ignore[misc,valid-type]
        priority: int = Field(default=0, description="Order among filters (lower runs first).")
        tessera_host: str = Field(
            default="", description="Your organization's Tessera URL, e.g. https://acme.tessera.example"
        )
        api_key: str = Field(default="", description="The assistant's Tessera API key (tsk_live_…).")
        feature: str = Field(default="open-webui", description="Tessera feature name for these chats (empty: none).")
        send_in_background: bool = Field(default=True, description="Send off the request path (never delays chats).")
        timeout_seconds: float = Field(default=5.0, description="HTTP timeout for each send.")

    def __init__(self) -> None:
        self.valves = self.Valves()
        self._asked_at: dict[str, float] = {}  # chat id → when the last question was sent (latency)

    # --- Open WebUI hooks ---------------------------------------------------------------------

    def inlet(self, body: dict, __user__: dict | None = None, __metadata__: dict | None = None) -> dict:
        try:
            chat_id, user_id = self._ids(body, __user__, __metadata__)
            if chat_id and user_id:
                turns = self._turns(body.get("messages") or [])
                if turns and turns[-1][1] == "user":
                    self._asked_at[chat_id] = time.time()
                    question = self._message(chat_id, user_id, turns[-1], model=None, latency_ms=None, now=True)
                    self._send([question])
        except Exception:  # a monitoring filter must never break the chat
            logger.exception("tessera inlet failed")
        return body

    def outlet(self, body: dict, __user__: dict | None = None, __metadata__: dict | None = None) -> dict:
        try:
            chat_id, user_id = self._ids(body, __user__, __metadata__)
            if chat_id and user_id:
                turns = self._turns(body.get("messages") or [])
                asked = self._asked_at.pop(chat_id, None)
                latency = int((time.time() - asked) * 1000) if asked else None
                model = body.get("model") if isinstance(body.get("model"), str) else None
                events: list[dict[str, Any]] = []
                for turn in turns:
                    answer = turn is turns[-1] and turn[1] == "assistant"
                    events.append(
                        self._message(
                            chat_id,
                            user_id,
                            turn,
                            model=model if turn[1] == "assistant" else None,
                            latency_ms=latency if answer else None,
                            # Open WebUI stamps the answer when it starts; it is complete now.
                            now=answer,
                        )
                    )
                    rating = self._rating(chat_id, user_id, turn)
                    if rating is not None:
                        events.append(rating)
                self._send(events)
        except Exception:
            logger.exception("tessera outlet failed")
        return body

    # --- mapping ------------------------------------------------------------------------------

    @staticmethod
    def _ids(body: dict, user: dict | None, metadata: dict | None) -> tuple[str | None, str | None]:
        meta = metadata or body.get("metadata") or {}
        chat_id = meta.get("chat_id") or body.get("chat_id")
        user_id = (user or {}).get("id") or meta.get("user_id")
        return (str(chat_id) if chat_id else None, str(user_id) if user_id else None)

    @staticmethod
    def _turns(messages: list) -> list[tuple[int, str, str, dict]]:
        """(position, role, text, message) of the user and assistant messages, in order."""
        turns: list[tuple[int, str, str, dict]] = []
        for message in messages:
            if not isinstance(message, dict) or message.get("role") not in ROLES:
                continue  # system prompts and tool messages are not the conversation
            text = _text(message.get("content"))
            if text.strip():
                turns.append((len(turns), message["role"], text, message))
        return turns

    def _message(
        self,
        chat_id: str,
        user_id: str,
        turn: tuple[int, str, str, dict],
        *,
        model: str | None,
        latency_ms: int | None,
        now: bool = False,
    ) -> dict[str, Any]:
        position, role, text, message = turn
        digest = _digest(chat_id, position, role, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
        event: dict[str, Any] = {
            "id": f"owui-{digest}",
            "type": "message",
            "timestamp": _iso(None if now else message.get("timestamp")),
            "conversation_id": chat_id,
            "user_id": user_id,
            "message_id": f"owui-m-{digest}",
            "role": role,
            "content": text[:CONTENT_MAX],
        }
        if self.valves.feature:
            event["feature"] = self.valves.feature
        if model:
            event["model"] = model[:128]
        if latency_ms is not None and 0 <= latency_ms <= 3_600_000:
            event["latency_ms"] = latency_ms
        usage = message.get("usage") or message.get("info") or {}
        for ours, theirs in (("input_tokens", "prompt_tokens"), ("output_tokens", "completion_tokens")):
            if isinstance(usage.get(theirs), int) and role == "assistant":
                event[ours] = usage[theirs]
        return event

    def _rating(self, chat_id: str, user_id: str, turn: tuple[int, str, str, dict]) -> dict[str, Any] | None:
        _, role, _, message = turn
        annotation = message.get("annotation") or {}
        rating = annotation.get("rating") if isinstance(annotation, dict) else None
        if role != "assistant" or rating not in (1, -1):
            return None
        answer = self._message(chat_id, user_id, turn, model=None, latency_ms=None)
        comment = annotation.get("comment") or annotation.get("reason") or ""
        event: dict[str, Any] = {
            # The rating is part of the id: changing 👍 to 👎 is a new event, not a duplicate.
            "id": f"owui-fb-{_digest(answer['message_id'], rating, comment)}",
            "type": "feedback",
            "timestamp": _iso(None),
            "conversation_id": chat_id,
            "user_id": user_id,
            "message_id": answer["message_id"],
            "rating": "up" if rating == 1 else "down",
        }
        if isinstance(comment, str) and comment.strip():
            event["comment"] = comment[:COMMENT_MAX]
        return event

    # --- transport ----------------------------------------------------------------------------

    def _send(self, events: list[dict[str, Any]]) -> None:
        if not events or not self.valves.tessera_host or not self.valves.api_key:
            return
        if self.valves.send_in_background:
            threading.Thread(target=self._post, args=(events,), daemon=True).start()
        else:
            self._post(events)

    def _post(self, events: list[dict[str, Any]]) -> None:
        request = urllib.request.Request(  # noqa: S310 - the URL is the administrator's own valve
            self.valves.tessera_host.rstrip("/") + "/api/v1/events",
            data=json.dumps({"events": events}).encode(),
            headers={"Authorization": f"Bearer {self.valves.api_key}", "Content-Type": "application/json"},
            method="POST",
        )
        for attempt in range(3):  # 429 and 5xx are retried; ids make a retry harmless
            try:
                with urllib.request.urlopen(request, timeout=self.valves.timeout_seconds) as response:  # noqa: S310
                    result = json.loads(response.read() or b"{}")
                    if result.get("rejected"):
                        logger.warning(
                            "tessera rejected %d events: %s", len(result["rejected"]), result["rejected"][:3]
                        )
                    return
            except urllib.error.HTTPError as exc:
                if exc.code != 429 and exc.code < 500:
                    logger.warning("tessera refused the events: HTTP %s", exc.code)
                    return
                wait = float(exc.headers.get("Retry-After") or 2**attempt)
            except (urllib.error.URLError, TimeoutError) as exc:
                logger.warning("tessera unreachable: %s", exc)
                wait = 2**attempt
            time.sleep(min(wait, 10))
