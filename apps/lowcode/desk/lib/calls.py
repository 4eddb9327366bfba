"""After a call: the follow-up the desk offers for the record that was called.

A rep taps a phone number (a ``tel:`` link, ``lib/phones.py``); when they come back to the app,
``static/desk/flow.js`` asks ``/app/_call_follow_up`` for a sheet holding the new form an app
declares for the called DocType (hooks ``desk_call_follow_up``)::

    desk_call_follow_up = {"Lead": {
        "doctype": "Follow-up Record",            # the record to make
        "prefill": {"lead": "name"},              # its field ← the called record's field
        "values": {"followup_method": "Phone"},   # fixed values
        "time_field": "followed_up_on",           # set to the time of the call
    }}

Nothing is written here: the sheet is the ordinary new form, saved through the ordinary insert.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lowcode.hooks_loader import get_hooks
from lowcode.meta import registry

# What flow.js sends as the time of the call: the phone's local time, to the minute.
_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$")


@dataclass(frozen=True)
class CallFollowUp:
    """What to offer after calling a record of ``source``."""

    source: str
    doctype: str
    prefill: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    time_field: str = ""


def declared() -> dict[str, CallFollowUp]:
    """Every app's ``desk_call_follow_up``, by the DocType that was called."""
    found = {}
    for source, spec in (get_hooks("desk_call_follow_up") or {}).items():
        if isinstance(spec, dict) and spec.get("doctype"):
            found[source] = CallFollowUp(
                source=source,
                doctype=str(spec["doctype"]),
                prefill=dict(spec.get("prefill") or {}),
                values=dict(spec.get("values") or {}),
                time_field=str(spec.get("time_field") or ""),
            )
    return found


def for_doctype(doctype: str) -> CallFollowUp | None:
    spec = declared().get(doctype)
    return spec if spec is not None and registry.exists(spec.doctype) else None


def initial_values(spec: CallFollowUp, source_values: dict, called_at: str = "") -> dict[str, Any]:
    """The new form's values: fixed ones, the called record's, and the time of the call."""
    meta = registry.get_meta(spec.doctype)
    values = {k: v for k, v in spec.values.items() if meta.has_field(k)}
    for target, source_field in spec.prefill.items():
        value = source_values.get(source_field)
        if meta.has_field(target) and value not in (None, ""):
            values[target] = value
    if spec.time_field and meta.has_field(spec.time_field) and _LOCAL_TIME.match(called_at or ""):
        values[spec.time_field] = called_at.replace("T", " ")[:16] + ":00"
    return values


def problems() -> list[tuple[str, str, str, str]]:
    """(id, message, hint, object) for every malformed declaration (checked at start-up)."""
    found = []
    for source, spec in declared().items():
        where = f"desk_call_follow_up[{source!r}]"
        for doctype in (source, spec.doctype):
            if not registry.exists(doctype):
                found.append(
                    (
                        "desk.E010",
                        f"DocType {doctype!r} not found",
                        "Name an existing DocType.",
                        where,
                    )
                )
        if registry.exists(source) and registry.exists(spec.doctype):
            meta, source_meta = registry.get_meta(spec.doctype), registry.get_meta(source)
            names = [*spec.prefill, *spec.values, *([spec.time_field] if spec.time_field else [])]
            for target in names:
                if not meta.has_field(target):
                    found.append(
                        (
                            "desk.E010",
                            f"{spec.doctype} has no field {target!r}",
                            "Use a fieldname of the follow-up DocType.",
                            where,
                        )
                    )
            for source_field in spec.prefill.values():
                if source_field != "name" and not source_meta.has_field(source_field):
                    found.append(
                        (
                            "desk.E010",
                            f"{source} has no field {source_field!r}",
                            "Use a fieldname of the called DocType, or name.",
                            where,
                        )
                    )
    return found
