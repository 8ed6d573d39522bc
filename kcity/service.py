"""The composition root: settings in, a wired desk out, and the loops that drive it.

``Desk`` owns the store, its writer thread and the pipeline. ``poll_once`` is
one pass over every source and the outbox (``kcity poll --once``); ``run`` is
the long-running service (``kcity run``), which stops cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import logging
import signal
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parseaddr
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlite_utils

from bot.handlers import DeskBot
from bot.staff import DigestParts, StaffCommands
from bot.links import LinkSigner
from kcity.config import Settings
from kcity.digest import build_digest, digest_chart_png, digest_csv, digest_parts
from kcity.digest_schedule import bot_sender, run_digest_once
from kcity.review import ChangeResult, change_status
from kcity.intake import exit_with_parent, read_messages
from kcity.delivery import DeliveryReport, FolderSender, deliver_due
from kcity.pipeline import Outcome, Pipeline
from mail.backoff import Backoff
from mail.imap import ImapConfig, ImapError, ImapMailbox
from mail.maildir import MaildirSource
from mail.parse import parse_message
from mail.smtp import SmtpConfig, SmtpSender
from mail.tokens import MessageIdSigner
from rules.conversation import Conversation
from store.db import open_store, transaction
from store.messages import archived_slots, quarantine_unfetched
from store.outbox import recover_interrupted
from store.review import ALL_STATUSES
from store.telegram import link_epoch
from store.writer import Writer

log = logging.getLogger(__name__)

# Messages handed from the IMAP reader to the pipeline at most this far ahead:
# enough to overlap network and processing, small enough to bound memory.
PREFETCH = 200
# Messages archived and processed per commit.
PROCESS_BATCH = 50
MARK_DONE_EVERY = 100
# How long the bot may take to finish its last updates and save its state on stop.
GRACEFUL_STOP_SECONDS = 15
# How long the first digest waits for the bot to come up (its chats are then served the same run).
BOT_START_WAIT_SECONDS = 30


@dataclass
class PollReport:
    outcomes: list[Outcome] = field(default_factory=list)
    quarantined_unfetched: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


class Desk:
    """Everything wired from one Settings object."""

    def __init__(
        self,
        settings: Settings,
        *,
        use_message_date: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ):
        self.settings = settings
        self.clock = clock
        self.db: sqlite_utils.Database = open_store(settings.db_path)
        self.writer = Writer()
        self.links = LinkSigner(settings.secret)
        self.bot_username: str | None = None  # learnt from Telegram when the bot starts
        self.telegram_application = None  # the running bot, for the digest loop to send through
        self.telegram_ready = asyncio.Event()
        # A process that parses while the store's thread works, started on first use.
        self._reader: ProcessPoolExecutor | None = None
        self._reader_broken = False
        own = parseaddr(settings.mail_from)[1].lower()
        self.pipeline = Pipeline(
            db=self.db,
            signer=MessageIdSigner(settings.secret, settings.mail_domain),
            mail_from=settings.mail_from,
            own_addresses=frozenset({own} | ({settings.imap_user.lower()} if settings.imap_user else set())),
            replies_per_hour=settings.replies_per_hour,
            timezone=settings.timezone,
            clock=clock,
            use_message_date=use_message_date,
            bot_link=self._bot_link,
        )

    async def read_messages(self, raws: list[bytes]) -> list[tuple] | None:
        """Parse and extract ``raws`` in the reader process; None to let the store's thread do it."""
        if self._reader_broken:
            return None
        if self._reader is None:
            # spawn, not fork: this process has threads (the store's) by now.
            self._reader = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=exit_with_parent
            )
        try:
            return await asyncio.get_running_loop().run_in_executor(self._reader, read_messages, raws)
        except BrokenProcessPool:  # the reader died (a hostile message?): read in-process from now on
            log.warning("the reader process died; parsing in the store's thread instead")
            self._reader_broken = True
            return None
        except Exception:
            log.exception("reading a batch failed; parsing in the store's thread instead")
            return None

    def _bot_link(self, reference: str) -> str | None:
        """The t.me deep link that binds a chat to the application (runs on the store's thread)."""
        username = self.settings.telegram_bot_username or self.bot_username
        if not username:
            return None
        epoch = link_epoch(self.db, reference) or 0
        return self.links.link(username, self.links.token(reference, epoch))

    def telegram_bot(self) -> DeskBot:
        s = self.settings
        staff = StaffCommands(
            db=self.db, writer=self.writer, staff_ids=s.staff_telegram_ids, change_status=self._change_status,
            digest_now=self._digest_now, statuses=ALL_STATUSES, clock=self.clock,
        )
        return DeskBot(
            conversation=Conversation(desk_address=s.desk_address),
            db=self.db,
            writer=self.writer,
            links=self.links,
            clock=self.clock,
            staff=staff,
        )

    def _change_status(self, reference: str, status: str, *, actor: str, note: str | None) -> ChangeResult:
        """A staff decision: recorded, and the applicant told (runs on the store's thread)."""
        return change_status(
            self.db, self.pipeline.signer, reference=reference, status=status, actor=actor, note=note,
            at=self.clock().isoformat(), mail_from=self.settings.mail_from,
            replies_per_hour=self.settings.replies_per_hour,
        )

    def _digest_now(self, now: datetime) -> DigestParts:
        """/digest: the last 24 hours up to now, not recorded as the day's digest (runs on the store's thread)."""
        s = self.settings
        d = build_digest(self.db, day=now.astimezone(ZoneInfo(s.digest_timezone)).date(), timezone=s.digest_timezone,
                         now=now, period_start=now - timedelta(days=1), period_end=now, digest_time=s.digest_time)
        return digest_parts(d, png=digest_chart_png(d), csv=digest_csv(self.db))

    def sender(self):
        s = self.settings
        if s.smtp_host:
            return SmtpSender(SmtpConfig(s.smtp_host, s.smtp_port, s.smtp_user, s.smtp_password, s.smtp_security))
        return FolderSender(s.outbox_dir)

    def imap_mailbox(self) -> ImapMailbox:
        s = self.settings
        return ImapMailbox(
            ImapConfig(
                host=s.imap_host, port=s.imap_port, user=s.imap_user, password=s.imap_password,
                security=s.imap_security, folder=s.imap_folder, auth=s.imap_auth,
                oauth_token=s.oauth_token if s.imap_auth == "xoauth2" else None,
                done_keyword=s.imap_done_keyword, move_to=s.imap_move_to,
            )
        )

    async def recover(self) -> list[Outcome]:
        """After a crash: replies caught mid-send are not resent; archived mail is finished."""
        at = self.clock().isoformat()
        await self.writer.call(_in_transaction, self.db, recover_interrupted, at)
        return await self.writer.call(self.pipeline.resume)

    async def process(self, raw: bytes, *, source: str, source_key: str | None = None) -> Outcome:
        return await self.writer.call(self.pipeline.process, raw, source=source, source_key=source_key)

    async def deliver(self) -> DeliveryReport:
        return await deliver_due(self.db, self.writer, self.sender(), mail_from=self.settings.mail_from, clock=self.clock)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.shutdown(wait=True, cancel_futures=True)
        self.writer.close()
        self.db.conn.close()


