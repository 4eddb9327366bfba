"""KuaiCRM's single wiring file: every side effect of the app is declared here."""

app_name = "kuaicrm"
app_title = "快格轻CRM"

# The engine's department data scope walks this tree.
department_doctype = "Department"
department_parent_field = "parent_department"
# Approvals routed "to the supervisor N levels up" walk department heads.
department_head_field = "head"

doc_events: dict = {
    "Lead": {"validate": ["kuaicrm.doctype.lead.lead.normalise_contact_details"]},
    "Customer Visit": {
        "on_update": [
            "kuaicrm.doctype.customer_visit.customer_visit.attach_photo_files",
            "kuaicrm.doctype.customer_visit.customer_visit.notify_plan_approved",
            "kuaicrm.doctype.customer_visit.customer_visit.record_follow_up",
            "kuaicrm.doctype.customer_visit.customer_visit.create_follow_up_tasks",
        ]
    },
    "Churn Warning": {
        "on_update": ["kuaicrm.doctype.churn_warning.churn_warning.record_outcome_on_customer"]
    },
}

scheduler_events: dict = {
    "daily": ["kuaicrm.tasks.mark_overdue_first_contact", "kuaicrm.tasks.raise_churn_warnings"],
}

# Default levels, opportunity stages and customer pools (only the missing ones).
after_migrate = [
    "kuaicrm.setup.install_defaults",
    # Lead vs lead / customer duplicate rules (kuaicrm/defaults_dedup.py, only the missing ones).
    "kuaicrm.defaults_dedup.install_duplicate_rules",
]

demo_loader = "kuaicrm.fixtures.demo.load_demo"

# The desk's home page lists these when due today or overdue (through the permission layer).
desk_reminders: list = [
    {
        "doctype": "Follow-up Task",
        "date_field": "due_date",
        "filters": [["status", "=", "Open"]],
        "mine_field": "assigned_to",
    },
    {
        "doctype": "Lead",
        "date_field": "first_contact_due",
        "label": "First contact due",
        "filters": [["status", "=", "Open"]],
    },
]

# Methods served under /api/method/ (signature (request, user, **params)).
whitelisted_methods: dict = {
    # The phone's one-tap check-in: location, photos and Complete Visit together.
    "kuaicrm.visit_check_in": "kuaicrm.doctype.customer_visit.customer_visit.visit_check_in",
}
