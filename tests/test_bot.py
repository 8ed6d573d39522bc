"""The Telegram bot through its real HTTP stack: PTB polling the Bot API emulator (tests/botapi.py) on loopback,
our handlers, our SQLite persistence and store. What a Telegram user would see is what is asserted."""

from __future__ import annotations

import asyncio
import email
import json
import logging
import re
from email import policy
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.handlers import DeskBot
from helpers import COMPLETE_FORM_EN, email_bytes
from kcity.config import load_settings
from kcity.service import Desk, run
from bot.links import LinkSigner
from rules.conversation import COMMANDS, Conversation, Say
from rules.form import blank_form
from store.applications import create_application, update_application, find_by_reference
from store.db import open_store
from store.telegram import revoke_links
from store.writer import Writer

IN_WINDOW = datetime(2020, 3, 1, 3, tzinfo=timezone.utc)  # the 2020 call is open, 19 days left
DESK = "apply@desk.example"
SECRET = b"test-secret-for-links"
REPO = Path(__file__).resolve().parents[1]


class Chat:
    """One Telegram user in a private chat, as the emulator lets us play them."""

    def __init__(self, api, chat_id: int, language_code: str = "en"):
        self.api, self.id, self.language_code = api, chat_id, language_code

    async def send(self, text: str, count: int = 1) -> list[dict]:
        self.api.user_sends(self.id, text, language_code=self.language_code)
        return await self.api.wait_for_messages(self.id, count, timeout=5)

    async def press(self, data: str, count: int = 1) -> list[dict]:
        """Press the button with this callback data on the newest message that has it."""
        message = self.with_button(data)
        self.api.user_presses(self.id, message["message_id"], data)
        return await self.api.wait_for_messages(self.id, count, timeout=5)

    async def toggle(self, data: str) -> dict:
        """Press a button whose answer edits the message in place."""
        message = self.with_button(data)
        before = len(message.get("history") or [])
        self.api.user_presses(self.id, message["message_id"], data)
        await self.api.wait_until(
            lambda: len(self.api.message(self.id, message["message_id"]).get("history") or []) > before, 5)
        return self.api.message(self.id, message["message_id"])

    def with_button(self, data: str) -> dict:
        for message in reversed(self.api.messages(self.id)):
            if data in button_data(message):
                return message
        raise AssertionError(f"no message in chat {self.id} has a button {data!r}")

    def texts(self) -> str:
        return "\n".join(m.get("text") or m.get("caption") or "" for m in self.api.messages(self.id))


def button_data(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("callback_data") for row in markup.get("inline_keyboard", []) for b in row]


def button_labels(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("text") for row in markup.get("inline_keyboard", []) for b in row]


@pytest.fixture
def store(tmp_path):
    db = open_store(tmp_path / "desk.db")
    writer = Writer()
    yield db, writer
    writer.close()
    db.close()


class Running:
    """A built, polling bot; ``restart()`` stops it and starts a fresh one on the same store."""

    def __init__(self, api, db, writer, clock):
        self.api, self.db, self.writer, self.clock = api, db, writer, clock
        self.application = None

    async def start(self, **build):
        desk_bot = DeskBot(conversation=Conversation(desk_address=DESK), db=self.db, writer=self.writer,
                           links=LinkSigner(SECRET), clock=self.clock, notify_seconds=0.2)
        self.application = desk_bot.build(self.api.token, base_url=self.api.base_url, **build)
        await self.application.initialize()
        await desk_bot.prepare(self.application)
        await self.application.start()
        await self.application.updater.start_polling(poll_interval=0, timeout=1)
        return self

    async def stop(self):
        await self.application.updater.stop()
        await self.application.stop()
        await self.application.shutdown()

    async def restart(self):
        await self.stop()
        return await self.start()


