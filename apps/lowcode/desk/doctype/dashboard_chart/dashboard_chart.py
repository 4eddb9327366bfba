"""Dashboard Chart: its DocType, group-by, aggregate and filter fields must exist."""

from lowcode.desk.lib.dashboard import check_definition
from lowcode.storage.document import Document


class DashboardChart(Document):
    def validate(self) -> None:
        check_definition(self, group_field="group_by")
