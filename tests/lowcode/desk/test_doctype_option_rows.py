"""The DocType form's Select options as rows (value + 中文标签): the engine stores the values as
options and the labels as Translation records, in the save's transaction; the API takes the
same ``option_rows``; the form shows the labels back."""

from __future__ import annotations

import json
import re

import pytest

from lowcode import context
from lowcode.i18n import option_label
from lowcode.meta import registry
from lowcode.storage.factory import get_model
from tests.lowcode.desk.test_doctype_editor import _created, _rows, new_doctype_post
from tests.lowcode.runtime.conftest import drop_runtime_tables  # noqa: F401 - autouse fixture

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = [{"value": "Planned", "label": "计划中"}, {"value": "", "label": "进行中"},
        {"value": "Done", "label": ""}]  # fmt: skip


def labels() -> dict[str, str]:
    rows = get_model("Translation").objects.filter(context="Project:stage")
    return dict(rows.values_list("source_text", "translated_text"))


def test_the_desk_form_saves_option_rows_as_values_and_labels(desk):
    admin = desk("sysman")
    post = new_doctype_post()
    post["fields.2.option_rows"] = json.dumps(ROWS)

    _created(admin.post("/app/doctype/new", post))

    context.reset()
    stage = registry.get_meta("Project").get_field("stage")
    assert stage.options == "Planned\njinxing_zhong\nDone"
    assert labels() == {"Planned": "计划中", "jinxing_zhong": "进行中"}
    assert option_label(stage, "jinxing_zhong") == "进行中"
    new_form = desk("rep").get("/app/project/new").content.decode()
    assert re.search(r'<option value="jinxing_zhong"[^>]*>进行中</option>', new_form)
    # the DocType form gives the rows their labels back, for the option rows it draws
    page = admin.get("/app/doctype/Project").content.decode()
    shown = re.search(r'id="dt-option-labels"[^>]*>(.*?)</script>', page, re.S)
    assert json.loads(shown.group(1))["stage"] == {
        "Planned": "计划中", "jinxing_zhong": "进行中", "Done": "已完成"  # the csv
    }  # fmt: skip


def test_a_later_save_rewords_and_drops_labels_with_the_options(desk, api):
    admin = desk("sysman")
    post = new_doctype_post()
    post["fields.2.option_rows"] = json.dumps(ROWS)
    _created(admin.post("/app/doctype/new", post))

    client = api("Administrator")
    doc = client.get("/api/resource/DocType/Project").json()["data"]
    for row in doc["fields"]:
        if row["fieldname"] == "stage":
            row["option_rows"] = [{"value": "Done", "label": "完成"},
                                  {"value": "Planned", "label": "计划"}]  # fmt: skip
    saved = client.put(
        "/api/resource/DocType/Project", {"fields": doc["fields"]}, content_type="application/json"
    )

    assert saved.status_code == 200, saved.content.decode()[:1500]
    context.reset()
    assert registry.get_meta("Project").get_field("stage").options == "Done\nPlanned"
    assert labels() == {"Done": "完成", "Planned": "计划"}


def test_a_value_twice_is_refused_on_its_row_and_nothing_is_made(desk):
    post = new_doctype_post()
    post["fields.2.option_rows"] = json.dumps([{"value": "A"}, {"value": "A", "label": "乙"}])

    response = desk("sysman").post("/app/doctype/new", post)

    assert response.status_code == 200
    assert "选项 2" in response.content.decode()
    assert not registry.exists("Project")
    assert not get_model("Translation").objects.exists()


def test_a_row_without_option_rows_keeps_its_lines(desk):
    post = new_doctype_post(**_rows("unused", []))

    _created(desk("sysman").post("/app/doctype/new", post))

    context.reset()
    assert registry.get_meta("Project").get_field("stage").options == "Planned\nRunning\nDone"


def test_a_renamed_select_keeps_its_labels(desk, api):
    post = new_doctype_post()
    post["fields.2.option_rows"] = json.dumps(ROWS)
    _created(desk("sysman").post("/app/doctype/new", post))

    client = api("Administrator")
    doc = client.get("/api/resource/DocType/Project").json()["data"]
    for row in doc["fields"]:
        if row["fieldname"] == "stage":
            row["fieldname"] = "phase"
    saved = client.put(
        "/api/resource/DocType/Project", {"fields": doc["fields"]}, content_type="application/json"
    )

    assert saved.status_code == 200, saved.content.decode()[:1500]
    context.reset()
    phase = registry.get_meta("Project").get_field("phase")
    assert option_label(phase, "Planned") == "计划中"
    assert not labels()  # nothing left under the old name
