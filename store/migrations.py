"""Schema migrations, applied in order at start-up and recorded so re-running is a no-op."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlite_utils


INITIAL = (
        """
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL,          -- '' when the mail had none
            sha256 TEXT NOT NULL,              -- of the raw bytes
            source TEXT NOT NULL,              -- imap, maildir, ingest, demo
            source_key TEXT,                   -- imap:<folder>:<uidvalidity>:<uid>, maildir:<name>
            size INTEGER NOT NULL,
            raw BLOB,                          -- NULL only when quarantined before download
            from_addr TEXT NOT NULL DEFAULT '',
            subject TEXT NOT NULL DEFAULT '',
            sent_at TEXT,                      -- the message's Date header
            received_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'new',  -- new, processed, quarantined
            classification TEXT,
            reason TEXT,
            application_id INTEGER REFERENCES applications(id)
        );
        CREATE UNIQUE INDEX messages_identity ON messages(message_id, sha256);
        CREATE UNIQUE INDEX messages_source_key ON messages(source_key) WHERE source_key IS NOT NULL;
        CREATE INDEX messages_status ON messages(status);

        CREATE TABLE applications (
            id INTEGER PRIMARY KEY,
            reference TEXT NOT NULL UNIQUE,    -- KCN-<year>-<4 digits>
            year INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            status TEXT NOT NULL,              -- incomplete, complete, ineligible, needs_review, ...
            fields TEXT NOT NULL,              -- JSON, nested by form code
            problems TEXT NOT NULL,            -- JSON list of problems
            eligibility TEXT NOT NULL,         -- JSON decision
            language TEXT NOT NULL,
            sender TEXT NOT NULL,              -- the address that submitted it: only it may follow up
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX applications_year_seq ON applications(year, seq);

        -- Every message id seen in an application's thread, ours and theirs.
        CREATE TABLE thread_ids (
            message_id TEXT PRIMARY KEY,
            application_id INTEGER NOT NULL REFERENCES applications(id)
        );

        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL UNIQUE,   -- ours, carrying a signed token
            answers_message INTEGER REFERENCES messages(id),
            application_id INTEGER REFERENCES applications(id),
            to_addr TEXT NOT NULL,
            kind TEXT NOT NULL,
            language TEXT NOT NULL,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            raw BLOB NOT NULL,
            dedup_key TEXT NOT NULL UNIQUE,    -- the same reply is never queued twice
            state TEXT NOT NULL,               -- pending, sending, sent, failed, bounced, suppressed, unknown
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
        CREATE INDEX outbox_to ON outbox(to_addr, created_at);

        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            actor TEXT NOT NULL,               -- system, or who did it
            application_id INTEGER REFERENCES applications(id),
            message_row INTEGER REFERENCES messages(id),
            outbox_id INTEGER REFERENCES outbox(id),
            detail TEXT NOT NULL DEFAULT '{}'  -- JSON
        );
        CREATE INDEX events_application ON events(application_id);
        """
)

# Questions asked on any channel, so staff see what the desk could not answer.
QUESTIONS = """
        CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            asked_at TEXT NOT NULL,
            channel TEXT NOT NULL,             -- cli, chat, telegram, email
            language TEXT NOT NULL,
            text TEXT NOT NULL,
            topic TEXT,                        -- NULL: the desk did not know
            confidence REAL NOT NULL
        );
        CREATE INDEX questions_unanswered ON questions(topic, asked_at);
"""

# Telegram: the bot's persisted conversations, and which chat follows which application.
TELEGRAM = """
        CREATE TABLE bot_persistence (
            kind TEXT NOT NULL,                -- user_data, chat_data, bot_data, callback_data, conversation
            key TEXT NOT NULL,                 -- user or chat id, conversation name + key, '' for singletons
            data TEXT NOT NULL,                -- JSON
            PRIMARY KEY (kind, key)
        );

        CREATE TABLE telegram_chats (
            chat_id INTEGER PRIMARY KEY,
            application_id INTEGER REFERENCES applications(id),  -- bound through a deep link
            bound_at TEXT,
            language TEXT,
            blocked_at TEXT                    -- the user blocked the bot: send nothing more
        );
        CREATE INDEX telegram_chats_application ON telegram_chats(application_id);

        -- Bumped to revoke every link issued for an application so far.
        ALTER TABLE applications ADD COLUMN link_epoch INTEGER NOT NULL DEFAULT 0;
"""

# Staff: full-text search, the daily digest's record, and indexes its queries need.
STAFF = """
        -- rowid = applications.id; text: what staff search for, lower-cased and accent-folded by
        -- store code (trigram matches any script, Korean included, and any part of a word).
        CREATE VIRTUAL TABLE applications_fts USING fts5(text, tokenize='trigram');

        -- One row per digest day (in the digest's time zone) once it is built ...
        CREATE TABLE digests (
            day TEXT PRIMARY KEY,              -- YYYY-MM-DD
            period_start TEXT NOT NULL,        -- what it covers, ISO instants, start inclusive
            period_end TEXT NOT NULL,
            built_at TEXT NOT NULL
        );
        -- ... and one per recipient it reached (or failed to): each gets it exactly once.
        CREATE TABLE digest_deliveries (
            day TEXT NOT NULL REFERENCES digests(day),
            channel TEXT NOT NULL,             -- telegram, email
            recipient TEXT NOT NULL,           -- chat id or address
            state TEXT NOT NULL,               -- sent, queued, failed
            at TEXT NOT NULL,
            error TEXT,
            PRIMARY KEY (day, channel, recipient)
        );

        CREATE INDEX events_kind_at ON events(kind, at);
        CREATE INDEX applications_created ON applications(created_at);
        CREATE INDEX applications_status ON applications(status, updated_at);
        CREATE INDEX messages_received ON messages(received_at);
"""



def index_unindexed_applications(db: sqlite_utils.Database) -> None:
    """Applications stored before 004 made the search index are not in it: /find would miss them."""
    from store.search import index_unindexed  # the index's text is the search module's to write

    index_unindexed(db)


# (name, SQL or a function of the database) in order. Never edit one that has shipped: add another.
MIGRATIONS = [
    ("001_initial", INITIAL),
    ("002_questions", QUESTIONS),
    ("003_telegram", TELEGRAM),
    ("004_staff", STAFF),
    ("005_index_older_applications", index_unindexed_applications),
]


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet recorded; return the names applied."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    applied = []
    for name, sql in MIGRATIONS:
        if name in done:
            continue
        applied_at = datetime.now(timezone.utc).isoformat()
        if callable(sql):
            db.conn.execute("BEGIN IMMEDIATE")
            try:
                sql(db)
                db.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", [name, applied_at])
            except BaseException:
                db.conn.execute("ROLLBACK")
                raise
            db.conn.execute("COMMIT")
            applied.append(name)
            continue
        # executescript commits whatever is open before it runs, so the
        # transaction has to live inside the script itself.
        try:
            db.conn.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\n"
                f"INSERT INTO _migrations (name, applied_at) VALUES ('{name}', '{applied_at}');\nCOMMIT;"
            )
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
