"""Workflow editor: System Manager only, saves through the actions, checks shown on the rows,
validation without writing, and a diagram of every state and transition."""

from __future__ import annotations

import re

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.i18n import _
from lowcode.query.serialize import to_json
from lowcode.storage.factory import get_model
from lowcode.workflow import engine
from lowcode.workflow.checks import validate_definition
from lowcode.workflow.engine import build_definition
from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: F401

pytestmark = pytest.mark.django_db
EDITOR = "/app/workflow-editor"
T = "Test Order"


def _order_flow(**extra):
    return do_insert_doc(
        "Administrator",
        "Workflow",
        {
            "workflow_name": "Order Flow",
            "document_type": T,
            "is_active": 1,
            "states": [
                {"state": "Draft", "doc_status": "0"},
                {"state": "Done", "doc_status": "0", "is_final": 1},
            ],
            "transitions": [
                {
                    "state": "Draft",
                    "action": "Finish",
                    "next_state": "Done",
                    "allowed": "System Manager",
                }
            ],
            **extra,
        },
    )


def _post_data(doc, states: list[dict], transitions: list[dict]) -> dict:
    """The form the editor posts: header fields, then rows as <table>.<n>.<field>."""
    data = {
        "__name": doc.name if doc else "",
        "document_type": T,
        "workflow_state_field": "workflow_state",
        "is_active": ["0", "1"],
        "states.__present": "1",
        "transitions.__present": "1",
    }
    if doc is not None:
        data["modified"] = to_json(doc.modified)
    else:
        data["workflow_name"] = "Order Flow"
    for table, rows in (("states", states), ("transitions", transitions)):
        for i, row in enumerate(rows):
            for key, value in row.items():
                data[f"{table}.{i}.{key}"] = value
    return data


def _stored_rows(doc) -> tuple[list[dict], list[dict]]:
    states = [
        {"name": r.name, "state": r.state, "doc_status": r.doc_status, "is_final": int(r.is_final)}
        for r in doc.get_children("states")
    ]
    transitions = [
        {
            "name": r.name,
            "state": r.state,
            "action": r.action,
            "next_state": r.next_state,
            "allowed": r.allowed,
        }
        for r in doc.get_children("transitions")
    ]
    return states, transitions


def _row(page: str, row_id: str) -> str:
    """One editor row's markup, from its <fieldset> to its end."""
    return re.search(rf'<fieldset[^>]*id="{row_id}".*?</fieldset>', page, re.S).group(0)


@pytest.mark.parametrize(
    "path", [EDITOR, f"{EDITOR}/new", f"{EDITOR}/Order Flow", f"{EDITOR}/Missing Flow"]
)
def test_editor_pages_answer_404_to_everyone_but_a_system_manager(desk, path):
    _order_flow()
    for username in ("rep", "manager"):
        response = desk(username).get(path)
        assert response.status_code == 404, (username, path)
    assert desk("rep").post(f"{EDITOR}/_validate", {"__name": ""}).status_code == 404
    assert desk("sysman").get(EDITOR).status_code == 200


@pytest.mark.usefixtures("workflows")
def test_the_list_shows_document_type_active_and_edited(desk, django_assert_max_num_queries):
    shipped = get_model("Workflow").objects.count()
    client = desk("sysman")
    client.get(EDITOR)  # warm the per-process metadata cache
    with django_assert_max_num_queries(10):
        page = client.get(EDITOR).content.decode()
    assert "Contract Approval" in page  # a workflow record name, shown as stored
    assert _("Contract") in page
    assert page.count('class="wf-list-row"') == shipped


def test_adding_a_state_and_a_transition_saves_an_active_workflow(
    desk, django_assert_max_num_queries
):
    # given
    doc = _order_flow()
    states, transitions = _stored_rows(doc)
    client = desk("sysman")
    client.get(f"{EDITOR}/Order Flow")  # warm the per-process metadata cache
    with django_assert_max_num_queries(14):
        page = client.get(f"{EDITOR}/Order Flow").content.decode()
    assert 'id="wf-states"' in page and 'id="wf-transitions"' in page
    assert len(re.findall(r'id="wf-state-\d+"', page)) == 2
    # when: a review step goes between draft and done
    states.insert(1, {"state": "Review", "doc_status": "0", "is_final": "0"})
    transitions[0]["next_state"] = "Review"
    transitions.append(
        {
            "state": "Review",
            "action": "Approve",
            "next_state": "Done",
            "allowed": "System Manager",
            "approval_mode": "All",
            "approver_type": "Role",
            "approver": "System Manager",
        }
    )
    response = client.post(f"{EDITOR}/Order Flow", _post_data(doc, states, transitions))
    # then
    assert response.status_code == 204, response.content.decode()[:3000]
    assert response["HX-Redirect"] == f"{EDITOR}/Order%20Flow?saved=1"  # a header is URL-encoded
    stored = get_model("Workflow").objects.get(name="Order Flow")
    assert stored.is_active and stored.is_customised
    assert [r.state for r in stored.get_children("states")] == ["Draft", "Review", "Done"]
    approve = stored.get_children("transitions")[1]
    assert (approve.action, approve.approval_mode, approve.approver) == (
        "Approve",
        "All",
        "System Manager",
    )
    # the transition rows kept their identity: the edited one is the same row
    assert stored.get_children("transitions")[0].name == transitions[0]["name"]
    assert engine.get_workflow(T).get_state("Review") is not None


