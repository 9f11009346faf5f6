"""SE64 Emergency shelter guidelines and the shared GeoJSON helpers in plugins/_geo.py."""

from __future__ import annotations

import json
import math

import pytest
from compliance_builtin import _geo
from compliance_builtin.se64_emergency_shelter_guidelines import anchor

from compliance.testing import run_case

SQUARE = [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]]
HOLED = [*SQUARE, [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]]


def test_haversine_known_distances() -> None:
    # One degree of latitude is about 111.2 km on the mean sphere.
    assert _geo.haversine_m([0, 0], [0, 1]) == pytest.approx(111_195, rel=1e-4)
    # A degree of longitude shrinks with the cosine of the latitude.
    assert _geo.haversine_m([0, 60], [1, 60]) == pytest.approx(111_195 * 0.5, rel=2e-3)
    assert _geo.haversine_m([113.9, 22.5], [113.9, 22.5]) == 0
    # Antipodal points: half the circumference, no domain error.
    assert _geo.haversine_m([0, 0], [180, 0]) == pytest.approx(math.pi * _geo.EARTH_RADIUS_M)


def test_point_in_polygon_with_holes_and_multipolygons() -> None:
    assert _geo.point_in_polygon([5, 5], SQUARE)
    assert not _geo.point_in_polygon([5, 5], HOLED)
    assert _geo.point_in_polygon([2, 2], {"type": "Polygon", "coordinates": HOLED})
    assert not _geo.point_in_polygon([11, 5], SQUARE)
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE, [[[20, 20], [30, 20], [30, 30]]]]}
    assert _geo.point_in_polygon([25, 22], multi)
    feature = _geo.polygon_feature([[0, 0], [10, 0], [10, 10], [0, 10]], kind="zone")
    assert _geo.point_in_polygon([1, 1], feature)
    assert not _geo.point_in_polygon([1, 1], {"type": "Point", "coordinates": [1, 1]})


def test_feature_helpers_skip_malformed_features() -> None:
    fc = _geo.feature_collection(
        [
            _geo.point_feature(1, 2, kind="building"),
            {"type": "Feature", "geometry": None, "properties": {"kind": "building"}},
            _geo.line_feature([[0, 0], [1, 1]], kind="route"),
        ]
    )
    assert [i for i, _ in _geo.features(fc)] == [0, 2]
    assert [i for i, _ in _geo.features_of(fc, "Point", kind="building")] == [0]
    assert [i for i, _ in _geo.features_of(fc, ("Point", "LineString"))] == [0, 2]
    assert _geo.nearest([0, 0], []) is None
    assert _geo.nearest([0, 0], [[0, 2], [0, 1]])[0] == 1
    # polygon_feature closes the ring; anchor averages its distinct vertices.
    square = _geo.polygon_feature([[0, 0], [2, 0], [2, 2], [0, 2]])
    assert square["geometry"]["coordinates"][0][-1] == [0, 0]
    assert anchor(square) == [1.0, 1.0]


def _feature(geom_type: str, coords, **props) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": geom_type, "coordinates": coords},
        "properties": props,
    }


def _case(features: list[dict], population: int = 100) -> dict:
    return {
        "name": "t",
        "community": {"population": population, "households": population // 3},
        "evidence": [
            {
                "path": "records/shelter_map.json",
                "type": "shelter_map",
                "content": json.dumps({"type": "FeatureCollection", "features": features}),
            },
            {
                "path": "records/shelter_publication.yaml",
                "type": "shelter_publication",
                "content": "published_on: '2024-01-01'\nupdated_on: '2025-12-01'\n"
                "navigation: true\nlayers: [shelters, zones, routes]\n",
            },
        ],
    }


def _scores(verdict) -> dict[str, float | None]:
    return {r.rule: r.score for r in verdict.rules}


def test_detour_factor_decides_whether_a_building_is_served(host) -> None:
    # 0.0035 degrees of latitude is about 389 m: 506 m walk with the default factor 1.3.
    features = [
        _feature("Point", [113.93, 22.53], kind="shelter", id="S", capacity=500),
        _feature("Point", [113.93, 22.5335], kind="building", id="B1", residents=30),
        _feature("Point", [113.93, 22.5300], kind="building", id="B2", residents=70),
    ]
    result = run_case({"indicator": "SE64"}, _case(features), host=host)
    assert _scores(result.verdict)["SE64.R2"] == pytest.approx(0.7)
    far = [f for f in result.verdict.findings if f.rule == "SE64.R2" and f.location]
    assert any(f.location.pointer == "/features/1" for f in far)


def test_capacity_uses_the_larger_population(host) -> None:
    features = [
        _feature("Point", [113.93, 22.53], kind="shelter", id="S", capacity=100),
        _feature("Point", [113.93, 22.531], kind="building", id="B1", residents=200),
    ]
    result = run_case({"indicator": "SE64"}, _case(features, population=50), host=host)
    assert _scores(result.verdict)["SE64.R1"] == pytest.approx(0.5)


def test_zoning_assignment_and_routes(host) -> None:
    zone = [[[113.92, 22.52], [113.94, 22.52], [113.94, 22.54], [113.92, 22.54], [113.92, 22.52]]]
    features = [
        _feature("Point", [113.93, 22.53], kind="shelter", id="S1", capacity=500),
        _feature("Point", [113.931, 22.531], kind="shelter", id="S2", capacity=500),
        _feature("Polygon", zone, kind="zone", id="Z1", shelter_id="S1"),
        _feature("Polygon", zone, kind="zone", id="Z2", shelter_id="NOPE"),
        _feature("Point", [113.935, 22.535], kind="building", id="B1"),
        _feature("Point", [113.95, 22.535], kind="building", id="B2"),
        # ends at S1 (within tolerance); the one to S2 stops well short of it.
        _feature("LineString", [[113.93, 22.52], [113.93, 22.5301]], kind="route", shelter_id="S1"),
        _feature(
            "LineString", [[113.931, 22.52], [113.931, 22.525]], kind="route", shelter_id="S2"
        ),
    ]
    result = run_case({"indicator": "SE64"}, _case(features), host=host)
    assert result.verdict.metrics["zoned_building_share"] == 0.5
    assert result.verdict.metrics["zones_assigned_share"] == 0.5
    assert result.verdict.metrics["shelters_with_route_share"] == 0.5
    assert _scores(result.verdict)["SE64.R3"] == pytest.approx(0.5)
