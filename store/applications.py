"""Applications: reference numbers, current fields and status, and their threads."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import sqlite_utils

from store.events import record_event
from store.search import index_application


@dataclass
class Application:
    id: int
    reference: str
    status: str
    fields: dict
    problems: list[dict]
    eligibility: dict
    language: str
    sender: str
    created_at: str
    updated_at: str


def _from_row(row: dict) -> Application:
    return Application(
        id=row["id"],
        reference=row["reference"],
        status=row["status"],
        fields=json.loads(row["fields"]),
        problems=json.loads(row["problems"]),
        eligibility=json.loads(row["eligibility"]),
        language=row["language"],
        sender=row["sender"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def format_reference(year: int, seq: int) -> str:
    return f"KCN-{year}-{seq:04d}"


def create_application(
    db: sqlite_utils.Database,
    *,
    year: int,
    status: str,
    fields: dict,
    problems: list[dict],
    eligibility: dict,
    language: str,
    sender: str,
    at: str,
) -> Application:
    seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM applications WHERE year = ?", [year]).fetchone()[0]
    reference = format_reference(year, seq)
    cursor = db.execute(
        "INSERT INTO applications (reference, year, seq, status, fields, problems, eligibility, language,"
        " sender, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [reference, year, seq, status, _json(fields), _json(problems), _json(eligibility), language, sender, at, at],
    )
    record_event(db, "application_created", at=at, application_id=cursor.lastrowid, reference=reference, status=status)
    index_application(db, cursor.lastrowid)
    return Application(cursor.lastrowid, reference, status, fields, problems, eligibility, language, sender, at, at)


def update_application(
    db: sqlite_utils.Database,
    app: Application,
    *,
    status: str,
    fields: dict,
    problems: list[dict],
    eligibility: dict,
    at: str,
    actor: str = "system",
    note: str | None = None,
) -> Application:
    db.execute(
        "UPDATE applications SET status = ?, fields = ?, problems = ?, eligibility = ?, updated_at = ? WHERE id = ?",
        [status, _json(fields), _json(problems), _json(eligibility), at, app.id],
    )
    record_event(db, "application_updated", at=at, actor=actor, application_id=app.id, note=note)
    if status != app.status:
        record_event(
            db, "status_changed", at=at, actor=actor, application_id=app.id, old=app.status, new=status, note=note
        )
    index_application(db, app.id)
    return replace(app, status=status, fields=fields, problems=problems, eligibility=eligibility, updated_at=at)


def get_application(db: sqlite_utils.Database, application_id: int) -> Application:
    return _from_row(db["applications"].get(application_id))


def find_by_reference(db: sqlite_utils.Database, reference: str) -> Application | None:
    rows = list(db.query("SELECT * FROM applications WHERE reference = ?", [reference.upper()]))
    return _from_row(rows[0]) if rows else None


def find_by_thread(db: sqlite_utils.Database, message_ids: list[str]) -> Application | None:
    """The application whose thread holds any of these message ids (newest id first)."""
    for message_id in reversed(message_ids):
        row = db.execute("SELECT application_id FROM thread_ids WHERE message_id = ?", [message_id]).fetchone()
        if row:
            return get_application(db, row[0])
    return None


def add_to_thread(db: sqlite_utils.Database, application_id: int, message_id: str | None) -> None:
    if message_id:
        db.execute(
            "INSERT OR IGNORE INTO thread_ids (message_id, application_id) VALUES (?, ?)", [message_id, application_id]
        )


def list_applications(db: sqlite_utils.Database, status: str | None = None) -> list[Application]:
    where, args = ("WHERE status = ?", [status]) if status else ("", [])
    return [_from_row(row) for row in db.query(f"SELECT * FROM applications {where} ORDER BY id", args)]


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
