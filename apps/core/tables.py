"""Tables and charts as the shared page partials draw them (``templates/_partials/table.html``,
``chart.html``; docs/dashboards.md): every chart carries the table it is drawn from, which is
its table view for screen readers and its CSV export.

Plain data with no app knowledge, so any page app can build them (compliance sits below
dashboards and cannot import its widgets).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from django.http import StreamingHttpResponse

from apps.core.csv_export import csv_download


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    sort: Any = None  # the raw value for sorting (defaults to the text)
    tone: str = ""  # good | bad | ""
    title: str = ""  # a tooltip, e.g. the numerator/denominator behind a rate
    spark: dict[str, Any] | None = None  # an inline sparkline (an ECharts option) drawn beside the text

    @property
    def spark_json(self) -> str:
        return json.dumps(self.spark) if self.spark else ""

    @classmethod
    def number(cls, value: int, href: str | None = None) -> Cell:
        return cls(f"{value:,}", href, sort=value)


@dataclass
class Table:
    id: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    numeric: set[int] = field(default_factory=set)  # column indexes aligned right
    empty: str = "Nothing in this period."
    note: str = ""

    def csv(self, filename: str, *, values: Literal["raw", "text"] = "raw") -> StreamingHttpResponse:
        """The table as a CSV download named ``<filename>-<id>.csv``.

        ``raw`` writes each cell's sortable value when it has one ("1,234" in a spreadsheet is
        text, 1234 a number; a duration in seconds); ``text`` writes what the page shows, for
        tables whose cells are already the reader's figures ("75.0%", "+50 pts", "2.0 s")."""
        rows = ([c.text if values == "text" or c.sort is None else c.sort for c in row] for row in self.rows)
        return csv_download(filename=f"{filename}-{self.id}.csv", header=self.columns, rows=rows)


@dataclass
class Chart:
    """An ECharts option plus the table it is drawn from (table view and CSV)."""

    id: str
    title: str
    option: dict[str, Any]
    table: Table
    height: int = 280
    description: str = ""

    @property
    def option_json(self) -> str:
        # Rendered into a data attribute (autoescaped), read by static/js/charts.js; aria adds a
        # text description and decal patterns, so the chart reads without colour.
        return json.dumps({"aria": {"enabled": True, "decal": {"show": True}}, **self.option})
