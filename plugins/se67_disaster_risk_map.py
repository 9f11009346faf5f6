"""SE67 Disaster risk map: regular disaster-risk identification and assessment, and a
risk map (GeoJSON) that shows the risks the latest assessment identified.

Both pieces of evidence are small records: the assessments (YAML or JSON) and the map
(a GeoJSON FeatureCollection stored as a ``.json`` record).
"""

from __future__ import annotations

import itertools
import json
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from compliance import hookimpl
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import load_schema, schema_id, yaml_bytes
from ._geo import coords_of, feature_collection, point_feature, point_in_polygon, polygon_feature

__all__ = ["DisasterRiskMap"]

ASSESSMENTS = "disaster_risk_assessments"
RISK_MAP = "disaster_risk_map"

#: Findings list at most this many individual risks or features, then one summary line.
MAX_LISTED = 8


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True)
class _Assessment:
    """One dated assessment and where it sits in the evidence."""

    day: date
    data: dict[str, Any]
    record: Any
    pointer: str


def _assessments(ctx: Context) -> list[_Assessment]:
    """Every dated assessment of every assessment record, oldest first."""
    out: list[_Assessment] = []
    for record in ctx.records(ASSESSMENTS):
        items = record.data.get("assessments") if isinstance(record.data, dict) else None
        for i, item in enumerate(items if isinstance(items, list) else []):
            day = _day(item.get("date")) if isinstance(item, dict) else None
            if day is not None:
                out.append(_Assessment(day, item, record, f"/assessments/{i}"))
    out.sort(key=lambda a: a.day)
    return out


def _latest(ctx: Context) -> _Assessment | None:
    """The most recent assessment dated on or before the period's end."""
    done = [a for a in _assessments(ctx) if a.day <= ctx.period.end]
    return done[-1] if done else None


def _risks(assessment: _Assessment) -> list[tuple[int, dict[str, Any]]]:
    risks = assessment.data.get("risks")
    return [
        (i, r)
        for i, r in enumerate(risks if isinstance(risks, list) else [])
        if isinstance(r, dict)
    ]


def _map_features(data: Any) -> list[tuple[int, dict[str, Any]]]:
    feats = data.get("features") if isinstance(data, dict) else None
    return [
        (i, f)
        for i, f in enumerate(feats if isinstance(feats, list) else [])
        if isinstance(f, dict)
    ]


def _props(feature: dict[str, Any]) -> dict[str, Any]:
    props = feature.get("properties")
    return props if isinstance(props, dict) else {}


def _positions(coords: Any) -> list[tuple[float, float]]:
    """Every [lon, lat] position in a (nested) GeoJSON coordinates array."""
    if (
        isinstance(coords, list)
        and len(coords) >= 2
        and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords[:2])
    ):
        return [(float(coords[0]), float(coords[1]))]
    if isinstance(coords, list):
        return [p for c in coords for p in _positions(c)]
    return []


def _anchor(feature: dict[str, Any]) -> tuple[float, float] | None:
    """A representative point of a feature: the point itself, or the mean of its
    positions (good enough to tell whether a small risk area lies in the community).
    None when the geometry has no valid WGS 84 position."""
    points = _positions(coords_of(feature))
    if not points or any(
        not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90)
        for x, y in points
    ):
        return None
    if len(points) > 1 and points[0] == points[-1]:
        points = points[:-1]  # a closed ring repeats its first vertex
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


