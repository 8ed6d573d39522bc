"""The form inside an attachment: as ``Label: value`` text (txt, csv, html, docx,
xlsx, odt, ods, pdf; and doc, rtf, hwp through ``mail.legacy_documents``) or as
fields (JSON). ``is_document`` tells which other attachments were meant to be
read, so a reply can say which it could not read.

Attachments come from strangers: every reader is bounded in size and work and
returns None instead of raising on broken or hostile files.
"""

from __future__ import annotations

import csv
import io
import json
import warnings
import zipfile
from datetime import date, datetime
from xml.etree import ElementTree

from mail.html_text import html_to_text
from mail.legacy_documents import (
    OLE_SIGNATURE,
    doc_text,
    hwp_text,
    is_rtf,
    ole_kind,
    rtf_text,
)
from mail.message import Attachment
from mail.parse import decode_bytes
from rules.form import FIELDS, FIELDS_BY_CODE

MAX_BYTES = 5 * 1024 * 1024  # per attachment, as received
MAX_UNZIPPED_BYTES = 25 * 1024 * 1024  # docx and xlsx are zip files: refuse bombs
MAX_ZIP_ENTRIES = 2_000
MAX_PDF_PAGES = 30
MAX_SHEET_ROWS = 1_000
MAX_SHEET_COLUMNS = 30
MAX_TEXT_CHARS = 500_000

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
RTF_TYPES = ("application/rtf", "text/rtf", "application/x-rtf", "text/richtext")

# Files an applicant sends to be read: documents, spreadsheets, text, and archives that may
# hold them. Pictures and signatures are not here: a logo in a signature is not a form.
_DOCUMENT_EXTENSIONS = (
    ".pdf", ".doc", ".docx", ".docm", ".dot", ".dotx", ".odt", ".ott", ".rtf", ".hwp", ".hwpx", ".pages",
    ".xls", ".xlsx", ".xlsm", ".ods", ".csv", ".numbers", ".ppt", ".pptx", ".odp", ".key",
    ".txt", ".text", ".md", ".json", ".htm", ".html", ".xml", ".zip", ".rar", ".7z",
)
_DOCUMENT_TYPES = (
    "application/pdf", "application/msword", "application/rtf", "text/rtf", "application/json",
    "application/vnd.openxmlformats-officedocument.", "application/vnd.oasis.opendocument.",
    "application/vnd.ms-", "application/x-hwp", "application/haansoft", "application/vnd.hancom",
    "application/zip", "application/x-zip", "application/x-rar", "application/x-7z",
    "text/plain", "text/html", "text/csv",
)


def is_document(att: Attachment) -> bool:
    """Whether the sender meant ``att`` to be read (a document, a spreadsheet, text), by type or name."""
    name = (att.filename or "").lower()
    return name.endswith(_DOCUMENT_EXTENSIONS) or att.content_type.startswith(_DOCUMENT_TYPES)


def _kind(att: Attachment) -> str | None:
    """"json", "text", "csv", "html", "docx", "xlsx", "odf", "pdf", "doc", "rtf" or "hwp",
    by content, then type, then file name."""
    name = (att.filename or "").lower()
    data = att.data
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(OLE_SIGNATURE):  # .doc, .hwp; also .xls, .ppt, .msg: not read
        return ole_kind(data) if len(data) <= MAX_BYTES else None
    if is_rtf(data):
        return "rtf"
    if data.startswith(b"PK\x03\x04"):
        if att.content_type == DOCX or name.endswith(".docx"):
            return "docx"
        if att.content_type == XLSX or name.endswith(".xlsx"):
            return "xlsx"
        if att.content_type in (ODT, ODS) or name.endswith((".odt", ".ods")):
            return "odf"
        return _office_kind(data)
    if att.content_type == "application/pdf" or name.endswith(".pdf"):
        return "pdf"  # not a PDF after all: the reader will say so
    if att.content_type == "application/json" or name.endswith(".json"):
        return "json"
    if att.content_type == "application/msword" or name.endswith((".doc", ".dot")):
        return "doc"  # not a Word file after all: the reader will say so
    if att.content_type in ("application/x-hwp", "application/haansofthwp", "application/vnd.hancom.hwp") \
            or name.endswith(".hwp"):
        return "hwp"
    if att.content_type in RTF_TYPES or name.endswith(".rtf"):
        return "rtf"
    if att.content_type.startswith("text/html") or name.endswith((".html", ".htm")):
        return "html"
    if att.content_type.startswith("text/csv") or name.endswith(".csv"):
        return "csv"
    if att.content_type.startswith("text/plain") or name.endswith((".txt", ".text", ".md")):
        return "text"
    return None


