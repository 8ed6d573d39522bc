"""Staff digests in the outbox: never rate-limited, and queued once per day per address.

Applicant replies go through ``store.outbox.enqueue_reply``, whose hourly cap
protects applicants from a loop; staff mail must never be capped, and a digest
is the same digest however often it is queued, so its dedup key is the day and
the address, not its text (which may change between two builds of a day).
"""

from __future__ import annotations

import sqlite_utils

from store.events import record_event

DIGEST_KIND = "digest"


def digest_dedup_key(day: str, to_addr: str) -> str:
    return f"digest:{day}:{to_addr.strip().lower()}"


def enqueue_digest_email(
    db: sqlite_utils.Database,
    *,
    day: str,
    to_addr: str,
    message_id: str,
    subject: str,
    body: str,
    raw: bytes,
    at: str,
) -> tuple[int | None, str]:
    """Queue ``day``'s digest for ``to_addr``; (outbox id, 'pending'), or (None, 'duplicate') if queued before."""
    key = digest_dedup_key(day, to_addr)
    cursor = db.execute(
        "INSERT OR IGNORE INTO outbox (message_id, answers_message, application_id, to_addr, kind, language, subject,"
        " body, raw, dedup_key, state, next_attempt_at, created_at) VALUES (?, NULL, NULL, ?, ?, 'en', ?, ?, ?, ?,"
        " 'pending', ?, ?)",
        [message_id, to_addr, DIGEST_KIND, subject, body, raw, key, at, at],
    )
    if cursor.rowcount != 1:
        return None, "duplicate"
    record_event(db, "digest_queued", at=at, outbox_id=cursor.lastrowid, to=to_addr, day=day)
    return cursor.lastrowid, "pending"