class DisasterRiskMap(Indicator):
    """The community identifies and assesses its disaster risks regularly, and draws a
    risk map that shows where the identified risk events are, so the work of preventing
    and preparing for them can be organized.

    Assessments are checked for their frequency over the period, for looking at every
    kind of hazard the profile names, and for grading each risk and naming measures for
    it. The GeoJSON risk map is checked against the latest assessment (every identified
    risk drawn, with the same hazard and level, and nothing that is no longer assessed),
    for being updated after that assessment, and for placing the risks inside the
    community's boundary.
    """

    code = "SE67"
    title = "Disaster risk map"
    dimension = "EMD"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(ASSESSMENTS, purpose="dated disaster-risk identification and assessment reports"),
        Need(RISK_MAP, purpose="GeoJSON risk map with the community boundary and risk events"),
    )

    @rule(
        "R1",
        "Risk assessments are carried out at the profile's frequency",
        weight=3,
        severity="high",
        thresholds=("assessments_per_year", "max_assessment_gap_days"),
    )
    def regular_assessments(self, ctx: Context) -> float | None:
        """Counts assessments dated inside the period (several on one day count once)
        against ``assessments_per_year`` pro-rated to the period's length (at least one),
        and finds the longest stretch without a valid assessment: from the latest
        assessment before the period (or the period's start when there is none) through
        each assessment in the period to the period's end. Score: min(1, count / needed)
        × min(1, ``max_assessment_gap_days`` / longest stretch)."""
        period = ctx.period
        every = _assessments(ctx)
        days = sorted({a.day for a in every if period.start <= a.day <= period.end})
        before = [a.day for a in every if a.day < period.start]
        per_year = float(ctx.threshold("assessments_per_year"))
        max_gap = int(ctx.threshold("max_assessment_gap_days"))
        needed = max(1, math.ceil(per_year * period.days / 365 - 1e-9)) if per_year > 0 else 0
        anchor = before[-1] if before else period.start
        marks = [anchor, *days, period.end]
        gaps = [(b - a).days for a, b in itertools.pairwise(marks)]
        longest = max(gaps) if gaps else period.days
        ctx.metric("assessments_in_period", len(days))
        ctx.metric("assessments_needed", needed)
        ctx.metric("longest_assessment_gap_days", longest)
        record = ctx.record(ASSESSMENTS)
        where = ctx.at(record, pointer="/assessments") if record is not None else None
        count_score = 1.0 if needed == 0 else min(1.0, len(days) / needed)
        if count_score < 1.0:
            ctx.finding(
                f"{len(days)} risk assessment(s) dated in the period; at least {needed} expected",
                at=where,
                fix="Carry out the disaster-risk identification and assessment at the "
                "frequency the profile sets and keep each dated report.",
            )
        gap_score = 1.0 if longest <= max_gap else max_gap / longest
        if gap_score < 1.0:
            i = gaps.index(longest)
            ctx.finding(
                f"{longest} days pass without a risk assessment ({marks[i].isoformat()} to "
                f"{marks[i + 1].isoformat()}); at most {max_gap} allowed",
                at=where,
                fix="Schedule assessments evenly through the year, and reassess after major "
                "changes such as new construction or a disaster season.",
            )
        return count_score * gap_score

    @rule(
        "R2",
        "The latest assessment covers every hazard and grades each risk with measures",
        weight=2,
        severity="medium",
        thresholds=("required_hazards", "min_measures_per_risk"),
    )
    def assessment_content(self, ctx: Context) -> float | None:
        """Reads the latest assessment on or before the period's end. Half of the score is
        the share of ``required_hazards`` it considered (listed in
        ``hazards_considered`` or among its risks' hazards); the other half is the share
        of its identified risks that have a level, a location and at least
        ``min_measures_per_risk`` control measures. An assessment that identifies no risk
        at all gets the second half only if it considered every required hazard."""
        latest = _latest(ctx)
        if latest is None:
            ctx.finding(
                "no dated risk assessment on or before the period's end",
                at=None,
                fix="Record each assessment with its date, the hazards considered and the risks.",
            )
            return 0.0
        required = [str(h) for h in ctx.threshold("required_hazards")]
        min_measures = int(ctx.threshold("min_measures_per_risk"))
        risks = _risks(latest)
        considered = {str(h) for h in latest.data.get("hazards_considered") or []}
        considered |= {str(r.get("hazard")) for _, r in risks if r.get("hazard")}
        missing = [h for h in required if h not in considered]
        hazard_share = 1.0 if not required else (len(required) - len(missing)) / len(required)
        if missing:
            ctx.finding(
                "the latest assessment does not consider: " + ", ".join(missing),
                at=ctx.at(latest.record, pointer=latest.pointer),
                fix="Assess every hazard type the profile lists, and record it under "
                "hazards_considered even when no risk is found.",
            )
        incomplete = []
        for i, risk in risks:
            listed = risk.get("measures")
            measures: list[Any] = listed if isinstance(listed, list) else []
            if not (
                risk.get("level")
                and _text(risk.get("location"))
                and sum(1 for m in measures if _text(m)) >= min_measures
            ):
                incomplete.append(i)
        for i in incomplete[:MAX_LISTED]:
            ctx.finding(
                f"risk at {latest.pointer}/risks/{i} lacks a level, a location or at least "
                f"{min_measures} control measure(s)",
                at=ctx.at(latest.record, pointer=f"{latest.pointer}/risks/{i}"),
                fix="Grade every identified risk, say where it is and name the measures that "
                "control it.",
            )
        if len(incomplete) > MAX_LISTED:
            ctx.finding(
                f"{len(incomplete) - MAX_LISTED} more risks are incomplete",
                at=ctx.at(latest.record, pointer=f"{latest.pointer}/risks"),
            )
        if risks:
            risk_share = (len(risks) - len(incomplete)) / len(risks)
        else:
            risk_share = 1.0 if not missing else 0.0
        ctx.metric("identified_risks", len(risks))
        ctx.metric("required_hazards_considered_share", round(hazard_share, 4))
        ctx.metric("complete_risk_share", round(risk_share, 4))
        return (hazard_share + risk_share) / 2

    @rule(
        "R3",
        "The risk map shows the risks of the latest assessment",
        weight=3,
        severity="high",
        red_line=True,
        thresholds=("map_match_share_min",),
    )
    def map_matches_assessment(self, ctx: Context) -> float | None:
        """Pairs the map's risk features (``properties.kind`` = ``risk``) with the latest
        assessment's risks by ``risk_id``. Coverage is the share of assessed risks drawn
        on the map with the same hazard and level; precision is the share of the map's
        risk features that belong to the assessment (others are out of date). Score:
        min(1, coverage / ``map_match_share_min``) × min(1, precision /
        ``map_match_share_min``). A red-line rule: a map that does not show the assessed
        risks does not do its job."""
        latest = _latest(ctx)
        risk_map = ctx.record(RISK_MAP)
        if latest is None or risk_map is None:
            return 0.0
        target = float(ctx.threshold("map_match_share_min"))
        assessed = {
            _text(r.get("risk_id")): (i, r) for i, r in _risks(latest) if _text(r.get("risk_id"))
        }
        drawn: dict[str, tuple[int, dict[str, Any]]] = {}
        for i, feat in _map_features(risk_map.data):
            props = _props(feat)
            if props.get("kind") == "risk" and _text(props.get("risk_id")):
                drawn.setdefault(_text(props.get("risk_id")), (i, props))
        absent, differing = [], []
        for rid, (i, risk) in assessed.items():
            if rid not in drawn:
                absent.append(i)
                continue
            j, props = drawn[rid]
            if props.get("hazard") != risk.get("hazard") or props.get("level") != risk.get("level"):
                differing.append(j)
        stale = [i for rid, (i, _) in drawn.items() if rid not in assessed]
        matched = len(assessed) - len(absent) - len(differing)
        coverage = matched / len(assessed) if assessed else 1.0
        precision = (
            (len(drawn) - len(stale)) / len(drawn) if drawn else (1.0 if not assessed else 0.0)
        )
        ctx.metric("assessed_risks", len(assessed))
        ctx.metric("mapped_risks", len(drawn))
        ctx.metric("map_coverage", round(coverage, 4))
        ctx.metric("map_precision", round(precision, 4))
        for i in absent[:MAX_LISTED]:
            ctx.finding(
                f"assessed risk at {latest.pointer}/risks/{i} is not on the risk map",
                at=ctx.at(latest.record, pointer=f"{latest.pointer}/risks/{i}"),
                fix="Draw every assessed risk on the map as a feature with its risk_id.",
            )
        for j in differing[:MAX_LISTED]:
            ctx.finding(
                "map feature's hazard or level differs from the latest assessment",
                at=ctx.at(risk_map, pointer=f"/features/{j}/properties"),
                fix="Update the map's hazard and level to the latest assessment.",
            )
        for j in stale[:MAX_LISTED]:
            ctx.finding(
                "map shows a risk the latest assessment does not list",
                at=ctx.at(risk_map, pointer=f"/features/{j}"),
                fix="Remove risks that were eliminated, or add them back to the assessment.",
                severity="medium",
            )
        hidden = max(0, len(absent) - MAX_LISTED) + max(0, len(differing) - MAX_LISTED)
        hidden += max(0, len(stale) - MAX_LISTED)
        if hidden:
            ctx.finding(f"{hidden} more mismatches between map and assessment", at=ctx.at(risk_map))
        if target <= 0:
            return 1.0
        return min(1.0, coverage / target) * min(1.0, precision / target)

    @rule(
        "R4",
        "The map is updated after the assessment and places risks inside the community",
        weight=2,
        severity="medium",
        thresholds=("map_max_lag_days",),
    )
    def map_current_and_placed(self, ctx: Context) -> float | None:
        """Two halves. Currency: the map's ``updated`` date is on or after the latest
        assessment's date (or the assessment is less than ``map_max_lag_days`` old at the
        period's end, leaving time to redraw), and not after the period's end. Placement:
        the map has a community boundary (a Polygon feature with ``kind`` = ``boundary``)
        and the share of risk features whose position (the point, or the mean of a
        shape's vertices) lies inside it; without a boundary or with invalid coordinates
        a feature does not count as placed."""
        risk_map = ctx.record(RISK_MAP)
        if risk_map is None:
            return 0.0
        data = risk_map.data if isinstance(risk_map.data, dict) else {}
        lag = int(ctx.threshold("map_max_lag_days"))
        latest = _latest(ctx)
        updated = _day(data.get("updated"))
        end = ctx.period.end
        if updated is None or updated > end:
            current = 0.0
            ctx.finding(
                "the risk map has no valid update date within the period",
                at=ctx.at(risk_map, pointer="/updated"),
                fix="Give the date the map was last redrawn (updated).",
            )
        elif latest is None or updated >= latest.day or (end - latest.day).days < lag:
            current = 1.0
        else:
            current = 0.0
            ctx.finding(
                f"the risk map was last updated {updated.isoformat()}, before the latest "
                f"assessment of {latest.day.isoformat()}",
                at=ctx.at(risk_map, pointer="/updated"),
                fix=f"Redraw the map within {lag} days of each assessment.",
            )
        feats = _map_features(data)
        boundary = [f for _, f in feats if _props(f).get("kind") == "boundary"]
        risks = [(i, f) for i, f in feats if _props(f).get("kind") == "risk"]
        if not boundary:
            ctx.finding(
                "the risk map has no community boundary feature",
                at=ctx.at(risk_map, pointer="/features"),
                fix="Add the community's boundary as a Polygon feature with kind 'boundary'.",
            )
        outside = []
        for i, feat in risks:
            point = _anchor(feat)
            if point is None or not any(point_in_polygon(point, b) for b in boundary):
                outside.append(i)
        placed = (len(risks) - len(outside)) / len(risks) if risks else 0.0
        if boundary:
            for i in outside[:MAX_LISTED]:
                ctx.finding(
                    "risk feature has invalid coordinates or lies outside the boundary",
                    at=ctx.at(risk_map, pointer=f"/features/{i}/geometry"),
                    fix="Give positions as [longitude, latitude] in WGS 84 inside the community.",
                )
        ctx.metric("map_current", current)
        ctx.metric("risk_features_placed_share", round(placed, 4))
        return (current + placed) / 2


