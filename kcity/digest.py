"""The staff's daily digest: what it covers, what it says, and how it reads.

``build_digest`` gathers every section for one digest day into a frozen
``Digest``; the renderers turn it into plain text (``digest_text``), an HTML
email body (``digest_html``), Telegram HTML messages (``telegram_html_pieces``),
a PNG chart (``digest_chart_png``) and the CSV of all applications
(``digest_csv``). English only: the staff work in English and Korean, and
English is what they asked for.

The period. A digest day D is scheduled at ``digest_time`` on D in the digest's
time zone, S(D). Its period is [start, S(D)): start is where the previous
recorded digest (an earlier day in the ``digests`` table) ended, or S(D - 1)
when there is none; so after downtime one catch-up digest covers the whole gap.
A digest already recorded for D keeps the period it was built with. Counts
about the period ("new", "completed", follow-ups...) use the instants events
and messages carry; "still incomplete" and the totals are the store's current
state for applications created before the period's end.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone as dt_timezone
from urllib.parse import quote
from zoneinfo import ZoneInfo

import sqlite_utils

from mail.compose import display_value
from rules.form import FIELDS_BY_CODE
from rules.timing import OPEN, UPCOMING, call_status
from store import digest as queries

__all__ = [
    "Digest", "build_digest", "digest_chart_png", "digest_csv", "digest_html", "digest_period", "digest_subject",
    "digest_text", "scheduled_instant", "telegram_html_pieces",
]

NEW_LIST_LIMIT = 1000  # new applications listed by name; the CSV has them all
LIST_LIMIT = 50  # other lists (oldest incomplete, bounces, quarantine ...)
UNANSWERED_LIMIT = 20
VALUE_WIDTH = 120  # a name, title or reason longer than this is cut, with an ellipsis
TELEGRAM_LIMIT = 4096  # Telegram's limit on a message's text, in UTF-16 code units after parsing
CHART_MAX_DAYS = 120
TELEGRAM_LIST_CAP = 20  # the concise Telegram version: items per list ...
TELEGRAM_TOP = 10  # ... and rows per breakdown
STATUSES = ("complete", "needs_review", "incomplete", "ineligible")
STATUS_LABELS = {"complete": "complete", "needs_review": "needs review", "incomplete": "incomplete",
                 "ineligible": "ineligible"}


@dataclass(frozen=True)
class Digest:
    day: date  # the digest day, in ``timezone``
    timezone: str
    period_start: datetime  # aware, UTC; inclusive
    period_end: datetime  # aware, UTC; exclusive: the digest's scheduled instant
    built_at: datetime
    new_total: int
    new_applications: tuple[dict, ...]  # reference, country, organization, title, status, created_at
    reached: dict  # status -> applications that reached it in the period (created with it or changed to it)
    needs_review: tuple[dict, ...]
    ineligible: tuple[dict, ...]
    incomplete_total: int
    incomplete_ages: tuple[tuple[str, int], ...]
    incomplete_oldest: tuple[dict, ...]  # with "days"
    follow_up_total: int
    follow_ups: tuple[dict, ...]
    reply_counts: dict  # bounced, failed
    reply_problems: tuple[dict, ...]
    quarantined_total: int
    quarantined: tuple[dict, ...]
    unread_total: int
    unread: tuple[dict, ...]  # at, from_addr, reference, files: attached documents the desk could not read
    call: dict  # state, round, opens, closes, days_left, days_until_open
    status_totals: dict
    by_country: tuple[tuple[str, int], ...]
    by_category: tuple[tuple[str, int], ...]
    by_sector: tuple[tuple[str, int], ...]
    unanswered: tuple[dict, ...]  # question, times, last_asked, channels
    chart: tuple[tuple[date, tuple[tuple[str, int], ...]], ...] = field(default=())  # per day: (status, n)

    @property
    def completed(self) -> int:
        return self.reached.get("complete", 0)

    @property
    def total_applications(self) -> int:
        return sum(self.status_totals.values())

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(ZoneInfo(self.timezone))


# --- The period ------------------------------------------------------------------


def scheduled_instant(day: date, digest_time: time, timezone: str) -> datetime:
    """When the digest of ``day`` is due: ``digest_time`` on ``day`` in ``timezone`` (aware)."""
    return datetime.combine(day, digest_time.replace(tzinfo=None), ZoneInfo(timezone))


def _utc(moment: datetime) -> str:
    return moment.astimezone(dt_timezone.utc).isoformat()


def digest_period(
    db: sqlite_utils.Database, day: date, *, digest_time: time, timezone: str
) -> tuple[datetime, datetime]:
    """(start, end) of ``day``'s digest, both aware UTC: see the module's docstring."""
    recorded = db.execute("SELECT period_start, period_end FROM digests WHERE day = ?", [day.isoformat()]).fetchone()
    if recorded:
        return datetime.fromisoformat(recorded[0]), datetime.fromisoformat(recorded[1])
    end = scheduled_instant(day, digest_time, timezone).astimezone(dt_timezone.utc)
    previous = db.execute(
        "SELECT period_end FROM digests WHERE day < ? ORDER BY day DESC LIMIT 1", [day.isoformat()]
    ).fetchone()
    if previous and datetime.fromisoformat(previous[0]) < end:
        start = datetime.fromisoformat(previous[0])
    else:
        start = scheduled_instant(day - timedelta(days=1), digest_time, timezone).astimezone(dt_timezone.utc)
    return start, end


# --- Building --------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _shown(code: str, value) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    try:
        return display_value(FIELDS_BY_CODE[code], value, "en")
    except Exception:  # a value the form would not hold: show it as stored
        return str(value)


def _cut(value, width: int = VALUE_WIDTH) -> str:
    text = " ".join(str(value if value is not None else "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _app(row: dict) -> dict:
    return {
        "reference": row["reference"],
        "status": row["status"],
        "country": _shown("applicant.country", row.get("country")),
        "organization": _cut(row.get("organization")),
        "title": _cut(row.get("title")),
        "created_at": row["created_at"],
        **({"days": row["days"]} if "days" in row else {}),
    }


def _ranked(counter, code: str) -> tuple[tuple[str, int], ...]:
    named: dict[str, int] = {}
    for value, n in counter.items():
        name = "(not given)" if value == "(none)" else (_shown(code, value) or value)
        named[name] = named.get(name, 0) + n
    return tuple(sorted(named.items(), key=lambda item: (-item[1], item[0])))


def _call(at: datetime, rounds) -> dict:
    try:
        status = call_status(at, rounds)
    except ValueError:
        return {"state": "none"}
    return {
        "state": status.state,
        "round": status.round.title,
        "opens": status.opens.isoformat(),
        "closes": status.closes.isoformat() if status.closes else None,
        "days_left": status.days_left,
        "days_until_open": status.days_until_open,
    }


def _chart_window(day: date, call: dict) -> date:
    """The first day the chart shows: the round's opening day while it is open, else 30 days back."""
    if call.get("state") == OPEN and call.get("opens"):
        opens = date.fromisoformat(call["opens"])
        if timedelta(0) <= day - opens <= timedelta(days=CHART_MAX_DAYS):
            return opens
    return day - timedelta(days=29)


