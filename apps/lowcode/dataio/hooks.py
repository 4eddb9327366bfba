"""The data import capability's wiring: template, preview, run, status, retry, error report, export."""

_A = "lowcode.dataio.api"

whitelisted_methods = {
    "lowcode.dataio.download_template": f"{_A}.download_template",
    "lowcode.dataio.preview": f"{_A}.preview",
    "lowcode.dataio.start_import": f"{_A}.start_import",
    "lowcode.dataio.get_import_status": f"{_A}.get_import_status",
    "lowcode.dataio.retry_import": f"{_A}.retry_import",
    "lowcode.dataio.download_error_report": f"{_A}.download_error_report",
    "lowcode.dataio.export": f"{_A}.export",
}

# Every minute: a Running import whose job was lost (Redis restarted empty, worker killed)
# is resumed from its last committed batch, or marked failed so it can be retried.
scheduler_events = {"all": ["lowcode.dataio.importer.do_reconcile_imports"]}
