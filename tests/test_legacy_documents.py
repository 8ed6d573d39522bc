"""mail.legacy_documents (through mail.attachment_text and mail.extract): forms sent
as Word 97-2003 .doc, RTF, or Hangul .hwp are read like the others; broken, locked
and hostile files come back unread (None), quickly, without raising.

Fixtures in tests/data/documents:
- formulario.doc, form_ko.rtf: made with LibreOffice 7.4 (``soffice --headless
  --convert-to doc|rtf``) from forms written with python-docx.
- form_ko.hwp: made with hwp-converter-ai 0.2.0 (MIT, on PyPI), whose writer puts a
  new BodyText/Section0 into the Hancom-made sample file it ships (hwp_template.hwp);
  the other streams (DocInfo, pictures, preview) are Hancom's. Not saved by Hangul
  itself: no file saved by Hancom Office with a form in it was to be had.
Other files are built here: a small compound-file writer (olefile only reads them)
makes Word and Hangul files with the features and the defects each test needs.
"""

from __future__ import annotations

import struct
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mail.attachment_text import attachment_text, is_document
from mail.extract import extract
from mail.legacy_documents import (
    MAX_CHARS,
    MAX_RECORDS,
    MAX_UNPACKED_BYTES,
    OLE_SIGNATURE,
    doc_text,
    hwp_text,
    ole_kind,
    rtf_text,
)
from mail.message import Attachment, ParsedMessage

DOCUMENTS = Path(__file__).parent / "data" / "documents"
FORM_DOC = (DOCUMENTS / "formulario.doc").read_bytes()
FORM_RTF = (DOCUMENTS / "form_ko.rtf").read_bytes()
FORM_HWP = (DOCUMENTS / "form_ko.hwp").read_bytes()


def message(attachments, text="") -> ParsedMessage:
    return ParsedMessage(
        message_id="<1@example.org>", in_reply_to=None, references=[], subject="Application",
        from_addr="", from_name="", reply_to=None, to=["desk@example.org"], date=None, return_path=None,
        headers={}, content_type="multipart/mixed", text=text, html=None, attachments=list(attachments),
    )


def quickly(read, data):
    """``read(data)``, which must not stall: the unbounded readers took from 17 s to minutes on these
    files, the bounded ones take well under a second here (a guard, not a measure of speed)."""
    start = time.perf_counter()
    result = read(data)
    assert time.perf_counter() - start < 10
    return result


# --- A compound file (OLE2) writer, for files built here ----------------------------------

