"""Helpers shared by the HTML forms of every app."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.forms import BaseForm

from apps.core.exceptions import ApplicationError, NotPermittedError

T = TypeVar("T")


def form_call(form: BaseForm, call: Callable[[], T]) -> T | None:
    """Run the service behind a valid bound form and map its refusals onto the page.

    A permission refusal is a 403 (the page should not have offered the action); any other
    business-rule refusal or model validation error becomes a non-field error of the form, so
    the user sees the service's precise message next to what they typed. Returns the service's
    result, or None when it refused.
    """
    try:
        return call()
    except NotPermittedError as exc:
        raise PermissionDenied(exc.detail) from exc
    except ApplicationError as exc:
        form.add_error(None, exc.detail)
    except DjangoValidationError as exc:
        form.add_error(None, exc)
    return None
