"""Deterministic demo proxy logs (Squid native format) and the identity map behind them.

Six weeks of web-proxy traffic of the demo company ending the day before the *anchor* (the first
seeding day, as for the assistants' traffic): so a re-run of ``seed_demo`` on any later day writes
the very same file, and the import refuses it as a re-import instead of counting it twice.

Each (department, service) below is a planted pattern; the table in docs/demo-data.md is this one.
Each day draws from its own ``random.Random(f"{seed}:egress:{day}")``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

# Six weeks: the spike rule compares a day with the 28 days before it, all covered by logs (days
# before the first log are unknown), so the planted spike in the last days needs > 28 days of logs;
# the planted launch (LAUNCH_DAYS_BEFORE_ANCHOR) then has a full 28-day window before it.
EGRESS_DAYS = 42
SPIKE_DAYS = 4  # the spiking service jumps in the last SPIKE_DAYS days of the window
# Marketing's sanctioned image tool (``LAUNCH`` below) was approved this many days before the
# anchor; from the next day its shadow rival (Midjourney, shape ``replaced``) falls to REPLACED_LEVEL.
LAUNCH_DAYS_BEFORE_ANCHOR = 14
REPLACED_LEVEL = 0.3
EGRESS_FILENAME = "demo-squid-access.log"

# Department → (subnet of its desks, user names). Names are log identities (proxy auth), not people
# of the assistants' traffic; the identity map sends both the names and the subnets to departments.
DEPARTMENT_PEOPLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "Sales": (
        "10.20.1.0/24",
        (
            "asmith",
            "bjones",
            "cgarcia",
            "dmiller",
            "edavis",
            "fwilson",
            "gmoore",
            "htaylor",
            "ithomas",
            "jwhite",
            "kharris",
            "lmartin",
            "mthompson",
            "nclark",
            "olewis",
            "prodriguez",
        ),
    ),
    "Engineering": (
        "10.20.2.0/24",
        (
            "alee",
            "bwalker",
            "chall",
            "dallen",
            "eyoung",
            "fking",
            "gwright",
            "hlopez",
            "ihill",
            "jscott",
            "kgreen",
            "ladams",
            "mbaker",
            "nnelson",
            "ocarter",
            "pmitchell",
            "qperez",
            "rroberts",
            "sturner",
            "tphillips",
        ),
    ),
    "Marketing": (
        "10.20.3.0/24",
        ("acampbell", "bparker", "cevans", "dedwards", "ecollins", "fstewart", "gsanchez", "hmorris"),
    ),
    "HR": ("10.20.4.0/24", ("arogers", "breed", "ccook", "dmorgan", "ebell", "fmurphy")),
    "Customer Support": (
        "10.20.5.0/24",
        ("abailey", "brivera", "ccooper", "drichardson", "ecox", "fhoward", "gward", "htorres", "ipeterson", "jgray"),
    ),
}
SHARED_DESKS = 3  # addresses .10-.12 of each subnet: kiosks and meeting rooms without proxy login
UNMAPPED_SUBNET = "10.99.0"  # guest Wi-Fi: in no identity map entry, so its AI use stays "unattributed"


@dataclass(frozen=True)
class Planted:
    """One department's use of one catalogued service over the window.

    ``shape``: ``flat``; ``growing`` (linear from 30 % to 170 % of ``per_day``); ``spike``
    (``per_day`` until the last SPIKE_DAYS days, then ``spike_factor`` times it); ``new`` (nothing
    in the first half, then growing from a few requests to ``per_day``); ``replaced`` (``per_day``
    until the day the department's sanctioned tool was approved, REPLACED_LEVEL of it after).
    """

    department: str  # "" = unattributed (guest subnet, no user name)
    service: str  # catalog key (apps/detection/data/ai_services.csv)
    hosts: tuple[str, ...]
    per_day: float
    shape: str
    adopters: int  # how many of the department's people use it at full volume
    sanctioned: bool  # as the registry of the demo decides it (approved assistant of the same vendor)
    spike_factor: float = 1.0


PLANTED: tuple[Planted, ...] = (
    # Sales: Claude is sanctioned (Sales copilot is Anthropic); four shadow services, ChatGPT spiking.
    Planted("Sales", "anthropic-claude", ("claude.ai", "api.claude.ai"), 36, "flat", 9, True),
    Planted("Sales", "openai-chatgpt", ("chatgpt.com", "cdn.oaistatic.com"), 14, "spike", 6, False, 10.0),
    Planted("Sales", "perplexity", ("www.perplexity.ai",), 9, "growing", 5, False),
    Planted("Sales", "otter", ("otter.ai",), 6, "flat", 3, False),
    Planted("Sales", "grammarly", ("app.grammarly.com",), 6, "flat", 4, False),
    # Engineering: the OpenAI API is sanctioned (Code assistant is OpenAI); coding tools grow.
    Planted("Engineering", "openai-api", ("api.openai.com",), 55, "flat", 8, True),
    Planted(
        "Engineering",
        "github-copilot",
        ("api.githubcopilot.com", "copilot-proxy.githubusercontent.com"),
        40,
        "growing",
        14,
        False,
    ),
    Planted("Engineering", "cursor", ("api2.cursor.sh", "cursor.com"), 24, "new", 6, False),
    Planted("Engineering", "deepseek-chat", ("chat.deepseek.com",), 7, "flat", 3, False),
    # Marketing: Gemini is sanctioned (Marketing writer is Google); image generation grows.
    Planted("Marketing", "google-gemini", ("gemini.google.com",), 26, "flat", 6, True),
    # Marketing's image studio (Adobe Firefly, LAUNCH) was approved mid-window: Midjourney use falls after it.
    Planted("Marketing", "midjourney", ("www.midjourney.com", "cdn.midjourney.com"), 18, "replaced", 5, False),
    Planted("Marketing", "jasper", ("app.jasper.ai",), 7, "flat", 3, False),
    Planted("Marketing", "openai-chatgpt", ("chatgpt.com",), 12, "flat", 4, False),
    # HR: its assistant runs on Azure OpenAI, which does not sanction the consumer ChatGPT.
    Planted("HR", "openai-chatgpt", ("chatgpt.com",), 10, "flat", 4, False),
    Planted("HR", "grammarly", ("app.grammarly.com",), 12, "flat", 5, False),
    # Customer Support: translation and a companion chat nobody approved.
    Planted("Customer Support", "deepl", ("www.deepl.com", "api.deepl.com"), 20, "growing", 7, False),
    Planted("Customer Support", "character-ai", ("character.ai",), 3, "flat", 2, False),
    # Guest Wi-Fi, no user name: unattributed.
    Planted("", "huggingface", ("huggingface.co",), 5, "flat", 4, False),
)

# Ordinary traffic (nothing in the AI catalog matches these hosts): a third of the lines.
OTHER_HOSTS = (
    "www.google.com", "mail.google.com", "drive.google.com", "outlook.office365.com", "github.com",
    "www.linkedin.com", "docs.python.org", "pypi.org", "registry.npmjs.org", "www.wikipedia.org",
    "figma.com", "stackoverflow.com", "www.bbc.co.uk",
)  # fmt: skip
OTHER_PER_DAY = 150
# Lines a proxy really writes now and then (cut by a rotation, a stray banner): counted, sampled, never fatal.
MALFORMED_LINES = (
    "1700000000.123    245 10.20.1.7 TCP_TUNNEL/200",
    "not-a-time    12 10.20.2.9 TCP_TUNNEL/200 5234 CONNECT chatgpt.com:443 alee HIER_DIRECT/104.18.32.47 -",
    "\x00\x00\x00\x00 squid restarted",
    "1700000000.5   31 10.20.3.4 TCP_MISS/200 lots GET http://www.google.com/ cevans HIER_DIRECT/142.250.1.1 text/html",
)
MALFORMED_DAYS_BEFORE_END = (20, 13, 6, 2)  # which days of the window carry them (one each)
# Business hours (UTC) weight of each hour of a weekday; weekends carry a fifth of the volume.
_HOURS = [0, 0, 0, 0, 0, 1, 2, 6, 12, 16, 16, 14, 9, 13, 15, 14, 11, 7, 3, 2, 1, 1, 0, 0]


@dataclass(frozen=True)
class Launch:
    """A sanctioned assistant approved inside the logs' window (registered by ``demo_shadow_ai_ensure``
    with ``launched_on`` = anchor - LAUNCH_DAYS_BEFORE_ANCHOR): the page's before/after example."""

    department: str
    name: str
    vendor: str
    model: str
    purpose: str


