"""Customer Visit (客户拜访): plan, approval, check-in, record, follow-up of issues, report, review."""

from __future__ import annotations

from contextvars import ContextVar
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
# What 签到 records; only do_check_in_visit sets them (the server's view of the check-in), a
# client's value is refused (coordinates) or ignored (the rest), as checkin_time is.
POSITION_FIELDS = (
    "checkin_latitude",
    "checkin_longitude",
    "checkin_coordinate_system",
    "checkin_accuracy",
    "checkin_address",
    "checkin_distance",
    "checkin_flagged",
    "checkin_note",
)
# The position being recorded by do_check_in_visit in this context (its save and transition).
_CHECKING_IN: ContextVar[dict | None] = ContextVar("customer_visit_checking_in", default=None)
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
        self.freeze_check_in()
        self.keep_recorded_position()
        self.check_coordinates()
        self.check_in_on_arrival()
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

    def keep_recorded_position(self) -> None:
        """The position is what 签到 recorded: typed coordinates are refused, the rest ignored."""
        recording = _CHECKING_IN.get()
        before: Any = {} if self.is_new else (self._doc_before_save or {})
        if recording is not None and recording.get("visit") == self.name:
            for fieldname in POSITION_FIELDS:
                if fieldname in recording:
                    self.set(fieldname, recording[fieldname])
            return
        errors = []
        for fieldname in POSITION_FIELDS:
            field = self.meta.get_field(fieldname)
            stored = coerce(field, before.get(fieldname))
            if stored is None and field.fieldtype == "Check":
                stored = False  # a new visit: the column is NOT NULL
            if fieldname in COORDINATE_RANGES and _rounded(self.get(fieldname)) != _rounded(stored):
                message = _(
                    "{label} is recorded by check-in (签到) from the phone's position; it cannot be typed",
                    label=self._label(fieldname),
                )
                errors.append(FieldError(fieldname, "check_in_only", message))
            self.set(fieldname, stored)
        _raise(errors)

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
        recording = _CHECKING_IN.get() or {}
        self.checkin_time = recording.get("checkin_time") or timezone.now()

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


# The phone's one-tap check-in (签到) ----------------------------------------------------


def do_check_in_visit(
    user: str,
    name: str,
    latitude: Any,
    longitude: Any,
    accuracy: Any = None,
    photos: list | None = None,
    uploads: list | None = None,
):
    """Check in at the customer: the server's time, the device's position and stamped photos,
    then Complete Visit — all or nothing.

    ``latitude``/``longitude`` are the browser's (WGS-84), ``accuracy`` its radius in metres.
    The address comes from the geocoding provider configured in System Settings (else the
    customer's address); it is looked up before the visit is locked, and its failure only
    adds a note. Every new photo (``uploads``: (file name, bytes); ``photos``: files uploaded
    earlier) is stored as a JPEG stamped with the time and place. A poor or distant position
    is flagged on the visit and its owner's supervisors are told.
    """
    from lowcode.sdk import access_doc, require_transition

    visit = access_doc(user, "Customer Visit", name, "write")
    require_transition(user, visit, CHECK_IN_ACTION)  # refused before anything is looked up
    now = timezone.now()
    position = _position(latitude, longitude, accuracy)
    site = _customer_site(visit.customer)
    place = _address(position, site)
    with transaction.atomic():
        return _record_check_in(user, name, now, position, site, place, photos, uploads)