FREE, END_OF_CHAIN, FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def compound_file(streams: dict[str, bytes], sizes: dict[str, int] | None = None, loop: str | None = None) -> bytes:
    """A version 3 compound file (512-byte sectors) holding ``streams`` ("Storage/Name").

    Streams are padded to 4096 bytes, so that none is kept in the mini stream. ``sizes``
    overrides the size a stream's directory entry declares; ``loop`` names a stream whose
    sector chain ends by pointing back at its first sector."""
    entries = [["Root Entry", 5, b"", []]]  # name, type, data, children
    storages = {"": 0}
    for path, data in streams.items():
        *folders, name = path.split("/")
        parent = ""
        for folder in folders:
            key = f"{parent}/{folder}"
            if key not in storages:
                storages[key] = len(entries)
                entries[storages[parent]][3].append(len(entries))
                entries.append([folder, 1, b"", []])
            parent = key
        entries[storages[parent]][3].append(len(entries))
        entries.append([name, 2, data.ljust(4096, b"\0"), []])

    fat: list[int] = []
    body = bytearray()
    starts = {}
    for number, (name, kind, data, _) in enumerate(entries):
        if kind == 2:
            count = -(-len(data) // 512)
            starts[number] = len(fat)
            fat += [len(fat) + k + 1 for k in range(count - 1)] + [END_OF_CHAIN]
            body += data.ljust(count * 512, b"\0")
    if loop:
        first = next(starts[n] for n, entry in enumerate(entries) if entry[0] == loop)
        last = first
        while fat[last] != END_OF_CHAIN:
            last = fat[last]
        fat[last] = first

    right = {kids[i]: kids[i + 1] for _, _, _, kids in entries for i in range(len(kids) - 1)}
    directory = bytearray()
    for number, (name, kind, data, kids) in enumerate(entries):
        size = (sizes or {}).get(name, len(data)) if kind == 2 else 0
        encoded = name.encode("utf-16-le") + b"\0\0"
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, FREE, right.get(number, FREE),
            kids[0] if kids else FREE, b"", 0, 0, 0, starts.get(number, END_OF_CHAIN), size,
        )
    directory = directory.ljust(-(-len(directory) // 512) * 512, b"\0")
    first_directory = len(fat)
    directory_sectors = len(directory) // 512
    fat += [first_directory + k + 1 for k in range(directory_sectors - 1)] + [END_OF_CHAIN]
    fat_sectors = 1
    while len(fat) + fat_sectors > 128 * fat_sectors:
        fat_sectors += 1
    first_fat = len(fat)
    fat += [FAT_SECTOR] * fat_sectors
    fat += [FREE] * (128 * fat_sectors - len(fat))
    difat = [first_fat + k for k in range(fat_sectors)] + [FREE] * (109 - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I", OLE_SIGNATURE, b"", 0x3E, 3, 0xFFFE, 9, 6, b"",
        0, fat_sectors, first_directory, 0, 4096, END_OF_CHAIN, 0, END_OF_CHAIN, 0, *difat,
    )
    return header + bytes(body) + bytes(directory) + struct.pack(f"<{len(fat)}I", *fat)


# --- Word 97-2003 files built here ----------------------------------------------------------

TEXT_AT = 1024  # where the text starts in the WordDocument stream, after the FIB


def word_file(pieces, *, flags=0x0200, main_chars=None, clx=None, table_name="1Table") -> bytes:
    """A Word 97 document whose text is ``pieces``: (text, compressed) pairs, compressed
    ones stored as 8-bit cp1252, the others as UTF-16LE; the piece table is in 1Table."""
    fib = bytearray(TEXT_AT)
    struct.pack_into("<HH", fib, 0, 0xA5EC, 0x00C1)
    struct.pack_into("<H", fib, 0x0A, flags)
    struct.pack_into("<H", fib, 32, 14)  # csw
    struct.pack_into("<H", fib, 62, 22)  # cslw
    struct.pack_into("<H", fib, 152, 0x5D)  # cbRgFcLcb
    text = bytearray()
    cps, descriptors = [0], []
    for chunk, compressed in pieces:
        offset = TEXT_AT + len(text)
        if compressed:
            descriptors.append(0x40000000 | (offset * 2))
            text += chunk.encode("cp1252")
        else:
            descriptors.append(offset)
            text += chunk.encode("utf-16-le")
        cps.append(cps[-1] + len(chunk))
    struct.pack_into("<i", fib, 76, cps[-1] if main_chars is None else main_chars)  # ccpText
    if clx is None:
        plc = struct.pack(f"<{len(cps)}I", *cps) + b"".join(struct.pack("<HIH", 0, fc, 0) for fc in descriptors)
        clx = b"\x01\x02\x00\xaa\xbb" + b"\x02" + struct.pack("<I", len(plc)) + plc  # a Prc, then the Pcdt
    struct.pack_into("<II", fib, 154 + 33 * 8, 0, len(clx))  # fcClx, lcbClx
    return compound_file({"WordDocument": bytes(fib + text), table_name: clx})


# --- Hangul files built here -----------------------------------------------------------------

PARA_HEADER, PARA_TEXT, CTRL_HEADER, LIST_HEADER, TABLE = 66, 67, 71, 72, 77


def record(tag: int, level: int, payload: bytes) -> bytes:
    if len(payload) < 0xFFF:
        return struct.pack("<I", tag | level << 10 | len(payload) << 20) + payload
    return struct.pack("<II", tag | level << 10 | 0xFFF << 20, len(payload)) + payload


def paragraph(text: str, level: int = 0, controls: bytes = b"") -> bytes:
    """A paragraph: its header, then its text (``controls`` first) ending in a paragraph break."""
    return record(PARA_HEADER, level, bytes(22)) + record(
        PARA_TEXT, level + 1, controls + text.encode("utf-16-le") + b"\r\0")


def control(code: int) -> bytes:
    """An 8-unit control character: the code, 12 bytes of its data, the code again."""
    return struct.pack("<H", code) + b"dces" + bytes(8) + struct.pack("<H", code)


def table(rows: list[list[list[str]]], level: int = 0) -> bytes:
    """A paragraph holding a table, in Hangul's order: the table control, then each cell's
    list header (with its column and row) and paragraphs, one level deeper."""
    out = paragraph("", level, control(11))
    out += record(CTRL_HEADER, level + 1, b" lbt" + bytes(40))
    out += record(TABLE, level + 2, bytes(30))
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            out += record(LIST_HEADER, level + 2, struct.pack("<IIHHHH", len(cell), 0x20, c, r, 1, 1) + bytes(26))
            out += b"".join(p if isinstance(p, bytes) else paragraph(p, level + 2) for p in cell)
    return out


def hwp_file(*sections: bytes, flags=0x01, version=0x05000107, signature=b"HWP Document File") -> bytes:
    header = signature.ljust(32, b"\0") + struct.pack("<II", version, flags)
    streams = {"FileHeader": header.ljust(256, b"\0"), "DocInfo": b""}
    for number, section in enumerate(sections):
        if flags & 0x01:
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            section = packer.compress(section) + packer.flush()
        streams[f"BodyText/Section{number}"] = section
    return compound_file(streams)


# --- Forms sent as .doc, .rtf and .hwp are read -------------------------------------------------


def test_doc_form_is_read():
    text = attachment_text(Attachment("Formulario.doc", "application/msword", FORM_DOC))
    lines = text.splitlines()
    assert lines[1:4] == [
        "País: Perú",
        "Organización: Municipalidad Provincial del Cusco",
        "Correo electrónico: ana.quispe@municipalidad.gob.pe",  # a mailto link: its text, not its code
    ]
    assert "Título del proyecto\tMovilidad inteligente" in lines  # table rows as lines
    assert "Teléfono" in lines  # its value left blank
    assert "Página 1" in lines and "PAGE" not in text and "HYPERLINK" not in text

    result = extract(message([Attachment("Formulario.doc", "application/msword", FORM_DOC)], "Adjunto."))
    assert result.fields["applicant"] == {"country": "PE", "organization": "Municipalidad Provincial del Cusco"}
    assert result.fields["contact"] == {"email": "ana.quispe@municipalidad.gob.pe"}
    assert result.fields["project"] == {"title": "Movilidad inteligente", "summary": "Un centro de gestión del tráfico."}
    assert result.fields["budget"]["requested_amount"]["usd"] == 850_000
    assert result.sources == ["attachment:Formulario.doc"] and result.unread == []
    assert result.language == "es"


def test_rtf_form_is_read():
    text = attachment_text(Attachment("신청서.rtf", "application/rtf", FORM_RTF))
    assert text.splitlines()[1:] == [
        "국가: 페루",
        "기관: 쿠스코 시청",
        "사업명\t쿠스코 스마트 교통",
        "요청 금액\t8억 원",
        "Contact person: Ana Quispe",
        "Position: Directora — “Planeamiento Urbano”",
    ]
    result = extract(message([Attachment("신청서.rtf", "application/rtf", FORM_RTF)]))
    assert result.fields["applicant"] == {"country": "PE", "organization": "쿠스코 시청"}
    assert result.fields["project"] == {"title": "쿠스코 스마트 교통"}
    assert result.fields["budget"]["requested_amount"]["krw"] == 800_000_000
    assert result.language == "ko"


# The Korean form of tests/data/documents/form_ko.hwp and form_ko.hwpx: its lines, then its fields.
KOREAN_FORM_LINES = [
    "K-City Network 신청서",
    "국가: 페루",
    "기관: 쿠스코 시청",
    "항목\t내용",
    "사업명\t쿠스코 스마트 교통",
    "요청 금액\t8억 원",
    "담당자 이메일\tana.quispe@municipalidad.gob.pe",
    "Contact person: Ana Quispe",
]
KOREAN_FORM_FIELDS = {
    "applicant": {"country": "PE", "organization": "쿠스코 시청"},
    "contact": {"name": "Ana Quispe", "email": "ana.quispe@municipalidad.gob.pe"},
    "project": {"title": "쿠스코 스마트 교통"},
    "budget": {"requested_amount": {"amount": 800_000_000, "currency": "KRW", "krw": 800_000_000, "usd": 680_000}},
}


def test_hwp_form_is_read():
    text = attachment_text(Attachment("신청서.hwp", "application/x-hwp", FORM_HWP))
    assert [line for line in text.splitlines() if line] == KOREAN_FORM_LINES
    result = extract(message([Attachment("신청서.hwp", "application/x-hwp", FORM_HWP)]))
    assert result.fields == KOREAN_FORM_FIELDS
    assert result.sources == ["attachment:신청서.hwp"]


@pytest.mark.parametrize(("name", "data"), [("form.doc", FORM_DOC), ("form.rtf", FORM_RTF), ("form.hwp", FORM_HWP)])
def test_recognised_by_content_whatever_the_name_and_type(name, data):
    by_name = attachment_text(Attachment(name, "application/octet-stream", data))
    assert by_name
    assert attachment_text(Attachment(None, "application/octet-stream", data)) == by_name
    assert attachment_text(Attachment("form.pdf", "application/pdf", data)) == by_name


# --- What each format holds, in files built here -----------------------------------------------


def test_doc_pieces_8bit_and_unicode_fields_and_tables():
    data = word_file([
        ("Country: Perú\r", True),  # 8-bit piece (cp1252)
        ("기관: 쿠스코 시청\x0bsecond line\r", False),  # UTF-16 piece
        ("Email: \x13 HYPERLINK \x13 QUOTE x \x14nested\x15 \"mailto:a@b.pe\" \x14a@b.pe\x15\r", True),
        ("Project title\x07Smart \x13 MERGEFIELD t \x14mobility\x15\x07\x07Phone\x07\x07\x07", True),
        # An empty cell reads like a row's end: its neighbour's value falls on the next line,
        # where the form reader still finds it (a label alone, its value below).
        ("Total cost\x07\x07USD 1\x07\x07\x01\x08end\x0c", True),
    ])
    assert doc_text(data).splitlines() == [
        "Country: Perú", "기관: 쿠스코 시청", "second line", "Email: a@b.pe",
        "Project title\tSmart mobility", "Phone", "Total cost", "USD 1", "end",
    ]


def test_doc_reads_only_the_main_text():
    # Past ccpText come footnotes, headers, comments: not the form.
    data = word_file([("Country: Peru\r", True), ("A footnote\r", True)], main_chars=len("Country: Peru\r"))
    assert doc_text(data) == "Country: Peru\n"


def test_rtf_code_pages_unicode_fields_and_tables():
    rtf = (
        rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss\fcharset0 Arial;}{\f1\fnil\fcharset129 Gulim;}}"
        rb"{\*\generator Word;}"
        rb"\pard Pa\'eds: Per\'fa\par"
        rb"{\f1 \'b1\'b9\'b0\'a1: \'c6\'e4\'b7\'e7}\par"
        rb"\uc1 Organizaci\u243?n: Cusco\par "
        rb'Email: {\field{\*\fldinst{HYPERLINK "mailto:a@b.pe"}}{\fldrslt{a@b.pe}}}\par'
        rb"\trowd\cellx2000\cellx4000\pard\intbl Project title\cell Smart mobility\cell\row"
        rb"{\pict\pngblip 89504e470d0a1a0a}\pard Done\par}"
    )
    assert rtf_text(rtf).splitlines() == [
        "País: Perú", "국가: 페루", "Organización: Cusco", "Email: a@b.pe", "Project title\tSmart mobility", "Done",
    ]


