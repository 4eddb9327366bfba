"""The customer pool (公海) end to end through the API: pools by region, release, claim with its
limits and cool-down, a manager's assignment, the daily return of idle customers, deals."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from kuaicrm.pool import POOL_OWNER, do_claim_customer, return_idle_customers
from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.exceptions import ValidationError
from lowcode.models import Version
from lowcode.storage.factory import get_model
from tests.kuaicrm.doctype.customers import (
    CUSTOMERS,
    call,
    message_of,
    new_customer,
    regional_pools,  # noqa: F401
    set_pool,
)
from tests.lowcode.desk.conftest import desk  # noqa: F401

pytestmark = pytest.mark.usefixtures("regional_pools")


def Customer():
    return get_model("Customer")


def logs(customer: str) -> list[tuple[str, str]]:
    return list(
        get_model("Customer Pool Log")
        .objects.filter(customer=customer)
        .order_by("happened_on")
        .values_list("action", "user")
    )


def released(api, owner: str, name: str, territory: str = "华东", **values) -> str:
    """A customer ``owner`` created and released into its region's pool."""
    client = api(owner)
    customer = new_customer(client, name, territory=territory, **values)["name"]
    response = call(client, "kuaicrm.release_customer", customer=customer, reason="暂无需求")
    assert response.status_code == 200, response.content.decode()
    return customer


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


# ------------------------------------------------------------------ pools by region


def test_a_new_customer_belongs_to_its_regions_pool_or_the_default_one(api):
    rep = api("rep")

    south = new_customer(rep, "广州五金", territory="华南")
    elsewhere = new_customer(rep, "乌鲁木齐电气", territory="西北")
    chosen = new_customer(rep, "上海精机", territory="华南", customer_pool="华北公海")

    assert south["customer_pool"] == "华南公海"
    assert elsewhere["customer_pool"] == "默认公海"
    assert chosen["customer_pool"] == "华北公海"  # a pool set on purpose is kept


def test_an_unknown_level_is_refused(api):
    response = api("manager").post(CUSTOMERS, {"customer_name": "无名", "customer_level": "Z"})

    assert response.status_code == 417
    assert response.json()["errors"][0]["field"] == "customer_level"


def test_sales_users_read_the_level_but_may_not_grade(api):
    # the level routes sales order approvals (A customers' small orders skip finance)
    refused = api("rep").post(CUSTOMERS, {"customer_name": "自评A级", "customer_level": "A"})
    assert refused.status_code == 403
    mine = new_customer(api("rep"), "待评级客户")["name"]
    assert api("rep").put(f"{CUSTOMERS}/{mine}", {"customer_level": "A"}).status_code == 403
    assert api("manager").put(f"{CUSTOMERS}/{mine}", {"customer_level": "A"}).status_code == 200
    read = api("rep").get(f"{CUSTOMERS}/{mine}").json()["data"]
    assert read["customer_level"] == "A"


# ------------------------------------------------------------------ release


def test_release_needs_a_reason(api):
    rep = api("rep")
    customer = new_customer(rep, "苏州精密", territory="华东")["name"]

    response = call(rep, "kuaicrm.release_customer", customer=customer, reason="  ")

    assert response.status_code == 417
    assert response.json()["errors"][0]["field"] == "reason"
    assert Customer().objects.get(name=customer).in_pool == 0


def test_release_puts_the_customer_in_the_pool_with_its_previous_owner(api):
    customer = released(api, "rep", "苏州精密")

    stored = Customer().objects.get(name=customer)
    assert (stored.in_pool, stored.owner, stored.previous_owner) == (1, POOL_OWNER, "rep")
    assert stored.customer_pool == "华东公海"
    assert stored.pool_entered_on is not None
    assert logs(customer) == [("Release", "rep")]


def test_another_rep_may_not_release_a_customer_they_do_not_own(api):
    customer = new_customer(api("rep"), "苏州精密", territory="华东")["name"]

    response = call(api("rep2"), "kuaicrm.release_customer", customer=customer, reason="x")

    assert response.status_code == 404  # rep2 cannot even see it
    assert Customer().objects.get(name=customer).in_pool == 0


