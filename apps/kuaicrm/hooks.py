"""KuaiCRM's single wiring file: every side effect of the app is declared here."""

from kuaicrm.selling import ITEM_FIELDS

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
    # A cancelled contract's payment plan is no longer due (a terminated one: contracts.py).
    "Contract": {
        "on_cancel": ["kuaicrm.contracts.release_contract_plans"],
        # Invoiced / collected / outstanding come from receipts and invoices, never the form.
        "validate": ["kuaicrm.cash.keep_receivables"],
        "before_update_after_submit": ["kuaicrm.cash.keep_receivables"],
    },
    "Sales Order": {
        "on_submit": ["kuaicrm.pool.record_submitted_order"],
        "validate": ["kuaicrm.cash.keep_receivables"],
        "before_update_after_submit": ["kuaicrm.cash.keep_receivables"],
        # A shipment refreshes the contract's delivered amount; a returned or cancelled order
        # releases its payment plan (kuaicrm/orders.py).
        "on_update_after_submit": [
            "kuaicrm.orders.refresh_contract_delivery",
            "kuaicrm.orders.release_order_plan",
        ],
        "on_cancel": [
            "kuaicrm.orders.refresh_contract_delivery",
            "kuaicrm.orders.release_order_plan",
        ],
    },
    # A lead's returned reason / close details come from the transition's reason.
    # An invoice's rejection reason is kept on it; 红冲 creates the negative invoice (cash.py).
    "Workflow Log": {
        "after_insert": [
            "kuaicrm.lead_actions.on_workflow_logged",
            # An accepted quotation wins its opportunity, a lost one loses it (with the
            # reason) unless another quotation of it is still open.
            "kuaicrm.doctype.quotation.quotation.do_record_quotation_outcome",
            "kuaicrm.cash.on_invoice_workflow_logged",
            # A terminated contract keeps its reason and releases its payment plan; a
            # returned order keeps why it came back.
            "kuaicrm.contracts.on_workflow_logged",
            "kuaicrm.orders.keep_return_reason",
        ]
    },
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
        # Approved or sent quotations past their valid_till become Expired.
        "kuaicrm.doctype.quotation.quotation.expire_quotations",
        # Installments past due turn Overdue: the owner is reminded, the manager told after
        # the plan's escalate_after_days (default 7) (kuaicrm/cash.py).
        "kuaicrm.cash.remind_overdue_installments",
        # Contracts: execution from the start date, expiry reminders N days ahead (the
        # company's contract_reminder_days), 到期 after the end date with a renewal reminder.
        "kuaicrm.contracts.process_contracts",
        # Delivery plan lines due tomorrow or overdue: the order's owner is alerted.
        "kuaicrm.orders.alert_due_deliveries",
    ],
    # 流程健康度周报: Process Health, run as each Sales Manager and sent to them.
    "weekly": ["kuaicrm.weekly_report.send_process_health"],
    # 提成单: on the 1st, last month's commission statements of every sales person (one per
    # person and month: a repeated run duplicates none; kuaicrm/commission.py).
    "monthly": ["kuaicrm.commission.make_last_month_statements"],
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
    # A call with 有意向 moves the lead to 已联系 (kuaicrm/defaults_flow.py, only if none exist).
    "kuaicrm.defaults_flow.install_follow_up_rules",
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
    "Quotation",
    "Follow-up Record",
    "Customer Visit",
    "Follow-up Task",
    "Contact",
    "Contract",
    "Sales Order",
    "Payment Plan",
    "Payment Receipt",
    "Invoice",
    "Product",
    "Churn Warning",
]

# The phone's bottom bar: leads a tap away (between Home and Approvals).
desk_bottom_tabs: list = [{"doctype": "Lead", "icon": "☷"}]

# Kanban boards: opportunities by stage (columns in the stages' order); a move back, a reopen
# or a loss asks for the reason the opportunity's stage history records.
desk_kanban: dict = {"Opportunity": {"field": "stage", "reason_field": "stage_reason"}}

# 签到 on a visit: one big button takes Complete Visit through kuaicrm.visit_check_in with the
# camera's photo and the phone's position (lowcode/desk/lib/checkin.py). The visit's
# coordinates are never typed, so it declares no "use my location" pair (desk_location_fields).
desk_check_in: dict = {
    "Customer Visit": {"method": "kuaicrm.visit_check_in", "transition": "Complete Visit"}
}

