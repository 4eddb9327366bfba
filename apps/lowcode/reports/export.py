"""Render a report's rows as CSV (UTF-8 with BOM, so Excel reads Chinese) or XLSX."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse

from lowcode.exceptions import DataError
from lowcode.i18n import _

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table(payload: dict[str, Any]) -> list[list[Any]]:
    """Return the header row and the data rows, in column order."""
    columns = payload["columns"]
    header = [c.get("label") or c.get("fieldname") for c in columns]
    fieldnames = [c.get("fieldname") for c in columns]
    rows: list[list[Any]] = [header]
    for row in payload["result"] or []:
        if isinstance(row, dict):
            rows.append([row.get(name) for name in fieldnames])
        else:
            rows.append(list(row))
    return rows


def to_csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([_cell(value) for value in row] for row in rows)
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def to_xlsx(rows: list[list[Any]], title: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    for row in rows:
        sheet.append([_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return cleaned[:31] or "Report"


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str)):
        # Excel evaluates a cell starting with "=", "+", "-" or "@" as a formula (CSV too).
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
            return "'" + value
        return value
    return str(value)


def file_response(payload: dict[str, Any], report_name: str, file_format: Any) -> HttpResponse:
    """Answer the report as a downloadable CSV or XLSX file."""
    kind = str(file_format or "CSV").strip().lower()
    rows = table(payload)
    if kind == "csv":
        body, content_type, extension = to_csv(rows), CSV_TYPE, "csv"
    elif kind in ("excel", "xlsx"):
        body, content_type, extension = to_xlsx(rows, report_name), XLSX_TYPE, "xlsx"
    else:
        raise DataError(_("file_format_type must be CSV or Excel"))
    response = HttpResponse(body, content_type=content_type)
    filename = quote(f"{report_name}.{extension}")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response