def _in_transaction(db, fn, *args):
    with transaction(db):
        return fn(db, *args)


async def poll_maildir(desk: Desk, report: PollReport) -> None:
    source = MaildirSource(desk.settings.maildir)
    for key in source.pending():
        raw = source.read(key)
        report.outcomes.append(await desk.process(raw, source="maildir", source_key=f"maildir:{key}"))
        source.mark_done(key)  # only after the archive committed


async def poll_imap(desk: Desk, mailbox: ImapMailbox, report: PollReport) -> None:
    """One pass over the IMAP folder: archive, process and mark done every pending message."""
    s = desk.settings
    pending = await mailbox.pending()

    def slot(uid: int) -> str:
        return f"imap:{s.imap_folder}:{mailbox.uidvalidity}:{uid}"

    # One look-up for the whole folder, not one trip to the store's thread per message.
    archived = await desk.writer.call(archived_slots, desk.db, [slot(remote.uid) for remote in pending])
    to_fetch, done = [], []
    for remote in pending:
        if slot(remote.uid) in archived:
            done.append(remote.uid)  # archived before a crash, never flagged: just flag it
        elif remote.size > s.max_message_bytes:
            header = await mailbox.fetch_header(remote.uid)
            await desk.writer.call(_quarantine_oversized, desk, slot(remote.uid), remote.size, header)
            report.quarantined_unfetched += 1
            done.append(remote.uid)
        else:
            to_fetch.append(remote.uid)
    if done:
        await mailbox.mark_done(done)
        done = []

    fetched: asyncio.Queue = asyncio.Queue(maxsize=PREFETCH)
    read: asyncio.Queue = asyncio.Queue(maxsize=2)

    async def fetch_all():
        try:
            async for uid, raw in mailbox.fetch(to_fetch):
                await fetched.put((uid, raw))
        finally:
            await fetched.put(None)

    async def read_all():
        # Parsing and extracting a batch (in the reader process) overlaps with
        # the store's thread finishing the batch before it.
        try:
            finished = False
            while not finished:
                batch = [await fetched.get()]
                while len(batch) < PROCESS_BATCH and not fetched.empty():
                    batch.append(fetched.get_nowait())
                if batch[-1] is None:
                    finished = True
                    batch.pop()
                if batch:
                    await read.put((batch, await desk.read_messages([raw for _, raw in batch])))
        finally:
            await read.put(None)

    stages = [asyncio.create_task(fetch_all()), asyncio.create_task(read_all())]
    try:
        while (item := await read.get()) is not None:
            batch, parsed = item
            items = [(raw, slot(uid)) for uid, raw in batch]
            report.outcomes.extend(
                await desk.writer.call(desk.pipeline.process_batch, items, source="imap", read=parsed)
            )
            done.extend(uid for uid, _ in batch)  # only now committed: safe to flag
            if len(done) >= MARK_DONE_EVERY:
                await mailbox.mark_done(done)
                done = []
        await asyncio.gather(*stages)  # re-raise a fetch failure
    finally:
        for stage in stages:
            if not stage.done():
                stage.cancel()
        if done:
            await mailbox.mark_done(done)


