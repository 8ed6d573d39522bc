"""Getting data out: every raw message as it arrived, and the whole store as CSV or JSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import sqlite_utils


def export_raw_messages(db: sqlite_utils.Database, folder: Path) -> int:
    """Write each archived message to ``folder/<id>.eml``; return how many."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for row_id, raw in db.execute("SELECT id, raw FROM messages WHERE raw IS NOT NULL ORDER BY id"):
        (folder / f"{row_id:06d}.eml").write_bytes(bytes(raw))
        count += 1
    return count


# --- The whole store, as CSV or JSON ----------------------------------------------

# Table exported -> its SELECT. Raw message bytes and reply MIME never leave: bodies of
# replies are there as text, messages as metadata.
EXPORT_TABLES = {
    "applications": (
        "SELECT id, reference, year, seq, status, language, sender, created_at, updated_at, link_epoch,"
        " fields, problems, eligibility FROM applications ORDER BY id"
    ),
    "messages": (
        "SELECT id, message_id, sha256, source, source_key, size, from_addr, subject, sent_at, received_at,"
        " status, classification, reason, application_id FROM messages ORDER BY id"
    ),
    "replies": (
        "SELECT id, message_id, answers_message, application_id, to_addr, kind, language, subject, body,"
        " state, attempts, next_attempt_at, last_error, created_at, sent_at FROM outbox ORDER BY id"
    ),
    "events": "SELECT id, at, kind, actor, application_id, message_row, outbox_id, detail FROM events ORDER BY id",
    "questions": "SELECT id, asked_at, channel, language, text, topic, confidence FROM questions ORDER BY id",
}
_JSON_COLUMNS = {"fields", "problems", "eligibility", "detail"}
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_store(db: sqlite_utils.Database, folder: Path, fmt: str) -> dict[str, int]:
    """Write each table of ``EXPORT_TABLES`` to ``folder/<table>.csv`` or ``.json``; return rows per table.

    JSON: one file per table, an array of objects, JSON columns (fields, problems,
    eligibility, an event's detail) as nested values. CSV: one file per table with a
    header row, UTF-8 with a BOM (spreadsheets then read Korean right); an
    application's fields are flattened into one column per form field
    (``applicant.country``, ...; lists joined with ", "; anything off the form in
    ``other_fields``), the other JSON columns stay
    JSON text; text that a spreadsheet would run as a formula starts with a quote.
    """
    if fmt not in ("csv", "json"):
        raise ValueError(f"unknown export format {fmt!r}; expected csv or json")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for table, sql in EXPORT_TABLES.items():
        path = folder / f"{table}.{fmt}"
        cursor = db.execute(sql)
        columns = [d[0] for d in cursor.description]
        rows = (dict(zip(columns, row)) for row in cursor)
        if fmt == "json":
            written[table] = _write_json(path, rows)
        else:
            written[table] = _write_csv(path, table, columns, rows)
    return written


def _write_json(path: Path, rows) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for count, row in enumerate(rows, start=1):
            for column in _JSON_COLUMNS & row.keys():
                row[column] = json.loads(row[column]) if row[column] is not None else None
            out.write(",\n" if count > 1 else "\n")
            out.write(json.dumps(row, ensure_ascii=False))
        out.write("\n]\n")
    return count


def _write_csv(path: Path, table: str, columns: list[str], rows) -> int:
    from rules.form import FIELDS  # the form's order for the flattened columns

    if table == "applications":
        codes = [f.code for f in FIELDS]
        header = [c for c in columns if c != "fields"] + codes + ["other_fields"]
    else:
        codes, header = [], columns
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for count, row in enumerate(rows, start=1):
            if table == "applications":
                fields = json.loads(row.pop("fields") or "{}")
                for code in codes:
                    section, name = code.split(".", 1)
                    row[code] = _flat((fields.get(section) or {}).pop(name, None))
                # Anything not on the form (there should be nothing) is kept, as JSON.
                rest = {section: values for section, values in fields.items() if values}
                row["other_fields"] = json.dumps(rest, ensure_ascii=False, sort_keys=True) if rest else None
            writer.writerow([_cell(row.get(column)) for column in header])
    return count


def _flat(value):
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _cell(value):
    """A CSV cell: numbers as they are, text that would start a formula behind a quote."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, (bytes, memoryview)):
        return ""  # never raw bytes (no exported column holds any)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
