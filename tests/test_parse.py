"""parse_message: charsets, bodies, attachments, headers, and mail that is broken on purpose."""

from __future__ import annotations

import base64
import quopri
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mail.html_text import html_to_text
from mail.message import ParsedMessage
from mail.parse import MAX_PARTS, decode_bytes, parse_message

DATA = Path(__file__).parent / "data" / "mail"


def mail(headers: str | bytes, body: str | bytes = b"") -> bytes:
    """Raw message from header lines (one per line, continuation lines indented) and a body."""
    if isinstance(headers, str):
        headers = headers.encode("utf-8")
    if isinstance(body, str):
        body = body.encode("utf-8")
    head = headers.strip(b"\n").replace(b"\n", b"\r\n")
    return head + b"\r\n\r\n" + body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def text_mail(body: bytes, content_type: str = "text/plain; charset=utf-8", cte: str = "8bit") -> bytes:
    return mail(
        f"From: a@example.org\nSubject: s\nMIME-Version: 1.0\nContent-Type: {content_type}\n"
        f"Content-Transfer-Encoding: {cte}",
        body,
    )


# --- charsets of the body --------------------------------------------------

KOREAN = "케이시티 네트워크 신청서: 수원시"
JAPANESE = "スマートシティ申請書、東京都"
CHINESE = "智慧城市合作项目申请：深圳市"


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("euc-kr", KOREAN),
        ("EUC-KR", KOREAN),
        ("ks_c_5601-1987", KOREAN),
        ("iso-2022-jp", JAPANESE),
        ("shift_jis", JAPANESE),
        ("gb18030", CHINESE),
        ("gb2312", CHINESE),
        ("gbk", CHINESE),
        ("big5", "智慧城市合作"),
        ("windows-1250", "Zażółć gęślą jaźń, Łódź"),
        ("windows-1251", "Заявка: город Алматы"),
        ("windows-1252", "Café “Smart City” – €5"),
        ("windows-1253", "Αίτηση: Αθήνα"),
        ("windows-1254", "Başvuru: İstanbul Büyükşehir"),
        ("windows-1256", "طلب: مدينة الرياض"),
        ("windows-1258", "Đà Lat, Ưu đăi"),
        ("iso-8859-1", "São Paulo, Bogotá"),
        ("iso-8859-2", "Zażółć gęślą jaźń"),
        ("iso-8859-5", "Заявка: город Бишкек"),
        ("iso-8859-7", "Αίτηση: Θεσσαλονίκη"),
        ("iso-8859-9", "Başvuru: İzmir"),
        ("iso-8859-15", "Prix: 5 € à Besançon"),
        ("utf-8", f"{KOREAN} / {JAPANESE} / {CHINESE}"),
        ("UTF8", "Ciudad de México"),
        ('"utf-8"', "Ciudad de México"),
    ],
)
@pytest.mark.parametrize("cte", ["8bit", "base64", "quoted-printable"])
def test_body_in_any_declared_charset_is_decoded(charset, text, cte):
    python_codec = {"ks_c_5601-1987": "cp949", '"utf-8"': "utf-8", "UTF8": "utf-8"}.get(charset, charset)
    data = f"{text}\nLine two.\n".encode(python_codec)
    if cte == "base64":
        data = base64.encodebytes(data)
    elif cte == "quoted-printable":
        data = quopri.encodestring(data)
    parsed = parse_message(text_mail(data, f"text/plain; charset={charset}", cte))
    assert parsed.text == f"{text}\nLine two."
    assert parsed.defects == []


def test_gb2312_label_decodes_gbk_and_gb18030_characters():
    # Mail labelled gb2312 is in practice GBK or GB18030: 镕 and 囍 are not in GB2312.
    text = "朱镕基 囍 𠀀"
    parsed = parse_message(text_mail(text.encode("gb18030"), "text/plain; charset=gb2312"))
    assert parsed.text == text


def test_korean_outlook_label_decodes_characters_outside_euc_kr():
    # Outlook labels Windows-949 "ks_c_5601-1987"; 똠 is in EUC-KR, 햏 and 뷁 only in Windows-949.
    text = "똠방각하 뷁"
    parsed = parse_message(text_mail(text.encode("cp949"), "text/plain; charset=ks_c_5601-1987"))
    assert parsed.text == text