def _record_check_in(user, name, now, position, site, place, photos, uploads):
    from lowcode.sdk import (
        access_doc,
        do_apply_workflow,
        do_save_doc,
        judge_position,
        require_transition,
    )

    visit = access_doc(user, "Customer Visit", name, "write", for_update=True)
    require_transition(user, visit, CHECK_IN_ACTION)
    judgement = judge_position(position, site["position"] if site else None)
    notes = [*judgement.reasons, *([place["note"]] if place["note"] else [])]
    recording = {
        "visit": name,
        "checkin_time": now,
        "checkin_latitude": position.lat,
        "checkin_longitude": position.lng,
        "checkin_coordinate_system": position.datum,
        "checkin_accuracy": position.accuracy,
        "checkin_address": place["address"] or None,
        "checkin_distance": judgement.distance,
        "checkin_flagged": judgement.flagged,
        "checkin_note": "\n".join(notes) or None,
    }
    stamp = _stamp_lines(visit, now, position, place["address"])
    rows = [
        {"name": row.name, "photo": row.photo, "caption": row.caption}
        for row in visit.get_children("photos")
    ]
    for photo in photos or []:
        url, caption = (
            (photo.get("photo"), photo.get("caption") or "")
            if isinstance(photo, dict)
            else (photo, "")
        )
        rows.append({"photo": _stamped_copy(user, url, stamp, len(rows)), "caption": caption})
    for file_name, content in uploads or []:
        from lowcode.sdk import do_upload_stamped_photo

        stored = do_upload_stamped_photo(user, content, file_name, stamp)
        rows.append({"photo": stored.file_url, "caption": ""})
    token = _CHECKING_IN.set(recording)
    try:
        do_save_doc(user, "Customer Visit", name, {"photos": rows})
        doc = do_apply_workflow(user, "Customer Visit", name, CHECK_IN_ACTION)
    finally:
        _CHECKING_IN.reset(token)
    if judgement.flagged:
        _notify_supervisors(doc, site, notes)
    return doc


def _position(latitude: Any, longitude: Any, accuracy: Any):
    """The browser's position as numbers (WGS-84); anything else is refused, field-named."""
    from lowcode.sdk import WGS84, Position

    values: dict[str, float | None] = {}
    errors: list[FieldError] = []
    for key, fieldname, value in (
        ("lat", "checkin_latitude", latitude),
        ("lng", "checkin_longitude", longitude),
        ("accuracy", "checkin_accuracy", accuracy),
    ):
        if value in (None, "") and key == "accuracy":
            values[key] = None
            continue
        try:
            number = float(value)
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError(value)
        except (TypeError, ValueError):
            label = label_of(_visit_meta().get_field(fieldname))
            if value in (None, ""):
                message = _("{label} is required to check in", label=label)
            else:
                message = _("{label} must be a number", label=label)
            errors.append(FieldError(fieldname, "check_in", message))
            continue
        values[key] = number
    _raise(errors)
    accuracy_m = values["accuracy"]
    if accuracy_m is not None and accuracy_m < 0:
        accuracy_m = None  # a negative radius means nothing: treated as not reported
    return Position(
        lng=float(values["lng"] or 0.0),
        lat=float(values["lat"] or 0.0),
        accuracy=accuracy_m,
        datum=WGS84,
    )


def _visit_meta():
    from lowcode.sdk import get_meta

    return get_meta("Customer Visit")


def _customer_site(customer: str | None) -> dict | None:
    """The customer's name, address and coordinates (in their stored datum), if on file."""
    from lowcode.sdk import GCJ02, WGS84, Position

    if not customer:
        return None
    row = (
        get_model("Customer")
        .objects.filter(name=customer)
        .values("customer_name", "address", "latitude", "longitude", "coordinate_system")
        .first()
    )
    if row is None:
        return None
    site: dict = {"title": row["customer_name"] or customer, "address": row["address"] or ""}
    site["position"] = None
    if row["latitude"] is not None and row["longitude"] is not None:
        datum = row["coordinate_system"] if row["coordinate_system"] in (GCJ02, WGS84) else GCJ02
        site["position"] = Position(
            lng=float(row["longitude"]), lat=float(row["latitude"]), datum=datum
        )
    return site


def _address(position, site: dict | None) -> dict:
    """The provider's address for the position; without a provider, the customer's address."""
    from lowcode.sdk import reverse_geocode

    in_range = all(
        low <= value <= high
        for value, (low, high) in zip(
            (position.lat, position.lng), COORDINATE_RANGES.values(), strict=True
        )
    )
    place = reverse_geocode(position.lng, position.lat, position.datum) if in_range else None
    address = place.address if place else ""
    note = place.note if place else ""
    if not address and site and not note and site["address"]:
        address = site["address"]
    return {"address": (address or "")[:140], "note": note}


