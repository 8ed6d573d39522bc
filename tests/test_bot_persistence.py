"""SQLitePersistence through a real store file and a real Writer; restarts simulated by reopening."""

import json
import math
from datetime import UTC, datetime

import pytest
from telegram import Update
from telegram.ext import (
    ApplicationBuilder,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    PersistenceInput,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.persistence import SQLitePersistence
from store.db import open_store
from store.writer import Writer

CHAT = USER = 1001


@pytest.fixture
def writer():
    writer = Writer()
    yield writer
    writer.close()


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "k.db"


_opened = []


@pytest.fixture(autouse=True)
def _close_databases():
    yield
    while _opened:
        _opened.pop().conn.close()


def _open(store_path):
    db = open_store(store_path)
    _opened.append(db)
    return db


def _persistence(store_path, writer, **options):
    """A fresh persistence on a freshly opened database: what a restarted process gets."""
    return SQLitePersistence(_open(store_path), writer, **options)


def _rows(store_path):
    db = _open(store_path)
    return {(kind, key): json.loads(data) for kind, key, data in db.execute("SELECT * FROM bot_persistence")}


async def test_everything_survives_a_restart(store_path, writer):
    first = _persistence(store_path, writer)
    await first.update_user_data(USER, {"step": "country", "answers": {"name": "Ana"}})
    await first.update_user_data(2002, {"language": "ko"})
    await first.update_chat_data(CHAT, {"language": "es", "seen": [1, 2, 3]})
    await first.update_chat_data(-100123, {"group": True})
    await first.update_bot_data({"started": "2026-03-01", "count": 2, "ratio": 0.5, "none": None})
    callback = ([("uuid-1", 1740000000.5, {"button-1": "yes", "button-2": {"k": [1, None]}})], {"cq-1": "uuid-1"})
    await first.update_callback_data(callback)
    await first.update_conversation("questionnaire", (CHAT, USER), "ASK_COUNTRY")
    await first.update_conversation("questionnaire", (2002, 2002), 3)
    await first.update_conversation("feedback", (CHAT, USER), 1)
    await first.flush()

    again = _persistence(store_path, writer)
    assert await again.get_user_data() == {
        USER: {"step": "country", "answers": {"name": "Ana"}},
        2002: {"language": "ko"},
    }
    assert await again.get_chat_data() == {CHAT: {"language": "es", "seen": [1, 2, 3]}, -100123: {"group": True}}
    assert await again.get_bot_data() == {"started": "2026-03-01", "count": 2, "ratio": 0.5, "none": None}
    assert await again.get_callback_data() == callback
    assert await again.get_conversations("questionnaire") == {(CHAT, USER): "ASK_COUNTRY", (2002, 2002): 3}
    assert await again.get_conversations("feedback") == {(CHAT, USER): 1}
    assert await again.get_conversations("unknown") == {}


async def test_empty_store_gives_empty_data(store_path, writer):
    p = _persistence(store_path, writer)
    assert await p.get_user_data() == {}
    assert await p.get_chat_data() == {}
    assert await p.get_bot_data() == {}
    assert await p.get_callback_data() is None
    assert await p.get_conversations("questionnaire") == {}


async def test_drop_and_end(store_path, writer):
    p = _persistence(store_path, writer)
    await p.update_user_data(USER, {"a": 1})
    await p.update_user_data(2002, {"b": 2})
    await p.update_chat_data(CHAT, {"c": 3})
    await p.update_conversation("questionnaire", (CHAT, USER), "ASK_NAME")
    await p.drop_user_data(USER)
    await p.drop_chat_data(CHAT)
    await p.drop_chat_data(424242)  # never stored: no error
    await p.update_conversation("questionnaire", (CHAT, USER), None)  # the conversation ended

    again = _persistence(store_path, writer)
    assert await again.get_user_data() == {2002: {"b": 2}}
    assert await again.get_chat_data() == {}
    assert await again.get_conversations("questionnaire") == {}


async def test_empty_data_keeps_no_row(store_path, writer):
    p = _persistence(store_path, writer)
    await p.update_user_data(USER, {"a": 1})
    await p.update_user_data(USER, {})
    await p.update_chat_data(CHAT, {})
    assert _rows(store_path) == {}
    await p.update_bot_data({})
    assert _rows(store_path) == {("bot_data", ""): {}}


async def test_unchanged_data_is_not_written_again(store_path, writer):
    await _persistence(store_path, writer).update_bot_data({"n": 1})
    db = _open(store_path)
    p = SQLitePersistence(db, writer)
    await p.get_bot_data()
    await p.get_user_data()
    changes = db.conn.total_changes
    await p.update_bot_data({"n": 1})  # what was loaded
    await p.update_user_data(USER, {})  # no row, nothing to drop
    assert db.conn.total_changes == changes
    await p.update_bot_data({"n": 2})
    assert db.conn.total_changes == changes + 1
    await p.update_bot_data({"n": 2})
    assert db.conn.total_changes == changes + 1


@pytest.mark.parametrize(
    "data",
    [
        {"when": datetime(2026, 3, 1, tzinfo=UTC)},
        {"pair": (1, 2)},  # would come back as a list
        {1: "int key"},  # would come back as "1"
        {"x": math.nan},
        {"obj": object()},
    ],
)
async def test_only_json_data_is_accepted(store_path, writer, data):
    p = _persistence(store_path, writer)
    with pytest.raises(TypeError, match="only JSON data"):
        await p.update_user_data(USER, data)
    with pytest.raises(TypeError, match="only JSON data"):
        await p.update_bot_data(data)
    assert _rows(store_path) == {}


@pytest.mark.parametrize("state", [1.5, ("a",), True, {"s": 1}])
async def test_conversation_states_are_str_or_int(store_path, writer, state):
    p = _persistence(store_path, writer)
    with pytest.raises(TypeError, match="str or int"):
        await p.update_conversation("questionnaire", (CHAT, USER), state)


async def test_conversation_keys_with_strings_and_one_part(store_path, writer):
    p = _persistence(store_path, writer)
    await p.update_conversation("per-user", (USER,), "A")
    await p.update_conversation("per-message", (CHAT, USER, "inline-id"), "B")
    again = _persistence(store_path, writer)
    assert await again.get_conversations("per-user") == {(USER,): "A"}
    assert await again.get_conversations("per-message") == {(CHAT, USER, "inline-id"): "B"}


async def test_store_data_and_update_interval_are_passed_to_ptb(store_path, writer):
    p = _persistence(store_path, writer, store_data=PersistenceInput(callback_data=False), update_interval=0.05)
    assert p.update_interval == 0.05
    assert p.store_data.callback_data is False and p.store_data.user_data is True
    assert _persistence(store_path, writer).update_interval == 1.0


# -- with a real PTB Application ----------------------------------------------


class OfflineRequest(BaseRequest):
    """Answers the Bot API locally: getMe names a bot; nothing goes on the network."""

    def __init__(self):
        self.methods = []

    @property
    def read_timeout(self):
        return None

    async def initialize(self):
        pass

    async def shutdown(self):
        pass

    async def do_request(
        self,
        url,
        method,
        request_data=None,
        read_timeout=None,
        write_timeout=None,
        connect_timeout=None,
        pool_timeout=None,
    ):
        api_method = url.rsplit("/", 1)[-1]
        self.methods.append(api_method)
        if api_method == "getMe":
            result = {"id": 123, "is_bot": True, "first_name": "Desk", "username": "kcity_desk_bot"}
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


ASK_NAME, ASK_COUNTRY = "ASK_NAME", "ASK_COUNTRY"


async def _start(update, context):
    context.user_data["started"] = True
    return ASK_NAME


async def _name(update, context):
    context.user_data["name"] = update.effective_message.text
    return ASK_COUNTRY


async def _country(update, context):
    context.user_data["country"] = update.effective_message.text
    return ConversationHandler.END


def _questionnaire():
    return ConversationHandler(
        entry_points=[CommandHandler("start", _start)],
        states={
            ASK_NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, _name)],
            ASK_COUNTRY: [MessageHandler(filters.TEXT & ~filters.COMMAND, _country)],
        },
        fallbacks=[],
        name="questionnaire",
        persistent=True,
    )


