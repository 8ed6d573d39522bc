"""The whole intake pipeline over a real SQLite store, message by message."""

from __future__ import annotations

import asyncio
import email
import json
from email import policy

import pytest

from helpers import (
    COMPLETE_FORM_EN,
    FOLLOW_UP_FORM_EN,
    INCOMPLETE_FORM_EN,
    email_bytes,
)



def outbox(desk) -> list[dict]:
    return [dict(r) for r in desk.db.query("SELECT * FROM outbox ORDER BY id")]


def reply_message(row: dict) -> email.message.EmailMessage:
    return email.message_from_bytes(row["raw"], policy=policy.default)


def application(desk, reference: str) -> dict:
    return next(desk.db.query("SELECT * FROM applications WHERE reference = ?", [reference]))


def test_complete_application_is_stored_and_acknowledged(desk):
    raw = email_bytes(COMPLETE_FORM_EN, message_id="<first@cusco.gob.pe>", subject="Cusco application")
    outcome = desk.pipeline.process(raw, source="test")
    assert outcome.classification == "application"
    assert outcome.reference == "KCN-2020-0001"
    assert application(desk, "KCN-2020-0001")["status"] == "complete"
    [row] = outbox(desk)
    assert row["kind"] == "acknowledgement" and row["state"] == "pending"
    reply = reply_message(row)
    assert reply["To"] == "ana.quispe@cusco.gob.pe"
    assert reply["In-Reply-To"] == "<first@cusco.gob.pe>"
    assert "<first@cusco.gob.pe>" in reply["References"]
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["X-Auto-Response-Suppress"] == "All"
    assert "[KCN-2020-0001]" in reply["Subject"]
    assert reply["Message-ID"].endswith("@kcity.test>")
    assert "KCN-2020-0001" in reply.get_content()
    # the raw bytes are kept exactly
    assert bytes(desk.db.execute("SELECT raw FROM messages").fetchone()[0]) == raw


def test_incomplete_then_follow_up_by_subject_reference(desk):
    first = desk.pipeline.process(email_bytes(INCOMPLETE_FORM_EN, subject="Cusco"), source="test")
    assert first.application_status == "incomplete"
    [ask] = outbox(desk)
    body = reply_message(ask).get_content()
    assert ask["kind"] == "missing_fields"
    for label in ("Organization type:", "Project category:", "Support requested:"):
        assert label in body  # the lines to fill in and send back
    follow = email_bytes(FOLLOW_UP_FORM_EN, subject=f"Re: Cusco [{first.reference}]")
    second = desk.pipeline.process(follow, source="test")
    assert second.classification == "follow_up"
    assert second.reference == first.reference
    assert application(desk, first.reference)["status"] == "complete"
    assert desk.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 1
    assert [r["kind"] for r in outbox(desk)] == ["missing_fields", "acknowledgement"]


def test_follow_up_in_thread_without_reference_in_subject(desk):
    first = desk.pipeline.process(email_bytes(INCOMPLETE_FORM_EN, message_id="<m1@cusco.gob.pe>"), source="test")
    ours = outbox(desk)[0]["message_id"]
    follow = email_bytes(
        FOLLOW_UP_FORM_EN, subject="Re: Application", in_reply_to=ours, references=f"<m1@cusco.gob.pe> {ours}"
    )
    second = desk.pipeline.process(follow, source="test")
    assert second.classification == "follow_up" and second.reference == first.reference
    assert application(desk, first.reference)["status"] == "complete"


def test_the_filled_in_lines_of_our_reply_are_read_back(desk):
    first = desk.pipeline.process(email_bytes(INCOMPLETE_FORM_EN), source="test")
    body = reply_message(outbox(desk)[0]).get_content()
    answers = {
        "Organization type:": "Local government",
        "Project category:": "Smart solution",
        "Sectors:": "Transportation",
        "Project location:": "Cusco",
        "Project summary:": "Smart bus stops.",
        "Project status:": "New",
        "Support requested:": "Master plan",
        "Email:": "ana.quispe@cusco.gob.pe",
    }
    filled = "\n".join(
        line + " " + answers.get(line.strip(), "") if line.strip() in answers else line for line in body.splitlines()
    )
    desk.pipeline.process(email_bytes(filled, subject=f"Re: [{first.reference}]"), source="test")
    stored = application(desk, first.reference)
    # Sectors only become required once the category says smart_solution,
    # so the second reply asks for exactly that and nothing else.
    assert [p["field"] for p in json.loads(stored["problems"])] == ["project.sectors"]
    assert "Sectors:" in reply_message(outbox(desk)[-1]).get_content()


