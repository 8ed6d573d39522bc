"""Forms sent as Hangul .hwpx (OWPML) or Excel 97-2003 .xls are read (mail.attachment_text,
through mail.extract); encrypted, broken and hostile files come back unread (None), quickly,
without raising.

Fixtures in tests/data/documents (see its README.md):
- form_ko.hwpx: written by hwp-converter-ai 0.2.0's HwpxGenerator, which puts a new
  Contents/section0.xml into the .hwpx that Hancom Office Hangul saved and the package ships.
- formulaire.xls, formulaire_password.xls: saved by LibreOffice Calc 7.4 ("MS Excel 97"
  filter) from a form written with openpyxl; the second with the password "kcity".
Other .hwpx files are built here from OWPML's XML, other .xls files from BIFF records (in the
compound-file writer of test_legacy_documents).
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mail.attachment_text import (
    MAX_SHEET_COLUMNS,
    MAX_SHEET_ROWS,
    MAX_SHEETS,
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_ENTRIES,
    attachment_text,
    is_document,
)
from mail.extract import extract
from mail.legacy_documents import ole_kind, xls_workbook
from mail.message import Attachment
from test_legacy_documents import KOREAN_FORM_FIELDS, KOREAN_FORM_LINES, compound_file, message, quickly

DOCUMENTS = Path(__file__).parent / "data" / "documents"
FORM_HWPX = (DOCUMENTS / "form_ko.hwpx").read_bytes()
FORM_XLS = (DOCUMENTS / "formulaire.xls").read_bytes()
LOCKED_XLS = (DOCUMENTS / "formulaire_password.xls").read_bytes()
HWPX = "application/hwp+zip"
XLS = "application/vnd.ms-excel"


def read(name: str, data: bytes, content_type: str = "application/octet-stream") -> str | None:
    return attachment_text(Attachment(name, content_type, data))


# --- .hwpx files built here, as Hangul lays them out --------------------------------------------

NAMESPACES = (
    'xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph" '
    'xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" '
    'xmlns:hc="http://www.hancom.co.kr/hwpml/2011/core"'
)
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>'


def t(text: str) -> str:
    return f"<hp:t>{escape(text)}</hp:t>"


def p(*items: str) -> str:
    """A paragraph of one run holding ``items`` (hp:t texts, tables, controls)."""
    return f'<hp:p id="0" paraPrIDRef="0" styleIDRef="0"><hp:run charPrIDRef="0">{"".join(items)}</hp:run></hp:p>'


def tbl(rows: list[list[str]], caption: str = "") -> str:
    """A table whose cells hold paragraphs (each cell a string of hp:p elements)."""
    out = f'<hp:tbl id="1" rowCnt="{len(rows)}" colCnt="2"><hp:sz width="42520" height="5000"/>'
    if caption:
        out += f'<hp:caption side="TOP"><hp:subList>{caption}</hp:subList></hp:caption>'
    for r, row in enumerate(rows):
        out += "<hp:tr>" + "".join(
            f'<hp:tc name="" header="0"><hp:subList vertAlign="CENTER">{cell}</hp:subList>'
            f'<hp:cellAddr colAddr="{c}" rowAddr="{r}"/><hp:cellSpan colSpan="1" rowSpan="1"/></hp:tc>'
            for c, cell in enumerate(row)) + "</hp:tr>"
    return out + "</hp:tbl>"


def section(*paragraphs: str) -> str:
    return f"{DECLARATION}<hs:sec {NAMESPACES}>{''.join(paragraphs)}</hs:sec>"


def content_hpf(spine: list[str]) -> str:
    items = '<opf:item id="header" href="Contents/header.xml" media-type="application/xml"/>' + "".join(
        f'<opf:item id="{name}" href="Contents/{name}.xml" media-type="application/xml"/>' for name in spine)
    refs = '<opf:itemref idref="header" linear="yes"/>' + "".join(
        f'<opf:itemref idref="{name}" linear="yes"/>' for name in spine)
    return (f'{DECLARATION}<opf:package xmlns:opf="http://www.idpf.org/2007/opf/" version="" id="">'
            f"<opf:metadata><opf:language>ko</opf:language></opf:metadata>"
            f"<opf:manifest>{items}</opf:manifest><opf:spine>{refs}</opf:spine></opf:package>")


HEADER = (f'{DECLARATION}<hh:head xmlns:hh="http://www.hancom.co.kr/hwpml/2011/head" version="1.4" secCnt="1">'
          '<hh:beginNum page="1" footnote="1" endnote="1" pic="1" tbl="1" equation="1"/><hh:refList/></hh:head>')
CONTAINER = (f'{DECLARATION}<ocf:container xmlns:ocf="urn:oasis:names:tc:opendocument:xmlns:container">'
             '<ocf:rootfiles><ocf:rootfile full-path="Contents/content.hpf" '
             'media-type="application/hwpml-package+xml"/></ocf:rootfiles></ocf:container>')
MANIFEST = f'{DECLARATION}<odf:manifest xmlns:odf="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>'


def hwpx_file(*sections: str | bytes, spine: list[str] | None = None, mimetype: str | None = HWPX,
              manifest: str = MANIFEST, package: bool = True) -> bytes:
    """A .hwpx as Hangul writes one: mimetype first and stored, the parts, the package
    (Contents/content.hpf, whose spine lists the sections: in ``spine`` order if given)."""
    names = [f"section{n}" for n in range(len(sections))]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if mimetype is not None:
            archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("version.xml", f'{DECLARATION}<hv:HCFVersion xmlns:hv="http://www.hancom.co.kr/hwpml/2011/'
                                        'version" tagetApplication="WORDPROCESSOR" major="5" minor="1"/>')
        archive.writestr("Contents/header.xml", HEADER)
        for name, part in zip(names, sections):
            archive.writestr(f"Contents/{name}.xml", part)
        if package:
            archive.writestr("Contents/content.hpf", content_hpf(spine or names))
        archive.writestr("META-INF/container.xml", CONTAINER)
        archive.writestr("META-INF/manifest.xml", manifest)
    return out.getvalue()


# --- .xls workbooks built here: BIFF8 records in a compound file ---------------------------------


def biff(kind: int, payload: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(payload)) + payload


def bof(part: int) -> bytes:  # 0x0005 workbook globals, 0x0010 a worksheet
    return biff(0x0809, struct.pack("<HHHHII", 0x0600, part, 0x0DBB, 0x07CC, 0, 6))


def label(row: int, column: int, text: str) -> bytes:
    """A LABEL cell: a BIFF8 string, 8-bit if it can be, else UTF-16."""
    wide = any(ord(c) > 0xFF for c in text)
    raw = text.encode("utf-16-le" if wide else "latin-1")
    return biff(0x0204, struct.pack("<HHHHB", row, column, 15, len(text), int(wide)) + raw)


def workbook(*sheets: bytes, globals_records: bytes = b"") -> bytes:
    """A Workbook stream: globals (with a BOUNDSHEET for each sheet), then each sheet's cells."""
    def boundsheet(position: int, number: int) -> bytes:
        return biff(0x0085, struct.pack("<IBBBB", position, 0, 0, 2, 0) + f"S{number % 10}".encode())

    head = len(bof(5) + globals_records) + len(boundsheet(0, 0)) * len(sheets) + len(biff(0x000A))
    bodies = [bof(0x10) + cells + biff(0x000A) for cells in sheets]
    starts = [head + sum(len(b) for b in bodies[:n]) for n in range(len(sheets))]
    return (bof(5) + globals_records + b"".join(boundsheet(s, n) for n, s in enumerate(starts))
            + biff(0x000A) + b"".join(bodies))


