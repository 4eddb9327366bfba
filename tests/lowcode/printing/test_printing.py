"""Print formats through the real HTTP client: HTML print view, PDF, permissions, sandbox, email."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib

import pytest

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.printing import loader
from lowcode.storage.factory import get_model

PDF_METHOD = "/api/method/frappe.utils.print_format.download_pdf"


def pdf_fonts(pdf: bytes) -> set[str]:
    """Names of the fonts a PDF embeds (WeasyPrint compresses its object streams)."""
    streams = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            streams.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return {m.decode() for m in re.findall(rb"/BaseFont\s*/([^\s/<>\[\]]+)", b"".join(streams))}


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text as poppler's pdftotext reads it (skip where poppler-utils is missing)."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    command = [pdftotext, "-layout", str(path), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603


def test_printview_renders_the_readable_document_with_a_strict_csp(api, customers, customer_format):
    mine, _other = customers
    response = api("rep").get("/printview", {"doctype": "Customer", "name": mine})
    assert response.status_code == 200
    html = response.content.decode()
    # autoescape: the angle brackets of the name are text, not markup
    assert "苏州精工&lt;机械&gt;有限公司" in html
    assert "0512-66881234" in html
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert "frame-ancestors 'self'" in csp
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_permlevel_fields_never_print(api, customers, customer_format):
    mine, _other = customers
    # given: annual_revenue is permlevel 1 — Sales Managers read it, Sales Users do not
    rep_html = api("rep").get("/printview", {"doctype": "Customer", "name": mine}).content.decode()
    manager_html = (
        api("manager").get("/printview", {"doctype": "Customer", "name": mine}).content.decode()
    )
    # then
    assert "1,045.60" in manager_html
    assert "人民币壹仟零肆拾伍元陆角整" in manager_html
    assert "1,045.60" not in rep_html
    assert "壹仟" not in rep_html
    assert "人民币零元整" in rep_html  # the template saw no value at all


def test_unreadable_and_missing_documents_answer_404(api, customers, customer_format):
    _mine, other = customers
    client = api("rep")
    forbidden = client.get("/printview", {"doctype": "Customer", "name": other})
    missing = client.get("/printview", {"doctype": "Customer", "name": "CUST-NOPE"})
    assert forbidden.status_code == missing.status_code == 404
    assert "广州南方贸易" not in forbidden.content.decode()
    pdf = client.get(PDF_METHOD, {"doctype": "Customer", "name": other})
    assert pdf.status_code == 404
    assert pdf["Content-Type"].startswith("application/json")


def test_guest_is_sent_to_login(client, customers, customer_format):
    mine, _other = customers
    response = client.get("/printview", {"doctype": "Customer", "name": mine})
    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ doc._data }}",
        "{{ format_money.__globals__ }}",
        "{{ label.__closure__ }}",
        "{% for c in ().__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    ],
)
def test_sandbox_refuses_escapes_with_a_clear_error(api, customers, users, template):
    mine, _other = customers
    do_insert_doc(
        "Administrator",
        "Print Format",
        {"print_format_name": "Escape", "doc_type": "Customer", "html": template},
    )
    response = api("rep").get(
        "/printview", {"doctype": "Customer", "name": mine, "format": "Escape"}
    )
    body = response.content.decode()
    assert response.status_code == 417
    # zh by default: "打印格式 Escape 无法渲染：不允许访问属性 __class__"
    assert "打印格式 Escape 无法渲染：不允许访问属性" in body
    assert "<class" not in body and "&lt;class" not in body and "function" not in body


def test_template_errors_are_refused_on_save_naming_the_field(api, users):
    response = api("Administrator").post(
        "/api/resource/Print Format",
        {"print_format_name": "Broken", "doc_type": "Customer", "html": "{% for x in %}"},
    )
    assert response.status_code == 417
    assert response.json()["errors"][0]["field"] == "html"


def test_runtime_errors_are_a_page_not_a_500(api, customers, users):
    mine, _other = customers
    do_insert_doc(
        "Administrator",
        "Print Format",
        {"print_format_name": "Divide", "doc_type": "Customer", "html": "{{ 1 / 0 }}"},
    )
    response = api("rep").get(
        "/printview", {"doctype": "Customer", "name": mine, "format": "Divide"}
    )
    assert response.status_code == 417
    assert "division by zero" in response.content.decode()


def test_download_pdf_is_a_pdf_with_chinese_in_a_cjk_font(
    api, customers, customer_format, tmp_path
):
    mine, _other = customers
    response = api("manager").get(PDF_METHOD, {"doctype": "Customer", "name": mine})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert any("CJK" in font for font in pdf_fonts(pdf)), pdf_fonts(pdf)
    text = pdf_text(pdf, tmp_path)
    assert "人民币壹仟零肆拾伍元陆角整" in text
    assert "苏州精工<机械>有限公司" in text


def test_pdf_does_not_fetch_urls_from_the_network(api, customers, users, tmp_path):
    mine, _other = customers
    do_insert_doc(
        "Administrator",
        "Print Format",
        {
            "print_format_name": "Fetcher",
            "doc_type": "Customer",
            "html": '<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png">ok',
        },
    )
    response = api("rep").get(
        PDF_METHOD, {"doctype": "Customer", "name": mine, "format": "Fetcher"}
    )
    assert response.status_code == 200
    assert b"root:x:" not in response.content


def test_letter_head_prints_above_unless_asked_not_to(api, customers, customer_format):
    mine, _other = customers
    do_insert_doc(
        "Administrator",
        "Letter Head",
        {
            "letter_head_name": "Main",
            "is_default": 1,
            "content": "<div class='lh'>快CRM 抬头 {{ doc.name }}</div>",
            "footer": "<div>页脚</div>",
        },
    )
    client = api("rep")
    html = client.get("/printview", {"doctype": "Customer", "name": mine}).content.decode()
    bare = client.get(
        "/printview", {"doctype": "Customer", "name": mine, "no_letterhead": 1}
    ).content.decode()
    assert f"快CRM 抬头 {mine}" in html and "页脚" in html
    assert "快CRM 抬头" not in bare
    # Frappe's letterhead=<name> picks another one; an unknown name is a clear 404
    do_insert_doc(
        "Administrator", "Letter Head", {"letter_head_name": "Plain", "content": "<p>简洁抬头</p>"}
    )
    plain = client.get("/printview", {"doctype": "Customer", "name": mine, "letterhead": "Plain"})
    assert "简洁抬头" in plain.content.decode() and "快CRM 抬头" not in plain.content.decode()
    unknown = client.get("/printview", {"doctype": "Customer", "name": mine, "letterhead": "Nope"})
    assert unknown.status_code == 404


def test_get_print_formats_lists_the_default_first(api, customers, customer_format):
    do_insert_doc(
        "Administrator",
        "Print Format",
        {"print_format_name": "A Second", "doc_type": "Customer", "html": "x"},
    )
    response = api("rep").get("/api/method/lowcode.get_print_formats", {"doctype": "Customer"})
    assert response.json()["message"][0] == {"name": "Customer Card", "default": True}
    assert [f["name"] for f in response.json()["message"]] == ["Customer Card", "A Second"]


def test_send_document_email_delivers_the_pdf_and_records_it(
    api, customers, customer_format, smtp_server, django_capture_on_commit_callbacks
):
    mine, _other = customers
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api("manager").post(
            "/api/method/lowcode.send_document_email",
            {
                "doctype": "Customer",
                "name": mine,
                "recipients": "buyer@example.com, boss@example.com",
                "subject": "客户资料",
                "message": "请查收附件。",
            },
        )
    # then: the local SMTP server got one message with the PDF attached
    assert response.status_code == 200, response.content
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert sorted(smtp_server.envelopes[0][1]) == ["boss@example.com", "buyer@example.com"]
    parts = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert len(parts) == 1
    assert parts[0].get_payload(decode=True).startswith(b"%PDF-")
    assert parts[0].get_filename().endswith(".pdf")
    # and the document's timeline holds the communication, marked sent
    record = get_model("Communication").objects.get(name=response.json()["message"]["name"])
    assert (record.reference_doctype, record.reference_name) == ("Customer", mine)
    assert record.status == "Sent"
    assert record.recipients == "buyer@example.com, boss@example.com"
    comment = get_model("Comment").objects.get(reference_doctype="Customer", reference_name=mine)
    assert "buyer@example.com" in comment.content and "客户资料" in comment.content


def test_send_document_email_refuses_bad_addresses_and_unreadable_documents(
    api, customers, customer_format, smtp_server
):
    mine, other = customers
    client = api("rep")
    bad = client.post(
        "/api/method/lowcode.send_document_email",
        {"doctype": "Customer", "name": mine, "recipients": "not-an-address"},
    )
    assert bad.status_code == 417
    assert bad.json()["errors"][0]["field"] == "recipients"
    forbidden = client.post(
        "/api/method/lowcode.send_document_email",
        {"doctype": "Customer", "name": other, "recipients": "a@example.com"},
    )
    assert forbidden.status_code == 404
    assert smtp_server.messages == []
    assert not get_model("Communication").objects.exists()


def test_shipped_formats_sync_by_hash_and_keep_an_admins_edit(site):
    # given: a migrate loaded the shipped formats
    written = loader.sync_print_formats()
    assert "报价单" in written and "合同" in written
    # when: migrating again changes nothing
    assert loader.sync_print_formats() == []
    # when: an administrator edits one, then its file changes (a stale hash stands for that)
    do_save_doc("Administrator", "Print Format", "报价单", {"css": ".x {}"})
    PrintFormat = get_model("Print Format")
    PrintFormat.objects.filter(name__in=["报价单", "合同"]).update(source_hash="old")
    rewritten = loader.sync_print_formats()
    # then: the edited one is left alone, the other is brought up to date
    assert rewritten == ["合同"]
    edited = PrintFormat.objects.get(name="报价单")
    assert edited.is_customised and edited.css == ".x {}"
    assert PrintFormat.objects.get(name="合同").is_standard


def png_bytes() -> bytes:
    """A real 8x8 red PNG (Pillow comes with WeasyPrint)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_images(pdf: bytes) -> int:
    return len(re.findall(rb"/Subtype\s*/Image", pdf + b"".join(_streams(pdf))))


