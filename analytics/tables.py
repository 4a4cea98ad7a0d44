"""Tables and charts as plain data: the page renders them, the CSV export writes the same rows,
and analytics.js draws the charts from their JSON."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _

DASH = "\u2013"  # shown for "no value"
# The unit of each kind of value in a CSV (money: ANALYTICS_CURRENCY). "number" is a value whose
# unit its row names (the model comparison's interval bounds).
UNITS = {"pct": "%", "seconds": "s", "ms": "ms"}
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


# Places kept in a CSV: enough to add up and compare, not float noise (0.6666666667). Money
# keeps micro-units because one model call can cost a few hundred-thousandths of a dollar.
CSV_PLACES = {"pct": 2, "float1": 2, "money": 6}


def csv_value(kind: str, value: Any) -> str:
    """Machine-readable numbers in the unit the header names (see Column.csv_label): rates as
    percentages, durations in whole seconds (or milliseconds), averages to two places, money to
    six. The page shows the same values, rounded further."""
    if value is None:
        return ""
    if kind == "int":
        return str(int(value))
    if kind == "pct":
        return _fixed(Decimal(str(value)) * 100, CSV_PLACES["pct"])
    if kind in ("float1", "money"):
        return _fixed(Decimal(str(value)), CSV_PLACES[kind])
    if kind in ("seconds", "ms"):
        return str(round(float(value)))
    if kind == "number":
        return _significant(Decimal(str(value)), 4)
    return str(value)


def _significant(value: Decimal, digits: int) -> str:
    """Rounded to `digits` significant digits, never in exponent notation ("0.00003123")."""
    if not value:
        return "0"
    return _fixed(value, max(digits - value.adjusted() - 1, 0))


def _fixed(value: Decimal, places: int) -> str:
    """Rounded half away from zero to `places`, trailing zeros dropped ("66.67", "4", "0.003")."""
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{rounded:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class Column:
    key: str
    label: Label
    kind: str = "int"
    # A drill-down metric (see analytics/drill.py): the cell links to its conversations.
    drill: str | None = None
    # Only in the CSV: plain numbers behind a cell the page shows as text (interval bounds).
    csv_only: bool = False
    # The unit the CSV header names; None: the kind's (UNITS), "": none (a column whose rows
    # differ in unit, with the unit in a column of its own).
    unit: str | None = None

    def csv_label(self) -> str:
        """The header of the column in a CSV: its label and unit, "First response, median (s)"."""
        unit = UNITS.get(self.kind, "") if self.unit is None else self.unit
        if self.kind == "money" and self.unit is None:
            unit = settings.ANALYTICS_CURRENCY
        return f"{self.label} ({unit})" if unit else str(self.label)


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
        yield [column.csv_label() for column in self.columns]
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
