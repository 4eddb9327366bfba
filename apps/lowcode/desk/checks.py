"""Checks of the apps' desk declarations, run at start-up and by ``kuaicrm check``.

desk.E001  Form actions for an unknown DocType (or a "new" action opening one)
desk.E002  A form action without a label, or two with the same key
desk.E003  A form action's condition does not parse
desk.E004  A form action calls a method no app whitelists
desk.E005  A form action asks for an unknown permission type
desk.E006  A dialog field of a type a dialog cannot show (or a Link to an unknown DocType)
desk.E007  A form action names not exactly one of "method", "new" and "mapping"
desk.E008  A form action names a mapping not declared with this DocType as its source
desk.E009  A desk_home_cards entry is not an importable function
desk.E010  A desk_call_follow_up entry names an unknown DocType or field
desk.E011  A form action's dialog is prefilled by a function that cannot be imported
desk.E011  A desk_list_cards entry names an unknown DocType or field, or a malformed action
desk.E013  A desk_check_in entry names an unknown DocType or method, or an action its workflow lacks
desk.E014  A desk_list_actions entry names an unknown DocType or method, or is malformed
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.checks import CheckMessage, Error
from django.db import DatabaseError


def run_checks(app_configs: Iterable | None = None, databases=None, **kwargs) -> list[CheckMessage]:
    """A database check: dialog fields copy DocType fields, whose metadata merges customisations."""
    from lowcode.desk.lib.calls import problems as call_problems
    from lowcode.desk.lib.checkin import problems as check_in_problems
    from lowcode.desk.lib.form_actions import problems
    from lowcode.desk.lib.home import card_problems
    from lowcode.desk.lib.list_actions import problems as list_action_problems
    from lowcode.desk.lib.list_cards import problems as list_card_problems

    if not databases:
        return []
    try:
        found = problems() + card_problems() + call_problems() + list_card_problems()
        found += check_in_problems() + list_action_problems()
    except DatabaseError:
        return []  # not migrated yet
    return [Error(message, hint=hint, obj=obj, id=cid) for cid, message, hint, obj in found]
