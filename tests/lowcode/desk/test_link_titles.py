"""Link values show the linked record's title (Frappe's show_title_field_in_link): lists, kanban
cards and forms read 客户名称 and the owner's full name instead of CUST-00019 and a user name;
a record the reader may not read keeps its raw name; one query per target DocType, not per row."""

from __future__ import annotations

import re

import pytest

from lowcode import context
from lowcode.documents.actions import do_insert_doc
from lowcode.users import do_create_user
from tests.lowcode.desk.test_query_counts import queries

pytestmark = pytest.mark.django_db

LIST = "/app/opportunity"
KANBAN = "/app/opportunity/view/kanban"
REP_FULL_NAME = "刘洋"


@pytest.fixture
def rep_named(users):
    """The rep has a full name of their own (the shared fixture uses the user name)."""
    do_create_user("rep", full_name=REP_FULL_NAME, department="苏州组")
    context.reset()
    return "rep"


def customer(owner: str, customer_name: str) -> str:
    return do_insert_doc(owner, "Customer", {"customer_name": customer_name}).name


def opportunity(customer_name: str, title: str = "数控改造", vouched=False, **values) -> str:
    """The rep's opportunity; ``vouched``: written by the engine on the rep's behalf."""
    data = {
        "opportunity_name": title,
        "customer": customer_name,
        "sales_owner": "rep",
        "amount": 200000,
        "expected_close_date": "2026-12-31",
        "stage": "初步接触",
        **values,
    }
    name = do_insert_doc("rep", "Opportunity", data, ignore_permissions=vouched).name
    context.reset()
    return name


def shown_titles(html: str) -> list[str]:
    return re.findall(r'<span class="link-title"[^>]*>([^<]*)</span>', html)


def test_the_list_shows_the_customers_name_and_the_owners_full_name(desk, rep_named):
    # given
    cust = customer("rep", "常州恒力机械有限公司")
    opportunity(cust)
    # when
    html = desk("rep").get(LIST).content.decode()
    # then: the titles, not CUST-xxxxx nor the user name
    assert "常州恒力机械有限公司" in shown_titles(html)
    assert REP_FULL_NAME in shown_titles(html)
    rows = html[html.index("<tbody>") : html.index("</tbody>")]
    assert cust not in rows
    assert ">rep<" not in rows


def test_a_kanban_card_shows_the_customers_name_and_the_owners_full_name(desk, rep_named):
    cust = customer("rep", "无锡华达电机有限公司")
    opportunity(cust)
    html = desk("rep").get(KANBAN).content.decode()
    card = html[html.index('class="kanban-card"') :]
    assert "无锡华达电机有限公司" in shown_titles(card)
    assert REP_FULL_NAME in shown_titles(card)
    assert cust not in card


def test_a_moved_card_comes_back_with_the_titles(desk, rep_named):
    cust = customer("rep", "南通远洋船舶配件有限公司")
    name = opportunity(cust)
    response = desk("rep").post(
        f"{KANBAN}/move",
        {"name": name, "field": "stage", "value": "需求确认"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200, response.content.decode()
    body = response.json()["body"]
    assert "南通远洋船舶配件有限公司" in shown_titles(body)
    assert cust not in body


def test_the_form_input_posts_the_name_and_shows_the_title_beside_it(desk, rep_named):
    cust = customer("rep", "昆山明辉电子有限公司")
    name = opportunity(cust)
    html = desk("rep").get(f"/app/opportunity/{name}").content.decode()
    field = html[html.index('id="field-customer"') :]
    field = field[: field.index("</div>")]
    assert f'name="customer" value="{cust}"' in field  # what a save posts: the name
    assert shown_titles(field) == ["昆山明辉电子有限公司"]
    owner = html[html.index('id="field-sales_owner"') :]
    assert shown_titles(owner[: owner.index("</div>")]) == [REP_FULL_NAME]


def test_a_read_only_link_reads_the_title_and_still_links_to_the_record(desk, rep_named):
    lead = do_insert_doc("rep", "Lead", {"lead_name": "周建国", "company_name": "常熟纺机"}).name
    cust = customer("rep", "常熟纺织机械有限公司")
    name = opportunity(cust, lead=lead)
    html = desk("rep").get(f"/app/opportunity/{name}").content.decode()
    assert f'<a id="in-lead" href="/app/lead/{lead}">周建国</a>' in html


def test_a_customer_the_rep_may_not_read_shows_its_raw_name(desk, rep_named):
    # given: the rep's opportunity names a customer of 华南销售部 (outside the rep's scope);
    # rep could not link it (a link must be readable), the engine did on rep's behalf
    hidden = customer("south", "广州南沙秘密客户有限公司")
    name = opportunity(hidden, title="南方代理", vouched=True)
    client = desk("rep")
    # when / then: list, kanban and form show CUST-xxxxx, never the customer's name
    for path in (LIST, KANBAN, f"/app/opportunity/{name}"):
        html = client.get(path).content.decode()
        assert "南方代理" in html, path
        assert hidden in html, path
        assert "广州南沙秘密客户有限公司" not in html, path
    # and whoever may read the customer sees its name on the same list
    assert "广州南沙秘密客户有限公司" in shown_titles(
        desk("Administrator").get(LIST).content.decode()
    )


def test_a_user_without_a_full_name_shows_the_user_name(desk, users):
    cust = customer("rep", "苏州工业园区精密模具厂")
    opportunity(cust, sales_owner="rep2")
    html = desk("rep").get(LIST).content.decode()
    assert "苏州工业园区精密模具厂" in shown_titles(html)
    assert "rep2" not in shown_titles(html)  # full name = user name: shown as the value itself


def add_opportunities(count: int, start: int = 0) -> None:
    """Each with a customer of its own, so a per-row lookup would show in the counts."""
    for i in range(start, start + count):
        opportunity(customer("rep", f"客户{i:02d}有限公司"), title=f"商机{i:02d}")


@pytest.mark.parametrize("path", [LIST, KANBAN])
def test_titles_cost_the_same_queries_for_5_rows_as_for_20(
    desk, rep_named, django_assert_max_num_queries, path
):
    # given: 5 opportunities of 5 customers
    add_opportunities(5)
    client = desk("rep")
    few = queries(client, path)
    # when: 15 more, 15 more customers
    add_opportunities(15, start=5)
    # then: not one query more, and all 20 customers' names are on the page
    with django_assert_max_num_queries(few):
        html = client.get(path).content.decode()
    assert sum(t.startswith("客户") for t in shown_titles(html)) == 20
