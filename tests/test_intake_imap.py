"""Intake end to end with real servers: Dovecot in, the pipeline, aiosmtpd out."""

from __future__ import annotations

import asyncio
import email
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from email import policy
from pathlib import Path

import pytest
from helpers import (
    COMPLETE_FORM_EN,
    FOLLOW_UP_FORM_EN,
    INCOMPLETE_FORM_EN,
    email_bytes,
    shared_dir,
)

from kcity.config import load_settings
from kcity.service import Desk, poll_once, run

CORPORA = shared_dir() / "corpora"
NOW = datetime.now(timezone.utc)


def desk_env(tmp_path, imap, smtp, **extra) -> dict[str, str]:
    env = {
        "KCITY_DB": str(tmp_path / "k.db"),
        "KCITY_SECRET": "test-secret",
        "MAIL_FROM": "K-City Network <desk@kcity.test>",
        "IMAP_HOST": imap.host,
        "IMAP_PORT": str(imap.port),
        "IMAP_USER": imap.user,
        "IMAP_PASSWORD": imap.password,
        "IMAP_SECURITY": "none",
        "SMTP_HOST": smtp.host,
        "SMTP_PORT": str(smtp.port),
        "SMTP_SECURITY": "none",
        "IMAP_POLL_SECONDS": "1",
    }
    env.update(extra)
    return env


def make_desk(tmp_path, imap, smtp, clock=None, **extra) -> Desk:
    settings = load_settings(desk_env(tmp_path, imap, smtp, **extra), env_file=None)
    return Desk(settings, **({"clock": clock} if clock else {}))


def received(smtp) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(m.data, policy=policy.default) for m in smtp.received]


def test_poll_once_reads_stores_flags_and_replies(tmp_path, imap_server, smtp_server):
    imap_server.append(email_bytes(COMPLETE_FORM_EN, sender="a@city.example", date=NOW))
    imap_server.append(email_bytes(INCOMPLETE_FORM_EN, sender="b@city.example", date=NOW))
    imap_server.append(email_bytes("Out of office.", sender="c@city.example", headers={"Auto-Submitted": "auto-replied"}))
    imap_server.append(email_bytes("How do we apply?", sender="d@city.example", subject="Question"))
    desk = make_desk(tmp_path, imap_server, smtp_server)
    try:
        report = asyncio.run(poll_once(desk))
    finally:
        desk.close()
    assert sorted(o.classification for o in report.outcomes) == ["application", "application", "auto_reply", "inquiry"]
    replies = {m["To"]: m for m in received(smtp_server)}
    assert set(replies) == {"a@city.example", "b@city.example", "d@city.example"}
    assert "[KCN-" in replies["a@city.example"]["Subject"]
    assert "Organization type:" in replies["b@city.example"].get_content()
    assert all({"\\Seen", "$KCityArchived"} <= flags for flags in imap_server.flags().values())

    again = make_desk(tmp_path, imap_server, smtp_server)
    try:
        second = asyncio.run(poll_once(again))
    finally:
        again.close()
    assert second.outcomes == [] and len(smtp_server.received) == 3


def test_follow_up_in_the_thread_of_our_emailed_reply(tmp_path, imap_server, smtp_server):
    imap_server.append(email_bytes(INCOMPLETE_FORM_EN, message_id="<first@cusco.gob.pe>", date=NOW))
    desk = make_desk(tmp_path, imap_server, smtp_server)
    try:
        asyncio.run(poll_once(desk))
        [ask] = received(smtp_server)
        follow = email_bytes(FOLLOW_UP_FORM_EN, subject=str(ask["Subject"]), date=NOW,
                             in_reply_to=ask["Message-ID"], references=f"<first@cusco.gob.pe> {ask['Message-ID']}")
        imap_server.append(follow)
        report = asyncio.run(poll_once(desk))
    finally:
        desk.close()
    [outcome] = report.outcomes
    assert outcome.classification == "follow_up"
    assert outcome.application_status in ("complete", "needs_review")
    ack = received(smtp_server)[-1]
    assert ack["In-Reply-To"] == "<" + follow.split(b"Message-ID: <")[1].split(b">")[0].decode() + ">"
    assert outcome.reference in ack["Subject"]


def test_oversized_mail_is_quarantined_without_downloading(tmp_path, imap_server, smtp_server):
    big = email_bytes(COMPLETE_FORM_EN + "x" * 50_000, sender="big@city.example")
    imap_server.append(big)
    desk = make_desk(tmp_path, imap_server, smtp_server, MAX_MESSAGE_BYTES="20000")
    try:
        report = asyncio.run(poll_once(desk))
        row = next(desk.db.query("SELECT status, reason, size, raw, from_addr FROM messages"))
    finally:
        desk.close()
    assert report.quarantined_unfetched == 1
    assert row["status"] == "quarantined" and "too large" in row["reason"]
    assert row["size"] >= 50_000 and len(row["raw"]) < 2_000  # the headers only
    assert row["from_addr"] == "big@city.example"
    assert smtp_server.received == []
    assert all("$KCityArchived" in flags for flags in imap_server.flags().values())


