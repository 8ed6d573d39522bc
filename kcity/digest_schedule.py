"""When the digest goes out, to whom, and the record that makes it exactly once.

The service calls ``run_digest_once`` every minute. What it does:

- The latest digest day L is the last day whose scheduled instant (``digest_time``
  in ``digest_timezone``) has passed. If no digest is recorded for L or later,
  L is built and recorded (``digests``). Days skipped while the service was
  down are not built one by one: L's period starts where the last recorded
  digest ended, so ONE catch-up digest covers the whole gap. With no digest
  recorded at all, L covers the 24 hours before its scheduled instant.
- Each staff address and each staff Telegram chat gets each built digest once:
  ``digest_deliveries`` holds one row per (day, channel, recipient). Email rows
  are 'queued' when the digest enters the outbox (which sends, retries and
  never sends twice); Telegram rows are 'sending' before the call and 'sent'
  or 'failed' after. A row 'sending' found later means we stopped mid-send: like
  the outbox's 'unknown', it is never resent (maybe-once beats twice).
- A failed Telegram delivery is tried again, at most every RETRY_FAILED_AFTER,
  while its digest is the newest one; a recipient the newest digest has not
  reached yet (added to the settings, or a crash between two recipients) gets
  it too. Older digests are never sent late once a newer one is built.
- A chat Telegram refuses (403: the bot was blocked or removed; 400: no such
  chat) is recorded 'refused' and not tried again for that digest: only a person
  can mend it, and trying every quarter of an hour would only fill the log. The
  next day's digest tries it once more.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

import sqlite_utils

from kcity.digest import Digest, build_digest, digest_chart_png, digest_csv, scheduled_instant
from kcity.digest_email import queue_digest_email
from store.db import transaction

log = logging.getLogger(__name__)

__all__ = [
    "DigestRunReport", "RETRY_FAILED_AFTER", "SendTelegram", "bot_sender", "deliver_digest", "delivered", "due_days",
    "latest_due_day", "record_built", "record_delivery", "run_digest_once",
]

RETRY_FAILED_AFTER = timedelta(minutes=15)
DONE_STATES = ("sent", "queued", "sending")
REFUSED = "refused"  # Telegram will not deliver to that chat: not retried for this digest

# send_telegram(chat_id, digest, png, csv): raises when the chat did not get it.
SendTelegram = Callable[[int, Digest, bytes, bytes], Awaitable[object]]


def latest_due_day(now: datetime, *, digest_time: time, timezone: str) -> date:
    """The last day whose digest is due at ``now`` (aware): today once digest_time has passed, else yesterday."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    return today if now >= scheduled_instant(today, digest_time, timezone) else today - timedelta(days=1)


def _row(db: sqlite_utils.Database, day: date, channel: str, recipient: str):
    return db.execute(
        "SELECT state, at FROM digest_deliveries WHERE day = ? AND channel = ? AND recipient = ?",
        [day.isoformat(), channel, str(recipient)],
    ).fetchone()


def delivered(db: sqlite_utils.Database, day: date, channel: str, recipient: str | int) -> bool:
    """Whether ``day``'s digest reached (or is on its way to, or may have reached) this recipient."""
    row = _row(db, day, channel, str(recipient))
    return bool(row) and row[0] in DONE_STATES


def _wants(db, day: date, channel: str, recipient: str, now: datetime, *, retry_now: bool = False) -> bool:
    """Not delivered, and not a failure tried too recently or refused (unless ``retry_now``)."""
    row = _row(db, day, channel, recipient)
    if row is None:
        return True
    if row[0] in DONE_STATES:
        return False
    if retry_now:
        return True
    if row[0] == REFUSED:
        return False
    return datetime.fromisoformat(row[1]) <= now - RETRY_FAILED_AFTER