def _chart(db, first: date, day: date, end: datetime, tz: str) -> tuple:
    zone = ZoneInfo(tz)
    start = datetime.combine(first, time(), zone)
    per_day: dict[date, dict[str, int]] = {}
    for hour, status, n in queries.created_per_hour(db, _utc(start), _utc(end)):
        local_day = datetime.fromisoformat(hour + ":00:00+00:00").astimezone(zone).date()
        bucket = per_day.setdefault(local_day, {})
        bucket[status] = bucket.get(status, 0) + n
    days = []
    current = first
    while current <= day:
        counts = per_day.get(current, {})
        days.append((current, tuple(sorted(counts.items()))))
        current += timedelta(days=1)
    return tuple(days)


def _database_file(db: sqlite_utils.Database) -> str | None:
    row = db.execute("PRAGMA database_list").fetchone()
    return row[2] if row and row[2] else None


def _breakdowns_apart(path: str, before: str):
    """``queries.breakdowns`` on a read-only connection of its own (runs in a worker thread)."""
    conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=30)
    try:
        return queries.breakdowns(sqlite_utils.Database(conn), before=before)
    finally:
        conn.close()


def build_digest(
    db: sqlite_utils.Database,
    *,
    day: date,
    timezone: str,
    now: datetime,
    period_start: datetime | None = None,
    period_end: datetime | None = None,
    digest_time: time = time(9, 0),
    rounds=None,
) -> Digest:
    """Every section of ``day``'s digest (read only: recording it is ``digest_schedule.record_built``)."""
    default_start, default_end = digest_period(db, day, digest_time=digest_time, timezone=timezone)
    start = (period_start or default_start).astimezone(dt_timezone.utc)
    end = (period_end or default_end).astimezone(dt_timezone.utc)
    s, e = _utc(start), _utc(end)

    # The one costly query (it parses every application) runs on a second, read-only connection
    # meanwhile: SQLite lets go of the GIL, so the two share the cores. Not when the store is in
    # memory or ``db`` holds uncommitted writes (a second connection would not see them).
    path = _database_file(db)
    apart = path is not None and not db.conn.in_transaction
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kcity-digest") as pool:
        breakdown = pool.submit(_breakdowns_apart, path, e) if apart else None
        new_total, new_rows = queries.new_applications(db, s, e, limit=NEW_LIST_LIMIT)
        ages, oldest = queries.incomplete_ages(db, at=e, limit=LIST_LIMIT)
        follow_total, follow_rows = queries.follow_ups(db, s, e, limit=LIST_LIMIT)
        reply_counts, reply_rows = queries.reply_problems(db, s, e, limit=LIST_LIMIT)
        quarantine_total, quarantine_rows = queries.quarantined(db, s, e, limit=LIST_LIMIT)
        unread_total, unread_rows = queries.unread_attachments(db, s, e, limit=LIST_LIMIT)
        reached = queries.reached_status_counts(db, s, e)
        needs_review = queries.reached_status_list(db, s, e, "needs_review", limit=LIST_LIMIT)
        ineligible = queries.reached_status_list(db, s, e, "ineligible", limit=LIST_LIMIT)
        totals = queries.status_totals(db, before=e)
        unanswered = queries.unanswered(db, s, e, limit=UNANSWERED_LIMIT)
        call = _call(end, rounds)
        chart = _chart(db, _chart_window(day, call), day, end, timezone)
        countries, categories, sectors = breakdown.result() if apart else queries.breakdowns(db, before=e)
    return Digest(
        day=day,
        timezone=timezone,
        period_start=start,
        period_end=end,
        built_at=now,
        new_total=new_total,
        new_applications=tuple(_app(r) for r in new_rows),
        reached=reached,
        needs_review=tuple(_app(r) for r in needs_review),
        ineligible=tuple(_app(r) for r in ineligible),
        incomplete_total=sum(n for _, n in ages),
        incomplete_ages=tuple(ages),
        incomplete_oldest=tuple(_app(r) for r in oldest),
        follow_up_total=follow_total,
        follow_ups=tuple(dict(r, subject=_cut(r["subject"]), from_addr=_cut(r["from_addr"])) for r in follow_rows),
        reply_counts=reply_counts,
        reply_problems=tuple(
            dict(r, subject=_cut(r["subject"]), error=_cut(r["error"] or ""), to_addr=_cut(r["to_addr"]))
            for r in reply_rows
        ),
        quarantined_total=quarantine_total,
        quarantined=tuple(
            dict(r, subject=_cut(r["subject"]), reason=_cut(r["reason"] or ""), from_addr=_cut(r["from_addr"]))
            for r in quarantine_rows
        ),
        unread_total=unread_total,
        unread=tuple(dict(u, from_addr=_cut(u["from_addr"]), files=[_cut(f, 80) for f in u["files"]])
                     for u in unread_rows),
        call=call,
        status_totals=totals,
        by_country=_ranked(countries, "applicant.country"),
        by_category=_ranked(categories, "project.category"),
        by_sector=_ranked(sectors, "project.sectors"),
        unanswered=tuple(
            dict(q, question=_cut(q["question"], 300)) for q in unanswered
        ),
        chart=chart,
    )


