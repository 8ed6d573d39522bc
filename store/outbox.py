"""The outbox: replies wait here until sent, and each is sent at most once.

States: pending -> sending -> sent; a temporary failure goes back to pending
with a later next_attempt_at; a permanent one (or too many attempts) is failed.
A reply found in 'sending' at start-up may or may not have left (we crashed
mid-send): it becomes 'unknown' and is never resent, so no applicant gets the
same reply twice. 'suppressed' replies were never sent (duplicate, rate limit).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlite_utils

from store.events import record_event

MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class OutgoingReply:
    id: int
    message_id: str
    to_addr: str
    kind: str
    raw: bytes
    attempts: int
    application_id: int | None


def dedup_key(to_addr: str, kind: str, reference: str | None, subject: str, body: str) -> str:
    """Two replies are the same when they would read the same to the same person."""
    parts = [to_addr.lower(), kind, reference or "", subject, body]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def enqueue_reply(
    db: sqlite_utils.Database,
    *,
    message_id: str,
    answers_message: int | None,
    application_id: int | None,
    reference: str | None,
    to_addr: str,
    kind: str,
    language: str,
    subject: str,
    body: str,
    raw: bytes,
    at: str,
    hour_ago: str | None,
    limit_per_hour: int | None,
    dedup: str | None = None,
) -> tuple[int | None, str]:
    """Queue a reply; return (outbox id or None, state). Duplicates are not queued at all.

    ``dedup`` names what makes two messages the same when their text does not (a staff
    decision, a day's digest); by default, ``dedup_key``. ``limit_per_hour`` None: never
    capped (staff mail); otherwise at most that many to one address since ``hour_ago``."""
    key = dedup or dedup_key(to_addr, kind, reference, subject, body)
    if db.execute("SELECT 1 FROM outbox WHERE dedup_key = ?", [key]).fetchone():
        record_event(db, "reply_duplicate_skipped", at=at, application_id=application_id, to=to_addr, reply_kind=kind)
        return None, "duplicate"
    state = "pending"
    if limit_per_hour is not None:
        recent = db.execute(
            "SELECT COUNT(*) FROM outbox WHERE to_addr = ? AND created_at > ? AND state != 'suppressed'",
            [to_addr, hour_ago],
        ).fetchone()[0]
        state = "pending" if recent < limit_per_hour else "suppressed"
    cursor = db.execute(
        "INSERT INTO outbox (message_id, answers_message, application_id, to_addr, kind, language, subject, body,"
        " raw, dedup_key, state, next_attempt_at, created_at, last_error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            message_id, answers_message, application_id, to_addr, kind, language, subject, body, raw, key,
            state, at, at, None if state == "pending" else f"rate limit: {limit_per_hour} replies per hour",
        ],
    )
    record_event(
        db, "reply_queued" if state == "pending" else "reply_suppressed", at=at,
        application_id=application_id, outbox_id=cursor.lastrowid, to=to_addr, reply_kind=kind, state=state,
    )
    return cursor.lastrowid, state


def due_replies(db: sqlite_utils.Database, now: str, limit: int = 1000) -> list[OutgoingReply]:
    rows = db.execute(
        "SELECT id, message_id, to_addr, kind, raw, attempts, application_id FROM outbox"
        " WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
        [now, limit],
    ).fetchall()
    return [OutgoingReply(r[0], r[1], r[2], r[3], bytes(r[4]), r[5], r[6]) for r in rows]


def mark_sending(db: sqlite_utils.Database, reply_id: int) -> bool:
    """Claim a reply for sending; False if it is no longer pending."""
    cursor = db.execute("UPDATE outbox SET state = 'sending' WHERE id = ? AND state = 'pending'", [reply_id])
    return cursor.rowcount == 1


def mark_sent(db: sqlite_utils.Database, reply_id: int, at: str) -> None:
    db.execute("UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?", [at, reply_id])
    record_event(db, "reply_sent", at=at, outbox_id=reply_id, application_id=_application_of(db, reply_id))


def mark_failed_attempt(
    db: sqlite_utils.Database, reply_id: int, *, error: str, permanent: bool, at: str, retry_at: str
) -> str:
    attempts = db.execute("SELECT attempts FROM outbox WHERE id = ?", [reply_id]).fetchone()[0] + 1
    state = "failed" if permanent or attempts >= MAX_ATTEMPTS else "pending"
    db.execute(
        "UPDATE outbox SET state = ?, attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
        [state, attempts, error[:500], retry_at, reply_id],
    )
    record_event(
        db, "reply_failed" if state == "failed" else "reply_retry", at=at, outbox_id=reply_id,
        application_id=_application_of(db, reply_id), error=error[:500], attempts=attempts,
    )
    return state


def mark_bounced(db: sqlite_utils.Database, message_ids: list[str], *, at: str, bounce_row: int) -> list[int]:
    """Mark our replies named by a bounce; return their outbox ids."""
    bounced = []
    for message_id in message_ids:
        row = db.execute("SELECT id, application_id FROM outbox WHERE message_id = ?", [message_id]).fetchone()
        if row:
            db.execute("UPDATE outbox SET state = 'bounced' WHERE id = ?", [row[0]])
            record_event(db, "reply_bounced", at=at, outbox_id=row[0], application_id=row[1], message_row=bounce_row)
            bounced.append(row[0])
    return bounced


def recover_interrupted(db: sqlite_utils.Database, at: str) -> int:
    """Replies caught mid-send by a crash: never resend them (they may have left)."""
    ids = [r[0] for r in db.execute("SELECT id FROM outbox WHERE state = 'sending'")]
    for reply_id in ids:
        db.execute("UPDATE outbox SET state = 'unknown', last_error = 'interrupted while sending' WHERE id = ?", [reply_id])
        record_event(db, "reply_interrupted", at=at, outbox_id=reply_id, application_id=_application_of(db, reply_id))
    return len(ids)


def _application_of(db: sqlite_utils.Database, reply_id: int) -> int | None:
    row = db.execute("SELECT application_id FROM outbox WHERE id = ?", [reply_id]).fetchone()
    return row[0] if row else None