LAUNCH = Launch(
    department="Marketing",
    name="Marketing image studio",
    vendor="Adobe",
    model="firefly-image-3",
    purpose="Campaign image generation on Adobe Firefly (licensed training data, commercial terms).",
)


def egress_window(anchor: date) -> tuple[date, date]:
    """First and last day of the demo logs: the EGRESS_DAYS days before the anchor."""
    return anchor - timedelta(days=EGRESS_DAYS), anchor - timedelta(days=1)


def _level(plan: Planted, index: int) -> float:
    """Share of ``per_day`` on day ``index`` (0 = first day of the window)."""
    position = index / (EGRESS_DAYS - 1)
    if plan.shape == "growing":
        return 0.3 + 1.4 * position
    if plan.shape == "spike":
        return plan.spike_factor if index >= EGRESS_DAYS - SPIKE_DAYS else 1.0
    if plan.shape == "replaced":
        return 1.0 if index <= EGRESS_DAYS - LAUNCH_DAYS_BEFORE_ANCHOR else REPLACED_LEVEL
    if plan.shape == "new":
        half = EGRESS_DAYS // 2
        return 0.0 if index < half else 0.15 + 0.85 * (index - half) / (EGRESS_DAYS - 1 - half)
    return 1.0


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:  # normal approximation: same shape, cheaper
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _ip(subnet_cidr: str, rng: random.Random, *, pool: int = 240) -> str:
    return subnet_cidr.rsplit(".", 1)[0] + f".{10 + rng.randrange(pool)}"


