"""upload_file and attachment downloads: storage, attaching, permissions, limits."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from lowcode.storage.factory import get_model

UPLOAD = "/api/method/upload_file"


@pytest.fixture(autouse=True)
def files_dir(tmp_path, settings):
    settings.FILES_PATH = tmp_path / "files"
    return settings.FILES_PATH


def upload(client, name="报价单.pdf", content=b"%PDF-1.4 quote", **fields):
    return client.post(
        UPLOAD,
        {"file": SimpleUploadedFile(name, content), **fields},
        HTTP_AUTHORIZATION=client.header_value,
    )


@pytest.fixture
def rep(api):
    client = api("rep")
    client.client.header_value = client.header
    return client


@pytest.fixture
def order(rep):
    return rep.post("/api/resource/Test Order", {"title": "需要附件"}).json()["data"]


def test_private_upload_attached_to_a_field_is_stored_recorded_and_linked(rep, order, files_dir):
    # when
    response = upload(
        rep.client, doctype="Test Order", docname=order["name"], fieldname="attachment"
    )

    # then: a File record, the bytes on disk, and the document's field pointing at it
    assert response.status_code == 200, response.json()
    file_doc = response.json()["message"]
    assert file_doc["file_url"].startswith("/private/files/")
    assert file_doc["file_size"] == len(b"%PDF-1.4 quote")
    assert (
        files_dir / "private" / file_doc["file_url"].removeprefix("/private/files/")
    ).read_bytes() == b"%PDF-1.4 quote"
    saved = rep.get(f"/api/resource/Test Order/{order['name']}").json()["data"]
    assert saved["attachment"] == file_doc["file_url"]


def test_private_file_is_served_to_readers_of_the_document_only(api, rep, order):
    url = upload(rep.client, doctype="Test Order", docname=order["name"]).json()["message"][
        "file_url"
    ]

    assert rep.client.get(url, HTTP_AUTHORIZATION=rep.header).status_code == 200
    assert (
        b"".join(rep.client.get(url, HTTP_AUTHORIZATION=rep.header).streaming_content)
        == b"%PDF-1.4 quote"
    )
    # the manager of the rep's department may read the order, so also its attachment
    manager = api("manager")
    assert manager.get(url).status_code == 200
    # a sales user of another department may not; the answer is the same as for a missing file
    south = api("south")
    forbidden, missing = south.get(url), south.get("/private/files/nope.pdf")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json()["exc_type"] == missing.json()["exc_type"] == "DoesNotExistError"


def test_public_file_is_served_without_login(rep, client):
    url = upload(rep.client, name="logo.png", content=b"\x89PNG", is_private=0).json()["message"][
        "file_url"
    ]

    assert url.startswith("/files/")
    assert client.get(url).status_code == 200


def test_attaching_to_a_document_you_cannot_write_is_refused_and_stores_nothing(
    api, order, files_dir
):
    south = api("south")
    south.client.header_value = south.header

    response = upload(
        south.client, doctype="Test Order", docname=order["name"], fieldname="attachment"
    )

    assert response.status_code == 404
    assert not get_model("File").objects.exists()
    assert not (files_dir / "private").exists() or not any((files_dir / "private").iterdir())


def test_a_non_attachment_field_is_refused_with_the_field_named(rep, order):
    response = upload(rep.client, doctype="Test Order", docname=order["name"], fieldname="title")

    assert response.status_code == 417
    assert response.json()["errors"][0]["field"] == "fieldname"


@override_settings(LOWCODE_MAX_UPLOAD_BYTES=1000)
def test_too_large_upload_is_refused(rep):
    response = upload(rep.client, content=b"x" * 200_000)

    assert response.status_code == 413
    assert not get_model("File").objects.exists()


def test_path_traversal_names_are_neutralised(rep, files_dir):
    response = upload(rep.client, name="../../etc/passwd")

    assert response.status_code == 200
    url = response.json()["message"]["file_url"]
    assert ".." not in url
    assert not (files_dir.parent / "etc").exists()


def test_upload_without_a_file_is_a_clear_error(rep):
    response = rep.client.post(UPLOAD, {"is_private": 1}, HTTP_AUTHORIZATION=rep.header)

    assert response.status_code == 400
    assert "file" in response.json()["message"]


# -- uploads must never run as the app ------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
XML_SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("x.html", PAGE),
        ("x.HTM", b"hello"),
        ("x.svg", SVG),
        ("x.xhtml", b"<html/>"),
        ("logo.png", PAGE),  # a spoofed name: the bytes are a page
        ("notes.txt", b"  \n<script>alert(1)</script>"),
        ("drawing.png", XML_SVG),
        ("scan.jpg", SVG),
    ],
)
@pytest.mark.parametrize("is_private", [0, 1])
def test_html_and_svg_uploads_are_refused_by_name_or_content(
    rep, files_dir, name, content, is_private
):
    response = upload(rep.client, name=name, content=content, is_private=is_private)

    assert response.status_code == 417, response.content
    body = response.json()
    assert body["errors"][0]["field"] == "file"
    assert body["errors"][0]["rule"] == "type"
    assert "HTML" in body["message"] and "SVG" in body["message"]
    assert not get_model("File").objects.exists()
    assert not files_dir.exists() or not any(files_dir.rglob("*.*"))


def test_refusal_also_holds_when_attaching_to_a_field(rep, order):
    response = upload(
        rep.client,
        name="x.svg",
        content=SVG,
        doctype="Test Order",
        docname=order["name"],
        fieldname="attachment",
    )

    assert response.status_code == 417
    saved = rep.get(f"/api/resource/Test Order/{order['name']}").json()["data"]
    assert not saved.get("attachment")


def _stored(files_dir, url: str, content: bytes, name: str):
    """A file stored before HTML was refused: bytes on disk plus its File record."""
    from lowcode.documents.actions import do_insert_doc

    private = url.startswith("/private/files/")
    relative = url.removeprefix("/private/files/" if private else "/files/")
    folder = files_dir / ("private" if private else "public")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / relative).write_bytes(content)
    do_insert_doc(
        "rep",
        "File",
        {
            "file_name": name,
            "file_url": url,
            "is_private": int(private),
            "content_type": "text/html",
        },
    )


@pytest.mark.parametrize(
    ("url", "content"),
    [
        ("/files/old.html", PAGE),
        ("/files/old.svg", SVG),
        ("/files/spoofed.png", PAGE),
        ("/private/files/old.html", PAGE),
        ("/private/files/spoofed.png", PAGE),
    ],
)
def test_html_stored_earlier_is_served_as_an_inert_sandboxed_download(
    rep, site, files_dir, url, content
):
    _stored(files_dir, url, content, url.rsplit("/", 1)[1])

    response = rep.client.get(url, HTTP_AUTHORIZATION=rep.header)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream" or response[
        "Content-Type"
    ].startswith("image/png")
    assert "html" not in response["Content-Type"] and "svg" not in response["Content-Type"]
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("photo.png", PNG, "image/png"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 16, "image/jpeg"),
        ("anim.gif", b"GIF89a" + b"\x00" * 16, "image/gif"),
        ("pic.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8, "image/webp"),
        ("报价单.pdf", b"%PDF-1.4 quote", "application/pdf"),
    ],
)
@pytest.mark.parametrize("is_private", [0, 1])
def test_raster_images_and_pdf_are_shown_inline_as_what_their_bytes_are(
    rep, name, content, content_type, is_private
):
    url = upload(rep.client, name=name, content=content, is_private=is_private).json()["message"][
        "file_url"
    ]

    response = rep.client.get(url, HTTP_AUTHORIZATION=rep.header)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("data.csv", b"name,city\nA,B\n"),
        ("invoice.xml", b'<?xml version="1.0"?><Invoice><Amount>1</Amount></Invoice>'),
        ("fake.png", b"not really a png"),
        ("notes.txt", b"plain words"),
    ],
)
def test_everything_else_is_an_attachment_of_a_non_scriptable_type(rep, name, content):
    response = upload(rep.client, name=name, content=content, is_private=0)
    assert response.status_code == 200, response.content
    file_doc = response.json()["message"]

    served = rep.client.get(file_doc["file_url"])

    assert served["Content-Disposition"].startswith("attachment")
    assert "xml" not in served["Content-Type"] and "html" not in served["Content-Type"]
    assert served["Content-Security-Policy"] == "sandbox"
    assert served["X-Content-Type-Options"] == "nosniff"


def test_the_recorded_content_type_is_what_the_bytes_are_not_what_the_client_claims(rep):
    response = rep.client.post(
        UPLOAD,
        {"file": SimpleUploadedFile("photo.png", PNG, content_type="text/html")},
        HTTP_AUTHORIZATION=rep.header,
    )

    assert response.json()["message"]["content_type"] == "image/png"


@pytest.mark.parametrize(
    "value", ["javascript:alert(document.cookie)", "data:text/html,<script>x</script>", "x.html"]
)
def test_an_attach_field_takes_only_file_or_http_addresses(rep, order, value):
    response = rep.put(f"/api/resource/Test Order/{order['name']}", {"attachment": value})

    assert response.status_code == 417
    assert response.json()["errors"][0] == {
        "field": "attachment",
        "rule": "url",
        "message": response.json()["errors"][0]["message"],
    }
    assert "/files/" in response.json()["errors"][0]["message"]


def test_an_attach_field_keeps_uploaded_and_web_addresses(rep, order):
    for value in ("/files/a.pdf", "/private/files/b.pdf", "https://example.com/c.pdf"):
        response = rep.put(f"/api/resource/Test Order/{order['name']}", {"attachment": value})
        assert response.status_code == 200, response.content
