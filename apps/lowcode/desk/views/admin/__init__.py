"""Admin screens (System Manager): customisation, workflows, rules, scripts, permissions, users."""

from lowcode.desk.views.admin import (
    customize,
    doctypes,
    permissions,
    rules,
    scripts,
    system_settings,
    users,
    view_as,
    workflow,
)

urlpatterns: list = [
    # Customize Form, role permission manager, users and departments
    *customize.urlpatterns,
    # New DocTypes: what the generic DocType form adds (name suggestions, child table, delete)
    *doctypes.urlpatterns,
    *permissions.urlpatterns,
    *users.urlpatterns,
    *view_as.urlpatterns,
    # Workflow, rule and script editors
    *workflow.urlpatterns,
    *rules.urlpatterns,
    *scripts.urlpatterns,
    # Site-wide switches (server scripts on/off)
    *system_settings.urlpatterns,
]