def test_iso_2022_jp_with_half_width_katakana_is_decoded():
    text = "ｶﾀｶﾅ です"
    parsed = parse_message(text_mail(text.encode("iso2022_jp_ext"), "text/plain; charset=iso-2022-jp"))
    assert parsed.text == text


def test_latin1_label_reads_windows_1252_quotes():
    parsed = parse_message(text_mail(b"\x93Smart City\x94 \x80100", "text/plain; charset=iso-8859-1"))
    assert parsed.text == "“Smart City” €100"


def test_undeclared_utf8_is_decoded():
    text = "Ciudad de México — 서울"
    parsed = parse_message(mail("From: a@example.org\nSubject: s", text.encode("utf-8")))
    assert parsed.text == text


def test_undeclared_8bit_that_is_not_utf8_falls_back_to_windows_1252():
    parsed = parse_message(mail("From: a@example.org\nSubject: s", "Bogotá, Perú".encode("cp1252")))
    assert parsed.text == "Bogotá, Perú"


# Undeclared legacy charsets: application mail of a few sentences, as applicants write it.
RUSSIAN_LETTER = (
    "Уважаемые коллеги!\n"
    "Направляем заявку города Казань на участие в программе K-City Network. Наш город развивает "
    "цифровую инфраструктуру, интеллектуальные транспортные системы и электронное правительство.\n"
    "С уважением,\nИван Петров, отдел международного сотрудничества"
)
KAZAKH_CITY_LETTER = (
    "Уважаемые коллеги!\n"
    "Акимат города Алматы направляет заявку на участие в программе K-City. Мы реализуем проекты "
    "умного города: управление дорожным движением, цифровые госуслуги, мониторинг качества воздуха.\n"
    "С уважением,\nАйгуль Нурланова, управление цифровизации"
)
KOREAN_LETTER = (
    "안녕하십니까.\n"
    "수원시는 K-City 네트워크 글로벌 협력 프로그램에 참가 신청서를 제출합니다. 저희 시는 스마트 교통 "
    "시스템과 디지털 행정 서비스를 추진하고 있으며, 해외 도시와의 협력을 기대하고 있습니다.\n"
    "감사합니다.\n김민지 드림"
)
JAPANESE_LETTER = (
    "お世話になっております。\n"
    "横浜市国際局の田中です。K-City ネットワーク国際協力プログラムへの申請書を提出いたします。"
    "本市ではスマート交通と防災システムの整備を進めております。\n"
    "よろしくお願いいたします。\n田中 太郎"
)
CHINESE_LETTER = (
    "尊敬的先生/女士：\n"
    "深圳市人民政府谨此提交参加K-City网络全球合作项目的申请。我市在智慧交通、数字政务和城市管理方面"
    "积累了丰富经验，希望与各国城市开展合作。\n此致\n敬礼"
)


@pytest.mark.parametrize(
    ("codec", "text"),
    [
        ("koi8_r", RUSSIAN_LETTER),
        ("cp1251", KAZAKH_CITY_LETTER),
        ("cp949", KOREAN_LETTER),
        ("shift_jis", JAPANESE_LETTER),
        ("euc_jp", JAPANESE_LETTER),
        ("gb2312", CHINESE_LETTER),
    ],
)
def test_undeclared_legacy_charset_is_detected_and_noted(codec, text):
    parsed = parse_message(mail("From: a@example.org\nSubject: s", text.encode(codec)))
    assert parsed.text == text
    assert any("without charset, read as" in defect for defect in parsed.defects)


@pytest.mark.parametrize("label", ["unknown-8bit", "x-unknown", "us-ascii", "x-klingon"])
def test_uninformative_label_on_legacy_text_is_detected(label):
    parsed = parse_message(text_mail(RUSSIAN_LETTER.encode("koi8_r"), f"text/plain; charset={label}"))
    assert parsed.text == RUSSIAN_LETTER


