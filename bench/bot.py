"""Benchmark: the Telegram bot's throughput and its reply latency, against the Bot API emulator, in one run.

    /tmp/kvenv/bin/python bench/bot.py [--updates N] [--users U] [--messages M]

Everything is real but Telegram: ``DeskBot`` with its handlers, the Conversation,
the SQLite store (a temp dir) behind its Writer thread, the LinkSigner and the
persistence, talking HTTP to the Bot API emulator of ``tests/botapi.py``
(started in this process, on this event loop, so its own work is in every
figure below; the baseline carries the same cost).

- Throughput: N updates from U users (each user in turn, round robin) go
  through ``Update.de_json`` and ``await application.process_update(...)``, one
  after another as PTB's update loop runs them (concurrent_updates off): /start,
  menu buttons, the whole guided check (with a question in the middle of it),
  free questions in the four languages from ``tests/questions.yaml``, /deadline,
  /help. Replies are really sent to the emulator and every chat's state is
  written to the store after each update. The time counted is de_json plus
  process_update; driving the users (reading what the bot sent, to press its
  buttons) is outside it. The bot is built with ``AIORateLimiter(0, group 0)``:
  the default limiter holds sending to Telegram's 30 messages/s, which would
  measure the limiter. A short run with the default limiter shows that cap, and
  a baseline replays the same updates through a bare PTB Application (one
  handler, one fixed reply per update) against the same emulator: PTB + HTTP
  alone, to set the bot's own work against. Then the same updates with
  Telegram answered in this process (no HTTP), in alternating rounds: the bot,
  the bare Application, and a ceiling: a bare Application making exactly the
  Bot API calls the bot made for each update (texts and keyboards built ahead),
  which is what PTB alone costs for the bot's traffic.
- Latency: the bot as ``kcity run`` starts it (default rate limiter, long
  polling with poll_interval=0), one user at a time sends a message or presses
  a button and waits for the reply: /deadline, free questions, /start, menu
  buttons, steps of the check. Measured from queueing the update in the
  emulator to the reply's request reaching it; paced to stay under the
  limiter's 30 messages/s (as real traffic does), then once more unpaced
  without a limiter.

The clock is fixed in the 2020 call's open window (as in tests/test_bot.py), so
deadlines count days and the check ends in a verdict on an open call.
Targets (2 cores): 2,000+ updates/s through process_update; p99 under 50 ms
from a user's message to the bot's reply.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import importlib.util
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "true")  # as the tests: PTB warns on int retry_after otherwise

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import telegram
import yaml
from botapi import BotAPIEmulator
from telegram import Update
from telegram.ext import AIORateLimiter, ApplicationBuilder, TypeHandler
from telegram.request import BaseRequest

from bot.handlers import DeskBot
from bot.links import LinkSigner
from rules.conversation import Conversation
from store.db import open_store
from store.writer import Writer

IN_WINDOW = datetime(2020, 3, 1, 3, tzinfo=UTC)  # the 2020 call is open, 19 days left
DESK = "apply@desk.example"
SECRET = b"bench-secret-for-links"
LANGS = ("en", "ko", "es", "fr")
FIRST_CHAT = 10_000
CHECK = {  # the country and the amount, as a user writes them in each language (tests/test_bot.py)
    "en": ("Peru", "2 billion won"),
    "ko": ("페루", "20억 원"),
    "es": ("Perú", "2.000 millones de wones"),
    "fr": ("Pérou", "2 milliards de wons"),
}
REPLY_METHODS = ("sendMessage", "sendDocument", "editMessageText")


def unlimited() -> AIORateLimiter:
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0)


def load_questions() -> dict[str, list[str]]:
    items = yaml.safe_load((REPO / "tests" / "questions.yaml").read_text(encoding="utf-8"))
    return {lang: [i["q"] for i in items if i["lang"] == lang] for lang in LANGS}


# The users ------------------------------------------------------------------------------

def throughput_script(lang: str, q1: str, q2: str) -> list[tuple[str, str]]:
    """One round of a user's conversation: 18 updates, about half of them button presses."""
    country, amount = CHECK[lang]
    return [
        ("send", "/start"),
        ("press", "menu:check"),
        ("press", "pick:organization_type:local_government"),
        ("send", q1),  # a question in the middle of the check: the answer, then the question again
        ("send", country),
        ("press", "pick:category:smart_solution"),
        ("press", "toggle:sectors:transportation"),  # edits the question in place
        ("press", "done:sectors"),
        ("press", "toggle:support:master_plan"),
        ("press", "toggle:support:training"),
        ("press", "done:support"),
        ("press", "pick:status:new"),
        ("send", amount),  # the verdict
        ("press", "menu:home"),
        ("press", "menu:dates"),
        ("send", "/deadline"),
        ("send", q2),
        ("send", "/help"),
    ]


