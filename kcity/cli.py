"""The ``kcity`` command: thin entry points over the desk.

Each command reads settings, calls into ``kcity.service`` / ``kcity.intake``,
and turns our errors into one clear line (never a traceback).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from kcity.config import SettingsError, load_settings
from store.db import StoreError

# Errors a user can act on; anything else is a bug and keeps its traceback.
USER_ERRORS = (SettingsError, StoreError, OSError)


class DeskGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            raise click.ClickException(_one_line(exc)) from None
        except Exception as exc:
            from mail.imap import ImapError
            from mail.smtp import SmtpError

            if isinstance(exc, (ImapError, SmtpError)):
                raise click.ClickException(_one_line(exc)) from None
            raise


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


@click.group(cls=DeskGroup)
@click.option("--env-file", default=".env", show_default=True, help="Settings file read under the environment.")
@click.option("-v", "--verbose", is_flag=True, help="Log what the service does.")
@click.pass_context
def main(ctx: click.Context, env_file: str, verbose: bool) -> None:
    """K-City Application Desk: read applications by email, check them, store them, answer them."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # httpx logs every request's URL at INFO, and the Bot API's URLs hold the bot's token.
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    ctx.obj = {"env_file": env_file}


def _settings(ctx: click.Context):
    return load_settings(env_file=ctx.obj["env_file"])


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the service: poll the inbox, process, reply; stop with Ctrl-C or SIGTERM."""
    from kcity.service import Desk, run as run_service

    settings = _settings(ctx)
    if not settings.telegram_bot_token:  # with a bot, the desk can run for Telegram alone
        settings.require_source()
    if settings.imap_host or settings.maildir or settings.staff_emails:
        settings.require_sink()
    desk = Desk(settings)
    try:
        asyncio.run(run_service(desk))
    finally:
        desk.close()


@main.command()
@click.option("--once", is_flag=True, required=True, help="One pass over the inbox and the outbox, then exit.")
@click.pass_context
def poll(ctx: click.Context, once: bool) -> None:
    """One pass over every mail source and the outbox (for cron and tests)."""
    from kcity.service import Desk, poll_once

    settings = _settings(ctx)
    settings.require_source()
    settings.require_sink()
    desk = Desk(settings)
    try:
        report = asyncio.run(poll_once(desk))
    finally:
        desk.close()
    counts: dict[str, int] = {}
    for outcome in report.outcomes:
        counts[outcome.classification or outcome.status] = counts.get(outcome.classification or outcome.status, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no new mail"
    click.echo(
        f"{len(report.outcomes)} messages ({summary}); {report.quarantined_unfetched} too large;"
        f" replies: {report.delivery.sent} sent, {report.delivery.retrying} to retry, {report.delivery.failed} failed"
    )


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file per line.")
@click.pass_context
def check(ctx: click.Context, files: tuple[Path, ...], as_json: bool) -> None:
    """Show what the desk would do with each .eml FILE, without storing or sending anything."""
    from kcity.checking import check_file, render_check

    settings = _settings(ctx)
    failed = False
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            click.echo(f"kcity check: {path}: {exc.strerror or exc}", err=True)
            failed = True
            continue
        result = check_file(raw, str(path), settings)
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False, default=str))
        else:
            render_check(result)
    if failed:
        sys.exit(1)


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--message-dates/--arrival-dates", default=True, show_default=True,
              help="Judge deadlines by each message's Date header (archives) or by now.")
@click.pass_context
def ingest(ctx: click.Context, path: Path, message_dates: bool) -> None:
    """Take a Maildir, an mbox or a folder of .eml files through the whole pipeline."""
    from kcity.ingesting import ingest_path

    settings = _settings(ctx)
    ingest_path(settings, path, use_message_date=message_dates)


@main.command()
@click.option("--dir", "workdir", type=click.Path(path_type=Path), default=None,
              help="Where to put the demo's mailbox, database and outbox (default: a new temporary folder).")
def demo(workdir: Path | None) -> None:
    """Zero configuration: sample applications through the real pipeline, shown as a table."""
    from kcity.demo import run_demo

    run_demo(workdir)


def _today(value: str | None) -> datetime:
    """Now, or noon in Seoul on the day given (to see what the desk says on another day)."""
    if value is None:
        return datetime.now(timezone.utc)
    try:
        return datetime.combine(date.fromisoformat(value), time(12), ZoneInfo("Asia/Seoul"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2020-03-20", param_hint="--today") from None


_TODAY_HELP = "Answer as on this day (YYYY-MM-DD), not today."


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True,
              help="answer, language, citations, confidence, topic (and eligibility when a case is named) as JSON.")
@click.option("--lang", type=click.Choice(["en", "ko", "es", "fr"]), default=None,
              help="Answer in this language (default: the question's).")
@click.option("--today", default=None, metavar="DATE", help=_TODAY_HELP)
def ask(question: str, as_json: bool, lang: str | None, today: str | None) -> None:
    """Answer a QUESTION about the program from the call for applications."""
    from rules.ask import ask as ask_desk

    reply = ask_desk(question, now=_today(today), lang=lang)
    if as_json:
        click.echo(json.dumps(reply.as_dict(), ensure_ascii=False))
        return
    click.echo(reply.text)
    for citation in reply.answer.citations:
        click.echo(f"  The call: \u201c{citation}\u201d")


@main.command()
@click.option("--lang", type=click.Choice(["en", "ko", "es", "fr"]), default=None, help="Start in this language.")
@click.option("--today", default=None, metavar="DATE", help=_TODAY_HELP)
@click.pass_context
def chat(ctx: click.Context, lang: str | None, today: str | None) -> None:
    """Talk to the desk as the Telegram bot would: the guided check, free questions, languages."""
    from kcity.chatting import run_chat
    from rules.conversation import Conversation
    from store.db import open_store
    from store.questions import record_question

    settings = _settings(ctx)
    db = open_store(settings.db_path)
    day = _today(today) if today else None

    def record(reply) -> None:
        record_question(db, reply.question, channel="chat", language=reply.language, topic=reply.answer.topic,
                        confidence=reply.answer.confidence, at=datetime.now(timezone.utc).isoformat())

    def read() -> str | None:
        try:
            return input("> ")
        except EOFError:
            return None

    run_chat(
        Conversation(desk_address=settings.desk_address),
        read=read,
        write=click.echo,
        now=lambda: day or datetime.now(timezone.utc),
        record=record,
        language_code=lang,
    )


@main.command("revoke-links")
@click.argument("reference")
@click.pass_context
def revoke_links_command(ctx: click.Context, reference: str) -> None:
    """Withdraw every Telegram link sent for application REFERENCE and unbind its chats."""
    from store.db import open_store
    from store.telegram import revoke_links

    settings = _settings(ctx)
    db = open_store(settings.db_path)
    try:
        epoch = revoke_links(db, reference.strip().upper(), at=datetime.now(timezone.utc).isoformat(), actor="cli")
    except LookupError:
        raise click.ClickException(f"no application {reference}") from None
    click.echo(f"{reference}: earlier Telegram links no longer work (link generation {epoch}).")


@main.command("digest")
@click.option("--date", "day", default=None, metavar="YYYY-MM-DD",
              help="The digest day (default: today in the digest's time zone, DIGEST_TIMEZONE).")
@click.option("--send", is_flag=True,
              help="Send it: email to STAFF_EMAILS through the outbox, Telegram to STAFF_TELEGRAM_CHATS; "
                   "recipients who had it already are skipped.")
@click.pass_context
def digest_command(ctx: click.Context, day: str | None, send: bool) -> None:
    """Print the staff digest for a day, or send it (--send)."""
    from kcity.digest import build_digest, digest_text, scheduled_instant
    from store.db import open_store

    settings = _settings(ctx)
    now = datetime.now(timezone.utc)
    zone = ZoneInfo(settings.digest_timezone)
    try:
        the_day = date.fromisoformat(day) if day else now.astimezone(zone).date()
    except ValueError:
        raise click.BadParameter(f"{day!r} is not a date like 2020-03-20", param_hint="--date") from None
    if not send:
        db = open_store(settings.db_path)
        try:
            d = build_digest(db, day=the_day, timezone=settings.digest_timezone, now=now,
                             digest_time=settings.digest_time)
        finally:
            db.conn.close()
        click.echo(digest_text(d), nl=False)
        return
    due_at = scheduled_instant(the_day, settings.digest_time, settings.digest_timezone)
    if due_at > now:
        raise click.ClickException(
            f"the digest for {the_day} is due at {due_at:%Y-%m-%d %H:%M} {due_at.tzname()}: sent now, it would "
            f"leave out what comes before then (send --date {the_day - timedelta(days=1)}, or let the service send it)")
    asyncio.run(_send_digest(settings, the_day, now))


async def _send_digest(settings, the_day: date, now: datetime) -> None:
    from kcity.delivery import deliver_due
    from kcity.digest_schedule import bot_sender, deliver_digest
    from kcity.service import Desk

    if not settings.staff_emails and not settings.staff_telegram_chats:
        raise click.ClickException("no recipients: set STAFF_EMAILS and/or STAFF_TELEGRAM_CHATS")
    desk = Desk(settings)
    try:
        bot = None
        if settings.telegram_bot_token and settings.staff_telegram_chats:
            from telegram import Bot

            bot = Bot(settings.telegram_bot_token, base_url=settings.telegram_base_url,
                      base_file_url=settings.telegram_base_url.replace("/bot", "/file/bot"))
            await bot.initialize()
        try:
            report = await deliver_digest(desk.db, desk.writer, settings, the_day, now=now,
                                          send_telegram=bot_sender(bot) if bot else None, retry_now=True)
        finally:
            if bot is not None:
                await bot.shutdown()
        start, end = report.periods[the_day]
        zone = ZoneInfo(settings.digest_timezone)
        click.echo(f"Digest for {the_day}: {start.astimezone(zone):%Y-%m-%d %H:%M} to "
                   f"{end.astimezone(zone):%Y-%m-%d %H:%M} ({settings.digest_timezone}).")
        if settings.staff_emails:
            click.echo("Email queued for: " + (", ".join(report.emails_queued) or "nobody new (all had it)"))
            if report.emails_queued:
                if settings.smtp_host or settings.outbox_dir:
                    sent = await deliver_due(desk.db, desk.writer, desk.sender(), mail_from=settings.mail_from)
                    click.echo(f"Outbox: {sent.sent} sent, {sent.retrying} to retry, {sent.failed} failed"
                               + (f" ({sent.errors[0]})" if sent.errors else ""))
                else:
                    click.echo("Outbox: no SMTP_HOST or OUTBOX_DIR, so the emails wait in the outbox.")
        if settings.staff_telegram_chats:
            if bot is None:
                click.echo("Telegram: no TELEGRAM_BOT_TOKEN configured, so the staff chats were not sent to.")
            else:
                click.echo("Telegram sent to: " + (", ".join(map(str, report.telegram_sent)) or "nobody new"))
                for chat, error in report.telegram_failed.items():
                    click.echo(f"Telegram failed for {chat}: {error}")
    finally:
        desk.close()


@main.command("export-messages")
@click.argument("folder", type=click.Path(path_type=Path))
@click.pass_context
def export_messages(ctx: click.Context, folder: Path) -> None:
    """Write every archived message's raw bytes to FOLDER as .eml files."""
    from store.db import open_store
    from store.export import export_raw_messages

    settings = _settings(ctx)
    db = open_store(settings.db_path)
    count = export_raw_messages(db, folder)
    click.echo(f"{count} messages written to {folder}")