# --- One model of lines for every format --------------------------------------------
# A line is a tuple of (text, style) segments; style is None, "b", "i" or "code".
# Each renderer escapes the text its own way, so no value is ever markup.

Line = tuple[tuple[str, str | None], ...]


def _when(d: Digest, iso: str | None, with_date: bool = True) -> str:
    if not iso:
        return ""
    moment = d.local(datetime.fromisoformat(iso))
    return moment.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")


def _zone_name(d: Digest, moment: datetime) -> str:
    return d.local(moment).tzname() or d.timezone


def _period(d: Digest) -> str:
    start, end = d.local(d.period_start), d.local(d.period_end)
    return (f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} {_zone_name(d, d.period_end)} ({d.timezone})"
            + (f", {_hours(d)} hours" if _hours(d) != 24 else ""))


def _hours(d: Digest) -> int:
    return round((d.period_end - d.period_start).total_seconds() / 3600)


def _app_line(a: dict, extra: str | None = None) -> Line:
    parts: list[tuple[str, str | None]] = [(a["reference"], "code"), (" ", None)]
    detail = " · ".join(x for x in (a["country"], a["organization"], a["title"]) if x) or "(no details)"
    parts.append((detail, None))
    parts += [(" ", None), (f"[{STATUS_LABELS.get(a['status'], a['status'])}]", "i")]
    if extra:
        parts.append((f" {extra}", None))
    return tuple(parts)


