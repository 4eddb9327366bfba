"""Helpers for the data import tests: files built in memory, imports made over HTTP."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

METHOD = "/api/method/lowcode.dataio."


@pytest.fixture(autouse=True)
def files_dir(tmp_path, settings):
    settings.FILES_PATH = tmp_path / "files"
    return settings.FILES_PATH


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())  # Excel reads Chinese UTF-8 only with a BOM
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def call(client, method: str, **params):
    """POST a dataio method and return its message (fails the test on an error)."""
    response = client.post(METHOD + method, params)
    assert response.status_code == 200, response.content.decode()
    return response.json()["message"]


@pytest.fixture
def admin(api):
    return api("Administrator")


@pytest.fixture
def make_import():
    """Create a Data Import over HTTP and attach ``content`` through upload_file."""

    def make(client, content: bytes, filename: str = "leads.csv", **values) -> str:
        data = {"reference_doctype": "Lead", **values}
        response = client.post("/api/resource/Data Import", data)
        assert response.status_code == 200, response.content.decode()
        name = response.json()["data"]["name"]
        upload = client.client.post(
            "/api/method/upload_file",
            {
                "file": SimpleUploadedFile(filename, content),
                "doctype": "Data Import",
                "docname": name,
                "fieldname": "import_file",
            },
            HTTP_AUTHORIZATION=client.header,
        )
        assert upload.status_code == 200, upload.content.decode()
        return name

    return make


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """Start an import and run its job (inline, as on a site without Redis); return the status."""

    def run(client, name: str) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            call(client, "start_import", data_import=name)
        response = client.get(METHOD + "get_import_status", {"data_import": name, "limit": 200})
        assert response.status_code == 200, response.content.decode()
        return response.json()["message"]

    return run
