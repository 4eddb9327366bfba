"""The engine's wiring: the methods it serves under /api/method/, its own upkeep jobs."""

_M = "lowcode.api.methods"

whitelisted_methods = {
    "login": f"{_M}.login_view",
    "logout": f"{_M}.logout",
    "ping": f"{_M}.ping",
    "frappe.auth.get_logged_user": f"{_M}.get_logged_user",
    "frappe.client.get_list": f"{_M}.get_list",
    "frappe.client.get_count": f"{_M}.get_count",
    "frappe.desk.reportview.get_count": f"{_M}.get_reportview_count",
    "lowcode.api.get_list_count": f"{_M}.get_list_count",
    "frappe.client.get": f"{_M}.get",
    "frappe.client.get_value": f"{_M}.get_value",
    "frappe.client.insert": f"{_M}.insert",
    "frappe.client.save": f"{_M}.save",
    "frappe.client.set_value": f"{_M}.set_value",
    "frappe.client.delete": f"{_M}.delete",
    "frappe.client.submit": f"{_M}.submit",
    "frappe.client.cancel": f"{_M}.cancel",
    "frappe.desk.form.assign_to.add": f"{_M}.assign_to",
    "frappe.core.doctype.user.user.generate_keys": f"{_M}.generate_keys",
    "frappe.core.doctype.user.user.update_password": f"{_M}.update_password",
    "upload_file": f"{_M}.upload_file",
    "lowcode.api.get_meta": f"{_M}.get_doctype_meta",
    "lowcode.api.get_versions": f"{_M}.get_versions",
    "lowcode.api.revoke_keys": f"{_M}.revoke_keys",
    # Document mapping (lowcode/documents/mapping.py): Frappe's entry point, any declared key.
    "frappe.model.mapper.make_mapped_doc": "lowcode.documents.mapping.make_mapped_doc",
    # A cancelled document's next revision (name-1, name-2 …; documents/actions.do_amend_doc).
    "lowcode.amend_doc": f"{_M}.amend_doc",
    # A DocType made at run time written as app JSON (documents/schema.do_export_doctype).
    "lowcode.export_doctype": f"{_M}.export_doctype",
    # Admin actions (System Manager), shared with the desk's admin screens (lowcode/admin/).
    "lowcode.admin.create_user": "lowcode.admin.api.create_user",
    "lowcode.admin.update_user": "lowcode.admin.api.update_user",
    "lowcode.admin.get_user": "lowcode.admin.api.get_user_account",
    "lowcode.admin.get_docperms": "lowcode.admin.api.get_docperms",
    "lowcode.admin.save_docperms": "lowcode.admin.api.save_docperms",
    "lowcode.admin.reset_docperms": "lowcode.admin.api.reset_docperms",
    "lowcode.admin.add_custom_field": "lowcode.admin.api.add_custom_field",
    "lowcode.admin.update_custom_field": "lowcode.admin.api.update_custom_field",
    "lowcode.admin.delete_custom_field": "lowcode.admin.api.delete_custom_field",
    "lowcode.admin.set_field_properties": "lowcode.admin.api.set_field_properties",
    "lowcode.admin.set_field_order": "lowcode.admin.api.set_field_order",
}

# Each key of any app's ``document_mappings`` is served as /api/method/<key>.
method_fallbacks = ["lowcode.documents.mapping.method_for"]

# The query planner's statistics (SQLite): after every migrate and nightly, as data grows.
after_migrate = ["lowcode.setup.optimize_database"]
scheduler_events = {"daily": ["lowcode.setup.optimize_database"]}