def test_a_dead_end_and_an_unreachable_state_are_shown_on_their_rows_and_nothing_is_saved(desk):
    # given
    doc = _order_flow()
    states, transitions = _stored_rows(doc)
    before = doc.modified
    # when: "Stuck" can be reached but not left; "Orphan" cannot be reached at all
    states += [
        {"state": "Stuck", "doc_status": "0", "is_final": "0"},
        {"state": "Orphan", "doc_status": "0", "is_final": "1"},
    ]
    transitions.append(
        {"state": "Draft", "action": "Park", "next_state": "Stuck", "allowed": "System Manager"}
    )
    response = desk("sysman").post(f"{EDITOR}/Order Flow", _post_data(doc, states, transitions))
    # then
    page = response.content.decode()
    assert response.status_code == 200
    errors = page[page.index('id="wf-errors"') : page.index('id="h-wf-main"')]
    assert "workflow.E001" in errors and "workflow.E002" in errors
    stuck, orphan = _row(page, "wf-state-2"), _row(page, "wf-state-3")
    assert "has-error" in stuck and "Stuck" in stuck and "row-errors" in stuck
    assert "row-errors" in orphan
    assert "row-errors" not in _row(page, "wf-state-0")
    # Chinese by default
    assert "死胡同" in stuck and "无法从起始状态" in orphan
    stored = get_model("Workflow").objects.get(name="Order Flow")
    assert stored.modified == before
    assert [r.state for r in stored.get_children("states")] == ["Draft", "Done"]
    assert len(stored.get_children("transitions")) == 1


def test_a_transition_no_one_can_perform_is_flagged_on_its_row(desk):
    doc = _order_flow()
    states, transitions = _stored_rows(doc)
    transitions[0]["allowed"] = "Service Manager"  # no user holds it
    page = (
        desk("sysman")
        .post(f"{EDITOR}/Order Flow", _post_data(doc, states, transitions))
        .content.decode()
    )
    row = _row(page, "wf-transition-0")
    assert "row-errors" in row
    assert "workflow.E003" in page


def test_validate_without_saving_reports_problems_and_writes_nothing(
    desk, django_assert_max_num_queries
):
    doc = _order_flow()
    states, transitions = _stored_rows(doc)
    states.append({"state": "Orphan", "doc_status": "0", "is_final": "1"})
    client = desk("sysman")
    versions = get_model("Workflow Document State").objects.count()
    client.get(EDITOR)  # warm the per-process metadata cache
    with django_assert_max_num_queries(24):
        response = client.post(f"{EDITOR}/_validate", _post_data(doc, states, transitions))
    page = response.content.decode()
    assert response.status_code == 200
    assert "workflow.E001" in page
    assert 'id="wf-state-2"' in page  # the posted row stays on the page
    assert get_model("Workflow Document State").objects.count() == versions
    assert get_model("Workflow").objects.get(name="Order Flow").modified == doc.modified


def test_validate_without_saving_a_sound_new_workflow_says_so_and_creates_nothing(desk):
    states = [
        {"state": "Draft", "doc_status": "0"},
        {"state": "Done", "doc_status": "0", "is_final": "1"},
    ]
    transitions = [
        {"state": "Draft", "action": "Finish", "next_state": "Done", "allowed": "System Manager"}
    ]
    response = desk("sysman").post(f"{EDITOR}/_validate", _post_data(None, states, transitions))
    page = response.content.decode()
    assert 'class="alert alert-green"' in page
    assert "workflow.E0" not in page
    assert not get_model("Workflow").objects.filter(name="Order Flow").exists()


