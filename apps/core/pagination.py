"""The one pagination class of every list endpoint (``REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]``).

DRF's ``LimitOffsetPagination`` passes any integer to SQL, so ``?limit=99999999999999999999`` or
a huge ``offset`` reached PostgreSQL as "bigint out of range" (a 500). Here ``limit`` is clamped
to ``MAX_LIMIT`` (DRF's documented ``max_limit`` behaviour: the page is smaller, ``next`` says
where to go on) and an ``offset`` beyond ``MAX_OFFSET`` is a 400 naming the bound.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000  # far above any real list, far below PostgreSQL's bigint


def _over(raw: str | None, bound: int) -> bool:
    if raw is None or not (raw.isascii() and raw.isdigit()):
        return False
    return len(raw.lstrip("0")) > len(str(bound)) or int(raw) > bound


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def get_limit(self, request: Request) -> int | None:
        # Digit strings too long for int() (over 4,300 digits) are clamped as well, not ignored.
        if _over(request.query_params.get(self.limit_query_param), MAX_LIMIT):
            return MAX_LIMIT
        return super().get_limit(request)

    def get_offset(self, request: Request) -> int:
        if _over(request.query_params.get(self.offset_query_param), MAX_OFFSET):
            raise ValidationError({self.offset_query_param: [f"must be an integer from 0 to {MAX_OFFSET}"]})
        return super().get_offset(request)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {self.limit_query_param: MAX_LIMIT, self.offset_query_param: MAX_OFFSET}
        for parameter in parameters:
            if parameter["name"] in bounds:
                parameter["schema"] = {**parameter["schema"], "minimum": 0, "maximum": bounds[parameter["name"]]}
        return parameters
