"""An administrator gives a role two rules ("read the department, write only my own") in the
permissions matrix, then views the desk as a sales user to check it: phone and desktop."""

from __future__ import annotations

import pytest

from lowcode.admin import docperms
from lowcode.documents.actions import do_insert_doc
from lowcode.meta import registry
from lowcode.storage.factory import get_model
from tests.browser.conftest import SCREENSHOTS, VIEWPORTS, screenshot

pytestmark = pytest.mark.browser

SALES_USER = '.perm-row[data-role="Sales User"][data-permlevel="0"]'
EFFECT = '#perm-effect li[data-role="Sales User"][data-permlevel="0"] .perm-effect-text'


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_adding_a_write_only_my_own_rule_beside_read_my_department(
    page_for, stored, expect, viewport
):
    admin = page_for("sysman", VIEWPORTS[viewport])
    admin.goto("/app/permissions/lead")
    expect(admin.locator(SALES_USER)).to_have_count(1)
    first = admin.locator(SALES_USER).first

    # the existing rule reads the department and no longer writes …
    first.locator("select").select_option("department")
    first.locator("input[type=checkbox][id$='-write']").uncheck()
    first.locator("input[type=checkbox][id$='-create']").uncheck()
    # … and a second rule of the same role and level writes only the user's own
    admin.select_option("#perm-add-role", "Sales User")
    admin.select_option("#perm-add-level", "0")
    admin.select_option("#perm-add-scope", "own")
    admin.click("#perm-add-btn")
    expect(admin.locator(SALES_USER)).to_have_count(2)
    expect(admin.locator("#perm-dirty")).to_be_visible()
    second = admin.locator(SALES_USER).nth(1)
    expect(second.locator("select")).to_have_value("own")
    second.locator("input[type=checkbox][id$='-write']").check()
    second.locator("input[type=checkbox][id$='-create']").check()
    # the combined effect follows the boxes before anything is saved
    expect(admin.locator(EFFECT)).to_have_text("读取、报表：本部门及下级 · 修改、创建：仅本人")
    screenshot(admin, f"permissions-add-rule-{viewport}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    effect_png = SCREENSHOTS / f"permissions-combined-effect-{viewport}.png"
    admin.locator("#perm-effect-area").screenshot(path=str(effect_png))
    admin.click("#perm-save")

    expect(admin.locator("#perm-dirty")).to_have_count(0)
    expect(admin.locator(EFFECT)).to_have_text("读取、报表：本部门及下级 · 修改、创建：仅本人")
    saved = stored(
        lambda: sorted(
            get_model("Custom DocPerm")
            .objects.filter(parent_doctype="Lead", role="Sales User")
            .values_list("scope", "read", "write")
        )
    )
    assert saved == [("department", 1, 0), ("own", 0, 1)]


@pytest.fixture
def department_leads(users):
    rows = [
        {"role": p.role, "permlevel": p.permlevel, "scope": p.scope, "verbs": set(p.verbs)}
        for p in registry.base_definitions()["Lead"].permissions
        if p.role != "Sales User"
    ]
    rows += [
        {"role": "Sales User", "permlevel": 0, "scope": "department", "verbs": {"read", "report"}},
        {"role": "Sales User", "permlevel": 0, "scope": "own", "verbs": {"write", "create"}},
    ]
    docperms.do_save_docperms("sysman", "Lead", rows)
    return {
        owner: do_insert_doc(owner, "Lead", {"lead_name": name, "status": "Open"}).name
        for owner, name in (("rep", "王伟"), ("rep2", "李娜"), ("south", "陈静"))
    }


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_viewing_the_desk_as_a_sales_user(page_for, stored, expect, department_leads, viewport):
    admin = page_for("sysman", VIEWPORTS[viewport])
    if viewport == "phone":  # from the user's page …
        admin.goto("/app/users/rep")
        admin.click("#view-as-start")
    else:  # … or from the permissions page, right after changing the rules
        admin.goto("/app/permissions/lead")
        admin.select_option("#perm-view-as-user", "rep")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        card_png = SCREENSHOTS / f"permissions-check-as-user-{viewport}.png"
        admin.locator("#perm-view-as").screenshot(path=str(card_png))
        admin.click("#perm-view-as-start")
    admin.wait_for_url("**/app")
    banner = admin.locator("#view-as-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("rep")

    # the rep's list: their own and their colleague's leads, not another department's
    admin.goto("/app/lead")
    titles = admin.locator("#list-results .row-title")
    expect(titles).to_have_count(2)
    assert sorted(titles.all_inner_texts()) == ["李娜", "王伟"]
    expect(banner).to_be_visible()
    screenshot(admin, f"view-as-list-{viewport}")

    # a write is refused while viewing as, with a message saying why
    admin.goto(f"/app/lead/{department_leads['rep']}")
    if viewport == "phone":
        admin.click("#record-edit")  # a phone reads the record first (issue 17)
    admin.fill("#in-lead_name", "改了")
    admin.click("#save-btn")
    expect(admin.locator("#toast")).to_contain_text("只读")
    screenshot(admin, f"view-as-refused-{viewport}")
    lead = stored(lambda: get_model("Lead").objects.get(name=department_leads["rep"]))
    assert lead.lead_name == "王伟"

    # one tap ends it: back on the rep's page as the administrator
    admin.click("#view-as-end")
    admin.wait_for_url("**/app/users/rep")
    expect(admin.locator("#view-as-banner")).to_have_count(0)
    admin.goto("/app/lead")
    expect(admin.locator("#list-results .row-title")).to_have_count(3)
    operations = stored(
        lambda: list(
            get_model("Activity Log").objects.order_by("creation").values_list("operation", "user")
        )
    )
    assert operations == [("View As Started", "sysman"), ("View As Ended", "sysman")]
