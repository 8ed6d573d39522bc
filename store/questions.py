"""Questions people asked the desk, so staff can see what it could not answer."""

from __future__ import annotations

import sqlite_utils

CHANNELS = ("chat", "telegram", "email")


def record_question(
    db: sqlite_utils.Database, text: str, *, channel: str, language: str, topic: str | None, confidence: float, at: str
) -> int:
    """Keep one asked question; ``topic`` None means the desk said it did not know."""
    cursor = db.execute(
        "INSERT INTO questions (asked_at, channel, language, text, topic, confidence) VALUES (?, ?, ?, ?, ?, ?)",
        [at, channel, language, text[:2000], topic, confidence],
    )
    return cursor.lastrowid


def unanswered_questions(db: sqlite_utils.Database, *, since: str | None = None, limit: int = 50) -> list[dict]:
    """The questions the desk could not answer, most often asked first (same wording, case-folded)."""
    return list(db.query(
        """
        SELECT lower(trim(text)) AS question, count(*) AS times, max(asked_at) AS last_asked,
               group_concat(DISTINCT channel) AS channels
        FROM questions
        WHERE topic IS NULL AND (:since IS NULL OR asked_at >= :since)
        GROUP BY lower(trim(text))
        ORDER BY times DESC, last_asked DESC
        LIMIT :limit
        """,
        {"since": since, "limit": limit},
    ))
