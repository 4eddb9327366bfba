"""The rules capability's wiring: scoring, duplicates and assignment on every DocType, SLA checks."""

_R = "lowcode.rules"

doc_events = {
    "*": {
        # Duplicates first: a blocked save should not leave a score log behind.
        "validate": [f"{_R}.duplicates.check_duplicates", f"{_R}.scoring.apply_scoring"],
        # Workflow Action Rules last: the document and its own hooks are done when another
        # document's workflow moves because of it.
        "on_update": [
            f"{_R}.duplicates.update_keys",
            f"{_R}.assignment.sync_open_flag",
            f"{_R}.workflow_actions.apply_workflow_action_rules",
        ],
        "after_insert": [f"{_R}.assignment.apply_assignment"],
        "after_delete": [f"{_R}.duplicates.delete_keys"],
    }
}

# Hourly: a breach of a working-hours target is reported within the hour.
scheduler_events = {"hourly": [f"{_R}.sla.check_sla_breaches"]}

whitelisted_methods = {
    "lowcode.rules.override_score": f"{_R}.scoring.override_score",
    "lowcode.rules.clear_score_override": f"{_R}.scoring.clear_score_override",
    "lowcode.rules.get_score_log": f"{_R}.scoring.get_score_log",
    "lowcode.rules.rescore": f"{_R}.scoring.rescore",
    "lowcode.rules.get_rescore_progress": f"{_R}.scoring.get_rescore_progress",
}

# Rows derived from one document (its normalised keys, its score explanation): a merge
# deletes the source's and the target's are recomputed on its save (lowcode.documents.merge).
merge_drop_doctypes = ["Duplicate Key", "Score Log"]