def latency_script(lang: str, q1: str, q2: str) -> list[tuple[str, str]]:
    """One round for the latency run: every step gets a new message back (no edits)."""
    country, _ = CHECK[lang]
    return [
        ("send", "/start"),
        ("send", q1),
        ("press", "menu:check"),
        ("press", "pick:organization_type:local_government"),
        ("send", country),
        ("press", "pick:category:smart_solution"),
        ("press", "menu:home"),
        ("press", "menu:dates"),
        ("send", "/deadline"),
        ("send", "/start"),
        ("send", q2),
    ]


class User:
    """One Telegram user in a private chat, working through rounds of a script."""

    def __init__(self, api: BotAPIEmulator, chat_id: int, lang: str, questions: list[str], script) -> None:
        self.api, self.id, self.lang = api, chat_id, lang
        self.questions, self.script = questions, script
        self.asked = chat_id  # where in the language's questions this user starts
        self.todo: list[tuple[str, str]] = []
        self.buttons: dict[str, int] = {}  # callback data -> id of the newest message offering it
        api.add_private_chat(chat_id, language_code=lang)

    def next_action(self) -> tuple[str, str]:
        if not self.todo:
            q1 = self.questions[self.asked % len(self.questions)]
            q2 = self.questions[(self.asked + 1) % len(self.questions)]
            self.asked += 2
            self.todo = self.script(self.lang, q1, q2)
        return self.todo.pop(0)

    def act(self, action: tuple[str, str]) -> None:
        """Queue the update in the emulator, as the user's client would."""
        kind, value = action
        if kind == "send":
            self.api.user_sends(self.id, value, language_code=self.lang)
        else:
            message_id = self.buttons.get(value)
            if message_id is None:
                raise SystemExit(f"bench script out of step: chat {self.id} has no button {value!r}")
            self.api.user_presses(self.id, message_id, value)

    def saw(self, messages: list[dict]) -> int:
        for message in messages:
            markup = message.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if "callback_data" in button:
                        self.buttons[button["callback_data"]] = message["message_id"]
        return len(messages)


def make_users(api, count: int, questions: dict[str, list[str]], script, first: int = FIRST_CHAT) -> list[User]:
    return [User(api, first + i, LANGS[i % len(LANGS)], questions[LANGS[i % len(LANGS)]], script)
            for i in range(count)]


async def emulator(count_time: bool = False) -> BotAPIEmulator:
    """A started emulator; with ``count_time`` its ``handler_seconds`` adds up the time in its request handlers."""
    api = BotAPIEmulator()
    api.handler_seconds = 0.0
    if count_time:
        dispatch = api._dispatch

        async def timed(request):
            began = time.perf_counter()
            try:
                return await dispatch(request)
            finally:
                api.handler_seconds += time.perf_counter() - began

        api._dispatch = timed
    return await api.start()


def take_update(api: BotAPIEmulator) -> dict:
    """The update the user's action just queued, taken off the emulator's queue (nobody polls in this phase)."""
    return api._updates.pop()


# Errors: any handler error makes the figures meaningless ------------------------------------

class Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


ERRORS = Count()


# Building ------------------------------------------------------------------------------------

class Desk:
    """A DeskBot on a fresh store in ``folder``, built against ``api``."""

    def __init__(self, conversation: Conversation, folder: Path, name: str) -> None:
        self.db = open_store(folder / f"{name}.db")
        self.writer = Writer()
        self.desk_bot = DeskBot(conversation=conversation, db=self.db, writer=self.writer,
                                links=LinkSigner(SECRET), clock=lambda: IN_WINDOW)
        self.application = None

    async def build(self, api: BotAPIEmulator, rate_limiter: AIORateLimiter | None):
        self.application = self.desk_bot.build(api.token, base_url=api.base_url, rate_limiter=rate_limiter)
        await self.application.initialize()
        await self.desk_bot.prepare(self.application)
        return self.application

    async def close(self) -> None:
        if self.application is not None:
            if self.application.running:
                await self.application.stop()
            await self.application.shutdown()
        self.writer.close()
        self.db.close()


# Throughput ------------------------------------------------------------------------------------

