"""Conversation understanding on the enriched record: annotate user messages, score
conversations, cluster intents. Every write is set-based and idempotent."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar, cast

import numpy as np
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.conversations import services as conversations_services
from apps.conversations.models import Conversation, Feedback, Message
from apps.conversations.selectors import assistant_spans
from apps.nlp.frustration import MessageSignals, Rating, score_frustration
from apps.nlp.intents import IntentModel, assign_intents, fit_intents, label_intents
from apps.nlp.language import detect_languages
from apps.nlp.models import Intent, IntentModelState
from apps.nlp.rephrase import rephrase_scores
from apps.nlp.sentiment import score_sentiment

logger = logging.getLogger(__name__)

REPHRASE_WINDOW = 2  # METRICS.md: one of the previous two user messages
# Re-cluster an assistant when this many new user messages arrived since the last fit, or
# for the first time once it has this many.
RECLUSTER_AFTER_NEW = 500
MIN_MESSAGES_TO_CLUSTER = 60
MAX_MESSAGES_TO_CLUSTER = 6000
# A new cluster keeps an old intent's id when their centroids are at least this similar.
KEEP_ID_MIN_COSINE = 0.8


class _UserMessage(NamedTuple):
    """A user message as the step reads it (a named tuple: one per message, 3x cheaper to make
    than a frozen dataclass)."""

    id: int
    conversation_id: int
    content: str
    annotated: bool
    # The stored annotations ``conversations_score`` reads.
    language: str | None
    sentiment: float | None
    is_rephrase: bool | None
    intent_id: int | None


def _user_messages(conversation_ids: Sequence[int]) -> dict[int, list[_UserMessage]]:
    by_conversation: dict[int, list[_UserMessage]] = defaultdict(list)
    rows = (
        Message.objects.filter(conversation_id__any=conversation_ids, role="user")
        .order_by("conversation_id", "ts", "id")
        .values_list(
            "id", "conversation_id", "content", "annotated_at", "language", "sentiment", "is_rephrase", "intent_id"
        )
    )
    for mid, cid, content, annotated_at, language, sentiment, is_rephrase, intent_id in rows.iterator(chunk_size=5000):
        by_conversation[cid].append(
            _UserMessage(mid, cid, content, annotated_at is not None, language, sentiment, is_rephrase, intent_id)
        )
    return by_conversation


# Message id -> the annotation columns messages_annotate wrote, by name.
_Written = dict[int, dict[str, object]]


def messages_annotate(*, conversation_ids: Sequence[int]) -> int:
    """Language, sentiment and rephrase flags for user messages not yet annotated."""
    return len(_messages_annotate(_user_messages(conversation_ids)))


def _messages_annotate(by_conversation: dict[int, list[_UserMessage]]) -> _Written:
    """``messages_annotate`` of messages already read; returns what it wrote, per message."""
    targets: list[_UserMessage] = []
    pairs: list[tuple[str, str]] = []
    pair_owner: list[int] = []
    for messages in by_conversation.values():
        for index, message in enumerate(messages):
            if message.annotated:
                continue
            position = len(targets)
            targets.append(message)
            for previous in messages[max(0, index - REPHRASE_WINDOW) : index]:
                pairs.append((previous.content, message.content))
                pair_owner.append(position)
    if not targets:
        return {}
    texts = [m.content for m in targets]
    # The user's locale (sent with events as user.locale) settles near ties between close
    # languages (Norwegian/Danish, Czech/Slovak); it never overrules the text. The assistant
    # is for _intents_assign.
    conversations = Conversation.objects.filter(id__any={m.conversation_id for m in targets})
    locale_of: dict[int, str | None] = {}
    assistant_of: dict[int, int] = {}
    for cid, locale, assistant_id in conversations.values_list("id", "user_locale", "assistant_id"):
        locale_of[cid], assistant_of[cid] = locale, assistant_id
    languages = detect_languages(texts, locales=[locale_of.get(m.conversation_id) for m in targets])
    # Chat repeats itself ("ok thanks", canned openers): each distinct text and pair is scored once.
    sentiments = _each_distinct(score_sentiment, texts)
    best = np.full(len(targets), np.nan)
    if pairs:
        scores = np.asarray(_each_distinct(rephrase_scores, pairs))
        owners = np.asarray(pair_owner)
        best_so_far = np.full(len(targets), -1.0)
        np.maximum.at(best_so_far, owners, scores)
        best = np.where(best_so_far >= 0, best_so_far, np.nan)
    now = timezone.now()
    columns = ["language", "sentiment", "rephrase_score", "is_rephrase", "annotated_at"]
    rows = []
    for k, message in enumerate(targets):
        score = None if np.isnan(best[k]) else round(float(best[k]), 4)
        rows.append(
            (
                message.id,
                languages[k],
                round(float(sentiments[k]), 4),
                score,
                None if score is None else score >= 0.5,
                now,
            )
        )
    conversations_services.messages_annotate(columns=columns, rows=rows)
    written: _Written = {row[0]: dict(zip(columns, row[1:], strict=True)) for row in rows}
    for message_id, intent_id in _intents_assign(targets, assistant_of):
        written[message_id]["intent_id"] = intent_id
    return written


_Item = TypeVar("_Item", str, tuple[str, str])


def _each_distinct(score: Callable[[list[_Item]], list[float]], items: list[_Item]) -> list[float]:
    """``score(items)``, computed once per distinct item."""
    distinct = list(dict.fromkeys(items))
    if len(distinct) == len(items):
        return list(score(items))
    by_item = dict(zip(distinct, score(distinct), strict=True))
    return [by_item[item] for item in items]


def _intents_assign(targets: list[_UserMessage], assistant_of: dict[int, int]) -> list[tuple[int, int | None]]:
    """Place new messages in their assistant's existing intents (between re-clusterings); returns
    the (message id, intent id) rows written."""
    message_ids = [m.id for m in targets]
    texts = [m.content for m in targets]
    grouped: dict[int, list[int]] = defaultdict(list)
    for position, message in enumerate(targets):
        grouped[assistant_of[message.conversation_id]].append(position)
    states = {s.assistant_id: s for s in IntentModelState.objects.filter(assistant_id__in=grouped)}
    rows = []
    for assistant_id, positions in grouped.items():
        state = states.get(assistant_id)
        if state is None:
            continue  # not clustered yet: the scheduled re-clustering will assign these
        IntentModelState.objects.filter(pk=state.pk).update(new_since_fit=F("new_since_fit") + len(positions))
        model = IntentModel.from_dict(state.model)
        clusters = assign_intents(model, [texts[p] for p in positions])
        for p, cluster in zip(positions, clusters, strict=True):
            rows.append((message_ids[p], state.intent_ids.get(str(cluster)) if cluster >= 0 else None))
    conversations_services.messages_annotate(columns=["intent_id"], rows=rows)
    return rows


# A user message as conversations_score reads it: conversation id, content, language,
# sentiment, is_rephrase, intent id.
_ScoredMessage = tuple[int, str, str | None, float | None, bool | None, int | None]


def conversations_score(*, conversation_ids: Sequence[int]) -> None:
    """Conversation language, intent and frustration from its annotated messages and ratings."""
    # Only users' messages count, and assistants' answers are the long ones: not read at all.
    messages = (
        Message.objects.filter(conversation_id__any=conversation_ids, role="user")
        .order_by("conversation_id", "ts", "id")
        .values_list("conversation_id", "content", "language", "sentiment", "is_rephrase", "intent_id")
    )
    _conversations_score(conversation_ids, messages.iterator(chunk_size=5000))


def _conversations_score(conversation_ids: Sequence[int], messages: Iterable[_ScoredMessage]) -> None:
    """``conversations_score`` from the user messages of those conversations, in order."""
    ratings: dict[int, list[Rating]] = defaultdict(list)
    for cid, thumb in Feedback.objects.filter(conversation_id__any=conversation_ids, thumb__isnull=False).values_list(
        "conversation_id", "thumb"
    ):
        # The column is a plain CharField, but conversations' feedback insert writes only
        # "up", "down" or NULL, and NULLs are filtered out above.
        ratings[cid].append(cast("Rating", thumb))
    signals: dict[int, list[MessageSignals]] = defaultdict(list)
    language: dict[int, str | None] = {}
    intent: dict[int, int | None] = {}
    for cid, content, lang, sentiment, rephrase, intent_id in messages:
        signals[cid].append(MessageSignals(text=content, sentiment=sentiment, is_rephrase=rephrase))
        if language.get(cid) is None and lang:
            language[cid] = lang  # first substantive user message (None = too short to tell)
        if cid not in intent:
            intent[cid] = intent_id
    rows = []
    for cid in conversation_ids:
        items = signals.get(cid, []) + [MessageSignals(text="", is_user=False, rating=r) for r in ratings.get(cid, [])]
        if not items:
            continue
        result = score_frustration(items)
        rows.append((cid, language.get(cid), round(result.score, 4), result.frustrated, intent.get(cid)))
    conversations_services.conversations_annotate(
        columns=["language", "frustration", "frustrated", "intent_id"], rows=rows
    )


def _as_annotated(by_conversation: dict[int, list[_UserMessage]], written: _Written) -> Iterator[_ScoredMessage]:
    """The user messages as ``conversations_score`` would read them back after ``written``."""
    for messages in by_conversation.values():
        for m in messages:
            new = written.get(m.id)
            if new is None:
                yield m.conversation_id, m.content, m.language, m.sentiment, m.is_rephrase, m.intent_id
            else:
                yield (
                    m.conversation_id,
                    m.content,
                    cast("str | None", new["language"]),
                    cast("float | None", new["sentiment"]),
                    cast("bool | None", new["is_rephrase"]),
                    cast("int | None", new.get("intent_id", m.intent_id)),
                )


def nlp_enrich_step(*, batch_id: int, conversation_ids: list[int]) -> None:
    """Enrichment step (settings.ENRICHMENT_STEPS): annotate, then score the touched conversations.

    The conversations' user messages are read once: scoring takes the annotations just written
    from memory (the values as written, so as the database would return them) instead of
    reading every message back.
    """
    if not conversation_ids:
        return
    by_conversation = _user_messages(conversation_ids)
    written = _messages_annotate(by_conversation)
    _conversations_score(conversation_ids, _as_annotated(by_conversation, written))


@dataclass(frozen=True)
class IntentFit:
    """One clustering of an assistant's messages, before it is stored."""

    model: IntentModel
    names: dict[int, str]  # cluster → label
    sizes: dict[int, int]  # cluster → messages in it


