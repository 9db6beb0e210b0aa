"""Deterministic demo traffic: batches of v1 events per assistant, generated lazily day by day.

Determinism is per (seed, assistant, calendar day): each day draws from its own
``random.Random(f"{seed}:{assistant}:{day}")``, and ids are built from the same triple. So
re-running the seed on the same day reproduces every event (ingestion dedups them by id), and
re-running on a later day reproduces the overlapping days and only adds the new ones. Launches,
releases and retirements are fixed offsets before the *anchor* (the first seeding day), which the
command reads back from the registry.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any

from apps.demo import templates as tpl
from apps.demo.catalog import (
    ASSISTANTS,
    CAREER_DAY1_SHARE,
    CODE_MODEL_CHANGE,
    CUSTOMER_LANGUAGES,
    EMPLOYEE_DEPARTMENTS,
    HR_CAREER_COACH_LAUNCH,
    MARKETING_MODEL_CHANGE,
    SALES_AB_START,
    SALES_VARIANTS,
    SUPPORT_REFUND_PROMPT,
    AssistantSpec,
)

DEFAULT_EVENTS = 80_000
BATCH_SIZE = 5_000
ACCEPT = frozenset({"copy", "share", "save", "send", "apply"})  # METRICS.md accept actions (checks, docs)

_CUSTOMER_LOCALES = {
    "en": (("en-US", "NA", 0.6), ("en-GB", "EMEA", 0.25), ("en-AU", "APAC", 0.1), ("en-IN", "APAC", 0.05)),
    "es": (("es-ES", "EMEA", 0.45), ("es-MX", "LATAM", 0.55)),
    "pt": (("pt-BR", "LATAM", 0.85), ("pt-PT", "EMEA", 0.15)),
    "fr": (("fr-FR", "EMEA", 1.0),),
    "de": (("de-DE", "EMEA", 1.0),),
}
_EMPLOYEE_LOCALES = (
    ("en-US", "NA", 0.5),
    ("en-GB", "EMEA", 0.2),
    ("es-ES", "EMEA", 0.08),
    ("de-DE", "EMEA", 0.07),
    ("fr-FR", "EMEA", 0.06),
    ("pt-BR", "LATAM", 0.05),
    ("en-IN", "APAC", 0.04),
)
# Share of conversations starting in each UTC hour: business hours for staff, flatter for customers.
_HOURS_STAFF = [1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 19, 17, 12, 15, 18, 17, 14, 10, 6, 4, 3, 2, 1, 1]
_HOURS_CUSTOMERS = [3, 2, 2, 1, 1, 2, 3, 5, 7, 9, 10, 10, 10, 10, 10, 10, 10, 10, 10, 9, 8, 7, 5, 4]
_CALIBRATION_CONVERSATIONS = 300


@dataclass(frozen=True)
class User:
    id: str
    locale: str
    region: str
    department: str | None

    @property
    def lang(self) -> str:
        return self.locale[:2]

    def as_event_field(self) -> dict[str, str]:
        out = {"locale": self.locale, "region": self.region}
        if self.department:
            out["department"] = self.department
        return out


@dataclass(frozen=True)
class Plan:
    seed: int
    today: date
    now: datetime
    anchor: date  # first seeding day: launches and releases are offsets before it
    days: int
    events: int = DEFAULT_EVENTS
    batch_size: int = BATCH_SIZE

    @property
    def first_day(self) -> date:
        return self.today - timedelta(days=self.days - 1)


@dataclass
class Batch:
    assistant: str  # AssistantSpec.key
    events: list[dict[str, Any]]


def _rng(*parts: object) -> random.Random:
    # String seeds hash with SHA-512 inside random, so they are stable across processes and Python runs.
    return random.Random(":".join(str(p) for p in parts))  # noqa: S311 - demo data, not security


def _uid(prefix: str, seed: int, index: int) -> str:
    return f"{prefix}_{hashlib.blake2b(f'{seed}:{prefix}:{index}'.encode(), digest_size=6).hexdigest()}"


def _weighted(rng: random.Random, options: tuple[tuple[str, str, float], ...]) -> tuple[str, str]:
    r, acc = rng.random(), 0.0
    for locale, region, weight in options:
        acc += weight
        if r < acc:
            return locale, region
    return options[-1][0], options[-1][1]


class Population:
    """The organization's employees and its customers (pseudonymous ids, locale, region, department)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    @cached_property
    def employees(self) -> list[User]:
        rng = _rng(self.seed, "employees")
        departments = [name for name, n in EMPLOYEE_DEPARTMENTS.items() for _ in range(n)]
        rng.shuffle(departments)
        out = []
        for index, department in enumerate(departments):
            locale, region = _weighted(rng, _EMPLOYEE_LOCALES)
            out.append(User(_uid("emp", self.seed, index), locale, region, department))
        return out

    @cached_property
    def customers(self) -> list[User]:
        rng = _rng(self.seed, "customers")
        langs = list(CUSTOMER_LANGUAGES.items())
        out = []
        for index in range(20_000):
            r, acc, lang = rng.random(), 0.0, "en"
            for code, share in langs:
                acc += share
                if r < acc:
                    lang = code
                    break
            locale, region = _weighted(rng, _CUSTOMER_LOCALES[lang])
            out.append(User(_uid("cus", self.seed, index), locale, region, None))
        return out

    def users_for(self, spec: AssistantSpec) -> list[User]:
        if spec.pool == "customers":
            return self.customers
        if not spec.user_departments:
            return self.employees
        return [u for u in self.employees if u.department in spec.user_departments]


