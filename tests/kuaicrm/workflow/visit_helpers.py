"""Check-in data for visit tests: a photo uploaded as the phone does, and a location."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

# A 1x1 PNG: what a phone's camera sends is an image/* upload like this one.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
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
    """Save what Complete Visit (the check-in) needs: a location and one uploaded photo."""
    saved = client.put(
        f"/api/resource/Customer Visit/{name}",
        {
            "checkin_latitude": SUZHOU["latitude"],
            "checkin_longitude": SUZHOU["longitude"],
            "photos": [{"photo": upload(client)}],
        },
    )
    assert saved.status_code == 200, saved.content
