"""Customer Visit (客户拜访): plan, approval, check-in, record, follow-up of issues, report, review."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lowcode.sdk import (
    Document,
    DoesNotExistError,
    FieldError,
    PermissionError,
    ValidationError,
    _,
    coerce,
    get_model,
    label_of,
    permitted_queryset,
    to_json,
)

# States and actions of the visit workflow fixture (apps/kuaicrm/workflow/visit_approval.json).
PLAN_APPROVED_STATE = "Plan Approved"
VISITED_STATE = "Visited"
RECORDED_STATE = "Recorded"
FOLLOW_UP_STATE = "Follow-up Task"
REPORT_REVIEW_STATE = "Report Review"
CHECK_IN_ACTION = "Complete Visit"
# Valid ranges of the check-in coordinates (WGS-84 degrees).
COORDINATE_RANGES = {"checkin_latitude": (-90.0, 90.0), "checkin_longitude": (-180.0, 180.0)}
COORDINATE_PRECISION = 6
READABLE_LINKS = (("customer", "Customer"), ("opportunity", "Opportunity"))


class CustomerVisit(Document):
    has_issue: bool
    workflow_state: str | None
    checkin_time: Any
    checkin_latitude: float | None
    checkin_longitude: float | None
    visit_record: str | None

    def validate(self) -> None:
        self.check_links_readable()
        self.keep_server_check_in_time()
        self.check_coordinates()
        self.check_in_on_arrival()
        self.freeze_check_in()
        self.check_photos_are_uploaded_images()
        self.check_record_before_recording()
        self.flag_issues()
        self.check_follow_ups_done_before_report()

    def check_links_readable(self) -> None:
        """A visit is logged only on a customer or opportunity its author may read: recording
        it moves their follow-up counters (answered like a missing record, as a Link is)."""
        before: Any = self._doc_before_save or {}
        user = self.acting_user
        errors = []
        for fieldname, doctype in READABLE_LINKS:
            value = self.get(fieldname)
            if not user or not value or value == before.get(fieldname):
                continue
            try:
                readable = permitted_queryset(user, doctype).filter(name=value).exists()
            except PermissionError:
                readable = False
            if not readable:
                message = _(
                    "{label}: {doctype} {value} does not exist",
                    label=self._label(fieldname),
                    doctype=_(doctype),
                    value=value,
                )
                errors.append(FieldError(fieldname, "link", message))
        _raise(errors)

    # -- check-in ----------------------------------------------------------------------

    def entering(self, state: str) -> bool:
        """Whether this save moves the visit into ``state`` (a workflow transition)."""
        before: Any = self._doc_before_save or {}
        return (
            not self.is_new
            and self.workflow_state == state
            and before.get("workflow_state") != state
        )

    def keep_server_check_in_time(self) -> None:
        """The check-in time is the server's clock at check-in; client input never sets it."""
        before: Any = self._doc_before_save or {}
        stored = None if self.is_new else before.get("checkin_time")
        self.checkin_time = coerce(self.meta.get_field("checkin_time"), stored)

    def check_coordinates(self) -> None:
        errors = []
        for fieldname, (low, high) in COORDINATE_RANGES.items():
            value = self.get(fieldname)
            if value is not None and not low <= value <= high:
                errors.append(
                    FieldError(
                        fieldname,
                        "range",
                        _(
                            "{label} must be between {low} and {high}",
                            label=self._label(fieldname),
                            low=low,
                            high=high,
                        ),
                    )
                )
        _raise(errors)

    def check_in_on_arrival(self) -> None:
        """Completing the visit is the check-in: location and a photo, time from the server."""
        if not self.entering(VISITED_STATE):
            return
        errors = [
            FieldError(
                fieldname,
                "check_in",
                _("{label} is required to check in", label=self._label(fieldname)),
            )
            for fieldname in COORDINATE_RANGES
            if self.get(fieldname) is None
        ]
        if not [row for row in self.get_children("photos") if row.photo]:
            errors.append(
                FieldError(
                    "photos",
                    "check_in",
                    _("At least one {label} is required to check in", label=self._label("photos")),
                )
            )
        _raise(errors)
        self.checkin_time = timezone.now()

    def freeze_check_in(self) -> None:
        """Once checked in, the place of the check-in is evidence and stays as recorded."""
        before: Any = self._doc_before_save or {}
        if self.is_new or not before.get("checkin_time"):
            return
        errors = []
        for fieldname in COORDINATE_RANGES:
            old, new = before.get(fieldname), self.get(fieldname)
            if _rounded(old) != _rounded(new):
                errors.append(
                    FieldError(
                        fieldname,
                        "checked_in",
                        _(
                            "{label} cannot be changed after check-in",
                            label=self._label(fieldname),
                        ),
                    )
                )
        _raise(errors)

    def check_photos_are_uploaded_images(self) -> None:
        """Each new photo is an image the acting user uploaded (or may read) through upload_file."""
        from lowcode.sdk import readable_file_path

        before: Any = self._doc_before_save or {}
        known = {row.get("photo") for row in before.get("photos") or []}
        user = self.acting_user or self.owner
        errors = []
        for index, row in enumerate(self.get_children("photos")):
            if not row.photo or row.photo in known:
                continue
            try:
                _path, file_doc = readable_file_path(user, row.photo)
            except DoesNotExistError:
                message = _("{label} {n} is not an uploaded file", label=_("Photo"), n=index + 1)
            else:
                if str(file_doc.content_type or "").startswith("image/"):
                    continue
                message = _("{label} {n} is not an image", label=_("Photo"), n=index + 1)
            errors.append(FieldError("photo", "file", message, row=index, table="photos"))
        _raise(errors)

    # -- record, follow-up, report ---------------------------------------------------------

    def check_record_before_recording(self) -> None:
        if self.entering(RECORDED_STATE) and not (self.visit_record or "").strip():
            label = self._label("visit_record")
            message = _("{label} is required to record the visit", label=label)
            raise ValidationError(message, [FieldError("visit_record", "record", message)])

    def flag_issues(self) -> None:
        """Listed issues route the visit through follow-up (the workflow reads has_issue)."""
        if self.get_children("issues"):
            self.has_issue = True

    def check_follow_ups_done_before_report(self) -> None:
        before: Any = self._doc_before_save or {}
        entering = self.workflow_state == REPORT_REVIEW_STATE
        if not entering or before.get("workflow_state") == REPORT_REVIEW_STATE or self.is_new:
            return
        still_open = list(
            get_model("Follow-up Task")
            .objects.filter(customer_visit=self.name, status="Open")
            .values_list("name", flat=True)
        )
        if still_open:
            message = _(
                "The visit report waits for its follow-up tasks: {tasks} still open",
                tasks=", ".join(still_open),
            )
            raise ValidationError(message, [FieldError("issues", "open_tasks", message)])

    def _label(self, fieldname: str) -> str:
        return label_of(self.meta.get_field(fieldname))


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationError("; ".join(e.message for e in errors), errors)