class InProcessTelegram(BaseRequest):
    """Telegram's side answered in this process, without HTTP: what the bot's own work costs.

    Enough of the Bot API for the bot's calls: a Message for what it sends or
    edits, True for the rest."""

    def __init__(self) -> None:
        self.calls = 0
        self._message_id = 0
        self.log: list[tuple[str, dict]] | None = None  # when a list, every call's method and parameters go in it

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(self, url, method, request_data=None, read_timeout=None, write_timeout=None,
                         connect_timeout=None, pool_timeout=None) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data is not None else {}
        self.calls += 1
        if self.log is not None:
            self.log.append((name, params))
        if name == "getMe":
            result: object = {"id": 1, "is_bot": True, "first_name": "K-City", "username": "kcity_local_bot"}
        elif name in ("sendMessage", "editMessageText", "sendDocument", "sendPhoto"):
            self._message_id += 1
            result = {"message_id": self._message_id, "date": 0, "text": str(params.get("text", "")),
                      "chat": {"id": int(params.get("chat_id", 0)), "type": "private"}}
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


async def feed(application, api, users: list[User], count: int, record: list[dict] | None = None) -> dict:
    """``count`` updates, user after user; returns the seconds inside de_json + process_update and more."""
    bot = application.bot
    inside = 0.0
    per_update: list[float] = []
    replies = 0
    calls_before = len(api.calls)
    wall = time.perf_counter()
    for n in range(count):
        user = users[n % len(users)]
        user.act(user.next_action())
        raw = take_update(api)
        if record is not None:
            record.append(raw)
        began = time.perf_counter()
        await application.process_update(Update.de_json(raw, bot))
        took = time.perf_counter() - began
        inside += took
        per_update.append(took)
        replies += user.saw(api.new_messages(user.id))
    wall = time.perf_counter() - wall
    return {"seconds": inside, "wall": wall, "per_update": per_update, "replies": replies,
            "calls": len(api.calls) - calls_before}


async def replay(application, raws: list[dict], calls: InProcessTelegram | None = None,
                 made: dict[int, list] | None = None) -> float:
    """Seconds inside de_json + process_update for ``raws``; with ``calls`` and ``made``, ``made`` maps each
    update's id to the Bot API calls made for it, as ``calls`` saw them."""
    bot = application.bot
    inside = 0.0
    for raw in raws:
        if calls is not None:
            made[raw["update_id"]] = calls.log = []
        began = time.perf_counter()
        await application.process_update(Update.de_json(raw, bot))
        inside += time.perf_counter() - began
    if calls is not None:
        calls.log = None
    return inside


def same_calls(bot, made: dict[int, list]) -> dict[int, list]:
    """For each update, the bot's Bot API calls as PTB method calls, built ahead (keyboards included)."""
    ahead: dict[int, list] = {}
    for update_id, calls in made.items():
        methods = []
        for method, params in calls:
            params = dict(params)
            if "reply_markup" in params:
                params["reply_markup"] = telegram.InlineKeyboardMarkup.de_json(params["reply_markup"], bot)
            if "link_preview_options" in params:
                params["link_preview_options"] = telegram.LinkPreviewOptions.de_json(params["link_preview_options"], bot)
            name = {"sendMessage": "send_message", "editMessageText": "edit_message_text",
                    "answerCallbackQuery": "answer_callback_query", "sendDocument": "send_document"}[method]
            if name == "send_document":  # the form as a file: the same bytes again
                params["document"] = telegram.InputFile(b"x" * 4000, filename="form.txt")
            methods.append((getattr(bot, name), params))
        ahead[update_id] = methods
    return ahead


async def bot_in_process(conversation, folder: Path, raws: list[dict], warmup: int,
                         made: dict[int, list]) -> tuple[float, int]:
    """The bot on a fresh store, Telegram answered in-process: (seconds, Bot API calls); fills ``made``."""
    folder.mkdir()
    local = InProcessTelegram()
    desk = Desk(conversation, folder, "in_process")
    try:
        application = desk.desk_bot.build("123:local", rate_limiter=unlimited(), request=local)
        await application.initialize()
        await desk.desk_bot.prepare(application)
        desk.application = application
        await replay(application, raws[:warmup])
        local.calls = 0
        seconds = await replay(application, raws, calls=local, made=made)
        return seconds, local.calls
    finally:
        await desk.close()


