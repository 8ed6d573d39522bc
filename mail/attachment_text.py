"""The form inside an attachment: as ``Label: value`` text (txt, csv, html, docx,
xlsx, odt, ods, hwpx, pdf; xls with xlrd; and doc, rtf, hwp through
``mail.legacy_documents``) or as fields (JSON). ``is_document`` tells which other
attachments were meant to be read, so a reply can say which it could not read.

Hangul's .hwpx (OWPML) is read as OpenDocument is, from its XML: paragraphs one per
line, a table row as one line, its cells apart by tabs, sections in the order of
the package's spine. A password-protected .hwpx or .xls is not read.

Attachments come from strangers: every reader is bounded in size and work and
returns None instead of raising on broken or hostile files.
"""

from __future__ import annotations

import csv
import io
import json
import re
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
    xls_workbook,
)
from mail.message import Attachment
from mail.parse import decode_bytes
from rules.form import FIELDS, FIELDS_BY_CODE

MAX_BYTES = 5 * 1024 * 1024  # per attachment, as received
MAX_UNZIPPED_BYTES = 25 * 1024 * 1024  # docx, xlsx, odt and hwpx are zip files: refuse bombs
MAX_ZIP_ENTRIES = 2_000
MAX_PDF_PAGES = 30
MAX_SHEETS = 5
MAX_SHEET_ROWS = 1_000
MAX_SHEET_COLUMNS = 30
MAX_TEXT_CHARS = 500_000

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
HWPX = "application/hwp+zip"  # its ``mimetype`` member; mail says application/vnd.hancom.hwpx, or octet-stream
HWPX_TYPES = (HWPX, "application/vnd.hancom.hwpx", "application/haansofthwpx", "application/x-hwpx")
XLS_TYPES = ("application/vnd.ms-excel", "application/msexcel", "application/x-msexcel", "application/x-excel")
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
    "application/vnd.ms-", "application/x-hwp", "application/haansoft", "application/vnd.hancom", "application/hwp+zip",
    "application/msexcel", "application/x-msexcel", "application/x-excel",
    "application/zip", "application/x-zip", "application/x-rar", "application/x-7z",
    "text/plain", "text/html", "text/csv",
)


def is_document(att: Attachment) -> bool:
    """Whether the sender meant ``att`` to be read (a document, a spreadsheet, text), by type or name."""
    name = (att.filename or "").lower()
    return name.endswith(_DOCUMENT_EXTENSIONS) or att.content_type.startswith(_DOCUMENT_TYPES)


def _kind(att: Attachment) -> str | None:
    """"json", "text", "csv", "html", "docx", "xlsx", "odf", "hwpx", "pdf", "doc", "rtf",
    "hwp" or "xls", by content, then type, then file name. Content decides for PDF,
    compound files (.doc, .hwp, .xls; .ppt and .msg are not read), RTF and .hwpx; the
    other zip files (.docx, .xlsx, .odt, .ods) go by type or name first, then content."""
    name = (att.filename or "").lower()
    data = att.data
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(OLE_SIGNATURE):  # .doc, .hwp, .xls; also .ppt, .msg: not read
        return ole_kind(data) if len(data) <= MAX_BYTES else None
    if is_rtf(data):
        return "rtf"
    if data.startswith(b"PK\x03\x04"):
        if len(data) <= MAX_BYTES and _is_hwpx(data):
            return "hwpx"
        if att.content_type == DOCX or name.endswith(".docx"):
            return "docx"
        if att.content_type == XLSX or name.endswith(".xlsx"):
            return "xlsx"
        if att.content_type in (ODT, ODS) or name.endswith((".odt", ".ods")):
            return "odf"
        if att.content_type in HWPX_TYPES or name.endswith(".hwpx"):
            return "hwpx"  # without Hancom's mimetype: the reader looks for its sections
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
    if att.content_type in HWPX_TYPES or name.endswith(".hwpx"):
        return "hwpx"  # not a Hangul file after all: the reader will say so
    if att.content_type in XLS_TYPES or name.endswith(".xls"):
        return "xls"
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


