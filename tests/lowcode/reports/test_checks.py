"""One test per reports check ID, over definitions that went stale after they were saved."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from lowcode.documents.actions import do_insert_doc
from lowcode.reports.checks import check_report
from lowcode.storage.factory import get_model


def make(name: str, report_type: str = "Query Report", **values):
    values.setdefault("ref_doctype", "Test Order")
    do_insert_doc(
        "Administrator", "Report", {"report_name": name, "report_type": report_type, **values}
    )
    return name


def stale(name: str, **changes):
    """Change a stored report behind the controller's back (raw SQL, an old import)."""
    get_model("Report").objects.filter(name=name).update(**changes)
    return get_model("Report").objects.get(name=name)


def ids(report) -> list[str]:
    return [error.id for error in check_report(report)]


def test_valid_definitions_report_nothing(site):
    make(
        "Q", query="SELECT %(s)s AS s", filters=[{"fieldname": "s"}], roles=[{"role": "Sales User"}]
    )
    make("Test Order Summary", "Script Report", is_standard=1)
    make("B", "Report Builder", json={"group_by": ["status"]})
    assert [ids(r) for r in get_model("Report").objects.all()] == [[], [], []]


def test_e001_query_that_is_not_one_select(site):
    report = stale(make("Q", query="SELECT 1"), query="SELECT 1; DROP TABLE x")
    (error,) = check_report(report)
    assert error.id == "reports.E001"
    assert error.obj == "Report Q"


def test_e002_unknown_ref_doctype(site):
    report = stale(make("Q", query="SELECT 1"), ref_doctype="Gone Away")
    (error,) = check_report(report)
    assert error.id == "reports.E002"
    assert "Gone Away" in error.msg


def test_e003_script_report_without_code(site):
    report = get_model("Report").objects.get(name=make("No Code Here", "Script Report"))
    assert ids(report) == ["reports.E003"]


def test_e004_report_builder_settings_not_an_object(site):
    report = stale(make("B", "Report Builder", json={"group_by": ["status"]}), json=["status"])
    assert ids(report) == ["reports.E004"]


def test_e005_parameter_not_a_filter(site):
    report = stale(make("Q", query="SELECT 1"), query="SELECT %(who)s AS w")
    (error,) = check_report(report)
    assert error.id == "reports.E005"
    assert "who" in error.msg


def test_e006_unknown_role(site):
    name = make("Q", query="SELECT 1", roles=[{"role": "Sales User"}])
    get_model("Report Role").objects.filter(parent=name).update(role="Ghost")
    assert ids(get_model("Report").objects.get(name=name)) == ["reports.E006"]


def test_e007_report_builder_field_that_is_gone(site):
    # given a report over a child and a linked column, valid when saved
    spec = {"fields": ["title", "items.qty", "test_order.amount"]}
    name = make("B", "Report Builder", ref_doctype="Test Delivery", json=spec)
    assert ids(get_model("Report").objects.get(name=name)) == []
    # when the fields it names are gone (a removed custom field, an old import)
    report = stale(name, json={**spec, "group_by": ["nope"], "fields": ["items.gone"]})
    # then each one is reported
    errors = check_report(report)
    assert [e.id for e in errors] == ["reports.E007", "reports.E007"]
    assert "items.gone" in errors[0].msg and "nope" in errors[1].msg


def test_the_check_command_reports_stale_definitions(site):
    stale(make("Q", query="SELECT 1"), ref_doctype="Gone Away")
    with pytest.raises(SystemCheckError, match=r"reports\.E002"):
        call_command("check", databases=["default"])
