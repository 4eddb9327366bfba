"""Contract (合同): items, payment schedule, template clauses, approval, signing, execution.

The approval (workflow/contract_approval.json) runs manager → legal (会签) → finance; finance
reviews every contract unless an administrator sets the Workflow Setting
``contract_finance_threshold`` (legal's Approve reads it as ``settings.<name>``). What each
state needs is checked here, so a refused transition answers 417 naming the field: the signed
scan before 已签约, a passed end date before 到期. Reminders, expiry and renewal are in
``kuaicrm/contracts.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from jinja2 import StrictUndefined, TemplateError, UndefinedError, meta
from jinja2.sandbox import SandboxedEnvironment

from kuaicrm import selling
from lowcode.sdk import (
    Document,
    FieldError,
    ValidationError,
    _,
    get_model,
    label_of,
    money_in_words,
    round_money,
    today,
)

# Workflow state → the contract's status (the lifecycle reports and lists filter on).
STATUS_OF_STATE = {
    "Draft": "Draft",
    "Manager Revision": "Draft",
    "Legal Revision": "Draft",
    "Finance Revision": "Draft",
    "Manager Review": "Pending Approval",
    "Legal Review": "Pending Approval",
    "Finance Review": "Pending Approval",
    "Urgent Signing Review": "Pending Approval",
    "Approved": "Approved",
    "Signed": "Signed",
    "Filed": "Signed",
    "Post Review Pending": "Signed",
    "Post Review Failed": "Signed",
    "In Execution": "In Execution",
    "Monitoring": "In Execution",
    "Completed": "Completed",
    "Expired": "Expired",
    "Terminated": "Terminated",
    "Cancelled": "Cancelled",
}
SIGNED_STATE, EXPIRED_STATE, TERMINATED_STATE = "Signed", "Expired", "Terminated"
HUNDRED = Decimal(100)
DEFAULT_REMINDER_DAYS = 30

# Clause templates run in Jinja's sandbox; an unknown placeholder is an error, never blank.
_TEMPLATES = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
TEMPLATE_PLACEHOLDERS = frozenset(
    {
        "name",
        "contract_title",
        "contract_type",
        "customer",
        "customer_name",
        "company_name",
        "company_tax_id",
        "company_address",
        "grand_total",
        "net_total",
        "total_tax",
        "in_words",
        "sign_date",
        "start_date",
        "end_date",
        "our_signatory",
        "our_signatory_title",
        "customer_signatory",
        "customer_signatory_title",
        "payment_terms",
        "items",
    }
)


def default_company() -> str | None:
    """The company marked default (or the only one), else None."""
    companies = get_model("Company").objects.order_by("-is_default", "name")
    return companies.values_list("name", flat=True).first()


def reminder_days(company: str | None) -> int:
    """Days before its end a contract's owner is reminded (the company's setting, default 30)."""
    days = (
        get_model("Company")
        .objects.filter(name=company or default_company() or "")
        .values_list("contract_reminder_days", flat=True)
        .first()
    )
    return DEFAULT_REMINDER_DAYS if days is None else int(days)


def template_errors(text: str) -> list[str]:
    """Placeholders of a clause text that no contract provides (or a syntax error's message)."""
    try:
        used = meta.find_undeclared_variables(_TEMPLATES.parse(text or ""))
    except TemplateError as exc:
        return [str(exc)]
    return sorted(used - TEMPLATE_PLACEHOLDERS)


def _money_text(value: Any) -> str:
    return f"{round_money(value):,.2f}"


class Contract(Document):
    contract_title: str
    customer: str | None
    customer_name: str | None
    company: str | None
    amount: Decimal | None
    grand_total: Decimal | None
    net_total: Decimal | None
    total_tax: Decimal | None
    in_words: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    signed_scan: str | None
    status: str | None
    contract_template: str | None
    terms: str | None
    collected_amount: Decimal | None
    outstanding_amount: Decimal | None
    terminated_on: dt.date | None

    def validate(self) -> None:
        self.set_company()
        self.copy_customer_name()
        self.compute_amounts()
        self.compute_payment_terms()
        self.check_dates()
        self.render_terms()
        self.check_state_needs()
        self.set_status()

    def before_update_after_submit(self) -> None:
        self.check_state_needs()
        self.set_status()
        self.set_outstanding()

    # -- what the contract holds -------------------------------------------------------

    def set_company(self) -> None:
        if not self.company:
            self.company = default_company()

    def copy_customer_name(self) -> None:
        self.customer_name = (
            get_model("Customer")
            .objects.filter(name=self.customer or "")
            .values_list("customer_name", flat=True)
            .first()
        )

    def compute_amounts(self) -> None:
        """Totals from the items when there are some; else the entered amount is the total."""
        if self.get_children("items"):
            selling.compute_totals(self)
            self.amount = self.grand_total
        else:
            amount = round_money(self.amount)
            self.amount = self.grand_total = self.net_total = amount
            self.total_tax = Decimal(0)
            self.in_words = money_in_words(amount)
        self.set_outstanding()

    def set_outstanding(self) -> None:
        self.outstanding_amount = round_money(self.grand_total) - round_money(self.collected_amount)

    def compute_payment_terms(self) -> None:
        """Installments split the total by percentage; the percentages must make 100."""
        terms = self.get_children("payment_terms")
        if not terms:
            return
        percentages = [selling.dec(t.get("percentage")) for t in terms]
        total = sum(percentages, Decimal(0))
        if total != HUNDRED:
            message = _(
                "The percentages of {label} must add up to 100 (now {total})",
                label=label_of(self.meta.get_field("payment_terms")),
                total=f"{total.normalize():f}",
            )
            raise ValidationError(message, [FieldError("payment_terms", "sum", message)])
        shares = selling.split_by_percentage(round_money(self.grand_total), percentages)
        for term, share in zip(terms, shares, strict=True):
            term.amount = share

    def check_dates(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            message = _("End Date cannot be before the Start Date")
            raise ValidationError(message, [FieldError("end_date", "range", message)])

    def template_context(self) -> dict[str, Any]:
        company = (
            get_model("Company")
            .objects.filter(name=self.company or "")
            .values("company_name", "tax_id", "address")
            .first()
            or {}
        )
        return {
            "name": self.name,
            "contract_title": self.contract_title,
            "contract_type": _(self.get("contract_type") or ""),
            "customer": self.customer or "",
            "customer_name": self.customer_name or "",
            "company_name": company.get("company_name", ""),
            "company_tax_id": company.get("tax_id") or "",
            "company_address": company.get("address") or "",
            "grand_total": _money_text(self.grand_total),
            "net_total": _money_text(self.net_total),
            "total_tax": _money_text(self.total_tax),
            "in_words": self.in_words or "",
            "sign_date": self.get("sign_date") or "",
            "start_date": self.start_date or "",
            "end_date": self.end_date or "",
            "our_signatory": self.get("our_signatory") or "",
            "our_signatory_title": self.get("our_signatory_title") or "",
            "customer_signatory": self.get("customer_signatory") or "",
            "customer_signatory_title": self.get("customer_signatory_title") or "",
            "payment_terms": [
                {
                    "description": t.get("description") or "",
                    "due_date": t.get("due_date") or "",
                    "milestone": t.get("milestone") or "",
                    "percentage": f"{selling.dec(t.get('percentage')).normalize():f}",
                    "amount": _money_text(t.get("amount")),
                }
                for t in self.get_children("payment_terms")
            ],
            "items": [
                {
                    "item_name": r.get("item_name") or "",
                    "qty": f"{selling.dec(r.get('qty')).normalize():f}",
                    "uom": r.get("uom") or "",
                    "rate": _money_text(r.get("rate")),
                    "amount": _money_text(r.get("amount")),
                }
                for r in self.get_children("items")
            ],
        }

    def render_terms(self) -> None:
        """The template is the source of the clauses: they follow every edit of the draft."""
        if not self.contract_template:
            return
        text = (
            get_model("Contract Template")
            .objects.filter(name=self.contract_template)
            .values_list("clause_text", flat=True)
            .first()
        )
        label = label_of(self.meta.get_field("contract_template"))
        try:
            self.terms = _TEMPLATES.from_string(text or "").render(self.template_context())
        except UndefinedError as exc:
            found = re.search(r"'([^']+)' is undefined", str(exc))
            message = _(
                "{label} {template} uses an unknown placeholder: {placeholder}",
                label=label,
                template=self.contract_template,
                placeholder=found.group(1) if found else str(exc),
            )
            raise ValidationError(
                message, [FieldError("contract_template", "placeholder", message)]
            ) from exc
        except TemplateError as exc:
            message = _(
                "{label} {template} cannot be rendered: {error}",
                label=label,
                template=self.contract_template,
                error=str(exc),
            )
            raise ValidationError(
                message, [FieldError("contract_template", "template", message)]
            ) from exc

    # -- what a state needs ------------------------------------------------------------

    def _entering(self) -> str | None:
        before: Any = self._doc_before_save or {}
        state = self.get("workflow_state")
        return state if state and state != before.get("workflow_state") else None

    def check_state_needs(self) -> None:
        entering = self._entering()
        if entering == SIGNED_STATE and not self.signed_scan:
            message = _(
                "{label} is required before the contract is signed",
                label=label_of(self.meta.get_field("signed_scan")),
            )
            raise ValidationError(message, [FieldError("signed_scan", "reqd", message)])
        if entering == EXPIRED_STATE and not (self.end_date and self.end_date < today()):
            message = _("A contract expires only after its End Date")
            raise ValidationError(message, [FieldError("end_date", "expiry", message)])
        if entering == TERMINATED_STATE and not self.terminated_on:
            self.terminated_on = today()

    def set_status(self) -> None:
        state = self.get("workflow_state")
        if state in STATUS_OF_STATE:
            self.status = STATUS_OF_STATE[state]
        elif not state:
            self.status = {0: "Draft", 1: "Signed", 2: "Cancelled"}.get(self.docstatus, "Draft")
