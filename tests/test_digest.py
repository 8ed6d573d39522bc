"""The staff's daily digest: its content for a seeded store, its formats, and exactly-once delivery."""

from __future__ import annotations

import csv
import email
import io
import re
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from email import policy

import pytest
from click.testing import CliRunner
from telegram.error import Forbidden

from kcity.cli import main
from kcity.config import load_settings
from kcity.delivery import deliver_due
from kcity.digest import (
    build_digest,
    digest_chart_png,
    digest_csv,
    digest_html,
    digest_period,
    digest_text,
    telegram_html_pieces,
)
from kcity.digest_email import digest_email_bytes
from kcity.digest_schedule import (
    bot_sender, deliver_digest, delivered, due_days, record_delivery, run_digest_once,
)
from mail.smtp import SmtpConfig, SmtpSender
from store.applications import create_application, update_application
from store.db import open_store, transaction
from store.events import record_event
from store.messages import archive_message, finish_message, quarantine_unfetched
from store.outbox import enqueue_reply, mark_bounced, mark_failed_attempt
from store.questions import record_question
from store.writer import Writer

UTC = timezone.utc
DAY = date(2020, 3, 10)  # the round is open; it closes on 20 March (Seoul)
# 09:00 in Seoul is midnight UTC: the digest of 10 March covers 9 March 00:00 UTC to 10 March 00:00 UTC.
START = datetime(2020, 3, 9, 0, 0, tzinfo=UTC)
END = datetime(2020, 3, 10, 0, 0, tzinfo=UTC)