def _streams(pdf: bytes) -> list[bytes]:
    found = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            found.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return found


def test_pdf_embeds_the_sites_own_images_the_reader_may_read(
    api, customers, customer_format, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lowcode.files import do_upload_file

    settings.FILES_PATH = tmp_path / "files"
    mine, _other = customers
    logo = do_upload_file(
        "Administrator", SimpleUploadedFile("logo.png", png_bytes()), is_private=False
    )
    secret = do_upload_file(
        "Administrator", SimpleUploadedFile("secret.png", png_bytes()), is_private=True
    )
    do_insert_doc(
        "Administrator",
        "Letter Head",
        {"letter_head_name": "Logo", "is_default": 1, "content": f'<img src="{logo.file_url}">'},
    )
    do_insert_doc(
        "Administrator",
        "Letter Head",
        {"letter_head_name": "Secret", "content": f'<img src="{secret.file_url}">'},
    )
    client = api("rep")
    with_logo = client.get(PDF_METHOD, {"doctype": "Customer", "name": mine})
    with_secret = client.get(
        PDF_METHOD, {"doctype": "Customer", "name": mine, "letterhead": "Secret"}
    )
    assert with_logo.status_code == with_secret.status_code == 200
    assert pdf_images(with_logo.content) == 1
    assert pdf_images(with_secret.content) == 0  # rep may not read the private file
