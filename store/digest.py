"""The daily digest's queries: what happened in a period [start, end), and every application for the CSV.

Instants are ISO strings in UTC, as the store writes them (``...+00:00``), so
ranges are plain string comparisons on indexed columns. Every count is an SQL
aggregate; Python only loops over the (small) grouped results, never over events.
Staff-facing reads only: nothing here writes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from operator import itemgetter

import sqlite_utils

# json_extract with several paths parses the document once and returns a JSON array.
_APP_PATHS = "'$.applicant.country', '$.applicant.organization', '$.project.title'"

# Events that say an application reached a status: created with it, or changed to it.
_REACHED = """
    SELECT application_id, json_extract(detail, '$.status') AS status FROM events
    WHERE kind = 'application_created' AND at >= :start AND at < :end
    UNION ALL
    SELECT application_id, json_extract(detail, '$.new') AS status FROM events
    WHERE kind = 'status_changed' AND at >= :start AND at < :end
"""


def _app_row(row) -> dict:
    country, organization, title = json.loads(row[-1]) if row[-1] else (None, None, None)
    return {
        "reference": row[0],
        "status": row[1],
        "created_at": row[2],
        "country": country,
        "organization": organization,
        "title": title,
    }


def new_applications(db: sqlite_utils.Database, start: str, end: str, *, limit: int) -> tuple[int, list[dict]]:
    """Applications created in the period: (how many, the first ``limit`` of them by reference order)."""
    total = db.execute(
        "SELECT count(*) FROM applications WHERE created_at >= ? AND created_at < ?", [start, end]
    ).fetchone()[0]
    rows = db.execute(
        f"SELECT reference, status, created_at, json_extract(fields, {_APP_PATHS}) FROM applications"
        " WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id LIMIT ?",
        [start, end, limit],
    ).fetchall()
    return total, [_app_row(r) for r in rows]


def reached_status_counts(db: sqlite_utils.Database, start: str, end: str) -> dict[str, int]:
    """How many distinct applications reached each status during the period (created with it or changed to it)."""
    rows = db.execute(
        f"SELECT status, count(DISTINCT application_id) FROM ({_REACHED}) GROUP BY status",
        {"start": start, "end": end},
    ).fetchall()
    return {status: n for status, n in rows if status}


def reached_status_list(
    db: sqlite_utils.Database, start: str, end: str, status: str, *, limit: int
) -> list[dict]:
    """The applications that reached ``status`` in the period (their current state shown)."""
    rows = db.execute(
        f"""SELECT a.reference, a.status, a.created_at, json_extract(a.fields, {_APP_PATHS})
            FROM applications a WHERE a.id IN (SELECT application_id FROM ({_REACHED}) WHERE status = :status)
            ORDER BY a.id LIMIT :limit""",
        {"start": start, "end": end, "status": status, "limit": limit},
    ).fetchall()
    return [_app_row(r) for r in rows]


def status_totals(db: sqlite_utils.Database, *, before: str) -> dict[str, int]:
    """Every application created before ``before``, by its current status.

    All of them (a covering scan of the status index) less those created since
    (usually none or a few): much cheaper than looking each row up by date.
    """
    totals = dict(db.execute("SELECT status, count(*) FROM applications GROUP BY status").fetchall())
    for status, n in db.execute(
        "SELECT status, count(*) FROM applications INDEXED BY applications_created WHERE created_at >= ?"
        " GROUP BY status", [before]
    ).fetchall():
        totals[status] -= n
    return {status: n for status, n in sorted(totals.items()) if n}


AGE_BUCKETS = ((7, "under 7 days"), (14, "7 to 13 days"), (30, "14 to 29 days"), (None, "30 days or more"))


def incomplete_ages(db: sqlite_utils.Database, *, at: str, limit: int) -> tuple[list[tuple[str, int]], list[dict]]:
    """Applications still incomplete (current status), created before ``at``.

    Returns (buckets of age at ``at``: [("under 7 days", n), ...], the ``limit``
    oldest with their age in whole days).
    """
    moment = datetime.fromisoformat(at)
    edges = [(moment - timedelta(days=days)).astimezone(timezone.utc).isoformat()
             for days, _ in AGE_BUCKETS if days is not None]
    cases = " ".join(f"WHEN created_at > :e{i} THEN {i}" for i in range(len(edges)))
    found = dict(db.execute(
        f"""SELECT CASE {cases} ELSE {len(edges)} END AS bucket, count(*) FROM applications
            WHERE status = 'incomplete' AND created_at < :at GROUP BY bucket""",
        {"at": at, **{f"e{i}": edge for i, edge in enumerate(edges)}},
    ).fetchall())
    shown = [(name, found.get(i, 0)) for i, (_, name) in enumerate(AGE_BUCKETS)]
    rows = db.execute(
        f"""SELECT reference, status, created_at, json_extract(fields, {_APP_PATHS}),
                   CAST(julianday(:at) - julianday(created_at) AS INTEGER) AS days
            FROM applications WHERE status = 'incomplete' AND created_at < :at
            ORDER BY created_at, id LIMIT :limit""",
        {"at": at, "limit": limit},
    ).fetchall()
    oldest = [dict(_app_row(r[:4]), days=r[4]) for r in rows]
    return shown, oldest


def follow_ups(db: sqlite_utils.Database, start: str, end: str, *, limit: int) -> tuple[int, list[dict]]:
    """Follow-up messages received in the period: (how many, the first ``limit``)."""
    total = db.execute(
        "SELECT count(*) FROM messages WHERE received_at >= ? AND received_at < ? AND classification = 'follow_up'",
        [start, end],
    ).fetchone()[0]
    rows = db.execute(
        """SELECT m.received_at, m.from_addr, m.subject, a.reference, a.status FROM messages m
           LEFT JOIN applications a ON a.id = m.application_id
           WHERE m.received_at >= ? AND m.received_at < ? AND m.classification = 'follow_up'
           ORDER BY m.received_at, m.id LIMIT ?""",
        [start, end, limit],
    ).fetchall()
    keys = ("received_at", "from_addr", "subject", "reference", "status")
    return total, [dict(zip(keys, r)) for r in rows]


def reply_problems(db: sqlite_utils.Database, start: str, end: str, *, limit: int) -> tuple[dict[str, int], list[dict]]:
    """Replies to applicants that bounced or failed for good in the period (staff digests left out)."""
    where = """FROM events e JOIN outbox o ON o.id = e.outbox_id
               LEFT JOIN applications a ON a.id = o.application_id
               WHERE e.kind IN ('reply_bounced', 'reply_failed') AND e.at >= :start AND e.at < :end
               AND o.kind != 'digest'"""
    counts = dict(db.execute(
        f"SELECT e.kind, count(*) {where} GROUP BY e.kind", {"start": start, "end": end}
    ).fetchall())
    rows = db.execute(
        f"""SELECT e.at, e.kind, o.to_addr, o.kind, o.subject, o.last_error, a.reference {where}
            ORDER BY e.at, e.id LIMIT :limit""",
        {"start": start, "end": end, "limit": limit},
    ).fetchall()
    keys = ("at", "event", "to_addr", "reply_kind", "subject", "error", "reference")
    return (
        {"bounced": counts.get("reply_bounced", 0), "failed": counts.get("reply_failed", 0)},
        [dict(zip(keys, r)) for r in rows],
    )


def quarantined(db: sqlite_utils.Database, start: str, end: str, *, limit: int) -> tuple[int, list[dict]]:
    """Messages quarantined in the period (too large, unreadable, processing failed) and why."""
    where = "FROM events e JOIN messages m ON m.id = e.message_row WHERE e.kind = 'message_quarantined'" \
            " AND e.at >= :start AND e.at < :end"
    total = db.execute(f"SELECT count(DISTINCT e.message_row) {where}", {"start": start, "end": end}).fetchone()[0]
    rows = db.execute(
        f"""SELECT min(e.at), m.from_addr, m.subject, m.size, COALESCE(m.reason, json_extract(e.detail, '$.reason'))
            {where} GROUP BY e.message_row ORDER BY min(e.at), e.message_row LIMIT :limit""",
        {"start": start, "end": end, "limit": limit},
    ).fetchall()
    keys = ("at", "from_addr", "subject", "size", "reason")
    return total, [dict(zip(keys, r)) for r in rows]


def unread_attachments(db: sqlite_utils.Database, start: str, end: str, *, limit: int) -> tuple[int, list[dict]]:
    """Messages of the period whose attached documents the desk could not read (the sender was asked
    for another format; staff may open them themselves): (how many, the first ``limit``)."""
    total = db.execute(
        "SELECT count(*) FROM events WHERE kind = 'attachments_unread' AND at >= ? AND at < ?", [start, end]
    ).fetchone()[0]
    rows = db.execute(
        """SELECT e.at, m.from_addr, a.reference, e.detail FROM events e
           LEFT JOIN messages m ON m.id = e.message_row
           LEFT JOIN applications a ON a.id = e.application_id
           WHERE e.kind = 'attachments_unread' AND e.at >= ? AND e.at < ?
           ORDER BY e.at, e.id LIMIT ?""",
        [start, end, limit],
    ).fetchall()
    return total, [{"at": at, "from_addr": sender or "", "reference": reference,
                    "files": json.loads(detail).get("files", [])} for at, sender, reference, detail in rows]


def breakdowns(db: sqlite_utils.Database, *, before: str) -> tuple[Counter, Counter, Counter]:
    """Applications created before ``before`` by country, by category and by sector (one scan).

    Each document is parsed once (json_extract with three paths gives one JSON
    array) and the identical arrays are counted in C (Counter over the cursor:
    faster here than SQL's GROUP BY, which sorts); the few thousand distinct
    ones are then added up per dimension. An application counts once per sector.
    """
    cursor = db.execute(
        """SELECT json_extract(fields, '$.applicant.country', '$.project.category', '$.project.sectors')
           FROM applications NOT INDEXED WHERE created_at < ?""",
        [before],
    )
    groups = Counter(map(itemgetter(0), cursor))
    countries: Counter = Counter()
    categories: Counter = Counter()
    sectors: Counter = Counter()
    for key, n in groups.items():
        country, category, names = json.loads(key) if key else (None, None, None)
        countries[str(country) if country else "(none)"] += n
        categories[str(category) if category else "(none)"] += n
        if isinstance(names, str):
            names = [s.strip() for s in names.split(",")]
        for name in dict.fromkeys(names or ["(none)"]):
            sectors[str(name) if name else "(none)"] += n
    return countries, categories, sectors


def unanswered(db: sqlite_utils.Database, start: str, end: str, *, limit: int) -> list[dict]:
    """Questions asked in the period that the desk could not answer, most often asked first."""
    return [dict(r) for r in db.query(
        """SELECT lower(trim(text)) AS question, count(*) AS times, max(asked_at) AS last_asked,
                  group_concat(DISTINCT channel) AS channels
           FROM questions WHERE topic IS NULL AND asked_at >= :start AND asked_at < :end
           GROUP BY lower(trim(text)) ORDER BY times DESC, last_asked DESC, question LIMIT :limit""",
        {"start": start, "end": end, "limit": limit},
    )]


def created_per_hour(db: sqlite_utils.Database, start: str, end: str) -> list[tuple[str, str, int]]:
    """(UTC hour 'YYYY-MM-DDTHH', current status, count) for applications created in [start, end)."""
    return db.execute(
        """SELECT substr(created_at, 1, 13) AS hour, status, count(*) FROM applications
           WHERE created_at >= ? AND created_at < ? GROUP BY hour, status ORDER BY hour""",
        [start, end],
    ).fetchall()


CSV_COLUMNS = ("reference", "status", "country", "organization", "title", "category", "sectors",
               "created_at", "updated_at")


def all_applications(db: sqlite_utils.Database) -> Iterator[tuple]:
    """Every application, oldest first, as CSV_COLUMNS (sectors a JSON list or text as stored)."""
    cursor = db.execute(
        """SELECT reference, status, json_extract(fields, '$.applicant.country', '$.applicant.organization',
                  '$.project.title', '$.project.category', '$.project.sectors'), created_at, updated_at
           FROM applications ORDER BY id"""
    )
    for reference, status, packed, created_at, updated_at in cursor:
        country, organization, title, category, sectors = json.loads(packed) if packed else (None,) * 5
        yield reference, status, country, organization, title, category, sectors, created_at, updated_at