# After a call from a tel: link the desk offers this follow-up for the record that was called
# (lowcode/desk/lib/calls.py, static/desk/flow.js): a 电话 Follow-up Record at the call's time.
_CALL_LOG = {
    "doctype": "Follow-up Record",
    "values": {"followup_method": "Phone"},
    "time_field": "followed_up_on",
}
desk_call_follow_up: dict = {
    "Lead": {**_CALL_LOG, "prefill": {"lead": "name"}},
    "Customer": {**_CALL_LOG, "prefill": {"customer": "name"}},
    "Opportunity": {**_CALL_LOG, "prefill": {"opportunity": "name", "customer": "customer"}},
    "Contact": {**_CALL_LOG, "prefill": {"contact": "name", "customer": "customer"}},
}

# Lists on a phone (lowcode/desk/lib/list_cards.py): the quick chips 我的 (mine_field is me),
# 今日待跟进 / 已逾期 (due_field today / before today, while open_filters hold), the fields a card
# shows and what a long-press offers besides dialling its numbers.
_LOG = "Log a follow-up"
_LEAD_OPEN = [["archived", "=", 0], ["status", "not in", ["Invalid", "Closed", "Converted"]]]
desk_list_cards: dict = {
    "Lead": {
        "due_field": "next_followup_on",
        "open_filters": _LEAD_OPEN,
        "card_fields": ["company_name", "mobile_no", "next_followup_on", "expected_amount"],
        "actions": [{"label": _LOG, "new": "Follow-up Record", "prefill": {"lead": "name"}}],
    },
    "Customer": {
        "card_fields": ["phone", "city", "last_followup_on"],
        "actions": [{"label": _LOG, "new": "Follow-up Record", "prefill": {"customer": "name"}}],
    },
    "Opportunity": {
        "mine_field": "sales_owner",
        "due_field": "expected_close_date",
        "open_filters": [["status", "=", "Open"]],
        "card_fields": ["customer", "amount", "expected_close_date", "stage"],
        "actions": [
            {
                "label": _LOG,
                "new": "Follow-up Record",
                "prefill": {"opportunity": "name", "customer": "customer"},
            }
        ],
    },
    "Contact": {"card_fields": ["customer", "mobile_no"]},
    "Follow-up Task": {
        "mine_field": "assigned_to",
        "due_field": "due_date",
        "open_filters": [["status", "=", "Open"]],
        "card_fields": ["customer", "due_date", "followup_method"],
        "actions": [
            {
                "label": "Mark done",
                "set": {"status": "Done"},
                "when": {"status": "Open"},
                "ask": ["result"],
            },
            {
                "label": _LOG,
                "new": "Follow-up Record",
                "prefill": {"follow_up_task": "name", "customer": "customer"},
            },
        ],
    },
    "Customer Visit": {
        "due_field": "visit_date",
        "open_filters": [["checkin_time", "is", "not set"]],
        "card_fields": ["customer", "visit_date"],
    },
}

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
            # Prefilled from the lead: its company, contact and expected amount (conversion.py).
            "initial": "kuaicrm.conversion.convert_dialog_values",
            "fields": [
                {"fieldname": "new_customer", "fieldtype": "Data", "label": "Customer",
                 "read_only": 1},
                {"fieldname": "new_contact", "fieldtype": "Data", "label": "Contact",
                 "read_only": 1},
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
                # A picker of the configured stages with 下一阶段; lost-deal fields only when losing.
                {"fieldname": "stage", "reqd": 1, "choices": "records", "next_label": "Next Stage"},
                {"fieldname": "reason", "fieldtype": "Small Text", "label": "Reason",
                 "description": "Required when going back, reopening or losing"},
                {"fieldname": "lost_reason", "show_when": {"stage": {"stage_type": "Lost"}}},
                {"fieldname": "lost_details", "show_when": {"stage": {"stage_type": "Lost"}}},
            ],
            "field_errors": {"stage_reason": "reason"},
            "success": "Stage changed to {stage}",
        },
        {"label": _LOG_FOLLOW_UP, "new": "Follow-up Record",
         "prefill": {"opportunity": "name", "customer": "customer"}},
        # A new quotation prefilled with the customer and the products (kuaicrm.make_quotation).
        {"label": "Make Quotation", "mapping": "kuaicrm.make_quotation"},
    ],
    # An accepted quotation becomes a contract and/or an order (kuaicrm.make_contract, …).
    "Quotation": [
        {"label": "Make Contract", "mapping": "kuaicrm.make_contract"},
        {"label": "Make Sales Order", "mapping": "kuaicrm.make_sales_order"},
    ],
    "Contract": [
        {"label": "Make Sales Order", "mapping": "kuaicrm.make_sales_order_from_contract",
         "depends_on": "eval:doc.status == 'Signed' || doc.status == 'In Execution'"},
        # 回款计划 from the payment terms, 开票申请 for what is left to invoice (kuaicrm/cash.py).
        {"label": "Make Payment Plan", "mapping": "kuaicrm.make_payment_plan",
         "depends_on": "eval:doc.docstatus == 1"},
        {"label": "Request Invoice", "mapping": "kuaicrm.make_invoice",
         "depends_on": "eval:doc.docstatus == 1"},
        {
            "label": "Renew",
            "key": "renew",
            "method": "kuaicrm.renew_contract",
            "doc_arg": "contract",
            "ptype": "read",  # the renewal is a new draft: create on Contract is checked there
            "depends_on": "eval:doc.docstatus == 1 && doc.status != 'Terminated'"
            " && doc.status != 'Cancelled'",
            "confirm": "A new draft contract for the next term is created from this one.",
            "success": "Renewed as {name}",
            "redirect": {"doctype": "Contract", "key": "name"},
        },
    ],
    "Sales Order": [
        {"label": "Make Payment Plan", "mapping": "kuaicrm.make_payment_plan_from_order",
         "depends_on": "eval:doc.docstatus == 1"},
        {"label": "Request Invoice", "mapping": "kuaicrm.make_invoice_from_order",
         "depends_on": "eval:doc.docstatus == 1"},
        {
            "label": "Record Delivery",
            "key": "delivery",
            "method": "kuaicrm.record_delivery",
            "doc_arg": "sales_order",
            "depends_on": "eval:doc.status == 'Approved' && doc.delivery_status != 'Delivered'",
            "fields": [
                {"fieldname": "item", "fieldtype": "Data", "label": "Item", "reqd": 1,
                 "description": "The product or item name on the delivery plan"},
                {"fieldname": "qty", "fieldtype": "Float", "label": "Quantity", "reqd": 1},
                {"fieldname": "shipped_on", "fieldtype": "Date", "label": "Shipped On"},
            ],
            "success": "Delivery recorded: {delivery_status_label}",
        },
    ],
    "Payment Plan": [
        # Finance records money received against the plan's open installments (a new 回款单).
        {"label": "Record Payment", "mapping": "kuaicrm.make_payment_receipt",
         "depends_on": "eval:doc.outstanding_amount > 0"},
        {"label": "Request Invoice", "mapping": "kuaicrm.make_invoice_from_plan"},
    ],
    # 冲销: finance reverses a received payment with a reason (kuaicrm.reverse_payment_receipt).
    "Payment Receipt": [
        {
            "label": "Reverse Receipt",
            "key": "reverse",
            "method": "kuaicrm.reverse_payment_receipt",
            "doc_arg": "receipt",
            "ptype": "cancel",
            "depends_on": "eval:doc.docstatus == 1",
            "confirm": "The receipt is cancelled and its installments are outstanding again.",
            "fields": [{"fieldname": "reason", "fieldtype": "Small Text", "label": "Reason",
                        "reqd": 1}],
            "success": "Reversed: {name}",
        },
    ],
    # 提成单: a Draft is recomputed from today's receipts and rules (kuaicrm/commission.py).
    "Commission Statement": [
        {
            "label": "Recompute",
            "key": "recompute",
            "method": "kuaicrm.recompute_commission_statement",
            "doc_arg": "name",
            "depends_on": "eval:doc.status == 'Draft'",
            "success": "Recomputed: total commission {total_commission}",
        },
    ],
}  # fmt: skip

