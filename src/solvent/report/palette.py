"""The one palette of the ratio charts: ``palette.json``, read here and written into the
page's ``history.json``, so the HTML report and the page colour an asset alike.

The n-th asset (in the order the assets first appear, oldest snapshot first) takes the
n-th colour; past the 20th the colours repeat, each round with another dash pattern, so
no two series look the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["SeriesStyle", "palette", "series_styles"]


@dataclass(frozen=True)
class SeriesStyle:
    symbol: str
    colour: str
    #: 0 for a solid line; 1, 2, ... for the dash pattern of the second, third ... round of colours.
    dash: int


@cache
def palette() -> tuple[str, ...]:
    """The colours, as ``#rrggbb``."""
    data = json.loads(resources.files("solvent.report").joinpath("palette.json").read_text(encoding="utf-8"))
    return tuple(data["colours"])


def series_styles(symbols: Iterable[str]) -> tuple[SeriesStyle, ...]:
    """One style per distinct symbol, in first-appearance order."""
    colours: Sequence[str] = palette()
    seen: dict[str, None] = dict.fromkeys(symbols)
    return tuple(SeriesStyle(s, colours[i % len(colours)], i // len(colours)) for i, s in enumerate(seen))
