"""Text out of legacy documents: Word 97-2003 (.doc), RTF, and Hangul (.hwp, HWP 5.0);
and the workbook stream of an Excel 97-2003 (.xls) file, for xlrd to read.

.doc, .hwp and .xls are OLE2 compound files, opened with olefile; the text of the
first two is read from the published formats ([MS-DOC]'s piece table; Hancom's
HWP 5.0 records).
RTF is read with striprtf. Paragraphs come out one per line and a table row as
one line, its cells apart by tabs (as ``html_text`` does), so "Country | Peru"
reads as a labelled field. A .doc gives its main text only (no headers, notes or
text boxes), a field its result, not its code; a .hwp gives every paragraph of its
sections, notes and headers included, where they stand.

Attachments come from strangers: each reader is bounded in size and work
(streams no larger than the file, MAX_UNPACKED_BYTES decompressed, MAX_RECORDS
records and controls, MAX_CHARS characters) and returns None for broken, encrypted or
hostile files instead of raising.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from itertools import pairwise

__all__ = [
    "MAX_CHARS", "MAX_RECORDS", "MAX_UNPACKED_BYTES", "OLE_SIGNATURE", "doc_text", "hwp_text", "is_rtf", "ole_kind",
    "rtf_text", "xls_workbook",
]

MAX_UNPACKED_BYTES = 25 * 1024 * 1024  # a .hwp's sections, decompressed: refuse bombs
MAX_RECORDS = 500_000  # HWP records and controls in their text; a long real form has a few thousand
MAX_SECTIONS = 256  # HWP BodyText/SectionN streams
MAX_CHARS = 500_000  # characters of text read (as attachment_text's MAX_TEXT_CHARS)
MAX_FONT_TABLE = 16 * 1024  # striprtf's font-table regex is quadratic: longer tables are dropped

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# What olefile, striprtf and struct raise on files that are not what they claim.
_BROKEN = (
    OSError, ValueError, LookupError, EOFError, RecursionError, OverflowError, TypeError, struct.error, zlib.error,
)


# --- OLE2 compound files (.doc, .hwp, .xls; also .ppt, .msg) ---------------------------


def ole_kind(data: bytes) -> str | None:
    """"doc", "hwp" or "xls" for a compound file holding a Word or Hangul document or
    an Excel workbook, else None (PowerPoint, Outlook messages, encrypted OOXML...)."""
    if not data.startswith(OLE_SIGNATURE):
        return None
    try:
        with _open_ole(data) as ole:
            if ole.exists("WordDocument"):
                return "doc"
            if ole.exists("FileHeader") and ole.exists("BodyText"):
                return "hwp"
            if ole.exists("Workbook") or ole.exists("Book"):
                return "xls"
    except Exception:  # noqa: BLE001 - olefile on a stranger's file, and callers choose readers unguarded
        return None
    return None


def _open_ole(data: bytes):
    """An olefile reader that refuses (raises OSError) what it would otherwise read past:
    header counts larger than the file, and (strict defects) streams longer than their FAT."""
    import olefile  # imported here so mail.* loads without it

    if len(data) < 512 or not data.startswith(OLE_SIGNATURE):
        raise OSError("not an OLE2 file")
    sector_shift = struct.unpack_from("<H", data, 0x1E)[0]
    if sector_shift not in (9, 12):
        raise OSError("bad sector size")
    sectors = len(data) >> sector_shift
    directory, fat = struct.unpack_from("<II", data, 0x28)
    minifat, difat = struct.unpack_from("<I", data, 0x40)[0], struct.unpack_from("<I", data, 0x48)[0]
    if max(directory, fat, minifat, difat) > sectors:
        raise OSError("OLE header counts more sectors than the file has")
    # BytesIO: olefile takes a short bytes object for a file name.
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    if ole.root is not None and ole.root.size > len(data):
        ole.close()
        raise OSError("mini stream larger than the file")
    return ole


def _read_stream(ole, path: str, limit: int) -> bytes:
    """A stream's bytes; OSError if it claims to be longer than ``limit`` (the file itself)."""
    if ole.get_size(path) > limit:
        raise OSError(f"{path} larger than the file")
    with ole.openstream(path) as stream:
        return stream.read(limit)


