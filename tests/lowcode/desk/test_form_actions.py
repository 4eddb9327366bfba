"""Form actions (hooks desk_form_actions): buttons shown only when their condition holds and the
user may, a dialog post that calls the whitelisted method, errors next to the dialog's fields."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from django.core.checks import run_checks

import kuaicrm.hooks
from kuaicrm.pool import do_release_customer
from lowcode import context
from lowcode.desk.lib import form_actions
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.storage.factory import get_model
from tests.kuaicrm.doctype.customers import regional_pools  # noqa: F401
from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: F401

pytestmark = pytest.mark.django_db
APPS = Path(kuaicrm.__file__).resolve().parent.parent
LEAD = {
    "lead_name": "王先生",
    "company_name": "苏州精工",
    "mobile_no": "13800138000",
    "designation": "采购总监",
    "company_size": "200-999",
    "budget_range": "500k-2M",
    "industry": "Manufacturing",
    "territory": "华东",
    "expected_amount": 300000,
}


def buttons(html: str) -> list[str]:
    """The dialog keys of the form's action buttons, in order."""
    return re.findall(r'class="btn fa-open" data-dialog="fa-([\w-]+)"', html)


def transitions(html: str) -> list[str]:
    return re.findall(r'wf-action" data-action="([^"]+)"', html)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:300]
    return response.content.decode()


@pytest.fixture
def lead(workflows, users):  # noqa: F811 - the imported fixture
    return do_insert_doc("rep", "Lead", LEAD).name


def to_demo(name: str) -> None:
    state_after_actions = [
        ("rep", "Qualify"),
        ("manager", "Assign"),
        ("rep", "Plan Follow-up"),
        ("rep", "Make Contact"),
        ("rep", "Interested"),
    ]
    from lowcode.workflow.actions import do_apply_workflow

    for user, action in state_after_actions:
        do_apply_workflow(user, "Lead", name, action)
    context.reset()


@pytest.fixture
def pool_customer(regional_pools):  # noqa: F811 - the imported fixture
    """A customer the manager created and released into 华东公海 (claimable by 苏州组)."""
    name = do_insert_doc(
        "manager", "Customer", {"customer_name": "无锡华光电缆", "territory": "华东"}
    ).name
    do_release_customer("manager", name, "长期未跟进")
    context.reset()
    return name


# ------------------------------------------------------------------ shown only when allowed


def test_convert_shows_only_at_demo_scheduled_and_replaces_the_bare_transition(desk, lead):
    rep = desk("rep")
    html = page(rep, f"/app/lead/{lead}")
    assert "convert" not in buttons(html)  # New: not yet
    assert "convert-customer" not in buttons(html)  # not qualified either

    to_demo(lead)
    html = page(rep, f"/app/lead/{lead}")

    assert buttons(html) == ["convert", "convert-customer"]
    # the workflow's own "Convert to Opportunity" would move the state and create nothing
    assert "Convert to Opportunity" not in transitions(html)
    assert 'id="fa-convert"' in html and 'for="fa-convert-amount"' in html
    assert "将根据此线索创建客户、联系人和商机。" in html


def test_the_lead_contact_step_reads_as_contacting_the_customer(desk, lead):
    from lowcode.workflow.actions import do_apply_workflow

    for user, action in (("rep", "Qualify"), ("manager", "Assign"), ("rep", "Plan Follow-up")):
        do_apply_workflow(user, "Lead", lead, action)
    context.reset()

    html = page(desk("rep"), f"/app/lead/{lead}")

    # the flat catalog translates "Contact" as the contact person (联系人)
    step = re.search(r'wf-action" data-action="([^"]+)"[^>]*>([^<]+)</button>', html)
    assert step is not None and step.group(2) == "联系客户"


def test_a_follow_up_link_prefills_the_new_record(desk, lead):
    rep = desk("rep")
    html = page(rep, f"/app/lead/{lead}")
    assert f'href="/app/follow-up-record/new?lead={lead}"' in html

    form = page(rep, f"/app/follow-up-record/new?lead={lead}")

    assert re.search(rf'name="lead" value="{lead}"', form)


def test_claim_shows_for_a_pool_customer_the_user_may_claim_and_release_for_its_owner(
    desk, pool_customer
):
    rep, south = desk("rep"), desk("south")
    html = page(rep, f"/app/customer/{pool_customer}")
    assert buttons(html) == ["claim"]
    assert "/app/follow-up-record/new" not in html  # follow-ups come after claiming
    # 华南 reps may not claim from 华东公海: they do not even see the customer
    assert south.get(f"/app/customer/{pool_customer}").status_code == 404

    response = rep.post(f"/app/customer/{pool_customer}/run/claim")

    assert response.status_code == 204, response.content.decode()
    assert response["HX-Redirect"] == f"/app/customer/{pool_customer}"
    flash = json.loads(response["HX-Trigger"])["desk:flash"]
    customer_name = get_model("Customer").objects.get(name=pool_customer).customer_name
    assert flash["message"] == f"已领取：客户 {customer_name} 现归您所有"  # its name, not its code
    customer = get_model("Customer").objects.get(name=pool_customer)
    assert (customer.owner, customer.in_pool) == ("rep", 0)
    # now the owner's: release (with a reason), no claim; merging needs delete
    html = page(rep, f"/app/customer/{pool_customer}")
    assert buttons(html) == ["release"]
    assert f'href="/app/follow-up-record/new?customer={pool_customer}"' in html


