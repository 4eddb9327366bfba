"""The workflow capability's wiring: document events, timers, inbox methods, fixture sync."""

_A = "lowcode.workflow.actions"
_API = "lowcode.workflow.api"

doc_events: dict = {
    "*": {
        "before_insert": [f"{_A}.set_initial_state"],
        "after_insert": [f"{_A}.open_initial_actions"],
        "validate": [f"{_A}.guard_state_field"],
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
}

after_migrate = ["lowcode.workflow.loader.sync_workflows"]
