"""``kcity demo``: the shipped sample emails through the real pipeline, zero configuration.

The samples go into a fresh Maildir; the desk polls it into a fresh SQLite file
and "sends" its replies into an outbox folder. Then a bounce of one of those
replies arrives, as a mail server would send it, and is matched to it.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from email.utils import parseaddr
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.table import Table

from kcity.config import load_settings
from kcity.service import Desk, poll_once

DEMO_ADDRESS = "K-City Network Desk <desk@kcity-demo.local>"


def _samples() -> list[tuple[str, bytes]]:
    folder = resources.files("kcity") / "demo"
    return sorted((f.name, f.read_bytes()) for f in folder.iterdir() if f.name.endswith(".eml"))


def _bounce_template() -> str:
    return (resources.files("kcity") / "demo" / "bounce.template").read_text()


def _deliver_to_maildir(maildir: Path, name: str, raw: bytes) -> None:
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    (maildir / "new" / name).write_bytes(raw)


def run_demo(workdir: Path | None = None, console: Console | None = None) -> list[dict]:
    console = console or Console()
    workdir = Path(workdir or tempfile.mkdtemp(prefix="kcity-demo-"))
    if workdir.exists() and any(workdir.iterdir()):
        shutil.rmtree(workdir)  # a fresh run every time
    workdir.mkdir(parents=True, exist_ok=True)
    maildir, outbox = workdir / "inbox", workdir / "outbox"
    settings = load_settings(
        {
            "KCITY_DB": str(workdir / "kcity.db"),
            "MAILDIR": str(maildir),
            "OUTBOX_DIR": str(outbox),
            "MAIL_FROM": DEMO_ADDRESS,
        },
        env_file=None,
    )
    samples = _samples()
    for number, (name, raw) in enumerate(samples, 1):
        _deliver_to_maildir(maildir, f"{number:04d}.{name}", raw)

    desk = Desk(settings, use_message_date=True)
    try:
        first = asyncio.run(poll_once(desk))
        names = [name for name, _ in samples]
        bounce = _bounce_for_first_reply(desk)
        if bounce:
            _deliver_to_maildir(maildir, f"{len(samples) + 1:04d}.bounce.eml", bounce)
            names.append("bounce (of our reply to 01)")
        second = asyncio.run(poll_once(desk))
        outcomes = first.outcomes + second.outcomes
        rows = [_row(desk, name, outcome) for name, outcome in zip(names, outcomes)]
    finally:
        desk.close()

    table = Table(title="K-City Application Desk: demo", title_justify="left")
    for column in ("sample", "from", "classified as", "reference", "status", "reply"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["sample"], row["from"], row["classification"], row["reference"] or "",
                      row["status"] or "", row["reply"])
    console.print(table)
    console.print(f"Database: {settings.db_path}")
    console.print(f"Replies:  {outbox}/ (one .eml per reply)")
    console.print(f"Look inside: sqlite3 {settings.db_path} 'select reference, status from applications'")
    return rows


def _bounce_for_first_reply(desk: Desk) -> bytes | None:
    row = desk.db.execute("SELECT message_id, subject FROM outbox WHERE state = 'sent' ORDER BY id LIMIT 1").fetchone()
    if not row:
        return None
    text = (
        _bounce_template()
        .replace("{{MESSAGE_ID}}", row[0])
        .replace("{{SUBJECT}}", "Re: K-City Network")
        .replace("{{FROM}}", parseaddr(DEMO_ADDRESS)[1])
    )
    return text.replace("\n", "\r\n").encode()


def _row(desk: Desk, name: str, outcome) -> dict:
    reply = desk.db.execute(
        "SELECT kind, language, state FROM outbox WHERE answers_message = ?", [outcome.row]
    ).fetchone()
    bounced = desk.db.execute(
        "SELECT COUNT(*) FROM events WHERE kind = 'reply_bounced' AND message_row = ?", [outcome.row]
    ).fetchone()[0]
    if reply:
        reply_text = f"{reply[0]} ({reply[1]}), {reply[2]}"
    elif bounced:
        reply_text = f"none; marked {bounced} reply as bounced"
    else:
        reply_text = "none"
    return {
        "sample": name,
        "from": outcome.sender,
        "classification": outcome.classification or outcome.status,
        "reference": outcome.reference,
        "status": outcome.application_status,  # as this message left it
        "reply": reply_text,
    }
