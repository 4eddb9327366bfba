"""The workflow capability's wiring: document events, timers, inbox methods, fixture sync."""

_A = "lowcode.workflow.actions"
_API = "lowcode.workflow.api"

doc_events: dict = {
    "*": {
        "before_insert": [f"{_A}.set_initial_state"],
        "after_insert": [f"{_A}.open_initial_actions"],
        "validate": [f"{_A}.guard_state_field", f"{_A}.align_status_fields"],
        "before_update_after_submit": [f"{_A}.guard_state_field", f"{_A}.align_status_fields"],
        "on_update": [f"{_A}.finish_restart"],
        "before_submit": [f"{_A}.guard_docstatus"],
        "before_cancel": [f"{_A}.guard_docstatus"],
    },
}

scheduler_events: dict = {
    "all": [f"{_A}.do_process_workflow_timers"],
}

whitelisted_methods = {
    "lowcode.workflow.get_transitions": f"{_API}.get_transitions",
    "lowcode.workflow.apply_action": f"{_API}.apply_action",
    "lowcode.workflow.inbox": f"{_API}.inbox",
    "lowcode.workflow.get_log": f"{_API}.get_log",
    "lowcode.workflow.get_progress": f"{_API}.get_progress",
}

after_migrate = [
    "lowcode.workflow.loader.sync_workflows",
    # rows whose status disagrees with their state (saved before a state declared its value)
    f"{_A}.do_align_status_fields",
]
