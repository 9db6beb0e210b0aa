"""Rollup maintenance (docs/analytics.md): the only writer of apps.analytics' rollup tables.

Every rollup row is a sum over stored per-conversation and per-output facts (``ConversationFact``,
``OutputFact``), or a count of ``ActiveUser`` rows. Without a batch, the rows of the given
(assistant, day) pairs are deleted and summed anew from the enriched record. A batch recomputes
its own conversations' facts and merges the difference (old facts weigh -1, new ones +1) into the
rows they fall in, and replaces its users' ``ActiveUser`` rows by difference. Either way running a
refresh twice, or a batch enriched twice, changes nothing, and the rows equal a rebuild's.

The per-conversation and per-output facts are ORM querysets built from the terms of
``definitions.py`` (ended, resolved, escalated, abandoned; never re-implemented here) and compiled
into the ``INSERT … SELECT`` statements that store them.
"""

from __future__ import annotations

import functools
import uuid
import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import (
    BooleanField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from psycopg import sql

from apps.analytics.definitions import (
    ACCEPT_ACTIONS,
    EDIT_ACTION,
    REJECT_ACTIONS,
    abandon_signal_q,
    ended_q,
    escalated_q,
    resolved_q,
)
from apps.analytics.models import (
    KEY_FIELDS,
    ActiveUser,
    ConversationFact,
    ConversationRollup,
    DailyPeople,
    HistogramRollup,
    Measure,
    OutputFact,
    OutputRollup,
    RollupWatermark,
    UserFirstSeen,
)
from apps.analytics.sketch import sketches_fill
from apps.conversations.models import Action, Conversation, Feedback, Message
from apps.conversations.selectors import RecordSpan, action_delay_seconds
from apps.conversations.services import conversation_dims_fill

Pair = tuple[int, date]

# The rollup key as the fact queries alias it (``r_day``, ``r_variant`` …), assistant aside.
_R_DIMS = tuple(f"r_{field}" for field in KEY_FIELDS if field != "assistant")

REGENERATE_ACTION = "regenerate"
INSTANT_ACCEPT_SECONDS = 3
ENDED_WATERMARK = "ended"


def tenant_tz() -> zoneinfo.ZoneInfo:
    """The tenant's time zone for day boundaries (settings.TIME_ZONE until organizations carry one)."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def tenant_today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), tenant_tz()).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tenant_tz())


def _count(qs: models.QuerySet) -> Coalesce:
    """COUNT(*) of a correlated queryset as a scalar subquery (0 when empty)."""
    counted = qs.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), 0)


def _bool(q: Q) -> Coalesce:
    # A term over nullable columns (``outcome = 'escalated'`` on a NULL outcome) is NULL, not false.
    return Coalesce(ExpressionWrapper(q, output_field=BooleanField()), Value(False), output_field=BooleanField())


def _blank(*fields: str | Func) -> Coalesce:
    return Coalesce(*fields, Value(""), output_field=models.CharField())


CUSTOM_DIMS = ("dim1", "dim2", "dim3")


def _custom_dims(conversation: str = "") -> dict[str, Coalesce]:
    """``r_dim1``..``r_dim3``: the conversation's value of its assistant's 1st..3rd declared
    metadata key (``Assistant.metric_dimensions``), '' when none. ``conversation`` is the path
    prefix from the facts' model to the conversation ("" or "conversation__")."""
    return {
        f"r_{dim}": _blank(
            Func(
                F(f"{conversation}dims"),
                KeyTextTransform(str(n), f"{conversation}assistant__metric_dimensions"),
                function="jsonb_extract_path_text",
                output_field=models.CharField(),
            )
        )
        for n, dim in enumerate(CUSTOM_DIMS)
    }


# --- Per-row facts (ORM, from definitions' terms) ----------------------------------------------


def _conversation_facts(spans: Q, now: datetime) -> models.QuerySet:
    users = Message.objects.filter(conversation=OuterRef("pk"), role="user")
    ratings = Feedback.objects.filter(conversation=OuterRef("pk"))
    return (
        Conversation.objects.filter(spans)
        .order_by()
        .annotate(
            r_day=TruncDate("started_at", tzinfo=tenant_tz()),
            r_variant=_blank("variant"),
            r_feature=_blank("feature"),
            r_language=_blank("language"),
            r_department=_blank("user_department"),
            **_custom_dims(),
            r_intent=Coalesce("intent_id", Value(0), output_field=models.BigIntegerField()),
            r_ended=_bool(ended_q(now=now)),
            r_resolved=_bool(resolved_q()),
            r_escalated=_bool(escalated_q()),
            r_abandon=_bool(abandon_signal_q()),
            r_frustrated=Coalesce("frustrated", Value(False), output_field=BooleanField()),
            # The detector scores a user message only when it has a previous user message.
            r_with_previous=_count(users.filter(rephrase_score__isnull=False)),
            r_rephrases=_count(users.filter(is_rephrase=True)),
            r_ratings=_count(ratings),
            r_up=_count(ratings.filter(thumb="up")),
            r_down=_count(ratings.filter(thumb="down")),
            conversation_id=F("pk"),
        )
        .values(
            "conversation_id",
            "assistant_id",
            *_R_DIMS,
            "r_intent",
            "r_ended",
            "r_resolved",
            "r_escalated",
            "r_abandon",
            "r_frustrated",
            "user_messages",
            "r_with_previous",
            "r_rephrases",
            "r_ratings",
            "r_up",
            "r_down",
        )
    )


def _output_facts(spans: Q) -> models.QuerySet:
    actions = Action.objects.filter(message=OuterRef("pk"))
    first = actions.order_by("ts", "id")
    tokens = Coalesce("input_tokens", 0) + Coalesce("output_tokens", 0)
    priced = ExpressionWrapper(
        tokens * F("conversation__assistant__price_per_1k_tokens") / Value(1000),
        output_field=DecimalField(max_digits=18, decimal_places=6),
    )
    return (
        Message.objects.filter(spans, role="assistant")
        .order_by()
        .annotate(
            r_assistant=F("conversation__assistant_id"),
            r_day=TruncDate("conversation__started_at", tzinfo=tenant_tz()),
            r_variant=_blank("variant", "conversation__variant"),
            r_feature=_blank("feature", "conversation__feature"),
            r_language=_blank("conversation__language"),
            r_department=_blank("conversation__user_department"),
            **_custom_dims("conversation__"),
            r_any=Exists(actions.filter(action__in=(*ACCEPT_ACTIONS, *REJECT_ACTIONS, EDIT_ACTION))),
            r_accept=Exists(actions.filter(action__in=ACCEPT_ACTIONS)),
            r_edit=Exists(actions.filter(action=EDIT_ACTION)),
            r_reject=Exists(actions.filter(action__in=REJECT_ACTIONS)),
            r_regens=_count(actions.filter(action=REGENERATE_ACTION)),
            r_first_delay=Subquery(first.annotate(d=action_delay_seconds()).values("d")[:1]),
            r_first_accept=Coalesce(
                Subquery(first.annotate(a=_bool(Q(action__in=ACCEPT_ACTIONS))).values("a")[:1]),
                Value(False),
                output_field=BooleanField(),
            ),
            r_in=Coalesce("input_tokens", 0),
            r_out=Coalesce("output_tokens", 0),
            r_cost=Coalesce("cost_usd", priced, output_field=DecimalField(max_digits=18, decimal_places=6)),
            message_id=F("pk"),
        )
        .values(
            "message_id",
            "conversation_id",
            "ts",
            "latency_ms",
            "r_assistant",
            *_R_DIMS,
            "r_any",
            "r_accept",
            "r_edit",
            "r_reject",
            "r_regens",
            "r_first_delay",
            "r_first_accept",
            "r_in",
            "r_out",
            "r_cost",
        )
    )


def _user_facts(spans: Q) -> models.QuerySet:
    return (
        Message.objects.filter(spans, role="user")
        .order_by()
        .annotate(
            r_assistant=F("conversation__assistant_id"),
            r_day=TruncDate("ts", tzinfo=tenant_tz()),
            r_variant=_blank("variant", "conversation__variant"),
            r_feature=_blank("feature", "conversation__feature"),
            r_language=_blank("conversation__language"),
            r_department=_blank("conversation__user_department"),
            **_custom_dims("conversation__"),
            r_user=F("conversation__user_id"),
        )
        .values(
            "r_assistant",
            *_R_DIMS,
            "r_user",
        )
    )


# --- Aggregation (SQL over the compiled facts) -------------------------------------------------

_KEY_COLUMNS = tuple(f"{field}_id" if field == "assistant" else field for field in KEY_FIELDS)
_KEYS = ", ".join(_KEY_COLUMNS)
# The facts' key columns under the rollup tables' names.
_F_KEYS = ", ".join(
    f"{{assistant}} AS {column}" if field == "assistant" else f"f.r_{field} AS {column}"
    for field, column in zip(KEY_FIELDS, _KEY_COLUMNS, strict=True)
)
_IN_PAIRS = "JOIN analytics_pairs p ON p.assistant_id = {assistant} AND p.day = f.r_day"

# Each fact weighs ``w``: 1 when it is added, -1 when it is taken back (batch mode: the facts of the
# batch's conversations as they were before the batch). A rollup row is the sum of its facts'
# weighted terms, so a batch merges the difference of its own facts into the rows they fall in
# (``_MERGE``) instead of re-summing every fact of the days it touched. The row queries name their
# columns as the rollup tables do; ``_MERGE`` sums them per key.
_CONVERSATION_ROWS = """
SELECT {f_keys}, f.r_intent AS intent_id, f.w AS conversations, f.w * f.r_ended::int AS ended,
       f.w * (f.r_ended AND f.r_resolved)::int AS resolved,
       f.w * (f.r_ended AND f.r_escalated)::int AS escalated,
       f.w * (f.r_ended AND f.r_resolved AND NOT f.r_escalated)::int AS self_served,
       f.w * (f.r_ended AND NOT f.r_resolved AND NOT f.r_escalated AND f.r_abandon)::int AS abandoned,
       f.w * f.r_frustrated::int AS frustrated, f.w * f.user_messages AS user_messages,
       f.w * f.r_with_previous AS user_messages_with_previous, f.w * f.r_rephrases AS rephrases,
       f.w * f.r_ratings AS ratings, f.w * f.r_up AS ratings_up, f.w * f.r_down AS ratings_down
FROM {facts} f
"""

# Outputs, and tasks: a conversation's outputs of one feature (and day and cut), under the greatest
# of their variants. A task lies within one conversation, so the tasks of a conversation's old
# and new facts are told apart by their weight.
_OUTPUT_ROWS = """
SELECT {f_keys}, f.w AS outputs, f.w * f.r_any::int AS outputs_with_action,
       f.w * (f.r_accept AND NOT f.r_edit)::int AS accepted, f.w * f.r_edit::int AS edited,
       f.w * f.r_reject::int AS rejected, f.w * f.r_regens AS regenerations, 0 AS tasks, 0 AS tasks_regen3,
       f.w * (f.r_first_delay IS NOT NULL)::int AS first_actions,
       f.w * (f.r_first_accept AND f.r_first_delay < %(instant)s)::int AS instant_accepts,
       f.w * (f.latency_ms IS NOT NULL)::int AS latency_outputs, f.w * f.r_in AS input_tokens,
       f.w * f.r_out AS output_tokens, f.w * f.r_cost AS cost_usd
FROM {facts} f
UNION ALL
SELECT {f_keys}, 0, 0, 0, 0, 0, 0, f.w, f.w * (f.regens >= 3)::int, 0, 0, 0, 0, 0, 0
FROM (
    SELECT f.r_day, f.r_assistant, max(f.r_variant) AS r_variant, f.r_feature, f.r_language, f.r_department,
           f.r_dim1, f.r_dim2, f.r_dim3, f.w, sum(f.r_regens) AS regens
    FROM {facts} f GROUP BY f.conversation_id, f.w, f.r_day, f.r_assistant, f.r_feature, f.r_language,
                            f.r_department, f.r_dim1, f.r_dim2, f.r_dim3
) f
"""

_HISTOGRAM_ROWS = """
SELECT {c_keys}, %(turns)s::varchar AS measure, f.user_messages::bigint AS bucket, f.w AS count FROM {conversations} f
UNION ALL
SELECT {c_keys}, %(drop_off)s, f.user_messages, f.w FROM {conversations} f
WHERE f.r_ended AND NOT f.r_resolved AND NOT f.r_escalated AND f.r_abandon
UNION ALL
SELECT {o_keys}, %(ttfa)s, GREATEST(0, floor(f.r_first_delay))::bigint, f.w FROM {outputs} f
WHERE f.r_first_delay IS NOT NULL
UNION ALL
SELECT {o_keys}, %(latency)s,
       CASE WHEN f.latency_ms < 1000 THEN f.latency_ms / 10 * 10
            WHEN f.latency_ms < 10000 THEN f.latency_ms / 100 * 100
            ELSE f.latency_ms / 1000 * 1000 END,
       f.w
FROM {outputs} f WHERE f.latency_ms IS NOT NULL
"""

# Adds the summed rows to the table's rows of the same key, creating the missing ones and deleting
# those whose ``presence`` count (conversations, outputs …) falls to zero: the rows a re-sum of all
# the facts gives, since every row of a rebuild has a positive count and none is left at zero.
# Rows whose sums are all zero (facts recomputed unchanged) are not written at all.
_MERGE = """
MERGE INTO {table} t
USING (SELECT {keys}, {sums} FROM ({rows}) r GROUP BY {keys}) d ON {on}
WHEN MATCHED AND t.{presence} + d.{presence} = 0 THEN DELETE
WHEN MATCHED AND ({changed}) THEN UPDATE SET {added}
WHEN NOT MATCHED AND d.{presence} > 0 THEN INSERT ({keys}, {measures}{extra_columns})
    VALUES ({d_keys}, {d_measures}{extra_values})
"""


def _merge(
    model: type[models.Model],
    rows: sql.Composable,
    *,
    keys: Sequence[str],
    presence: str,
    extra: dict[str, str] | None = None,
) -> sql.Composable:
    """``_MERGE`` of ``rows`` into ``model``'s table: ``keys`` are its key columns, every other
    column (``extra`` aside: set on insert only) one of the sums."""
    extra = extra or {}
    measures = [
        str(f.column)
        for f in model._meta.concrete_fields
        if not f.primary_key and f.column not in keys and f.column not in extra
    ]

    def join(template: str, columns: Sequence[str], sep: str = ", ") -> sql.Composable:
        return sql.SQL(sep).join(sql.SQL(template).format(c=sql.Identifier(c)) for c in columns)

    return sql.SQL(_MERGE).format(
        table=_table(model),
        rows=rows,
        keys=join("{c}", keys),
        sums=join("sum({c}) AS {c}", measures),
        on=join("t.{c} = d.{c}", keys, " AND "),
        presence=sql.Identifier(presence),
        changed=join("d.{c} <> 0", measures, " OR "),
        added=join("{c} = t.{c} + d.{c}", measures),
        measures=join("{c}", measures),
        d_keys=join("d.{c}", keys),
        d_measures=join("d.{c}", measures),
        extra_columns=sql.SQL("").join(sql.SQL(", {}").format(sql.Identifier(c)) for c in extra),
        extra_values=sql.SQL("").join(sql.SQL(", " + v) for v in extra.values()),
    )


# ``ActiveUser`` rows are replaced by difference: the rows the users' messages give now
# (``analytics_active_new``) against those stored for the same pairs and users. Only the rows that
# went or came are written, and each is noted with its weight in ``analytics_active_delta``: the
# change of its key's ``DailyPeople`` count, the keys whose sketch must be recomputed, and (the
# rows that came) the only days that can move a first day earlier.
_USERS = """
INSERT INTO analytics_active_new ({keys}, user_key)
SELECT DISTINCT {f_keys}, {user_key}
FROM ({facts}) f {in_pairs}
"""

_USERS_GONE = """
WITH gone AS (
    DELETE FROM {table} t USING analytics_pairs p
    WHERE t.assistant_id = p.assistant_id AND t.day = p.day {only}
      AND NOT EXISTS (SELECT FROM analytics_active_new n WHERE {same} AND n.user_key = t.user_key)
    RETURNING {t_keys}, t.user_key
)
INSERT INTO analytics_active_delta ({keys}, user_key, w) SELECT gone.*, -1 FROM gone
"""

_USERS_CAME = """
WITH came AS (
    INSERT INTO {table} ({keys}, user_key) SELECT {keys}, user_key FROM analytics_active_new
    ON CONFLICT DO NOTHING
    RETURNING {keys}, user_key
)
INSERT INTO analytics_active_delta ({keys}, user_key, w) SELECT came.*, 1 FROM came
"""

_PEOPLE_DELTA = "SELECT {keys}, w AS users FROM analytics_active_delta"

_PEOPLE = """
INSERT INTO {table} ({keys}, users, sketch)
SELECT a.day, a.assistant_id, a.variant, a.feature, a.language, a.department, a.dim1, a.dim2, a.dim3, count(*),
       ''::bytea
FROM {active} a JOIN analytics_pairs p ON p.assistant_id = a.assistant_id AND p.day = a.day
GROUP BY a.day, a.assistant_id, a.variant, a.feature, a.language, a.department, a.dim1, a.dim2, a.dim3
"""

# First days, kept proportional to the refreshed pairs rather than to each user's history. Before
# the refresh every first day is the minimum over the user's ``ActiveUser`` days. A user whose
# first day is a refreshed pair may have lost that row: recount them over their whole history
# (the ``analytics_activeuser_user`` index; mostly this batch's new users). Every other user's
# first-day row is untouched, so their new first day is the earlier of it and the days of their
# rows that came: an upsert keeping the minimum. A user without a first day had no row at all.
_AFFECTED_USERS = """
INSERT INTO analytics_affected_users (assistant_id, user_key)
SELECT s.assistant_id, s.user_key FROM {first_seen} s
JOIN analytics_pairs p ON p.assistant_id = s.assistant_id AND p.day = s.first_day {only}
ON CONFLICT DO NOTHING
"""

_FIRST_SEEN_DELETE = """
DELETE FROM {first_seen} s USING analytics_affected_users u
WHERE s.assistant_id = u.assistant_id AND s.user_key = u.user_key
"""

_FIRST_SEEN_RECOUNT = """
INSERT INTO {first_seen} (assistant_id, user_key, first_day)
SELECT u.assistant_id, u.user_key, d.day FROM analytics_affected_users u,
LATERAL (SELECT a.day FROM {table} a WHERE a.assistant_id = u.assistant_id AND a.user_key = u.user_key
         ORDER BY a.day LIMIT 1) d
"""

_FIRST_SEEN_MERGE = """
INSERT INTO {first_seen} (assistant_id, user_key, first_day)
SELECT a.assistant_id, a.user_key, min(a.day) FROM analytics_active_delta a WHERE a.w = 1
GROUP BY a.assistant_id, a.user_key
ON CONFLICT (assistant_id, user_key) DO UPDATE SET first_day = EXCLUDED.first_day
WHERE {first_seen}.first_day > EXCLUDED.first_day
"""

# The stored facts (ConversationFact, OutputFact): replaced per conversation (batch mode) or per
# pair. The facts taken back and those added are copied, weighed -1 and 1, into ``{delta}`` (a
# temporary table shaped like the facts' with ``w`` first): the rows the rollups are merged from.
_FACTS_INSERT = """
WITH n AS (INSERT INTO {table} ({columns}) SELECT {columns} FROM ({facts}) f RETURNING *)
INSERT INTO {delta} SELECT 1, n.* FROM n
"""
_FACTS_DELETE_PAIRS = (
    "DELETE FROM {table} t USING analytics_pairs p WHERE t.{assistant} = p.assistant_id AND t.r_day = p.day"
)
_FACTS_DELETE_CONVERSATIONS = """
WITH d AS (DELETE FROM {table} t WHERE t.conversation_id = ANY(%(batch)s) RETURNING t.*)
INSERT INTO {delta} SELECT -1, d.* FROM d
"""

_DELETE_PAIRS = """
DELETE FROM {table} t USING analytics_pairs p WHERE t.assistant_id = p.assistant_id AND t.day = p.day
"""

# Batch mode: only the batch's users' ``ActiveUser`` rows of the pairs are replaced.
_ONLY_BATCH_USERS = "JOIN analytics_batch_users b ON b.user_key = {alias}.user_key"
_ONLY_BATCH_USERS_DELETE = "AND t.user_key IN (SELECT b.user_key FROM analytics_batch_users b)"
_USER_KEY = "('x' || substr(md5({user}), 1, 16))::bit(64)::bigint"

_DELTA_TABLES: dict[type[models.Model], str] = {
    ConversationFact: "analytics_convfact_delta",
    OutputFact: "analytics_outputfact_delta",
}
_ROLLUP_KEY_TYPES = (
    "day date, assistant_id bigint, variant varchar, feature varchar, language varchar, department varchar, "
    "dim1 varchar, dim2 varchar, dim3 varchar"
)
_TEMP_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS analytics_pairs "
    "(assistant_id bigint, day date, PRIMARY KEY (assistant_id, day)) ON COMMIT DELETE ROWS",
    "CREATE TEMP TABLE IF NOT EXISTS analytics_affected_users "
    "(assistant_id bigint, user_key bigint, PRIMARY KEY (assistant_id, user_key)) ON COMMIT DELETE ROWS",
    "CREATE TEMP TABLE IF NOT EXISTS analytics_batch_users (user_key bigint PRIMARY KEY) ON COMMIT DELETE ROWS",
    *(
        f"CREATE TEMP TABLE IF NOT EXISTS {delta} (w integer NOT NULL, LIKE {model._meta.db_table}) "
        "ON COMMIT DELETE ROWS"
        for model, delta in _DELTA_TABLES.items()
    ),
    f"CREATE TEMP TABLE IF NOT EXISTS analytics_active_new ({_ROLLUP_KEY_TYPES}, user_key bigint) "
    "ON COMMIT DELETE ROWS",
    f"CREATE TEMP TABLE IF NOT EXISTS analytics_active_delta ({_ROLLUP_KEY_TYPES}, user_key bigint, w integer) "
    "ON COMMIT DELETE ROWS",
    "DELETE FROM analytics_pairs",
    "DELETE FROM analytics_affected_users",
    "DELETE FROM analytics_batch_users",
    "DELETE FROM analytics_convfact_delta",
    "DELETE FROM analytics_outputfact_delta",
    "DELETE FROM analytics_active_new",
    "DELETE FROM analytics_active_delta",
)


