"""Intake, end to end, for one message: archive -> classify -> extract -> validate
-> assess -> store -> outbox. Sending is ``kcity.delivery``.

Everything here is synchronous and runs on the store's writer thread. Two
transactions per message: the archive commits first (nothing is ever lost),
then all the rest commits together, so a crash leaves either nothing done or
everything done, and a reply is queued exactly once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

import sqlite_utils

from kcity.intake import (
    Assessment,
    KnownApplication,
    assess_message,
    reply_for,
    signed_reference,
    subject_reference,
    submission_year,
    thread_ids,
)
from mail.classify import Kind
from mail.compose import to_wire
from mail.extract import Extraction
from mail.message import ParsedMessage
from mail.parse import parse_message
from mail.tokens import MessageIdSigner
from store.applications import (
    Application,
    add_to_thread,
    create_application,
    find_by_reference,
    find_by_thread,
    update_application,
)
from store.db import transaction
from store.events import record_event
from store.messages import Archived, archive_message, finish_message, raw_message, unfinished_messages
from store.outbox import enqueue_reply, mark_bounced
from store.questions import record_question

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Outcome:
    row: int  # messages.id
    status: str  # processed, quarantined, duplicate
    classification: str | None = None
    reference: str | None = None
    application_status: str | None = None
    reply_kind: str | None = None
    reply_state: str | None = None  # pending, suppressed, duplicate
    reason: str | None = None
    sender: str = ""
    subject: str = ""


@dataclass
class Pipeline:
    db: sqlite_utils.Database
    signer: MessageIdSigner
    mail_from: str
    own_addresses: frozenset[str]
    replies_per_hour: int = 5
    timezone: str = "Asia/Seoul"
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    # True for archives and the demo: date rules use the message's Date header,
    # not the moment we read it.
    use_message_date: bool = False
    bot_link: Callable[[str], str | None] = lambda reference: None

    def process(self, raw: bytes, *, source: str, source_key: str | None = None) -> Outcome:
        """Archive ``raw``, then take it through the rest of the pipeline."""
        return self.process_batch([(raw, source_key)], source=source)[0]

    def process_batch(
        self, items: list[tuple[bytes, str | None]], *, source: str, read: list[tuple] | None = None
    ) -> list[Outcome]:
        """Archive a batch of (raw bytes, source key) in one commit, then process each.

        Batching saves a commit per message; each message still succeeds or
        fails alone (a savepoint each), and the archive commit comes first, so
        a crash leaves every message either finished or archived and 'new'
        (``resume`` finishes those). ``read`` holds each message's
        (ParsedMessage, Extraction) when they were computed elsewhere.
        """
        now = self._now()
        read = read or [(_parse_or_none(raw), None) for raw, _ in items]
        messages = [message for message, _ in read]
        with transaction(self.db):
            archived = [
                archive_message(
                    self.db,
                    raw,
                    message_id=(message.message_id or "") if message else "",
                    source=source,
                    source_key=source_key,
                    received_at=now,
                    from_addr=message.from_addr if message else "",
                    subject=message.subject[:500] if message else "",
                    sent_at=message.date.isoformat() if message and message.date else None,
                )
                for (raw, source_key), message in zip(items, messages)
            ]
        outcomes = []
        seen: set[int] = set()
        with transaction(self.db):
            for entry, (message, extraction) in zip(archived, read):
                first_time = entry.row not in seen  # the same bytes twice in one batch
                seen.add(entry.row)
                if not first_time or (not entry.new and entry.status != "new"):
                    outcomes.append(Outcome(entry.row, "duplicate", sender=message.from_addr if message else "",
                                            subject=message.subject if message else ""))
                else:
                    outcomes.append(self._process_archived(entry, message, extraction))
        return outcomes

    def resume(self) -> list[Outcome]:
        """Finish messages archived before a crash but never processed."""
        outcomes = []
        for row in unfinished_messages(self.db):
            raw = raw_message(self.db, row)
            with transaction(self.db):
                outcomes.append(self._process_archived(Archived(row, False, "new"), _parse_or_none(raw or b"")))
        return outcomes

    def _process_archived(
        self, archived: Archived, message: ParsedMessage | None, extraction: Extraction | None = None
    ) -> Outcome:
        """Process one archived message inside the caller's transaction, in a savepoint of its own."""
        self.db.execute("SAVEPOINT message")
        try:
            if message is None:
                raise ValueError("the message could not be parsed at all")
            outcome = self._route(archived.row, message, extraction)
        except Exception as exc:  # a bug or input we did not foresee: keep the message, say why
            self.db.execute("ROLLBACK TO message")
            log.exception("message %s could not be processed", archived.row)
            reason = f"processing failed: {type(exc).__name__}: {exc}"[:300]
            finish_message(
                self.db, archived.row, status="quarantined", classification=None, reason=reason,
                application_id=None, at=self._now(),
            )
            outcome = Outcome(archived.row, "quarantined", reason=reason, sender=message.from_addr if message else "",
                              subject=message.subject if message else "")
        self.db.execute("RELEASE message")
        return outcome

    def _route(self, row: int, message: ParsedMessage, extraction: Extraction | None) -> Outcome:
        now = self._now()
        submitted_at = self._submitted_at(message)
        known = self._thread_application(message, row, now)
        assessment = assess_message(
            message,
            own_addresses=self.own_addresses,
            is_own_message_id=self.signer.is_ours,
            submitted_at=submitted_at,
            follow_up_of=KnownApplication(known.reference, known.fields, known.language) if known else None,
            extraction=extraction,
        )
        kind = assessment.classification.kind
        outcome = dict(
            row=row, status="processed", classification=str(kind), reason=assessment.classification.reason,
            sender=message.from_addr, subject=message.subject,
        )
        if kind == Kind.BOUNCE:
            bounced = mark_bounced(self.db, list(assessment.classification.bounced_ids), at=now, bounce_row=row)
            finish_message(self.db, row, status="processed", classification=str(kind),
                           reason=assessment.classification.reason, application_id=None, at=now)
            return Outcome(**outcome, reply_state=f"{len(bounced)} of our replies marked bounced")

        for reply in assessment.questions:
            record_question(self.db, reply.question, channel="email", language=reply.language,
                            topic=reply.answer.topic, confidence=reply.answer.confidence, at=now)
        app = None
        if assessment.is_application:
            app = self._store_application(assessment, known, message, row, submitted_at, now)
            outcome.update(reference=app.reference, application_status=app.status)
        unread = assessment.extraction.unread if assessment.extraction else []
        if unread:  # staff see it in the application's history; the reply tells the sender
            record_event(self.db, "attachments_unread", at=now, application_id=app.id if app else None,
                         message_row=row, files=unread)
        if message.from_addr and assessment.reply_kind:
            reply_state = self._queue_reply(assessment, app, message, row, now)
            outcome.update(reply_kind=assessment.reply_kind, reply_state=reply_state)
        elif assessment.reply_suppressed:
            record_event(self.db, "reply_withheld", at=now, application_id=app.id if app else None,
                         message_row=row, reason=assessment.reply_suppressed)
            outcome.update(reply_state="withheld: " + assessment.reply_suppressed)
        finish_message(self.db, row, status="processed", classification=str(kind),
                       reason=assessment.classification.reason, application_id=app.id if app else None, at=now)
        return Outcome(**outcome)

    def _thread_application(self, message: ParsedMessage, row: int, now: str) -> Application | None:
        """The application this message follows up, if its sender may touch it."""
        reference = signed_reference(message, self.signer)  # our signed ids name it directly
        app = find_by_reference(self.db, reference) if reference else None
        app = app or find_by_thread(self.db, thread_ids(message))
        if app is None and (reference := subject_reference(message)):
            app = find_by_reference(self.db, reference)
        if app is None:
            return None
        if message.from_addr != app.sender and message.from_addr != _contact_email(app.fields):
            # Only the applicant may change an application; a stranger quoting
            # a reference gets treated as a new message of their own.
            record_event(self.db, "follow_up_refused", at=now, application_id=app.id, message_row=row,
                         sender=message.from_addr)
            return None
        return app

    def _store_application(
        self, assessment: Assessment, known: Application | None, message: ParsedMessage,
        row: int, submitted_at: datetime, now: str,
    ) -> Application:
        problems = [p.as_dict() for p in assessment.problems]
        eligibility = assessment.decision.as_dict()
        if known is not None and assessment.classification.kind == Kind.FOLLOW_UP:
            app = update_application(
                self.db, known, status=assessment.status, fields=assessment.fields, problems=problems,
                eligibility=eligibility, at=now, note=f"follow-up message {row}",
            )
        else:
            app = create_application(
                self.db, year=submission_year(submitted_at, self.timezone), status=assessment.status,
                fields=assessment.fields, problems=problems, eligibility=eligibility,
                language=assessment.language, sender=message.from_addr, at=now,
            )
        add_to_thread(self.db, app.id, message.message_id)
        return app

    def _queue_reply(
        self, assessment: Assessment, app: Application | None, message: ParsedMessage, row: int, now: str
    ) -> str:
        reference = app.reference if app else None
        reply = reply_for(assessment, reference=reference, bot_link=self.bot_link(reference) if reference else None)
        message_id = self.signer.new_message_id(reference)
        wire = to_wire(
            reply,
            sender=self.mail_from,
            to=message.from_addr,
            in_reply_to=message.message_id,
            references=message.references,
            message_id=message_id,
            reference=reference,
            date=None,
        )
        hour_ago = (datetime.fromisoformat(now) - timedelta(hours=1)).isoformat()
        outbox_id, state = enqueue_reply(
            self.db, message_id=message_id, answers_message=row, application_id=app.id if app else None,
            reference=reference, to_addr=message.from_addr, kind=reply.kind, language=reply.language,
            subject=reply.subject, body=reply.body, raw=wire, at=now, hour_ago=hour_ago,
            limit_per_hour=self.replies_per_hour,
        )
        if app and outbox_id:
            add_to_thread(self.db, app.id, message_id)
        return state

    def _submitted_at(self, message: ParsedMessage) -> datetime:
        if self.use_message_date and message.date and message.date.tzinfo:
            return message.date
        return self.clock()

    def _now(self) -> str:
        return self.clock().astimezone(timezone.utc).isoformat()


def _contact_email(fields: dict) -> str | None:
    value = (fields.get("contact") or {}).get("email")
    return value.lower() if isinstance(value, str) else None


def _parse_or_none(raw: bytes) -> ParsedMessage | None:
    try:
        return parse_message(raw)
    except Exception:  # parse_message promises not to raise; if it does, the raw bytes are still archived
        log.exception("parse_message raised")
        return None