def xls_file(*sheets: bytes, stream: str = "Workbook", **options) -> bytes:
    return compound_file({stream: workbook(*sheets, **options)})


def cells(rows: list[list[str]]) -> bytes:
    return b"".join(label(r, c, value) for r, row in enumerate(rows) for c, value in enumerate(row) if value)


# --- Forms sent as .hwpx and .xls are read --------------------------------------------------------


def test_hwpx_form_is_read():
    text = read("신청서.hwpx", FORM_HWPX, "application/vnd.hancom.hwpx")
    assert [line for line in text.splitlines() if line] == KOREAN_FORM_LINES  # the same form as the .hwp
    result = extract(message([Attachment("신청서.hwpx", "application/vnd.hancom.hwpx", FORM_HWPX)]))
    assert result.fields == KOREAN_FORM_FIELDS
    assert result.sources == ["attachment:신청서.hwpx"] and result.unread == []
    assert result.language == "ko"


def test_xls_form_is_read():
    text = read("Formulaire.xls", FORM_XLS, XLS)
    assert text.splitlines() == [
        "Formulaire de candidature K-City Network",
        "",
        "Pays: Sénégal",
        "Organisation: Ville de Dakar",
        "Titre du projet: Dakar mobilité intelligente",
        "Montant demandé (USD): 850000",  # 850000.0 in the file
        "Personne de contact: Awa Diop",
        "Courriel: awa.diop@villededakar.sn",
        "Date: 2025-03-14T00:00:00",  # a date cell, as the .xlsx reader gives it
        "Remarque: Deuxième feuille",  # the second sheet
    ]
    result = extract(message([Attachment("Formulaire.xls", XLS, FORM_XLS)], "Veuillez trouver ci-joint."))
    assert result.fields == {
        "applicant": {"country": "SN", "organization": "Ville de Dakar"},
        "contact": {"name": "Awa Diop", "email": "awa.diop@villededakar.sn"},
        "project": {"title": "Dakar mobilité intelligente"},
        "budget": {"requested_amount": {"amount": 850_000, "currency": "USD", "krw": 1_000_000_000, "usd": 850_000}},
    }
    assert result.sources == ["attachment:Formulaire.xls"] and result.unread == []
    assert result.language == "fr"


