"""Sending the outbox: due replies go out through one connection per batch.

A reply is claimed ('sending') and committed before it is handed to SMTP, and
marked 'sent' after; a crash in between leaves it 'sending', which start-up
turns into 'unknown' rather than risk sending it twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parseaddr
from pathlib import Path
from typing import Callable, Protocol

import sqlite_utils

from mail.backoff import Backoff
from mail.smtp import SmtpError
from store.db import transaction
from store.outbox import due_replies, mark_failed_attempt, mark_sending, mark_sent
from store.writer import Writer

log = logging.getLogger(__name__)


class RawSender(Protocol):
    async def __aenter__(self): ...
    async def __aexit__(self, *exc): ...
    async def send_raw(self, raw: bytes, sender: str, recipients: list[str]) -> None: ...


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class FolderSender:
    """Writes each reply as a .eml file: the demo's outbox, and a dry run for staff."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    async def __aenter__(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    async def __aexit__(self, *exc):
        return None

    async def send_raw(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        count = len(list(self.folder.glob("*.eml")))
        (self.folder / f"{count + 1:05d}.eml").write_bytes(raw)


def _write(db: sqlite_utils.Database, fn, *args, **kwargs):
    with transaction(db):
        return fn(db, *args, **kwargs)


async def deliver_due(
    db: sqlite_utils.Database,
    writer: Writer,
    sender: RawSender,
    *,
    mail_from: str,
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    retry: Backoff | None = None,
) -> DeliveryReport:
    """Send every reply that is due; return what happened."""
    report = DeliveryReport()
    now = clock().isoformat()
    due = await writer.call(due_replies, db, now)
    if not due:
        return report
    envelope_from = parseaddr(mail_from)[1] or mail_from
    retry = retry or Backoff(base=60, cap=3600, factor=2)
    async with sender:
        for reply in due:
            if not await writer.call(_write, db, mark_sending, reply.id):
                continue
            try:
                await sender.send_raw(reply.raw, envelope_from, [reply.to_addr])
            except SmtpError as exc:
                delay = timedelta(seconds=retry.delay_for(reply.attempts))
                at = clock()
                state = await writer.call(
                    _write, db, mark_failed_attempt, reply.id, error=str(exc), permanent=exc.permanent,
                    at=at.isoformat(), retry_at=(at + delay).isoformat(),
                )
                report.errors.append(str(exc))
                if state == "failed":
                    report.failed += 1
                else:
                    report.retrying += 1
                if not exc.permanent:
                    break  # the server is unwell: leave the rest for the next pass
            else:
                await writer.call(_write, db, mark_sent, reply.id, clock().isoformat())
                report.sent += 1
    return report
