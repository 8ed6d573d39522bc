"""mail.extract (with mail.attachment_text and mail.language): the form out of an email."""

from __future__ import annotations

import io
import json
import time
import zipfile

import docx
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mail.attachment_text import (
    ODT,
    is_document,
    DOCX,
    MAX_BYTES,
    MAX_UNZIPPED_BYTES,
    XLSX,
    attachment_fields,
    attachment_text,
    decode_text,
)
from mail.extract import Extraction, extract, extract_text
from mail.html_text import html_to_text
from mail.language import detect_language
from mail.message import Attachment, ParsedMessage
from rules.form import FIELDS, blank_form, flatten

PERU = {
    "applicant": {
        "country": "PE",
        "organization": "Municipalidad Provincial del Cusco",
        "organization_type": "local_government",
        "department": "Urban Planning Department",
    },
    "contact": {
        "name": "Ana Quispe",
        "position": "Director of Urban Planning",
        "email": "ana.quispe@municipalidad.gob.pe",
        "phone": "+5184123456",
    },
    "project": {
        "title": "Cusco Smart Mobility Plan",
        "category": "smart_solution",
        "sectors": ["transportation", "environment"],
        "location": "Cusco, Cusco Region",
        "summary": "An integrated traffic management centre\nand smart bus stops for the historic centre.\n\n"
        "Phase 2: parking guidance.",
        "status": "new",
        "expected_outcomes": "Travel times cut by 20%.",
    },
    "support": {"requested": ["master_plan", "feasibility_study"], "training": True, "consulting": True},
    "budget": {
        "requested_amount": {"amount": 800_000_000, "currency": "KRW", "krw": 800_000_000, "usd": 680_000},
        "total_cost": {"amount": 12_000_000, "currency": "USD", "krw": 14_117_647_059, "usd": 12_000_000},
    },
    "financing": {"ppp_potential": False, "partners": "Inter-American Development Bank"},
}

ENGLISH = """Dear K-City Network team,

Please find below our application.

1. Country: Republic of Peru
2. Organization: Municipalidad Provincial del Cusco
3. Organization type: Local government (municipality)
4. Department: Urban Planning Department
5. Contact person: Ana Quispe
6. Position: Director of Urban Planning
7. Email: Ana.Quispe@Municipalidad.gob.pe
8. Phone: (084) 123-456
9. Project title: Cusco Smart Mobility Plan
10. Project category: Smart solution
11. Sectors: Transport, environment
12. Project location: Cusco, Cusco Region
13. Project summary: An integrated traffic management centre
and smart bus stops for the historic centre.

Phase 2: parking guidance.
14. Project status: New
15. Expected outcomes: Travel times cut by 20%.
16. Support requested: Master plan and F/S
17. Training in Korea: Yes, for 5 officials
18. Technical consulting: yes
19. Requested amount (KRW): 800,000,000
20. Total project cost: USD 12,000,000
21. PPP potential: No
22. Financing partners: Inter-American Development Bank

Thank you for your consideration.

Best regards,
Ana Quispe
Director of Urban Planning
Phone: +51 84 999 999
"""

KOREAN = """안녕하십니까, K-City 네트워크 담당자님께

가. 국가: 베트남
나. 기관명: 다낭시 인민위원회
다. 기관 유형: 지방정부
라. 부서: 도시계획국
담당자 성명: 응우옌 반 안
직위: 국장
이메일: anh.nv@danang.gov.vn
전화번호: 0236 3822 123
사업명: 다낭 스마트 교통 시스템
사업 분야: 스마트 솔루션
세부 분야: 교통, 환경 및 안전
사업 위치：다낭시 하이쩌우구
사업 개요: 교통 관제 센터 구축
스마트 정류장 설치
사업 단계: 신규
기대 효과: 통행 시간 20% 단축
지원 요청 사항: 마스터플랜 및 예비타당성조사
방한 연수: 예
기술 자문: 아니요
요청 금액: 8억 5천만원
총 사업비: 미화 1,200만 달러
민관협력 가능성: 예
재원 협력 기관: 아시아개발은행

감사합니다.
응우옌 반 안 드림
"""

