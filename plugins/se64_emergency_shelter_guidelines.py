"""SE64 Emergency shelter guidelines: shelter zoning and evacuation-route maps, signs,
enough shelter places, a short walk from every building, published on the platform."""

from __future__ import annotations

import json
import math
import random
from datetime import date, timedelta
from typing import Any

from compliance import hookimpl
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import load_schema, schema_id, yaml_bytes
from ._geo import (
    coords_of,
    feature_collection,
    features_of,
    haversine_m,
    line_feature,
    nearest,
    point_feature,
    point_in_polygon,
    polygon_feature,
)

__all__ = ["EmergencyShelterGuidelines", "anchor"]

SHELTER_MAP = "shelter_map"
PUBLICATION = "shelter_publication"
MAX_EXAMPLES = 5


def anchor(feature: dict[str, Any]) -> list[float] | None:
    """The position a feature stands for: a Point's coordinates, or the mean of a
    Polygon's outer-ring vertices (closing vertex excluded; good enough for the compact
    shapes of squares and school grounds)."""
    geom = feature.get("geometry") or {}
    coords = coords_of(feature)
    try:
        if geom.get("type") == "Point":
            return [float(coords[0]), float(coords[1])]
        if geom.get("type") == "Polygon":
            ring = coords[0]
            pts = ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring
            return [
                sum(float(p[0]) for p in pts) / len(pts),
                sum(float(p[1]) for p in pts) / len(pts),
            ]
    except (TypeError, IndexError, ValueError, ZeroDivisionError):
        return None
    return None


def _props(feature: dict[str, Any]) -> dict[str, Any]:
    p = feature.get("properties")
    return p if isinstance(p, dict) else {}


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _shelters(data: Any) -> list[tuple[int, dict[str, Any], list[float]]]:
    """(feature index, feature, anchor) for each shelter with a usable position."""
    out = []
    for i, feat in features_of(data, ("Point", "Polygon"), kind="shelter"):
        pos = anchor(feat)
        if pos is not None:
            out.append((i, feat, pos))
    return out


