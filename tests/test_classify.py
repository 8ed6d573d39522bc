"""classify: each rule, each header, the order of precedence, and which of our messages bounced."""

from __future__ import annotations

from pathlib import Path

import pytest

from mail.classify import Classification, Kind, classify
from mail.parse import parse_message

DATA = Path(__file__).parent / "data" / "mail"
OWN_ADDRESSES = frozenset({"desk@kcity.test", "K-City@kcity.test"})


def is_own_message_id(message_id: str) -> bool:
    # How the service recognises ids it generated; a boundary parameter of classify.
    return message_id.endswith("@kcity.test>")


def mail(headers: str, body: str = "Hello,\nwe would like to know more.\n") -> bytes:
    if "From:" not in headers:
        headers = "From: Ana Quispe <ana.quispe@cusco.gob.pe>\n" + headers
    if "Subject:" not in headers:
        headers += "\nSubject: K-City Network"
    return (headers.strip("\n") + "\n\n" + body).replace("\n", "\r\n").encode()


def kind_of(raw: bytes, **context) -> Classification:
    return classify(parse_message(raw), own_addresses=OWN_ADDRESSES, is_own_message_id=is_own_message_id, **context)


def report(report_type: str, status_part: str, enclosed: str = "") -> bytes:
    parts = [
        "Content-Type: text/plain\n\nYour message could not be delivered.",
        status_part,
    ]
    if enclosed:
        parts.append(enclosed)
    body = "".join(f"--r\n{part}\n" for part in parts) + "--r--\n"
    return mail(
        "From: Mail Delivery System <MAILER-DAEMON@mx.cusco.gob.pe>\nSubject: report\n"
        f'Content-Type: multipart/report; report-type={report_type}; boundary="r"',
        body,
    )


DELIVERY_STATUS = (
    "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.cusco.gob.pe\n\n"
    "Final-Recipient: rfc822; ana@cusco.gob.pe\nAction: failed\nStatus: 5.1.1"
)
OUR_ORIGINAL = (
    "Content-Type: message/rfc822\n\nFrom: desk@kcity.test\nMessage-ID: <reply.1@kcity.test>\n"
    "Subject: Re: application\n\nThank you."
)

# --- the person-written kinds ------------------------------------------------


def test_plain_mail_is_an_inquiry():
    result = kind_of(mail(""))
    assert result == Classification(Kind.INQUIRY, result.reason)
    assert result.reason


def test_application_when_the_extractor_says_so():
    assert kind_of(mail(""), looks_like_application=True).kind is Kind.APPLICATION


def test_follow_up_beats_application():
    result = kind_of(mail(""), follow_up_of="KCN-2026-0042", looks_like_application=True)
    assert result.kind is Kind.FOLLOW_UP
    assert "KCN-2026-0042" in result.reason


def test_kinds_compare_as_their_stored_strings():
    assert Kind.AUTO_REPLY == "auto_reply"
    assert {kind.value for kind in Kind} == {"application", "follow_up", "inquiry", "auto_reply", "bounce", "loop"}


# --- loops -----------------------------------------------------------------


@pytest.mark.parametrize("sender", ["desk@kcity.test", "DESK@KCity.test", "k-city@kcity.test"])
def test_mail_from_our_own_address_is_a_loop(sender):
    result = kind_of(mail(f"From: K-City <{sender}>"), looks_like_application=True)
    assert result.kind is Kind.LOOP
    assert sender.lower() in result.reason


def test_mail_with_our_own_message_id_is_a_loop():
    result = kind_of(mail("Message-ID: <reply.7@kcity.test>"), follow_up_of="KCN-1")
    assert result.kind is Kind.LOOP
    assert "<reply.7@kcity.test>" in result.reason


def test_loop_beats_bounce():
    raw = mail(
        "From: desk@kcity.test\nSubject: Undelivered Mail Returned to Sender\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"',
        f"--r\n{DELIVERY_STATUS}\n--r--\n",
    )
    assert kind_of(raw).kind is Kind.LOOP


# --- bounces ---------------------------------------------------------------


def test_delivery_status_report_is_a_bounce_naming_our_message():
    result = kind_of(report("delivery-status", DELIVERY_STATUS, OUR_ORIGINAL), looks_like_application=True)
    assert result.kind is Kind.BOUNCE
    assert "delivery-status" in result.reason
    assert result.bounced_ids == ("<reply.1@kcity.test>",)


def test_quoted_report_type_is_recognised():
    assert kind_of(report('"delivery-status"', DELIVERY_STATUS)).kind is Kind.BOUNCE


def test_delivery_status_part_inside_plain_multipart_is_a_bounce():
    headers = 'From: someone@example.org\nContent-Type: multipart/mixed; boundary="r"'
    raw = mail(headers, f"--r\n{DELIVERY_STATUS}\n--r--\n")
    assert kind_of(raw).kind is Kind.BOUNCE


