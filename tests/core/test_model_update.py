import pytest
from django.core.exceptions import ValidationError

from apps.core.services import model_update
from apps.registry.models import Assistant
from tests.factories import AssistantFactory, DepartmentFactory

pytestmark = pytest.mark.django_db


def test_only_changed_fields_are_reported_and_saved(alpha) -> None:
    assistant = AssistantFactory(model="gpt-4o-mini", vendor="openai")
    changed = model_update(
        instance=assistant, fields=("model", "vendor"), data={"model": "gpt-4.1", "vendor": "openai", "name": "x"}
    )
    assert changed == {"model": ("gpt-4o-mini", "gpt-4.1")}
    stored = Assistant.objects.get(pk=assistant.pk)
    assert (stored.model, stored.name) == ("gpt-4.1", assistant.name)  # "name" was not an allowed field


def test_no_change_writes_nothing_and_foreign_keys_diff_by_id(alpha) -> None:
    assistant = AssistantFactory()
    assert model_update(instance=assistant, fields=("model",), data={"model": assistant.model}) == {}
    other = DepartmentFactory()
    old = assistant.department_id
    assert model_update(instance=assistant, fields=("department",), data={"department": other}) == {
        "department": (old, other.pk)
    }
    assert Assistant.objects.get(pk=assistant.pk).department_id == other.pk


def test_invalid_values_are_refused_before_saving(alpha) -> None:
    assistant = AssistantFactory(name="Keep me")
    with pytest.raises(ValidationError):
        model_update(instance=assistant, fields=("name",), data={"name": ""})
    assert Assistant.objects.get(pk=assistant.pk).name == "Keep me"
