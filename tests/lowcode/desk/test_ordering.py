"""Order by drag: Opportunity Stages (records ordered by an Int field), workflow states and a
Select's options; the page posts the new order and the system renumbers."""

from __future__ import annotations

import re

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.documents.ordering import order_field
from lowcode.meta import registry
from lowcode.models import Version
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db
ORDER = "/app/opportunity-stage/_order"


def _stages() -> list[tuple[str, int]]:
    return list(
        get_model("Opportunity Stage")
        .objects.order_by("stage_order", "name")
        .values_list("name", "stage_order")
    )


@pytest.fixture
def stages(users):
    if not get_model("Opportunity Stage").objects.exists():
        for i, name in enumerate(["初步接触", "需求确认", "方案报价"], start=1):
            do_insert_doc(
                "Administrator",
                "Opportunity Stage",
                {"stage_name": name, "stage_order": i * 10, "probability": 10 * i},
            )
    return [name for name, _order in _stages()]


def _post_order(client, names):
    return client.post(ORDER, {f"order.{i}.name": name for i, name in enumerate(names)})


def test_only_int_ordered_doctypes_can_be_ordered_by_hand():
    assert order_field(registry.get_meta("Opportunity Stage")) == "stage_order"
    assert order_field(registry.get_meta("Lead")) is None


def test_dragging_a_stage_renumbers_every_stage(desk, stages):
    admin = desk("sysman")
    page = admin.get(ORDER).content.decode()
    listed = re.findall(r'data-sort-item data-name="([^"]+)"', page)
    assert listed == stages
    assert 'class="drag-handle"' in page and "data-sortable" in page
    assert (
        'href="/app/opportunity-stage/_order"'
        in admin.get("/app/opportunity-stage").content.decode()
    )

    # when the last stage is dragged to the top and the order saved
    wanted = [stages[-1], *stages[:-1]]
    response = _post_order(admin, wanted)

    # then the stages are numbered 1..N in that order, each change a Version
    assert response.status_code == 204, response.content.decode()[:500]
    assert _stages() == [(name, i) for i, name in enumerate(wanted, start=1)]
    assert Version.objects.filter(ref_doctype="Opportunity Stage", docname=stages[-1]).exists()


def test_an_order_missing_a_stage_is_refused_and_changes_nothing(desk, stages):
    before = _stages()

    response = _post_order(desk("sysman"), stages[1:])

    assert response.status_code == 200
    assert "排序期间列表已变化" in response.content.decode()
    assert _stages() == before


def test_users_who_may_not_write_stages_cannot_order_them(desk, stages):
    before = _stages()
    rep = desk("rep")

    assert rep.get(ORDER).status_code == 404
    assert _post_order(rep, list(reversed(stages))).status_code == 404
    assert (
        'href="/app/opportunity-stage/_order"'
        not in rep.get("/app/opportunity-stage").content.decode()
    )
    assert desk("sysman").get("/app/lead/_order").status_code == 404  # Lead has no hand order
    assert _stages() == before


def test_workflow_states_and_select_options_carry_drag_handles(desk):
    admin = desk("sysman")

    editor = admin.get("/app/workflow-editor/new").content.decode()
    customize = admin.get("/app/customize-form/lead").content.decode()

    # every state row (the new-row template too) has a handle in a sortable list
    assert 'id="wf-states" class="editor-rows" data-table="states" data-sortable' in editor
    template = editor.split('id="wf-states"', 1)[1].split("</template>", 1)[0]
    assert 'class="drag-handle"' in template and "data-sort-item" in template
    assert "desk/sortable.js" in editor and "desk/sortable.js" in customize