def test_bare_delivery_status_message_is_a_bounce():
    raw = mail("Content-Type: message/delivery-status", "Reporting-MTA: dns; a\n\nAction: failed\nStatus: 4.2.2\n")
    assert kind_of(raw).kind is Kind.BOUNCE


def test_successful_delivery_notice_is_not_a_bounce():
    delivered = DELIVERY_STATUS.replace("Action: failed", "Action: delivered").replace("5.1.1", "2.0.0")
    result = kind_of(report("delivery-status", delivered, OUR_ORIGINAL))
    assert result.kind is Kind.AUTO_REPLY
    assert result.bounced_ids == ()


@pytest.mark.parametrize(
    "subject",
    [
        "Undelivered Mail Returned to Sender",
        "Delivery Status Notification (Failure)",
        "Mail delivery failed: returning message to sender",
        "Undeliverable: Re: K-City Network application",
        "failure notice",
        "Returned mail: see transcript for details",
        "Unzustellbar: Re: K-City Network",
        "Non remis : Re: K-City Network",
    ],
)
@pytest.mark.parametrize(
    "sender", ["MAILER-DAEMON@mx.example.org", "postmaster@example.org", "Mail Delivery Subsystem <x@y.org>"]
)
def test_failure_notice_from_the_mail_system_is_a_bounce(subject, sender):
    result = kind_of(mail(f"From: {sender}\nSubject: {subject}"), follow_up_of="KCN-1", looks_like_application=True)
    assert result.kind is Kind.BOUNCE
    assert subject in result.reason


def test_failure_subject_with_null_return_path_is_a_bounce():
    raw = mail("Return-Path: <>\nFrom: Exchange <exchange@gov.example>\nSubject: Undeliverable: your message")
    assert kind_of(raw).kind is Kind.BOUNCE


def test_a_person_writing_about_a_failed_delivery_is_not_a_bounce():
    raw = mail("From: Ana <ana@cusco.gob.pe>\nSubject: Mail delivery failed, resending our application")
    assert kind_of(raw, looks_like_application=True).kind is Kind.APPLICATION


@pytest.mark.parametrize("header", ["X-Failed-Recipients: ana@cusco.gob.pe", "X-MS-Exchange-Message-Is-Ndr:"])
def test_bounce_headers(header):
    result = kind_of(mail(f"{header}\nSubject: Notice"))
    assert result.kind is Kind.BOUNCE
    assert header.split(":")[0] in result.reason


def test_office365_ndr_sample_with_our_id_in_references():
    raw = mail(
        "From: <postmaster@danang.gov.vn>\nSubject: Undeliverable: Re: K-City Network application\n"
        "X-MS-Exchange-Message-Is-Ndr:\nIn-Reply-To: <reply.9@kcity.test>\nReferences: <reply.9@kcity.test>\n"
        "Content-Type: text/html",
        "<p>Your message to <b>an@danang.gov.vn</b> couldn't be delivered.</p>",
    )
    result = kind_of(raw)
    assert (result.kind, result.bounced_ids) == (Kind.BOUNCE, ("<reply.9@kcity.test>",))


def test_postfix_bounce_sample():
    result = kind_of((DATA / "classify-postfix-bounce.eml").read_bytes(), follow_up_of="KCN-2026-0042")
    assert result.kind is Kind.BOUNCE
    assert result.bounced_ids == ("<reply.KCN-2026-0042.1@kcity.test>",)


# --- bounced_ids -----------------------------------------------------------


def test_bounced_ids_from_rfc822_headers_part():
    headers_part = "Content-Type: text/rfc822-headers\n\nFrom: desk@kcity.test\nMessage-ID: <reply.2@kcity.test>\n"
    assert kind_of(report("delivery-status", DELIVERY_STATUS, headers_part)).bounced_ids == ("<reply.2@kcity.test>",)


def test_bounced_ids_from_the_report_text_only_ours_and_only_once():
    raw = mail(
        "From: MAILER-DAEMON@example.org\nSubject: failure notice",
        "Hi. This is the qmail-send program.\n\n--- Below this line is a copy of the message.\n\n"
        "Message-ID: <reply.3@kcity.test>\nIn-Reply-To: <theirs@cusco.gob.pe>\n"
        "References: <first@kcity.test> <reply.3@kcity.test>\nFrom: K-City <desk@kcity.test>\n",
    )
    result = kind_of(raw)
    assert result.kind is Kind.BOUNCE
    # <desk@kcity.test> looks like one of our ids but is our address; foreign ids are left out.
    assert result.bounced_ids == ("<reply.3@kcity.test>", "<first@kcity.test>")


def test_bounced_ids_empty_when_the_original_is_not_ours():
    foreign = OUR_ORIGINAL.replace("<reply.1@kcity.test>", "<someone@else.example>")
    assert kind_of(report("delivery-status", DELIVERY_STATUS, foreign)).bounced_ids == ()