def _recluster_sample(assistant_id: int) -> tuple[list[int], list[str]]:
    """Ids and texts of the assistant's most recent non-empty user messages (the fitting window)."""
    rows = list(
        Message.objects.filter(conversation__assistant_id=assistant_id, role="user")
        .exclude(content="")
        .order_by("-ts")
        .values_list("id", "content")[:MAX_MESSAGES_TO_CLUSTER]
    )
    return [r[0] for r in rows], [r[1] for r in rows]


def intents_fit(texts: list[str]) -> IntentFit:
    """Cluster the texts and name each cluster."""
    model = fit_intents(texts)
    sizes: dict[int, int] = defaultdict(int)
    for label in model.labels:
        sizes[label] += 1
    return IntentFit(model=model, names=label_intents(texts, model.labels), sizes=dict(sizes))


def _unit_directions(model: IntentModel) -> list[np.ndarray]:
    """Each cluster's centroid as a unit direction in the embedding space. Centroids live in the
    model's own projection; centroid @ components brings them back, so two fits compare."""
    directions = []
    for centroid in model.centroids:
        direction = centroid @ model.components
        directions.append(direction / max(np.linalg.norm(direction), 1e-9))
    return directions


def intent_ids_match(*, model: IntentModel, previous: IntentModelState | None) -> dict[int, int]:
    """Cluster → id of the previous fit's intent it continues (stable ids).

    Greedy in cluster order: each cluster takes the most similar previous intent not taken yet,
    if their centroids' cosine reaches ``KEEP_ID_MIN_COSINE``; clusters left out are new intents.
    """
    if previous is None:
        return {}
    old_model = IntentModel.from_dict(previous.model)
    old_directions: dict[int, np.ndarray] = {}
    for cluster, direction in zip(old_model.cluster_ids, _unit_directions(old_model), strict=True):
        intent_pk = previous.intent_ids.get(str(cluster))
        if intent_pk is not None:
            old_directions[intent_pk] = direction
    matches: dict[int, int] = {}
    for cluster, direction in zip(model.cluster_ids, _unit_directions(model), strict=True):
        match, best = None, KEEP_ID_MIN_COSINE
        for pk, old in old_directions.items():
            similarity = float(direction @ old)
            if pk not in matches.values() and similarity >= best:
                match, best = pk, similarity
        if match is not None:
            matches[cluster] = match
    return matches