def test_an_action_not_shown_cannot_be_posted(desk, pool_customer):
    rep = desk("rep")
    mine = do_insert_doc("rep", "Customer", {"customer_name": "苏州新材"}).name

    # not in the pool: no claim; a sales user may not delete: no merge
    assert rep.post(f"/app/customer/{mine}/run/claim").status_code == 404
    assert rep.post(f"/app/customer/{mine}/run/merge", {"target": pool_customer}).status_code == 404
    assert rep.post(f"/app/customer/{mine}/run/no-such-action").status_code == 404
    assert get_model("Customer").objects.filter(name=mine, owner="rep").exists()


def test_the_dispatch_is_the_apis_own(desk, pool_customer, monkeypatch):
    """A method unknown to whitelisted_methods shows no button, even if an action names it."""
    actions = {
        **kuaicrm.hooks.desk_form_actions,
        "Customer": [
            *kuaicrm.hooks.desk_form_actions["Customer"],
            {"label": "Ghost", "method": "kuaicrm.not_whitelisted", "ptype": "read"},
            {"label": "Managers only", "method": "kuaicrm.claim_customer", "ptype": "read",
             "doc_arg": "customer", "roles": ["Sales Manager"]},
        ],
    }  # fmt: skip
    monkeypatch.setattr(kuaicrm.hooks, "desk_form_actions", actions)
    rep, manager = desk("rep"), desk("manager")

    assert buttons(page(rep, f"/app/customer/{pool_customer}")) == ["claim"]
    assert rep.post(f"/app/customer/{pool_customer}/run/ghost").status_code == 404
    assert rep.post(f"/app/customer/{pool_customer}/run/managers-only").status_code == 404
    assert "managers-only" in buttons(page(manager, f"/app/customer/{pool_customer}"))


# ------------------------------------------------------------------ the post


def test_converting_lands_on_the_new_opportunity(desk, lead):
    to_demo(lead)
    rep = desk("rep")

    response = rep.post(
        f"/app/lead/{lead}/run/convert",
        {"amount": "280000", "expected_close_date": "2026-12-31", "reason": "演示后确认需求"},
    )

    assert response.status_code == 204, response.content.decode()
    saved = get_model("Lead").objects.get(name=lead)
    opportunity = get_model("Opportunity").objects.get(name=saved.opportunity)
    assert response["HX-Redirect"] == f"/app/opportunity/{opportunity.name}"
    assert (float(opportunity.amount), str(opportunity.expected_close_date)) == (
        280000,
        "2026-12-31",
    )
    assert (saved.status, saved.get("workflow_state"), saved.conversion_reason) == (
        "Converted",
        "Opportunity",
        "演示后确认需求",
    )
    flash = json.loads(response["HX-Trigger"])["desk:flash"]["message"]
    customer = get_model("Customer").objects.get(name=saved.customer)
    # names, not codes (issue 17): 客户 苏州精工, not CUST-00001
    assert flash == f"已转化：客户 {customer.customer_name} 的商机 {opportunity.opportunity_name}"
    # converted: the buttons are gone
    assert "convert" not in buttons(page(rep, f"/app/lead/{lead}"))


def test_a_missing_required_value_is_named_next_to_its_field(desk, pool_customer):
    rep = desk("rep")
    rep.post(f"/app/customer/{pool_customer}/run/claim")

    response = rep.post(f"/app/customer/{pool_customer}/run/release", {"reason": "  "})

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(
        r'id="fa-release-reason"[^>]*aria-invalid="true" aria-describedby="fa-release-reason-err"',
        html,
    )
    assert '<p class="field-error" id="fa-release-reason-err" role="alert">原因为必填项' in html
    assert "HX-Trigger" not in response  # no toast behind the dialog: the dialog says it
    assert get_model("Customer").objects.get(name=pool_customer).in_pool == 0  # nothing done


