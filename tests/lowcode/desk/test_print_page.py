"""The desk's print page: 打印 / 发送邮件 on forms with a print format, preview, email, refusals."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.lowcode.printing.conftest import local_smtp_server


@pytest.fixture
def smtp_server(settings):
    with local_smtp_server(settings) as mailbox:
        yield mailbox


@pytest.fixture
def card(users):
    do_insert_doc(
        "Administrator",
        "Print Format",
        {
            "print_format_name": "客户卡片",
            "doc_type": "Customer",
            "default": 1,
            "html": "<h1>{{ doc.customer_name }}</h1>",
        },
    )
    mine = do_insert_doc("rep", "Customer", {"customer_name": "常州恒力机械有限公司"}).name
    other = do_insert_doc("south", "Customer", {"customer_name": "广州南方贸易有限公司"}).name
    return mine, other


def test_form_offers_print_only_with_a_print_format(desk, users):
    name = do_insert_doc("rep", "Customer", {"customer_name": "无格式客户"}).name
    client = desk("rep")
    assert 'id="print-btn"' not in client.get(f"/app/customer/{name}").content.decode()
    do_insert_doc(
        "Administrator",
        "Print Format",
        {"print_format_name": "卡片", "doc_type": "Customer", "html": "x"},
    )
    html = client.get(f"/app/customer/{name}").content.decode()
    assert 'id="print-btn"' in html and 'id="email-btn"' in html


def test_print_page_frames_the_print_view_and_links_the_pdf(desk, card):
    mine, _other = card
    response = desk("rep").get(f"/app/customer/{mine}/print")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'sandbox="allow-same-origin"' in html
    assert f"/printview?doctype=Customer&amp;name={mine}&amp;format=" in html
    assert "/api/method/frappe.utils.print_format.download_pdf?doctype=Customer" in html
    assert 'id="open-print"' in html and 'target="_blank" rel="noopener"' in html


def test_print_page_of_an_unreadable_document_is_404(desk, card):
    _mine, other = card
    assert desk("rep").get(f"/app/customer/{other}/print").status_code == 404


def test_send_email_from_the_print_page(
    desk,
    card,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    mine, _other = card
    client = desk("rep")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/app/customer/{mine}/print",
            {"recipients": "buyer@example.com", "subject": "资料", "message": "请查收"},
            htmx=False,
        )
    assert response.status_code == 200
    assert "buyer@example.com" in response.content.decode()
    assert len(smtp_server.messages) == 1
    assert get_model("Communication").objects.get(reference_name=mine).status == "Sent"
    # the form's timeline says it
    timeline = client.get(f"/app/customer/{mine}").content.decode()
    assert "buyer@example.com" in timeline


def test_send_email_with_a_bad_address_says_so(desk, card, smtp_server):
    mine, _other = card
    response = desk("rep").post(f"/app/customer/{mine}/print", {"recipients": "nope"}, htmx=False)
    assert response.status_code == 200
    assert "nope 不是有效的邮箱地址" in response.content.decode()
    assert smtp_server.messages == []
