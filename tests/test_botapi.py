"""The Bot API emulator (tests/botapi.py) driven by python-telegram-bot's own Bot.

Every test goes through PTB's real HTTP stack, so these tests also show that PTB
and the emulator agree on the wire format.
"""

from __future__ import annotations

import asyncio
import struct
import time
import zlib

import pytest
import telegram
from aiohttp import web
from botapi import BotAPIEmulator, ParseError, parse_html, parse_markdown_v2
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

USER = 5001  # a private chat's id is its user's id


@pytest.fixture
async def bot(bot_api):
    bot = telegram.Bot(bot_api.token, base_url=bot_api.base_url,
                       base_file_url=bot_api.base_file_url)
    async with bot:
        yield bot


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)]
                                 for text, data in pairs])


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# ---------------------------------------------------------------- basics


async def test_get_me_on_initialize(bot, bot_api):
    assert bot.username == bot_api.bot_user["username"]
    assert bot.id == bot_api.bot_user["id"]
    me = await bot.get_me()
    assert me.is_bot and me.first_name == bot_api.bot_user["first_name"]
    assert [c["method"] for c in bot_api.calls] == ["getMe", "getMe"]


async def test_wrong_token_and_unknown_method(bot, bot_api):
    other = telegram.Bot("987654321:" + "x" * 35, base_url=bot_api.base_url)
    with pytest.raises(InvalidToken):
        await other.initialize()
    await other.shutdown()
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendHologram", api_kwargs={"chat_id": USER})
    # Method names are case-insensitive, as on Telegram.
    assert (await bot.do_api_request("GETME"))["username"] == bot.username


# ---------------------------------------------------------------- getUpdates


async def test_long_poll_returns_when_a_user_sends(bot, bot_api):
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await bot_api.wait_for_call("getUpdates")
    await asyncio.sleep(0.05)
    assert not poll.done()  # held, like real long polling
    bot_api.user_sends(USER, "/start abc123", first_name="Ada", language_code="ko")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 2
    [update] = updates
    message = update.message
    assert message.text == "/start abc123"
    assert message.from_user.first_name == "Ada" and message.from_user.language_code == "ko"
    assert message.chat.type == "private" and message.chat.id == USER
    [entity] = message.entities
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 6)
    assert message.parse_entities() == {entity: "/start"}


async def test_long_poll_times_out_empty(bot, bot_api):
    started = time.monotonic()
    assert await bot.get_updates(timeout=0.3) == ()
    assert 0.25 < time.monotonic() - started < 2


async def test_offset_confirms_updates(bot, bot_api):
    for text in ("one", "two", "three"):
        bot_api.user_sends(USER, text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first] == ["one", "two"]
    again = await bot.get_updates()
    assert [u.message.text for u in again] == ["one", "two", "three"]  # not confirmed yet
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["three"]
    assert await bot.get_updates(offset=rest[-1].update_id + 1) == ()
    assert bot_api.pending_updates == []


async def test_allowed_updates_filters_new_updates(bot, bot_api):
    await bot.get_updates(allowed_updates=["callback_query"])
    bot_api.user_sends(USER, "ignored")
    assert await bot.get_updates() == ()
    await bot.get_updates(allowed_updates=[])  # back to the default set
    bot_api.user_sends(USER, "seen")
    assert [u.message.text for u in await bot.get_updates()] == ["seen"]


async def test_second_poller_terminates_the_first(bot, bot_api):
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await bot_api.wait_for_call("getUpdates")
    second = telegram.Bot(bot_api.token, base_url=bot_api.base_url)
    async with second:
        second_poll = asyncio.create_task(second.get_updates(timeout=0.2))
        with pytest.raises(Conflict, match="terminated by other getUpdates"):
            await asyncio.wait_for(first, 2)
        assert await second_poll == ()


# ---------------------------------------------------------------- sendMessage


