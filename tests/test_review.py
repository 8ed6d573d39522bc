"""The review workflow over a real store: statuses, the audit trail, and the one email each decision sends."""

from __future__ import annotations

import email
from email import policy

import pytest
from click.testing import CliRunner

from helpers import DESK_ADDRESS, COMPLETE_FORM_EN, email_bytes
from kcity.cli import main
from kcity.review import change_status
from mail.texts import texts_for
from store.events import events_for
from store.review import ALL_STATUSES, INTAKE_STATUSES, REVIEW_STATUSES, set_status

AT = "2020-04-01T09:00:00+00:00"
LATER = "2020-04-02T09:00:00+00:00"

FORM_KO = """\
국가: 베트남
기관명: 하노이시 인민위원회
기관 유형: 지방정부
담당자: 응우옌 반 안
이메일: an.nguyen@hanoi.gov.vn
사업명: 하노이 스마트 교통 사업
사업 유형: 스마트솔루션형
분야: 교통
사업 위치: 하노이
사업 개요: 교통 관제 센터와 스마트 버스 정류장.
사업 현황: 신규
지원 요청: 마스터플랜
"""


def submit(desk, body: str = COMPLETE_FORM_EN, **headers) -> str:
    headers.setdefault("message_id", "<first@cusco.gob.pe>")
    headers.setdefault("subject", "Cusco application")
    outcome = desk.pipeline.process(email_bytes(body, **headers), source="test")
    assert outcome.reference, outcome
    return outcome.reference


def change(desk, reference: str, status: str, *, at: str = AT, note: str | None = None, actor: str = "staff:kim"):
    return change_status(
        desk.db, desk.pipeline.signer, reference=reference, status=status, actor=actor, note=note, at=at,
        mail_from=DESK_ADDRESS, replies_per_hour=desk.settings.replies_per_hour,
    )


def status_emails(desk) -> list[dict]:
    return [dict(r) for r in desk.db.query("SELECT * FROM outbox WHERE kind = 'status_update' ORDER BY id")]


def read(row: dict) -> email.message.EmailMessage:
    return email.message_from_bytes(row["raw"], policy=policy.default)


def test_statuses():
    assert INTAKE_STATUSES == ("incomplete", "complete", "ineligible", "needs_review")
    assert REVIEW_STATUSES == ("under_review", "selected", "not_selected", "withdrawn")
    assert ALL_STATUSES == INTAKE_STATUSES + REVIEW_STATUSES


def test_status_change_is_in_the_audit_trail_with_who_when_and_why(desk):
    reference = submit(desk)
    app = set_status(desk.db, reference.lower(), "under_review", actor="staff:kim", note="committee batch 1", at=AT)
    assert app.status == "under_review" and app.updated_at == AT
    row = next(desk.db.query("SELECT status, updated_at FROM applications WHERE reference = ?", [reference]))
    assert row == {"status": "under_review", "updated_at": AT}
    [changed] = [e for e in events_for(desk.db, app.id) if e["kind"] == "status_changed" and e["actor"] != "system"]
    assert changed["at"] == AT and changed["actor"] == "staff:kim"
    assert changed["detail"] == {"old": "complete", "new": "under_review", "note": "committee batch 1"}


def test_setting_the_same_status_again_changes_nothing(desk):
    reference = submit(desk)
    set_status(desk.db, reference, "selected", actor="staff:kim", at=AT)
    before = desk.db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    app = set_status(desk.db, reference, "selected", actor="staff:lee", at=LATER)
    assert app.updated_at == AT
    assert desk.db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == before


def test_unknown_reference_and_unknown_status_are_errors_and_change_nothing(desk):
    reference = submit(desk)
    with pytest.raises(LookupError, match="KCN-2020-9999"):
        set_status(desk.db, "KCN-2020-9999", "selected", actor="staff:kim", at=AT)
    with pytest.raises(ValueError) as error:
        set_status(desk.db, reference, "approved", actor="staff:kim", at=AT)
    for status in ALL_STATUSES:
        assert status in str(error.value)
    assert next(desk.db.query("SELECT status FROM applications"))["status"] == "complete"
    assert not desk.db.execute("SELECT 1 FROM events WHERE actor = 'staff:kim'").fetchone()


def test_decision_queues_one_email_in_the_applicants_thread(desk):
    reference = submit(desk)
    [ack] = [dict(r) for r in desk.db.query("SELECT * FROM outbox WHERE kind = 'acknowledgement'")]
    result = change(desk, reference, "selected", note="top score; do not tell yet who else")
    assert result.changed and result.old_status == "complete" and result.reply_state == "pending"
    [row] = status_emails(desk)
    assert row["state"] == "pending" and row["to_addr"] == "ana.quispe@cusco.gob.pe" and row["language"] == "en"
    message = read(row)
    assert message["To"] == "ana.quispe@cusco.gob.pe"
    assert message["Subject"] == f"Re: Cusco application [{reference}]"
    # On the thread: in reply to our acknowledgement (the latest message), referencing the applicant's first.
    assert message["In-Reply-To"] == ack["message_id"]
    assert message["References"].split() == ["<first@cusco.gob.pe>", ack["message_id"]]
    assert message["Message-ID"] == row["message_id"]
    assert desk.pipeline.signer.reference_of(row["message_id"]) == reference  # signed: a reply to it finds the application
    assert message["X-KCity-Reference"] == reference and message["Auto-Submitted"] == "auto-replied"
    body = message.get_content()
    assert texts_for("en").status_updates["selected"] in " ".join(body.split())
    assert "Dear Ana Quispe," in body and reference in body
    assert "top score" not in body  # the staff note is internal
    # Our email joins the thread: the applicant's answer to it follows the application.
    assert desk.db.execute("SELECT application_id FROM thread_ids WHERE message_id = ?", [row["message_id"]]).fetchone()


