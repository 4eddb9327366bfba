"""Check-in data for visit tests: a photo uploaded as the phone does, and a location."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def _png() -> bytes:
    """A small PNG that decodes, as a phone's camera sends (the server re-encodes it)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 60)).save(out, "PNG")
    return out.getvalue()


PNG = _png()
SUZHOU = {"latitude": 31.298886, "longitude": 120.585316, "address": "苏州工业园区星湖街 328 号"}


def upload(client, content: bytes = PNG, filename: str = "门头.png", kind: str = "image/png"):
    """Upload as the phone does before checking in (private, not yet attached)."""
    response = client.client.post(
        "/api/method/upload_file",
        {"file": SimpleUploadedFile(filename, content, content_type=kind), "is_private": "1"},
        HTTP_AUTHORIZATION=client.header,
    )
    assert response.status_code == 200, response.content
    return response.json()["message"]["file_url"]


def check_in(client, name: str) -> None:
    """签到 as the phone does (kuaicrm.visit_check_in): a position and one uploaded photo; the
    check-in is Complete Visit (coordinates cannot be saved any other way)."""
    checked = client.post(
        "/api/method/kuaicrm.visit_check_in",
        {
            "visit": name,
            "latitude": SUZHOU["latitude"],
            "longitude": SUZHOU["longitude"],
            "accuracy": 12,
            "photos": [upload(client)],
        },
    )
    assert checked.status_code == 200, checked.content
    assert checked.json()["message"]["workflow_state"] == "Visited"
