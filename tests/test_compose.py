"""Replies: each kind in each language, subjects, read-back lines, and the MIME message."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email import policy
from email import message_from_bytes
from email.parser import BytesParser

import pytest

from mail.compose import KINDS, Reply, compose_reply, display_value, reply_subject, to_mime, to_wire
from mail.texts import resolve_language, texts_for
from rules.decision import INELIGIBLE, NEEDS_REVIEW, Decision, Reason
from rules.form import CATEGORIES, FIELDS, LANGUAGES, ORGANIZATION_TYPES, PROJECT_STATUSES, SECTORS
from rules.form import SUPPORT_TYPES, field, flatten
from rules.problem import Problem

REF = "KCN-2026-0042"
# Sentences of the call (call-2020.txt), verbatim, as the rules engine cites them.
PRIVATE_ONLY = (
    "However, in order to secure the strong initiative necessary for project implementation and ensure "
    "long-term project collaboration, entities that can apply for the program will be limited to "
    "governments, both central and local, and public sector entities and companies with the "
    "private-sector only participation not allowed."
)
CAP = "Korea plans to allocate up to one billion KRW or 0.85 million USD per project."
CALL_SITES = {"www.molit.go.kr", "www.smartcity.go.kr", "www.kindkorea.or.kr"}

FIELDS_GIVEN = {
    "applicant": {"country": "PE", "organization": "Municipality of Cusco", "organization_type": "local_government"},
    "contact": {"name": "Ana Quispe", "email": "ana.quispe@municipalidad.gob.pe"},
    "project": {
        "title": "Cusco Smart Mobility Plan",
        "category": "smart_solution",
        "sectors": ["transportation", "environment"],
        "summary": "A traffic management centre.\nSmart bus stops for the historic centre.",
        "status": "new",
    },
    "support": {"requested": ["master_plan"], "training": True},
    "budget": {"requested_amount": "KRW 800,000,000"},
}
PROBLEMS = [
    Problem("applicant.country", "missing", "The country is required.", "Peru"),
    Problem("contact.email", "invalid", "'ana@' is not an email address.", "ana.quispe@municipalidad.gob.pe"),
    Problem("project.sectors", "missing", "Sectors are required for smart solution projects.", "transportation"),
]
INELIGIBLE_DECISION = Decision(
    INELIGIBLE,
    (Reason("applicant_private_only", "Only governments and public sector entities may apply.", PRIVATE_ONLY),),
)


def compose(kind: str, lang: str | None = "en", **overrides) -> Reply:
    args = dict(
        language=lang,
        reference=REF,
        fields=FIELDS_GIVEN,
        problems=PROBLEMS if kind == "missing_fields" else [],
        decision=INELIGIBLE_DECISION if kind == "ineligible" else None,
        original_subject="Smart Cusco application",
    )
    return compose_reply(kind, **{**args, **overrides})


def form_lines(body: str, lang: str) -> list[tuple[str, str]]:
    """What an extractor reading ``Label: value`` lines at the start of a line would see."""
    found = []
    for line in body.splitlines():
        for f in FIELDS:
            if line.startswith(f"{f.label(lang)}:"):
                found.append((f.code, line[len(f.label(lang)) + 1 :].strip()))
    return found


# --- Subjects ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "original, expected",
    [
        ("Smart Cusco application", f"Re: Smart Cusco application [{REF}]"),
        ("Re: Smart Cusco application", f"Re: Smart Cusco application [{REF}]"),
        ("RE: Re: Fwd: Smart Cusco application", f"Re: Smart Cusco application [{REF}]"),
        ("AW: SV: Smart Cusco application", f"Re: Smart Cusco application [{REF}]"),
        ("Re[2]: Smart Cusco application", f"Re: Smart Cusco application [{REF}]"),
        ("답장: 스마트 쿠스코 신청", f"Re: 스마트 쿠스코 신청 [{REF}]"),
        ("回复：Smart Cusco", f"Re: Smart Cusco [{REF}]"),
        (f"Re: Smart Cusco application [{REF}]", f"Re: Smart Cusco application [{REF}]"),
        (f"[{REF}] Smart Cusco application", f"Re: Smart Cusco application [{REF}]"),
        (f"Re: Smart Cusco [{REF.lower()}] application", f"Re: Smart Cusco application [{REF}]"),
        ("Regional smart city plan", f"Re: Regional smart city plan [{REF}]"),
        ("  Smart\tCusco   application ", f"Re: Smart Cusco application [{REF}]"),
    ],
)
def test_reply_subject(original, expected):
    assert reply_subject(original, REF, "fallback") == expected


def test_reply_subject_without_reference():
    assert reply_subject("Re: Question about K-City", None, "fallback") == "Re: Question about K-City"


@pytest.mark.parametrize("original", ["", "   ", "Re:", "RE: Fwd: ", f"[{REF}]"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_empty_original_subject_gets_a_localized_subject(original, lang):
    reply = compose("acknowledgement", lang, original_subject=original)
    assert reply.subject == f"{texts_for(lang).subjects['acknowledgement']} [{REF}]"


def test_subject_line_breaks_cannot_inject_headers():
    subject = reply_subject("Hello\r\nBcc: victim@example.com\nX-Evil: 1\u2028more", REF, "fallback")
    assert "\r" not in subject and "\n" not in subject and "\u2028" not in subject
    assert subject == f"Re: Hello Bcc: victim@example.com X-Evil: 1 more [{REF}]"


# --- Each kind in each language ------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_reply_has_subject_greeting_reference_and_footer(kind, lang):
    reply = compose(kind, lang)
    t = texts_for(lang)
    assert (reply.kind, reply.language) == (kind, lang)
    assert reply.subject == f"Re: Smart Cusco application [{REF}]"
    assert reply.body.startswith(t.greeting_named.format(name="Ana Quispe"))
    assert t.reference_line.format(reference=REF) in reply.body
    assert reply.body.rstrip().endswith(f"-- \n{t.footer}")
    assert "{" not in reply.body and "}" not in reply.body  # every placeholder filled


@pytest.mark.parametrize("lang", LANGUAGES)
def test_acknowledgement_summarises_what_was_received(lang):
    t = texts_for(lang)
    body = compose("acknowledgement", lang).body
    for code, value in flatten(FIELDS_GIVEN).items():
        shown = display_value(field(code), value, lang).replace("\n", "\n    ")
        assert f"  {field(code).label(lang)}: {shown}" in body
    assert t.choices["local_government"] in body and "local_government" not in body
    assert t.ack_next in body
    assert t.reply_hint_ref.format(reference=REF) in body
    assert t.bot_link.split("{")[0] not in body  # no link given, no link line


def test_acknowledgement_in_english_reads_naturally():
    body = compose("acknowledgement", "en", bot_link="https://t.me/kcity_bot?start=KCN-2026-0042").body
    assert "Dear Ana Quispe," in body
    assert "  Organization type: local government" in body
    assert "  Country: Peru" in body
    assert "  Requested amount: KRW 800,000,000 (about USD 680,000)" in body
    assert "  Sectors: transportation, environment" in body
    assert "  Training in Korea: yes" in body
    assert "public-private review committee" in body
    assert "concept plan, master plan, pre-feasibility study or feasibility study" in body
    assert "Follow your application on Telegram: https://t.me/kcity_bot?start=KCN-2026-0042" in body


def test_acknowledgement_greets_without_a_name():
    body = compose("acknowledgement", "es", fields={"applicant": {"country": "PE"}}).body
    assert body.startswith(texts_for("es").greeting)


def test_acknowledgement_mentions_non_blocking_flags_with_their_citation():
    decision = Decision(NEEDS_REVIEW, (Reason("over_cap", "The amount is above the per-project cap.", CAP, False),))
    body = compose("acknowledgement", "fr", decision=decision).body
    assert "The amount is above the per-project cap." in body
    assert texts_for("fr").quote.format(CAP) in body


@pytest.mark.parametrize("lang", LANGUAGES)
def test_missing_fields_explains_each_problem_with_an_example(lang):
    t = texts_for(lang)
    body = compose("missing_fields", lang).body
    assert f"1. {field('applicant.country').label(lang)} — {t.missing_required}" in body
    assert f"2. {field('contact.email').label(lang)} — " in body
    assert "'ana@' is not an email address" in body  # the English message, under a localized lead-in
    assert t.invalid.split("{")[0] in body
    for problem in PROBLEMS:
        # choices are shown as the words of the reply's language, not as codes
        shown = problem.example
        if field(problem.field).kind in ("choice", "choices", "yes_no"):
            shown = display_value(field(problem.field), problem.example, lang)
        assert t.example.format(example=shown) in body
    if lang == "ko":
        assert "예시: 교통" in body


@pytest.mark.parametrize("lang", LANGUAGES)
def test_missing_fields_lines_read_back_as_exactly_the_problem_fields(lang):
    body = compose("missing_fields", lang).body
    assert form_lines(body, lang) == [(p.field, "") for p in PROBLEMS]
    block = body.split(texts_for(lang).fill_in, 1)[1].strip().split("\n\n")[0]
    for line, problem in zip(block.splitlines(), PROBLEMS, strict=True):
        assert line.startswith(f"{field(problem.field).label(lang)}:")


def test_missing_fields_filled_in_lines_read_back_with_their_values():
    body = compose("missing_fields", "ko").body
    filled = body.replace("국가: ", "국가: 페루").replace("이메일: ", "이메일: ana@cusco.gob.pe")
    assert ("applicant.country", "페루") in form_lines(filled, "ko")
    assert ("contact.email", "ana@cusco.gob.pe") in form_lines(filled, "ko")


def test_missing_fields_lists_a_field_once_and_skips_unknown_codes_in_the_form():
    problems = [
        Problem("contact.email", "missing", "Required.", "a@b.org"),
        Problem("contact.email", "invalid", "Not an address.", "a@b.org"),
        Problem("applicant.shoe_size", "missing", "Required.", "42"),
    ]
    body = compose("missing_fields", "en", problems=problems).body
    assert form_lines(body, "en") == [("contact.email", "")]
    assert "3. applicant.shoe_size — this information is required." in body


@pytest.mark.parametrize("lang", LANGUAGES)
def test_ineligible_gives_reasons_quoting_the_call(lang):
    t = texts_for(lang)
    body = compose("ineligible", lang).body
    assert t.reason.format(message="Only governments and public sector entities may apply.") in body
    assert t.citation.format(quote=t.quote.format(PRIVATE_ONLY)) in body
    assert t.ineligible_intro in body and t.info_sites in body
    assert all(site in body for site in CALL_SITES)


def test_ineligible_without_reasons_says_so_generically():
    body = compose("ineligible", "en", decision=None).body
    assert "does not meet the conditions set out in the call" in body


def test_ineligible_shows_only_blocking_reasons_when_there_are_some():
    decision = Decision(
        INELIGIBLE,
        (Reason("late", "Sent after the deadline.", "x", False), Reason("private", "Private only.", PRIVATE_ONLY)),
    )
    body = compose("ineligible", "en", decision=decision).body
    assert "Private only." in body and "Sent after the deadline." not in body


@pytest.mark.parametrize("lang", LANGUAGES)
def test_inquiry_explains_how_to_apply_with_the_blank_form(lang):
    t = texts_for(lang)
    body = compose("inquiry", lang, fields={}, deadline_note="NOTE-XYZ").body
    for text in (t.howto_who, t.howto_projects, t.howto_support, t.howto_send, t.info_sites, "NOTE-XYZ"):
        assert text in body
    assert [code for code, _ in form_lines(body, lang)] == [f.code for f in FIELDS]
    assert body.index(t.howto_send) < body.index("NOTE-XYZ") < body.index(t.form_heading)
    assert body.startswith(t.greeting)


@pytest.mark.parametrize("kind", ["acknowledgement", "missing_fields"])
def test_deadline_note_and_bot_link_come_before_the_footer(kind):
    body = compose(kind, "en", deadline_note="NOTE-XYZ", bot_link="https://t.me/x").body
    link = "Follow your application on Telegram: https://t.me/x"
    assert body.index("NOTE-XYZ") < body.index(link) < body.index("-- \n")


@pytest.mark.parametrize("kind", ["ineligible", "inquiry"])
def test_no_bot_link_for_a_rejection_or_a_question(kind):
    body = compose(kind, "en", deadline_note="NOTE-XYZ", bot_link="https://t.me/x").body
    assert "NOTE-XYZ" in body and "https://t.me/x" not in body


def test_inquiry_answers_come_before_how_to_apply():
    answers = ["Yes: existing projects underway can also benefit from the program.", "Second answer."]
    body = compose("inquiry", "en", answers=answers).body
    first, second, howto = (body.index(a) for a in [*answers, "How to apply"])
    assert first < second < howto


def test_inquiry_without_reference_asks_to_keep_the_subject():
    reply = compose("inquiry", "en", reference=None, original_subject="Question")
    assert reply.subject == "Re: Question"
    assert "Reference number" not in reply.body
    assert texts_for("en").reply_hint in reply.body


@pytest.mark.parametrize("language, expected", [(None, "en"), ("", "en"), ("de", "en"), ("KO", "ko"), ("es-PE", "es"), ("fr_FR", "fr")])
def test_language_falls_back_to_english(language, expected):
    assert resolve_language(language) == expected
    assert compose("acknowledgement", language).language == expected


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="unknown reply kind"):
        compose("thank_you")


# --- Texts stay complete and grounded in the call -------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_names_every_choice_and_kind(lang):
    t = texts_for(lang)
    codes = {*ORGANIZATION_TYPES, *CATEGORIES, *SECTORS, *SUPPORT_TYPES, *PROJECT_STATUSES}
    assert set(t.choices) == codes
    assert set(t.subjects) == set(KINDS)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_replies_name_only_the_call_websites_and_no_fees(kind, lang):
    body = compose(kind, lang).body
    assert set(re.findall(r"www\.[\w.-]+\w", body)) <= CALL_SITES
    assert not re.search(r"\bfees?\b|free of charge|gratuit|gratuito|수수료", body, re.I)


# --- Values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, value, lang, expected",
    [
        ("budget.requested_amount", "KRW 800,000,000", "en", "KRW 800,000,000 (about USD 680,000)"),
        ("budget.requested_amount", {"currency": "KRW", "amount": 1_000_000_000}, "ko", "KRW 1,000,000,000 (약 USD 850,000)"),
        ("budget.requested_amount", ("USD", 850_000), "en", "USD 850,000 (about KRW 1,000,000,000)"),
        ("budget.total_cost", "USD 12,000,000", "es", "USD 12.000.000 (aprox. KRW 14.100.000.000)"),
        ("budget.total_cost", "800 000 000 KRW", "fr", "KRW 800\u202f000\u202f000 (environ USD 680\u202f000)"),
        ("budget.total_cost", "EUR 5,000,000", "en", "EUR 5,000,000"),
        ("budget.total_cost", "about 5 million", "en", "about 5 million"),
        ("applicant.country", "PE", "ko", "페루"),
        ("applicant.country", "PER", "fr", "Pérou"),
        ("applicant.country", "Atlantis", "en", "Atlantis"),
        ("applicant.organization_type", "public_enterprise", "es", "empresa pública"),
        ("project.sectors", "transportation, water_resources", "fr", "transports, gestion des ressources en eau"),
        ("support.requested", ["concept_plan", "feasibility_study"], "ko", "기본구상, 타당성조사"),
        ("support.training", False, "fr", "non"),
        ("support.consulting", "yes", "es", "sí"),
        ("project.summary", " Line one.\nLine two.\n", "en", "Line one.\nLine two."),
    ],
)
def test_display_value(code, value, lang, expected):
    assert display_value(field(code), value, lang) == expected


# --- MIME ---------------------------------------------------------------------------

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


ADDRESSING = dict(
    sender="K-City Application Desk <desk@kcity.example>",
    to="ana.quispe@municipalidad.gob.pe",
    in_reply_to="<orig@municipalidad.gob.pe>",
    references=["<first@municipalidad.gob.pe>", "<orig@municipalidad.gob.pe>"],
    message_id="<reply-1@kcity.example>",
    reference=REF,
    date=WHEN,
)


def mime(reply: Reply, **overrides):
    return to_mime(reply, **{**ADDRESSING, **overrides})


def reparse(msg):
    return BytesParser(policy=policy.default).parsebytes(bytes(msg))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_mime_headers_and_round_trip(lang):
    reply = compose("acknowledgement", lang, original_subject="스마트 쿠스코 신청서" if lang == "ko" else "Smart Cusco")
    parsed = reparse(mime(reply))
    assert parsed["Subject"] == reply.subject
    assert parsed["From"] == "K-City Application Desk <desk@kcity.example>"
    assert parsed["To"] == "ana.quispe@municipalidad.gob.pe"
    assert parsed["Date"].datetime == WHEN
    assert parsed["Message-ID"] == "<reply-1@kcity.example>"
    assert parsed["In-Reply-To"] == "<orig@municipalidad.gob.pe>"
    assert parsed["References"] == "<first@municipalidad.gob.pe> <orig@municipalidad.gob.pe>"
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["X-Auto-Response-Suppress"] == "All"
    assert parsed["X-KCity-Reference"] == REF
    assert parsed.get_content_type() == "text/plain"
    assert parsed.get_content_charset() == "utf-8"
    assert parsed.get_content().replace("\r\n", "\n") == reply.body


def test_mime_korean_subject_is_encoded_on_the_wire():
    reply = compose("acknowledgement", "ko", original_subject="스마트 쿠스코 신청서")
    raw = bytes(mime(reply))
    raw.decode("ascii")  # headers and body are 7-bit on the wire
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0]
    assert reparse(mime(reply))["Subject"] == "Re: 스마트 쿠스코 신청서 [KCN-2026-0042]"


def test_mime_references_add_in_reply_to_once_and_keep_order():
    parsed = reparse(mime(compose("inquiry"), references=["<a@x>", "<b@y> <a@x>"], in_reply_to="<c@z>"))
    assert parsed["References"] == "<a@x> <b@y> <c@z>"


def test_mime_without_thread_or_reference_omits_those_headers():
    parsed = reparse(mime(compose("inquiry", reference=None), in_reply_to=None, references=[], reference=None))
    assert parsed["In-Reply-To"] is None and parsed["References"] is None
    assert parsed["X-KCity-Reference"] is None


def test_mime_long_message_ids_are_folded_not_encoded():
    long_id = "<" + "x" * 90 + "@mail.example.org>"
    msg = mime(compose("inquiry"), references=[long_id, "<b@y>"], in_reply_to=long_id)
    raw = bytes(msg).split(b"\r\n\r\n", 1)[0]
    assert b"=?" not in raw
    parsed = reparse(msg)
    assert parsed["References"] == f"{long_id} <b@y>"
    assert parsed["In-Reply-To"] == long_id


def test_mime_drops_message_ids_that_cannot_travel():
    parsed = reparse(mime(compose("inquiry"), references=["<ü@x>", "<a@x>"], in_reply_to="<b@y>"))
    assert parsed["References"] == "<a@x> <b@y>"


def test_header_injection_through_the_original_subject_is_impossible():
    reply = compose("acknowledgement", original_subject="Hello\r\nBcc: victim@example.com\r\n\r\nfake body")
    parsed = reparse(mime(reply))
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == f"Re: Hello Bcc: victim@example.com fake body [{REF}]"
    assert parsed.get_content().replace("\r\n", "\n") == reply.body


def test_header_injection_through_any_header_value_is_impossible():
    reply = Reply("inquiry", "en", "Hi\nBcc: victim@example.com", "Body.\n")
    msg = mime(
        reply,
        to="ana@example.org\r\nCc: other@example.org",
        in_reply_to="<a@x>\r\nX-Evil: 1",
        reference="KCN-1\nX-Evil: 2",
        message_id="<m@x>\r\nX-Evil: 3",
    )
    parsed = reparse(msg)
    assert parsed["Bcc"] is None and parsed["Cc"] is None and parsed["X-Evil"] is None
    assert parsed["Subject"] == "Hi Bcc: victim@example.com"
    assert "\n" not in parsed["X-KCity-Reference"]


# --- Wire bytes without EmailMessage -------------------------------------------------

KOREAN_SUBJECT = "스마트 쿠스코 신청서"
COMPARED = (
    "Subject", "From", "To", "Date", "Message-ID", "In-Reply-To", "References", "Auto-Submitted",
    "X-Auto-Response-Suppress", "X-KCity-Reference", "Content-Type", "Content-Transfer-Encoding", "MIME-Version",
)


def wire(reply: Reply, **overrides) -> bytes:
    return to_wire(reply, **{**ADDRESSING, **overrides})


def read_wire(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def split(raw: bytes) -> tuple[list[bytes], bytes]:
    head, body = raw.split(b"\r\n\r\n", 1)
    return head.split(b"\r\n"), body


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_wire_reads_back_as_the_mime_message(kind, lang):
    reply = compose(kind, lang, original_subject=KOREAN_SUBJECT if lang == "ko" else "Smart Cusco")
    parsed, expected = read_wire(wire(reply)), reparse(mime(reply))
    assert parsed.keys() == expected.keys()  # the same headers in the same order
    for name in COMPARED:
        assert parsed[name] == expected[name], name
    assert parsed["Subject"] == reply.subject
    assert parsed.get_content() == expected.get_content()
    assert parsed.get_content().replace("\r\n", "\n") == reply.body
    # The body is encoded by the same rule and the same stdlib functions: byte for byte the same.
    assert split(wire(reply))[1] == split(bytes(mime(reply)))[1]


def test_wire_is_seven_bit_with_crlf_line_ends():
    for lang in LANGUAGES:
        raw = wire(compose("acknowledgement", lang, original_subject=KOREAN_SUBJECT))
        raw.decode("ascii")
        assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
        assert raw.endswith(b"\r\n")


def test_wire_korean_subject_round_trips():
    reply = compose("acknowledgement", "ko", original_subject=KOREAN_SUBJECT)
    head, body = split(wire(reply))
    subject = b" ".join(line for line in head if line.startswith((b"Subject:", b" ")))
    assert subject.startswith(b"Subject: Re: =?utf-8?b?") and subject.endswith(f"[{REF}]".encode())
    assert read_wire(wire(reply))["Subject"] == f"Re: {KOREAN_SUBJECT} [{REF}]"
    # A subject over several lines keeps every space between its words.
    long = Reply("inquiry", "ko", f"Re: {' '.join([KOREAN_SUBJECT] * 6)} [{REF}]", "본문.\n")
    assert read_wire(wire(long))["Subject"] == long.subject
    assert all(len(line) <= 78 for line in split(wire(long))[0])


def test_wire_keeps_text_that_looks_encoded_as_it_is():
    reply = Reply("inquiry", "en", "Re: =?utf-8?q?Hi?= and Ação", "Body.\n")
    assert read_wire(wire(reply))["Subject"] == reply.subject


def test_wire_encodes_non_ascii_display_names():
    sender = "K-City 네트워크 <desk@kcity.example>"
    raw = wire(compose("inquiry"), sender=sender, to="Ana Quispé <ana@example.org>")
    assert b"=?utf-8?b?" in split(raw)[0][0]
    parsed = read_wire(raw)
    assert parsed["From"] == sender and parsed["From"].addresses[0].addr_spec == "desk@kcity.example"
    assert parsed["To"].addresses[0].display_name == "Ana Quispé"
    assert parsed["To"] == reparse(mime(compose("inquiry"), to="Ana Quispé <ana@example.org>"))["To"]


def test_wire_threading_headers_match_mime():
    for overrides in (
        dict(references=["<a@x>", "<b@y> <a@x>"], in_reply_to="<c@z>"),
        dict(references=["<ü@x>", "<a@x>"], in_reply_to="<b@y>"),
        dict(in_reply_to=None, references=[], reference=None),
    ):
        reply = compose("inquiry")
        parsed, expected = read_wire(wire(reply, **overrides)), reparse(mime(reply, **overrides))
        assert parsed.keys() == expected.keys()
        for name in ("In-Reply-To", "References", "X-KCity-Reference"):
            assert parsed[name] == expected[name]


def test_wire_folds_long_message_ids_between_ids_and_never_encodes_them():
    long_id = "<" + "x" * 90 + "@mail.example.org>"
    raw = wire(compose("inquiry"), references=[long_id, "<b@y>"], in_reply_to=long_id)
    head, _ = split(raw)
    assert b"=?" not in b"\r\n".join(head)
    assert f"References: {long_id}".encode() in head and b" <b@y>" in head
    assert read_wire(raw)["References"] == f"{long_id} <b@y>"


def test_wire_lines_fold_under_78_and_never_exceed_998_octets():
    subject = "Re: " + " ".join(["Smart Cusco"] * 30) + " " + "y" * 3000 + " Ação" * 40
    reply = Reply("inquiry", "en", subject, "x" * 2000 + "\n")
    raw = wire(reply)
    head, body = split(raw)
    assert all(len(line) <= 78 for line in head)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert read_wire(raw)["Subject"] == reply.subject
    assert read_wire(raw).get_content().replace("\r\n", "\n") == reply.body


def test_wire_header_injection_through_the_original_subject_is_impossible():
    reply = compose("acknowledgement", original_subject="Hello\r\nBcc: victim@example.com\r\n\r\nfake body")
    parsed = read_wire(wire(reply))
    assert parsed["Bcc"] is None
    assert parsed.keys() == reparse(mime(reply)).keys()
    assert parsed["Subject"] == f"Re: Hello Bcc: victim@example.com fake body [{REF}]"
    assert parsed.get_content().replace("\r\n", "\n") == reply.body


def test_wire_header_injection_through_any_header_value_is_impossible():
    reply = Reply("inquiry", "en", "Hi\nBcc: victim@example.com", "Body.\n")
    evil = dict(
        to="ana@example.org\r\nCc: other@example.org",
        in_reply_to="<a@x>\r\nX-Evil: 1",
        reference="KCN-1\nX-Evil: 2",
        message_id="<m@x>\r\nX-Evil: 3",
        sender="Desk 데스크 <d@x>\u2028Cc: other@example.org",
    )
    parsed = read_wire(wire(reply, **evil))
    assert parsed.keys() == reparse(mime(reply, **evil)).keys()
    assert parsed["Bcc"] is None and parsed["Cc"] is None and parsed["X-Evil"] is None
    assert parsed["Subject"] == "Hi Bcc: victim@example.com"


def test_short_non_ascii_bodies_are_seven_bit_too():
    # The stdlib alone would send these lines as raw 8bit; both paths share the 7-bit choice.
    reply = Reply("inquiry", "ko", "s", "안녕하세요.\n감사합니다.\n")
    for raw in (bytes(mime(reply)), wire(reply)):
        raw.decode("ascii")
        assert read_wire(raw).get_content().replace("\r\n", "\n") == reply.body
    assert split(wire(reply))[1] == split(bytes(mime(reply)))[1]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", ["inquiry", "missing_fields", "acknowledgement"])
def test_attachments_we_could_not_read_are_named_first_after_the_greeting(kind, lang):
    t = texts_for(lang)
    body = compose(kind, lang, unread=["Formulario K-City.doc", "신청서.hwp"]).body
    note = t.unread_attachments.format(
        files=t.list_separator.join(t.quote.format(name) for name in ("Formulario K-City.doc", "신청서.hwp")))
    intro = {"inquiry": t.inquiry_intro, "missing_fields": t.missing_intro, "acknowledgement": t.ack_intro}[kind]
    assert body.index(t.greeting_named.format(name="Ana Quispe")) < body.index(note) < body.index(intro)


def test_unread_file_names_cannot_break_lines_and_are_shortened():
    body = compose("inquiry", "en", unread=["evil\r\nBcc: x@y.z.doc", "a" * 300 + ".hwp"]).body
    note = next(p for p in body.split("\n\n") if p.startswith("We could not read"))
    assert "\n" not in note and "Bcc: x@y.z.doc" in note
    assert "a" * 59 + "…" in note and "a" * 61 not in note


@pytest.mark.parametrize(("lang", "named"), [
    ("en", "We could not read the attached “scan.pdf”, file no. 4 (it has no name)."),
    ("ko", "첨부하신 “scan.pdf”, 이름 없는 4번째 파일을 읽을 수 없었습니다."),
    ("es", "No hemos podido leer los archivos adjuntos «scan.pdf», n.º 4 (sin nombre)."),
    ("fr", "Nous n'avons pas pu lire les pièces jointes «\u00a0scan.pdf\u00a0», n° 4 (sans nom)."),
])
def test_an_attachment_with_no_name_is_named_by_its_place(lang, named):
    assert named in compose("inquiry", lang, unread=["scan.pdf", "#4"]).body


def test_no_note_when_every_attachment_was_read():
    assert "could not read" not in compose("inquiry", "en").body