def _table(model: type[models.Model]) -> sql.Identifier:
    return sql.Identifier(model._meta.db_table)


def _compiled(facts: models.QuerySet) -> sql.Composable:
    facts_sql, params = facts.query.sql_with_params()
    # The compiled queryset's parameters are bound as literals, leaving named placeholders ours.
    return sql.SQL(facts_sql.replace("%s", "{}")).format(*(sql.Literal(p) for p in params))


def _statement(
    template: str,
    *,
    facts: models.QuerySet | None = None,
    assistant: str = "f.assistant_id",
    only: sql.Composable | None = None,
    source: sql.Composable | None = None,
    **names: type[models.Model] | sql.Composable,
) -> sql.Composed:
    """Compose one statement; ``facts`` is an ORM queryset inlined as a subquery (its params first),
    a model among ``names`` stands for its table."""
    composed: dict[str, sql.Composable] = {
        name: value if isinstance(value, sql.Composable) else _table(value) for name, value in names.items()
    }
    if facts is not None:
        composed["facts"] = _compiled(facts)
    if source is not None:
        composed["facts"] = source
    composed["keys"] = sql.SQL(_KEYS)
    composed["f_keys"] = sql.SQL(_F_KEYS.format(assistant=assistant))
    composed["in_pairs"] = sql.SQL(_IN_PAIRS.format(assistant=assistant))
    composed["user_key"] = sql.SQL(_USER_KEY.format(user="f.r_user"))
    composed["only"] = only if only is not None else sql.SQL("")
    return sql.SQL(template).format(**composed)


