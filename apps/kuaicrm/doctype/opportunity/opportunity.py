"""Opportunity (商机): stage, value, win probability, forecast category and who works on it.

Win probability (赢率; seed 001 §2.4: from the stage, the number of follow-ups and the
customer's recent interactions), recomputed on every save and by a daily job:

- a Won stage gives 100 and a Lost stage 0, always (an override applies to open stages only);
- an open stage starts from the stage's probability, then
  +5 with 3 or more follow-up records,
  +5 when the last interaction (latest follow-up record) is at most 14 days old,
  -10 when the last interaction, or the creation when there is none yet, is more than 30 days
  old; the result is kept within [5, 95]: an open deal is never certain, nor given up
  (only a lost one is 0);
- with ``probability_override`` an open stage takes ``manual_probability`` instead, and
  ``override_reason`` is required (the field's mandatory_depends_on).

Stage changes are recorded in ``stage_history`` (the initial stage too, with no from-stage and
0 hours); each row carries the hours spent in the stage it leaves, which the funnel report
averages per stage and ``opportunity_dwell`` sums for one opportunity. History rows, like the
other read-only fields, are kept from the database on every save: what a client sends for them
is ignored.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Max, Sum
from django.utils import timezone

from lowcode.sdk import (
    Document,
    FieldError,
    FrappeError,
    ValidationError,
    _,
    access_doc,
    get_model,
    label_of,
    option_label,
    user_department,
)

logger = logging.getLogger(__name__)


class StageType:
    OPEN = "Open"
    WON = "Won"
    LOST = "Lost"


CLOSED_TYPES = (StageType.WON, StageType.LOST)
# Forecast categories a closed stage always takes.
CLOSED_CATEGORY = {StageType.WON: "Closed", StageType.LOST: "Omitted"}
DEFAULT_CATEGORY = "Pipeline"

# The win-probability formula (module docstring).
MANY_FOLLOW_UPS, MANY_FOLLOW_UPS_BONUS = 3, Decimal(5)
RECENT_DAYS, RECENT_BONUS = 14, Decimal(5)
SILENT_DAYS, SILENT_PENALTY = 30, Decimal(10)
OPEN_FLOOR, OPEN_CEILING = Decimal(5), Decimal(95)

CENT = Decimal("0.01")
# Read-only columns the controller owns; a save keeps the stored value, whatever was sent.
KEPT_FIELDS = ("closed_on", "stage_changed_on", "furthest_stage_order", "department", "lead")
STAGE_FIELDS = ("stage_order", "probability", "stage_type", "forecast_category", "enabled")


def win_probability(
    stage_probability: Decimal,
    stage_type: str,
    followup_count: int,
    last_interaction_on: dt.datetime | None,
    created: dt.datetime | None,
    now: dt.datetime,
) -> Decimal:
    """Return the computed win probability (module docstring) of one opportunity."""
    if stage_type == StageType.WON:
        return Decimal(100)
    if stage_type == StageType.LOST:
        return Decimal(0)
    probability = Decimal(stage_probability or 0)
    if followup_count >= MANY_FOLLOW_UPS:
        probability += MANY_FOLLOW_UPS_BONUS
    last = last_interaction_on or created
    if last_interaction_on is not None and now - last_interaction_on <= dt.timedelta(
        days=RECENT_DAYS
    ):
        probability += RECENT_BONUS
    elif last is not None and now - last > dt.timedelta(days=SILENT_DAYS):
        probability -= SILENT_PENALTY
    return min(max(probability, OPEN_FLOOR), OPEN_CEILING)


def stage_config(stage: str | None) -> dict[str, Any] | None:
    if not stage:
        return None
    return get_model("Opportunity Stage").objects.filter(name=stage).values(*STAGE_FIELDS).first()


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


class Opportunity(Document):
    opportunity_name: str
    customer: str
    sales_owner: str | None
    department: str | None
    lead: str | None
    amount: Decimal | None
    stage: str | None
    stage_reason: str | None
    status: str
    stage_probability: Decimal | None
    probability: Decimal | None
    probability_override: bool
    manual_probability: Decimal | None
    override_reason: str | None
    weighted_amount: Decimal | None
    forecast_category: str | None
    lost_reason: str | None
    lost_details: str | None
    closed_on: dt.date | None
    followup_count: int | None
    last_interaction_on: dt.datetime | None
    stage_changed_on: dt.datetime | None
    furthest_stage_order: int | None

    def validate(self) -> None:
        stored = self.stored_state()
        self.keep_system_fields(stored)
        self.set_sales_owner_and_department(stored)
        self.compute_items(stored)
        self.set_default_stage()
        stage = stage_config(self.stage)
        if stage is None:
            return  # the standard validation names the missing or unknown stage
        self.apply_stage(stage, stored)
        self.count_follow_ups()
        self.set_probability(stage)
        self.set_forecast_category(stage, stored)
        self.weighted_amount = _money(Decimal(self.amount or 0) * (self.probability or 0) / 100)

    def on_update(self) -> None:
        self.sync_assignments()

    # ------------------------------------------------------------------ validate steps
    def stored_state(self) -> dict[str, Any] | None:
        """The row as stored before this save (None for a new opportunity)."""
        if self.is_new:
            return None
        stored = (
            get_model(self.doctype)
            .objects.filter(name=self.name)
            .values("stage", "amount", "forecast_category", "sales_owner", *KEPT_FIELDS)
            .first()
        )
        if stored is not None:
            stored["items_total"] = (
                get_model("Opportunity Item")
                .objects.filter(parent=self.name, parenttype=self.doctype, parentfield="items")
                .aggregate(total=Sum("amount"))["total"]
            )
        return stored

    def keep_system_fields(self, stored: dict[str, Any] | None) -> None:
        if stored is None:
            self.closed_on, self.stage_changed_on, self.furthest_stage_order = None, None, 0
            return
        for fieldname in KEPT_FIELDS:
            if fieldname == "lead" and not stored["lead"]:
                continue  # set once: a conversion may link an existing opportunity later
            setattr(self, fieldname, stored[fieldname])

    def set_sales_owner_and_department(self, stored: dict[str, Any] | None) -> None:
        if not self.sales_owner:
            self.sales_owner = self.acting_user or self.owner
        if stored is None or stored["sales_owner"] != self.sales_owner:
            self.department = user_department(self.sales_owner or "") or None

    def compute_items(self, stored: dict[str, Any] | None) -> None:
        """Row amount = qty x rate (rate defaults to the product's standard price).

        The opportunity's amount is the rows' total when left empty, and keeps following the
        rows while it still equals their stored total (nobody typed another amount).
        """
        rows = self.get_children("items")
        if not rows:
            return
        missing = {row.product for row in rows if row.rate is None and row.product}
        rates = dict(
            get_model("Product")
            .objects.filter(name__in=missing)
            .values_list("name", "standard_rate")
        )
        for row in rows:
            if row.rate is None:
                row.rate = rates.get(row.product)
            row.amount = _money(Decimal(str(row.qty or 0)) * Decimal(row.rate or 0))
        total = sum((row.amount for row in rows), Decimal(0))
        follows_rows = stored is not None and (
            stored["amount"] is not None
            and stored["items_total"] is not None
            and _money(stored["amount"]) == _money(stored["items_total"])
            and self.amount is not None
            and _money(self.amount) == _money(stored["amount"])
        )
        if self.amount in (None, "") or follows_rows:
            self.amount = total

    def set_default_stage(self) -> None:
        if self.stage:
            return
        self.stage = (
            get_model("Opportunity Stage")
            .objects.filter(enabled=True, stage_type=StageType.OPEN)
            .order_by("stage_order", "name")
            .values_list("name", flat=True)
            .first()
        )

    def apply_stage(self, stage: dict[str, Any], stored: dict[str, Any] | None) -> None:
        """Status, probability of the stage, closing date, furthest stage and the history row."""
        previous = stored["stage"] if stored else None
        previous_stage = stage_config(previous) if previous else None
        moved = previous != self.stage
        errors: list[FieldError] = []
        if moved:
            errors += self.check_stage_move(previous_stage, stage)
        new_status = stage["stage_type"]
        if new_status == StageType.LOST and not self.lost_reason:
            errors.append(
                FieldError(
                    "lost_reason",
                    "reqd",
                    _(
                        "{label} is required for a lost opportunity",
                        label=label_of(self.meta.get_field("lost_reason")),
                    ),
                )
            )
        if errors:
            raise ValidationError("; ".join(e.message for e in errors), errors)
        old_status = previous_stage["stage_type"] if previous_stage else None
        if new_status != old_status:
            self.closed_on = timezone.localdate() if new_status in CLOSED_TYPES else None
        self.status = new_status
        self.stage_probability = stage["probability"]
        if new_status in (StageType.OPEN, StageType.WON):
            self.furthest_stage_order = max(self.furthest_stage_order or 0, stage["stage_order"])
        history = self.stored_history()
        if moved:
            history.append(self.history_row(previous, len(history) + 1))
        self.set_children("stage_history", history)

    def check_stage_move(self, previous: dict[str, Any] | None, target: dict[str, Any]) -> list:
        """A move needs an enabled stage, and a reason when going back, reopening or losing."""
        errors = []
        if not target["enabled"]:
            message = _("Stage {stage} is disabled", stage=self.stage)
            errors.append(FieldError("stage", "disabled", message))
        self.stage_reason = (self.stage_reason or "").strip() or None
        if target["stage_type"] == StageType.LOST and not self.stage_reason:
            self.stage_reason = (self.lost_details or "").strip() or None
        reason_label = label_of(self.meta.get_field("stage_reason"))
        backwards = previous is not None and (
            previous["stage_type"] in CLOSED_TYPES
            or target["stage_order"] < previous["stage_order"]
        )
        if not self.stage_reason and backwards:
            message = _(
                "{label} is required to move an opportunity back or reopen it",
                label=reason_label,
            )
            errors.append(FieldError("stage_reason", "reqd", message))
        elif not self.stage_reason and previous and target["stage_type"] == StageType.LOST:
            message = _("{label} is required to mark an opportunity as lost", label=reason_label)
            errors.append(FieldError("stage_reason", "reqd", message))
        return errors

    def stored_history(self) -> list:
        """The stage history as stored: rows sent by a client never replace it."""
        if self.is_new:
            return []
        return list(
            get_model("Opportunity Stage Change")
            .objects.filter(parent=self.name, parenttype=self.doctype, parentfield="stage_history")
            .order_by("idx")
        )

    def history_row(self, previous: str | None, idx: int):
        now = timezone.now()
        since = self.stage_changed_on or self.creation
        dwell = Decimal(0)
        if previous and since is not None:
            dwell = (Decimal((now - since).total_seconds()) / 3600).quantize(CENT)
        row: Any = get_model("Opportunity Stage Change")()
        row.from_stage, row.to_stage = previous, self.stage
        row.changed_on, row.changed_by = now, self.acting_user or self.modified_by
        row.reason, row.dwell_hours, row.amount = self.stage_reason, dwell, self.amount
        row.idx = idx  # named by the write, like every new row
        self.stage_changed_on = now
        self.stage_reason = None  # recorded: the next change brings its own reason
        return row

    def count_follow_ups(self) -> None:
        """Follow-ups and the last interaction, counted from the Follow-up Records."""
        if self.is_new:
            self.followup_count, self.last_interaction_on = 0, None
            return
        found = (
            get_model("Follow-up Record")
            .objects.filter(opportunity=self.name)
            .aggregate(count=Count("name"), last=Max("followed_up_on"))
        )
        self.followup_count, self.last_interaction_on = found["count"], found["last"]

    def set_probability(self, stage: dict[str, Any]) -> None:
        self.override_reason = (self.override_reason or "").strip() or None
        if self.probability_override and self.manual_probability is not None:
            if not 0 <= self.manual_probability <= 100:
                label = label_of(self.meta.get_field("manual_probability"))
                message = _("{label} must be between 0 and 100", label=label)
                raise ValidationError(message, [FieldError("manual_probability", "range", message)])
            if stage["stage_type"] == StageType.OPEN:
                self.probability = self.manual_probability
                return
        self.probability = win_probability(
            stage["probability"],
            stage["stage_type"],
            self.followup_count or 0,
            self.last_interaction_on,
            self.creation,
            timezone.now(),
        )

    def set_forecast_category(self, stage: dict[str, Any], stored: dict[str, Any] | None) -> None:
        """Closed stages fix the category; otherwise a stage move brings the stage's default,
        unless the same save chose a category (a user's choice stays until the next move)."""
        if stage["stage_type"] in CLOSED_TYPES:
            self.forecast_category = CLOSED_CATEGORY[stage["stage_type"]]
            return
        default = stage["forecast_category"] or DEFAULT_CATEGORY
        if stored is None:
            # A new opportunity still holding the field default follows its stage.
            if self.forecast_category in (None, "", DEFAULT_CATEGORY):
                self.forecast_category = default
        elif (
            stored["stage"] != self.stage
            and self.forecast_category == (stored["forecast_category"])
        ):
            self.forecast_category = default
        if self.forecast_category == CLOSED_CATEGORY[StageType.WON]:
            label = label_of(self.meta.get_field("forecast_category"))
            message = _(
                "{label} cannot be {category} while the opportunity is open",
                label=label,
                category=option_label(
                    self.meta.get_field("forecast_category"), self.forecast_category
                ),
            )
            raise ValidationError(message, [FieldError("forecast_category", "closed", message)])

    # ------------------------------------------------------------------ on_update steps
    def team(self, snapshot: Any) -> set[str]:
        """The sales owner and collaborators of the document (or of a before-save snapshot)."""
        if isinstance(snapshot, dict):
            users = {snapshot.get("sales_owner")}
            users |= {row.get("user") for row in snapshot.get("collaborators") or []}
        else:
            users = {self.sales_owner} | {row.user for row in self.get_children("collaborators")}
        return {user for user in users if user}

    def sync_assignments(self) -> None:
        """Assign the owner and collaborators (the 'own' scope shows them the opportunity);
        unassign those removed since the last save."""
        from lowcode.sdk import do_assign_doc, do_unassign_doc

        before = self.team(self._doc_before_save) if self._doc_before_save else set()
        now = self.team(None)
        for user in sorted(now - before):
            do_assign_doc("Administrator", self.doctype, self.name, user)
        for user in sorted(before - now):
            do_unassign_doc("Administrator", self.doctype, self.name, user)


# ---------------------------------------------------------------------- API methods
def change_opportunity_stage(
    request,
    user,
    name: str,
    stage: str,
    reason: str = "",
    lost_reason: str = "",
    lost_details: str = "",
):
    """Move an opportunity to ``stage``; a reason is required going back, reopening or losing."""
    from lowcode.sdk import do_save_doc

    current = access_doc(user, "Opportunity", name, "write")
    if stage == current.stage:
        message = _("The opportunity is already at stage {stage}", stage=stage)
        raise ValidationError(message, [FieldError("stage", "unchanged", message)])
    data: dict[str, Any] = {"stage": stage, "stage_reason": reason}
    if lost_reason:
        data["lost_reason"] = lost_reason
    if lost_details:
        data["lost_details"] = lost_details
    doc = do_save_doc(user, "Opportunity", name, data)
    from lowcode.sdk import to_json

    return {
        "name": doc.name,
        "stage": doc.stage,
        "status": doc.status,
        "probability": to_json(doc.probability),
        "forecast_category": doc.forecast_category,
        "modified": to_json(doc.modified),
    }


change_opportunity_stage.writes = True  # type: ignore[attr-defined]


def opportunity_dwell(request, user, name: str):
    """Hours the opportunity spent in each stage it visited, in funnel order.

    Finished stays come from the stage history (``dwell_hours`` of the rows leaving a stage);
    the current stage counts until now and is marked ``current``.
    """
    from lowcode.sdk import to_json

    doc = access_doc(user, "Opportunity", name, "read")
    totals: dict[str, dict[str, Any]] = {}
    for row in doc.get_children("stage_history"):
        if row.to_stage:
            entry = totals.setdefault(row.to_stage, {"hours": Decimal(0), "visits": 0})
            entry["visits"] += 1
        if row.from_stage:
            entry = totals.setdefault(row.from_stage, {"hours": Decimal(0), "visits": 0})
            entry["hours"] += Decimal(row.dwell_hours or 0)
    since = doc.stage_changed_on or doc.creation
    if doc.stage and since is not None:
        entry = totals.setdefault(doc.stage, {"hours": Decimal(0), "visits": 1})
        entry["hours"] += Decimal((timezone.now() - since).total_seconds()) / 3600
    orders = dict(
        get_model("Opportunity Stage")
        .objects.filter(name__in=list(totals))
        .values_list("name", "stage_order")
    )
    stages = [
        {
            "stage": stage,
            "stage_order": orders.get(stage),
            "hours": float(entry["hours"].quantize(CENT)),
            "visits": entry["visits"],
            "current": stage == doc.stage,
        }
        for stage, entry in sorted(totals.items(), key=lambda kv: (orders.get(kv[0]) or 0, kv[0]))
    ]
    return {"name": doc.name, "stage": doc.stage, "since": to_json(since), "stages": stages}


# ---------------------------------------------------------------------- scheduled job
def refresh_open_probabilities() -> int:
    """Daily: resave open opportunities whose computed probability has drifted with time
    (an interaction older than 14 or 30 days); return how many were updated."""
    from lowcode.sdk import do_save_doc

    now = timezone.now()
    Opportunity: Any = get_model("Opportunity")
    stages = {
        name: cfg
        for name, *values in get_model("Opportunity Stage").objects.values_list(
            "name", *STAGE_FIELDS
        )
        for cfg in [dict(zip(STAGE_FIELDS, values, strict=True))]
    }
    rows = Opportunity.objects.filter(
        status=StageType.OPEN, probability_override=False
    ).values_list(
        "name", "stage", "probability", "followup_count", "last_interaction_on", "creation"
    )
    drifted = []  # collected first: saving while a cursor is open is unsafe on SQLite
    for name, stage, probability, count, last, created in rows.iterator():
        cfg = stages.get(stage)
        if cfg is None:
            continue
        expected = win_probability(
            cfg["probability"], cfg["stage_type"], count or 0, last, created, now
        )
        if probability is None or Decimal(probability) != expected:
            drifted.append(name)
    updated = 0
    for name in drifted:
        # One transaction each: an opportunity that no longer validates (a field made
        # mandatory since) is logged and skipped, not a reason to leave the others stale.
        try:
            do_save_doc("Administrator", "Opportunity", name, {}, ignore_permissions=True)
        except FrappeError as exc:
            logger.warning("Opportunity %s: probability not refreshed: %s", name, exc.message)
            continue
        updated += 1
    return updated
