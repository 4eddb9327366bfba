"""Kanban and calendar boards: columns, cards and month grids, through the permission layer."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from lowcode.desk.lib import link_titles as link_title_lib
from lowcode.desk.lib import listing
from lowcode.hooks_loader import get_hooks
from lowcode.i18n import _, option_label
from lowcode.meta.doctype import DocField, DocTypeMeta
from lowcode.meta.registry import exists as doctype_exists
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import has_doctype_permission
from lowcode.query import reads
from lowcode.query.builder import ColumnSet
from lowcode.workflow import engine

CARDS_PER_COLUMN = 20
CARD_FIELDS = 3  # in_list_view fields shown on a card, besides the title
LINK_COLUMNS = 12  # a Link board shows the most used linked records only
CALENDAR_LIMIT = 500
DATE_TYPES = ("Date", "Datetime")
NOT_SET = ""


@dataclass
class BoardColumn:
    value: str
    label: str
    filters: list[list[Any]]
    cards: list[dict] = field(default_factory=list)
    count: int = 0
    exact: bool = True


@dataclass
class Board:
    field: DocField
    kind: str  # "workflow", "select" or "link"
    columns: list[BoardColumn]
    card_fields: list[DocField]
    more_columns: bool = False  # a Link board cut at LINK_COLUMNS


# ---------------------------------------------------------------- which field


def board_fields(meta: DocTypeMeta, columns: ColumnSet) -> list[DocField]:
    """Readable fields a board can group by: the workflow state field, Select and Link fields."""
    workflow = engine.get_workflow(meta.name)
    found = []
    for name, column in columns.columns.items():
        docfield = column.field
        is_state = workflow is not None and name == workflow.state_field
        if is_state or (
            docfield.fieldtype in ("Select", "Link")
            and name != "naming_series"
            and not docfield.hidden
        ):
            found.append(docfield)
    return found


def board_options(doctype: str) -> dict:
    """What an app says about a DocType's board (hooks ``desk_kanban``): its default ``field``
    and the ``reason_field`` a move's reason goes to (an opportunity's stage_reason)."""
    return (get_hooks("desk_kanban") or {}).get(doctype) or {}


def default_board_field(meta: DocTypeMeta, choices: list[DocField]) -> str:
    """The app's choice, else the workflow state field, else ``status``, else the first Select."""
    names = [f.fieldname for f in choices]
    if board_options(meta.name).get("field") in names:
        return board_options(meta.name)["field"]
    workflow = engine.get_workflow(meta.name)
    if workflow is not None and workflow.state_field in names:
        return workflow.state_field
    if "status" in names:
        return "status"
    selects = [f.fieldname for f in choices if f.fieldtype == "Select"]
    return (selects or names or [""])[0]


def date_fields(meta: DocTypeMeta, columns: ColumnSet) -> list[DocField]:
    """Readable Date and Datetime fields, those shown in the list first."""
    found = [c.field for name, c in columns.columns.items() if c.field.fieldtype in DATE_TYPES]
    standard = {"creation", "modified"}
    return sorted(
        found, key=lambda f: (f.fieldname in standard, not f.in_list_view)
    )  # stable: keeps the form's order within each group


# ---------------------------------------------------------------- kanban


def _column_specs(user: str, meta: DocTypeMeta, docfield: DocField, base_filters) -> tuple:
    """Return (kind, [(value, label, filters)], cut) for the board's columns."""
    workflow = engine.get_workflow(meta.name)
    name = docfield.fieldname
    if workflow is not None and name == workflow.state_field:
        specs = []
        for state in workflow.states:
            # A document saved before the workflow was active sits in the initial state.
            value: Any = [state.state, None] if state.state == workflow.initial_state else None
            filters = [[name, "in", value]] if value else [[name, "=", state.state]]
            specs.append((state.state, _(state.state), filters))
        return "workflow", specs, False
    if docfield.fieldtype == "Select":
        specs = []
        for option in docfield.select_options:
            if option:
                specs.append((option, option_label(docfield, option), [[name, "=", option]]))
            else:
                specs.append((NOT_SET, _("Not set"), [[name, "is", "not set"]]))
        return "select", specs, False
    return ("link", *_link_specs(user, meta, docfield, base_filters))


