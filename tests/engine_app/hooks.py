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

# Document mapping (lowcode/documents/mapping.py): a Test Order makes a Test Delivery with its
# items; the first accepts drafts and refuses closed orders, the second only submitted orders.
_DELIVERY_MAP = {
    "source": "Test Order",
    "target": "Test Delivery",
    "field_map": {
        "name": "test_order",
        "title": "title",
        "role": "role",
        "secret_margin": "secret_margin",
        "notes": "note",
    },
    "table_map": {
        "items": {
            "target": "items",
            "field_map": {
                "item_code": "item_code",
                "qty": "qty",
                "rate": "rate",
                "role": "role",
                "name": "source_row",
            },
            "condition": "doc.qty != 0",
        }
    },
    "postprocess": "tests.engine_app.doctype.test_delivery.test_delivery.after_map",
}
document_mappings = {
    "tests.make_delivery": {
        **_DELIVERY_MAP,
        "source_docstatus": [0, 1],
        "condition": "doc.status != 'Closed'",
    },
    "tests.make_delivery_from_submitted": _DELIVERY_MAP,
}

# A DocType record whose description asks for it fails its save after the schema change was
# made (tests/lowcode/documents/test_schema.py: nothing of the table may remain).
doc_events["DocType"] = {"validate": "tests.engine_app.schema_hooks.refuse_marked_doctype"}
