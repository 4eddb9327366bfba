"""签到 through kuaicrm.visit_check_in: the server's time, the phone's position, a camera photo
stamped by the server, the address from the configured geocoder, and flags to the supervisor."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.geo.datum import wgs84_to_gcj02
from lowcode.meta import registry
from lowcode.storage.factory import get_model
from tests.kuaicrm.workflow.test_visit_flow import CHECK_IN, approved_plan, subjects_for, visit_of
from tests.kuaicrm.workflow.visit_helpers import SUZHOU, upload
from tests.lowcode.geo.amap import ADDRESS, amap_server, configure

pytestmark = pytest.mark.django_db
V = "Customer Visit"
SITE_ADDRESS = "苏州工业园区星湖街 328 号"


@pytest.fixture
def api(api):
    clients: dict = {}

    def client(username: str = "Administrator"):
        if username not in clients:
            clients[username] = api(username)
        return clients[username]

    return client


def camera_jpeg(width: int = 800, height: int = 600) -> bytes:
    """A camera-like JPEG: sky over a light wall, all bright, so a stamp's dark band shows."""
    image = Image.new("RGB", (width, height), (230, 230, 220))
    image.paste((120, 170, 230), (0, 0, width, height // 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def customer_at(lng: float, lat: float, datum: str, address: str = SITE_ADDRESS) -> str:
    """The rep's customer, its site on the map in ``datum``."""
    return do_insert_doc(
        "rep",
        "Customer",
        {
            "customer_name": "苏州精工机械有限公司",
            "address": address,
            "latitude": lat,
            "longitude": lng,
            "coordinate_system": datum,
        },
    ).name


def post_photo(client, data: dict, content: bytes, filename: str = "IMG_0001.jpg"):
    """签到 as the desk posts it: multipart, the camera's file as ``photo``."""
    kind = "image/jpeg" if filename.endswith(".jpg") else "text/html"
    return client.client.post(
        CHECK_IN,
        {**data, "photo": SimpleUploadedFile(filename, content, content_type=kind)},
        HTTP_AUTHORIZATION=client.header,
    )


def settings(**values) -> None:
    name = "System Settings"
    if get_model(name).objects.filter(name=name).exists():
        do_save_doc("Administrator", name, name, values)
    else:
        do_insert_doc("Administrator", name, values)
    registry.clear_local_cache()


def test_a_camera_photo_is_stored_as_a_jpeg_stamped_by_the_server(workflows, api):
    rep = api("rep")
    name = approved_plan(api, {"customer": customer_at(120.585316, 31.298886, "WGS-84")})
    # when the phone posts its position (with a time and an address of its own) and a photo
    before = timezone.now()
    checked = post_photo(
        rep,
        {
            "visit": name,
            "latitude": SUZHOU["latitude"],
            "longitude": SUZHOU["longitude"],
            "accuracy": "15",
            "checkin_time": "2020-01-01 08:00:00",
            "address": "我说我在这里",
        },
        camera_jpeg(),
    )
    after = timezone.now()
    # then the time is the server's, the address the customer's (no geocoder), not the phone's
    assert checked.status_code == 200, checked.content
    visit = get_model(V).objects.get(name=name)
    assert before <= visit.checkin_time <= after
    assert (visit.workflow_state, visit.checkin_address) == ("Visited", SITE_ADDRESS)
    assert (float(visit.checkin_accuracy), visit.checkin_coordinate_system) == (15.0, "WGS-84")
    assert (visit.checkin_flagged, float(visit.checkin_distance)) == (False, 0.0)
    # and the photo is a JPEG the server drew on: a dark band along its bottom
    [row] = visit.get_children("photos")
    stored = rep.client.get(row.photo, HTTP_AUTHORIZATION=rep.header)
    body = b"".join(stored.streaming_content)
    assert body[:3] == b"\xff\xd8\xff" and stored["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(body))
    assert image.size == (800, 600)
    assert max(image.getpixel((4, 596))) < 120, "no stamp band at the bottom"
    assert min(image.getpixel((400, 300))) > 200, "the photo itself is kept"


def test_an_upload_that_is_not_an_image_is_refused_and_nothing_is_kept(workflows, api):
    rep = api("rep")
    name = approved_plan(api)
    page = b"<html><script>alert(1)</script></html>"
    refused = post_photo(rep, {"visit": name, **SUZHOU}, page, "门头.jpg")
    assert refused.status_code == 417
    assert refused.json()["errors"][0]["field"] == "photo"
    assert refused.json()["errors"][0]["message"] == "照片不是图片"
    visit = visit_of(rep, name)
    assert (visit["workflow_state"], visit["photos"], visit["checkin_latitude"]) == (
        "Plan Approved",
        [],
        None,
    )


def test_typed_positions_and_times_never_reach_the_visit(workflows, api):
    rep = api("rep")
    name = approved_plan(api)
    typed = rep.put(
        f"/api/resource/{V}/{name}",
        {
            "checkin_latitude": 31.3,
            "checkin_time": "2020-01-01 08:00:00",
            "checkin_address": "随便写的地址",
            "checkin_flagged": 0,
            "checkin_accuracy": 1,
        },
    )
    assert typed.status_code == 417
    assert [e["field"] for e in typed.json()["errors"]] == ["checkin_latitude"]
    # without the coordinates the rest of it is saved as nothing
    quiet = rep.put(
        f"/api/resource/{V}/{name}",
        {
            "checkin_time": "2020-01-01 08:00:00",
            "checkin_address": "随便写的地址",
            "checkin_accuracy": 1,
        },
    )
    assert quiet.status_code == 200, quiet.content
    data = quiet.json()["data"]
    assert (data["checkin_time"], data["checkin_address"], data["checkin_accuracy"]) == (
        None,
        None,
        None,
    )
    # a position that is not a number is refused, named
    bad = rep.post(CHECK_IN, {"visit": name, "latitude": "here", "longitude": 120.5})
    assert bad.status_code == 417
    assert bad.json()["errors"][0] == {
        "field": "checkin_latitude",
        "rule": "check_in",
        "message": "纬度必须是数字",
    }


def test_the_geocoder_fills_the_address_from_the_position(workflows, api):
    rep = api("rep")
    name = approved_plan(api, {"customer": customer_at(120.585316, 31.298886, "WGS-84")})
    with amap_server() as amap:
        configure(amap.url)
        checked = rep.post(
            CHECK_IN, {"visit": name, **SUZHOU, "accuracy": 8, "photos": [upload(rep)]}
        )
    assert checked.status_code == 200, checked.content
    assert checked.json()["message"]["checkin_address"] == ADDRESS
    visit = visit_of(rep, name)
    assert (visit["checkin_address"], visit["checkin_note"]) == (ADDRESS, None)
    # AMap was asked in its own datum (GCJ-02); the visit keeps the phone's WGS-84
    lng, lat = (float(v) for v in amap.requests[0]["location"].split(","))
    assert (lng, lat) == pytest.approx(wgs84_to_gcj02(120.585316, 31.298886), abs=1e-6)
    assert (visit["checkin_longitude"], visit["checkin_coordinate_system"]) == (
        120.585316,
        "WGS-84",
    )
    # the key never reaches a browser
    settings_page = api("Administrator").get("/api/resource/System Settings/System Settings")
    assert "test-amap-key" not in settings_page.content.decode()


@pytest.mark.parametrize(
    ("mode", "note"),
    [
        ("error", "地址解析失败（高德）：DAILY_QUERY_OVER_LIMIT (10003)"),
        ("hang", "地址解析失败（高德）：0.5 秒内没有应答"),
    ],
)
def test_a_failing_geocoder_leaves_the_address_empty_with_a_note(workflows, api, mode, note):
    rep = api("rep")
    name = approved_plan(api)
    with amap_server() as amap:
        configure(amap.url, timeout=0.5)
        amap.mode = mode
        checked = rep.post(
            CHECK_IN, {"visit": name, **SUZHOU, "accuracy": 8, "photos": [upload(rep)]}
        )
    # the check-in still succeeds
    assert checked.status_code == 200, checked.content
    visit = visit_of(rep, name)
    assert (visit["workflow_state"], visit["checkin_address"], visit["checkin_note"]) == (
        "Visited",
        None,
        note,
    )
    assert visit["checkin_flagged"] == 0  # a geocoder's failure is not the rep's


def test_distance_is_measured_on_one_datum(workflows, api):
    # given the customer's site picked on AMap (GCJ-02) at the very spot the phone reports
    settings(location_max_distance=200)
    gcj = wgs84_to_gcj02(120.585316, 31.298886)
    rep = api("rep")
    name = approved_plan(api, {"customer": customer_at(*gcj, "GCJ-02")})
    rep.post(CHECK_IN, {"visit": name, **SUZHOU, "accuracy": 10, "photos": [upload(rep)]})
    visit = visit_of(rep, name)
    # then it is 0 m away, not the ~500 m a naive reading across datums gives
    assert visit["checkin_distance"] < 1
    assert (visit["checkin_flagged"], visit["checkin_note"]) == (0, None)


def test_a_poor_or_distant_position_is_flagged_to_the_supervisor(workflows, api):
    rep, manager = api("rep"), api("manager")
    # the customer's site is about 3 km east of where the phone is
    name = approved_plan(api, {"customer": customer_at(120.617, 31.2989, "WGS-84")})
    checked = rep.post(
        CHECK_IN, {"visit": name, **SUZHOU, "accuracy": 650, "photos": [upload(rep)]}
    )
    assert checked.status_code == 200, checked.content
    assert checked.json()["message"]["checkin_flagged"] is True
    visit = visit_of(rep, name)
    assert visit["checkin_flagged"] == 1
    assert 2900 < visit["checkin_distance"] < 3100
    distance = round(visit["checkin_distance"])
    assert visit["checkin_note"] == (
        f"定位精度 650 米，差于 200 米\n距客户地址 {distance} 米（超过 500 米）"
    )
    told = [s for s in subjects_for(manager) if s.startswith("签到异常")]
    assert told == [
        "签到异常：拜访苏州精工（苏州精工机械有限公司），拜访人 rep："
        f"定位精度 650 米，差于 200 米; 距客户地址 {distance} 米（超过 500 米）"
    ]
    assert [s for s in subjects_for(rep) if s.startswith("签到异常")] == []


def test_a_good_check_in_tells_nobody(workflows, api):
    rep, manager = api("rep"), api("manager")
    name = approved_plan(api, {"customer": customer_at(120.5855, 31.2990, "WGS-84")})
    rep.post(CHECK_IN, {"visit": name, **SUZHOU, "accuracy": 20, "photos": [upload(rep)]})
    assert visit_of(rep, name)["checkin_flagged"] == 0
    assert [s for s in subjects_for(manager) if s.startswith("签到异常")] == []