async def bare_in_process(raws: list[dict], warmup: int, make_handler) -> float:
    """A bare PTB Application with one handler, ``make_handler(bot)``, for every update; Telegram answered
    in-process."""
    bare = ApplicationBuilder().token("123:local").request(InProcessTelegram()).rate_limiter(unlimited()).build()
    bare.add_handler(TypeHandler(Update, make_handler(bare.bot)))
    try:
        await bare.initialize()
        await replay(bare, raws[:warmup])
        return await replay(bare, raws)
    finally:
        await bare.shutdown()


async def ceiling_in_process(raws: list[dict], warmup: int, made: dict[int, list]) -> float:
    """A bare PTB Application making exactly the calls the bot made for each update (``made``), built ahead."""
    def make_handler(bot):
        ahead = same_calls(bot, made)

        async def the_bots_calls(update: Update, context) -> None:
            for method, params in ahead.get(update.update_id, ()):
                await method(**params)

        return the_bots_calls

    return await bare_in_process(raws, warmup, make_handler)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def throughput(conversation, questions, folder: Path, n: int, users: int, limited: int, warmup: int,
                     rounds: int) -> None:
    print(f"\nthroughput: {n:,} updates from {users} users through Application.process_update"
          f" (de_json + process_update timed; sequential, as PTB runs them)")

    # The bot, rate limiter off --------------------------------------------------------------
    api = await emulator(count_time=True)
    desk = Desk(conversation, folder, "throughput")
    raws: list[dict] = []
    try:
        application = await desk.build(api, unlimited())
        # Warm up on other users (first calls compile regexes, open connections...); not counted.
        await feed(application, api, make_users(api, 8, questions, throughput_script, first=1), warmup)
        api.handler_seconds = 0.0
        result = await feed(application, api, make_users(api, users, questions, throughput_script), n, raws)
        rows = desk.db.execute("SELECT count(*) FROM bot_persistence WHERE kind = 'chat_data'").fetchone()[0]
        asked = desk.db.execute("SELECT count(*) FROM questions").fetchone()[0]
        bot_emulator_seconds = api.handler_seconds
    finally:
        await desk.close()
        await api.stop()
    check_clean(api)
    rate = n / result["seconds"]
    kinds = {"message": 0, "callback_query": 0}
    for raw in raws:
        kinds["message" if "message" in raw else "callback_query"] += 1
    print(f"  the bot, AIORateLimiter(overall_max_rate=0, group_max_rate=0): {rate:,.0f} updates/s"
          f" ({result['seconds']:.2f} s; {ms(result['seconds'] / n)} per update;"
          f" median {ms(statistics.median(result['per_update']))}, p99 {ms(pct(result['per_update'], 0.99))},"
          f" max {ms(max(result['per_update']))}) (target 2,000+)")
    print(f"    updates: {kinds['message']:,} messages, {kinds['callback_query']:,} button presses;"
          f" {result['replies']:,} messages sent, {result['calls']:,} Bot API calls"
          f" ({result['calls'] / n:.2f} per update); {rows} chats' state and {asked:,} questions in the store;"
          f" with the driving of the users {n / result['wall']:,.0f} updates/s")
    print(f"    of the time, the emulator's request handlers (reading, validating, recording each call; not aiohttp's"
          f" HTTP parsing): {ms(bot_emulator_seconds / n)} per update; without them {n / (result['seconds'] - bot_emulator_seconds):,.0f} updates/s")

    # The baseline: bare PTB, one fixed reply per update, same updates, same emulator ------------
    api = await emulator(count_time=True)
    for chat_id in sorted({(r.get("message") or r.get("callback_query"))["from"]["id"] for r in raws} | {1}):
        api.add_private_chat(chat_id)
    bare = ApplicationBuilder().token(api.token).base_url(api.base_url).rate_limiter(unlimited()).build()

    async def fixed_reply(update: Update, context) -> None:
        await context.bot.send_message(update.effective_chat.id, "Thank you.")

    bare.add_handler(TypeHandler(Update, fixed_reply))
    try:
        await bare.initialize()
        await replay(bare, raws[:warmup])
        base_calls = len(api.calls)
        api.handler_seconds = 0.0
        base_seconds = await replay(bare, raws)
        base_calls = len(api.calls) - base_calls
        base_emulator_seconds = api.handler_seconds
    finally:
        await bare.shutdown()
        await api.stop()
    check_clean(api)
    base_rate = n / base_seconds
    print(f"  baseline, a bare PTB Application (one handler, one fixed sendMessage per update), same updates:"
          f" {base_rate:,.0f} updates/s ({ms(base_seconds / n)} per update, {base_calls / n:.2f} Bot API calls"
          f" per update; emulator handlers {ms(base_emulator_seconds / n)} of it)")
    print(f"    the bot costs {ms(result['seconds'] / n - base_seconds / n)} more per update than the baseline"
          f" (its {result['calls'] / n - base_calls / n:.2f} more Bot API calls per update, its larger messages"
          f" with keyboards, its handlers and store): it runs at {rate / base_rate:.0%} of the baseline's rate")

    # The same updates with Telegram answered in this process: the handlers' own cost, no HTTP ---------
    # Three kinds, in alternating rounds (this machine's speed drifts by a third from minute to minute);
    # the median round of each is reported.
    made: dict[int, list] = {}
    inproc_folder = folder / "in-process"
    inproc_folder.mkdir()
    bot_runs, bare_runs, ceiling_runs = [], [], []
    for round_ in range(rounds):
        bot_runs.append(await bot_in_process(conversation, inproc_folder / str(round_), raws, warmup, made))
        bare_runs.append(await bare_in_process(raws, warmup, lambda bot: fixed_reply))
        ceiling_runs.append(await ceiling_in_process(raws, warmup, made))
    local_seconds, local_calls = sorted(bot_runs)[len(bot_runs) // 2]
    bare_seconds = statistics.median(bare_runs)
    mimic_seconds = statistics.median(ceiling_runs)

    def spread(values):
        rates = sorted(n / v for v in values)
        return f"{rates[0]:,.0f}-{rates[-1]:,.0f}"

    print(f"  the bot with Telegram answered in-process (no HTTP; handlers, conversation, store, persistence,"
          f" PTB's own processing): {n / local_seconds:,.0f} updates/s ({ms(local_seconds / n)} per update,"
          f" {local_calls / n:.2f} Bot API calls per update; median of {rounds} rounds,"
          f" {spread([seconds for seconds, _ in bot_runs])}) (target 2,000+)")
    print(f"    baseline in-process, the bare PTB Application with one fixed reply: {n / bare_seconds:,.0f} updates/s"
          f" ({ms(bare_seconds / n)} per update; {spread(bare_runs)}): PTB turning JSON into objects and back is"
          f" most of the cost")
    print(f"    ceiling in-process, a bare PTB Application making exactly the bot's Bot API calls for each update"
          f" (its texts and keyboards, built ahead; no handler work, no store): {n / mimic_seconds:,.0f} updates/s"
          f" ({ms(mimic_seconds / n)} per update; {spread(ceiling_runs)}); the bot's own work is"
          f" {ms((local_seconds - mimic_seconds) / n)} per update, {(local_seconds - mimic_seconds) / local_seconds:.0%}"
          f" of its time")

    # The bot as built for production: the default AIORateLimiter --------------------------------
    api = await emulator()
    desk = Desk(conversation, folder, "limited")
    try:
        application = await desk.build(api, None)
        limited_result = await feed(application, api, make_users(api, users, questions, throughput_script), limited)
    finally:
        await desk.close()
        await api.stop()
    check_clean(api)
    print(f"  the bot with its default AIORateLimiter (30 messages/s overall, Telegram's limit), {limited:,} updates:"
          f" {limited / limited_result['seconds']:,.0f} updates/s"
          f" ({limited_result['replies'] / limited_result['seconds']:,.1f} messages sent/s): the cap, not the bot")


# Latency ----------------------------------------------------------------------------------------

async def exchanges(api, users: list[User], count: int, pace: float, processed: dict[int, asyncio.Future]) -> list[float]:
    """One user at a time: act, wait for the reply; seconds from queueing to the reply's request arriving."""
    loop = asyncio.get_running_loop()
    latencies = []
    for n in range(count):
        user = users[n % len(users)]
        action = user.next_action()
        began = time.monotonic()
        calls_before = len(api.calls)
        user.act(action)
        update_id = api.pending_updates[-1]["update_id"]
        done = processed[update_id] = loop.create_future()
        first = await api.wait_for_messages(user.id, 1, timeout=10)
        arrived = next(c["time"] for c in api.calls[calls_before:]
                       if c["method"] in REPLY_METHODS and c["status"] == 200
                       and str(c["params"].get("chat_id")) == str(user.id))
        latencies.append(arrived - began)
        await asyncio.wait_for(done, 10)  # the handlers are through (an answer may be followed by a question)
        del processed[update_id]
        user.saw(first + api.new_messages(user.id))
        if pace:
            await asyncio.sleep(max(0.0, pace - (time.monotonic() - began)))
    return latencies


async def latency(conversation, questions, folder: Path, count: int, users: int, pace: float, name: str,
                  rate_limiter) -> list[float]:
    api = await emulator()
    desk = Desk(conversation, folder, name)
    processed: dict[int, asyncio.Future] = {}

    async def mark(update: Update, context) -> None:  # after the bot's handlers, in a later group
        waiting = processed.get(update.update_id)
        if waiting is not None and not waiting.done():
            waiting.set_result(None)

    try:
        application = await desk.build(api, rate_limiter)
        application.add_handler(TypeHandler(Update, mark), group=99)
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=10)
        try:
            warm = make_users(api, 4, questions, latency_script, first=1)
            await exchanges(api, warm, 20, 0, processed)  # not counted
            return await exchanges(api, make_users(api, users, questions, latency_script), count, pace, processed)
        finally:
            await application.updater.stop()
    finally:
        await desk.close()
        await api.stop()
        check_clean(api)