def _rounded(value: Any) -> float | None:
    return None if value in (None, "") else round(float(value), COORDINATE_PRECISION)


def _entered(doc, state: str) -> bool:
    before: Any = doc._doc_before_save or {}
    return doc.workflow_state == state and before.get("workflow_state") != state


# on_update handlers (declared in hooks.py) ---------------------------------------------


def attach_photo_files(doc, event: str) -> None:
    """on_update: the visit's photos become its attachments, so whoever reads the visit sees them.

    Phones upload first (private, unattached, readable by the uploader only); only the
    uploader's own unattached files are claimed, so a visit never exposes someone else's file.
    """
    from lowcode.sdk import do_save_doc

    urls = [row.photo for row in doc.get_children("photos") if row.photo]
    if not urls:
        return
    user = doc.acting_user or doc.owner
    unattached = (
        get_model("File")
        .objects.filter(file_url__in=urls, owner=user)
        .filter(Q(attached_to_doctype__isnull=True) | Q(attached_to_doctype=""))
        .values_list("name", flat=True)
    )
    for name in list(unattached):
        do_save_doc(
            user,
            "File",
            name,
            {
                "attached_to_doctype": doc.doctype,
                "attached_to_name": doc.name,
                "attached_to_field": "photos",
            },
        )


def notify_plan_approved(doc, event: str) -> None:
    """on_update: an approved plan is announced to the customer's and opportunity's owners.

    The visit's owner already hears of the decision from the workflow engine; the approver
    took it. The customer's owner and the opportunity's sales owner learn that a colleague
    is about to visit their account.
    """
    from lowcode.sdk import do_notify

    if not _entered(doc, PLAN_APPROVED_STATE):
        return
    recipients: list[str] = []
    customer_name = doc.customer or "—"
    if doc.customer:
        for owner, title in (
            get_model("Customer")
            .objects.filter(name=doc.customer)
            .values_list("owner", "customer_name")
        ):
            recipients.append(owner)
            customer_name = title or doc.customer
    if doc.opportunity:
        recipients += (
            get_model("Opportunity")
            .objects.filter(name=doc.opportunity)
            .values_list("sales_owner", flat=True)
        )
    skip = {doc.owner, doc.acting_user}
    recipients = [r for r in dict.fromkeys(recipients) if r and r not in skip]
    if not recipients:
        return
    do_notify(
        recipients,
        _(
            "Visit plan approved: {title} ({customer}, {date}) by {user}",
            title=doc.visit_title,
            customer=customer_name,
            date=doc.visit_date or "—",
            user=doc.owner,
        ),
        doc.purpose or "",
        reference_doctype=doc.doctype,
        reference_name=doc.name,
    )


