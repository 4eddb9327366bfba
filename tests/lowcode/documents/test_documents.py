"""Documents: naming, standard fields, lifecycle, docstatus, validation, atomicity, locking,
versions and child tables, through the REST API and the actions."""

from __future__ import annotations

import re
import threading
import time
from urllib.parse import quote

import pytest
from django.db import OperationalError, close_old_connections
from django.utils import timezone, translation

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.i18n import _
from lowcode.models import NamingSeriesCounter, Version
from lowcode.storage.factory import get_model
from tests.engine_app.doctype.test_order import test_order as controller

ORDERS = "/api/resource/" + quote("Test Order")
LEADS = "/api/resource/Lead"
CJK = re.compile(r"[\u4e00-\u9fff]")


def order_url(name: str) -> str:
    return f"{ORDERS}/{quote(name)}"


def year() -> str:
    return f"{timezone.localtime():%Y}"


@pytest.fixture
def admin(api):
    """A System Manager (all verbs, permlevel 1 too) over the API."""
    return api("sysman")


@pytest.fixture
def events():
    controller.EVENTS.clear()
    yield controller.EVENTS
    controller.EVENTS.clear()


def create_order(client, **values) -> dict:
    response = client.post(ORDERS, {"title": "Order", **values})
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def errors_of(response) -> dict[str, dict]:
    """Map field → error dict of a failed write."""
    return {e["field"]: e for e in response.json()["errors"]}


# --------------------------------------------------------------------------- naming


def test_format_series_names_in_sequence(admin):
    first = create_order(admin)
    second = create_order(admin)
    assert first["name"] == f"TO-{year()}-00001"
    assert second["name"] == f"TO-{year()}-00002"


def test_naming_series_on_lead(api):
    rep = api("rep")
    names = [rep.post(LEADS, {"lead_name": f"张{i}"}).json()["data"]["name"] for i in range(2)]
    assert names == [f"LEAD-{year()}-00001", f"LEAD-{year()}-00002"]


def test_naming_series_not_among_options_refused(api):
    response = api("rep").post(LEADS, {"lead_name": "张三", "naming_series": "HACK-.#####"})
    assert response.status_code == 417
    assert not get_model("Lead").objects.exists()


def test_field_autoname_on_department(admin):
    # given departments named by their department_name (conftest made four)
    response = admin.post("/api/resource/Department", {"department_name": "西北销售部"})
    # then
    assert response.status_code == 200
    assert response.json()["data"]["name"] == "西北销售部"
    assert admin.get("/api/resource/Department/" + quote("西北销售部")).status_code == 200
    duplicate = admin.post("/api/resource/Department", {"department_name": "西北销售部"})
    assert duplicate.status_code == 409


def test_client_cannot_choose_the_name_of_a_series_document(admin):
    order = create_order(admin, name="MY-NAME")
    assert order["name"] == f"TO-{year()}-00001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_inserts_take_distinct_numbers(site):
    """Counters increment atomically: parallel inserts never share a number."""
    results: list[str] = []
    failures: list[BaseException] = []

    def insert_once(title: str) -> str:
        # The in-memory SQLite test database shares one cache between threads and answers
        # "table is locked" instead of waiting (file databases and MariaDB wait). The insert
        # is one transaction, so retrying it is safe and still proves numbers are never shared.
        for _attempt in range(200):
            try:
                return do_insert_doc("Administrator", "Test Order", {"title": title}).name
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                time.sleep(0.01)
        raise AssertionError("database stayed locked")

    def insert(worker: int) -> None:
        try:
            for i in range(5):
                results.append(insert_once(f"w{worker}-{i}"))
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=insert, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert sorted(results) == [f"TO-{year()}-{n:05d}" for n in range(1, 21)]
    assert get_model("Test Order").objects.count() == 20


# --------------------------------------------------------------------------- standard fields


