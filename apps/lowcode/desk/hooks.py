"""The desk's wiring: who sees which saved views."""

permission_query_conditions = {
    "Saved View": ["lowcode.desk.lib.saved_views.visible_views"],
}
