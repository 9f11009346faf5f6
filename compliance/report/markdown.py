"""The Markdown report: the HTML report's content as text, for merge requests, tickets
and mail.

Markdown has no autoescaping, and a finding message that says ``| **ok** |`` or
``<script>`` would otherwise become table columns, bold text or live HTML in whatever
renders the file. So every value the template prints goes through :func:`md_escape`
(the ``md`` filter), and as a safety net the environment's ``finalize`` escapes any
value that reaches the output without having been through a filter of this module.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

from compliance.report.formats import (
    format_metric,
    format_number,
    format_percent,
    format_plain,
    format_size,
    report_view,
    sanitize_text,
    status_label,
    template_loader,
)

if TYPE_CHECKING:
    from jinja2 import Environment

    from compliance.report.model import Report

__all__ = ["md_escape", "render_markdown"]

# Characters with inline meaning in CommonMark/GFM: code, emphasis, links and images,
# raw HTML and autolinks, table cells, headings, strikethrough and entity references.
# CommonMark lets any ASCII punctuation be backslash-escaped, so a backslash is enough.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&])")
# Where a value would start a line these could open a list or a thematic break, or
# underline a heading: "- x", "+ x", "---", "===", "1. x", "2) x".
_BLOCK_START = re.compile(r"^(?:[-+=]|\d{1,9}(?=[.)](?:\s|$)))")


class _Escaped(str):
    """Text already made safe for Markdown; ``finalize`` passes it through untouched."""

    __slots__ = ()


def md_escape(value: Any) -> str:
    """Make ``value`` literal Markdown text that fits on one line and in a table cell.

    Line breaks of every kind become spaces (a newline would end a table row or start
    a new block), Markdown and HTML punctuation gets a backslash, a leading list or rule
    marker is defused, and outer whitespace is dropped (leading spaces would make an
    indented code block).
    """
    if isinstance(value, _Escaped):
        return value
    text = " ".join(str(value).splitlines()).strip()
    text = _SPECIAL.sub(r"\\\1", text)
    match = _BLOCK_START.match(text)
    if match:
        end = match.end()
        text = text[:end] + "\\" + text[end:] if text[:1].isdigit() else "\\" + text
    return _Escaped(text)


def _safe(formatter: Any) -> Any:
    """Wrap a formatter whose output is digits, dots, signs and letters only."""

    def wrapped(*args: Any) -> _Escaped:
        return _Escaped(md_escape(formatter(*args)))

    wrapped.__name__ = formatter.__name__
    return wrapped


def _finalize(value: Any) -> str:
    # Anything printed without the ``md`` filter is escaped anyway; a value printed with
    # it is left alone, so nothing is escaped twice.
    return value if isinstance(value, _Escaped) else md_escape(value)


@cache
def _environment() -> Environment:
    from jinja2 import Environment, StrictUndefined

    env = Environment(
        loader=template_loader(),
        autoescape=False,  # HTML escaping is wrong for Markdown; md_escape does the job
        undefined=StrictUndefined,
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        md=md_escape,
        num=_safe(format_number),
        plain=_safe(format_plain),
        pct=_safe(format_percent),
        size=_safe(format_size),
        metric=_safe(format_metric),
        status_label=_safe(status_label),
    )
    return env


def render_markdown(report: Report) -> bytes:
    """Render the report as UTF-8 Markdown (GitHub-flavoured tables), deterministic for a
    given report."""
    template = _environment().get_template("report.md.j2")
    return sanitize_text(template.render(**report_view(report))).encode("utf-8")
