"""Phone numbers dial with one tap: the ``tel`` filter and the phone field's widgets (issue 17 item 2)."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string

from lowcode.desk.lib.field_templates import edit_template, read_template
from lowcode.meta.doctype import DocField


def _tel(value) -> str:
    return Template("{% load desk %}{{ value|tel }}").render(Context({"value": value}))


@pytest.mark.parametrize(
    ("value", "href"),
    [
        ("13800138000", "tel:+8613800138000"),
        ("138 0013 8000", "tel:+8613800138000"),
        ("+86 138-0013-8000", "tel:+8613800138000"),
        ("0512-66881234", "tel:+8651266881234"),
        ("(0512) 6688 1234", "tel:+8651266881234"),
        ("+1 650-253-0000", "tel:+16502530000"),
        ("8001", "tel:8001"),  # an internal extension is not a valid number but still dials
    ],
)
def test_a_phone_number_becomes_a_normalised_tel_link(value, href):
    assert _tel(value) == f'<a class="tel" href="{href}">{value}</a>'


@pytest.mark.parametrize("value", [None, ""])
def test_an_empty_value_stays_empty(value):
    assert _tel(value) == ""


def test_the_shown_text_is_escaped_and_text_without_digits_is_not_a_link():
    assert _tel('138<b>0013</b>8000"') == (
        '<a class="tel" href="tel:13800138000">138&lt;b&gt;0013&lt;/b&gt;8000&quot;</a>'
    )
    assert _tel("<i>none</i>") == "&lt;i&gt;none&lt;/i&gt;"


@pytest.mark.parametrize(
    "field",
    [
        DocField(fieldname="fld", fieldtype="Phone", label="Mobile"),
        DocField(fieldname="fld", fieldtype="Data", options="Phone", label="Mobile"),
    ],
)
def test_a_phone_field_dials_from_the_read_view_and_the_form(field):
    context = {
        "f": field,
        "values": {"fld": "0512-66881234"},
        "error_map": {},
        "writable_levels": frozenset({0}),
        "can_write": True,
    }
    locked = render_to_string(
        "desk/field.html", {**context, "states": {"fld": {"read_only": True}}}
    )
    editing = render_to_string("desk/field.html", {**context, "states": {"fld": {}}})

    assert read_template(field) == "desk/fields/read/phone.html"
    assert edit_template(field) == "desk/fields/phone.html"
    assert '<a class="tel" href="tel:+8651266881234">0512-66881234</a>' in locked
    assert 'type="tel"' in editing and 'value="0512-66881234"' in editing
    assert 'href="tel:+8651266881234"' in editing


def test_a_plain_data_field_is_not_a_phone():
    field = DocField(fieldname="fld", fieldtype="Data", label="Notes")

    html = render_to_string(
        "desk/field.html",
        {
            "f": field,
            "values": {"fld": "13800138000"},
            "states": {"fld": {"read_only": True}},
            "error_map": {},
            "writable_levels": frozenset({0}),
            "can_write": True,
        },
    )

    assert "tel:" not in html


@pytest.mark.django_db
def test_a_board_card_dials_its_phone_field(desk):
    from lowcode.documents.actions import do_insert_doc

    # an administrator shows the mobile on Lead's list and cards (Customize Form's way)
    do_insert_doc(
        "Administrator",
        "Property Setter",
        {
            "doc_type": "Lead",
            "field_name": "mobile_no",
            "property": "in_list_view",
            "value": "1",
            "property_type": "Check",
        },
    )
    lead = do_insert_doc(
        "rep",
        "Lead",
        {"lead_name": "李娜", "company_name": "苏州华瑞机械", "mobile_no": "13800138000"},
    ).name

    html = desk("rep").get("/app/lead/view/kanban").content.decode()

    assert f'data-slug="lead" data-name="{lead}"><a class="tel" href="tel:+8613800138000">' in html
