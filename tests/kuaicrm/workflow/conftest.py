"""The CRM flows reuse the engine's workflow fixtures (approvers, departments, loaded fixtures)."""

import pytest

from lowcode import context
from lowcode.users import do_create_user
from tests.conftest import PASSWORD
from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: F401


@pytest.fixture
def signers(workflows):  # noqa: F811
    """The 绿色通道 co-signers: a Sales Director and an Operations VP (seed 003)."""
    for username, role in (("director", "Sales Director"), ("opsvp", "Operations VP")):
        do_create_user(username, PASSWORD, roles=[role], department="销售中心", full_name=username)
    context.reset()
    return ["director", "opsvp"]
