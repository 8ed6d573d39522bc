"""Getting data out: every raw message as it arrived."""

from __future__ import annotations

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
