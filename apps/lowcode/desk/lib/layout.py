"""A form's layout from metadata: tabs → sections → columns → fields (Frappe's breaks)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lowcode.meta.doctype import DocField, DocTypeMeta

LAYOUT_TYPES = {"Tab Break", "Section Break", "Column Break"}
# Types the desk never shows as inputs.
INVISIBLE_TYPES = {"Button", "HTML", "Fold", "Heading"}


@dataclass
class Column:
    fields: list[DocField] = field(default_factory=list)


@dataclass
class Section:
    label: str = ""
    fieldname: str = ""
    depends_on: str | None = None
    # rarely used: drawn folded (Frappe's Section Break ``collapsible``), open when it holds an error
    collapsible: bool = False
    columns: list[Column] = field(default_factory=lambda: [Column()])

    @property
    def fieldnames(self) -> list[str]:
        return [f.fieldname for c in self.columns for f in c.fields]


@dataclass
class Tab:
    label: str = ""
    fieldname: str = "details"
    sections: list[Section] = field(default_factory=lambda: [Section()])


def form_layout(meta: DocTypeMeta, visible_levels: frozenset[int]) -> list[Tab]:
    """Group the fields the user may read into tabs, sections and columns, dropping empties."""
    tabs = [Tab()]
    for docfield in meta.fields:
        kind = docfield.fieldtype
        if kind == "Tab Break":
            tabs.append(Tab(label=docfield.label, fieldname=docfield.fieldname))
        elif kind == "Section Break":
            tabs[-1].sections.append(
                Section(
                    label=docfield.label,
                    fieldname=docfield.fieldname,
                    depends_on=docfield.depends_on,
                    collapsible=docfield.collapsible,
                )
            )
        elif kind == "Column Break":
            tabs[-1].sections[-1].columns.append(Column())
        elif kind in INVISIBLE_TYPES or docfield.hidden:
            continue
        elif docfield.permlevel in visible_levels:
            tabs[-1].sections[-1].columns[-1].fields.append(docfield)
    for tab in tabs:
        for section in tab.sections:
            section.columns = [c for c in section.columns if c.fields]
        tab.sections = [s for s in tab.sections if s.columns]
    return [t for t in tabs if t.sections]
