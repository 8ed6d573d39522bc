"""The ``kcity`` command: thin entry points over the desk.

Each command reads settings, calls into ``kcity.service`` / ``kcity.intake``,
and turns our errors into one clear line (never a traceback).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from datetime import date, datetime, time, timezone
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
    ctx.obj = {"env_file": env_file}


def _settings(ctx: click.Context):
    return load_settings(env_file=ctx.obj["env_file"])


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the service: poll the inbox, process, reply; stop with Ctrl-C or SIGTERM."""
    from kcity.service import Desk, run as run_service

    settings = _settings(ctx)
    settings.require_source()
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


if __name__ == "__main__":
    main()