SPANISH = """Estimados señores:

Les enviamos nuestra solicitud para el programa.

* **País:** Perú
* **Organización:** Municipalidad Provincial del Cusco
* **Tipo de organización:** Gobierno local
* **Departamento:** Gerencia de Desarrollo Urbano
* **Persona de contacto:** Ana Quispe
* **Cargo:** Gerente
* **Correo electrónico:** mailto:ana.quispe@municipalidad.gob.pe
* **Teléfono:** 084 123456
* **Título del proyecto:** Plan de movilidad inteligente del Cusco
* **Categoría del proyecto:** Solución inteligente
* **Sectores:** transporte y medio ambiente
* **Ubicación del proyecto:** Cusco
* **Resumen del proyecto:** Un centro de gestión del tráfico
  y paraderos inteligentes.
* **Estado del proyecto:** En curso
* **Resultados esperados:** Menos congestión.
* **Apoyo solicitado:** Plan maestro y estudio de prefactibilidad
* **Capacitación en Corea:** Sí, para 3 funcionarios
* **Consultoría técnica:** No
* **Monto solicitado:** 850.000 USD
* **Costo total del proyecto:** 12 millones USD
* **Potencial APP:** Sí
* **Socios financieros:** Banco Interamericano de Desarrollo

Atentamente,
Ana Quispe
"""

FRENCH = """Madame, Monsieur,

Veuillez trouver ci-dessous notre candidature.

A) __Pays__ : Sénégal
B) __Organisation__ : Ville de Dakar
C) __Type d’organisation__ : Collectivité locale
D) __Service__ : Direction de l'urbanisme
E) __Personne de contact__ : Awa Diop
F) __Fonction__ : Directrice
G) __Courriel__ : <awa.diop@villededakar.sn>
H) __Téléphone__ : 33 849 05 05
I) __Titre du projet__ : Dakar ville intelligente
J) __Catégorie du projet__ : Développement urbain
K) __Localisation du projet__ : Dakar
L) __Résumé du projet__ : Une ville nouvelle à Diamniadio.
M) __Statut du projet__ : Nouveau
N) __Résultats attendus__ : Des logements pour 50 000 habitants.
O) __Soutien demandé__ : Plan directeur et étude de faisabilité
P) __Formation en Corée__ : Oui
Q) __Conseil technique__ : Non
R) __Montant demandé__ : 1 000 000 000 KRW
S) __Coût total du projet__ : 1 000 000 EUR
T) __Potentiel PPP__ : Non
U) __Partenaires financiers__ : Banque africaine de développement

Cordialement,
Awa Diop
"""


def message(text="", attachments=(), from_addr="ana.quispe@municipalidad.gob.pe") -> ParsedMessage:
    return ParsedMessage(
        message_id="<1@example.org>",
        in_reply_to=None,
        references=[],
        subject="Application",
        from_addr=from_addr,
        from_name="",
        reply_to=None,
        to=["desk@kcity.example"],
        date=None,
        return_path=None,
        headers={},
        content_type="text/plain",
        text=text,
        html=None,
        attachments=list(attachments),
    )


# --- Whole forms in each language --------------------------------------------------


def test_english_form():
    result = extract_text(ENGLISH)
    assert result.fields == PERU
    assert result.language == "en"
    assert result.labels_found == 22
    assert result.sources == ["body"]


def test_korean_form():
    result = extract_text(KOREAN)
    assert result.language == "ko"
    assert result.labels_found == 22
    assert result.fields["applicant"] == {
        "country": "VN",
        "organization": "다낭시 인민위원회",
        "organization_type": "local_government",
        "department": "도시계획국",
    }
    assert result.fields["contact"]["phone"] == "+842363822123"
    assert result.fields["project"]["category"] == "smart_solution"
    assert result.fields["project"]["sectors"] == ["transportation", "environment", "security"]
    assert result.fields["project"]["location"] == "다낭시 하이쩌우구"  # full-width colon
    assert result.fields["project"]["summary"] == "교통 관제 센터 구축\n스마트 정류장 설치"
    assert result.fields["project"]["status"] == "new"
    assert result.fields["support"] == {
        "requested": ["master_plan", "pre_feasibility_study"],
        "training": True,
        "consulting": False,
    }
    assert result.fields["budget"]["requested_amount"] == {
        "amount": 850_000_000, "currency": "KRW", "krw": 850_000_000, "usd": 722_500,
    }
    assert result.fields["budget"]["total_cost"]["usd"] == 12_000_000
    assert result.fields["financing"] == {"ppp_potential": True, "partners": "아시아개발은행"}


def test_spanish_form():
    result = extract_text(SPANISH)
    assert result.language == "es"
    assert result.labels_found == 22
    assert result.fields["applicant"]["country"] == "PE"
    assert result.fields["applicant"]["organization_type"] == "local_government"
    assert result.fields["contact"]["email"] == "ana.quispe@municipalidad.gob.pe"
    assert result.fields["contact"]["phone"] == "+5184123456"
    assert result.fields["project"]["summary"] == "Un centro de gestión del tráfico\ny paraderos inteligentes."
    assert result.fields["project"]["status"] == "ongoing"
    assert result.fields["project"]["sectors"] == ["transportation", "environment"]
    assert result.fields["support"] == {
        "requested": ["master_plan", "pre_feasibility_study"],
        "training": True,
        "consulting": False,
    }
    assert result.fields["budget"]["requested_amount"]["krw"] == 1_000_000_000
    assert result.fields["budget"]["total_cost"]["amount"] == 12_000_000
    assert result.fields["financing"]["ppp_potential"] is True