class EmergencyShelterGuidelines(Indicator):
    """Residents know where to go in an emergency: the community has drawn a shelter
    zoning map (which buildings go to which shelter) and an evacuation-route map, put up
    signs to the shelters, provides enough shelter places for its population within a
    short walk of every building, and publishes the shelter information on the smart
    platform so residents can navigate to it.

    Evidence: a ``shelter_map`` record (a GeoJSON FeatureCollection of shelters, zones,
    routes, buildings and signs) and a ``shelter_publication`` record (what the platform
    publishes and when it was updated).
    """

    code = "SE64"
    title = "Emergency shelter guidelines"
    dimension = "EMD"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(SHELTER_MAP, purpose="shelters, zones, routes, buildings and signs as GeoJSON"),
        Need(PUBLICATION, purpose="shelter information published on the platform"),
    )

    @rule(
        "R1",
        "Shelter places suffice for the population",
        weight=3,
        severity="high",
        thresholds=("min_places_per_resident",),
    )
    def capacity(self, ctx: Context) -> float | None:
        """Adds up the ``capacity`` (people) of every shelter on the map and divides it by
        the community's population (the larger of the manifest's population and the sum of
        the buildings' ``residents``). The score is that ratio over
        ``min_places_per_resident``, capped at 1. A shelter without a capacity adds
        nothing and is reported."""
        record = ctx.record(SHELTER_MAP)
        if record is None:
            return 0.0
        shelters = features_of(record.data, ("Point", "Polygon"), kind="shelter")
        places = 0
        for i, feat in shelters:
            cap = _props(feat).get("capacity")
            if isinstance(cap, int) and cap > 0:
                places += cap
            else:
                ctx.finding(
                    "shelter has no capacity on record",
                    at=ctx.at(record, pointer=f"/features/{i}/properties"),
                    fix="Give every shelter its capacity in people.",
                    severity="low",
                )
        residents = sum(
            r
            for _, b in features_of(record.data, "Point", kind="building")
            if isinstance(r := _props(b).get("residents"), int) and r > 0
        )
        population = max(int(ctx.community.population), residents, 1)
        ratio = places / population
        need = float(ctx.threshold("min_places_per_resident"))
        ctx.metric("shelter_places", places)
        ctx.metric("places_per_resident", round(ratio, 3))
        if ratio >= need:
            return 1.0
        ctx.finding(
            f"{len(shelters)} shelter(s) hold {places} people for {population} residents "
            f"({ratio:.2f} places per resident; the profile asks for {need:g})",
            at=ctx.at(record, pointer="/features"),
            fix="Designate more shelter space (squares, school grounds, green spaces) or "
            "enlarge existing shelters, and record each one's capacity.",
        )
        return min(1.0, ratio / need) if need > 0 else 1.0

    @rule(
        "R2",
        "Every building is a short walk from a shelter",
        weight=3,
        severity="high",
        thresholds=("max_walk_m", "detour_factor", "walk_share_min"),
    )
    def walking_distance(self, ctx: Context) -> float | None:
        """For each building (a Point feature of kind building) finds the nearest shelter
        (a Point, or the centre of a Polygon) by great-circle distance and estimates the
        walk as that distance times ``detour_factor`` (streets are not straight lines). A
        building is served when the walk is at most ``max_walk_m``. The score is the share
        of residents (by each building's ``residents``, 1 when missing) in served buildings
        over ``walk_share_min``, capped at 1. No buildings or no shelters scores 0."""
        record = ctx.record(SHELTER_MAP)
        if record is None:
            return 0.0
        shelters = _shelters(record.data)
        buildings = features_of(record.data, "Point", kind="building")
        if not buildings or not shelters:
            ctx.finding(
                "the map shows no buildings" if not buildings else "the map shows no shelters",
                at=ctx.at(record, pointer="/features"),
                fix="Map every residential building and every shelter as GeoJSON features "
                "(kind building / shelter).",
            )
            return 0.0
        limit = float(ctx.threshold("max_walk_m"))
        detour = float(ctx.threshold("detour_factor"))
        target = float(ctx.threshold("walk_share_min"))
        positions = [pos for _, _, pos in shelters]
        total = served = 0
        longest = 0.0
        far: list[tuple[float, int]] = []
        for i, feat in buildings:
            pos = anchor(feat)
            if pos is None:
                continue
            found = nearest(pos, positions)
            walk = (found[1] if found else math.inf) * detour
            weight = _props(feat).get("residents")
            weight = weight if isinstance(weight, int) and weight > 0 else 1
            total += weight
            longest = max(longest, walk)
            if walk <= limit:
                served += weight
            else:
                far.append((walk, i))
        share = served / total if total else 0.0
        ctx.metric("residents_within_walk_share", round(share, 4))
        ctx.metric("longest_walk_m", round(longest))
        if share >= target:
            return 1.0
        ctx.finding(
            f"{len(far)} building(s) are more than {limit:g} m (estimated walk) from the "
            f"nearest shelter; {share:.1%} of residents are within reach",
            at=ctx.at(record, pointer="/features"),
            fix="Designate a shelter closer to these buildings, or open a nearer gate or "
            "path to an existing one.",
        )
        for walk, i in sorted(far, reverse=True)[:MAX_EXAMPLES]:
            ctx.finding(
                f"building about {walk:.0f} m walk from the nearest shelter",
                at=ctx.at(record, pointer=f"/features/{i}"),
                severity="low",
            )
        return min(1.0, share / target) if target > 0 else 1.0

    @rule(
        "R3",
        "Zoning and evacuation routes cover every building and shelter",
        weight=2,
        severity="medium",
        thresholds=("route_end_tolerance_m",),
    )
    def zoning_and_routes(self, ctx: Context) -> float | None:
        """Three equal parts. Zoning: the share of buildings lying inside a zone polygon.
        Assignment: the share of zones whose ``shelter_id`` names a shelter on the map.
        Routes: the share of shelters reached by an evacuation route (a LineString of kind
        route whose ``shelter_id`` is the shelter's and whose last point lies within
        ``route_end_tolerance_m`` of it). A part with nothing to measure scores 0."""
        record = ctx.record(SHELTER_MAP)
        if record is None:
            return 0.0
        data = record.data
        tolerance = float(ctx.threshold("route_end_tolerance_m"))
        shelters = {_props(f).get("id"): (i, pos) for i, f, pos in _shelters(data)}
        zones = features_of(data, ("Polygon", "MultiPolygon"), kind="zone")
        buildings = features_of(data, "Point", kind="building")
        routes = features_of(data, "LineString", kind="route")

        zoned = 0
        unzoned: list[int] = []
        for i, b in buildings:
            pos = anchor(b)
            if pos is not None and any(point_in_polygon(pos, z) for _, z in zones):
                zoned += 1
            else:
                unzoned.append(i)
        zoning = zoned / len(buildings) if buildings else 0.0

        assigned = [(i, _props(z).get("shelter_id") in shelters) for i, z in zones]
        assignment = sum(ok for _, ok in assigned) / len(assigned) if assigned else 0.0

        reached: set[Any] = set()
        for _, r in routes:
            target = shelters.get(_props(r).get("shelter_id"))
            line = coords_of(r) or []
            if target and line and haversine_m(line[-1], target[1]) <= tolerance:
                reached.add(_props(r).get("shelter_id"))
        route_share = len(reached) / len(shelters) if shelters else 0.0

        ctx.metric("zoned_building_share", round(zoning, 4))
        ctx.metric("zones_assigned_share", round(assignment, 4))
        ctx.metric("shelters_with_route_share", round(route_share, 4))
        if unzoned:
            ctx.finding(
                f"{len(unzoned)} of {len(buildings)} buildings lie in no shelter zone",
                at=ctx.at(record, pointer=f"/features/{unzoned[0]}"),
                fix="Draw the zoning map so every building belongs to a zone with its shelter.",
            )
        elif not buildings:
            ctx.finding(
                "the map shows no buildings to zone",
                at=ctx.at(record, pointer="/features"),
                fix="Map the residential buildings (kind building).",
            )
        if not zones:
            ctx.finding(
                "the map has no shelter zones",
                at=ctx.at(record, pointer="/features"),
                fix="Add zone polygons (kind zone) naming the shelter each zone goes to.",
            )
        for i, ok in assigned:
            if not ok:
                ctx.finding(
                    "zone names no shelter on the map",
                    at=ctx.at(record, pointer=f"/features/{i}/properties"),
                    fix="Set the zone's shelter_id to the id of a shelter on the map.",
                )
        for sid, (i, _) in shelters.items():
            if sid not in reached:
                ctx.finding(
                    "no evacuation route leads to this shelter",
                    at=ctx.at(record, pointer=f"/features/{i}"),
                    fix="Draw an evacuation route (kind route, shelter_id set) ending at the "
                    "shelter.",
                )
        return (zoning + assignment + route_share) / 3

    @rule(
        "R4",
        "Signs point to every shelter and are checked",
        weight=1,
        severity="medium",
        thresholds=("min_signs_per_shelter", "sign_check_max_days"),
    )
    def signs(self, ctx: Context) -> float | None:
        """Counts, for each shelter, the sign features (kind sign) whose ``shelter_id``
        names it and whose ``checked_on`` date lies within ``sign_check_max_days`` before
        the end of the period. Each shelter scores its count of checked signs over
        ``min_signs_per_shelter``, capped at 1; the score is the mean over shelters."""
        record = ctx.record(SHELTER_MAP)
        if record is None:
            return 0.0
        shelters = {_props(f).get("id"): i for i, f, _ in _shelters(record.data)}
        if not shelters:
            ctx.finding(
                "the map shows no shelters for signs to point to",
                at=ctx.at(record, pointer="/features"),
                fix="Map the shelters (kind shelter) and the signs leading to them.",
            )
            return 0.0
        need = int(ctx.threshold("min_signs_per_shelter"))
        oldest = ctx.period.end - timedelta(days=int(ctx.threshold("sign_check_max_days")))
        fresh: dict[Any, int] = dict.fromkeys(shelters, 0)
        stale = 0
        for _, s in features_of(record.data, "Point", kind="sign"):
            p = _props(s)
            checked = _day(p.get("checked_on"))
            if p.get("shelter_id") in fresh:
                if checked is not None and oldest <= checked <= ctx.period.end:
                    fresh[p["shelter_id"]] += 1
                else:
                    stale += 1
        ctx.metric("signs_checked", sum(fresh.values()))
        ctx.metric("signs_unchecked", stale)
        if need <= 0:
            return 1.0
        scores = []
        for sid, i in shelters.items():
            scores.append(min(1.0, fresh[sid] / need))
            if fresh[sid] < need:
                ctx.finding(
                    f"{fresh[sid]} checked sign(s) point to this shelter; {need} expected",
                    at=ctx.at(record, pointer=f"/features/{i}"),
                    fix="Put up direction signs to the shelter along the evacuation routes "
                    "and record when each was last checked.",
                )
        return sum(scores) / len(scores)

    @rule(
        "R5",
        "Shelter information is published on the platform and kept current",
        weight=2,
        severity="medium",
        thresholds=("publication_max_age_days", "required_layers"),
    )
    def published(self, ctx: Context) -> float | None:
        """Four equal parts from the publication record: published on or before the end
        of the period; last updated within ``publication_max_age_days`` before its end;
        navigation to shelters offered; and every layer of ``required_layers`` published
        (partial credit per layer)."""
        record = ctx.record(PUBLICATION)
        if record is None:
            return 0.0
        data = record.data if isinstance(record.data, dict) else {}
        end = ctx.period.end
        parts: list[float] = []
        published = _day(data.get("published_on"))
        parts.append(1.0 if published is not None and published <= end else 0.0)
        if not parts[-1]:
            ctx.finding(
                "the shelter information was not published on the platform in the period",
                at=ctx.at(record, pointer="/published_on"),
                fix="Publish the shelter, zoning and route maps on the smart platform.",
            )
        max_age = int(ctx.threshold("publication_max_age_days"))
        updated = _day(data.get("updated_on")) or published
        age = (end - updated).days if updated is not None else None
        ctx.metric("publication_age_days", age)
        parts.append(1.0 if age is not None and 0 <= age <= max_age else 0.0)
        if not parts[-1]:
            ctx.finding(
                f"the published shelter information is older than {max_age} days at the end "
                "of the period",
                at=ctx.at(record, pointer="/updated_on"),
                fix="Review and republish the shelter information whenever shelters, zones "
                "or routes change, and at least on the profile's schedule.",
            )
        parts.append(1.0 if data.get("navigation") is True else 0.0)
        if not parts[-1]:
            ctx.finding(
                "the platform offers no navigation to shelters",
                at=ctx.at(record, pointer="/navigation"),
                fix="Enable map navigation from a resident's location to the assigned shelter.",
            )
        required = [str(x) for x in ctx.threshold("required_layers")]
        layers = data.get("layers") if isinstance(data.get("layers"), list) else []
        absent = [x for x in required if x not in layers]
        parts.append(1 - len(absent) / len(required) if required else 1.0)
        if absent:
            ctx.finding(
                f"layers not published: {', '.join(absent)}",
                at=ctx.at(record, pointer="/layers"),
                fix="Publish every map layer residents need to find their shelter.",
            )
        return sum(parts) / len(parts)


