"""Stamp a photo with lines of text (time, place) and re-encode it as a JPEG.

The stamp is drawn by the server, so it shows the server's time and the recorded place,
not what a phone claims. Re-encoding through Pillow also makes the stored file a plain JPEG
whatever was uploaded: a file that is not a decodable image is refused, and nothing of the
upload but its pixels survives (no script, no HTML, no metadata such as the phone's EXIF).

Chinese text needs a CJK font: Debian's fonts-noto-cjk (installed by scripts/bootstrap.sh)
is looked for first, then any font fontconfig names for Chinese. Without one, the lines
keep only their ASCII characters (time and coordinates) rather than drawing empty boxes.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _

# Debian paths of CJK fonts, most likely first (fonts-noto-cjk, then WenQuanYi).
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
MAX_SIDE = 1600  # a phone's 12 MP photo is 4000 px wide; 1600 px reads well and stays small
JPEG_QUALITY = 85
# A decompression bomb (a tiny file claiming a gigapixel image) is refused before decoding.
MAX_PIXELS = 50_000_000


class NotAnImage(ValidationError):
    """The upload is not an image Pillow can decode."""


@functools.cache
def cjk_font_path() -> str | None:
    """Path of a font that draws Chinese, or None when the system has none."""
    for path in CJK_FONTS:
        if Path(path).is_file():
            return path
    # fontconfig lists only fonts covering Chinese for ":lang=zh" (fc-match would fall back).
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            listed = subprocess.run(  # noqa: S603 - fixed arguments
                [fc_list, ":lang=zh", "-f", "%{file}\\n"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            ).stdout.split()
        except (OSError, subprocess.SubprocessError):
            listed = []
        for found in sorted(listed):
            if Path(found).is_file():
                return found
    return None


def _font(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    path = cjk_font_path()
    if path:
        return ImageFont.truetype(path, size), True
    return ImageFont.load_default(size), False


def stamp_photo(content: bytes, lines: list[str], *, field: str = "photo") -> bytes:
    """Return ``content`` as a JPEG, upright, at most MAX_SIDE px, with ``lines`` drawn along
    its bottom; a file that is not an image raises NotAnImage naming ``field``."""
    try:
        with Image.open(io.BytesIO(content)) as opened:
            # Refused from the header, before decoding (Pillow itself only warns up to 2x).
            if opened.width * opened.height > MAX_PIXELS:
                raise Image.DecompressionBombError(f"{opened.width}x{opened.height}")
            opened.load()
            image = ImageOps.exif_transpose(opened) or opened
            image = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        message = _("The photo is not an image")
        raise NotAnImage(message, [FieldError(field, "image", message)]) from exc
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    _draw_lines(image, lines)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _draw_lines(image: Image.Image, lines: list[str]) -> None:
    size = max(14, image.width // 28)
    font, cjk = _font(size)
    if not cjk:
        lines = [line.encode("ascii", "ignore").decode().strip() for line in lines]
    lines = [line for line in lines if line]
    if not lines:
        return
    pad, gap = size // 2, size // 4
    band = pad * 2 + len(lines) * size + (len(lines) - 1) * gap
    # A dark translucent band keeps white text readable on any photo.
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    ImageDraw.Draw(overlay).rectangle(
        (0, image.height - band, image.width, image.height), fill=(0, 0, 0, 140)
    )
    image.paste(Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB"))
    draw = ImageDraw.Draw(image)
    y = image.height - band + pad
    for line in lines:
        draw.text((pad, y), line, font=font, fill=(255, 255, 255))
        y += size + gap