# The fact queries' estimated costs pass jit_above_cost: compiling them cost 0.1-0.4 s per
# statement (10M events) for plans that run in less. Batch mode also pins the join method (see
# ``rollups_refresh``).
_PLAN_PINNED = "SET LOCAL jit = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off"
_PLAN_RESET = "RESET jit; RESET enable_hashjoin; RESET enable_mergejoin"

_VERSION_KEY = "analytics:rollups-version"


def rollups_version() -> str:
    """An opaque token that changes whenever this organization's rollups change (the cache key
    is per tenant): readers may cache what they computed from the rollups under it."""
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(_VERSION_KEY) or "unversioned"
    return str(version)


def rollups_version_bump() -> None:
    """Invalidate what readers cached from this organization's rollups."""
    # Now (this transaction's own later reads) and again at commit (what another process cached
    # in between, from the rows before the commit, is never read again).
    cache.set(_VERSION_KEY, uuid.uuid4().hex, None)
    transaction.on_commit(lambda: cache.set(_VERSION_KEY, uuid.uuid4().hex, None))


def _spans(pairs: Sequence[Pair], *, assistant: str, ts: str) -> Q:
    """The refreshed pairs as a filter: per assistant, each run of consecutive days one range of
    ``ts``. The facts read only these days, not everything between the earliest and the latest
    (a late event 29 days old would otherwise re-read a month of the assistant's record)."""
    spans = Q(pk__in=[])
    run: list[Pair] = []
    for pair in [*sorted(pairs), None]:
        if run and (pair is None or pair[0] != run[-1][0] or pair[1] != run[-1][1] + timedelta(days=1)):
            spans |= Q(
                **{
                    assistant: run[0][0],
                    f"{ts}__gte": day_start(run[0][1]),
                    f"{ts}__lt": day_start(run[-1][1] + timedelta(days=1)),
                }
            )
            run = []
        if pair is not None:
            run.append(pair)
    return spans