def _quarantine_oversized(desk: Desk, source_key: str, size: int, header: bytes) -> int:
    parsed = parse_message(header)
    limit = desk.settings.max_message_bytes
    with transaction(desk.db):
        return quarantine_unfetched(
            desk.db, source="imap", source_key=source_key, size=size, header=header,
            received_at=desk.clock().isoformat(),
            reason=f"too large: {size:,} bytes, the limit is {limit:,}; not downloaded",
            from_addr=parsed.from_addr, subject=parsed.subject[:500], message_id=parsed.message_id or "",
        )


async def poll_once(desk: Desk) -> PollReport:
    """One pass over every source and the outbox."""
    _share_the_interpreter()
    report = PollReport()
    report.outcomes.extend(await desk.recover())
    if desk.settings.maildir:
        await poll_maildir(desk, report)
    if desk.settings.imap_host:
        mailbox = desk.imap_mailbox()
        await mailbox.connect()
        intake_done = asyncio.Event()
        # Replies go out while the rest of the inbox is still being read.
        sending = asyncio.create_task(_deliver_until(desk, intake_done, report))
        try:
            await poll_imap(desk, mailbox, report)
        finally:
            intake_done.set()
            await sending
            await mailbox.close()
    _add_delivery(report.delivery, await desk.deliver())
    return report


async def _deliver_until(desk: Desk, intake_done: asyncio.Event, report: PollReport) -> None:
    while not intake_done.is_set():
        delivered = await desk.deliver()
        _add_delivery(report.delivery, delivered)
        if delivered.retrying or delivered.failed:
            return  # the server is unwell: the final pass (and later polls) retry
        if not delivered.sent:
            await _sleep_unless(intake_done, 0.05)


def _add_delivery(total: DeliveryReport, more: DeliveryReport) -> None:
    total.sent += more.sent
    total.retrying += more.retrying
    total.failed += more.failed
    total.errors.extend(more.errors)


async def run(desk: Desk, stop: asyncio.Event | None = None) -> None:
    """The service: poll, wait for new mail (IDLE or a timer), deliver, until stopped."""
    stop = stop or asyncio.Event()
    _share_the_interpreter()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    await desk.recover()
    tasks = [asyncio.create_task(_outbox_loop(desk, stop))]
    if desk.settings.imap_host:
        tasks.append(asyncio.create_task(_imap_loop(desk, stop)))
    if desk.settings.maildir:
        tasks.append(asyncio.create_task(_maildir_loop(desk, stop)))
    # The bot ends itself when ``stop`` is set: cancelling it mid-shutdown would leave
    # its connections open and its last state unsaved.
    if desk.settings.staff_emails or desk.settings.staff_telegram_chats:
        tasks.append(asyncio.create_task(_digest_loop(desk, stop)))
    graceful = [asyncio.create_task(_telegram_loop(desk, stop))] if desk.settings.telegram_bot_token else []
    await stop.wait()
    log.info("stopping")
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if graceful:
        _, late = await asyncio.wait(graceful, timeout=GRACEFUL_STOP_SECONDS)
        for task in late:
            task.cancel()
        await asyncio.gather(*graceful, return_exceptions=True)


