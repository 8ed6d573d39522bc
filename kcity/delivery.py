"""Sending the outbox: due replies go out through one connection per batch.

A reply is claimed ('sending') and committed before it is handed to SMTP, and
marked 'sent' after; a crash in between leaves it 'sending', which start-up
turns into 'unknown' rather than risk sending it twice.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parseaddr
from pathlib import Path
from typing import Callable, Protocol

import sqlite_utils

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


def retry_delay(attempts_so_far: int) -> timedelta:
    """1 minute, 2, 4 ... at most an hour: a mail server down for a while is not hammered."""
    return timedelta(seconds=min(3600, 60 * 2 ** min(attempts_so_far, 10)))


def _write(db: sqlite_utils.Database, fn, *args, **kwargs):
    with transaction(db):
        return fn(db, *args, **kwargs)


# Replies claimed and marked sent per commit. The next batch is claimed while
# this one is sent (the store's thread may be busy with intake meanwhile), so a
# crash leaves at most twice this many replies 'unknown': maybe sent, never resent.
CLAIM_BATCH = 50


def _claim(db: sqlite_utils.Database, reply_ids: list[int]) -> list[int]:
    with transaction(db):
        return [reply_id for reply_id in reply_ids if mark_sending(db, reply_id)]


def _mark_all_sent(db: sqlite_utils.Database, reply_ids: list[int], at: str) -> None:
    with transaction(db):
        for reply_id in reply_ids:
            mark_sent(db, reply_id, at)


async def deliver_due(
    db: sqlite_utils.Database,
    writer: Writer,
    sender: RawSender,
    *,
    mail_from: str,
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> DeliveryReport:
    """Send every reply that is due, over one connection; return what happened."""
    report = DeliveryReport()
    due = await writer.call(due_replies, db, clock().isoformat())
    if not due:
        return report
    envelope_from = parseaddr(mail_from)[1] or mail_from
    async with sender:
        while due:
            if not await _deliver_page(db, writer, sender, due, envelope_from, clock, report):
                break  # the server is unwell: the rest waits for the next pass
            due = await writer.call(due_replies, db, clock().isoformat())
    return report


async def _deliver_page(db, writer: Writer, sender: RawSender, due: list, envelope_from: str, clock,
                        report: DeliveryReport) -> bool:
    """Send one page of due replies; False when a temporary failure says to stop for now."""
    batches = [due[start:start + CLAIM_BATCH] for start in range(0, len(due), CLAIM_BATCH)]
    claims = [asyncio.ensure_future(writer.call(_claim, db, [r.id for r in batches[0]]))]
    marks: list[asyncio.Future] = []
    try:
        for number, batch in enumerate(batches):
            claimed = await claims[number]
            if number + 1 < len(batches):
                claims.append(asyncio.ensure_future(writer.call(_claim, db, [r.id for r in batches[number + 1]])))
            by_id = {reply.id: reply for reply in batch}
            sent: list[int] = []
            try:
                for reply_id in claimed:
                    reply = by_id[reply_id]
                    try:
                        await sender.send_raw(reply.raw, envelope_from, [reply.to_addr])
                    except SmtpError as exc:
                        await _record_failure(db, writer, reply, exc, clock, report)
                        if not exc.permanent:
                            # The server is unwell: give back what was claimed and not tried.
                            untried = claimed[claimed.index(reply_id) + 1:]
                            if number + 1 < len(claims):
                                untried += await claims[number + 1]
                            await writer.call(_release, db, untried)
                            return False
                    else:
                        sent.append(reply_id)
            finally:
                if sent:
                    marks.append(asyncio.ensure_future(writer.call(_mark_all_sent, db, sent, clock().isoformat())))
                    report.sent += len(sent)
    finally:
        await asyncio.gather(*marks, *claims, return_exceptions=True)  # every commit lands before we return
    return True


def _release(db: sqlite_utils.Database, reply_ids: list[int]) -> None:
    with transaction(db):
        for reply_id in reply_ids:
            db.execute("UPDATE outbox SET state = 'pending' WHERE id = ? AND state = 'sending'", [reply_id])


async def _record_failure(db, writer: Writer, reply, exc: SmtpError, clock, report: DeliveryReport) -> None:
    at = clock()
    state = await writer.call(
        _write, db, mark_failed_attempt, reply.id, error=str(exc), permanent=exc.permanent,
        at=at.isoformat(), retry_at=(at + retry_delay(reply.attempts)).isoformat(),
    )
    report.errors.append(str(exc))
    if state == "failed":
        report.failed += 1
    else:
        report.retrying += 1
