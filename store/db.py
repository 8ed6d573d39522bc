"""Opening the database: pragmas, migrations, and write transactions."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from store.migrations import apply_migrations


class StoreError(Exception):
    """The database cannot be opened or used."""


def open_store(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the store at ``path`` and bring its schema up to date."""
    path = Path(path)
    try:
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a write
        # transaction takes the lock up front instead of failing half-way.
        # check_same_thread=False: the connection is created here but used only
        # by the Writer's single thread (or by one synchronous CLI command).
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # durable at each WAL checkpoint; safe with WAL
        db.execute("PRAGMA foreign_keys=ON")
        apply_migrations(db)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"cannot open the store {path}: {exc}") from exc
    return db


@contextmanager
def transaction(db: sqlite_utils.Database):
    """One write transaction: committed when the block ends, rolled back on error."""
    conn = db.conn
    if conn.in_transaction:  # nested use joins the outer transaction
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