def ordered_link_values(user: str, docfield: DocField) -> list[str] | None:
    """All records of a configuration DocType in its own order, or None if it is not one.

    A DocType that declares a sort field of its own (an Opportunity Stage's ``stage_order``,
    a Customer Level's priority) and has few enabled records is a list of steps: the board
    shows each of them, empty ones too (a card needs somewhere to go), in that order.
    """
    target = docfield.options or ""
    if not doctype_exists(target) or not has_doctype_permission(user, target):
        return None
    target_meta = get_meta(target)
    sort_field = target_meta.sort_field
    if (
        sort_field in ("modified", "creation")
        or sort_field not in ColumnSet(target_meta, user).columns
    ):
        return None
    filters: list[list[Any]] = []
    for fieldname, shown in (("enabled", 1), ("disabled", 0)):
        flag = target_meta.get_field(fieldname)
        if flag is not None and flag.fieldtype == "Check":
            filters.append([fieldname, "=", shown])
    rows = reads.get_list(
        user,
        target,
        fields=["name"],
        filters=filters,
        order_by=f"{sort_field} {target_meta.sort_order}, name asc",
        limit=LINK_COLUMNS + 1,
    )
    if len(rows) > LINK_COLUMNS:
        return None
    return [row["name"] for row in rows]


def _link_specs(user: str, meta: DocTypeMeta, docfield: DocField, base_filters) -> tuple:
    """The linked records the user's documents use most, in one grouped query; for a short
    configuration list (``ordered_link_values``) every record in its order, then any other
    value still in use (a disabled stage, an unset one)."""
    queryset, columns = reads.filtered_queryset(user, meta.name, base_filters)
    expression = columns.get(docfield.fieldname, "kanban").expression()
    grouped = list(
        queryset.order_by()
        .annotate(board_key=expression)
        .values("board_key")
        .annotate(n=Count("name"))
        .order_by("-n", "board_key")[: LINK_COLUMNS + 1]
    )
    values = [row["board_key"] for row in grouped[:LINK_COLUMNS]]
    cut = len(grouped) > LINK_COLUMNS
    ordered = ordered_link_values(user, docfield)
    if ordered is not None:
        used = [row["board_key"] for row in grouped]
        values = ordered + [v for v in used if v not in ordered and v not in (None, "")]
        values += [NOT_SET] if any(v in (None, "") for v in used) else []
        cut = False
    titles = link_titles(user, docfield.options or "", [v for v in values if v])
    specs = []
    for value in values:
        if value in (None, ""):
            specs.append((NOT_SET, _("Not set"), [[docfield.fieldname, "is", "not set"]]))
        else:
            specs.append((value, titles.get(value, value), [[docfield.fieldname, "=", value]]))
    return specs, cut


def link_titles(user: str, doctype: str, names: list) -> dict[str, str]:
    """Titles of linked records the user may read, in one query (names stand in otherwise)."""
    return link_title_lib.titles(user, doctype, names)


def card_fields(meta: DocTypeMeta, columns: ColumnSet, board_field: str) -> list[DocField]:
    shown = listing.list_columns(meta, columns, [])
    return [f for f in shown if f.fieldname != board_field][:CARD_FIELDS]


def card_query_fields(meta: DocTypeMeta, columns: ColumnSet, board_field: str, shown) -> list:
    wanted = ["name", listing.title_field(meta), "modified", board_field]
    wanted += [f.fieldname for f in shown]
    wanted += [e for e in ("status", "workflow_state", "docstatus") if e in columns.columns]
    return list(dict.fromkeys(wanted))


def fetch_cards(
    user: str, meta: DocTypeMeta, fields: list, filters: list, or_filters, limit: int
) -> list[dict]:
    rows = reads.get_list(
        user,
        meta.name,
        fields=fields,
        filters=filters,
        or_filters=or_filters,
        order_by="modified desc",
        limit=limit,
    )
    for row in rows:
        row["desk_indicator"] = listing.indicator(row, meta)
    return rows