def record_built(db: sqlite_utils.Database, d: Digest, *, at: datetime) -> bool:
    """Record that ``d``'s day is built and the period it covers; False if it was already."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO digests (day, period_start, period_end, built_at) VALUES (?, ?, ?, ?)",
        [d.day.isoformat(), d.period_start.astimezone(dt_timezone.utc).isoformat(),
         d.period_end.astimezone(dt_timezone.utc).isoformat(), at.astimezone(dt_timezone.utc).isoformat()],
    )
    return cursor.rowcount == 1


def record_delivery(
    db: sqlite_utils.Database,
    day: date,
    channel: str,
    recipient: str | int,
    state: str,
    *,
    at: datetime | str,
    error: str | None = None,
) -> None:
    """Set this recipient's delivery state for ``day`` (sent, queued, sending, failed, refused)."""
    at = at if isinstance(at, str) else at.astimezone(dt_timezone.utc).isoformat()
    db.execute(
        "INSERT INTO digest_deliveries (day, channel, recipient, state, at, error) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (day, channel, recipient) DO UPDATE SET state = excluded.state, at = excluded.at,"
        " error = excluded.error",
        [day.isoformat(), channel, str(recipient), state, at, (error or None) and error[:500]],
    )


def due_days(
    db: sqlite_utils.Database,
    *,
    now: datetime,
    digest_time: time,
    timezone: str,
    recipients: Iterable[tuple[str, str | int]] = (),
) -> list[date]:
    """The digest days to work on at ``now``, oldest first (at most two).

    The newest recorded digest, if some recipient (channel, recipient) still
    wants it; then the latest due day if no digest is recorded for it yet: one
    digest whose period reaches back to the last recorded one (the catch-up).
    """
    latest = latest_due_day(now, digest_time=digest_time, timezone=timezone)
    row = db.execute("SELECT max(day) FROM digests WHERE day <= ?", [latest.isoformat()]).fetchone()
    newest = date.fromisoformat(row[0]) if row and row[0] else None
    days = []
    if newest is not None and any(_wants(db, newest, c, str(r), now) for c, r in recipients):
        days.append(newest)
    if newest is None or newest < latest:
        days.append(latest)
    return days


@dataclass
class DigestRunReport:
    days: list[date] = field(default_factory=list)  # digest days worked on
    built: list[date] = field(default_factory=list)  # newly recorded
    periods: dict = field(default_factory=dict)  # day -> (start, end)
    emails_queued: list[str] = field(default_factory=list)
    telegram_sent: list[int] = field(default_factory=list)
    telegram_failed: dict = field(default_factory=dict)  # chat id -> error
    telegram_skipped: list[int] = field(default_factory=list)  # no bot to send with
    digests: dict = field(default_factory=dict)  # day -> Digest

    @property
    def nothing_to_do(self) -> bool:
        return not self.days


def _build_and_record(db, day: date, settings, now: datetime) -> tuple[Digest, bool]:
    """Build ``day``'s digest (reads only) and record it built (a short write)."""
    d = build_digest(db, day=day, timezone=settings.digest_timezone, now=now, digest_time=settings.digest_time)
    with transaction(db):
        return d, record_built(db, d, at=now)


def _pending(db, day: date, settings, now: datetime, retry_now: bool) -> tuple[list[str], list[int]]:
    emails = [a for a in dict.fromkeys(settings.staff_emails) if _wants(db, day, "email", a.lower(), now)]
    chats = [c for c in dict.fromkeys(settings.staff_telegram_chats)
             if _wants(db, day, "telegram", str(c), now, retry_now=retry_now)]
    return emails, chats


def _queue_email(db, d: Digest, settings, address: str, png: bytes, csv: bytes, now: datetime) -> str:
    with transaction(db):
        _, state = queue_digest_email(db, d, sender=settings.mail_from, to=address, png=png, csv=csv,
                                      at=now.astimezone(dt_timezone.utc).isoformat())
        record_delivery(db, d.day, "email", address.lower(), "queued", at=now)
        return state


def _record(db, day, channel, recipient, state, now, error=None) -> None:
    with transaction(db):
        record_delivery(db, day, channel, recipient, state, at=now, error=error)


