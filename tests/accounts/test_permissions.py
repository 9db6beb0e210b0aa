from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from apps.accounts.permissions import (
    can_manage_assistant,
    can_unmask,
    can_view_assistant,
    dashboards_for,
    require_role,
)
from apps.core.exceptions import NotPermittedError
from tests.factories import DepartmentFactory, UserFactory


@pytest.fixture
def departments(alpha):
    return DepartmentFactory(name="HR"), DepartmentFactory(name="Sales")


def _assistant(department) -> SimpleNamespace:
    return SimpleNamespace(department_id=department.id)


def test_owner_manages_only_own_department(departments) -> None:
    hr, sales = departments
    owner = UserFactory(roles=["owner"])
    hr.members.add(owner)
    assert can_manage_assistant(owner, _assistant(hr))
    assert not can_manage_assistant(owner, _assistant(sales))
    assert can_view_assistant(owner, _assistant(hr))
    assert not can_view_assistant(owner, _assistant(sales))


def test_member_without_owner_role_cannot_manage(departments) -> None:
    hr, _ = departments
    product = UserFactory(roles=["product"])
    hr.members.add(product)
    assert can_view_assistant(product, _assistant(hr))
    assert not can_manage_assistant(product, _assistant(hr))


def test_admin_and_compliance_see_everything_but_only_admin_manages(departments) -> None:
    hr, sales = departments
    admin = UserFactory(roles=["admin"])
    compliance = UserFactory(roles=["compliance"])
    for department in (hr, sales):
        assert can_view_assistant(admin, _assistant(department))
        assert can_view_assistant(compliance, _assistant(department))
        assert can_manage_assistant(admin, _assistant(department))
        assert not can_manage_assistant(compliance, _assistant(department))


def test_only_compliance_may_unmask(alpha) -> None:
    assert can_unmask(UserFactory(roles=["compliance"]))
    assert not can_unmask(UserFactory(roles=["admin"]))
    assert not can_unmask(UserFactory(roles=["viewer", "cx"]))


def test_inactive_user_and_anonymous_are_refused(departments) -> None:
    hr, _ = departments
    inactive = UserFactory(roles=["admin"], is_active=False)
    assert not can_view_assistant(inactive, _assistant(hr))
    assert not can_manage_assistant(inactive, _assistant(hr))
    assert not can_view_assistant(AnonymousUser(), _assistant(hr))
    with pytest.raises(NotPermittedError, match="owner"):
        require_role(AnonymousUser(), "owner")


def test_user_without_roles_sees_nothing(departments) -> None:
    hr, _ = departments
    nobody = UserFactory(roles=[])
    hr.members.add(nobody)
    assert not can_view_assistant(nobody, _assistant(hr))
    assert dashboards_for(nobody) == []


def test_several_roles_combine(alpha) -> None:
    user = UserFactory(roles=["product", "compliance"])
    titles = {d["title"] for d in dashboards_for(user)}
    assert {"Product", "Compliance", "Summary"} <= titles
    assert "Portfolio" not in titles
