"""A customer visit checked in on a phone: the device's location, a photo from the camera,
then Complete Visit — refused first, with the missing items named."""

from __future__ import annotations

import struct
import zlib

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from lowcode.workflow.actions import do_apply_workflow
from tests.browser.conftest import PHONE, save, screenshot

pytestmark = pytest.mark.browser
V = "Customer Visit"


def photo_png(width: int = 160, height: int = 120) -> bytes:
    """A small PNG that looks like something (sky over a building front), as a camera sends."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\0"
        + b"".join(
            bytes(
                (90, 150, 220)
                if y < height // 3
                else (180, 70, 50)
                if (x // 20) % 2
                else (200, 200, 190)
            )
            for x in range(width)
        )
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def visit(workflows):
    """The rep's visit to 苏州精工, its plan approved by the manager (his supervisor)."""
    customer = do_insert_doc("rep", "Customer", {"customer_name": "苏州精工机械有限公司"}).name
    name = do_insert_doc(
        "rep",
        V,
        {"visit_title": "拜访苏州精工", "customer": customer, "visit_date": "2026-11-20"},
    ).name
    do_apply_workflow("rep", V, name, "Submit Plan")
    do_apply_workflow("manager", V, name, "Approve")
    return name


def test_a_rep_checks_in_with_location_and_a_photo_on_a_phone(page_for, visit, stored, expect):
    page = page_for("rep", PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 31.298886, "longitude": 120.585316})
    page.goto(f"/app/customer-visit/{visit}")
    expect(page.locator("h1 .pill")).to_have_text("计划已批准")

    # Completing the visit before checking in is refused, naming what is missing
    page.locator(".wf-action", has_text="完成拜访").click()
    refusal = page.locator("#workflow-errors")
    expect(refusal).to_contain_text("签到需要填写纬度")
    expect(refusal).to_contain_text("签到至少需要一张照片")
    screenshot(page, "phone-visit-check-in-refused-390")

    # when: one tap fills both coordinates from the device
    page.click("#field-checkin_longitude .geo-fill")
    expect(page.locator("#in-checkin_latitude")).to_have_value("31.298886")
    expect(page.locator("#in-checkin_longitude")).to_have_value("120.585316")
    page.fill("#in-checkin_address", "苏州工业园区星湖街 328 号")
    # and a photo row takes a picture with the rear camera
    page.click("#field-photos .grid-add")
    camera = page.locator("#field-photos tbody .upload-input").first
    assert camera.get_attribute("capture") == "environment"
    assert camera.get_attribute("accept") == "image/*"
    camera.set_input_files({"name": "门头.png", "mimeType": "image/png", "buffer": photo_png()})
    preview = page.locator("#field-photos tbody img.preview").first
    expect(preview).to_be_visible()
    assert preview.get_attribute("src").startswith("/private/files/")
    page.fill("#field-photos tbody input[name$='.caption']", "客户门头")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the check-in form is {width}px wide"
    page.locator("#field-checkin_longitude").scroll_into_view_if_needed()
    screenshot(page, "phone-visit-check-in-filled-390")
    save(page)
    expect(page.locator("#field-photos tbody img.preview").first).to_be_visible()

    # then Complete Visit checks in: the server's time, the location and the photo are kept
    page.locator(".wf-action", has_text="完成拜访").click()
    expect(page.locator("h1 .pill")).to_have_text("已拜访")
    saved = stored(lambda: get_model(V).objects.get(name=visit))
    assert (float(saved.checkin_latitude), float(saved.checkin_longitude)) == (
        31.298886,
        120.585316,
    )
    assert saved.checkin_time is not None
    photos = stored(lambda: list(saved.get_children("photos")))
    assert [(p.caption, p.photo.startswith("/private/files/")) for p in photos] == [
        ("客户门头", True)
    ]
    expect(page.locator("#in-checkin_time")).not_to_have_text("—")
    screenshot(page, "phone-visit-checked-in-390")
