"""The form's Submit button (/app/<slug>/<name>/do/submit) on a submittable DocType without a
workflow: it submits the version the page shows and refuses a stale one."""

from __future__ import annotations

from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.documents.factory import get_model
from lowcode.query.serialize import to_json


def test_submit_from_the_form_submits_the_shown_version(desk):
    order = do_insert_doc("rep", "Test Order", {"title": "泵站改造"})
    context.reset()
    response = desk("manager").post(
        f"/app/test-order/{order.name}/do/submit", {"modified": to_json(order.modified)}
    )
    assert response.status_code in (200, 204), response.content.decode()[:500]
    assert get_model("Test Order").objects.get(name=order.name).docstatus == 1


def test_submit_of_a_stale_page_is_refused(desk):
    order = do_insert_doc("rep", "Test Order", {"title": "泵站改造"})
    shown = to_json(order.modified)
    do_save_doc("rep", "Test Order", order.name, {"title": "泵站改造 二期"})
    context.reset()
    response = desk("manager").post(f"/app/test-order/{order.name}/do/submit", {"modified": shown})
    assert "泵站改造" not in response.get("HX-Redirect", "")
    assert get_model("Test Order").objects.get(name=order.name).docstatus == 0
