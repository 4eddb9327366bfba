"""The print page in a real browser: 打印 on the form, the preview, the format picker, PDF link."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def printable_customer(users):
    for name, html in (
        (
            "客户卡片",
            "<h1>客户卡片 {{ doc.customer_name }}</h1><p>{{ money_in_words(1045.6) }}</p>",
        ),
        ("简版", "<h1>简版 {{ doc.customer_name }}</h1>"),
    ):
        do_insert_doc(
            "Administrator",
            "Print Format",
            {
                "print_format_name": name,
                "doc_type": "Customer",
                "html": html,
                "default": name == "客户卡片",
            },
        )
    return do_insert_doc("rep", "Customer", {"customer_name": "常州恒力机械有限公司"}).name


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_print_preview_with_format_picker(page_for, printable_customer, expect, viewport):
    page = page_for("rep", viewport)
    page.goto(f"/app/customer/{printable_customer}")
    page.locator("#print-btn").click()
    frame = page.frame_locator("iframe.print-preview")
    expect(frame.locator("h1")).to_have_text("客户卡片 常州恒力机械有限公司")
    expect(frame.locator("p")).to_have_text("人民币壹仟零肆拾伍元陆角整")
    expect(page.locator("#download-pdf")).to_have_attribute(
        "href",
        "/api/method/frappe.utils.print_format.download_pdf?doctype=Customer&name="
        + printable_customer
        + "&format=%E5%AE%A2%E6%88%B7%E5%8D%A1%E7%89%87",
    )
    screenshot(page, f"print-preview-{viewport['width']}")
    # when: another format is picked, the preview follows
    page.locator("#print-format").select_option("简版")
    expect(frame.locator("h1")).to_have_text("简版 常州恒力机械有限公司")
