"""Look-ups for the staff commands: lists and one application's whole record."""

from __future__ import annotations

import json

import sqlite_utils

from store.search import LISTED_COLUMNS


def recent_applications(db: sqlite_utils.Database, *, status: str | None = None, limit: int = 30) -> list[dict]:
    """The most recently changed applications, optionally of one status."""
    where, args = ("WHERE a.status = ?", [status]) if status else ("", [])
    return list(db.query(
        f"SELECT {LISTED_COLUMNS} FROM applications AS a {where} ORDER BY a.updated_at DESC, a.id DESC LIMIT ?",
        [*args, limit],
    ))


def count_by_status(db: sqlite_utils.Database) -> dict[str, int]:
    return {row[0]: row[1] for row in db.execute("SELECT status, count(*) FROM applications GROUP BY status")}


def application_record(db: sqlite_utils.Database, reference: str) -> dict | None:
    """Everything staff see with /app: the row (JSON decoded), its events and how many messages it has."""
    rows = list(db.query("SELECT * FROM applications WHERE reference = ?", [reference.strip().upper()]))
    if not rows:
        return None
    app = rows[0]
    for column in ("fields", "problems", "eligibility"):
        app[column] = json.loads(app[column])
    app["events"] = [
        {**event, "detail": json.loads(event["detail"])}
        for event in db.query(
            "SELECT at, kind, actor, detail FROM events WHERE application_id = ? ORDER BY id", [app["id"]])
    ]
    app["messages"] = db.execute("SELECT count(*) FROM messages WHERE application_id = ?", [app["id"]]).fetchone()[0]
    return app
