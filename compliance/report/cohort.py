"""The cohort report of ``compliance rank``: JSON, Markdown or one self-contained HTML page.

Like the audit report, it is rendered from the ranking's JSON dict, so every number a person
reads is the number a script reads; the renderer only lays it out (a bar chart of the
weights, a heatmap of per-dimension closeness, each community's weakest indicators). The
HTML page inlines the audit report's stylesheet and draws its chart as SVG: no script, no
external file. Autoescaping is forced on for HTML; the Markdown goes through the audit
report's ``md_escape``.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from compliance.report.charts import xml_escape
from compliance.report.formats import (
    format_number,
    format_plain,
    load_template_source,
    sanitize_text,
    template_loader,
)

if TYPE_CHECKING:
    from jinja2 import Environment

__all__ = ["FORMATS", "cohort_view", "render_cohort", "weights_svg"]

FORMATS = ("json", "html", "md")

_BAR_WIDTH = 420.0
_LABEL_WIDTH = 110.0
_ROW = 22.0
_METHOD_TITLES = {
    "critic-topsis": "CRITIC weights, TOPSIS ranking",
    "entropy-topsis": "entropy weights, TOPSIS ranking",
    "profile-topsis": "profile weights, TOPSIS ranking",
    "ahp-topsis": "AHP weights, TOPSIS ranking",
}


def _fmt(value: float) -> str:
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def weights_svg(weights: dict[str, float]) -> str:
    """Horizontal bars, one per indicator, longest for the largest weight. Every label is
    XML-escaped here, which is why the HTML renderer may insert the result as is."""
    codes = list(weights)
    top = max(weights.values(), default=0.0)
    height = _ROW * max(1, len(codes)) + 10
    width = _LABEL_WIDTH + _BAR_WIDTH + 80
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bars" viewBox="0 0 {_fmt(width)} '
        f'{_fmt(height)}" width="{_fmt(width)}" height="{_fmt(height)}" role="img">',
        "<title>Indicator weights</title>",
        "<desc>"
        + xml_escape("; ".join(f"{c}: {format_plain(w)}" for c, w in weights.items()) or "none")
        + "</desc>",
    ]
    for i, code in enumerate(codes):
        w = weights[code]
        y = 5 + i * _ROW
        length = 0.0 if top <= 0 else _BAR_WIDTH * w / top
        parts.append(
            f'<text class="bar-label" x="{_fmt(_LABEL_WIDTH - 8)}" y="{_fmt(y + 15)}" '
            f'text-anchor="end">{xml_escape(code)}</text>'
        )
        parts.append(
            f'<rect class="bar{" zero" if w <= 0 else ""}" x="{_fmt(_LABEL_WIDTH)}" '
            f'y="{_fmt(y + 3)}" width="{_fmt(length)}" height="{_fmt(_ROW - 6)}"/>'
        )
        parts.append(
            f'<text class="bar-value" x="{_fmt(_LABEL_WIDTH + length + 6)}" '
            f'y="{_fmt(y + 15)}">{xml_escape(format_number(w, 4))}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _heat(value: float | None) -> str:
    """Background and text colour of a heatmap cell: white (closeness 0) to the report's
    accent blue (closeness 1), text turning white where the blue gets dark."""
    if value is None:
        return "background-color: #f5f7fa; color: #5b6472"
    t = min(1.0, max(0.0, value))
    r, g, b = (round(255 + (end - 255) * t) for end in (31, 95, 168))
    ink = "#ffffff" if t > 0.55 else "#1d2330"
    return f"background-color: rgb({r}, {g}, {b}); color: {ink}"


def cohort_view(data: dict[str, Any]) -> dict[str, Any]:
    """What the templates show, built from the ranking's JSON dict (no score computed)."""
    names = data.get("communities", {})
    dims = data.get("dimensions", {})
    per_dim: dict[str, dict[str, dict[str, Any]]] = {}
    for code, dim in dims.items():
        per_dim[code] = {e["community"]: e for e in (dim["ranking"] or [])}
    rows = []
    for entry in data["ranking"]:
        cid = entry["community"]
        cells = []
        for code in dims:
            hit = per_dim[code].get(cid)
            value = None if hit is None else hit["closeness"]
            cells.append(
                {
                    "dimension": code,
                    "closeness": value,
                    "rank": None if hit is None else hit["rank"],
                    "style": _heat(value),
                }
            )
        rows.append(
            {
                **entry,
                "name": names.get(cid, ""),
                "cells": cells,
                "weakest": data.get("weakest", {}).get(cid, []),
            }
        )
    top = max(data["weights"].values(), default=0.0)
    weight_rows = [
        {"code": c, "weight": w, "bar": "\u2588" * (round(30 * w / top) if top > 0 else 0)}
        for c, w in data["weights"].items()
    ]
    return {
        "d": data,
        "has_names": bool(names),
        "weight_rows": weight_rows,
        "method_title": _METHOD_TITLES.get(data["method"], data["method"]),
        "rows": rows,
        "dimension_list": [{"code": c, **v} for c, v in dims.items()],
        "weights": data["weights"],
        "cost": set(data.get("cost", [])),
    }


@cache
def _html_environment() -> Environment:
    from jinja2 import Environment, StrictUndefined, select_autoescape

    env = Environment(
        loader=template_loader(),
        autoescape=select_autoescape(
            enabled_extensions=("html", "htm", "xml", "j2"),
            default_for_string=True,
            default=True,
        ),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=format_number, plain=format_plain)
    return env


@cache
def _md_environment() -> Environment:
    from jinja2 import Environment, StrictUndefined

    from compliance.report.markdown import md_escape

    def safe(formatter: Any) -> Any:
        def wrapped(*args: Any) -> str:
            return md_escape(formatter(*args))

        return wrapped

    env = Environment(
        loader=template_loader(),
        autoescape=False,  # Markdown: md_escape, below, is the escaping
        undefined=StrictUndefined,
        finalize=md_escape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(md=md_escape, num=safe(format_number), plain=safe(format_plain))
    return env


def _stylesheet() -> str:
    css = load_template_source("report.css")
    if "</" in css:
        raise ValueError("report.css must not contain '</'")
    return css


def render_cohort(data: dict[str, Any], fmt: str) -> bytes:
    """The cohort report as UTF-8 bytes: ``json``, ``html`` or ``md``. Deterministic: the
    same ranking gives the same bytes (no timestamps)."""
    if fmt == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)
        return (text + "\n").encode("utf-8", errors="backslashreplace")
    view = cohort_view(data)
    if fmt == "html":
        from markupsafe import Markup

        template = _html_environment().get_template("cohort.html.j2")
        # The only unescaped insertions: our packaged stylesheet and the SVG that
        # weights_svg escapes itself.
        html = template.render(
            **view, css=Markup(_stylesheet()), chart=Markup(weights_svg(data["weights"]))
        )
        return sanitize_text(html).encode("utf-8")
    if fmt == "md":
        template = _md_environment().get_template("cohort.md.j2")
        return sanitize_text(template.render(**view)).encode("utf-8")
    raise ValueError(f"unknown cohort report format {fmt!r} (known: {', '.join(FORMATS)})")
