"""The desk's wiring: who sees which saved views, the global search's index."""

permission_query_conditions = {
    "Saved View": ["lowcode.desk.lib.saved_views.visible_views"],
}

# Pickers: the choices of a DocType, field, role, user, workflow state or option field
# ([{value, label}], labels in the user's language; lowcode.meta.pickers).
whitelisted_methods = {
    "lowcode.desk.pick": "lowcode.desk.methods.pick",
    # The condition builder: rows ↔ the expression (lowcode.expressions), nothing stored.
    "lowcode.desk.condition": "lowcode.desk.methods.condition",
    # The filters builder (Dashboard Chart, Number Card): rows ↔ filters JSON, nothing stored.
    "lowcode.desk.filter_rows": "lowcode.desk.methods.filter_rows",
}

# Per-DocType additions to the generic form: f(user, meta, doc, values) -> dict with pickers
# ("widgets" by field or "table.field"), a template shown under the form, and its context.
desk_form_extensions = {
    "DocType": "lowcode.desk.lib.doctype_editor.form_extension",
}

# The global search's index (lowcode.desk.indexing): every write path keeps a document's
# entry current; migrate indexes the documents that have none (existing sites, raw loads).
doc_events = {
    "*": {
        "on_update": ["lowcode.desk.indexing.update_entry"],
        "after_delete": ["lowcode.desk.indexing.delete_entry"],
    }
}
after_migrate = ["lowcode.desk.indexing.sync_search_entries"]
# Entries are derived from their document: a merge drops the source's, the target's save
# rewrites its own (lowcode.documents.merge).
merge_drop_doctypes = ["Search Entry"]
