"""Every order-to-cash DocType's list, stored form and new form on a 390×844 phone: no sideways
scrolling of the page nor of a child table (item rows with discount and tax fit as cards) and
every label in Chinese. One browser, one login, one pass."""

from __future__ import annotations

import pytest

from lowcode import context
from lowcode.desk.lib.nav import slug
from tests.browser import o2c_data as data
from tests.browser.conftest import PHONE, SCREENSHOTS, screenshot

pytestmark = pytest.mark.browser

# Words a label may keep in Latin letters (units, standards, file types).
LATIN_OK = {"PDF", "VAT", "UOM", "SKU", "CSV", "URL", "HTML", "PO"}

# The visible text of every label-like element: field labels, column heads, section and tab
# titles, buttons and status pills (data in cells and inputs is the user's, not ours).
LABEL_TEXTS = """() => {
  const picks = 'label, th, legend, h1 .pill, h2, [role=tab], .btn, .wf-action, .pill, .tabs a, .record-summary dt';
  const seen = [];
  for (const el of document.querySelectorAll(picks)) {
    if (!el.offsetParent && el.tagName !== 'OPTION') continue;
    let text = '';
    for (const node of el.childNodes) if (node.nodeType === 3) text += node.textContent;
    text = text.trim();
    if (text) seen.push(text);
  }
  return seen;
}"""


@pytest.fixture
def o2c_world(workflows):
    """One document of each order-to-cash DocType (and a Company, a Contract Template)."""
    data.catalogue()
    customer = data.customer()
    contract = data.contract(customer)
    plan = data.payment_plan(contract)
    first = plan["installments"][0]["name"]
    receipt = data.receipt(customer, first, 10000)
    invoice = data.invoice_request(contract)
    rule, statements = data.commission(f"{data.timezone.localdate():%Y-%m}")
    world = {
        "Quotation": data.quotation(customer),
        "Contract": contract,
        "Sales Order": None,
        "Payment Plan": plan["name"],
        "Payment Receipt": receipt,
        "Invoice": invoice,
        "Sales Target": data.target(),
        "Commission Rule": rule,
        "Commission Statement": statements[0] if statements else None,
        "Company": None,
        "Contract Template": None,
    }
    context.reset()
    return world


def latin_words(texts: list[str]) -> list[str]:
    import re

    found = []
    for text in texts:
        words = [w for w in re.findall(r"[A-Za-z]{3,}", text) if w.upper() not in LATIN_OK]
        if words:
            found.append(text)
    return found


def check_page(page, url: str, problems: list[str]) -> None:
    """What the phone shows now: no sideways scrolling, child tables as cards, labels in Chinese."""
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        problems.append(f"{url}: the page is {width}px wide")
    # child rows fit the phone: no table hides columns behind a sideways scroll
    hidden = page.evaluate(
        "[...document.querySelectorAll('.child-table .table-wrap')]"
        ".filter(w => w.scrollWidth > w.clientWidth + 1)"
        ".map(w => w.closest('fieldset').dataset.table)"
    )
    if hidden:
        problems.append(f"{url}: tables {hidden} scroll sideways")
    english = latin_words(page.evaluate(LABEL_TEXTS))
    if english:
        problems.append(f"{url}: untranslated {english}")


def open_whole_form(page, expect) -> None:
    """A stored record reads first on a phone (issue 17): its summary card's button (编辑, or
    查看全部 for a record the user may only read) opens the whole form in place, and every
    folded section is opened, so each field and child table is shown and checked."""
    card = page.locator("#record-summary")
    if card.count():
        expect(card).to_be_visible()
        page.locator("#record-edit").click()
        expect(card).to_be_hidden()
    folded = page.locator("details.section-fold:not([open]) > summary:visible")
    while folded.count():
        folded.first.click()


def test_every_o2c_doctype_renders_on_a_phone_in_chinese(page_for, o2c_world, expect):
    page = page_for("Administrator", PHONE)
    problems: list[str] = []
    for doctype, name in o2c_world.items():
        base = f"/app/{slug(doctype)}"
        pages = {"list": base, "new": f"{base}/new"}
        if name:
            pages["form"] = f"{base}/{name}"
        for kind, url in pages.items():
            response = page.goto(url)
            if response is None or response.status != 200:
                problems.append(f"{url}: HTTP {response and response.status}")
                continue
            page.wait_for_selector("main")
            if kind == "form" and page.locator("#record-summary").count():
                check_page(page, url, problems)  # the summary card first
                screenshot(page, f"o2c-summary-{slug(doctype)}-390")
            open_whole_form(page, expect)
            check_page(page, url, problems)
            screenshot(page, f"o2c-{kind}-{slug(doctype)}-390")
            tables = page.locator("fieldset.child-table")
            for index in range(tables.count()):
                tables.nth(index).screenshot(
                    path=str(SCREENSHOTS / f"o2c-{kind}-{slug(doctype)}-table{index}-390.png")
                )
    assert not problems, "\n".join(problems)
