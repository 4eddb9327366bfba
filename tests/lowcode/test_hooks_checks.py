"""hooks.py start-up check: every dotted path imports and every key means something (hooks.*).

Each test installs a real app whose hooks.py has one mistake, then runs the system checks.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.checks import Error
from django.core.management import CommandError, call_command

from lowcode import hooks_checks
from lowcode.hooks_loader import app_hooks
from lowcode.storage.document import Document

APPS = Path(__file__).resolve().parents[2] / "apps"
GOOD = "kuaicrm.pool.claim_customer"  # a real function
TYPO = "kuaicrm.pool.claim_custmer"


@pytest.fixture
def install_app(tmp_path, settings, monkeypatch):
    """Install an app ``hookapp`` whose hooks.py is ``source``."""

    def install(source: str) -> None:
        package = tmp_path / "hookapp"
        package.mkdir()
        (package / "__init__.py").write_text("")
        (package / "hooks.py").write_text(textwrap.dedent(source))
        settings.LOWCODE_APPS = [*settings.LOWCODE_APPS, "hookapp"]
        app_hooks.cache_clear()

    monkeypatch.syspath_prepend(str(tmp_path))
    yield install
    for name in ("hookapp", "hookapp.hooks"):
        sys.modules.pop(name, None)
    app_hooks.cache_clear()


def _found(cid: str) -> list[str]:
    return [m.msg for m in hooks_checks.run_checks() if m.id == cid]


def test_every_app_s_hooks_pass_the_check():
    assert hooks_checks.run_checks() == []


def test_a_typo_in_a_doc_event_handler_fails_kuaicrm_check_naming_hook_and_path(db, install_app):
    install_app(f'doc_events = {{"Lead": {{"validate": ["{GOOD}", "{TYPO}"]}}}}\n')

    with pytest.raises(CommandError) as failed:
        call_command("check")

    assert "hooks.E001" in str(failed.value)
    assert f"hookapp hooks.py doc_events['Lead']['validate']: '{TYPO}' does not import" in str(
        failed.value
    )
    assert f"'{GOOD}'" not in str(failed.value)


def test_e001_a_doc_event_handler_that_is_not_a_function(install_app):
    install_app('doc_events = {"*": {"on_update": ["kuaicrm.hooks.doc_events"]}}\n')

    assert _found("hooks.E001") == [
        "hookapp hooks.py doc_events['*']['on_update']: 'kuaicrm.hooks.doc_events' is not a function."
    ]


def test_e002_an_unknown_document_event(install_app):
    install_app(f'doc_events = {{"Lead": {{"on_udpate": ["{GOOD}"]}}}}\n')

    assert _found("hooks.E002") == [
        "hookapp hooks.py doc_events['Lead'] names unknown event 'on_udpate': "
        "its handlers would never run."
    ]


def test_e003_a_scheduler_job_typo_daily_and_cron(install_app):
    install_app(
        f"""
        scheduler_events = {{
            "daily": ["{TYPO}"],
            "cron": {{"*/5 * * * *": ["kuaicrm.tasks.no_such_job"]}},
        }}
        """
    )

    found = _found("hooks.E003")

    assert len(found) == 2
    assert found[0].startswith(f"hookapp hooks.py scheduler_events['daily']: '{TYPO}' does not")
    assert found[1].startswith(
        "hookapp hooks.py scheduler_events['cron']['*/5 * * * *']: 'kuaicrm.tasks.no_such_job'"
    )


def test_e004_an_unknown_period_and_a_bad_cron_expression(install_app):
    install_app(
        f"""
        scheduler_events = {{"dialy": ["{GOOD}"], "cron": {{"*/5 * * *": ["{GOOD}"]}}}}
        """
    )

    found = _found("hooks.E004")

    assert "hookapp hooks.py scheduler_events names unknown period 'dialy'" in found[0]
    assert "expression '*/5 * * *' does not parse" in found[1]


def test_e005_a_whitelisted_method_target(install_app):
    install_app(f'whitelisted_methods = {{"hookapp.claim": "{TYPO}"}}\n')

    assert _found("hooks.E005")[0].startswith(
        f"hookapp hooks.py whitelisted_methods['hookapp.claim']: '{TYPO}' does not import"
    )


def test_e006_a_method_fallback(install_app):
    install_app('method_fallbacks = ["lowcode.scripts.actions.resolve_api_scrpt"]\n')

    assert len(_found("hooks.E006")) == 1


def test_e007_permission_query_conditions_and_read_grants(install_app):
    install_app(
        f"""
        permission_query_conditions = {{"Lead": ["{TYPO}"]}}
        permission_read_grants = {{"Customer": "kuaicrm.pool.pool_read_grnt"}}
        """
    )

    found = _found("hooks.E007")

    assert [m.split(":")[0] for m in found] == [
        "hookapp hooks.py permission_query_conditions['Lead']",
        "hookapp hooks.py permission_read_grants['Customer']",
    ]


def test_e008_after_migrate_and_demo_loader(install_app):
    install_app(
        """
        after_migrate = ["kuaicrm.setup.install_default"]
        demo_loader = "nosuchmodule.load_demo"
        """
    )

    found = _found("hooks.E008")

    assert len(found) == 2 and "nosuchmodule" in found[1]


def test_e009_a_server_script_enqueue_method(install_app):
    install_app('server_script_enqueue_methods = ["lowcode.scripts.actions.do_run"]\n')

    assert len(_found("hooks.E009")) == 1


def test_e010_a_mapping_postprocess_without_database_checks(install_app):
    install_app(
        f"""
        document_mappings = {{"hookapp.make": {{"source": "Lead", "target": "Customer",
                                               "postprocess": "{TYPO}"}}}}
        """
    )

    assert len(_found("hooks.E010")) == 1
    # With the database checks meta.E019 reports it (once, not twice).
    with_db = hooks_checks.run_checks(databases=["default"])
    assert [m for m in with_db if m.id == "hooks.E010"] == []


def test_e011_desk_form_extensions_and_home_cards(install_app):
    install_app(
        """
        desk_form_extensions = {"Lead": "kuaicrm.lead.form_extension"}
        desk_home_cards = [42]
        """
    )

    found = _found("hooks.E011")

    assert found[0].startswith("hookapp hooks.py desk_form_extensions['Lead']")
    assert found[1] == "hookapp hooks.py desk_home_cards: 42 is not a dotted path."


def test_e011_desk_connection_cards(install_app):
    install_app('desk_connection_cards = {"Customer": ["kuaicrm.customers.no_such_card"]}\n')

    found = _found("hooks.E011")

    assert len(found) == 1
    assert found[0].startswith(
        "hookapp hooks.py desk_connection_cards['Customer']: 'kuaicrm.customers.no_such_card' "
        "does not import"
    )


def test_a_dict_hook_declared_as_a_list_is_named(install_app):
    install_app(f'doc_events = ["{GOOD}"]\n')

    assert _found("hooks.E001") == ["hookapp hooks.py doc_events is a list, not a dict."]


def test_w001_a_misspelt_hook_name_warns_but_an_imported_name_does_not(install_app):
    install_app(
        f"""
        from kuaicrm.selling import ITEM_FIELDS
        _PRIVATE = 1
        doc_event = {{"Lead": {{"validate": ["{GOOD}"]}}}}
        """
    )

    warnings = [m for m in hooks_checks.run_checks() if m.id == "hooks.W001"]

    assert [w.msg for w in warnings] == [
        "hookapp hooks.py declares 'doc_event', which no part of the engine reads."
    ]
    assert not isinstance(warnings[0], Error)  # a warning: kuaicrm check still passes


def test_the_check_knows_every_hook_the_engine_reads_and_every_document_event():
    read = set()
    for path in APPS.rglob("*.py"):
        read |= set(re.findall(r'get_hooks\("([a-z_]+)"\)', path.read_text(encoding="utf-8")))

    assert read and read <= hooks_checks.KNOWN_HOOKS
    assert all(callable(getattr(Document, event, None)) for event in hooks_checks.DOC_EVENTS)