async def test_send_message_html(bot, bot_api):
    bot_api.user_sends(USER, "hi")
    sent = await bot.send_message(
        USER,
        '<b>Hello</b>, <a href="https://kcity.example/apply">apply</a> &amp; <i>enjoy</i> 😀',
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    assert sent.text == "Hello, apply & enjoy 😀"
    assert sent.from_user.id == bot.id and sent.chat.id == USER
    assert sent.message_id == 2  # the user's message was 1: ids are per chat
    assert sent.parse_entities() == {
        sent.entities[0]: "Hello",
        sent.entities[1]: "apply",
        sent.entities[2]: "enjoy",
    }
    assert sent.entities[1].url == "https://kcity.example/apply"
    assert sent.link_preview_options.is_disabled
    [stored] = bot_api.messages(USER)
    assert stored["text"] == "Hello, apply & enjoy 😀"
    assert stored["parse_mode"] == "HTML"
    assert stored["raw_text"].startswith("<b>Hello</b>")
    assert stored["json"]["message_id"] == sent.message_id


async def test_send_message_markdown_v2(bot, bot_api):
    bot_api.user_sends(USER, "hi")
    sent = await bot.send_message(USER, r"*Deadline:* 30 June\. ||secret||",
                                  parse_mode=ParseMode.MARKDOWN_V2)
    assert sent.text == "Deadline: 30 June. secret"
    assert [e.type for e in sent.entities] == ["bold", "spoiler"]
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(USER, "Version 1.0", parse_mode=ParseMode.MARKDOWN_V2)
    assert caught.value.message == (
        "Can't parse entities: character '.' is reserved and must be escaped with the "
        "preceding '\\'"
    )
    assert bot_api.calls[-1]["response"]["description"] == (
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
        "with the preceding '\\'"
    )


async def test_send_message_bad_html(bot, bot_api):
    bot_api.user_sends(USER, "hi")
    with pytest.raises(BadRequest, match='(?i)unsupported start tag "foo" at byte offset 0'):
        await bot.send_message(USER, "<foo>x</foo>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)can't parse entities: unsupported start tag"):
        await bot.send_message(USER, "5 < 6", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)can't find end tag"):
        await bot.send_message(USER, "<b>open", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)unescaped"):
        await bot.send_message(USER, "Q&A", parse_mode=ParseMode.HTML)
    assert bot_api.messages(USER) == []
    # Without a parse mode, the same text is fine.
    assert (await bot.send_message(USER, "5 < 6 & <foo>")).text == "5 < 6 & <foo>"


async def test_send_message_empty_too_long_unknown_chat(bot, bot_api):
    bot_api.user_sends(USER, "hi")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "  \n ")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "<b></b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "x" * 4097)
    # The limit applies to the visible text, after entity parsing.
    sent = await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    assert len(sent.text) == 4096
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(777, "hello stranger")


async def test_keyboard_reply_and_callback_data_limit(bot, bot_api):
    asked = bot_api.user_sends(USER, "question")
    sent = await bot.send_message(
        USER, "Pick one", reply_markup=keyboard(("Yes", "ans:yes"), ("No", "ans:no")),
        reply_parameters=ReplyParameters(asked["message_id"]),
    )
    assert sent.reply_to_message.text == "question"
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "ans:yes"
    assert bot_api.last_message(USER)["reply_to_message_id"] == asked["message_id"]
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "x", reply_markup=keyboard(("big", "x" * 65)))
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(USER, "x", reply_parameters=ReplyParameters(999))


# ---------------------------------------------------------------- failures