def test_only_bounces_carry_bounced_ids():
    raw = mail("Auto-Submitted: auto-replied\nIn-Reply-To: <reply.4@kcity.test>")
    assert kind_of(raw).bounced_ids == ()


# --- automatic replies -----------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated",
        "Auto-Submitted: auto-notified; owner-email=x@example.org",
        "Precedence: bulk",
        "Precedence: junk",
        "Precedence: list",
        "Precedence: auto_reply",
        "X-Autoreply: yes",
        "X-Autorespond: Out of office",
        "X-Autogenerated: Reply",
        "List-Id: <smartcity.lists.example.org>",
        "List-Unsubscribe: <mailto:leave@lists.example.org>",
        "Return-Path: <>",
    ],
)
def test_auto_reply_headers(header):
    result = kind_of(mail(header), follow_up_of="KCN-1", looks_like_application=True)
    assert result.kind is Kind.AUTO_REPLY
    assert header.split(":")[0].lower() in result.reason.lower()


def test_auto_submitted_no_is_a_person():
    assert kind_of(mail("Auto-Submitted: no")).kind is Kind.INQUIRY


def test_precedence_first_class_is_a_person():
    assert kind_of(mail("Precedence: first-class")).kind is Kind.INQUIRY


def test_outlook_suppress_header_alone_is_a_person():
    # Outlook puts X-Auto-Response-Suppress on mail people write; it asks us not to
    # auto-reply, it does not say the mail is automatic (see classify.py).
    assert kind_of(mail("X-Auto-Response-Suppress: All"), looks_like_application=True).kind is Kind.APPLICATION


@pytest.mark.parametrize(
    "sender",
    ["no-reply@portal.example.org", "noreply@example.org", "NoReply+abc@example.org", "do-not-reply@example.org",
     "donotreply@example.org", "mailer-daemon@example.org", "postmaster@example.org"],
)
def test_software_senders(sender):
    result = kind_of(mail(f"From: {sender}\nSubject: Your submission"), looks_like_application=True)
    assert result.kind is Kind.AUTO_REPLY
    assert sender.lower() in result.reason


def test_sender_merely_containing_reply_is_a_person():
    assert kind_of(mail("From: replyteam@example.org")).kind is Kind.INQUIRY


@pytest.mark.parametrize("report_type", ["disposition-notification", "feedback-report"])
def test_other_reports_are_automatic(report_type):
    part = (
        f"Content-Type: message/{report_type}\n\n"
        "Feedback-Type: abuse\nDisposition: manual-action/MDN-sent-manually; displayed"
    )
    raw = mail(
        f'From: Ana <ana@cusco.gob.pe>\nContent-Type: multipart/report; report-type={report_type}; boundary="r"',
        f"--r\nContent-Type: text/plain\n\nRead.\n--r\n{part}\n--r--\n",
    )
    result = kind_of(raw, follow_up_of="KCN-1")
    assert result.kind is Kind.AUTO_REPLY
    assert report_type in result.reason


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Re: K-City Network",
        "Out of the office",
        "Automatic reply: K-City Network application",
        "Auto: K-City Network application",
        "AutoReply: K-City",
        "Réponse automatique : Candidature",
        "Respuesta automática: Solicitud",
        "자동 회신: K-City 신청",
        "=?utf-8?B?7J6Q64+ZIO2ajOyLoDogSy1DaXR5?=",  # "자동 회신: K-City", as mail carries it
        "Trả lời tự động: Re: K-City",
    ],
)
def test_out_of_office_subjects(subject):
    result = kind_of(mail(f"Subject: {subject}"), follow_up_of="KCN-1", looks_like_application=True)
    assert result.kind is Kind.AUTO_REPLY
    assert "subject" in result.reason


@pytest.mark.parametrize("subject", ["Re: Out of office plans for the pilot", "Question about automatic replies"])
def test_subjects_that_merely_mention_auto_replies_are_people(subject):
    assert kind_of(mail(f"Subject: {subject}")).kind is Kind.INQUIRY


def test_exchange_out_of_office_sample_in_a_thread_is_still_an_auto_reply():
    result = kind_of((DATA / "classify-exchange-out-of-office.eml").read_bytes(), follow_up_of="KCN-2026-0051")
    assert result == Classification(Kind.AUTO_REPLY, "Auto-Submitted: auto-generated")


def test_bounce_wins_over_auto_reply_signals():
    # Postfix bounces also say Auto-Submitted: auto-replied; they must count as bounces.
    raw = mail(
        "From: MAILER-DAEMON@example.org\nAuto-Submitted: auto-replied\nPrecedence: bulk\n"
        "Subject: Undelivered Mail Returned to Sender"
    )
    assert kind_of(raw).kind is Kind.BOUNCE


def test_reason_quotes_a_hostile_subject_briefly():
    result = kind_of(mail("Subject: Automatic reply: " + "x" * 100_000))
    assert result.kind is Kind.AUTO_REPLY
    assert len(result.reason) < 120
