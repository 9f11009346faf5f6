"""The built-in report formats (json, md, html), contributed through the same
``compliance_renderers`` hook a third-party format would use.

This module is imported whenever the plugin host starts, including for
``compliance --version``, so it imports nothing heavy: Jinja and the template files load
on the first render. It also holds what the two template formats share: loading
templates from package data, the number formatting, and the view of a report that the
templates read, so HTML and Markdown cannot drift apart in what they show.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

from compliance.hookspecs import hookimpl
from compliance.report.renderers import Renderer

if TYPE_CHECKING:
    from jinja2 import BaseLoader

    from compliance.report.model import Report

__all__ = [
    "TEMPLATE_FILES",
    "compliance_renderers",
    "format_metric",
    "format_number",
    "format_percent",
    "format_plain",
    "format_size",
    "load_template_source",
    "report_view",
    "sanitize_text",
    "status_label",
    "template_loader",
]

#: The only files the template loader hands out; anything else is "not found".
TEMPLATE_FILES = ("report.html.j2", "report.md.j2", "report.css", "cohort.html.j2", "cohort.md.j2")

# C0 controls (except tab, LF, CR), DEL and lone surrogates cannot be written as UTF-8
# text or are parse errors in HTML; evidence can carry them (binary junk in a CSV cell,
# a non-UTF-8 file name). They become U+FFFD in the text formats.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

_STATUS_LABELS = {
    "pass": "pass",
    "partial": "partial",
    "fail": "fail",
    "insufficient_evidence": "insufficient evidence",
    "not_applicable": "not applicable",
    "waived": "waived",
    "error": "error",
    "not_assessed": "not assessed",
}


def _render_json(report: Report) -> bytes:
    from compliance.report.jsonfmt import render_json

    return render_json(report)


def _render_markdown(report: Report) -> bytes:
    from compliance.report.markdown import render_markdown

    return render_markdown(report)


def _render_html(report: Report) -> bytes:
    from compliance.report.html import render_html

    return render_html(report)


def _render_sarif(report: Report) -> bytes:
    from compliance.report.sarif import render_sarif

    return render_sarif(report)


def _render_junit(report: Report) -> bytes:
    from compliance.report.junit import render_junit

    return render_junit(report)


def _render_oscal(report: Report) -> bytes:
    from compliance.report.oscal import render_oscal

    return render_oscal(report)


def _render_github(report: Report) -> bytes:
    from compliance.report.github import render_github

    return render_github(report)


@hookimpl
def compliance_renderers() -> list[Renderer]:
    """The built-in formats. Render functions import their modules on first use."""
    return [
        Renderer(
            name="json",
            extension="json",
            media_type="application/json",
            render=_render_json,
            description="The report model as JSON; validates against report.schema.json.",
        ),
        Renderer(
            name="md",
            extension="md",
            media_type="text/markdown; charset=utf-8",
            render=_render_markdown,
            description="The report as Markdown text for reviews and merge requests.",
        ),
        Renderer(
            name="html",
            extension="html",
            media_type="text/html; charset=utf-8",
            render=_render_html,
            description="One self-contained HTML page with a radar chart; no scripts, no "
            "external files.",
        ),
        Renderer(
            name="sarif",
            extension="sarif",
            media_type="application/sarif+json",
            render=_render_sarif,
            description="SARIF 2.1.0 for code scanning: a result per finding, located in the "
            "bundle, with stable fingerprints.",
        ),
        Renderer(
            name="junit",
            extension="junit.xml",
            media_type="application/xml",
            render=_render_junit,
            description="JUnit XML: a test suite per dimension, a test case per indicator.",
        ),
        Renderer(
            name="oscal",
            extension="oscal.json",
            media_type="application/json",
            render=_render_oscal,
            description="OSCAL 1.0.6 Assessment Results citing the evidence by SHA-256.",
        ),
        Renderer(
            name="github",
            extension="github",
            media_type="text/plain; charset=utf-8",
            render=_render_github,
            description="GitHub Actions workflow commands: capped annotations and a summary.",
        ),
    ]


# -- templates ---------------------------------------------------------------------------


@cache
def load_template_source(name: str) -> str:
    """Read one of :data:`TEMPLATE_FILES` from the ``compliance.templates`` package.

    Package data, never the source tree, so an installed wheel works on its own. Cached:
    the files cannot change while the process runs.
    """
    from importlib.resources import files

    if name not in TEMPLATE_FILES:
        raise FileNotFoundError(f"no report template named {name!r}")
    return files("compliance.templates").joinpath(name).read_text(encoding="utf-8")


def template_loader() -> BaseLoader:
    """A Jinja loader over the packaged templates.

    A ``FunctionLoader`` instead of ``PackageLoader`` because ``PackageLoader`` looks for
    a directory on disk and does not work from every kind of installed package (zip
    imports); ``importlib.resources`` does.
    """
    from jinja2 import FunctionLoader

    def load(name: str) -> tuple[str, None, Any] | None:
        if name not in TEMPLATE_FILES:
            return None
        return load_template_source(name), None, lambda: True

    return FunctionLoader(load)


# -- formatting shared by the template formats ---------------------------------------------


def format_number(value: float | int | None, digits: int = 2) -> str:
    """A fixed number of decimals, ``n/a`` for a missing value, never ``-0.00``."""
    if value is None:
        return "n/a"
    text = f"{value:.{digits}f}"
    if text.startswith("-") and text.strip("-0.") == "":
        text = text[1:]
    return text


def format_plain(value: float | int | None) -> str:
    """A weight or ratio without padding zeros (``0.15``, ``2``): at most six decimals,
    the precision the model keeps for weights."""
    if value is None:
        return "n/a"
    text = format_number(value, 6)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_percent(value: float | None) -> str:
    """A rule score in [0, 1] shown as a percentage with one decimal."""
    if value is None:
        return "n/a"
    return format_number(value * 100, 1) + "%"


def format_size(value: int) -> str:
    """A file size in bytes with thousands separators (exact, unlike ``1.2 MB``)."""
    return f"{value:,} B"


def format_metric(value: Any) -> str:
    """A metric as text: ``true``/``false`` like the JSON report, ``n/a`` for null.

    Floats use Python's shortest round-trip form, which is deterministic and matches
    the JSON report digit for digit (the model already rounded to four decimals).
    """
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def status_label(status: str) -> str:
    """``insufficient_evidence`` -> ``insufficient evidence``: for people, not parsers."""
    return _STATUS_LABELS.get(status, status.replace("_", " "))


def sanitize_text(text: str) -> str:
    """Replace characters that cannot be written into a UTF-8 text report with U+FFFD."""
    return _UNWRITABLE.sub("\ufffd", text)


# -- the view the templates read ---------------------------------------------------------------


def _location_text(location: dict[str, Any] | None) -> str:
    from compliance.verdict import Location

    if not location:
        return ""
    return str(Location(**location))


def report_view(report: Report) -> dict[str, Any]:
    """What the templates show, built from ``report.to_dict()``.

    Working from the dict rather than the objects means every number a person reads in
    HTML or Markdown is the rounded number CI reads in JSON. The view only adds
    presentation: location strings, dimension names next to codes, which sections to
    show. It computes no score.
    """
    data = report.to_dict()
    dimension_names = {d["code"]: d["name"] for d in data["dimensions"]}
    indicators = []
    for verdict in data["indicators"]:
        findings = [
            {
                **finding,
                "where": _location_text(finding.get("location")),
                # The templates print the message; a waived finding says so in front of it
                # so HTML and Markdown mark it like every other format.
                **(
                    {"message": f"[waived {finding['waiver']}] {finding['message']}"}
                    if finding.get("waived")
                    else {}
                ),
            }
            for finding in verdict["findings"]
        ]
        indicators.append(
            {
                **verdict,
                "findings": findings,
                "dimension_name": dimension_names.get(verdict["dimension"], ""),
            }
        )
    errors = [v for v in indicators if v["status"] == "error"]
    return {
        "r": data,
        "indicators": indicators,
        "checker_errors": errors,
        "checker_failed": bool(errors or data["plugin_errors"]),
        "radar_labels": [d["code"] for d in data["dimensions"]],
        "radar_values": [d["score"] for d in data["dimensions"]],
    }
