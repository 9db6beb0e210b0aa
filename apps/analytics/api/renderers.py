"""CSV and Parquet exports of any answer that carries ``rows`` (``?format=csv|parquet``).

Each row becomes one line: nested objects are flattened into dotted columns (``dims.variant``,
``a.numerator``, ``histogram.3``), lists are written as JSON; columns are the union over the rows,
in first-seen order. Parquet is written with pyarrow (imported on first export only).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date
from typing import Any

import orjson
from rest_framework.renderers import BaseRenderer


def flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, list | tuple):
            out[name] = orjson.dumps(value, default=str).decode()
        else:
            out[name] = value
    return out


def table(data: Any) -> tuple[list[str], list[dict[str, Any]]]:
    rows = [flatten(row) for row in (data.get("rows", []) if isinstance(data, Mapping) else [])]
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns), rows


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        columns, rows = table(data)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row.get(column)) for column in columns])
        return buffer.getvalue().encode()


class ParquetRenderer(BaseRenderer):
    media_type = "application/vnd.apache.parquet"
    format = "parquet"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns, rows = table(data)
        # Parquet columns have one type: ints mixed with floats become floats, any other mix text.
        arrays = {}
        for column in columns:
            values = [row.get(column) for row in rows]
            kinds = {type(v) for v in values if v is not None}
            if kinds == {int, float}:
                values = [None if v is None else float(v) for v in values]
            elif len(kinds) > 1:
                values = [None if v is None else _csv_cell(v) for v in values]
            arrays[column] = pa.array(values)
        buffer = io.BytesIO()
        pq.write_table(pa.table(arrays) if arrays else pa.table({}), buffer)
        return buffer.getvalue()