# Buttons on a list for the DocType as a whole (lowcode/desk/lib/list_actions.py).
desk_list_actions: dict = {
    # 生成提成单: a manager or finance makes a month's statements of their sales people (the
    # same action as /api/method/kuaicrm.make_commission_statements; the dialog starts at
    # last month).
    "Commission Statement": [
        {
            "label": "Make Commission Statements",
            "key": "make",
            "method": "kuaicrm.make_commission_statements",
            "ptype": "create",
            "fields": [{"fieldname": "period", "fieldtype": "Data", "label": "Month",
                        "reqd": 1, "description": "Write the month as 2026-03"}],
            "initial": "kuaicrm.commission.statement_dialog_values",
            "confirm": "Statements not yet submitted are recomputed; submitted ones are kept.",
            "success": "Commission statements for {period}: {created_count} made, "
            "{updated_count} recomputed, {locked_count} already submitted",
        },
    ],
}  # fmt: skip

# The My day home (工作台) lists these when due today or overdue, through the permission layer,
# in sections in this order; each row opens, dials (phone_field) and logs a follow-up (log).
_LOG_CALL = {"doctype": "Follow-up Record", "values": {"followup_method": "Phone"}}
desk_reminders: list = [
    {
        "doctype": "Lead",
        "date_field": "first_contact_due",
        "label": "First contact due",
        "section": "leads",
        "section_label": "Leads to contact today",
        "detail_field": "company_name",
        "phone_field": "mobile_no",
        "log": {**_LOG_CALL, "link_field": "lead"},
        # Not contacted yet, whatever the status (a qualified lead may still wait for its
        # call), as kuaicrm.tasks.check_first_contact alerts; archived and ended ones drop out.
        "filters": [
            ["first_contacted_on", "is", "not set"],
            ["archived", "=", 0],
            ["status", "not in", ["Invalid", "Closed", "Converted"]],
        ],
    },
    {
        # My leads whose next follow-up (set when the last one was logged) is due.
        "doctype": "Lead",
        "date_field": "next_followup_on",
        "label": "Next follow-up",
        "section": "leads",
        "section_label": "Leads to contact today",
        "mine_field": "owner",
        "detail_field": "company_name",
        "phone_field": "mobile_no",
        "log": {**_LOG_CALL, "link_field": "lead"},
        "filters": [
            ["archived", "=", 0],
            ["status", "not in", ["Invalid", "Closed", "Converted"]],
        ],
    },
    {
        "doctype": "Follow-up Task",
        "date_field": "due_date",
        "section": "followups",
        "section_label": "Follow-ups due",
        "filters": [["status", "=", "Open"]],
        "mine_field": "assigned_to",
        "log": {"doctype": "Follow-up Record", "link_field": "follow_up_task"},
    },
    {
        # Today's visits not checked in yet (a visit planned for yesterday is no task today).
        "doctype": "Customer Visit",
        "date_field": "visit_date",
        "label": "Customer Visit",
        "section": "visits",
        "section_label": "Today's visits",
        "today_only": True,
        "mine_field": "owner",
        "filters": [["checkin_time", "is", "not set"]],
    },
]