def _fact_columns(model: type[models.Model]) -> sql.Composable:
    columns: list[sql.Composable] = [
        sql.Identifier(str(f.column)) for f in model._meta.concrete_fields if not f.primary_key
    ]
    return sql.SQL(", ").join(columns)


# Batch mode compiles the same two fact queries for every batch but for the conversation ids and
# "now" (building and compiling the querysets cost more CPU than PostgreSQL spends running them).
# They are compiled once per time zone and idle time, with stand-ins for both that are swapped for
# the batch's values: the ids' array literal, and every datetime parameter (all derived from now)
# shifted by now's distance from the stand-in.
_STAND_IN_IDS = "{-1}"  # what ``__any=[-1]`` compiles to
_STAND_IN_NOW = datetime(2000, 1, 1, tzinfo=UTC)


@functools.lru_cache(maxsize=16)
def _batch_facts_compiled(tz: str, ended: Q) -> tuple[tuple[str, tuple], ...]:
    compiled = (
        _conversation_facts(Q(pk__any=[-1]), _STAND_IN_NOW).query.sql_with_params(),
        _output_facts(Q(conversation_id__any=[-1])).query.sql_with_params(),
    )
    for _, params in compiled:
        if [p for p in params if isinstance(p, str) and p.startswith("{")] != [_STAND_IN_IDS]:
            raise RuntimeError("a batch's fact query must take its ids as its one array parameter")
    return compiled


