"""签到 on a phone (390×844): one tap opens the rear camera; the photo and the phone's position
are posted together; the server records its own time, fills the address through the configured
geocoder (a real local server speaking AMap's API here) and stamps the photo."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageDraw

from lowcode.documents.actions import do_insert_doc
from lowcode.files import readable_file_path
from lowcode.storage.factory import get_model
from lowcode.workflow.actions import do_apply_workflow
from tests.browser.conftest import PHONE, SCREENSHOTS, screenshot
from tests.browser.journey import Journey
from tests.lowcode.geo.amap import ADDRESS, amap_server, configure

pytestmark = pytest.mark.browser
V = "Customer Visit"
HERE = {"latitude": 31.298886, "longitude": 120.585316, "accuracy": 18}


def camera_jpeg(width: int = 1200, height: int = 900) -> bytes:
    """A JPEG like a phone's photo of a customer's gate: sky, a building front, a door."""
    image = Image.new("RGB", (width, height), (110, 165, 225))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height // 3, width, height), fill=(205, 200, 188))
    for x in range(0, width, 120):
        draw.rectangle((x + 20, height // 3 + 40, x + 90, height // 3 + 150), fill=(90, 120, 150))
    draw.rectangle((width // 2 - 90, height - 330, width // 2 + 90, height), fill=(120, 70, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


@pytest.fixture
def visit(workflows):
    """The rep's approved visit to 苏州精工, whose gate is on the map (picked on AMap: GCJ-02)."""
    from lowcode.geo.datum import wgs84_to_gcj02

    lng, lat = wgs84_to_gcj02(120.5855, 31.2990)
    customer = do_insert_doc(
        "rep",
        "Customer",
        {
            "customer_name": "苏州精工机械有限公司",
            "address": "苏州工业园区星湖街 328 号",
            "latitude": lat,
            "longitude": lng,
            "coordinate_system": "GCJ-02",
        },
    ).name
    name = do_insert_doc(
        "rep",
        V,
        {"visit_title": "拜访苏州精工", "customer": customer, "visit_date": "2026-11-20"},
    ).name
    do_apply_workflow("rep", V, name, "Submit Plan")
    do_apply_workflow("manager", V, name, "Approve")
    return name


