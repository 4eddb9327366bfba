"""Lead conversion (seed 001 §1.4 线索转化): a lead becomes a customer, a contact and an opportunity.

``do_convert_lead`` is one transaction: the customer, the contact, the opportunity, the
lead's own record of the conversion and the workflow step all commit together or not at all.

Where a lead may be converted while the Lead Qualification workflow is active:

- to an opportunity (with or without a new customer) only from **Demo Scheduled**, through
  the workflow's "Convert to Opportunity" transition (the user must be allowed to take it);
- to a customer alone only from **Qualified onwards** (Qualified to Demo Scheduled), through
  the workflow's "Convert to Customer" transition into the final state Converted to Customer,
  so the lead's status (Converted) and its workflow state always agree.

Without an active workflow, any lead that is not Invalid, Closed or archived may convert.

A Customer with the same company name (normalised: legal form, region prefix, width) or
the same tax id is linked instead of created, and the response says so. One the user
cannot read is not linked: the conversion is refused naming the company, so a rep never
attaches their opportunity to a colleague's customer unseen.

Custom fields travel: every Custom Field of Lead whose fieldname the target DocType also
has (standard or custom) is copied to the new customer, contact and opportunity.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lowcode.sdk import (
    Assignment,
    FieldError,
    PermissionError,
    ValidationError,
    _,
    access_doc,
    active_workflows,
    current_state,
    do_apply_workflow,
    do_insert_doc,
    do_save_doc,
    duplicate_key_specs,
    find_duplicates,
    get_meta,
    get_model,
    get_transitions,
    get_workflow,
    has_doctype_permission,
    make_duplicate_key,
    normalise_company,
    normalise_credit_code,
    option_label,
    permitted_queryset,
    require_transition,
)

LEAD = "Lead"
CONVERT_ACTION = "Convert to Opportunity"
CUSTOMER_ACTION = "Convert to Customer"
OPPORTUNITY_FROM_STATE = "Demo Scheduled"
# States a lead converts to a customer from: "Qualified onwards".
NOT_YET_QUALIFIED = ("New", "Returned")
ENDED_STATES = ("Invalid", "Archived Invalid", "Closed", "Archived Closed")
ENDED_STATUSES = ("Invalid", "Closed")
DEFAULT_CLOSE_DAYS = 30
# Set while do_convert_lead takes the "Convert to Opportunity" or "Convert to Customer" step,
# so the Lead controller lets the lead into those states only together with the records.
_converting: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "kuaicrm_converting_lead", default=None
)


@contextlib.contextmanager
def _conversion_of(lead_name: str) -> Iterator[None]:
    token = _converting.set(lead_name)
    try:
        yield
    finally:
        _converting.reset(token)


def is_converting(lead_name: str) -> bool:
    """Whether ``do_convert_lead`` is converting this lead right now."""
    return _converting.get() == lead_name


def _flag(value: Any) -> bool:
    return str(value).strip().lower() not in ("0", "", "false", "none", "no")


def _refuse(fieldname: str, message: str) -> ValidationError:
    return ValidationError(message, [FieldError(fieldname, "conversion", message)])


def carried_custom_fields(lead, target: str) -> dict[str, Any]:
    """Values of the lead's Custom Fields that ``target`` also has (its state field excepted)."""
    workflows = {w.state_field for w in active_workflows()}
    target_meta = get_meta(target)
    values = {}
    for field in get_meta(LEAD).data_fields:
        if not field.is_custom or field.fieldname in workflows:
            continue
        other = target_meta.get_field(field.fieldname)
        if other is None or not other.holds_value or other.is_table:
            continue
        value = lead.get(field.fieldname)
        if value not in (None, ""):
            values[field.fieldname] = value
    return values


def _select_allows(doctype: str, fieldname: str, value: Any) -> bool:
    field = get_meta(doctype).get_field(fieldname)
    if field is None:
        return False
    return str(value) in (field.options or "").split("\n")