def show_latency(label: str, values: list[float]) -> None:
    print(f"  {label}: median {values and statistics.median(values) * 1000:.1f} ms,"
          f" p90 {pct(values, 0.90) * 1000:.1f} ms, p99 {pct(values, 0.99) * 1000:.1f} ms,"
          f" max {max(values) * 1000:.1f} ms over {len(values)} messages (target p99 under 50 ms)")


# Checks and the header --------------------------------------------------------------------------

def check_clean(api: BotAPIEmulator) -> None:
    if api.internal_errors:
        raise SystemExit("the emulator failed:\n" + "\n".join(api.internal_errors[:3]))
    if ERRORS.records:
        first = ERRORS.records[0]
        raise SystemExit(f"{len(ERRORS.records)} error(s) logged, the figures mean nothing; first:"
                         f" {first.getMessage()} {first.exc_info[1] if first.exc_info else ''}")
    # A long poll that PTB gave up on (stopping, it confirms the offset with a last getUpdates) is answered
    # 409 by the emulator, as by Telegram: not a failure of the bot.
    failed = [c for c in api.calls if c["status"] != 200 and not (c["method"] == "getUpdates" and c["status"] == 409)]
    if failed:
        raise SystemExit(f"{len(failed)} Bot API call(s) failed; first: {failed[0]['method']} {failed[0]['response']}")