def test_hwp_paragraphs_controls_tables_and_sections():
    def utf16(text):
        return text.encode("utf-16-le")

    section0 = (
        paragraph("", 0, control(2) + control(21))  # section and column definitions: no text
        + record(PARA_HEADER, 0, bytes(22))
        + record(PARA_TEXT, 1, utf16("국가:") + control(9) + utf16("페루\r"))  # a tab: an 8-unit control
        + record(PARA_HEADER, 0, bytes(22))
        + record(PARA_TEXT, 1, utf16("기관: ") + control(3) + utf16("쿠스코") + control(4) + utf16("\r"))  # a field
        + paragraph("첫 줄\n둘째 줄\u00a0끝", 0)
        + table([[["사업명"], ["쿠스코", "스마트 교통"]],  # a cell of two paragraphs
                 [["요청 금액"], ["8억 원", table([[["nested"], ["table"]]], 2)]],
                 [["담당자"], []]])
        + paragraph("Contact person: Ana", 0)
    )
    # A record longer than 4094 bytes: its size follows the header.
    section1 = record(PARA_HEADER, 0, bytes(22)) + record(PARA_TEXT, 1, utf16("x" * 3000 + "\r"))
    for flags in (0x00, 0x01):  # stored, or compressed
        assert hwp_text(hwp_file(section0, section1, flags=flags)).splitlines() == [
            "", "국가:\t페루", "기관: 쿠스코", "첫 줄", "둘째 줄\u00a0끝",
            "", "사업명\t쿠스코 스마트 교통", "요청 금액\t8억 원 nested table", "담당자",
            "Contact person: Ana", "x" * 3000,
        ]