def test_french_form():
    result = extract_text(FRENCH)
    assert result.language == "fr"
    assert result.labels_found == 21
    assert result.fields["applicant"] == {
        "country": "SN",
        "organization": "Ville de Dakar",
        "organization_type": "local_government",
        "department": "Direction de l'urbanisme",
    }
    assert result.fields["contact"]["email"] == "awa.diop@villededakar.sn"
    assert result.fields["contact"]["phone"] == "+221338490505"
    assert result.fields["project"]["category"] == "urban_development"
    assert result.fields["project"]["status"] == "new"
    assert result.fields["support"]["requested"] == ["master_plan", "feasibility_study"]
    assert result.fields["support"]["training"] is True and result.fields["support"]["consulting"] is False
    assert result.fields["budget"]["requested_amount"]["krw"] == 1_000_000_000
    # Euros are kept; validation asks for KRW or USD.
    assert result.fields["budget"]["total_cost"] == {"amount": 1_000_000, "currency": "EUR", "krw": None, "usd": None}


@pytest.mark.parametrize("lang", ["en", "ko", "es", "fr"])
def test_every_label_of_the_form_is_read(lang):
    # Our own blank form, filled in: each field's printed label must come back to its code.
    text = "\n".join(f"{f.label(lang)}: {f.example}" for f in FIELDS)
    result = extract_text(text)
    assert set(flatten(result.fields)) == {f.code for f in FIELDS}
    assert result.labels_found == len(FIELDS)
    assert result.language == lang


def test_every_label_alias_maps_to_its_own_field():
    for f in FIELDS:
        for labels in f.labels.values():
            for label in labels:
                fields = extract_text(f"{label}: {f.example}").fields
                assert list(flatten(fields)) == [f.code], label


# --- Line shapes -------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Country: Peru",
        "country:Peru",
        "COUNTRY : Peru",
        "  Country:   Peru  ",
        "Country\t:\tPeru",
        "Country：Peru",
        "Country\u00a0: Peru",
        "1. Country: Peru",
        "1) Country: Peru",
        "(a) Country: Peru",
        "A. Country: Peru",
        "iv. Country: Peru",
        "1.2. Country: Peru",
        "가. Country: Peru",
        "① Country: Peru",
        "- Country: Peru",
        "* Country: Peru",
        "• Country: Peru",
        "· Country: Peru",
        "▪ Country: Peru",
        "- 1. Country: Peru",
        "**Country**: Peru",
        "**Country:** Peru",
        "__Country__: Peru",
        "* **Country:** Peru",
        "*Country*: **Peru**",
        "## Country: Peru",
        "| Country | Peru |",
        "Country\tPeru",
        "Country (name): Peru",
        "applicant.country: Peru",
    ],
)
def test_label_shapes(line):
    assert extract_text(line).fields == {"applicant": {"country": "PE"}}


@pytest.mark.parametrize(
    "line",
    [
        "Country - Peru",  # only ":" separates a label from its value
        "Country Peru",
        "Our country: Peru",  # the label must open the line
        "The project title: Smart Cusco",
    ],
)
def test_not_label_lines(line):
    assert extract_text(line).labels_found == 0


@pytest.mark.parametrize(
    "value", ["", " ", "[fill in]", "<insert country>", "...", "…", "N/A", "n/a", "-", "TBD", "e.g. Peru", "[ ]"]
)
def test_placeholders_are_not_answers(value):
    result = extract_text(f"Country: {value}\nProject title: Smart Cusco")
    assert result.fields == {"project": {"title": "Smart Cusco"}}
    assert result.labels_found == 2  # the label was there, unanswered


def test_continuation_lines():
    text = "Project title: Cusco Smart\nMobility Plan\nProject location: Cusco\n\nWe attach the map."
    fields = extract_text(text).fields
    assert fields["project"] == {"title": "Cusco Smart Mobility Plan", "location": "Cusco"}


def test_value_on_the_next_line():
    fields = extract_text("Country:\nPeru\nProject title:\n\nOrganization: Cusco").fields
    assert fields == {"applicant": {"country": "PE", "organization": "Cusco"}}


def test_multiline_fields_keep_paragraphs_until_the_next_label():
    text = "Project summary:\n\nFirst paragraph,\nwrapped.\n\nSecond paragraph.\n\nProject status: ongoing"
    fields = extract_text(text).fields
    assert fields["project"] == {"summary": "First paragraph,\nwrapped.\n\nSecond paragraph.", "status": "ongoing"}


