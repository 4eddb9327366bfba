"""The CRM's Chinese print formats render real documents: items, totals, 人民币大写, 盖章 area."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.printing import loader

PDF_METHOD = "/api/method/frappe.utils.print_format.download_pdf"


@pytest.fixture
def quotation(users):
    """Shipped formats synced, a default company, and rep's quotation of two products."""
    loader.sync_print_formats()
    do_insert_doc(
        "Administrator",
        "Company",
        {
            "company_name": "苏州快工装备有限公司",
            "tax_id": "91320500MA1XXXXX0X",
            "is_default": 1,
            "address": "苏州工业园区星湖街 88 号",
            "phone": "0512-62880000",
            "bank": "招商银行苏州分行",
            "bank_account": "5129 0000 1234 567",
        },
    )
    customer = do_insert_doc("rep", "Customer", {"customer_name": "无锡华东精密机械有限公司"})
    lathe = do_insert_doc(
        "Administrator", "Product", {"product_name": "数控车床 CK6150", "standard_rate": "86000"}
    )
    spindle = do_insert_doc(
        "Administrator", "Product", {"product_name": "主轴组件", "standard_rate": "1045.6"}
    )
    return do_insert_doc(
        "rep",
        "Quotation",
        {
            "customer": customer.name,
            "quotation_date": "2026-12-07",
            "valid_till": "2027-01-06",
            "terms": "交货期：合同签订后 30 天内。\n质保：一年。",
            "items": [
                {
                    "product": lathe.name,
                    "item_name": "数控车床 CK6150",
                    "qty": 2,
                    "price_list_rate": "86000",
                    "tax_rate": "13",
                },
                {
                    "product": spindle.name,
                    "item_name": "主轴组件",
                    "qty": 1,
                    "price_list_rate": "1045.6",
                    "tax_rate": "13",
                },
            ],
        },
    )


def test_quotation_prints_items_totals_words_and_both_stamp_boxes(api, quotation):
    response = api("rep").get("/printview", {"doctype": "Quotation", "name": quotation.name})
    assert response.status_code == 200, response.content[:500]
    html = response.content.decode()
    assert "报价单" in html and quotation.name in html
    assert "苏州快工装备有限公司" in html and "91320500MA1XXXXX0X" in html  # company letterhead
    assert "数控车床 CK6150" in html and "主轴组件" in html
    assert "2026年12月7日" in html and "2027年1月6日" in html
    grand_total = quotation.grand_total
    from lowcode.money import money_in_words
    from lowcode.printing.render import format_money

    assert format_money(grand_total, "¥") in html
    assert money_in_words(grand_total) in html
    assert html.count("（盖章）") == 2
    assert "交货期：合同签订后 30 天内。" in html


def test_quotation_pdf_is_chinese_text(api, quotation, tmp_path):
    from tests.lowcode.printing.test_printing import pdf_fonts, pdf_text

    response = api("rep").get(PDF_METHOD, {"doctype": "Quotation", "name": quotation.name})
    assert response.status_code == 200
    assert any("CJK" in font for font in pdf_fonts(response.content))
    text = pdf_text(response.content, tmp_path)
    assert "报价单" in text and "（盖章）" in text
    (tmp_path / "quotation.pdf").write_bytes(response.content)
