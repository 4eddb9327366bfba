"""Number Card: its DocType, aggregate and filter fields must exist."""

from lowcode.desk.lib.dashboard import check_definition
from lowcode.storage.document import Document


class NumberCard(Document):
    def validate(self) -> None:
        check_definition(self)