def test_a_manager_may_release_a_customer_of_their_team(api):
    customer = new_customer(api("rep"), "苏州精密", territory="华东")["name"]

    response = call(api("manager"), "kuaicrm.release_customer", customer=customer, reason="调整")

    assert response.status_code == 200, response.content.decode()
    assert logs(customer) == [("Release", "rep")]


# ------------------------------------------------------------------ who sees the pool


def test_pool_customers_are_listed_to_eligible_users_but_not_writable(api):
    customer = released(api, "rep", "苏州精密")
    rep2 = api("rep2")

    listed = {row["name"] for row in rep2.get(CUSTOMERS).json()["data"]}
    update = rep2.put(f"{CUSTOMERS}/{customer}", {"city": "苏州"})

    assert customer in listed
    assert rep2.get(f"{CUSTOMERS}/{customer}").status_code == 200
    assert update.status_code == 403
    assert Customer().objects.get(name=customer).city in (None, "")


def test_the_customer_list_shows_which_customers_are_in_the_pool(api, desk):  # noqa: F811
    pooled = released(api, "rep", "苏州精密")
    new_customer(api("rep2"), "无锡五金", territory="华东")

    html = desk("rep2").get("/app/customer").content.decode()

    assert '<th scope="col">' in html and "在公海</a></th>" in html
    rows = {
        row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in html.split('class="row-title"')[1:]
    }
    assert '<td data-label="在公海">✓</td>' in rows["苏州精密"]
    assert '<td data-label="在公海"></td>' in rows["无锡五金"]
    assert pooled in html


def test_each_region_sees_its_own_pool_only(api):
    east = released(api, "rep", "苏州精密", territory="华东")
    south = released(api, "south", "广州五金", territory="华南")

    south_sees = {row["name"] for row in api("south").get(CUSTOMERS).json()["data"]}
    rep2_sees = {row["name"] for row in api("rep2").get(CUSTOMERS).json()["data"]}

    assert south in south_sees and east not in south_sees
    assert east in rep2_sees and south not in rep2_sees
    assert api("south").get(f"{CUSTOMERS}/{east}").status_code == 404
    claim = call(api("south"), "kuaicrm.claim_customer", customer=east)
    assert claim.status_code == 404


def test_a_released_customer_stays_readable_to_its_previous_owner(api):
    customer = released(api, "rep", "苏州精密")
    rep = api("rep")

    assert rep.get(f"{CUSTOMERS}/{customer}").status_code == 200
    assert rep.put(f"{CUSTOMERS}/{customer}", {"city": "苏州"}).status_code == 403


def test_a_disabled_pool_is_invisible(api):
    customer = released(api, "rep", "苏州精密")
    set_pool("华东公海", enabled=0)

    assert api("rep2").get(f"{CUSTOMERS}/{customer}").status_code == 404


# ------------------------------------------------------------------ claim


def test_claiming_makes_the_claimer_the_owner(api):
    customer = released(api, "rep", "苏州精密")
    rep2 = api("rep2")

    response = call(rep2, "kuaicrm.claim_customer", customer=customer)

    assert response.status_code == 200, response.content.decode()
    stored = Customer().objects.get(name=customer)
    assert (stored.owner, stored.in_pool, stored.previous_owner) == ("rep2", 0, "rep")
    assert stored.claimed_on is not None
    assert logs(customer) == [("Release", "rep"), ("Claim", "rep2")]
    assert rep2.put(f"{CUSTOMERS}/{customer}", {"city": "苏州"}).status_code == 200
    assert api("rep").get(f"{CUSTOMERS}/{customer}").status_code == 404  # rep's scope ends
    # the hand-over is in the document's history
    owner_changes = [
        change
        for version in Version.objects.filter(ref_doctype="Customer", docname=customer)
        for change in version.data.get("changed", [])
        if change[0] == "owner"
    ]
    assert owner_changes == [["owner", "rep", POOL_OWNER], ["owner", POOL_OWNER, "rep2"]]
    comments = get_model("Comment").objects.filter(
        reference_doctype="Customer", reference_name=customer
    )
    assert any("rep2" in c.content and "华东公海" in c.content for c in comments)


