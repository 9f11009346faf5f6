"""Every hook a plugin can implement, one docstring each: this module is the reference.

Plugins register through the ``compliance.plugins`` entry-point group (the built-in
indicators included) and mark implementations with :data:`compliance.hookimpl`::

    from compliance import hookimpl

    @hookimpl
    def compliance_indicators():
        return [ElevatorSafety]

Hooks whose name starts with ``compliance_`` and that *contribute* (indicators, evidence
types and readers, schemas, profiles, renderers) return lists; the engine collects them
from every plugin and records which plugin gave what. The engine, not pluggy's loop, calls each
indicator, so one failing indicator cannot stop the others. Observer hooks
(``compliance_verdict_finished``, ``compliance_report_finished``) return nothing; an
observer that raises is reported and ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from compliance.evidence.store import EvidenceReader
    from compliance.indicator import EvidenceType, Indicator
    from compliance.profile import ProfileSource
    from compliance.report.model import Report
    from compliance.report.renderers import Renderer
    from compliance.verdict import Verdict

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]

PROJECT_NAME = "compliance"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def compliance_indicators() -> list[type[Indicator]]:
    """Contribute indicators.

    :return: a list of :class:`compliance.indicator.Indicator` subclasses. Each class has
        a unique ``code`` (``SE57``, or a vendor code such as ``EV01``), a ``title``, a
        ``dimension`` code, the evidence it needs and its rules. Two plugins that give the
        same code are both reported; the first registered wins unless the later one sets
        ``replaces = "CODE"`` on its class, which is recorded in every report.
    """


@hookspec
def compliance_evidence_types() -> list[EvidenceType]:
    """Contribute evidence types: the kinds of files a bundle's manifest can name.

    :return: a list of :class:`compliance.indicator.EvidenceType`. Each has an ``id``
        used in manifests (``patrol_log``), a ``kind`` (``record``, ``table`` or
        ``document``), the ``$id`` of the JSON Schema that validates it (records: each
        document; tables: each row) and a template that ``compliance bundle init`` writes.
    """


@hookspec
def compliance_evidence_readers() -> list[EvidenceReader]:
    """Contribute readers for file formats the built-in readers do not handle.

    The engine reads records from ``.json``/``.yaml``/``.yml``, tables from
    ``.csv``/``.jsonl``/``.ndjson``/``.parquet`` and documents from
    ``.pdf``/``.docx``/``.md``/``.txt`` itself; those stay with the built-in readers. A
    contributed reader handles the other extensions for one evidence kind, for example an
    elevator controller's ``.xml`` fault export read as a table.

    :return: a list of :class:`compliance.evidence.store.EvidenceReader`: a ``kind``
        (``record``, ``table`` or ``document``), the file ``extensions`` it reads
        (``(".xml",)``) and ``read(path) -> value``, where the value is the parsed data
        of a record, the rows of a table (a polars DataFrame or a list of dicts) or the
        text of a document (a string, or a list of page strings). The engine validates
        what a reader returns against the evidence type's schema exactly as it does for
        built-in formats: table rows that are all strings are typed from the schema as
        CSV cells are, typed columns keep their types. An exception in ``read`` becomes
        an unreadable-file finding.
    """


@hookspec
def compliance_schemas() -> list[dict[str, Any]]:
    """Contribute JSON Schemas (draft 2020-12) to the shared registry.

    :return: a list of schema documents, each with an absolute ``$id``. Schemas can
        ``$ref`` each other by ``$id``; references are resolved through one
        ``referencing`` registry and never fetched from the network. Each schema is
        checked against the draft 2020-12 metaschema when a run starts; one that fails is
        left out and reported as this plugin's error (evidence types naming it then name
        an unknown schema), and the run goes on.
    """


@hookspec
def compliance_profiles() -> list[ProfileSource]:
    """Contribute named profiles (weights, thresholds, grade bands, keyword sets).

    :return: a list of :class:`compliance.profile.ProfileSource`; ``--profile NAME``
        selects one by name. Each profile is validated against ``profile.schema.json``
        when it is used.
    """


@hookspec
def compliance_renderers() -> list[Renderer]:
    """Contribute report formats for ``--format``.

    :return: a list of :class:`compliance.report.renderers.Renderer`: a ``name``
        (``json``), a file ``extension`` and ``render(report) -> bytes``. The built-in
        json, md and html formats are contributed through this same hook. Renderers read
        the report model and never compute scores.
    """


@hookspec
def compliance_verdict_finished(verdict: Verdict) -> None:
    """Observe one indicator's verdict as soon as it is ready (progress, notifiers).

    :param verdict: the finished :class:`compliance.verdict.Verdict`; do not change it.
    """


@hookspec
def compliance_report_finished(report: Report) -> None:
    """Observe the finished report before it is rendered.

    :param report: the :class:`compliance.report.model.Report`; do not change it.
    """
