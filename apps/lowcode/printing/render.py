"""Render a document through a Print Format: sandboxed Jinja to HTML, WeasyPrint to PDF.

Read-only. The template sees the document as the API serves it to the caller
(``query.reads.get_doc``: permission-checked, fields above the caller's permlevels
absent), so a print format can never show more than the form does. Templates run in
Jinja's ``SandboxedEnvironment`` with autoescape: no ``__class__`` walks, no unsafe
attributes, and every value is HTML-escaped unless a helper marks it safe.
"""

from __future__ import annotations

import datetime
import functools
import mimetypes
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.utils import timezone
from jinja2 import TemplateError, TemplateSyntaxError, Undefined
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from lowcode.exceptions import DoesNotExistError, FrappeError, PermissionError, ValidationError
from lowcode.files import PRIVATE_PREFIX, PUBLIC_PREFIX, readable_file_path
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.money import money_in_words, round_money
from lowcode.permissions.core import permitted_queryset
from lowcode.query import reads

PRINT_FORMAT = "Print Format"
LETTER_HEAD = "Letter Head"
COMPANY = "Company"
# Longest a rendered page may be: a template looping over itself must not fill the memory.
MAX_OUTPUT_CHARS = 5_000_000
PAGE_SIZES = {"A4", "A5", "Letter"}
# Relative URLs (/files/logo.png) resolve against this; the fetcher maps them to storage.
SITE_URL = "http://site.invalid"

BASE_CSS = """
html { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei",
  "PingFang SC", sans-serif; font-size: 10.5pt; color: #111; }
body { margin: 0; }
.print-format table { border-collapse: collapse; width: 100%; }
.print-format th, .print-format td { border: 1px solid #999; padding: 4px 6px; vertical-align: top; }
.print-format th { background: #f2f2f2; font-weight: bold; }
.print-format .text-right { text-align: right; }
.print-format .text-center { text-align: center; }
.letter-head, .letter-head-footer { width: 100%; }
.letter-head img { max-height: 25mm; max-width: 100%; }
@media screen {
  body { background: #e9ecef; }
  .print-format { background: #fff; max-width: 210mm; margin: 16px auto; padding: 15mm;
    box-sizing: border-box; box-shadow: 0 1px 4px rgba(0,0,0,.2); }
}
@media screen and (max-width: 640px) {
  .print-format { margin: 0; padding: 12px; box-shadow: none; font-size: 9.5pt; }
  .print-format .table-wrap { overflow-x: auto; }
}
"""


class PrintError(ValidationError):
    """A print format that cannot be rendered: named, localised, never a 500."""


class Record:
    """A document (or child row) in a template: ``doc.field`` and ``doc["field"]``.

    Not a dict, so a field named ``items`` is the field and not ``dict.items``; missing
    fields read as empty, as Frappe's ``doc.get`` does.
    """

    __slots__ = ("_data",)

    def __init__(self, data: dict) -> None:
        self._data = {
            key: [Record(row) for row in value] if _is_rows(value) else value
            for key, value in data.items()
        }

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._data.get(name)

    def __getitem__(self, name: str) -> Any:
        return self._data.get(name)

    def get(self, name: str, default: Any = None) -> Any:
        value = self._data.get(name)
        return default if value is None else value

    def __contains__(self, name: str) -> bool:
        return name in self._data


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(row, dict) for row in value) and bool(value)


def _to_decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def format_money(value: Any, symbol: str = "") -> str:
    """Return ``1,234,567.80`` (rounded half up to the cent), with ``symbol`` before it."""
    amount = _to_decimal(value)
    if amount is None:
        return ""
    return f"{symbol}{round_money(amount):,.2f}"


def format_number(value: Any, precision: int = 2) -> str:
    """Return a quantity or rate with thousands separators and ``precision`` decimals."""
    number = _to_decimal(value)
    if number is None:
        return ""
    text = f"{number:,.{int(precision)}f}"
    return text.rstrip("0").rstrip(".") if precision and "." in text else text