def _plain(text: str) -> Line:
    return ((text, None),)


def _count_lines(pairs, top: int | None = None) -> list[Line]:
    pairs = list(pairs)
    lines = [((f"{name}: ", None), (str(n), "b")) for name, n in pairs[:top]]
    if top is not None and len(pairs) > top:
        lines.append(((f"{len(pairs) - top} others: ", None), (str(sum(n for _, n in pairs[top:])), "b")))
    return lines


def _capped(lines: list[Line], total: int, cap: int | None) -> list[Line]:
    """At most ``cap`` lines, then how many more there are (the CSV has them all)."""
    if not lines:
        return [_plain("None.")]
    shown = lines if cap is None else lines[:cap]
    if total > len(shown):
        shown = [*shown, _plain(f"... and {total - len(shown)} more (see the CSV).")]
    return shown


def digest_subject(d: Digest) -> str:
    return f"K-City desk digest for {d.day.isoformat()}: {d.new_total} new application" + (
        "" if d.new_total == 1 else "s")


def _sections(d: Digest, *, cap: int | None = None, top: int | None = None) -> list[tuple[str, list[Line]]]:
    """The digest as (heading, lines), in the order staff read it; ``cap`` lines at most per list
    and the ``top`` most frequent per breakdown for a concise version (Telegram)."""
    sections: list[tuple[str, list[Line]]] = []
    summary = [
        (("Period: ", None), (_period(d), None)),
        (("New applications: ", None), (str(d.new_total), "b")),
        (("Completed: ", None), (str(d.completed), "b")),
        (("Needing review: ", None), (str(d.reached.get("needs_review", 0)), "b")),
        (("Ineligible: ", None), (str(d.reached.get("ineligible", 0)), "b")),
        (("Still incomplete (all time): ", None), (str(d.incomplete_total), "b")),
        (("Follow-ups received: ", None), (str(d.follow_up_total), "b")),
        (("Replies bounced / failed: ", None),
         (f"{d.reply_counts.get('bounced', 0)} / {d.reply_counts.get('failed', 0)}", "b")),
        (("Messages quarantined: ", None), (str(d.quarantined_total), "b")),
        (("Attachments not read: ", None), (str(d.unread_total), "b")),
        (("Unanswered questions: ", None), (str(sum(q["times"] for q in d.unanswered)), "b")),
    ]
    sections.append((f"K-City desk digest, {d.day.isoformat()}", summary))

    call = d.call
    if call.get("state") == OPEN:
        left = call.get("days_left")
        when = ("no closing date" if left is None else "closes today" if left == 0
                else f"{left} day{'s' if left != 1 else ''} left (closes {call['closes']})")
        round_lines = [((f"{call['round']}: ", None), ("open", "b"), (f", {when}", None))]
    elif call.get("state") == UPCOMING:
        round_lines = [_plain(f"{call['round']}: opens {call['opens']} "
                              f"(in {call['days_until_open']} days)")]
    elif call.get("state") == "none":
        round_lines = [_plain("No rounds are configured.")]
    else:
        round_lines = [_plain(f"{call['round']}: closed (closed {call.get('closes')}); no round is open")]
    sections.append(("Round", round_lines))

    sections.append((f"New applications ({d.new_total})",
                     _capped([_app_line(a) for a in d.new_applications], d.new_total, cap)))
    sections.append((f"Needing review ({d.reached.get('needs_review', 0)})",
                     _capped([_app_line(a) for a in d.needs_review], d.reached.get("needs_review", 0), cap)))
    sections.append((f"Ineligible ({d.reached.get('ineligible', 0)})",
                     _capped([_app_line(a) for a in d.ineligible], d.reached.get("ineligible", 0), cap)))

    incomplete = [((f"{name}: ", None), (str(n), "b")) for name, n in d.incomplete_ages]
    if d.incomplete_oldest:
        incomplete.append(_plain("Waiting longest:"))
        incomplete += [_app_line(a, f"{a['days']} days") for a in d.incomplete_oldest[:min(10, cap or 10)]]
    sections.append((f"Still incomplete ({d.incomplete_total})", incomplete))

    follow = [
        (((f["reference"] or "(no application)"), "code"),
         (f" from {f['from_addr']} at {_when(d, f['received_at'])}: {f['subject']}", None))
        for f in d.follow_ups
    ]
    sections.append((f"Follow-ups received ({d.follow_up_total})", _capped(follow, d.follow_up_total, cap)))

    replies = [
        ((("bounced" if r["event"] == "reply_bounced" else "failed"), "b"),
         (f" {r['to_addr']}", None),
         *(((" ", None), (r["reference"], "code")) if r["reference"] else ()),
         (f" ({r['reply_kind']}) at {_when(d, r['at'])}" + (f": {r['error']}" if r["error"] else ""), None))
        for r in d.reply_problems
    ]
    sections.append((f"Replies bounced or failed ({d.reply_counts.get('bounced', 0)} bounced, "
                     f"{d.reply_counts.get('failed', 0)} failed)",
                     _capped(replies, sum(d.reply_counts.values()), cap)))

    quarantine = [
        ((q["reason"] or "no reason recorded", "b"),
         (f" from {q['from_addr'] or '(unknown sender)'}, {q['size']:,} bytes, at {_when(d, q['at'])}"
          + (f": {q['subject']}" if q["subject"] else ""), None))
        for q in d.quarantined
    ]
    sections.append((f"Messages quarantined ({d.quarantined_total})", _capped(quarantine, d.quarantined_total, cap)))

    unread = [
        (*(((u["reference"], "code"), (" ", None)) if u["reference"] else ()),
         (", ".join(u["files"]), "b"),
         (f" from {u['from_addr'] or '(unknown sender)'} at {_when(d, u['at'])}", None))
        for u in d.unread
    ]
    sections.append((f"Attachments the desk could not read ({d.unread_total}; the sender was asked for"
                     " another format)", _capped(unread, d.unread_total, cap)))

    sections.append(("Applications by status (all time)",
                     _count_lines((STATUS_LABELS.get(s, s), n) for s, n in d.status_totals.items())
                     or [_plain("None.")]))
    sections.append(("By country", _count_lines(d.by_country, top) or [_plain("None.")]))
    sections.append(("By category", _count_lines(d.by_category, top) or [_plain("None.")]))
    sections.append(("By sector (an application counts once per sector)",
                     _count_lines(d.by_sector, top) or [_plain("None.")]))

    questions = [
        (((f"{q['times']}×"), "b"), (f" {q['question']}", None), (f" ({q['channels']})", "i"))
        for q in d.unanswered
    ][:cap] or [_plain("None.")]
    sections.append(("Questions the desk could not answer", questions))
    return sections


