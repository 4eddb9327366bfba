"""One-tap check-in (签到) on a form: a camera photo and the device's position, posted together.

An app declares, per DocType, the whitelisted method that records a check-in and the workflow
step it stands for (hooks ``desk_check_in``)::

    desk_check_in = {"Customer Visit": {"method": "kuaicrm.visit_check_in",
                                        "transition": "Complete Visit"}}

The form shows a big 签到 button while the user may take that step (the step's bare button is
hidden: the check-in is how it is taken). Tapping it opens the rear camera
(``<input type=file accept=image/* capture=environment>``); once a photo is taken, the browser's
position (``navigator.geolocation``, with its accuracy) and the photo are posted as multipart
``name``, ``latitude``, ``longitude``, ``accuracy`` and ``photo`` to ``/api/method/<method>``
(static/desk/checkin.js). The method records the server's time and answers ``workflow_state``,
``checkin_time``, ``checkin_address``, ``checkin_flagged`` and ``checkin_note``.
"""

from __future__ import annotations

from typing import Any

from lowcode.hooks_loader import get_hooks

HOOK = "desk_check_in"


def spec_for(doctype: str) -> dict | None:
    """The check-in an app declares on ``doctype``, or None."""
    found = (get_hooks(HOOK) or {}).get(doctype)
    return found if isinstance(found, dict) and found.get("method") else None


def card(doctype: str, doc: Any, transitions: list) -> dict | None:
    """The check-in card of this form now: shown on a saved document while its step is offered."""
    spec = spec_for(doctype)
    if spec is None or doc is None or getattr(doc, "name", None) is None:
        return None
    step = spec.get("transition") or ""
    if step and step not in {t.action for t in transitions or []}:
        return None
    return {"method": spec["method"], "transition": step, "name": doc.name}


def problems() -> list[tuple[str, str, str, str]]:
    """desk.E013: each ``desk_check_in`` entry names an installed DocType, a whitelisted method
    and, if any, an action of that DocType's workflow."""
    from lowcode.api.views import resolve_method
    from lowcode.meta import registry
    from lowcode.workflow.engine import get_workflow

    found = []
    for doctype, spec in (get_hooks(HOOK) or {}).items():
        where = f"hooks.{HOOK}[{doctype!r}]"
        if not registry.exists(doctype):
            found.append(("desk.E013", f"Check-in declared for unknown DocType '{doctype}'.",
                          "Name an installed DocType.", where))  # fmt: skip
            continue
        method = spec.get("method") if isinstance(spec, dict) else None
        if not method or resolve_method(method) is None:
            found.append(("desk.E013", f"Check-in of '{doctype}' calls unknown method '{method}'.",
                          "Declare the method in an app's hooks.py whitelisted_methods.", where))  # fmt: skip
            continue
        step = spec.get("transition")
        # Without an active workflow (not synced yet, or switched off by an admin) the card is
        # simply never offered; only a workflow that lacks the step is a mistake.
        workflow = get_workflow(doctype) if step else None
        if step and workflow is not None and step not in {t.action for t in workflow.transitions}:
            found.append(("desk.E013", f"Check-in of '{doctype}' stands for '{step}', which is not an action of its workflow.",
                          "Name an action of the DocType's active workflow, or leave transition out.", where))  # fmt: skip
    return found