async def test_injected_429_gives_retry_after(bot, bot_api, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as a timedelta
    bot_api.user_sends(USER, "hi")
    bot_api.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "hello")
    assert caught.value.retry_after.total_seconds() == 7
    assert bot_api.calls[-1]["response"] == {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    assert bot_api.messages(USER) == []
    await bot.send_message(USER, "hello")  # count=1: the next call goes through
    assert bot_api.texts(USER) == ["hello"]


async def test_blocked_user_gives_forbidden(bot, bot_api):
    bot_api.user_sends(USER, "hi")
    bot_api.user_blocks(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "still there?")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(USER, "typing")
    updates = await bot.get_updates()
    member = updates[-1].my_chat_member
    assert member.new_chat_member.status == "kicked"
    bot_api.user_unblocks(USER)
    await bot.send_message(USER, "welcome back")
    bot_api.fail_next("sendMessage", "blocked")
    with pytest.raises(Forbidden):
        await bot.send_message(USER, "x")


@pytest.mark.parametrize("error", [500, 502, "drop"])
async def test_server_errors_and_drops_give_network_error(bot, bot_api, error):
    bot_api.user_sends(USER, "hi")
    bot_api.fail_next("sendMessage", error)
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(USER, "hello")
    assert type(caught.value) is NetworkError
    assert bot_api.messages(USER) == []
    assert (await bot.send_message(USER, "again")).text == "again"


async def test_drop_after_applies_the_call_but_loses_the_answer(bot, bot_api):
    bot_api.user_sends(USER, "hi")
    bot_api.fail_next("sendMessage", "drop_after")
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "sent twice?")
    assert bot_api.texts(USER) == ["sent twice?"]


async def test_injected_400_and_latency(bot, bot_api):
    bot_api.user_sends(USER, "hi")
    bot_api.fail_next("*", 400, description="Bad Request: have no rights to send a message")
    with pytest.raises(BadRequest, match="Have no rights"):
        await bot.send_chat_action(USER, "typing")
    bot_api.set_latency(0.2, method="sendChatAction")
    started = time.monotonic()
    assert await bot.send_chat_action(USER, "typing")
    assert time.monotonic() - started >= 0.2
    assert bot_api.chat_actions[-1]["action"] == "typing"
    bot_api.set_latency(0, method="sendChatAction")


# ---------------------------------------------------------------- commands


async def test_commands_per_scope_and_language(bot, bot_api):
    english = [BotCommand("start", "Start"), BotCommand("help", "Help")]
    korean = [BotCommand("start", "시작")]
    await bot.set_my_commands(english)
    await bot.set_my_commands(korean, language_code="ko")
    await bot.set_my_commands([BotCommand("status", "My application")],
                              scope=BotCommandScopeAllPrivateChats(), language_code="ko")
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.description for c in await bot.get_my_commands(language_code="ko")] == ["시작"]
    assert await bot.get_my_commands(language_code="fr") == ()
    assert bot_api.commands("all_private_chats", "ko") == [
        {"command": "status", "description": "My application"}]
    assert [c["command"] for c in bot_api.visible_commands(USER, "ko")] == ["status"]
    assert [c["command"] for c in bot_api.visible_commands(USER, "en")] == ["start", "help"]
    await bot.delete_my_commands(language_code="ko")
    assert bot_api.commands(None, "ko") is None
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "x")])
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_my_commands(english, scope=BotCommandScopeChat(424242))


# ---------------------------------------------------------------- files


async def test_send_document_stores_bytes_and_filename(bot, bot_api):
    bot_api.user_sends(USER, "hi")
    content = b"%PDF-1.4 fake application form\n" * 10
    sent = await bot.send_document(
        USER, InputFile(content, filename="application form.pdf"),
        caption="<b>Your</b> form", parse_mode=ParseMode.HTML,
    )
    assert sent.document.file_name == "application form.pdf"
    assert sent.document.mime_type == "application/pdf"
    assert sent.document.file_size == len(content)
    assert sent.caption == "Your form" and sent.caption_entities[0].type == "bold"
    [stored] = bot_api.messages(USER)
    assert stored["document"]["content"] == content
    assert stored["document"]["file_name"] == "application form.pdf"
    assert bot_api.calls[-1]["files"]["document"]["filename"] == "application form.pdf"
    # The bot can download what it sent, through base_file_url.
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == content
    # Re-sending by file_id needs no upload.
    again = await bot.send_document(USER, sent.document.file_id)
    assert again.document.file_unique_id == sent.document.file_unique_id