@pytest.mark.parametrize(("name", "data"), [("form.hwpx", FORM_HWPX), ("form.xls", FORM_XLS)])
def test_recognised_by_content_whatever_the_name_and_type(name, data):
    by_name = read(name, data)
    assert by_name
    assert read(None, data) == by_name
    assert read("form.zip", data, "application/zip") == by_name
    assert read("form.docx", data, "application/vnd.openxmlformats-officedocument.wordprocessingml.document") == by_name


def test_formats_count_as_documents():
    for name in ("form.hwpx", "form.xls"):
        assert is_document(Attachment(name, "application/octet-stream", b""))
    assert ole_kind(FORM_XLS) == "xls"


# --- What .hwpx holds, in files built here ------------------------------------------------------------


def test_hwpx_paragraphs_inline_marks_tables_and_notes():
    body = section(
        p('<hp:secPr id="" textDirection="HORIZONTAL"><hp:grid lineGrid="0"/></hp:secPr>'
          '<hp:ctrl><hp:colPr id="" type="NEWSPAPER" colCount="1"/></hp:ctrl>'),  # no text
        p("<hp:t>국가:<hp:tab width=\"4000\" leader=\"0\" type=\"1\"/>페루</hp:t>"),
        # A field (a link): its result, not its code.
        p(t("기관: "), '<hp:ctrl><hp:fieldBegin type="HYPERLINK" name=""><hp:parameters count="1">'
          '<hp:stringParam name="Command">https://cusco.gob.pe</hp:stringParam></hp:parameters></hp:fieldBegin>'
          "</hp:ctrl>", t("쿠스코 시청"), '<hp:ctrl><hp:fieldEnd beginIDRef="1"/></hp:ctrl>'),
        p("<hp:t>첫 줄<hp:lineBreak/>둘째 줄<hp:nbSpace/>끝<hp:markpenBegin color=\"#FFFF00\"/> 강조"
          "<hp:markpenEnd/><hp:hyphen/>끝</hp:t>"),
        p(t("Email: a@b.pe"), '<hp:ctrl><hp:footNote number="1"><hp:subList>'
          + p(t("A footnote")) + "</hp:subList></hp:footNote></hp:ctrl>", t(" (office)")),
        p(t(""), tbl([[p(t("사업명")), p(t("쿠스코")) + p(t("스마트 교통"))],  # a cell of two paragraphs
                      [p(t("요청 금액")), p(t("8억 원"), tbl([[p(t("nested")), p(t("table"))]]))],
                      [p(t("담당자")), p(t(""))],
                      [p(t("")), p()]],  # an empty row: no line
                     caption=p(t("표 1. 사업 개요")))),
        p('<hp:equation id="2"><hp:script>x over y</hp:script></hp:equation>'),  # an equation: no text
        p('<hp:rect id="3"><hp:drawText><hp:subList>' + p(t("In a text box"))
          + "</hp:subList></hp:drawText></hp:rect>"),
        p(t("Contact person: Ana")),
    )
    assert read("form.hwpx", hwpx_file(body)).splitlines() == [
        "", "국가:\t페루", "기관: 쿠스코 시청", "첫 줄", "둘째 줄\u00a0끝 강조-끝",
        "Email: a@b.pe (office)", "A footnote",
        "", "표 1. 사업 개요", "사업명\t쿠스코 스마트 교통", "요청 금액\t8억 원 nested table", "담당자",
        "", "", "In a text box", "Contact person: Ana",
    ]