def test_reference_from_another_sender_does_not_touch_the_application(desk):
    first = desk.pipeline.process(email_bytes(INCOMPLETE_FORM_EN), source="test")
    stranger = email_bytes(
        "Organization type: Private company\nProject status: Ongoing\nSupport requested: Feasibility study",
        sender="someone@elsewhere.example", subject=f"Re: [{first.reference}]",
    )
    outcome = desk.pipeline.process(stranger, source="test")
    assert outcome.reference != first.reference
    stored = application(desk, first.reference)
    assert stored["status"] == "incomplete" and "private_company" not in stored["fields"]
    refused = desk.db.execute("SELECT COUNT(*) FROM events WHERE kind = 'follow_up_refused'").fetchone()[0]
    assert refused == 1


def test_private_company_is_ineligible_with_the_calls_words(desk):
    form = COMPLETE_FORM_EN.replace("Local government", "Private company")
    outcome = desk.pipeline.process(email_bytes(form), source="test")
    assert outcome.application_status == "ineligible"
    [row] = outbox(desk)
    assert row["kind"] == "ineligible"
    assert "private-sector only participation not allowed" in reply_message(row).get_content()


def test_inquiry_gets_how_to_apply_with_the_form(desk):
    outcome = desk.pipeline.process(email_bytes("Hello, can our city apply? How?", subject="Question"), source="test")
    assert outcome.classification == "inquiry" and outcome.reference is None
    body = reply_message(outbox(desk)[0]).get_content()
    assert "Project title:" in body and "Support requested:" in body


@pytest.mark.parametrize(
    "headers, sender",
    [
        ({"Auto-Submitted": "auto-replied"}, "ana.quispe@cusco.gob.pe"),
        ({"Precedence": "bulk"}, "ana.quispe@cusco.gob.pe"),
        ({"List-Id": "<news.example.org>"}, "ana.quispe@cusco.gob.pe"),
        ({}, "mailer-daemon@cusco.gob.pe"),
        ({}, "noreply@cusco.gob.pe"),
        ({}, "desk@kcity.test"),  # our own address: a loop
    ],
)
def test_automatic_mail_never_gets_a_reply(desk, headers, sender):
    outcome = desk.pipeline.process(email_bytes(COMPLETE_FORM_EN, headers=headers, sender=sender), source="test")
    assert outcome.classification in ("auto_reply", "bounce", "loop")
    assert outbox(desk) == []


def test_bounce_of_our_reply_marks_it_bounced(desk):
    desk.pipeline.process(email_bytes(COMPLETE_FORM_EN), source="test")
    ours = outbox(desk)[0]["message_id"]
    bounce = (
        "From: MAILER-DAEMON@mx.cusco.gob.pe\r\nTo: desk@kcity.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <b1@mx.cusco.gob.pe>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nMailbox full.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        "Final-Recipient: rfc822; ana.quispe@cusco.gob.pe\r\nAction: failed\r\nStatus: 5.2.2\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {ours}\r\nSubject: Re\r\n\r\n--B--\r\n"
    ).encode()
    outcome = desk.pipeline.process(bounce, source="test")
    assert outcome.classification == "bounce"
    assert [r["state"] for r in outbox(desk)] == ["bounced"]


def test_same_bytes_twice_are_processed_once(desk):
    raw = email_bytes(COMPLETE_FORM_EN)
    desk.pipeline.process(raw, source="test")
    again = desk.pipeline.process(raw, source="test")
    assert again.status == "duplicate"
    assert len(outbox(desk)) == 1


def test_replies_to_one_address_are_capped_per_hour(desk):
    for n in range(7):
        desk.pipeline.process(email_bytes(f"Question number {n}: how do we apply?", subject=f"Q{n}"), source="test")
    states = [r["state"] for r in outbox(desk)]
    assert states.count("pending") == desk.settings.replies_per_hour == 5
    assert states.count("suppressed") == 2


def test_sender_address_fills_a_blank_contact_email(desk):
    form = COMPLETE_FORM_EN.replace("Email: ana.quispe@cusco.gob.pe\n", "")
    outcome = desk.pipeline.process(email_bytes(form, sender="Ana <ana@cusco.gob.pe>"), source="test")
    assert outcome.application_status == "complete"
    assert '"email": "ana@cusco.gob.pe"' in application(desk, outcome.reference)["fields"]


def test_korean_form_in_euc_kr_gets_a_korean_reply(desk):
    form = (
        "국가: 페루\n기관명: 쿠스코 시청\n기관 유형: 지방정부\n담당자: 아나 키스페\n이메일: ana@cusco.gob.pe\n"
        "사업명: 쿠스코 스마트 교통\n사업 분야: 스마트 솔루션\n분야: 교통\n사업 위치: 쿠스코\n"
        "사업 개요: 교통 관리 센터\n사업 상태: 신규\n지원 요청 사항: 기본계획\n"
    )
    outcome = desk.pipeline.process(email_bytes(form, charset="euc-kr"), source="test")
    assert outcome.application_status == "complete"
    [row] = outbox(desk)
    assert row["language"] == "ko" and "접수" in reply_message(row).get_content()


