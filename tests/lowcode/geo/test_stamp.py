"""Stamping a photo: a JPEG re-encoded by the server, upright, bounded, with the text drawn."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from lowcode.exceptions import ValidationError
from lowcode.geo import stamp
from lowcode.geo.stamp import MAX_SIDE, stamp_photo

LINES = ["签到 2026-11-20 10:35:00", "拜访苏州精工", "31.298886, 120.585316 (WGS-84) ±18 m"]


def photo(width: int, height: int, kind: str = "PNG", **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (235, 235, 225)).save(out, kind, **save)
    return out.getvalue()


def test_a_photo_becomes_a_jpeg_with_a_band_of_text_at_its_bottom():
    stamped = stamp_photo(photo(800, 600), LINES)
    image = Image.open(io.BytesIO(stamped))
    assert (image.format, image.size) == ("JPEG", (800, 600))
    band = [image.getpixel((x, 598)) for x in range(0, 800, 50)]
    assert all(max(p) < 140 for p in band), band
    # white text inside the band: some bright pixels on a text line
    assert any(min(image.getpixel((x, y))) > 200 for x in range(10, 400) for y in range(470, 560))
    assert min(image.getpixel((400, 100))) > 220  # the photo above is untouched


def test_a_big_photo_is_scaled_down_and_exif_rotation_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera held upright: rotate 90° when shown
    stamped = stamp_photo(photo(4000, 3000, "JPEG", exif=exif), LINES)
    image = Image.open(io.BytesIO(stamped))
    assert image.size == (MAX_SIDE * 3 // 4, MAX_SIDE)
    assert 0x0112 not in image.getexif()  # nothing of the phone's metadata is kept


@pytest.mark.parametrize(
    "content",
    [b"<html><script>alert(1)</script></html>", b"\x89PNG\r\n\x1a\n broken", b""],
)
def test_what_is_not_an_image_is_refused_naming_the_field(content):
    with pytest.raises(ValidationError) as refused:
        stamp_photo(content, LINES)
    assert [(e.fieldname, e.rule) for e in refused.value.errors] == [("photo", "image")]


def test_a_decompression_bomb_is_refused():
    # a small file (1-bit, compressed) that claims 81 million pixels
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, "PNG")
    assert len(out.getvalue()) < 200_000
    with pytest.raises(ValidationError):
        stamp_photo(out.getvalue(), LINES)


def test_without_a_cjk_font_only_the_ascii_text_is_drawn(monkeypatch):
    # given a system with no CJK font (none of Debian's paths, no fontconfig)
    monkeypatch.setattr(stamp, "CJK_FONTS", ())
    monkeypatch.setenv("PATH", "")
    stamp.cjk_font_path.cache_clear()
    try:
        assert stamp.cjk_font_path() is None
        stamped = stamp_photo(photo(800, 600), LINES)
    finally:
        stamp.cjk_font_path.cache_clear()
    # then the photo is still stamped (time and coordinates), not refused
    image = Image.open(io.BytesIO(stamped))
    assert image.format == "JPEG" and max(image.getpixel((5, 595))) < 140


def test_a_cjk_font_is_found_on_this_system():
    stamp.cjk_font_path.cache_clear()
    assert stamp.cjk_font_path(), "fonts-noto-cjk missing: run scripts/bootstrap.sh"
