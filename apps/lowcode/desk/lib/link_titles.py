"""Titles of linked records, as Frappe's ``show_title_field_in_link`` shows them.

A Link value is a record's name (``CUST-00019``, ``liu.yang``); the desk shows the record's
title instead (客户名称, the user's full name). Titles are read in one query per target
DocType for a whole page, never per row, and through the permission layer: a record the
reader may not read (no permission on its DocType, outside their scope, or a title field
above their permlevel) keeps showing its raw name. Users' full names are shown to every
desk user already (timelines, the assignee picker), so those need no check.
"""

from __future__ import annotations

from collections.abc import Iterable

from lowcode.meta.doctype import DocField
from lowcode.meta.registry import exists as doctype_exists
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import full_names, has_doctype_permission
from lowcode.query import reads
from lowcode.query.builder import ColumnSet

USER = "User"  # a built-in Link target (the accounts), not a DocType
TITLES_KEY = "desk_titles"  # row[TITLES_KEY][fieldname] → the title shown for that Link


def link_fields(fields: Iterable[DocField]) -> list[DocField]:
    return [f for f in fields if f.fieldtype == "Link" and f.options]


def titles(user: str, target: str, names: Iterable) -> dict[str, str]:
    """Name → title for the records of ``target`` that ``user`` may read, in one query.

    Names without a title (none readable, an empty title, or one equal to the name) are left
    out, so the caller shows the name itself.
    """
    wanted = sorted({str(n) for n in names if n not in (None, "")})
    if not wanted:
        return {}
    if target == USER:
        return full_names(wanted)
    if not doctype_exists(target) or not has_doctype_permission(user, target):
        return {}
    meta = get_meta(target)
    title = meta.title_field
    if not title or title == "name" or meta.autoname == f"field:{title}":
        return {}  # the name is the title (a stage, a department, a product): nothing to read
    if title not in ColumnSet(meta, user).columns:
        return {}
    rows = reads.get_list(
        user,
        target,
        fields=["name", title],
        filters=[["name", "in", wanted]],
        limit=len(wanted),
    )
    return {
        row["name"]: str(row[title])
        for row in rows
        if row[title] not in (None, "") and str(row[title]) != row["name"]
    }


def titles_by_field(user: str, rows: list[dict], fields: Iterable[DocField]) -> dict[str, dict]:
    """Fieldname → {name: title} for the Link fields' values in ``rows``: one query per target
    DocType whatever the number of rows or of fields linking to it."""
    links = link_fields(fields)
    by_target: dict[str, set[str]] = {}
    for f in links:
        values = by_target.setdefault(f.options or "", set())
        values.update(str(row[f.fieldname]) for row in rows if row.get(f.fieldname))
    found = {target: titles(user, target, names) for target, names in by_target.items()}
    return {f.fieldname: found[f.options or ""] for f in links}


def annotate(user: str, rows: list[dict], fields: Iterable[DocField]) -> None:
    """Set ``row["desk_titles"]`` to {fieldname: title} for the Link values that have one."""
    by_field = titles_by_field(user, rows, fields)
    for row in rows:
        row[TITLES_KEY] = {
            fieldname: known[str(row[fieldname])]
            for fieldname, known in by_field.items()
            if row.get(fieldname) and str(row[fieldname]) in known
        }


def doc_titles(user: str, values: dict, fields: Iterable[DocField]) -> dict[str, str]:
    """{fieldname: title} for one document's Link values (a form)."""
    row = dict(values)
    annotate(user, [row], fields)
    return row[TITLES_KEY]
