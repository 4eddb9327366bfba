"""Server scripts as actions: run DocType Event, API, Scheduler Event and Permission Query scripts.

Wired in ``lowcode/scripts/hooks.py``. Nothing runs unless System Settings' switch is on
(or site_config.json's ``server_script_enabled``, a host's override, says so). Enabled scripts are cached per
process under the metadata generation, which saving a Server Script bumps, so every
process sees a change on its next request.

Permission Query contract: the script sets ``conditions`` to filters in Frappe's syntax
(``[["status", "=", "Open"]]``, ``{"owner": frappe.session.user}`` or
``{"filters": [...], "or_filters": [...]}``); they become a ``Q`` through the
allow-listed query builder, so a script never writes SQL.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lowcode import context
from lowcode.exceptions import PermissionError, ValidationError
from lowcode.i18n import _
from lowcode.scripts import engine

log = logging.getLogger(__name__)

# The Server Script's "DocType Event" label → the engine's lifecycle event.
EVENT_MAP = {
    "Before Insert": "before_insert",
    "Before Validate": "validate",
    "Before Save": "before_save",
    "After Insert": "after_insert",
    "After Save": "on_update",
    "Before Submit": "before_submit",
    "After Submit": "on_submit",
    "Before Cancel": "before_cancel",
    "After Cancel": "on_cancel",
    "Before Delete": "on_trash",
    "After Delete": "after_delete",
}
# Events whose changes to ``doc`` are written by the save that runs them.
_WRITES_BACK = {"before_insert", "validate", "before_save", "before_submit", "before_cancel"}
_FREQUENCY_KIND = {
    "All": "all",
    "Hourly": "hourly",
    "Daily": "daily",
    "Weekly": "weekly",
    "Monthly": "monthly",
}
_FIELDS = (
    "name",
    "script_type",
    "reference_doctype",
    "doctype_event",
    "api_method",
    "allow_guest",
    "script",
)
_lock = threading.Lock()
_cache: dict[str, Any] = {"generation": None, "scripts": []}


def scripts_changed() -> None:
    """Tell every process that Server Scripts changed (inside the saving transaction)."""
    from lowcode.meta import registry

    registry.bump_generation()
    context.forget("server_scripts")
    with _lock:
        _cache["generation"] = None


def _enabled_scripts() -> list[dict]:
    """Return the enabled scripts, reloaded when the generation moved on."""
    from lowcode.meta import registry
    from lowcode.scripts.models import ServerScript  # type: ignore[attr-defined]

    generation = context.cached(("server_scripts", "generation"), registry.current_generation)
    with _lock:
        if _cache["generation"] == generation:
            return _cache["scripts"]
    scripts = list(ServerScript.objects.filter(disabled=0).values(*_FIELDS))
    with _lock:
        _cache.update(generation=generation, scripts=scripts)
    return scripts


def _matching(script_type: str, **match: Any) -> list[dict]:
    return [
        s
        for s in _enabled_scripts()
        if s["script_type"] == script_type and all(s[k] == v for k, v in match.items())
    ]


def _disabled_error() -> PermissionError:
    return PermissionError(
        _(
            "Server scripts are disabled on this site; a System Manager can enable them in System Settings"
        )
    )


def do_run_doc_event_scripts(doc, event: str) -> None:
    """Run the DocType Event scripts for this document and event (a ``doc_events`` "*" hook).

    The script runs as ``doc.acting_user``, the user performing the action.
    Changes the script makes to ``doc`` are applied before the save continues;
    ``frappe.throw`` raises ValidationError and the action rolls back.
    """
    if not engine.enabled() or doc.doctype == "Server Script":
        return
    labels = [label for label, name in EVENT_MAP.items() if name == event]
    scripts = [
        s
        for s in _matching("DocType Event", reference_doctype=doc.doctype)
        if s["doctype_event"] in labels
    ]
    if not scripts:
        return
    from lowcode.documents.actions import apply_input
    from lowcode.query.reads import doc_to_dict

    user = doc.acting_user or "Administrator"
    meta = doc.meta
    every_level = frozenset(field.permlevel for field in meta.fields) | {0}
    for script in scripts:
        before = doc_to_dict(user, doc, every_level)
        result = engine.execute(script["name"], script["script"], user=user, doc=before)
        if result.get("messages"):
            # frappe.msgprint: shown with the saved document (the API's _server_messages).
            doc.__dict__.setdefault("server_messages", []).extend(result["messages"])
        after = result.get("doc") or {}
        if event not in _WRITES_BACK:
            continue
        changed = {
            key: value
            for key, value in after.items()
            if meta.has_field(key) and before.get(key) != value
        }
        if changed:
            errors = apply_input(doc, meta, changed, user, is_new=doc.is_new, check_levels=False)
            if errors:
                raise ValidationError(errors[0].message, errors)


def resolve_api_script(method_name: str):
    """Return a callable serving the API script at ``method_name``, or None (a ``method_fallbacks`` hook)."""
    from lowcode.scripts.models import ServerScript  # type: ignore[attr-defined]

    if not engine.enabled():
        found = (
            ServerScript.objects.filter(script_type="API", api_method=method_name, disabled=0)
            .values_list("allow_guest", flat=True)
            .first()
        )
        if found is None:
            return None

        def refuse(request, user, **params):
            raise _disabled_error()

        refuse.allow_guest = bool(found)  # type: ignore[attr-defined]
        return refuse
    scripts = _matching("API", api_method=method_name)
    if not scripts:
        return None
    script = scripts[0]

    def serve(request, user, **params):
        return do_run_api_script(script, user, params)

    serve.allow_guest = bool(script["allow_guest"])  # type: ignore[attr-defined]
    return serve


def do_run_api_script(script: dict, user: str, params: dict) -> Any:
    """Run an API script with the request's parameters as ``frappe.form_dict``."""
    result = engine.execute(script["name"], script["script"], user=user, form_dict=params)
    return result.get("response")


