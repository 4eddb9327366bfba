"""Server script editor: System Manager only, syntax checked by the sandbox's compiler with
line numbers, saved through the actions, and a saved script runs on its event."""

from __future__ import annotations

import re

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.query.serialize import to_json
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db
EDITOR = "/app/script-editor"


@pytest.fixture
def scripts_on(settings, users):
    settings.SITE_CONFIG = {
        **settings.SITE_CONFIG,
        "server_script_enabled": True,
        "server_script_cpu_seconds": 0.5,
        "server_script_memory_mb": 256,
    }
    return settings


@pytest.mark.parametrize("path", [EDITOR, f"{EDITOR}/new"])
def test_script_screens_answer_404_to_everyone_but_a_system_manager(desk, path):
    assert desk("rep").get(path).status_code == 404
    assert desk("rep").post(f"{EDITOR}/_check", {"script": "x = 1"}).status_code == 404
    assert desk("sysman").get(path).status_code == 200


def test_syntax_check_reports_the_line_and_saves_nothing(desk):
    script = "x = 1\nif x:\n    y = (\nz = 2\n"
    page = desk("sysman").post(f"{EDITOR}/_check", {"script": script}).content.decode()
    assert 'data-goto-line="3"' in page
    assert 'data-error-lines="3"' in page
    assert not get_model("Server Script").objects.exists()


def test_syntax_check_reports_the_sandboxs_own_refusals(desk):
    page = (
        desk("sysman").post(f"{EDITOR}/_check", {"script": "a = 1\n_secret = 2\n"}).content.decode()
    )
    assert 'data-goto-line="2"' in page and "_secret" in page
    ok = desk("sysman").post(f"{EDITOR}/_check", {"script": "a = 1\n"}).content.decode()
    assert 'class="syntax-ok"' in ok


def _form(**values) -> dict:
    data = {
        "script_type": "DocType Event",
        "reference_doctype": "Test Order",
        "doctype_event": "Before Save",
        "disabled": "0",
        "allow_guest": "0",
    }
    data.update(values)
    return data


def test_a_script_that_does_not_compile_is_not_saved_and_shows_its_line(desk):
    response = desk("sysman").post(
        f"{EDITOR}/new", _form(__newname="broken", script="doc.notes = 'x'\nif :\n")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-goto-line="2"' in page and 'class="code-editor has-error"' in page
    assert not get_model("Server Script").objects.filter(name="broken").exists()


def test_a_saved_script_runs_on_its_event(desk, scripts_on, django_assert_max_num_queries):
    # given a script saved through the editor
    client = desk("sysman")
    response = client.post(
        f"{EDITOR}/new", _form(__newname="shout", script="doc.notes = doc.title.upper()\n")
    )
    assert response.status_code == 204, response.content.decode()[:2000]
    assert response["HX-Redirect"] == f"{EDITOR}/shout?saved=1"
    client.get(f"{EDITOR}/shout")
    with django_assert_max_num_queries(12):
        page = client.get(f"{EDITOR}/shout").content.decode()
    assert re.search(r'<textarea id="in-script"[^>]*>doc.notes = doc.title.upper\(\)', page)
    # when an order is saved, then the script ran
    order = do_insert_doc("rep", "Test Order", {"title": "hello"})
    assert get_model("Test Order").objects.get(name=order.name).notes == "HELLO"
    # and an edit through the editor takes effect on the next save
    stored = get_model("Server Script").objects.get(name="shout")
    response = client.post(
        f"{EDITOR}/shout",
        _form(modified=to_json(stored.modified), script="doc.notes = 'edited'\n"),
    )
    assert response.status_code == 204, response.content.decode()[:2000]
    order = do_insert_doc("rep", "Test Order", {"title": "again"})
    assert get_model("Test Order").objects.get(name=order.name).notes == "edited"


def test_the_list_shows_type_and_event(desk, django_assert_max_num_queries):
    do_insert_doc(
        "Administrator",
        "Server Script",
        {"name": "probe", "script_type": "API", "api_method": "probe", "script": "x = 1"},
    )
    client = desk("sysman")
    client.get(EDITOR)
    with django_assert_max_num_queries(10):
        page = client.get(EDITOR).content.decode()
    assert "/api/method/probe" in page and f"{EDITOR}/probe" in page
