"""Langfuse span attributes → the GenAI attributes the OTLP mapping reads. Pure: no database.

Langfuse SDKs (v3 and later; read from the ``langfuse`` 5.x package, ``_client/attributes.py``
and ``_client/propagation.py``) export OTLP spans that carry their data under ``langfuse.*``:

- ``langfuse.observation.type``: ``generation`` / ``embedding`` for LLM calls, else ``span``,
  ``agent``, ``tool``, ``chain``, ``retriever``, ``evaluator``, ``guardrail``, ``event``;
- ``langfuse.observation.input`` / ``.output``: JSON (``@observe`` records the call's
  ``{"args": [...], "kwargs": {...}}`` and its return value; the OpenAI and LangChain
  integrations record the messages and the answer message);
- ``langfuse.observation.model.name``, ``.usage_details`` (JSON ``{"input", "output", …}``);
- ``session.id`` / ``user.id`` (older SDKs: ``langfuse.session.id`` / ``langfuse.user.id``),
  ``langfuse.trace.name``, ``langfuse.trace.tags``, ``langfuse.trace.metadata.<key>`` (each
  value JSON), ``langfuse.version``, ``langfuse.environment`` on every span of the propagated
  context; ``langfuse.release`` and ``langfuse.environment`` on the resource.

Generation-like spans get ``gen_ai.input.messages`` / ``gen_ai.output.messages`` built from
their input and output (unless the span already has them: an OpenTelemetry GenAI
instrumentation wins), so the one mapping in ``apps.ingestion.otlp`` turns them into events and
its position-and-hash ids store a re-sent history once. Other spans are left as they are: they
still carry the session and user for the spans below them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import orjson

from apps.ingestion.otlp.decode import SpanRecord
from apps.ingestion.otlp.identities import VARIANT_KEY
from apps.ingestion.otlp.mapping import METADATA_KEY

TYPE = "langfuse.observation.type"
INPUT = "langfuse.observation.input"
OUTPUT = "langfuse.observation.output"
MODEL = "langfuse.observation.model.name"
USAGE = "langfuse.observation.usage_details"
TRACE_NAME = "langfuse.trace.name"
TRACE_TAGS = "langfuse.trace.tags"
TRACE_METADATA = "langfuse.trace.metadata"
VERSION = "langfuse.version"
RELEASE = "langfuse.release"
ENVIRONMENT = "langfuse.environment"
# Older SDKs (v2 OTel bridges, third-party exporters) spell the identities with the prefix.
ALIASES = {"langfuse.session.id": "session.id", "langfuse.user.id": "user.id"}
GENERATION_TYPES = frozenset({"generation", "embedding"})

# The first of these found in the input is the prompt when it holds no message list.
_PROMPT_KEYS = ("messages", "prompt", "input", "question", "query", "text", "message")
_USAGE_IN = ("input", "prompt_tokens", "input_tokens", "promptTokens")
_USAGE_OUT = ("output", "completion_tokens", "output_tokens", "completionTokens")
_METADATA_MAX_BYTES = 4096  # under the batch API's metadata cap, leaving room for the ids


def _json(value: Any) -> Any:
    if isinstance(value, str | bytes):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def _is_message(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("role"), str) and ("content" in value or "parts" in value)


def _message_list(value: Any, depth: int = 0) -> list[dict[str, Any]] | None:
    """The first list of chat messages in a Langfuse input, however the caller wrapped it."""
    if depth > 3:
        return None
    if isinstance(value, list):
        if value and all(_is_message(m) for m in value):
            return value
        for item in value:
            if (found := _message_list(item, depth + 1)) is not None:
                return found
        return None
    if isinstance(value, dict):
        if _is_message(value):
            return [value]
        # @observe: {"args": [...], "kwargs": {...}}; OpenAI-style: {"messages": [...]}
        for key in ("messages", "args", "kwargs", "input", "inputs"):
            if key in value and (found := _message_list(value[key], depth + 1)) is not None:
                return found
        for key, item in value.items():
            if (
                key not in {"messages", "args", "kwargs", "input", "inputs"}
                and isinstance(item, list | dict)
                and (found := _message_list(item, depth + 1)) is not None
            ):
                return found
    return None


def _prompt_text(value: Any) -> str | None:
    """A bare prompt: the input itself when it is text, or its first text argument."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        for key in _PROMPT_KEYS:
            if isinstance(value.get(key), str) and value[key]:
                return str(value[key])
        args = value.get("args")
        if isinstance(args, list):
            texts = [a for a in args if isinstance(a, str) and a]
            if len(texts) == 1:  # one text argument is the prompt; several are ambiguous
                return texts[0]
        kwargs = value.get("kwargs")
        if isinstance(kwargs, dict):
            return _prompt_text({k: v for k, v in kwargs.items() if k in _PROMPT_KEYS})
    return None


def input_messages(raw: Any) -> list[dict[str, Any]]:
    """A Langfuse input as ``[{role, content}]``: its message list, or its prompt as one user turn."""
    value = _json(raw)
    messages = _message_list(value)
    if messages is not None:
        return messages
    text = _prompt_text(value)
    return [{"role": "user", "content": text}] if text else []


