"""compliance-elevator-safety: a city's own indicator, EV01 Elevator safety.

Built exactly as any vendor's plugin: only the public API (``compliance.hookimpl``,
``compliance.indicator``, ``compliance.profile``, ``compliance.evidence.store``) and one
entry point in the ``compliance.plugins`` group. The hooks below contribute:

* the indicator (:mod:`.ev01_elevator_safety`);
* two evidence types, each with its JSON Schema;
* a reader for the XML fault export of the elevator controllers, so a bundle can hold
  that file as it comes instead of a hand-made CSV;
* the profile ``elevator-safety``: the default profile plus EV01's weight and thresholds.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

from compliance import hookimpl
from compliance.evidence.store import EvidenceReader
from compliance.indicator import EvidenceType, Indicator
from compliance.profile import ProfileSource

from .ev01_elevator_safety import FAULTS, INSPECTIONS, ElevatorSafety

__all__ = ["ElevatorSafety", "read_fault_export"]
__version__ = "1.0.0"

SCHEMA_BASE = "https://schemas.example.invalid/compliance-elevator-safety/"
#: Attributes of a <fault> element in the controllers' export, as row columns.
_FAULT_FIELDS = ("fault_id", "elevator_id", "occurred_at", "entrapment", "released_at")


def _schema(type_id: str) -> dict[str, Any]:
    text = files(__name__).joinpath("schemas", f"{type_id}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def read_fault_export(path: Path) -> list[dict[str, Any]]:
    """Rows of an elevator controller fault export::

        <faults>
          <fault fault_id="F1" elevator_id="L-3-1" occurred_at="2025-03-01T08:00:00+08:00"
                 entrapment="true" released_at="2025-03-01T08:20:00+08:00"/>
        </faults>

    Values stay strings (``entrapment`` becomes a boolean) so the engine validates them
    against the row schema exactly as it would a CSV's cells.
    """
    from defusedxml import ElementTree

    root = ElementTree.parse(path).getroot()
    rows = []
    for element in root.iter("fault"):
        row: dict[str, Any] = {name: element.get(name) for name in _FAULT_FIELDS}
        flag = (row["entrapment"] or "").strip().lower()
        row["entrapment"] = {"true": True, "false": False}.get(flag, row["entrapment"])
        rows.append(row)
    return rows


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [ElevatorSafety]


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=INSPECTIONS,
            kind="table",
            title="Elevator inspections",
            description="Statutory inspections: elevator, date, result, certificate expiry.",
            schema=f"{SCHEMA_BASE}{INSPECTIONS}.schema.json",
            template_name=f"{INSPECTIONS}.csv",
            template_text="elevator_id,inspected_on,result,certificate_expires\n",
        ),
        EvidenceType(
            id=FAULTS,
            kind="table",
            title="Elevator faults",
            description="Faults and entrapments: CSV from the maintenance company, or the "
            "controllers' XML export.",
            schema=f"{SCHEMA_BASE}{FAULTS}.schema.json",
            template_name=f"{FAULTS}.csv",
            template_text="fault_id,elevator_id,occurred_at,entrapment,released_at\n",
        ),
    ]


@hookimpl
def compliance_evidence_readers() -> list[EvidenceReader]:
    return [
        EvidenceReader(
            kind="table", extensions=(".xml",), read=read_fault_export, name="elevator XML"
        )
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [_schema(INSPECTIONS), _schema(FAULTS)]


@hookimpl
def compliance_profiles() -> list[ProfileSource]:
    return [
        ProfileSource(
            "elevator-safety",
            files(__name__).joinpath("profiles", "elevator-safety.yaml"),
            "The default profile plus EV01 Elevator safety.",
        )
    ]