def scheduler_moment() -> dt.datetime:
    return timezone.localtime()


def _due(script, now: dt.datetime) -> bool:
    from lowcode.jobs.scheduler import _period_start, cron_matches

    last = timezone.localtime(script.last_run) if script.last_run else None
    if script.event_frequency == "Cron":
        minute = now.replace(second=0, microsecond=0)
        return cron_matches(script.cron_format or "", now) and (last is None or last < minute)
    start = _period_start(_FREQUENCY_KIND.get(script.event_frequency or "", ""), now)
    return start is not None and (last is None or last < start)


def do_run_scheduled_scripts(now: dt.datetime | None = None) -> list[str]:
    """Run every Scheduler Event script due now, once per period; return their names.

    Scheduled each minute by ``scheduler_events["all"]``. A failing script is logged and
    does not stop the others; its period still counts as run, as Frappe's scheduler does.
    """
    from lowcode.scripts.models import ServerScript  # type: ignore[attr-defined]

    if not engine.enabled():
        return []
    moment = timezone.localtime(now or timezone.now())
    ran = []
    for script in ServerScript.objects.filter(script_type="Scheduler Event", disabled=0):
        with transaction.atomic():
            locked = ServerScript.objects.select_for_update().get(name=script.name)
            if not _due(locked, moment):
                continue
            ServerScript.objects.filter(name=script.name).update(last_run=moment)
            try:
                with transaction.atomic():
                    engine.execute(script.name, script.script, user="Administrator")
            except ValidationError as exc:
                log.warning("Server Script %s failed: %s", script.name, exc.message)
            ran.append(script.name)
    return ran


def permission_query_conditions(user: str, doctype: str) -> Q | None:
    """AND the filters returned by this DocType's Permission Query scripts (a hook)."""
    if not engine.enabled() or doctype == "Server Script":
        return None
    scripts = _matching("Permission Query", reference_doctype=doctype)
    if not scripts:
        return None
    from lowcode.meta.registry import get_meta
    from lowcode.query.builder import ColumnSet, build_filter

    condition = Q()
    for script in scripts:
        result = engine.execute(script["name"], script["script"], user=user)
        conditions = result.get("conditions")
        if conditions in (None, "", [], {}):
            continue
        filters, or_filters = conditions, None
        if isinstance(conditions, dict) and set(conditions) <= {"filters", "or_filters"}:
            filters, or_filters = conditions.get("filters"), conditions.get("or_filters")
        if not isinstance(filters, (list, dict, type(None))):
            raise ValidationError(
                _(
                    "Server Script {name} must set conditions to a filters list or dict (never SQL)",
                    name=script["name"],
                )
            )
        # The script runs as the user, but its filters may use fields above the user's
        # permlevels (the administrator wrote them), so columns are those of Administrator.
        columns = ColumnSet(get_meta(doctype), "Administrator")
        condition &= build_filter(columns, filters, or_filters)
    return condition
