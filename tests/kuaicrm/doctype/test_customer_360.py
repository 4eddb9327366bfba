"""The customer 360° view (kuaicrm.customer_360 and the desk's connections page): the profile
and every connected record, each list only what the viewer may read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lowcode.documents.actions import do_assign_doc, do_insert_doc
from tests.kuaicrm.doctype.customers import call, new_customer
from tests.lowcode.desk.conftest import desk  # noqa: F401

DECLARED_ORDER = [
    "contacts",
    "leads",
    "opportunities",
    "follow_up_records",
    "follow_up_tasks",
    "visits",
    "quotes",
    "contracts",
    "orders",
    "payment_plans",
    "payments",
    "invoices",
]


def _opportunity(owner: str, customer: str, title: str):
    return do_insert_doc(
        owner,
        "Opportunity",
        {
            "opportunity_name": title,
            "customer": customer,
            "amount": 200000,
            "expected_close_date": str(timezone.localdate() + dt.timedelta(days=30)),
            "stage": "方案报价",
        },
    )


@pytest.fixture
def shared(api, site):
    """rep's A-level customer, also assigned to rep2; each rep has an opportunity on it."""
    do_insert_doc("Administrator", "Customer Tag", {"tag_name": "制造业", "color": "#ff8800"})
    customer = new_customer(
        api("rep"), "苏州精密", territory="华东", industry="Manufacturing", tags=[{"tag": "制造业"}]
    )["name"]
    graded = api("manager").put(f"/api/resource/Customer/{customer}", {"customer_level": "A"})
    assert graded.status_code == 200, graded.content.decode()
    do_assign_doc("Administrator", "Customer", customer, "rep2")
    do_insert_doc("rep", "Contact", {"full_name": "王经理", "customer": customer})
    mine = _opportunity("rep", customer, "rep 的产线改造")
    theirs = _opportunity("rep2", customer, "rep2 的仓储项目")
    return customer, mine.name, theirs.name


def _view(client, customer: str) -> dict:
    response = call(client, "kuaicrm.customer_360", customer=customer)
    assert response.status_code == 200, response.content.decode()
    return response.json()["message"]


def test_the_profile_shows_level_tags_region_and_pool_state(api, shared):
    customer, _mine, _theirs = shared

    profile = _view(api("rep"), customer)["profile"]

    assert profile["level"] == {"code": "A", "name": "重点客户", "color": "#ff0000"}
    assert profile["tags"] == [{"tag": "制造业", "color": "#ff8800"}]
    assert (profile["industry"], profile["region"], profile["status"]) == (
        "Manufacturing",
        "华东",
        "Potential",
    )
    assert profile["pool"]["customer_pool"] == "华东公海"
    assert profile["pool"]["in_pool"] == 0


def test_sections_come_in_the_declared_order_and_skip_missing_doctypes(api, shared):
    customer, _mine, _theirs = shared

    view = _view(api("manager"), customer)

    assert view["sections"][: len(DECLARED_ORDER)] == DECLARED_ORDER
    assert "tickets" not in view  # declared, not installed yet
    assert view["contacts"]["rows"][0]["full_name"] == "王经理"


def test_each_rep_sees_only_their_own_opportunities_of_a_shared_customer(api, shared):
    customer, mine, theirs = shared

    rep_view = _view(api("rep"), customer)["opportunities"]
    rep2_view = _view(api("rep2"), customer)["opportunities"]
    manager_view = _view(api("manager"), customer)["opportunities"]

    assert [row["name"] for row in rep_view["rows"]] == [mine]
    assert rep_view["count"] == 1
    assert [row["name"] for row in rep2_view["rows"]] == [theirs]
    assert {row["name"] for row in manager_view["rows"]} == {mine, theirs}
    row = rep_view["rows"][0]
    assert (row["stage"], float(row["amount"]), float(row["probability"])) == (
        "方案报价",
        200000.0,
        50.0,
    )