def test_a_claimed_customer_cannot_be_claimed_again(api):
    customer = released(api, "rep", "苏州精密")
    assert call(api("rep2"), "kuaicrm.claim_customer", customer=customer).status_code == 200

    # the manager still sees it (department scope), so the answer is "already claimed"
    response = call(api("manager"), "kuaicrm.claim_customer", customer=customer)

    assert response.status_code == 417
    assert message_of(response) == "客户 苏州精密 已被 rep2 领取"
    assert Customer().objects.get(name=customer).owner == "rep2"


def test_a_customer_outside_the_pool_cannot_be_claimed(api):
    customer = new_customer(api("rep"), "苏州精密", territory="华东")["name"]

    response = call(api("manager"), "kuaicrm.claim_customer", customer=customer)

    assert response.status_code == 417
    assert Customer().objects.get(name=customer).owner == "rep"


def test_the_daily_claim_limit(api):
    set_pool("华东公海", daily_claim_limit=1)
    first = released(api, "rep", "苏州精密")
    second = released(api, "rep", "无锡机电")
    rep2 = api("rep2")
    assert call(rep2, "kuaicrm.claim_customer", customer=first).status_code == 200

    response = call(rep2, "kuaicrm.claim_customer", customer=second)

    assert response.status_code == 417
    assert message_of(response) == (
        "已达每日领取上限：您今天已从华东公海领取 1 个客户（上限 1 个）"
    )
    assert Customer().objects.get(name=second).in_pool == 1


def test_yesterdays_claims_do_not_count_today(api):
    set_pool("华东公海", daily_claim_limit=1)
    first = released(api, "rep", "苏州精密")
    second = released(api, "rep", "无锡机电")
    rep2 = api("rep2")
    assert call(rep2, "kuaicrm.claim_customer", customer=first).status_code == 200
    get_model("Customer Pool Log").objects.filter(action="Claim").update(
        happened_on=days_ago(1) - dt.timedelta(hours=1)
    )

    assert call(rep2, "kuaicrm.claim_customer", customer=second).status_code == 200


def test_the_holding_limit(api):
    set_pool("华东公海", holding_limit=1)
    new_customer(api("rep2"), "rep2 自己的客户", territory="华东")
    customer = released(api, "rep", "苏州精密")

    response = call(api("rep2"), "kuaicrm.claim_customer", customer=customer)

    assert response.status_code == 417
    assert message_of(response) == "已达持有上限：您已拥有 1 个客户（上限 1 个）"
    assert Customer().objects.get(name=customer).in_pool == 1


def test_the_previous_owner_waits_out_the_cool_down(api):
    set_pool("华东公海", cooldown_days=7)
    customer = released(api, "rep", "苏州精密")
    rep = api("rep")

    refused = call(rep, "kuaicrm.claim_customer", customer=customer)
    get_model("Customer Pool Log").objects.filter(customer=customer).update(happened_on=days_ago(8))
    allowed = call(rep, "kuaicrm.claim_customer", customer=customer)

    assert refused.status_code == 417
    assert message_of(refused).startswith("您放弃客户 苏州精密 未满 7 天（冷却期）")
    assert allowed.status_code == 200, allowed.content.decode()
    assert Customer().objects.get(name=customer).owner == "rep"


def test_the_cool_down_binds_only_the_previous_owner(api):
    set_pool("华东公海", cooldown_days=7)
    customer = released(api, "rep", "苏州精密")

    assert call(api("rep2"), "kuaicrm.claim_customer", customer=customer).status_code == 200


def test_a_user_without_a_sales_role_cannot_claim(api):
    set_pool("华东公海", department=None)  # open to every sales user
    customer = released(api, "rep", "苏州精密")

    assert call(api("sysman"), "kuaicrm.claim_customer", customer=customer).status_code != 200
    assert call(api("nobody"), "kuaicrm.claim_customer", customer=customer).status_code == 404
    assert Customer().objects.get(name=customer).in_pool == 1