# --- Word 97-2003 (.doc): [MS-DOC] ------------------------------------------------------

_FIB_MAGIC = 0xA5EC
_F_ENCRYPTED = 0x0100
_F_WHICH_TABLE = 0x0200
_F_OBFUSCATED = 0x8000
_CLX_PAIR = 33  # fcClx/lcbClx: the 34th pair of FibRgFcLcb97
_DOC_FIELD = re.compile("[\x13\x14\x15]")
# Word's own characters: paragraph and row ends, cell ends, line, page and column breaks,
# hyphens; other control characters mark pictures, notes and objects that have no text.
_DOC_BREAKS = str.maketrans({"\r": "\n", "\x0b": "\n", "\x0c": "\n", "\x0e": "\n", "\x1e": "-", "\x1f": None,
                              **{chr(c): None for c in range(32) if chr(c) not in "\t\n\r\x07\x0b\x0c\x0e\x1e\x1f"}})


def doc_text(data: bytes) -> str | None:
    """A Word 97-2003 document's main text (its first MAX_CHARS characters), or None
    (not one, encrypted, Word 95 or older, broken)."""
    try:
        with _open_ole(data) as ole:
            if not ole.exists("WordDocument"):
                return None
            word = _read_stream(ole, "WordDocument", len(data))
            header = _doc_header(word)
            if header is None:
                return None
            table_name, clx_at, clx_size, main_chars = header
            if not ole.exists(table_name):
                return None
            table = _read_stream(ole, table_name, len(data))
        pieces = _doc_pieces(table[clx_at:clx_at + clx_size]) if clx_at + clx_size <= len(table) else None
        if pieces is None:
            return None
        text = _doc_pieces_text(word, pieces, min(main_chars, MAX_CHARS))
    except _BROKEN:
        return None
    return None if text is None else _doc_plain(text)


def _doc_header(word: bytes) -> tuple[str, int, int, int] | None:
    """(table stream name, CLX offset, CLX size, main text length in characters) from the FIB."""
    if len(word) < 34:
        return None
    magic, n_fib = struct.unpack_from("<HH", word, 0)
    flags = struct.unpack_from("<H", word, 0x0A)[0]
    if magic != _FIB_MAGIC or n_fib < 0xC0 or flags & (_F_ENCRYPTED | _F_OBFUSCATED):
        return None  # not Word 97 or later (Word 6/95 have another FIB), or password-protected
    at = 32
    csw = struct.unpack_from("<H", word, at)[0]
    at += 2 + 2 * csw
    cslw = struct.unpack_from("<H", word, at)[0]
    rg_lw = at + 2
    at = rg_lw + 4 * cslw
    cb_rg_fc_lcb = struct.unpack_from("<H", word, at)[0]
    if cslw < 4 or cb_rg_fc_lcb <= _CLX_PAIR or at + 2 + 8 * (_CLX_PAIR + 1) > len(word):
        return None
    main_chars = struct.unpack_from("<i", word, rg_lw + 12)[0]  # FibRgLw97.ccpText
    clx_at, clx_size = struct.unpack_from("<II", word, at + 2 + 8 * _CLX_PAIR)
    table_name = "1Table" if flags & _F_WHICH_TABLE else "0Table"
    return (table_name, clx_at, clx_size, main_chars) if main_chars >= 0 else None


def _doc_pieces(clx: bytes) -> list[tuple[int, int, int]] | None:
    """The piece table: (first character, last character + 1, fc with its compression bit)."""
    at = 0
    while at < len(clx) and clx[at] == 0x01:  # Prc: formatting we skip
        size = struct.unpack_from("<h", clx, at + 1)[0]
        if size < 0:
            return None
        at += 3 + size
    if at + 5 > len(clx) or clx[at] != 0x02:  # Pcdt
        return None
    size = struct.unpack_from("<I", clx, at + 1)[0]
    plc = clx[at + 5:at + 5 + size]
    if len(plc) != size or size < 4 or (size - 4) % 12:
        return None
    count = (size - 4) // 12
    cps = struct.unpack_from(f"<{count + 1}I", plc)
    descriptors = [struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * i + 2)[0] for i in range(count)]
    if any(b < a for a, b in pairwise(cps)):
        return None
    return [(a, b, fc) for (a, b), fc in zip(pairwise(cps), descriptors)]