# --- Plain text --------------------------------------------------------------------


def digest_text(d: Digest) -> str:
    out: list[str] = []
    for number, (heading, lines) in enumerate(_sections(d)):
        if number:
            out.append("")
        out.append(heading)
        out.append("-" * min(len(heading), 72))
        for line in lines:
            out.append(("" if number == 0 else "  ") + "".join(text for text, _ in line))
    return "\n".join(out) + "\n"


# --- HTML (email) --------------------------------------------------------------------

_HTML_TAGS = {"b": "strong", "i": "em", "code": "code"}


def _html_line(line: Line, tags: dict[str, str]) -> str:
    out = []
    for text, style in line:
        escaped = html.escape(text, quote=True)
        out.append(f"<{tags[style]}>{escaped}</{tags[style]}>" if style else escaped)
    return "".join(out)


def digest_html(d: Digest, *, chart_cid: str | None = None) -> str:
    """A whole HTML document for the email; ``chart_cid`` (without <>) places the inline chart."""
    sections = _sections(d)
    title = html.escape(sections[0][0])
    body = [f"<h1 style=\"font-size:20px\">{title}</h1>"]
    body.append("<ul>" + "".join(f"<li>{_html_line(line, _HTML_TAGS)}</li>" for line in sections[0][1]) + "</ul>")
    if chart_cid:
        body.append(f'<p><img src="cid:{html.escape(chart_cid, quote=True)}" alt="Applications per day, by status"'
                    ' style="max-width:100%"></p>')
    for heading, lines in sections[1:]:
        body.append(f"<h2 style=\"font-size:16px\">{html.escape(heading)}</h2>")
        body.append("<ul>" + "".join(f"<li>{_html_line(line, _HTML_TAGS)}</li>" for line in lines) + "</ul>")
    body.append("<p style=\"color:#666\">The CSV of every application is attached.</p>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{title}</title></head>\n<body style=\"font-family:sans-serif\">\n"
            + "\n".join(body) + "\n</body></html>\n")