def _stamp_lines(visit, now, position, address: str) -> list[str]:
    """What the server draws on a check-in photo: time, visit, place and position."""
    when = timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S")
    accuracy = f" ±{round(position.accuracy)} m" if position.accuracy is not None else ""
    return [
        f"{_('Check-in')} {when}",
        str(visit.visit_title or visit.name),
        address,
        f"{position.lat:.6f}, {position.lng:.6f} ({position.datum}){accuracy}",
    ]


def _stamped_copy(user: str, url: Any, stamp: list[str], row: int) -> Any:
    """A stamped JPEG copy of a photo uploaded earlier; a URL that is not the user's readable
    image is returned as it is, for the visit's validation to refuse it by name."""
    from lowcode.sdk import do_upload_stamped_photo, readable_file_path

    if not isinstance(url, str) or not url:
        return url
    try:
        path, file_doc = readable_file_path(user, url)
    except DoesNotExistError:
        return url
    if not str(file_doc.content_type or "").startswith("image/"):
        return url
    with open(path, "rb") as handle:
        content = handle.read()
    try:
        return do_upload_stamped_photo(user, content, file_doc.file_name or "photo", stamp).file_url
    except ValidationError:
        # Image bytes by their first bytes, yet not decodable: not a photo to stamp.
        message = _("{label} {n} is not an image", label=_("Photo"), n=row + 1)
        raise ValidationError(
            message, [FieldError("photo", "file", message, row=row, table="photos")]
        ) from None


def _notify_supervisors(doc, site: dict | None, notes: list[str]) -> None:
    """Tell the visit owner's supervisors why the check-in was flagged."""
    from kuaicrm.tasks import supervisors_of
    from lowcode.sdk import do_notify

    recipients = [u for u in supervisors_of([doc.owner]) if u != doc.owner]
    if not recipients:
        return
    do_notify(
        recipients,
        _(
            "Check-in flagged: {title} ({customer}) by {user}: {reasons}",
            title=doc.visit_title,
            customer=(site or {}).get("title") or doc.customer or "—",
            user=doc.owner,
            reasons="; ".join(notes),
        ),
        "\n".join(notes),
        reference_doctype=doc.doctype,
        reference_name=doc.name,
    )


def visit_check_in(
    request,
    user,
    visit: str = "",
    name: str = "",
    latitude: Any = None,
    longitude: Any = None,
    accuracy: Any = None,
    photos: Any = None,
    **_ignored,
) -> dict:
    """签到: the phone's position and camera photos (multipart ``photo`` files, or ``photos``
    uploaded first) in one tap; the time is the server's, a client's time or address is ignored."""
    import json

    if isinstance(photos, str):
        try:
            photos = json.loads(photos) if photos.strip().startswith("[") else [photos]
        except ValueError:
            photos = [photos]
    from django.conf import settings

    files = request.FILES.getlist("photo")
    limit = settings.LOWCODE_MAX_UPLOAD_BYTES
    if any(f.size is not None and f.size > limit for f in files):
        message = _("File is too large: at most {limit} bytes", limit=limit)
        raise ValidationError(message, [FieldError("photo", "size", message)])
    uploads = [(f.name or "photo", f.read()) for f in files]
    known = set(_photo_urls(visit or name))
    doc = do_check_in_visit(
        user, visit or name, latitude, longitude, accuracy, photos or [], uploads
    )
    return {
        # The stamped copies this check-in stored, for the phone to show what was recorded.
        "photos": [url for url in _photo_urls(doc.name) if url not in known],
        "name": doc.name,
        "workflow_state": doc.workflow_state,
        "checkin_time": to_json(doc.checkin_time),
        "checkin_address": doc.checkin_address or "",
        "checkin_flagged": bool(doc.checkin_flagged),
        "checkin_note": doc.checkin_note or "",
    }


def _photo_urls(name: str) -> list[str]:
    return list(
        get_model("Visit Photo")
        .objects.filter(parent=name, parenttype="Customer Visit")
        .order_by("idx")
        .values_list("photo", flat=True)
    )


visit_check_in.writes = True  # type: ignore[attr-defined]
# Geocoding waits on the network before the visit is locked: the method opens its own
# transaction (do_check_in_visit) rather than running inside the dispatcher's.
visit_check_in.own_transaction = True  # type: ignore[attr-defined]
