"""The data import capability's wiring: template, preview, run, status, error report, export."""

_A = "lowcode.dataio.api"

whitelisted_methods = {
    "lowcode.dataio.download_template": f"{_A}.download_template",
    "lowcode.dataio.preview": f"{_A}.preview",
    "lowcode.dataio.start_import": f"{_A}.start_import",
    "lowcode.dataio.get_import_status": f"{_A}.get_import_status",
    "lowcode.dataio.download_error_report": f"{_A}.download_error_report",
    "lowcode.dataio.export": f"{_A}.export",
}