def check_convertible(user: str, lead, to_opportunity: bool) -> None:
    """Refuse a conversion the lead's state (or the user's workflow rights) does not allow."""
    if lead.archived:
        raise _refuse("archived", _("Lead {name} is archived", name=lead.name))
    if to_opportunity and lead.opportunity:
        raise _refuse(
            "opportunity",
            _(
                "Lead {name} was already converted to opportunity {opportunity}",
                name=lead.name,
                opportunity=lead.opportunity,
            ),
        )
    if not to_opportunity and lead.customer:
        raise _refuse(
            "customer",
            _(
                "Lead {name} was already converted to customer {customer}",
                name=lead.name,
                customer=lead.customer,
            ),
        )
    workflow = get_workflow(LEAD)
    if workflow is None:
        if lead.status in ENDED_STATUSES:
            raise _refuse(
                "status",
                _(
                    "A lead in status {status} cannot be converted",
                    status=option_label(lead.meta.get_field("status"), lead.status),
                ),
            )
        return
    state = current_state(workflow, lead)
    if to_opportunity:
        allowed = any(t.action == CONVERT_ACTION for t in get_transitions(user, lead))
        if state != OPPORTUNITY_FROM_STATE or not allowed:
            raise _refuse(
                workflow.state_field,
                _(
                    "A lead converts to an opportunity only from the state {allowed} (this one is {state})",
                    allowed=_(OPPORTUNITY_FROM_STATE),
                    state=_(state),
                ),
            )
        return
    from_here = any(t.action == CUSTOMER_ACTION for t in workflow.outgoing(state))
    if state in NOT_YET_QUALIFIED or state in ENDED_STATES or not from_here:
        raise _refuse(
            workflow.state_field,
            _(
                "A lead converts to a customer only once qualified (this one is {state})",
                state=_(state),
            ),
        )
    require_transition(user, lead, CUSTOMER_ACTION, state)  # the user's role may take it


def find_existing_customer(lead) -> str | None:
    """A Customer with the lead's company name or tax id (normalised), if any."""
    name = lead.company_name or lead.lead_name
    wanted = [("customer_name", make_duplicate_key("Company Name", name))]
    tax_id = lead.get("tax_id")
    if tax_id:
        wanted.append(("tax_id", make_duplicate_key("Credit Code", tax_id)))
    wanted = [(f, k) for f, k in wanted if k]
    specs = duplicate_key_specs("Customer")
    keyed = [(f, k) for f, k in wanted if (f, k.split("|", 1)[0]) in specs]
    if keyed:
        # A Duplicate Rule keeps these keys: one indexed lookup.
        found = find_duplicates("Customer", keyed, None)
        if found:
            return sorted(found.values())[0]
    # No rule keeps the keys: compare the normalised name directly. The normalised core
    # is part of the stored name, which narrows the candidates to a handful.
    Customer: Any = get_model("Customer")
    if tax_id:
        code = normalise_credit_code(tax_id)
        match = Customer.objects.filter(tax_id__iexact=code).order_by("name")
        found_by_tax_id = match.values_list("name", flat=True).first()
        if found_by_tax_id:
            return found_by_tax_id
    core = normalise_company(name) if name else ""
    if not core:
        return None
    for customer, customer_name in (
        Customer.objects.filter(customer_name__icontains=core)
        .order_by("name")
        .values_list("name", "customer_name")[:200]
    ):
        if normalise_company(customer_name) == core:
            return customer
    return None


def _sales_owner(lead) -> str:
    assignee = (
        Assignment.objects.filter(ref_doctype=LEAD, docname=lead.name)
        .order_by("creation", "id")
        .values_list("user", flat=True)
        .first()
    )
    return assignee or lead.owner


def _first_stage() -> str | None:
    return (
        get_model("Opportunity Stage")
        .objects.filter(enabled=True, stage_type="Open")
        .order_by("stage_order", "name")
        .values_list("name", flat=True)
        .first()
    )


