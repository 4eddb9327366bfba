"""Controller of Report: reject a definition that could never run before it is saved."""

from __future__ import annotations

from lowcode.exceptions import ValidationError
from lowcode.i18n import _
from lowcode.meta.registry import exists as doctype_exists
from lowcode.reports import engine, sql
from lowcode.storage.document import Document


class Report(Document):
    report_type: str
    ref_doctype: str
    query: str | None
    report_script: str | None
    is_standard: int

    def validate(self) -> None:
        self.check_ref_doctype()
        self.check_query()
        self.check_builder()
        self.check_script()

    def check_ref_doctype(self) -> None:
        if not doctype_exists(self.ref_doctype):
            raise ValidationError(_("DocType {doctype} not found", doctype=self.ref_doctype))

    def check_query(self) -> None:
        if self.report_type != engine.QUERY:
            return
        checked = sql.check_select_only(self.query)
        declared = {row.fieldname for row in self.get("filters")}
        for name in sql.query_parameters(checked):
            if name not in declared:
                raise ValidationError(
                    _("Query parameter {name} is not one of the report's filters", name=name)
                )

    def check_builder(self) -> None:
        if self.report_type == engine.BUILDER:
            engine.builder_spec(self)

    def check_script(self) -> None:
        """An admin's script must compile in the sandbox (RestrictedPython refuses unsafe
        names such as ``_private`` attributes at this point already)."""
        if self.report_type != engine.SCRIPT or self.is_standard or not self.report_script:
            return
        from lowcode.scripts.sandbox import compile_script

        try:
            compile_script(self.report_script)
        except SyntaxError as exc:
            raise ValidationError(
                _("Script of report {name} does not compile: {error}", name=self.name, error=exc)
            ) from None
