"""Telegram chats: which chat follows which application, its language, whether it blocked us.

Synchronous functions over the store; async callers run them on the Writer
thread (``await writer.call(redeem_link, db, signer, token, chat_id, at=now)``).
Timestamps are ISO strings passed in by the caller as ``at=``.

A chat follows at most one application (``telegram_chats.chat_id`` is the
primary key): redeeming a link for another application moves the chat there.

One link may bind any number of chats. Whoever holds a valid, unrevoked link
for an application may follow it: the applicant may use Telegram on a phone and
a laptop (two chats), or pass the link to a colleague. The control is
revocation (``revoke_links``): it invalidates every link issued so far and
unbinds every chat that followed the application; staff then send a fresh link
to whoever should have it.

Nothing secret is stored: a chat's row holds no token, and the events recorded
name the chat and the application, never the token.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import sqlite_utils

from store.db import transaction
from store.events import record_event

if TYPE_CHECKING:  # the store needs only the signer's read(): no import of the bot package at run time
    from bot.links import LinkSigner


def link_epoch(db: sqlite_utils.Database, reference: str) -> int | None:
    """The application's current link epoch; None when no application has this reference."""
    row = db.execute("SELECT link_epoch FROM applications WHERE reference = ?", [reference.upper()]).fetchone()
    return row[0] if row else None


def revoke_links(db: sqlite_utils.Database, reference: str, *, at: str, actor: str) -> int:
    """Invalidate every link issued so far for the application and unbind its chats; return the new epoch.

    Raises LookupError when no application has this reference.
    """
    with transaction(db):
        row = db.execute("SELECT id, link_epoch FROM applications WHERE reference = ?", [reference.upper()]).fetchone()
        if row is None:
            raise LookupError(f"no application {reference}")
        application_id, epoch = row
        new_epoch = epoch + 1
        db.execute("UPDATE applications SET link_epoch = ? WHERE id = ?", [new_epoch, application_id])
        unbound = db.execute(
            "UPDATE telegram_chats SET application_id = NULL, bound_at = NULL WHERE application_id = ?",
            [application_id],
        ).rowcount
        record_event(
            db,
            "links_revoked",
            at=at,
            actor=actor,
            application_id=application_id,
            epoch=new_epoch,
            chats_unbound=unbound,
        )
    return new_epoch


def bind_chat(db: sqlite_utils.Database, chat_id: int, application_id: int, *, at: str) -> bool:
    """Make the chat follow the application; True when that changed anything.

    The chat has just written to us, so it has not blocked the bot: ``blocked_at`` is cleared.
    A chat already following another application is moved (recorded in the event).
    """
    with transaction(db):
        row = db.execute(
            "SELECT application_id, blocked_at FROM telegram_chats WHERE chat_id = ?", [chat_id]
        ).fetchone()
        if row is not None and row[0] == application_id and row[1] is None:
            return False
        previous = row[0] if row is not None else None
        db.execute(
            "INSERT INTO telegram_chats (chat_id, application_id, bound_at) VALUES (?, ?, ?)"
            " ON CONFLICT(chat_id) DO UPDATE SET application_id = excluded.application_id,"
            " bound_at = CASE WHEN telegram_chats.application_id IS excluded.application_id"
            " THEN telegram_chats.bound_at ELSE excluded.bound_at END, blocked_at = NULL",
            [chat_id, application_id, at],
        )
        if previous != application_id:
            detail = {"chat_id": chat_id}
            if previous is not None:
                detail["previous_application_id"] = previous
            record_event(db, "chat_bound", at=at, application_id=application_id, **detail)
    return True


def unbind_chat(db: sqlite_utils.Database, chat_id: int, *, at: str, actor: str = "system") -> bool:
    """Stop the chat following its application (the user asked to); True when it was following one."""
    with transaction(db):
        row = db.execute("SELECT application_id FROM telegram_chats WHERE chat_id = ?", [chat_id]).fetchone()
        if row is None or row[0] is None:
            return False
        db.execute("UPDATE telegram_chats SET application_id = NULL, bound_at = NULL WHERE chat_id = ?", [chat_id])
        record_event(db, "chat_unbound", at=at, actor=actor, application_id=row[0], chat_id=chat_id)
    return True


def bound_application(db: sqlite_utils.Database, chat_id: int) -> dict | None:
    """The application row the chat follows (JSON columns left as text), or None."""
    rows = list(
        db.query(
            "SELECT applications.* FROM telegram_chats JOIN applications"
            " ON applications.id = telegram_chats.application_id WHERE telegram_chats.chat_id = ?",
            [chat_id],
        )
    )
    return rows[0] if rows else None


def chats_for_application(db: sqlite_utils.Database, application_id: int) -> list[int]:
    """The chats following the application that have not blocked the bot, in a stable order."""
    rows = db.execute(
        "SELECT chat_id FROM telegram_chats WHERE application_id = ? AND blocked_at IS NULL ORDER BY chat_id",
        [application_id],
    ).fetchall()
    return [row[0] for row in rows]


