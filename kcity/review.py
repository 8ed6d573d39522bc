"""A review decision, end to end: the status changes, and the applicant hears of it.

``change_status`` is what ``kcity status`` and the bot's /setstatus call. In one
transaction it sets the status (``store.review.set_status``: the audit trail
gets who, when and why) and, when the applicant should know, queues an email in
their language on their application's thread; the service's outbox loop sends
it. The bot tells bound Telegram chats by itself: it pushes every
``status_changed`` event.

Which changes email the applicant: the review statuses (under review, selected,
not selected, withdrawn). An intake status set by hand (incomplete, complete,
ineligible, needs_review) sends nothing: intake's own emails for those carry
the missing fields or the reasons, which a hand-set status has not got, and a
bare "your application is now ineligible" would do more harm than none; staff
write to the applicant themselves when they undo a decision that way. The
staff note is internal: it is in the audit trail, never in the email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from mail.compose import compose_status_update, to_wire
from mail.tokens import MessageIdSigner
from store.applications import Application, add_to_thread, find_by_reference
from store.db import transaction
from store.outbox import enqueue_reply
from store.review import REVIEW_STATUSES, set_status

# Statuses whose setting emails the applicant.
NOTIFIED_STATUSES = REVIEW_STATUSES
# References header: the thread's first message and its latest ones, not an ever-growing list.
_REFERENCES_KEPT = 10


@dataclass(frozen=True)
class ChangeResult:
    application: Application  # as it is now
    changed: bool  # False: it already had that status, nothing was done
    reply_state: str | None  # the email: pending, suppressed (hourly cap) or duplicate; None: no email
    old_status: str | None = None

    @property
    def summary(self) -> str:
        """One line for staff (``kcity status``, the bot's /setstatus)."""
        app = self.application
        if not self.changed:
            return f"{app.reference}: already {app.status}; nothing changed, no email."
        email = {
            None: "applicant not emailed (intake status)",
            "pending": f"applicant emailed at {app.sender} (queued)",
            "suppressed": f"email to {app.sender} held back by the hourly reply limit",
            "duplicate": "applicant already emailed of this change",
        }.get(self.reply_state, f"email {self.reply_state}")
        return f"{app.reference}: {self.old_status} \u2192 {app.status}; {email}."


def change_status(
    db: sqlite_utils.Database,
    signer: MessageIdSigner,
    *,
    reference: str,
    status: str,
    actor: str,
    note: str | None = None,
    at: str,
    mail_from: str,
    replies_per_hour: int,
) -> ChangeResult:
    """Set application ``reference``'s status and tell the applicant if they should know.

    LookupError: no such application; ValueError: not a status (the message
    lists the allowed ones). Setting the status it already has does nothing
    and sends nothing. Each change that emails queues exactly one email: the
    outbox's dedup key includes the change's own event, so the same change is
    never queued twice, and a change back and forth is a new email each time.
    """
    with transaction(db):
        before = find_by_reference(db, reference.strip())
        app = set_status(db, reference, status, actor=actor, note=note, at=at)  # raises for unknowns
        old = before.status if before else None
        if old == app.status:
            return ChangeResult(app, False, None, old)
        if app.status not in NOTIFIED_STATUSES:
            return ChangeResult(app, True, None, old)
        return ChangeResult(app, True, _queue_status_email(db, signer, app, at, mail_from, replies_per_hour), old)


def _queue_status_email(
    db: sqlite_utils.Database, signer: MessageIdSigner, app: Application, at: str, mail_from: str,
    replies_per_hour: int,
) -> str:
    event_id = db.execute(
        "SELECT MAX(id) FROM events WHERE application_id = ? AND kind = 'status_changed'", [app.id]
    ).fetchone()[0]
    first_subject = db.execute(
        "SELECT subject FROM messages WHERE application_id = ? ORDER BY id LIMIT 1", [app.id]
    ).fetchone()
    reply = compose_status_update(
        app.status, language=app.language, reference=app.reference, fields=app.fields,
        original_subject=first_subject[0] if first_subject else "",
    )
    thread = [row[0] for row in db.execute(
        "SELECT message_id FROM thread_ids WHERE application_id = ? ORDER BY rowid", [app.id]
    )]
    references = list(dict.fromkeys(thread[:1] + thread[-_REFERENCES_KEPT:]))
    message_id = signer.new_message_id(app.reference)
    wire = to_wire(
        reply, sender=mail_from, to=app.sender, in_reply_to=thread[-1] if thread else None,
        references=references, message_id=message_id, reference=app.reference, date=None,
    )
    hour_ago = (datetime.fromisoformat(at) - timedelta(hours=1)).isoformat()
    outbox_id, state = enqueue_reply(
        db, message_id=message_id, answers_message=None, application_id=app.id, reference=app.reference,
        dedup=f"status_changed:{event_id}",  # this very change is told once; a later change back is news
        to_addr=app.sender, kind=reply.kind, language=reply.language, subject=reply.subject, body=reply.body,
        raw=wire, at=at, hour_ago=hour_ago, limit_per_hour=replies_per_hour,
    )
    if outbox_id:
        add_to_thread(db, app.id, message_id)
    return state
