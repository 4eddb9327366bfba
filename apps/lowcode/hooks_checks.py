"""Start-up check of every app's ``hooks.py``: each dotted path imports, each key means something.

A typo in a hook (a handler's name, an event, a schedule) would otherwise pass ``kuaicrm check``
and fail on the first save, the first tick or never run at all. Each problem names the app,
the hook and the path. IDs never change meaning; retired IDs are not reused.

  hooks.E001  doc_events handler does not import (or is not callable)
  hooks.E002  doc_events names an unknown document event (the handler would never run)
  hooks.E003  scheduler_events job does not import
  hooks.E004  scheduler_events period unknown, or a cron expression that does not parse
  hooks.E005  whitelisted_methods target does not import
  hooks.E006  method_fallbacks entry does not import
  hooks.E007  permission_query_conditions / permission_read_grants entry does not import
  hooks.E008  after_migrate / demo_loader entry does not import
  hooks.E009  server_script_enqueue_methods entry does not import
  hooks.E010  document_mappings postprocess does not import
  hooks.E011  desk_form_extensions / desk_home_cards / desk_connection_cards entry does not import
  hooks.W001  a hooks.py name no part of the engine reads (a misspelt hook is ignored)

hooks.E010 and hooks.E011 repeat meta.E019 and desk.E009, which need the database (they also
check a mapping's fields and a card's DocTypes); so they run only when the database checks
do not, and a typo is reported once either way.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.checks import CheckMessage, Error, Warning

from lowcode.hooks_loader import app_hooks, resolve
from lowcode.storage.document import LIFECYCLE_METHODS

# The document events the action layer runs (the document base class's lifecycle).
DOC_EVENTS = frozenset(LIFECYCLE_METHODS)
SCHEDULER_PERIODS = frozenset({"all", "hourly", "daily", "weekly", "monthly", "cron"})
_CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")

# Hooks that hold values, not dotted paths (read by get_hooks elsewhere in the engine).
VALUE_HOOKS = frozenset(
    {
        "app_name",
        "app_title",
        "department_doctype",
        "department_parent_field",
        "department_head_field",
        "desk_nav_order",
        "desk_bottom_tabs",
        "desk_kanban",
        "desk_location_fields",
        "desk_check_in",
        "desk_call_follow_up",
        "desk_form_actions",
        "desk_list_actions",
        "desk_list_cards",
        "desk_reminders",
        "document_connections",
        "merge_drop_doctypes",
    }
)
# Hooks holding dotted paths, with the check ID of each (the functions below walk their shapes).
PATH_HOOKS = {
    "doc_events": "hooks.E001",
    "scheduler_events": "hooks.E003",
    "whitelisted_methods": "hooks.E005",
    "method_fallbacks": "hooks.E006",
    "permission_query_conditions": "hooks.E007",
    "permission_read_grants": "hooks.E007",
    "after_migrate": "hooks.E008",
    "demo_loader": "hooks.E008",
    "server_script_enqueue_methods": "hooks.E009",
    "document_mappings": "hooks.E010",
    "desk_form_extensions": "hooks.E011",
    "desk_home_cards": "hooks.E011",
    "desk_connection_cards": "hooks.E011",
}
KNOWN_HOOKS = VALUE_HOOKS | set(PATH_HOOKS)
_DICT_HOOKS = frozenset(
    {
        "doc_events",
        "scheduler_events",
        "whitelisted_methods",
        "permission_query_conditions",
        "permission_read_grants",
        "document_mappings",
        "desk_form_extensions",
        "desk_connection_cards",
    }
)
# Checked by database checks too (meta.E019, desk.E009): see the module docstring.
_ALSO_DATABASE_CHECKED = frozenset({"document_mappings", "desk_home_cards"})


def _items(value: Any) -> list:
    """A hook's list of paths (a single string counts as a list of one, as get_hooks merges)."""
    return [value] if isinstance(value, str) else list(value or [])


def _paths(hook: str, value: Any) -> Iterator[tuple[str, Any]]:
    """(where, path) for every dotted path of one hook, ``where`` as written in hooks.py."""
    if hook in (
        "doc_events",
        "permission_query_conditions",
        "permission_read_grants",
        "desk_connection_cards",
    ):
        for key, inner in (value or {}).items():
            if hook == "doc_events" and not isinstance(inner, dict):
                yield f"doc_events[{key!r}]", inner  # not {event: [paths]}: "not a dotted path"
            elif hook == "doc_events":
                for event, paths in inner.items():
                    for path in _items(paths):
                        yield f"doc_events[{key!r}][{event!r}]", path
            else:
                for path in _items(inner):
                    yield f"{hook}[{key!r}]", path
    elif hook == "scheduler_events":
        for period, paths in (value or {}).items():
            if period == "cron" and isinstance(paths, dict):
                for expression, cron_paths in paths.items():
                    for path in _items(cron_paths):
                        yield f"scheduler_events['cron'][{expression!r}]", path
            elif period != "cron":
                for path in _items(paths):
                    yield f"scheduler_events[{period!r}]", path
    elif hook in ("whitelisted_methods", "desk_form_extensions"):
        for key, path in (value or {}).items():
            yield f"{hook}[{key!r}]", path
    elif hook == "document_mappings":
        for key, spec in (value or {}).items():
            if isinstance(spec, dict) and spec.get("postprocess"):
                yield f"document_mappings[{key!r}]['postprocess']", spec["postprocess"]
    else:
        for path in _items(value):
            yield hook, path


