"""Lists for thumbs: quick chips, the fields a card shows and the actions a card offers.

Declared per DocType by the ``desk_list_cards`` hook (apps' ``hooks.py``), all optional::

    {"Lead": {
        "mine_field": "owner",            # 我的: this field is me (default: owner)
        "due_field": "next_followup_on",  # 今日待跟进 (today) and 已逾期 (before today)
        "open_filters": [["status", "not in", ["Converted"]]],  # what still counts as to do
        "card_fields": ["company_name", "mobile_no", "next_followup_on", "expected_amount"],
        "actions": [
            {"label": "Log a follow-up", "new": "Follow-up Record", "prefill": {"lead": "name"}},
            {"label": "Mark done", "set": {"status": "Done"}, "when": {"status": "Open"},
         "ask": ["result"]},   # asked in the sheet before saving
        ],
    }}

A card's phone numbers are always offered as 拨打 (a ``tel:`` link). A "set" action is a
save through ``do_save_doc`` (``lowcode.desk.actions.do_card_action``), so every rule of the
write path holds; "new" opens the prefilled new form. Checked by desk.E011.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from lowcode.desk.lib import nav
from lowcode.desk.lib.phones import is_phone_field
from lowcode.hooks_loader import get_hooks
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.meta.doctype import DocField, DocTypeMeta
from lowcode.query.builder import ColumnSet

CHIP_MINE, CHIP_TODAY, CHIP_OVERDUE = "mine", "today", "overdue"
CHIP_LABELS = {CHIP_MINE: "Mine", CHIP_TODAY: "To follow up today", CHIP_OVERDUE: "Overdue"}
ACTION_KINDS = ("new", "set")


@dataclass(frozen=True)
class CardAction:
    """One action a card offers (its key is its position in the declaration)."""

    key: str
    label: str
    new: str = ""
    prefill: dict = field(default_factory=dict)
    set: dict = field(default_factory=dict)
    when: dict = field(default_factory=dict)
    ask: tuple[str, ...] = ()


@dataclass(frozen=True)
class CardSpec:
    """A DocType's chips, card fields and card actions."""

    mine_field: str = "owner"
    due_field: str = ""
    open_filters: tuple = ()
    card_fields: tuple[str, ...] = ()
    actions: tuple[CardAction, ...] = ()


def _declared() -> dict:
    """Every app's ``desk_list_cards``, merged by DocType."""
    value = get_hooks("desk_list_cards")
    return value if isinstance(value, dict) else {}


def spec_for(doctype: str) -> CardSpec:
    raw = _declared().get(doctype) or {}
    actions = tuple(
        CardAction(
            key=str(index),
            label=str(a.get("label") or ""),
            new=str(a.get("new") or ""),
            prefill=dict(a.get("prefill") or {}),
            set=dict(a.get("set") or {}),
            when=dict(a.get("when") or {}),
            ask=tuple(a.get("ask") or ()),
        )
        for index, a in enumerate(raw.get("actions") or [])
    )
    return CardSpec(
        mine_field=raw.get("mine_field") or "owner",
        due_field=raw.get("due_field") or "",
        open_filters=tuple(tuple(f) for f in raw.get("open_filters") or ()),
        card_fields=tuple(raw.get("card_fields") or ()),
        actions=actions,
    )


# ---------------------------------------------------------------- chips


def chip_keys(spec: CardSpec, columns: ColumnSet) -> list[str]:
    """The quick chips this DocType offers the user (fields they cannot read offer none)."""
    keys = [CHIP_MINE] if spec.mine_field in columns.columns else []
    if spec.due_field and spec.due_field in columns.columns:
        keys += [CHIP_TODAY, CHIP_OVERDUE]
    return keys


def parse_chips(value: str, offered: list[str]) -> list[str]:
    """The chips of a ``chip=mine,today`` parameter that are offered; today and overdue exclude
    each other (the last one named wins)."""
    chosen = [c for c in dict.fromkeys((value or "").split(",")) if c in offered]
    if CHIP_TODAY in chosen and CHIP_OVERDUE in chosen:
        chosen.remove(
            CHIP_TODAY if chosen.index(CHIP_TODAY) < chosen.index(CHIP_OVERDUE) else CHIP_OVERDUE
        )
    return chosen


def chip_filters(spec: CardSpec, chips: list[str], user: str, today: dt.date) -> list[list[Any]]:
    """Frappe filters for the chosen chips (due ones only while the open filters hold)."""
    filters: list[list[Any]] = []
    if CHIP_MINE in chips:
        filters.append([spec.mine_field, "=", user])
    if CHIP_TODAY in chips or CHIP_OVERDUE in chips:
        op = "=" if CHIP_TODAY in chips else "<"
        filters.append([spec.due_field, op, today.isoformat()])
        filters += [list(f) for f in spec.open_filters]
    return filters