def test_hwpx_sections_in_the_order_of_the_spine():
    sections = [section(p(t(f"section {n}"))) for n in range(12)]
    assert read("a.hwpx", hwpx_file(*sections, spine=["section1", "section0"])) == "section 1\nsection 0"
    # Without the package file: section0, section1 ... section10, section11, by number.
    assert read("a.hwpx", hwpx_file(*sections, package=False)).splitlines() == [f"section {n}" for n in range(12)]
    # A spine that names no section, or names one twice: the sections by number, or each once.
    assert read("a.hwpx", hwpx_file(*sections[:2], spine=["missing"])) == "section 0\nsection 1"
    assert read("a.hwpx", hwpx_file(*sections[:2], spine=["section1", "section1"])) == "section 1"


def test_hwpx_recognised_by_its_mimetype_or_its_name():
    plain = section(p(t("국가: 페루")))
    assert read(None, hwpx_file(plain)) == "국가: 페루"
    assert read(None, hwpx_file(plain, mimetype=None)) is None  # any zip file: not read
    assert read("신청서.hwpx", hwpx_file(plain, mimetype=None)) == "국가: 페루"
    assert read(None, hwpx_file(plain, mimetype=None), "application/vnd.hancom.hwpx") == "국가: 페루"
    assert read("form.odt", hwpx_file(plain)) == "국가: 페루"  # the mimetype wins over the name


# --- Encrypted, broken and hostile .hwpx: None, quickly, without raising ----------------------------


def test_password_protected_hwpx_is_unread():
    encrypted = (
        f'{DECLARATION}<odf:manifest xmlns:odf="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<odf:file-entry odf:full-path="Contents/section0.xml" odf:media-type="application/xml" odf:size="3447">'
        '<odf:encryption-data odf:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" '
        'odf:checksum="axrtFWccmPDGJOpM1jzyFvQ="><odf:algorithm odf:algorithm-name='
        '"http://www.w3.org/2001/04/xmlenc#aes256-cbc" odf:initialisation-vector="AAAAAAAAAAAAAAAAAAAAAA=="/>'
        "</odf:encryption-data></odf:file-entry></odf:manifest>"
    )
    assert read("secret.hwpx", hwpx_file(bytes(range(256)) * 10, manifest=encrypted)) is None
    # ... even where the section happens to be readable XML.
    assert read("secret.hwpx", hwpx_file(section(p(t("국가: 페루"))), manifest=encrypted)) is None


