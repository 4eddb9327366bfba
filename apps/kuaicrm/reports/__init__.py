"""KuaiCRM's standard Script Reports (issue 5) and the Report records that publish them.

Each report is ``kuaicrm/reports/<snake>/<snake>.py`` with ``execute(filters, user)``
returning Frappe's (columns, data, message, chart, summary); the engine finds it by the
Report record's name (``lowcode.reports.engine.find_script_module``). The records are made by
``install_reports`` (``after_migrate`` in hooks.py): only the missing ones, so an
administrator's edits to a record (roles, filter defaults) survive every migrate.
"""

from __future__ import annotations

from typing import Any

from lowcode.sdk import do_insert_doc, get_model

ROLES = ["Sales Manager", "Sales User", "System Manager"]
# Who may audit the exception path (绿色通道): Sales Managers and above, not the reps using it.
AUDIT_ROLES = ["Sales Manager", "Sales Director", "Operations VP", "System Manager"]
PERIOD_OPTIONS = "\nDay\nWeek\nMonth\nQuarter\nYear"
SOURCE_OPTIONS = "\nExhibition\nWebsite\nReferral\nCold Call\nAdvertisement\nSocial Media\nOther"


def _filter(fieldname: str, label: str, fieldtype: str = "Data", **more: Any) -> dict[str, Any]:
    return {"fieldname": fieldname, "label": label, "fieldtype": fieldtype, **more}


SALES_OWNER = _filter("sales_owner", "Sales Owner", "Link", options="User")
DEPARTMENT = _filter("department", "Department", "Link", options="Department")
PRODUCT = _filter("product", "Product", "Link", options="Product")
SOURCE = _filter("source", "Source", "Select", options=SOURCE_OPTIONS)
WINDOW = [
    _filter("period", "Period", "Select", options=PERIOD_OPTIONS),
    _filter("date", "Date", "Date"),
    _filter("from_date", "From Date", "Date"),
    _filter("to_date", "To Date", "Date"),
]
OPPORTUNITY_FILTERS = [SALES_OWNER, DEPARTMENT, PRODUCT, SOURCE, *WINDOW]

REPORTS: list[dict[str, Any]] = [
    {"report_name": "Sales Funnel", "ref_doctype": "Opportunity",
     "filters": OPPORTUNITY_FILTERS},
    {"report_name": "Stage Dwell Time", "ref_doctype": "Opportunity",
     "filters": OPPORTUNITY_FILTERS},
    {"report_name": "Lead Source Analysis", "ref_doctype": "Lead",
     "filters": [_filter("owner", "Lead Owner", "Link", options="User"), SOURCE, *WINDOW]},
    {"report_name": "Win Loss Analysis", "ref_doctype": "Opportunity",
     "filters": [_filter("group_by", "Group By", "Select", reqd=1, default="Month",
                         options="Month\nQuarter\nYear\nSales Owner\nLost Reason"),
                 *OPPORTUNITY_FILTERS]},
    {"report_name": "Sales Forecast", "ref_doctype": "Opportunity",
     "filters": [_filter("interval", "Interval", "Select", reqd=1, default="Month",
                         options="Month\nQuarter"),
                 *OPPORTUNITY_FILTERS]},
    {"report_name": "Process Health", "ref_doctype": "Opportunity",
     "filters": [_filter("date", "Week Ending", "Date"), SALES_OWNER, DEPARTMENT]},
]  # fmt: skip
# Order to cash (issue 12): 回款, contracts, quotes, targets and commission; finance reads them too.
O2C_ROLES = [*ROLES, "Finance User", "Sales Director"]
CUSTOMER = _filter("customer", "Customer", "Link", options="Customer")
PERIOD_TYPE = _filter(
    "period_type", "Period Type", "Select", options="Month\nQuarter\nYear", default="Month"
)
O2C_REPORTS: list[dict[str, Any]] = [
    {"report_name": "Receivables Aging", "ref_doctype": "Payment Plan",
     "filters": [_filter("group_by", "Group By", "Select", reqd=1, default="Customer",
                         options="Customer\nSales Owner"),
                 _filter("date", "As Of", "Date"), CUSTOMER, SALES_OWNER]},
    {"report_name": "Collection Forecast", "ref_doctype": "Payment Plan",
     "filters": [_filter("date", "As Of", "Date"), _filter("to_date", "To Date", "Date"),
                 CUSTOMER, SALES_OWNER]},
    {"report_name": "Contract Execution", "ref_doctype": "Contract",
     "filters": [CUSTOMER, SALES_OWNER, _filter("status", "Status"), *WINDOW]},
    {"report_name": "Quotation Analysis", "ref_doctype": "Quotation",
     "filters": [_filter("group_by", "Group By", "Select", reqd=1, default="Month",
                         options="Month\nSales Owner"),
                 CUSTOMER, SALES_OWNER, *WINDOW]},
    {"report_name": "Target Attainment", "ref_doctype": "Sales Target",
     "filters": [PERIOD_TYPE, _filter("period", "Period"), _filter("date", "Date", "Date"),
                 _filter("target_type", "Target Type", "Select", default="Signed Amount",
                         options="Signed Amount\nCollected Amount"),
                 DEPARTMENT]},
    {"report_name": "Commission Summary", "ref_doctype": "Commission Statement",
     "filters": [_filter("user", "Sales Person", "Link", options="User"),
                 _filter("status", "Status", "Select",
                         options="\nDraft\nPending Review\nApproved"),
                 _filter("from_period", "From Period"), _filter("to_period", "To Period"),
                 DEPARTMENT]},
]  # fmt: skip
# Reports for Sales Managers and above only (roles AUDIT_ROLES).
AUDIT_REPORTS: list[dict[str, Any]] = [
    {"report_name": "Exception Path Usage", "ref_doctype": "Workflow Log",
     "filters": [_filter("reference_doctype", "Reference DocType"),
                 _filter("user", "User", "Link", options="User"),
                 _filter("from_date", "From Date", "Date"),
                 _filter("to_date", "To Date", "Date")]},
]  # fmt: skip


def install_reports() -> int:
    """Create the standard report records that do not exist yet; return how many."""
    Report = get_model("Report")
    created = 0
    specs = (
        [(spec, ROLES) for spec in REPORTS]
        + [(spec, O2C_ROLES) for spec in O2C_REPORTS]
        + [(spec, AUDIT_ROLES) for spec in AUDIT_REPORTS]
    )
    for spec, roles in specs:
        if Report.objects.filter(name=spec["report_name"]).exists():
            continue
        do_insert_doc(
            "Administrator",
            "Report",
            {
                **spec,
                "report_type": "Script Report",
                "is_standard": 1,
                "filters": [dict(row) for row in spec["filters"]],
                "roles": [{"role": role} for role in roles],
            },
            ignore_permissions=True,
        )
        created += 1
    return created
