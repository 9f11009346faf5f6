"""The HTML report: one self-contained page an inspector can open offline, mail or print.

Everything is inline (the stylesheet in a ``<style>`` element, the radar chart as SVG),
nothing is fetched and no script runs, so the file shows the same everywhere and cannot
phone home. Evidence text is never trusted: autoescaping is forced on for every template
and the only strings inserted unescaped are the packaged stylesheet and the chart that
:func:`compliance.report.charts.radar_svg` escapes itself.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from compliance.report.formats import (
    format_metric,
    format_number,
    format_percent,
    format_plain,
    format_size,
    load_template_source,
    report_view,
    sanitize_text,
    status_label,
    template_loader,
)

if TYPE_CHECKING:
    from jinja2 import Environment
    from markupsafe import Markup

    from compliance.report.model import Report

__all__ = ["render_html"]

_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def _anchor(code: str) -> str:
    """An ``id`` fragment from an indicator code: codes are validated, but an id must
    never depend on that."""
    return "ind-" + _ANCHOR_UNSAFE.sub("-", code)


@cache
def _environment() -> Environment:
    from jinja2 import Environment, StrictUndefined, select_autoescape

    env = Environment(
        loader=template_loader(),
        # Escaping on for .html and .j2 names and, through ``default``, for every other
        # name and for string templates too: there is no way to load a template unescaped.
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
    env.filters.update(
        num=format_number,
        plain=format_plain,
        pct=format_percent,
        size=format_size,
        metric=format_metric,
        status_label=status_label,
        anchor=_anchor,
    )
    return env


def _stylesheet() -> str:
    """The packaged stylesheet, refused if it could close its own ``<style>`` element."""
    css = load_template_source("report.css")
    if "</" in css:
        raise ValueError("report.css must not contain '</'")
    return css


def _trusted(fragment: str) -> Markup:
    """The one place text is marked safe. It is only ever given our packaged stylesheet
    and the radar chart, whose labels :func:`radar_svg` XML-escapes itself; never
    evidence, never anything a plugin wrote."""
    from markupsafe import Markup

    return Markup(fragment)


def render_html(report: Report) -> bytes:
    """Render the report as one UTF-8 HTML document (deterministic for a given report)."""
    from compliance.report.charts import radar_svg

    view = report_view(report)
    radar = radar_svg(view["radar_labels"], view["radar_values"], max_value=100)
    template = _environment().get_template("report.html.j2")
    html = template.render(**view, css=_trusted(_stylesheet()), radar=_trusted(radar))
    return sanitize_text(html).encode("utf-8")
