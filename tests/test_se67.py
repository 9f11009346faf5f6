"""SE67 Disaster risk map: assessment frequency, content, map matching and placement."""

from __future__ import annotations

import json
from typing import Any

from compliance_builtin import se67_disaster_risk_map as se67

from compliance.testing import run_case

BOUNDARY = {
    "type": "Feature",
    "properties": {"kind": "boundary"},
    "geometry": {
        "type": "Polygon",
        "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]],
    },
}
HAZARDS = ["waterlogging", "typhoon", "fire", "geological", "gas_leak"]


def _risk(rid: str, hazard: str = "fire", level: str = "high", measures: int = 2) -> dict:
    return {
        "risk_id": rid,
        "hazard": hazard,
        "level": level,
        "location": "Shed",
        "measures": [f"m{i}" for i in range(measures)],
    }


def _point(rid: str, x: float, y: float, hazard: str = "fire", level: str = "high") -> dict:
    return {
        "type": "Feature",
        "properties": {"kind": "risk", "risk_id": rid, "hazard": hazard, "level": level},
        "geometry": {"type": "Point", "coordinates": [x, y]},
    }


def _run(assessments: list[dict], features: list[dict], updated: str = "2025-06-20") -> Any:
    spec = {"indicator": "SE67", "period": {"start": "2025-01-01", "end": "2025-12-31"}}
    risk_map = {"type": "FeatureCollection", "updated": updated, "features": features}
    case = {
        "name": "unit",
        "evidence": [
            {
                "path": "records/a.json",
                "type": se67.ASSESSMENTS,
                "content": json.dumps({"assessments": assessments}),
            },
            {"path": "records/m.json", "type": se67.RISK_MAP, "content": json.dumps(risk_map)},
        ],
    }
    verdict = run_case(spec, case).verdict
    return {r.rule.split(".")[1]: r.score for r in verdict.rules}, verdict


def _assessment(day: str, risks: list[dict], hazards: list[str] = HAZARDS) -> dict:
    return {"assessment_id": day, "date": day, "hazards_considered": hazards, "risks": risks}


def test_matching_map_scores_full() -> None:
    assessments = [
        _assessment("2024-12-01", []),
        _assessment("2025-06-01", [_risk("R1"), _risk("R2", "typhoon", "low")]),
    ]
    scores, _ = _run(
        assessments, [BOUNDARY, _point("R1", 0.5, 0.5), _point("R2", 0.2, 0.3, "typhoon", "low")]
    )
    # One assessment in the period where two are needed, and June to December is 213
    # days (more than 200); the December one before the period anchors the start.
    assert scores["R2"] == scores["R3"] == scores["R4"] == 1.0
    assert abs(scores["R1"] - 0.5 * 200 / 213) < 1e-9


def test_gap_counts_from_previous_assessment() -> None:
    assessments = [
        _assessment("2024-12-01", []),
        _assessment("2025-04-01", [_risk("R1")]),
        _assessment("2025-09-01", [_risk("R1")]),
    ]
    scores, verdict = _run(assessments, [BOUNDARY, _point("R1", 0.5, 0.5)], updated="2025-09-05")
    assert scores["R1"] == 1.0  # gaps 121, 153 and 121 days; three in the period, two needed
    assert verdict.metrics["longest_assessment_gap_days"] == 153


def test_stale_and_missing_features_reduce_both_coverage_and_precision() -> None:
    assessments = [
        _assessment("2025-03-01", [_risk("R1"), _risk("R2")]),
        _assessment("2025-08-01", [_risk("R1"), _risk("R2")]),
    ]
    features = [BOUNDARY, _point("R1", 0.5, 0.5), _point("OLD", 0.4, 0.4)]
    scores, verdict = _run(assessments, features, updated="2025-08-10")
    assert verdict.metrics["map_coverage"] == 0.5
    assert verdict.metrics["map_precision"] == 0.5
    assert abs(scores["R3"] - (0.5 / 0.95) ** 2) < 1e-9
    assert verdict.score <= 59  # R3 is a red line


def test_level_mismatch_counts_as_not_shown() -> None:
    assessments = [
        _assessment("2025-03-01", [_risk("R1")]),
        _assessment("2025-08-01", [_risk("R1")]),
    ]
    scores, _ = _run(assessments, [BOUNDARY, _point("R1", 0.5, 0.5, level="low")], "2025-08-02")
    assert scores["R3"] == 0.0


def test_placement_and_currency() -> None:
    assessments = [
        _assessment("2025-03-01", [_risk("R1"), _risk("R2")]),
        _assessment("2025-08-01", [_risk("R1"), _risk("R2")]),
    ]
    square = {
        "type": "Feature",
        "properties": {"kind": "risk", "risk_id": "R2", "hazard": "fire", "level": "high"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[0.7, 0.7], [0.9, 0.7], [0.9, 0.9], [0.7, 0.9], [0.7, 0.7]]],
        },
    }
    # Map drawn before the latest assessment, one risk outside the boundary.
    scores, _ = _run(assessments, [BOUNDARY, _point("R1", 1.5, 0.5), square], updated="2025-07-01")
    assert scores["R4"] == (0.0 + 0.5) / 2


def test_anchor_rejects_invalid_coordinates() -> None:
    assert se67._anchor(_point("R", 200.0, 0.0)) is None
    assert se67._anchor({"geometry": {"type": "Point", "coordinates": "x"}}) is None
    ring = {
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}
    }
    assert se67._anchor(ring) == (1.0, 1.0)


def test_missing_hazards_and_thin_risks() -> None:
    risks = [_risk("R1"), _risk("R2", measures=1)]
    assessments = [
        _assessment("2025-03-01", risks, HAZARDS[:4]),
        _assessment("2025-08-01", risks, HAZARDS[:4]),
    ]
    scores, _ = _run(
        assessments, [BOUNDARY, _point("R1", 0.5, 0.5), _point("R2", 0.5, 0.6)], "2025-08-02"
    )
    # gas_leak is not considered (4 of 5) and one risk in two has too few measures.
    assert abs(scores["R2"] - (0.8 + 0.5) / 2) < 1e-9
