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
    # A won opportunity or an approved (submitted) order is the customer's latest deal.
    "Opportunity": {"on_update": ["kuaicrm.pool.record_won_opportunity"]},
    "Sales Order": {"on_submit": ["kuaicrm.pool.record_submitted_order"]},
    # A lead's returned reason / close details come from the transition's reason.
    "Workflow Log": {"after_insert": ["kuaicrm.lead_actions.on_workflow_logged"]},
}

scheduler_events: dict = {
    # 24-hour first touch: the rep is warned 4 hours before, the supervisor alerted after.
    "hourly": ["kuaicrm.tasks.check_first_contact"],
    "daily": [
        "kuaicrm.tasks.remind_follow_up_tasks",
        "kuaicrm.tasks.raise_churn_warnings",
        # Idle customers go back to their pool (公海) by the pool's per-level rules.
        "kuaicrm.pool.return_idle_customers",
        # Win probabilities age with the last interaction (14 / 30 days).
        "kuaicrm.doctype.opportunity.opportunity.refresh_open_probabilities",
    ],
    # 流程健康度周报: Process Health, run as each Sales Manager and sent to them.
    "weekly": ["kuaicrm.weekly_report.send_process_health"],
}

# Default levels, opportunity stages and customer pools (only the missing ones).
after_migrate = [
    "kuaicrm.setup.install_defaults",
    # Lead vs lead / customer duplicate rules (kuaicrm/defaults_dedup.py, only the missing ones).
    "kuaicrm.defaults_dedup.install_duplicate_rules",
    # The standard sales reports' Report records (kuaicrm/reports, only the missing ones).
    "kuaicrm.reports.install_reports",
    # Default lead scoring and assignment rules (kuaicrm/defaults_lead.py, only if Lead has none).
    "kuaicrm.defaults_lead.install_lead_rules",
    # Leads converted to a customer before the workflow's "Convert to Customer" step existed
    # take it now, so their state agrees with their status (after the workflows sync).
    "kuaicrm.conversion.settle_customer_conversions",
]

demo_loader = "kuaicrm.fixtures.demo.load_demo"

# The desk's sidebar lists business DocTypes in a sales rep's order of daily use (the rest
# follow alphabetically; configuration such as levels, pools and stages is under 设置).
desk_nav_order: list = [
    "Lead",
    "Customer",
    "Opportunity",
    "Follow-up Record",
    "Customer Visit",
    "Follow-up Task",
    "Contact",
    "Contract",
    "Sales Order",
    "Product",
    "Churn Warning",
]

# Kanban boards: opportunities by stage (columns in the stages' order); a move back, a reopen
# or a loss asks for the reason the opportunity's stage history records.
desk_kanban: dict = {"Opportunity": {"field": "stage", "reason_field": "stage_reason"}}

# "Use my location" on the form fills these latitude/longitude pairs from the phone's GPS.
desk_location_fields: dict = {"Customer Visit": [["checkin_latitude", "checkin_longitude"]]}