def test_processed_mail_can_be_moved_to_a_folder(tmp_path, imap_server, smtp_server):
    imap_server.append(email_bytes(COMPLETE_FORM_EN, date=NOW))
    desk = make_desk(tmp_path, imap_server, smtp_server, IMAP_MOVE_TO="Processed")
    try:
        asyncio.run(poll_once(desk))
    finally:
        desk.close()
    assert imap_server.messages("INBOX") == {}
    assert len(imap_server.messages("Processed")) == 1


CHARSET_FORMS = {
    "iso-2022-jp": ("Organization: 東京都庁", "Japan"),
    "euc-kr": ("Organization: 서울특별시", "Viet Nam"),
    "gb18030": ("Organization: 北京市人民政府", "Mongolia"),
    "windows-1252": ("Organization: Municipalité de Québec", "Canada"),
    "windows-1251": ("Organization: Мэрия города Бишкек", "Kyrgyzstan"),
    "utf-8": ("Organization: Alcaldía de Bogotá", "Colombia"),
}


@pytest.mark.parametrize("charset", sorted(CHARSET_FORMS))
def test_every_charset_is_read(tmp_path, imap_server, smtp_server, charset):
    organization, country = CHARSET_FORMS[charset]
    form = COMPLETE_FORM_EN.replace("Organization: Municipality of Cusco", organization).replace("Peru", country)
    raw = email_bytes(form, charset=charset, date=NOW)
    imap_server.append(raw)
    desk = make_desk(tmp_path, imap_server, smtp_server)
    try:
        [outcome] = asyncio.run(poll_once(desk)).outcomes
        stored = next(desk.db.query("SELECT fields FROM applications"))["fields"]
    finally:
        desk.close()
    assert outcome.classification == "application"
    assert organization.split(": ")[1] in stored


def test_undeclared_utf8_and_html_only_mail(tmp_path, imap_server, smtp_server):
    plain = (b"From: a@city.example\r\nTo: desk@kcity.test\r\nSubject: App\r\nMessage-ID: <u8@x>\r\n\r\n"
             + COMPLETE_FORM_EN.replace("Municipality of Cusco", "Municipalidad de Cusco – Perú").encode("utf-8"))
    html = ("<html><body>" + "".join(f"<p><b>{line.split(':')[0]}:</b>{line.split(':', 1)[1]}</p>"
                                     for line in COMPLETE_FORM_EN.strip().splitlines()) + "</body></html>")
    html_only = (b"From: h@city.example\r\nTo: desk@kcity.test\r\nSubject: App\r\nMessage-ID: <h@x>\r\n"
                 b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html.encode())
    imap_server.append(plain)
    imap_server.append(html_only)
    desk = make_desk(tmp_path, imap_server, smtp_server)
    try:
        outcomes = asyncio.run(poll_once(desk)).outcomes
        stored = list(desk.db.query("SELECT fields, problems FROM applications ORDER BY id"))
    finally:
        desk.close()
    assert [o.classification for o in outcomes] == ["application", "application"]
    assert [row["problems"] for row in stored] == ["[]", "[]"]  # every field read from both
    assert "Municipalidad de Cusco – Perú" in stored[0]["fields"]


def corpus_files() -> list[Path]:
    if not CORPORA.is_dir():
        pytest.fail(f"the shared corpora are missing: {CORPORA}")
    return sorted(p for p in CORPORA.rglob("*") if p.is_file() and not p.name.startswith("README"))


def test_shared_corpora_never_stall_the_poller(tmp_path, imap_server, smtp_server):
    files = corpus_files()
    for start in range(0, len(files), 50):
        imap_server.append_many([f.read_bytes() or b"\r\n" for f in files[start:start + 50]])
    # Dovecot stores some files with normalised line ends, which makes a few identical.
    distinct = set(imap_server.messages().values())
    desk = make_desk(tmp_path, imap_server, smtp_server)
    try:
        report = asyncio.run(poll_once(desk))
        statuses = [r[0] for r in desk.db.execute("SELECT status FROM messages")]
        bounce_replies = desk.db.execute(
            "SELECT COUNT(*) FROM outbox o JOIN messages m ON o.answers_message = m.id"
            " WHERE m.classification IN ('bounce', 'auto_reply', 'loop')"
        ).fetchone()[0]
        applications = desk.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
    finally:
        desk.close()
    assert len(report.outcomes) == len(files)
    assert len(statuses) == len(distinct)
    assert sum(o.status == "duplicate" for o in report.outcomes) == len(files) - len(distinct)
    assert set(statuses) <= {"processed", "quarantined"}
    assert bounce_replies == 0
    assert applications == 0  # none of them is an application
    bounce_outcomes = [o for o in report.outcomes if "/bounce/" in o.subject or o.classification == "bounce"]
    assert bounce_outcomes, "the corpus bounces were recognised"
    assert all(flags for flags in imap_server.flags().values())  # nothing left pending on the server


