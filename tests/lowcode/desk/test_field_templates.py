"""Form fields: one template per field type (desk/lib/field_templates.py), no type chain in field.html."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template.loader import get_template, render_to_string

from lowcode.desk.lib import field_templates
from lowcode.meta import fieldtypes
from lowcode.meta.doctype import DocField

FIELDS_DIR = Path(field_templates.__file__).parents[1] / "templates" / "desk" / "fields"
VALUE_TYPES = sorted(fieldtypes.DATA_TYPES | fieldtypes.TABLE_TYPES)


@pytest.mark.parametrize("fieldtype", VALUE_TYPES)
def test_every_field_type_has_an_edit_and_a_read_template(fieldtype):
    field = DocField(fieldname="x", fieldtype=fieldtype)

    get_template(field_templates.edit_template(field))
    get_template(field_templates.read_template(field))


def test_every_field_template_is_chosen_by_the_mapping():
    used = {f"{w}.html" for w in field_templates.EDIT_WIDGETS.values()}
    used |= {field_templates.DEFAULT_EDIT_WIDGET + ".html"}
    used |= {f"read/{w}.html" for w in field_templates.READ_WIDGETS.values()}
    used |= {f"read/{field_templates.DEFAULT_READ_WIDGET}.html"}

    on_disk = {str(p.relative_to(FIELDS_DIR)) for p in FIELDS_DIR.rglob("*.html")}

    assert on_disk == used


def test_field_html_has_no_per_type_branches():
    source = (FIELDS_DIR.parent / "field.html").read_text(encoding="utf-8")

    assert "fieldtype ==" not in source
    assert "fieldtype in" not in source


def _render(fieldtype: str, value, *, locked: bool, **field) -> str:
    f = DocField(fieldname="fld", fieldtype=fieldtype, label="Notes", **field)
    return render_to_string(
        "desk/field.html",
        {
            "f": f,
            "states": {"fld": {"hidden": False, "reqd": False, "read_only": locked}},
            "values": {"fld": value},
            "error_map": {},
            "writable_levels": frozenset({0}),
            "can_write": True,
            "link_titles": {"fld": "上海客户"},
        },
    )


def test_each_type_draws_its_own_widget_under_the_shared_label():
    small = _render("Small Text", "a", locked=False)
    rating = _render("Rating", 3, locked=False)
    link = _render("Link", "C-1", locked=False, options="Customer")

    assert '<label for="in-fld">' in small and '<textarea id="in-fld" name="fld" rows="2"' in small
    assert 'type="range"' in rating and 'value="3"' in rating
    assert 'class="link-input"' in link and '<datalist id="dl-fld">' in link


def test_a_locked_field_shows_its_type_s_read_only_display():
    link = _render("Link", "C-1", locked=True, options="Customer")
    empty_link = _render("Link", None, locked=True, options="Customer")
    check = _render("Check", 1, locked=True)

    assert '<a id="in-fld" href="/app/customer/C-1">上海客户</a>' in link
    assert '<div class="readonly-value" id="in-fld">—</div>' in empty_link
    # A checkbox draws its own label and is disabled, not replaced by text.
    assert '<label for="in-fld">' not in check and "disabled" in check