# Cards on the desk's home page (lowcode/desk/lib/home.py renders the spec): my overdue
# receivables (回款) and my target attainment (kuaicrm/home_card.py).
desk_home_cards: list = ["kuaicrm.home_card.home_sales_card"]

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
    # 业绩目标: my (and my team's) attainment, the 排行榜 with 同比 / 环比 (kuaicrm/targets.py).
    "kuaicrm.target_attainment": "kuaicrm.targets.target_attainment",
    "kuaicrm.sales_ranking": "kuaicrm.targets.sales_ranking",
    # 提成单: one action computes the month's statements of the caller's sales people.
    "kuaicrm.make_commission_statements": "kuaicrm.commission.make_commission_statements",
    "kuaicrm.recompute_commission_statement": "kuaicrm.commission.recompute_commission_statement",
    # The home page's 回款 card: my overdue receivables and my attainment (kuaicrm/home_summary.py).
    "kuaicrm.home_sales_summary": "kuaicrm.home_summary.home_sales_summary",
    # 回款 and 开票 (kuaicrm/cash.py): record / reverse a receipt, issue an invoice, and one
    # contract's amount vs invoiced vs collected.
    "kuaicrm.record_payment_receipt": "kuaicrm.cash.record_payment_receipt",
    "kuaicrm.reverse_payment_receipt": "kuaicrm.cash.reverse_payment_receipt",
    "kuaicrm.issue_invoice": "kuaicrm.cash.issue_invoice",
    "kuaicrm.contract_receivables": "kuaicrm.cash.contract_receivables",
    # The next term of a contract as a linked draft (renewed_from); a shipment on an
    # approved order's delivery plan (kuaicrm/contracts.py, kuaicrm/orders.py).
    "kuaicrm.renew_contract": "kuaicrm.contracts.renew_contract",
    "kuaicrm.record_delivery": "kuaicrm.orders.record_delivery",
}