def test_a_methods_refusal_shows_next_to_the_field_it_maps_to(desk, users):
    """Going back a stage without a reason: the controller names stage_reason, the dialog's
    field is reason (field_errors), and the user's input stays."""
    customer = do_insert_doc("rep", "Customer", {"customer_name": "常州恒力"}).name
    stages = list(
        get_model("Opportunity Stage")
        .objects.order_by("stage_order")
        .values_list("name", flat=True)
    )
    name = do_insert_doc(
        "rep",
        "Opportunity",
        {"opportunity_name": "恒力二期", "customer": customer, "amount": 100000,
         "expected_close_date": "2026-12-31", "stage": stages[0]},
    ).name  # fmt: skip
    do_save_doc("rep", "Opportunity", name, {"stage": stages[1]})
    rep = desk("rep")

    response = rep.post(f"/app/opportunity/{name}/run/stage", {"stage": stages[0]})

    html = response.content.decode()
    assert response.status_code == 200
    error = re.search(r'id="fa-stage-reason-err" role="alert">([^<]+)<', html)
    assert error and "原因" in error.group(1)
    # the input is kept: the stage picker (a select of the configured stages) still holds it
    picker = re.search(r'<select id="fa-stage-stage" name="stage".*?</select>', html, re.S)
    assert picker and re.search(rf'<option value="{stages[0]}"\s*selected', picker.group(0))
    assert get_model("Opportunity").objects.get(name=name).stage == stages[1]

    response = rep.post(
        f"/app/opportunity/{name}/run/stage", {"stage": stages[0], "reason": "客户预算推迟"}
    )

    assert response.status_code == 204
    opportunity = get_model("Opportunity").objects.get(name=name)
    assert opportunity.stage == stages[0]
    assert [row.reason for row in opportunity.get_children("stage_history")][-1] == "客户预算推迟"


def test_a_refusal_about_no_dialog_field_shows_above_the_inputs(desk, pool_customer):
    do_save_doc("Administrator", "Customer Pool", "华东公海", {"daily_claim_limit": 1})
    context.reset()
    second = do_insert_doc(
        "manager", "Customer", {"customer_name": "南通海力", "territory": "华东"}
    ).name
    do_release_customer("manager", second, "长期未跟进")
    rep = desk("rep")
    assert rep.post(f"/app/customer/{pool_customer}/run/claim").status_code == 204

    response = rep.post(f"/app/customer/{second}/run/claim")

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'class="alert alert-red fa-alert" role="alert"><p>[^<]*每日领取上限', html)
    assert get_model("Customer").objects.get(name=second).in_pool == 1


def test_a_manager_merges_and_lands_on_the_target(desk, users):
    source = do_insert_doc("rep", "Customer", {"customer_name": "苏州精工机械"}).name
    target = do_insert_doc("rep", "Customer", {"customer_name": "苏州精工机械有限公司"}).name
    manager = desk("manager")
    assert "merge" in buttons(page(manager, f"/app/customer/{source}"))

    response = manager.post(f"/app/customer/{source}/run/merge", {"target": target})

    assert response.status_code == 204, response.content.decode()
    assert response["HX-Redirect"] == f"/app/customer/{target}"
    assert not get_model("Customer").objects.filter(name=source).exists()


def test_csrf_is_enforced(desk, pool_customer):
    rep = desk("rep")
    token_less = rep.__class__.__bases__[0].post  # Django's Client.post, no CSRF header

    response = token_less(rep, f"/app/customer/{pool_customer}/run/claim", {})

    assert response.status_code == 400  # the engine's CSRF failure (lowcode.api.errors)
    assert "CSRF" in response.json()["message"]
    assert get_model("Customer").objects.get(name=pool_customer).in_pool == 1


def test_only_post_runs_an_action(desk, pool_customer):
    assert desk("rep").get(f"/app/customer/{pool_customer}/run/claim").status_code == 405


# ------------------------------------------------------------------ declarations


def test_the_shipped_declarations_pass_the_checks(users):
    assert form_actions.problems() == []
    assert [m.id for m in run_checks(databases=["default"]) if m.id.startswith("desk.")] == []


def test_a_malformed_declaration_is_reported_with_its_id(users, monkeypatch):
    monkeypatch.setattr(
        kuaicrm.hooks,
        "desk_form_actions",
        {
            "No Such DocType": [{"label": "X", "method": "kuaicrm.claim_customer"}],
            "Customer": [
                {"label": "Claim", "method": "kuaicrm.claim_customer", "depends_on": "eval:doc.in_pool("},
                {"label": "Claim", "method": "kuaicrm.nope", "ptype": "own"},
                {"label": "Both", "method": "kuaicrm.claim_customer", "new": "Lead"},
                {"label": "Odd", "method": "kuaicrm.claim_customer",
                 "fields": [{"fieldname": "tags"}, {"fieldname": "x", "fieldtype": "Link", "options": "Nope"}]},
            ],
        },
    )  # fmt: skip

    ids = [cid for cid, *_ in form_actions.problems()]

    assert ids == [
        *("desk.E003", "desk.E002", "desk.E004", "desk.E005", "desk.E007"),
        *("desk.E006", "desk.E006", "desk.E001"),
    ]


def test_every_declared_text_has_a_chinese_translation():
    catalog: dict[str, str] = {}
    for path in APPS.rglob("translations/zh.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                if len(row) > 1 and not row[0].startswith("#"):
                    catalog[row[0]] = row[1]
    texts = set()
    for doctype in form_actions.declared_specs():
        for action in form_actions.declared(doctype):
            texts |= {action.label, action.confirm, action.success}
            texts |= {f.label for f in action.fields} | {f.description or "" for f in action.fields}
    missing = sorted(t for t in texts - {""} if t not in catalog)
    assert missing == []