def _is_hwpx(data: bytes) -> bool:
    """Whether the zip file ``data`` is a Hangul .hwpx: a section, and the mimetype Hancom writes."""
    names = _safe_zip_names(data)
    if names is None or "Contents/section0.xml" not in names or "mimetype" not in names:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("mimetype") as member:
            return member.read(64).strip() == HWPX.encode()
    except Exception:  # noqa: BLE001 - zipfile and zlib on a stranger's file, and callers choose readers unguarded
        return False


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
        for sheet in workbook.worksheets[:MAX_SHEETS]:
            rows = sheet.iter_rows(max_row=MAX_SHEET_ROWS, max_col=MAX_SHEET_COLUMNS, values_only=True)
            lines += [_row_line([_cell_text(v) for v in row]) for row in rows]
        return "\n".join(lines)
    finally:
        workbook.close()


def _xls_text(data: bytes) -> str | None:
    """An Excel 97-2003 (or 5.0/95) workbook, read by xlrd from its workbook stream as
    ``_xlsx_text`` reads a .xlsx: the first sheets' rows and columns, a row a line.
    xlrd refuses a password-protected one (its FILEPASS record). It holds a whole sheet
    in memory, each row as long as its last cell: at worst (65,536 rows reaching column
    256) about a second and 150 MB a sheet here, for MAX_SHEETS sheets at most."""
    stream = xls_workbook(data)
    if stream is None:
        return None
    import xlrd  # imported here so mail.* loads without it

    # on_demand: a sheet is parsed only when asked for; ragged_rows: rows are not padded to the widest.
    book = xlrd.open_workbook(file_contents=stream, logfile=_Discard(), on_demand=True, ragged_rows=True)
    try:
        lines = []
        for index in range(min(book.nsheets, MAX_SHEETS)):
            sheet = book.sheet_by_index(index)
            for row in range(min(sheet.nrows, MAX_SHEET_ROWS)):
                cells = sheet.row_slice(row, 0, min(sheet.row_len(row), MAX_SHEET_COLUMNS))
                lines.append(_row_line([_cell_text(_xls_value(cell, book.datemode)) for cell in cells]))
            book.unload_sheet(index)
        return "\n".join(lines)
    finally:
        book.release_resources()


class _Discard:
    """Where xlrd writes its warnings about sloppy files: nowhere."""

    def write(self, text: str) -> None:
        pass


def _xls_value(cell, datemode: int):
    """A cell's value as openpyxl would give it: dates as datetimes, booleans, error codes as text."""
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError, ArithmeticError):
            return cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "")
    return cell.value


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


_HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
_HS_SECTION = "{http://www.hancom.co.kr/hwpml/2011/section}sec"
_OPF = "{http://www.idpf.org/2007/opf/}"
_HWPX_SECTION = re.compile(r"Contents/section(\d+)\.xml")
# Inside hp:t, characters Hangul writes as elements (a title mark or a highlighter's marks have no text).
_HWPX_INLINE = {
    f"{_HP}tab": "\t", f"{_HP}lineBreak": "\n", f"{_HP}hyphen": "-", f"{_HP}nbSpace": "\u00a0",
    f"{_HP}fwSpace": " ",
}


def _hwpx_text(data: bytes) -> str | None:
    """A Hangul .hwpx (OWPML): its sections' paragraphs, and table rows as lines; None
    if it is encrypted (password-protected: ODF's encryption entries in its manifest)."""
    names = _safe_zip_names(data)  # also bounds the size of what is read below
    if names is None:
        return None
    lines: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if "META-INF/manifest.xml" in names:
            manifest = ElementTree.fromstring(archive.read("META-INF/manifest.xml"))
            if any(e.tag.endswith("}encryption-data") for e in manifest.iter()):
                return None
        sections = _hwpx_sections(archive, names)
        if not sections:
            return None
        for section in sections:
            root = ElementTree.fromstring(archive.read(section))  # expat refuses entity bombs
            if root.tag == _HS_SECTION:
                _hwpx_lines(root, lines)
    return "\n".join(lines)


