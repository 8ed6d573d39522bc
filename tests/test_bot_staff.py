"""Staff on Telegram: the commands through the desk's real wiring (Desk.telegram_bot), polling the Bot API
emulator; applications come in by email through the real pipeline."""

from __future__ import annotations

import email
import logging
from datetime import datetime, timezone
from email import policy

import pytest

from helpers import COMPLETE_FORM_EN, INCOMPLETE_FORM_EN, email_bytes
from kcity.config import load_settings
from kcity.service import Desk

STAFF = 4242
STRANGER = 5151
NOW = datetime(2020, 3, 10, 3, tzinfo=timezone.utc)


@pytest.fixture
async def staff_desk(bot_api, tmp_path, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    settings = load_settings({
        "KCITY_DB": str(tmp_path / "k.db"), "OUTBOX_DIR": str(tmp_path / "outbox"), "KCITY_SECRET": "s3cret",
        "MAIL_FROM": "K-City Network <desk@kcity.test>", "TELEGRAM_BOT_TOKEN": bot_api.token,
        "TELEGRAM_BASE_URL": bot_api.base_url, "STAFF_TELEGRAM_IDS": str(STAFF),
    }, env_file=None)
    desk = Desk(settings, use_message_date=True, clock=lambda: NOW)
    cusco = desk.pipeline.process(email_bytes(COMPLETE_FORM_EN, message_id="<a@cusco.gob.pe>"), source="test")
    desk.pipeline.process(email_bytes(INCOMPLETE_FORM_EN, message_id="<b@x.example>",
                                      sender="someone@dakar.sn"), source="test")
    desk_bot = desk.telegram_bot()
    application = desk_bot.build(bot_api.token, base_url=bot_api.base_url)
    await application.initialize()
    await desk_bot.prepare(application)
    await application.start()
    await application.updater.start_polling(poll_interval=0, timeout=1)
    desk.cusco = cusco.reference
    yield desk
    await application.updater.stop()
    await application.stop()
    await application.shutdown()
    desk.close()


async def say(bot_api, chat_id: int, text: str, count: int = 1) -> list[dict]:
    bot_api.user_sends(chat_id, text)
    return await bot_api.wait_for_messages(chat_id, count, timeout=10)


@pytest.mark.parametrize("command", ["/apps", "/app KCN-2020-0001", "/find cusco", "/setstatus KCN-2020-0001 selected",
                                     "/unanswered", "/digest"])
async def test_anyone_else_is_told_the_command_does_not_exist_and_the_attempt_is_kept(
        staff_desk, bot_api, command, caplog):
    with caplog.at_level(logging.WARNING, logger="bot.staff"):
        [reply] = await say(bot_api, STRANGER, command)
    assert reply["text"] == "I do not know that command. /help lists the ones I know."
    assert f"user {STRANGER} tried the staff command" in caplog.text
    [event] = staff_desk.db.query("SELECT actor, detail FROM events WHERE kind = 'staff_command_refused'")
    assert event["actor"] == f"telegram:{STRANGER}"
    assert staff_desk.db.execute("SELECT status FROM applications WHERE reference = ?",
                                 [staff_desk.cusco]).fetchone()[0] == "complete"


async def test_apps_lists_recent_applications_with_totals(staff_desk, bot_api):
    [reply] = await say(bot_api, STAFF, "/apps")
    assert "All: complete 1, incomplete 1." in reply["text"]
    assert f"{staff_desk.cusco} · complete · PE" in reply["text"]
    [reply] = await say(bot_api, STAFF, "/apps incomplete")
    assert staff_desk.cusco not in reply["text"] and "incomplete" in reply["text"]
    [reply] = await say(bot_api, STAFF, "/apps maybe")
    assert reply["text"].startswith("Unknown status maybe. Statuses:")


async def test_app_shows_fields_missing_history_and_messages(staff_desk, bot_api):
    [reply] = await say(bot_api, STAFF, f"/app {staff_desk.cusco.lower()}")
    text = reply["text"]
    assert text.startswith(f"{staff_desk.cusco}: complete")
    assert "applicant.country: PE" in text and "1 messages." in text
    assert "Missing or invalid: nothing." in text
    assert "application_created by system" in text
    [reply] = await say(bot_api, STAFF, "/app KCN-1999-0001")
    assert reply["text"] == "No application KCN-1999-0001."


async def test_app_history_names_attachments_the_desk_could_not_read(staff_desk, bot_api):
    msg = email.message_from_bytes(email_bytes(INCOMPLETE_FORM_EN, message_id="<c@lima.gob.pe>",
                                               sender="ana@lima.gob.pe"), policy=policy.default)
    msg.add_attachment(b"\xd0\xcf\x11\xe0" + b"\0" * 100, maintype="application", subtype="msword",
                       filename="<b>form</b>.doc")
    outcome = staff_desk.pipeline.process(msg.as_bytes(), source="test")
    [reply] = await say(bot_api, STAFF, f"/app {outcome.reference}")
    assert "attachments_unread: <b>form</b>.doc by system" in reply["text"]  # shown as sent, not as markup


async def test_find_searches_the_applications(staff_desk, bot_api):
    [reply] = await say(bot_api, STAFF, "/find Cusco")
    assert staff_desk.cusco in reply["text"]
    [reply] = await say(bot_api, STAFF, '/find "nothing like this" AND *')
    assert reply["text"].startswith("Nothing found for")


async def test_setstatus_records_who_and_why_and_tells_the_applicant_once(staff_desk, bot_api):
    [reply] = await say(bot_api, STAFF, f"/setstatus {staff_desk.cusco} selected strong municipal commitment")
    assert "complete → selected" in reply["text"]
    [event] = staff_desk.db.query("SELECT actor, detail FROM events WHERE kind = 'status_changed'")
    assert event["actor"] == f"telegram:{STAFF}" and "strong municipal commitment" in event["detail"]
    await say(bot_api, STAFF, f"/setstatus {staff_desk.cusco} selected")  # the same decision again
    mails = [row for row in staff_desk.db.query("SELECT raw FROM outbox WHERE kind = 'status_update'")]
    assert len(mails) == 1
    letter = email.message_from_bytes(mails[0]["raw"], policy=policy.default)
    assert letter["To"] == "ana.quispe@cusco.gob.pe" and staff_desk.cusco in letter["Subject"]
    assert "strong municipal commitment" not in letter.get_content()  # the note is internal
    [reply] = await say(bot_api, STAFF, f"/setstatus {staff_desk.cusco} approved")
    assert "approved" in reply["text"] and "selected" in reply["text"]  # names the statuses there are


async def test_an_edited_staff_command_does_not_run_again(staff_desk, bot_api):
    sent = bot_api.user_sends(STAFF, f"/setstatus {staff_desk.cusco} under_review")
    await bot_api.wait_for_messages(STAFF, 1, timeout=10)
    bot_api.user_edits(STAFF, sent, f"/setstatus {staff_desk.cusco} not_selected")
    [reply] = await say(bot_api, STAFF, f"/app {staff_desk.cusco}")  # answered after the edit was seen
    assert reply["text"].startswith(f"{staff_desk.cusco}: under_review")
    changes = staff_desk.db.execute("SELECT count(*) FROM events WHERE kind = 'status_changed'").fetchone()[0]
    assert changes == 1


async def test_unanswered_lists_what_the_desk_could_not_answer(staff_desk, bot_api):
    await say(bot_api, STRANGER, "Will it rain in Seoul tomorrow?")
    await say(bot_api, STRANGER, "will it rain in Seoul tomorrow?")
    [reply] = await say(bot_api, STAFF, "/unanswered")
    assert "2× will it rain in seoul tomorrow? (telegram)" in reply["text"]


async def test_digest_on_demand_sends_the_message_the_chart_and_the_csv(staff_desk, bot_api):
    bot_api.user_sends(STAFF, "/digest")
    await bot_api.wait_until(lambda: any(m.get("document") for m in bot_api.messages(STAFF)), 15)
    sent = bot_api.messages(STAFF)
    assert "<" not in "".join(m.get("text") or "" for m in sent)  # HTML parsed: tags became entities
    assert any(m.get("photo") for m in sent)
    [document] = [m for m in sent if m.get("document")]
    assert document["document"]["file_name"].endswith(".csv")
    assert staff_desk.cusco in document["document"]["content"].decode("utf-8-sig")


def test_the_readme_lists_the_staff_commands():
    from pathlib import Path

    from bot.staff import STAFF_COMMANDS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Staff", 1)[1].split("\n#", 1)[0]
    listed = [line.split("`/", 1)[1].split("`", 1)[0].split(" ")[0] for line in section.splitlines()
              if line.startswith("| `/")]
    assert listed == list(STAFF_COMMANDS)


async def test_kcity_run_sends_the_digest_to_every_staff_chat_and_address_even_if_one_chat_blocked_the_bot(
        bot_api, smtp_server, tmp_path, monkeypatch):
    import asyncio

    from kcity.service import run

    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    blocked, fine = 6001, 6002
    for chat_id in (blocked, fine):
        bot_api.add_private_chat(chat_id)
    bot_api.user_blocks(blocked, notify=False)
    settings = load_settings({
        "KCITY_DB": str(tmp_path / "k.db"), "KCITY_SECRET": "s3cret", "MAIL_FROM": "K-City Network <desk@kcity.test>",
        "SMTP_HOST": smtp_server.host, "SMTP_PORT": str(smtp_server.port), "SMTP_SECURITY": "none",
        "TELEGRAM_BOT_TOKEN": bot_api.token, "TELEGRAM_BASE_URL": bot_api.base_url,
        "STAFF_TELEGRAM_CHATS": f"{blocked},{fine}", "STAFF_EMAILS": "team@molit.example",
    }, env_file=None)
    desk = Desk(settings, use_message_date=True, clock=lambda: NOW)  # 12:00 in Seoul: today's digest is due
    desk.pipeline.process(email_bytes(COMPLETE_FORM_EN), source="test")
    stop = asyncio.Event()
    service = asyncio.create_task(run(desk, stop))
    try:
        await bot_api.wait_until(lambda: any(m.get("document") for m in bot_api.messages(fine)), 20)
        await bot_api.wait_until(lambda: any(b"team@molit.example" in m.data for m in smtp_server.received), 20)
    finally:
        stop.set()
        await asyncio.wait_for(service, 20)
    deliveries = {(r["channel"], r["recipient"]): r["state"]
                  for r in desk.db.query("SELECT channel, recipient, state FROM digest_deliveries")}
    desk.close()
    assert deliveries[("telegram", str(fine))] == "sent"
    assert deliveries[("telegram", str(blocked))] == "refused"  # not retried until the next digest
    assert deliveries[("email", "team@molit.example")] == "queued"
    digest_mail = next(m for m in smtp_server.received if "team@molit.example" in m.rcpt_tos)
    letter = email.message_from_bytes(digest_mail.data, policy=policy.default)
    assert letter.get_content_type() == "multipart/mixed"
    assert {part.get_content_type() for part in letter.walk()} >= {"text/plain", "text/html", "image/png", "text/csv"}
