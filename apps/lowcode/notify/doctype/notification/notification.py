"""Notification controller: refuse a rule that could never be evaluated, addressed or rendered."""

from lowcode.exceptions import FieldError, FrappeError, ValidationError
from lowcode.i18n import _
from lowcode.meta.registry import DoesNotExist, get_meta
from lowcode.notify import rules
from lowcode.notify.checks import condition_problem
from lowcode.storage.document import Document


def receiver_field_problem(meta, fieldname: str) -> str | None:
    """Why ``fieldname`` cannot name a recipient (a Link to User or an email field), or None."""
    if fieldname in rules.USER_COLUMNS:
        return None
    field = meta.get_field(fieldname)
    if field is None:
        return _("{doctype} has no field {field}", doctype=_(meta.name), field=fieldname)
    if field.fieldtype == "Link" and field.options == "User":
        return None
    if field.fieldtype == "Data" and field.options == "Email":
        return None
    return _("{field} holds neither a user nor an email address", field=_(field.label or ""))


def date_field_problem(meta, fieldname: str) -> str | None:
    """Why ``fieldname`` cannot date a Days After / Days Before rule, or None."""
    field = meta.get_field(fieldname)
    if field is None:
        return _("{doctype} has no field {field}", doctype=_(meta.name), field=fieldname)
    if field.fieldtype not in rules.DATE_TYPES or field.is_custom:
        return _("{field} is not a date field", field=_(field.label or ""))
    return None


class Notification(Document):
    document_type: str
    event: str
    condition: str | None
    date_changed: str | None
    value_changed: str | None
    subject: str
    message: str | None

    def validate(self) -> None:
        errors = []
        problem = condition_problem(self.condition)
        if problem:
            errors.append(
                FieldError(
                    "condition",
                    "expression",
                    _("Condition does not parse: {problem}", problem=problem),
                )
            )
        try:
            meta = get_meta(self.document_type)
        except DoesNotExist:
            meta = None  # the picker's own check names the missing DocType
        if meta is not None:
            if self.event in rules.DATED_EVENTS and self.date_changed:
                problem = date_field_problem(meta, self.date_changed)
                if problem:
                    errors.append(FieldError("date_changed", "date_field", problem))
            for index, row in enumerate(self.get_children("recipients"), start=1):
                if row.receiver_by_document_field:
                    problem = receiver_field_problem(meta, row.receiver_by_document_field)
                    if problem:
                        errors.append(
                            FieldError(
                                "receiver_by_document_field",
                                "recipient",
                                problem,
                                row=index,
                                table="recipients",
                            )
                        )
        for fieldname in ("subject", "message"):
            problem = self.template_problem(getattr(self, fieldname) or "")
            if problem:
                errors.append(FieldError(fieldname, "template", problem))
        if errors:
            raise ValidationError(errors[0].message, errors)

    def template_problem(self, source: str) -> str | None:
        """Render ``source`` once over an empty document: a syntax error or a refusal shows now."""
        from lowcode.printing.render import Record, render_template

        try:
            render_template(source, {"doc": Record({})}, _("Template"))
        except FrappeError as exc:
            return exc.message
        return None

    def on_update(self) -> None:
        rules.forget_rules()

    def after_delete(self) -> None:
        rules.forget_rules()