def _application(persistence, *handlers):
    request = OfflineRequest()
    application = (
        ApplicationBuilder()
        .token("123:abc")
        .request(request)
        .get_updates_request(OfflineRequest())
        .persistence(persistence)
        .updater(None)
        .build()
    )
    application.add_handler(_questionnaire())
    for group, handler in handlers:
        application.add_handler(handler, group=group)
    return application, request


def _update(application, update_id, text):
    message = {
        "message_id": update_id,
        "date": 1772359200,
        "chat": {"id": CHAT, "type": "private"},
        "from": {"id": USER, "is_bot": False, "first_name": "Ana"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return Update.de_json({"update_id": update_id, "message": message}, application.bot)


async def test_a_restart_mid_questionnaire_resumes_at_the_same_step(store_path, writer):
    application, request = _application(_persistence(store_path, writer))
    await application.initialize()
    assert request.methods == ["getMe"]  # the only call PTB made, answered offline
    await application.process_update(_update(application, 1, "/start"))
    await application.process_update(_update(application, 2, "Ana Quispe"))
    await application.shutdown()  # writes everything, then flush()

    assert (
        _rows(store_path)[("conversation", json.dumps(["questionnaire", [CHAT, USER]], separators=(",", ":")))]
        == ASK_COUNTRY
    )

    restarted, _ = _application(_persistence(store_path, writer))
    await restarted.initialize()
    assert restarted.user_data[USER] == {"started": True, "name": "Ana Quispe"}
    await restarted.process_update(_update(restarted, 3, "Peru"))  # answered as the country
    assert restarted.user_data[USER] == {"started": True, "name": "Ana Quispe", "country": "Peru"}
    await restarted.shutdown()

    assert not any(kind == "conversation" for kind, _ in _rows(store_path))  # ended: row deleted
    assert _rows(store_path)[("user_data", str(USER))]["country"] == "Peru"


async def test_ptb_writes_conversation_states_only_when_updating_persistence(store_path, writer):
    """PTB 22.8 does not call update_conversation when a state changes, only from update_persistence."""
    application, _ = _application(_persistence(store_path, writer))
    await application.initialize()
    await application.process_update(_update(application, 1, "/start"))
    assert _rows(store_path) == {}  # nothing yet: the state waits for the periodic run
    await application.update_persistence()
    assert {kind for kind, _ in _rows(store_path)} == {"conversation", "user_data", "bot_data"}
    await application.shutdown()


async def test_a_later_handler_group_can_persist_each_step_at_once(store_path, writer):
    async def persist_now(update, context):
        await context.application.update_persistence()

    application, _ = _application(_persistence(store_path, writer), (1, TypeHandler(Update, persist_now)))
    await application.initialize()
    await application.process_update(_update(application, 1, "/start"))
    conversation = [data for (kind, _), data in _rows(store_path).items() if kind == "conversation"]
    assert conversation == [ASK_NAME]
    # a crash now (no shutdown) still resumes at ASK_NAME
    crashed_and_restarted, _ = _application(_persistence(store_path, writer))
    await crashed_and_restarted.initialize()
    await crashed_and_restarted.process_update(_update(crashed_and_restarted, 2, "Ana Quispe"))
    assert crashed_and_restarted.user_data[USER]["name"] == "Ana Quispe"
    await crashed_and_restarted.shutdown()
    await application.shutdown()