def _import_problem(path: Any) -> str | None:
    """Why ``path`` is not the dotted path of a callable, or None."""
    if not isinstance(path, str) or "." not in path:
        return "is not a dotted path"
    try:
        found = resolve(path)
    except ImportError as exc:
        return f"does not import ({exc})"
    except Exception as exc:  # the module itself fails: a syntax error, a bad import in it
        return f"does not import ({type(exc).__name__}: {exc})"
    return None if callable(found) else "is not a function"


def _shape_problems(app: str, hook: str, value: Any) -> list[CheckMessage]:
    """Keys that name nothing the engine runs: a doc event or a schedule."""
    found: list[CheckMessage] = []
    obj = f"{app}.hooks.{hook}"
    if hook == "doc_events":
        for doctype, events in (value or {}).items():
            for event in sorted(set(events if isinstance(events, dict) else ()) - DOC_EVENTS):
                found.append(
                    Error(
                        f"{app} hooks.py doc_events[{doctype!r}] names unknown event {event!r}: "
                        "its handlers would never run.",
                        hint=f"Use one of {', '.join(sorted(DOC_EVENTS))}.",
                        obj=obj,
                        id="hooks.E002",
                    )
                )
    elif hook == "scheduler_events":
        for period in sorted(set(value or {}) - SCHEDULER_PERIODS):
            found.append(
                Error(
                    f"{app} hooks.py scheduler_events names unknown period {period!r}: "
                    "its jobs would never run.",
                    hint=f"Use one of {', '.join(sorted(SCHEDULER_PERIODS))}.",
                    obj=obj,
                    id="hooks.E004",
                )
            )
        for expression in (value or {}).get("cron") or {}:
            fields = str(expression).split()
            if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
                found.append(
                    Error(
                        f"{app} hooks.py scheduler_events['cron'] expression {expression!r} "
                        "does not parse.",
                        hint="Give five fields: minute hour day month weekday (e.g. '*/5 * * * *').",
                        obj=obj,
                        id="hooks.E004",
                    )
                )
    return found


def _declared_names(module: Any) -> list[str]:
    """Public names a hooks.py assigns at top level (imported names are not hooks)."""
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        return []
    names = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        names += [t.id for t in targets if isinstance(t, ast.Name) and not t.id.startswith("_")]
    return names


def hook_problems(*, with_database: bool = False) -> list[CheckMessage]:
    """Every problem of every app's hooks.py."""
    found: list[CheckMessage] = []
    for app, module in app_hooks():
        for name in _declared_names(module):
            if name not in KNOWN_HOOKS:
                found.append(
                    Warning(
                        f"{app} hooks.py declares {name!r}, which no part of the engine reads.",
                        hint=f"Check the spelling; known hooks: {', '.join(sorted(KNOWN_HOOKS))}.",
                        obj=f"{app}.hooks.{name}",
                        id="hooks.W001",
                    )
                )
        for hook, cid in PATH_HOOKS.items():
            value = getattr(module, hook, None)
            if value is None or (with_database and hook in _ALSO_DATABASE_CHECKED):
                continue
            if hook in _DICT_HOOKS and not isinstance(value, dict):
                found.append(
                    Error(
                        f"{app} hooks.py {hook} is a {type(value).__name__}, not a dict.",
                        hint="Declare it as in the engine's docs (docs/hooks.md).",
                        obj=f"{app}.hooks.{hook}",
                        id=cid,
                    )
                )
                continue
            found += _shape_problems(app, hook, value)
            for where, path in _paths(hook, value):
                problem = _import_problem(path)
                if problem:
                    found.append(
                        Error(
                            f"{app} hooks.py {where}: {path!r} {problem}.",
                            hint="Correct the dotted path (module.function) or remove the entry.",
                            obj=f"{app}.hooks.{hook}",
                            id=cid,
                        )
                    )
    return found


def run_checks(
    app_configs: Iterable | None = None, databases=None, **kwargs: Any
) -> list[CheckMessage]:
    """Django system check (start-up and ``kuaicrm check``)."""
    return hook_problems(with_database=bool(databases))