def _office_kind(data: bytes) -> str | None:
    names = _safe_zip_names(data)
    if names is None:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "content.xml" in names and "mimetype" in names:  # OpenDocument: .odt, .ods
        return "odf"
    return None


def _safe_zip_names(data: bytes) -> set[str] | None:
    """The archive's member names, or None if it is broken or would unpack too large."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
        return None
    return {i.filename for i in infos}


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; else CP949 if it reads as
    Korean (a short Korean form is below what charset detection can tell); else
    what the mail parser makes of undeclared text (detection, then Windows-1252)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        korean = data.decode("cp949")
        high = [c for c in korean if ord(c) > 0x7F]
        if high and sum("\uac00" <= c <= "\ud7a3" for c in high) >= 0.9 * len(high):
            return korean
    except UnicodeDecodeError:
        pass
    return decode_bytes(data, None)[0]


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a spreadsheet's 800000000.0 is 800000000
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return " ".join(str(value).split())


def _row_line(cells: list[str]) -> str:
    """A table row as "Label: value"; merged cells repeat in python-docx, so drop repeats."""
    values: list[str] = []
    for cell in cells:
        if cell and (not values or values[-1] != cell):
            values.append(cell)
    if len(values) >= 2 and ":" not in values[0] and "：" not in values[0]:
        return f"{values[0]}: {' '.join(values[1:])}"
    return " ".join(values)


def _docx_text(data: bytes) -> str | None:
    if _safe_zip_names(data) is None:
        return None
    import docx  # python-docx; imported here so mail.* loads without it

    from docx.table import Table

    lines = []
    for block in docx.Document(io.BytesIO(data)).iter_inner_content():  # in document order
        if isinstance(block, Table):
            # A cell's paragraphs become one line, so a row stays one "Label: value".
            lines += [_row_line([" ".join(c.text.split()) for c in row.cells]) for row in block.rows]
        else:
            lines.append(block.text)
    return "\n".join(lines)


def _xlsx_text(data: bytes) -> str | None:
    if _safe_zip_names(data) is None:
        return None
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        lines = []
        for sheet in workbook.worksheets[:5]:
            rows = sheet.iter_rows(max_row=MAX_SHEET_ROWS, max_col=MAX_SHEET_COLUMNS, values_only=True)
            lines += [_row_line([_cell_text(v) for v in row]) for row in rows]
        return "\n".join(lines)
    finally:
        workbook.close()


def _csv_text(data: bytes) -> str:
    rows = csv.reader(io.StringIO(decode_text(data)[:MAX_TEXT_CHARS]))
    return "\n".join(_row_line([_cell_text(v) for v in row[:MAX_SHEET_COLUMNS]])
                     for _, row in zip(range(MAX_SHEET_ROWS), rows))


def _html_text(data: bytes) -> str:
    return html_to_text(decode_text(data)[:MAX_TEXT_CHARS])


_ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_ODF_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _odf_text(data: bytes) -> str | None:
    """An OpenDocument text or spreadsheet (LibreOffice's .odt, .ods): paragraphs, and table rows as lines."""
    if _safe_zip_names(data) is None:  # also bounds content.xml's size
        return None
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = ElementTree.fromstring(archive.read("content.xml"))  # expat refuses entity bombs
    lines: list[str] = []
    _odf_lines(root, lines)
    return "\n".join(lines)


def _odf_lines(element: ElementTree.Element, lines: list[str]) -> None:
    for child in element:
        if child.tag == f"{_ODF_TABLE}table-row":
            cells = [" ".join(_odf_inline(c).split()) for c in child if c.tag == f"{_ODF_TABLE}table-cell"]
            if any(cells):
                lines.append(_row_line(cells))
        elif child.tag in (f"{_ODF_TEXT}p", f"{_ODF_TEXT}h"):
            lines.append(_odf_inline(child))
        else:
            _odf_lines(child, lines)


def _odf_inline(element: ElementTree.Element) -> str:
    """A paragraph's text; ODF writes tabs, runs of spaces and line breaks as elements."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == f"{_ODF_TEXT}s":
            parts.append(_spaces(child.get(f"{_ODF_TEXT}c")))
        elif child.tag == f"{_ODF_TEXT}tab":
            parts.append("\t")
        elif child.tag == f"{_ODF_TEXT}line-break":
            parts.append("\n")
        else:
            parts.append(_odf_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _spaces(count: str | None) -> str:
    try:
        return " " * min(max(int(count or 1), 1), 100)  # a hostile count must not fill memory
    except ValueError:
        return " "


def _pdf_text(data: bytes) -> str | None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages[:MAX_PDF_PAGES])


_READERS = {
    "text": decode_text,
    "csv": _csv_text,
    "html": _html_text,
    "docx": _docx_text,
    "xlsx": _xlsx_text,
    "odf": _odf_text,
    "pdf": _pdf_text,
    "doc": doc_text,
    "rtf": rtf_text,
    "hwp": hwp_text,
}


def attachment_text(att: Attachment) -> str | None:
    """The attachment's text for the form reader; None for other or unreadable files."""
    kind = _kind(att)
    if kind not in _READERS or len(att.data) > MAX_BYTES:
        return None
    # pypdf and openpyxl warn about sloppy files; a warning is no reason to give
    # up on one (and under filterwarnings=error it would be an exception).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            text = _READERS[kind](att.data)
        except Exception:  # noqa: BLE001 - any library error means "cannot read it"
            return None
    if not text or not text.strip():
        return None
    return text[:MAX_TEXT_CHARS]


_SECTIONS = {f.path[0] for f in FIELDS}
# "country" alone is fine; a name two sections shared would be ambiguous.
_UNIQUE_NAMES = {
    f.path[1]: f.code for f in FIELDS if sum(g.path[1] == f.path[1] for g in FIELDS) == 1
}


def attachment_fields(att: Attachment) -> dict | None:
    """A JSON attachment's form fields, nested by section, values as sent.

    Accepts {"applicant": {"country": ...}}, {"applicant.country": ...}, either
    wrapped in {"fields": ...}, and bare field names when unambiguous."""
    if _kind(att) != "json" or len(att.data) > MAX_BYTES:
        return None
    try:
        data = json.loads(decode_text(att.data))
    except (ValueError, RecursionError):
        return None
    if isinstance(data, dict) and isinstance(data.get("fields"), dict):
        data = data["fields"]
    if not isinstance(data, dict):
        return None
    found: dict = {}
    for key, value in data.items():
        if isinstance(value, dict) and key in _SECTIONS:
            for name, inner in value.items():
                _keep(found, f"{key}.{name}", inner)
        else:
            _keep(found, _UNIQUE_NAMES.get(key, key), value)
    return found or None


def _keep(found: dict, code: str, value) -> None:
    if code in FIELDS_BY_CODE and value not in (None, "", [], {}):
        found.setdefault(code.split(".", 1)[0], {})[code.split(".", 1)[1]] = value