def _batch_facts(batch: Sequence[int], now: datetime) -> tuple[sql.Composable, sql.Composable]:
    """The compiled fact queries (conversations, outputs) of the batch's conversations."""
    compiled = _batch_facts_compiled(tenant_tz().key, ended_q(now=_STAND_IN_NOW))
    ids = "{" + ",".join(str(int(i)) for i in batch) + "}"
    shift = now - _STAND_IN_NOW

    def swapped(text: str, params: tuple) -> sql.Composable:
        values = [ids if p == _STAND_IN_IDS else p + shift if isinstance(p, datetime) else p for p in params]
        return sql.SQL(text.replace("%s", "{}")).format(*(sql.Literal(v) for v in values))

    conversations, outputs = (swapped(text, params) for text, params in compiled)
    return conversations, outputs


def _facts_replace(cursor: CursorWrapper, *, wanted: list[Pair], batch: Sequence[int] | None, now: datetime) -> None:
    """Recompute the stored facts: of the batch's conversations (batch mode: the old facts are
    copied into the delta tables, weighed -1), else of every conversation started in the pairs
    (whose rollup rows are deleted: they are summed anew)."""
    if batch is None:
        conversations = _spans(wanted, assistant="assistant_id", ts="started_at")
        outputs = _spans(wanted, assistant="conversation__assistant_id", ts="conversation__started_at")
        for model, assistant in ((ConversationFact, "assistant_id"), (OutputFact, "r_assistant")):
            cursor.execute(
                sql.SQL(_FACTS_DELETE_PAIRS).format(table=_table(model), assistant=sql.Identifier(assistant))
            )
        for rollup in (ConversationRollup, OutputRollup, HistogramRollup):
            cursor.execute(_statement(_DELETE_PAIRS, table=rollup))
        facts = (_compiled(_conversation_facts(conversations, now)), _compiled(_output_facts(outputs)))
    else:
        # A batch's conversation may have left its old start day: its old rows go by id.
        for fact, delta in _DELTA_TABLES.items():
            cursor.execute(
                sql.SQL(_FACTS_DELETE_CONVERSATIONS).format(table=_table(fact), delta=sql.Identifier(delta)),
                {"batch": list(batch)},
            )
        facts = _batch_facts(batch, now)
    # ``facts`` are the conversations' and the outputs', the order of ``_DELTA_TABLES``.
    for (fact, delta), compiled in zip(_DELTA_TABLES.items(), facts, strict=True):
        statement = sql.SQL(_FACTS_INSERT).format(
            table=_table(fact),
            columns=_fact_columns(fact),
            facts=compiled,
            delta=sql.Identifier(delta),
        )
        cursor.execute(statement)


