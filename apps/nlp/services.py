"""Conversation understanding on the enriched record: annotate user messages, score
conversations, cluster intents. Every write is set-based and idempotent."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.conversations.models import Conversation, Feedback, Message
from apps.nlp.frustration import MessageSignals, score_frustration
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


@dataclass(frozen=True)
class _UserMessage:
    id: int
    conversation_id: int
    content: str
    annotated: bool


def _copy_update(table: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple]) -> None:
    """UPDATE ``table`` from rows keyed by id, via COPY into a temp table (one round trip per
    batch instead of one UPDATE per row)."""
    if not rows:
        return
    names = [name for name, _ in columns]
    temp = f"upd_{table}"
    with connection.cursor() as cursor:
        # Recreated each call: the same table may be updated with other columns earlier in this transaction.
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(
            f"CREATE TEMP TABLE {temp} (id bigint, " + ", ".join(f"{n} {t}" for n, t in columns) + ") ON COMMIT DROP"
        )
        with cursor.cursor.copy(f"COPY {temp} (id, {', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        sets = ", ".join(f"{n} = u.{n}" for n in names)
        cursor.execute(f"UPDATE {table} t SET {sets} FROM {temp} u WHERE t.id = u.id")  # noqa: S608 - identifiers are ours


def _user_messages(conversation_ids: Sequence[int]) -> dict[int, list[_UserMessage]]:
    by_conversation: dict[int, list[_UserMessage]] = defaultdict(list)
    rows = (
        Message.objects.filter(conversation_id__in=conversation_ids, role="user")
        .order_by("conversation_id", "ts", "id")
        .values_list("id", "conversation_id", "content", "annotated_at")
    )
    for mid, cid, content, annotated_at in rows.iterator(chunk_size=5000):
        by_conversation[cid].append(_UserMessage(mid, cid, content, annotated_at is not None))
    return by_conversation


def messages_annotate(*, conversation_ids: Sequence[int]) -> int:
    """Language, sentiment and rephrase flags for user messages not yet annotated."""
    by_conversation = _user_messages(conversation_ids)
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
        return 0
    texts = [m.content for m in targets]
    languages = detect_languages(texts)
    sentiments = score_sentiment(texts)
    best = np.full(len(targets), np.nan)
    if pairs:
        scores = np.asarray(rephrase_scores(pairs))
        owners = np.asarray(pair_owner)
        best_so_far = np.full(len(targets), -1.0)
        np.maximum.at(best_so_far, owners, scores)
        best = np.where(best_so_far >= 0, best_so_far, np.nan)
    now = timezone.now()
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
    _copy_update(
        "conversations_message",
        [
            ("language", "varchar(8)"),
            ("sentiment", "float8"),
            ("rephrase_score", "float8"),
            ("is_rephrase", "boolean"),
            ("annotated_at", "timestamptz"),
        ],
        rows,
    )
    _intents_assign([m.id for m in targets], texts, conversation_ids)
    return len(targets)


def _intents_assign(message_ids: list[int], texts: list[str], conversation_ids: Sequence[int]) -> None:
    """Place new messages in their assistant's existing intents (between re-clusterings)."""
    assistant_of = dict(Conversation.objects.filter(id__in=conversation_ids).values_list("id", "assistant_id"))
    message_assistant = dict(Message.objects.filter(id__in=message_ids).values_list("id", "conversation_id"))
    grouped: dict[int, list[int]] = defaultdict(list)
    for position, mid in enumerate(message_ids):
        grouped[assistant_of[message_assistant[mid]]].append(position)
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
    _copy_update("conversations_message", [("intent_id", "bigint")], rows)


def conversations_score(*, conversation_ids: Sequence[int]) -> None:
    """Conversation language, intent and frustration from its annotated messages and ratings."""
    messages = (
        Message.objects.filter(conversation_id__in=conversation_ids)
        .order_by("conversation_id", "ts", "id")
        .values_list("conversation_id", "role", "content", "language", "sentiment", "is_rephrase", "intent_id")
    )
    ratings: dict[int, list[str]] = defaultdict(list)
    for cid, thumb in Feedback.objects.filter(conversation_id__in=conversation_ids, thumb__isnull=False).values_list(
        "conversation_id", "thumb"
    ):
        ratings[cid].append(thumb)
    signals: dict[int, list[MessageSignals]] = defaultdict(list)
    language: dict[int, str | None] = {}
    intent: dict[int, int | None] = {}
    for cid, role, content, lang, sentiment, rephrase, intent_id in messages.iterator(chunk_size=5000):
        if role != "user":
            continue
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
    _copy_update(
        "conversations_conversation",
        [("language", "varchar(8)"), ("frustration", "float8"), ("frustrated", "boolean"), ("intent_id", "bigint")],
        rows,
    )