def test_declared_charset_is_honoured_even_when_detection_would_differ():
    # KOI8-R bytes labelled latin-1 are read as the label says: the sender's word beats a guess.
    data = RUSSIAN_LETTER.encode("koi8_r")
    assert decode_bytes(data, "iso-8859-1") == (data.decode("cp1252"), None)
    assert decode_bytes(data, "koi8-r") == (RUSSIAN_LETTER, None)


@pytest.mark.parametrize(
    "text",
    [
        # Left to itself, the detector reads most of these as UTF-16, Big5, Urdu, EBCDIC or Latin-2.
        "café", "Montréal", "Ça va ? Crème brûlée à Genève", "Réf. n° 12 : 5 €", "“Smart City” – L’équipe",
        "Bogotá, Perú", "São Paulo", "¿Qué tal, Señor Núñez?", "¡Hola, José!", "Ñandú",
        "Grüße aus München", "Jönköping", "Düsseldorf, Köln und Zürich", "Straße",
    ],
)
def test_short_undeclared_western_text_stays_windows_1252(text):
    assert decode_bytes(text.encode("cp1252"), None) == (text, None)


FRENCH_LETTER = (
    "Madame, Monsieur,\nNous avons le plaisir de vous soumettre la candidature de la ville de Besançon. "
    "Notre équipe a développé des projets innovants : éclairage public intelligent, gestion des déchets, "
    "mobilité électrique et télé-services. Le budget prévu s’élève à 5 000 € par an, réparti entre "
    "l’État, la région et la métropole. Veuillez agréer nos salutations distinguées.\nFrançois Lefèvre, "
    "chargé de mission « Ville intelligente », Hôtel de Ville, Besançon"
)
SPANISH_LETTER = (
    "Estimados señores:\nAdjuntamos la solicitud de la ciudad de Medellín para el programa de cooperación. "
    "Nuestra alcaldía trabaja en movilidad sostenible, gestión del agua, iluminación pública y gobierno "
    "electrónico. ¿Podrían confirmarnos la recepción? ¿Cuál es el plazo? Atentamente,\nJosé Pérez Núñez, "
    "Oficina de Relaciones Internacionales, Alcaldía de Medellín, Bogotá, Perú, Córdoba"
)
GERMAN_LETTER = (
    "Sehr geehrte Damen und Herren,\nanbei übersenden wir Ihnen die Bewerbung der Stadt Düsseldorf. Unsere "
    "Schwerpunkte sind öffentlicher Nahverkehr, Energieeffizienz, Wärmeplanung und digitale Bürgerdienste. "
    "Für Rückfragen stehen wir gerne zur Verfügung; Grüße auch von Frau Jürgens aus München.\nMit "
    "freundlichen Grüßen\nJürgen Müller, Amt für Stadtentwicklung, Königsallee 5, Düsseldorf"
)


@pytest.mark.parametrize("text", [FRENCH_LETTER, SPANISH_LETTER, GERMAN_LETTER])
def test_long_undeclared_western_text_stays_windows_1252(text):
    text = "\n\n".join([text] * 4)  # a thread that quotes the earlier letters
    data = text.encode("cp1252")
    assert len(data.translate(None, bytes(range(128)))) >= 64  # enough 8-bit bytes for the detector to look
    assert decode_bytes(data, None) == (text, None)


def test_undeclared_utf8_is_read_as_utf8_without_a_note():
    text = f"{KOREAN_LETTER}\n{RUSSIAN_LETTER}\nCafé"
    assert decode_bytes(text.encode("utf-8"), None) == (text, None)


def test_megabytes_of_undeclared_multibyte_text_are_detected_from_a_prefix():
    # Only the first 64 KB are examined, ended at a line break: byte 65,536 is mid-character here.
    text = "x" + (JAPANESE_LETTER + "\n") * 20_000
    data = text.encode("shift_jis")
    assert len(data) > 3_000_000
    with pytest.raises(UnicodeDecodeError):
        data[:65536].decode("shift_jis")
    assert decode_bytes(data, None) == (text, "8-bit text without charset, read as cp932")


def test_bytes_past_the_examined_prefix_that_do_not_fit_are_replaced_and_noted():
    data = (KOREAN_LETTER + "\n").encode("cp949") * 1000 + b"\xff end"
    text, note = decode_bytes(data, None)
    assert text.startswith(KOREAN_LETTER) and text.endswith("\ufffd end")
    assert "cp949" in note and "replaced" in note


