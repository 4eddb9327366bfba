"""The desk's wiring: who sees which saved views."""

permission_query_conditions = {
    "Saved View": ["lowcode.desk.lib.saved_views.visible_views"],
}

# Pickers: the choices of a DocType, field, role, user, workflow state or option field
# ([{value, label}], labels in the user's language; lowcode.meta.pickers).
whitelisted_methods = {
    "lowcode.desk.pick": "lowcode.desk.methods.pick",
    # The condition builder: rows ↔ the expression (lowcode.expressions), nothing stored.
    "lowcode.desk.condition": "lowcode.desk.methods.condition",
}

# Per-DocType additions to the generic form: f(user, meta, doc, values) -> dict with pickers
# ("widgets" by field or "table.field"), a template shown under the form, and its context.
desk_form_extensions = {
    "DocType": "lowcode.desk.lib.doctype_editor.form_extension",
}
