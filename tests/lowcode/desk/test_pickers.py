"""Pickers: one endpoint serving [{value, label}] in Chinese, permission-checked; the save path
refusing a key that is not one of its field's choices; picker.E001–E002 at start-up."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.exceptions import ValidationError
from lowcode.meta import pickers
from lowcode.meta.doctype import doctype_from_dict

pytestmark = pytest.mark.django_db
PICK = "/api/method/lowcode.desk.pick"


def _pick(client, **params):
    response = client.get(PICK, params)
    assert response.status_code == 200, response.content.decode()[:300]
    return response.json()["message"]


def test_doctypes_are_offered_with_chinese_labels_child_tables_left_out(api):
    found = {c["value"]: c["label"] for c in _pick(api("sysman"), kind="doctype")}
    assert found["Lead"] == "线索"
    assert found["Scoring Rule"] == "评分规则"
    assert "Scoring Criterion" not in found  # a child table is never a rule's target


def test_fields_of_a_doctype_are_offered_and_searched(api):
    fields = {c["value"]: c for c in _pick(api("sysman"), kind="field", doctype="Lead")}
    assert fields["status"]["label"] == "状态"
    assert fields["status"]["fieldtype"] == "Select"
    assert fields["owner"]["label"] == "创建人"  # the engine's own columns, named
    searched = _pick(api("sysman"), kind="field", doctype="Lead", q="状态")
    assert "status" in {c["value"] for c in searched}
    assert "owner" not in {c["value"] for c in searched}


def test_roles_users_and_options(api):
    roles = {c["value"]: c["label"] for c in _pick(api("sysman"), kind="role")}
    assert roles["Sales Manager"] == "销售经理"
    users = {c["value"]: c["label"] for c in _pick(api("sysman"), kind="user", q="rep")}
    assert set(users) == {"rep", "rep2"}
    options = _pick(api("sysman"), kind="option", doctype="Lead", fieldname="status")
    assert {"value": "Open", "label": "待跟进"} in options or options[0]["value"] == "Open"


def test_picks_are_permission_checked(api, client):
    # given a sales user, who may read leads but not scoring rules
    doctypes = {c["value"] for c in _pick(api("rep"), kind="doctype")}
    assert "Lead" in doctypes
    assert "Scoring Rule" not in doctypes
    # when asking for the fields of a DocType they may not read
    response = api("rep").get(PICK, {"kind": "field", "doctype": "Scoring Rule"})
    # then it is refused, and a guest gets nothing at all
    assert response.status_code == 403
    assert client.get(PICK, {"kind": "role"}).status_code in (401, 403)


def test_an_unknown_kind_is_refused_naming_the_kinds(api):
    response = api("sysman").get(PICK, {"kind": "table"})
    assert response.status_code == 400
    assert "doctype" in response.content.decode()


def _workflow(document_type="Lead", **state):
    return {
        "workflow_name": "线索审批",
        "document_type": document_type,
        "workflow_state_field": "workflow_state",
        "states": [{"state": "Draft", "doc_status": "0", **state}, {"state": "Done"}],
        "transitions": [
            {"state": "Draft", "action": "Approve", "next_state": "Done", "allowed": "Sales User"}
        ],
    }


def test_a_saved_field_must_be_a_field_of_the_picked_doctype(users):
    with pytest.raises(ValidationError) as caught:
        do_insert_doc("Administrator", "Workflow", _workflow(update_field="no_such_field"))
    [error] = [e for e in caught.value.errors if e.rule == "choice"]
    assert (error.table, error.row, error.fieldname) == ("states", 1, "update_field")
    assert "no_such_field" in error.message and "线索" in error.message
    assert do_insert_doc("Administrator", "Workflow", _workflow(update_field="status")).name


def test_a_saved_doctype_and_role_must_exist_and_the_api_names_the_field(api):
    response = api("sysman").post(
        "/api/resource/Workflow", _workflow("No Such Type", responsible_role="Nobody Role")
    )
    assert response.status_code == 417
    errors = {(e.get("table"), e["field"]): e["message"] for e in response.json()["errors"]}
    assert "No Such Type" in errors[(None, "document_type")]
    assert "不在可选项中" in errors[(None, "document_type")]
    assert "Nobody Role" in errors[("states", "responsible_role")]


def test_a_multiple_picker_names_each_unknown_key(users):
    with pytest.raises(ValidationError) as caught:
        do_insert_doc(
            "Administrator",
            "Robot Channel",
            {
                "channel_name": "销售群",
                "platform": "wecom",
                "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x",
                "document_types": "Lead, Nonsense Type",
            },
        )
    [error] = [e for e in caught.value.errors if e.rule == "choice"]
    assert error.fieldname == "document_types"
    assert "Nonsense Type" in error.message and "Lead" not in error.message


# ---------------------------------------------------------------- checks


def _meta(name, fields, istable=0):
    return doctype_from_dict(
        {"name": name, "module": "Test", "istable": istable, "fields": fields}, "tests"
    )


def _ids(*metas):
    return [(cid, obj) for cid, _msg, _hint, obj in pickers.check_metas({m.name: m for m in metas})]


def test_the_shipped_pickers_pass_their_checks(users):
    assert pickers.run_checks(databases=["default"]) == []


def test_picker_e001_unknown_kind_or_a_field_that_cannot_hold_a_key():
    meta = _meta(
        "Rule",
        [
            {"fieldname": "target", "fieldtype": "Data", "picker": "doctypes"},
            {"fieldname": "flag", "fieldtype": "Check", "picker": "role"},
            {"fieldname": "column", "fieldtype": "Data", "picker": "field"},
            {"fieldname": "who", "fieldtype": "Data", "picker": "role:target"},
        ],
    )
    assert _ids(meta) == [
        ("picker.E001", "Rule.target"),
        ("picker.E001", "Rule.flag"),
        ("picker.E001", "Rule.column"),
        ("picker.E001", "Rule.who"),
    ]


def test_picker_e002_source_field_missing_here_and_in_a_parent():
    child = _meta(
        "Rule Row",
        [{"fieldname": "column", "fieldtype": "Data", "picker": "field:target"}],
        istable=1,
    )
    good = _meta(
        "Rule",
        [
            {"fieldname": "target", "fieldtype": "Data", "picker": "doctype"},
            {"fieldname": "rows", "fieldtype": "Table", "options": "Rule Row"},
        ],
    )
    bad = _meta(
        "Other Rule",
        [
            {"fieldname": "rows", "fieldtype": "Table", "options": "Rule Row"},
            {"fieldname": "when", "fieldtype": "Small Text", "picker": "condition:nothing"},
        ],
    )
    assert _ids(child, good) == []
    assert _ids(child, good, bad) == [
        ("picker.E002", "Rule Row.column"),
        ("picker.E002", "Other Rule.when"),
    ]