def test_long_raw_8bit_korean_subject_without_charset_is_detected():
    subject = "K-City 네트워크 글로벌 협력 프로그램 참가 신청서를 제출합니다 (경기도 수원시 국제협력과)"
    parsed = parse_message(mail(b"From: a@example.org\nSubject: " + subject.encode("cp949")))
    assert parsed.subject == subject


@pytest.mark.parametrize(
    ("codec", "subject"), [("koi8_r", "Заявка на участие: город Казань"), ("cp949", "신청서 제출 - 수원시")]
)
def test_short_raw_8bit_subject_without_charset_is_read_as_windows_1252(codec, subject):
    # Too few bytes for a reliable guess: read as before rather than guessed at random.
    data = subject.encode(codec)
    parsed = parse_message(mail(b"From: a@example.org\nSubject: " + data))
    assert parsed.subject == data.decode("cp1252")


def test_us_ascii_label_on_utf8_text_is_read_as_utf8_and_noted():
    parsed = parse_message(text_mail("Düsseldorf".encode(), "text/plain; charset=us-ascii"))
    assert parsed.text == "Düsseldorf"
    assert any("us-ascii" in defect for defect in parsed.defects)


@pytest.mark.parametrize("charset", ["x-klingon", "base64", "rot13", "utf-8\x00", "a" * 300, "'", ""])
def test_unknown_or_hostile_charset_label_is_guessed_and_noted(charset):
    parsed = parse_message(text_mail("Montréal".encode(), f'text/plain; charset="{charset}"'))
    assert parsed.text == "Montréal"


def test_unknown_charset_is_listed_in_defects():
    parsed = parse_message(text_mail("Montréal".encode(), "text/plain; charset=x-klingon"))
    assert "unknown charset 'x-klingon'" in parsed.defects


def test_bytes_invalid_in_declared_charset_are_replaced_and_noted():
    parsed = parse_message(text_mail(b"Seoul \xff\xfe city", "text/plain; charset=utf-8"))
    assert parsed.text.startswith("Seoul ") and parsed.text.endswith(" city")
    assert "\ufffd" in parsed.text
    assert any("not valid" in defect for defect in parsed.defects)


def test_decode_bytes_undeclared_ascii_is_clean():
    assert decode_bytes(b"plain ascii", None) == ("plain ascii", None)


# --- headers ---------------------------------------------------------------


def test_encoded_word_subjects_in_several_charsets():
    raw = mail(
        "From: =?EUC-KR?B?" + base64.b64encode("김민지".encode("euc-kr")).decode() + "?= <MinJi.Kim@Suwon.GO.KR>\n"
        "To: desk@kcity.test\n"
        "Subject: =?ISO-2022-JP?B?" + base64.b64encode(JAPANESE.encode("iso2022_jp")).decode() + "?=\n"
        " =?gb2312?B?" + base64.b64encode("申请".encode("gb2312")).decode() + "?=\n"
        "X-Note: =?iso-8859-1?Q?S=E3o_Paulo?= and =?windows-1251?Q?=C7=E0=FF=E2=EA=E0?="
    )
    parsed = parse_message(raw)
    assert parsed.subject == JAPANESE + "申请"  # white space between encoded words is dropped
    assert parsed.from_name == "김민지"
    assert parsed.from_addr == "minji.kim@suwon.go.kr"
    assert parsed.header("x-note") == "São Paulo and Заявка"


def test_multibyte_character_split_across_encoded_words_is_joined():
    data = "서울특별시".encode("utf-8")
    first, second = base64.b64encode(data[:4]).decode(), base64.b64encode(data[4:]).decode()
    parsed = parse_message(mail(f"Subject: =?utf-8?B?{first}?= =?UTF-8?B?{second}?="))
    assert parsed.subject == "서울특별시"


def test_broken_encoded_word_is_kept_as_written():
    parsed = parse_message(mail("Subject: Hello =?utf-8?B?@@@@?= and =?utf-8?Q?ok?="))
    assert parsed.subject == "Hello =?utf-8?B?@@@@?= and ok"


