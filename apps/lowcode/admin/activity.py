"""The audit trail of admin operations (Activity Log records, read by System Managers)."""

from __future__ import annotations

from lowcode.documents.actions import do_insert_doc

ACTIVITY_LOG = "Activity Log"


def do_log_activity(
    user: str,
    operation: str,
    subject: str,
    reference_doctype: str = "",
    reference_name: str = "",
    ip_address: str = "",
):
    """Record that ``user`` did ``operation``; nobody may write the log by hand, so the
    engine inserts it without a create permission."""
    return do_insert_doc(
        user,
        ACTIVITY_LOG,
        {
            "operation": operation,
            "user": user,
            "subject": subject[:255],
            "reference_doctype": reference_doctype,
            "reference_name": reference_name,
            "ip_address": ip_address,
        },
        ignore_permissions=True,
    )