def test_unknown_label_ends_a_single_line_value():
    fields = extract_text("Phone: +51 84 123 456\nFax: +51 84 999 999").fields
    assert fields == {"contact": {"phone": "+5184123456"}}


def test_sectors_as_a_bulleted_list():
    fields = extract_text("Sectors:\n- Transport\n- Public health\n• Water\nProject status: new").fields
    assert fields["project"] == {"sectors": ["transportation", "public_health", "water_resources"], "status": "new"}


def test_first_answer_wins_within_one_text():
    assert extract_text("Country: Peru\nCountry: Chile").fields == {"applicant": {"country": "PE"}}
    assert extract_text("Country:\nCountry: Chile").fields == {"applicant": {"country": "CL"}}


def test_values_kept_as_written_when_they_cannot_be_normalised():
    text = (
        "Country: Atlantis\nEmail: ana at cusco\nPhone: call me\n"
        "Total cost: a lot\nTraining: maybe\nSectors: Blockchain"
    )
    fields = extract_text(text).fields
    assert fields == {
        "applicant": {"country": "Atlantis"},
        "contact": {"email": "ana at cusco", "phone": "call me"},
        "project": {"sectors": ["Blockchain"]},
        "support": {"training": "maybe"},
        "budget": {"total_cost": "a lot"},
    }


def test_signature_and_closing_end_the_form():
    text = "Project summary: Smart bus stops.\n\nBest regards,\nAna\nPosition: Mayor\n-- \nTitle: Ignored"
    fields = extract_text(text).fields
    assert fields == {"project": {"summary": "Smart bus stops."}}


def test_signature_separator():
    fields = extract_text("Project summary: Smart bus stops.\n-- \nAna Quispe\nPhone: +51 84 999 999").fields
    assert fields == {"project": {"summary": "Smart bus stops."}}


# --- Replies and quoting -------------------------------------------------------------

FOLLOW_UP = """Here are the corrections.

Project status: ongoing
Country: Pérou

On Mon, 3 Feb 2020 at 10:00, K-City Desk <desk@kcity.example> wrote:
> Thank you. Please fill in:
>
> Project status:
> Country: Chile
> Project title: Old title
>> Organization: Cusco
"""


def test_unquoted_answers_win_over_quoted_ones():
    result = extract_text(FOLLOW_UP)
    assert result.fields == {
        "applicant": {"country": "PE", "organization": "Cusco"},  # nested quotes fill gaps too
        "project": {"title": "Old title", "status": "ongoing"},
    }
    assert result.labels_found == 4


def test_reply_header_wrapped_over_two_lines():
    text = "Country: Peru\n\nOn Mon, 3 Feb 2020 at 10:00, K-City Desk\n<desk@kcity.example> wrote:\nCountry: Chile\n"
    assert extract_text(text).fields == {"applicant": {"country": "PE"}}


@pytest.mark.parametrize(
    "header",
    [
        "-----Original Message-----",
        "----- Mensaje original -----",
        "-----Message d'origine-----",
        "-----원본 메시지-----",
        "---------- Forwarded message ---------",
        "From: Ana Quispe <ana@x.pe>\nSent: Monday, February 3, 2020 10:00 AM",
        "De : Awa Diop <awa@dakar.sn>\nEnvoyé : lundi 3 février 2020 10:00",
        "De: Ana Quispe <ana@x.pe>\nEnviado el: lunes, 3 de febrero de 2020",
        "Le lun. 3 févr. 2020 à 10:00, Awa Diop <awa@dakar.sn> a écrit :",
        "El lun., 3 feb. 2020 a las 10:00, Ana <ana@x.pe> escribió:",
        "2020년 2월 3일 (월) 오후 3:00, Ana <ana@x.pe>님이 작성:",
    ],
)
def test_text_below_a_reply_header_counts_as_quoted(header):
    text = f"Project status: ongoing\n\n{header}\nProject status: new\nProject title: Smart Cusco\n"
    assert extract_text(text).fields == {"project": {"status": "ongoing", "title": "Smart Cusco"}}


def test_forwarded_application_is_read():
    header = "---------- Forwarded message ---------\nFrom: Ana <ana@x.pe>\nDate: Mon, 3 Feb 2020\n"
    text = f"FYI, see below.\n\n{header}\n{ENGLISH}"
    result = extract_text(text)
    assert result.fields == PERU
    assert result.labels_found == 22
    assert result.language == "en"