# Buttons on a form (lowcode/desk/lib/form_actions.py): a dialog that calls a whitelisted
# method, shown only while the condition holds and the user may; or a new record prefilled.
_LOG_FOLLOW_UP = "Log a follow-up"
_NOT_YET_CUSTOMER = (
    "['New', 'Returned', 'Invalid', 'Archived Invalid', 'Closed', 'Archived Closed']"
)
desk_form_actions: dict = {
    "Lead": [
        {"label": _LOG_FOLLOW_UP, "new": "Follow-up Record", "prefill": {"lead": "name"}},
        {
            "label": "Convert to Opportunity",
            "key": "convert",
            "method": "kuaicrm.convert_lead",
            "doc_arg": "lead",
            # kuaicrm/conversion.py: from Demo Scheduled while the workflow runs.
            "depends_on": "eval:!doc.opportunity && !doc.archived"
            " && doc.status != 'Invalid' && doc.status != 'Closed'"
            " && (!doc.workflow_state || doc.workflow_state == 'Demo Scheduled')",
            "replaces_transition": "Convert to Opportunity",
            "confirm": "A customer, a contact and an opportunity are created from this lead.",
            "fields": [
                {"fieldname": "opportunity_name", "fieldtype": "Data", "label": "Opportunity Name"},
                {"fieldname": "amount", "fieldtype": "Currency", "label": "Amount"},
                {"fieldname": "expected_close_date", "fieldtype": "Date",
                 "label": "Expected Close Date"},
                {"fieldname": "reason", "fieldtype": "Small Text", "label": "Reason"},
            ],
            "success": "Converted: opportunity {opportunity} of customer {customer}",
            "redirect": {"doctype": "Opportunity", "key": "opportunity"},
        },
        {
            "label": "Convert to Customer",
            "key": "convert-customer",
            "method": "kuaicrm.convert_lead",
            "doc_arg": "lead",
            "params": {"create_opportunity": 0},
            "depends_on": "eval:!doc.customer && !doc.archived"
            " && doc.status != 'Invalid' && doc.status != 'Closed'"
            f" && doc.workflow_state not in {_NOT_YET_CUSTOMER}",
            "replaces_transition": "Convert to Customer",
            "fields": [{"fieldname": "reason", "fieldtype": "Small Text", "label": "Reason"}],
            "success": "Converted to customer {customer}",
            "redirect": {"doctype": "Customer", "key": "customer"},
        },
    ],
    "Customer": [
        {
            "label": "Claim",
            "method": "kuaicrm.claim_customer",
            "doc_arg": "customer",
            "ptype": "read",  # a pool customer is only readable until claimed (kuaicrm/pool.py)
            "depends_on": "eval:doc.in_pool",
            "confirm": "Claim this customer from the pool? It becomes yours to follow up.",
            "success": "Claimed: customer {name} is now yours",
        },
        {
            "label": "Release to Pool",
            "key": "release",
            "method": "kuaicrm.release_customer",
            "doc_arg": "customer",
            "depends_on": "eval:!doc.in_pool",
            "confirm": "The customer goes back to its pool, where other sales reps may claim it.",
            "fields": [{"fieldname": "reason", "fieldtype": "Small Text", "label": "Reason",
                        "reqd": 1}],
            "success": "Released to {customer_pool}",
        },
        {
            "label": "Merge into…",
            "key": "merge",
            "method": "kuaicrm.merge_customers",
            "doc_arg": "source",
            "ptype": "delete",  # the source is deleted once everything moved to the target
            "confirm": "Everything linked to this customer moves to the chosen customer, then this one is deleted.",
            "fields": [{"fieldname": "target", "fieldtype": "Link", "options": "Customer",
                        "label": "Merge into", "reqd": 1}],
            "success": "Merged into {target}",
            "redirect": {"doctype": "Customer", "key": "target"},
        },
        # Follow-ups are the owner's work: a pool customer is claimed first.
        {"label": _LOG_FOLLOW_UP, "new": "Follow-up Record", "prefill": {"customer": "name"},
         "ptype": "write"},
    ],
    "Opportunity": [
        {
            "label": "Change Stage",
            "key": "stage",
            "method": "kuaicrm.change_opportunity_stage",
            "doc_arg": "name",
            "fields": [
                {"fieldname": "stage", "reqd": 1},
                {"fieldname": "reason", "fieldtype": "Small Text", "label": "Reason",
                 "description": "Required when going back, reopening or losing"},
                {"fieldname": "lost_reason"},
                {"fieldname": "lost_details"},
            ],
            "field_errors": {"stage_reason": "reason"},
            "success": "Stage changed to {stage}",
        },
        {"label": _LOG_FOLLOW_UP, "new": "Follow-up Record",
         "prefill": {"opportunity": "name", "customer": "customer"}},
    ],
}  # fmt: skip

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
        # Not contacted yet, whatever the status (a qualified lead may still wait for its
        # call), as kuaicrm.tasks.check_first_contact alerts; archived and ended ones drop out.
        "filters": [
            ["first_contacted_on", "is", "not set"],
            ["archived", "=", 0],
            ["status", "not in", ["Invalid", "Closed", "Converted"]],
        ],
    },
]

