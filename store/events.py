"""The audit trail: who did what, when, to which application, message or reply."""

from __future__ import annotations

import json

import sqlite_utils


def record_event(
    db: sqlite_utils.Database,
    kind: str,
    *,
    at: str,
    actor: str = "system",
    application_id: int | None = None,
    message_row: int | None = None,
    outbox_id: int | None = None,
    **detail,
) -> int:
    cursor = db.execute(
        "INSERT INTO events (at, kind, actor, application_id, message_row, outbox_id, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [at, kind, actor, application_id, message_row, outbox_id, json.dumps(detail, ensure_ascii=False, default=str)],
    )
    return cursor.lastrowid


def events_for(db: sqlite_utils.Database, application_id: int) -> list[dict]:
    rows = db.query("SELECT * FROM events WHERE application_id = ? ORDER BY id", [application_id])
    return [dict(row, detail=json.loads(row["detail"])) for row in rows]
