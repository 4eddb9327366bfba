"""Render the desk's PWA icons (PNG 192/512) from icon.svg with Debian's Chromium.

Run once after editing the SVG: .venv/bin/python scripts/make_icons.py
"""

from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parents[1] / "apps/lowcode/desk/static/desk/icons"

with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    svg = (ICONS / "icon.svg").read_text(encoding="utf-8")
    for size in (192, 512):
        page = browser.new_page(viewport={"width": size, "height": size})
        page.set_content(
            f"<body style='margin:0'><div style='width:{size}px;height:{size}px'>{svg}</div></body>"
        )
        page.locator("div").screenshot(path=str(ICONS / f"icon-{size}.png"), omit_background=True)
    browser.close()
