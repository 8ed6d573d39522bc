"""The bot's persisted state (user, chat and bot data, callback data, conversations) in our store.

Rows of ``bot_persistence(kind, key, data)``, ``data`` being JSON:

=============  =========================================  ==========================
kind           key                                        data
=============  =========================================  ==========================
user_data      the user id, as text                       the user's dict
chat_data      the chat id, as text                       the chat's dict
bot_data       ``''``                                     the bot's dict
callback_data  ``''``                                     ``[[[uuid, time, {..}], ..], {..}]``
conversation   JSON of ``[name, [key parts..]]``          the state (str or int)
=============  =========================================  ==========================

Only JSON data may be stored: dicts with *string* keys, lists, strings,
numbers, booleans and None; no tuples, no integer dict keys, no datetimes, no
Telegram objects. Each write checks that the value comes back from JSON equal
to what was given and raises TypeError otherwise, so data that would come back
changed after a restart fails loudly when written (PTB hands that error to the
application's error handlers) instead of silently. Conversation states must be
str or int (None ends the conversation and deletes its row).

When PTB writes. Verified in python-telegram-bot 22.8
(telegram/ext/_application.py, ``Application.__update_persistence``):
every ``update_*`` method, ``update_conversation`` included, is called only
from ``Application.update_persistence()``, which runs every ``update_interval``
seconds while the application runs, and once more in ``shutdown()`` (followed
by ``flush()``). ConversationHandler does not call the persistence when its
state changes: it records the change in a TrackingDict that the next
``update_persistence`` run drains. So a crash (not a clean shutdown) loses at
most the last ``update_interval`` seconds; the default here is 1 s rather than
PTB's 60. Every call that does reach this class writes through at once (one
transaction per call, on the Writer's thread): nothing is buffered, so
``flush`` has nothing left to do. A bot that must not lose even that second of
a questionnaire can add, in a handler group after its ConversationHandler, a
handler that awaits ``context.application.update_persistence()``: by then the
blocking ConversationHandler has recorded its new state.

Unchanged values are not written again: PTB hands over bot_data on every run
and user/chat data for everyone who sent an update, so the JSON last read or
written per row is remembered and an identical value skips the store. An
empty user or chat dict deletes its row (PTB recreates empty dicts on demand).

``refresh_*`` do nothing: nothing but this persistence writes these rows.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import sqlite_utils
from telegram.ext import BasePersistence, PersistenceInput

from store.db import transaction
from store.writer import Writer

if TYPE_CHECKING:
    from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

USER_DATA = "user_data"
CHAT_DATA = "chat_data"
BOT_DATA = "bot_data"
CALLBACK_DATA = "callback_data"
CONVERSATION = "conversation"
SINGLETON = ""


class SQLitePersistence(BasePersistence[dict, dict, dict]):
    """PTB persistence in the ``bot_persistence`` table, every store call made through the Writer."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        writer: Writer,
        *,
        store_data: PersistenceInput | None = None,
        update_interval: float = 1.0,
    ) -> None:
        super().__init__(store_data=store_data, update_interval=update_interval)
        self._db = db
        self._writer = writer
        self._written: dict[tuple[str, str], str] = {}  # (kind, key) -> JSON now in the store
        self._loaded: set[str] = set()  # kinds read whole: a key missing from _written has no row

    # -- loading ------------------------------------------------------------

    async def get_user_data(self) -> dict[int, dict]:
        return {int(key): value for key, value in (await self._load_kind(USER_DATA)).items()}

    async def get_chat_data(self) -> dict[int, dict]:
        return {int(key): value for key, value in (await self._load_kind(CHAT_DATA)).items()}

    async def get_bot_data(self) -> dict:
        return (await self._load_kind(BOT_DATA)).get(SINGLETON, {})

    async def get_callback_data(self) -> CDCData | None:
        stored = (await self._load_kind(CALLBACK_DATA)).get(SINGLETON)
        if stored is None:
            return None
        buttons, mapping = stored
        return [(uuid, timestamp, data) for uuid, timestamp, data in buttons], mapping

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = await self._writer.call(_conversation_rows, self._db, name)
        conversations: ConversationDict = {}
        for key, data in rows:
            self._written[(CONVERSATION, key)] = data
            conversations[tuple(json.loads(key)[1])] = json.loads(data)
        return conversations

    # -- writing ------------------------------------------------------------

    async def update_user_data(self, user_id: int, data: dict) -> None:
        await self._save(USER_DATA, str(user_id), data, drop_empty=True)

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        await self._save(CHAT_DATA, str(chat_id), data, drop_empty=True)

    async def update_bot_data(self, data: dict) -> None:
        await self._save(BOT_DATA, SINGLETON, data)

    async def update_callback_data(self, data: CDCData) -> None:
        if data is None:
            await self._drop(CALLBACK_DATA, SINGLETON)
            return
        buttons, mapping = data
        await self._save(CALLBACK_DATA, SINGLETON, [[list(button) for button in buttons], mapping])

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        row_key = conversation_key(name, key)
        if new_state is None:
            await self._drop(CONVERSATION, row_key)
            return
        if isinstance(new_state, bool) or not isinstance(new_state, (str, int)):
            raise TypeError(f"conversation {name!r}: a persisted state must be str or int, not {new_state!r}")
        await self._save(CONVERSATION, row_key, new_state)

    async def drop_user_data(self, user_id: int) -> None:
        await self._drop(USER_DATA, str(user_id))

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._drop(CHAT_DATA, str(chat_id))

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """Nothing to do: only this persistence writes these rows."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        """Nothing to do: only this persistence writes these rows."""

    async def refresh_bot_data(self, bot_data: dict) -> None:
        """Nothing to do: only this persistence writes these rows."""

    async def flush(self) -> None:
        """Nothing is buffered (every update wrote through); the database belongs to the caller, who closes it."""

    # -- helpers ------------------------------------------------------------

    async def _load_kind(self, kind: str) -> dict[str, Any]:
        rows = await self._writer.call(_rows_of_kind, self._db, kind)
        loaded = {}
        for key, data in rows:
            self._written[(kind, key)] = data
            loaded[key] = json.loads(data)
        self._loaded.add(kind)
        return loaded

    async def _save(self, kind: str, key: str, value: Any, *, drop_empty: bool = False) -> None:
        if drop_empty and value == {}:
            await self._drop(kind, key)
            return
        data = to_json(value, what=f"{kind} {key}".strip())
        if self._written.get((kind, key)) == data:
            return
        await self._writer.call(_put, self._db, kind, key, data)
        self._written[(kind, key)] = data

    async def _drop(self, kind: str, key: str) -> None:
        if kind in self._loaded and (kind, key) not in self._written:
            return  # no such row: spare the store a write
        await self._writer.call(_delete, self._db, kind, key)
        self._written.pop((kind, key), None)


def conversation_key(name: str, key: ConversationKey) -> str:
    """The row key of one conversation: JSON of ``[name, [key parts..]]``."""
    return json.dumps([name, list(key)], ensure_ascii=False, separators=(",", ":"))


def to_json(value: Any, *, what: str) -> str:
    """JSON of ``value``; TypeError unless it would come back from JSON equal to itself."""
    try:
        data = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what}: only JSON data can be persisted ({exc})") from exc
    if json.loads(data) != value:
        raise TypeError(
            f"{what}: only JSON data can be persisted: it would come back changed"
            " (tuples become lists, dict keys become strings)"
        )
    return data


# Synchronous store calls, run on the Writer's thread.


def _rows_of_kind(db: sqlite_utils.Database, kind: str) -> list[tuple[str, str]]:
    return db.execute("SELECT key, data FROM bot_persistence WHERE kind = ? ORDER BY key", [kind]).fetchall()


def _conversation_rows(db: sqlite_utils.Database, name: str) -> list[tuple[str, str]]:
    return db.execute(
        "SELECT key, data FROM bot_persistence WHERE kind = ? AND json_extract(key, '$[0]') = ? ORDER BY key",
        [CONVERSATION, name],
    ).fetchall()


def _put(db: sqlite_utils.Database, kind: str, key: str, data: str) -> None:
    with transaction(db):
        db.execute(
            "INSERT INTO bot_persistence (kind, key, data) VALUES (?, ?, ?)"
            " ON CONFLICT(kind, key) DO UPDATE SET data = excluded.data",
            [kind, key, data],
        )


def _delete(db: sqlite_utils.Database, kind: str, key: str) -> None:
    with transaction(db):
        db.execute("DELETE FROM bot_persistence WHERE kind = ? AND key = ?", [kind, key])
