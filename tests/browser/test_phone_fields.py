"""Phone-only inputs in a real browser: a finger-drawn signature and the device's location."""

from __future__ import annotations

import json

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser


def test_a_signature_and_a_location_taken_on_a_phone_are_saved(page_for, stored, expect):
    # given: Test Order has a Geolocation field; an admin adds a Signature field without code
    do_insert_doc(
        "Administrator",
        "Custom Field",
        {
            "dt": "Test Order",
            "fieldname": "customer_sign",
            "label": "Customer Sign",
            "fieldtype": "Signature",
            "insert_after": "notes",
        },
    )
    page = page_for("rep", PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 31.2989, "longitude": 120.5853})
    page.goto("/app/test-order/new")
    page.fill("#in-title", "现场签收")

    # when: the customer signs with a finger and the rep taps "use my location"
    pad = page.locator("#in-customer_sign")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 25, box["y"] + 40 + (step % 3) * 20)
    page.mouse.up()
    page.click("#field-location .geo-locate")
    expect(page.locator("#in-location")).to_contain_text("31.2989")
    screenshot(page, "phone-signature-location-390")
    page.click("#save-btn")
    page.wait_for_url("**/app/test-order/TO-*")

    # then: both are stored with the document
    order = stored(lambda: get_model("Test Order").objects.get(title="现场签收"))
    assert order.get("customer_sign").startswith("data:image/png;base64,")
    location = order.location if isinstance(order.location, dict) else json.loads(order.location)
    assert location["features"][0]["geometry"]["coordinates"] == [120.5853, 31.2989]
    # and the form shows the signature as an image when reopened
    expect(page.locator("#field-customer_sign img.signature-img")).to_be_visible()
