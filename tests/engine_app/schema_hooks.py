"""A doc_events handler that fails a DocType's save on request (tests only)."""

from lowcode.exceptions import ValidationError

FAIL_MARK = "fail after ddl"


def refuse_marked_doctype(doc, event: str) -> None:
    """Refuse the save of a DocType record whose description is the mark, after its DDL ran."""
    if (doc.get("description") or "") == FAIL_MARK:
        raise ValidationError("refused by the test hook after the schema change")
