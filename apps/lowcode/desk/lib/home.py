"""The home workspace (My day, 工作台): shortcuts with counts, pending approvals, the day's work
apps declare in hooks ``desk_reminders`` grouped in sections, and the cards apps add (hooks
``desk_home_cards``)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote, urlencode

from django.utils import timezone
from django.utils.text import slugify

from lowcode.desk.lib import nav
from lowcode.desk.lib.listing import capped_count
from lowcode.exceptions import PermissionError
from lowcode.hooks_loader import get_hooks, resolve
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.permissions.core import has_doctype_permission
from lowcode.query import reads

REMINDER_LIMIT = 10
# The section of reminders that name none (the "Due today" list the home always had).
DEFAULT_SECTION = "reminders"


def shortcuts(user: str) -> list[dict]:
    """The user's business DocTypes with a capped count each (cheap on big tables)."""
    result = []
    for entry in nav.main_entries(user):
        counted = capped_count(user, entry["doctype"])
        result.append({**entry, **counted})
    return result


def reminders(user: str, today: dt.date | None = None) -> list[dict]:
    """Documents due today or overdue that apps declare in hooks ``desk_reminders``.

    A spec may also say which section of the My day home its rows belong to (``section``,
    ``section_label``; default "Due today"), keep only today's rows (``today_only``: a visit
    planned for yesterday is no task now), show one more field (``detail_field``), dial a
    phone field (``phone_field``) and log a follow-up: ``log = {"doctype", "link_field",
    "values"}`` opens that DocType's new form linked to the row (shown only to users who may
    create it).
    """
    today = today or timezone.localdate()
    items: list[dict] = []
    for spec in get_hooks("desk_reminders") or []:
        doctype, date_field = spec["doctype"], spec["date_field"]
        if not registry.exists(doctype):
            continue
        meta = registry.get_meta(doctype)
        date_docfield = meta.get_field(date_field)
        is_datetime = date_docfield is not None and date_docfield.fieldtype == "Datetime"
        bound = f"{today.isoformat()} 23:59:59" if is_datetime else today.isoformat()
        filters = [[date_field, "<=", bound], [date_field, "is", "set"], *spec.get("filters", [])]
        if spec.get("today_only"):
            start = f"{today.isoformat()} 00:00:00" if is_datetime else today.isoformat()
            filters.append([date_field, ">=", start])
        if spec.get("mine_field"):
            filters.append([spec["mine_field"], "=", user])
        title = meta.title_field or "name"
        extra = [f for f in (spec.get("detail_field"), spec.get("phone_field")) if f]
        try:
            rows = reads.get_list(
                user,
                doctype,
                fields=list(dict.fromkeys(["name", title, date_field, *extra])),
                filters=filters,
                order_by=f"{date_field} asc",
                limit=REMINDER_LIMIT,
            )
        except PermissionError:
            continue
        log_href = _log_href(user, spec.get("log"))
        for row in rows:
            due = str(row[date_field])[:10]
            items.append(
                {
                    "doctype": doctype,
                    "label": _(spec.get("label") or doctype),
                    "slug": nav.slug(doctype),
                    "name": row["name"],
                    "title": row.get(title) or row["name"],
                    "due": str(row[date_field])[:16],
                    "overdue": due < today.isoformat(),
                    "section": spec.get("section") or DEFAULT_SECTION,
                    "section_label": _(spec.get("section_label") or "Due today"),
                    "detail": str(row.get(spec.get("detail_field") or "") or ""),
                    "phone": str(row.get(spec.get("phone_field") or "") or ""),
                    "log_href": log_href + quote(row["name"]) if log_href else "",
                }
            )
    items.sort(key=lambda item: item["due"])
    return items


def _log_href(user: str, log: dict | None) -> str:
    """The new-form URL (up to the linked name) that logs a follow-up, or "" if not allowed."""
    if not log or not registry.exists(log["doctype"]):
        return ""
    if not has_doctype_permission(user, log["doctype"], "create"):
        return ""
    values = urlencode(log.get("values") or {})
    prefix = f"/app/{nav.slug(log['doctype'])}/new?" + (f"{values}&" if values else "")
    return prefix + f"{quote(log['link_field'])}="