def test_broken_hwpx_is_unread():
    for size in (0, 4, 30, 100, len(FORM_HWPX) // 2, len(FORM_HWPX) - 22):
        assert quickly(lambda d: read(None, d), FORM_HWPX[:size]) is None
        assert quickly(lambda d: read("form.hwpx", d, HWPX), FORM_HWPX[:size]) is None
    assert read("form.hwpx", b"HWP Document File") is None
    assert read("form.hwpx", hwpx_file(b"<hs:sec>not closed")) is None
    assert read("form.hwpx", hwpx_file(section(p(t("   "))))) is None  # no text at all
    result = extract(message([Attachment("form.hwpx", HWPX, FORM_HWPX[:5000])], "Country: Peru"))
    assert result.unread == ["form.hwpx"] and result.fields == {"applicant": {"country": "PE"}}


def test_hwpx_bombs_are_refused():
    big = hwpx_file(b"\0" * (MAX_UNZIPPED_BYTES + 1))  # a zip bomb: refused from the sizes it declares
    assert len(big) < 100_000
    assert quickly(lambda d: read("bomb.hwpx", d), big) is None
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", HWPX)
        archive.writestr("Contents/section0.xml", section(p(t("국가: 페루"))))
        for n in range(MAX_ZIP_ENTRIES):
            archive.writestr(f"BinData/{n}", b"")
    assert quickly(lambda d: read("many.hwpx", d), out.getvalue()) is None
    laughs = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
              + "".join(f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(8))
              + f"]><hs:sec {NAMESPACES}>" + p("<hp:t>&i;</hp:t>") + "</hs:sec>")
    assert quickly(lambda d: read("laughs.hwpx", d), hwpx_file(laughs)) is None
    external = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><hs:sec {NAMESPACES}>'
                + p("<hp:t>&x;</hp:t>") + "</hs:sec>")
    assert read("external.hwpx", hwpx_file(external)) is None  # never fetched
    deep = f"<hs:sec {NAMESPACES}>" + "<hp:subList>" * 100_000 + "</hp:subList>" * 100_000 + "</hs:sec>"
    assert quickly(lambda d: read("deep.hwpx", d), hwpx_file(deep)) is None
    spine = content_hpf(["section0"] * 50_000)  # one section named again and again: read once
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", HWPX)
        archive.writestr("Contents/section0.xml", section(p(t("국가: 페루"))))
        archive.writestr("Contents/content.hpf", spine)
    assert quickly(lambda d: read("spine.hwpx", d), out.getvalue()) == "국가: 페루"


# --- What .xls holds, in workbooks built here ---------------------------------------------------------


def test_xls_rows_sheets_and_limits():
    rows = [["Country", "Peru"], ["", ""], ["Organization", "Municipalidad", "del Cusco"], ["", "국가: 페루"]]
    assert read("a.xls", xls_file(cells(rows))).splitlines() == [
        "Country: Peru", "", "Organization: Municipalidad del Cusco", "국가: 페루"]
    # Excel 5.0/95 keeps its workbook in a stream named "Book".
    assert read("a.xls", xls_file(cells([["Country", "Peru"]]), stream="Book")) == "Country: Peru"
    # The first MAX_SHEETS sheets, MAX_SHEET_ROWS rows and MAX_SHEET_COLUMNS columns, as for .xlsx.
    sheets = [cells([[f"Sheet {n}", "x"]]) for n in range(MAX_SHEETS + 2)]
    assert read("a.xls", xls_file(*sheets)).splitlines() == [f"Sheet {n}: x" for n in range(MAX_SHEETS)]
    grid = b"".join(label(r, c, f"{r}.{c}") for r in range(MAX_SHEET_ROWS + 5) for c in (0, MAX_SHEET_COLUMNS - 1,
                                                                                       MAX_SHEET_COLUMNS))
    lines = read("a.xls", xls_file(grid)).splitlines()
    assert len(lines) == MAX_SHEET_ROWS and lines[-1] == f"{MAX_SHEET_ROWS - 1}.0: {MAX_SHEET_ROWS - 1}.29"