# --- Telegram ----------------------------------------------------------------------

_TELEGRAM_TAGS = {"b": "b", "i": "i", "code": "code"}


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _fit(line: Line, room: int) -> Line:
    """A line cut to ``room`` visible units (a safety net: values are cut long before this)."""
    out, used = [], 0
    for text, style in line:
        if used + _units(text) > room:
            text = text[: max(room - used - 1, 0)] + "…"
            out.append((text, style))
            break
        out.append((text, style))
        used += _units(text)
    return tuple(out)


def telegram_html_pieces(d: Digest, *, limit: int = TELEGRAM_LIMIT - 96, concise: bool = True) -> list[str]:
    """The digest as Telegram HTML messages (parse_mode HTML; tags b, i, code only; every value
    escaped), each under ``limit`` visible characters (UTF-16 units), cut between lines.

    ``concise`` (the default) lists at most TELEGRAM_LIST_CAP items per list and the
    TELEGRAM_TOP most frequent per breakdown, saying how many more the CSV holds;
    ``concise=False`` gives everything the email says."""
    visible_lines: list[tuple[int, str]] = []
    sections = _sections(d, cap=TELEGRAM_LIST_CAP, top=TELEGRAM_TOP) if concise else _sections(d)
    for number, (heading, lines) in enumerate(sections):
        if number:
            visible_lines.append((0, ""))
        head = _fit(((heading, "b"),), limit)
        visible_lines.append((_units(head[0][0]), _html_line(head, _TELEGRAM_TAGS)))
        for line in lines:
            bullet = () if number == 0 else (("• ", None),)
            fitted = _fit((*bullet, *line), limit)
            visible_lines.append((sum(_units(t) for t, _ in fitted), _html_line(fitted, _TELEGRAM_TAGS)))
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for size, markup in visible_lines:
        extra = size + (1 if current else 0)  # the newline joining it
        if current and used + extra > limit:
            pieces.append("\n".join(current).strip("\n"))
            current, used = [], 0
            if not markup:
                continue  # no blank line at the top of a message
            extra = size
        current.append(markup)
        used += extra
    if current:
        pieces.append("\n".join(current).strip("\n"))
    return [p for p in pieces if p.strip()]


