"""The demo portfolio: which assistants exist, how their users behave, and the releases that change them.

Dates are offsets in days before the *anchor* (the day the organization was first seeded), so a
re-run on a later day keeps the same launch, release and retirement dates (see generator.Plan).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class AssistantSpec:
    key: str  # short stable key, part of every event id
    name: str
    department: str
    vendor: str
    model: str  # current model (after any model-change release)
    purpose: str
    status: str
    audience_size: int
    launched_days_ago: int
    weight: float  # share of the organization's conversations
    pool: str  # "customers" (external) or "employees"
    user_departments: tuple[str, ...] = ()  # employees drawn from these departments; () = everyone
    success: float = 0.75  # chance that one answer is good
    lang_success: dict[str, float] = field(default_factory=dict)
    rephrase: float = 0.4  # chance that a failed answer is followed by a rephrase
    lang_rephrase: dict[str, float] = field(default_factory=dict)
    max_rephrases: int = 3  # rephrases of one question before the user gives up
    escalate: float = 0.0  # chance that a conversation that failed ends with a human handoff
    accept_actions: tuple[str, ...] = ("copy",)
    reject_actions: tuple[str, ...] = ("regenerate", "dismiss")
    action_rate: float = 0.6  # share of outputs that get an action (signal coverage)
    feedback_rate: float = 0.15
    stars: bool = False  # 1-5 ratings instead of thumbs
    report_outcome: float = 0.5  # share of ended conversations that send an explicit outcome event
    weekend: float = 0.12  # weekend traffic relative to a weekday
    latency_ms: int = 1500
    ms_per_token: float = 12.0
    prices: tuple[float, float] | None = None  # USD per 1k input/output tokens; None = not reported
    system_tokens: int = 400
    retired_days_ago: int | None = None
    max_follow_ups: int = 2
    # ROI value settings (METRICS.md, Business outcomes and ROI).
    minutes_saved_per_task: Decimal = Decimal("0")
    hourly_cost: Decimal = Decimal("0")
    cost_per_human_contact: Decimal = Decimal("0")
    deflection_share: Decimal = Decimal("1")
    fixed_monthly_cost: Decimal = Decimal("0")
    price_per_1k_tokens: Decimal = Decimal("0")


@dataclass(frozen=True)
class ReleaseSpec:
    assistant: str
    days_before_anchor: int
    kind: str  # prompt | model | other
    text: str


# Days before the anchor at which planted effects start (used by the generator and the releases).
SUPPORT_REFUND_PROMPT = 35
CODE_MODEL_CHANGE = 28
SALES_AB_START = 40
MARKETING_MODEL_CHANGE = 20
HR_CAREER_COACH_LAUNCH = 45
ONBOARDING_RETIRED = 25

CUSTOMER_LANGUAGES = {"en": 0.55, "es": 0.2, "pt": 0.15, "fr": 0.05, "de": 0.05}
EMPLOYEE_DEPARTMENTS = {
    "Customer Support": 300,
    "Sales": 140,
    "HR": 40,
    "Engineering": 260,
    "Marketing": 45,
    "Finance": 80,
    "Operations": 335,
}
SALES_VARIANTS = {"email_prompt_a": 0.68, "email_prompt_b": 0.31}  # acceptance per output
CAREER_DAY1_SHARE = 0.27  # of the HR assistant's audience on the feature's first day

ASSISTANTS: tuple[AssistantSpec, ...] = (
    AssistantSpec(
        key="support",
        name="Support bot",
        department="Customer Support",
        vendor="meta",
        model="llama-3.1-70b-instruct",
        purpose="Answers customer questions on orders, billing, refunds and account access on the website chat.",
        status="approved",
        audience_size=20000,
        launched_days_ago=240,
        weight=0.38,
        pool="customers",
        success=0.82,
        lang_success={"en": 0.82, "fr": 0.7, "de": 0.7, "es": 0.15, "pt": 0.13},
        max_rephrases=2,
        rephrase=0.3,
        lang_rephrase={"es": 0.75, "pt": 0.78},
        escalate=0.45,
        accept_actions=("copy",),
        reject_actions=("dismiss",),
        action_rate=0.15,
        feedback_rate=0.25,
        report_outcome=0.85,
        weekend=0.75,
        latency_ms=900,
        ms_per_token=9.0,
        prices=None,  # self-hosted open model: no per-call cost, ROI uses price_per_1k_tokens
        system_tokens=650,
        minutes_saved_per_task=Decimal("8"),
        hourly_cost=Decimal("38"),
        cost_per_human_contact=Decimal("6.50"),
        deflection_share=Decimal("0.85"),
        fixed_monthly_cost=Decimal("2400"),
        price_per_1k_tokens=Decimal("0.0004"),
    ),
    AssistantSpec(
        key="sales",
        name="Sales copilot",
        department="Sales",
        vendor="anthropic",
        model="claude-sonnet-4",
        purpose="Drafts prospect e-mails, account briefs and objection handling for account executives.",
        status="approved",
        audience_size=140,
        launched_days_ago=180,
        weight=0.12,
        pool="employees",
        user_departments=("Sales",),
        success=0.8,
        accept_actions=("send", "copy"),
        reject_actions=("regenerate", "dismiss"),
        action_rate=0.9,
        feedback_rate=0.1,
        latency_ms=2200,
        ms_per_token=14.0,
        prices=(0.003, 0.015),
        system_tokens=900,
        minutes_saved_per_task=Decimal("12"),
        hourly_cost=Decimal("65"),
        fixed_monthly_cost=Decimal("500"),
        price_per_1k_tokens=Decimal("0.009"),
    ),
    AssistantSpec(
        key="hr",
        name="HR assistant",
        department="HR",
        vendor="azure-openai",
        model="gpt-4o",
        purpose="Answers employee questions on leave, benefits and payroll; career coaching since its launch.",
        status="approved",
        audience_size=1200,
        launched_days_ago=300,
        weight=0.1,
        pool="employees",
        success=0.78,
        escalate=0.3,
        accept_actions=("save", "share"),
        action_rate=0.25,
        feedback_rate=0.3,
        stars=True,
        report_outcome=0.7,
        latency_ms=1400,
        prices=(0.0025, 0.01),
        system_tokens=1200,
        minutes_saved_per_task=Decimal("6"),
        hourly_cost=Decimal("45"),
        cost_per_human_contact=Decimal("12"),
        deflection_share=Decimal("0.6"),
        fixed_monthly_cost=Decimal("300"),
        price_per_1k_tokens=Decimal("0.006"),
    ),
    AssistantSpec(
        key="code",
        name="Code assistant",
        department="Engineering",
        vendor="openai",
        model="gpt-4.1",
        purpose="Explains errors, writes SQL, regexes and unit tests for the engineering team.",
        status="approved",
        audience_size=260,
        launched_days_ago=200,
        weight=0.16,
        pool="employees",
        user_departments=("Engineering",),
        success=0.55,
        rephrase=0.8,
        max_rephrases=4,
        accept_actions=("copy", "apply"),
        reject_actions=("regenerate", "dismiss"),
        action_rate=0.8,
        feedback_rate=0.08,
        max_follow_ups=3,
        latency_ms=1500,
        ms_per_token=10.0,
        prices=(0.002, 0.008),
        system_tokens=1500,
        minutes_saved_per_task=Decimal("15"),
        hourly_cost=Decimal("85"),
        fixed_monthly_cost=Decimal("1900"),
        price_per_1k_tokens=Decimal("0.005"),
    ),
    AssistantSpec(
        key="marketing",
        name="Marketing writer",
        department="Marketing",
        vendor="google",
        model="gemini-2.5-pro",
        purpose="Writes social posts and blog outlines in English, French and German.",
        status="approved",
        audience_size=45,
        launched_days_ago=150,
        weight=0.08,
        pool="employees",
        user_departments=("Marketing",),
        success=0.72,
        accept_actions=("copy", "save", "share"),
        reject_actions=("regenerate", "dismiss"),
        action_rate=0.85,
        feedback_rate=0.12,
        latency_ms=2600,
        ms_per_token=11.0,
        prices=(0.00125, 0.01),
        system_tokens=700,
        minutes_saved_per_task=Decimal("20"),
        hourly_cost=Decimal("55"),
        fixed_monthly_cost=Decimal("150"),
        price_per_1k_tokens=Decimal("0.005"),
    ),
    AssistantSpec(
        key="tickets",
        name="Ticket summarizer",
        department="Customer Support",
        vendor="mistral",
        model="mistral-large-2",
        purpose="Summarizes support tickets and suggests replies for human agents.",
        status="approved",
        audience_size=300,
        launched_days_ago=120,
        weight=0.08,
        pool="employees",
        user_departments=("Customer Support",),
        success=0.86,
        accept_actions=("apply", "copy"),
        reject_actions=("regenerate",),
        action_rate=0.9,
        feedback_rate=0.05,
        stars=True,
        max_follow_ups=0,
        latency_ms=1100,
        prices=(0.002, 0.006),
        system_tokens=500,
        minutes_saved_per_task=Decimal("4"),
        hourly_cost=Decimal("38"),
        fixed_monthly_cost=Decimal("150"),  # the helpdesk plug-in's licence
        price_per_1k_tokens=Decimal("0.004"),
    ),
    AssistantSpec(
        key="data",
        name="Data Q&A",
        department="Engineering",
        vendor="cohere",
        model="command-r-plus",
        purpose="Answers questions about company metrics and points to the right dashboard (pilot).",
        status="pilot",
        audience_size=150,
        launched_days_ago=50,
        weight=0.04,
        pool="employees",
        user_departments=("Sales", "Marketing", "Finance", "Operations"),
        success=0.62,
        escalate=0.25,
        accept_actions=("copy", "share"),
        action_rate=0.5,
        feedback_rate=0.2,
        stars=True,
        latency_ms=1800,
        prices=(0.0025, 0.01),
        minutes_saved_per_task=Decimal("10"),
        hourly_cost=Decimal("70"),
        cost_per_human_contact=Decimal("25"),
        deflection_share=Decimal("0.5"),
        fixed_monthly_cost=Decimal("250"),  # the BI connector's licence
        price_per_1k_tokens=Decimal("0.006"),
    ),
    AssistantSpec(
        key="onboarding",
        name="Onboarding buddy",
        department="HR",
        vendor="openai",
        model="gpt-4o-mini",
        purpose="Helped new hires through their first weeks; retired in favour of the HR assistant.",
        status="retired",
        audience_size=1200,
        launched_days_ago=400,
        weight=0.04,
        pool="employees",
        success=0.6,
        action_rate=0.3,
        feedback_rate=0.2,
        stars=True,
        latency_ms=900,
        prices=(0.00015, 0.0006),
        retired_days_ago=ONBOARDING_RETIRED,
        minutes_saved_per_task=Decimal("5"),
        hourly_cost=Decimal("45"),
        cost_per_human_contact=Decimal("10"),
        deflection_share=Decimal("0.5"),
        fixed_monthly_cost=Decimal("100"),
        price_per_1k_tokens=Decimal("0.0004"),
    ),
)

RELEASES: tuple[ReleaseSpec, ...] = (
    ReleaseSpec(
        "support",
        SUPPORT_REFUND_PROMPT,
        "prompt",
        "System prompt v7: added the refund and return policy; refund questions resolve far more often.",
    ),
    ReleaseSpec(
        "code", CODE_MODEL_CHANGE, "model", "Model change gpt-4o → gpt-4.1: lower latency, slightly better answers."
    ),
    ReleaseSpec(
        "sales",
        SALES_AB_START,
        "prompt",
        "A/B test on email_draft: variant email_prompt_b (short formal template) against email_prompt_a.",
    ),
    ReleaseSpec(
        "marketing",
        MARKETING_MODEL_CHANGE,
        "model",
        "Model change gemini-1.5-pro → gemini-2.5-pro: better drafts, higher cost per call.",
    ),
    ReleaseSpec("hr", HR_CAREER_COACH_LAUNCH, "other", "Launched the career_coach feature to all employees."),
    ReleaseSpec("onboarding", ONBOARDING_RETIRED, "other", "Retired; new hires now use the HR assistant."),
)

SPECS_BY_KEY = {spec.key: spec for spec in ASSISTANTS}
