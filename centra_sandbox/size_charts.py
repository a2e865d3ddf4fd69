"""Size charts: a product's ``itemTable`` (with its items' ``itemTableX``/``itemTableY``) and
its ``measurementChart``.

A product names its chart in ``products.size_chart``; the charts themselves are defined here,
and the demo draws its sizes from them. Everything a chart gives the Product JSON is built once,
at import: the serializer only looks a chart up, and the objects it hands out are shared
between products, so they are read-only.

- ``itemTable`` is the whole chart, as in Centra, not just the sizes a product has: its items
  point into it (``itemTableX`` along ``x``, ``itemTableY`` along ``y``). A one-dimensional chart
  has ``y: []`` and every item at ``itemTableY: 0``; a two-dimensional one (jeans, "W30/L32")
  splits each size label at ``dividerSymbol``. ``original`` is the chart before localization:
  the sandbox has no ``tableMappings``, so it is the same ``x``/``y``.
- A product without a known chart (an empty ``size_chart``, as products inserted by hand or
  stored before the column existed have) or with an item the chart lacks gets a
  one-dimensional table of its own items' names, in item order.
- ``measurementChart``: sizes along ``x``, measurement points ("Chest", "Waist", ...) along
  ``y``, and one ``{content, x, y}`` per cell, ``content`` a numeric string (Centra's
  measurement values are text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SizeChart:
    name: str
    desc: str
    sizes: tuple[tuple[int, str], ...]  # (size id, label); item ids are "<productId>-<sizeId>"
    unit: str = ""
    divider: str = "x"  # "/" splits two-dimensional labels into x and y
    measurement_unit: str = "cm"
    measurements: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (point, one value per size)
    # Built in __post_init__: size id -> (itemTableX, itemTableY), and the two JSON objects.
    cells: dict[int, tuple[int, int]] = field(init=False, repr=False, compare=False)
    item_table: dict[str, Any] = field(init=False, repr=False, compare=False)
    measurement_chart: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        x: list[str] = []
        y: list[str] = []
        cells: dict[int, tuple[int, int]] = {}
        two_dimensional = self.divider == "/"
        for size_id, label in self.sizes:
            across, _, down = label.partition("/") if two_dimensional else (label, "", "")
            if across not in x:
                x.append(across)
            if two_dimensional and down not in y:
                y.append(down)
            cells[size_id] = (x.index(across), y.index(down) if two_dimensional else 0)
        object.__setattr__(self, "cells", cells)
        object.__setattr__(
            self, "item_table", _item_table(x, y, self.divider, self.unit, self.desc)
        )
        labels = [label for _, label in self.sizes]
        for point, values in self.measurements:
            if len(values) != len(labels):
                raise ValueError(f"{self.name}: {point} needs one value per size")
        object.__setattr__(
            self,
            "measurement_chart",
            {
                "unit": self.measurement_unit if self.measurements else "",
                "contents": [
                    {"content": value, "x": column, "y": row}
                    for row, (_, values) in enumerate(self.measurements)
                    for column, value in enumerate(values)
                ],
                "x": labels if self.measurements else [],
                "y": [point for point, _ in self.measurements],
            },
        )


def _item_table(x: list[str], y: list[str], divider: str, unit: str, desc: str) -> dict[str, Any]:
    table: dict[str, Any] = {
        "unit": unit,
        "x": x,
        "y": y,
        "dividerSymbol": divider,
        "original": {"x": x, "y": y},
    }
    if desc:
        table["desc"] = desc
    return table


def _cm(values: range | list[float], digits: int = 0) -> tuple[str, ...]:
    return tuple(f"{value:.{digits}f}" for value in values)


_SHOE_SIZES = range(36, 46)
_JEANS_WAISTS = range(28, 40, 2)

CHARTS: dict[str, SizeChart] = {
    chart.name: chart
    for chart in (
        SizeChart(
            "clothing",
            "Clothing",
            ((1, "XS"), (2, "S"), (3, "M"), (4, "L"), (5, "XL"), (6, "XXL")),
            measurements=(
                ("Chest", _cm(range(82, 118, 6))),
                ("Waist", _cm(range(68, 104, 6))),
                ("Length", _cm(range(66, 78, 2))),
            ),
        ),
        SizeChart(
            "shoes",
            "Shoes",
            tuple((size, str(size)) for size in _SHOE_SIZES),
            unit="EU",
            # Paris points: an EU size is 1.5 x the last's length, about the foot + 1.5 cm.
            measurements=(("Foot length", _cm([size / 1.5 - 1.5 for size in _SHOE_SIZES], 1)),),
        ),
        SizeChart(
            "jeans",
            "Jeans",
            tuple((60 + n, f"W{waist}/L32") for n, waist in enumerate(_JEANS_WAISTS)),
            unit="inch",
            divider="/",
            measurements=(
                ("Waist", _cm([waist * 2.54 for waist in _JEANS_WAISTS])),
                ("Inseam", _cm([32 * 2.54] * len(_JEANS_WAISTS))),
            ),
        ),
        # One size, as Centra shows it: a single unnamed size, x [""] and y [], the item at
        # (0, 0) with the name "". No measurement chart: the kind holds bags and hats, whose
        # measurements have nothing in common, and one size has nothing to compare. Centra
        # itself has been seen answering `[]` for a product without a chart; the sandbox keeps
        # the documented object, empty, so clients see one shape.
        SizeChart("one-size", "One Size", ((90, ""),)),
    )
}

EMPTY_MEASUREMENT_CHART: dict[str, Any] = {"unit": "", "contents": [], "x": [], "y": []}


def own_item_table(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``itemTable`` of a product without a (matching) chart: its items' names along ``x``,
    in item order; each item's ``itemTableX``/``itemTableY`` is set to point into it."""
    x: list[str] = []
    for item in items:
        if item["name"] not in x:
            x.append(item["name"])
        item["itemTableX"] = x.index(item["name"])
        item["itemTableY"] = 0
    return _item_table(x, [], "x", "", "")
