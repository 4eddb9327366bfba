"""Versions are written one way: ``lowcode.documents.versions.write_version`` (and, for a
batch of imported rows, ``documents/bulk.py``'s one INSERT), never by a module of its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lowcode.documents.versions import field_changes, write_version
from lowcode.models import Version

APPS = Path(__file__).resolve().parents[3] / "apps"
WRITERS = {"lowcode/documents/versions.py", "lowcode/documents/bulk.py"}
# Version.objects.create(…), Version(…), bulk_create / insert_rows / new_instance of Version
CREATES = re.compile(
    r"\bVersion\.objects\.(create|bulk_create|get_or_create|update_or_create)\("
    r"|(?<!class )\bVersion\(|(insert_rows|new_instance)\(\s*Version\b"
)


def test_only_the_version_writer_creates_versions():
    found = [
        str(path.relative_to(APPS))
        for path in APPS.rglob("*.py")
        if "migrations" not in path.parts
        and str(path.relative_to(APPS)) not in WRITERS
        and CREATES.search(path.read_text(encoding="utf-8"))
    ]

    assert found == []


@pytest.mark.django_db
def test_write_version_records_only_for_doctypes_that_track_changes(users):
    # Test Order tracks changes; Test Order Item (a child table) does not
    assert write_version("Test Order", "TO-X", "rep", field_changes({"owner": ("rep", "rep2")}))
    assert not write_version("Test Order Item", "row-1", "rep", field_changes({"qty": (1, 2)}))
    # an empty diff is no change
    assert not write_version("Test Order", "TO-X", "rep", field_changes({}))

    stored = Version.objects.get(ref_doctype="Test Order", docname="TO-X")
    assert (stored.owner, stored.data["changed"]) == ("rep", [["owner", "rep", "rep2"]])
