"""Wiring of the test-only app: records lifecycle events to prove their order."""

doc_events = {
    "Test Order": {
        "validate": "tests.engine_app.doctype.test_order.test_order.record_hook",
        "on_update": "tests.engine_app.doctype.test_order.test_order.record_hook",
        "on_submit": "tests.engine_app.doctype.test_order.test_order.record_hook",
    }
}

whitelisted_methods = {"tests.echo": "tests.engine_app.doctype.test_order.test_order.echo"}

scheduler_events = {
    "hourly": ["tests.engine_app.doctype.test_order.test_order.scheduled_hourly"],
    "cron": {"*/15 * * * *": ["tests.engine_app.doctype.test_order.test_order.scheduled_quarter"]},
}

# Narrows Test Order for everyone but Administrator while the flag below is set (tests only).
permission_query_conditions = {
    "Test Order": "tests.engine_app.doctype.test_order.test_order.hide_closed_orders"
}

# Widens reading Test Order to urgent orders while the flag below is set (tests only).
permission_read_grants = {
    "Test Order": "tests.engine_app.doctype.test_order.test_order.share_urgent_orders"
}
