"""Checks of shipped print format files: one test per ID, asserting the exact message."""

from __future__ import annotations

import pytest

from lowcode.meta.loader import app_dir
from lowcode.printing import loader
from lowcode.printing.checks import run_checks


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """Point the CRM's print_format/ folder at a temporary one; return a writer for it."""

    def fake_app_dir(app: str):
        return tmp_path if app == "kuaicrm" else app_dir(app)

    monkeypatch.setattr(loader, "app_dir", fake_app_dir)

    def write(folder: str, name: str, html: str):
        path = tmp_path / "print_format" / folder / f"{name}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
        return path

    return write


def test_shipped_formats_pass_the_checks(db):
    assert run_checks() == []


def test_e001_format_for_an_unknown_doctype(shipped):
    path = shipped("no_such_doctype", "card", "<p>{{ doc.name }}</p>")
    errors = run_checks()
    assert [e.id for e in errors] == ["printing.E001"]
    assert errors[0].msg == (
        "Print format file card.html of app 'kuaicrm' is for unknown DocType 'no_such_doctype'."
    )
    assert errors[0].obj == str(path)


def test_e002_template_that_does_not_compile(shipped):
    shipped("customer", "broken", "<p>\n{% for x in %}</p>")
    errors = run_checks()
    assert [e.id for e in errors] == ["printing.E002"]
    assert errors[0].msg.startswith(
        "Print format file broken.html of app 'kuaicrm' does not compile: "
    )
    assert "2" in errors[0].msg  # the line of the error