def intents_persist(*, assistant_id: int, fit: IntentFit, matches: dict[int, int], fitted_on: int) -> dict[str, int]:
    """Create or refresh the fit's intents, retire the others, store the model; returns the
    state's cluster → intent id map (keys are strings: it is stored as JSON)."""
    intent_ids: dict[str, int] = {}
    for cluster in fit.model.cluster_ids:
        label = fit.names.get(cluster, f"intent {cluster}")[:120]
        size = fit.sizes.get(cluster, 0)
        match = matches.get(cluster)
        if match is None:
            intent = Intent.objects.create(assistant_id=assistant_id, label=label, size=size)
        else:
            intent = Intent.objects.get(pk=match)
            intent.label, intent.size, intent.active = label, size, True
            intent.save(update_fields=["label", "size", "active", "updated_at"])
        intent_ids[str(cluster)] = intent.pk
    Intent.objects.filter(assistant_id=assistant_id).exclude(pk__in=intent_ids.values()).update(active=False, size=0)
    IntentModelState.objects.update_or_create(
        assistant_id=assistant_id,
        defaults={
            "model": fit.model.to_dict(),
            "intent_ids": intent_ids,
            "fitted_at": timezone.now(),
            "fitted_on": fitted_on,
            "new_since_fit": 0,
        },
    )
    return intent_ids


