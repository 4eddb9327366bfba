"""One test per notify check ID, over definitions stored before validation existed."""

from __future__ import annotations

from django.core import checks

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model


def check_definitions() -> list:
    """Run the notify checks as ``kuaicrm check --database default`` and start-up do."""
    return checks.run_checks(tags=["notify_db"], databases=["default"])


def make_webhook(**values) -> str:
    data = {
        "webhook_doctype": "Test Order",
        "webhook_docevent": "after_insert",
        "request_url": "https://example.com/hook",
        **values,
    }
    return do_insert_doc("Administrator", "Webhook", data).name


def test_valid_definitions_report_nothing(users):
    make_webhook(condition="doc.priority > 5")
    do_insert_doc(
        "Administrator",
        "Robot Channel",
        {"channel_name": "群", "platform": "wecom", "webhook_url": "https://qyapi.weixin.qq.com/x"},
    )
    assert check_definitions() == []


def test_e001_url_scheme_not_http(users):
    # given: a record changed behind the controller's back (raw SQL, an old import)
    name = make_webhook()
    get_model("Webhook").objects.filter(name=name).update(request_url="file:///etc/passwd")

    (error,) = check_definitions()

    assert error.id == "notify.E001"
    assert error.obj == f"Webhook {name}"
    assert "file:///etc/passwd" in error.msg


def test_e002_condition_does_not_parse(users):
    name = make_webhook()
    get_model("Webhook").objects.filter(name=name).update(condition="doc.total >")

    (error,) = check_definitions()

    assert error.id == "notify.E002"
    assert error.obj == f"Webhook {name}"
    assert "doc.total >" in error.msg
