"""Workflow fixtures: approvers with roles and departments, the fixture workflows loaded."""

from __future__ import annotations

import pytest

from lowcode import context
from lowcode.documents.actions import do_save_doc
from lowcode.users import do_create_user
from lowcode.workflow.loader import sync_workflows
from tests.conftest import PASSWORD


@pytest.fixture
def approvers(users):
    """Two legal reviewers (会签), two finance reviewers (或签); 华东销售部 headed by manager."""
    for username, roles in (
        ("legal1", ["Legal User"]),
        ("legal2", ["Legal User"]),
        ("finance1", ["Finance User"]),
        ("finance2", ["Finance User"]),
    ):
        do_create_user(username, PASSWORD, roles=roles, department="华东销售部", full_name=username)
    do_save_doc("Administrator", "Department", "华东销售部", {"head": "manager"})
    do_save_doc("Administrator", "Department", "销售中心", {"head": "sysman"})
    context.reset()
    return ["legal1", "legal2", "finance1", "finance2"]


@pytest.fixture
def workflows(approvers):
    """The fixture workflows of every app, loaded as after_migrate loads them."""
    names = sync_workflows()
    context.reset()
    return names