def test_answers_typed_under_quoted_labels():
    text = "> Project status:\nongoing\n> Project category:\nSmart solution\n> Country:\n\nThanks\n"
    result = extract_text(text)
    assert result.fields == {"project": {"category": "smart_solution", "status": "ongoing"}}


def test_quoted_blank_form_gives_nothing():
    text = "Sorry, we will send it next week.\n\n" + "\n".join(f"> {line}" for line in blank_form("en").splitlines())
    result = extract_text(text)
    assert result.fields == {}
    assert result.labels_found == 0


def test_language_comes_from_the_senders_text_not_our_quoted_reply():
    own = "Sí, la capacitación es para cinco funcionarios de nuestra ciudad."
    text = f"{own}\n\n> Training in Korea:\n> Project status:"
    assert extract_text(text).language == "es"


# --- HTML-derived text -----------------------------------------------------------------


def test_html_table_form():
    html = """<html><body><p>Dear team,</p>
    <table>
      <tr><td><b>Country</b></td><td>Peru</td></tr>
      <tr><td>Organization type:</td><td>Municipalidad</td></tr>
      <tr><td>Project title</td><td>Smart Cusco</td></tr>
    </table>
    <ul><li>Support requested: Master plan</li><li>Training in Korea: yes</li></ul>
    <p>Regards,<br>Ana</p></body></html>"""
    fields = extract_text(html_to_text(html)).fields
    assert fields == {
        "applicant": {"country": "PE", "organization_type": "local_government"},
        "project": {"title": "Smart Cusco"},
        "support": {"requested": ["master_plan"], "training": True},
    }


# --- Whole messages: body, attachments, sender -------------------------------------------


def docx_bytes(paragraphs=(), rows=()) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if rows:
        table = document.add_table(rows=0, cols=2)
        for label, value in rows:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = label, value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def pdf_bytes(lines) -> bytes:
    """A one-page PDF showing ``lines`` in Helvetica (WinAnsi), built by hand."""

    def escaped(s):
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    shown = " ".join(f"({escaped(line)}) Tj T*" for line in lines)
    stream = f"BT /F1 11 Tf 14 TL 50 780 Td {shown} ET".encode("cp1252")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
        b" /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_body_only_message():
    result = extract(message(ENGLISH))
    assert result.fields == PERU
    assert result.sources == ["body"]


def test_json_attachment_nested_or_dotted():
    nested = {"applicant": {"country": "Perú", "organization": "Cusco"}, "project": {"sectors": ["Transport", "Salud"]}}
    dotted = {
        "support.requested": "Master plan", "support.training": True, "budget.requested_amount": 800000000, "x.y": 1,
    }
    msg = message("Please see the attached form.", [
        Attachment("form.json", "application/json", json.dumps(nested).encode()),
        Attachment("more.json", "application/octet-stream", json.dumps(dotted).encode()),
    ])
    result = extract(msg)
    assert result.fields == {
        "applicant": {"country": "PE", "organization": "Cusco"},
        "contact": {"email": "ana.quispe@municipalidad.gob.pe"},  # from the sender
        "project": {"sectors": ["transportation", "public_health"]},
        "support": {"requested": ["master_plan"], "training": True},
        "budget": {"requested_amount": {"amount": 800_000_000, "currency": None, "krw": None, "usd": None}},
    }
    assert result.sources == ["attachment:form.json", "attachment:more.json"]
    assert result.labels_found == 6
    assert result.language == "en"  # from the body's words


def test_body_wins_over_attachments():
    msg = message(
        "Country: Chile\nProject title: From the body",
        [Attachment("form.json", "application/json", b'{"applicant": {"country": "PE", "organization": "Cusco"}}')],
    )
    result = extract(msg)
    assert result.fields["applicant"] == {"country": "CL", "organization": "Cusco"}
    assert result.sources == ["body", "attachment:form.json"]


def test_sender_address_fills_a_missing_contact_email_only():
    assert extract(message("Country: Peru", from_addr="a@b.pe")).fields["contact"] == {"email": "a@b.pe"}
    given_email = extract(message("Email: ana@cusco.gob.pe", from_addr="a@b.pe"))
    assert given_email.fields["contact"] == {"email": "ana@cusco.gob.pe"}
    assert extract(message("Country: Peru", from_addr="")).fields == {"applicant": {"country": "PE"}}


def test_docx_attachment_paragraphs_and_table():
    data = docx_bytes(
        paragraphs=["Application form", "País: Perú", "Organización: Municipalidad del Cusco"],
        rows=[
            ("Título del proyecto", "Movilidad inteligente"),
            ("Resumen del proyecto", "Un centro de tráfico."),
            ("Monto solicitado", "USD 850,000"),
        ],
    )
    result = extract(message("Adjunto el formulario.", [Attachment("Formulario.docx", DOCX, data)]))
    assert result.fields["applicant"] == {"country": "PE", "organization": "Municipalidad del Cusco"}
    assert result.fields["project"] == {"title": "Movilidad inteligente", "summary": "Un centro de tráfico."}
    assert result.fields["budget"]["requested_amount"]["krw"] == 1_000_000_000
    assert result.sources == ["attachment:Formulario.docx"]
    assert result.language == "es"
    assert result.labels_found == 5


