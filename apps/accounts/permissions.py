"""The one place that decides who may see or change what (UI and API alike).

Scope rule: ``admin`` and ``compliance`` see every assistant of their organization (the central
team compares the portfolio; compliance reviews everything). Every other role sees the
assistants of the departments the user belongs to. Changing an assistant takes ``admin``, or
``owner`` *and* membership of the assistant's department.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from apps.accounts.models import Role
from apps.core.exceptions import NotPermittedError

if TYPE_CHECKING:
    from apps.accounts.models import User

ORG_WIDE_ROLES = (Role.ADMIN, Role.COMPLIANCE)


# Registry sits above accounts (DESIGN.md layers), so the rules take anything shaped like its
# objects instead of importing its models.
class _HasDepartment(Protocol):
    department_id: int


class _HasId(Protocol):
    id: int


def has_role(user: User, *roles: str) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_role(*roles))


def require_role(user: User, *roles: str) -> None:
    if not has_role(user, *roles):
        raise NotPermittedError(f"this needs one of the roles: {', '.join(roles)}")


def member_department_ids(user: User) -> set[int]:
    cache = getattr(user, "_department_ids", None)
    if cache is None:
        cache = set(user.departments.values_list("id", flat=True))
        user._department_ids = cache
    return cache


def sees_all_assistants(user: User) -> bool:
    return has_role(user, *ORG_WIDE_ROLES)


def can_view_assistant(user: User, assistant: _HasDepartment) -> bool:
    if not (user.is_authenticated and user.is_active and user.roles):
        return False
    return sees_all_assistants(user) or assistant.department_id in member_department_ids(user)


def reads_summary_metrics_only(user: User) -> bool:
    """A viewer (and no other role) reads only the summary metrics (DESIGN.md roles table); every
    other role reads every metric of the assistants it may see."""
    return not has_role(user, *(role for role in Role.values if role != Role.VIEWER))


def can_manage_department_assistants(user: User, department: _HasId) -> bool:
    if has_role(user, Role.ADMIN):
        return True
    return has_role(user, Role.OWNER) and department.id in member_department_ids(user)


def can_manage_assistant(user: User, assistant: _HasDepartment) -> bool:
    if has_role(user, Role.ADMIN):
        return True
    return has_role(user, Role.OWNER) and assistant.department_id in member_department_ids(user)


def can_unmask(user: User) -> bool:
    return has_role(user, Role.COMPLIANCE)


def can_read_review_cases(user: User) -> bool:
    """The queue and case pages (masked content only): compliance works them, admins oversee."""
    return has_role(user, Role.ADMIN, Role.COMPLIANCE)


def can_decide_review_cases(user: User) -> bool:
    return has_role(user, Role.COMPLIANCE)


def can_edit_masking_policy(user: User) -> bool:
    return has_role(user, Role.ADMIN, Role.COMPLIANCE)


def can_see_small_cuts(user: User | None) -> bool:
    """Employee-privacy mode hides cuts of fewer than k people from everyone but compliance."""
    return user is not None and has_role(user, Role.COMPLIANCE)


def can_edit_analytics_settings(user: User) -> bool:
    return has_role(user, Role.ADMIN)


def require_manage_assistant(user: User, assistant: _HasDepartment) -> None:
    if not can_manage_assistant(user, assistant):
        raise NotPermittedError("only an admin or an owner of this assistant's department may change it")


# Pages each role opens (DESIGN.md roles table), in navigation order: the home page's tiles and
# the navigation bar on every page both read this, so a user is never shown a link to a 403.
DASHBOARDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Portfolio", "/dashboards/portfolio/", "Compare every assistant: adoption, success, ROI.", (Role.ADMIN,)),
    (
        "Product",
        "/dashboards/product/",
        "Acceptance, regenerations, A/B results, intents.",
        (Role.ADMIN, Role.PRODUCT, Role.OWNER),
    ),
    ("Customer experience", "/dashboards/cx/", "Frustration, drop-off, escalations, languages.", (Role.ADMIN, Role.CX)),
    (
        "My department",
        "/dashboards/department/",
        "Your department's assistants, keys, releases and metrics.",
        (Role.OWNER,),
    ),
    (
        "Conversations",
        "/dashboards/conversations/",
        "Search transcripts behind any number.",
        (Role.ADMIN, Role.PRODUCT, Role.OWNER, Role.CX, Role.COMPLIANCE),
    ),
    ("Compliance", "/compliance/", "Review queue, findings, shadow AI, audit log.", (Role.ADMIN, Role.COMPLIANCE)),
    (
        "Shadow AI",
        "/dashboards/shadow-ai/",
        "AI services in use by department, sanctioned or not, and the decisions on them.",
        (Role.ADMIN, Role.COMPLIANCE),
    ),
    ("Summary", "/dashboards/summary/", "Headline usage and satisfaction figures.", tuple(Role.values)),
    ("Assistants", "/registry/", "Register assistants, rotate API keys, annotate releases.", tuple(Role.values)),
)


def dashboards_for(user: User) -> list[dict[str, str]]:
    return [
        {"title": title, "href": href, "description": description}
        for title, href, description, roles in DASHBOARDS
        if has_role(user, *roles)
    ]
