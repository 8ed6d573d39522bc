"""Benchmark: email intake end to end against its raw floor, measured in one run.

    .venv/bin/python bench/intake.py --messages 10000

Fills a private Dovecot with N generated messages (complete and incomplete
applications, follow-ups, auto-replies, questions), then measures:

- the raw floor: the same messages only fetched (UID FETCH in batches), and the
  same number of replies only sent (one aiosmtplib connection to aiosmtpd);
- end to end: ``kcity poll --once`` in a child process: fetch, archive,
  classify, extract, validate, assess, store, queue and send every reply.

Prints messages per second for both, their ratio, and the peak resident
memory of ``kcity poll`` and its reader process together (sampled from /proc).
Targets (2 cores): 200+ messages/s end to end, at least half the floor's rate,
peak memory under 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from servers import DovecotServer, SmtpServer  # noqa: E402  (the tests' real servers)

from mail.imap import ImapConfig, ImapMailbox  # noqa: E402
from mail.smtp import SmtpConfig, SmtpSender  # noqa: E402

COUNTRIES = ["Peru", "Viet Nam", "Colombia", "Senegal", "Indonesia", "Kenya", "Mongolia", "Türkiye"]
SECTORS = ["Transportation", "Environment", "Energy", "Water resources", "Public health", "Education"]


def _message(n: int, body: str, *, sender: str, subject: str, headers: dict | None = None,
             references: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "desk@kcity.test"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(timezone.utc))
    msg["Message-ID"] = f"<bench-{n}@example.org>"
    if references:
        msg["In-Reply-To"] = references
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return bytes(msg)


def _form(n: int, rng: random.Random, complete: bool) -> str:
    lines = [
        f"Country: {rng.choice(COUNTRIES)}",
        f"Organization: City of Example {n}",
        "Contact person: Ana Example",
        f"Project title: Smart city project number {n}",
        "Project category: Smart solution",
        f"Project summary: A project to improve urban services, number {n}, with sensors and data.",
    ]
    if complete:
        lines += [
            "Organization type: Local government",
            f"Sectors: {rng.choice(SECTORS)}, {rng.choice(SECTORS)}",
            f"Project location: District {n}",
            "Project status: New",
            "Support requested: Master plan",
            f"Requested amount: USD {rng.randint(100, 850) * 1000:,}",
        ]
    return "Dear team,\n\nOur application:\n\n" + "\n".join(lines) + "\n\nRegards\n"


def generate(count: int, seed: int = 7) -> list[bytes]:
    """A mix like a real inbox: 45% complete, 25% incomplete, 15% follow-ups, 10% auto-replies, 5% questions."""
    rng = random.Random(seed)
    messages: list[bytes] = []
    incomplete: list[tuple[str, str]] = []  # (sender, message id) awaiting a follow-up
    for n in range(count):
        sender = f"official{n}@city{n % 500}.example.org"
        roll = rng.random()
        if roll < 0.15 and incomplete:
            their_sender, their_id = incomplete.pop(0)
            body = ("Organization type: Local government\nSectors: Energy\nProject location: Centre\n"
                    "Project status: Ongoing\nSupport requested: Feasibility study\n")
            messages.append(_message(n, body, sender=their_sender, subject="Re: Application", references=their_id))
        elif roll < 0.25:
            messages.append(_message(n, "I am out of the office until Monday.", sender=sender,
                                     subject="Automatic reply: Application", headers={"Auto-Submitted": "auto-replied"}))
        elif roll < 0.30:
            messages.append(_message(n, "Hello, can our city apply to the program? How?", sender=sender,
                                     subject=f"Question {n}"))
        elif roll < 0.55:
            messages.append(_message(n, _form(n, rng, complete=False), sender=sender, subject=f"Application {n}"))
            incomplete.append((sender, f"<bench-{n}@example.org>"))
        else:
            messages.append(_message(n, _form(n, rng, complete=True), sender=sender, subject=f"Application {n}"))
    return messages


async def raw_floor(imap: dict, smtp_port: int, replies: int) -> tuple[float, float, int]:
    """Seconds to only fetch every pending message, and to only send ``replies`` replies."""
    mailbox = ImapMailbox(ImapConfig(security="none", **imap))
    await mailbox.connect()
    began = time.perf_counter()
    uids = [m.uid for m in await mailbox.pending()]
    fetched = 0
    async for _uid, _raw in mailbox.fetch(uids):
        fetched += 1
    fetch_seconds = time.perf_counter() - began
    await mailbox.close()

    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = "desk@kcity.test", "a@example.org", "Re: Application [KCN-2026-0001]"
    reply.set_content("Thank you for your application.\n" * 30)
    reply_bytes = bytes(reply)
    began = time.perf_counter()
    async with SmtpSender(SmtpConfig("127.0.0.1", smtp_port, None, None, "none")) as sender:
        for _ in range(replies):
            await sender.send_raw(reply_bytes, "desk@kcity.test", ["a@example.org"])
    send_seconds = time.perf_counter() - began
    return fetch_seconds, send_seconds, fetched


def raw_floor_in_child(dovecot: DovecotServer, smtp: SmtpServer, replies: int) -> tuple[float, float, int]:
    """The floor runs in a child process, like ``kcity poll``, so both compete
    with the SMTP server (in this process) on equal terms."""
    imap = dict(host=dovecot.host, port=dovecot.port, user=dovecot.user, password=dovecot.password)
    code = (f"import asyncio, json, sys; sys.argv = ['']; from bench_intake import raw_floor; "
            f"print(json.dumps(asyncio.run(raw_floor({imap!r}, {smtp.port}, {replies}))))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "bench"), str(REPO / "tests"), str(REPO)])}
    done = subprocess.run([sys.executable, "-c", code.replace("bench_intake", "intake")],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"raw floor failed: {done.stderr.strip()[-500:]}")
    return tuple(json.loads(done.stdout.strip().splitlines()[-1]))


def end_to_end(dovecot: DovecotServer, smtp: SmtpServer, workdir: Path) -> tuple[float, float, str]:
    env = dict(os.environ)
    env.update({
        "KCITY_DB": str(workdir / "bench.db"), "KCITY_SECRET": "bench-secret", "MAIL_FROM": "desk@kcity.test",
        "IMAP_HOST": dovecot.host, "IMAP_PORT": str(dovecot.port), "IMAP_USER": dovecot.user,
        "IMAP_PASSWORD": dovecot.password, "IMAP_SECURITY": "none",
        "SMTP_HOST": smtp.host, "SMTP_PORT": str(smtp.port), "SMTP_SECURITY": "none",
        "REPLIES_PER_HOUR": "1000000",
    })
    began = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "kcity", "--env-file", "/dev/null", "poll", "--once"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=workdir)
    peak = 0
    while child.poll() is None:  # the process and its reader process together
        peak = max(peak, _tree_rss(child.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - began
    stdout, stderr = child.communicate()
    if child.returncode != 0:
        raise SystemExit(f"kcity poll failed: {stderr.strip()}")
    return seconds, peak / 1024, stdout.strip()


def _tree_rss(pid: int) -> int:
    """Resident memory (KB) of a process and all its descendants, from /proc."""
    total = 0
    try:
        total += next(int(line.split()[1]) for line in open(f"/proc/{pid}/status") if line.startswith("VmRSS:"))
        for task in os.listdir(f"/proc/{pid}/task"):
            for child in open(f"/proc/{pid}/task/{task}/children").read().split():
                total += _tree_rss(int(child))
    except (OSError, StopIteration, ValueError):
        pass  # it ended while we looked
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kcity-bench-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)  # Dovecot's unprivileged processes must reach its files
        (root / "dovecot").mkdir()
        dovecot = DovecotServer(root / "dovecot")
        dovecot.start()
        smtp = SmtpServer()
        smtp.start()
        try:
            messages = generate(args.messages)
            for start in range(0, len(messages), 1000):
                dovecot.append_many(messages[start:start + 1000])
            print(f"{len(messages):,} messages in Dovecot ({sum(map(len, messages)) / 1e6:.1f} MB)")

            # Replies the pipeline will send: everything but auto-replies.
            expected_replies = sum(1 for m in messages if b"Auto-Submitted" not in m)
            fetch_s, send_s, fetched = raw_floor_in_child(dovecot, smtp, expected_replies)
            smtp.handler.received.clear()
            floor_s = fetch_s + send_s
            print(f"raw floor: fetch {fetched:,} in {fetch_s:.2f} s + send {expected_replies:,} in {send_s:.2f} s"
                  f" = {floor_s:.2f} s, {len(messages) / floor_s:,.0f} messages/s")

            seconds, peak_mb, summary = end_to_end(dovecot, smtp, root)
            rate = len(messages) / seconds
            print(f"end to end: {seconds:.2f} s, {rate:,.0f} messages/s"
                  f" ({rate / (len(messages) / floor_s):.0%} of the raw floor),"
                  f" peak memory {peak_mb:.0f} MB (kcity and its reader process together)")
            print(f"  kcity poll --once: {summary}")
            print(f"  replies received by the SMTP server: {len(smtp.received):,} (expected {expected_replies:,})")
        finally:
            smtp.stop()
            dovecot.stop()


if __name__ == "__main__":
    main()
