"""Global search across the title and search fields of every DocType the user may read."""

from __future__ import annotations

from lowcode.desk.lib import nav
from lowcode.desk.lib.listing import search_filters, title_field
from lowcode.meta.registry import get_meta
from lowcode.query import reads
from lowcode.query.builder import ColumnSet

PER_DOCTYPE = 5


def global_search(user: str, text: str) -> list[dict]:
    """Return ``[{doctype, label, slug, rows}]`` with at most five matches per DocType."""
    groups = []
    for entry in nav.readable_doctypes(user):
        meta = get_meta(entry["doctype"])
        if not meta.search_fields and not meta.title_field:
            continue  # configuration tables without a title are not worth searching
        columns = ColumnSet(meta, user)
        title = title_field(meta)
        rows = reads.get_list(
            user,
            meta.name,
            fields=list(
                dict.fromkeys(
                    ["name", title, *(f for f in meta.search_fields if f in columns.columns)]
                )
            ),
            or_filters=search_filters(meta, columns, text),
            limit=PER_DOCTYPE,
        )
        if rows:
            for row in rows:
                row["desk_title"] = row.get(title) or row["name"]
                row["desk_extra"] = " · ".join(
                    str(row[f]) for f in meta.search_fields if row.get(f) and f != title
                )
            groups.append({**entry, "rows": rows})
    return groups