def test_standard_fields_set_by_the_server(api, users):
    # given
    before = timezone.now()
    manager = api("manager")
    # when a client tries to forge them
    order = create_order(
        manager, owner="rep", creation="2000-01-01 00:00:00", modified_by="rep", docstatus=1
    )
    # then
    assert order["owner"] == "manager" and order["modified_by"] == "manager"
    assert order["docstatus"] == 0
    assert order["creation"] == order["modified"]
    assert order["creation"] >= before.strftime("%Y-%m-%d")
    stored = get_model("Test Order").objects.get(name=order["name"])
    assert stored.owner == "manager" and stored.creation >= before

    # when another user saves it
    saved = api("sysman").put(order_url(order["name"]), {"priority": 2}).json()["data"]
    # then owner and creation stay; modified and modified_by move
    assert saved["owner"] == "manager" and saved["creation"] == order["creation"]
    assert saved["modified_by"] == "sysman" and saved["modified"] > order["modified"]


# --------------------------------------------------------------------------- lifecycle


def test_insert_runs_lifecycle_in_order(admin, events):
    create_order(admin)
    assert events == [
        "controller:before_insert",
        "controller:validate",
        "hook:validate",
        "controller:before_save",
        "controller:after_insert",
        "controller:on_update",
        "hook:on_update",
    ]


def test_save_runs_lifecycle_in_order(admin, events):
    order = create_order(admin)
    events.clear()
    admin.put(order_url(order["name"]), {"priority": 3})
    assert events == [
        "controller:validate",
        "hook:validate",
        "controller:before_save",
        "controller:on_update",
        "hook:on_update",
    ]


def test_submit_and_cancel_run_lifecycle_in_order(admin, events):
    order = create_order(admin)
    events.clear()
    submit(admin, order)
    assert events == [
        "controller:validate",
        "hook:validate",
        "controller:before_submit",
        "controller:on_submit",
        "hook:on_submit",
    ]
    events.clear()
    cancel(admin, order["name"])
    assert events == ["controller:on_cancel"]


# --------------------------------------------------------------------------- docstatus


def submit(client, order: dict, **extra):
    doc = {"doctype": "Test Order", "name": order["name"], "modified": order["modified"]}
    return client.post("/api/method/frappe.client.submit", {"doc": doc}, **extra)


def cancel(client, name: str):
    return client.post("/api/method/frappe.client.cancel", {"doctype": "Test Order", "name": name})


def test_submit_then_cancel_through_the_api(admin):
    # given a draft with a row
    order = create_order(admin, items=[{"item_code": "A", "qty": 1}])
    assert order["docstatus"] == 0
    # when submitted
    response = submit(admin, order)
    # then
    assert response.status_code == 200, response.json()
    submitted = response.json()["message"]
    assert submitted["docstatus"] == 1
    assert submitted["items"][0]["docstatus"] == 1
    assert admin.get(order_url(order["name"])).json()["data"]["docstatus"] == 1
    # when cancelled
    response = cancel(admin, order["name"])
    assert response.status_code == 200, response.json()
    assert response.json()["message"]["docstatus"] == 2
    assert get_model("Test Order").objects.get(name=order["name"]).docstatus == 2


def test_submit_with_stale_modified_refused(admin):
    order = create_order(admin)
    admin.put(order_url(order["name"]), {"priority": 1})
    response = submit(admin, order)
    assert response.status_code == 409
    assert response.json()["exc_type"] == "TimestampMismatchError"
    assert get_model("Test Order").objects.get(name=order["name"]).docstatus == 0


def test_cannot_cancel_a_draft_or_submit_twice(admin):
    order = create_order(admin)
    assert cancel(admin, order["name"]).status_code == 417
    submitted = submit(admin, order).json()["message"]
    assert submit(admin, submitted).status_code == 417