class ConversationWriter:
    """Simulates one conversation turn by turn and emits its events."""

    def __init__(self, spec: AssistantSpec, plan: Plan, day: date, rng: random.Random) -> None:
        self.spec = spec
        self.plan = plan
        self.day = day
        self.rng = rng
        self.days_before_anchor = (plan.anchor - day).days
        self.bank = tpl.BANKS[spec.key]
        # Intents a user may open with (or follow up on) per language; career_coach has its own traffic.
        self.openers: dict[str, tuple[list[tpl.Intent], list[float]]] = {}
        for lang in {lang for intent in self.bank for lang in intent.questions}:
            intents = [i for i in self.bank if lang in i.questions and i.key != "career_coach"]
            self.openers[lang] = (intents, [i.weight for i in intents])

    # --- what changes over time (the planted release effects) ---------------------------------------

    def _model(self) -> str:
        if self.spec.key == "code" and self.days_before_anchor > CODE_MODEL_CHANGE:
            return "gpt-4o"
        if self.spec.key == "marketing" and self.days_before_anchor > MARKETING_MODEL_CHANGE:
            return "gemini-1.5-pro"
        return self.spec.model

    def _prices(self) -> tuple[float, float] | None:
        if self._model() == "gemini-1.5-pro":
            return (0.00125, 0.005)
        if self._model() == "gpt-4o":
            return (0.0025, 0.01)
        return self.spec.prices

    def _latency_base(self) -> float:
        return 2600.0 if self._model() == "gpt-4o" and self.spec.key == "code" else float(self.spec.latency_ms)

    def _success(self, lang: str, intent: str, turn: int) -> float:
        spec = self.spec
        p = spec.lang_success.get(lang, spec.success)
        if spec.key == "support" and intent == "refund":
            # Before the refund-policy prompt (release annotation) refund questions mostly failed.
            p = p * (1.05 if self.days_before_anchor <= SUPPORT_REFUND_PROMPT else 0.5)
        elif spec.key == "code" and self.days_before_anchor > CODE_MODEL_CHANGE:
            p -= 0.08
        elif spec.key == "marketing" and self.days_before_anchor > MARKETING_MODEL_CHANGE:
            p -= 0.15
        if turn > 0 and lang in ("en", "fr", "de"):
            p += 0.1  # a rephrased question is usually clearer; not so for the mistreated languages
        return min(max(p, 0.02), 0.97)

    # --- emission -----------------------------------------------------------------------------------

    def write(self, conv_id: str, user: User, start: datetime, intent: tpl.Intent | None = None) -> list[dict]:
        spec, rng = self.spec, self.rng
        lang = user.lang if user.lang in self.openers else "en"
        if intent is None:
            intents, weights = self.openers[lang]
            intent = rng.choices(intents, weights=weights)[0]
        if lang not in intent.questions:
            lang = "en"
        self.events: list[dict[str, Any]] = []
        self.conv_id, self.user, self.ts = conv_id, user, start
        self.feature = intent.feature
        self.variant = self._variant(intent)
        self.history_chars = 0
        model = self._model()
        slots = tpl.Slots(rng, lang)
        if self.variant is not None:
            self._variant_task(intent, lang, slots, model)
            return self.events

        phrasing = rng.randrange(len(intent.questions[lang]))
        rephrase = False
        follow_ups = 0
        rephrases = 0
        while True:
            question = intent.questions[lang][phrasing].format_map(slots)
            if rephrase:
                question = rng.choice(tpl.REPHRASE_PREFIX[lang]) + _lower_first(question)
            self._message("user", question)
            good = rng.random() < self._success(lang, intent.key, 1 if rephrase else 0)
            if good:
                answer = rng.choice(intent.answers.get(lang) or intent.answers["en"]).format_map(slots)
            elif spec.pool == "customers":
                answer = rng.choice(tpl.FALLBACK[lang])
            else:
                answer = rng.choice(tpl.WEAK_ANSWER.get(lang) or tpl.WEAK_ANSWER["en"])
            out_id = self._message("assistant", answer, model=model)
            if good:
                if rng.random() < spec.action_rate:
                    self._gap(2, 40)
                    self._action(out_id, rng.choice(spec.accept_actions) if rng.random() < 0.85 else "edit")
                self._maybe_feedback(out_id, lang, positive=True)
                if follow_ups < spec.max_follow_ups and rng.random() < 0.25:
                    follow_ups += 1
                    others = [
                        i for i in self.bank if i is not intent and lang in i.questions and i.key != "career_coach"
                    ]
                    if others:
                        intent = rng.choice(others)
                        phrasing = rng.randrange(len(intent.questions[lang]))
                        rephrase = False
                        rephrases = 0
                        self._gap(15, 120)
                        continue
                if rng.random() < 0.3:
                    self._gap(5, 40)
                    self._message("user", rng.choice(tpl.THANKS.get(lang) or tpl.THANKS["en"]))
                self._outcome("resolved", probability=spec.report_outcome)
                return self.events
            if rng.random() < spec.action_rate * 0.6:
                self._gap(2, 25)
                self._action(out_id, rng.choice(spec.reject_actions))
            rephrase_p = spec.lang_rephrase.get(lang, spec.rephrase)
            if rephrases < spec.max_rephrases and rng.random() < rephrase_p:
                # Re-ask the same question in other words (another phrasing, same slots).
                options = [i for i in range(len(intent.questions[lang])) if i != phrasing]
                phrasing = rng.choice(options) if options else phrasing
                rephrase = True
                rephrases += 1
                self._gap(10, 60)
                continue
            self._maybe_feedback(out_id, lang, positive=False)
            if rng.random() < spec.escalate:
                if rng.random() < 0.6:
                    self._gap(5, 40)
                    self._message("user", rng.choice(tpl.ASK_HUMAN.get(lang) or tpl.ASK_HUMAN["en"]))
                    handoff = tpl.HANDOFF.get(lang, tpl.HANDOFF["en"]).format_map(slots)
                    out_id = self._message("assistant", handoff, model=model)
                self._gap(1, 10)
                self._action(out_id, "escalate")
                self._outcome("escalated", probability=max(spec.report_outcome, 0.6))
            else:
                if rng.random() < 0.4:
                    self._gap(5, 60)
                    self._action(out_id, "abandon")
                self._outcome("abandoned", probability=spec.report_outcome * 0.6)
            return self.events

    def _variant(self, intent: tpl.Intent) -> str | None:
        if self.spec.key != "sales" or intent.feature != "email_draft":
            return None
        if self.days_before_anchor > SALES_AB_START:
            return "email_prompt_a"  # only one prompt before the A/B test started
        return self.rng.choice(tuple(SALES_VARIANTS))

    def _variant_task(self, intent: tpl.Intent, lang: str, slots: tpl.Slots, model: str) -> None:
        """One e-mail draft: each output is accepted with its variant's rate, else edited/regenerated/dismissed."""
        rng, accept_p = self.rng, SALES_VARIANTS[self.variant or "email_prompt_a"]
        self._message("user", rng.choice(intent.questions[lang]).format_map(slots))
        for attempt in range(4):
            answer = rng.choice(intent.answers[lang]).format_map(slots)
            if self.variant == "email_prompt_b":
                answer = answer.replace("Hi ", "Dear ").replace("Best regards,", "Yours sincerely,")
            out_id = self._message("assistant", answer, model=model)
            if rng.random() >= 0.9:  # no signal on this output
                self._outcome("abandoned", probability=0.3)
                return
            self._gap(3, 90)
            if rng.random() < accept_p:
                self._action(out_id, rng.choice(("send", "send", "copy")))
                self._maybe_feedback(out_id, lang, positive=True)
                self._outcome("resolved", probability=0.5)
                return
            kind = rng.choices(("edit", "regenerate", "dismiss"), weights=(0.45, 0.4, 0.15))[0]
            self._action(out_id, kind)
            if kind == "edit":
                if rng.random() < 0.6:  # edited then sent: counts as edited, not accepted
                    self._gap(20, 180)
                    self._action(out_id, "send")
                return
            if kind == "dismiss" or attempt == 3:
                self._maybe_feedback(out_id, lang, positive=False)
                self._outcome("abandoned", probability=0.4)
                return
            self._gap(1, 5)  # regenerate: another draft for the same request

    def _base(self, etype: str) -> dict[str, Any]:
        event = {
            "id": f"{self.conv_id}-{len(self.events)}",
            "type": etype,
            "timestamp": self.ts.isoformat(),
            "conversation_id": self.conv_id,
            "user_id": self.user.id,
            "feature": self.feature,
        }
        if self.variant is not None:
            event["variant"] = self.variant
        self.events.append(event)
        return event

    def _gap(self, lo: float, hi: float) -> None:
        self.ts += timedelta(seconds=self.rng.uniform(lo, hi))

    def _message(self, role: str, content: str, model: str | None = None) -> str:
        rng = self.rng
        if role == "user":
            self._gap(3, 25)  # typing
        message_id = f"{self.conv_id}-m{len(self.events)}"
        in_tokens = self.spec.system_tokens + self.history_chars // 4
        self.history_chars += len(content)
        if role == "assistant":
            out_tokens = int(len(content) / 4 * rng.uniform(1.0, 1.6)) + 8
            latency = int(self._latency_base() * rng.lognormvariate(0, 0.35) + out_tokens * self.spec.ms_per_token)
            self.ts += timedelta(milliseconds=latency)
        event = self._base("message")
        event["message_id"] = message_id
        event["role"] = role
        event["content"] = content
        if role == "user":
            event["user"] = self.user.as_event_field()
        else:
            event["model"] = model
            event["latency_ms"] = latency
            event["input_tokens"] = in_tokens
            event["output_tokens"] = out_tokens
            prices = self._prices()
            if prices is not None:
                event["cost_usd"] = round(in_tokens / 1000 * prices[0] + out_tokens / 1000 * prices[1], 6)
        return message_id

    def _action(self, message_id: str, action: str) -> None:
        event = self._base("action")
        event["message_id"] = message_id
        event["action"] = action

    def _maybe_feedback(self, message_id: str, lang: str, *, positive: bool) -> None:
        rng = self.rng
        rate = self.spec.feedback_rate * (1.0 if positive else 1.6)
        if rng.random() >= rate:
            return
        self._gap(1, 20)
        event = self._base("feedback")
        event["message_id"] = message_id
        # Mostly consistent with the experience, with some noise both ways.
        up = rng.random() < (0.9 if positive else 0.12)
        if self.spec.stars:
            event["rating"] = rng.choice((4, 5, 5)) if up else rng.choice((1, 2, 2, 3))
        else:
            event["rating"] = "up" if up else "down"
        if rng.random() < 0.3:
            comments = tpl.FEEDBACK_COMMENTS["up" if up else "down"]
            event["comment"] = rng.choice(comments.get(lang) or comments["en"])

    def _outcome(self, outcome: str, *, probability: float) -> None:
        if self.rng.random() < probability:
            self._gap(1, 30)
            self._base("outcome")["outcome"] = outcome


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