# --- CSV ------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value) -> str:
    """A spreadsheet never runs a cell as a formula: risky first characters get a leading '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def digest_csv(db: sqlite_utils.Database) -> bytes:
    """Every application as CSV (UTF-8 with a BOM, so spreadsheets read Korean and accents):
    reference, status, country, organization, title, category, sectors, created_at, updated_at."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(queries.CSV_COLUMNS)
    for reference, status, country, organization, title, category, sectors, created, updated in (
        queries.all_applications(db)
    ):
        if isinstance(sectors, list):
            sectors = ", ".join(_shown("project.sectors", s) for s in sectors)
        elif sectors:
            sectors = _shown("project.sectors", sectors)
        writer.writerow([_safe_cell(v) for v in (
            reference, status, _shown("applicant.country", country) if country else "", organization, title,
            _shown("project.category", category) if category else "", sectors, created, updated,
        )])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- Chart ---------------------------------------------------------------------------

_COLOURS = {"complete": "#2e7d32", "needs_review": "#f9a825", "incomplete": "#1e88e5", "ineligible": "#c62828"}


def digest_chart_png(d: Digest, *, width: float = 9.0, height: float = 4.0, dpi: int = 100) -> bytes:
    """Applications per day (by creation day, in the digest's time zone), stacked by current status."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # lazy: only the digest needs it
    from matplotlib.figure import Figure

    days = [day for day, _ in d.chart]
    counts = [dict(c) for _, c in d.chart]
    statuses = [s for s in STATUSES if any(s in c for c in counts)]
    statuses += sorted({s for c in counts for s in c} - set(statuses))
    figure = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(days)))
    bottom = [0] * len(days)
    for status in statuses:
        values = [c.get(status, 0) for c in counts]
        axes.bar(positions, values, bottom=bottom, label=STATUS_LABELS.get(status, status),
                 color=_COLOURS.get(status), width=0.8)
        bottom = [b + v for b, v in zip(bottom, values)]
    step = max(1, len(days) // 12)
    axes.set_xticks(positions[::step], [day.strftime("%m-%d") for day in days[::step]])
    axes.set_xlim(-0.6, max(len(days) - 0.4, 0.6))
    first, last = (days[0], days[-1]) if days else (d.day, d.day)
    axes.set_title(f"Applications per day, by current status ({first:%Y-%m-%d} to {last:%Y-%m-%d}, {d.timezone})",
                   fontsize=10)
    axes.set_ylabel("applications")
    if statuses:
        axes.legend(loc="upper left", fontsize=8)
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def digest_parts(d: Digest, *, png: bytes, csv: bytes):
    """The digest as the bot sends it (``bot.staff.DigestParts``)."""
    from bot.staff import DigestParts

    return DigestParts(day=d.day.isoformat(), pieces=telegram_html_pieces(d), png=png, csv=csv)