def _customer(user: str, lead, customer: str | None, create: bool) -> tuple[str | None, str]:
    """(customer name, how: "given" / "lead" / "existing" / "created") or (None, "")."""
    if customer:
        return access_doc(user, "Customer", customer, "read").name, "given"
    if lead.customer:
        return lead.customer, "lead"
    if not create:
        return None, ""
    existing = find_existing_customer(lead)
    if existing:
        if not permitted_queryset(user, "Customer", "read").filter(name=existing).exists():
            raise _refuse(
                "company_name",
                _(
                    "A customer named {company} already exists and belongs to another sales rep; ask a sales manager to convert this lead",
                    company=lead.company_name or lead.lead_name,
                ),
            )
        return existing, "existing"
    data = {
        "customer_name": lead.company_name or lead.lead_name,
        "customer_type": "Company" if lead.company_name else "Individual",
        "industry": lead.industry,
        "scale": lead.company_size,
        "territory": lead.territory,
        "city": lead.city,
        "phone": lead.mobile_no,
        "email": lead.email_id,
        "lead": lead.name,
        **carried_custom_fields(lead, "Customer"),
    }
    data = {k: v for k, v in data.items() if v not in (None, "")}
    return do_insert_doc(user, "Customer", data).name, "created"


def _contact(user: str, lead, customer: str | None, linked_existing: bool) -> tuple[str, bool]:
    """(contact name, created?): an existing customer's contact with the same mobile or email
    is linked instead of entered twice."""
    if lead.contact:
        return lead.contact, False
    if linked_existing and customer and (lead.mobile_no or lead.email_id):
        same = permitted_queryset(user, "Contact", "read").filter(customer=customer)
        for field in ("mobile_no", "email_id"):
            value = lead.get(field)
            found = same.filter(**{field: value}).values_list("name", flat=True).first()
            if value and found:
                return found, False
    data = {
        "full_name": lead.lead_name,
        "designation": lead.designation,
        "mobile_no": lead.mobile_no,
        "email_id": lead.email_id,
        "customer": customer,
        "is_decision_maker": 1 if lead.designation else 0,
        **carried_custom_fields(lead, "Contact"),
    }
    data = {k: v for k, v in data.items() if v not in (None, "")}
    return do_insert_doc(user, "Contact", data).name, True


def default_opportunity_name(lead) -> str:
    return _("{company}: opportunity", company=lead.company_name or lead.lead_name)


def convert_dialog_values(user: str, lead) -> dict[str, Any]:
    """The convert dialog's first values (desk_form_actions ``initial``): what the conversion
    would use anyway, so the rep sees it and changes only what differs."""
    return {
        "new_customer": lead.company_name or lead.lead_name,
        "new_contact": lead.lead_name,
        "opportunity_name": default_opportunity_name(lead),
        "amount": float(lead.expected_amount) if lead.expected_amount is not None else None,
        "expected_close_date": timezone.localdate() + dt.timedelta(days=DEFAULT_CLOSE_DAYS),
    }


def _opportunity(user: str, lead, customer: str, contact: str, values: dict) -> str:
    data: dict[str, Any] = {
        "opportunity_name": values.get("opportunity_name") or default_opportunity_name(lead),
        "customer": customer,
        "contact": contact,
        "lead": lead.name,
        "amount": values.get("amount")
        if values.get("amount") not in (None, "")
        else lead.expected_amount,
        "expected_close_date": values.get("expected_close_date")
        or timezone.localdate() + dt.timedelta(days=DEFAULT_CLOSE_DAYS),
        "sales_owner": _sales_owner(lead),
        **carried_custom_fields(lead, "Opportunity"),
    }
    if lead.source and _select_allows("Opportunity", "source", lead.source):
        # A source an admin added to Lead alone (Customize Form) has no place on Opportunity.
        data["source"] = lead.source
    stage = _first_stage()
    if stage and "stage" not in data:
        data["stage"] = stage
    return do_insert_doc(user, "Opportunity", data).name