def test_a_customer_the_user_may_not_read_is_not_found(api, shared):
    customer, _mine, _theirs = shared

    response = call(api("south"), "kuaicrm.customer_360", customer=customer)

    assert response.status_code == 404


# ------------------------------------------------------------------ desk


def test_the_desk_connections_page_lists_only_readable_records(desk, shared):  # noqa: F811
    customer, mine, theirs = shared

    page = desk("rep").get(f"/app/customer/{customer}/connections")

    assert page.status_code == 200
    html = page.content.decode()
    assert "关联记录" in html
    assert "rep 的产线改造" in html and mine in html
    assert "rep2 的仓储项目" not in html and theirs not in html
    assert "王经理" in html
    assert "<table" not in html  # cards, no wide tables on a phone


def test_the_customer_form_links_to_its_connections(desk, shared):  # noqa: F811
    customer, _mine, _theirs = shared

    form = desk("rep").get(f"/app/customer/{customer}").content.decode()

    assert f"/app/customer/{customer}/connections" in form


def test_the_connections_page_of_a_forbidden_customer_is_not_found(desk, shared):  # noqa: F811
    customer, _mine, _theirs = shared

    assert desk("south").get(f"/app/customer/{customer}/connections").status_code == 404


def _connection_values(html: str, section: str) -> str:
    start = html.index(f'id="connection-{section}"')
    return html[start : html.index("</section>", start)]


def test_connection_values_are_formatted_by_fieldtype(desk, shared):  # noqa: F811
    customer, _mine, _theirs = shared
    do_insert_doc(
        "rep",
        "Contact",
        {"full_name": "李总", "customer": customer, "is_decision_maker": 1},
    )
    do_insert_doc("rep", "Lead", {"lead_name": "赵先生", "customer": customer})

    html = desk("rep").get(f"/app/customer/{customer}/connections").content.decode()

    contacts = _connection_values(html, "contacts")
    # a Check shows only when set, as the list shows it; never its stored 0/1
    assert "决策人: 0" not in contacts and "决策人: 1" not in contacts
    assert contacts.count("决策人") == 1
    opportunities = _connection_values(html, "opportunities")
    assert "200,000.00" in opportunities and "200000.0" not in opportunities
    assert "50%" in opportunities and "50.0" not in opportunities
    leads = _connection_values(html, "leads")
    assert "创建人: rep" in leads and "owner" not in leads


def test_the_connections_button_sits_in_the_form_actions(desk, shared):  # noqa: F811
    customer, _mine, _theirs = shared

    form = desk("rep").get(f"/app/customer/{customer}").content.decode()

    head = form[form.index('<div class="form-head">') : form.index("</h1>")]
    actions = form[form.index('<div class="actions">') :]
    actions = actions[: actions.index("</div>")]
    assert "/connections" not in form[: form.index('<div class="form-head">')] + head
    assert f"/app/customer/{customer}/connections" in actions


def test_the_view_carries_the_receivables_the_user_may_see(api, shared):
    customer, _mine, _theirs = shared

    view = _view(api("manager"), customer)

    assert {k: float(v) for k, v in view["receivables"].items()} == {
        "contract_amount": 0.0,
        "invoiced": 0.0,
        "collected": 0.0,
        "received": 0.0,
        "outstanding": 0.0,
        "overdue": 0.0,
    }


def test_the_360_view_dials_a_contact_s_phone_with_one_tap(desk, shared):  # noqa: F811
    customer, _mine, _theirs = shared
    contact = do_insert_doc(
        "rep", "Contact", {"full_name": "李娜", "customer": customer, "mobile_no": "138 0013 8000"}
    ).name

    html = desk("rep").get(f"/app/customer/{customer}/connections").content.decode()

    # a tel: link, and the row names the contact, so the desk offers its follow-up after the call
    assert '<a class="tel" href="tel:+8613800138000">138 0013 8000</a>' in html
    assert f'data-doctype="Contact" data-name="{contact}"' in html
