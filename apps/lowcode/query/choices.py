"""The choices a picker offers, as ``[{value, label}]`` with the label in the user's language.

One source for the pick endpoint (``lowcode.desk.pick``), the desk's pickers and the save
path's check that a stored key is one of them (``choice_errors``). The kinds are declared on
fields in DocType JSON (``lowcode.meta.pickers``).
"""

from __future__ import annotations

from typing import Any

from lowcode import context
from lowcode.exceptions import FieldError, PermissionError
from lowcode.i18n import _, pgettext
from lowcode.meta import pickers, registry
from lowcode.meta.doctype import DocTypeMeta
from lowcode.permissions.core import (
    full_names,
    has_doctype_permission,
    is_system_manager,
    permitted_levels,
)
from lowcode.query.builder import STANDARD_LABELS, STANDARD_TYPES

MAX_CHOICES = 500  # a pick list longer than this is searched (``q``), never scrolled
Choice = dict[str, Any]


def doctype_label(name: str) -> str:
    """A DocType as people read it: its translated name, else the label it was made with."""
    translated = _(name)
    if translated != name or not registry.exists(name):
        return translated
    return getattr(registry.get_meta(name), "label", "") or name


def doctype_choices(user: str) -> list[Choice]:
    """Non-child DocTypes the user may read (all of them for a System Manager)."""
    manager = is_system_manager(user)
    names = [
        n
        for n in registry.doctype_names()
        if not registry.get_meta(n).istable and (manager or has_doctype_permission(user, n, "read"))
    ]
    return sorted(
        ({"value": n, "label": doctype_label(n)} for n in names), key=lambda c: c["value"]
    )


def _readable_meta(user: str, doctype: str) -> DocTypeMeta | None:
    if not doctype or not registry.exists(doctype):
        return None
    if not is_system_manager(user) and not has_doctype_permission(user, doctype, "read"):
        raise PermissionError(_("No permission to read {doctype}", doctype=_(doctype)))
    return registry.get_meta(doctype)


def field_choices(user: str, doctype: str) -> list[Choice]:
    """A DocType's value fields the user may read, then the engine's own columns."""
    meta = _readable_meta(user, doctype)
    if meta is None:
        return []
    levels = permitted_levels(user, doctype, "read") if not is_system_manager(user) else None
    found = [
        {"value": f.fieldname, "label": _(f.label or f.fieldname), "fieldtype": f.fieldtype}
        for f in meta.fields
        if (f.holds_value or f.is_table) and (levels is None or f.permlevel in levels)
    ]
    taken = {c["value"] for c in found}
    found += [
        {"value": name, "label": _(label), "fieldtype": STANDARD_TYPES.get(name, "Data")}
        for name, label in STANDARD_LABELS.items()
        if name not in taken
    ]
    return found


def role_choices(user: str) -> list[Choice]:
    from lowcode.storage.factory import get_model

    names = context.cached(
        ("choices-roles",),
        lambda: list(get_model("Role").objects.order_by("name").values_list("name", flat=True)),
    )
    return [{"value": n, "label": _(n)} for n in names]


def user_choices(user: str) -> list[Choice]:
    """Enabled users: the full name, then the login name (the stored key)."""
    from django.contrib.auth import get_user_model

    names = list(
        get_user_model()
        .objects.filter(is_active=True)
        .order_by("username")
        .values_list("username", flat=True)
    )
    full = full_names(names)
    return [
        {"value": n, "label": f"{full[n]} ({n})" if n in full else n} for n in names if n != "Guest"
    ]


def workflow_state_choices(user: str, doctype: str) -> list[Choice]:
    """The states of the DocType's workflows (active first), once each."""
    from lowcode.storage.factory import get_model

    if _readable_meta(user, doctype) is None:
        return []
    rows = (
        get_model("Workflow Document State")
        .objects.filter(
            parenttype="Workflow",
            parent__in=get_model("Workflow").objects.filter(document_type=doctype).values("name"),
        )
        .order_by("parent", "idx")
        .values_list("state", flat=True)
    )
    return [{"value": s, "label": _(s)} for s in dict.fromkeys(rows) if s]


def workflow_action_choices(user: str, doctype: str) -> list[Choice]:
    """The actions (transitions) of the DocType's workflows, once each."""
    from lowcode.storage.factory import get_model

    if _readable_meta(user, doctype) is None:
        return []
    rows = (
        get_model("Workflow Transition")
        .objects.filter(
            parenttype="Workflow",
            parent__in=get_model("Workflow").objects.filter(document_type=doctype).values("name"),
        )
        .order_by("parent", "idx")
        .values_list("action", flat=True)
    )
    return [{"value": a, "label": _(a)} for a in dict.fromkeys(rows) if a]


def option_choices(user: str, doctype: str, fieldname: str) -> list[Choice]:
    """A Select field's options, worded for that field."""
    meta = _readable_meta(user, doctype)
    field = meta.get_field(fieldname) if meta is not None else None
    if field is None or field.fieldtype != "Select":
        return []
    return [{"value": o, "label": pgettext(fieldname, o)} for o in field.select_options if o]


def choices(user: str, kind: str, doctype: str = "", fieldname: str = "") -> list[Choice]:
    """The choices of one kind; ``doctype`` / ``fieldname`` where the kind reads one."""
    if kind == "doctype":
        return doctype_choices(user)
    if kind == "field":
        return field_choices(user, doctype)
    if kind == "role":
        return role_choices(user)
    if kind == "user":
        return user_choices(user)
    if kind == "workflow_state":
        return workflow_state_choices(user, doctype)
    if kind == "workflow_action":
        return workflow_action_choices(user, doctype)
    if kind == "option":
        return option_choices(user, doctype, fieldname)
    raise ValueError(kind)


