"""Reverse geocoding through AMap's web API, against a real local server speaking it."""

from __future__ import annotations

import pytest

from lowcode.geo.datum import GCJ02, WGS84, wgs84_to_gcj02
from lowcode.geo.providers import reverse_geocode
from tests.lowcode.geo.amap import ADDRESS, KEY, amap_server, configure

pytestmark = pytest.mark.django_db
SUZHOU_WGS = (120.585316, 31.298886)


@pytest.fixture
def amap(site):
    with amap_server() as stub:
        configure(stub.url)
        yield stub


def test_without_a_key_nothing_is_asked_and_nothing_fails(site):
    with amap_server() as stub:
        configure(stub.url, key="")
        assert reverse_geocode(*SUZHOU_WGS, WGS84).address == ""
        assert reverse_geocode(*SUZHOU_WGS, WGS84).note == ""
        assert stub.requests == []


def test_a_browser_position_is_sent_to_amap_in_gcj02(amap):
    # when
    place = reverse_geocode(*SUZHOU_WGS, WGS84)
    # then the address is AMap's, asked for the shifted point (AMap works in GCJ-02)
    assert (place.address, place.note) == (ADDRESS, "")
    [asked] = amap.requests
    assert asked["path"] == "/v3/geocode/regeo" and asked["key"] == KEY
    lng, lat = (float(v) for v in asked["location"].split(","))
    expected = wgs84_to_gcj02(*SUZHOU_WGS)
    assert (lng, lat) == pytest.approx(expected, abs=1e-6)
    assert (lng, lat) != pytest.approx(SUZHOU_WGS, abs=1e-3)


def test_a_gcj02_point_is_sent_as_it_is(amap):
    gcj = wgs84_to_gcj02(*SUZHOU_WGS)
    reverse_geocode(*gcj, GCJ02)
    assert amap.requests[0]["location"] == f"{gcj[0]:.6f},{gcj[1]:.6f}"


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("error", "DAILY_QUERY_OVER_LIMIT (10003)"),
        ("http500", "HTTP 500"),
        ("not-json", "应答不是 JSON"),
        ("hang", "0.3 秒内没有应答"),
    ],
)
def test_a_failing_provider_gives_an_empty_address_and_says_why(site, mode, reason):
    with amap_server() as stub:
        configure(stub.url, timeout=0.3)
        stub.mode = mode
        place = reverse_geocode(*SUZHOU_WGS, WGS84)
    assert place.address == ""
    assert place.note == f"地址解析失败（高德）：{reason}"


def test_a_wrong_key_is_reported_as_amap_words_it(site):
    with amap_server() as stub:
        configure(stub.url, key="wrong")
        place = reverse_geocode(*SUZHOU_WGS, WGS84)
    assert place.note == "地址解析失败（高德）：INVALID_USER_KEY (10001)"


def test_nothing_listening_is_a_note_too(site):
    with amap_server() as stub:
        url = stub.url
    configure(url)  # the server is gone: connection refused
    place = reverse_geocode(*SUZHOU_WGS, WGS84)
    assert place.address == "" and place.note.startswith("地址解析失败（高德）：")