# -- sample evidence ---------------------------------------------------------------------

#: A reference point for synthetic maps (a city district; no real community).
_ORIGIN = (113.930, 22.530)
_M_PER_DEG_LAT = 111_195.0


def _lonlat(x: float, y: float) -> tuple[float, float]:
    """Metres east/north of the origin as (lon, lat)."""
    lat = _ORIGIN[1] + y / _M_PER_DEG_LAT
    lon = _ORIGIN[0] + x / (_M_PER_DEG_LAT * math.cos(math.radians(_ORIGIN[1])))
    return lon, lat


def _rect(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    return [_lonlat(x0, y0), _lonlat(x1, y0), _lonlat(x1, y1), _lonlat(x0, y1)]


def _map_data(rng: random.Random, spec: SampleSpec) -> dict[str, Any]:
    """A 600 m x 500 m community: a grid of buildings, two shelters (one for fair and
    poor), zones, routes and signs."""
    quality = spec.quality
    pop = spec.community.population
    n_build = max(6, spec.community.households // 100)
    cols = max(2, round(math.sqrt(n_build * 1.2)))
    per_building = max(1, pop // n_build)
    feats: list[dict[str, Any]] = []
    shelters = [("SH01", 150.0, 250.0), ("SH02", 450.0, 250.0)]
    if quality != "good":
        shelters = shelters[:1]
    cap_share = {"good": 1.15, "fair": 0.7, "poor": 0.35}.get(quality, 0.7)
    for sid, x, y in shelters:
        feats.append(
            polygon_feature(
                _rect(x - 30, y - 25, x + 30, y + 25),
                kind="shelter",
                id=sid,
                name=f"Shelter {sid[-2:]}",
                capacity=int(pop * cap_share / len(shelters)),
            )
        )
    # good: two halves; fair and poor leave the east side of the community unzoned.
    zone_w = {"good": 300.0, "fair": 420.0}.get(quality, 250.0)
    for k, (sid, _, _) in enumerate(shelters):
        x0 = k * zone_w
        feats.append(
            polygon_feature(
                _rect(x0, 0, x0 + zone_w, 500), kind="zone", id=f"Z{k + 1}", shelter_id=sid
            )
        )
    for k in range(n_build):
        cx, cy = k % cols, k // cols
        x = 40 + cx * (520 / max(1, cols - 1)) + rng.uniform(-8, 8)
        y = 40 + cy * (420 / max(1, (n_build - 1) // cols)) + rng.uniform(-8, 8)
        lon, lat = _lonlat(x, y)
        feats.append(
            point_feature(lon, lat, kind="building", id=f"B{k + 1:02d}", residents=per_building)
        )
    routed = shelters if quality != "poor" else []
    for sid, x, y in routed:
        feats.append(
            line_feature(
                [_lonlat(x, 0), _lonlat(x, y - 60), _lonlat(x, y)],
                kind="route",
                id=f"R-{sid}",
                shelter_id=sid,
            )
        )
    checked = spec.period.end - timedelta(days=rng.randrange(10, 60))
    if quality == "poor":
        checked = spec.period.end - timedelta(days=700)
    n_signs = {"good": 4, "fair": 1, "poor": 2}.get(quality, 1)
    for sid, x, y in shelters:
        for j in range(n_signs):
            lon, lat = _lonlat(x + 40 * math.cos(j), y - 80 - 40 * j)
            feats.append(
                point_feature(
                    lon,
                    lat,
                    kind="sign",
                    id=f"SG-{sid}-{j + 1}",
                    shelter_id=sid,
                    checked_on=checked.isoformat(),
                )
            )
    return feature_collection(feats, name="Emergency shelter zoning and evacuation map")


def _sample_map(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    text = json.dumps(_map_data(rng, spec), ensure_ascii=False, indent=1)
    return [("records/shelter_map.json", (text + "\n").encode("utf-8"))]


def _sample_publication(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    age = {"good": rng.randrange(5, 60), "fair": 400, "poor": 900}.get(spec.quality, 400)
    layers = {
        "good": ["shelters", "zones", "routes", "signs"],
        "fair": ["shelters", "zones"],
        "poor": ["shelters"],
    }.get(spec.quality, ["shelters"])
    data = {
        "platform": "Smart community resident app",
        "published_on": (spec.period.start - timedelta(days=200)).isoformat(),
        "updated_on": (spec.period.end - timedelta(days=age)).isoformat(),
        "navigation": spec.quality != "poor",
        "layers": layers,
    }
    return [("records/shelter_publication.yaml", yaml_bytes(data))]


_MAP_TEMPLATE = json.dumps(
    feature_collection(
        [
            polygon_feature(
                _rect(120, 225, 180, 275),
                kind="shelter",
                id="SH01",
                name="Central square",
                capacity=3000,
            ),
            polygon_feature(_rect(0, 0, 300, 500), kind="zone", id="Z1", shelter_id="SH01"),
            point_feature(*_lonlat(60, 80), kind="building", id="B01", residents=240),
            line_feature(
                [_lonlat(150, 0), _lonlat(150, 225)], kind="route", id="R1", shelter_id="SH01"
            ),
            point_feature(
                *_lonlat(150, 150),
                kind="sign",
                id="SG1",
                shelter_id="SH01",
                checked_on="2025-11-20",
            ),
        ],
        name="Emergency shelter zoning and evacuation map",
    ),
    indent=1,
)
_PUBLICATION_TEMPLATE = """\
platform: Smart community resident app
published_on: "2024-06-01"
updated_on: "2025-11-20"
navigation: true
layers: [shelters, zones, routes, signs]
"""


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=SHELTER_MAP,
            kind="record",
            title="Emergency shelter zoning and evacuation map (GeoJSON)",
            description="A GeoJSON FeatureCollection (WGS 84, longitude first) whose features "
            "carry a kind: shelter (Point or Polygon, with capacity), zone (Polygon, with the "
            "shelter it goes to), route (LineString ending at a shelter), building (Point, "
            "with residents) and sign (Point, with the shelter it points to and the date it "
            "was last checked). Save it as .json.",
            schema=schema_id(SHELTER_MAP),
            template_name="shelter_map.json",
            template_text=_MAP_TEMPLATE + "\n",
            sample=_sample_map,
        ),
        EvidenceType(
            id=PUBLICATION,
            kind="record",
            title="Shelter information published on the platform",
            description="Where and when the shelter information was published, when it was "
            "last updated, whether residents can navigate to shelters, and the map layers "
            "published.",
            schema=schema_id(PUBLICATION),
            template_name="shelter_publication.yaml",
            template_text=_PUBLICATION_TEMPLATE,
            sample=_sample_publication,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(SHELTER_MAP), load_schema(PUBLICATION)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [EmergencyShelterGuidelines]
