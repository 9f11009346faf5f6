"""Charts drawn as plain SVG text, so the HTML report stays one self-contained file.

No plotting library: a radar of seven axes is a few polygons, and writing them by hand
keeps the output byte-stable (every coordinate is printed with exactly two decimals) and
keeps a heavy dependency out of a tool that auditors install on locked-down machines.
Every piece of text that reaches the SVG is XML-escaped here, which is why the HTML
renderer may insert the result without escaping it again.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

__all__ = ["radar_svg", "xml_escape"]

_SIZE = 420.0
_CENTRE = _SIZE / 2
_RADIUS = 140.0
_LABEL_RADIUS = _RADIUS + 22.0
_RINGS = (0.2, 0.4, 0.6, 0.8, 1.0)

# Characters XML 1.0 forbids even when escaped, plus lone surrogates (non-UTF-8 file
# names decoded with surrogateescape): they would make the SVG unreadable on its own.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_escape(text: str) -> str:
    """Escape ``text`` for XML character data and quoted attribute values.

    Quotes are escaped too so one function serves both places; characters XML cannot
    carry at all become U+FFFD instead of producing a document no parser accepts.
    """
    text = _XML_INVALID.sub("\ufffd", text)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def _fmt(value: float) -> str:
    """Two decimals, never ``-0.00``: identical input gives identical bytes."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _point(index: int, count: int, fraction: float) -> tuple[float, float]:
    # Axis 0 points straight up; the others follow clockwise.
    angle = -math.pi / 2 + 2 * math.pi * index / count
    radius = _RADIUS * fraction
    return _CENTRE + radius * math.cos(angle), _CENTRE + radius * math.sin(angle)


def _points(pairs: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in pairs)


def _anchor(x: float) -> str:
    if abs(x - _CENTRE) < 1.0:
        return "middle"
    return "start" if x > _CENTRE else "end"


def radar_svg(labels: list[str], values: list[float | None], max_value: float = 100) -> str:
    """An SVG radar (spider) chart with one axis per label.

    :param labels: axis names, drawn as given (escaped); dimension codes read best.
    :param values: one value per label; ``None`` (not assessed) is drawn at 0 and its
        label says "n/a" so a missing dimension is never mistaken for a zero score.
        Values outside ``0..max_value`` are drawn at the nearest edge; the label keeps
        the real number.
    :param max_value: the value drawn on the outer ring.
    :return: an ``<svg>`` element as text, with a ``<title>`` and ``<desc>`` for screen
        readers. Each axis is a ``<line class="axis">``.
    """
    if len(labels) != len(values):
        raise ValueError(f"radar_svg: {len(labels)} labels but {len(values)} values")
    if not (max_value > 0 and math.isfinite(max_value)):
        raise ValueError("radar_svg: max_value must be a positive number")
    count = len(labels)
    size = _fmt(_SIZE)
    summary = "; ".join(
        f"{label}: {'n/a' if value is None else _fmt(value)}"
        for label, value in zip(labels, values, strict=True)
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="radar" viewBox="0 0 {size} {size}" '
        f'width="{size}" height="{size}" role="img">',
        "<title>Dimension scores</title>",
        f"<desc>{xml_escape(summary or 'no dimensions')}</desc>",
    ]
    if count == 0:
        parts.append(
            f'<text x="{_fmt(_CENTRE)}" y="{_fmt(_CENTRE)}" text-anchor="middle" '
            'class="radar-empty">no dimensions to draw</text>'
        )
        parts.append("</svg>")
        return "\n".join(parts)

    for ring in _RINGS:
        ring_points = [_point(i, count, ring) for i in range(count)]
        parts.append(f'<polygon class="ring" points="{_points(ring_points)}"/>')
    for i in range(count):
        x, y = _point(i, count, 1.0)
        parts.append(
            f'<line class="axis" x1="{_fmt(_CENTRE)}" y1="{_fmt(_CENTRE)}" '
            f'x2="{_fmt(x)}" y2="{_fmt(y)}"/>'
        )

    shape = []
    for i, value in enumerate(values):
        fraction = 0.0 if value is None or not math.isfinite(value) else value / max_value
        shape.append(_point(i, count, min(1.0, max(0.0, fraction))))
    parts.append(f'<polygon class="area" points="{_points(shape)}"/>')
    for i, (x, y) in enumerate(shape):
        missing = " missing" if values[i] is None else ""
        parts.append(f'<circle class="dot{missing}" cx="{_fmt(x)}" cy="{_fmt(y)}" r="3.50"/>')

    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x, y = _point(i, count, _LABEL_RADIUS / _RADIUS)
        shown = "n/a" if value is None else _fmt(value)
        css = "label missing" if value is None else "label"
        parts.append(
            f'<text class="{css}" x="{_fmt(x)}" y="{_fmt(y)}" text-anchor="{_anchor(x)}">'
            f"{xml_escape(label)}"
            f'<tspan x="{_fmt(x)}" dy="14.00" class="value">{shown}</tspan></text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
