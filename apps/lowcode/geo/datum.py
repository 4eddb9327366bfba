"""WGS-84 ↔ GCJ-02 conversion (the published GB 20263 offset formula) and distances.

GCJ-02 is WGS-84 shifted by a smooth, non-linear offset of a few hundred metres inside
mainland China and not at all outside it. The forward formula is public; the inverse has no
closed form, so it is solved by fixed-point iteration to well under a centimetre.
"""

from __future__ import annotations

import math

WGS84 = "WGS-84"
GCJ02 = "GCJ-02"
DATUMS = (WGS84, GCJ02)

# Krasovsky 1940 ellipsoid, as the formula defines it.
_A = 6378245.0
_EE = 0.00669342162296594323
_EARTH_RADIUS_M = 6371008.8  # mean radius (IUGG), for haversine distances
# The formula shifts nothing outside this box (its published bounds for mainland China).
_CHINA_LNG = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)
_INVERSE_TOLERANCE_DEG = 1e-9
_INVERSE_ROUNDS = 30


def out_of_china(lng: float, lat: float) -> bool:
    """Whether GCJ-02 leaves the point unshifted (outside the formula's mainland box)."""
    return not (_CHINA_LNG[0] <= lng <= _CHINA_LNG[1] and _CHINA_LAT[0] <= lat <= _CHINA_LAT[1])


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    """Return the GCJ-02 (lng, lat) of a WGS-84 point."""
    if out_of_china(lng, lat):
        return lng, lat
    d_lat = _shift_lat(lng - 105.0, lat - 35.0)
    d_lng = _shift_lng(lng - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lng + d_lng, lat + d_lat


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    """Return the WGS-84 (lng, lat) whose GCJ-02 is the given point (iterated to < 1e-9°)."""
    if out_of_china(lng, lat):
        return lng, lat
    w_lng, w_lat = lng, lat
    for _round in range(_INVERSE_ROUNDS):
        g_lng, g_lat = wgs84_to_gcj02(w_lng, w_lat)
        d_lng, d_lat = g_lng - lng, g_lat - lat
        w_lng, w_lat = w_lng - d_lng, w_lat - d_lat
        if abs(d_lng) < _INVERSE_TOLERANCE_DEG and abs(d_lat) < _INVERSE_TOLERANCE_DEG:
            break
    return w_lng, w_lat


def convert(lng: float, lat: float, source: str, target: str) -> tuple[float, float]:
    """Return (lng, lat) in ``target``'s datum; an unknown datum raises ValueError."""
    for datum in (source, target):
        if datum not in DATUMS:
            raise ValueError(f"unknown datum {datum!r}")
    if source == target:
        return lng, lat
    return wgs84_to_gcj02(lng, lat) if target == GCJ02 else gcj02_to_wgs84(lng, lat)


def haversine_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres between two points of one datum."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    d_lat, d_lng = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(d_lat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(d_lng / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def distance_m(a: tuple[float, float, str], b: tuple[float, float, str]) -> float:
    """Metres between two (lng, lat, datum) points, measured after bringing both to WGS-84."""
    lng1, lat1 = convert(a[0], a[1], a[2], WGS84)
    lng2, lat2 = convert(b[0], b[1], b[2], WGS84)
    return haversine_m(lng1, lat1, lng2, lat2)