def test_raw_8bit_utf8_header_is_decoded():
    parsed = parse_message(mail("From: Ana Quispe <ana@example.pe>\nSubject: Solicitud de Cusco – Perú".encode()))
    assert parsed.subject == "Solicitud de Cusco – Perú"
    assert any("8-bit" in defect for defect in parsed.defects)


def test_raw_8bit_header_in_the_body_charset_is_decoded_with_that_charset():
    raw = mail(
        "Subject: 신청서 제출\nContent-Type: text/plain; charset=euc-kr".encode("euc-kr"),
        "본문".encode("euc-kr"),
    )
    parsed = parse_message(raw)
    assert parsed.subject == "신청서 제출"
    assert parsed.text == "본문"


def test_folded_headers_are_unfolded_and_repeated_headers_kept_in_order():
    raw = mail(
        "Received: from a.example.org\n\tby b.example.org; Mon, 3 Mar 2025 10:00:00 +0900\n"
        "Received: from c.example.org by a.example.org\n"
        "Subject: K-City Network\n application from\n\tSuwon"
    )
    parsed = parse_message(raw)
    assert parsed.subject == "K-City Network application from Suwon"
    assert parsed.headers["received"] == [
        "from a.example.org by b.example.org; Mon, 3 Mar 2025 10:00:00 +0900",
        "from c.example.org by a.example.org",
    ]