def _rollups_merge(cursor: CursorWrapper, *, analyze: bool) -> None:
    """Merge the weighed facts of the delta tables into the conversation, output and histogram
    rollups."""
    conversations = sql.Identifier(_DELTA_TABLES[ConversationFact])
    outputs = sql.Identifier(_DELTA_TABLES[OutputFact])
    if analyze:  # statistics for the planner: the delta's rows merged by index, not the whole table
        cursor.execute(sql.SQL("ANALYZE {}, {}").format(conversations, outputs))
    c_keys = sql.SQL(_F_KEYS.format(assistant="f.assistant_id"))
    o_keys = sql.SQL(_F_KEYS.format(assistant="f.r_assistant"))
    parameters: dict[str, str | int] = {
        "turns": Measure.TURNS.value,
        "drop_off": Measure.DROP_OFF.value,
        "ttfa": Measure.TTFA.value,
        "latency": Measure.LATENCY.value,
        "instant": INSTANT_ACCEPT_SECONDS,
    }
    merges = (
        (ConversationRollup, sql.SQL(_CONVERSATION_ROWS).format(f_keys=c_keys, facts=conversations), ("intent_id",)),
        (OutputRollup, sql.SQL(_OUTPUT_ROWS).format(f_keys=o_keys, facts=outputs), ()),
        (
            HistogramRollup,
            sql.SQL(_HISTOGRAM_ROWS).format(c_keys=c_keys, o_keys=o_keys, conversations=conversations, outputs=outputs),
            ("measure", "bucket"),
        ),
    )
    for model, rows, keys in merges:
        presence = {ConversationRollup: "conversations", OutputRollup: "outputs"}.get(model, "count")
        cursor.execute(_merge(model, rows, keys=(*_KEY_COLUMNS, *keys), presence=presence), parameters)