def build_board(user: str, meta: DocTypeMeta, docfield: DocField, state) -> Board:
    """Columns with their first cards and counts: two queries per column, none per card."""
    columns = ColumnSet(meta, user)
    or_filters = listing.search_filters(meta, columns, state.search) or None
    kind, specs, cut = _column_specs(user, meta, docfield, state.filters)
    shown = card_fields(meta, columns, docfield.fieldname)
    fields = card_query_fields(meta, columns, docfield.fieldname, shown)
    board_columns = []
    for value, label, column_filters in specs:
        filters = [*state.filters, *column_filters]
        counted = listing.capped_count(user, meta.name, filters, or_filters)
        cards = (
            fetch_cards(user, meta, fields, filters, or_filters, CARDS_PER_COLUMN)
            if counted["count"]
            else []
        )
        board_columns.append(
            BoardColumn(
                value=value,
                label=label,
                filters=filters,
                cards=cards,
                count=counted["count"],
                exact=counted["exact"],
            )
        )
    # Linked records' titles on every card of the board: one query per target DocType.
    link_title_lib.annotate(user, [card for c in board_columns for card in c.cards], shown)
    listing.label_states(meta, [card for c in board_columns for card in c.cards], shown)
    return Board(
        field=docfield, kind=kind, columns=board_columns, card_fields=shown, more_columns=cut
    )


def card_row(user: str, meta: DocTypeMeta, board_field: str, name: str) -> dict | None:
    """One card as the board shows it (after a move)."""
    columns = ColumnSet(meta, user)
    shown = card_fields(meta, columns, board_field)
    fields = card_query_fields(meta, columns, board_field, shown)
    rows = fetch_cards(user, meta, fields, [["name", "=", name]], None, 1)
    link_title_lib.annotate(user, rows, shown)
    listing.label_states(meta, rows, shown)
    return rows[0] if rows else None


# ---------------------------------------------------------------- calendar


@dataclass
class Month:
    first: dt.date
    last: dt.date

    @property
    def key(self) -> str:
        return self.first.strftime("%Y-%m")

    @property
    def previous(self) -> str:
        return (self.first - dt.timedelta(days=1)).strftime("%Y-%m")

    @property
    def next(self) -> str:
        return (self.last + dt.timedelta(days=1)).strftime("%Y-%m")


def parse_month(text: str | None, today: dt.date) -> Month:
    """``2026-12`` → that month; anything else → the current month."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return Month(first, last)


def month_weeks(month: Month) -> list[list[dt.date]]:
    """Weeks (Monday first, as calendars in China) covering the whole month."""
    return calendar.Calendar(firstweekday=0).monthdatescalendar(month.first.year, month.first.month)


def month_events(
    user: str, meta: DocTypeMeta, fieldname: str, month: Month, state
) -> tuple[dict[str, list[dict]], bool]:
    """Documents whose date falls in the month, by ISO day; and whether the list was cut."""
    columns = ColumnSet(meta, user)
    or_filters = listing.search_filters(meta, columns, state.search) or None
    filters = [
        *state.filters,
        [fieldname, "between", [month.first.isoformat(), month.last.isoformat()]],
    ]
    fields = list(
        dict.fromkeys(
            ["name", listing.title_field(meta), fieldname]
            + [e for e in ("status", "workflow_state", "docstatus") if e in columns.columns]
        )
    )
    rows = reads.get_list(
        user,
        meta.name,
        fields=fields,
        filters=filters,
        or_filters=or_filters,
        order_by=f"{fieldname} asc",
        limit=CALENDAR_LIMIT + 1,
    )
    days: dict[str, list[dict]] = {}
    for row in rows[:CALENDAR_LIMIT]:
        value = str(row.get(fieldname) or "")
        row["desk_indicator"] = listing.indicator(row, meta)
        row["desk_time"] = value[11:16] if len(value) > 10 else ""
        days.setdefault(value[:10], []).append(row)
    return days, len(rows) > CALENDAR_LIMIT
