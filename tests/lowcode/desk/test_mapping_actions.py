"""Mapping form actions, amendments and connections in the desk: a Test Order's "Make Delivery"
opens the new Test Delivery filled by the mapping (child rows included) and saving it keeps the
link back; a cancelled delivery offers 修订; both show on each other's connections page."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

import tests.engine_app.hooks as engine_hooks
from lowcode import context
from lowcode.documents.actions import do_cancel_doc, do_insert_doc, do_submit_doc
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db
ITEMS = [
    {"item_code": "泵体", "qty": 2, "rate": 100},
    {"item_code": "样品", "qty": 0, "rate": 5},
    {"item_code": "叶轮", "qty": 3, "rate": 40},
]


@pytest.fixture
def make_delivery_action(monkeypatch):
    monkeypatch.setattr(
        engine_hooks,
        "desk_form_actions",
        {"Test Order": [{"label": "Make Delivery", "mapping": "tests.make_delivery"}]},
        raising=False,
    )


def order(user: str = "rep", **values) -> str:
    name = do_insert_doc(user, "Test Order", {"title": "泵站改造", "items": ITEMS, **values}).name
    context.reset()
    return name


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:500]
    return response.content.decode()


class _FormInputs(HTMLParser):
    """What a browser posts for ``form#doc-form``: inputs, selected options, textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_template = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "doc-form":
            self._in_form = True
        if tag == "template":
            self._in_template = True  # a new row's template: never posted
        if not self._in_form or self._in_template:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.pairs.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.pairs.append((self._select, a.get("value") or ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.pairs.append((a["name"], ""))

    def handle_data(self, data):
        if self._textarea:
            name, _value = self.pairs[-1]
            self.pairs[-1] = (name, data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "template":
            self._in_template = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_post(text: str) -> dict[str, list[str]]:
    parser = _FormInputs()
    parser.feed(text)
    data: dict[str, list[str]] = {}
    for name, value in parser.pairs:
        data.setdefault(name, []).append(value)
    return data


def mapping_href(text: str) -> str:
    found = re.search(r'<a class="btn fa-link" href="([^"]+)">([^<]+)</a>', text)
    assert found, "no mapping button"
    return html.unescape(found.group(1))


def test_the_mapping_action_opens_a_filled_new_form_that_saves_rows_and_link(
    desk, make_delivery_action
):
    name = order(notes="加急")
    client = desk("rep")
    # the order's form offers the action, a link to the delivery's new form
    href = mapping_href(page(client, f"/app/test-order/{name}"))
    assert href == f"/app/test-delivery/new?__mapping=tests.make_delivery&__source={name}"
    # the new form shows the mapped values and rows
    new_form = page(client, href)
    assert 'value="泵站改造"' in new_form
    assert len(re.findall(r'<td class="muted">\d', new_form)) == 2  # the qty 0 row was left out
    assert 'value="泵体"' in new_form and 'value="叶轮"' in new_form
    # a save refused (the title emptied) shows the form again, still carrying the mapped values
    post = form_post(new_form)
    post["title"] = [""]
    refused = client.post("/app/test-delivery/new", post)
    assert refused.status_code == 200 and 'id="form-errors"' in refused.content.decode()
    # when the user fixes the title and saves
    post = form_post(refused.content.decode())
    post["title"] = ["泵站改造 第一批"]
    response = client.post("/app/test-delivery/new", post)
    # then the delivery is stored with its rows, the link back and the fields the grid hides
    assert response.status_code == 204, response.content.decode()[:500]
    saved = response["HX-Redirect"].rsplit("/", 1)[-1]
    stored = get_model("Test Delivery").objects.get(name=saved)
    assert (stored.title, stored.test_order, stored.note) == ("泵站改造 第一批", name, "加急")
    rows = stored.get_children("items")
    source_rows = get_model("Test Order").objects.get(name=name).get_children("items")
    assert [(r.item_code, r.qty, r.source_row) for r in rows] == [
        ("泵体", 2, source_rows[0].name),
        ("叶轮", 3, source_rows[2].name),
    ]
    assert float(stored.amount) == 320.0


def test_the_action_hides_while_the_mapping_refuses_and_the_url_says_why(
    desk, make_delivery_action
):
    name = order(status="Closed")
    client = desk("rep")
    assert 'class="btn fa-link"' not in page(client, f"/app/test-order/{name}")
    refused = page(
        client, f"/app/test-delivery/new?__mapping=tests.make_delivery&__source={name}", 417
    )
    assert f"无法从Test Order {name} 生成Test Delivery：不满足生成条件" in refused
    # someone who may not read the order: the same 404 as a missing one
    rep2 = desk("rep2")
    hidden = page(
        rep2, f"/app/test-delivery/new?__mapping=tests.make_delivery&__source={name}", 404
    )
    missing = page(rep2, "/app/test-delivery/new?__mapping=tests.make_delivery&__source=TO-0", 404)
    assert "泵站改造" not in hidden
    for text in (hidden, missing):
        assert "未找到，或您无权查看" in text


def test_a_cancelled_document_offers_amend_and_the_revision_says_where_it_came_from(desk):
    name = do_insert_doc("rep", "Test Delivery", {"title": "一号发货"}).name
    client = desk("rep")
    assert 'id="amend-btn"' not in page(client, f"/app/test-delivery/{name}")
    do_submit_doc("rep", "Test Delivery", name)
    do_cancel_doc("rep", "Test Delivery", name)
    context.reset()
    form = page(client, f"/app/test-delivery/{name}")
    assert re.search(r'id="amend-btn"[^>]*>修订</button>', form)
    assert 'id="amend-btn"' not in page(desk("rep2"), f"/app/test-delivery/{name}", 404)
    response = client.post(f"/app/test-delivery/{quote(name)}/do/amend")
    assert response["HX-Redirect"] == f"/app/test-delivery/{name}-1"
    revision = page(client, f"/app/test-delivery/{name}-1")
    assert f"创建了此单据（修订自 {name}）" in revision
    assert f"已修订为 {name}-1" in page(client, f"/app/test-delivery/{name}")


def test_connections_show_the_mapping_both_ways(desk, api):
    name = order()
    made = api("rep").post("/api/method/tests.make_delivery", {"source_name": name, "insert": 1})
    delivery = made.json()["message"]["name"]
    client = desk("rep")
    # any DocType that something links to has a connections page
    assert f'href="/app/test-order/{name}/connections"' in page(client, f"/app/test-order/{name}")
    order_page = page(client, f"/app/test-order/{name}/connections")
    assert 'id="connection-test_delivery"' in order_page
    assert f"/app/test-delivery/{delivery}" in order_page
    delivery_page = page(client, f"/app/test-delivery/{delivery}/connections")
    assert 'id="connection-test_order_source"' in delivery_page
    assert f"/app/test-order/{name}" in delivery_page


def test_connections_count_only_what_the_user_may_read(desk, api):
    from lowcode.query.connections import connections

    name = order("sysman")
    api("sysman").post("/api/method/tests.make_delivery", {"source_name": name, "insert": 1})
    from lowcode.documents.actions import do_assign_doc

    delivery = get_model("Test Delivery").objects.get(test_order=name).name
    do_assign_doc("sysman", "Test Delivery", delivery, "rep")
    context.reset()
    # the rep reads the delivery (assigned), not the order it came from
    sections = {s["key"]: s for s in connections("rep", "Test Delivery", delivery)}
    assert sections["test_order_source"]["count"] == 0
    assert sections["test_order_source"]["rows"] == []
    as_admin = {s["key"]: s for s in connections("sysman", "Test Delivery", delivery)}
    assert [r["name"] for r in as_admin["test_order_source"]["rows"]] == [name]


def test_a_revision_shows_on_the_cancelled_documents_connections_by_its_field(desk):
    name = do_insert_doc("rep", "Test Delivery", {"title": "一号发货"}).name
    do_submit_doc("rep", "Test Delivery", name)
    do_cancel_doc("rep", "Test Delivery", name)
    context.reset()
    from lowcode.documents.actions import do_amend_doc

    do_amend_doc("rep", "Test Delivery", name)
    context.reset()
    text = page(desk("rep"), f"/app/test-delivery/{name}/connections")
    section = re.search(r'id="connection-test_delivery".*?</section>', text, re.S)
    assert section, "no section of revisions"
    assert "Test Delivery（修订自）" in section.group(0)
    assert f"/app/test-delivery/{name}-1" in section.group(0)