def _doc_pieces_text(word: bytes, pieces: list[tuple[int, int, int]], length: int) -> str | None:
    """Characters [0, length) of the document: each piece is cp1252 (compressed) or UTF-16LE."""
    parts = []
    for start, end, fc in pieces:
        end = min(end, length)
        if start >= end:
            break
        count = end - start
        if fc & 0x40000000:
            at = (fc & 0x3FFFFFFF) // 2
            raw, encoding = word[at:at + count], "cp1252"
        else:
            raw, encoding = word[fc:fc + 2 * count], "utf-16-le"
        if len(raw) != count * (1 if encoding == "cp1252" else 2):
            return None  # a piece outside the stream
        parts.append(raw.decode(encoding, errors="replace"))
    return "".join(parts)


def _doc_plain(text: str) -> str:
    """Word's text as lines: fields show their result (not their code); table rows become lines."""
    kept, depth_code, stack = [], 0, []  # stack: for each open field, whether we are in its code
    at = 0
    for mark in _DOC_FIELD.finditer(text):
        if depth_code == 0:
            kept.append(text[at:mark.start()])
        at = mark.end()
        if mark.group() == "\x13":  # field begins: its code follows
            stack.append(True)
            depth_code += 1
        elif mark.group() == "\x14" and stack and stack[-1]:  # code ends, the result follows
            stack[-1] = False
            depth_code -= 1
        elif mark.group() == "\x15" and stack:  # field ends
            depth_code -= stack.pop()
    if depth_code == 0:
        kept.append(text[at:])
    # A cell ends with \x07, and its row with one more: "Country\x07Peru\x07\x07".
    plain = "".join(kept).replace("\x07\x07", "\n").replace("\x07", "\t").translate(_DOC_BREAKS)
    return _tidy_lines(plain)


_CELL_GAP = re.compile(r" *\t[\t ]*")


def _tidy_lines(text: str) -> str:
    return "\n".join(_CELL_GAP.sub("\t", line).strip(" \t") for line in text.split("\n"))


# --- RTF -----------------------------------------------------------------------------

_FONT_TABLE = re.compile(r"\{[^{}]*\\fonttbl")  # as striprtf finds it
_BRACE = re.compile(r"\\[\\{}]|[{}]")
_FIELD_CODE = re.compile(r"\\fldinst\{", re.IGNORECASE)


def is_rtf(data: bytes) -> bool:
    """Whether ``data`` starts as an RTF document does."""
    return data[:64].lstrip().startswith(b"{\\rtf")


def rtf_text(data: bytes) -> str | None:
    """An RTF document's text (striprtf), table rows as lines; None if it is not RTF."""
    if not is_rtf(data):
        return None
    from striprtf.striprtf import rtf_to_text

    text = data.decode("latin-1")  # RTF is 7-bit; \bin data stays byte for byte
    text = _without_long_font_table(text)
    # striprtf's hyperlink regex backtracks for minutes on crafted fields: a space after
    # \fldinst means the same to RTF and keeps that regex from starting.
    text = _FIELD_CODE.sub(r"\\fldinst {", text)
    try:
        plain = rtf_to_text(text, errors="replace")
    except _BROKEN:
        return None
    # striprtf ends a cell with "|" and a row with a line break: "Country|Peru|".
    lines = ["\t".join(line.split("|")) if line.endswith("|") else line for line in plain.split("\n")]
    return _tidy_lines("\n".join(lines))


def _without_long_font_table(text: str) -> str:
    """``text`` with its font table emptied if it is too long for striprtf to read in time
    (\\'hh bytes are then decoded by the document's code page rather than the font's)."""
    start = _FONT_TABLE.search(text)
    if start is None:
        return text
    depth, end = 0, len(text)
    for brace in _BRACE.finditer(text, start.start()):
        if brace.group() == "{":
            depth += 1
        elif brace.group() == "}":
            depth -= 1
            if depth == 0:
                end = brace.end()
                break
    if end - start.start() <= MAX_FONT_TABLE:
        return text
    return text[:start.start()] + "{\\fonttbl}" + text[end:]