def test_addresses_ids_and_date():
    raw = mail(
        'From: "Quispe, Ana" <Ana.Quispe@Cusco.GOB.PE>\n'
        "To: K-City Desk <Desk@KCity.test>, other@example.org\n"
        "Reply-To: Office <Office@Cusco.gob.pe>\n"
        "Message-ID: <abc.123@cusco.gob.pe>\n"
        "In-Reply-To: <first@kcity.test> (your message)\n"
        "References: <first@kcity.test>\n <second@kcity.test>\n"
        "Date: Mon, 3 Mar 2025 10:00:00 -0500\n"
        "Return-Path: <bounces@cusco.gob.pe>"
    )
    parsed = parse_message(raw)
    assert (parsed.from_name, parsed.from_addr) == ("Quispe, Ana", "ana.quispe@cusco.gob.pe")
    assert parsed.to == ["desk@kcity.test", "other@example.org"]
    assert parsed.reply_to == "office@cusco.gob.pe"
    assert parsed.message_id == "<abc.123@cusco.gob.pe>"
    assert parsed.in_reply_to == "<first@kcity.test>"
    assert parsed.references == ["<first@kcity.test>", "<second@kcity.test>"]
    assert parsed.date == datetime(2025, 3, 3, 10, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert parsed.return_path == "bounces@cusco.gob.pe"


@pytest.mark.parametrize(
    ("header", "expected"),
    [("", None), ("Return-Path: <>\n", ""), ("Return-Path: <MAILER@Example.org>\n", "mailer@example.org")],
)
def test_return_path(header, expected):
    assert parse_message(mail(header + "Subject: s")).return_path == expected


@pytest.mark.parametrize("date", ["yesterday", "Mon, 99 Foo 2025 99:99:99", "", "Mon, 3 Mar 99999 10:00:00 +0000"])
def test_unparsable_date_is_none(date):
    assert parse_message(mail(f"Date: {date}\nSubject: s")).date is None


def test_missing_headers_give_empty_values():
    parsed = parse_message(mail("X-Only: this", "body"))
    assert (parsed.from_addr, parsed.from_name, parsed.subject) == ("", "", "")
    assert (parsed.message_id, parsed.in_reply_to, parsed.reply_to, parsed.date) == (None, None, None, None)
    assert (parsed.to, parsed.references, parsed.content_type) == ([], [], "text/plain")


def test_message_id_without_brackets_is_bracketed():
    assert parse_message(mail("Message-ID: abc@example.org")).message_id == "<abc@example.org>"


# --- bodies ----------------------------------------------------------------

ALTERNATIVE = mail(
    'From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="b1"',
    "--b1\nContent-Type: text/plain; charset=utf-8\n\nCity: Suwon\nCountry: Korea\n"
    "--b1\nContent-Type: text/html; charset=utf-8\n\n<p>City: <b>Suwon</b></p><p>Country: Korea</p>\n"
    "--b1--\n",
)


def test_multipart_alternative_prefers_plain_text_and_keeps_html():
    parsed = parse_message(ALTERNATIVE)
    assert parsed.content_type == "multipart/alternative"
    assert parsed.text == "City: Suwon\nCountry: Korea"
    assert parsed.html == "<p>City: <b>Suwon</b></p><p>Country: Korea</p>"
    assert parsed.attachments == []


def test_html_only_mail_becomes_readable_lines():
    html = (
        "<html><head><title>Form</title><style>p {color: red}</style></head><body>"
        "<div>City:&nbsp;Suwon</div><div>Country: Korea &amp; friends</div>"
        "Line<br>break<ul><li>one</li><li>two</li></ul>"
        "<table><tr><td>Contact</td><td>Kim</td></tr><tr><td>Phone</td><td>+82 31</td></tr></table>"
        "<script>var secret = 1;</script></body></html>"
    )
    parsed = parse_message(text_mail(html.encode(), "text/html; charset=utf-8"))
    assert parsed.html == html
    assert parsed.text == (
        "City: Suwon\nCountry: Korea & friends\nLine\nbreak\n\none\ntwo\n\nContact\tKim\nPhone\t+82 31"
    )


def test_empty_plain_part_falls_back_to_html():
    raw = mail(
        'Content-Type: multipart/alternative; boundary="b"',
        "--b\nContent-Type: text/plain\n\n\n--b\nContent-Type: text/html\n\n<p>Only here</p>\n--b--\n",
    )
    assert parse_message(raw).text == "Only here"


def test_html_in_legacy_charset_is_decoded_before_conversion():
    html = "<p>Заявка от города</p>".encode("koi8-r")
    assert parse_message(text_mail(html, "text/html; charset=koi8-r")).text == "Заявка от города"


def test_html_to_text_survives_hostile_markup():
    assert isinstance(html_to_text("<![if <a href='"), str)
    assert html_to_text("<p>a</p" * 10_000).startswith("a")


def test_crlf_line_endings_become_newlines():
    assert parse_message(text_mail(b"one\r\ntwo\rthree\r\n")).text == "one\ntwo\nthree"


# --- attachments -----------------------------------------------------------


def mixed(*parts: str) -> bytes:
    body = "".join(f"--m\n{part}\n" for part in parts) + "--m--\n"
    return mail('From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="m"', body)


def test_json_attachment_keeps_its_bytes_type_and_name():
    payload = b'{"city": "Suwon", "country": "KR"}'
    raw = mixed(
        "Content-Type: text/plain\n\nPlease find our application attached.",
        'Content-Type: application/json; name="application.json"\n'
        'Content-Disposition: attachment; filename="application.json"\n'
        "Content-Transfer-Encoding: base64\n\n" + base64.b64encode(payload).decode(),
    )
    parsed = parse_message(raw)
    assert parsed.text == "Please find our application attached."
    assert [(a.filename, a.content_type, a.data) for a in parsed.attachments] == [
        ("application.json", "application/json", payload)
    ]


def test_rfc2231_filename_in_utf8_is_decoded():
    raw = mixed(
        "Content-Type: text/plain\n\nbody",
        "Content-Type: application/pdf\n"
        "Content-Disposition: attachment;\n"
        " filename*=UTF-8''%EC%8B%A0%EC%B2%AD%EC%84%9C%20%EC%88%98%EC%9B%90.pdf\n\n%PDF",
    )
    assert parse_message(raw).attachments[0].filename == "신청서 수원.pdf"


def test_rfc2231_continued_filename_in_iso_2022_jp_is_decoded():
    quoted = "".join(f"%{b:02x}" for b in "申請書".encode("iso2022_jp"))
    raw = mixed(
        "Content-Type: text/plain\n\nbody",
        "Content-Type: application/pdf\nContent-Disposition: attachment;\n"
        f" filename*0*=ISO-2022-JP'ja'{quoted[:12]};\n filename*1*={quoted[12:]};\n filename*2=.pdf\n\n%PDF",
    )
    assert parse_message(raw).attachments[0].filename == "申請書.pdf"


def test_rfc2047_encoded_filename_as_outlook_writes_it():
    encoded = base64.b64encode("제안서.docx".encode()).decode()
    raw = mixed(
        "Content-Type: text/plain\n\nbody",
        f'Content-Type: application/octet-stream; name="=?UTF-8?B?{encoded}?="\n\nDATA',
    )
    assert parse_message(raw).attachments[0].filename == "제안서.docx"


def test_text_part_marked_attachment_or_named_is_not_the_body():
    raw = mixed(
        "Content-Type: text/plain\n\nThe body.",
        "Content-Type: text/plain\nContent-Disposition: attachment\n\nnot the body",
        'Content-Type: text/plain; name="notes.txt"\n\nnot the body either',
        "Content-Type: text/csv\n\ncity,country\nSuwon,KR",
    )
    parsed = parse_message(raw)
    assert parsed.text == "The body."
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        (None, "text/plain"),
        ("notes.txt", "text/plain"),
        (None, "text/csv"),
    ]


