"""DocType Event scripts: change the document, throw to roll back, never loop endlessly."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db

ORDERS = "/api/resource/Test Order"


def _event(make_script, name: str, event: str, script: str, doctype: str = "Test Order"):
    return make_script(
        name,
        script_type="DocType Event",
        reference_doctype=doctype,
        doctype_event=event,
        script=script,
    )


def test_before_save_changes_are_written(scripts_on, make_script, api):
    # given
    _event(
        make_script,
        "shout",
        "Before Save",
        "doc.notes = doc.title.upper() + ' by ' + frappe.session.user\n"
        "doc.priority = (doc.priority or 0) + 10",
    )
    # when
    response = api("rep").post(ORDERS, {"title": "hello", "priority": 2})
    # then
    assert response.status_code == 200, response.content
    name = response.json()["data"]["name"]
    stored = get_model("Test Order").objects.get(name=name)
    assert (stored.notes, stored.priority) == ("HELLO by rep", 12)
    assert response.json()["data"]["notes"] == "HELLO by rep"


def test_throw_rolls_back_and_answers_417(scripts_on, make_script, api):
    _event(
        make_script,
        "guard",
        "Before Validate",
        "if (doc.amount or 0) > 1000:\n    frappe.throw('金额 ' + str(doc.amount) + ' 超过上限')",
    )
    response = api("rep").post(ORDERS, {"title": "big", "amount": 5000})
    assert response.status_code == 417, response.content
    assert response.json()["message"] == "金额 5000.0 超过上限"
    assert not get_model("Test Order").objects.filter(title="big").exists()
    assert api("rep").post(ORDERS, {"title": "small", "amount": 10}).status_code == 200


def test_throw_after_save_rolls_back_the_write_and_its_side_effects(scripts_on, make_script, api):
    _event(
        make_script,
        "audit",
        "After Insert",
        "if not doc.title.startswith('side'):\n"
        "    frappe.get_doc({'doctype': 'Test Order', 'title': 'side ' + doc.name}).insert()",
    )
    _event(
        make_script,
        "late",
        "After Save",
        "if doc.title == 'doomed':\n    frappe.throw('no doomed orders')",
    )
    response = api("manager").post(ORDERS, {"title": "doomed"})
    assert response.status_code == 417, response.content
    assert response.json()["message"] == "no doomed orders"
    assert get_model("Test Order").objects.count() == 0


def test_one_script_triggering_another_is_capped(scripts_on, make_script, api):
    _event(
        make_script,
        "echo",
        "After Insert",
        "frappe.get_doc({'doctype': 'Test Order', 'title': 'echo of ' + doc.title}).insert()",
    )
    response = api("manager").post(ORDERS, {"title": "first"})
    assert response.status_code == 417, response.content
    assert "at most 3 levels deep" in response.json()["message"]
    assert get_model("Test Order").objects.count() == 0
    # the worker is fine afterwards
    from lowcode.documents.actions import do_delete_doc

    do_delete_doc("Administrator", "Server Script", "echo")
    assert api("manager").post(ORDERS, {"title": "second"}).status_code == 200


def test_submit_and_cancel_events_run(scripts_on, make_script, users):
    _event(make_script, "on-submit", "Before Submit", "doc.notes = 'submitted'")
    _event(
        make_script,
        "no-cancel",
        "Before Cancel",
        "frappe.throw('orders of ' + doc.owner + ' cannot be cancelled')",
    )
    from lowcode.documents.actions import do_cancel_doc, do_submit_doc
    from lowcode.exceptions import ValidationError

    doc = do_insert_doc("manager", "Test Order", {"title": "t"})
    do_submit_doc("manager", "Test Order", doc.name)
    assert get_model("Test Order").objects.get(name=doc.name).notes == "submitted"
    with pytest.raises(ValidationError, match="orders of manager cannot be cancelled"):
        do_cancel_doc("manager", "Test Order", doc.name)
    assert get_model("Test Order").objects.get(name=doc.name).docstatus == 1


def test_delete_event_can_refuse(scripts_on, make_script, api):
    _event(make_script, "keep", "Before Delete", "frappe.throw('keep ' + doc.name)")
    name = api("manager").post(ORDERS, {"title": "x"}).json()["data"]["name"]
    response = api("manager").delete(f"{ORDERS}/{name}")
    assert response.status_code == 417
    assert response.json()["message"] == f"keep {name}"
    assert get_model("Test Order").objects.filter(name=name).exists()


def test_a_changed_script_is_seen_at_once(scripts_on, make_script, users):
    _event(make_script, "stamp", "Before Insert", "doc.code = 'v1'")
    assert do_insert_doc("manager", "Test Order", {"title": "a"}).code == "v1"
    do_save_doc("Administrator", "Server Script", "stamp", {"script": "doc.code = 'v2'"})
    assert do_insert_doc("manager", "Test Order", {"title": "b"}).code == "v2"
    do_save_doc("Administrator", "Server Script", "stamp", {"disabled": 1})
    assert do_insert_doc("manager", "Test Order", {"title": "c"}).code in (None, "")


def test_script_changes_are_validated_like_input(scripts_on, make_script, api):
    # Before Validate runs ahead of the standard checks, so its changes are checked too.
    _event(make_script, "bad-status", "Before Validate", "doc.status = 'Nonsense'")
    response = api("manager").post(ORDERS, {"title": "x"})
    assert response.status_code == 417, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["status"]
    assert get_model("Test Order").objects.count() == 0


def test_disabled_site_runs_no_event_scripts(make_script, users, settings):
    settings.SITE_CONFIG = {**settings.SITE_CONFIG, "server_script_enabled": False}
    _event(make_script, "stop", "Before Insert", "frappe.throw('should not run')")
    doc = do_insert_doc("manager", "Test Order", {"title": "fine"})
    assert get_model("Test Order").objects.filter(name=doc.name).exists()


def test_sendmail_goes_through_the_notification_layer(scripts_on, make_script, users):
    _event(
        make_script,
        "tell-manager",
        "After Insert",
        "frappe.sendmail(recipients=['manager'], subject='New order ' + doc.title, "
        "message='see it', reference_doctype='Test Order', reference_name=doc.name)",
    )
    doc = do_insert_doc("rep", "Test Order", {"title": "t1"})
    logs = get_model("Notification Log").objects.filter(for_user="manager")
    assert [(n.subject, n.document_name) for n in logs] == [("New order t1", doc.name)]


def test_msgprint_is_shown_with_the_saved_document(scripts_on, make_script, api):
    import json

    _event(make_script, "note", "Before Save", "frappe.msgprint('checked ' + doc.title)")
    response = api("rep").post(ORDERS, {"title": "abc"})
    assert response.status_code == 200, response.content
    messages = [json.loads(m)["message"] for m in json.loads(response.json()["_server_messages"])]
    assert messages == ["checked abc"]


def test_a_nested_script_hitting_a_limit_fails_the_whole_save(scripts_on, make_script, api):
    _event(
        make_script,
        "spawn",
        "After Insert",
        "if doc.title == 'parent':\n"
        "    frappe.get_doc({'doctype': 'Test Order', 'title': 'child'}).insert()",
    )
    _event(make_script, "spin-child", "Before Insert", "while doc.title == 'child':\n    pass")
    response = api("manager").post(ORDERS, {"title": "parent"})
    assert response.status_code == 417, response.content
    assert "spin-child exceeded its CPU time limit" in response.json()["message"]
    assert get_model("Test Order").objects.count() == 0
    assert api("manager").post(ORDERS, {"title": "other"}).status_code == 200