# --- Hangul (.hwp, HWP 5.0) ---------------------------------------------------------------

_HWP_SIGNATURE = b"HWP Document File"
_HWP_COMPRESSED = 0x01
# Password, distribution (read-only, encrypted body), DRM, certificate encryption and DRM.
_HWP_LOCKED = 0x02 | 0x04 | 0x10 | 0x100 | 0x400
_HWPTAG_PARA_HEADER = 66  # HWPTAG_BEGIN (16) + 50
_HWPTAG_PARA_TEXT = 67  # + 51
_HWPTAG_LIST_HEADER = 72  # + 56
_HWPTAG_TABLE = 77  # + 61
# In paragraph text, characters below 32 are controls. Most take 8 UTF-16 units (the
# control, 12 bytes of its data, the control again): fields, tables, notes, tabs...
_HWP_LONG_CONTROLS = b"\x01-\x09\x0b\x0c\x0e-\x17"
# A run of UTF-16 units up to the next 8-unit control (on a unit boundary; linear).
_HWP_TEXT_RUN = re.compile(rb"(?:[^%s].|[%s][^\x00])*+" % (_HWP_LONG_CONTROLS, _HWP_LONG_CONTROLS), re.DOTALL)
# ... the others take one: line break, paragraph end, hyphen, spaces.
_HWP_ONE_UNIT = str.maketrans(
    {chr(c): None for c in range(32) if c not in (9, 10, 24, 30, 31)} | {"\x18": "-", "\x1e": "\u00a0", "\x1f": " "}
)


def hwp_text(data: bytes) -> str | None:
    """A Hangul (HWP 5.0) document's text (its first MAX_CHARS characters), or None
    (not one, HWP 3, encrypted or distribution-only, broken)."""
    try:
        with _open_ole(data) as ole:
            if not ole.exists("FileHeader"):
                return None
            header = _read_stream(ole, "FileHeader", len(data))
            if not header.startswith(_HWP_SIGNATURE) or len(header) < 40:
                return None
            version, flags = struct.unpack_from("<II", header, 32)
            if version >> 24 != 5 or flags & _HWP_LOCKED:
                return None
            sections = []
            budget = MAX_UNPACKED_BYTES
            for number in range(MAX_SECTIONS + 1):
                name = f"BodyText/Section{number}"
                if not ole.exists(name):
                    break
                if number == MAX_SECTIONS:
                    return None
                section = _read_stream(ole, name, len(data))
                if flags & _HWP_COMPRESSED:
                    section = _inflate(section, budget)
                    if section is None:
                        return None
                budget -= len(section)
                if budget < 0:
                    return None
                sections.append(section)
        return _HwpText().read(sections) if sections else None
    except _BROKEN:
        return None


def _inflate(data: bytes, limit: int) -> bytes | None:
    """Raw deflate (no zlib header), or None if it would unpack to more than ``limit``."""
    out = zlib.decompressobj(-15).decompress(data, limit + 1)
    return out if len(out) <= limit else None


def _hwp_records(section: bytes):
    """(tag, level, payload) of each record; ValueError where a length runs past the end.
    Each record moves on by at least 4 bytes, so a section of N bytes has at most N / 4."""
    at, end = 0, len(section)
    while at < end:
        if at + 4 > end:
            raise ValueError("truncated record header")
        header = struct.unpack_from("<I", section, at)[0]
        at += 4
        size = header >> 20
        if size == 0xFFF:  # a longer record: the size follows
            if at + 4 > end:
                raise ValueError("truncated record header")
            size = struct.unpack_from("<I", section, at)[0]
            at += 4
        if at + size > end:
            raise ValueError("record runs past the end of its section")
        yield header & 0x3FF, (header >> 10) & 0x3FF, section[at:at + size]
        at += size


def _hwp_paragraph(payload: bytes, limit: int) -> tuple[str, int]:
    """HWPTAG_PARA_TEXT (UTF-16LE with control characters inline): its text, and how
    many 8-unit controls it skipped (each a turn of this loop, so counted as work;
    past ``limit`` it stops there)."""
    parts, at, end, controls = [], 0, len(payload) & ~1, 0
    while at < end and controls <= limit:
        stop = _HWP_TEXT_RUN.match(payload, at, end).end()
        parts.append(payload[at:stop].decode("utf-16-le", errors="replace"))
        if stop >= end:
            break
        parts.append("\t" if payload[stop] == 9 else "")  # a tab; other controls have no text here
        controls += 1
        at = stop + 16
    return "".join(parts).translate(_HWP_ONE_UNIT), controls


