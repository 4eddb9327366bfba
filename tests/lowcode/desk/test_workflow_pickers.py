"""The workflow editor picks instead of typing keys: the state field from the DocType's
fields (a new name still allowed, the engine adds it), and a state's update value from the
options of the Select field it updates, shown in Chinese while the key is stored."""

from __future__ import annotations

import re

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.i18n import pgettext
from lowcode.meta import registry
from lowcode.query.serialize import to_json
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db
EDITOR = "/app/workflow-editor"


def _lead_flow(state_field="workflow_state", update_value="Qualified"):
    return do_insert_doc(
        "Administrator",
        "Workflow",
        {
            "workflow_name": "Lead Check",
            "document_type": "Lead",
            "workflow_state_field": state_field,
            "is_active": 0,
            "states": [
                {"state": "Draft", "doc_status": "0"},
                {
                    "state": "Checked",
                    "doc_status": "0",
                    "is_final": 1,
                    "update_field": "status",
                    "update_value": update_value,
                },
            ],
            "transitions": [
                {
                    "state": "Draft",
                    "action": "Check",
                    "next_state": "Checked",
                    "allowed": "System Manager",
                }
            ],
        },
    )


def _picker(page: str, name: str) -> str:
    """The picker whose posted input is ``name``, from its <span> to its end."""
    found = re.search(
        rf'<span class="picker"[^>]*>\s*<input[^>]*name="{re.escape(name)}".*?</span>\s*</span>',
        page,
        re.S,
    )
    assert found, name
    return found.group(0)


def test_the_state_field_is_picked_from_the_doctypes_fields_and_shown_by_its_label(desk):
    _lead_flow(state_field="status")
    page = desk("sysman").get(f"{EDITOR}/Lead Check").content.decode()
    picker = _picker(page, "workflow_state_field")
    assert 'data-kind="field"' in picker and 'data-source="document_type"' in picker
    assert "data-free" in picker  # a new field name may be typed: the engine adds it
    assert "data-keep" in picker  # so another DocType does not clear it (it is required)
    assert 'value="status"' in picker
    assert '<span class="picker-text">状态</span>' in picker  # Lead's status, by its label


def test_an_update_value_offers_the_select_options_in_chinese_and_stores_the_key(api, desk):
    # given a state that sets the lead's status
    flow = _lead_flow()
    client = desk("sysman")
    page = client.get(f"{EDITOR}/Lead Check").content.decode()
    picker = _picker(page, "states.1.update_value")
    # then its value is an option picker over the update field, labelled for that field
    assert 'data-kind="option"' in picker and 'data-source="update_field"' in picker
    label = pgettext("status", "Qualified")
    assert label != "Qualified" and f'<span class="picker-text">{label}</span>' in picker
    assert '<code class="picker-key">Qualified</code>' in picker
    # and the pick endpoint offers every status, stored value and Chinese label
    offered = (
        api("sysman")
        .get(
            "/api/method/lowcode.desk.pick",
            {"kind": "option", "doctype": "Lead", "fieldname": "status"},
        )
        .json()["message"]
    )
    options = registry.get_meta("Lead").get_field("status").select_options
    assert [c["value"] for c in offered] == [o for o in options if o]
    assert {"value": "Qualified", "label": label} in offered
    # when another option is chosen and the editor saved, the key is stored
    stored = get_model("Workflow").objects.get(name=flow.name)
    states = stored.get_children("states")
    data = {
        "__name": flow.name,
        "document_type": "Lead",
        "workflow_state_field": "workflow_state",
        "is_active": "0",
        "modified": to_json(stored.modified),
        "states.__present": "1",
        "transitions.__present": "1",
    }
    for i, row in enumerate(states):
        data.update(
            {
                f"states.{i}.name": row.name,
                f"states.{i}.state": row.state,
                f"states.{i}.doc_status": row.doc_status,
                f"states.{i}.is_final": "1" if row.is_final else "0",
                f"states.{i}.update_field": row.update_field or "",
                f"states.{i}.update_value": "Contacted" if row.update_field else "",
            }
        )
    transition = stored.get_children("transitions")[0]
    for key in ("name", "state", "action", "next_state", "allowed"):
        data[f"transitions.0.{key}"] = getattr(transition, key)
    response = client.post(f"{EDITOR}/Lead Check", data)
    assert response.status_code == 204, response.content.decode()[:3000]
    saved = get_model("Workflow").objects.get(name=flow.name).get_children("states")
    assert [(s.update_field or "", s.update_value or "") for s in saved] == [
        ("", ""),
        ("status", "Contacted"),
    ]
