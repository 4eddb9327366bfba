"""WGS-84 ↔ GCJ-02 against published reference points, and distances on one datum."""

from __future__ import annotations

import pytest

from lowcode.geo.datum import (
    GCJ02,
    WGS84,
    convert,
    distance_m,
    gcj02_to_wgs84,
    haversine_m,
    wgs84_to_gcj02,
)

# (WGS-84 lat, lng) → (GCJ-02 lat, lng): googollee/eviltransform's test points (Shanghai,
# Shenzhen, Beijing) and wandergis/coordtransform's (Tiananmen, 116.404, 39.915).
REFERENCE = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),
]
NANO_DEGREE = 1e-9  # about 0.1 mm


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_wgs84_to_gcj02_matches_the_reference_points(wgs, gcj):
    lng, lat = wgs84_to_gcj02(wgs[1], wgs[0])
    assert lng == pytest.approx(gcj[1], abs=NANO_DEGREE)
    assert lat == pytest.approx(gcj[0], abs=NANO_DEGREE)


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_gcj02_to_wgs84_inverts_the_shift_to_under_a_millimetre(wgs, gcj):
    lng, lat = gcj02_to_wgs84(gcj[1], gcj[0])
    assert haversine_m(lng, lat, wgs[1], wgs[0]) < 0.001


def test_the_inverse_agrees_with_the_published_one_step_estimate():
    # coordtransform's gcj02towgs84(116.404, 39.915), an estimate good to 1-2 m
    lng, lat = gcj02_to_wgs84(116.404, 39.915)
    assert haversine_m(lng, lat, 116.39775550083061, 39.91359571849836) < 2
    assert wgs84_to_gcj02(lng, lat) == pytest.approx((116.404, 39.915), abs=NANO_DEGREE)


def test_points_outside_china_are_not_shifted():
    paris = (2.3522, 48.8566)
    assert wgs84_to_gcj02(*paris) == paris
    assert gcj02_to_wgs84(*paris) == paris


def test_the_shift_in_suzhou_is_hundreds_of_metres_so_distances_convert_first():
    wgs = (120.585316, 31.298886)
    gcj = wgs84_to_gcj02(*wgs)
    # the same spot, read naively across datums, looks 400-600 m away
    assert 400 < haversine_m(*wgs, *gcj) < 600
    assert distance_m((*wgs, WGS84), (*gcj, GCJ02)) < 0.01
    assert convert(*gcj, GCJ02, GCJ02) == gcj
    with pytest.raises(ValueError, match="BD-09"):
        convert(*gcj, "BD-09", WGS84)


def test_haversine_matches_a_known_distance():
    # one degree of latitude is 111.2 km on the mean-radius sphere
    assert haversine_m(120.0, 31.0, 120.0, 32.0) == pytest.approx(111_195, rel=1e-3)
