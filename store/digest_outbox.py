"""Staff digests in the outbox: never rate-limited, and queued once per day per address.

The hourly cap protects applicants from a mail loop; staff mail is never capped.
A digest is the same digest however often it is built, so its dedup key is the
day and the address, not its text (which may change between two builds of a day).
"""

from __future__ import annotations

import sqlite_utils

from store.outbox import enqueue_reply

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
    return enqueue_reply(
        db, message_id=message_id, answers_message=None, application_id=None, reference=None, to_addr=to_addr,
        kind=DIGEST_KIND, language="en", subject=subject, body=body, raw=raw, at=at,
        hour_ago=None, limit_per_hour=None, dedup=digest_dedup_key(day, to_addr),
    )