@transaction.atomic
def do_convert_lead(
    user: str,
    lead_name: str,
    *,
    create_customer: bool = True,
    create_opportunity: bool = True,
    customer: str | None = None,
    opportunity_name: str | None = None,
    amount: Any = None,
    expected_close_date: Any = None,
    reason: str = "",
) -> dict[str, Any]:
    """Convert a lead; return the names of the records created or linked."""
    lead: Any = access_doc(user, LEAD, lead_name, "write", for_update=True)
    if not (create_customer or create_opportunity or customer):
        raise _refuse(
            "create_customer", _("Nothing to convert: choose a customer or an opportunity")
        )
    check_convertible(user, lead, create_opportunity)
    targets = (["Customer", "Contact"] if create_customer and not customer else []) + (
        ["Opportunity"] if create_opportunity else []
    )
    for doctype in targets:
        if not has_doctype_permission(user, doctype, "create"):
            raise PermissionError(_("No permission to create {doctype}", doctype=_(doctype)))
    customer_name, how = _customer(user, lead, customer, create_customer)
    if customer_name is None:
        message = _("{label} is required to convert a lead", label=_("Customer"))
        raise ValidationError(message, [FieldError("customer", "reqd", message)])
    contact_name, contact_created = _contact(user, lead, customer_name, how != "created")
    opportunity = None
    if create_opportunity:
        opportunity = _opportunity(
            user,
            lead,
            customer_name,
            contact_name,
            {
                "opportunity_name": opportunity_name,
                "amount": amount,
                "expected_close_date": expected_close_date,
            },
        )
    record: dict[str, Any] = {
        "customer": customer_name,
        "contact": contact_name,
        "converted_on": timezone.now(),
        "conversion_reason": (reason or "").strip(),
    }
    if get_workflow(LEAD) is None:
        # with the workflow, its conversion step writes the status (the state's Update Value)
        record["status"] = "Converted"
    if opportunity:
        record["opportunity"] = opportunity
    do_save_doc(user, LEAD, lead.name, record)
    if get_workflow(LEAD) is not None:
        step = CONVERT_ACTION if create_opportunity else CUSTOMER_ACTION
        with _conversion_of(lead.name):
            do_apply_workflow(user, LEAD, lead.name, step, reason=reason or "")
    lead = get_model(LEAD).objects.get(name=lead.name)
    workflow = get_workflow(LEAD)
    return {
        "lead": lead.name,
        "status": lead.status,
        "workflow_state": current_state(workflow, lead) if workflow else "",
        "customer": customer_name,
        "customer_created": how == "created",
        "customer_linked_existing": how == "existing",
        "contact": contact_name,
        "contact_created": contact_created,
        "opportunity": opportunity,
    }


def settle_customer_conversions() -> int:
    """Move leads converted to a customer alone before the workflow had a step for it.

    ``after_migrate`` (after the workflow fixtures sync): such a lead has its customer and
    its conversion time (its status said Converted until the engine put it back in step with
    the state) but still stands in Qualified … Demo Scheduled; it takes the "Convert to
    Customer" step now, so status and state agree on every site. Idempotent; returns how many.
    """
    workflow = get_workflow(LEAD)
    if workflow is None:
        return 0
    from_states = {t.state for t in workflow.transitions if t.action == CUSTOMER_ACTION}
    Lead: Any = get_model(LEAD)
    converted = (
        Lead.objects.filter(Q(status="Converted") | Q(converted_on__isnull=False), archived=False)
        .exclude(customer__isnull=True)
        .exclude(customer="")
        .filter(Q(opportunity__isnull=True) | Q(opportunity=""))
        .order_by("name")
    )
    moved = 0
    for lead in converted.iterator():
        if current_state(workflow, lead) not in from_states:
            continue
        # Taken in the owner's name (Administrator holds no Sales User role); a lead whose owner
        # may no longer take the step (left, lost the role) is skipped, not forced.
        if not any(t.action == CUSTOMER_ACTION for t in get_transitions(lead.owner, lead)):
            continue
        with _conversion_of(lead.name):
            do_apply_workflow(
                lead.owner,
                LEAD,
                lead.name,
                CUSTOMER_ACTION,
                reason=_("Converted to a customer before the workflow had this step"),
            )
        moved += 1
    return moved


def convert_lead(
    request,
    user,
    lead: str,
    create_customer: Any = 1,
    create_opportunity: Any = 1,
    customer: str | None = None,
    opportunity_name: str | None = None,
    amount: Any = None,
    expected_close_date: Any = None,
    reason: str = "",
    **_ignored,
) -> dict[str, Any]:
    """``kuaicrm.convert_lead``: convert a lead the user may write (see the module docstring)."""
    return do_convert_lead(
        user,
        lead,
        create_customer=_flag(create_customer),
        create_opportunity=_flag(create_opportunity),
        customer=customer or None,
        opportunity_name=opportunity_name or None,
        amount=amount,
        expected_close_date=expected_close_date or None,
        reason=str(reason or ""),
    )


convert_lead.writes = True  # type: ignore[attr-defined]