def test_xlsx_attachment_two_column_rows():
    data = xlsx_bytes([
        ("K-City Network application", None),
        ("Country", "Viet Nam"),
        ("Requested amount (KRW)", 800000000),
        ("Training in Korea", "Yes"),
        (None, None),
        ("Sectors", "Transport; Energy"),
    ])
    # Sent as a generic binary: recognised by its contents.
    result = extract(message("", [Attachment("form.bin", "application/octet-stream", data)]))
    assert result.fields["applicant"] == {"country": "VN"}
    assert result.fields["budget"]["requested_amount"]["krw"] == 800_000_000
    assert result.fields["support"] == {"training": True}
    assert result.fields["project"] == {"sectors": ["transportation", "energy"]}
    assert result.sources == ["attachment:form.bin"]


def test_pdf_attachment():
    data = pdf_bytes(["Country: Peru", "Organization: Municipalidad (Cusco)", "Project status: ongoing"])
    result = extract(message("", [Attachment("form.pdf", "application/pdf", data)], from_addr=""))
    assert result.fields == {
        "applicant": {"country": "PE", "organization": "Municipalidad (Cusco)"},
        "project": {"status": "ongoing"},
    }


def test_text_attachment_in_cp949():
    data = "국가: 페루\n사업명: 쿠스코 스마트 교통\n".encode("cp949")
    result = extract(message("", [Attachment("신청서.txt", "text/plain", data)], from_addr=""))
    assert result.fields == {"applicant": {"country": "PE"}, "project": {"title": "쿠스코 스마트 교통"}}
    assert result.language == "ko"


def test_unreadable_attachments_are_skipped():
    bad = [
        Attachment("form.pdf", "application/pdf", b"%PDF-1.4 garbage \x00\xff"),
        Attachment("form.pdf", "application/pdf", b"not a pdf at all"),
        Attachment("form.docx", DOCX, b"PK\x03\x04 truncated"),
        Attachment("form.xlsx", XLSX, docx_bytes(["Country: Peru"])[:500]),
        Attachment("form.json", "application/json", b"{not json"),
        Attachment("form.json", "application/json", b"[1, 2, 3]"),
        Attachment("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0"),
    ]
    result = extract(message("Country: Peru", bad))
    assert result.fields["applicant"] == {"country": "PE"}
    assert result.sources == ["body"]
    # Named for the reply, but not the photo: pictures are not sent to be read.
    assert result.unread == ["form.pdf", "form.pdf", "form.docx", "form.xlsx", "form.json", "form.json"]


def test_zip_bomb_is_refused_before_unpacking():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (MAX_UNZIPPED_BYTES + 1))
    data = out.getvalue()
    assert len(data) < MAX_BYTES  # small on the wire
    assert attachment_text(Attachment("form.docx", DOCX, data)) is None


def test_oversized_attachment_is_refused():
    data = b"Country: Peru\n" + b" " * MAX_BYTES
    assert attachment_text(Attachment("form.txt", "text/plain", data)) is None
    assert attachment_fields(Attachment("form.json", "application/json", b"{}" + b" " * MAX_BYTES)) is None


def test_attachment_fields_forms():
    def fields(payload):
        return attachment_fields(Attachment("f.json", "application/json", json.dumps(payload).encode()))

    assert fields({"fields": {"applicant.country": "Peru"}}) == {"applicant": {"country": "Peru"}}
    assert fields({"country": "Peru", "title": "Smart Cusco"}) == {
        "applicant": {"country": "Peru"}, "project": {"title": "Smart Cusco"},
    }
    assert fields({"unknown": 1, "applicant": {"country": ""}}) is None
    assert attachment_fields(Attachment("form.txt", "text/plain", b'{"country": "Peru"}')) is None


def test_decode_text():
    assert decode_text("País".encode("utf-8-sig")) == "País"
    assert decode_text("País".encode("utf-16")) == "País"
    assert decode_text("País: Perú".encode("cp1252")) == "País: Perú"
    assert decode_text("국가: 페루".encode("cp949")) == "국가: 페루"