def test_claim_reads_the_row_under_its_lock(users, regional_pools, api):  # noqa: F811
    # The second claim re-reads the row after the first one's commit, whatever it saw
    # before: the check happens on the locked row, not on the caller's copy.
    customer = released(api, "rep", "苏州精密")
    do_claim_customer("rep2", customer)
    context.reset()

    with pytest.raises(ValidationError) as refused:
        do_claim_customer("manager", customer)

    assert refused.value.errors[0].rule == "claimed"


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_two_users_claiming_at_once_exactly_one_wins(api):
    if connection.vendor != "mysql":
        pytest.skip("SQLite serialises writers; the row lock race needs MariaDB")
    customer = released(api, "rep", "苏州精密")
    set_pool("华东公海", department=None)
    barrier, outcomes = threading.Barrier(2), []

    def claim(user: str) -> None:
        try:
            barrier.wait()
            context.reset()
            do_claim_customer(user, customer)
            outcomes.append(user)
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(u,)) for u in ("rep2", "south")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [o for o in outcomes if o != "refused"]
    assert len(winners) == 1 and outcomes.count("refused") == 1
    assert Customer().objects.get(name=customer).owner == winners[0]


# ------------------------------------------------------------------ assign


def test_a_manager_assigns_a_pool_customer_past_the_limits(api):
    set_pool("华东公海", holding_limit=1, cooldown_days=30)
    new_customer(api("rep"), "rep 已有客户", territory="华东")
    customer = released(api, "rep", "苏州精密")

    response = call(api("manager"), "kuaicrm.assign_pool_customer", customer=customer, user="rep")

    assert response.status_code == 200, response.content.decode()
    assert Customer().objects.get(name=customer).owner == "rep"
    assert logs(customer)[-1] == ("Assign", "rep")


def test_a_rep_cannot_assign_and_nobody_assigns_outside_the_pools_region(api):
    customer = released(api, "rep", "苏州精密")

    by_rep = call(api("rep2"), "kuaicrm.assign_pool_customer", customer=customer, user="rep2")
    to_south = call(api("manager"), "kuaicrm.assign_pool_customer", customer=customer, user="south")

    assert by_rep.status_code == 403
    assert to_south.status_code == 417
    assert Customer().objects.get(name=customer).in_pool == 1


# ------------------------------------------------------------------ the daily return


def _owned(api, name: str, level: str, *, followed_days_ago: int, claimed_days_ago: int) -> str:
    customer = new_customer(api("rep"), name, territory="华东")["name"]
    graded = api("manager").put(f"{CUSTOMERS}/{customer}", {"customer_level": level})
    assert graded.status_code == 200, graded.content.decode()
    Customer().objects.filter(name=customer).update(
        last_followup_on=days_ago(followed_days_ago),
        claimed_on=days_ago(claimed_days_ago),
        last_deal_on=timezone.localdate(),
    )
    return customer


def test_idle_customers_return_after_their_levels_days(api, django_capture_on_commit_callbacks):
    # 华东公海: A returns after 60 days without follow-up, C after 15.
    level_a = _owned(api, "A级客户", "A", followed_days_ago=20, claimed_days_ago=100)
    level_c = _owned(api, "C级客户", "C", followed_days_ago=20, claimed_days_ago=100)
    fresh_c = _owned(api, "刚领的C级", "C", followed_days_ago=20, claimed_days_ago=3)

    with django_capture_on_commit_callbacks(execute=True):
        returned = return_idle_customers()

    assert returned == [level_c]
    stored = Customer().objects.get(name=level_c)
    assert (stored.in_pool, stored.owner, stored.previous_owner) == (1, POOL_OWNER, "rep")
    reason = get_model("Customer Pool Log").objects.get(customer=level_c).reason
    assert reason == "连续 15 天未跟进（华东公海对等级 C 的回收规则）"
    notified = get_model("Notification Log").objects.filter(
        for_user="rep", document_type="Customer", document_name=level_c
    )
    assert notified.count() == 1
    assert Customer().objects.get(name=level_a).in_pool == 0
    assert Customer().objects.get(name=fresh_c).in_pool == 0  # claimed 3 days ago
    # the rep no longer owns it: through the API it is read-only now
    assert api("rep").put(f"{CUSTOMERS}/{level_c}", {"city": "苏州"}).status_code == 403

    Customer().objects.filter(name=level_a).update(last_followup_on=days_ago(61))
    assert return_idle_customers() == [level_a]


