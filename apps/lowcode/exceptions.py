"""Errors with Frappe's names and HTTP codes; the API renders them uniformly."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FieldError:
    """One failed rule on one field: what the form shows next to the field."""

    fieldname: str
    rule: str
    message: str
    row: int | None = None
    table: str | None = None

    def to_dict(self) -> dict:
        data: dict = {"field": self.fieldname, "rule": self.rule, "message": self.message}
        if self.table:
            data.update({"table": self.table, "row": self.row})
        return data


class FrappeError(Exception):
    """Base of every error the API turns into a response."""

    http_status = 500
    exc_type = "Exception"

    def __init__(self, message: str = "", errors: list[FieldError] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class ValidationError(FrappeError):
    http_status = 417
    exc_type = "ValidationError"


class MandatoryError(ValidationError):
    exc_type = "MandatoryError"


class WorkflowTransitionError(ValidationError):
    """A write that only a workflow transition may make (Frappe's name, 417)."""

    exc_type = "WorkflowTransitionError"


class LinkValidationError(ValidationError):
    exc_type = "LinkValidationError"


class DataError(FrappeError):
    """The request itself is malformed: unknown field, bad filter, bad JSON."""

    http_status = 400
    exc_type = "DataError"


class PermissionError(FrappeError):
    http_status = 403
    exc_type = "PermissionError"


class DoesNotExistError(FrappeError):
    http_status = 404
    exc_type = "DoesNotExistError"


class DuplicateEntryError(FrappeError):
    http_status = 409
    exc_type = "DuplicateEntryError"


class TimestampMismatchError(FrappeError):
    """The document changed since the client read it (optimistic lock)."""

    http_status = 409
    exc_type = "TimestampMismatchError"


class AuthenticationError(FrappeError):
    http_status = 401
    exc_type = "AuthenticationError"


class CSRFTokenError(FrappeError):
    http_status = 400
    exc_type = "CSRFTokenError"


class TooManyRequestsError(FrappeError):
    http_status = 429
    exc_type = "TooManyRequestsError"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class RequestTooLargeError(FrappeError):
    http_status = 413
    exc_type = "RequestTooLargeError"


class DocstatusTransitionError(ValidationError):
    exc_type = "DocstatusTransitionError"


class ServiceUnavailableError(FrappeError):
    """The database or the job queue cannot be reached right now; the client may retry."""

    http_status = 503
    exc_type = "ServiceUnavailableError"

    def __init__(self, message: str, retry_after: int = 30):
        super().__init__(message)
        self.retry_after = retry_after
