"""The review workflow: the statuses staff set after intake, each change in the audit trail.

Intake sets the first four statuses from what the applicant sent; staff move an
application on through the review statuses (or, by hand, back to an intake
one). Every change is a ``status_changed`` event naming who, when and why, the
same event intake records, so the bot's pushes and the history see them all.
"""

from __future__ import annotations

import sqlite_utils

from store.applications import Application, find_by_reference, update_application
from store.db import transaction

INTAKE_STATUSES = ("incomplete", "complete", "ineligible", "needs_review")
REVIEW_STATUSES = ("under_review", "selected", "not_selected", "withdrawn")
ALL_STATUSES = INTAKE_STATUSES + REVIEW_STATUSES


def set_status(
    db: sqlite_utils.Database,
    reference: str,
    status: str,
    *,
    actor: str,
    note: str | None = None,
    at: str,
) -> Application:
    """Set application ``reference``'s status; return the application as it now is.

    LookupError: no such application. ValueError: not a status (the message
    lists the allowed ones). Setting the status it already has changes nothing
    and records nothing. Otherwise the application's ``updated_at`` moves and
    ``status_changed`` (old, new, actor, note) is recorded, in one transaction.
    """
    status = (status or "").strip().lower()
    if status not in ALL_STATUSES:
        raise ValueError(f"unknown status {status!r}; expected one of {', '.join(ALL_STATUSES)}")
    note = " ".join(note.split()) if note and note.strip() else None
    with transaction(db):
        app = find_by_reference(db, reference.strip())
        if app is None:
            raise LookupError(f"no application {reference.strip()}")
        if app.status == status:
            return app
        return update_application(
            db, app, status=status, fields=app.fields, problems=app.problems, eligibility=app.eligibility,
            at=at, actor=actor, note=note,
        )
