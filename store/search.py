"""Full-text search over applications, for staff (/find).

``applications_fts`` (migration 004) is an FTS5 table with the trigram
tokenizer: rowid = applications.id, one column ``text`` holding what staff
search for, lower-cased and accent-folded here, so "Bogota" finds "Bogotá" and
any part of a word in any script (Korean included) matches. The store keeps it
current: ``create_application`` and ``update_application`` call
``index_application``; migration 005 indexed the applications a store held
before the index existed. ``reindex_all`` (``kcity reindex``) rebuilds it.
"""

from __future__ import annotations

import json
import re

import pycountry
import sqlite_utils

from rules.normalize import fold
from store.db import transaction

# The trigram tokenizer cannot match fewer than three characters.
MIN_FTS_CHARS = 3
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SEARCHED = (
    "applicant.country",
    "applicant.organization",
    "project.title",
    "project.summary",
    "project.location",
    "contact.name",
    "contact.email",
)


def search_text(app_fields: dict, reference: str, sender: str) -> str:
    """What an application is found by, one line per item, folded (lower case, no accents)."""
    parts = [reference]
    for code in _SEARCHED:
        section, name = code.split(".", 1)
        value = (app_fields.get(section) or {}).get(name)
        if value in (None, "", []):
            continue
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = " ".join(str(v) for v in value.values())
        parts.append(str(value))
        if code == "applicant.country":
            parts.append(_country_name(str(value)))
    parts.append(sender)
    return "\n".join(fold(_CONTROL.sub(" ", p)).strip() for p in parts if p and p.strip())


def index_application(db: sqlite_utils.Database, application_id: int) -> None:
    """Replace application ``application_id``'s row in the index (run inside the caller's transaction)."""
    row = db.execute("SELECT reference, fields, sender FROM applications WHERE id = ?", [application_id]).fetchone()
    db.execute("DELETE FROM applications_fts WHERE rowid = ?", [application_id])
    if row is not None:
        reference, fields, sender = row
        db.execute(
            "INSERT INTO applications_fts (rowid, text) VALUES (?, ?)",
            [application_id, _indexed(json.loads(fields), reference, sender)],
        )


def _indexed(app_fields: dict, reference: str, sender: str) -> str:
    # Two line ends after the last item: every character is then the first of a trigram,
    # which is how one- and two-character words are found (see find_applications).
    return search_text(app_fields, reference, sender) + "\n\n"


def reindex_all(db: sqlite_utils.Database) -> int:
    """Rebuild the whole index from the applications; return how many were indexed."""
    with transaction(db):
        db.execute("DELETE FROM applications_fts")
        count = index_unindexed(db)
    return count


def index_unindexed(db: sqlite_utils.Database) -> int:
    """Index every application the index lacks (inside the caller's transaction); return how many.

    Migration 005 runs it once for the applications a store held before the index existed."""
    rows = db.execute(
        "SELECT id, reference, fields, sender FROM applications"
        " WHERE id NOT IN (SELECT rowid FROM applications_fts) ORDER BY id"
    ).fetchall()
    for application_id, reference, fields, sender in rows:
        db.execute(
            "INSERT INTO applications_fts (rowid, text) VALUES (?, ?)",
            [application_id, _indexed(json.loads(fields), reference, sender)],
        )
    if rows:
        # One segment instead of the many a rebuild leaves: lookups get an order of magnitude faster.
        db.execute("INSERT INTO applications_fts (applications_fts) VALUES ('optimize')")
    return len(rows)


# An application as staff lists show it (``/apps``, ``/find``): over ``applications AS a``.
LISTED_COLUMNS = (
    "a.reference AS reference, a.status AS status,"
    " json_extract(a.fields, '$.applicant.country') AS country,"
    " json_extract(a.fields, '$.applicant.organization') AS organization,"
    " json_extract(a.fields, '$.project.title') AS title, a.updated_at AS updated_at"
)