def test_a_rep_checks_in_with_one_tap_on_a_phone(page_for, visit, stored, expect):
    with amap_server() as amap:
        stored(lambda: configure(amap.url))
        page = page_for("rep", PHONE)
        page.context.grant_permissions(["geolocation"])
        page.context.set_geolocation(HERE)
        journey = Journey(page)
        page.goto(f"/app/customer-visit/{visit}")
        journey.start()
        expect(page.locator("h1 .pill")).to_have_text("计划已批准")
        # the check-in is the visit's one big action; coordinates are shown, never typed
        button = page.locator("#checkin-button")
        expect(button).to_be_visible()
        expect(button).to_have_text("签到")
        box = button.bounding_box()
        assert box["height"] >= 60 and box["width"] >= 300, box
        expect(page.locator(".wf-action", has_text="完成拜访")).to_be_hidden()
        camera = page.locator("#checkin-photo")
        assert (camera.get_attribute("accept"), camera.get_attribute("capture")) == (
            "image/*",
            "environment",
        )
        assert (
            page.locator("input[name=checkin_latitude], input[name=checkin_longitude]").count() == 0
        )
        screenshot(page, "phone-visit-check-in-ready-390")

        # when: one tap, and the camera's photo
        journey.tap(button, "签到")
        camera.set_input_files(
            {"name": "IMG_20261120_1035.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg()}
        )

        # then the server's answer is shown and the form turns to 已拜访 without a page load
        status = page.locator("#checkin-status")
        expect(status).to_contain_text("已签到")
        expect(status).to_contain_text(ADDRESS)
        expect(page.locator("h1 .pill")).to_have_text("已拜访")
        assert (journey.taps, journey.loads) == (1, 0), journey.summary()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the checked-in form is {width}px wide"
        # the photo shown is now the server's stamped copy
        preview = page.locator("#checkin-preview")
        expect(preview).to_have_attribute("src", re.compile(r"^/private/files/.*\.jpg$"))
        page.wait_for_function("document.getElementById('checkin-preview').naturalWidth > 0")
        screenshot(page, "phone-visit-checked-in-390")

    saved = stored(lambda: get_model(V).objects.get(name=visit))
    assert (float(saved.checkin_latitude), float(saved.checkin_longitude)) == (
        31.298886,
        120.585316,
    )
    assert (float(saved.checkin_accuracy), saved.checkin_coordinate_system) == (18.0, "WGS-84")
    assert (saved.checkin_address, saved.checkin_flagged) == (ADDRESS, False)
    assert float(saved.checkin_distance) < 50  # measured after bringing the GCJ-02 site to WGS-84
    # AMap was asked once, in GCJ-02
    assert len(amap.requests) == 1
    # the stored photo is the server's JPEG with the stamp drawn along its bottom
    [row] = stored(lambda: list(saved.get_children("photos")))
    path, _file = stored(lambda: readable_file_path("rep", row.photo))
    with open(path, "rb") as handle:
        stamped = handle.read()
    assert stamped[:3] == b"\xff\xd8\xff"
    (SCREENSHOTS / "phone-visit-stamped-photo.jpg").write_bytes(stamped)
    image = Image.open(io.BytesIO(stamped))
    assert image.size == (1200, 900)
    assert max(image.getpixel((6, 895))) < 110  # the dark band behind the stamp


def test_without_the_position_nothing_is_recorded(page_for, visit, stored, expect):
    # given a phone whose location is turned off for the site
    page = page_for("rep", PHONE)
    page.goto(f"/app/customer-visit/{visit}")
    page.locator("#checkin-photo").set_input_files(
        {"name": "IMG_1.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg(320, 240)}
    )
    # then the rep is told why, and the visit is unchanged
    expect(page.locator("#checkin-status")).to_contain_text(
        "签到需要您的位置：请允许本网站使用位置（浏览器设置）后重试"
    )
    expect(page.locator("h1 .pill")).to_have_text("计划已批准")
    screenshot(page, "phone-visit-check-in-no-position-390")
    saved = stored(lambda: get_model(V).objects.get(name=visit))
    assert (saved.checkin_time, saved.checkin_latitude, saved.workflow_state) == (
        None,
        None,
        "Plan Approved",
    )


def test_a_far_and_vague_position_is_checked_in_and_flagged(page_for, visit, stored, expect):
    # given a phone 3 km from the customer's gate, unsure of its position (±650 m); no geocoder
    page = page_for("rep", PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 31.2989, "longitude": 120.617, "accuracy": 650})
    page.goto(f"/app/customer-visit/{visit}")
    page.locator("#checkin-photo").set_input_files(
        {"name": "IMG_2.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg(640, 480)}
    )
    # then the check-in is recorded, and the rep sees that the supervisor was told why
    status = page.locator("#checkin-status.flag")
    expect(status).to_contain_text("已提醒上级：定位精度 650 米，差于 200 米")
    expect(status).to_contain_text("距客户地址")
    expect(page.locator("h1 .pill")).to_have_text("已拜访")
    screenshot(page, "phone-visit-check-in-flagged-390")
    saved = stored(lambda: get_model(V).objects.get(name=visit))
    assert saved.checkin_flagged and saved.checkin_address == "苏州工业园区星湖街 328 号"
    told = stored(
        lambda: list(
            get_model("Notification Log")
            .objects.filter(for_user="manager", subject__startswith="签到异常")
            .values_list("subject", flat=True)
        )
    )
    assert len(told) == 1 and "拜访苏州精工" in told[0]