# --- Language ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, lang",
    [
        ("We would like to apply for the program with our project.", "en"),
        ("Nos gustaría postular al programa con nuestro proyecto de la ciudad.", "es"),
        ("Nous souhaitons présenter notre projet pour le programme de la ville.", "fr"),
        ("저희 시는 이 사업에 신청하고자 합니다.", "ko"),
        ("We would like to apply for the program with our project.\n감사합니다", "en"),  # a Korean closing
        ("", None),
        ("Cusco 2020", None),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_ambiguous_labels_defer_to_the_text():
    # "Email" and "Contact" are labels in English and French alike.
    assert extract_text("Email: a@b.fr\nContact: Awa").language is None
    assert extract_text("Nous vous envoyons notre demande.\nEmail: a@b.fr\nContact: Awa").language == "fr"


# --- Robustness and speed ----------------------------------------------------------------


@given(st.text())
def test_extract_text_never_raises(text):
    assert isinstance(extract_text(text), Extraction)


_PIECES = st.sampled_from(
    [f.label(lang) for f in FIELDS for lang in ("en", "ko", "es", "fr")]
    + [":", "：", " ", "\n", "\t", "> ", ">> ", "-- \n", "**", "1. ", "- ", "|", "(", ")", "KRW", "억", "1,000", "yes",
       "On Monday Ana wrote:\n", "-----Original Message-----\n", "From: a\nSent: b\n", "[fill in]", "Best regards,\n"]
)


@settings(max_examples=300)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=5)), max_size=60))
def test_extract_text_never_raises_on_form_like_text(pieces):
    result = extract_text("".join(pieces))
    assert result.labels_found >= len(flatten(result.fields))  # every value has a label behind it


def test_long_hostile_text_is_quick():
    text = ("Country: " + "a" * 10_000 + "\n" + "> " * 5_000 + "\n" + "-" * 10_000 + "\n") * 20
    start = time.perf_counter()
    extract_text(text)
    assert time.perf_counter() - start < 2


def test_thank_you_sentence_ends_a_value_but_not_the_form():
    text = (
        "Thank you for the call. Here is our form:\n"
        "Project summary: Smart bus stops.\n\nThank you for your time.\n\nProject status: new"
    )
    fields = extract_text(text).fields
    assert fields["project"] == {"summary": "Smart bus stops.", "status": "new"}


def test_phone_signature_ends_the_form():
    fields = extract_text("Financing partners: IDB\nSent from my iPhone").fields
    assert fields == {"financing": {"partners": "IDB"}}


# --- Formats beyond Office's, and what cannot be read ------------------------------------------

ODF_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
)


def odf_bytes(body: str, mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    """An OpenDocument file as LibreOffice writes one: the mimetype first, then content.xml."""
    content = f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NAMESPACES}>' \
              f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", "<manifest/>")
    return out.getvalue()


def test_odt_attachment_paragraphs_tabs_and_table():
    body = (
        "<text:h>Formulaire de candidature</text:h>"
        "<text:p>Pays :<text:tab/>Pérou</text:p>"
        "<text:p>Organisation :<text:s/><text:span>Municipalité de Cusco</text:span></text:p>"
        "<table:table><table:table-row><table:table-cell><text:p>Intitulé du projet</text:p></table:table-cell>"
        "<table:table-cell><text:p>Transport intelligent</text:p></table:table-cell></table:table-row></table:table>"
    )
    result = extract(message("Ci-joint le formulaire.", [Attachment("formulaire.odt", ODT, odf_bytes(body))]))
    assert result.fields["applicant"]["country"] == "PE"
    assert result.fields["applicant"]["organization"] == "Municipalité de Cusco"
    assert result.fields["project"]["title"] == "Transport intelligent"
    assert result.sources == ["attachment:formulaire.odt"] and result.unread == []


def test_ods_spreadsheet_rows_read_as_labels_and_values():
    body = ("<table:table>" + "".join(
        f"<table:table-row><table:table-cell><text:p>{label}</text:p></table:table-cell>"
        f"<table:table-cell><text:p>{value}</text:p></table:table-cell></table:table-row>"
        for label, value in [("Country", "Colombia"), ("Project title", "Bogotá smart water")]) + "</table:table>")
    data = odf_bytes(body, "application/vnd.oasis.opendocument.spreadsheet")
    # Sent with a generic type and no extension: the content says what it is.
    result = extract(message("", [Attachment("form", "application/octet-stream", data)], from_addr=""))
    assert result.fields == {"applicant": {"country": "CO"}, "project": {"title": "Bogotá smart water"}}


def test_hostile_odt_is_refused_quietly():
    bomb = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(8))
            + f"]><office:document-content {ODF_NAMESPACES}><office:body><office:text><text:p>&i;</text:p>"
            "</office:text></office:body></office:document-content>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", bomb)
    assert attachment_text(Attachment("bomb.odt", ODT, out.getvalue())) is None
    many_spaces = odf_bytes('<text:p>Country:<text:s text:c="999999999"/>Peru</text:p>')
    assert attachment_text(Attachment("spaces.odt", ODT, many_spaces)) == "Country:" + " " * 100 + "Peru"