class _Table:
    """A table being read: its record level, and its rows' cells' paragraphs."""

    def __init__(self, level: int) -> None:
        self.level = level
        self.row: int | None = None
        self.rows: list[list[list[str]]] = []

    def lines(self) -> list[str]:
        cells = ([" ".join(" ".join(cell).split()) for cell in row] for row in self.rows)
        return ["\t".join(c for c in row if c) for row in cells]


class _HwpText:
    """Walks the records: paragraphs in order, a table's rows as lines (in its place)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.tables: list[_Table] = []
        self.work = 0  # records read, and controls skipped in their text
        self.chars = 0

    def read(self, sections: list[bytes]) -> str | None:
        """The sections' text, up to MAX_CHARS characters; None past MAX_RECORDS."""
        for tag, level, payload in (r for section in sections for r in _hwp_records(section)):
            self._record(tag, level, payload)
            self.work += 1
            if self.work > MAX_RECORDS:
                return None
            if self.chars >= MAX_CHARS:
                break
        while self.tables:
            self._close_table()
        return _tidy_lines("\n".join(self.lines))

    def _record(self, tag: int, level: int, payload: bytes) -> None:
        while self.tables and level < self.tables[-1].level:
            self._close_table()
        if tag == _HWPTAG_TABLE:
            self.tables.append(_Table(level))
        elif tag == _HWPTAG_LIST_HEADER and self.tables and level == self.tables[-1].level:
            table = self.tables[-1]  # a cell: paragraph count, flags, column, row, ...
            row = struct.unpack_from("<H", payload, 10)[0] if len(payload) >= 12 else None
            if row != table.row or not table.rows:
                table.rows.append([])
                table.row = row
            table.rows[-1].append([])
        elif tag == _HWPTAG_PARA_HEADER:
            self._add("")
        elif tag == _HWPTAG_PARA_TEXT:
            text, controls = _hwp_paragraph(payload[:2 * MAX_CHARS], MAX_RECORDS - self.work)
            self.work += controls
            self.chars += len(text)
            self._replace_last(text)

    def _target(self) -> list[str]:
        if not self.tables:
            return self.lines
        table = self.tables[-1]
        if not table.rows:
            table.rows.append([[]])
        return table.rows[-1][-1]

    def _add(self, text: str) -> None:
        self._target().append(text)

    def _replace_last(self, text: str) -> None:
        target = self._target()
        if target:
            target[-1] = text
        else:
            target.append(text)

    def _close_table(self) -> None:
        table = self.tables.pop()
        for line in table.lines():
            self._add(line)


# --- Excel 97-2003 (.xls): the workbook stream --------------------------------------------

_BIFF_BOF = 0x0809  # BOF of BIFF5 (Excel 5.0/95, the "Book" stream) and BIFF8 (97-2003, "Workbook")
_BIFF_VERSIONS = (0x0500, 0x0600)
_BIFF_GLOBALS = 0x0005


def xls_workbook(data: bytes) -> bytes | None:
    """The BIFF5 or BIFF8 stream of an Excel 95-2003 workbook ("Workbook", or "Book"),
    read through the bounded compound-file reader; None if there is none, it does not
    start with a workbook's BOF record, or the file is broken. xlrd reads the stream
    as it is, without its own compound-file reader ever seeing the stranger's file."""
    try:
        with _open_ole(data) as ole:
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            if name is None:
                return None
            stream = _read_stream(ole, name, len(data))
    except _BROKEN:
        return None
    if len(stream) < 8:
        return None
    kind, size, version, part = struct.unpack_from("<HHHH", stream, 0)
    if kind != _BIFF_BOF or size < 4 or version not in _BIFF_VERSIONS or part != _BIFF_GLOBALS:
        return None  # older BIFF (where xlrd loads every sheet at once), or not a workbook
    return stream