@pytest.fixture
async def bot(bot_api, store, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB warns (an error here) on int retry_after otherwise
    db, writer = store
    running = await Running(bot_api, db, writer, clock=lambda: IN_WINDOW).start()
    yield running
    await running.stop()


def application_in_store(db, *, status="incomplete", language="en", sender="mayor@lima.gob.pe"):
    problems = [{"field": "project.summary", "kind": "missing", "message": "Required.", "example": "..."}]
    return create_application(
        db, year=2020, status=status, fields={"applicant": {"country": "PE"}}, problems=problems,
        eligibility={"status": "eligible", "reasons": [], "missing": []}, language=language, sender=sender,
        at="2020-03-01T00:00:00+00:00",
    )


# --- /start, the menu, languages ---------------------------------------------------------

WELCOME = {"en": "Welcome to the K-City Network", "ko": "대한민국 국토교통부 K-City Network 글로벌 협력 프로그램 안내 창구입니다",
           "es": "Le damos la bienvenida a la ventanilla del Programa", "fr": "Bienvenue au guichet du Programme"}


@pytest.mark.parametrize(("language_code", "lang"), [("en", "en"), ("ko", "ko"), ("es-419", "es"), ("fr", "fr"),
                                                      ("pt-br", "en")])
async def test_start_greets_in_the_users_telegram_language_with_the_menu(bot, bot_api, language_code, lang):
    [welcome] = await Chat(bot_api, 101, language_code).send("/start")
    assert welcome["text"].startswith(WELCOME[lang])
    assert button_data(welcome) == ["menu:check", "menu:ask", "menu:apply", "menu:dates", "menu:mine", "menu:language"]


async def test_the_language_switch_changes_what_the_bot_writes(bot, bot_api):
    chat = Chat(bot_api, 102)
    await chat.send("/start")
    [prompt] = await chat.press("menu:language")
    assert button_labels(prompt) == ["English", "한국어", "Español", "Français"]
    said, menu = await chat.press("lang:ko", count=2)
    assert said["text"] == "이제부터 한국어로 안내해 드리겠습니다."
    assert "신청 자격 확인" in button_labels(menu)


# --- the guided check, in every language ----------------------------------------------------

CHECK = {
    "en": ("Peru", "2 billion won", "a person on the program team would have to look at this application",
           "The call plans up to KRW 1,000,000,000 (USD 850,000) per project"),
    "ko": ("페루", "20억 원", "프로그램 담당자의 검토가 필요합니다", "사업당 최대 KRW 1,000,000,000"),
    "es": ("Perú", "2.000 millones de wones", "tendría que examinar esta solicitud",
           "La convocatoria prevé hasta KRW 1.000.000.000"),
    "fr": ("Pérou", "2 milliards de wons", "devrait examiner cette candidature", "L'appel prévoit jusqu'à KRW"),
}


@pytest.mark.parametrize("lang", ["en", "ko", "es", "fr"])
async def test_the_whole_eligibility_check_in_each_language(bot, bot_api, lang):
    country, amount, verdict, reason = CHECK[lang]
    chat = Chat(bot_api, 200 + len(lang) * 10 + ord(lang[0]), lang)
    await chat.send("/start")
    [question] = await chat.press("menu:check")
    assert question["text"].startswith("(1/7)")
    await chat.press("pick:organization_type:local_government")
    [question] = await chat.send(country)
    assert question["text"].startswith("(3/7)")
    await chat.press("pick:category:smart_solution")
    toggled = await chat.toggle("toggle:sectors:transportation")
    assert any(label.startswith("✓ ") for label in button_labels(toggled))
    await chat.press("done:sectors")
    await chat.toggle("toggle:support:master_plan")
    await chat.toggle("toggle:support:training")
    await chat.press("done:support")
    [question] = await chat.press("pick:status:new")
    assert question["text"].startswith("(7/7)")
    [result] = await chat.send(amount)
    assert verdict in result["text"] and reason in result["text"]
    assert "Korea plans to allocate up to one billion KRW or 0.85 million USD per project." in result["text"]
    assert DESK in result["text"]
    assert button_data(result)[:2] == ["menu:form", "restart"]


async def test_back_and_restart_buttons(bot, bot_api):
    chat = Chat(bot_api, 301)
    await chat.send("/check")
    await chat.press("pick:organization_type:central_government")
    [question] = await chat.press("back")
    assert question["text"].startswith("(1/7)")
    await chat.press("pick:organization_type:private_company")
    await chat.send("Chile")
    [question] = await chat.press("restart")
    assert question["text"].startswith("(1/7)")


async def test_a_question_in_the_middle_of_the_check_is_answered_and_the_check_goes_on(bot, bot_api, store):
    db, _ = store
    chat = Chat(bot_api, 302)
    await chat.send("/check")
    await chat.press("pick:organization_type:local_government")
    answer, again = await chat.send("Can a private company apply?", count=2)
    assert "private-sector-only participation is not allowed" in answer["text"]
    assert again["text"].startswith("(2/7)")
    [question] = await chat.send("Kenya")
    assert question["text"].startswith("(3/7)")
    asked = list(db.query("SELECT text, channel, topic FROM questions"))
    assert asked == [{"text": "Can a private company apply?", "channel": "telegram", "topic": "private_companies"}]


# --- free questions -------------------------------------------------------------------------

async def test_free_questions_are_answered_from_the_call_in_their_language(bot, bot_api):
    chat = Chat(bot_api, 401)
    [reply] = await chat.send("¿Cuál es el monto máximo por proyecto?")
    assert "mil millones de wones" in reply["text"]


async def test_an_unanswerable_question_says_so_offers_the_check_and_is_kept_for_staff(bot, bot_api, store):
    db, _ = store
    chat = Chat(bot_api, 402)
    [reply] = await chat.send("Will it rain in Seoul tomorrow?")
    assert "www.molit.go.kr" in reply["text"]
    assert button_data(reply) == ["menu:check", "menu:apply"]
    [row] = db.query("SELECT text, topic FROM questions")
    assert row == {"text": "Will it rain in Seoul tomorrow?", "topic": None}


async def test_a_question_naming_its_case_gets_a_verdict(bot, bot_api):
    chat = Chat(bot_api, 403)
    [reply] = await chat.send("We are a city government in Peru with a smart transport project, can we apply?")
    assert "From what you told me, the project fits the call." in reply["text"]


async def test_text_that_looks_like_html_is_shown_as_written(bot, bot_api):
    # The emulator rejects unparsable HTML as Telegram does: the bot must escape what it echoes.
    chat = Chat(bot_api, 404)
    await chat.send("/check")
    await chat.press("pick:organization_type:local_government")
    said, _ = await chat.send("<b>Narnia</b> & Oz", count=2)
    assert said["text"] == "I could not find a country in \u201c<b>Narnia</b> & Oz\u201d."


# --- how to apply, deadlines, the form ------------------------------------------------------

async def test_how_to_apply_gives_the_address_the_deadline_and_the_form(bot, bot_api):
    chat = Chat(bot_api, 501, "fr")
    [reply] = await chat.send("/apply")
    assert DESK in reply["text"]
    assert "dans 19 jours" in reply["text"]
    assert blank_form("fr").splitlines()[0] in reply["text"]
    await chat.press("menu:form")
    [document] = [m for m in bot_api.messages(chat.id) if m.get("document")]
    assert document["document"]["file_name"] == "k-city-application-form-fr.txt"
    assert document["document"]["content"].decode() == blank_form("fr") + "\n"


async def test_deadlines_say_how_many_days_are_left(bot, bot_api):
    [reply] = await Chat(bot_api, 502).send("/deadline")
    assert "applications are taken until March 20, 2020 (Korean Time), 19 days from today" in reply["text"]


# --- commands ---------------------------------------------------------------------------------

async def test_commands_are_registered_in_each_language_and_help_and_the_readme_agree(bot, bot_api):
    await bot_api.wait_until(lambda: len(bot_api.calls_to("setMyCommands")) >= 5, 5)
    for language_code, lang in (("", "en"), ("en", "en"), ("ko", "ko"), ("es", "es"), ("fr", "fr")):
        registered = bot_api.commands(language_code=language_code)
        assert [c["command"] for c in registered] == list(COMMANDS)
        assert [c["description"] for c in registered] == [d[lang] for d in COMMANDS.values()]
    [help_text] = await Chat(bot_api, 601).send("/help")
    listed = [line.split(" ")[0][1:] for line in help_text["text"].splitlines() if line.startswith("/")]
    assert listed == list(COMMANDS)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The Telegram bot", 1)[1].split("\n#", 1)[0]
    in_readme = [line.split("`/", 1)[1].split("`", 1)[0].split(" ")[0] for line in section.splitlines()
                 if line.startswith("| `/")]
    assert in_readme == list(COMMANDS)


async def test_an_unknown_command_gets_a_plain_answer(bot, bot_api):
    [reply] = await Chat(bot_api, 602).send("/frobnicate")
    assert reply["text"] == "I do not know that command. /help lists the ones I know."


# --- following one's own application ------------------------------------------------------------

async def test_a_deep_link_binds_the_chat_and_status_shows_the_application(bot, bot_api, store):
    db, _ = store
    app = application_in_store(db)
    token = LinkSigner(SECRET).token(app.reference, 0)
    chat = Chat(bot_api, 701)
    bound, status = await chat.send(f"/start {token}", count=2)
    assert bound["text"].startswith(f"This chat now follows application {app.reference}.")
    assert f"Application {app.reference}\nStatus: incomplete: information is missing" in status["text"]
    assert "Still missing or to correct: Project summary." in status["text"]
    [again] = await chat.send("/status")
    assert app.reference in again["text"]


async def test_a_stranger_sees_nothing_of_anyone_elses_application(bot, bot_api, store):
    db, _ = store
    app = application_in_store(db)
    real = LinkSigner(SECRET).token(app.reference, 0)
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    other_secret = LinkSigner(b"someone-elses-secret").token(app.reference, 0)
    stranger = Chat(bot_api, 702)
    for attempt in (forged, other_secret, app.reference, "KCN-2020-0001-0-x"):
        [reply] = await stranger.send(f"/start {attempt}")
        assert reply["text"].startswith("This link is not valid, or it has been withdrawn.")
    [reply] = await stranger.send("/status")
    assert reply["text"].startswith("To follow your application here, open the Telegram link")
    assert app.reference not in stranger.texts()
    await stranger.send("/start")
    [reply] = await stranger.press("menu:mine")
    assert app.reference not in reply["text"]


async def test_a_revoked_link_stops_working_and_unbinds_the_chat(bot, bot_api, store):
    db, _ = store
    app = application_in_store(db)
    token = LinkSigner(SECRET).token(app.reference, 0)
    chat = Chat(bot_api, 703)
    await chat.send(f"/start {token}", count=2)
    revoke_links(db, app.reference, at="2020-03-02T00:00:00+00:00", actor="staff")
    [reply] = await chat.send("/status")
    assert app.reference not in reply["text"]
    [reply] = await chat.send(f"/start {token}")
    assert reply["text"].startswith("This link is not valid")


async def test_a_bound_chat_is_told_when_the_status_changes_once(bot, bot_api, store):
    db, writer = store
    app = application_in_store(db, language="es")
    chat = Chat(bot_api, 704, "es")
    await chat.send(f"/start {LinkSigner(SECRET).token(app.reference, 0)}", count=2)
    await writer.call(lambda: update_application(
        db, find_by_reference(db, app.reference), status="complete", fields={}, problems=[], eligibility={},
        at="2020-03-03T00:00:00+00:00"))
    [told] = await bot_api.wait_for_messages(chat.id, 1, timeout=5)
    assert told["text"] == f"Solicitud {app.reference}: el estado es ahora completa, recibida para evaluación."
    with pytest.raises(AssertionError):  # exactly once: nothing more comes
        await bot_api.wait_for_messages(chat.id, 1, timeout=1)


# --- restarts -------------------------------------------------------------------------------------

async def test_a_restart_mid_questionnaire_resumes_at_the_same_step_and_language(bot, bot_api):
    chat = Chat(bot_api, 801, "ko")
    await chat.send("/check")
    await chat.press("pick:organization_type:local_government")
    await bot.restart()
    [question] = await chat.send("케냐")
    assert question["text"] == "(3/7) 어떤 유형의 사업입니까?"


async def test_an_unsure_answer_offers_topics_and_a_tap_answers(bot, bot_api):
    chat = Chat(bot_api, 804)
    [reply] = await chat.send("Tell me about the money side")
    assert "I don't know" in reply["text"] and "Perhaps your question is about one of these:" in reply["text"]
    assert button_data(reply)[:2] == ["topic:funding_cap:en", "topic:ppp_pis_fund:en"]
    assert button_labels(reply)[:2] == ["How much per project", "PPP and the PIS fund"]
    [answer] = await chat.press("topic:funding_cap:en")
    assert "one billion KRW" in answer["text"]
    [unanswered] = bot.db.query("SELECT topic FROM questions WHERE text = 'Tell me about the money side'")
    assert unanswered["topic"] is None  # staff still see it among the questions the desk could not answer


async def test_an_edited_message_is_not_taken_as_a_new_answer(bot, bot_api):
    """Editing an earlier message in Telegram sends it again as an update; the check must not read
    it as the answer to the step it is at now."""
    chat = Chat(bot_api, 803)
    await chat.send("/check")
    await chat.press("pick:organization_type:local_government")
    sent = bot_api.user_sends(chat.id, "Peru")
    [question] = await bot_api.wait_for_messages(chat.id, 1, timeout=5)
    assert question["text"].startswith("(3/7)")
    bot_api.user_edits(chat.id, sent, "Chile")
    bot_api.user_edits(chat.id, sent, "/start")
    [reply] = await chat.send("/deadline")  # the next message gets the next reply, nothing came in between
    assert "19 days from today" in reply["text"]
    [question] = await chat.send("/check")
    assert question["text"].startswith("(1/7)")


async def test_each_answer_is_in_the_store_before_any_periodic_save(bot_api, store, monkeypatch):
    """A crash right after a reply loses nothing: the chat's step is written with the update itself."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    db, writer = store
    running = await Running(bot_api, db, writer, clock=lambda: IN_WINDOW).start(persistence_interval=3600)
    try:
        chat = Chat(bot_api, 802, "es")
        await chat.send("/check")
        await chat.press("pick:organization_type:local_government")

        def stored_state():
            row = db.execute("SELECT data FROM bot_persistence WHERE kind = 'chat_data' AND key = '802'").fetchone()
            return json.loads(row[0])["conversation"] if row else None

        await bot_api.wait_until(lambda: (stored_state() or {}).get("step") == "country", 5)
        assert stored_state()["lang"] == "es"
        assert stored_state()["answers"]["applicant"] == {"organization_type": "local_government"}
    finally:
        await running.stop()


# --- failures ---------------------------------------------------------------------------------------

async def test_429_is_waited_out_and_the_message_still_arrives(bot, bot_api):
    bot_api.fail_next("sendMessage", 429, retry_after=1)
    [reply] = await Chat(bot_api, 901).send("/deadline")
    assert "19 days from today" in reply["text"]
    statuses = [c["status"] for c in bot_api.calls_to("sendMessage")]
    assert statuses[:2] == [429, 200]


async def test_a_user_who_blocked_the_bot_is_marked_and_not_retried(bot, bot_api, store):
    db, _ = store
    chat = Chat(bot_api, 902)
    await chat.send("/start")
    bot_api.user_blocks(chat.id, notify=False)
    bot_api.user_sends(chat.id, "/deadline")
    await bot_api.wait_until(lambda: db.execute(
        "SELECT blocked_at FROM telegram_chats WHERE chat_id = ?", [chat.id]).fetchone() is not None, 5)
    await bot_api.wait_for_updates_consumed()
    refused = [c for c in bot_api.calls_to("sendMessage") if c["status"] == 403]
    assert len(refused) == 1


async def test_a_blocked_chat_gets_no_status_notices_but_others_do(bot, bot_api, store):
    db, writer = store
    app = application_in_store(db)
    token = LinkSigner(SECRET).token(app.reference, 0)
    blocked, fine = Chat(bot_api, 903), Chat(bot_api, 904)
    await blocked.send(f"/start {token}", count=2)
    await fine.send(f"/start {token}", count=2)
    bot_api.user_blocks(blocked.id, notify=False)
    bot_api.fail_next("sendMessage", 403)  # the first notice goes to 903 (ordered by chat id) and is refused
    await writer.call(lambda: update_application(
        db, find_by_reference(db, app.reference), status="complete", fields={}, problems=[], eligibility={},
        at="2020-03-03T00:00:00+00:00"))
    [told] = await bot_api.wait_for_messages(fine.id, 1, timeout=5)
    assert app.reference in told["text"]


async def test_a_server_error_gets_a_plain_apology_and_the_bot_keeps_going(bot, bot_api, caplog):
    chat = Chat(bot_api, 905)
    bot_api.fail_next("sendMessage", 500)
    with caplog.at_level(logging.ERROR, logger="bot.handlers"):
        [apology] = await chat.send("/deadline")
    assert apology["text"] == "Sorry, something went wrong on our side. Please try again in a moment."
    assert "in chat 905 failed" in caplog.text
    [reply] = await chat.send("/deadline")
    assert "19 days from today" in reply["text"]


async def test_a_dropped_connection_while_polling_is_survived(bot, bot_api):
    bot_api.fail_next("getUpdates", "drop")
    [reply] = await Chat(bot_api, 906).send("/deadline")
    assert "19 days from today" in reply["text"]


async def test_a_too_long_answer_is_split_under_telegrams_limit(bot, bot_api):
    class Update:  # what DeskBot._send reads of an update
        effective_chat = type("C", (), {"id": 907})()
        callback_query = None

    bot_api.add_private_chat(907)
    text = "\n\n".join(f"Paragraph {i}: " + " ".join(["word"] * 150) for i in range(12))  # ~9,000 characters
    context = type("Ctx", (), {"bot": bot.application.bot})()
    desk_bot = DeskBot(conversation=Conversation(desk_address=DESK), db=bot.db, writer=bot.writer,
                       links=LinkSigner(SECRET))
    await desk_bot._send(Update(), context, Say(text))
    pieces = bot_api.messages(907)
    assert len(pieces) == 3 and all(len(p["text"]) <= 4096 for p in pieces)
    assert "\n\n".join(p["text"] for p in pieces) == text
    assert all(p["text"].startswith("Paragraph") for p in pieces)


# --- the whole desk: an emailed application, its acknowledgement's link, the chat -------------------

async def test_kcity_run_starts_the_bot_and_the_acknowledgement_link_opens_the_application(bot_api, tmp_path):
    settings = load_settings({
        "KCITY_DB": str(tmp_path / "k.db"), "OUTBOX_DIR": str(tmp_path / "outbox"), "KCITY_SECRET": "s3cret",
        "MAIL_FROM": "K-City Network <desk@kcity.test>", "TELEGRAM_BOT_TOKEN": bot_api.token,
        "TELEGRAM_BASE_URL": bot_api.base_url,
    }, env_file=None)
    desk = Desk(settings, use_message_date=True)
    stop = asyncio.Event()
    service = asyncio.create_task(run(desk, stop))
    try:
        await bot_api.wait_until(lambda: desk.bot_username == "kcity_test_bot", 5)  # learnt from getMe
        outcome = await desk.writer.call(desk.pipeline.process, email_bytes(COMPLETE_FORM_EN), source="test")
        [raw] = [r["raw"] for r in desk.db.query("SELECT raw FROM outbox")]
        body = email.message_from_bytes(raw, policy=policy.default).get_content()
        link = re.search(r"https://t\.me/kcity_test_bot\?start=([A-Za-z0-9_-]+)", body)
        assert link, body
        chat = Chat(bot_api, 1001)
        _, status = await chat.send(f"/start {link.group(1)}", count=2)
        assert f"Application {outcome.reference}\nStatus: complete" in status["text"]
    finally:
        stop.set()
        await asyncio.wait_for(service, 10)
        desk.close()
    assert bot_api.calls_to("getUpdates")  # long polling, not a webhook


async def test_webhook_mode_takes_updates_from_telegram_and_refuses_forged_calls(bot_api, tmp_path):
    import socket

    import aiohttp

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/telegram-hook"
    settings = load_settings({
        "KCITY_DB": str(tmp_path / "k.db"), "OUTBOX_DIR": str(tmp_path / "outbox"), "KCITY_SECRET": "s3cret",
        "TELEGRAM_BOT_TOKEN": bot_api.token, "TELEGRAM_BASE_URL": bot_api.base_url,
        "TELEGRAM_WEBHOOK_URL": url, "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1", "TELEGRAM_WEBHOOK_PORT": str(port),
        "TELEGRAM_WEBHOOK_SECRET": "only-telegram-knows-this",
    }, env_file=None)
    desk = Desk(settings)
    stop = asyncio.Event()
    service = asyncio.create_task(run(desk, stop))
    try:
        await bot_api.wait_until(lambda: (bot_api.webhook or {}).get("url") == url, 5)
        [reply] = await Chat(bot_api, 1101).send("/deadline")
        assert "No call is open today" in reply["text"]
        async with aiohttp.ClientSession() as session:  # someone who is not Telegram posts an update
            forged = {"update_id": 999, "message": {"message_id": 1, "date": 0, "chat": {"id": 1102, "type": "private"},
                                                    "text": "/start"}}
            async with session.post(url, json=forged) as response:
                assert response.status == 403
        await asyncio.sleep(0.3)
        assert not [c for c in bot_api.calls_to("sendMessage") if str(c["params"].get("chat_id")) == "1102"]
    finally:
        stop.set()
        await asyncio.wait_for(service, 10)
        desk.close()
    assert not [c for c in bot_api.calls_to("getUpdates") if c["status"] == 200]


async def test_chats_are_served_side_by_side_but_each_chat_in_order(bot, bot_api):
    bot_api.set_latency(1.0, "sendMessage")  # every reply takes Telegram a second
    first, second = Chat(bot_api, 1201), Chat(bot_api, 1202)
    bot_api.user_sends(first.id, "/check")
    bot_api.user_sends(first.id, "/deadline")
    bot_api.user_sends(second.id, "/deadline")
    await bot_api.wait_for_messages(first.id, 2, timeout=10)
    await bot_api.wait_for_messages(second.id, 1, timeout=10)
    sends = {str(c["params"]["chat_id"]): [] for c in bot_api.calls_to("sendMessage")}
    for call in bot_api.calls_to("sendMessage"):
        sends[str(call["params"]["chat_id"])].append(call["time"])
    # The second chat did not wait for the first chat's replies to come back ...
    assert sends["1202"][0] - sends["1201"][0] < 0.5
    # ... while the first chat's two updates were handled one after the other, in the order sent.
    assert sends["1201"][1] - sends["1201"][0] >= 1.0
    assert [m["text"][:5] for m in bot_api.messages(first.id)] == ["(1/7)", "The c"]


async def test_a_message_telegram_refuses_gets_a_plain_apology(bot, bot_api):
    chat = Chat(bot_api, 1301)
    bot_api.fail_next("sendMessage", 400, description="Bad Request: can't parse entities: unsupported start tag")
    [apology] = await chat.send("/deadline")
    assert apology["text"] == "Sorry, something went wrong on our side. Please try again in a moment."
    assert "parse" not in apology["text"]


async def test_a_file_sent_to_the_bot_gets_told_where_applications_go(bot, bot_api):
    bot_api.user_sends_document(1401, b"%PDF-1.4 ...", file_name="application.pdf", mime_type="application/pdf",
                                language_code="es")
    [reply] = await bot_api.wait_for_messages(1401, 1, timeout=5)
    assert reply["text"] == f"Aquí solo puedo leer texto. Para enviar una solicitud con sus archivos, envíela por " \
                            f"correo electrónico a {DESK}."


async def test_a_rejected_token_is_one_log_line_and_the_mail_side_keeps_running(bot_api, tmp_path, caplog):
    settings = load_settings({
        "KCITY_DB": str(tmp_path / "k.db"), "OUTBOX_DIR": str(tmp_path / "outbox"), "KCITY_SECRET": "s3cret",
        "TELEGRAM_BOT_TOKEN": "999:not-this-bots-token", "TELEGRAM_BASE_URL": bot_api.base_url,
    }, env_file=None)
    desk = Desk(settings, use_message_date=True)
    stop = asyncio.Event()
    with caplog.at_level(logging.WARNING, logger="kcity.service"):
        service = asyncio.create_task(run(desk, stop))
        try:
            await bot_api.wait_until(lambda: "Telegram bot:" in caplog.text, 5)
            outcome = await desk.writer.call(desk.pipeline.process, email_bytes(COMPLETE_FORM_EN), source="test")
            assert outcome.reference and not service.done()
        finally:
            stop.set()
            await asyncio.wait_for(service, 10)
            desk.close()
    [line] = [r for r in caplog.records if r.getMessage().startswith("Telegram bot:")]
    assert "restarting in" in line.getMessage() and line.exc_info is None


async def test_in_a_group_only_commands_are_for_the_bot(bot, bot_api):
    bot_api.add_group_chat(-1501, "Overseas Urban Cooperation Team")
    bot_api.user_sends(-1501, "Did anyone read the Cusco application?", user_id=1502)
    bot_api.user_sends(-1501, "/deadline", user_id=1502)
    [reply] = await bot_api.wait_for_messages(-1501, 1, timeout=5)
    assert "19 days from today" in reply["text"]
    await bot_api.wait_for_updates_consumed()
    assert len(bot_api.messages(-1501)) == 1


async def test_kcity_run_verbose_never_logs_the_bot_token(bot_api, tmp_path):
    import os
    import signal
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMAP_", "SMTP_", "KCITY_", "MAIL_", "TELEGRAM_"))}
    env.update({"KCITY_DB": str(tmp_path / "k.db"), "OUTBOX_DIR": str(tmp_path / "outbox"), "KCITY_SECRET": "s3cret",
                "TELEGRAM_BOT_TOKEN": bot_api.token, "TELEGRAM_BASE_URL": bot_api.base_url, "PTB_TIMEDELTA": "true"})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kcity", "--env-file", "/nonexistent", "-v", "run",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await bot_api.wait_until(lambda: len(bot_api.calls_to("getUpdates")) >= 2, 30)
        [reply] = await Chat(bot_api, 1601).send("/deadline")
        assert "No call is open today" in reply["text"]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    log = stderr.decode()
    assert "Telegram bot @kcity_test_bot running" in log  # verbose logging is on ...
    assert bot_api.token not in log and bot_api.token.split(":")[1] not in log  # ... and the token is not in it
