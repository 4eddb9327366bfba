"""The engine's public face for apps: ``from lowcode.sdk import get_meta, do_save_doc, _``.

An app (``apps/kuaicrm``) imports the engine only from here, as a Frappe app imports
``frappe``; everything else under ``lowcode`` may change shape without notice. A name is
added here when an app needs it and the engine will keep it; nothing private (``_x``) is.

Why ``sdk``: ``lowcode.api`` is the REST/RPC package (``/api/resource``, ``/api/method``) and
``workflow.engine`` / ``reports.engine`` are internal modules, so "the kit an app is built
with" gets its own unambiguous name. The engine itself never imports this module (it would
create cycles); ``tests/kuaicrm/test_sdk_imports.py`` keeps the CRM on it.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lowcode.context import cached as request_cached
from lowcode.documents.actions import (
    do_amend_doc,
    do_assign_doc,
    do_cancel_doc,
    do_insert_doc,
    do_save_doc,
    do_submit_doc,
    do_unassign_doc,
)
from lowcode.documents.mapping import do_make_mapped_doc
from lowcode.documents.merge import do_merge_docs, empty_fields_filled
from lowcode.documents.ownership import do_set_owner
from lowcode.documents.system_fields import do_set_system_fields
from lowcode.exceptions import (
    DataError,
    DoesNotExistError,
    FieldError,
    FrappeError,
    PermissionError,
    ValidationError,
)
from lowcode.expressions import as_of
from lowcode.expressions import today as _site_today
from lowcode.files import do_upload_file, do_upload_stamped_photo, readable_file_path
from lowcode.geo.datum import GCJ02, WGS84
from lowcode.geo.positions import Position, judge_position
from lowcode.geo.providers import reverse_geocode
from lowcode.hooks_loader import get_hooks
from lowcode.i18n import _, option_label
from lowcode.meta.registry import exists as doctype_exists
from lowcode.meta.registry import get_meta
from lowcode.models import Assignment, HasRole, UserProfile
from lowcode.money import money_in_words, round_money, to_decimal
from lowcode.notify.actions import do_notify
from lowcode.permissions.core import (
    ADMINISTRATOR,
    access_doc,
    department_subtree,
    full_names,
    get_roles,
    has_doctype_permission,
    has_permission,
    is_administrator,
    permitted_queryset,
    scope_for,
    user_department,
)
from lowcode.query.connections import connections as get_connections
from lowcode.query.reads import doc_to_dict, get_count, get_doc, get_list, get_value
from lowcode.query.serialize import to_json
from lowcode.reports.engine import run_report
from lowcode.rules.duplicates import (
    DUPLICATE_KEY,
    credit_code_valid,
    find_duplicates,
    normalise_company,
    normalise_credit_code,
)
from lowcode.rules.duplicates import key_specs as duplicate_key_specs
from lowcode.rules.duplicates import make_key as make_duplicate_key
from lowcode.rules.duplicates import rebuild_keys as rebuild_duplicate_keys
from lowcode.rules.sla import department_head
from lowcode.storage.document import Document
from lowcode.storage.factory import build_models, get_model
from lowcode.storage.validation import coerce, first_other, label_of, parse_phone
from lowcode.users import do_create_user
from lowcode.workflow.actions import do_apply_workflow, require_transition
from lowcode.workflow.engine import (
    active_workflows,
    current_state,
    get_transitions,
    get_workflow,
    supervisor_of,
)
from lowcode.workflow.engine import condition_holds as transition_condition_holds
from lowcode.workflow.engine import is_overdue as workflow_action_overdue


def now() -> dt.datetime:
    """The current moment (aware, UTC), as every engine timestamp is stored."""
    return timezone.now()


def today() -> dt.date:
    """The site's date: its time zone's today, or the ``as_of`` day of a scheduled run."""
    return _site_today()


__all__ = [
    "ADMINISTRATOR",
    "DUPLICATE_KEY",
    "GCJ02",
    "WGS84",
    "Assignment",
    "DataError",
    "Document",
    "DoesNotExistError",
    "FieldError",
    "FrappeError",
    "HasRole",
    "PermissionError",
    "Position",
    "UserProfile",
    "ValidationError",
    "_",
    "access_doc",
    "active_workflows",
    "as_of",
    "build_models",
    "coerce",
    "credit_code_valid",
    "current_state",
    "department_head",
    "department_subtree",
    "do_amend_doc",
    "do_apply_workflow",
    "do_assign_doc",
    "do_cancel_doc",
    "do_create_user",
    "do_insert_doc",
    "do_make_mapped_doc",
    "do_merge_docs",
    "do_notify",
    "do_save_doc",
    "do_set_owner",
    "do_set_system_fields",
    "do_submit_doc",
    "do_unassign_doc",
    "do_upload_file",
    "do_upload_stamped_photo",
    "doc_to_dict",
    "doctype_exists",
    "duplicate_key_specs",
    "empty_fields_filled",
    "find_duplicates",
    "first_other",
    "full_names",
    "get_connections",
    "get_count",
    "get_doc",
    "get_hooks",
    "get_list",
    "get_meta",
    "get_model",
    "get_roles",
    "get_transitions",
    "get_value",
    "get_workflow",
    "has_doctype_permission",
    "has_permission",
    "is_administrator",
    "judge_position",
    "label_of",
    "make_duplicate_key",
    "money_in_words",
    "normalise_company",
    "normalise_credit_code",
    "now",
    "option_label",
    "parse_phone",
    "permitted_queryset",
    "readable_file_path",
    "rebuild_duplicate_keys",
    "request_cached",
    "require_transition",
    "reverse_geocode",
    "round_money",
    "run_report",
    "scope_for",
    "supervisor_of",
    "to_decimal",
    "to_json",
    "today",
    "transition_condition_holds",
    "user_department",
    "workflow_action_overdue",
]