def test_submitted_document_is_locked_except_allow_on_submit(admin):
    # given a submitted order
    order = submit(admin, create_order(admin, amount=10)).json()["message"]
    # when a normal field changes
    response = admin.put(order_url(order["name"]), {"title": "changed"})
    # then refused, naming the field
    assert response.status_code == 417
    assert response.json()["exc_type"] == "DocstatusTransitionError"
    assert "title" in response.json()["message"]
    assert get_model("Test Order").objects.get(name=order["name"]).title == "Order"
    # when an allow_on_submit field changes, it is accepted
    response = admin.put(order_url(order["name"]), {"amount": 99})
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["amount"] == 99
    assert response.json()["data"]["docstatus"] == 1


def test_cancelled_document_cannot_be_changed(admin):
    order = submit(admin, create_order(admin)).json()["message"]
    cancel(admin, order["name"])
    response = admin.put(order_url(order["name"]), {"amount": 5})
    assert response.status_code == 417
    assert get_model("Test Order").objects.get(name=order["name"]).amount is None


def test_submitted_document_cannot_be_deleted_until_cancelled(admin):
    order = submit(admin, create_order(admin, items=[{"item_code": "A"}])).json()["message"]
    response = admin.delete(order_url(order["name"]))
    assert response.status_code == 417
    assert get_model("Test Order").objects.filter(name=order["name"]).exists()
    cancel(admin, order["name"])
    assert admin.delete(order_url(order["name"])).status_code == 202
    assert not get_model("Test Order").objects.filter(name=order["name"]).exists()
    assert not get_model("Test Order Item").objects.filter(parent=order["name"]).exists()


def test_non_submittable_doctype_cannot_be_submitted(api):
    rep = api("rep")
    lead = rep.post(LEADS, {"lead_name": "张三"}).json()["data"]
    doc = {"doctype": "Lead", "name": lead["name"]}
    response = rep.post("/api/method/frappe.client.submit", {"doc": doc})
    assert response.status_code == 417
    assert get_model("Lead").objects.get(name=lead["name"]).docstatus == 0


# --------------------------------------------------------------------------- validation

# (field, bad value, rule, English message template)
TYPE_CASES = [
    ("priority", "high", "integer", "{label} must be a whole number"),
    ("priority", 1.5, "integer", "{label} must be a whole number"),
    ("weight", "heavy", "number", "{label} must be a number"),
    ("amount", [1], "type", "{label} must be text"),
    ("order_date", "2024-13-45", "date", "{label} must be a date (YYYY-MM-DD)"),
    ("deliver_at", "tomorrow", "datetime", "{label} must be a date and time (YYYY-MM-DD HH:MM:SS)"),
    ("slot", "25:99", "time", "{label} must be a time (HH:MM:SS)"),
    ("urgent", "maybe", "check", "{label} must be 0 or 1"),
    ("payload", "{not json", "json", "{label} must be valid JSON"),
    ("location", "somewhere", "geojson", "{label} must be a GeoJSON object"),
    ("location", {"lat": 1}, "geojson", "{label} must be a GeoJSON object"),
    ("title", {"a": 1}, "type", "{label} must be text"),
]
LABELS = {
    "priority": "Priority",
    "weight": "Weight",
    "amount": "Amount",
    "order_date": "Order Date",
    "deliver_at": "Deliver At",
    "slot": "Slot",
    "urgent": "Urgent",
    "payload": "Payload",
    "location": "Location",
    "title": "Title",
    "code": "Code",
    "status": "Status",
    "role": "Role",
    "assigned_user": "Assigned User",
    "ref_name": "Reference Name",
    "email": "Email",
    "phone": "Phone",
    "urgent_reason": "Urgent Reason",
    "external_id": "External ID",
}


def expected(template: str, field: str, lang: str, **params) -> str:
    """The message in ``lang``, built from the translation catalogue like the server does."""
    with translation.override("en" if lang == "en" else "zh-hans"):
        return _(template, label=_(LABELS[field]), **params)