async def test_user_document_and_photo(bot, bot_api):
    message = bot_api.user_sends_document(USER, b"name,country\nAda,KR\n", "list.csv",
                                          caption="my list")
    [update] = await bot.get_updates()
    document = update.message.document
    assert document.file_id == message["document"]["file_id"]
    file = await document.get_file()
    assert bytes(await file.download_as_bytearray()) == b"name,country\nAda,KR\n"
    photo = await bot.send_photo(USER, tiny_png(3, 2), caption="chart")
    assert (photo.photo[-1].width, photo.photo[-1].height) == (3, 2)
    assert bot_api.last_message(USER)["photo"]["content"] == tiny_png(3, 2)
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(USER, b"not an image")


# ---------------------------------------------------------------- callbacks and edits


async def test_callback_press_round_trip(bot, bot_api):
    bot_api.user_sends(USER, "/apply")
    sent = await bot.send_message(USER, "Eligible country?",
                                  reply_markup=keyboard(("Yes", "elig:yes"), ("No", "elig:no")))
    await bot.get_updates()
    with pytest.raises(ValueError, match="no button with callback_data"):
        bot_api.user_presses(USER, sent.message_id, "elig:maybe")
    query_id = bot_api.user_presses(USER, sent.message_id, "elig:yes")
    updates = await bot.get_updates(offset=-1)
    query = updates[-1].callback_query
    assert query.id == query_id and query.data == "elig:yes"
    assert query.message.message_id == sent.message_id
    assert query.from_user.id == USER
    assert await query.answer("Noted", show_alert=True)
    answer = await bot_api.wait_for_answer(query_id)
    assert answer["text"] == "Noted" and answer["show_alert"] is True
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()  # a query is answered once


async def test_edit_message_text(bot, bot_api):
    bot_api.user_sends(USER, "hi")
    markup = keyboard(("Next", "page:2"))
    sent = await bot.send_message(USER, "Page 1", reply_markup=markup)
    edited = await bot.edit_message_text("<i>Page 2</i>", chat_id=USER,
                                         message_id=sent.message_id,
                                         parse_mode=ParseMode.HTML, reply_markup=markup)
    assert edited.text == "Page 2" and edited.edit_date is not None
    assert edited.entities[0].type == "italic"
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("<i>Page 2</i>", chat_id=USER, message_id=sent.message_id,
                                    parse_mode=ParseMode.HTML, reply_markup=markup)
    # Like Telegram, an edit without reply_markup removes the inline keyboard.
    plain = await bot.edit_message_text("Page 2", chat_id=USER, message_id=sent.message_id)
    assert plain.reply_markup is None
    stored = bot_api.message(USER, sent.message_id)
    assert [h["text"] for h in stored["history"]] == ["Page 1", "Page 2"]
    assert stored["text"] == "Page 2" and stored["reply_markup"] is None
    assert [e["method"] for e in bot_api.edits] == ["editMessageText"] * 2
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=999)
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", chat_id=USER, message_id=1)  # the user's message
    again = await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=markup)
    assert again.reply_markup == markup
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=markup)


async def test_wait_for_messages_and_chat(bot, bot_api):
    bot_api.user_sends(USER, "hi", first_name="Ada", username="ada")

    async def reply_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(USER, "one")
        await bot.send_message(USER, "two")

    task = asyncio.create_task(reply_later())
    first = await bot_api.wait_for_messages(USER, 2, timeout=2)
    await task
    assert [m["text"] for m in first] == ["one", "two"]
    with pytest.raises(AssertionError, match="did not send 1 new message"):
        await bot_api.wait_for_messages(USER, 1, timeout=0.1)
    chat = await bot.get_chat(USER)
    assert chat.first_name == "Ada" and chat.username == "ada" and chat.type == "private"


# ---------------------------------------------------------------- webhook


async def test_webhook_delivery_and_conflict(bot, bot_api):
    received: list[tuple[str | None, dict]] = []
    fail_first = [True]

    async def hook(request: web.Request) -> web.Response:
        if fail_first[0]:
            fail_first[0] = False
            return web.Response(status=500)
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                         await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        bot_api.user_sends(USER, "before the hook")
        assert await bot.set_webhook(url, secret_token="s3cr3t_token",
                                     drop_pending_updates=True)
        assert bot_api.calls[-1]["response"]["description"] == "Webhook was set"
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        bot_api.user_sends(USER, "/status")
        await bot_api.wait_until(lambda: received, timeout=3)
        [(secret, update)] = received
        assert secret == "s3cr3t_token"
        assert update["message"]["text"] == "/status"  # the dropped one never came
        assert telegram.Update.de_json(update, bot).message.text == "/status"
        info = await bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0
        assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        assert [d["status"] for d in bot_api.webhook_deliveries] == [500, 200]
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
        bot_api.user_sends(USER, "polling again")
        assert [u.message.text for u in await bot.get_updates()] == ["polling again"]
    finally:
        await runner.cleanup()


