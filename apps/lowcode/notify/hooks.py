"""The notify capability's wiring: inbox methods, webhooks and notification rules on every DocType, robots."""

_A = "lowcode.notify.api"
_NL = "frappe.desk.doctype.notification_log.notification_log"

doc_events = {
    "*": {
        event: ["lowcode.notify.webhooks.trigger_webhooks"]
        + (["lowcode.notify.rules.run_notifications"] if event != "on_trash" else [])
        for event in ("after_insert", "on_update", "on_submit", "on_cancel", "on_trash")
    },
    # Every workflow step writes one Workflow Log: robots that take workflow events hear it.
    "Workflow Log": {"after_insert": ["lowcode.notify.robots.forward_workflow_log"]},
}

# Frappe-format notification fixtures (fixtures/notification.json): the ones a site lacks.
after_migrate = ["lowcode.notify.loader.sync_notifications"]

# Days After / Days Before notifications, once a day (each document claimed once per day).
scheduler_events = {"daily": ["lowcode.notify.rules.do_send_dated_notifications"]}

whitelisted_methods = {
    "lowcode.notify.get_notifications": f"{_A}.get_notifications",
    "lowcode.notify.get_unread_count": f"{_A}.get_unread_count",
    "lowcode.notify.mark_as_read": f"{_A}.mark_as_read",
    "lowcode.notify.mark_all_as_read": f"{_A}.mark_all_as_read",
    # Frappe's names, so Frappe clients' notification bells work unchanged.
    f"{_NL}.mark_as_read": f"{_A}.mark_as_read",
    f"{_NL}.mark_all_as_read": f"{_A}.mark_all_as_read",
}
