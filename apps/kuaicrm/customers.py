"""Customer methods: duplicates, merge and the 360° view (客户360视图).

- ``kuaicrm.find_duplicate_customers(customer)``: other customers the user may read with the
  same company name, unified social credit code or phone, compared with the duplicate rules'
  normalisers. Normalised keys are looked up in "Duplicate Key" where a Duplicate Rule
  keeps them for Customer (the default lead rules keep name, phone and email); otherwise
  the raw value is compared exactly (an indexed column, never a table scan).
- ``kuaicrm.merge_customers(source, target)``: ``lowcode.documents.merge.do_merge_docs`` with
  the customer's rules: the tags become the union of both, the target's empty fields take
  the source's values; every linked record moves; the source is deleted.
- ``kuaicrm.customer_360(customer)``: the profile, the receivables (contract amount, invoiced,
  collected, outstanding, overdue) and every connection section declared in hooks
  ``document_connections["Customer"]``, each through the permission layer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from kuaicrm.cash import CONTRACT, INVOICE, PLAN, RECEIPT, receivables_summary
from lowcode.sdk import (
    DUPLICATE_KEY,
    _,
    access_doc,
    do_merge_docs,
    doctype_exists,
    duplicate_key_specs,
    empty_fields_filled,
    get_connections,
    get_model,
    has_doctype_permission,
    make_duplicate_key,
    permitted_queryset,
    to_json,
)

CUSTOMER = "Customer"
# (field, normaliser) pairs that make two customers the same company.
DUPLICATE_FIELDS = (
    ("customer_name", "Company Name"),
    ("tax_id", "Credit Code"),
    ("phone", "Phone"),
)
DUPLICATE_LIMIT = 20


# ------------------------------------------------------------------ duplicates


def duplicate_candidates(user: str, customer) -> list[dict]:
    """Other readable customers sharing a normalised name, credit code or phone."""
    indexed = duplicate_key_specs(CUSTOMER)
    Customer = get_model(CUSTOMER)
    matches: dict[str, list[str]] = {}
    for fieldname, normaliser in DUPLICATE_FIELDS:
        value = customer.get(fieldname)
        key = make_duplicate_key(normaliser, value)
        if not key:
            continue
        if (fieldname, normaliser) in indexed:
            names = (
                get_model(DUPLICATE_KEY)
                .objects.filter(reference_doctype=CUSTOMER, fieldname=fieldname, key=key)
                .exclude(reference_name=customer.name)
                .values_list("reference_name", flat=True)[:DUPLICATE_LIMIT]
            )
        else:
            exact = key.split("|", 1)[1] if fieldname == "tax_id" else value
            names = (
                Customer.objects.filter(**{fieldname: exact})
                .exclude(name=customer.name)
                .values_list("name", flat=True)[:DUPLICATE_LIMIT]
            )
        for name in names:
            matches.setdefault(name, []).append(fieldname)
    if not matches:
        return []
    readable = permitted_queryset(user, CUSTOMER, "read").filter(name__in=list(matches))
    return [
        {
            "name": name,
            "customer_name": title,
            "owner": owner,
            "in_pool": int(in_pool or 0),
            "matched_fields": matches[name],
        }
        for name, title, owner, in_pool in readable.order_by("name").values_list(
            "name", "customer_name", "owner", "in_pool"
        )
    ]


def find_duplicate_customers(request, user, customer: str = "", **_ignored) -> list[dict]:
    """/api/method/kuaicrm.find_duplicate_customers."""
    return duplicate_candidates(user, access_doc(user, CUSTOMER, str(customer), "read"))


# ------------------------------------------------------------------ merge


def merged_customer_values(user: str, source_doc, target_doc) -> dict:
    """Empty fields from the source; tags: the target's, then the source's it lacks."""
    values = empty_fields_filled(user, source_doc, target_doc)
    tags = [row.tag for row in target_doc.get_children("tags")]
    extra = [row.tag for row in source_doc.get_children("tags") if row.tag not in tags]
    if extra:
        values["tags"] = [{"tag": tag} for tag in tags + extra]
    return values


def do_merge_customers(user: str, source: str, target: str) -> dict[str, int]:
    return do_merge_docs(
        user,
        CUSTOMER,
        source,
        target,
        merged_values=lambda src, tgt: merged_customer_values(user, src, tgt),
    )


def merge_customers(request, user, source: str = "", target: str = "", **_ignored) -> dict:
    """/api/method/kuaicrm.merge_customers: merge ``source`` into ``target``."""
    moved = do_merge_customers(user, str(source), str(target))
    return {"target": str(target), "moved": moved}


merge_customers.writes = True  # type: ignore[attr-defined]


# ------------------------------------------------------------------ 360° view


def _named(doctype: str, names: list[str], *fields: str) -> dict[str, dict]:
    """Readable configuration rows (levels, tags) by name."""
    if not names or not doctype_exists(doctype):
        return {}
    rows = get_model(doctype).objects.filter(name__in=names).values("name", *fields)
    return {row["name"]: row for row in rows}


def profile(user: str, doc) -> dict:
    from lowcode.sdk import doc_to_dict

    data = doc_to_dict(user, doc)
    level = _named(
        "Customer Level",
        [doc.customer_level] if doc.customer_level else [],
        "level_name",
        "color",
        "priority",
    )
    tag_names = [row.tag for row in doc.get_children("tags")]
    tags = _named("Customer Tag", tag_names, "color")
    return {
        "name": doc.name,
        "customer_name": doc.customer_name,
        "customer_type": data.get("customer_type"),
        "level": {
            "code": doc.customer_level,
            "name": level[doc.customer_level]["level_name"],
            "color": level[doc.customer_level]["color"],
        }
        if doc.customer_level in level
        else None,
        "tags": [{"tag": t, "color": (tags.get(t) or {}).get("color")} for t in tag_names],
        "status": doc.status,
        "industry": doc.industry,
        "scale": doc.scale,
        "region": doc.territory,
        "city": doc.city,
        "score": doc.score,
        "owner": doc.owner,
        "last_followup_on": to_json(doc.last_followup_on),
        "last_deal_on": to_json(doc.last_deal_on),
        "pool": {
            "customer_pool": doc.customer_pool,
            "in_pool": int(doc.in_pool or 0),
            "pool_entered_on": to_json(doc.pool_entered_on),
            "previous_owner": doc.previous_owner,
            "claimed_on": to_json(doc.claimed_on),
        },
    }


def customer_360_data(user: str, name: str) -> dict[str, Any]:
    doc = access_doc(user, CUSTOMER, name, "read")
    sections = get_connections(user, CUSTOMER, name)
    return {
        "profile": profile(user, doc),
        # 应收: contract amount, invoiced, collected, outstanding and overdue (kuaicrm/cash.py).
        "receivables": receivables_summary(user, doc.name),
        "sections": [s["key"] for s in sections],
        **{
            s["key"]: {"doctype": s["doctype"], "count": s["count"], "rows": s["rows"]}
            for s in sections
        },
    }


# The desk's receivables card: (summary key, label, the DocType whose readers see the figure).
RECEIVABLE_FIGURES = (
    ("contract_amount", "Contract Amount", CONTRACT),
    ("invoiced", "Invoiced Amount", INVOICE),
    ("collected", "Collected Amount", RECEIPT),
    ("outstanding", "Outstanding Amount", PLAN),
    ("overdue", "Overdue Amount", PLAN),
)


def receivables_card(request, user: str, doc) -> dict[str, Any] | None:
    """The customer's 应收 above its connections (hooks ``desk_connection_cards``).

    The figures are ``customer_360``'s (``receivables_summary``, read through the permission
    layer); a figure shows only to a reader of the DocType it sums (a total of what one may not
    read would read as a false 0), and the card not at all to a reader of none of them.
    """
    from kuaicrm.home_card import money

    shown = [f for f in RECEIVABLE_FIGURES if has_doctype_permission(user, f[2], "read")]
    if not shown:
        return None
    summary = receivables_summary(user, doc.name)
    filtered = f"?f_customer={quote(doc.name)}"
    lists = {
        CONTRACT: "contract",
        INVOICE: "invoice",
        RECEIPT: "payment-receipt",
        PLAN: "payment-plan",
    }
    figures = []
    for key, label, doctype in shown:
        value = summary[key] or 0
        tone = ("red" if value else "green") if key == "overdue" else None
        href = f"/app/{lists[doctype]}{filtered}"
        figures.append({"label": _(label), "value": money(value), "tone": tone, "href": href})
    return {"key": "receivables", "title": _("Receivables"), "figures": figures}


def customer_360(request, user, customer: str = "", **_ignored) -> dict[str, Any]:
    """/api/method/kuaicrm.customer_360: everything about one customer the user may read."""
    return customer_360_data(user, str(customer))