# Everyone who may claim from a pool reads its customers (read only; kuaicrm/pool.py).
permission_read_grants: dict = {
    "Customer": ["kuaicrm.pool.pool_read_grant"],
    # Targets and commission statements are made by managers (the owner): the person they are
    # for reads them, a department-scope manager reads the team's (kuaicrm/targets.py).
    "Sales Target": ["kuaicrm.targets.target_read_grant"],
    "Commission Statement": ["kuaicrm.commission.statement_read_grant"],
}

# Connections of a document (the desk's connections page, kuaicrm.customer_360), in this order;
# a DocType not installed (Ticket: no service module yet) is skipped until a release adds it.
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
        {"doctype": "Quotation", "key": "quotes",
         "fields": ["name", "opportunity", "quotation_date", "valid_till", "grand_total", "status",
                    "sales_owner"]},
        {"doctype": "Contract", "key": "contracts",
         "fields": ["contract_title", "contract_type", "amount", "status", "end_date",
                    "collected_amount", "workflow_state", "sales_owner"]},
        {"doctype": "Sales Order", "key": "orders",
         "fields": ["name", "order_date", "grand_total", "status", "delivery_status", "contract",
                    "workflow_state", "sales_owner"]},
        {"doctype": "Payment Plan", "key": "payment_plans",
         "fields": ["name", "contract", "sales_order", "total_amount", "outstanding_amount",
                    "status", "sales_owner"]},
        {"doctype": "Payment Receipt", "key": "payments",
         "fields": ["name", "receipt_date", "amount", "payment_method", "docstatus"]},
        {"doctype": "Invoice", "key": "invoices",
         "fields": ["name", "invoice_type", "grand_total", "invoice_no", "status"]},
        {"doctype": "Ticket", "key": "tickets"},
    ]
}  # fmt: skip

# Cards above a document's connections page: a customer's 应收 (contract amount, invoiced,
# collected, outstanding, overdue), the figures of kuaicrm.customer_360 (kuaicrm/customers.py).
desk_connection_cards: dict = {"Customer": ["kuaicrm.customers.receivables_card"]}

