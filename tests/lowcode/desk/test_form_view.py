"""Form view: layout and widgets from metadata, errors next to fields, conditional fields,
child tables, stale saves, workflow buttons, comments and the timeline."""

from __future__ import annotations

import re

import pytest

from lowcode.desk.actions import do_add_comment
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.storage.factory import get_model
from lowcode.workflow.actions import do_apply_workflow
from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: F401

ORDER = "/app/test-order"


def _order(owner: str = "rep", **values):
    return do_insert_doc(owner, "Test Order", {"title": "测试订单", **values})


def _field_error(page: str, fieldname: str) -> str:
    match = re.search(
        rf'<p class="field-error" id="err-{fieldname}" role="alert">([^<]*)</p>', page
    )
    return match.group(1).strip() if match else ""


def test_new_form_has_a_labelled_input_for_every_field_type(desk):
    page = desk("rep").get(f"{ORDER}/new").content.decode()

    for fieldname, start in {
        "title": '<input id="in-title" name="title" type="text"',
        "order_date": '<input id="in-order_date" name="order_date" type="date"',
        "deliver_at": '<input id="in-deliver_at" name="deliver_at" type="datetime-local"',
        "amount": '<input id="in-amount" name="amount" type="number"',
        "email": '<input id="in-email" name="email" type="email"',
        "phone": '<input id="in-phone" name="phone" type="tel"',
        "status": '<select id="in-status"',
        "notes": '<textarea id="in-notes"',
        "role": '<input id="in-role" name="role" value="" list="dl-role"',
    }.items():
        assert start in page, fieldname
        assert f'<label for="in-{fieldname}">' in page, fieldname
    # a checkbox is labelled by the label around it
    assert (
        '<label class="check"><input type="hidden" name="urgent" value="0"><input type="checkbox" id="in-urgent"'
        in page
    )
    assert 'class="btn btn-small geo-locate"' in page
    assert 'class="upload-input"' in page
    # the default ("Today") is filled in
    assert re.search(r'id="in-order_date"[^>]*value="\d{4}-\d{2}-\d{2}"', page)


def test_a_field_above_the_users_permlevel_is_not_on_the_form(desk):
    order = _order()

    assert "secret_margin" not in desk("rep").get(f"{ORDER}/{order.name}").content.decode()
    assert 'id="in-secret_margin"' in desk("sysman").get(f"{ORDER}/{order.name}").content.decode()


