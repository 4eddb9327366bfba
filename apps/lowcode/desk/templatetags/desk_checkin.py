"""``{% check_in_card %}``: the form's 签到 card (lowcode.desk.lib.checkin), drawn from its context."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string

from lowcode.desk.lib import checkin

register = template.Library()


@register.simple_tag(takes_context=True)
def check_in_card(context) -> str:
    found = checkin.card(context.get("doctype", ""), context.get("doc"), context.get("transitions"))
    if found is None:
        return ""
    return render_to_string("desk/checkin.html", {"card": found}, request=context.get("request"))
