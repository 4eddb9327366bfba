"""Shared helpers of the rules engines: per-request rule caches and side-table writes."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from lowcode.meta import registry
from lowcode.storage.factory import get_model

CACHE_PREFIX = "rules"
STANDARD_COLUMNS = frozenset({"name", "owner", "creation", "modified", "modified_by", "docstatus"})
RULE_DOCTYPES = frozenset(
    {
        "Scoring Rule",
        "Scoring Criterion",
        "Score Log",
        "Assignment Rule",
        "Assignment Rule User",
        "Duplicate Rule",
        "Duplicate Rule Field",
        "Duplicate Key",
        "Working Calendar",
        "Calendar Holiday",
        "Calendar Working Day",
        "SLA Rule",
        "SLA Breach",
        "Workflow Action Rule",
    }
)


def rules_for(rule_doctype: str, doctype: str) -> list:
    """Enabled rules of ``rule_doctype`` for ``doctype``, cached per process until a rule changes.

    The first call reads which DocTypes have any rule (one query), so a
    save of a DocType without rules costs nothing more.
    """
    if doctype in RULE_DOCTYPES:
        return []
    model: Any = get_model(rule_doctype)
    targets = registry.config_cached(
        (CACHE_PREFIX, rule_doctype, "*"),
        lambda: set(model.objects.filter(enabled=True).values_list("document_type", flat=True)),
    )
    if doctype not in targets:
        return []

    def load() -> list:
        rules = list(model.objects.filter(enabled=True, document_type=doctype).order_by("name"))
        for rule in rules:
            for field in rule.meta.table_fields:
                rule.get_children(field.fieldname)  # load the rows once, with the rule
        return rules

    return registry.config_cached((CACHE_PREFIX, rule_doctype, doctype), load)


def forget_rules(doc=None, event: str | None = None) -> None:
    """Drop cached rules in every process after a rule changes."""
    registry.bump_generation()


def create_record(doctype: str, user: str, **values: Any):
    """Write a log/side-table record directly: these are engine bookkeeping, not user input."""
    from lowcode.documents.bulk import new_side_record

    record = new_side_record(get_model(doctype), user, timezone.now(), **values)
    record.save(force_insert=True)
    return record


class RuleController:
    """Mixed into rule DocTypes: any change drops every process's cached rules."""

    def on_update(self) -> None:
        forget_rules()

    def after_delete(self) -> None:
        forget_rules()


def check_rule(rule, fields: list[tuple[str, str | None, str]], conditions: tuple = ()) -> None:
    """Validate a rule's configuration; raise one ValidationError naming every bad field.

    ``fields`` lists (rule field, DocType, fieldname that DocType must have) — a bad
    reference is reported on the rule field; ``conditions`` lists expression fields.
    """
    from lowcode.exceptions import FieldError, ValidationError
    from lowcode.expressions import ExpressionError, compile_condition
    from lowcode.i18n import _
    from lowcode.meta import registry

    errors: list[FieldError] = []
    doctype = rule.get("document_type")
    if doctype and not registry.exists(doctype):
        message = _("DocType {doctype} not found", doctype=doctype)
        raise ValidationError(message, [FieldError("document_type", "link", message)])
    for fieldname in conditions:
        source = rule.get(fieldname)
        if source:
            try:
                compile_condition(source)
            except ExpressionError as exc:
                label = _(rule.meta.get_field(fieldname).label)
                message = _("{label}: {error}", label=label, error=str(exc))
                errors.append(FieldError(fieldname, "expression", message))
    for rule_field, target, value in fields:
        if not value or not target:
            continue
        if not registry.exists(target):
            message = _("DocType {doctype} not found", doctype=target)
            errors.append(FieldError(rule_field, "link", message))
        elif not registry.get_meta(target).has_field(value) and value not in STANDARD_COLUMNS:
            message = _("{doctype} has no field {field}", doctype=_(target), field=value)
            errors.append(FieldError(rule_field, "field", message))
    if errors:
        raise ValidationError("; ".join(e.message for e in errors[:5]), errors)
