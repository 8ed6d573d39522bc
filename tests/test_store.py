
import pytest

from store.db import StoreError, open_store
from store.migrations import MIGRATIONS, apply_migrations
from store.messages import archive_message


def test_migrations_apply_once_and_rerun_safely(tmp_path):
    db = open_store(tmp_path / "k.db")
    assert {"messages", "applications", "outbox", "events", "thread_ids"} <= set(db.table_names())
    assert apply_migrations(db) == []  # already applied: nothing to do
    again = open_store(tmp_path / "k.db")
    assert [r[0] for r in again.execute("SELECT name FROM _migrations")] == [name for name, _ in MIGRATIONS]


def test_store_uses_wal(tmp_path):
    db = open_store(tmp_path / "k.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_unopenable_store_is_one_clear_error(tmp_path):
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(StoreError, match="cannot open the store"):
        open_store(tmp_path / "dir.db")


def test_same_bytes_archived_once_reused_message_id_kept(tmp_path):
    db = open_store(tmp_path / "k.db")
    common = dict(message_id="<a@x>", source="test", source_key=None, received_at="2020-01-01T00:00:00+00:00")
    first = archive_message(db, b"one", **common)
    again = archive_message(db, b"one", **common)
    other = archive_message(db, b"two", **common)
    assert first.new and not again.new and again.row == first.row
    assert other.new and other.row != first.row  # same Message-ID, different bytes: a new message
    assert db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 2
