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


@pytest.fixture
def company_and_customer(quotation):
    """The quotation fixture's company (default) and customer, for the other documents."""
    return "苏州快工装备有限公司", quotation.customer


ITEMS = [
    {
        "item_name": "数控车床 CK6150",
        "qty": 2,
        "price_list_rate": "86000",
        "rate": "86000",
        "tax_rate": "13",
        "uom": "台",
    },
    {
        "item_name": "主轴组件",
        "qty": 1,
        "price_list_rate": "1045.6",
        "rate": "1045.6",
        "tax_rate": "13",
        "uom": "套",
    },
]


def test_contract_prints_parties_items_payment_terms_words_and_stamps(api, company_and_customer):
    company, customer = company_and_customer
    contract = do_insert_doc(
        "rep",
        "Contract",
        {
            "contract_title": "数控机床采购合同",
            "contract_type": "Sales",
            "customer": customer,
            "company": company,
            "sales_owner": "rep",
            "sign_date": "2026-12-08",
            "start_date": "2026-12-08",
            "end_date": "2027-12-07",
            "our_signatory": "王经理",
            "customer_signatory": "李总",
            "items": ITEMS,
            "terms": "第一条 质量标准：按国家标准执行。",
            "payment_terms": [
                {
                    "description": "预付款",
                    "due_basis": "Date",
                    "due_date": "2026-12-15",
                    "percentage": 30,
                },
                {
                    "description": "验收款",
                    "due_basis": "Milestone",
                    "milestone": "验收合格",
                    "percentage": 70,
                },
            ],
        },
    )
    response = api("rep").get("/printview", {"doctype": "Contract", "name": contract.name})
    assert response.status_code == 200, response.content[:500]
    html = response.content.decode()
    assert "数控机床采购合同" in html and "甲方（买方）" in html and "乙方（卖方）" in html
    assert "无锡华东精密机械有限公司" in html and company in html
    assert "预付款" in html and "验收合格" in html and "2026年12月15日" in html
    assert "第一条 质量标准：按国家标准执行。" in html
    assert "王经理" in html and "李总" in html
    from lowcode.money import money_in_words

    assert contract.grand_total and money_in_words(contract.grand_total) in html
    assert html.count("（盖章）") == 2


def test_sales_order_prints_items_and_words(api, company_and_customer):
    _company, customer = company_and_customer
    order = do_insert_doc(
        "rep",
        "Sales Order",
        {
            "customer": customer,
            "order_date": "2026-12-08",
            "delivery_date": "2027-01-08",
            "items": ITEMS,
        },
    )
    html = (
        api("rep")
        .get("/printview", {"doctype": "Sales Order", "name": order.name})
        .content.decode()
    )
    assert "销售订单" in html and order.name in html and "2027年1月8日" in html
    from lowcode.money import money_in_words

    assert money_in_words(order.grand_total) in html
    assert html.count("（盖章）") == 2


def test_invoice_request_prints_buyer_details_and_words(api, company_and_customer):
    _company, customer = company_and_customer
    invoice = do_insert_doc(
        "rep",
        "Invoice",
        {
            "customer": customer,
            "invoice_type": "VAT Special Invoice",
            "buyer_title": "无锡华东精密机械有限公司",
            "taxpayer_id": "91320200MA1MCH7Q02",
            "buyer_address": "无锡市新吴区长江路 1 号",
            "buyer_phone": "0510-85200000",
            "buyer_bank": "工商银行无锡分行",
            "buyer_account": "1103 0000 9999",
            "tax_rate": "13",
            "grand_total": "11300",
        },
    )
    html = (
        api("rep").get("/printview", {"doctype": "Invoice", "name": invoice.name}).content.decode()
    )
    assert "开票申请单" in html and "增值税专用发票" in html
    assert "91320200MA1MCH7Q02" in html and "工商银行无锡分行" in html
    assert "无锡市新吴区长江路 1 号 0510-85200000" in html
    assert "人民币壹万壹仟叁佰元整" in html


def test_printing_queries_do_not_grow_with_the_items(api, quotation, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    product = quotation.get_children("items")[0].product
    many = do_insert_doc(
        "rep",
        "Quotation",
        {
            "customer": quotation.customer,
            "quotation_date": "2026-12-07",
            "valid_till": "2027-01-06",
            "items": [
                {"product": product, "item_name": f"备件 {n}", "qty": 1, "price_list_rate": "10"}
                for n in range(12)
            ],
        },
    )
    client = api("rep")
    client.get("/printview", {"doctype": "Quotation", "name": quotation.name})  # warm caches
    with CaptureQueriesContext(connection) as two_items:
        client.get("/printview", {"doctype": "Quotation", "name": quotation.name})
    # 15 on SQLite: auth, roles, the quotation, its items, company, letter head, format, customer
    assert 0 < len(two_items.captured_queries) <= 20
    with django_assert_num_queries(len(two_items.captured_queries)):
        response = client.get("/printview", {"doctype": "Quotation", "name": many.name})
    assert "备件 11" in response.content.decode()