def test_status_change_reaches_the_applicant_once(desk):
    reference = submit(desk)
    first = change(desk, reference, "not_selected")
    again = change(desk, reference, "not_selected", at=LATER)
    assert first.reply_state == "pending"
    assert not again.changed and again.reply_state is None
    assert len(status_emails(desk)) == 1
    [event] = [e for e in events_for(desk.db, first.application.id)
               if e["kind"] == "status_changed" and e["detail"]["new"] == "not_selected"]
    assert event["actor"] == "staff:kim"


def test_a_change_back_and_forth_is_a_new_email_each_time(desk):
    reference = submit(desk)
    states = [change(desk, reference, status, at=f"2020-04-0{day}T09:00:00+00:00").reply_state
              for day, status in enumerate(["selected", "under_review", "selected"], start=1)]
    assert states == ["pending", "pending", "pending"]
    rows = status_emails(desk)
    assert len(rows) == 3
    assert rows[0]["body"] == rows[2]["body"]  # the same words, yet a new decision: sent again
    assert len({r["dedup_key"] for r in rows}) == 3


def test_intake_status_set_by_hand_is_not_emailed(desk):
    reference = submit(desk)
    result = change(desk, reference, "needs_review", note="check the budget")
    assert result.changed and result.reply_state is None
    assert status_emails(desk) == []
    assert next(desk.db.query("SELECT status FROM applications"))["status"] == "needs_review"


def test_the_hourly_cap_holds_decision_emails_back_too(desk):
    reference = submit(desk)  # the acknowledgement is one reply this hour
    cap = desk.settings.replies_per_hour
    statuses = ["under_review", "selected"] * cap
    states = [change(desk, reference, s, at=f"2020-04-01T09:{n:02d}:00+00:00").reply_state
              for n, s in enumerate(statuses)]
    assert states.count("pending") == cap - 1 and states[-1] == "suppressed"


@pytest.mark.parametrize(
    "lang, body, sender, expected",
    [
        ("en", COMPLETE_FORM_EN, "ana.quispe@cusco.gob.pe", "has been selected under the"),
        ("ko", FORM_KO, "an.nguyen@hanoi.gov.vn", "선정되었음을 알려 드리게 되어 기쁩니다"),
        ("es", COMPLETE_FORM_EN, "ana.quispe@cusco.gob.pe", "ha sido seleccionado"),
        ("fr", COMPLETE_FORM_EN, "ana.quispe@cusco.gob.pe", "a été retenu"),
    ],
)
def test_each_language_gets_its_own_text(desk, lang, body, sender, expected):
    reference = submit(desk, body, sender=sender)
    # The application's language is what intake detected; set it for the English form in es/fr.
    desk.db.execute("UPDATE applications SET language = ? WHERE reference = ?", [lang, reference])
    for status in REVIEW_STATUSES:
        change(desk, reference, status, at=f"2020-04-0{REVIEW_STATUSES.index(status) + 1}T09:00:00+00:00")
    rows = status_emails(desk)
    assert [r["language"] for r in rows] == [lang] * 4
    t = texts_for(lang)
    for row, status in zip(rows, REVIEW_STATUSES):
        text = read(row).get_content()
        assert t.status_updates[status] in text.replace("\n", " ") or t.status_updates[status] in text
        assert t.footer in text and reference in text
    assert expected in read(rows[1]).get_content().replace("\n", " ")


def test_texts_say_nothing_the_call_does_not():
    for lang in ("en", "ko", "es", "fr"):
        for status, text in texts_for(lang).status_updates.items():
            assert "KRW" not in text and "USD" not in text and not any(ch.isdigit() for ch in text), (lang, status)


# --- kcity status ------------------------------------------------------------------


def run_cli(tmp_path, *args):
    env = {"KCITY_DB": str(tmp_path / "k.db"), "MAIL_FROM": DESK_ADDRESS, "OUTBOX_DIR": str(tmp_path / "outbox")}
    return CliRunner().invoke(main, ["--env-file", "/nonexistent", *args], env=env)


def test_cli_status_prints_the_change_and_the_email(desk, tmp_path):
    reference = submit(desk)
    result = run_cli(tmp_path, "status", reference, "selected", "--note", "committee")
    assert result.exit_code == 0, result.output
    assert result.output == f"{reference}: complete \u2192 selected; applicant emailed at ana.quispe@cusco.gob.pe (queued).\n"
    again = run_cli(tmp_path, "status", reference, "selected")
    assert again.output == f"{reference}: already selected; nothing changed, no email.\n"
    hand = run_cli(tmp_path, "status", reference, "complete")
    assert hand.output == f"{reference}: selected \u2192 complete; applicant not emailed (intake status).\n"
    assert len(status_emails(desk)) == 1
    [event] = [dict(r) for r in desk.db.query(
        "SELECT actor, detail FROM events WHERE kind = 'status_changed' AND detail LIKE '%committee%'")]
    assert event["actor"].startswith("cli")


def test_cli_status_errors_are_one_line(desk, tmp_path):
    reference = submit(desk)
    unknown = run_cli(tmp_path, "status", "KCN-2020-9999", "selected")
    assert unknown.exit_code == 1
    assert unknown.output == "Error: no application KCN-2020-9999\n"
    bad = run_cli(tmp_path, "status", reference, "approved")
    assert bad.exit_code == 1 and len(bad.output.splitlines()) == 1
    assert bad.output.startswith("Error: unknown status 'approved'; expected one of incomplete, complete,")
    assert "withdrawn" in bad.output