def nlp_enrich_step(*, batch_id: int, conversation_ids: list[int]) -> None:
    """Enrichment step (settings.ENRICHMENT_STEPS): annotate, then score the touched conversations."""
    if not conversation_ids:
        return
    messages_annotate(conversation_ids=conversation_ids)
    conversations_score(conversation_ids=conversation_ids)


@transaction.atomic
def intents_recluster(*, assistant_id: int) -> int:
    """Fit the assistant's intents on its recent user messages, keep ids of clusters that
    persist, name them, and (re)assign every user message. Returns the number of intents."""
    rows = list(
        Message.objects.filter(conversation__assistant_id=assistant_id, role="user")
        .exclude(content="")
        .order_by("-ts")
        .values_list("id", "content")[:MAX_MESSAGES_TO_CLUSTER]
    )
    if len(rows) < MIN_MESSAGES_TO_CLUSTER:
        return 0
    ids = [r[0] for r in rows]
    texts = [r[1] for r in rows]
    model = fit_intents(texts)
    names = label_intents(texts, model.labels)
    sizes = defaultdict(int)
    for label in model.labels:
        sizes[label] += 1

    previous = IntentModelState.objects.filter(assistant_id=assistant_id).first()
    old_centroids: dict[int, np.ndarray] = {}
    if previous is not None:
        old_model = IntentModel.from_dict(previous.model)
        # Old centroids live in the old projection; compare in embedding space via the old
        # model's components (centroid @ components ≈ direction in the embedding space).
        for pos, cluster in enumerate(old_model.cluster_ids):
            intent_pk = previous.intent_ids.get(str(cluster))
            if intent_pk is not None:
                direction = old_model.centroids[pos] @ old_model.components
                old_centroids[intent_pk] = direction / max(np.linalg.norm(direction), 1e-9)

    intent_ids: dict[str, int] = {}
    kept: set[int] = set()
    for pos, cluster in enumerate(model.cluster_ids):
        direction = model.centroids[pos] @ model.components
        direction = direction / max(np.linalg.norm(direction), 1e-9)
        match = None
        best = KEEP_ID_MIN_COSINE
        for pk, old in old_centroids.items():
            similarity = float(direction @ old)
            if pk not in kept and similarity >= best:
                match, best = pk, similarity
        label = names.get(cluster, f"intent {cluster}")[:120]
        if match is None:
            intent = Intent.objects.create(assistant_id=assistant_id, label=label, size=sizes[cluster])
        else:
            intent = Intent.objects.get(pk=match)
            intent.label, intent.size, intent.active = label, sizes[cluster], True
            intent.save(update_fields=["label", "size", "active", "updated_at"])
        kept.add(intent.pk)
        intent_ids[str(cluster)] = intent.pk
    Intent.objects.filter(assistant_id=assistant_id).exclude(pk__in=kept).update(active=False, size=0)

    IntentModelState.objects.update_or_create(
        assistant_id=assistant_id,
        defaults={
            "model": model.to_dict(),
            "intent_ids": intent_ids,
            "fitted_at": timezone.now(),
            "fitted_on": len(texts),
            "new_since_fit": 0,
        },
    )
    assignments = [
        (mid, intent_ids.get(str(label)) if label >= 0 else None) for mid, label in zip(ids, model.labels, strict=True)
    ]
    _copy_update("conversations_message", [("intent_id", "bigint")], assignments)
    # Older messages beyond the fitting window are placed by nearest centroid.
    older = list(
        Message.objects.filter(conversation__assistant_id=assistant_id, role="user")
        .exclude(id__in=ids)
        .values_list("id", "content")
    )
    for start in range(0, len(older), 5000):
        chunk = older[start : start + 5000]
        labels = assign_intents(model, [c for _, c in chunk])
        _copy_update(
            "conversations_message",
            [("intent_id", "bigint")],
            [
                (mid, intent_ids.get(str(lab)) if lab >= 0 else None)
                for (mid, _), lab in zip(chunk, labels, strict=True)
            ],
        )
    conversation_ids = list(Conversation.objects.filter(assistant_id=assistant_id).values_list("id", flat=True))
    for start in range(0, len(conversation_ids), 2000):
        conversations_score(conversation_ids=conversation_ids[start : start + 2000])
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