def test_killed_mid_batch_loses_nothing_and_never_replies_twice(tmp_path, imap_server, smtp_server):
    count = 400
    imap_server.append_many([
        email_bytes(COMPLETE_FORM_EN.replace("Cusco Smart", f"Plan {n}"), sender=f"a{n}@city.example",
                    message_id=f"<kill-{n}@city.example>", date=NOW)
        for n in range(count)
    ])
    env = {**os.environ, **desk_env(tmp_path, imap_server, smtp_server), "REPLIES_PER_HOUR": "1000"}
    command = [sys.executable, "-m", "kcity", "--env-file", "/dev/null", "poll", "--once"]
    child = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    archived = 0
    while time.monotonic() < deadline and archived < 40:
        time.sleep(0.02)
        try:
            with sqlite3.connect(tmp_path / "k.db", timeout=5) as db:
                archived = db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
        except sqlite3.OperationalError:
            pass  # not created yet
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert 40 <= archived < count, "the kill came mid-batch"

    finished = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    with sqlite3.connect(tmp_path / "k.db") as db:
        messages = db.execute("SELECT COUNT(*), COUNT(DISTINCT message_id) FROM messages").fetchone()
        states = dict(db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
    assert messages == (count, count)  # every message archived, once
    recipients = [m.rcpt_tos[0] for m in smtp_server.received]
    assert len(recipients) == len(set(recipients))  # nobody got the same reply twice
    # A reply caught mid-send may be lost ('unknown'), never doubled.
    assert len(recipients) == states.get("sent", 0) >= count - states.get("unknown", 0) - 1
    assert all({"\\Seen", "$KCityArchived"} <= flags for flags in imap_server.flags().values())


def test_dovecot_restarted_mid_run(tmp_path, imap_server, smtp_server):
    desk = make_desk(tmp_path, imap_server, smtp_server)

    async def scenario():
        stop = asyncio.Event()
        service = asyncio.create_task(run(desk, stop))
        try:
            imap_server.append(email_bytes(COMPLETE_FORM_EN, sender="before@city.example", date=NOW))
            await _until(lambda: len(smtp_server.received) == 1, 20)
            await asyncio.to_thread(imap_server.restart)
            imap_server.append(email_bytes(COMPLETE_FORM_EN, sender="after@city.example", date=NOW))
            await _until(lambda: len(smtp_server.received) == 2, 30)
        finally:
            stop.set()
            await service

    try:
        asyncio.run(scenario())
    finally:
        desk.close()
    assert sorted(m.rcpt_tos[0] for m in smtp_server.received) == ["after@city.example", "before@city.example"]


def test_smtp_down_then_back(tmp_path, imap_server, smtp_server):
    clock = FakeClock(NOW)
    imap_server.append(email_bytes(COMPLETE_FORM_EN, date=NOW))
    desk = make_desk(tmp_path, imap_server, smtp_server, clock=clock)
    try:
        smtp_server.stop()
        report = asyncio.run(poll_once(desk))
        assert report.delivery.retrying == 1 and report.delivery.sent == 0
        smtp_server.start()
        assert asyncio.run(desk.deliver()).sent == 0  # not due yet: it waits for its backoff
        clock.advance(timedelta(hours=2))
        assert asyncio.run(desk.deliver()).sent == 1
        assert asyncio.run(desk.deliver()).sent == 0
    finally:
        desk.close()
    assert len(smtp_server.received) == 1


class FakeClock:
    """A clock the test moves by hand: backoff waits without sleeping."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


async def _until(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("how", ["file", "command"])
def test_xoauth2_login_with_the_token_from_a_file_or_a_command(tmp_path, imap_server, smtp_server, how):
    token_file = tmp_path / "token"
    token_file.write_text(imap_server.oauth_token + "\n")
    source = ({"IMAP_OAUTH_TOKEN_FILE": str(token_file)} if how == "file"
              else {"IMAP_OAUTH_TOKEN_COMMAND": f"cat {token_file}"})
    imap_server.append(email_bytes(COMPLETE_FORM_EN, date=NOW))
    desk = make_desk(tmp_path, imap_server, smtp_server, IMAP_AUTH="xoauth2", IMAP_PASSWORD="", **source)
    try:
        [outcome] = asyncio.run(poll_once(desk)).outcomes
    finally:
        desk.close()
    assert outcome.classification == "application"
    assert len(smtp_server.received) == 1


def test_a_dead_reader_process_does_not_stop_intake(tmp_path, imap_server, smtp_server):
    desk = make_desk(tmp_path, imap_server, smtp_server)
    try:
        assert asyncio.run(desk.read_messages([email_bytes(COMPLETE_FORM_EN)]))[0][1].labels_found >= 10
        for process in list(desk._reader._processes.values()):  # the stdlib pool's own workers
            process.kill()
            process.join()
        imap_server.append(email_bytes(COMPLETE_FORM_EN, date=NOW))
        [outcome] = asyncio.run(poll_once(desk)).outcomes
    finally:
        desk.close()
    assert outcome.classification == "application"
    assert len(smtp_server.received) == 1