def record_follow_up(doc, event: str) -> None:
    """on_update: a recorded visit is a follow-up (method Visit) of its customer, once per visit.

    The Follow-up Record keeps every follow-up counter in one place (the customer's last
    follow-up, the opportunity's interactions). Follow-up Record has no link to the visit, so
    "once" is read from the workflow log: the visit was recorded before if a logged
    transition already reached Recorded (this transition is logged after this hook).
    """
    from lowcode.sdk import do_insert_doc

    if not _entered(doc, RECORDED_STATE) or not (doc.customer or doc.opportunity):
        return  # a visit to no customer on file follows up nothing
    recorded_before = (
        get_model("Workflow Log")
        .objects.filter(reference_doctype=doc.doctype, reference_name=doc.name)
        .filter(to_state=RECORDED_STATE)
        .exists()
    )
    if recorded_before:
        return
    do_insert_doc(
        doc.owner,
        "Follow-up Record",
        {
            "followup_method": "Visit",
            "followed_up_on": doc.checkin_time or timezone.now(),
            "customer": doc.customer,
            "contact": doc.contact,
            "opportunity": doc.opportunity,
            "content": f"{doc.visit_title}\n{doc.visit_record}",
            "result": doc.visit_report,
        },
        ignore_permissions=True,
    )


def create_follow_up_tasks(doc, event: str) -> None:
    """on_update: entering follow-up turns each issue without a task into a Follow-up Task."""
    from lowcode.sdk import do_assign_doc, do_insert_doc, do_set_system_fields

    before: Any = doc._doc_before_save or {}
    if doc.workflow_state != FOLLOW_UP_STATE or before.get("workflow_state") == FOLLOW_UP_STATE:
        return
    for row in doc.get_children("issues"):
        if row.task:
            continue
        assignee = row.assigned_to or doc.owner
        task = do_insert_doc(
            doc.owner,
            "Follow-up Task",
            {
                "subject": str(row.issue).splitlines()[0][:140],
                "description": row.issue,
                "assigned_to": assignee,
                "due_date": row.due_date,
                "customer": doc.customer,
                "customer_visit": doc.name,
            },
            ignore_permissions=True,
        )
        if assignee != doc.owner:
            do_assign_doc("Administrator", "Follow-up Task", task.name, assignee)
        # The issue row's read-only link to its task (the visit was just saved: no re-save).
        do_set_system_fields("Visit Issue", row.name, {"task": task.name})
        row.task = task.name


# The phone's one-tap check-in ------------------------------------------------------------


@transaction.atomic
def do_check_in_visit(
    user: str,
    name: str,
    latitude: Any,
    longitude: Any,
    address: str = "",
    photos: list | None = None,
):
    """Save the location and photos, then take Complete Visit: both or neither."""
    from lowcode.sdk import access_doc, do_apply_workflow, do_save_doc, require_transition

    visit = access_doc(user, "Customer Visit", name, "write", for_update=True)
    require_transition(user, visit, CHECK_IN_ACTION)  # refused before anything is saved
    rows = [
        {"name": row.name, "photo": row.photo, "caption": row.caption}
        for row in visit.get_children("photos")
    ]
    for photo in photos or []:
        rows.append(
            {"photo": photo.get("photo"), "caption": photo.get("caption") or ""}
            if isinstance(photo, dict)
            else {"photo": photo}
        )
    data: dict = {
        "checkin_latitude": latitude,
        "checkin_longitude": longitude,
        "photos": rows,
    }
    if address:
        data["checkin_address"] = address
    do_save_doc(user, "Customer Visit", name, data)
    return do_apply_workflow(user, "Customer Visit", name, CHECK_IN_ACTION)


def visit_check_in(
    request,
    user,
    visit: str = "",
    latitude: Any = None,
    longitude: Any = None,
    address: str = "",
    photos: Any = None,
    **_ignored,
) -> dict:
    """Check in at the customer: location, photos (uploaded first) and Complete Visit in one tap."""
    import json

    if isinstance(photos, str):
        try:
            photos = json.loads(photos) if photos.strip().startswith("[") else [photos]
        except ValueError:
            photos = [photos]
    doc = do_check_in_visit(user, visit, latitude, longitude, address or "", photos or [])
    return {
        "name": doc.name,
        "workflow_state": doc.workflow_state,
        "checkin_time": to_json(doc.checkin_time),
    }


visit_check_in.writes = True  # type: ignore[attr-defined]