async def deliver_digest(
    db: sqlite_utils.Database,
    writer,
    settings,
    day: date,
    *,
    now: datetime,
    send_telegram: SendTelegram | None,
    report: DigestRunReport | None = None,
    retry_now: bool = False,
) -> DigestRunReport:
    """Build and record ``day``'s digest, queue it for each staff address and send it to each staff chat
    that has not had it. ``kcity digest --send`` calls this for the day asked, with ``retry_now``: a
    person asking again means a failed or refused chat is tried at once. The service goes through
    ``run_digest_once``."""
    report = report if report is not None else DigestRunReport()
    if day not in report.days:
        report.days.append(day)
    d, new = await writer.call(_build_and_record, db, day, settings, now)
    report.digests[day] = d
    if new:
        report.built.append(day)
    report.periods[day] = (d.period_start, d.period_end)
    emails, chats = await writer.call(_pending, db, day, settings, now, retry_now)
    if chats and send_telegram is None:
        report.telegram_skipped += chats
        chats = []
    if not emails and not chats:
        return report
    csv = await writer.call(digest_csv, db)
    png = await asyncio.to_thread(digest_chart_png, d)
    for address in emails:
        await writer.call(_queue_email, db, d, settings, address, png, csv, now)
        report.emails_queued.append(address)
    for chat in chats:
        # Claimed before the call: a crash mid-send leaves 'sending', never sent again.
        await writer.call(_record, db, day, "telegram", str(chat), "sending", now)
        try:
            await send_telegram(chat, d, png, csv)
        except Exception as exc:  # one chat's failure is its own: the others still get theirs
            state = REFUSED if _refused(exc) else "failed"
            if state == REFUSED:
                log.warning("digest %s: Telegram refuses staff chat %s (%s); not retried until the next digest"
                            " (check STAFF_TELEGRAM_CHATS, or unblock the bot in that chat)", day, chat, exc)
            else:
                log.warning("digest %s to Telegram chat %s failed: %s", day, chat, exc)
            error = f"{type(exc).__name__}: {exc}"
            await writer.call(_record, db, day, "telegram", str(chat), state, now, error)
            report.telegram_failed[chat] = error
        else:
            await writer.call(_record, db, day, "telegram", str(chat), "sent", now)
            report.telegram_sent.append(chat)
    return report


async def run_digest_once(
    db: sqlite_utils.Database,
    writer,
    settings,
    *,
    now: datetime,
    send_telegram: SendTelegram | None,
) -> DigestRunReport:
    """Build the due digest (if any), queue it for every staff address, send it to every staff chat.

    Cheap when nothing is due (a few indexed reads). ``writer`` is the store's
    ``Writer``: every database call runs on its thread. ``send_telegram`` is
    None when there is no bot: chats are then left alone (nothing recorded),
    so they get the digest once a bot is there, the same day. One chat failing
    is recorded 'failed' (or 'refused') and the others still get theirs.
    """
    report = DigestRunReport()
    recipients = [("email", a.lower()) for a in settings.staff_emails]
    if send_telegram is not None:  # without a bot, chats would make the digest "due" all day long
        recipients += [("telegram", str(c)) for c in settings.staff_telegram_chats]
    days = await writer.call(due_days, db, now=now, digest_time=settings.digest_time,
                             timezone=settings.digest_timezone, recipients=recipients)
    for day in days:
        await deliver_digest(db, writer, settings, day, now=now, send_telegram=send_telegram, report=report)
    return report


def _refused(exc: Exception) -> bool:
    """Whether Telegram will not deliver to the chat however often we try: the bot was blocked or
    removed (403), or there is no such chat (400)."""
    from telegram.error import BadRequest, Forbidden

    return isinstance(exc, Forbidden) or (isinstance(exc, BadRequest) and "chat not found" in exc.message.lower())


def bot_sender(bot) -> SendTelegram:
    """A ``send_telegram`` over a python-telegram-bot ``Bot``: the HTML pieces, the chart, the CSV."""
    from bot.staff import send_digest
    from kcity.digest import digest_parts

    async def send(chat_id: int, d: Digest, png: bytes, csv: bytes) -> None:
        await send_digest(bot, chat_id, digest_parts(d, png=png, csv=csv))

    return send
