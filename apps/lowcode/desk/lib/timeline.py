"""A document's timeline: comments, versions, assignments and workflow actions, newest first."""

from __future__ import annotations

from lowcode.desk.actions import COMMENT
from lowcode.i18n import _, option_label
from lowcode.meta.doctype import DocTypeMeta
from lowcode.models import Assignment, Version
from lowcode.permissions.core import full_names, permitted_levels, readable_version
from lowcode.query.serialize import to_json
from lowcode.storage.factory import get_model

ENTRIES_PER_KIND = 100


def shown_value(field, value) -> str:
    """A version value as people read it: option labels translated, times to the minute."""
    if value in (None, ""):
        return ""
    if field.fieldtype == "Select":
        return option_label(field, value)
    if field.fieldname == "workflow_state":
        return _(str(value))
    if field.fieldtype == "Datetime":
        return str(value)[:16]
    if field.fieldtype == "Check":
        return _("Yes") if int(value or 0) else _("No")
    return str(value)


def timeline(user: str, meta: DocTypeMeta, doc) -> list[dict]:
    """Return entries of a document the caller already fetched through ``access_doc``."""
    levels = permitted_levels(user, meta.name, "read")
    readable = {f.fieldname: f for f in meta.fields if f.permlevel in levels}
    entries: list[dict] = [
        {
            "kind": "created",
            "user": doc.owner,
            "at": to_json(doc.creation),
            "text": _("created this, amended from {name}", name=doc.get("amended_from"))
            if doc.get("amended_from")
            else _("created this"),
        }
    ]
    comments = (
        get_model(COMMENT)
        .objects.filter(reference_doctype=meta.name, reference_name=doc.name)
        .order_by("-creation")[:ENTRIES_PER_KIND]
    )
    entries += [
        {"kind": "comment", "user": c.owner, "at": to_json(c.creation), "text": c.content}
        for c in comments
    ]
    versions = Version.objects.filter(ref_doctype=meta.name, docname=doc.name).order_by(
        "-creation"
    )[:ENTRIES_PER_KIND]
    for version in versions:
        data = readable_version(user, meta.name, version.data)
        if data.get("amended_to"):  # documents/actions.do_amend_doc
            entries.append(
                {
                    "kind": "amended",
                    "user": version.owner,
                    "at": to_json(version.creation),
                    "text": _("amended as {name}", name=data["amended_to"]),
                }
            )
            continue
        changed = data.get("changed", [])
        if version.creation == doc.creation and all(old in (None, "") for _n, old, _v in changed):
            continue  # the insert's own version: "created this" already says it
        changes = [
            {
                "label": _(readable[name].label or name),
                "old": shown_value(readable[name], old),
                "new": shown_value(readable[name], new),
                "field": readable[name],  # Link values get their titles below
            }
            for name, old, new in changed
            if name in readable  # standard fields (owner…) have no label to show
        ]
        rows = data.get("row_changed") or data.get("added") or []
        if changes or rows:
            entries.append(
                {
                    "kind": "version",
                    "user": version.owner,
                    "at": to_json(version.creation),
                    "changes": changes,
                    "text": _("changed {count} child rows", count=len(rows))
                    if rows and not changes
                    else "",
                }
            )
    for assignment in Assignment.objects.filter(ref_doctype=meta.name, docname=doc.name)[
        :ENTRIES_PER_KIND
    ]:
        entries.append(
            {
                "kind": "assignment",
                "user": assignment.user,
                "at": to_json(assignment.creation),
                "text": _("assigned to {user}", user=assignment.user),
                "assignee": assignment.user,  # named below, with everyone else
            }
        )
    logs = (
        get_model("Workflow Log")
        .objects.filter(reference_doctype=meta.name, reference_name=doc.name)
        .order_by("-timestamp")[:ENTRIES_PER_KIND]
    )
    for log in logs:
        entries.append(
            {
                "kind": "workflow",
                "user": log.user,
                "at": to_json(log.timestamp),
                "text": _(
                    "{action}: {source} → {target}",
                    action=_(log.action),
                    source=_(log.from_state or ""),
                    target=_(log.to_state),
                ),
                # A return's reason and the approver's comment: both are the decision's words.
                "comment": " · ".join(t for t in (log.reason, log.comment) if t),
                "is_exception": bool(log.is_exception),
            }
        )
    entries.sort(key=lambda e: e["at"] or "", reverse=True)
    names = full_names({e["user"] for e in entries} | {e.get("assignee", "") for e in entries})
    for entry in entries:
        entry["user_name"] = names.get(entry["user"]) or entry["user"]
        if entry.get("assignee"):
            who = names.get(entry["assignee"]) or entry["assignee"]
            entry["text"] = _("assigned to {user}", user=who)
    _title_links(user, entries)
    return entries


def _title_links(user: str, entries: list[dict]) -> None:
    """Link values in changes read as titles (苏州华瑞机械, 李娜), one query per target DocType
    for the whole timeline; a record the reader may not read keeps its name (link_titles)."""
    from lowcode.desk.lib.link_titles import titles

    changes = [c for e in entries for c in e.get("changes", ())]
    wanted: dict[str, set[str]] = {}
    for change in changes:
        field = change["field"]
        if field.fieldtype == "Link" and field.options:
            wanted.setdefault(field.options, set()).update(
                v for v in (change["old"], change["new"]) if v
            )
    found = {target: titles(user, target, names) for target, names in wanted.items()}
    for change in changes:
        field = change.pop("field")
        known = found.get(field.options or "", {}) if field.fieldtype == "Link" else {}
        change["old"] = known.get(change["old"], change["old"])
        change["new"] = known.get(change["new"], change["new"])
