"""Customize Form: custom fields, Property Setters and field order, live for every user."""

from __future__ import annotations

import json
import re

import pytest

from lowcode.admin import customize as customize_actions
from lowcode.documents.actions import do_insert_doc
from lowcode.exceptions import PermissionError, ValidationError
from lowcode.meta import registry
from lowcode.meta.doctype import docfield_from_dict
from lowcode.meta.registry import _sort_fields
from lowcode.storage.factory import get_model

BASE = "/app/customize-form/lead"
ADMIN_URLS = [
    ("get", "/app/customize-form"),
    ("get", BASE),
    ("get", f"{BASE}/preview"),
    ("get", f"{BASE}/field/lead_name"),
    ("post", f"{BASE}/add"),
    ("post", f"{BASE}/move"),
    ("post", f"{BASE}/order"),
    ("post", f"{BASE}/field/lead_name"),
    ("post", f"{BASE}/field/lead_name/reset"),
]


def _rows(page: str) -> list[str]:
    return re.findall(r'class="cf-row[^"]*" data-field="([^"]+)"', page)


def _add(client, **values):
    return client.post(f"{BASE}/add", {"fieldtype": "Data", **values})


def _meta_order() -> list[str]:
    registry.clear_local_cache()
    return [f.fieldname for f in registry.get_meta("Lead").fields]


@pytest.mark.parametrize("username", ["rep", "manager", "nobody"])
def test_non_admins_get_not_found_on_every_customize_url(desk, username):
    client = desk(username)

    for method, url in ADMIN_URLS:
        response = getattr(client, method)(url)
        assert response.status_code == 404, (method, url)

    assert not get_model("Custom Field").objects.exists()


def test_the_picker_lists_only_customisable_doctypes(desk):
    page = desk("sysman").get("/app/customize-form").content.decode()

    assert 'href="/app/customize-form/lead"' in page
    assert 'href="/app/customize-form/custom-field"' not in page  # allow_customize: 0
    assert desk("sysman").get("/app/customize-form/custom-field").status_code == 404


def test_the_page_lists_every_field_in_order_with_its_properties(desk):
    page = desk("sysman").get(BASE).content.decode()

    assert _rows(page) == [f.fieldname for f in registry.get_meta("Lead").fields]
    assert 'id="cf-add-form"' in page and 'id="cf-preview"' in page
    assert "自定义表单" in page  # Chinese by default
    row = page.split('data-field="lead_name"')[1].split("</tr>")[0]
    assert "必填" in row and "列表" in row


def test_the_customize_page_reads_a_bounded_number_of_queries(desk, django_assert_max_num_queries):
    client = desk("sysman")
    _add(client, label="WeChat", fieldname="custom_wechat")
    client.get(BASE)  # warm the per-process metadata cache

    with django_assert_max_num_queries(12):
        response = client.get(BASE)

    assert response.status_code == 200


def test_a_custom_field_is_visible_at_once_to_a_sales_user_in_form_list_and_filter(desk):
    admin = desk("sysman")
    rep = desk("rep")
    rep.get("/app/lead/new")  # the rep's process has read (and cached) the metadata

    response = _add(
        admin,
        label="Wechat ID",
        insert_after="mobile_no",
        in_list_view="1",
        in_standard_filter="1",
    )

    assert response.status_code == 200
    assert "custom_wechat_id" in _rows(response.content.decode())
    assert 'id="field-custom_wechat_id"' in response.content.decode()  # preview refreshed
    form = rep.get("/app/lead/new").content.decode()
    assert 'name="custom_wechat_id"' in form
    saved = rep.post(
        "/app/lead/new", {"lead_name": "王伟", "status": "Open", "custom_wechat_id": "ww88"}
    )
    assert saved.status_code == 204, saved.content.decode()[:800]
    do_insert_doc(
        "rep", "Lead", {"lead_name": "李娜", "status": "Open", "custom_wechat_id": "ln66"}
    )
    listing = rep.get(
        "/app/lead",
        {"columns": "custom_wechat_id", "filters": json.dumps([["custom_wechat_id", "=", "ww88"]])},
    ).content.decode()
    assert "ww88" in listing and "王伟" in listing
    assert "李娜" not in listing


def test_a_chinese_label_gets_a_pinyin_custom_fieldname(desk):
    admin = desk("sysman")

    page = _add(admin, label="行业细分").content.decode()
    again = _add(admin, label="行业 细分").content.decode()

    assert "custom_hangye_xifen" in _rows(page)
    assert "custom_hangye_xifen_2" in _rows(again)
    registry.clear_local_cache()
    field = registry.get_meta("Lead").get_field("custom_hangye_xifen")
    assert field is not None and field.label == "行业细分"


def test_add_section_and_column_breaks(desk):
    admin = desk("sysman")

    _add(admin, fieldtype="Section Break", label="Extra", insert_after="notes")
    page = _add(admin, fieldtype="Column Break", insert_after="custom_section_1").content.decode()

    order = _rows(page)
    assert order[order.index("notes") + 1 : order.index("notes") + 3] == [
        "custom_section_1",
        "custom_column_1",
    ]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"label": "X", "fieldname": "Bad Name"}, "fieldname", "字段名 Bad Name 无效"),
        ({"label": "X", "fieldname": "lead_name"}, "fieldname", "已有名为 lead_name 的字段"),
        (
            {"label": "X", "fieldname": "custom_x", "fieldtype": "Rocket"},
            "fieldtype",
            "未知的字段类型 Rocket",
        ),
        (
            {"label": "X", "fieldname": "custom_x", "fieldtype": "Select"},
            "options",
            "下拉选择字段需要选项",
        ),
        (
            {"label": "X", "fieldname": "custom_x", "fieldtype": "Link", "options": "Nope"},
            "options",
            "链接字段的选项必须",
        ),
        ({"label": "", "fieldname": "custom_x"}, "label", "为必填项"),
        (
            {"label": "X", "fieldname": "custom_x", "depends_on": "eval:doc.(("},
            "depends_on",
            "条件",
        ),
    ],
)
def test_bad_input_is_named_next_to_the_field_in_chinese_and_nothing_is_written(
    desk, values, field, message
):
    response = _add(desk("sysman"), **values)

    assert response.status_code == 200
    page = response.content.decode()
    error = re.search(rf'id="cf-add-{field}-err"[^>]*>([^<]+)<', page)
    assert error is not None, page[:2000]
    assert message in error.group(1)
    assert not get_model("Custom Field").objects.exists()