def mark_blocked(db: sqlite_utils.Database, chat_id: int, *, at: str) -> None:
    """The user blocked the bot (Telegram said so): send nothing more. Keeps the first time seen."""
    with transaction(db):
        db.execute(
            "INSERT INTO telegram_chats (chat_id, blocked_at) VALUES (?, ?)"
            " ON CONFLICT(chat_id) DO UPDATE SET blocked_at = COALESCE(telegram_chats.blocked_at, excluded.blocked_at)",
            [chat_id, at],
        )


def mark_unblocked(db: sqlite_utils.Database, chat_id: int) -> None:
    """The user unblocked the bot (or wrote to it again)."""
    with transaction(db):
        db.execute("UPDATE telegram_chats SET blocked_at = NULL WHERE chat_id = ?", [chat_id])


def is_blocked(db: sqlite_utils.Database, chat_id: int) -> bool:
    row = db.execute("SELECT blocked_at FROM telegram_chats WHERE chat_id = ?", [chat_id]).fetchone()
    return bool(row and row[0] is not None)


def set_chat_language(db: sqlite_utils.Database, chat_id: int, language: str) -> None:
    with transaction(db):
        db.execute(
            "INSERT INTO telegram_chats (chat_id, language) VALUES (?, ?)"
            " ON CONFLICT(chat_id) DO UPDATE SET language = excluded.language",
            [chat_id, language],
        )


def chat_language(db: sqlite_utils.Database, chat_id: int) -> str | None:
    row = db.execute("SELECT language FROM telegram_chats WHERE chat_id = ?", [chat_id]).fetchone()
    return row[0] if row else None


def redeem_link(db: sqlite_utils.Database, signer: LinkSigner, token: str, chat_id: int, *, at: str) -> dict | None:
    """Bind the chat to the application a deep-link token names; return the application row, or None.

    None, and nothing bound, unless the token is well signed, names an existing
    application, and carries that application's current link epoch (links are
    revoked by bumping it: see bot/links.py). The caller learns nothing more
    than None, so it cannot tell a stranger whether a reference exists. A
    genuine but revoked link is recorded ("link_refused") for staff to see:
    someone still holds a link that was withdrawn.
    """
    read = signer.read(token)
    if read is None:
        return None
    reference, epoch = read
    with transaction(db):
        rows = list(db.query("SELECT * FROM applications WHERE reference = ?", [reference]))
        if not rows:
            return None
        application = rows[0]
        if application["link_epoch"] != epoch:
            record_event(
                db,
                "link_refused",
                at=at,
                application_id=application["id"],
                chat_id=chat_id,
                reason="epoch_mismatch",
                link_epoch=epoch,
                current_epoch=application["link_epoch"],
            )
            return None
        bind_chat(db, chat_id, application["id"], at=at)
    return application


# Status notices: which status changes bound chats have been told about ---------------------

_NOTICE_CURSOR = ("notices", "status_changed")  # a bot_persistence row: the last event told


def status_history(db: sqlite_utils.Database, application_id: int) -> list[dict]:
    return list(db.query(
        "SELECT at, detail FROM events WHERE application_id = ? AND kind = 'status_changed' ORDER BY id",
        [application_id],
    ))


def pending_status_notices(db: sqlite_utils.Database, limit: int = 200) -> list[dict]:
    """Status changes since the cursor, one per bound chat."""
    row = db.execute("SELECT data FROM bot_persistence WHERE kind = ? AND key = ?", _NOTICE_CURSOR).fetchone()
    if row is None:
        return []
    return list(db.query(
        """
        SELECT events.id AS event_id, json_extract(events.detail, '$.new') AS new, applications.reference,
               applications.language, telegram_chats.chat_id
        FROM events
        JOIN applications ON applications.id = events.application_id
        JOIN telegram_chats ON telegram_chats.application_id = events.application_id
        WHERE events.kind = 'status_changed' AND events.id > ? AND telegram_chats.blocked_at IS NULL
        ORDER BY events.id, telegram_chats.chat_id
        LIMIT ?
        """,
        [json.loads(row[0]), limit],
    ))


def start_status_notices(db: sqlite_utils.Database) -> None:
    if db.execute("SELECT 1 FROM bot_persistence WHERE kind = ? AND key = ?", _NOTICE_CURSOR).fetchone() is None:
        status_notices_done(db, db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])


def status_notices_done(db: sqlite_utils.Database, event_id: int) -> None:
    db.execute(
        "INSERT INTO bot_persistence (kind, key, data) VALUES (?, ?, ?)"
        " ON CONFLICT (kind, key) DO UPDATE SET data = excluded.data",
        [*_NOTICE_CURSOR, json.dumps(event_id)],
    )
