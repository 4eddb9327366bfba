"""Wiring of server scripts: lifecycle events, API fallback, scheduler, permission queries."""

_A = "lowcode.scripts.actions"

doc_events = {
    "*": {
        event: [f"{_A}.do_run_doc_event_scripts"]
        for event in (
            "before_insert",
            "validate",
            "before_save",
            "after_insert",
            "on_update",
            "before_submit",
            "on_submit",
            "before_cancel",
            "on_cancel",
            "on_trash",
            "after_delete",
        )
    }
}

# /api/method/<name> for names no app whitelists: API scripts answer them.
method_fallbacks = [f"{_A}.resolve_api_script"]

scheduler_events = {"all": [f"{_A}.do_run_scheduled_scripts"]}

permission_query_conditions = {"*": [f"{_A}.permission_query_conditions"]}

# Dotted paths server scripts may pass to frappe.enqueue (apps add theirs here).
server_script_enqueue_methods = [f"{_A}.do_run_scheduled_scripts"]
