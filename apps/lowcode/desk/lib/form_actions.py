"""Form actions: buttons an app declares on a DocType's form (hooks ``desk_form_actions``).

Each action is plain data in ``hooks.py``::

    desk_form_actions = {"Lead": [{
        "label": "Convert to Opportunity",       # the button (translated)
        "method": "kuaicrm.convert_lead",        # a whitelisted method, called as the API does
        "doc_arg": "lead",                       # the argument that receives the document's name
        "params": {"create_opportunity": 1},     # fixed arguments (optional)
        "depends_on": "eval:doc.workflow_state == 'Demo Scheduled'",  # shown only when it holds
        "roles": ["Sales User", "Sales Manager"],  # optional: any of these roles
        "ptype": "write",                        # the user's permission on the document (default)
        "fields": [{"fieldname": "reason", "fieldtype": "Small Text", "label": "Reason",
                    "reqd": 1, "default": "", "options": ""}],   # the dialog's inputs
        "initial": "kuaicrm.conversion.convert_dialog_values",  # f(user, doc) -> the inputs' values
        "field_errors": {"stage_reason": "reason"},  # the method's field → the dialog's field
        "confirm": "…",                          # a sentence above the inputs (optional)
        "success": "Converted: opportunity {opportunity}",  # the toast, from the method's result
        "redirect": {"doctype": "Opportunity", "key": "opportunity"},  # go to result[key]
        "replaces_transition": "Convert to Opportunity",  # the bare workflow button is hidden
    }, {
        "label": "Log a follow-up", "new": "Follow-up Record", "prefill": {"lead": "name"},
    }, {
        "label": "Make Quotation", "mapping": "kuaicrm.make_quotation",  # hooks document_mappings
    }]}

A ``method`` action opens a dialog and posts to ``/app/<slug>/<name>/run/<key>``, which calls
the method through the API's own dispatch (``lowcode.api.views.call_method``): the method
checks permissions exactly as it does for ``/api/method/``. A ``new`` action is a link to the
target DocType's new form with fields prefilled from this document (``prefill``: target
field → this document's field). A ``mapping`` action opens the new form of the mapping's
target filled by the mapping itself (``lowcode.documents.mapping``: fields and child rows,
through the permission layer); saving it is an ordinary insert. It shows only while the
mapping accepts this document (its source docstatus and condition).

Whether a button shows is decided here, on the server: the method exists, the user holds one
of ``roles`` and ``ptype`` on the document (``create`` on the target for ``new``), and
``depends_on`` holds — evaluated by the engine's safe expression evaluator on the values the
save path would see, as the form's own ``depends_on`` is. A dialog field named like a field
of the DocType inherits its type, label and options (``{"fieldname": "lost_reason"}``).

A dialog field may also say (issue 17: a stage change is a picker, lost fields only when losing):

- ``"choices": "records"`` (a Link): a picker of the linked DocType's records the user may read,
  in its sort order, enabled ones only when it has an ``enabled`` field, shown by title;
- ``"next_label": "Next Stage"`` (with ``choices``): a button that picks the record after the
  document's current value and confirms at once; it never picks a record that would open a
  ``show_when`` field (a lost stage asks its questions, so it is chosen deliberately);
- ``"show_when": {"stage": {"stage_type": "Lost"}}``: the input shows (and is posted) only while
  the dialog's ``stage`` is a record whose ``stage_type`` is Lost;
- ``"read_only": 1``: shown, not posted (what the action will use, e.g. the customer a
  conversion creates).

An action's ``initial`` (a dotted path, ``f(user, doc) -> dict``) prefills the inputs from the
document (a conversion dialog starts with the lead's company, contact and expected amount).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from lowcode.documents.actions import _user_info
from lowcode.exceptions import FieldError, FrappeError, ValidationError
from lowcode.expressions import ExpressionError, compile_condition, evaluate
from lowcode.hooks_loader import get_hooks
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.meta.doctype import DocField
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import (
    get_roles,
    has_doctype_permission,
    has_permission,
    is_administrator,
)

# Input types a dialog renders (the rest of the form's types need the full form).
DIALOG_FIELDTYPES = frozenset(
    {
        "Data",
        "Small Text",
        "Text",
        "Select",
        "Link",
        "Date",
        "Datetime",
        "Int",
        "Float",
        "Currency",
        "Percent",
        "Check",
    }
)
PTYPES = frozenset({"read", "write", "delete", "submit", "cancel"})


@dataclass(frozen=True)
class FormAction:
    """One declared action of a DocType's form."""

    doctype: str
    key: str
    label: str
    method: str = ""
    new: str = ""
    mapping: str = ""
    doc_arg: str = "name"
    params: dict = field(default_factory=dict)
    prefill: dict = field(default_factory=dict)
    depends_on: str = ""
    roles: frozenset[str] = frozenset()
    ptype: str = "write"
    fields: tuple[DocField, ...] = ()
    field_errors: dict = field(default_factory=dict)
    confirm: str = ""
    success: str = ""
    redirect: dict = field(default_factory=dict)
    replaces_transition: str = ""
    initial: str = ""

    @property
    def opens_dialog(self) -> bool:
        return bool(self.method)

    def dialog_fieldnames(self) -> set[str]:
        return {f.fieldname for f in self.fields}