def output_messages(raw: Any) -> list[dict[str, Any]]:
    """A Langfuse output as one assistant message (text, a message, a completion, or a list)."""
    value = _json(raw)
    if isinstance(value, dict) and isinstance(value.get("choices"), list) and value["choices"]:
        value = value["choices"][0]  # an OpenAI completion object: choice 0 was shown
        value = value.get("message", value.get("text")) if isinstance(value, dict) else value
    if _is_message(value):
        return [{**value, "role": "assistant"} if value.get("role") != "assistant" else value]
    if isinstance(value, list):
        messages = [m for m in value if _is_message(m)]
        answers = [m for m in messages if m.get("role") == "assistant"]
        if answers or messages:
            return [(answers or messages)[-1]]
    if isinstance(value, dict):
        for key in ("content", "text", "output", "answer", "response", "completion"):
            if isinstance(value.get(key), str) and value[key]:
                return [{"role": "assistant", "content": value[key]}]
        return []
    if isinstance(value, str) and value:
        return [{"role": "assistant", "content": value}]
    return []


def _usage(raw: Any) -> tuple[int | None, int | None]:
    usage = _json(raw)
    if not isinstance(usage, dict):
        return None, None

    def first(keys: Sequence[str]) -> int | None:
        for key in keys:
            value = usage.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
                return int(value)
        return None

    return first(_USAGE_IN), first(_USAGE_OUT)


def trace_metadata(attrs: dict[str, Any], resource: dict[str, Any]) -> dict[str, Any]:
    """Trace metadata, tags, name, environment and release, as event metadata (size-capped)."""
    metadata: dict[str, Any] = {}
    prefix = TRACE_METADATA + "."
    for key, value in attrs.items():
        if key.startswith(prefix):
            metadata[key[len(prefix) :]] = _json(value)  # v5 JSON-encodes every value
    whole = _json(attrs.get(TRACE_METADATA))
    if isinstance(whole, dict):
        metadata = {**whole, **metadata}
    out: dict[str, Any] = {"langfuse": metadata} if metadata else {}
    tags = attrs.get(TRACE_TAGS)
    tags = _json(tags) if isinstance(tags, str) else tags
    if isinstance(tags, list | tuple) and tags:
        out["tags"] = [str(t)[:128] for t in tags][:50]
    for key, name in ((TRACE_NAME, "trace_name"), (ENVIRONMENT, "environment"), (RELEASE, "release")):
        value = attrs.get(key) or resource.get(key)
        if isinstance(value, str) and value:
            out[name] = value[:128]
    if len(orjson.dumps(out, default=str)) > _METADATA_MAX_BYTES:
        out.pop("langfuse", None)  # the free-form part goes first; ids and tags are what filters use
    return out


def release_of(span: SpanRecord) -> str | None:
    value = span.attrs.get(RELEASE) or span.resource.get(RELEASE)
    return value.strip()[:128] if isinstance(value, str) and value.strip() else None


def normalize_span(span: SpanRecord) -> SpanRecord:
    """One Langfuse span with the GenAI attributes the OTLP mapping reads added (a new record)."""
    attrs = dict(span.attrs)
    for alias, key in ALIASES.items():
        if alias in attrs and key not in attrs:
            attrs[key] = attrs[alias]
    if isinstance(attrs.get(VERSION), str) and attrs[VERSION] and VARIANT_KEY not in attrs:
        attrs[VARIANT_KEY] = attrs[VERSION]
    metadata = trace_metadata(attrs, span.resource)
    if metadata and METADATA_KEY not in attrs:
        attrs[METADATA_KEY] = orjson.dumps(metadata, default=str).decode()

    kind = attrs.get(TYPE)
    has_genai = "gen_ai.input.messages" in attrs or "gen_ai.output.messages" in attrs
    if kind in GENERATION_TYPES and not has_genai:
        inputs = input_messages(attrs.get(INPUT))
        outputs = output_messages(attrs.get(OUTPUT))
        # The keys are what makes the span GenAI for the mapping, even with no text yet.
        attrs["gen_ai.input.messages"] = orjson.dumps(inputs, default=str).decode()
        attrs["gen_ai.output.messages"] = orjson.dumps(outputs, default=str).decode()
        if isinstance(attrs.get(MODEL), str) and "gen_ai.request.model" not in attrs:
            attrs["gen_ai.request.model"] = attrs[MODEL]
        tokens_in, tokens_out = _usage(attrs.get(USAGE))
        if tokens_in is not None and "gen_ai.usage.input_tokens" not in attrs:
            attrs["gen_ai.usage.input_tokens"] = tokens_in
        if tokens_out is not None and "gen_ai.usage.output_tokens" not in attrs:
            attrs["gen_ai.usage.output_tokens"] = tokens_out
    return replace(span, attrs=attrs)


def normalize_spans(spans: Sequence[SpanRecord]) -> list[SpanRecord]:
    return [normalize_span(span) for span in spans]
