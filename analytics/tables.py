"""Tables and charts as plain data: the page renders them, the CSV export writes the same rows,
and analytics.js draws the charts from their JSON."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _

DASH = "\u2013"  # shown for "no value"
# A label: text, or a lazy translation resolved when the page is rendered in the reader's language.
Label = str | Promise


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return DASH
    seconds = float(seconds)
    if seconds < 100:
        return _("%(n)s s") % {"n": number_format(round(seconds))}
    if seconds < 3600 * 2:
        return _("%(n)s min") % {"n": number_format(seconds / 60, 1)}
    if seconds < 86400 * 2:
        return _("%(n)s h") % {"n": number_format(seconds / 3600, 1)}
    return _("%(n)s d") % {"n": number_format(seconds / 86400, 1)}


def format_cell(kind: str, value: Any) -> str:
    if value is None or value == "":
        return DASH if kind != "text" else ""
    if kind == "int":
        return number_format(int(value), force_grouping=True)
    if kind == "pct":
        return f"{number_format(float(value) * 100, 1)} %"
    if kind == "seconds":
        return format_duration(value)
    if kind == "ms":
        return _("%(n)s ms") % {"n": number_format(round(float(value)), force_grouping=True)}
    if kind == "money":
        return number_format(Decimal(str(value)), 4 if abs(float(value)) < 1 else 2, True)
    if kind == "float1":
        return number_format(float(value), 2)
    return str(value)


def csv_value(kind: str, value: Any) -> str:
    """Machine-readable and precise (what the page shows is this, rounded): rates as
    fractions, durations in whole seconds (or milliseconds), money to 8 places."""
    if value is None:
        return ""
    if kind == "int":
        return str(int(value))
    if kind in ("pct", "float1"):
        return f"{float(value):.10g}"
    if kind in ("seconds", "ms"):
        return str(round(float(value)))
    if kind == "money":
        return f"{Decimal(str(value)):.8f}"
    return str(value)


@dataclass(frozen=True)
class Column:
    key: str
    label: Label
    kind: str = "int"
    # A drill-down metric (see analytics/drill.py): the cell links to its conversations.
    drill: str | None = None
    # Only in the CSV: plain numbers behind a cell the page shows as text (interval bounds).
    csv_only: bool = False


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None
    numeric: bool


@dataclass
class Table:
    id: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    @property
    def visible_columns(self) -> list[Column]:
        return [column for column in self.columns if not column.csv_only]

    def cells(self, base: dict[str, str]) -> Iterator[list[Cell]]:
        url = reverse("analytics:conversations")
        for row in self.rows:
            drill = row.get("_drill")
            cells = []
            for column in self.visible_columns:
                value = row.get(column.key)
                href = None
                if column.drill and drill is not None and value not in (None, 0, ""):
                    params = {**base, **drill, "metric": column.drill}
                    href = f"{url}?{urlencode(params)}"
                cells.append(Cell(format_cell(column.kind, value), href, column.kind != "text"))
            yield cells

    def csv_rows(self) -> Iterator[list[str]]:
        yield [str(column.label) for column in self.columns]
        for row in self.rows:
            yield [csv_value(column.kind, row.get(column.key)) for column in self.columns]


@dataclass(frozen=True)
class TableSpec:
    """A table as data: its id, title, columns and note, declared once per page module. A title
    may hold placeholders (%(dimension)s) filled when the page is built."""

    id: str
    title: Label
    columns: tuple[Column, ...]
    note: Label = ""

    def table(self, *, lead: Iterable[Column] = (), **title_values: str) -> Table:
        """An empty table of this spec, its `lead` columns (a breakdown's dimension) first."""
        title = str(self.title) % title_values if title_values else str(self.title)
        return Table(self.id, title, [*lead, *self.columns], note=str(self.note))


@dataclass
class Chart:
    """What analytics.js needs: kind (bar, line, stacked, range), labels, datasets and, per
    point, an optional drill-down link."""

    id: str
    title: str
    kind: str
    labels: list[str]
    datasets: list[dict[str, Any]]
    y: str = "int"  # how to label the value axis: int, pct, seconds, money, ms
    links: list[str | None] | None = None
    horizontal: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "labels": self.labels,
            "datasets": self.datasets,
            "y": self.y,
            "links": self.links,
            "horizontal": self.horizontal,
        }


class _Echo:
    def write(self, value: str) -> str:
        return value


def streaming_csv(rows: Iterable[list[str]], filename: str) -> StreamingHttpResponse:
    """CSV written as it is read: a year of conversations never sits in memory."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