def test_other_compound_files_are_not_read_as_workbooks():
    slides = compound_file({"PowerPoint Document": bytes(100)})
    assert ole_kind(slides) is None and read("slides.ppt", slides) is None
    assert xls_workbook(FORM_XLS).startswith(b"\x09\x08")
    # BIFF2 to BIFF4 (Excel 2.0 to 4.0), whose workbooks xlrd reads whole, or no workbook at all.
    for first in [struct.pack("<HHHH", 0x0409, 6, 0x0000, 0x0010), b"\x09\x08" + bytes(100), b""]:
        data = compound_file({"Workbook": first + bytes(100)})
        assert ole_kind(data) == "xls" and xls_workbook(data) is None and read("old.xls", data) is None


# --- Encrypted, broken and hostile .xls: None, quickly, without raising -------------------------------


def test_password_protected_xls_is_unread():
    assert ole_kind(LOCKED_XLS) == "xls"
    assert read("Formulaire.xls", LOCKED_XLS, XLS) is None
    filepass = biff(0x002F, struct.pack("<HHH", 0, 0x1234, 0x5678))  # XOR obfuscation
    assert read("a.xls", xls_file(cells([["Country", "Peru"]]), globals_records=filepass)) is None
    result = extract(message([Attachment("Formulaire.xls", XLS, LOCKED_XLS)], "Country: Peru"))
    assert result.unread == ["Formulaire.xls"] and result.fields == {"applicant": {"country": "PE"}}


def test_broken_xls_is_unread():
    for size in (0, 8, 512, 1536, len(FORM_XLS) // 2, len(FORM_XLS) - 600):
        assert quickly(lambda d: read("form.xls", d, XLS), FORM_XLS[:size]) is None
    assert read("form.xls", b"<html><table><tr><td>Country</td></tr></table></html>", XLS) is None
    stream = workbook(cells([["Country", "Peru"]]))
    for broken in [stream[:-10], stream.replace(b"S0", b"S0\xff\xff"), stream[:20] + b"\xff" * 40 + stream[60:]]:
        assert quickly(lambda d: read("a.xls", d), compound_file({"Workbook": broken})) in (None, "Country: Peru")


def test_wide_xls_sheet_is_bounded():
    # 65,536 rows with a cell in the last column: xlrd holds every row up to it (a second or so).
    wide = b"".join(label(r, 255, "x") for r in range(65_536))
    assert quickly(lambda d: read("wide.xls", d), xls_file(wide)) is None  # no text within the columns read


# --- Mangled files never raise ------------------------------------------------------------------------------

_MUTABLE = st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MUTABLE, st.sampled_from(["hwpx", "xls"]))
def test_mangled_files_never_raise(changes, kind):
    data = bytearray({"hwpx": FORM_HWPX, "xls": FORM_XLS}[kind])
    for where, value in changes:
        data[where % len(data)] = value
    result = quickly(lambda d: read(f"form.{kind}", d), bytes(data))
    assert result is None or isinstance(result, str)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MUTABLE)
def test_mangled_workbook_streams_never_raise(changes):
    # Past the compound file: xlrd on a mangled BIFF stream.
    stream = bytearray(xls_workbook(FORM_XLS))
    for where, value in changes:
        stream[where % len(stream)] = value
    result = quickly(lambda d: read("form.xls", d), compound_file({"Workbook": bytes(stream)}))
    assert result is None or isinstance(result, str)