def format_date(value: Any, lang: str = "zh") -> str:
    """Return a date as 2026年3月5日 (zh) or 2026-03-05 (en); datetimes drop their time."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        try:
            day = datetime.date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
    if lang.startswith("zh"):
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def _finalize(value: Any) -> Any:
    # None prints as nothing (Frappe's templates rely on it), not "None".
    return "" if value is None else value


class PrintSandbox(SandboxedEnvironment):
    """Jinja's sandbox, loud: reaching for an unsafe attribute fails the render.

    The stock sandbox answers ``''.__class__`` with an empty Undefined, so a probing
    template prints nothing and looks fine; refusing it names the problem instead.
    """

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(
            _("access to attribute {attribute} is not allowed", attribute=attribute)
        )


@functools.cache
def environment() -> SandboxedEnvironment:
    """The one sandbox every print format and letter head renders in."""
    env = PrintSandbox(autoescape=True, finalize=_finalize, undefined=Undefined)
    env.filters.update(
        money=format_money,
        number=format_number,
        date=format_date,
        in_words=money_in_words,
    )
    return env


def check_template(source: str) -> str | None:
    """Return why ``source`` does not compile as a template, or None when it does."""
    try:
        environment().parse(source or "")
    except TemplateSyntaxError as exc:
        return _("line {line}: {message}", line=exc.lineno, message=exc.message or "")
    return None


def render_template(source: str, context: dict, what: str) -> str:
    """Render ``source`` in the sandbox; any failure is a PrintError naming ``what``."""
    try:
        template = environment().from_string(source or "")
        chunks = []
        size = 0
        for chunk in template.generate(**context):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise PrintError(_("{what} produced too much output", what=what))
            chunks.append(chunk)
        return "".join(chunks)
    except FrappeError:
        raise
    except TemplateSyntaxError as exc:
        raise PrintError(
            _(
                "{what} has an error on line {line}: {message}",
                what=what,
                line=exc.lineno,
                message=exc.message or "",
            )
        ) from None
    except TemplateError as exc:  # SecurityError (sandbox), UndefinedError…
        raise PrintError(
            _("{what} could not be rendered: {message}", what=what, message=str(exc))
        ) from None
    except (ArithmeticError, TypeError, ValueError, LookupError, RecursionError) as exc:
        raise PrintError(
            _("{what} could not be rendered: {message}", what=what, message=str(exc))
        ) from None


@dataclass
class Rendered:
    """One rendered document: the full HTML page and the page settings for the PDF."""

    html: str
    title: str
    print_format: str


def print_formats_for(doctype: str) -> list[dict]:
    """Return the enabled formats of ``doctype``, the default first (name, default)."""
    from lowcode.storage.factory import get_model

    rows = (
        get_model(PRINT_FORMAT)
        .objects.filter(doc_type=doctype, disabled=False)
        .order_by("-default", "print_format_name")
        .values("name", "default")
    )
    return [{"name": row["name"], "default": bool(row["default"])} for row in rows]


def get_print_format(doctype: str, name: str | None):
    """Return the named format of ``doctype`` (or its default); 404 when there is none."""
    from lowcode.storage.factory import get_model

    formats = get_model(PRINT_FORMAT).objects.filter(doc_type=doctype, disabled=False)
    found = (
        formats.filter(name=name).first()
        if name and name != "Standard"
        else formats.order_by("-default", "print_format_name").first()
    )
    if found is None:
        raise DoesNotExistError(
            _("Print Format {name} not found for {doctype}", name=name or "", doctype=_(doctype))
        )
    return found


def _letter_head(no_letterhead: bool, name: str | None = None):
    """The named letter head (Frappe's ``letterhead``), else the default one; None if asked."""
    if no_letterhead:
        return None
    from lowcode.storage.factory import get_model

    heads = get_model(LETTER_HEAD).objects.filter(disabled=False)
    if name:
        found = heads.filter(name=name).first()
        if found is None:
            raise DoesNotExistError(_("Letter Head {name} not found", name=name))
        return found
    return heads.order_by("-is_default", "letter_head_name").first()


def _company(user: str, meta, data: dict) -> Record | None:
    """The document's ``company`` Link as the caller may read it, else the default company."""
    if not registry.exists(COMPANY):
        return None
    field = meta.get_field("company")
    name = None
    if field is not None and field.fieldtype == "Link" and field.options == COMPANY:
        name = data.get("company")
    if not name and registry.get_meta(COMPANY).get_field("is_default") is not None:
        name = (
            permitted_queryset(user, COMPANY, "read")
            .filter(is_default=True)
            .values_list("name", flat=True)
            .first()
        )
    if not name:
        return None
    try:
        return Record(reads.get_doc(user, COMPANY, name))
    except (DoesNotExistError, PermissionError):
        return None


def _labeller(doctype: str):
    def label(fieldname: str, of: str | None = None) -> str:
        target = of or doctype
        if not registry.exists(target):
            return fieldname
        field = registry.get_meta(target).get_field(fieldname)
        return _(field.label) if field is not None and field.label else _(fieldname)

    return label


def _linker(user: str, meta, data: dict):
    def linked(fieldname: str) -> Record | None:
        """The record a Link field of the document points at, as the caller may read it."""
        field = meta.get_field(fieldname)
        value = data.get(fieldname)
        if field is None or field.fieldtype != "Link" or not value or not field.options:
            return None
        try:
            return Record(reads.get_doc(user, field.options, value))
        except (DoesNotExistError, PermissionError):
            return None

    return linked


def build_context(
    user: str, doctype: str, name: str, no_letterhead: bool = False, letter_head: str | None = None
) -> dict:
    """Return what a template sees: the readable document, labels, company and helpers."""
    data = reads.get_doc(user, doctype, name)  # 404 for a forbidden or missing document
    meta = registry.get_meta(doctype)
    doc = Record(data)
    label = _labeller(doctype)
    context: dict[str, Any] = {
        "doc": doc,
        "doctype": doctype,
        "doctype_label": _(doctype),
        "labels": {
            f.fieldname: _(f.label or f.fieldname) for f in meta.fields if f.fieldname in data
        },
        "label": label,
        "company": _company(user, meta, data),
        "linked": _linker(user, meta, data),
        "money_in_words": money_in_words,
        "format_money": format_money,
        "format_number": format_number,
        "format_date": format_date,
        "_": _,
        "today": timezone.localdate().isoformat(),
    }
    context["letter_head"] = _letter_head(no_letterhead, letter_head)
    return context


def _letter_head_html(letter_head, context: dict) -> tuple[str, str]:
    if letter_head is None:
        return "", ""
    what = _("Letter Head {name}", name=letter_head.name)
    header = ""
    if (letter_head.content or "").strip():
        header = render_template(letter_head.content, context, what)
    elif letter_head.image:
        header = f'<img src="{escape(letter_head.image)}" alt="">'
    footer = render_template(letter_head.footer or "", context, what)
    return header, footer


def page_css(print_format) -> str:
    """The ``@page`` rule of a format: size, orientation and margins in mm."""
    size = print_format.page_size if print_format.page_size in PAGE_SIZES else "A4"
    orientation = "landscape" if print_format.orientation == "Landscape" else "portrait"
    margins = [
        float(getattr(print_format, f"margin_{side}") or 0)
        for side in ("top", "right", "bottom", "left")
    ]
    return "@page {{ size: {} {}; margin: {}; }}".format(
        size, orientation, " ".join(f"{m:g}mm" for m in margins)
    )


def render_document(
    user: str,
    doctype: str,
    name: str,
    print_format: str | None = None,
    no_letterhead=False,
    letter_head: str | None = None,
) -> Rendered:
    """Render one document the user may read as a complete HTML page."""
    context = build_context(
        user, doctype, name, no_letterhead=bool(no_letterhead), letter_head=letter_head
    )
    fmt = get_print_format(doctype, print_format)
    what = _("Print Format {name}", name=fmt.name)
    body = render_template(fmt.html, context, what)
    header, footer = _letter_head_html(context["letter_head"], context)
    title = f"{_(doctype)} {name}"
    # The format's CSS is text in a <style> element: "</" could close it and start markup.
    css = (fmt.css or "").replace("</", "<\\/")
    # The pieces are the sandbox's own (escaped) output; only the names are escaped here.
    page = (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{BASE_CSS}\n{page_css(fmt)}\n{css}</style></head>"
        f'<body><div class="print-format" data-print-format="{escape(fmt.name)}">'
        f'<div class="letter-head">{header}</div>{body}'
        f'<div class="letter-head-footer">{footer}</div></div></body></html>'
    )
    return Rendered(html=page, title=title, print_format=fmt.name)


def file_fetcher(user: str):
    """A WeasyPrint URL fetcher that reads only files the user may read (no network).

    A template could name any URL (an intranet address, ``file:///etc/passwd``); the PDF
    renderer would fetch it from the server, so only ``data:`` and the site's own
    ``/files/`` and ``/private/files/`` (permission-checked) are allowed.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SiteFiles(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = urlsplit(url).path if url.startswith(SITE_URL) else ""
            if path.startswith((PUBLIC_PREFIX, PRIVATE_PREFIX)):
                stored, _file_doc = readable_file_path(user, unquote(path))
                mime_type = mimetypes.guess_type(stored)[0] or "application/octet-stream"
                body = Path(stored).read_bytes()
                return URLFetcherResponse(url, body, {"Content-Type": mime_type})
            raise ValueError(f"not fetched while printing: {url[:200]}")

    return SiteFiles(allowed_protocols=("data",))


def render_pdf(user: str, rendered: Rendered) -> bytes:
    """Turn a rendered page into PDF bytes (CJK text in Noto Sans CJK from Debian)."""
    import weasyprint

    try:
        document = weasyprint.HTML(
            string=rendered.html, base_url=SITE_URL, url_fetcher=file_fetcher(user)
        )
        return document.write_pdf()
    except (OSError, ValueError) as exc:  # pango missing, a broken image…
        raise PrintError(
            _("The PDF could not be made: {message}", message=str(exc)[:300])
        ) from None
