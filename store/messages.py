"""Raw messages: archived before anything else happens, never lost."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlite_utils

from store.events import record_event


@dataclass(frozen=True)
class Archived:
    row: int  # messages.id
    new: bool  # False when these exact bytes (same Message-ID and hash) were archived before
    status: str  # new, processed, quarantined


def archive_message(
    db: sqlite_utils.Database,
    raw: bytes,
    *,
    message_id: str,
    source: str,
    source_key: str | None,
    received_at: str,
    from_addr: str = "",
    subject: str = "",
    sent_at: str | None = None,
) -> Archived:
    """Store the raw bytes, keyed by Message-ID plus a hash of the bytes.

    A reused Message-ID with different bytes is a new message; the same bytes
    seen again (a re-ingest, a crash before the server copy was flagged) are not.
    """
    sha = hashlib.sha256(raw).hexdigest()
    existing = db.execute(
        "SELECT id, status FROM messages WHERE message_id = ? AND sha256 = ?", [message_id, sha]
    ).fetchone()
    if existing:
        return Archived(existing[0], False, existing[1])
    if source_key is not None:
        same_slot = db.execute("SELECT id, status FROM messages WHERE source_key = ?", [source_key]).fetchone()
        if same_slot:  # same server slot, bytes changed: keep both, the slot names the first
            source_key = None
    cursor = db.execute(
        "INSERT INTO messages (message_id, sha256, source, source_key, size, raw, from_addr, subject,"
        " sent_at, received_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new')",
        [message_id, sha, source, source_key, len(raw), raw, from_addr, subject, sent_at, received_at],
    )
    record_event(db, "message_archived", at=received_at, message_row=cursor.lastrowid, source=source, size=len(raw))
    return Archived(cursor.lastrowid, True, "new")


def quarantine_unfetched(
    db: sqlite_utils.Database,
    *,
    source: str,
    source_key: str,
    size: int,
    header: bytes,
    received_at: str,
    reason: str,
    from_addr: str = "",
    subject: str = "",
    message_id: str = "",
) -> int:
    """Record a message we chose not to download (too big): its headers and why."""
    existing = db.execute("SELECT id FROM messages WHERE source_key = ?", [source_key]).fetchone()
    if existing:
        return existing[0]
    sha = "unfetched:" + hashlib.sha256(source_key.encode()).hexdigest()
    cursor = db.execute(
        "INSERT INTO messages (message_id, sha256, source, source_key, size, raw, from_addr, subject,"
        " received_at, status, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'quarantined', ?)",
        [message_id, sha, source, source_key, size, header, from_addr, subject, received_at, reason],
    )
    record_event(db, "message_quarantined", at=received_at, message_row=cursor.lastrowid, reason=reason)
    return cursor.lastrowid


def archived_slots(db: sqlite_utils.Database, source_keys: list[str]) -> set[str]:
    """Which of these source slots are archived already (one query per 500 keys)."""
    found: set[str] = set()
    for start in range(0, len(source_keys), 500):
        chunk = source_keys[start:start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in db.execute(f"SELECT source_key FROM messages WHERE source_key IN ({marks})", chunk))
    return found


def finish_message(
    db: sqlite_utils.Database,
    row: int,
    *,
    status: str,
    classification: str | None,
    reason: str | None,
    application_id: int | None,
    at: str,
) -> None:
    db.execute(
        "UPDATE messages SET status = ?, classification = ?, reason = ?, application_id = ? WHERE id = ?",
        [status, classification, reason, application_id, row],
    )
    record_event(
        db,
        "message_" + status,
        at=at,
        message_row=row,
        application_id=application_id,
        classification=classification,
        reason=reason,
    )


def unfinished_messages(db: sqlite_utils.Database) -> list[int]:
    """Archived but not yet processed: a crash came between archive and the end of processing."""
    return [row[0] for row in db.execute("SELECT id FROM messages WHERE status = 'new' ORDER BY id")]


def raw_message(db: sqlite_utils.Database, row: int) -> bytes | None:
    found = db.execute("SELECT raw FROM messages WHERE id = ?", [row]).fetchone()
    return bytes(found[0]) if found and found[0] is not None else None
