"""The weekly process-health report (seed 003): each Sales Manager gets their own figures.

Wired in hooks.py ``scheduler_events["weekly"]``. The report runs *as* each manager, through
the reports engine, so it covers exactly the opportunities that manager may read (their
department's), and is sent with ``do_notify`` (an in-app notification and, when the manager
has an address, an email) with a link to the report page.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth import get_user_model

from lowcode.sdk import _, do_notify, run_report

REPORT = "Process Health"
RECIPIENT_ROLE = "Sales Manager"
LINK = f"/app/query-report/{quote(REPORT)}"


def recipients() -> list[str]:
    """Active users holding the Sales Manager role, by username."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, has_roles__role=RECIPIENT_ROLE)
        .distinct()
        .order_by("username")
        .values_list("username", flat=True)
    )


def plain_text(payload: dict) -> str:
    """The report as plain text: the summary, one line per stage, the loss reasons, the link."""
    lines = [
        f"{item['label']}: {'-' if item['value'] is None else item['value']}"
        for item in payload.get("report_summary") or []
    ]
    labels = {c["fieldname"]: c["label"] for c in payload["columns"]}
    lines.append("")
    for row in payload["result"]:
        cells = [
            f"{labels[key]} {'-' if value is None else value}"
            for key, value in row.items()
            if key != "stage"
        ]
        lines.append(f"{row['stage']}: " + ", ".join(cells))
    if payload.get("message"):
        lines += ["", str(payload["message"])]
    lines += ["", _("Open the report: {link}", link=LINK)]
    return "\n".join(lines)


def send_process_health() -> list[str]:
    """Run Process Health as each Sales Manager and notify them; return who was sent it."""
    from lowcode.sdk import get_model

    # An administrator who deleted or disabled the report has switched the mail off.
    if not get_model("Report").objects.filter(name=REPORT, disabled=0).exists():
        return []
    sent = []
    for manager in recipients():
        payload = run_report(manager, REPORT)
        do_notify(
            [manager],
            _("Weekly process health report"),
            plain_text(payload),
            notification_type="Alert",
        )
        sent.append(manager)
    return sent