def toggled(chips: list[str], key: str) -> list[str]:
    """The chips after tapping ``key`` (on → off; today ↔ overdue swap)."""
    if key in chips:
        return [c for c in chips if c != key]
    other = {CHIP_TODAY: CHIP_OVERDUE, CHIP_OVERDUE: CHIP_TODAY}.get(key)
    return [*(c for c in chips if c != other), key]


# ---------------------------------------------------------------- cards


def card_fields(
    meta: DocTypeMeta, columns: ColumnSet, spec: CardSpec, shown: list[DocField]
) -> list[DocField]:
    """Fields a phone's card shows besides the list's columns: the declared ones, else the
    phone numbers, readable ones only."""
    names = list(spec.card_fields) or [f.fieldname for f in meta.data_fields if is_phone_field(f)]
    taken = {f.fieldname for f in shown} | {meta.title_field}
    return [columns.columns[n].field for n in names if n in columns.columns and n not in taken]


def query_fields(spec: CardSpec, columns: ColumnSet) -> list[str]:
    """Fields the actions' conditions read (readable ones only)."""
    wanted = [f for action in spec.actions for f in action.when]
    return [f for f in dict.fromkeys(wanted) if f in columns.columns]


def row_actions(
    spec: CardSpec, meta: DocTypeMeta, row: dict, phones: list[DocField], can_write: bool
) -> list[dict]:
    """What a long-press on this row offers: dial each number, then the declared actions."""
    found: list[dict] = [
        {"kind": "call", "label": _("Call"), "value": row[f.fieldname], "field": f}
        for f in phones
        if row.get(f.fieldname)
    ]
    for action in spec.actions:
        if any(str(row.get(k) or "") != str(v) for k, v in action.when.items()):
            continue
        if action.new:
            # The prefill is read from the stored document when tapped (new_form_url), so the
            # list never shows a linked record's code, even in a link.
            href = f"/app/{nav.slug(meta.name)}/{quote(str(row['name']))}/card-action?action={action.key}"
            found.append({"kind": "new", "label": _(action.label), "href": href})
        elif action.set and can_write:
            ask = [f for n in action.ask if (f := meta.get_field(n)) is not None]
            found.append({"kind": "set", "label": _(action.label), "key": action.key, "ask": ask})
    return found


def find_action(doctype: str, key: str, kind: str = "set") -> CardAction | None:
    return next((a for a in spec_for(doctype).actions if a.key == key and getattr(a, kind)), None)


def new_form_url(action: CardAction, doc: Any) -> str:
    """The new form a "new" action opens, prefilled from ``doc`` (the user may read it)."""
    prefill = {target: doc.get(source) for target, source in action.prefill.items()}
    query = urlencode({k: v for k, v in prefill.items() if v not in (None, "")})
    return f"/app/{nav.slug(action.new)}/new" + (f"?{query}" if query else "")


# ---------------------------------------------------------------- checks (desk.E011)


def problems() -> list[tuple[str, str, str, str]]:
    """(id, message, hint, obj) for every malformed ``desk_list_cards`` declaration."""
    found = []
    hint = "Fix desk_list_cards in the app's hooks.py (docs/hooks.md)."
    for doctype, raw in _declared().items():
        obj = f"desk_list_cards[{doctype!r}]"
        if not registry.exists(doctype):
            found.append(
                ("desk.E011", f"desk_list_cards names unknown DocType {doctype!r}", hint, obj)
            )
            continue
        meta = registry.get_meta(doctype)
        names = [raw.get("mine_field"), raw.get("due_field"), *(raw.get("card_fields") or [])]
        names += [f[0] for f in raw.get("open_filters") or [] if f]
        for a in raw.get("actions") or []:
            names += [*(a.get("set") or {}), *(a.get("when") or {}), *(a.get("ask") or [])]
            names += list((a.get("prefill") or {}).values())
            if sum(1 for kind in ACTION_KINDS if a.get(kind)) != 1 or not a.get("label"):
                found.append(
                    (
                        "desk.E011",
                        f"{obj}: an action needs a label and exactly one of 'new', 'set'",
                        hint,
                        obj,
                    )
                )
            if a.get("new") and not registry.exists(a["new"]):
                found.append(
                    ("desk.E011", f"{obj}: action opens unknown DocType {a['new']!r}", hint, obj)
                )
        for name in names:
            if name and name not in ("name", "owner") and not meta.has_field(name):
                found.append(
                    ("desk.E011", f"{obj} names unknown field {name!r} of {doctype!r}", hint, obj)
                )
    return found


def chip_label(key: str) -> str:
    return _(CHIP_LABELS[key])