def search(items: list[Choice], q: str, limit: int = MAX_CHOICES) -> list[Choice]:
    """Items whose key or label contains ``q`` (any case), at most ``limit``."""
    text = q.strip().lower()
    if text:
        items = [c for c in items if text in c["value"].lower() or text in c["label"].lower()]
    return items[:limit]


# ---------------------------------------------------------------- the save path's check


def _allowed(kind: str, source: str) -> set[str] | None:
    """Every acceptable key of a validated kind, whoever saves (None: nothing to check)."""
    if kind == "doctype":
        return {n for n in registry.doctype_names() if not registry.get_meta(n).istable}
    if kind == "field":
        if not source or not registry.exists(source):
            return None  # the source field's own check names the problem
        meta = registry.get_meta(source)
        return {f.fieldname for f in meta.fields if f.holds_value or f.is_table} | set(
            STANDARD_LABELS
        )
    if kind == "role":
        return {c["value"] for c in role_choices("Administrator")}
    if kind == "user":
        from django.contrib.auth import get_user_model

        return set(get_user_model().objects.values_list("username", flat=True))
    if kind == "workflow_state":
        if not source or not registry.exists(source):
            return None
        return {c["value"] for c in workflow_state_choices("Administrator", source)}
    if kind == "workflow_action":
        if not source or not registry.exists(source):
            return None
        return {c["value"] for c in workflow_action_choices("Administrator", source)}
    return None


def _cached_allowed(kind: str, source: str) -> set[str] | None:
    return context.cached(("choices-allowed", kind, source), lambda: _allowed(kind, source))


def _field_errors(meta: DocTypeMeta, values: dict, parent_values: dict | None) -> list:
    from lowcode.storage.validation import label_of

    errors = []
    for field, picker in pickers.picker_fields(meta):
        value = values.get(field.fieldname)
        if value in (None, "") or field.fieldtype == "Link":
            continue  # a Link is checked as a link already
        if picker.kind == "condition":
            errors += _condition_errors(field, str(value))
            continue
        if picker.kind == "field_list":
            errors += _field_list_errors(field, picker, value, values, parent_values)
            continue
        if not picker.validated:
            continue
        source = pickers.source_value(picker, values, parent_values)
        allowed = _cached_allowed(picker.kind, source)
        keys = pickers.split_keys(str(value)) if picker.multiple else [str(value)]
        wrong = [k for k in keys if allowed is not None and k not in allowed]
        if not wrong:
            continue
        value = ", ".join(wrong)
        message = _(
            "{label}: {value} is not one of the choices",
            label=label_of(field),
            value=str(value),
        )
        if picker.kind == "field":
            message = _(
                "{label}: {doctype} has no field {value}",
                label=label_of(field),
                doctype=_(source),
                value=str(value),
            )
        errors.append(FieldError(field.fieldname, "choice", message))
    return errors


def _field_list_errors(field, picker, value, values, parent_values) -> list[FieldError]:
    """A field list naming a field its DocType lacks (a raw structure saying more is kept)."""
    from lowcode.storage.validation import label_of

    source = pickers.source_value(picker, values, parent_values)
    allowed = _cached_allowed("field", source)
    wrong = [
        f for f in pickers.listed_fields(value) or [] if allowed is not None and f not in allowed
    ]
    if not wrong:
        return []
    message = _(
        "{label}: {doctype} has no field {value}",
        label=label_of(field),
        doctype=_(source),
        value=", ".join(wrong),
    )
    return [FieldError(field.fieldname, "choice", message)]


def _condition_errors(field, source: str) -> list[FieldError]:
    from lowcode import expressions
    from lowcode.storage.validation import label_of

    try:
        expressions.compile_condition(source)
    except expressions.ExpressionError:
        return [
            FieldError(
                field.fieldname,
                "condition",
                _("{label} is not a valid condition", label=label_of(field)),
            )
        ]
    return []


def has_pickers(meta: DocTypeMeta) -> bool:
    """Whether the DocType or one of its child tables declares a picker."""
    if pickers.picker_fields(meta):
        return True
    return any(
        pickers.picker_fields(registry.get_meta(f.options))
        for f in meta.fields
        if f.is_table and f.options and registry.exists(f.options)
    )


def choice_errors(meta: DocTypeMeta, doc, values: dict) -> list[FieldError]:
    """A stored key that is not one of its field's choices, in the document and its rows."""
    from lowcode.storage.validation import label_of, values_of

    if not has_pickers(meta):
        return []
    errors = _field_errors(meta, values, None)
    for table in meta.fields:
        if not table.is_table or not table.options or not registry.exists(table.options):
            continue
        child = registry.get_meta(table.options)
        if not pickers.picker_fields(child):
            continue
        for idx, row in enumerate(doc.get_children(table.fieldname), start=1):
            for error in _field_errors(child, values_of(row, child), values):
                errors.append(
                    FieldError(
                        error.fieldname,
                        error.rule,
                        _(
                            "{table} row {row}: {message}",
                            table=label_of(table),
                            row=idx,
                            message=error.message,
                        ),
                        row=idx,
                        table=table.fieldname,
                    )
                )
    return errors