def test_inline_image_without_name_is_an_attachment():
    raw = mixed(
        "Content-Type: text/plain\n\nbody",
        "Content-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=",
    )
    assert parse_message(raw).attachments[0].data == b"\x89PNG\r\n\x1a\n"


def test_enclosed_message_and_rfc822_headers_give_their_headers():
    raw = mixed(
        "Content-Type: text/plain\n\nForwarding the original.",
        "Content-Type: message/rfc822\n\nFrom: Ana <ana@cusco.gob.pe>\nMessage-ID: <orig@cusco.gob.pe>\n"
        "Subject: =?utf-8?Q?Solicitud_Per=C3=BA?=\n\nOriginal body",
        "Content-Type: text/rfc822-headers\n\nMessage-ID: <sent@kcity.test>\nSubject: Our reply",
    )
    parsed = parse_message(raw)
    assert parsed.text == "Forwarding the original."  # the message's own text, not the enclosed one
    assert [h["message-id"] for h in parsed.enclosed_headers] == [["<orig@cusco.gob.pe>"], ["<sent@kcity.test>"]]
    assert parsed.enclosed_headers[0]["subject"] == ["Solicitud Perú"]


def test_forward_with_no_text_of_its_own_shows_the_enclosed_text():
    raw = mixed("Content-Type: message/rfc822\n\nSubject: Application\n\nCity: Cusco")
    assert parse_message(raw).text == "City: Cusco"


# --- broken and hostile mail -----------------------------------------------


def test_multipart_without_boundary_reads_the_body_as_text():
    raw = mail("Content-Type: multipart/mixed", "City: Suwon")
    parsed = parse_message(raw)
    assert parsed.text == "City: Suwon"
    assert parsed.defects


def test_missing_final_boundary_keeps_the_parts():
    raw = mail('Content-Type: multipart/mixed; boundary="m"', "--m\nContent-Type: text/plain\n\nCity: Suwon\n")
    parsed = parse_message(raw)
    assert parsed.text == "City: Suwon"
    assert "CloseBoundaryNotFoundDefect" in parsed.defects


def test_broken_base64_does_not_stop_the_rest():
    raw = mixed(
        "Content-Type: text/plain\n\nbody",
        "Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n!!!not*base64===abc",
    )
    parsed = parse_message(raw)
    assert parsed.text == "body"
    assert len(parsed.attachments) == 1


def nested_multiparts(depth: int, filler: str = "") -> bytes:
    opening = "".join(f'--b{i}\nContent-Type: multipart/mixed; boundary="b{i + 1}"\n\n' for i in range(depth))
    closing = "".join(f"--b{i}--\n" for i in reversed(range(depth + 1)))
    body = opening + f"--b{depth}\nContent-Type: text/plain\n\nhello\n{filler}" + closing
    return mail('Subject: deep\nContent-Type: multipart/mixed; boundary="b0"', body)


def test_moderate_nesting_is_read_through():
    assert parse_message(nested_multiparts(15)).text == "hello"


@pytest.mark.parametrize(
    ("depth", "filler"),
    [(30, ""), (2000, ""), (500, "-\n" * 200_000)],  # the last took the stdlib parser 12 s alone
)
def test_endless_nesting_is_cut_off_cheaply(depth, filler):
    started = time.perf_counter()
    parsed = parse_message(nested_multiparts(depth, filler))
    assert time.perf_counter() - started < 5
    assert parsed.subject == "deep"
    assert any("nesting" in defect for defect in parsed.defects)