def _intent_rows(ids: Sequence[int], labels: Sequence[int], intent_ids: dict[str, int]) -> list[tuple[int, int | None]]:
    return [(mid, intent_ids.get(str(label)) if label >= 0 else None) for mid, label in zip(ids, labels, strict=True)]


def intents_rescore(
    *, assistant_id: int, model: IntentModel, intent_ids: dict[str, int], fitted_ids: list[int]
) -> None:
    """Point every user message of the assistant at its intent, then rescore its conversations.

    The fitted messages keep their cluster; older ones beyond the window go to the nearest centroid.
    """
    conversations_services.messages_annotate(
        columns=["intent_id"], rows=_intent_rows(fitted_ids, model.labels, intent_ids)
    )
    older = list(
        Message.objects.filter(conversation__assistant_id=assistant_id, role="user")
        .exclude(id__in=fitted_ids)
        .values_list("id", "content")
    )
    for start in range(0, len(older), 5000):
        chunk = older[start : start + 5000]
        labels = assign_intents(model, [c for _, c in chunk])
        conversations_services.messages_annotate(
            columns=["intent_id"], rows=_intent_rows([m for m, _ in chunk], labels, intent_ids)
        )
    conversation_ids = list(Conversation.objects.filter(assistant_id=assistant_id).values_list("id", flat=True))
    for start in range(0, len(conversation_ids), 2000):
        conversations_score(conversation_ids=conversation_ids[start : start + 2000])
    # Every conversation of the assistant may have changed intent: aggregates above refresh it whole.
    conversations_services.record_change_notify(spans=assistant_spans(assistant_ids=[assistant_id]))


@transaction.atomic
def intents_recluster(*, assistant_id: int) -> int:
    """Fit the assistant's intents on its recent user messages, keep ids of clusters that
    persist, name them, and (re)assign every user message. Returns the number of intents."""
    ids, texts = _recluster_sample(assistant_id)
    if len(ids) < MIN_MESSAGES_TO_CLUSTER:
        return 0
    fit = intents_fit(texts)
    previous = IntentModelState.objects.filter(assistant_id=assistant_id).first()
    matches = intent_ids_match(model=fit.model, previous=previous)
    intent_ids = intents_persist(assistant_id=assistant_id, fit=fit, matches=matches, fitted_on=len(texts))
    intents_rescore(assistant_id=assistant_id, model=fit.model, intent_ids=intent_ids, fitted_ids=ids)
    return len(intent_ids)


def intents_recluster_due() -> list[int]:
    """Assistants whose intents need (re)fitting: never fitted with enough data, or enough new."""
    from apps.registry.models import Assistant

    due = []
    states = dict(IntentModelState.objects.values_list("assistant_id", "new_since_fit"))
    for assistant_id in Assistant.objects.values_list("id", flat=True):
        if assistant_id in states:
            if states[assistant_id] >= RECLUSTER_AFTER_NEW:
                due.append(assistant_id)
        elif (
            Message.objects.filter(conversation__assistant_id=assistant_id, role="user").count()
            >= MIN_MESSAGES_TO_CLUSTER
        ):
            due.append(assistant_id)
    return due
