"""The Telegram bot: handlers that carry the desk's conversation to Telegram and back.

``DeskBot`` holds what the handlers need (the conversation, the store and its
writer, the link signer, a clock) and ``build()`` makes the PTB Application.
Handlers only translate: an update becomes a call on ``rules.conversation``
(or a store look-up for ``/status`` and deep links), and the returned ``Turn``
becomes Telegram messages. Each chat's conversation state lives in its
``chat_data``, persisted in our SQLite store after every update, so a restart
resumes the questionnaire at the same step.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timezone

import sqlite_utils
from telegram import BotCommand, InputFile, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.links import LinkSigner
from bot.persistence import SQLitePersistence
from bot.render import escape, keyboard, split_text, status_name, status_text
from bot.staff import STAFF_COMMANDS, StaffCommands
from bot.updates import PerChatOrder
from rules.conversation import COMMANDS, STATUS_ACTION, Conversation, Say, Turn
from rules.form import LANGUAGES
from rules.phrases import phrase
from store import telegram as chats
from store.questions import record_question
from store.writer import Writer

__all__ = ["DeskBot"]

log = logging.getLogger(__name__)

STATE = "conversation"  # the chat_data key holding the conversation's state
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class DeskBot:
    def __init__(
        self,
        *,
        conversation: Conversation,
        db: sqlite_utils.Database,
        writer: Writer,
        links: LinkSigner,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        notify_seconds: float = 5.0,
        staff: StaffCommands | None = None,
    ) -> None:
        self.conversation = conversation
        self.db = db
        self.writer = writer
        self.links = links
        self.clock = clock
        self.notify_seconds = notify_seconds
        self.staff = staff

    def build(
        self,
        token: str,
        *,
        base_url: str = "https://api.telegram.org/bot",
        rate_limiter: AIORateLimiter | None = None,
        persistence_interval: float = 1.0,
        request: BaseRequest | None = None,
    ) -> Application:
        """The PTB Application with every handler, our persistence and a rate limiter.

        ``request`` replaces the HTTP client for the bot's calls (the benchmark answers them in-process)."""
        builder = ApplicationBuilder()
        if request is not None:
            builder = builder.request(request)
        application = (
            builder
            .token(token)
            .base_url(base_url)
            .base_file_url(base_url.replace("/bot", "/file/bot"))
            .rate_limiter(rate_limiter or AIORateLimiter(max_retries=3))
            .concurrent_updates(PerChatOrder())
            .persistence(SQLitePersistence(self.db, self.writer, update_interval=persistence_interval))
            .build()
        )
        # New messages only: Telegram sends an edited message again, and an edit of an earlier
        # answer ("Peru" to "Chile") must not count as the answer to the step the check is at now.
        new = filters.UpdateType.MESSAGE
        application.add_handler(CommandHandler("start", self.on_start, filters=new))
        application.add_handler(CommandHandler("status", self.on_status, filters=new))
        if self.staff is not None:
            self.staff.install(application)
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(MessageHandler(new & filters.COMMAND, self.on_command))
        # In groups (a staff chat, say) only commands are for the bot; the conversation is one to one.
        application.add_handler(MessageHandler(new & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
                                               self.on_text))
        # Photos, files, stickers, voice: say what the bot can read rather than stay silent.
        application.add_handler(MessageHandler(
            new & filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL, self.on_other))
        application.add_error_handler(self.on_error)
        if application.job_queue is not None:
            application.job_queue.run_repeating(self.notify_status_changes, interval=self.notify_seconds, first=self.notify_seconds)
        return application

    async def prepare(self, application: Application) -> None:
        """After ``initialize()``, before ``start()``: the command menus, and where status notices begin
        (a first start tells chats of changes from now on, not of the whole history)."""
        await register_commands(application)
        await self.writer.call(chats.start_status_notices, self.db)

    # Handlers ------------------------------------------------------------------

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        state = self._state(update, context)
        if context.args:  # t.me/<bot>?start=<token>: a deep link from an acknowledgement email
            await self._redeem(update, context, state, context.args[0])
        else:
            await self._send_turn(update, context, self.conversation.start(state, self.clock()))
        await self._persist(update, context)

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        state = self._state(update, context)
        word, _, argument = update.effective_message.text.partition(" ")
        name = word[1:].split("@", 1)[0].lower()
        if self.staff is not None and name in STAFF_COMMANDS:
            await self.staff.refused(update, name)  # staff get there first; anyone else is told it does not exist
        await self._send_turn(update, context, self.conversation.command(state, name, argument, self.clock()))
        await self._persist(update, context)

    async def on_status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._show_status(update, context, self._state(update, context))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        # Telegram shows a spinner on the button until it is answered; answering alongside
        # the reply saves a round trip before the reply.
        answered = asyncio.create_task(query.answer())
        try:
            state = self._state(update, context)
            turn = self.conversation.button(state, query.data or "", self.clock())
            await self._send_turn(update, context, turn)
            await self._persist(update, context)
        finally:
            await answered

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        state = self._state(update, context)
        turn = self.conversation.text(state, update.effective_message.text, self.clock())
        if turn.question is not None:
            reply = turn.question
            await self.writer.call(
                record_question, self.db, reply.question, channel="telegram", language=reply.language,
                topic=reply.answer.topic, confidence=reply.answer.confidence, at=self._now(),
            )
        await self._send_turn(update, context, turn)
        await self._persist(update, context)

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        state = self._state(update, context)
        await self._send(update, context, Say(phrase("text_only", state["lang"], address=self.conversation.desk_address)))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log with context; tell the user something went wrong, never what."""
        chat = update.effective_chat if isinstance(update, Update) else None
        log.error(
            "update %s in chat %s failed", getattr(update, "update_id", None), chat.id if chat else None,
            exc_info=context.error,
        )
        if chat is None or isinstance(context.error, Forbidden):
            return
        lang = (context.chat_data or {}).get(STATE, {}).get("lang", "en") if context.chat_data is not None else "en"
        try:
            await context.bot.send_message(chat.id, escape(phrase("error", lang)), parse_mode=ParseMode.HTML)
        except Exception:  # the error message itself failed (blocked, network): nothing more to do
            log.warning("could not tell chat %s about the error", chat.id)

    # Status and deep links -------------------------------------------------------

    async def _redeem(self, update: Update, context, state: dict, token: str) -> None:
        chat_id = update.effective_chat.id
        app = await self.writer.call(chats.redeem_link, self.db, self.links, token, chat_id, at=self._now())
        lang = state["lang"]
        if app is None:
            log.info("chat %s opened an invalid or withdrawn link", chat_id)
            await self._send(update, context, Say(phrase("link_invalid", lang)))
            return
        await self._send(update, context, Say(phrase("link_bound", lang, reference=app["reference"])))
        await self._show_status(update, context, state)

    async def _show_status(self, update: Update, context, state: dict) -> None:
        lang = state["lang"]
        app = await self.writer.call(chats.bound_application, self.db, update.effective_chat.id)
        if app is None:
            await self._send(update, context, Say(phrase("mine_how", lang)))
            return
        history = await self.writer.call(chats.status_history, self.db, app["id"])
        await self._send(update, context, Say(status_text(app, history, lang)))

    async def notify_status_changes(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Tell each bound chat when its application's status changed since the last run."""
        notices = await self.writer.call(chats.pending_status_notices, self.db)
        for notice in notices:
            data = context.application.chat_data.get(notice["chat_id"], {})
            lang = data.get(STATE, {}).get("lang") or notice["language"]
            text = phrase("status_changed", lang, reference=notice["reference"], status=status_name(notice["new"], lang))
            try:
                await context.bot.send_message(notice["chat_id"], escape(text), parse_mode=ParseMode.HTML,
                                               link_preview_options=_NO_PREVIEW)
            except Forbidden:
                await self.writer.call(chats.mark_blocked, self.db, notice["chat_id"], at=self._now())
            await self.writer.call(chats.status_notices_done, self.db, notice["event_id"])

    # Sending ---------------------------------------------------------------------

    async def _send_turn(self, update: Update, context, turn: Turn) -> None:
        says = turn.says
        if turn.action == STATUS_ACTION:
            await self._show_status(update, context, self._state(update, context))
            return
        for say in says:
            await self._send(update, context, say)

    async def _send(self, update: Update, context, say: Say) -> None:
        chat_id = update.effective_chat.id
        try:
            if say.document is not None:
                await context.bot.send_document(
                    chat_id, InputFile(say.document.content, filename=say.document.filename),
                    caption=escape(say.document.caption), parse_mode=ParseMode.HTML,
                )
                if not say.text or say.text == say.document.caption:
                    return
            query = update.callback_query
            if say.replace and query is not None and query.message is not None and len(say.text) <= 4096:
                try:
                    await query.edit_message_text(escape(say.text), parse_mode=ParseMode.HTML,
                                                  reply_markup=keyboard(say), link_preview_options=_NO_PREVIEW)
                except BadRequest as exc:
                    if "not modified" not in str(exc).lower():
                        raise
                return
            pieces = split_text(say.text)
            for i, piece in enumerate(pieces):
                last = i == len(pieces) - 1
                await context.bot.send_message(
                    chat_id, escape(piece), parse_mode=ParseMode.HTML,
                    reply_markup=keyboard(say) if last else None, link_preview_options=_NO_PREVIEW,
                )
        except Forbidden:
            # The user blocked the bot: note it so nothing more is sent, and do not retry.
            await self.writer.call(chats.mark_blocked, self.db, chat_id, at=self._now())
            log.info("chat %s has blocked the bot", chat_id)

    # State -----------------------------------------------------------------------

    def _state(self, update: Update, context) -> dict:
        data = context.chat_data
        if STATE not in data:
            user = update.effective_user
            data[STATE] = self.conversation.new_state(user.language_code if user else None)
        return data[STATE]

    async def _persist(self, update: Update, context) -> None:
        """Write this chat's state now, not at the next periodic save: a restart resumes here.

        Straight to the persistence, for this one chat: ``Application.update_persistence()``
        would deep-copy and offer every piece of data marked since its last run, which cost
        more than the rest of the handler (bench/bot.py)."""
        chat = update.effective_chat
        if chat is not None:
            await context.application.persistence.update_chat_data(chat.id, context.chat_data)

    def _now(self) -> str:
        return self.clock().isoformat()


async def register_commands(application: Application) -> None:
    """The command menu in each language we write (English also as the default for the rest)."""
    for lang in (None, *LANGUAGES):
        commands = [BotCommand(name, text.get(lang or "en", text["en"])) for name, text in COMMANDS.items()]
        await application.bot.set_my_commands(commands, language_code=lang)
