"""kuaicrm.E001: an enabled Commission Rule naming a role that was deleted after it was saved."""

from __future__ import annotations

from kuaicrm.checks import run_checks
from lowcode import context
from lowcode.documents.actions import do_delete_doc, do_insert_doc, do_save_doc


def test_a_rule_whose_role_was_deleted_is_reported(o2c):
    do_insert_doc("Administrator", "Role", {"role_name": "Key Account Rep"})
    do_insert_doc(
        "fin",
        "Commission Rule",
        {
            "rule_name": "大客户提成",
            "effective_from": "2026-01-01",
            "applies_to_roles": [{"role": "Key Account Rep"}],
            "tiers": [{"from_amount": 0, "rate": 2}],
        },
    )
    context.reset()
    assert run_checks(databases=["default"]) == []
    # when the role is deleted after the rule named it
    do_delete_doc("Administrator", "Role", "Key Account Rep")
    found = run_checks(databases=["default"])
    assert [e.id for e in found] == ["kuaicrm.E001"]
    assert "Key Account Rep" in found[0].msg and "大客户提成" in found[0].msg
    # a disabled rule is not reported
    do_save_doc("fin", "Commission Rule", "大客户提成", {"enabled": 0})
    assert run_checks(databases=["default"]) == []


def test_a_rule_naming_an_unknown_role_is_refused_on_save(o2c):
    import pytest

    from lowcode.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Nobody"):
        do_insert_doc(
            "fin",
            "Commission Rule",
            {
                "rule_name": "错误规则",
                "effective_from": "2026-01-01",
                "applies_to_roles": [{"role": "Nobody"}],
                "tiers": [{"from_amount": 0, "rate": 2}],
            },
        )


def test_tiers_must_be_contiguous(o2c):
    import pytest

    from lowcode.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        do_insert_doc(
            "fin",
            "Commission Rule",
            {
                "rule_name": "断档规则",
                "effective_from": "2026-01-01",
                "tiers": [
                    {"from_amount": 0, "to_amount": 100000, "rate": 2},
                    {"from_amount": 150000, "rate": 3},
                ],
            },
        )
    assert [(e.table, e.row, e.fieldname) for e in caught.value.errors] == [
        ("tiers", 2, "from_amount")
    ]