def assert_field_error(response, field: str, rule: str, message: str, status: int = 417) -> None:
    assert response.status_code == status, response.json()
    error = errors_of(response)[field]
    assert (error["rule"], error["message"]) == (rule, message)


def assert_chinese(response) -> None:
    """Default language is zh-CN: messages are translated (not the English source)."""
    for error in response.json()["errors"]:
        assert CJK.search(error["message"]), error


@pytest.mark.parametrize(("field", "value", "rule", "template"), TYPE_CASES)
def test_wrong_types_refused_in_chinese(admin, field, value, rule, template):
    response = admin.post(ORDERS, {"title": "t", field: value})
    assert_field_error(response, field, rule, expected(template, field, "zh"))
    assert_chinese(response)
    assert not get_model("Test Order").objects.exists()


@pytest.mark.parametrize(("field", "value", "rule", "template"), TYPE_CASES)
def test_wrong_types_refused_in_english(admin, field, value, rule, template):
    response = admin.post(ORDERS, {"title": "t", field: value}, HTTP_ACCEPT_LANGUAGE="en")
    assert_field_error(response, field, rule, template.format(label=LABELS[field]))


@pytest.mark.parametrize(
    ("data", "field", "rule", "template", "params"),
    [
        ({"title": ""}, "title", "reqd", "{label} is required", {}),
        ({"urgent": 1}, "urgent_reason", "reqd", "{label} is required", {}),
        (
            {"status": "Bogus"},
            "status",
            "options",
            "{label} must be one of: {options}",
            {},
        ),
        (
            {"code": "X" * 21},
            "code",
            "length",
            "{label} is too long: {length} characters, at most {max}",
            {"length": 21, "max": 20},
        ),
        ({"email": "not-an-email"}, "email", "email", "{label} is not a valid email address", {}),
        ({"phone": "12345"}, "phone", "phone", "{label} is not a valid phone number", {}),
        ({"amount": -1}, "amount", "non_negative", "{label} cannot be negative", {}),
        (
            {"role": "Astronaut"},
            "role",
            "link",
            "{label}: {doctype} {value} does not exist",
            {"doctype": "Role", "value": "Astronaut"},
        ),
        (
            {"assigned_user": "ghost"},
            "assigned_user",
            "link",
            "{label}: {doctype} {value} does not exist",
            {"doctype": "User", "value": "ghost"},
        ),
        (
            {"ref_doctype": "Department", "ref_name": "火星部"},
            "ref_name",
            "link",
            "{label}: {doctype} {value} does not exist",
            {"doctype": "Department", "value": "火星部"},
        ),
    ],
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rules_refused_with_field_rule_and_message(
    admin, data, field, rule, template, params, lang
):
    # given a language and one broken rule
    extra = {"HTTP_ACCEPT_LANGUAGE": "en"} if lang == "en" else {}
    # when
    response = admin.post(ORDERS, {"title": "t", **data}, **extra)
    # then
    with translation.override("en" if lang == "en" else "zh-hans"):
        translated = {
            k: _(v) if isinstance(v, str) and k == "doctype" else v for k, v in params.items()
        }
    if rule == "options":
        # Options may be shown translated; each must still name the value a client sends.
        prefix = expected(template, field, lang, options="")
        message = errors_of(response)[field]["message"]
        assert (response.status_code, errors_of(response)[field]["rule"]) == (417, "options")
        assert message.startswith(prefix), message
        assert all(option in message for option in ("Draft", "Open", "Closed")), message
    else:
        assert_field_error(response, field, rule, expected(template, field, lang, **translated))
    if lang == "zh":
        assert_chinese(response)
    assert response.json()["exc_type"] == "ValidationError"
    assert not get_model("Test Order").objects.exists()


def test_valid_links_accepted(admin):
    order = create_order(
        admin,
        role="Sales User",
        assigned_user="rep",
        ref_doctype="Department",
        ref_name="苏州组",
        urgent=1,
        urgent_reason="VIP",
        email="a@b.cn",
        phone="13812345678",
        location={"type": "Point", "coordinates": [120, 31]},
        payload={"k": [1, 2]},
        order_date="2026-01-02",
        slot="09:30:00",
    )
    assert (order["role"], order["assigned_user"], order["ref_name"]) == (
        "Sales User",
        "rep",
        "苏州组",
    )
    assert order["payload"] == {"k": [1, 2]}


def test_a_link_to_a_record_the_user_may_not_read_answers_like_a_missing_one(api):
    # given: south's order (another department); rep reads only their own orders
    theirs = create_order(api("south"), title="theirs")
    rep = api("rep")
    mine = create_order(rep, title="mine")

    # when: rep points a Dynamic Link at south's order, then at a name that does not exist,
    # on insert and on save
    def attempt(name: str) -> list:
        values = {"ref_doctype": "Test Order", "ref_name": name}
        made = rep.post(ORDERS, {"title": "probe", **values}, HTTP_ACCEPT_LANGUAGE="en")
        saved = rep.put(order_url(mine["name"]), values, HTTP_ACCEPT_LANGUAGE="en")
        return [
            (r.status_code, errors_of(r)["ref_name"]["message"].replace(name, "<name>"))
            for r in (made, saved)
        ]

    forbidden, missing = attempt(theirs["name"]), attempt("TO-2026-99999")

    # then: the same status and message, nothing written
    assert forbidden == missing
    assert forbidden[0] == (417, "Reference Name: Test Order <name> does not exist")
    assert get_model("Test Order").objects.filter(title="probe").count() == 0
    assert get_model("Test Order").objects.get(name=mine["name"]).ref_name in (None, "")
    # a record rep may read is accepted
    own = rep.put(order_url(mine["name"]), {"ref_doctype": "Test Order", "ref_name": mine["name"]})
    assert own.status_code == 200, own.content


def test_unique_violation_answers_409(admin):
    create_order(admin, code="C-1")
    response = admin.post(ORDERS, {"title": "again", "code": "C-1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json()["exc_type"] == "DuplicateEntryError"
    assert errors_of(response)["code"] == {
        "field": "code",
        "rule": "unique",
        "message": "Code C-1 already exists",
    }
    assert get_model("Test Order").objects.count() == 1


def test_child_row_errors_name_table_and_row(admin):
    response = admin.post(
        ORDERS,
        {"title": "t", "items": [{"item_code": "A"}, {"qty": -2}]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 417
    errors = {(e["table"], e["row"], e["field"], e["rule"]) for e in response.json()["errors"]}
    assert errors == {("items", 2, "item_code", "reqd"), ("items", 2, "qty", "non_negative")}


def test_all_errors_of_one_save_reported_together(admin):
    response = admin.post(
        ORDERS,
        {
            "title": "",
            "priority": "x",
            "status": "Bogus",
            "amount": -5,
            "email": "nope",
            "role": "Astronaut",
            "urgent": 1,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 417
    assert {(f, e["rule"]) for f, e in errors_of(response).items()} == {
        ("title", "reqd"),
        ("priority", "integer"),
        ("status", "options"),
        ("amount", "non_negative"),
        ("email", "email"),
        ("role", "link"),
        ("urgent_reason", "reqd"),
    }


def test_set_only_once(admin):
    # given an order whose external_id is empty: it may be set later
    order = create_order(admin)
    response = admin.put(order_url(order["name"]), {"external_id": "ERP-1"})
    assert response.status_code == 200
    # when it is changed once set
    response = admin.put(
        order_url(order["name"]), {"external_id": "ERP-2"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    # then
    assert_field_error(
        response, "external_id", "set_only_once", "External ID cannot be changed once set"
    )
    # and sending the same value back is fine
    assert (
        admin.put(order_url(order["name"]), {"external_id": "ERP-1", "priority": 1}).status_code
        == 200
    )


def test_unknown_field_is_a_data_error(admin):
    response = admin.post(ORDERS, {"title": "t", "colour": "red"})
    assert response.status_code == 400
    assert "colour" in response.json()["message"]


# --------------------------------------------------------------------------- atomicity


@pytest.mark.parametrize("title", ["explode in validate", "explode after insert"])
def test_failing_insert_leaves_nothing(admin, title):
    # when a controller refuses the insert (before or after the row was written)
    response = admin.post(
        ORDERS, {"title": title, "items": [{"item_code": "A"}, {"item_code": "B"}]}
    )
    # then no row, no child rows, no version, and the naming counter was not consumed
    assert response.status_code == 417
    assert not get_model("Test Order").objects.exists()
    assert not get_model("Test Order Item").objects.exists()
    assert not Version.objects.filter(ref_doctype="Test Order").exists()
    assert not NamingSeriesCounter.objects.filter(current__gt=0, prefix__startswith="TO-").exists()
    assert create_order(admin)["name"] == f"TO-{year()}-00001"


def test_failing_save_leaves_the_stored_document_unchanged(admin):
    # given
    order = create_order(admin, priority=1, items=[{"item_code": "A"}])
    versions = Version.objects.count()
    # when the controller refuses the save that also replaces the rows
    response = admin.put(
        order_url(order["name"]),
        {"title": "explode in validate", "priority": 9, "items": [{"item_code": "Z"}]},
    )
    # then
    assert response.status_code == 417
    stored = admin.get(order_url(order["name"])).json()["data"]
    assert (stored["title"], stored["priority"], stored["modified"]) == (
        "Order",
        1,
        order["modified"],
    )
    assert [r["item_code"] for r in stored["items"]] == ["A"]
    assert Version.objects.count() == versions


# --------------------------------------------------------------------------- optimistic locking


def test_stale_modified_answers_409_and_keeps_the_stored_doc(api):
    # given two users who opened the same order
    manager, sysman = api("manager"), api("sysman")
    order = create_order(manager, priority=1)
    # when one saves first
    first = sysman.put(order_url(order["name"]), {"priority": 2, "modified": order["modified"]})
    assert first.status_code == 200
    # then the other's stale save is refused
    stale = manager.put(order_url(order["name"]), {"priority": 3, "modified": order["modified"]})
    assert stale.status_code == 409
    assert stale.json()["exc_type"] == "TimestampMismatchError"
    assert manager.get(order_url(order["name"])).json()["data"]["priority"] == 2
    # and with the current modified the save succeeds
    current = first.json()["data"]["modified"]
    retry = manager.put(order_url(order["name"]), {"priority": 3, "modified": current})
    assert retry.status_code == 200
    assert retry.json()["data"]["priority"] == 3


# --------------------------------------------------------------------------- versions


def versions(client, name: str) -> list[dict]:
    response = client.get(
        "/api/method/lowcode.api.get_versions", {"doctype": "Test Order", "name": name}
    )
    assert response.status_code == 200, response.json()
    return response.json()["message"]


def test_versions_record_field_diffs(admin):
    # given
    order = create_order(admin, priority=1)
    # when
    admin.put(order_url(order["name"]), {"title": "Renamed", "priority": 5, "status": "Draft"})
    admin.put(order_url(order["name"]), {"title": "Renamed"})  # no change: no version
    # then (newest first)
    history = versions(admin, order["name"])
    assert len(history) == 2
    assert history[1]["data"]["created"] is True
    assert history[0]["owner"] == "sysman"
    assert sorted(history[0]["data"]["changed"]) == [
        ["priority", 1, 5],
        ["title", "Order", "Renamed"],
    ]


def test_versions_record_child_rows_added_removed_changed(admin):
    # given rows A, B
    order = create_order(admin, items=[{"item_code": "A", "qty": 1}, {"item_code": "B", "qty": 1}])
    a, b = order["items"]
    # when C comes first, A changes (now second), B goes
    admin.put(
        order_url(order["name"]),
        {"items": [{"item_code": "C"}, {"name": a["name"], "item_code": "A", "qty": 7}]},
    )
    # then (row_changed gives the row's position in the new table, as Frappe's Version does)
    data = versions(admin, order["name"])[0]["data"]
    assert [(t, r["item_code"]) for t, r in data["added"]] == [("items", "C")]
    assert [(t, r["name"]) for t, r in data["removed"]] == [("items", b["name"])]
    assert data["row_changed"] == [["items", 1, a["name"], [["qty", 1, 7]]]]


def test_versions_follow_docstatus_and_need_read_permission(api):
    sysman = api("sysman")
    order = submit(sysman, create_order(sysman)).json()["message"]
    assert versions(sysman, order["name"])[0]["data"]["changed"] == [["docstatus", 0, 1]]
    response = api("rep").get(
        "/api/method/lowcode.api.get_versions", {"doctype": "Test Order", "name": order["name"]}
    )
    assert response.status_code == 404


# --------------------------------------------------------------------------- child tables


def test_child_table_whole_replacement(admin):
    # given three rows
    order = create_order(admin, items=[{"item_code": c} for c in "ABC"])
    a, b, c = order["items"]
    assert [r["idx"] for r in order["items"]] == [1, 2, 3]
    # when only C (renamed code) and a new row D are sent, in that order
    response = admin.put(
        order_url(order["name"]),
        {"items": [{"name": c["name"], "item_code": "C2"}, {"item_code": "D"}]},
    )
    # then A and B are deleted, C keeps its name, D is new, idx renumbered
    assert response.status_code == 200, response.json()
    rows = admin.get(order_url(order["name"])).json()["data"]["items"]
    assert [(r["item_code"], r["idx"]) for r in rows] == [("C2", 1), ("D", 2)]
    assert rows[0]["name"] == c["name"]
    assert rows[1]["name"] not in {a["name"], b["name"], c["name"]} and rows[1]["name"]
    stored = get_model("Test Order Item").objects.filter(parent=order["name"])
    assert sorted(stored.values_list("item_code", flat=True)) == ["C2", "D"]
    assert all(r.parenttype == "Test Order" and r.parentfield == "items" for r in stored)


def test_saving_without_the_table_keeps_rows(admin):
    order = create_order(admin, items=[{"item_code": "A"}])
    admin.put(order_url(order["name"]), {"priority": 4})
    rows = admin.get(order_url(order["name"])).json()["data"]["items"]
    assert [(r["name"], r["item_code"]) for r in rows] == [(order["items"][0]["name"], "A")]


def test_empty_table_deletes_all_rows(admin):
    order = create_order(admin, items=[{"item_code": "A"}, {"item_code": "B"}])
    admin.put(order_url(order["name"]), {"items": []})
    assert not get_model("Test Order Item").objects.filter(parent=order["name"]).exists()


def test_row_name_of_another_document_is_not_taken_over(admin):
    # given two orders
    first = create_order(admin, items=[{"item_code": "A"}])
    second = create_order(admin)
    foreign = first["items"][0]["name"]
    # when the second claims the first's row by name
    admin.put(order_url(second["name"]), {"items": [{"name": foreign, "item_code": "X"}]})
    # then the first's row is untouched and the second got a new row
    assert get_model("Test Order Item").objects.get(name=foreign).item_code == "A"
    rows = admin.get(order_url(second["name"])).json()["data"]["items"]
    assert rows[0]["item_code"] == "X" and rows[0]["name"] != foreign


def test_actions_directly_keep_same_contract(site):
    """The actions used by the API also serve scripts and imports."""
    doc = do_insert_doc(
        "Administrator", "Test Order", {"title": "x", "items": [{"item_code": "A"}]}
    )
    saved = do_save_doc("Administrator", "Test Order", doc.name, {"items": [{"item_code": "B"}]})
    assert [r.item_code for r in saved.get_children("items")] == ["B"]