def test_other_ole_files_are_not_read_but_named_in_the_reply():
    slides = compound_file({"PowerPoint Document": b"\x0f\x00\xe8\x03" + bytes(100)})
    assert ole_kind(slides) is None
    assert attachment_text(Attachment("budget.ppt", "application/vnd.ms-powerpoint", slides)) is None
    result = extract(message([Attachment("budget.ppt", "application/vnd.ms-powerpoint", slides)], "Country: Peru"))
    assert result.unread == ["budget.ppt"] and result.fields == {"applicant": {"country": "PE"}}


# --- Broken, locked and hostile files: None, quickly, without raising ---------------------------


def test_truncated_and_garbled_files_are_unread():
    for data, name in [(FORM_DOC, "form.doc"), (FORM_HWP, "form.hwp")]:
        for size in (0, 8, 100, 511, 512, 1536, len(data) // 2, len(data) - 3000):
            assert quickly(attachment_text, Attachment(name, "application/octet-stream", data[:size])) is None
    for size in (0, 5, 100, len(FORM_RTF) // 2):  # a cut RTF still has its first paragraphs, if it reaches them
        text = quickly(attachment_text, Attachment("form.rtf", "application/rtf", FORM_RTF[:size]))
        assert text is None or "Contact person" not in text
    assert attachment_text(Attachment("form.doc", "application/msword", b"<html>Country: Peru</html>")) is None
    assert attachment_text(Attachment("form.hwp", "application/x-hwp", b"HWP Document File V3.00 \x1a\x01")) is None
    assert attachment_text(Attachment("form.doc", "application/msword", OLE_SIGNATURE + bytes(5000))) is None
    result = extract(message([
        Attachment("form.doc", "application/msword", FORM_DOC[:5000]),
        Attachment("form.hwp", "application/x-hwp", FORM_HWP[:5000]),
        Attachment("form.rtf", "application/rtf", b"not rtf"),
    ], "Country: Peru"))
    assert result.unread == ["form.doc", "form.hwp", "form.rtf"]


def test_password_protected_files_are_unread():
    assert doc_text(word_file([("Country: Peru\r", True)])) == "Country: Peru\n"
    assert doc_text(word_file([("Country: Peru\r", True)], flags=0x0200 | 0x0100)) is None  # fEncrypted
    assert doc_text(word_file([("Country: Peru\r", True)], flags=0x0200 | 0x0100 | 0x8000)) is None  # XOR
    plain = paragraph("국가: 페루")
    assert hwp_text(hwp_file(plain)) == "국가: 페루"
    for flag in (0x02, 0x04, 0x10, 0x100, 0x400):  # password, distribution, DRM, certificate
        assert hwp_text(hwp_file(plain, flags=0x01 | flag)) is None


def test_other_versions_are_unread():
    plain = paragraph("국가: 페루")
    assert hwp_text(hwp_file(plain, version=0x03000000)) is None
    assert hwp_text(hwp_file(plain, signature=b"Not a HWP file")) is None
    word95 = bytearray(word_file([("Country: Peru\r", True)]))
    # nFib 0x65 (Word 6): the FIB is laid out differently
    at = word95.index(struct.pack("<HH", 0xA5EC, 0x00C1))
    word95[at + 2:at + 4] = struct.pack("<H", 0x0065)
    assert doc_text(bytes(word95)) is None


def test_doc_with_broken_piece_table_is_unread():
    text = [("Country: Peru\r", True)]
    beyond = struct.pack("<2I", 0, 14) + struct.pack("<HIH", 0, 0x40000000 | 10_000_000, 0)
    backwards = struct.pack("<3I", 0, 14, 2) + struct.pack("<HIH", 0, 0x40000000 | 2048, 0) * 2
    for clx in [
        b"",
        b"\x02" + struct.pack("<I", 10**9),  # lcb far past the table stream
        b"\x02" + struct.pack("<I", len(beyond)) + beyond,  # text outside the stream
        b"\x02" + struct.pack("<I", len(backwards)) + backwards,  # characters running backwards
        b"\x01\xff\xff",  # a Prc with a negative size
        b"\x01\x00\x7f",  # a Prc past the end
        b"\x07garbage",
    ]:
        assert quickly(doc_text, word_file(text, clx=clx)) is None
    assert doc_text(word_file(text, table_name="0Table")) is None  # the FIB says 1Table
    assert doc_text(word_file(text, flags=0)) is None  # ... or 0Table, which is missing


def test_doc_piece_table_bombs_are_bounded():
    # 400,000 pieces all pointing at the same text, and a main text claimed 2**31 long.
    count = 400_000
    plc = struct.pack(f"<{count + 1}I", *range(0, 14 * (count + 1), 14))
    plc += struct.pack("<HIH", 0, 0x40000000 | (TEXT_AT * 2), 0) * count
    clx = b"\x02" + struct.pack("<I", len(plc)) + plc
    data = word_file([("Country: Peru\r", True)], clx=clx, main_chars=2**31 - 1)
    text = quickly(doc_text, data)
    assert text.startswith("Country: Peru\nCountry: Peru\n") and len(text) <= 500_000


def test_hwp_decompression_bomb_is_refused():
    bomb = record(PARA_TEXT, 1, bytes(4000)) * (MAX_UNPACKED_BYTES // 4000 + 1)
    data = hwp_file(bomb)
    assert len(data) < 100_000
    assert quickly(hwp_text, data) is None
    # ... and so are many sections adding up past the limit.
    part = record(PARA_TEXT, 1, bytes(4000)) * (MAX_UNPACKED_BYTES // 4000 // 5)
    assert quickly(hwp_text, hwp_file(*[part] * 6)) is None


def test_hwp_broken_records_are_refused():
    good = paragraph("국가: 페루")
    for section in [
        good + struct.pack("<I", PARA_TEXT | 1 << 10 | 100 << 20) + b"short",  # runs past the end
        good + struct.pack("<II", PARA_TEXT | 0xFFF << 20, 0xFFFFFFFF) + b"x" * 10,  # a 4 GB record
        good + struct.pack("<I", PARA_TEXT | 0xFFF << 20),  # its long size missing
        good + b"\x42\x00",  # a header cut short
        record(PARA_TEXT, 1, b"\x0b\x00"),  # an 8-unit control cut short: no text, no error
    ]:
        assert quickly(hwp_text, hwp_file(section)) in (None, "")
    too_many = record(PARA_HEADER, 0, b"") * (MAX_RECORDS + 1)
    assert quickly(hwp_text, hwp_file(too_many)) is None
    controls = record(PARA_TEXT, 1, control(11) * 60_000) * (MAX_RECORDS // 60_000 + 1)  # each a turn of the loop
    assert quickly(hwp_text, hwp_file(controls)) is None
    breaks = record(PARA_TEXT, 1, "\r".encode("utf-16-le") * (MAX_UNPACKED_BYTES // 2 - 100))
    assert quickly(hwp_text, hwp_file(breaks)) == ""
    endless = record(PARA_TEXT, 1, "국가: 페루 ".encode("utf-16-le") * 1_000_000)  # read up to MAX_CHARS
    text = quickly(hwp_text, hwp_file(endless))
    assert text.startswith("국가: 페루 국가: 페루") and len(text) <= MAX_CHARS
    assert hwp_text(hwp_file(b"not deflate at all" * 10, flags=0x01)) is None


def test_ole_files_lying_about_their_sizes_are_refused():
    for patch in [
        lambda d: d[:0x2C] + struct.pack("<I", 0x7FFFFFFF) + d[0x30:],  # 2**31 FAT sectors
        lambda d: d[:0x48] + struct.pack("<I", 0x7FFFFFFF) + d[0x4C:],  # 2**31 DIFAT sectors
        lambda d: d[:0x1E] + struct.pack("<H", 30) + d[0x20:],  # 1 GB sectors
    ]:
        assert quickly(ole_kind, patch(word_file([("Country: Peru\r", True)]))) is None
    header = b"HWP Document File".ljust(32, b"\0") + struct.pack("<II", 0x05000107, 0)
    streams = {"FileHeader": header, "BodyText/Section0": paragraph("국가: 페루"), "Filler": bytes(100_000)}
    assert hwp_text(compound_file(streams)) == "국가: 페루"
    assert quickly(hwp_text, compound_file(streams, sizes={"Section0": 2**40})) is None
    assert quickly(hwp_text, compound_file(streams, sizes={"Section0": 2**31}, loop="Section0")) is None
    # A looping chain within the file's size: read round and round, up to that size only.
    text = quickly(hwp_text, compound_file(streams, sizes={"Section0": 90_000}, loop="Section0"))
    assert text is None or set(text.split("\n")) <= {"국가: 페루", ""}


def test_hostile_rtf_is_read_in_bounded_time():
    # striprtf's font-table and hyperlink regexes backtrack for minutes on these.
    fonts = b"{\\rtf1{\\fonttbl" + b"\\f1" * 80_000 + b"}Country: Peru\\par}"
    assert quickly(rtf_text, fonts) == "Country: Peru\n"
    links = b"{\\rtf1 " + b'{\\field{\\*\\fldinst{HYPERLINK "a" ' * 20_000 + b"}"
    assert quickly(rtf_text, links) in (None, "")
    unclosed_fonts = b"{\\rtf1{\\fonttbl{\\f0\\fcharset129 Gulim;}" + b"\\f1 " * 10_000
    assert quickly(rtf_text, unclosed_fonts) in (None, "")
    assert rtf_text(b"{\\rtf1 \\uc \\u233 x}") is None  # \\uc without its number
    assert rtf_text(b"{\\rtf1{\\pict\\bin x}}") is None  # \\bin without its length
    assert rtf_text(b"{\\rtf1\\ansicpg99999 \\'e9}") == "\ufffd"  # a code page Python does not know


_MUTABLE = st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MUTABLE, st.sampled_from(["doc", "rtf", "hwp"]))
def test_mangled_files_never_raise(changes, kind):
    data = bytearray({"doc": FORM_DOC, "rtf": FORM_RTF, "hwp": FORM_HWP}[kind])
    for where, value in changes:
        data[where % len(data)] = value
    read = {"doc": doc_text, "rtf": rtf_text, "hwp": hwp_text}[kind]
    result = quickly(read, bytes(data))
    assert result is None or isinstance(result, str)


def test_legacy_formats_count_as_documents():
    for name in ("form.doc", "form.rtf", "form.hwp"):
        assert is_document(Attachment(name, "application/octet-stream", b""))
