"""upload_file and attachment downloads: storage, attaching, permissions, limits."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from lowcode.documents.factory import get_model

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