def at(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def fields(country="PE", organization="Municipality of Cusco", title="Smart Mobility", category="smart_solution",
           sectors=("transportation", "environment")) -> dict:
    return {
        "applicant": {"country": country, "organization": organization},
        "project": {"title": title, "category": category, "sectors": list(sectors)},
    }


def new_app(db, status, when, **kw):
    return create_application(db, year=2020, status=status, fields=fields(**kw), problems=[], eligibility={},
                              language="en", sender="city@example.org", at=at(when))


def queue_reply(db, n, when):
    return enqueue_reply(
        db, message_id=f"<r{n}@kcity.test>", answers_message=None, application_id=None, reference=None,
        to_addr=f"gone{n}@example.org", kind="acknowledgement", language="en", subject=f"Re: {n}",
        body=f"body {n}", raw=b"raw", at=at(when), hour_ago=at(when - timedelta(hours=1)), limit_per_hour=100,
    )[0]


def seed(db):
    """One of everything, inside the period, and some of it just outside."""
    inside = START + timedelta(hours=3)
    with transaction(db):
        # Before the period: one incomplete for 40 days, one for 10 days, one completed inside the period.
        new_app(db, "incomplete", END - timedelta(days=40), organization="Old Town", country="KE",
                category="urban_development", sectors=())
        new_app(db, "incomplete", END - timedelta(days=10), organization="Ten Days", country="VN")
        later = new_app(db, "incomplete", START - timedelta(days=2), organization="Later Complete", country="PE")
        update_application(db, later, status="complete", fields=later.fields, problems=[], eligibility={},
                           at=at(inside))
        # Inside: new ones of every status, with hostile names.
        new_app(db, "complete", inside, organization="<script>alert(1)</script>", title="Smith & Sons <b>Plan</b>")
        new_app(db, "needs_review", inside + timedelta(hours=1), organization="Review City", country="CO",
                sectors=("energy",))
        new_app(db, "ineligible", inside + timedelta(hours=2), organization="Nope Town", country="SN")
        follow = new_app(db, "incomplete", inside + timedelta(hours=3), organization="Follow Town", country="ID")
        # After the period: not in this digest.
        new_app(db, "complete", END + timedelta(minutes=5), organization="Tomorrow City")

        row = archive_message(db, b"follow-up", message_id="<f1@city>", source="imap", source_key=None,
                              received_at=at(inside + timedelta(hours=4)), from_addr="city@example.org",
                              subject="Re: our application")
        finish_message(db, row.row, status="processed", classification="follow_up", reason="continues",
                       application_id=follow.id, at=at(inside + timedelta(hours=4)))
        record_event(db, "attachments_unread", at=at(inside + timedelta(hours=4)), application_id=follow.id,
                     message_row=row.row, files=["사업계획서.hwp", "<b>scan</b>.pdf"])
        record_event(db, "attachments_unread", at=at(END + timedelta(hours=1)), files=["tomorrow.doc"])

        quarantine_unfetched(db, source="imap", source_key="imap:INBOX:1:7", size=31_000_000, header=b"",
                             received_at=at(inside), reason="too large: 31000000 bytes", from_addr="big@x.org",
                             subject="Huge attachment")
        broken = archive_message(db, b"\x00garbage", message_id="", source="imap", source_key=None,
                                 received_at=at(inside), from_addr="odd@x.org")
        finish_message(db, broken.row, status="quarantined", classification=None,
                       reason="processing failed: ValueError: boom", application_id=None, at=at(inside))

        r1 = queue_reply(db, 1, inside)
        queue_reply(db, 2, inside)
        mark_bounced(db, ["<r1@kcity.test>"], at=at(inside + timedelta(hours=1)), bounce_row=row.row)
        mark_failed_attempt(db, r1 + 1, error="550 no such user", permanent=True, at=at(inside + timedelta(hours=2)),
                            retry_at=at(inside))

        for text in ("Can a consortium apply?",) * 3 + ("What about visas?", "  can a CONSORTIUM apply?"):
            record_question(db, text, channel="telegram", language="en", topic=None, confidence=0.1, at=at(inside))
        record_question(db, "When is the deadline?", channel="email", language="en", topic="deadline",
                        confidence=0.9, at=at(inside))
        record_question(db, "Old question", channel="chat", language="en", topic=None, confidence=0.1,
                        at=at(START - timedelta(days=1)))


@pytest.fixture
def db(tmp_path):
    store = open_store(tmp_path / "kcity.db")
    yield store
    store.conn.close()


def build(db, day=DAY, **kw):
    return build_digest(db, day=day, timezone="Asia/Seoul", now=END + timedelta(minutes=1), **kw)


# --- Content -----------------------------------------------------------------------


def test_every_section_of_a_seeded_store(db):
    seed(db)
    d = build(db)
    assert (d.period_start, d.period_end) == (START, END)
    assert d.new_total == 4
    assert [a["organization"] for a in d.new_applications] == [
        "<script>alert(1)</script>", "Review City", "Nope Town", "Follow Town"]
    first = d.new_applications[0]
    assert first["reference"].startswith("KCN-2020-") and first["country"] == "Peru"
    assert first["title"] == "Smith & Sons <b>Plan</b>" and first["status"] == "complete"
    # Completed: created complete, or changed to complete, in the period.
    assert d.completed == 2
    assert d.reached["needs_review"] == 1 and d.reached["ineligible"] == 1
    assert [a["organization"] for a in d.needs_review] == ["Review City"]
    assert [a["organization"] for a in d.ineligible] == ["Nope Town"]
    # Still incomplete, and for how long (at the period's end).
    assert d.incomplete_total == 3
    assert dict(d.incomplete_ages) == {"under 7 days": 1, "7 to 13 days": 1, "14 to 29 days": 0,
                                       "30 days or more": 1}
    assert [(a["organization"], a["days"]) for a in d.incomplete_oldest] == [
        ("Old Town", 40), ("Ten Days", 10), ("Follow Town", 0)]
    assert d.follow_up_total == 1 and d.follow_ups[0]["from_addr"] == "city@example.org"
    assert d.follow_ups[0]["reference"] is not None
    assert d.reply_counts == {"bounced": 1, "failed": 1}
    assert sorted((r["event"], r["to_addr"]) for r in d.reply_problems) == [
        ("reply_bounced", "gone1@example.org"), ("reply_failed", "gone2@example.org")]
    assert d.quarantined_total == 2
    assert sorted(q["reason"] for q in d.quarantined) == [
        "processing failed: ValueError: boom", "too large: 31000000 bytes"]
    # Attachments the desk could not read: staff may open them themselves.
    assert d.unread_total == 1
    [unread] = d.unread
    assert unread["files"] == ["사업계획서.hwp", "<b>scan</b>.pdf"] and unread["from_addr"] == "city@example.org"
    assert unread["reference"] == next(a["reference"] for a in d.new_applications if a["organization"] == "Follow Town")
    assert d.call["state"] == "open" and d.call["days_left"] == 10 and d.call["closes"] == "2020-03-20"
    # Totals: every application created before the period's end (not "Tomorrow City").
    assert d.total_applications == 7
    assert d.status_totals == {"complete": 2, "incomplete": 3, "ineligible": 1, "needs_review": 1}
    assert dict(d.by_country) == {"Peru": 2, "Kenya": 1, "Vietnam": 1, "Colombia": 1, "Senegal": 1,
                                  "Indonesia": 1}
    assert sum(n for _, n in d.by_category) == 7
    sectors = dict(d.by_sector)
    assert sectors["transportation"] == 5 and sectors["energy"] == 1 and sectors["(not given)"] == 1
    # Unanswered questions of the period, most often asked first, same wording case-folded.
    assert [(q["question"], q["times"]) for q in d.unanswered] == [
        ("can a consortium apply?", 4), ("what about visas?", 1)]
    # The chart: every day from the round's opening to the digest day, new ones on 9 March.
    assert d.chart[0][0] == date(2020, 1, 31) and d.chart[-1][0] == DAY
    by_day = {day: dict(counts) for day, counts in d.chart}
    assert sum(by_day[date(2020, 3, 9)].values()) == 4


def test_text_names_every_section(db):
    seed(db)
    text = digest_text(build(db))
    for heading in ("Period: 2020-03-09 09:00 to 2020-03-10 09:00 KST (Asia/Seoul)", "New applications (4)",
                    "Needing review (1)", "Ineligible (1)", "Still incomplete (3)", "Follow-ups received (1)",
                    "Replies bounced or failed (1 bounced, 1 failed)", "Messages quarantined (2)",
                    "Attachments the desk could not read (1;", "사업계획서.hwp, <b>scan</b>.pdf from city@example.org",
                    "By country", "By category", "By sector", "Questions the desk could not answer",
                    "open, 10 days left (closes 2020-03-20)", "too large: 31000000 bytes", "Old Town"):
        assert heading in text, heading


def test_an_empty_store_reads_none(db):
    d = build(db)
    assert d.new_total == 0 and d.new_applications == ()
    assert "New applications (0)\n--------------------\n  None." in digest_text(d)
    assert telegram_html_pieces(d) and digest_chart_png(d).startswith(b"\x89PNG")


# --- Escaping and Telegram ------------------------------------------------------------

TELEGRAM_TAG = re.compile(r"</?([a-z]+)>")


def visible(piece: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", piece))


def test_hostile_names_are_escaped_in_html_and_telegram(db):
    seed(db)
    d = build(db)
    page = digest_html(d, chart_cid="chart@kcity")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Smith &amp; Sons &lt;b&gt;Plan&lt;/b&gt;" in page
    assert '<img src="cid:chart@kcity"' in page
    pieces = telegram_html_pieces(d)
    joined = "\n".join(pieces)
    assert "<script>" not in joined and "&lt;script&gt;" in joined and "Smith &amp; Sons" in joined
    assert set(TELEGRAM_TAG.findall(joined)) <= {"b", "i", "code"}
    assert "<script>alert(1)</script>" in visible(joined)
    assert "&lt;b&gt;scan&lt;/b&gt;.pdf" in joined and "&lt;b&gt;scan&lt;/b&gt;.pdf" in page


def test_telegram_pieces_stay_under_the_limit_for_a_big_day(db):
    long_name = "Municipalité de Très-Longue-Ville 한국어 " * 4
    with transaction(db):
        for n in range(500):
            new_app(db, "incomplete", START + timedelta(seconds=60 * n), organization=f"{long_name}{n} & <x>",
                    title=f"Project {n} " + "ä" * 60)
    d = build(db)
    assert d.new_total == 500
    pieces = telegram_html_pieces(d, concise=False)
    assert len(pieces) > 5
    for piece in pieces:
        assert len(visible(piece).encode("utf-16-le")) // 2 < 4096
        # Cut between lines: every tag opened in a piece is closed in it.
        for tag in ("b", "i", "code"):
            assert piece.count(f"<{tag}>") == piece.count(f"</{tag}>")
    text = "\n".join(visible(p) for p in pieces)
    assert all(a["reference"] in text for a in d.new_applications)
    # The concise version (the default, what the bot sends): 20 listed, the rest counted.
    concise = telegram_html_pieces(d)
    assert len(concise) < len(pieces)
    assert all(len(visible(p).encode("utf-16-le")) // 2 < 4096 for p in concise)
    assert "... and 480 more (see the CSV)." in "\n".join(visible(p) for p in concise)


# --- CSV and chart ---------------------------------------------------------------------


def test_csv_holds_every_application_and_defuses_formulas(db):
    seed(db)
    with transaction(db):
        for n, title in enumerate(("=SUM(A1:A9)", "+1", "-2", "@cmd", "\tTab", "\rReturn", "Plain")):
            new_app(db, "complete", START, organization=f"Org {n}", title=title)
    rows = list(csv.reader(io.StringIO(digest_csv(db).decode("utf-8-sig"), newline="")))
    assert rows[0] == ["reference", "status", "country", "organization", "title", "category", "sectors",
                       "created_at", "updated_at"]
    assert len(rows) == 1 + 8 + 7
    titles = [r[4] for r in rows[-7:]]
    assert titles == ["'=SUM(A1:A9)", "'+1", "'-2", "'@cmd", "'\tTab", "'\rReturn", "Plain"]
    hostile = next(r for r in rows if r[3] == "<script>alert(1)</script>")
    assert hostile[2] == "Peru" and hostile[6] == "transportation, environment"


def test_chart_is_a_png(db):
    seed(db)
    png = digest_chart_png(build(db))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


# --- Schedule: exactly once, catch-up ----------------------------------------------------


def settings_for(tmp_path, **extra):
    env = {"KCITY_DB": str(tmp_path / "kcity.db"), "STAFF_EMAILS": "ana@staff.example,bo@staff.example",
           "STAFF_TELEGRAM_CHATS": "101,102,103", "MAIL_FROM": "K-City Desk <desk@kcity.test>",
           "KCITY_SECRET": "test secret for the digest"}
    env.update(extra)
    return load_settings(env, env_file=None)


@contextmanager
def store_and_writer(settings):
    """The store at ``settings.db_path`` and a Writer for it, both closed when the block ends (a second
    block on the same settings is a restart)."""
    db = open_store(settings.db_path)
    writer = Writer()
    try:
        yield db, writer
    finally:
        writer.close()
        db.conn.close()


class FakeTelegram:
    """Stands in for the bot (another module's job): records what it was given, fails for chosen chats."""

    def __init__(self, failing=(), refusing=()):
        self.failing = set(failing)
        self.refusing = set(refusing)  # chats that blocked the bot: PTB raises Forbidden for Telegram's 403
        self.sent: list[tuple[int, date]] = []
        self.tried: list[int] = []

    async def __call__(self, chat_id, d, png, csv_bytes):
        assert png.startswith(b"\x89PNG") and csv_bytes.startswith(b"\xef\xbb\xbfreference")
        self.tried.append(chat_id)
        if chat_id in self.failing:
            raise RuntimeError(f"chat {chat_id} is unreachable")
        if chat_id in self.refusing:
            raise Forbidden("Forbidden: bot was blocked by the user")
        self.sent.append((chat_id, d.day))


def outbox_rows(db):
    return db.execute("SELECT to_addr, kind, state FROM outbox WHERE kind = 'digest' ORDER BY to_addr").fetchall()


async def test_exactly_once_across_runs_and_a_restart(tmp_path):
    settings = settings_for(tmp_path)
    with store_and_writer(settings) as (db, writer):
        seed(db)
        telegram = FakeTelegram()
        before = await run_digest_once(db, writer, settings, now=END - timedelta(minutes=1), send_telegram=telegram)
        # 08:59 in Seoul: the digest of 9 March is the one due (the first ever: 24 hours).
        assert before.days == [DAY - timedelta(days=1)]
        first = await run_digest_once(db, writer, settings, now=END + timedelta(minutes=1), send_telegram=telegram)
        assert first.days == [DAY] and first.built == [DAY]
        assert first.periods[DAY] == (START, END)
        assert sorted(first.emails_queued) == ["ana@staff.example", "bo@staff.example"]
        assert sorted(first.telegram_sent) == [101, 102, 103]
        again = await run_digest_once(db, writer, settings, now=END + timedelta(minutes=2), send_telegram=telegram)
        assert again.days == [] and again.emails_queued == [] and again.telegram_sent == []
    # A restart: a new connection, a new writer, later the same day.
    with store_and_writer(settings) as (db, writer):
        after = await run_digest_once(db, writer, settings, now=END + timedelta(hours=5), send_telegram=telegram)
        assert after.days == [] and after.emails_queued == [] and after.telegram_sent == []
        assert [day for _, day in telegram.sent].count(DAY) == 3
        assert [r[0] for r in outbox_rows(db)] == ["ana@staff.example"] * 2 + ["bo@staff.example"] * 2  # 2 days
        assert all(delivered(db, DAY, "telegram", chat) for chat in (101, 102, 103))
        assert delivered(db, DAY, "email", "ana@staff.example")
        # The next day's digest starts where this one ended.
        nxt = await run_digest_once(db, writer, settings, now=END + timedelta(days=1, minutes=1),
                                    send_telegram=telegram)
        assert nxt.periods[DAY + timedelta(days=1)] == (END, END + timedelta(days=1))


async def test_catch_up_after_downtime_is_one_digest_covering_the_gap(tmp_path):
    settings = settings_for(tmp_path)
    with store_and_writer(settings) as (db, writer):
        telegram = FakeTelegram()
        three_days_ago = END - timedelta(days=3)
        first = await run_digest_once(db, writer, settings, now=three_days_ago + timedelta(minutes=1),
                                      send_telegram=telegram)
        assert first.days == [DAY - timedelta(days=3)]
        # Down for three days; meanwhile applications arrived on each of them.
        with transaction(db):
            for n in range(3):
                new_app(db, "complete", three_days_ago + timedelta(days=n, hours=2), organization=f"Gap {n}")
        now = END + timedelta(hours=2)  # back at 11:00 in Seoul on 10 March
        assert due_days(db, now=now, digest_time=time(9), timezone="Asia/Seoul") == [DAY]
        report = await run_digest_once(db, writer, settings, now=now, send_telegram=telegram)
        assert report.days == [DAY]
        assert report.periods[DAY] == (three_days_ago, END)
        d = report.digests[DAY]
        assert d.new_total == 3 and "72 hours" in digest_text(d)
        # Only two digests exist: the skipped days collapsed into the catch-up.
        days = [r[0] for r in db.execute("SELECT day FROM digests ORDER BY day")]
        assert days == ["2020-03-07", "2020-03-10"]
        assert [day for _, day in telegram.sent].count(DAY) == 3
        assert digest_period(db, DAY, digest_time=time(9), timezone="Asia/Seoul") == (three_days_ago, END)


async def test_a_failing_chat_does_not_stop_the_others_and_is_retried_later(tmp_path):
    settings = settings_for(tmp_path)
    with store_and_writer(settings) as (db, writer):
        telegram = FakeTelegram(failing={102})
        report = await run_digest_once(db, writer, settings, now=END + timedelta(minutes=1), send_telegram=telegram)
        assert sorted(report.telegram_sent) == [101, 103]
        assert "unreachable" in report.telegram_failed[102]
        state, error = db.execute(
            "SELECT state, error FROM digest_deliveries WHERE channel = 'telegram' AND recipient = '102'").fetchone()
        assert state == "failed" and "chat 102 is unreachable" in error
        assert not delivered(db, DAY, "telegram", 102)
        # Not hammered: a minute later nothing is due ...
        soon = await run_digest_once(db, writer, settings, now=END + timedelta(minutes=2), send_telegram=telegram)
        assert soon.days == []
        # ... a quarter of an hour later the failed chat (only) is tried again.
        telegram.failing.clear()
        later = await run_digest_once(db, writer, settings, now=END + timedelta(minutes=20), send_telegram=telegram)
        assert later.telegram_sent == [102] and later.emails_queued == []
        assert sorted(chat for chat, _ in telegram.sent) == [101, 102, 103]


async def test_a_chat_that_blocked_the_bot_is_not_retried_until_the_next_digest_or_a_person_asks(tmp_path):
    settings = settings_for(tmp_path, STAFF_EMAILS="")
    with store_and_writer(settings) as (db, writer):
        seed(db)
        telegram = FakeTelegram(refusing={102})
        report = await run_digest_once(db, writer, settings, now=END + timedelta(minutes=1), send_telegram=telegram)
        assert sorted(report.telegram_sent) == [101, 103] and "blocked" in report.telegram_failed[102]
        state, error = db.execute(
            "SELECT state, error FROM digest_deliveries WHERE channel = 'telegram' AND recipient = '102'").fetchone()
        assert state == "refused" and "Forbidden" in error
        # A failure would be tried again a quarter of an hour later; a refusal is not, all day long.
        for minutes in (20, 120, 600):
            later = await run_digest_once(db, writer, settings, now=END + timedelta(minutes=minutes),
                                          send_telegram=telegram)
            assert later.days == []
        assert telegram.tried.count(102) == 1
        # Staff unblock the bot and send the day's digest by hand (kcity digest --send): it is tried at once.
        telegram.refusing.clear()
        again = await deliver_digest(db, writer, settings, DAY, now=END + timedelta(hours=11),
                                     send_telegram=telegram, retry_now=True)
        assert again.telegram_sent == [102]
        # Still blocked the next day: the next digest tries once more.
        telegram.refusing.add(103)
        next_day = await run_digest_once(db, writer, settings, now=END + timedelta(days=1, minutes=1),
                                         send_telegram=telegram)
        assert next_day.days == [DAY + timedelta(days=1)] and sorted(next_day.telegram_sent) == [101, 102]
        assert list(next_day.telegram_failed) == [103]


async def test_a_send_cut_short_is_never_repeated(tmp_path):
    """'sending' means we stopped mid-send: maybe delivered, so never sent again."""
    settings = settings_for(tmp_path, STAFF_EMAILS="", STAFF_TELEGRAM_CHATS="101")
    with store_and_writer(settings) as (db, writer):
        telegram = FakeTelegram()
        with transaction(db):
            db.execute("INSERT INTO digests VALUES (?, ?, ?, ?)", [DAY.isoformat(), at(START), at(END), at(END)])
            record_delivery(db, DAY, "telegram", 101, "sending", at=END)
        report = await run_digest_once(db, writer, settings, now=END + timedelta(hours=1), send_telegram=telegram)
        assert report.days == [] and telegram.sent == []


async def test_without_a_bot_chats_wait_and_nothing_is_rebuilt_every_minute(tmp_path):
    settings = settings_for(tmp_path, STAFF_EMAILS="ana@staff.example")
    with store_and_writer(settings) as (db, writer):
        first = await run_digest_once(db, writer, settings, now=END + timedelta(minutes=1), send_telegram=None)
        assert first.emails_queued == ["ana@staff.example"] and first.telegram_skipped == [101, 102, 103]
        second = await run_digest_once(db, writer, settings, now=END + timedelta(minutes=2), send_telegram=None)
        assert second.days == []
        # The bot comes up the same day: the chats get today's digest.
        telegram = FakeTelegram()
        third = await run_digest_once(db, writer, settings, now=END + timedelta(minutes=3), send_telegram=telegram)
        assert sorted(third.telegram_sent) == [101, 102, 103] and third.emails_queued == []


# --- Delivery ---------------------------------------------------------------------------


async def test_email_goes_out_through_smtp_with_chart_inline_and_csv_attached(tmp_path, smtp_server):
    settings = settings_for(tmp_path, STAFF_TELEGRAM_CHATS="", SMTP_HOST=smtp_server.host,
                            SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none")
    with store_and_writer(settings) as (db, writer):
        seed(db)
        await run_digest_once(db, writer, settings, now=END + timedelta(minutes=1), send_telegram=None)
        sender = SmtpSender(SmtpConfig(smtp_server.host, smtp_server.port, None, None, "none"))
        sent = await deliver_due(db, writer, sender, mail_from=settings.mail_from)
        assert sent.sent == 2
        again = await run_digest_once(db, writer, settings, now=END + timedelta(minutes=5), send_telegram=None)
        assert again.emails_queued == []
        assert (await deliver_due(db, writer, sender, mail_from=settings.mail_from)).sent == 0
    mails = [email.message_from_bytes(m.data, policy=policy.default) for m in smtp_server.received]
    assert sorted(m["To"] for m in mails) == ["ana@staff.example", "bo@staff.example"]
    mail = mails[0]
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Subject"] == "K-City desk digest for 2020-03-10: 4 new applications"
    assert mail.get_content_type() == "multipart/mixed"
    related, attachment = mail.get_payload()
    assert related.get_content_type() == "multipart/related"
    alternative, image = related.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    text, page = alternative.get_payload()
    assert text.get_content_type() == "text/plain" and "New applications (4)" in text.get_content()
    assert page.get_content_type() == "text/html"
    assert image.get_content_type() == "image/png" and image.get_content().startswith(b"\x89PNG")
    assert image["Content-Disposition"].startswith("inline")
    assert f'src="cid:{image["Content-ID"].strip("<>")}"' in page.get_content()
    assert "&lt;script&gt;" in page.get_content() and "<script>" not in page.get_content()
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_filename() == "applications-2020-03-10.csv"
    assert attachment.get_content_charset() == "utf-8"
    rows = list(csv.reader(io.StringIO(attachment.get_payload(decode=True).decode("utf-8-sig"))))
    assert len(rows) == 1 + 8


def test_email_headers_are_one_line_each(db):
    d = build(db)
    raw = digest_email_bytes(d, sender="Desk Ünïcode <desk@kcity.test>", to="staff@example.org\r\nBcc: x@evil",
                             png=None, csv=b"a,b\r\n")
    assert all(len(line) <= 998 and line.isascii() for line in raw.decode("ascii").split("\r\n"))
    mail = email.message_from_bytes(raw, policy=policy.default)
    assert mail["Bcc"] is None and mail["From"].addresses[0].display_name == "Desk Ünïcode"


async def test_bot_sender_through_the_bot_api_emulator(db, bot_api):
    from telegram import Bot

    seed(db)
    d = build(db)
    bot_api.user_sends(101, "/start")
    bot = Bot(bot_api.token, base_url=bot_api.base_url, base_file_url=bot_api.base_file_url)
    async with bot:
        send = bot_sender(bot)
        await send(101, d, digest_chart_png(d), digest_csv(db))
    pieces = telegram_html_pieces(d)
    assert len(bot_api.calls_to("sendMessage")) == len(pieces)
    assert len(bot_api.calls_to("sendPhoto")) == 1 and len(bot_api.calls_to("sendDocument")) == 1
    texts = [m.get("text") for m in bot_api.messages(101) if m.get("text")]
    # The emulator parsed our HTML as Telegram does: the visible text is the values, unescaped.
    assert texts[0].startswith("K-City desk digest, 2020-03-10")
    assert any("<script>alert(1)</script>" in t for t in texts)


# --- CLI --------------------------------------------------------------------------------


def test_cli_prints_the_digest_for_a_date(tmp_path):
    db = open_store(tmp_path / "kcity.db")
    seed(db)
    db.conn.close()
    result = CliRunner().invoke(main, ["--env-file", "/nonexistent", "digest", "--date", "2020-03-10"],
                                env={"KCITY_DB": str(tmp_path / "kcity.db")})
    assert result.exit_code == 0, result.output
    assert result.output.startswith("K-City desk digest, 2020-03-10\n")
    assert "New applications (4)" in result.output and "<script>alert(1)</script>" in result.output
    bad = CliRunner().invoke(main, ["--env-file", "/nonexistent", "digest", "--date", "10/03/2020"],
                             env={"KCITY_DB": str(tmp_path / "kcity.db")})
    assert bad.exit_code == 2 and "is not a date like" in bad.output


def test_cli_send_queues_writes_the_outbox_and_says_telegram_is_off(tmp_path):
    env = {"KCITY_DB": str(tmp_path / "kcity.db"), "STAFF_EMAILS": "ana@staff.example",
           "STAFF_TELEGRAM_CHATS": "101", "OUTBOX_DIR": str(tmp_path / "out")}
    args = ["--env-file", "/nonexistent", "digest", "--date", "2020-03-10", "--send"]
    first = CliRunner().invoke(main, args, env=env)
    assert first.exit_code == 0, first.output
    assert "Email queued for: ana@staff.example" in first.output
    assert "Outbox: 1 sent" in first.output
    assert "Telegram: no TELEGRAM_BOT_TOKEN configured" in first.output
    assert len(list((tmp_path / "out").glob("*.eml"))) == 1
    second = CliRunner().invoke(main, args, env=env)
    assert "Email queued for: nobody new (all had it)" in second.output
    assert len(list((tmp_path / "out").glob("*.eml"))) == 1
    future = CliRunner().invoke(main, ["--env-file", "/nonexistent", "digest", "--date", "2999-01-01", "--send"],
                                env=env)
    assert future.exit_code == 1 and "is due at 2999-01-01 09:00" in future.output
