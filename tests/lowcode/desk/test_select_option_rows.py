"""Select options as rows in Customize Form: a stable value and a Chinese label. The options
keep the values (the API and the database), the labels become Translation records in the
field's context, and the editor shows each option's current label, from the csv or a record."""

from __future__ import annotations

import re

import pytest

from lowcode.admin import options as option_actions
from lowcode.exceptions import PermissionError, ValidationError
from lowcode.i18n import option_label
from lowcode.meta import registry
from lowcode.meta.options import option_rows, options_from_rows
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db
BASE = "/app/customize-form/lead"


def rows_post(*rows: tuple[str, str]) -> dict:
    data = {}
    for index, (value, label) in enumerate(rows):
        data[f"opt.{index}.value"], data[f"opt.{index}.label"] = value, label
    return data


def editor_rows(page: str) -> list[tuple[str, str]]:
    values = re.findall(r'name="opt\.\d+\.value" value="([^"]*)"', page)
    labels = re.findall(r'name="opt\.\d+\.label" value="([^"]*)"', page)
    return [(v, lab) for v, lab in zip(values, labels, strict=True) if v or lab]


def labels_of(doctype: str, fieldname: str) -> dict[str, str]:
    rows = get_model("Translation").objects.filter(context=f"{doctype}:{fieldname}")
    return dict(rows.values_list("source_text", "translated_text"))


def test_a_new_select_field_stores_values_and_shows_labels_everywhere(desk, api):
    admin = desk("sysman")

    page = admin.post(
        f"{BASE}/add",
        {"label": "采购渠道", "fieldtype": "Select",
         **rows_post(("direct", "直销"), ("", "代理商"), ("", ""))},
    ).content.decode()  # fmt: skip

    assert 'data-field="custom_caigou_qudao"' in page, page[:3000]
    registry.clear_local_cache()
    field = registry.get_meta("Lead").get_field("custom_caigou_qudao")
    # the value of a row with only a label is made from it in pinyin, as field names are
    assert field.options == "direct\ndaili_shang"
    assert labels_of("Lead", "custom_caigou_qudao") == {"direct": "直销", "daili_shang": "代理商"}
    form = desk("rep").get("/app/lead/new").content.decode()
    assert re.search(r'<option value="daili_shang"[^>]*>代理商</option>', form)
    client = api("rep")
    made = client.post(
        "/api/resource/Lead",
        {"lead_name": "孙丽", "custom_caigou_qudao": "daili_shang"},
        content_type="application/json",
    )
    assert made.json()["data"]["custom_caigou_qudao"] == "daili_shang"
    listed = desk("rep").get("/app/lead", {"columns": "custom_caigou_qudao"}).content.decode()
    assert "代理商" in listed


def test_the_editor_shows_current_labels_and_round_trips_them(desk):
    admin = desk("sysman")
    admin.post(
        f"{BASE}/add",
        {"label": "渠道", "fieldname": "custom_channel", "fieldtype": "Select",
         **rows_post(("Direct", "直销"), ("Agent", "代理商"))},
    )  # fmt: skip
    status = editor_rows(admin.get(f"{BASE}/field/status").content.decode())
    assert ("Open", "待跟进") in status  # a standard field's labels come from the csv rows

    page = admin.get(f"{BASE}/field/custom_channel").content.decode()
    assert editor_rows(page) == [("Direct", "直销"), ("Agent", "代理商")]

    # reordered, one label changed, one cleared, one added: options and records follow
    admin.post(
        f"{BASE}/field/custom_channel",
        {"label": "渠道", "fieldtype": "Select", "insert_after": "",
         **rows_post(("Agent", "代理"), ("Direct", ""), ("Online", "电商"))},
    )  # fmt: skip
    registry.clear_local_cache()
    field = registry.get_meta("Lead").get_field("custom_channel")
    assert field.options == "Agent\nDirect\nOnline"
    assert labels_of("Lead", "custom_channel") == {"Agent": "代理", "Online": "电商"}
    assert option_label(field, "Direct") == "Direct"
    page = admin.get(f"{BASE}/field/custom_channel").content.decode()
    assert editor_rows(page) == [("Agent", "代理"), ("Direct", ""), ("Online", "电商")]


def test_a_standard_selects_label_is_reworded_without_touching_its_values(desk):
    admin = desk("sysman")
    page = admin.get(f"{BASE}/field/status").content.decode()
    rows = editor_rows(page)
    changed = [(v, "新线索" if v == "Open" else lab) for v, lab in rows]

    admin.post(f"{BASE}/field/status", {"label": "Status", "reqd": "1", **rows_post(*changed)})

    assert not get_model("Property Setter").objects.filter(property="options").exists()
    # only the changed label is a record; the others still come from the csv rows
    assert labels_of("Lead", "status") == {"Open": "新线索"}
    field = registry.get_meta("Lead").get_field("status")
    assert option_label(field, "Open") == "新线索"
    form = desk("rep").get("/app/lead/new").content.decode()
    assert re.search(r'<option value="Open"[^>]*>新线索</option>', form)


def test_a_value_twice_is_refused_naming_the_row_and_nothing_is_written(desk):
    page = (
        desk("sysman")
        .post(
            f"{BASE}/add",
            {"label": "渠道", "fieldtype": "Select", **rows_post(("A", "甲"), ("A", "乙"))},
        )
        .content.decode()
    )

    assert "选项 2" in page
    assert not get_model("Custom Field").objects.exists()
    assert not get_model("Translation").objects.exists()


def test_a_failing_field_save_writes_no_label(desk):
    desk("sysman").post(
        f"{BASE}/add",
        {"label": "渠道", "fieldtype": "Select", "default": "Nope",
         **rows_post(("A", "甲"), ("B", "乙"))},
    )  # fmt: skip

    assert not get_model("Custom Field").objects.exists()
    assert not get_model("Translation").objects.exists()


def test_only_a_system_manager_sets_labels(users):
    with pytest.raises(PermissionError):
        option_actions.do_set_option_labels("manager", "Lead", "status", {"Open": "新"})


def test_rows_compose_options_and_labels():
    text, labels, errors = options_from_rows(
        [
            {"value": "", "label": "高意向"},
            {"value": "", "label": ""},
            {"value": "Low", "label": "低"},
        ]
    )
    assert (text, errors) == ("gaoyi_xiang\nLow", [])
    assert labels == {"gaoyi_xiang": "高意向", "Low": "低"}
    with pytest.raises(ValidationError):
        option_actions.do_add_field_with_options(
            "Administrator", "Lead", {"label": "x"}, [{"value": "A", "label": ""}] * 2
        )


@pytest.mark.usefixtures("site")
def test_option_rows_read_the_current_labels():
    assert option_rows("Lead", "status", "Open\nNope") == [
        {"value": "Open", "label": "待跟进"},
        {"value": "Nope", "label": ""},
    ]