# Document mapping (lowcode/documents/mapping.py): each key is /api/method/<key>
# (source_name[, insert=1]) and a desk form action; the target keeps the link to its source.
# One dict for the whole app: add entries here.
_CASH_SOURCES = "kuaicrm.cash"
# Item rows carry over between quotation, contract and order unchanged (o2c item fields).
_ITEM_MAP = {f: f for f in ITEM_FIELDS}
document_mappings: dict = {
    # 报价单 from an opening opportunity: customer, owner and products (the opportunity's
    # price becomes a discount from the list price: quotation.after_map_from_opportunity).
    "kuaicrm.make_quotation": {
        "source": "Opportunity",
        "target": "Quotation",
        "condition": "doc.status == 'Open'",
        "condition_message": "Only an open opportunity can be quoted",
        "field_map": {"customer": "customer", "name": "opportunity", "sales_owner": "sales_owner"},
        "table_map": {"items": {"target": "items", "field_map": {"product": "product", "qty": "qty"}}},
        "postprocess": "kuaicrm.doctype.quotation.quotation.after_map_from_opportunity",
    },
    # 合同 / 销售订单 from a quotation the customer accepted (or an approved one, sent or not),
    # with its items and prices; a signed contract's items make its order.
    "kuaicrm.make_contract": {
        "source": "Quotation",
        "target": "Contract",
        "condition": "doc.status in ['Approved', 'Sent', 'Accepted']",
        "condition_message": "Only an approved or accepted quotation can become a contract",
        "field_map": {"customer": "customer", "name": "quotation", "opportunity": "opportunity",
                      "sales_owner": "sales_owner"},
        "table_map": {"items": {"target": "items", "field_map": _ITEM_MAP}},
        "postprocess": "kuaicrm.contracts.after_map_contract_from_quotation",
    },
    "kuaicrm.make_sales_order": {
        "source": "Quotation",
        "target": "Sales Order",
        "condition": "doc.status in ['Approved', 'Sent', 'Accepted']",
        "condition_message": "Only an approved or accepted quotation can become a sales order",
        "field_map": {"customer": "customer", "name": "quotation", "sales_owner": "sales_owner"},
        "table_map": {"items": {"target": "items", "field_map": _ITEM_MAP}},
    },
    "kuaicrm.make_sales_order_from_contract": {
        "source": "Contract",
        "target": "Sales Order",
        "condition": "doc.status == 'Signed' || doc.status == 'In Execution'",
        "condition_message": "Only a signed contract can become a sales order",
        "field_map": {"customer": "customer", "name": "contract", "quotation": "quotation",
                      "sales_owner": "sales_owner"},
        "table_map": {"items": {"target": "items", "field_map": _ITEM_MAP}},
        "postprocess": "kuaicrm.contracts.after_map_order_from_contract",
    },
    # 回款计划 from a signed contract: its payment terms become the installments.
    "kuaicrm.make_payment_plan": {
        "source": "Contract",
        "target": "Payment Plan",
        "field_map": {"customer": "customer", "name": "contract", "sales_owner": "sales_owner"},
        "postprocess": f"{_CASH_SOURCES}.after_map_plan",
    },
    "kuaicrm.make_payment_plan_from_order": {
        "source": "Sales Order",
        "target": "Payment Plan",
        "field_map": {"customer": "customer", "name": "sales_order", "contract": "contract",
                      "sales_owner": "sales_owner"},
        "postprocess": f"{_CASH_SOURCES}.after_map_plan",
    },
    # 回款单 from a plan (finance, on the phone): the plan's outstanding amount, one allocation
    # per open installment; finance keeps the rows the money pays and records it (the
    # allocation's plan, contract and order follow from the installment: kuaicrm/cash.py).
    "kuaicrm.make_payment_receipt": {
        "source": "Payment Plan",
        "target": "Payment Receipt",
        "condition": "doc.outstanding_amount > 0",
        "condition_message": "Nothing is outstanding on this payment plan",
        "field_map": {"customer": "customer", "sales_owner": "sales_owner",
                      "outstanding_amount": "amount"},
        "table_map": {"installments": {
            "target": "allocations", "condition": "doc.outstanding_amount > 0",
            "field_map": {"parent": "payment_plan", "name": "installment", "due_date": "due_date",
                          "outstanding_amount": "allocated_amount"}}},
    },
    # 开票申请 for what is left to invoice of a contract, an order or a plan.
    "kuaicrm.make_invoice": {
        "source": "Contract",
        "target": "Invoice",
        "field_map": {"customer": "customer", "name": "contract", "sales_owner": "sales_owner"},
        "postprocess": f"{_CASH_SOURCES}.after_map_invoice",
    },
    "kuaicrm.make_invoice_from_order": {
        "source": "Sales Order",
        "target": "Invoice",
        "field_map": {"customer": "customer", "name": "sales_order", "contract": "contract",
                      "sales_owner": "sales_owner"},
        "postprocess": f"{_CASH_SOURCES}.after_map_invoice",
    },
    "kuaicrm.make_invoice_from_plan": {
        "source": "Payment Plan",
        "target": "Invoice",
        "field_map": {"customer": "customer", "name": "payment_plan", "contract": "contract",
                      "sales_order": "sales_order", "sales_owner": "sales_owner"},
        "postprocess": f"{_CASH_SOURCES}.after_map_invoice",
    },
}  # fmt: skip