def _desk(subnet_cidr: str, user: str) -> str:
    """A person's own desk address (stable, above the shared desks' range)."""
    return subnet_cidr.rsplit(".", 1)[0] + f".{100 + hash_key(user) % 150}"


def _line(ts: float, client: str, user: str, host: str, rng: random.Random) -> str:
    elapsed = rng.randint(40, 4000)
    size = rng.randint(800, 60_000)
    if rng.random() < 0.85:  # HTTPS through the proxy: a CONNECT tunnel to host:443
        method, url, code, mime = "CONNECT", f"{host}:443", "TCP_TUNNEL/200", "-"
    else:
        method, url, code, mime = "GET", f"http://{host}/", "TCP_MISS/200", "text/html"
    peer = f"HIER_DIRECT/203.0.113.{rng.randint(1, 254)}"
    return f"{ts:.3f} {elapsed:6d} {client} {code} {size} {method} {url} {user or '-'} {peer} {mime}"


def egress_lines(*, seed: int, anchor: date) -> Iterator[str]:
    """The demo's Squid access log, line by line (with newlines), oldest first."""
    first, _last = egress_window(anchor)
    for index in range(EGRESS_DAYS):
        day = first + timedelta(days=index)
        rng = random.Random(f"{seed}:egress:{day.isoformat()}")  # noqa: S311 - demo data, not secrets
        weekend = day.weekday() >= 5
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
        entries: list[tuple[float, str]] = []

        def stamp(rng: random.Random = rng, midnight: float = midnight) -> float:
            hour = rng.choices(range(24), weights=_HOURS)[0]
            return midnight + hour * 3600 + rng.random() * 3600

        for plan in PLANTED:
            level = _level(plan, index)
            # A spike (a deadline, a team discovering the tool) does not rest at the weekend.
            quiet = weekend and not (plan.shape == "spike" and level > 1)
            n = _poisson(rng, plan.per_day * level * (0.2 if quiet else 1.0))
            if plan.department:
                subnet, people = DEPARTMENT_PEOPLE[plan.department]
                # The service's users: the first ``adopters`` of a service-specific ordering, fewer
                # while it is small (a growing service gains people, not only requests).
                ordered = sorted(people, key=lambda name: hash_key(f"{seed}:{plan.service}:{name}"))
                active: list[str] = ordered[: max(1, min(len(people), round(plan.adopters * min(level, 1.5))))]
            else:
                subnet, active = f"{UNMAPPED_SUBNET}.0/24", []
            for _ in range(n):
                user = rng.choice(active) if active else ""
                # One request in ten comes from a shared desk without proxy login (a few fixed
                # addresses per subnet): attributed by its subnet, counted as that address's user.
                shared = not user or rng.random() < 0.1
                client = _ip(subnet, rng, pool=SHARED_DESKS) if shared else _desk(subnet, user)
                ts = stamp()
                entries.append((ts, _line(ts, client, "" if shared else user, rng.choice(plan.hosts), rng)))
        for _ in range(_poisson(rng, OTHER_PER_DAY * (0.2 if weekend else 1.0))):
            department = rng.choice(tuple(DEPARTMENT_PEOPLE))
            subnet, people = DEPARTMENT_PEOPLE[department]
            ts = stamp()
            entries.append((ts, _line(ts, _ip(subnet, rng), rng.choice(people), rng.choice(OTHER_HOSTS), rng)))
        if EGRESS_DAYS - 1 - index in MALFORMED_DAYS_BEFORE_END:
            bad = MALFORMED_LINES[MALFORMED_DAYS_BEFORE_END.index(EGRESS_DAYS - 1 - index)]
            entries.append((stamp(), bad))
        entries.sort(key=lambda entry: entry[0])
        for _ts, text in entries:
            yield text + "\n"


def hash_key(text: str) -> int:
    """A stable ordering key (``hash()`` of a str changes between processes)."""
    value = 0
    for char in text:
        value = (value * 131 + ord(char)) % 2_147_483_647
    return value


def identity_map_csv() -> str:
    """``identity,department``: every proxy login, then each department's desk subnet."""
    rows = ["identity,department"]
    for department, (subnet, people) in DEPARTMENT_PEOPLE.items():
        rows += [f"{name},{department}" for name in people]
        rows.append(f"{subnet},{department}")
    return "\n".join(rows) + "\n"
