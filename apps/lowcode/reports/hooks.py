"""Wiring of the reports capability: Frappe's report methods."""

_M = "lowcode.reports.api"

whitelisted_methods = {
    "frappe.desk.query_report.run": f"{_M}.run",
    "frappe.desk.query_report.export_query": f"{_M}.export_query",
}
