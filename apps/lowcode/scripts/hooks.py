"""Wiring of server scripts: lifecycle events, API fallback, scheduler, permission queries."""

from lowcode.storage.document import LIFECYCLE_METHODS

_A = "lowcode.scripts.actions"

doc_events = {
    "*": {
        event: [f"{_A}.do_run_doc_event_scripts"]
        # Server Script events: every lifecycle step except the after-submit updates, which
        # Server Script's doctype_event options do not offer.
        for event in LIFECYCLE_METHODS
        if not event.endswith("_after_submit")
    }
}

# /api/method/<name> for names no app whitelists: API scripts answer them.
method_fallbacks = [f"{_A}.resolve_api_script"]

scheduler_events = {"all": [f"{_A}.do_run_scheduled_scripts"]}

permission_query_conditions = {"*": [f"{_A}.permission_query_conditions"]}

# Dotted paths server scripts may pass to frappe.enqueue (apps add theirs here).
server_script_enqueue_methods = [f"{_A}.do_run_scheduled_scripts"]