def my_day(user: str, today: dt.date | None = None) -> list[dict]:
    """The reminders as the My day home shows them: one section per ``section``, in the order
    the hook first names them, each row once (a lead due for its first call and a follow-up)."""
    sections: dict[str, dict] = {}
    for item in reminders(user, today):
        section = sections.setdefault(
            item["section"], {"key": item["section"], "label": item["section_label"], "rows": []}
        )
        if not any(r["doctype"] == item["doctype"] and r["name"] == item["name"]
                   for r in section["rows"]):  # fmt: skip
            section["rows"].append(item)
    order = [spec.get("section") or DEFAULT_SECTION for spec in get_hooks("desk_reminders") or []]
    return sorted(sections.values(), key=lambda s: order.index(s["key"]))


# ---------------------------------------------------------------- cards from apps

CARD_TONES = ("red", "green", "orange", "blue", "grey")


def cards(request, user: str) -> list[dict]:
    """The cards apps add to the home page through hooks ``desk_home_cards``.

    Each entry is the dotted path of ``f(request, user) -> dict | None`` (the signature of a
    whitelisted method); None or a PermissionError leaves the card out. The spec is plain data,
    rendered by one template (desk/home_card.html), so an app adds no markup to the engine:
    ``{"key", "title", "figures": [{"label", "value", "tone", "href"}], "progress": [{"label",
    "percent", "caption"}], "rows": [{"title", "detail", "pill", "tone", "href"}], "note", "empty",
    "more": {"label", "href"}}`` — strings already in the user's language.
    """
    result: list[dict] = []
    for path in get_hooks("desk_home_cards") or []:
        try:
            spec = resolve(path)(request, user)
        except PermissionError:
            continue
        if spec:
            result.append(_card(spec, len(result)))
    return result


def connection_cards(request, user: str, doc) -> list[dict]:
    """The cards apps add above a document's connections (hooks ``desk_connection_cards``).

    ``{doctype: [path]}``, each ``f(request, user, doc) -> card spec | None`` (the spec of
    ``cards``); the caller has read ``doc`` through ``access_doc``, and each figure is the app's
    to read through the permission layer. None or a PermissionError leaves the card out.
    """
    result: list[dict] = []
    for path in (get_hooks("desk_connection_cards") or {}).get(doc.doctype) or []:
        try:
            spec = resolve(path)(request, user, doc)
        except PermissionError:
            continue
        if spec:
            result.append(_card(spec, len(result)))
    return result


def _card(spec: dict, index: int) -> dict:
    """Keep the known keys of a card spec; links stay local, tones and bars stay in range."""

    def href(value: Any) -> str | None:
        # Only the site's own pages: a spec built from stored data never links elsewhere.
        text = str(value or "")
        return text if text.startswith("/") and text[1:2] not in ("/", "\\") else None

    def tone(value: Any) -> str | None:
        return value if value in CARD_TONES else None

    progress = []
    for bar in spec.get("progress") or []:
        percent = bar.get("percent")
        progress.append(
            {
                "label": bar.get("label") or "",
                "caption": bar.get("caption") or "",
                "percent": percent,
                # The bar is full at 100 %; the text still says 135 %.
                "width": max(0.0, min(100.0, float(percent or 0))),
                "tone": tone(bar.get("tone")) or "blue",
            }
        )
    more = spec.get("more") or {}
    return {
        "key": slugify(str(spec.get("key") or f"card-{index}")),
        "title": spec.get("title") or "",
        "figures": [
            {
                "label": f.get("label") or "",
                "value": f.get("value") if f.get("value") is not None else "",
                "tone": tone(f.get("tone")),
                "href": href(f.get("href")),
            }
            for f in spec.get("figures") or []
        ],
        "progress": progress,
        "rows": [
            {
                "title": r.get("title") or "",
                "detail": r.get("detail") or "",
                "pill": r.get("pill") or "",
                "tone": tone(r.get("tone")) or "grey",
                "href": href(r.get("href")),
            }
            for r in spec.get("rows") or []
        ],
        "note": spec.get("note") or "",
        "empty": spec.get("empty") or "",
        "more": {"label": more.get("label") or "", "href": href(more.get("href"))}
        if more.get("label")
        else None,
    }


def card_problems() -> list[tuple[str, str, str, str]]:
    """desk.E009: a ``desk_home_cards`` entry that does not import as a callable."""
    found = []
    for path in get_hooks("desk_home_cards") or []:
        try:
            ok = callable(resolve(path))
        except ImportError:
            ok = False
        if not ok:
            found.append(
                (
                    "desk.E009",
                    f"desk_home_cards entry '{path}' is not an importable function.",
                    "Give the dotted path of f(request, user) returning a card spec or None.",
                    path,
                )
            )
    return found