def _key(spec: dict) -> str:
    given = str(spec.get("key") or "")
    return given or re.sub(r"[^a-z0-9]+", "-", str(spec.get("label", "")).lower()).strip("-")


def _dialog_field(doctype: str, spec: dict) -> DocField:
    """A dialog input; one named like a field of ``doctype`` starts as a copy of it."""
    base = (
        registry.get_meta(doctype).get_field(spec["fieldname"])
        if registry.exists(doctype)
        else None
    )
    inherited: dict[str, Any] = {}
    if base is not None and "fieldtype" not in spec:
        inherited = {
            "fieldtype": base.fieldtype,
            "label": base.label,
            "options": base.options,
            "description": base.description,
        }
    values = {**inherited, **spec}
    return DocField(
        fieldname=str(values["fieldname"]),
        fieldtype=str(values.get("fieldtype") or "Data"),
        label=str(values.get("label") or values["fieldname"]),
        options=values.get("options") or None,
        reqd=bool(values.get("reqd")),
        default=values.get("default"),
        description=values.get("description") or None,
        raw=dict(spec),
    )


def _action(doctype: str, spec: dict) -> FormAction:
    return FormAction(
        doctype=doctype,
        key=_key(spec),
        label=str(spec.get("label", "")),
        method=str(spec.get("method") or ""),
        new=str(spec.get("new") or ""),
        mapping=str(spec.get("mapping") or ""),
        doc_arg=str(spec.get("doc_arg") or "name"),
        params=dict(spec.get("params") or {}),
        prefill=dict(spec.get("prefill") or {}),
        depends_on=str(spec.get("depends_on") or ""),
        roles=frozenset(spec.get("roles") or ()),
        ptype=str(
            spec.get("ptype") or ("read" if spec.get("new") or spec.get("mapping") else "write")
        ),
        fields=tuple(
            _dialog_field(doctype, f) for f in spec.get("fields") or () if "fieldname" in f
        ),
        field_errors=dict(spec.get("field_errors") or {}),
        confirm=str(spec.get("confirm") or ""),
        success=str(spec.get("success") or ""),
        redirect=dict(spec.get("redirect") or {}),
        replaces_transition=str(spec.get("replaces_transition") or ""),
        initial=str(spec.get("initial") or ""),
    )


def declared_specs() -> dict[str, list[dict]]:
    """The raw declarations of every app, by DocType."""
    return get_hooks("desk_form_actions") or {}


def declared(doctype: str) -> list[FormAction]:
    """The actions the apps declare for ``doctype``, in their order."""
    return [_action(doctype, spec) for spec in declared_specs().get(doctype) or []]


def _condition_holds(action: FormAction, values: dict, user: str) -> bool:
    if not action.depends_on:
        return True
    from lowcode.desk.lib.form import typed_values

    try:
        return evaluate(
            action.depends_on, typed_values(get_meta(action.doctype), values), _user_info(user)
        )
    except ExpressionError:
        return False  # a malformed condition is reported by the check desk.E003; hide the button


def may_use(user: str, action: FormAction, doc, values: dict) -> bool:
    """Whether ``user`` sees (and may run) ``action`` on ``doc`` right now."""
    from lowcode.api.views import resolve_method

    if action.roles and not (is_administrator(user) or get_roles(user) & action.roles):
        return False
    if action.method and resolve_method(action.method) is None:
        return False
    if action.new and not (
        registry.exists(action.new) and has_doctype_permission(user, action.new, "create")
    ):
        return False
    if not has_permission(user, doc, action.ptype):
        return False
    if action.mapping and not _mapping_accepts(user, action, doc):
        return False
    return _condition_holds(action, values, user)


