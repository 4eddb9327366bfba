"""The printing capability's wiring: Frappe's print methods, email a document, format sync."""

_API = "lowcode.printing.api"

whitelisted_methods = {
    # Frappe's name, so Frappe clients' "Download PDF" works unchanged.
    "frappe.utils.print_format.download_pdf": f"{_API}.download_pdf",
    "lowcode.get_print_formats": f"{_API}.get_print_formats",
    "lowcode.send_document_email": f"{_API}.send_document_email",
}

# Standard formats ship as files (apps/<app>/print_format/<doctype>/<name>.html).
after_migrate = ["lowcode.printing.loader.sync_print_formats"]
