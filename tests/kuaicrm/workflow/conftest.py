"""The CRM flows reuse the engine's workflow fixtures (approvers, departments, loaded fixtures)."""

from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: F401
