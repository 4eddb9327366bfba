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
