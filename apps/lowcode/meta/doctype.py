"""Typed view of DocType metadata (Frappe's JSON shape)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lowcode.meta import fieldtypes

# Columns every document table has, whatever its JSON says.
STANDARD_FIELDS = ("name", "owner", "creation", "modified", "modified_by", "docstatus", "idx")
CHILD_STANDARD_FIELDS = ("parent", "parentfield", "parenttype")

DOCFIELD_KEYS = frozenset(
    {
        "fieldname",
        "fieldtype",
        "label",
        "options",
        "reqd",
        "unique",
        "default",
        "in_list_view",
        "in_standard_filter",
        "depends_on",
        "mandatory_depends_on",
        "read_only_depends_on",
        "read_only",
        "hidden",
        "permlevel",
        "length",
        "description",
        "search_index",
        "bold",
        "in_global_search",
        "no_copy",
        "allow_on_submit",
        "fetch_from",
        "fetch_if_empty",
        "collapsible",
        "columns",
        "precision",
        "non_negative",
        "translatable",
        "picker",  # where an admin's choices come from (lowcode.meta.pickers)
        "picker_multiple",
        "ignore_user_permissions",
        "print_hide",
        "report_hide",
        "sort_options",
        "set_only_once",
        "insert_after",
        "is_custom_field",
        "link_filters",
        "placeholder",
        "in_preview",
    }
)
DOCTYPE_KEYS = frozenset(
    {
        "name",
        "doctype",
        "module",
        "autoname",
        "naming_rule",
        "fields",
        "permissions",
        "istable",
        "is_submittable",
        "track_changes",
        "title_field",
        "search_fields",
        "sort_field",
        "sort_order",
        "description",
        "issingle",
        "is_tree",
        "editable_grid",
        "quick_entry",
        "image_field",
        "show_name_in_global_search",
        "allow_rename",
        "allow_import",
        "engine",
        "custom",
        "icon",
        "label",
        "indexes",
        "document_type",
        "creation",
        "modified",
        "modified_by",
        "owner",
        "links",
        "actions",
        "states",
        "track_seen",
        "in_create",
        "read_only",
        "beta",
        "nsm_parent_field",
        "allow_customize",
    }
)
PERM_VERBS = (
    "read",
    "write",
    "create",
    "delete",
    "submit",
    "cancel",
    "export",
    "import",
    "report",
)
SCOPES = ("own", "department", "all")
SCOPE_RANK = {scope: rank for rank, scope in enumerate(SCOPES)}


def snake_name(doctype: str) -> str:
    """'Sales Order' → 'sales_order' (the folder name)."""
    return re.sub(r"[^0-9a-z]+", "_", doctype.lower()).strip("_")


def class_name(doctype: str) -> str:
    """'Sales Order' → 'SalesOrder' (the model and controller class name)."""
    return "".join(part.capitalize() for part in snake_name(doctype).split("_"))


@dataclass
class DocField:
    """One field of a DocType, standard or custom."""

    fieldname: str
    fieldtype: str
    label: str = ""
    options: str | None = None
    reqd: bool = False
    unique: bool = False
    default: Any = None
    in_list_view: bool = False
    in_standard_filter: bool = False
    read_only: bool = False
    hidden: bool = False
    permlevel: int = 0
    length: int = 0
    search_index: bool = False
    depends_on: str | None = None
    mandatory_depends_on: str | None = None
    read_only_depends_on: str | None = None
    description: str | None = None
    set_only_once: bool = False
    allow_on_submit: bool = False
    non_negative: bool = False
    is_custom: bool = False
    idx: int = 0
    raw: dict = field(default_factory=dict, repr=False)
    # The DocType this field belongs to (set by DocTypeMeta): labels and options are
    # translated in its context, as an opportunity's "Lost" (输单) is not a customer's (流失).
    parent: str = ""

    @property
    def holds_value(self) -> bool:
        return fieldtypes.holds_value(self.fieldtype)

    @property
    def is_table(self) -> bool:
        return self.fieldtype in fieldtypes.TABLE_TYPES

    @property
    def in_preview(self) -> bool:
        """Shown on the record's summary card (Frappe's ``in_preview``; desk/lib/summary.py)."""
        return bool(int(self.raw.get("in_preview") or 0))

    @property
    def collapsible(self) -> bool:
        """A Section Break whose section starts folded (Frappe's ``collapsible``)."""
        return bool(int(self.raw.get("collapsible") or 0))

    @property
    def max_length(self) -> int:
        if self.length:
            return self.length
        if self.fieldtype in fieldtypes.SHORT_TEXT_TYPES:
            return fieldtypes.DEFAULT_DATA_LENGTH
        return 0

    @property
    def select_options(self) -> list[str]:
        if self.fieldtype != "Select" or not self.options:
            return []
        return self.options.split("\n")

    def to_dict(self) -> dict:
        data = dict(self.raw)
        for key in (
            "fieldname",
            "fieldtype",
            "label",
            "options",
            "default",
            "depends_on",
            "description",
            "mandatory_depends_on",
            "read_only_depends_on",
        ):
            data[key] = getattr(self, key)
        for key in (
            "reqd",
            "unique",
            "in_list_view",
            "in_standard_filter",
            "read_only",
            "hidden",
            "set_only_once",
            "allow_on_submit",
            "non_negative",
            "search_index",
        ):
            data[key] = int(getattr(self, key))
        data["permlevel"] = self.permlevel
        data["length"] = self.length
        data["is_custom_field"] = int(self.is_custom)
        data["idx"] = self.idx
        return data


def docfield_from_dict(raw: dict, *, is_custom: bool = False, idx: int = 0) -> DocField:
    def flag(key: str) -> bool:
        return bool(int(raw.get(key) or 0))

    return DocField(
        fieldname=str(raw.get("fieldname") or ""),
        fieldtype=str(raw.get("fieldtype") or "Data"),
        label=str(raw.get("label") or ""),
        options=raw.get("options") or None,
        reqd=flag("reqd"),
        unique=flag("unique"),
        default=raw.get("default"),
        in_list_view=flag("in_list_view"),
        in_standard_filter=flag("in_standard_filter"),
        read_only=flag("read_only"),
        hidden=flag("hidden"),
        permlevel=int(raw.get("permlevel") or 0),
        length=int(raw.get("length") or 0),
        search_index=flag("search_index"),
        depends_on=raw.get("depends_on") or None,
        mandatory_depends_on=raw.get("mandatory_depends_on") or None,
        read_only_depends_on=raw.get("read_only_depends_on") or None,
        description=raw.get("description") or None,
        set_only_once=flag("set_only_once"),
        allow_on_submit=flag("allow_on_submit"),
        non_negative=flag("non_negative"),
        is_custom=is_custom,
        idx=idx,
        raw=raw,
    )


@dataclass
class DocPerm:
    """One permission rule: a role's verbs at one permlevel, with a data scope."""

    role: str
    permlevel: int = 0
    scope: str = "all"
    verbs: frozenset[str] = frozenset()

    @classmethod
    def from_dict(cls, raw: dict) -> DocPerm:
        scope = raw.get("scope") or ("own" if int(raw.get("if_owner") or 0) else "all")
        verbs = frozenset(v for v in PERM_VERBS if int(raw.get(v) or 0))
        return cls(
            role=str(raw.get("role") or ""),
            permlevel=int(raw.get("permlevel") or 0),
            scope=str(scope),
            verbs=verbs,
        )

    def to_dict(self) -> dict:
        data: dict[str, Any] = {"role": self.role, "permlevel": self.permlevel, "scope": self.scope}
        data.update({verb: int(verb in self.verbs) for verb in PERM_VERBS})
        data["if_owner"] = int(self.scope == "own")
        return data


@dataclass
class DocTypeMeta:
    """A DocType's metadata: JSON definition merged with customisations."""

    name: str
    app: str
    module: str = ""
    autoname: str = "hash"
    fields: list[DocField] = field(default_factory=list)
    permissions: list[DocPerm] = field(default_factory=list)
    istable: bool = False
    is_submittable: bool = False
    track_changes: bool = False
    title_field: str | None = None
    search_fields: list[str] = field(default_factory=list)
    sort_field: str = "modified"
    sort_order: str = "desc"
    indexes: list[list[str]] = field(default_factory=list)
    allow_customize: bool = True
    raw: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for docfield in self.fields:
            docfield.parent = self.name
        self._by_name = {f.fieldname: f for f in self.fields}
        # The field lists every save walks (several times per document): computed once, as
        # the index above is (merged metadata is rebuilt, never edited, when it changes).
        self._data_fields = tuple(f for f in self.fields if f.holds_value)
        self._table_fields = tuple(f for f in self.fields if f.is_table)

    def get_field(self, fieldname: str) -> DocField | None:
        return self._by_name.get(fieldname)

    def has_field(self, fieldname: str) -> bool:
        return fieldname in self._by_name

    @property
    def data_fields(self) -> list[DocField]:
        return list(self._data_fields)

    @property
    def table_fields(self) -> list[DocField]:
        return list(self._table_fields)

    @property
    def standard_field_names(self) -> tuple[str, ...]:
        return STANDARD_FIELDS + (CHILD_STANDARD_FIELDS if self.istable else ())

    def list_view_fields(self) -> list[str]:
        return [f.fieldname for f in self.data_fields if f.in_list_view]

    def to_dict(self) -> dict:
        """Return the merged metadata in Frappe's JSON shape."""
        data = {
            key: value for key, value in self.raw.items() if key not in ("fields", "permissions")
        }
        data.update(
            {
                "name": self.name,
                "doctype": "DocType",
                "module": self.module,
                "autoname": self.autoname,
                "istable": int(self.istable),
                "is_submittable": int(self.is_submittable),
                "track_changes": int(self.track_changes),
                "title_field": self.title_field,
                "search_fields": ",".join(self.search_fields),
                "sort_field": self.sort_field,
                "sort_order": self.sort_order.upper(),
                "fields": [f.to_dict() for f in self.fields],
                "permissions": [p.to_dict() for p in self.permissions],
            }
        )
        return data


def doctype_from_dict(raw: dict, app: str) -> DocTypeMeta:
    search_fields = raw.get("search_fields") or ""
    if isinstance(search_fields, str):
        search_fields = [s.strip() for s in search_fields.split(",") if s.strip()]
    return DocTypeMeta(
        name=str(raw.get("name") or ""),
        app=app,
        module=str(raw.get("module") or app),
        autoname=str(raw.get("autoname") or "hash"),
        fields=[docfield_from_dict(f, idx=i + 1) for i, f in enumerate(raw.get("fields") or [])],
        permissions=[DocPerm.from_dict(p) for p in raw.get("permissions") or []],
        istable=bool(int(raw.get("istable") or 0)),
        is_submittable=bool(int(raw.get("is_submittable") or 0)),
        track_changes=bool(int(raw.get("track_changes") or 0)),
        title_field=raw.get("title_field") or None,
        search_fields=list(search_fields),
        sort_field=str(raw.get("sort_field") or "modified"),
        sort_order=str(raw.get("sort_order") or "desc").lower(),
        indexes=[list(ix) for ix in raw.get("indexes") or []],
        allow_customize=bool(int(raw.get("allow_customize", 1))),
        raw=raw,
    )