# Methods served under /api/method/ (signature (request, user, **params)).
whitelisted_methods: dict = {
    # The customer pool (公海): claim, release, a manager's assignment.
    "kuaicrm.claim_customer": "kuaicrm.pool.claim_customer",
    "kuaicrm.release_customer": "kuaicrm.pool.release_customer",
    "kuaicrm.assign_pool_customer": "kuaicrm.pool.assign_pool_customer",
    # Customers: duplicates, merge, the 360° view (kuaicrm/customers.py).
    "kuaicrm.find_duplicate_customers": "kuaicrm.customers.find_duplicate_customers",
    "kuaicrm.merge_customers": "kuaicrm.customers.merge_customers",
    "kuaicrm.customer_360": "kuaicrm.customers.customer_360",
    # Opportunity stage moves with a reason, and time spent per stage.
    "kuaicrm.change_opportunity_stage": (
        "kuaicrm.doctype.opportunity.opportunity.change_opportunity_stage"
    ),
    "kuaicrm.opportunity_dwell": "kuaicrm.doctype.opportunity.opportunity.opportunity_dwell",
    # The phone's one-tap check-in: location, photos and Complete Visit together.
    "kuaicrm.visit_check_in": "kuaicrm.doctype.customer_visit.customer_visit.visit_check_in",
    # Lead → customer + contact + opportunity in one transaction (kuaicrm/conversion.py).
    "kuaicrm.convert_lead": "kuaicrm.conversion.convert_lead",
    # Hand a lead to one user; an untouched lead's 24-hour clock restarts.
    "kuaicrm.reassign_lead": "kuaicrm.lead_actions.reassign_lead",
}

# Everyone who may claim from a pool reads its customers (read only; kuaicrm/pool.py).
permission_read_grants: dict = {"Customer": ["kuaicrm.pool.pool_read_grant"]}

# Connections of a document (the desk's connections page, kuaicrm.customer_360), in this order;
# DocTypes not installed yet (quotes, payments, tickets) are skipped until a release adds them.
document_connections: dict = {
    "Customer": [
        {"doctype": "Contact", "key": "contacts",
         "fields": ["full_name", "designation", "mobile_no", "email_id", "is_decision_maker"]},
        {"doctype": "Lead", "key": "leads",
         "fields": ["lead_name", "status", "mobile_no", "score", "owner"]},
        {"doctype": "Opportunity", "key": "opportunities",
         "fields": ["opportunity_name", "stage", "status", "amount", "probability",
                    "expected_close_date", "sales_owner"]},
        {"doctype": "Follow-up Record", "key": "follow_up_records",
         "fields": ["content", "followup_method", "followed_up_on", "intent", "owner"]},
        {"doctype": "Follow-up Task", "key": "follow_up_tasks",
         "fields": ["subject", "status", "due_date", "assigned_to"]},
        {"doctype": "Customer Visit", "key": "visits",
         "fields": ["visit_title", "visit_date", "workflow_state", "owner"]},
        {"doctype": "Quotation", "key": "quotes"},
        {"doctype": "Contract", "key": "contracts",
         "fields": ["contract_title", "amount", "workflow_state", "sales_owner"]},
        {"doctype": "Sales Order", "key": "orders",
         "fields": ["name", "order_date", "grand_total", "workflow_state", "sales_owner"]},
        {"doctype": "Payment Entry", "key": "payments"},
        {"doctype": "Ticket", "key": "tickets"},
    ]
}  # fmt: skip
