"""Default Workflow Action Rules (issue 17 "follow-ups move the work"), installed after migrate.

A phone follow-up with the outcome 有意向 (intent Interested) on a lead whose next step is to
contact it (Follow-up Planned) takes the Lead Qualification workflow's "Make Contact" step, so
the lead shows 已联系 without the rep pressing the button. It goes through the workflow as the
rep (lowcode/rules/workflow_actions.py): a rep who may not take the step is told why and the
follow-up is still saved (on_refusal Warn).

Installed only while Follow-up Record has no Workflow Action Rule at all (enabled or not): an
administrator's own rules, or a default they disabled, are never touched. Edit it under 规则
(Workflow Action Rule) like any other rule. Not part of ``kuaicrm.setup.install_defaults``:
tests that log follow-ups start without rules.
"""

from __future__ import annotations

from lowcode.sdk import do_insert_doc, get_model

RULE_DOCTYPE = "Workflow Action Rule"
FOLLOW_UP = "Follow-up Record"

DEFAULT_RULES = [
    {
        "title": "通话有意向 → 线索已联系",
        "document_type": FOLLOW_UP,
        "event": "Insert",
        "condition": "doc.followup_method == 'Phone' and doc.intent == 'Interested'",
        "link_field": "lead",
        "target_doctype": "Lead",
        "action": "Make Contact",
        "on_refusal": "Warn",
        "priority": 10,
    },
]


def install_follow_up_rules() -> int:
    """Create the default follow-up rules when Follow-up Record has none; return how many."""
    if get_model(RULE_DOCTYPE).objects.filter(document_type=FOLLOW_UP).exists():
        return 0
    for rule in DEFAULT_RULES:
        do_insert_doc("Administrator", RULE_DOCTYPE, dict(rule), ignore_permissions=True)
    return len(DEFAULT_RULES)
