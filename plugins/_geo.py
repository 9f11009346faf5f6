"""Small geometry helpers for GeoJSON evidence (shelter maps, risk maps).

A deliberately small, stable API that several indicators import:

* :func:`haversine_m` — great-circle distance in metres between two (lon, lat) points;
* :func:`point_in_polygon` — whether a (lon, lat) point lies inside a GeoJSON polygon
  (outer ring minus holes);
* :func:`features`, :func:`features_of`, :func:`coords_of` — walking a GeoJSON
  FeatureCollection without caring about malformed parts;
* :func:`feature_collection`, :func:`point_feature`, :func:`polygon_feature`,
  :func:`line_feature` — building FeatureCollections (used by sample generators).

Coordinates follow GeoJSON order: longitude first, then latitude, in degrees (WGS 84).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = [
    "EARTH_RADIUS_M",
    "coords_of",
    "feature_collection",
    "features",
    "features_of",
    "haversine_m",
    "line_feature",
    "nearest",
    "point_feature",
    "point_in_polygon",
    "polygon_feature",
]

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8

Position = Sequence[float]


def haversine_m(a: Position, b: Position) -> float:
    """Great-circle distance in metres between GeoJSON positions ``a`` and ``b``
    (``[lon, lat]`` in degrees)."""
    lon1, lat1 = math.radians(float(a[0])), math.radians(float(a[1]))
    lon2, lat2 = math.radians(float(b[0])), math.radians(float(b[1]))
    dlat = lat2 - lat1
    dlon = lon2 - lon1
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    # min() guards against rounding pushing h slightly above 1 for antipodal points.
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def nearest(point: Position, candidates: Sequence[Position]) -> tuple[int, float] | None:
    """Index of and distance (metres) to the candidate nearest ``point``; None if empty."""
    best: tuple[int, float] | None = None
    for i, c in enumerate(candidates):
        d = haversine_m(point, c)
        if best is None or d < best[1]:
            best = (i, d)
    return best


def _in_ring(x: float, y: float, ring: Sequence[Position]) -> bool:
    """Ray casting (even-odd rule) against one linear ring."""
    inside = False
    n = len(ring)
    if n < 3:
        return False
    j = n - 1
    for i in range(n):
        xi, yi = float(ring[i][0]), float(ring[i][1])
        xj, yj = float(ring[j][0]), float(ring[j][1])
        if (yi > y) != (yj > y):
            cross = (xj - xi) * (y - yi) / (yj - yi) + xi
            if x < cross:
                inside = not inside
        j = i
    return inside


def point_in_polygon(point: Position, polygon: Any) -> bool:
    """Whether ``point`` ([lon, lat]) is inside a polygon.

    ``polygon`` may be a GeoJSON Polygon or MultiPolygon geometry (dict), a Feature
    holding one, or a bare list of rings (the Polygon ``coordinates``). Holes (the
    second and later rings) are excluded. Points exactly on an edge may go either way.
    """
    if isinstance(polygon, dict):
        if polygon.get("type") == "Feature":
            polygon = polygon.get("geometry") or {}
        gtype = polygon.get("type")
        coords = polygon.get("coordinates") or []
        if gtype == "MultiPolygon":
            return any(point_in_polygon(point, part) for part in coords)
        if gtype != "Polygon":
            return False
        polygon = coords
    rings = list(polygon or [])
    if not rings:
        return False
    x, y = float(point[0]), float(point[1])
    if not _in_ring(x, y, rings[0]):
        return False
    return not any(_in_ring(x, y, hole) for hole in rings[1:])


def features(collection: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(index, feature)`` for each well-formed Feature of a FeatureCollection; the index
    is the position in ``features`` (for JSON pointers like ``/features/3``)."""
    if not isinstance(collection, dict):
        return
    for i, feat in enumerate(collection.get("features") or []):
        if isinstance(feat, dict) and isinstance(feat.get("geometry"), dict):
            yield i, feat


def features_of(
    collection: Any, geometry: str | tuple[str, ...] | None = None, **props: Any
) -> list[tuple[int, dict[str, Any]]]:
    """Features whose geometry type is ``geometry`` (one name or a tuple) and whose
    properties equal every keyword given (``kind="shelter"``)."""
    kinds = (geometry,) if isinstance(geometry, str) else geometry
    out = []
    for i, feat in features(collection):
        if kinds and feat["geometry"].get("type") not in kinds:
            continue
        p = feat.get("properties") or {}
        if all(p.get(k) == v for k, v in props.items()):
            out.append((i, feat))
    return out


def coords_of(feature: dict[str, Any]) -> Any:
    """The geometry coordinates of a feature (or None)."""
    geom = feature.get("geometry") if isinstance(feature, dict) else None
    return geom.get("coordinates") if isinstance(geom, dict) else None


def feature_collection(feats: Sequence[dict[str, Any]], **members: Any) -> dict[str, Any]:
    """A FeatureCollection of ``feats`` with extra top-level members (``name=...``)."""
    return {"type": "FeatureCollection", **members, "features": list(feats)}


def point_feature(lon: float, lat: float, **properties: Any) -> dict[str, Any]:
    """A Point feature; coordinates rounded to 7 decimals (about 1 cm)."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
        "properties": properties,
    }


def polygon_feature(ring: Sequence[Position], **properties: Any) -> dict[str, Any]:
    """A Polygon feature from one outer ring; the ring is closed if it is not."""
    pts = [[round(float(p[0]), 7), round(float(p[1]), 7)] for p in ring]
    if pts and pts[0] != pts[-1]:
        pts.append(list(pts[0]))
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [pts]},
        "properties": properties,
    }


def line_feature(points: Sequence[Position], **properties: Any) -> dict[str, Any]:
    """A LineString feature."""
    return {
        "type": "Feature",
        "geometry": {
            "type": "LineString",
            "coordinates": [[round(float(p[0]), 7), round(float(p[1]), 7)] for p in points],
        },
        "properties": properties,
    }