def test_validation_errors_are_shown_next_to_their_fields_and_nothing_is_saved(desk):
    response = desk("rep").post(
        f"{ORDER}/new", {"title": "", "email": "not-an-email", "status": "Draft"}
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert "标题" in _field_error(page, "title")
    assert _field_error(page, "email")
    assert 'value="not-an-email"' in page  # what the user typed stays
    assert get_model("Test Order").objects.count() == 0


def test_mandatory_depends_on_is_evaluated_live_and_on_save(desk):
    client = desk("rep")

    states = client.post(f"{ORDER}/_state", {"urgent": "1", "title": "x"}).json()
    calm = client.post(f"{ORDER}/_state", {"urgent": "0", "title": "x"}).json()
    page = client.post(f"{ORDER}/new", {"title": "加急", "urgent": ["0", "1"]}).content.decode()

    assert states["urgent_reason"]["reqd"] is True and calm["urgent_reason"]["reqd"] is False
    assert "Urgent Reason" in _field_error(
        page, "urgent_reason"
    )  # the test app's label has no zh row


def test_save_creates_the_document_and_redirects_to_it(desk):
    response = desk("rep").post(
        f"{ORDER}/new", {"title": "新订单", "amount": "1200.50", "urgent": "0"}
    )

    order = get_model("Test Order").objects.get(title="新订单")
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{ORDER}/{order.name}"
    assert float(order.amount) == 1200.50 and order.owner == "rep"


def test_child_rows_are_added_edited_and_removed_inline(desk):
    client = desk("rep")
    client.post(
        f"{ORDER}/new",
        {
            "title": "带明细",
            "items.__present": "1",
            "items.0.item_code": "A-1",
            "items.0.qty": "2",
            "items.1.item_code": "B-2",
            "items.1.qty": "5",
        },
    )
    order = get_model("Test Order").objects.get(title="带明细")
    rows = order.get_children("items")
    assert [(r.item_code, r.qty) for r in rows] == [("A-1", 2), ("B-2", 5)]

    page = client.get(f"{ORDER}/{order.name}").content.decode()
    modified = re.search(r'name="modified" value="([^"]+)"', page).group(1)
    client.post(
        f"{ORDER}/{order.name}",
        {
            "modified": modified,
            "title": "带明细",
            "items.__present": "1",
            "items.0.name": rows[1].name,
            "items.0.item_code": "B-2",
            "items.0.qty": "7",
        },
    )

    order = get_model("Test Order").objects.get(name=order.name)
    assert [(r.item_code, r.qty) for r in order.get_children("items")] == [("B-2", 7)]


def test_a_stale_save_is_explained_keeps_the_input_and_overwrites_nothing(desk):
    order = _order(notes="原始")
    client = desk("rep")
    page = client.get(f"{ORDER}/{order.name}").content.decode()
    seen_modified = re.search(r'name="modified" value="([^"]+)"', page).group(1)
    do_save_doc("rep", "Test Order", order.name, {"notes": "别人改的"})  # someone else saves first

    conflict = client.post(
        f"{ORDER}/{order.name}",
        {"modified": seen_modified, "title": "测试订单", "notes": "我的修改"},
    ).content.decode()

    assert "您编辑期间，其他人已保存了此单据" in conflict
    assert "我的修改" in conflict and "重新加载对方的版本" in conflict
    assert get_model("Test Order").objects.get(name=order.name).notes == "别人改的"

    current = re.search(r'name="__current_modified" value="([^"]+)"', conflict).group(1)
    client.post(
        f"{ORDER}/{order.name}",
        {
            "modified": seen_modified,
            "__overwrite": "1",
            "__current_modified": current,
            "title": "测试订单",
            "notes": "我的修改",
        },
    )
    assert get_model("Test Order").objects.get(name=order.name).notes == "我的修改"


@pytest.mark.usefixtures("workflows")
def test_workflow_buttons_show_only_the_users_transitions(desk):
    lead = do_insert_doc(
        "rep",
        "Lead",
        {
            "lead_name": "合格线索",
            "status": "Open",
            "company_size": "200-999",
            "budget_range": "500k-2M",
            "designation": "采购经理",
            "mobile_no": "13800138000",
        },
    )
    do_apply_workflow("rep", "Lead", lead.name, "Qualify")

    rep_page = desk("rep").get(f"/app/lead/{lead.name}").content.decode()
    manager_page = desk("manager").get(f"/app/lead/{lead.name}").content.decode()

    assert 'data-action="Assign"' not in rep_page
    assert 'data-action="Assign"' in manager_page


@pytest.mark.usefixtures("workflows")
def test_a_refused_workflow_action_names_the_missing_fields(desk):
    lead = do_insert_doc("rep", "Lead", {"lead_name": "信息不全", "status": "Open"})

    response = desk("rep").post(f"/app/lead/{lead.name}/action", {"action": "Qualify"})

    assert response["HX-Retarget"] == "#workflow-errors"
    assert "公司规模" in response.content.decode()
    assert get_model("Lead").objects.get(name=lead.name).get("workflow_state") in (None, "", "New")


def test_comments_and_changes_appear_on_the_timeline(desk):
    order = _order()
    do_save_doc("rep", "Test Order", order.name, {"notes": "第二版", "secret_margin": None})
    client = desk("rep")

    client.post(f"{ORDER}/{order.name}/comment", {"content": "请尽快发货"})
    page = client.get(f"{ORDER}/{order.name}").content.decode()

    assert "请尽快发货" in page
    assert "第二版" in page and "备注" in page


def test_timeline_hides_changes_to_fields_the_reader_may_not_see(desk):
    order = _order()
    do_save_doc("Administrator", "Test Order", order.name, {"secret_margin": 999})

    assert "999" not in desk("rep").get(f"{ORDER}/{order.name}").content.decode()
    assert "999" in desk("sysman").get(f"{ORDER}/{order.name}").content.decode()


def test_nobody_may_comment_on_a_document_they_cannot_read(desk):
    order = _order(owner="south")

    response = desk("rep").post(f"{ORDER}/{order.name}/comment", {"content": "偷看"})

    assert response.status_code == 404
    assert not get_model("Comment").objects.filter(content="偷看").exists()
    do_add_comment("south", "Test Order", order.name, "自己的评论")
    assert "自己的评论" not in desk("rep").get(f"{ORDER}/{order.name}").content.decode()


def test_link_search_as_you_type_lists_only_readable_matches(desk):
    do_insert_doc("rep", "Lead", {"lead_name": "联想甲", "status": "Open"})
    do_insert_doc("south", "Lead", {"lead_name": "联想乙", "status": "Open"})

    options = desk("rep").get("/app/_link", {"doctype": "Lead", "q": "联想"}).content.decode()

    assert "联想甲" in options and "联想乙" not in options


def test_an_attachment_uploads_then_saves_with_the_document(desk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = desk("rep")
    photo = SimpleUploadedFile(
        "现场.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png"
    )
    uploaded = client.post("/app/_upload", {"file": photo}).json()
    client.post(f"{ORDER}/new", {"title": "带附件", "attachment": uploaded["file_url"]})

    order = get_model("Test Order").objects.get(title="带附件")
    assert order.attachment == uploaded["file_url"]
    assert client.get(uploaded["file_url"]).status_code == 200
    assert desk("south").get(uploaded["file_url"]).status_code == 404  # private: not theirs


def test_a_missing_naming_field_is_reported_on_that_field(desk):
    # Number Card is named by its label (autoname field:label)
    page = (
        desk("Administrator")
        .post("/app/number-card/new", {"document_type": "Lead"})
        .content.decode()
    )

    assert "标签" in _field_error(page, "label")


def test_link_search_on_an_unknown_doctype_is_not_found(desk):
    assert desk("rep").get("/app/_link", {"doctype": "No Such Thing", "q": "x"}).status_code == 404


def test_a_hand_made_row_key_without_an_index_is_ignored(desk):
    response = desk("rep").post(
        f"{ORDER}/new",
        {"title": "奇怪的行", "items.__present": "1", "items.x": "1", "items.0": "y"},
    )

    assert response.status_code == 204
    assert get_model("Test Order").objects.get(title="奇怪的行").get_children("items") == []


def test_a_read_only_table_shows_its_rows_without_editing(desk):
    """An opportunity's stage history is kept by the server: rows shown, no add/remove, and a
    save does not post it back."""
    customer = do_insert_doc("rep", "Customer", {"customer_name": "常州恒力"}).name
    name = do_insert_doc(
        "rep",
        "Opportunity",
        {"opportunity_name": "恒力二期", "customer": customer, "amount": 1000,
         "expected_close_date": "2026-12-31"},
    ).name  # fmt: skip
    page = desk("rep").get(f"/app/opportunity/{name}").content.decode()
    history = page[page.index('id="field-stage_history"') :]
    history = history[: history.index("</fieldset>")]

    assert 'name="stage_history.0.to_stage"' in history and "readonly" in history
    assert "grid-add" not in history and "grid-remove" not in history
    assert "stage_history.__present" not in history
    # an editable table on the same form still is
    items = page[page.index('id="field-items"') :]
    assert "grid-add" in items[: items.index("</fieldset>")]


def test_the_desk_upload_refuses_a_page_disguised_as_an_image(desk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = SimpleUploadedFile(
        "现场.png",
        b"<html><script>alert(document.cookie)</script></html>",
        content_type="image/png",
    )

    response = desk("rep").post("/app/_upload", {"file": page})

    assert response.status_code == 417
    assert "HTML" in response.json()["error"]
    assert not get_model("File").objects.exists()