class Generator:
    """Yields batches of at most ``plan.batch_size`` events, one assistant per batch."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.population = Population(plan.seed)
        self._pools = {spec.key: self.population.users_for(spec) for spec in ASSISTANTS}
        self._scale = self._calibrate()

    # --- volume ---------------------------------------------------------------------------------------

    def _active(self, spec: AssistantSpec, day: date) -> bool:
        before = (self.plan.anchor - day).days
        if before > spec.launched_days_ago:
            return False
        return spec.retired_days_ago is None or before > spec.retired_days_ago

    def _day_factor(self, spec: AssistantSpec, day: date, weekday_mean: bool = False) -> float:
        if not self._active(spec, day):
            return 0.0
        weekend = (5 + 2 * spec.weekend) / 7 if weekday_mean else (spec.weekend if day.weekday() >= 5 else 1.0)
        growth = min(max(1.0 + 0.003 * (day - self.plan.anchor).days, 0.6), 1.4)  # slow adoption growth
        return weekend * growth

    def _calibrate(self) -> float:
        """Conversations per unit of weight and day so that the whole window yields about ``plan.events``.

        Mean events per conversation are measured on a fixed simulated sample, and weekdays are
        averaged, so the scale depends only on the plan (not on which weekday today is).
        """
        expected_per_unit = 0.0
        for spec in ASSISTANTS:
            rng = _rng(self.plan.seed, "calibrate", spec.key)
            writer = ConversationWriter(spec, self.plan, self.plan.anchor, rng)
            pool = self._pools[spec.key]
            start = datetime.combine(self.plan.anchor, datetime.min.time(), tzinfo=UTC)
            total = sum(
                len(writer.write(f"cal-{i}", pool[rng.randrange(len(pool))], start))
                for i in range(_CALIBRATION_CONVERSATIONS)
            )
            mean_events = total / _CALIBRATION_CONVERSATIONS
            days = sum(
                self._day_factor(spec, self.plan.first_day + timedelta(days=d), weekday_mean=True)
                for d in range(self.plan.days)
            )
            expected_per_unit += spec.weight * mean_events * days
        return self.plan.events / expected_per_unit if expected_per_unit else 0.0

    @cached_property
    def _career_order(self) -> list[int]:
        # A fixed random order of employees: the launch crowd first, then each day's newcomers.
        order = list(range(len(self.population.employees)))
        _rng(self.plan.seed, "career-order").shuffle(order)
        return order

    # --- traffic ----------------------------------------------------------------------------------------

    def _pick_user(self, rng: random.Random, pool: list[User]) -> User:
        # Skewed: a few heavy users, a long tail of occasional ones (makes return rates realistic).
        return pool[int(len(pool) * rng.random() ** 2.2)]

    def _start(self, rng: random.Random, spec: AssistantSpec, day: date) -> datetime:
        hours = _HOURS_CUSTOMERS if spec.pool == "customers" else _HOURS_STAFF
        hour = rng.choices(range(24), weights=hours)[0]
        return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(
            hours=hour, seconds=rng.uniform(0, 3600)
        )

    def day_events(self, spec: AssistantSpec, day: date) -> Iterator[list[dict[str, Any]]]:
        """Every conversation of one assistant on one day (events after ``plan.now`` left out)."""
        rng = _rng(self.plan.seed, spec.key, day.isoformat())
        expected = self._scale * spec.weight * self._day_factor(spec, day)
        noise, frac = rng.gauss(0, 0.15), rng.random()  # always drawn: keeps later draws stable
        count = int(expected * math.exp(noise) + frac) if expected else 0
        writer = ConversationWriter(spec, self.plan, day, rng)
        pool = self._pools[spec.key]
        prefix = f"{spec.key}-{self.plan.seed}-{day:%Y%m%d}"
        for index in range(count):
            events = writer.write(f"{prefix}-{index:05d}", self._pick_user(rng, pool), self._start(rng, spec, day))
            yield self._until_now(events)
        if spec.key == "hr":
            yield from self._career_coach(spec, day, writer, prefix)

    def _career_coach(
        self, spec: AssistantSpec, day: date, writer: ConversationWriter, prefix: str
    ) -> Iterator[list[dict[str, Any]]]:
        """The novelty feature: a crowd on its first day, a thin trickle of one-off users after."""
        offset = (day - (self.plan.anchor - timedelta(days=HR_CAREER_COACH_LAUNCH))).days
        if offset < 0:
            return
        rng = _rng(self.plan.seed, "career", day.isoformat())
        order = self._career_order
        # The crowd is a share of the HR audience (a head count in the registry), not of the traffic,
        # so it does not shrink with --events: a smaller crowd under the same audience would hide the
        # planted day-1 adoption (27% > the 20% of "sunset or redesign") in any reduced seed.
        crowd = round(spec.audience_size * CAREER_DAY1_SHARE)
        if offset == 0:
            picks = order[:crowd]
        else:
            fresh = rng.randint(1, 4) if day.weekday() < 5 else rng.randint(0, 1)
            base = crowd + offset * 4
            picks = [order[(base + j) % len(order)] for j in range(fresh)]
            if rng.random() < 0.35:
                picks.append(order[rng.randrange(crowd)])  # the rare returning user
        intent = next(i for i in writer.bank if i.key == "career_coach")
        for j, index in enumerate(picks):
            user = self.population.employees[index]
            events = writer.write(f"{prefix}-cc{j:04d}", user, self._start(rng, spec, day), intent=intent)
            yield self._until_now(events)

    def _until_now(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # Conversations still "running" today send only what has happened so far; a later re-run adds the rest.
        # Timestamps only grow within a conversation, so checking the last one is enough.
        now = self.plan.now
        if events and datetime.fromisoformat(events[-1]["timestamp"]) > now:
            return [e for e in events if datetime.fromisoformat(e["timestamp"]) <= now]
        return events

    def batches(self) -> Iterator[Batch]:
        """Lazily, day by day; memory stays at about one batch per assistant whatever the volume."""
        buffers: dict[str, list[dict[str, Any]]] = {spec.key: [] for spec in ASSISTANTS}
        size = self.plan.batch_size
        for d in range(self.plan.days):
            day = self.plan.first_day + timedelta(days=d)
            for spec in ASSISTANTS:
                buffer = buffers[spec.key]
                for events in self.day_events(spec, day):
                    buffer.extend(events)
                    if len(buffer) >= size:
                        yield Batch(spec.key, buffer[:size])
                        del buffer[:size]
        for key, buffer in buffers.items():
            for start in range(0, len(buffer), size):
                yield Batch(key, buffer[start : start + size])


def demo_batches(plan: Plan) -> Iterator[Batch]:
    return Generator(plan).batches()
