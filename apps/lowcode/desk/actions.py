"""Desk writes: saved views, comments and kanban moves, each through the engine's actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.permissions.core import access_doc

if TYPE_CHECKING:
    from lowcode.desk.lib.list_cards import CardAction

SAVED_VIEW = "Saved View"
COMMENT = "Comment"


def do_save_view(
    user: str, doctype: str, *, title: str, query: str, is_shared: bool, view_type: str = "List"
):
    """Save the list's current filters, columns and sort under a title.

    ``query`` is the list's query string, read by the list's own parser so a saved view means
    what the list showed (a text standard filter is a "like", a bad filter a DataError).
    """
    from django.http import QueryDict

    from lowcode.desk.lib.listing import parse_state
    from lowcode.meta.registry import get_meta

    params = QueryDict(query)
    state = parse_state(params, get_meta(doctype))
    data = {
        "title": title.strip(),
        "reference_doctype": doctype,
        "view_type": view_type,
        "is_shared": int(is_shared),
        "filters": state.filters,
        "columns": state.columns,
        "order_by": state.order_by,
        "view_field": params.get("field", ""),
    }
    return do_insert_doc(user, SAVED_VIEW, data)


def do_add_comment(user: str, doctype: str, name: str, content: str):
    """Comment on a document the user may read (the comment is visible with it)."""
    access_doc(user, doctype, name, "read")
    text = content.strip()
    if not text:
        message = _("{field} is required", field=_("Comment"))
        raise ValidationError(message, [FieldError("content", "reqd", message)])
    data = {"reference_doctype": doctype, "reference_name": name, "content": text}
    return do_insert_doc(user, COMMENT, data, ignore_permissions=True)


def do_move_card(
    user: str,
    doctype: str,
    name: str,
    fieldname: str,
    value: str,
    workflow_action: str = "",
    reason: str = "",
):
    """Move a kanban card: a workflow action when the board is the workflow's state field,
    else an ordinary save, so validation and permissions are the form's own."""
    from lowcode.desk.lib import boards
    from lowcode.workflow import engine
    from lowcode.workflow.actions import do_apply_workflow

    workflow = engine.get_workflow(doctype)
    if workflow and fieldname == workflow.state_field:
        doc = access_doc(user, doctype, name, "read")
        current = engine.current_state(workflow, doc)
        if current == value:
            return doc
        choices = [
            t
            for t in engine.get_transitions(user, doc)
            if t.next_state == value and (not workflow_action or t.action == workflow_action)
        ]
        if not choices:
            raise ValidationError(
                _(
                    "You cannot move {name} from {source} to {target}: no workflow action of yours leads there",
                    name=name,
                    source=_(current),
                    target=_(value),
                )
            )
        return do_apply_workflow(user, doctype, name, choices[0].action, "", reason)
    data = {fieldname: value}
    options = boards.board_options(doctype)
    reason_field = options.get("reason_field")
    if reason and reason_field and fieldname == options.get("field"):
        data[reason_field] = reason  # the move's reason, e.g. why an opportunity goes back
    return do_save_doc(user, doctype, name, data)


def do_card_action(
    user: str, doctype: str, name: str, key: str, answers: dict | None = None
) -> CardAction:
    """Run a list card's declared "set" action (Mark done): a save of its values and of the
    fields it asks for (``answers``), allowed only while its ``when`` holds on the document."""
    from lowcode.desk.lib.list_cards import find_action

    action = find_action(doctype, key)
    if action is None:
        raise ValidationError(_("Unknown action {action}", action=key))
    doc = access_doc(user, doctype, name, "write")
    if any(str(doc.get(k) or "") != str(v) for k, v in action.when.items()):
        raise ValidationError(
            _("{action} no longer applies to {name}", action=_(action.label), name=name)
        )
    asked = {f: (answers or {}).get(f, "") for f in action.ask}
    do_save_doc(user, doctype, name, {**asked, **action.set})
    return action
