"""Metadata checks, run at start-up (Django system checks) and by ``kuaicrm check``.

Every malformed definition is reported at once, each with a stable ID and a hint.
IDs never change meaning; retired IDs are not reused.

  meta.E001  DocType JSON file does not parse
  meta.E002  DocType name missing, or the file is not named after it
  meta.E003  unknown field type
  meta.E004  fieldname missing or not a lower-case identifier
  meta.E005  fieldname used twice
  meta.E006  fieldname reserved (standard column or engine attribute)
  meta.E007  Link / Table field whose options name no DocType
  meta.E008  Table field whose options DocType is not a child table (istable)
  meta.E009  Select default not among its options
  meta.E010  autoname rule invalid
  meta.E011  permission rule invalid (role missing, unknown scope)
  meta.E012  title_field / search_fields / sort_field names an unknown field
  meta.E013  child table (istable) declared submittable or with permissions
  meta.E014  indexes name an unknown field
  meta.E015  Custom Field record invalid
  meta.E016  Property Setter record invalid
  meta.E017  document mapping (hooks document_mappings) names an unknown source/target DocType
  meta.E018  document mapping maps a field or table its source or target lacks
  meta.E019  document mapping condition, source_docstatus or postprocess invalid
  meta.E025  Select options are not stable values (padded, written twice, empty line inside)
  meta.W001  unknown key ignored
  meta.W002  a DocType made at run time (tabDocType) has the name of an app's JSON DocType
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable

from django.apps import apps
from django.core.checks import CheckMessage, Error, Warning, register
from django.db import DatabaseError, models

from lowcode.meta import fieldtypes
from lowcode.meta.doctype import (
    CHILD_STANDARD_FIELDS,
    DOCFIELD_KEYS,
    DOCTYPE_KEYS,
    SCOPES,
    STANDARD_FIELDS,
    DocTypeMeta,
    doctype_from_dict,
    snake_name,
)
from lowcode.meta.loader import definition_files
from lowcode.storage.document import Document

FIELDNAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
AUTONAME_SIMPLE = ("hash", "autoincrement", "prompt", "uuid")
# Link targets that are not JSON DocTypes but engine tables.
BUILTIN_LINK_TARGETS = frozenset({"User", "DocType"})


def reserved_fieldnames() -> frozenset[str]:
    """Names a field may not take: standard columns and attributes of models and documents."""
    attributes = {n for n in dir(models.Model) if not n.startswith("__")} | {
        n for n in dir(Document) if not n.startswith("__")
    }
    return (
        frozenset(STANDARD_FIELDS + CHILD_STANDARD_FIELDS)
        | attributes
        | {"objects", "doctype", "_custom"}
    )


def _error(cid: str, msg: str, hint: str, obj: str) -> Error:
    return Error(msg, hint=hint, obj=obj, id=f"meta.{cid}")


def check_file(app: str, path, raw: dict | None, parse_error: str | None, names: set[str]) -> list:
    obj = str(path)
    if raw is None:
        return [_error("E001", f"{obj} does not parse: {parse_error}", "Fix the JSON syntax.", obj)]
    name = raw.get("name")
    if not name or snake_name(str(name)) != path.stem:
        return [
            _error(
                "E002",
                f"{obj}: DocType name {name!r} does not match its file name.",
                f"Name the DocType so that its snake_case form is '{path.stem}'.",
                obj,
            )
        ]
    meta = doctype_from_dict(raw, app)
    errors: list[CheckMessage] = []
    for key in sorted(set(raw) - DOCTYPE_KEYS):
        errors.append(
            Warning(
                f"{name}: unknown key '{key}' ignored.",
                hint="Remove it or check the spelling.",
                obj=name,
                id="meta.W001",
            )
        )
    for raw_field in raw.get("fields") or []:
        for key in sorted(set(raw_field) - DOCFIELD_KEYS):
            errors.append(
                Warning(
                    f"{name}.{raw_field.get('fieldname')}: unknown key '{key}' ignored.",
                    hint="Remove it or check the spelling.",
                    obj=name,
                    id="meta.W001",
                )
            )
    errors += check_fields(meta, names)
    errors += check_doctype_options(meta)
    return errors


def check_fields(
    meta: DocTypeMeta,
    names: set[str],
    custom_only: bool = False,
    children: set[str] | None = None,
) -> list:
    """Check every field; ``children``: the child DocTypes (default: the apps' JSON ones)."""
    errors: list[CheckMessage] = []
    reserved = reserved_fieldnames()
    seen: set[str] = set()
    if children is None:
        children = _child_tables()
    for field in meta.fields:
        if custom_only and not field.is_custom:
            seen.add(field.fieldname)
            continue
        cid = "E015" if field.is_custom else None
        where = f"{meta.name}.{field.fieldname or '?'}"

        def err(code: str, msg: str, hint: str, cid=cid, where=where) -> None:
            errors.append(_error(cid or code, msg, hint, where))

        if field.fieldtype not in fieldtypes.ALL_TYPES:
            err(
                "E003",
                f"Field '{field.fieldname}' of '{meta.name}' has unknown type '{field.fieldtype}'.",
                "Use one of Frappe's field types, e.g. Data, Int, Select, Link, Table.",
            )
        if not FIELDNAME_RE.match(field.fieldname) or keyword.iskeyword(field.fieldname):
            err(
                "E004",
                f"Field name {field.fieldname!r} of '{meta.name}' is not a lower-case identifier.",
                "Use letters, digits and underscores, starting with a letter, e.g. 'company_name'.",
            )
            continue
        if field.fieldname in seen:
            err(
                "E005",
                f"Field '{field.fieldname}' appears twice in '{meta.name}'.",
                "Rename or remove one of them.",
            )
        seen.add(field.fieldname)
        if field.fieldname in reserved:
            err(
                "E006",
                f"Field name '{field.fieldname}' of '{meta.name}' is reserved.",
                "Standard columns and engine attributes cannot be redefined; choose another name.",
            )
        if field.fieldtype in ("Link", "Table", "Table MultiSelect"):
            target = field.options or ""
            if target not in names and target not in BUILTIN_LINK_TARGETS:
                err(
                    "E007",
                    f"Field '{field.fieldname}' of '{meta.name}' links to unknown DocType '{target}'.",
                    "Set options to the name of an existing DocType.",
                )
            elif field.is_table and target not in children:
                err(
                    "E008",
                    f"Table field '{field.fieldname}' of '{meta.name}' uses '{target}', "
                    "which is not a child table.",
                    f"Set \"istable\": 1 on '{target}'.",
                )
        if (
            field.fieldtype == "Select"
            and field.default not in (None, "")
            and str(field.default) not in field.select_options
        ):
            err(
                "E009",
                f"Default {field.default!r} of Select '{field.fieldname}' in '{meta.name}' "
                "is not one of its options.",
                "Add it to options or change the default.",
            )
        problem = select_options_problem(field.select_options)
        if problem:
            err(
                "E025",
                f"Options of Select '{field.fieldname}' in '{meta.name}': {problem}.",
                "Each line is a value stored as it is written and sent by API clients; its "
                "label comes from translations/<lang>.csv (context '<DocType>:<fieldname>'). "
                "Write each value once, without surrounding spaces; only the first line may be "
                "empty (not set).",
            )
    return errors


def select_options_problem(options: list[str]) -> str:
    """Why a Select's option lines cannot serve as stable values, or "" when they can.

    The stored value is the line itself and its label is looked up by it, so a line with
    spaces around it, a value written twice or a blank line inside the list would store a
    value no label, filter or API client matches.
    """
    padded = [o for o in options if o != o.strip()]
    if padded:
        return f"{padded[0]!r} has spaces around it"
    values = [o for o in options if o]
    twice = sorted({o for o in values if values.count(o) > 1})
    if twice:
        return f"{twice[0]!r} is written twice"
    if "" in options[1:]:
        return "an empty line that is not the first"
    return ""


def check_doctype_options(meta: DocTypeMeta) -> list:
    errors: list[CheckMessage] = []
    names = {f.fieldname for f in meta.fields} | set(STANDARD_FIELDS)
    autoname = meta.autoname
    bad_autoname = None
    if autoname.startswith("field:"):
        if autoname[6:] not in names:
            bad_autoname = f"names unknown field '{autoname[6:]}'"
    elif autoname.startswith("naming_series:"):
        field = meta.get_field("naming_series")
        if field is None or field.fieldtype != "Select" or not field.options:
            bad_autoname = "needs a Select field 'naming_series' with the series as options"
    elif autoname.startswith("format:"):
        for ref in re.findall(r"\{(\w+)\}", autoname):
            if ref not in names and not re.fullmatch(r"#+|YY|YYYY|MM|DD", ref):
                bad_autoname = f"refers to unknown field '{ref}'"
    elif autoname.lower() not in AUTONAME_SIMPLE and "#" not in autoname:
        bad_autoname = "is not a known rule"
    if bad_autoname:
        errors.append(
            _error(
                "E010",
                f"autoname '{autoname}' of '{meta.name}' {bad_autoname}.",
                "Use field:<fieldname>, naming_series:, format:PREFIX-{####}, a pattern "
                "such as LEAD-.YYYY.-.#####, hash, autoincrement or prompt.",
                meta.name,
            )
        )
    for perm in meta.permissions:
        if not perm.role or perm.scope not in SCOPES:
            errors.append(
                _error(
                    "E011",
                    f"Permission rule {perm.to_dict()} of '{meta.name}' is invalid.",
                    f"Every rule needs a role and a scope among {', '.join(SCOPES)}.",
                    meta.name,
                )
            )
    for key, value in (
        ("title_field", [meta.title_field] if meta.title_field else []),
        ("search_fields", meta.search_fields),
        ("sort_field", [meta.sort_field]),
    ):
        for ref in value:
            if ref not in names:
                errors.append(
                    _error(
                        "E012",
                        f"{key} of '{meta.name}' names unknown field '{ref}'.",
                        "Name a field of this DocType.",
                        meta.name,
                    )
                )
    if meta.istable and (meta.is_submittable or meta.permissions):
        errors.append(
            _error(
                "E013",
                f"Child table '{meta.name}' cannot be submittable or carry permissions.",
                "Child rows follow their parent; move permissions to the parent DocType.",
                meta.name,
            )
        )
    # A child table's rows are read by parent: its parent columns may lead an index.
    standard = STANDARD_FIELDS + (CHILD_STANDARD_FIELDS if meta.istable else ())
    for index in meta.indexes:
        for ref in index:
            field = meta.get_field(ref)
            if ref not in standard and (field is None or not field.holds_value or field.is_custom):
                errors.append(
                    _error(
                        "E014",
                        f"Index {index} of '{meta.name}' names unknown field '{ref}'.",
                        "Index only standard columns or fields defined in the JSON.",
                        meta.name,
                    )
                )
    return errors


def _child_tables() -> set[str]:
    from lowcode.meta.loader import base_definitions

    return {name for name, meta in base_definitions().items() if meta.istable}


def check_customisations(names: set[str]) -> list:
    """Check Custom Field and Property Setter records in the database."""
    from lowcode.meta.registry import (
        DOCTYPE_PROPERTIES,
        FIELD_PROPERTIES,
        base_definitions,
        get_meta,
        parse_field_order,
    )

    errors: list[CheckMessage] = []
    try:
        CustomField = apps.get_model("lowcode", "CustomField")
        PropertySetter = apps.get_model("lowcode", "PropertySetter")
        custom_dts = set(CustomField.objects.values_list("dt", flat=True))
        setters = list(PropertySetter.objects.all())
    except DatabaseError:
        return []  # not migrated yet: nothing stored to check
    # Runtime child DocTypes count too: a Custom Field may be a Table of one.
    children = {n for n, m in base_definitions().items() if m.istable and n in names}
    for dt in sorted(custom_dts):
        if dt not in names:
            errors.append(
                _error(
                    "E015",
                    f"Custom Field for unknown DocType '{dt}'.",
                    "Delete the Custom Field or restore the DocType.",
                    dt,
                )
            )
            continue
        errors += check_fields(get_meta(dt), names, custom_only=True, children=children)
    for setter in setters:
        where = f"Property Setter {setter.name}"
        problem = None
        if setter.doc_type not in names:
            problem = f"names unknown DocType '{setter.doc_type}'"
        elif setter.field_name:
            if get_meta(setter.doc_type).get_field(setter.field_name) is None:
                problem = f"names unknown field '{setter.field_name}'"
            elif setter.property not in FIELD_PROPERTIES:
                problem = f"sets unsupported field property '{setter.property}'"
        elif setter.property not in DOCTYPE_PROPERTIES:
            problem = f"sets unsupported DocType property '{setter.property}'"
        elif setter.property == "field_order" and parse_field_order(setter.value) is None:
            problem = "sets a field_order that is not a JSON list of field names"
        if problem:
            errors.append(
                _error(
                    "E016",
                    f"{where} {problem}.",
                    "Delete it or correct the DocType, field or property.",
                    where,
                )
            )
    return errors


def run_checks(app_configs: Iterable | None = None, **kwargs) -> list[CheckMessage]:
    """Check every DocType file of every app, then stored customisations."""
    from django.conf import settings

    files = [(app, item) for app in settings.LOWCODE_APPS for item in definition_files(app)]
    names = {item.raw["name"] for _, item in files if item.raw and item.raw.get("name")}
    errors: list[CheckMessage] = []
    for app, item in files:
        errors += check_file(app, item.path, item.raw, item.error, names)
    return errors


def register_checks() -> None:
    register(run_checks, "lowcode", deploy=False)
    register(run_checks_with_db, "lowcode_db", "database")


def run_checks_with_db(app_configs: Iterable | None = None, databases=None, **kwargs) -> list:
    from django.conf import settings

    if not databases:
        return []
    names = {
        item.raw["name"]
        for app in settings.LOWCODE_APPS
        for item in definition_files(app)
        if item.raw and item.raw.get("name")
    }
    from lowcode.meta.runtime import load_rows

    runtime = set(load_rows())
    return check_runtime_shadowed(names & runtime) + (
        check_customisations(names | runtime) + check_mappings()
    )


def check_runtime_shadowed(shadowed: set[str]) -> list[CheckMessage]:
    """meta.W002: a DocType made at run time that an app now also defines in JSON."""
    return [
        Warning(
            f"DocType '{name}' is defined both in an app's JSON and at run time "
            "(tabDocType); the app's JSON is used.",
            hint="Finish adopting it (docs/runtime-doctypes.md): run `kuaicrm migrate` and "
            "remove the runtime record with lowcode.documents.schema.do_forget_doctype.",
            obj=name,
            id="meta.W002",
        )
        for name in sorted(shadowed)
    ]


def check_mappings() -> list[CheckMessage]:
    """Check every app's document mappings against merged metadata (custom fields included)."""
    from lowcode.meta.mappings import problems

    try:
        found = problems()
    except DatabaseError:
        return []  # not migrated yet
    return [Error(message, hint=hint, obj=obj, id=cid) for cid, message, hint, obj in found]