def test_the_return_job_is_idempotent(api):
    level_c = _owned(api, "C级客户", "C", followed_days_ago=20, claimed_days_ago=100)

    first, second = return_idle_customers(), return_idle_customers()

    assert (first, second) == ([level_c], [])
    assert logs(level_c) == [("Return", "rep")]


def test_no_won_deal_for_too_long_returns_a_customer(api):
    customer = _owned(api, "B级客户", "B", followed_days_ago=1, claimed_days_ago=400)
    Customer().objects.filter(name=customer).update(last_deal_on=days_ago(200).date())

    assert return_idle_customers() == [customer]
    reason = get_model("Customer Pool Log").objects.get(customer=customer).reason
    assert reason == "连续 180 天未成交（华东公海对等级 B 的回收规则）"


def test_a_customer_with_no_level_follows_the_pools_levelless_rule(api):
    customer = new_customer(api("rep"), "无等级客户", territory="华东")["name"]
    Customer().objects.filter(name=customer).update(creation=days_ago(16))

    assert return_idle_customers() == [customer]


def test_each_pool_applies_its_own_rules(api):
    south = new_customer(api("south"), "广州五金", territory="华南")["name"]
    graded = api("south_manager").put(f"{CUSTOMERS}/{south}", {"customer_level": "C"})
    assert graded.status_code == 200, graded.content.decode()
    Customer().objects.filter(name=south).update(
        last_followup_on=days_ago(20), claimed_on=days_ago(100)
    )
    pool = get_model("Customer Pool").objects.get(name="华南公海")
    rules = [
        {"customer_level": r.customer_level, "days_without_followup": 30, "days_without_deal": 0}
        for r in pool.get_children("rules")
    ]
    do_save_doc("Administrator", "Customer Pool", "华南公海", {"rules": rules})

    assert return_idle_customers() == []
    Customer().objects.filter(name=south).update(last_followup_on=days_ago(31))
    assert return_idle_customers() == [south]
    assert Customer().objects.get(name=south).customer_pool == "华南公海"


def _opportunity(owner: str, customer: str, stage: str = "初步接触"):
    return do_insert_doc(
        owner,
        "Opportunity",
        {
            "opportunity_name": f"{customer} 项目",
            "customer": customer,
            "amount": 100000,
            "expected_close_date": str(timezone.localdate() + dt.timedelta(days=30)),
            "stage": stage,
        },
    )


def test_a_customer_with_a_recently_updated_open_opportunity_is_exempt(api):
    customer = _owned(api, "C级客户", "C", followed_days_ago=20, claimed_days_ago=100)
    opportunity = _opportunity("rep", customer)

    assert return_idle_customers() == []
    get_model("Opportunity").objects.filter(name=opportunity.name).update(modified=days_ago(16))
    assert return_idle_customers() == [customer]


# ------------------------------------------------------------------ deals


def test_a_won_opportunity_sets_the_customers_last_deal(api):
    customer = new_customer(api("rep"), "苏州精密", territory="华东")["name"]
    opportunity = _opportunity("rep", customer)
    assert Customer().objects.get(name=customer).last_deal_on is None

    response = api("rep").put(f"/api/resource/Opportunity/{opportunity.name}", {"stage": "成交"})

    assert response.status_code == 200, response.content.decode()
    assert Customer().objects.get(name=customer).last_deal_on == timezone.localdate()
