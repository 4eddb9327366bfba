"""Read an uploaded CSV or XLSX into a header and rows; answer rows as a CSV or XLSX download.

CSV may be UTF-8 (with or without the BOM Excel writes) or GBK, which Chinese Excel uses
for "CSV (逗号分隔)"; GB 18030 decodes GBK and more. Writing reuses the reports export
(UTF-8 with BOM, formula-safe cells), so every download of the engine looks the same.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse

from lowcode.exceptions import DataError, FieldError, ValidationError
from lowcode.i18n import _
from lowcode.reports import export

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the pre-2007 .xls format
DELIMITERS = (",", ";", "\t")


@dataclass
class Sheet:
    """A file's header row and its data rows (blank rows dropped), each with its row number."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]]


def read_sheet(content: bytes, filename: str = "") -> Sheet:
    """Parse CSV or XLSX bytes; raise ValidationError on the import_file field if unreadable."""
    if content.startswith(XLSX_MAGIC):
        table = _read_xlsx(content)
    elif content.startswith(OLE_MAGIC) or filename.lower().endswith(".xls"):
        raise _file_error(_("Old Excel (.xls) files are not supported: save as .xlsx or CSV"))
    else:
        table = _read_csv(content)
    numbered = [(number, row) for number, row in enumerate(table, start=1)]
    while numbered and all(_blank(cell) for cell in numbered[0][1]):
        numbered.pop(0)
    if not numbered:
        raise _file_error(_("The file is empty"))
    header_row = numbered[0][1]
    headers = [("" if cell is None else str(cell)).strip() for cell in header_row]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise _file_error(_("The first row must hold the column headers"))
    width = len(headers)
    rows = []
    for number, row in numbered[1:]:
        cells = list(row[:width]) + [None] * (width - len(row))
        if not all(_blank(cell) for cell in cells):
            rows.append((number, cells))
    return Sheet(headers, rows)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _file_error(message: str) -> ValidationError:
    return ValidationError(message, [FieldError("import_file", "file", message)])


def decode_text(content: bytes) -> str:
    """Decode UTF-8 (BOM or not) or, failing that, GBK/GB 18030."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise _file_error(_("The file is not UTF-8 or GBK text")) from exc


def _read_csv(content: bytes) -> list[list[Any]]:
    text = decode_text(content)
    first_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _file_error(_("The CSV file cannot be read: {error}", error=str(exc))) from exc


def _read_xlsx(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise _file_error(_("The Excel file cannot be read")) from exc
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _cell_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def file_response(rows: list[list[Any]], title: str, file_type: Any) -> HttpResponse:
    """Answer ``rows`` (the first is the header) as a CSV or XLSX attachment."""
    kind = str(file_type or "CSV").strip().lower()
    cells = [[_cell_text(value) for value in row] for row in rows]
    if kind == "csv":
        body, content_type, extension = export.to_csv(cells), export.CSV_TYPE, "csv"
    elif kind in ("xlsx", "excel"):
        body, content_type, extension = export.to_xlsx(cells, title), export.XLSX_TYPE, "xlsx"
    else:
        raise DataError(_("file_type must be CSV or XLSX"))
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(title)}.{extension}"
    return response