def rollups_refresh(
    *,
    pairs: Iterable[Pair],
    now: datetime | None = None,
    batch: Sequence[int] | None = None,
    users: Sequence[str] | None = None,
    assistants: Iterable[int] = (),
) -> int:
    """Bring the rollups up to date with the enriched record; returns how many pairs were given.

    Without a batch, every rollup row of the given (assistant, day) pairs is recomputed: the facts
    of every conversation started in the pairs, and every user of the pairs.

    Batch mode (the enrichment step): only the ``batch`` conversations, of ``assistants`` and
    ``users``, changed. Their stored facts are recomputed and the difference to the old ones merged
    into the conversation, output and histogram rollups, wherever the old and new facts fall. The
    pairs are the days of the batch's user messages: only these users' ``ActiveUser`` rows of the
    pairs (and first days) are recomputed, from their own conversations, and the ``DailyPeople``
    rows whose users changed.
    """
    wanted = sorted(set(pairs))
    if not wanted and batch is None:
        return 0
    now = now or timezone.now()
    assistant_ids = sorted({a for a, _ in wanted} | set(assistants))
    days = [d for _, d in wanted]
    user_spans = _spans(wanted, assistant="conversation__assistant_id", ts="ts")
    if users is not None:
        user_spans &= Q(conversation__user_id__any=sorted(set(users)))

    def only(alias: str) -> sql.Composable:
        return sql.SQL(_ONLY_BATCH_USERS.format(alias=alias) if users is not None else "")

    with transaction.atomic(), connection.cursor() as cursor:
        # A batch joins its few hundred rows to the tables by nested loops through their unique
        # key indexes. Left to itself, the planner hash-joined every rollup row of the assistant
        # (11,000 histogram rows at 20k events) to find a batch's keys; and with the join method
        # fixed, the delta tables, read once each as the outer side, need no ANALYZE.
        pinned = batch is not None
        cursor.execute(_PLAN_PINNED if pinned else "SET LOCAL jit = off")
        # Two refreshes of the same assistant (concurrent batches) must not interleave their
        # reads and writes; the lock is held until the enclosing transaction ends.
        for assistant_id in assistant_ids:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('analytics.rollups'), %s)", [assistant_id])
        # One round trip: the statements take no parameters.
        cursor.execute(";\n".join(_TEMP_TABLES))
        cursor.execute(
            "INSERT INTO analytics_pairs (assistant_id, day) SELECT unnest(%s::bigint[]), unnest(%s::date[])",
            [[a for a, _ in wanted], days],
        )
        if users is not None:
            cursor.execute(
                sql.SQL("INSERT INTO analytics_batch_users SELECT DISTINCT {} FROM unnest(%s::text[]) u").format(
                    sql.SQL(_USER_KEY.format(user="u"))
                ),
                [list(users)],
            )
        # Statistics for the temporary tables: without them the planner expects thousands of pairs
        # and reads every day's facts of an assistant in a merge join instead of the few touched;
        # or, joins pinned, one pair, and loops over the pairs outermost (10x slower at 40k events).
        cursor.execute("ANALYZE analytics_pairs, analytics_batch_users")
        cursor.execute(_statement(_AFFECTED_USERS, first_seen=UserFirstSeen, only=only("s")))
        _facts_replace(cursor, wanted=wanted, batch=batch, now=now)
        _rollups_merge(cursor, analyze=not pinned)
        if wanted:  # a batch without user messages changes no user's activity
            _active_users_replace(cursor, user_spans=user_spans, batch_users=users is not None, analyze=not pinned)
            cursor.execute(_statement(_FIRST_SEEN_DELETE, first_seen=UserFirstSeen))
            cursor.execute(_statement(_FIRST_SEEN_RECOUNT, table=ActiveUser, first_seen=UserFirstSeen))
            cursor.execute(_statement(_FIRST_SEEN_MERGE, first_seen=UserFirstSeen))
        cursor.execute(_PLAN_RESET if pinned else "RESET jit")
        rollups_version_bump()
    return len(wanted)


def _active_users_replace(cursor: CursorWrapper, *, user_spans: Q, batch_users: bool, analyze: bool) -> None:
    """Replace the ``ActiveUser`` rows of the pairs (of the batch's users only, in batch mode) by
    difference, then ``DailyPeople``: in batch mode its counts change by the rows that went and
    came, and only the sketches of those keys are recomputed; otherwise the pairs' rows are
    counted anew from ``ActiveUser``."""
    cursor.execute(_statement(_USERS, facts=_user_facts(user_spans), assistant="f.r_assistant"))
    if analyze:
        cursor.execute("ANALYZE analytics_active_new")
    same = sql.SQL(" AND ").join(sql.SQL("n.{c} = t.{c}").format(c=sql.Identifier(c)) for c in _KEY_COLUMNS)
    t_keys = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in _KEY_COLUMNS)
    only = sql.SQL(_ONLY_BATCH_USERS_DELETE if batch_users else "")
    cursor.execute(_statement(_USERS_GONE, table=ActiveUser, same=same, t_keys=t_keys, only=only))
    cursor.execute(_statement(_USERS_CAME, table=ActiveUser))
    people, active = DailyPeople._meta.db_table, ActiveUser._meta.db_table
    if batch_users:
        if analyze:
            cursor.execute("ANALYZE analytics_active_delta")
        rows = _statement(_PEOPLE_DELTA)
        cursor.execute(_merge(DailyPeople, rows, keys=_KEY_COLUMNS, presence="users", extra={"sketch": "''::bytea"}))
        sketches_fill(cursor, people=people, active=active, changed="analytics_active_delta")
    else:
        cursor.execute(_statement(_DELETE_PAIRS, table=DailyPeople))
        cursor.execute(_statement(_PEOPLE, table=DailyPeople, active=ActiveUser))
        sketches_fill(cursor, people=people, active=active)