def test_message_archived_before_a_crash_is_finished_on_restart(desk):
    from store.db import transaction
    from store.messages import archive_message

    with transaction(desk.db):  # as if the process died right after the archive committed
        archive_message(desk.db, email_bytes(COMPLETE_FORM_EN), message_id="<x@y>", source="test",
                        source_key=None, received_at="2020-02-10T00:00:00+00:00")
    outcomes = asyncio.run(desk.recover())
    assert [o.classification for o in outcomes] == ["application"]
    assert len(outbox(desk)) == 1
    assert asyncio.run(desk.recover()) == []  # and only once


def test_reply_interrupted_mid_send_is_never_sent_again(desk, tmp_path):
    desk.pipeline.process(email_bytes(COMPLETE_FORM_EN), source="test")
    desk.db.execute("UPDATE outbox SET state = 'sending'")  # the process died inside SMTP
    asyncio.run(desk.recover())
    report = asyncio.run(desk.deliver())
    assert report.sent == 0
    assert [r["state"] for r in outbox(desk)] == ["unknown"]
    assert not list((tmp_path / "outbox").glob("*.eml"))


def test_delivery_sends_each_reply_once(desk, tmp_path):
    desk.pipeline.process(email_bytes(COMPLETE_FORM_EN), source="test")
    assert asyncio.run(desk.deliver()).sent == 1
    assert asyncio.run(desk.deliver()).sent == 0
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    assert [r["state"] for r in outbox(desk)] == ["sent"]


def test_the_same_bytes_twice_in_one_batch_are_processed_once(desk):
    raw = email_bytes(COMPLETE_FORM_EN)
    first, second = desk.pipeline.process_batch([(raw, "slot-1"), (raw, "slot-2")], source="test")
    assert first.status == "processed" and second.status == "duplicate"
    assert len(outbox(desk)) == 1


def test_one_delivery_pass_sends_every_due_reply_not_just_a_page(desk, tmp_path):
    items = [(email_bytes(f"How do we apply? ({n})", sender=f"q{n}@example.org", subject=f"Q{n}"), None)
             for n in range(1050)]
    for start in range(0, len(items), 100):
        desk.pipeline.process_batch(items[start:start + 100], source="test")
    assert asyncio.run(desk.deliver()).sent == 1050
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1050


def test_inquiry_reply_answers_the_questions_asked_from_the_call(desk):
    question = "Dear team,\n\nCan a private company apply on its own?\nWhat is the maximum funding\nper project?\n\nThanks"
    desk.pipeline.process(email_bytes(question, subject="Questions"), source="test")
    body = reply_message(outbox(desk)[0]).get_content()
    assert "private-sector-only participation is not allowed" in body
    assert "0.85 million" in body
    assert "Project title:" in body  # and the form, as always


def test_inquiry_questions_are_kept_and_the_unanswerable_ones_listed_for_staff(desk):
    from store.questions import unanswered_questions

    text = "Hello,\n\nWho can apply?\nWill it rain in Seoul tomorrow?\n\nRegards"
    desk.pipeline.process(email_bytes(text, subject="Two questions"), source="test")
    asked = list(desk.db.query("SELECT text, topic, channel FROM questions ORDER BY id"))
    assert [q["channel"] for q in asked] == ["email", "email"]
    assert asked[0]["topic"] == "who_may_apply"
    assert [q["question"] for q in unanswered_questions(desk.db)] == ["will it rain in seoul tomorrow?"]


def test_inquiry_naming_its_case_gets_the_engines_verdict(desk):
    text = "Dear team,\n\nWe are a private company from Chile. Can we apply for the program?\n\nBest"
    desk.pipeline.process(email_bytes(text, subject="Eligibility"), source="test")
    body = reply_message(outbox(desk)[0]).get_content()
    assert "a private company cannot apply on its own" in body
    assert "Project title:" in body


def test_an_attachment_we_cannot_read_is_named_in_the_reply_and_for_staff(desk):
    msg = email.message_from_bytes(email_bytes(INCOMPLETE_FORM_EN, subject="Cusco"), policy=policy.default)
    msg.add_attachment(b"HWP Document File" + b"\0" * 200, maintype="application", subtype="x-hwp",
                       filename="사업계획서.hwp")
    outcome = desk.pipeline.process(msg.as_bytes(), source="test")
    assert outcome.application_status == "incomplete"
    [row] = outbox(desk)
    body = reply_message(row).get_content()
    assert "We could not read the attached “사업계획서.hwp”." in body
    assert body.index("could not read") < body.index("we need the following information")
    [event] = desk.db.query("SELECT * FROM events WHERE kind = 'attachments_unread'")
    assert json.loads(event["detail"]) == {"files": ["사업계획서.hwp"]}
    assert event["application_id"] == application(desk, outcome.reference)["id"]
