"""Opportunity Stage (商机阶段): one configurable step of the sales funnel.

Rules, enforced (a save that breaks one is refused, naming the field):
- probability is 0-100; a Won stage's is 100 and a Lost stage's 0 (forecasts rely on it);
- among enabled stages exactly one is Won and at most one Lost: a second enabled Won or Lost
  stage is refused, and so is disabling the only Won stage or turning it into another type
  (a site's first stages may be created before its Won stage, as the defaults are);
- a stage some opportunity is at cannot be disabled, change type or be deleted; a stage only
  found in stage histories cannot be deleted either (disable it instead).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lowcode.sdk import (
    Document,
    FieldError,
    ValidationError,
    _,
    get_model,
    label_of,
    option_label,
)

WON, LOST = "Won", "Lost"
REQUIRED_PROBABILITY = {WON: Decimal(100), LOST: Decimal(0)}


class OpportunityStage(Document):
    stage_name: str
    stage_order: int
    probability: Decimal | None
    stage_type: str
    enabled: bool

    def validate(self) -> None:
        errors = self.check_probability() + self.check_won_and_lost() + self.check_in_use()
        if errors:
            raise ValidationError("; ".join(e.message for e in errors), errors)

    def on_trash(self) -> None:
        used = self.opportunities_at_stage()
        if not used:
            Change = get_model("Opportunity Stage Change")
            in_history = Change.objects.filter(to_stage=self.name) | Change.objects.filter(
                from_stage=self.name
            )
            if not in_history.exists():
                return
            message = _(
                "Stage {stage} appears in the stage history of opportunities and cannot be "
                "deleted; disable it instead",
                stage=self.name,
            )
        else:
            message = _(
                "Stage {stage} is used by {count} opportunities; move them to another stage first",
                stage=self.name,
                count=used,
            )
        raise ValidationError(message, [FieldError("stage_name", "in_use", message)])

    def field_label(self, fieldname: str) -> str:
        return label_of(self.meta.get_field(fieldname))

    def check_probability(self) -> list[FieldError]:
        if self.probability is None:
            return []  # the standard validation reports a missing probability
        label = self.field_label("probability")
        if not 0 <= self.probability <= 100:
            message = _("{label} must be between 0 and 100", label=label)
            return [FieldError("probability", "range", message)]
        required = REQUIRED_PROBABILITY.get(self.stage_type)
        if required is not None and self.probability != required:
            message = _(
                "{label} of a {stage_type} stage must be {value}",
                label=label,
                stage_type=option_label(self.meta.get_field("stage_type"), self.stage_type),
                value=int(required),
            )
            return [FieldError("probability", "stage_type", message)]
        return []

    def check_won_and_lost(self) -> list[FieldError]:
        others = get_model("Opportunity Stage").objects.filter(enabled=True).exclude(name=self.name)
        errors = []
        if self.enabled and self.stage_type in (WON, LOST):
            clash = others.filter(stage_type=self.stage_type).values_list("name", flat=True)
            if clash:
                message = _(
                    "Only one enabled stage may be of type {stage_type}: {stage} already is",
                    stage_type=option_label(self.meta.get_field("stage_type"), self.stage_type),
                    stage=clash[0],
                )
                errors.append(FieldError("stage_type", "unique", message))
        before: Any = self._doc_before_save or {}
        was_won = bool(before.get("enabled")) and before.get("stage_type") == WON
        is_won = bool(self.enabled) and self.stage_type == WON
        if was_won and not is_won and not others.filter(stage_type=WON).exists():
            field = "enabled" if not self.enabled else "stage_type"
            message = _("Exactly one enabled stage must be of type {stage_type}", stage_type=_(WON))
            errors.append(FieldError(field, "won_required", message))
        return errors

    def check_in_use(self) -> list[FieldError]:
        before: Any = self._doc_before_save
        if self.is_new or not before:
            return []
        disabling = bool(before.get("enabled")) and not self.enabled
        retyping = before.get("stage_type") != self.stage_type
        if not (disabling or retyping):
            return []
        used = self.opportunities_at_stage()
        if not used:
            return []
        message = _(
            "Stage {stage} is used by {count} opportunities; move them to another stage first",
            stage=self.name,
            count=used,
        )
        return [FieldError("enabled" if disabling else "stage_type", "in_use", message)]

    def opportunities_at_stage(self) -> int:
        return get_model("Opportunity").objects.filter(stage=self.name).count()