def _days(qs: models.QuerySet, assistant: str, ts: str) -> set[Pair]:
    return set(qs.annotate(r_day=TruncDate(ts, tzinfo=tenant_tz())).values_list(assistant, "r_day").distinct())


def user_message_pairs(*, conversation_ids: list[int]) -> set[Pair]:
    """Every (assistant, day) of a user message of the conversations: the days whose ``ActiveUser``
    rows they may change (a user is active on the day of their message, in the cut of its
    conversation). Their conversation and output rollups need no days: they follow the facts."""
    messages = Message.objects.filter(conversation_id__any=conversation_ids, role="user").order_by()
    return _days(messages, "conversation__assistant_id", "ts")


def rollups_enrich_step(*, batch_id: int, conversation_ids: list[int]) -> None:
    """Last enrichment step: merge the batch's conversations into the rollups.

    First the conversations take their custom dimension values from the batch's metadata, which
    detection (an earlier step) has masked by now.
    """
    if not conversation_ids:
        return
    conversation_dims_fill(batch_id=batch_id)
    with transaction.atomic(), connection.cursor() as cursor:
        # Everything below reads the batch's own rows and the touched days through indexes. The
        # planner, weighing a few thousand index probes against one scan, would otherwise scan
        # whole tables (all actions for each EXISTS, all user messages of the days): cheaper at
        # 1M events, in proportion to the table beyond.
        cursor.execute("SET LOCAL enable_seqscan = off")
        owners = set(Conversation.objects.filter(pk__any=conversation_ids).values_list("assistant_id", "user_id"))
        rollups_refresh(
            pairs=user_message_pairs(conversation_ids=conversation_ids),
            batch=conversation_ids,
            assistants={assistant for assistant, _ in owners},
            users=sorted({user for _, user in owners}),
        )
        cursor.execute("RESET enable_seqscan")


def rollups_record_changed(*, spans: Sequence[RecordSpan]) -> None:
    """``settings.RECORD_CHANGE_HOOKS`` entry: the enriched record changed outside a batch (an
    erasure deleted conversations, a re-clustering moved messages to other intents); refresh
    every (assistant, day) of the spans, in the writer's transaction.

    Every rollup row is dated by a conversation's start day or a user message's day, both inside
    its span, so refreshing the spans' days gives the rows of a rebuild; a deleted user's
    ``ActiveUser`` and ``UserFirstSeen`` rows go with them.
    """
    pairs: set[Pair] = set()
    for span in spans:
        day, last = tenant_today(span.first), tenant_today(span.last)
        while day <= last:
            pairs.add((span.assistant_id, day))
            day += timedelta(days=1)
    rollups_refresh(pairs=pairs)


def rollups_rebuild(*, assistant_ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Rebuild the rollups of some (default: all) assistants from the enriched record."""
    from apps.registry.models import Assistant

    now = now or timezone.now()
    ids = list(assistant_ids) if assistant_ids is not None else list(Assistant.objects.values_list("pk", flat=True))
    with transaction.atomic():
        for model in (ConversationRollup, OutputRollup, HistogramRollup, ActiveUser, DailyPeople, UserFirstSeen):
            model.objects.filter(assistant_id__in=ids).delete()
        ConversationFact.objects.filter(assistant_id__in=ids).delete()
        OutputFact.objects.filter(r_assistant__in=ids).delete()
        rollups_version_bump()
        convs = Conversation.objects.filter(assistant_id__in=ids).order_by()
        pairs = _days(convs, "assistant_id", "started_at")
        pairs |= _days(
            Message.objects.filter(role="user", conversation__in=convs).order_by(), "conversation__assistant_id", "ts"
        )
        refreshed = rollups_refresh(pairs=pairs, now=now)
        if assistant_ids is None:
            RollupWatermark.objects.update_or_create(name=ENDED_WATERMARK, defaults={"at": now})
        # A rebuild replaces the tables whole: without fresh statistics until autovacuum's next
        # analyze, the planner joins the return-rate CTEs with a nested loop (minutes instead of
        # 0.1 s at 1M events). ANALYZE counts this transaction's own new rows.
        analyzed: tuple[type[models.Model], ...] = (
            ConversationRollup, OutputRollup, HistogramRollup, ActiveUser, DailyPeople, UserFirstSeen,
            ConversationFact, OutputFact,
        )  # fmt: skip
        with connection.cursor() as cursor:
            for table in analyzed:
                cursor.execute(sql.SQL("ANALYZE {}").format(_table(table)))
    return refreshed


def rollups_refresh_ended(*, now: datetime | None = None) -> int:
    """Fold in conversations that ended by inactivity since the last run (no event marks that)."""
    now = now or timezone.now()
    idle = timedelta(minutes=int(getattr(settings, "ANALYTICS_CONVERSATION_IDLE_MINUTES", 30)))
    with transaction.atomic():
        mark = RollupWatermark.objects.select_for_update().filter(name=ENDED_WATERMARK).first()
        newly = Conversation.objects.filter(outcome__isnull=True, last_event_at__lte=now - idle).order_by()
        if mark is not None:
            newly = newly.filter(last_event_at__gt=mark.at - idle)
        refreshed = rollups_refresh(pairs=_days(newly, "assistant_id", "started_at"), now=now)
        RollupWatermark.objects.update_or_create(name=ENDED_WATERMARK, defaults={"at": now})
    return refreshed
