"""Small charts drawn on the server as inline SVG: no JavaScript, nothing from another site.

Each chart scales with its ``viewBox`` to the width of its container (down to a 360 px phone),
names itself with ``<title>`` and ``<desc>`` (``role="img"``), and draws its text with the
page's fonts (the CSS sets the font, so Hangul and Hanzi labels render like the page). Colours
and fonts come from classes styled in static/style.css: the page's CSP allows no inline style.
Callers pass text already translated and numbers already formatted; everything is escaped here.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 320  # viewBox units; at a phone's width one unit is about one CSS pixel
LABEL_SIZE = 12
TICK_SIZE = 10
ELLIPSIS = "…"


@dataclass(frozen=True)
class Bar:
    """One row of a horizontal bar chart: ``fraction`` of the track is filled."""

    label: str
    fraction: float | None  # 0..1; None draws an empty track (nothing to measure)
    value_text: str  # e.g. "73% (22 of 30)", shown at the right end of the label line


@dataclass(frozen=True)
class Column:
    """One column of a column chart."""

    label: str  # short tick label under the column ("Mar", "3월")
    value: int
    title: str  # what the column stands for, in full ("March 2025: 12 completions")
    group_label: str | None = None  # a second line under the tick (the year), when it changes


def text_width(text: str, size: float) -> float:
    """About how wide ``text`` is at font ``size``, erring on the wide side (system fonts such
    as DejaVu Sans are wide): wide (CJK) characters take a full em."""
    width = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            width += 1.0
        elif char in "il.,:;|!'·()" or char == " ":
            width += 0.35
        elif char.isupper() or char in "mwMW%":
            width += 0.78
        else:
            width += 0.62
    return width * size


def fit(text: str, max_width: float, size: float) -> str:
    """``text``, shortened with an ellipsis to fit ``max_width`` at font ``size``."""
    if text_width(text, size) <= max_width:
        return text
    room = max_width - text_width(ELLIPSIS, size)
    kept = ""
    for char in text:
        if text_width(kept + char, size) > room:
            break
        kept += char
    return kept.rstrip() + ELLIPSIS


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open_svg(chart_id: str, css_class: str, height: float, title: str, description: str) -> str:
    return (
        f'<svg class="chart {css_class}" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} '
        f'{_num(height)}" role="img" aria-labelledby="{escape(chart_id)}-title '
        f'{escape(chart_id)}-desc" focusable="false" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>'
    )


ROW_HEIGHT = 36
TRACK_HEIGHT = 10


def bar_chart(bars: Sequence[Bar], *, chart_id: str, title: str, description: str) -> Markup:
    """Horizontal bars, one per row: the label and value on a line, the bar under them."""
    height = max(len(bars), 1) * ROW_HEIGHT
    parts = [_open_svg(chart_id, "bar-chart", height, title, description)]
    for index, bar in enumerate(bars):
        top = index * ROW_HEIGHT
        value_width = text_width(bar.value_text, LABEL_SIZE)
        label = fit(bar.label, WIDTH - value_width - 14, LABEL_SIZE)
        baseline = top + LABEL_SIZE + 2
        track_y = baseline + 5
        parts.append(f"<g><title>{escape(bar.label)}: {escape(bar.value_text)}</title>")
        parts.append(f'<text class="label" x="0" y="{_num(baseline)}">{escape(label)}</text>')
        parts.append(
            f'<text class="value" x="{WIDTH}" y="{_num(baseline)}" text-anchor="end">'
            f"{escape(bar.value_text)}</text>"
        )
        parts.append(
            f'<rect class="track" x="0" y="{_num(track_y)}" width="{WIDTH}" '
            f'height="{TRACK_HEIGHT}" rx="2"></rect>'
        )
        if bar.fraction:
            filled = max(min(bar.fraction, 1.0), 0.0) * WIDTH
            parts.append(
                f'<rect class="fill" x="0" y="{_num(track_y)}" width="{_num(filled)}" '
                f'height="{TRACK_HEIGHT}" rx="2"></rect>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every piece of text above is escaped)


PLOT_LEFT = 30  # room for the value axis labels
PLOT_TOP = 14
PLOT_BOTTOM = 156
COLUMN_HEIGHT = 196


def nice_ceiling(value: int) -> int:
    """The smallest round number (1, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten, and whole)
    at least ``value`` (and at least 1): the top of a value axis."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 3, 4, 5, 6, 8, 10):
        top = step * magnitude
        if top >= value and top == int(top):
            return int(top)
    return 10 * magnitude