def _hwpx_sections(archive: zipfile.ZipFile, names: set[str]) -> list[str]:
    """The section parts in reading order: the spine of Contents/content.hpf (its XML
    parts; the header among them is not a section, and is skipped when read), else
    Contents/section0.xml, section1.xml..."""
    spine: dict[str, None] = {}  # ordered, each part once
    if "Contents/content.hpf" in names:
        package = ElementTree.fromstring(archive.read("Contents/content.hpf"))
        parts = {item.get("id"): item.get("href") or "" for item in package.iter(f"{_OPF}item")}
        for itemref in package.iter(f"{_OPF}itemref"):
            href = parts.get(itemref.get("idref"), "")
            # Hancom writes paths from the package's root; OPF means them from content.hpf's folder.
            path = href if href in names else f"Contents/{href}"
            if path in names and path.endswith(".xml"):
                spine.setdefault(path)
    if any(_HWPX_SECTION.fullmatch(path) for path in spine):
        return list(spine)
    numbered = [(int(m.group(1)), name) for name in names if (m := _HWPX_SECTION.fullmatch(name))]
    return [name for _, name in sorted(numbered)]


def _hwpx_lines(element: ElementTree.Element, lines: list[str]) -> None:
    for child in element:
        _hwpx_block(child, lines)


def _hwpx_block(element: ElementTree.Element, lines: list[str]) -> None:
    if element.tag == f"{_HP}p":
        _hwpx_paragraph(element, lines)
    elif element.tag == f"{_HP}tbl":
        for part in element:
            if part.tag == f"{_HP}tr":
                cells = [_hwpx_cell(cell) for cell in part if cell.tag == f"{_HP}tc"]
                if any(cells):
                    lines.append("\t".join(cell for cell in cells if cell))
            else:
                _hwpx_block(part, lines)  # a caption
    else:
        _hwpx_lines(element, lines)


def _hwpx_paragraph(paragraph: ElementTree.Element, lines: list[str]) -> None:
    """A paragraph's text as a line; what it holds (tables, text boxes, notes, headers) as lines after it."""
    parts: list[str] = []
    inner: list[str] = []
    for child in paragraph:
        for item in child if child.tag == f"{_HP}run" else [child]:
            if item.tag == f"{_HP}t":
                parts.append(_hwpx_inline(item))
            else:
                _hwpx_block(item, inner)
    lines.append("".join(parts))
    lines.extend(inner)


def _hwpx_cell(cell: ElementTree.Element) -> str:
    """A table cell's paragraphs (and tables inside it) as one line."""
    lines: list[str] = []
    _hwpx_lines(cell, lines)
    return " ".join(" ".join(lines).split())


def _hwpx_inline(text: ElementTree.Element) -> str:
    parts = [text.text or ""]
    for child in text:
        parts.append(_HWPX_INLINE.get(child.tag, ""))
        parts.append(child.tail or "")
    return "".join(parts)


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
    "hwpx": _hwpx_text,
    "xls": _xls_text,
    "pdf": _pdf_text,
    "doc": doc_text,
    "rtf": rtf_text,
    "hwp": hwp_text,
}


def attachment_content(att: Attachment) -> dict | str | None:
    """What the form reader gets of an attachment: its fields (JSON, as ``attachment_fields``), its
    text (the rest, as ``attachment_text``), or None. The kind is told once: for a compound file or
    a zip that means opening it."""
    kind = _kind(att)
    return _json_fields(att) if kind == "json" else _text(att, kind)


def attachment_text(att: Attachment) -> str | None:
    """The attachment's text for the form reader; None for other or unreadable files."""
    return _text(att, _kind(att))


def _text(att: Attachment, kind: str | None) -> str | None:
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
    return _json_fields(att) if _kind(att) == "json" else None


def _json_fields(att: Attachment) -> dict | None:
    if len(att.data) > MAX_BYTES:
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
