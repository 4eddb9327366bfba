"""Kanban and calendar views through the desk, as each user sees them."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from lowcode.documents.actions import do_insert_doc
from lowcode.models import Version
from lowcode.storage.factory import get_model
from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
KANBAN = "/app/lead/view/kanban"
MOVE = "/app/lead/view/kanban/move"
JSON = {"HTTP_ACCEPT": "application/json"}
QUALIFIABLE = {"company_size": "200-999", "budget_range": "500k-2M", "designation": "采购总监"}


class Board(HTMLParser):
    """Columns of a rendered board: value → (count shown, card names)."""

    def __init__(self, html: str):
        super().__init__()
        self.columns: dict[str, dict] = {}
        self._column: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if "kanban-column" in classes:
            self._column = values["data-value"] or ""
            self.columns[self._column] = {"count": None, "cards": []}
        elif "kanban-count" in classes and self._column is not None:
            self.columns[self._column]["count"] = int(values["data-count"])
        elif "kanban-card" in classes and self._column is not None:
            self.columns[self._column]["cards"].append(values["data-name"])


def lead(owner: str, status: str = "Open", **values) -> str:
    data = {"lead_name": f"{owner}的线索", "company_name": "苏州精工", "status": status, **values}
    return do_insert_doc(owner, "Lead", data).name


def board(client: Client, path: str = KANBAN, **params) -> dict[str, dict]:
    response = client.get(path, params)
    assert response.status_code == 200, response.content[:500]
    return Board(response.content.decode()).columns


def move(client, name: str, value: str, field: str = "status"):
    """What kanban.js sends: a form POST with the CSRF header, asking for JSON."""
    return client.post(MOVE, {"name": name, "field": field, "value": value}, htmx=False, **JSON)


# ---------------------------------------------------------------- kanban


def test_columns_are_the_select_options_with_counts_of_what_each_user_may_read(desk):
    # given
    mine = [lead("rep"), lead("rep"), lead("rep", "Contacted")]
    colleague = lead("rep2")
    lead("south")
    # when
    rep_board = board(desk("rep"), field="status")
    manager_board = board(desk("manager"), field="status")
    # then: Select options in order, a rep sees only own leads, a manager the department's
    assert list(rep_board)[:4] == ["Open", "Contacted", "Qualified", "Nurturing"]
    assert rep_board["Open"]["count"] == 2
    assert sorted(rep_board["Open"]["cards"]) == sorted(mine[:2])
    assert rep_board["Contacted"]["cards"] == [mine[2]]
    assert manager_board["Open"]["count"] == 3
    assert colleague in manager_board["Open"]["cards"]


def test_the_board_keeps_the_list_filters(desk):
    lead("rep", source="Website")
    wanted = lead("rep", source="Referral")

    columns = board(desk("rep"), field="status", f_source="Referral")

    assert columns["Open"]["cards"] == [wanted]


def test_default_field_is_status_and_a_field_picker_offers_select_and_link_fields(desk):
    lead("rep")
    response = desk("rep").get(KANBAN)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="board-field"' in html
    assert '<option value="status" selected>' in html
    assert 'value="customer"' in html  # a Link field
    assert 'class="kanban-move-select"' in html  # the keyboard and touch alternative
    assert "vendor/sortablejs/Sortable.min.js" in html


def test_a_link_board_has_a_column_per_linked_record(desk):
    customer = do_insert_doc("rep", "Customer", {"customer_name": "苏州恒力", "status": "Active"})
    linked = lead("rep", customer=customer.name)
    lead("rep")

    columns = board(desk("rep"), field="customer")

    assert columns[customer.name]["cards"] == [linked]
    assert columns[""]["count"] == 1
    assert "苏州恒力" in desk("rep").get(KANBAN, {"field": "customer"}).content.decode()


def test_a_field_that_is_not_a_board_field_is_refused(desk):
    response = desk("rep").get(KANBAN, {"field": "lead_name"})
    assert response.status_code == 400


def test_a_user_without_read_permission_gets_not_found(desk):
    assert desk("nobody").get(KANBAN).status_code == 404


def test_a_move_saves_the_value_and_writes_a_version(desk):
    # given
    name = lead("rep")
    # when
    response = move(desk("rep"), name, "Contacted")
    # then
    assert response.status_code == 200, response.content
    assert 'class="kanban-title"' in response.json()["body"]
    assert get_model("Lead").objects.get(name=name).status == "Contacted"
    changes = [v.data for v in Version.objects.filter(ref_doctype="Lead", docname=name)]
    assert ["status", "Open", "Contacted"] in [c for v in changes for c in v.get("changed", [])]


def test_a_move_refused_by_validation_changes_nothing_and_names_the_field(desk):
    name = lead("rep")
    versions = Version.objects.filter(ref_doctype="Lead", docname=name).count()

    response = move(desk("rep"), name, "Bogus")

    assert response.status_code == 417
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["status"]
    assert body["message"].startswith("状态")
    assert get_model("Lead").objects.get(name=name).status == "Open"
    assert Version.objects.filter(ref_doctype="Lead", docname=name).count() == versions


def test_a_move_of_someone_elses_card_is_not_found(desk):
    name = lead("rep2")

    response = move(desk("rep"), name, "Contacted")

    assert response.status_code == 404
    assert get_model("Lead").objects.get(name=name).status == "Open"


def test_without_javascript_the_move_form_redirects_back_to_the_board(desk):
    name = lead("rep")

    response = desk("rep").post(
        MOVE, {"name": name, "field": "status", "value": "Nurturing", "next": KANBAN}, htmx=False
    )

    assert response.status_code == 302 and response["Location"] == KANBAN
    assert get_model("Lead").objects.get(name=name).status == "Nurturing"


# ---------------------------------------------------------------- workflow state board


@pytest.mark.usefixtures("workflows")
def test_the_workflow_state_field_is_the_default_board_and_its_states_the_columns(desk):
    name = lead("rep", mobile_no="13800138000", **QUALIFIABLE)

    columns = board(desk("rep"))

    assert list(columns)[:2] == ["New", "Invalid"]
    assert columns["New"]["cards"] == [name]


@pytest.mark.usefixtures("workflows")
def test_a_workflow_move_takes_the_transition_only_if_the_user_may(desk):
    name = lead("rep", mobile_no="13800138000", **QUALIFIABLE)
    rep, manager = desk("rep"), desk("manager")
    # a state no action of the rep's leads to
    refused = move(rep, name, "Contacted", field="workflow_state")
    assert refused.status_code == 417
    assert get_model("Lead").objects.get(name=name).get("workflow_state") == "New"
    # the rep's own transition
    assert move(rep, name, "Qualified", field="workflow_state").status_code == 200
    # Assign belongs to a Sales Manager
    assert move(rep, name, "Assigned", field="workflow_state").status_code == 417
    assert get_model("Lead").objects.get(name=name).get("workflow_state") == "Qualified"
    assert move(manager, name, "Assigned", field="workflow_state").status_code == 200
    assert get_model("Lead").objects.get(name=name).get("workflow_state") == "Assigned"
    logged = get_model("Workflow Log").objects.filter(reference_name=name)
    assert sorted(logged.values_list("action", flat=True)) == ["Assign", "Qualify"]


@pytest.mark.usefixtures("workflows")
def test_the_quality_gate_refuses_a_move_to_qualified_naming_what_is_missing(desk):
    name = lead("rep")

    response = move(desk("rep"), name, "Qualified", field="workflow_state")

    assert response.status_code == 417
    body = response.json()
    assert {e["field"] for e in body["errors"]} >= {"company_size", "budget_range"}
    assert "才能确认合格" in body["message"]
    assert get_model("Lead").objects.get(name=name).get("workflow_state") == "New"


@pytest.mark.usefixtures("workflows")
def test_a_move_into_a_step_that_needs_a_reason_asks_for_it_then_records_it(desk):
    name = lead("rep", close_reason="Unreachable")  # an invalid lead also needs a close reason
    client = desk("rep")

    asked = move(client, name, "Invalid", field="workflow_state")
    assert asked.status_code == 417
    assert [e["field"] for e in asked.json()["errors"]] == ["reason"]
    assert get_model("Lead").objects.get(name=name).get("workflow_state") == "New"

    given = client.post(
        "/app/lead/view/kanban/move",
        {"name": name, "field": "workflow_state", "value": "Invalid", "reason": "空号"},
        HTTP_ACCEPT="application/json",
    )
    assert given.status_code == 200
    log = get_model("Workflow Log").objects.get(reference_name=name, action="Mark Invalid")
    assert log.reason == "空号"


# ---------------------------------------------------------------- queries


def test_the_board_reads_a_fixed_number_of_queries_whatever_the_number_of_cards(
    desk, django_assert_max_num_queries
):
    # given one card per column: measure
    client = desk("manager")
    for status in ("Open", "Contacted"):
        lead("rep", status)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    board(client, field="status")  # warm per-process caches (metadata, workflows)
    with CaptureQueriesContext(connection) as baseline:
        board(client, field="status")
    # when the columns fill up
    for index in range(12):
        lead("rep" if index % 2 else "rep2", ("Open", "Contacted")[index % 2])
    # then the board costs no more queries
    with django_assert_max_num_queries(len(baseline)):
        columns = board(client, field="status")
    assert columns["Open"]["count"] == 7 and columns["Contacted"]["count"] == 7


# ---------------------------------------------------------------- calendar


def task(owner: str, subject: str, due: str) -> str:
    data = {"subject": subject, "assigned_to": owner, "due_date": due, "status": "Open"}
    return do_insert_doc(owner, "Follow-up Task", data).name


def test_the_calendar_shows_the_months_documents_on_their_days(desk):
    december = task("rep", "回访苏州恒力", "2026-12-03")
    task("rep", "一月回访", "2027-01-05")
    task("rep2", "同事的回访", "2026-12-03")

    response = desk("rep").get(
        "/app/follow-up-task/view/calendar", {"field": "due_date", "month": "2026-12"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-name="{december}"' in html
    assert "回访苏州恒力" in html
    assert "一月回访" not in html and "同事的回访" not in html
    assert 'data-date="2026-12-03"' in html
    assert "month=2026-11" in html and "month=2027-01" in html  # previous and next


def test_a_bad_month_falls_back_to_this_month(desk):
    response = desk("rep").get("/app/follow-up-task/view/calendar", {"month": "13-2026"})
    assert response.status_code == 200
    assert 'id="month-title"' in response.content.decode()
