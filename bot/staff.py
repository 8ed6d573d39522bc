"""Staff commands on Telegram: /digest, /apps, /app, /find, /setstatus, /unanswered.

Only Telegram user ids on the staff list may use them. To anyone else they
do not exist: the answer is the one for any unknown command, and the attempt
is logged and kept in the audit trail. What the commands change or build
(a status decision, the digest) comes in as callables from the composition
root, so this module only translates between Telegram and the store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils
from telegram import InputFile, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.render import escape, split_text
from rules import form
from store import staff as records
from store.events import record_event
from store.questions import unanswered_questions
from store.writer import Writer

__all__ = ["STAFF_COMMANDS", "DigestParts", "StaffCommands", "send_digest"]

log = logging.getLogger(__name__)

STAFF_COMMANDS = {
    "digest": "The digest of the last 24 hours, now",
    "apps": "Recent applications: /apps [status]",
    "app": "One application: /app REF",
    "find": "Search applications: /find TEXT",
    "setstatus": "Decide: /setstatus REF STATUS [note]",
    "unanswered": "Questions the desk could not answer",
}
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass(frozen=True)
class DigestParts:
    """A digest as Telegram gets it: HTML pieces under 4,096 characters, a chart, a CSV."""

    day: str
    pieces: list[str]
    png: bytes
    csv: bytes


async def send_digest(bot, chat_id: int, parts: DigestParts) -> None:
    """The digest to one chat: the message, then the chart, then the CSV of all applications."""
    for piece in parts.pieces:
        await bot.send_message(chat_id, piece, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW)
    await bot.send_photo(chat_id, InputFile(parts.png, filename=f"applications-{parts.day}.png"),
                         caption=f"Applications per day, by status ({parts.day})")
    await bot.send_document(chat_id, InputFile(parts.csv, filename=f"applications-{parts.day}.csv"),
                            caption="Every application (CSV)")


class StaffCommands:
    def __init__(
        self,
        *,
        db: sqlite_utils.Database,
        writer: Writer,
        staff_ids: Iterable[int],
        change_status: Callable[..., object],  # (reference, status, *, actor, note) -> object with .summary
        digest_now: Callable[[datetime], DigestParts],
        statuses: tuple[str, ...],
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.db = db
        self.writer = writer
        self.staff_ids = frozenset(staff_ids)
        self.change_status = change_status
        self.digest_now = digest_now
        self.statuses = statuses
        self.clock = clock

    def install(self, application: Application) -> None:
        """Staff handlers; added before the public catch-all for commands, so non-staff fall through to it."""
        only_staff = filters.User(user_id=self.staff_ids) if self.staff_ids else filters.User(user_id=[])
        only_staff = filters.UpdateType.MESSAGE & only_staff  # an edited "/setstatus" must not run twice
        for name, handler in (("digest", self.on_digest), ("apps", self.on_apps), ("app", self.on_app),
                              ("find", self.on_find), ("setstatus", self.on_setstatus),
                              ("unanswered", self.on_unanswered)):
            application.add_handler(CommandHandler(name, handler, filters=only_staff))

    def is_staff(self, user_id: int | None) -> bool:
        return user_id in self.staff_ids

    async def refused(self, update: Update, name: str) -> None:
        """Log a non-staff attempt at a staff command (the public handler answers it as unknown)."""
        user = update.effective_user
        log.warning("user %s tried the staff command /%s", user.id if user else None, name)
        await self.writer.call(record_event, self.db, "staff_command_refused", at=self._now(),
                               actor=f"telegram:{user.id if user else '?'}", command=name)

    # Commands ------------------------------------------------------------------------

    async def on_digest(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        parts = await self.writer.call(self.digest_now, self.clock())
        await send_digest(context.bot, update.effective_chat.id, parts)

    async def on_apps(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        status = context.args[0].lower() if context.args else None
        if status and status not in self.statuses:
            await self._reply(update, context, f"Unknown status {status}. Statuses: {', '.join(self.statuses)}.")
            return
        rows = await self.writer.call(records.recent_applications, self.db, status=status)
        counts = await self.writer.call(records.count_by_status, self.db)
        await self._reply(update, context, apps_text(rows, counts, status))

    async def on_app(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not context.args:
            await self._reply(update, context, "Usage: /app REF, for example /app KCN-2020-0001")
            return
        record = await self.writer.call(records.application_record, self.db, context.args[0])
        text = app_text(record) if record else f"No application {context.args[0]}."
        await self._reply(update, context, text)

    async def on_find(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        from store.search import find_applications

        text = " ".join(context.args or [])
        if not text.strip():
            await self._reply(update, context, "Usage: /find TEXT (a name, a word of the title, a reference)")
            return
        rows = await self.writer.call(find_applications, self.db, text)
        await self._reply(update, context, found_text(text, rows))

    async def on_setstatus(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        args = context.args or []
        if len(args) < 2:
            await self._reply(update, context, f"Usage: /setstatus REF STATUS [note]. Statuses: "
                                               f"{', '.join(self.statuses)}.")
            return
        reference, status, note = args[0], args[1].lower(), " ".join(args[2:]) or None
        actor = f"telegram:{update.effective_user.id}"
        try:
            result = await self.writer.call(self.change_status, reference, status, actor=actor, note=note)
        except LookupError:
            await self._reply(update, context, f"No application {reference}.")
            return
        except ValueError as exc:
            await self._reply(update, context, str(exc))
            return
        await self._reply(update, context, getattr(result, "summary", str(result)))

    async def on_unanswered(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        rows = await self.writer.call(unanswered_questions, self.db, limit=30)
        await self._reply(update, context, unanswered_text(rows))

    async def _reply(self, update: Update, context, text: str) -> None:
        for piece in split_text(text):
            await context.bot.send_message(update.effective_chat.id, escape(piece), parse_mode=ParseMode.HTML,
                                           link_preview_options=_NO_PREVIEW)

    def _now(self) -> str:
        return self.clock().isoformat()


# What the commands show: plain text (escaped when sent) -------------------------------------


def apps_text(rows: list[dict], counts: dict[str, int], status: str | None) -> str:
    totals = ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "none yet"
    head = f"Applications{f' ({status})' if status else ''}: {len(rows)} most recent shown. All: {totals}."
    return "\n".join([head, *(_line(row) for row in rows)])


def found_text(query: str, rows: list[dict]) -> str:
    if not rows:
        return f"Nothing found for \u201c{query}\u201d."
    return "\n".join([f"{len(rows)} found for \u201c{query}\u201d:", *(_line(row) for row in rows)])


def app_text(app: dict) -> str:
    lines = [f"{app['reference']}: {app['status']} (language {app['language']}, from {app['sender']})",
             f"Created {app['created_at'][:16]}, changed {app['updated_at'][:16]}; {app['messages']} messages."]
    lines.append("Fields:")
    for code, value in form.flatten(app["fields"]).items():
        if value not in (None, "", []):
            shown = ", ".join(map(str, value)) if isinstance(value, list) else value
            if isinstance(value, dict):
                shown = value.get("krw") and f"KRW {value['krw']:,}" or str(value)
            lines.append(f"  {code}: {shown}")
    missing = [p["field"] for p in app["problems"]]
    lines.append(f"Missing or invalid: {', '.join(missing) if missing else 'nothing'}.")
    eligibility = app["eligibility"]
    reasons = ", ".join(r["code"] for r in eligibility.get("reasons", [])) or "none"
    lines.append(f"Eligibility: {eligibility.get('status', '?')} (reasons: {reasons}).")
    lines.append("History:")
    for event in app["events"]:
        detail = event["detail"]
        what = event["kind"]
        if what == "status_changed":
            what += f" {detail.get('old')} → {detail.get('new')}" + (f" ({detail['note']})" if detail.get("note") else "")
        elif what == "attachments_unread":
            what += ": " + ", ".join(map(str, detail.get("files", [])))
        lines.append(f"  {event['at'][:16]} {what} by {event['actor']}")
    return "\n".join(lines)


def unanswered_text(rows: list[dict]) -> str:
    if not rows:
        return "No unanswered questions."
    return "\n".join(["Questions the desk could not answer, most asked first:",
                      *(f"{row['times']}× {row['question']} ({row['channels']})" for row in rows)])


def _line(row: dict) -> str:
    parts = [row["reference"], row["status"], row.get("country") or "?", row.get("organization") or "?"]
    title = row.get("title")
    return "• " + " · ".join(parts) + (f" · {title}" if title else "")
