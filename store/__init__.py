"""The SQLite store: raw messages, applications, the outbox and the audit trail.

Everything here is synchronous and runs on one thread: the async service sends
every call through ``Writer`` so SQLite never blocks the event loop and there
is only ever one writer.
"""

from store.db import StoreError, open_store, transaction
from store.writer import Writer

__all__ = ["StoreError", "Writer", "open_store", "transaction"]