def find_applications(db: sqlite_utils.Database, text: str, *, limit: int = 20) -> list[dict]:
    """Applications matching ``text``, best first: rows of reference, status, country,
    organization, title, updated_at.

    Every word of the query must occur somewhere in the application (as any part
    of a word, accents and case ignored). User input is never FTS5 syntax: each
    word becomes a quoted string, so quotes, AND/OR/NOT, NEAR, ``*``, ``^`` and
    ``:`` are plain characters.

    Best first: an exact reference, then matches in the reference, the
    organization, the title, anywhere; newest first within each. Ranking looks
    at the newest ``CANDIDATES`` matches: a query matching more than that many
    applications is too broad for its order to mean much.

    The trigram index cannot look up words under three characters. A
    two-character word (a Korean word often has two syllables) is looked up
    through the index's own vocabulary: every indexed trigram that starts with
    it (each occurrence in the text is followed by at least a line end). A very
    common one (more than ``MAX_EXPANSION`` trigrams) and a query of single
    characters fall back to LIKE on reference and organization; single
    characters beside longer words are left out.
    """
    limit = max(1, min(int(limit), 500))
    # Double quotes are punctuation to staff ("Cusco" means Cusco); nothing else is taken out.
    words = list(dict.fromkeys(fold(_CONTROL.sub(" ", (text or "").replace('"', " "))).split()))
    if not words:
        return []
    if all(len(word) == 1 for word in words):
        return _find_like(db, words, limit)
    words = [word for word in words if len(word) > 1] or words  # single characters find everything
    groups = []
    for word in words:
        if len(word) >= MIN_FTS_CHARS:
            groups.append(_fts_string(word))
            continue
        trigrams = _trigrams_starting(db, word)
        if trigrams is None:
            return _find_like(db, words, limit)
        if not trigrams:
            return []  # the word occurs nowhere
        groups.append("(" + " OR ".join(_fts_string(t) for t in trigrams) + ")")
    rows = [
        dict(row)
        for row in db.query(
            f"SELECT {LISTED_COLUMNS}, a.id AS id FROM applications AS a WHERE a.id IN ("
            " SELECT rowid FROM applications_fts WHERE applications_fts MATCH ? ORDER BY rowid DESC LIMIT ?)",
            [" AND ".join(groups), CANDIDATES],
        )
    ]
    rows.sort(key=lambda row: (_score(row, words, text), row["id"]), reverse=True)
    return [{k: v for k, v in row.items() if k != "id"} for row in rows[:limit]]


# Matches looked at for ranking; trigrams a short word may expand to.
CANDIDATES = 1000
MAX_EXPANSION = 200
_VOCABULARY = "temp.kcity_fts_vocabulary"


def _trigrams_starting(db: sqlite_utils.Database, word: str) -> list[str] | None:
    """The indexed trigrams beginning with ``word``; None when there are too many to OR together."""
    # A temporary table on this connection only: it reads the index's terms, it stores nothing.
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {_VOCABULARY} USING fts5vocab(main, applications_fts, row)")
    terms = [
        row[0]
        for row in db.execute(
            f"SELECT term FROM {_VOCABULARY} WHERE term >= ? AND term < ? LIMIT ?",
            [word, word + "\U0010ffff", MAX_EXPANSION + 1],
        )
    ]
    return None if len(terms) > MAX_EXPANSION else terms


def _score(row: dict, words: list[str], text: str) -> int:
    reference = fold(row["reference"] or "")
    if reference == fold(text.strip()):
        return 4
    for score, value in ((3, reference), (2, row["organization"]), (1, row["title"])):
        folded = fold(value) if isinstance(value, str) else ""
        if folded and all(word in folded for word in words):
            return score
    return 0


def _find_like(db: sqlite_utils.Database, words: list[str], limit: int) -> list[dict]:
    """Very short, very common words: LIKE on reference and organization (case-insensitive for ASCII)."""
    conditions, args = [], []
    for word in words:
        pattern = f"%{_like_escape(word)}%"
        conditions.append(
            "(a.reference LIKE ? ESCAPE '\\' OR json_extract(a.fields, '$.applicant.organization') LIKE ? ESCAPE '\\')"
        )
        args += [pattern, pattern]
    sql = f"SELECT {LISTED_COLUMNS} FROM applications AS a WHERE {' AND '.join(conditions)} ORDER BY a.id DESC LIMIT ?"
    return [dict(row) for row in db.query(sql, [*args, limit])]


def _fts_string(word: str) -> str:
    """An FTS5 string: in double quotes, a quote inside doubled. Nothing in it is syntax."""
    return '"' + word.replace('"', '""') + '"'


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _country_name(code: str) -> str:
    code = code.strip().upper()
    country = None
    if len(code) == 2 and code.isalpha():
        country = pycountry.countries.get(alpha_2=code)
    elif len(code) == 3 and code.isalpha():
        country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return ""
    return getattr(country, "common_name", None) or country.name