def test_endless_enclosed_messages_are_cut_off():
    enclosures = "Content-Type: message/rfc822\n\n" * 3000
    raw = mail("Subject: outer\nContent-Type: message/rfc822", enclosures + "Subject: inner\n\nx")
    parsed = parse_message(raw)
    assert parsed.subject == "outer"
    assert any("nesting" in defect for defect in parsed.defects)


def test_number_of_parts_is_capped():
    raw = mixed(*["Content-Type: application/octet-stream\n\nx"] * (MAX_PARTS + 100))
    parsed = parse_message(raw)
    assert len(parsed.attachments) < MAX_PARTS
    assert any(str(MAX_PARTS) in defect for defect in parsed.defects)


def test_huge_header_is_read():
    parsed = parse_message(mail("Subject: " + "x" * 1_000_000 + "\nFrom: a@example.org"))
    assert len(parsed.subject) == 1_000_000
    assert parsed.from_addr == "a@example.org"


def test_many_encoded_words_decode_quickly():
    started = time.perf_counter()
    parsed = parse_message(mail("Subject: " + "=?utf-8?Q?a?= " * 50_000))
    assert parsed.subject == "a" * 50_000
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00" * 100,
        b"\r\n\r\n\r\n",
        b"no headers at all, just text",
        b"Subject: \xff\xfe\x00\nContent-Type: text/plain; charset=\xff\n\n\xff\xfe",
        b"Content-Type: multipart/mixed; boundary=\n\n--\n--",
        b'Content-Type: multipart/mixed; boundary="' + b"x" * 10_000 + b'"\n\n',
        b"Content-Type: text/plain; charset*=utf-8''%ZZ%\n\nbody",
        b"Content-Disposition: attachment; filename*0*=utf-8'';filename*5*=x\n\nbody",
        b"Content-Type: message/rfc822\n\n",
        b"Content-Type: message/delivery-status\n\n\xff\n\n\x00",
        b"Content-Transfer-Encoding: x-uuencode\n\nbegin 644 f\n!!!\nend\n",
        b"From: <<<@@@>>>\nTo: ,,,,\nDate: \xff\nMessage-ID: <\nReferences: <<<>>>",
        b"Content-Type: text/html\n\n<![ <!-- <script>" + b"<" * 10_000,
        b"\x1b$B" * 1000,
    ],
)
def test_malformed_input_never_raises(raw):
    parsed = parse_message(raw)
    assert isinstance(parsed, ParsedMessage)
    assert isinstance(parsed.text, str)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(raw):
    assert isinstance(parse_message(raw), ParsedMessage)


HEADER_NAMES = st.sampled_from(
    ["From", "To", "Subject", "Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
     "Message-ID", "Date", "Return-Path", "References", "MIME-Version"]
)
MIMEISH = st.sampled_from(
    [b"multipart/mixed; boundary=b", b"message/rfc822", b"text/html; charset=iso-2022-jp", b"base64",
     b"=?utf-8?B?7ZWc?=", b"<a@b>", b"attachment; filename*=utf-8''%ED%95", b"--b", b"\xea\xb0\x80\xff", b"\n "]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(HEADER_NAMES, st.lists(MIMEISH | st.binary(max_size=20), max_size=4)), max_size=12),
       st.lists(MIMEISH | st.binary(max_size=30), max_size=20))
def test_random_mime_shaped_mail_never_raises(headers, body):
    raw = b"".join(name.encode() + b": " + b"".join(value) + b"\n" for name, value in headers)
    parsed = parse_message(raw + b"\n" + b"\n".join(body))
    assert isinstance(parsed, ParsedMessage)


def test_sample_korean_application_in_euc_kr():
    parsed = parse_message((DATA / "parse-euc-kr-application.eml").read_bytes())
    assert parsed.subject == "K-City Network 신청서 - 수원시"
    assert parsed.from_name == "김민지"
    assert "도시명: 수원시" in parsed.text.splitlines()
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [("신청서.json", "application/json")]
