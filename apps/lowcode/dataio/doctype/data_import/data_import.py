"""Controller of Data Import: the target must be importable by the user; progress is not input."""

from __future__ import annotations

from typing import Any

from lowcode.dataio.columns import NAME_COLUMN
from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.storage.document import Document

# Written only by the import job (``lowcode.dataio.importer``), never from a client's save.
PROGRESS_FIELDS = {
    "status": "Pending",
    "total_rows": 0,
    "processed_rows": 0,
    "created_count": 0,
    "merged_count": 0,
    "updated_count": 0,
    "skipped_count": 0,
    "failed_count": 0,
    "started_at": None,
    "finished_at": None,
    "error_message": None,
}


class DataImport(Document):
    reference_doctype: str
    import_type: str
    mapping: Any

    def validate(self) -> None:
        self.keep_progress()
        self.check_reference_doctype()
        self.check_mapping()

    def keep_progress(self) -> None:
        """Progress and status keep their stored values (or start values on a new import)."""
        model: Any = type(self)  # the Django model this controller is mixed into
        stored = None if self.is_new else model.objects.filter(name=self.name).first()
        for fieldname, initial in PROGRESS_FIELDS.items():
            self.set(fieldname, initial if stored is None else getattr(stored, fieldname))

    def check_reference_doctype(self) -> None:
        from lowcode.dataio.importer import check_may_import

        check_may_import(self.acting_user, self.reference_doctype, self.import_type)

    def check_mapping(self) -> None:
        mapping = self.mapping
        if mapping in (None, "", {}):
            return
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in mapping.items()
        ):
            message = _("Column Mapping must map column headers to field names")
            raise ValidationError(message, [FieldError("mapping", "mapping", message)])
        target = registry.get_meta(self.reference_doctype)
        unknown = sorted(
            v for v in mapping.values() if v and v != NAME_COLUMN and not target.has_field(v)
        )
        if unknown:
            message = _(
                "{doctype} has no field {field}",
                doctype=_(self.reference_doctype),
                field=", ".join(unknown),
            )
            raise ValidationError(message, [FieldError("mapping", "mapping", message)])