def _mapping_accepts(user: str, action: FormAction, doc) -> bool:
    from lowcode.documents import mapping as mapping_lib
    from lowcode.meta.mappings import get_mapping

    found = get_mapping(action.mapping)
    if found is None or found.source != action.doctype or not registry.exists(found.target):
        return False
    if not has_doctype_permission(user, found.target, "create"):
        return False
    return mapping_lib.source_refusal(found, doc, user) is None


@dataclass(frozen=True)
class ShownAction:
    action: FormAction
    href: str = ""  # a "new" action's link
    initial: dict = field(default_factory=dict)  # the dialog's inputs, prefilled
    extras: dict = field(default_factory=dict)  # choices, next, show_when (dialog_extras)

    @property
    def key(self) -> str:
        return self.action.key


def new_link(action: FormAction, values: dict) -> str:
    from lowcode.desk.lib.nav import slug

    prefill = {
        target: values.get(source)
        for target, source in action.prefill.items()
        if values.get(source)
    }
    query = f"?{urlencode(prefill)}" if prefill else ""
    return f"/app/{slug(action.new)}/new{query}"


def mapping_link(action: FormAction, name: str) -> str:
    """The mapping target's new form, filled from this document by the mapping."""
    from lowcode.desk.lib.nav import slug
    from lowcode.meta.mappings import get_mapping

    found = get_mapping(action.mapping)
    target = found.target if found is not None else ""
    query = urlencode({MAPPING_PARAM: action.mapping, SOURCE_PARAM: name})
    return f"/app/{slug(target)}/new?{query}"


# The new form's query parameters of a mapping action (never field names: fields start a-z).
MAPPING_PARAM, SOURCE_PARAM = "__mapping", "__source"


def _href(action: FormAction, doc, values: dict) -> str:
    if action.new:
        return new_link(action, values)
    if action.mapping:
        return mapping_link(action, doc.name)
    return ""


def available(user: str, doctype: str, doc, values: dict) -> list[ShownAction]:
    """The actions to show on ``doc``'s form for ``user``."""
    if doc is None:
        return []
    shown = []
    for action in declared(doctype):
        if not may_use(user, action, doc, values):
            continue
        if not action.opens_dialog:
            shown.append(ShownAction(action, _href(action, doc, values)))
            continue
        extras = dialog_extras(user, action, values)
        initial = initial_values(action, user, doc)
        for fieldname in extras["choices"]:
            # a picker of records starts at the document's own value (the current stage)
            initial.setdefault(fieldname, values.get(fieldname))
        shown.append(ShownAction(action, initial=initial, extras=extras))
    return shown


def find(user: str, doctype: str, doc, values: dict, key: str) -> FormAction | None:
    """The dialog action ``key`` if ``user`` may run it on ``doc`` now, else None."""
    for action in declared(doctype):
        if action.key == key and action.method and may_use(user, action, doc, values):
            return action
    return None


def replaced_transitions(shown: list[ShownAction]) -> set[str]:
    """Workflow actions a shown form action stands for (the form hides their bare buttons)."""
    return {s.action.replaces_transition for s in shown if s.action.replaces_transition}


# ------------------------------------------------------------------ the dialog's post


def initial_values(action: FormAction, user: str = "", doc=None) -> dict[str, Any]:
    """The inputs' first values: the fields' defaults, then the action's ``initial`` function
    (``f(user, doc)``; a list action has no document and passes None)."""
    values = {f.fieldname: f.default for f in action.fields if f.default not in (None, "")}
    if action.initial:
        from lowcode.hooks_loader import resolve

        found = resolve(action.initial)(user, doc) or {}
        names = action.dialog_fieldnames()
        values.update({k: v for k, v in found.items() if k in names and v not in (None, "")})
    return values


def _record_choices(user: str, doctype: str) -> list[dict[str, Any]]:
    """The records of ``doctype`` the user may read, in its sort order, enabled ones only."""
    from lowcode.exceptions import PermissionError
    from lowcode.permissions.core import permitted_queryset

    meta = get_meta(doctype)
    try:
        rows = permitted_queryset(user, doctype)
    except PermissionError:
        return []
    if meta.has_field("enabled"):
        rows = rows.filter(enabled=True)
    sort = meta.sort_field if meta.sort_field and meta.has_field(meta.sort_field) else "name"
    rows = rows.order_by(("-" if (meta.sort_order or "").lower() == "desc" else "") + sort, "name")
    title = meta.title_field if meta.title_field and meta.has_field(meta.title_field) else None
    return [
        {"value": r.name, "label": _(str(r.get(title) or r.name)) if title else r.name, "doc": r}
        for r in rows[:200]
    ]