# ---------------------------------------------------------------- a whole PTB Application


async def test_application_polling_against_the_emulator(bot_api):
    """The wiring a bot uses: Application + Updater polling, handlers, clean stop."""
    from telegram.ext import Application, CallbackQueryHandler, CommandHandler

    async def start(update, context):
        await update.message.reply_html(
            f"Hi <b>{update.effective_user.first_name}</b> ({' '.join(context.args)})",
            reply_markup=keyboard(("Go", "go")))

    async def press(update, context):
        await update.callback_query.answer("ok")
        await update.callback_query.edit_message_text("Pressed")

    app = (Application.builder().token(bot_api.token).base_url(bot_api.base_url)
           .base_file_url(bot_api.base_file_url).build())
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(press))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            bot_api.user_sends(USER, "/start tok123", first_name="Ada")
            [reply] = await bot_api.wait_for_messages(USER, 1, timeout=3)
            assert reply["text"] == "Hi Ada (tok123)"
            query_id = bot_api.user_presses(USER, reply["message_id"], "go")
            assert (await bot_api.wait_for_answer(query_id, timeout=3))["text"] == "ok"
            await bot_api.wait_until(
                lambda: bot_api.message(USER, reply["message_id"])["text"] == "Pressed", 3)
        finally:
            await app.updater.stop()
            await app.stop()
    await bot_api.wait_for_updates_consumed()  # the Updater confirmed what it handled


# ---------------------------------------------------------------- parsers, directly


@pytest.mark.parametrize(
    ("html", "text", "types"),
    [
        ("<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins>", "bsieun",
         ["bold", "bold", "italic", "italic", "underline", "underline"]),
        ("<s>a</s><strike>b</strike><del>c</del><tg-spoiler>d</tg-spoiler>", "abcd",
         ["strikethrough", "strikethrough", "strikethrough", "spoiler"]),
        ('<span class="tg-spoiler">x</span><code>y</code>', "xy", ["spoiler", "code"]),
        ('<pre><code class="language-py">p</code></pre>', "p", ["pre"]),
        ("<blockquote>q</blockquote><blockquote expandable>e</blockquote>", "qe",
         ["blockquote", "expandable_blockquote"]),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍", ["custom_emoji"]),
        ("&lt;&gt;&amp;&quot;&#65;&#x42;", '<>&"AB', []),
    ],
)
def test_html_parser_supported_tags(html, text, types):
    parsed_text, entities = parse_html(html, strict=True)
    assert parsed_text == text
    assert [e["type"] for e in entities] == types


def test_parsers_report_telegram_messages():
    with pytest.raises(ParseError, match='Unmatched end tag at byte offset 4, expected "</b>"'):
        parse_html("<b>x</i>")
    with pytest.raises(ParseError, match='Tag "span" must have class "tg-spoiler"'):
        parse_html('<span class="x">y</span>')
    assert parse_html("Q&A")[0] == "Q&A"  # what Telegram itself does
    with pytest.raises(ParseError, match="Can't find end of Bold entity at byte offset 0"):
        parse_markdown_v2("*open")
    assert parse_markdown_v2("😀 *x*")[1] == [{"type": "bold", "offset": 3, "length": 1}]


async def test_emulator_stops_with_a_pending_long_poll():
    emulator = BotAPIEmulator()
    await emulator.start()
    bot = telegram.Bot(emulator.token, base_url=emulator.base_url)
    async with bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await emulator.wait_for_call("getUpdates")
        await emulator.stop()
        assert await asyncio.wait_for(poll, 3) == ()