def header() -> None:
    model = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {os.cpu_count()} cores ({usable} usable by this process) {model}; {platform.platform()}")
    import httpcore
    import httpx

    print(f"Python {platform.python_version()}, python-telegram-bot {telegram.__version__},"
          f" httpx {httpx.__version__}, httpcore {httpcore.__version__}")
    if importlib.util.find_spec("sniffio") is None:
        print(f"note: sniffio is not installed, so httpcore {httpcore.__version__} tries to import it afresh, and fails,"
              " several times per HTTP request (encode/httpcore#1103): a large part of every HTTP call below")


async def main_async(args) -> None:
    header()
    began = time.perf_counter()
    conversation = Conversation(desk_address=DESK)
    print(f"conversation (rounds and knowledge base) loaded in {(time.perf_counter() - began) * 1000:.0f} ms")
    questions = load_questions()
    folder = Path(tempfile.mkdtemp(prefix="kcity-bench-bot-"))
    try:
        await throughput(conversation, questions, folder, args.updates, args.users, args.limited, args.warmup,
                         args.rounds)
        print(f"\nlatency: one user at a time ({args.users} users in turn) sends a message or presses a button and"
              f" waits for the reply; from queueing the update in the emulator to the reply reaching it")
        paced = await latency(conversation, questions, folder, args.messages, args.users, args.pace, "latency", None)
        show_latency(f"as run in production (default AIORateLimiter, long polling), one every {args.pace * 1000:.0f} ms",
                     paced)
        unpaced = await latency(conversation, questions, folder, args.messages, args.users, 0.0, "latency_unpaced",
                                unlimited())
        show_latency("back to back, no rate limiter", unpaced)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=3000, help="updates for the throughput figure")
    parser.add_argument("--users", type=int, default=40, help="users sending them, in turn")
    parser.add_argument("--limited", type=int, default=200, help="updates through the default rate limiter (150 or more: it lets the first 30 messages through at once)")
    parser.add_argument("--warmup", type=int, default=200, help="updates first, not counted")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the in-process figures")
    parser.add_argument("--messages", type=int, default=300, help="messages for the latency figures")
    parser.add_argument("--pace", type=float, default=0.05,
                        help="seconds from one message to the next in the production latency run (under 30/s)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger().addHandler(ERRORS)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