# -- sample evidence ---------------------------------------------------------------------

_CENTRE = (113.9305, 22.5330)  # a residential block in Nanshan, Shenzhen
_HALF = 0.003  # about 300 m
_HAZARDS = (
    ("waterlogging", "Underground garage ramp", ["Flood barriers at the ramp", "Pump check"]),
    ("fire", "Electric bicycle shed", ["Charging cabinet with cut-off", "Smoke detectors"]),
    ("typhoon", "Rooftop billboards of Building 3", ["Fixings inspected", "Removal plan"]),
    ("gas_leak", "Restaurant street gas pipes", ["Gas alarms", "Monthly valve inspection"]),
    ("structural", "Retaining wall by the hillside path", ["Crack gauges", "Quarterly survey"]),
    ("crowd", "Central square on festival days", ["Crowd limit plan", "Steward posts"]),
    ("geological", "Slope behind Building 6", ["Drainage ditch cleared", "Slope sensors"]),
)
_LEVELS = ("low", "medium", "high", "major")
_REQUIRED = ["waterlogging", "typhoon", "fire", "geological", "gas_leak"]


def _sample_assessments(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Quarterly assessments for "good", two for "fair" (with thin risks), one for "poor"."""
    start, n_days = spec.period.start, spec.period.days
    count = {"good": 4, "fair": 2, "poor": 1}.get(spec.quality, 2)
    items = []
    for k in range(count):
        day = start + timedelta(days=min(n_days - 1, (k * n_days) // 4 + rng.randrange(5, 25)))
        risks: list[dict[str, Any]] = []
        for n, (hazard, place, measures) in enumerate(_HAZARDS, start=1):
            if spec.quality == "poor" and hazard in ("geological", "structural"):
                continue
            thin = spec.quality != "good" and n % 3 == 0
            risks.append(
                {
                    "risk_id": f"RK{n:02d}",
                    "hazard": hazard,
                    "level": _LEVELS[(n + k) % 3 + (1 if hazard == "waterlogging" else 0)],
                    "location": place,
                    "measures": measures[:1] if thin else list(measures),
                }
            )
        considered = sorted({str(r["hazard"]) for r in risks} | ({*_REQUIRED} - {"geological"}))
        if spec.quality == "good":
            considered = sorted({*considered, *_REQUIRED})
        items.append(
            {
                "assessment_id": f"RA-{day.year}-{k + 1}",
                "date": day.isoformat(),
                "method": "on-site hazard survey and resident questionnaire",
                "assessed_by": "Community safety office",
                "hazards_considered": considered,
                "risks": risks,
            }
        )
    data = {"community_id": spec.community.id, "assessments": items}
    return [("records/disaster_risk_assessments.yaml", yaml_bytes(data))]


def _sample_risk_map(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """A boundary square and one feature per risk of the latest sample assessment; "fair"
    leaves a risk off and keeps an old one, "poor" is also drawn before the assessment."""
    cx, cy = _CENTRE
    ring = [
        (cx - _HALF, cy - _HALF),
        (cx + _HALF, cy - _HALF),
        (cx + _HALF, cy + _HALF),
        (cx - _HALF, cy + _HALF),
    ]
    count = {"good": 4, "fair": 2, "poor": 1}.get(spec.quality, 2)
    feats = [polygon_feature(ring, kind="boundary", label="Community boundary")]
    for n, (hazard, place, _) in enumerate(_HAZARDS, start=1):
        if spec.quality == "poor" and hazard in ("geological", "structural"):
            continue
        if spec.quality != "good" and n == 2:
            continue  # the shed's fire risk was never drawn
        level = _LEVELS[(n + count - 1) % 3 + (1 if hazard == "waterlogging" else 0)]
        x = cx + rng.uniform(-0.8, 0.8) * _HALF
        y = cy + rng.uniform(-0.8, 0.8) * _HALF
        feats.append(
            point_feature(
                x, y, kind="risk", risk_id=f"RK{n:02d}", hazard=hazard, level=level, label=place
            )
        )
    if spec.quality != "good":
        feats.append(
            point_feature(
                cx + 0.5 * _HALF,
                cy - 0.5 * _HALF,
                kind="risk",
                risk_id="RK99",
                hazard="fire",
                level="medium",
                label="Demolished storage room",
            )
        )
    end = spec.period.end
    updated = end - timedelta(days=10) if spec.quality == "good" else spec.period.start
    data = feature_collection(feats, name="Disaster risk map", updated=updated.isoformat())
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    return [("records/disaster_risk_map.json", text.encode("utf-8"))]


# -- plugin hooks ------------------------------------------------------------------------

_ASSESSMENT_TEMPLATE = """\
community_id: community-0001
assessments:
  - assessment_id: RA-2025-1
    date: "2025-03-15"
    method: on-site hazard survey
    assessed_by: Community safety office
    hazards_considered: [waterlogging, typhoon, fire, geological, gas_leak]
    risks:
      - risk_id: RK01
        hazard: waterlogging
        level: high
        location: Underground garage ramp
        measures: [Flood barriers at the ramp, Pump check before the rainy season]
"""
_MAP_TEMPLATE = """\
{
 "type": "FeatureCollection",
 "name": "Disaster risk map",
 "updated": "2025-03-20",
 "features": [
  {"type": "Feature", "properties": {"kind": "boundary"},
   "geometry": {"type": "Polygon", "coordinates": [[[113.9275, 22.530], [113.9335, 22.530],
     [113.9335, 22.536], [113.9275, 22.536], [113.9275, 22.530]]]}},
  {"type": "Feature",
   "properties": {"kind": "risk", "risk_id": "RK01", "hazard": "waterlogging", "level": "high"},
   "geometry": {"type": "Point", "coordinates": [113.9301, 22.5322]}}
 ]
}
"""


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=ASSESSMENTS,
            kind="record",
            title="Disaster risk assessments",
            description="Dated disaster-risk identification and assessment reports: hazards "
            "considered, and each identified risk with its hazard, level, location and "
            "control measures.",
            schema=schema_id(ASSESSMENTS),
            template_name="disaster_risk_assessments.yaml",
            template_text=_ASSESSMENT_TEMPLATE,
            sample=_sample_assessments,
        ),
        EvidenceType(
            id=RISK_MAP,
            kind="record",
            title="Disaster risk map (GeoJSON)",
            description="A GeoJSON FeatureCollection (saved as .json): the community boundary "
            "and one feature per risk event, tagged with the assessment's risk id, hazard and "
            "level; 'updated' gives the date it was last redrawn.",
            schema=schema_id(RISK_MAP),
            template_name="disaster_risk_map.json",
            template_text=_MAP_TEMPLATE,
            sample=_sample_risk_map,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(ASSESSMENTS), load_schema(RISK_MAP)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [DisasterRiskMap]
