"""Frappe field types: which hold data, how they are stored and typed."""

from __future__ import annotations

# Types that lay out the form and hold no value.
LAYOUT_TYPES = frozenset(
    {"Section Break", "Column Break", "Tab Break", "HTML", "Button", "Heading", "Fold", "Image"}
)
# Types whose rows live in a child DocType named by `options`.
TABLE_TYPES = frozenset({"Table", "Table MultiSelect"})

SHORT_TEXT_TYPES = frozenset(
    {
        "Data",
        "Select",
        "Link",
        "Dynamic Link",
        "Phone",
        "Color",
        "Barcode",
        "Autocomplete",
        "Read Only",
        "Password",
    }
)
# Values never sent to a browser (Frappe's Password): masked in every answer, kept on a save
# that sends the mask or nothing (lowcode.storage.secrets).
SECRET_TYPES = frozenset({"Password"})
LONG_TEXT_TYPES = frozenset(
    {
        "Text",
        "Small Text",
        "Long Text",
        "Text Editor",
        "Code",
        "HTML Editor",
        "Markdown Editor",
        "Attach",
        "Attach Image",
        "Signature",
        "Geolocation",
    }
)
INT_TYPES = frozenset({"Int", "Check", "Duration"})
DECIMAL_TYPES = frozenset({"Float", "Currency", "Percent"})
FLOAT_TYPES = frozenset({"Rating"})
DATE_TYPES = frozenset({"Date", "Datetime", "Time"})

DATA_TYPES = (
    SHORT_TEXT_TYPES
    | LONG_TEXT_TYPES
    | INT_TYPES
    | DECIMAL_TYPES
    | FLOAT_TYPES
    | DATE_TYPES
    | {"JSON"}
)
ALL_TYPES = DATA_TYPES | LAYOUT_TYPES | TABLE_TYPES

# Types that may be sorted and compared with < and >; long text may not.
ORDERABLE_TYPES = SHORT_TEXT_TYPES | INT_TYPES | DECIMAL_TYPES | FLOAT_TYPES | DATE_TYPES

DEFAULT_DATA_LENGTH = 140
LINK_LIKE_TYPES = frozenset({"Link", "Dynamic Link"})


def holds_value(fieldtype: str) -> bool:
    return fieldtype in DATA_TYPES


def openapi_schema(fieldtype: str, options: str | None = None) -> dict:
    """Return the JSON Schema of one field's value."""
    if fieldtype in ("Int", "Duration"):
        return {"type": ["integer", "null"]}
    if fieldtype == "Check":
        return {"type": "integer", "enum": [0, 1]}
    if fieldtype in DECIMAL_TYPES | FLOAT_TYPES:
        return {"type": ["number", "null"]}
    if fieldtype == "Date":
        return {"type": ["string", "null"], "format": "date"}
    if fieldtype == "Datetime":
        return {"type": ["string", "null"], "format": "date-time"}
    if fieldtype == "Time":
        return {"type": ["string", "null"], "format": "time"}
    if fieldtype == "JSON":
        return {}
    if fieldtype == "Select" and options:
        return {"type": ["string", "null"], "enum": [*options.split("\n"), None]}
    if fieldtype in TABLE_TYPES:
        return {"type": "array", "items": {"type": "object"}}
    schema: dict = {"type": ["string", "null"]}
    if fieldtype == "Data" and options == "Email":
        schema["format"] = "email"
    return schema