def test_html_and_csv_attachments():
    page = "<html><body><table><tr><td>Country</td><td>Peru</td></tr><tr><td>Organization</td>" \
           "<td>Municipalidad del Cusco</td></tr></table></body></html>"
    table = "Country,Kenya\nProject title,\"Nairobi, smart mobility\"\n"
    result = extract(message("", [Attachment("form.html", "text/html", page.encode()),
                                  Attachment("more.csv", "text/csv", table.encode())], from_addr=""))
    assert result.fields["applicant"] == {"country": "PE", "organization": "Municipalidad del Cusco"}
    assert result.fields["project"] == {"title": "Nairobi, smart mobility"}
    assert result.sources == ["attachment:form.html", "attachment:more.csv"]


def blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)  # what a scan is to a text reader: a page with no text
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_documents_we_cannot_read_are_named_and_pictures_are_not():
    attachments = [
        Attachment("신청서.hwp", "application/x-hwp", b"HWP Document File" + b"\0" * 100),
        Attachment("Formulario.doc", "application/msword", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100),
        Attachment("scan.pdf", "application/pdf", blank_pdf()),
        Attachment(None, "application/vnd.ms-powerpoint", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
        Attachment("logo.png", "image/png", b"\x89PNG\r\n\x1a\n"),
        Attachment("signature.asc", "application/pgp-signature", b"-----BEGIN PGP SIGNATURE-----"),
        Attachment("brochure.txt", "text/plain", "Cusco is a beautiful city.".encode()),  # read: no form in it
    ]
    result = extract(message("Please find our application attached.", attachments))
    assert result.unread == ["신청서.hwp", "Formulario.doc", "scan.pdf", "#4"]


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("form.DOCX", "application/octet-stream", True),
        ("budget.xls", "application/octet-stream", True),
        ("application.zip", "application/zip", True),
        (None, "application/vnd.ms-excel", True),
        (None, "text/plain", True),
        ("photo.jpeg", "image/jpeg", False),
        (None, "message/delivery-status", False),
        ("invite.ics", "text/calendar", False),
    ],
)
def test_is_document(name, content_type, expected):
    assert is_document(Attachment(name, content_type, b"")) is expected


# --- A label alone on its line, the value below (forms turned into text) ----------------------


def test_labels_alone_on_their_lines_with_values_below():
    text = "Country\nPeru\n\nOrganization\n\nMunicipalidad del Cusco\nProject summary\nA smart bus network.\nIt links the old town.\n"
    result = extract_text(text)
    assert result.fields["applicant"] == {"country": "PE", "organization": "Municipalidad del Cusco"}
    assert result.fields["project"]["summary"] == "A smart bus network.\nIt links the old town."
    assert result.labels_found == 3


def test_a_pdf_form_with_labels_above_values():
    data = pdf_bytes(["Pais", "Colombia", "Titulo del proyecto", "Bogota agua inteligente"])
    result = extract(message("", [Attachment("formulario.pdf", "application/pdf", data)], from_addr=""))
    assert result.fields["applicant"]["country"] == "CO"
    assert result.fields["project"]["title"] == "Bogota agua inteligente"


def test_a_label_word_with_nothing_under_it_is_not_a_label():
    result = extract_text("Country\n\nOrganization: Cusco\n\nEmail\n")
    assert result.fields == {"applicant": {"organization": "Cusco"}}
    assert result.labels_found == 1


def test_a_line_that_only_starts_with_a_label_is_prose():
    result = extract_text("Country of origin\nPeru\nOrganization charts\nAttached\n")
    assert result.fields == {} and result.labels_found == 0


def test_korean_labels_alone_on_their_lines():
    result = extract_text("국가\n페루\n사업명\n쿠스코 스마트 교통\n")
    assert result.fields == {"applicant": {"country": "PE"}, "project": {"title": "쿠스코 스마트 교통"}}
    assert result.language == "ko"


def test_text_attachment_in_an_undeclared_cyrillic_charset():
    letter = ("Country: Kazakhstan\nOrganization: Акимат города Алматы\n"
              "Project title: Умная система общественного транспорта для города Алматы\n"
              "Project summary: Интеллектуальная транспортная система с датчиками на перекрёстках.\n")
    result = extract(message("", [Attachment("заявка.txt", "text/plain", letter.encode("koi8-r"))], from_addr=""))
    assert result.fields["applicant"]["organization"] == "Акимат города Алматы"
