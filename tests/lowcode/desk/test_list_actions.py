"""List actions (hooks ``desk_list_actions``): declarations checked at start-up (desk.E014).

The button, its dialog and its post are exercised with a real declaration by
tests/kuaicrm/o2c/test_commission_making.py (生成提成单 on the Commission Statement list).
"""

from __future__ import annotations

import tests.engine_app.hooks as engine_hooks
from lowcode.desk.checks import run_checks


def test_desk_e014_a_list_action_declaration_naming_unknown_things(db, monkeypatch):
    monkeypatch.setattr(
        engine_hooks,
        "desk_list_actions",
        {
            "No Such DocType": [{"label": "x", "method": "kuaicrm.make_commission_statements"}],
            "Lead": [
                {"label": "Go", "method": "no.such.method", "doc_arg": "lead", "ptype": "approve"},
                {
                    "label": "Go",
                    "method": "kuaicrm.make_commission_statements",
                    "fields": [{"fieldname": "who", "fieldtype": "Table"}],
                },
            ],
        },
        raising=False,
    )

    found = sorted(m.msg for m in run_checks(databases=["default"]) if m.id == "desk.E014")

    # the apps' own declarations (生成提成单) report nothing
    assert found == [
        "A list action of 'Lead' has no label or repeats key 'go'",
        "Dialog field 'who' of list action 'Go' has type 'Table', which a dialog cannot show",
        "List action 'Go' of 'Lead' asks for unknown permission 'approve'",
        "List action 'Go' of 'Lead' calls unknown method 'no.such.method'",
        "List action 'Go' of 'Lead' uses doc_arg, which need a document",
        "desk_list_actions names unknown DocType 'No Such DocType'",
    ]