def _group_labels(columns: Sequence[Column], slot: float) -> dict[int, str]:
    """The group labels (years) that fit before the next one: a label whose group is too
    short for it is left out rather than drawn over its neighbour."""
    starts = [i for i, column in enumerate(columns) if column.group_label]
    shown: dict[int, str] = {}
    for n, index in enumerate(starts):
        label = columns[index].group_label or ""
        end = starts[n + 1] if n + 1 < len(starts) else len(columns)
        if text_width(label, TICK_SIZE) + 4 <= (end - index) * slot or len(starts) == 1:
            shown[index] = label
    return shown


def column_chart(
    columns: Sequence[Column],
    *,
    chart_id: str,
    title: str,
    description: str,
    format_number: Callable[[int], str] = str,
) -> Markup:
    """Vertical columns over a value axis from 0 to a round maximum, labels under them."""
    fmt = format_number
    parts = [_open_svg(chart_id, "column-chart", COLUMN_HEIGHT, title, description)]
    top = nice_ceiling(max((c.value for c in columns), default=0))
    plot_width = WIDTH - PLOT_LEFT
    plot_height = PLOT_BOTTOM - PLOT_TOP
    for fraction in (0.0, 0.5, 1.0):
        value = top * fraction
        if fraction == 0.5 and value != int(value):
            continue  # a half that is not a whole number says nothing useful
        y = PLOT_BOTTOM - fraction * plot_height
        css = "axis" if fraction == 0 else "grid"
        parts.append(
            f'<line class="{css}" x1="{PLOT_LEFT}" y1="{_num(y)}" x2="{WIDTH}" y2="{_num(y)}">'
            "</line>"
        )
        parts.append(
            f'<text class="tick" x="{PLOT_LEFT - 4}" y="{_num(y + TICK_SIZE / 2 - 1)}" '
            f'text-anchor="end">{escape(fmt(int(value)))}</text>'
        )
    count = max(len(columns), 1)
    slot = plot_width / count
    bar_width = max(min(slot * 0.7, 40), 1)
    widest = max((text_width(c.label, TICK_SIZE) for c in columns), default=0)
    every = max(1, math.ceil((widest + 4) / slot))  # label every n-th column so labels never touch
    groups = _group_labels(columns, slot)
    for index, column in enumerate(columns):
        centre = PLOT_LEFT + slot * index + slot / 2
        height = column.value / top * plot_height
        parts.append(f"<g><title>{escape(column.title)}</title>")
        parts.append(
            f'<rect class="fill" x="{_num(centre - bar_width / 2)}" '
            f'y="{_num(PLOT_BOTTOM - height)}" width="{_num(bar_width)}" '
            f'height="{_num(height)}"></rect>'
        )
        # An invisible full-height target, so that short columns still show their tooltip.
        parts.append(
            f'<rect class="hit" x="{_num(centre - slot / 2)}" y="{PLOT_TOP}" '
            f'width="{_num(slot)}" height="{_num(plot_height)}"></rect>'
        )
        if column.value and slot >= text_width(fmt(column.value), TICK_SIZE) + 2:
            parts.append(
                f'<text class="count" x="{_num(centre)}" y="{_num(PLOT_BOTTOM - height - 3)}" '
                f'text-anchor="middle">{escape(fmt(column.value))}</text>'
            )
        if index % every == 0:
            parts.append(
                f'<text class="tick" x="{_num(centre)}" y="{PLOT_BOTTOM + 14}" '
                f'text-anchor="middle">{escape(column.label)}</text>'
            )
        if index in groups:
            parts.append(
                f'<text class="tick group" x="{_num(centre - slot / 2)}" '
                f'y="{PLOT_BOTTOM + 30}">{escape(groups[index])}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every piece of text above is escaped)