def _actor() -> str:
    """Who ran a command that changes something, for the audit trail."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name to be had (some containers)
        return "cli"


@main.command("status")
@click.argument("reference")
@click.argument("status")
@click.option("--note", default=None, metavar="TEXT", help="Why, for the audit trail (never sent to the applicant).")
@click.pass_context
def status_command(ctx: click.Context, reference: str, status: str, note: str | None) -> None:
    """Set application REFERENCE's STATUS; the applicant is emailed of review decisions.

    STATUS: under_review, selected, not_selected, withdrawn (the applicant is emailed, in
    their language, on their thread, through the outbox), or an intake status set by hand:
    incomplete, complete, ineligible, needs_review (not emailed). Bound Telegram chats are
    told of every change by the bot.
    """
    from kcity.review import change_status
    from mail.tokens import MessageIdSigner
    from store.db import open_store

    settings = _settings(ctx)
    db = open_store(settings.db_path)
    try:
        result = change_status(
            db, MessageIdSigner(settings.secret, settings.mail_domain), reference=reference, status=status,
            actor=_actor(), note=note, at=datetime.now(timezone.utc).isoformat(), mail_from=settings.mail_from,
            replies_per_hour=settings.replies_per_hour,
        )
    except LookupError:
        raise click.ClickException(f"no application {reference.strip()}") from None
    except ValueError as exc:
        raise click.ClickException(_one_line(exc)) from None
    click.echo(result.summary)


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), required=True,
              help="csv: a spreadsheet per table; json: an array of objects per table.")
@click.option("--out", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("kcity-export"),
              show_default=True, help="Folder to write into (created if needed; files in it are replaced).")
@click.pass_context
def export_command(ctx: click.Context, fmt: str, folder: Path) -> None:
    """Export the whole store: applications, messages, replies, events, questions.

    One file per table in --out: applications.<fmt>, messages.<fmt> (metadata: no raw
    bytes; `kcity export-messages` writes those), replies.<fmt> (the outbox: subject and
    text, no MIME), events.<fmt> (the audit trail), questions.<fmt>.

    JSON: each file is an array of objects; fields, problems, eligibility and an
    event's detail are nested JSON. CSV: UTF-8 with a header row; an application's
    fields get a column each (applicant.country, ...), lists joined with ", "; text
    a spreadsheet would run as a formula (starting with = + - @, tab or CR) is
    prefixed with a ' so it stays text.
    """
    from store.db import open_store
    from store.export import export_store

    settings = _settings(ctx)
    db = open_store(settings.db_path)
    counts = export_store(db, folder, fmt)
    click.echo(f"{len(counts)} files written to {folder}: " + ", ".join(f"{n} {t}" for t, n in counts.items()))


@main.command("reindex")
@click.pass_context
def reindex_command(ctx: click.Context) -> None:
    """Rebuild the full-text index staff search with /find (for applications stored before it existed)."""
    from store.db import open_store
    from store.search import reindex_all

    settings = _settings(ctx)
    db = open_store(settings.db_path)
    count = reindex_all(db)
    click.echo(f"{count} applications indexed.")


if __name__ == "__main__":
    main()