def test_a_new_workflow_is_created_through_the_editor(desk):
    states = [
        {"state": "Draft", "doc_status": "0"},
        {"state": "Done", "doc_status": "0", "is_final": "1"},
    ]
    transitions = [
        {"state": "Draft", "action": "Finish", "next_state": "Done", "allowed": "System Manager"}
    ]
    response = desk("sysman").post(f"{EDITOR}/new", _post_data(None, states, transitions))
    assert response.status_code == 204, response.content.decode()[:2000]
    assert engine.get_workflow(T).name == "Order Flow"


def test_validate_definition_is_read_only_and_places_each_error(users):
    doc = _order_flow()
    definition = build_definition(doc)
    assert validate_definition(definition) == []
    broken = engine.WorkflowDef(
        name=definition.name,
        document_type=T,
        state_field="workflow_state",
        states=(
            *definition.states,
            engine.State("Orphan", 0, True, "", "", "", "", "", "", "", 0, 0),
        ),
        transitions=(*definition.transitions, *[t for t in definition.transitions if False]),
    )
    found = validate_definition(broken)
    assert [(e.id, e.state) for e in found] == [("workflow.E001", "Orphan")]
    assert found[0].params == {"initial": "Draft"}


@pytest.mark.usefixtures("workflows")
def test_the_diagram_shows_every_state_and_transition(desk):
    client = desk("sysman")
    page = client.get(f"{EDITOR}/Contract Approval").content.decode()
    start = page.index('id="wf-diagram"')
    diagram = page[start : page.index("</svg>", start)]
    definition = engine.get_workflow("Contract")
    for state in definition.states:
        assert f'data-state="{state.state}"' in diagram
        assert _(state.state) in diagram
    for t in definition.transitions:
        assert _(t.action) in diagram
    assert len(re.findall(r'class="wf-edge[ "]', diagram)) == len(definition.transitions)
    # 会签 (every approver agrees) is named on its arrow; exception paths are red and dashed
    if any(t.approval_mode == "All" for t in definition.transitions):
        assert "会签" in diagram
    lead = client.get(f"{EDITOR}/Lead Qualification").content.decode()
    assert "<svg" in lead


def test_the_diagram_marks_an_exception_path_red_and_dashed(users):
    from lowcode.desk.lib.workflow_diagram import render_svg

    doc = _order_flow(
        transitions=[
            {
                "state": "Draft",
                "action": "Finish",
                "next_state": "Done",
                "allowed": "System Manager",
            },
            {
                "state": "Draft",
                "action": "Fast Track",
                "next_state": "Done",
                "allowed": "System Manager",
                "is_exception": 1,
            },
        ]
    )
    svg = str(render_svg(build_definition(doc)))
    exception = re.search(r'<g class="wf-edge wf-edge-exception".*?</g>', svg).group(0)
    assert "stroke-dasharray" in exception and "#b91c1c" in exception
    assert "Fast Track" in exception  # the action label sits on the exception edge


@pytest.mark.usefixtures("workflows")
def test_the_editor_shows_a_transitions_approver_slots_so_a_save_keeps_them(desk):
    # the quotation's 会签 has one slot per role (销售经理, 财务); a form without the field
    # would post it back as the default, one slot per finance clerk
    page = desk("sysman").get(f"{EDITOR}/Quotation Approval").content.decode()
    transitions = engine.get_workflow("Quotation").transitions
    approve = next(i for i, t in enumerate(transitions) if t.action == "Approve")
    row = _row(page, f"wf-transition-{approve}")
    assert f'name="transitions.{approve}.approver_slots"' in row
    assert '<option value="Role" selected>' in row
    submit = next(i for i, t in enumerate(transitions) if t.action == "Submit")
    assert '<option value="User" selected>' in _row(page, f"wf-transition-{submit}")


def test_an_admin_edits_a_transitions_reason_templates_in_the_editor(desk):
    # given: an Order Flow whose Finish needs a reason
    doc = _order_flow()
    states, transitions = _stored_rows(doc)
    transitions[0].update(requires_reason="1", reason_templates="资料不全\n价格待确认")

    # when: the administrator saves ready-made reasons on the transition row
    response = desk("Administrator").post(
        f"{EDITOR}/Order Flow", _post_data(doc, states, transitions)
    )
    assert response.status_code in (200, 204), response.content.decode()[:400]

    # then: the engine offers them, and the editor shows them so the next save keeps them
    finish = engine.get_workflow(T).transitions[0]
    assert finish.reason_templates == ("资料不全", "价格待确认")
    row = _row(
        desk("Administrator").get(f"{EDITOR}/Order Flow").content.decode(), "wf-transition-0"
    )
    assert (
        '<textarea name="transitions.0.reason_templates"' in row and "资料不全\n价格待确认" in row
    )
