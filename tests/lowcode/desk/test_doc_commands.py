"""The form's Submit button (/app/<slug>/<name>/do/submit) on a submittable DocType without a
workflow: it submits the version the page shows and refuses a stale one."""

from __future__ import annotations

from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc, do_submit_doc
from lowcode.query.serialize import to_json
from lowcode.storage.factory import get_model


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


def test_a_submitted_document_offers_only_its_allow_on_submit_fields(desk):
    order = do_insert_doc("manager", "Test Order", {"title": "泵站改造", "amount": 100})
    do_submit_doc("manager", "Test Order", order.name)
    context.reset()
    page = desk("manager").get(f"/app/test-order/{order.name}").content.decode()
    # amount may still change after submit (allow_on_submit); the title may not, nor the rows
    assert 'id="in-amount"' in page and 'name="amount"' in page
    assert 'name="title"' not in page
    assert 'class="btn btn-small grid-add"' not in page
    # and it is cancelled before it may be deleted
    assert f"/app/test-order/{order.name}/do/delete" not in page
    assert f"/app/test-order/{order.name}/do/cancel" in page