def test_a_property_setter_makes_a_field_required_and_a_save_without_it_fails_naming_it(desk):
    admin = desk("sysman")

    response = admin.post(f"{BASE}/field/city", {"label": "City", "reqd": "1", "in_list_view": "0"})

    assert response.status_code == 200
    setter = get_model("Property Setter").objects.get(doc_type="Lead", field_name="city")
    assert (setter.property, setter.value, setter.property_type) == ("reqd", "1", "Check")
    saved = desk("rep").post("/app/lead/new", {"lead_name": "王伟", "status": "Open"})
    assert saved.status_code == 200
    assert "城市为必填项" in saved.content.decode()


def test_setting_a_property_back_to_standard_removes_its_setter_and_restore_removes_all(desk):
    admin = desk("sysman")
    admin.post(f"{BASE}/field/city", {"label": "Town", "reqd": "1"})
    assert get_model("Property Setter").objects.filter(field_name="city").count() == 2

    admin.post(f"{BASE}/field/city", {"label": "Town", "reqd": "0"})
    assert list(
        get_model("Property Setter")
        .objects.filter(field_name="city")
        .values_list("property", flat=True)
    ) == ["label"]

    admin.post(f"{BASE}/field/city/reset")
    assert not get_model("Property Setter").objects.filter(field_name="city").exists()
    assert registry.get_meta("Lead").get_field("city").label == "City"


def test_a_select_option_change_keeps_the_default_among_the_options(desk):
    response = desk("sysman").post(
        f"{BASE}/field/status", {"label": "Status", "options": "A\nB", "reqd": "1"}
    )

    page = response.content.decode()
    assert re.search(r'id="cf-edit-default-err"[^>]*>[^<]*不是选项之一', page)
    assert not get_model("Property Setter").objects.exists()


def test_edit_a_custom_field_and_delete_it(desk):
    admin = desk("sysman")
    _add(admin, label="Wechat", fieldname="custom_wechat")

    admin.post(
        f"{BASE}/field/custom_wechat",
        {"label": "WeChat account", "fieldtype": "Data", "reqd": "1", "insert_after": "lead_name"},
    )
    field = registry.get_meta("Lead").get_field("custom_wechat")
    assert (field.label, field.reqd) == ("WeChat account", True)
    assert _meta_order()[_meta_order().index("lead_name") + 1] == "custom_wechat"

    page = admin.post(f"{BASE}/field/custom_wechat/delete").content.decode()

    assert "custom_wechat" not in _rows(page)
    assert registry.get_meta("Lead").get_field("custom_wechat") is None
    assert 'name="custom_wechat"' not in desk("rep").get("/app/lead/new").content.decode()


def test_move_up_and_down_saves_a_field_order_for_standard_fields(desk):
    admin = desk("sysman")
    before = _meta_order()
    i = before.index("company_name")

    page = admin.post(
        f"{BASE}/move", {"fieldname": "company_name", "direction": "up"}
    ).content.decode()

    after = _meta_order()
    assert after[i - 1] == "company_name" and after[i] == before[i - 1]
    assert _rows(page) == after
    setter = get_model("Property Setter").objects.get(doc_type="Lead", property="field_order")
    assert json.loads(setter.value) == after
    admin.post(f"{BASE}/move", {"fieldname": "company_name", "direction": "down"})
    assert _meta_order() == before


def test_drag_order_applies_to_the_form_and_new_custom_fields_follow_their_anchor(desk):
    admin = desk("sysman")
    order = _meta_order()
    order.remove("notes")
    order.insert(0, "notes")

    admin.post(f"{BASE}/order", {"order_json": json.dumps(order)})
    _add(admin, label="Tag", fieldname="custom_tag", insert_after="notes")

    assert _meta_order()[:2] == ["notes", "custom_tag"]
    form = desk("rep").get("/app/lead/new").content.decode()
    assert form.index('id="field-notes"') < form.index('id="field-lead_name"')

    admin.post(f"{BASE}/order/reset")
    assert _meta_order()[0] != "notes"


def test_sort_fields_keeps_unlisted_fields_after_their_predecessor():
    fields = [docfield_from_dict({"fieldname": n}) for n in ("a", "b", "new", "c")]

    result = _sort_fields(fields, ["c", "b", "a"])

    assert [f.fieldname for f in result] == ["c", "b", "new", "a"]


def test_a_malformed_field_order_is_refused(site):
    with pytest.raises(ValidationError):
        do_insert_doc(
            "Administrator",
            "Property Setter",
            {"doc_type": "Lead", "property": "field_order", "value": "not json"},
        )


def test_actions_refuse_non_admins(users):
    with pytest.raises(PermissionError):
        customize_actions.do_add_custom_field("rep", "Lead", {"label": "X", "fieldtype": "Data"})