def _share_the_interpreter() -> None:
    """The store's thread does the CPU work while the event loop waits on IMAP
    and SMTP; with Python's default 5 ms GIL switch interval every network
    round trip could wait that long. A shorter interval keeps both moving."""
    sys.setswitchinterval(0.0005)


async def _imap_loop(desk: Desk, stop: asyncio.Event) -> None:
    backoff = Backoff(base=1, cap=300, factor=2)
    while not stop.is_set():
        mailbox = desk.imap_mailbox()
        try:
            await mailbox.connect()
            backoff.reset()
            while not stop.is_set():
                await poll_imap(desk, mailbox, PollReport())
                await mailbox.wait_for_new(desk.settings.poll_seconds)
        except (ImapError, OSError, asyncio.TimeoutError) as exc:
            delay = backoff.next_delay()
            log.warning("IMAP: %s; reconnecting in %.0f s", exc, delay)
            await _sleep_unless(stop, delay)
        except Exception:  # a bug must not end polling for good: log it, back off, go on
            delay = backoff.next_delay()
            log.exception("IMAP polling failed; retrying in %.0f s", delay)
            await _sleep_unless(stop, delay)
        finally:
            await mailbox.close()


async def _telegram_loop(desk: Desk, stop: asyncio.Event) -> None:
    """The bot, long polling or behind a webhook, until stopped; restarted with backoff if Telegram fails."""
    s = desk.settings
    backoff = Backoff(base=1, cap=300, factor=2)
    while not stop.is_set():
        desk_bot = desk.telegram_bot()
        application = desk_bot.build(s.telegram_bot_token, base_url=s.telegram_base_url)
        try:
            async with application:  # initialize (getMe) ... shutdown (saves the persistence)
                desk.bot_username = application.bot.username
                await desk_bot.prepare(application)
                await application.start()
                if s.telegram_webhook_url:
                    await application.updater.start_webhook(
                        listen=s.telegram_webhook_listen, port=s.telegram_webhook_port,
                        url_path=urlsplit(s.telegram_webhook_url).path.lstrip("/"),
                        webhook_url=s.telegram_webhook_url, secret_token=s.telegram_webhook_secret,
                    )
                else:
                    await application.updater.start_polling()
                log.info("Telegram bot @%s running", desk.bot_username)
                desk.telegram_application = application
                desk.telegram_ready.set()
                backoff.reset()
                await stop.wait()
                desk.telegram_ready.clear()
                desk.telegram_application = None
                await application.updater.stop()
                await application.stop()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # network down, bad token: the mail side goes on; try again later
            # A failed initialize leaves the bot's HTTP clients open (PTB's shutdown skips an
            # application that never initialized): close them here.
            await application.bot.shutdown()
            delay = backoff.next_delay()
            log.warning("Telegram bot: %s; restarting in %.0f s", " ".join(str(exc).split()), delay)
            await _sleep_unless(stop, delay)


async def _digest_loop(desk: Desk, stop: asyncio.Event) -> None:
    """Each minute: is a digest due? ``run_digest_once`` records what went where, so a restart
    neither repeats nor skips one, and a gap while the service was down becomes one catch-up digest."""
    if desk.settings.telegram_bot_token and desk.settings.staff_telegram_chats:
        # A digest built before the bot is up would reach the chats only the next day: give it a moment.
        await _sleep_unless(desk.telegram_ready, BOT_START_WAIT_SECONDS)
    while not stop.is_set():
        application = desk.telegram_application
        send = bot_sender(application.bot) if application is not None and application.running else None
        try:
            report = await run_digest_once(desk.db, desk.writer, desk.settings, now=desk.clock(), send_telegram=send)
            if report.built:
                log.info("digest built for %s", ", ".join(str(day) for day in report.built))
        except Exception:
            log.exception("the daily digest failed; trying again in a minute")
        await _sleep_unless(stop, 60)


async def _maildir_loop(desk: Desk, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await poll_maildir(desk, PollReport())
        await _sleep_unless(stop, min(desk.settings.poll_seconds, 10))


async def _outbox_loop(desk: Desk, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await desk.deliver()
        except Exception:
            log.exception("delivering the outbox failed")
        await _sleep_unless(stop, 5)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass
