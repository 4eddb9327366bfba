"""KuaiCRM's default duplicate rules (seed 001 §1.1 线索去重), installed after migrate.

Two rules, because the two kinds of match mean different things to a sales team:

- **线索查重：手机号/邮箱 (Block)** — a lead's mobile number or email already held by another
  lead, or by a customer (``Customer.phone`` / ``Customer.email``), is the same person: a
  save is refused naming the record, so two reps never chase one contact (撞单).
- **线索查重：公司名称 (Warn)** — the same company (normalised: legal form, "(中国)", region
  prefix, width ignored) as another lead or a customer is often a second contact of that
  company: the save goes through with a warning naming the record.

What a Data Import of Leads then reports for each row (``lowcode.dataio.importer``):

| the row… | "Merge Into Existing" | "Skip Duplicates" |
|---|---|---|
| has a lead's mobile/email | **merged** into that lead: its empty fields filled, nothing overwritten | skipped, naming the lead |
| has a customer's phone/email | **skipped as duplicate**, naming the customer (an import never edits customers) | same |
| has only a known company name | **created**, the log names the lead/customer; a customer match is linked (``Lead.customer``) so its account owner sees the new contact | same |
| repeats an earlier row of the file (same content or mobile/email) | skipped, "same as row N" | same |
| was imported before (same row of the same file) | skipped, "already imported as …" | same |

A rule is created only when no rule of that title exists, so an administrator's edits (a
rule switched off, a field added) survive every ``kuaicrm migrate``. Creating a rule queues
the re-index of existing Leads and Customers (``duplicates.rebuild_keys``).
"""

from __future__ import annotations

from typing import Any

from lowcode.sdk import do_insert_doc, get_model

CONTACT_RULE = "线索查重：手机号/邮箱"
COMPANY_RULE = "线索查重：公司名称"

DUPLICATE_RULES: list[dict[str, Any]] = [
    {
        "title": CONTACT_RULE,
        "document_type": "Lead",
        "action": "Block",
        "fields": [
            {
                "fieldname": "mobile_no",
                "normaliser": "Phone",
                "other_doctype": "Customer",
                "other_fieldname": "phone",
            },
            {
                "fieldname": "email_id",
                "normaliser": "Email",
                "other_doctype": "Customer",
                "other_fieldname": "email",
            },
        ],
    },
    {
        "title": COMPANY_RULE,
        "document_type": "Lead",
        "action": "Warn",
        "fields": [
            {
                "fieldname": "company_name",
                "normaliser": "Company Name",
                "other_doctype": "Customer",
                "other_fieldname": "customer_name",
            }
        ],
    },
]


def install_duplicate_rules() -> int:
    """Create the default duplicate rules that do not exist yet (by title); return how many."""
    model: Any = get_model("Duplicate Rule")
    created = 0
    for rule in DUPLICATE_RULES:
        if model.objects.filter(title=rule["title"]).exists():
            continue
        data = {**rule, "enabled": 1, "fields": [dict(row) for row in rule["fields"]]}
        do_insert_doc("Administrator", "Duplicate Rule", data, ignore_permissions=True)
        created += 1
    return created