def dialog_extras(user: str, action: FormAction, values: dict) -> dict[str, Any]:
    """What the dialog draws beyond plain inputs: ``choices`` and ``next`` by field (a picker of
    records and the record after the document's value), ``show`` by field (the controlling
    field and the values that show it)."""
    choices: dict[str, list] = {}
    for f in action.fields:
        if (
            f.raw.get("choices") == "records"
            and f.fieldtype == "Link"
            and registry.exists(f.options or "")
        ):
            choices[f.fieldname] = _record_choices(user, f.options or "")
    show: dict[str, dict] = {}
    for f in action.fields:
        for controller, wanted in (f.raw.get("show_when") or {}).items():
            options = choices.get(controller) or []
            matching = [
                o["value"]
                for o in options
                if all(str(o["doc"].get(k)) == str(v) for k, v in dict(wanted).items())
            ]
            show[f.fieldname] = {"field": controller, "values": matching}
    opening = {v for s in show.values() for v in s["values"]}
    following: dict[str, dict] = {}
    for f in action.fields:
        picked = choices.get(f.fieldname)
        if not picked or not f.raw.get("next_label"):
            continue
        keys = [o["value"] for o in picked]
        current = values.get(f.fieldname)
        start = keys.index(current) + 1 if current in keys else 0
        after = [o for o in picked[start:] if o["value"] not in opening]
        if after:
            following[f.fieldname] = {"value": after[0]["value"], "label": after[0]["label"]}
    plain = {k: [{"value": o["value"], "label": o["label"]} for o in v] for k, v in choices.items()}
    return {"choices": plain, "next": following, "show": show}


def parse_dialog(action: FormAction, post, extras: dict | None = None) -> dict[str, Any]:
    """The dialog's values (declared fields only, empty ones left out); a missing required
    value raises, naming the field. A read-only input, or one whose ``show_when`` does not
    hold for the posted values, is not taken."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    show = (extras or {}).get("show") or {}
    for f in action.fields:
        rule = show.get(f.fieldname)
        if f.raw.get("read_only") or (rule and post.get(rule["field"]) not in rule["values"]):
            continue
        posted = post.getlist(f.fieldname)
        raw = str(posted[-1]).strip() if posted else ""
        if raw:
            values[f.fieldname] = raw
        elif f.reqd:
            message = _("{label} is required", label=_(f.label))
            errors.append(FieldError(f.fieldname, "reqd", message))
    if errors:
        raise ValidationError("; ".join(e.message for e in errors), errors)
    return values


def method_params(action: FormAction, name: str, values: dict) -> dict[str, Any]:
    return {**action.params, **values, action.doc_arg: name}


def split_errors(action: FormAction, exc: FrappeError) -> tuple[dict[str, list[str]], list[str]]:
    """(messages by dialog field, the rest): a method's field named in ``field_errors`` or
    declared in the dialog shows next to its input; others above the inputs."""
    by_field: dict[str, list[str]] = {}
    other: list[str] = []
    names = action.dialog_fieldnames()
    for error in exc.errors:
        target = action.field_errors.get(error.fieldname, error.fieldname)
        if target in names:
            by_field.setdefault(target, []).append(error.message)
        else:
            other.append(error.message)
    if not exc.errors:
        other.append(str(exc))
    return by_field, other


def success_message(action: FormAction, result: Any, user: str = "", doctype: str = "") -> str:
    """The toast after the action; records the result names read as their titles."""
    if action.success:
        params = (
            {k: v for k, v in result.items() if isinstance(k, str)}
            if isinstance(result, dict)
            else {}
        )
        if user and doctype:
            params = _titled(user, doctype, action, params)
        try:
            return _(action.success, **params)
        except (KeyError, IndexError, ValueError):
            pass  # the result lacks a placeholder: the generic message
    return _("{action}: done", action=_(action.label))


def _titled(user: str, doctype: str, action: FormAction, params: dict) -> dict:
    """A result's record names as their titles (已转化：客户 苏州华瑞机械, not CUST-00018): a key
    named as a Link field of the form's DocType reads its target, ``name`` the form's own
    DocType, the redirect's key its DocType; a record the user may not read keeps its name."""
    from lowcode.desk.lib.link_titles import titles

    targets = {
        f.fieldname: f.options
        for f in get_meta(doctype).data_fields
        if f.fieldtype == "Link" and f.options
    }
    targets["name"] = doctype
    if action.redirect.get("doctype") and action.redirect.get("key"):
        targets[action.redirect["key"]] = action.redirect["doctype"]
    shown = dict(params)
    for key, target in targets.items():
        value = params.get(key)
        if isinstance(value, str) and value:
            shown[key] = titles(user, str(target), [value]).get(value, value)
    return shown


def target_url(action: FormAction, slug: str, name: str, result: Any) -> str:
    """Where the user goes next: the record the result names (``redirect``), else back."""
    from lowcode.desk.lib.nav import slug as slug_of

    doctype, key = action.redirect.get("doctype"), action.redirect.get("key")
    if doctype and key and isinstance(result, dict) and result.get(key):
        return f"/app/{slug_of(doctype)}/{quote(str(result[key]), safe='')}"
    return f"/app/{slug}/{quote(name, safe='')}"


# ------------------------------------------------------------------ checks (kuaicrm check)


def problems() -> list[tuple[str, str, str, str]]:
    """Every malformed declaration as (id, message, hint, obj); see lowcode.desk.checks."""
    from lowcode.api.views import resolve_method

    found: list[tuple[str, str, str, str]] = []
    for doctype, specs in sorted(declared_specs().items()):
        obj = f"desk_form_actions {doctype}"
        if not registry.exists(doctype):
            found.append(
                ("desk.E001", f"Form actions are declared for unknown DocType '{doctype}'.",
                 "Name an installed DocType.", obj)
            )  # fmt: skip
            continue
        keys: set[str] = set()
        for spec in specs:
            action = _action(doctype, spec)
            where = f"{obj}: '{action.label}'"
            if not action.label or action.key in keys:
                found.append(
                    ("desk.E002", f"A form action of '{doctype}' has no label or repeats key '{action.key}'.",
                     "Give each action its own label (or key).", where)
                )  # fmt: skip
            keys.add(action.key)
            if [bool(action.method), bool(action.new), bool(action.mapping)].count(True) != 1:
                found.append(
                    ("desk.E007", f"Form action '{action.label}' of '{doctype}' must name exactly one of method, new or mapping.",
                     "Use 'method' for a dialog that calls a whitelisted method, 'new' for a prefilled new form, 'mapping' for a document mapping.", where)
                )  # fmt: skip
            elif action.mapping and _mapping_source(action.mapping) != doctype:
                found.append(
                    ("desk.E008", f"Form action '{action.label}' of '{doctype}' names mapping '{action.mapping}', which is not declared with source '{doctype}'.",
                     "Name a key of an app's document_mappings whose source is this DocType.", where)
                )  # fmt: skip
            elif action.method and resolve_method(action.method) is None:
                found.append(
                    ("desk.E004", f"Form action '{action.label}' of '{doctype}' calls unknown method '{action.method}'.",
                     "Declare the method in an app's hooks.py whitelisted_methods.", where)
                )  # fmt: skip
            elif action.new and not registry.exists(action.new):
                found.append(
                    ("desk.E001", f"Form action '{action.label}' of '{doctype}' opens unknown DocType '{action.new}'.",
                     "Name an installed DocType.", where)
                )  # fmt: skip
            if action.depends_on:
                try:
                    compile_condition(action.depends_on)
                except ExpressionError as exc:
                    found.append(
                        ("desk.E003", f"Form action '{action.label}' of '{doctype}' has a condition that does not parse: {exc}",
                         "Write a safe expression over doc and user, e.g. eval:doc.in_pool == 1.", where)
                    )  # fmt: skip
            if action.initial:
                from lowcode.hooks_loader import resolve

                try:
                    resolve(action.initial)
                except ImportError:
                    found.append(
                        ("desk.E011", f"Form action '{action.label}' of '{doctype}' prefills its dialog with '{action.initial}', which cannot be imported.",
                         "Name a function f(user, doc) -> dict by its dotted path.", where)
                    )  # fmt: skip
            if action.ptype not in PTYPES:
                found.append(
                    ("desk.E005", f"Form action '{action.label}' of '{doctype}' asks for unknown permission '{action.ptype}'.",
                     f"Use one of {', '.join(sorted(PTYPES))}.", where)
                )  # fmt: skip
            for f in action.fields:
                if f.fieldtype not in DIALOG_FIELDTYPES or (
                    f.fieldtype == "Link" and not registry.exists(f.options or "")
                ):
                    found.append(
                        ("desk.E006", f"Dialog field '{f.fieldname}' of form action '{action.label}' has type '{f.fieldtype}' ({f.options or '-'}), which a dialog cannot show.",
                         f"Use one of {', '.join(sorted(DIALOG_FIELDTYPES))}; a Link needs an installed DocType.", where)
                    )  # fmt: skip
    return found


def _mapping_source(key: str) -> str | None:
    from lowcode.meta.mappings import get_mapping

    found = get_mapping(key)
    return found.source if found is not None else None
