"""Benchmark: the staff's daily digest and /find on a big store, against a bare SQL floor.

    /tmp/kvenv/bin/python bench/staff.py            # 100,000 applications, 1,000,000 events
    /tmp/kvenv/bin/python bench/staff.py --applications 10000 --events 100000

Builds a store in a temporary folder (bulk inserts: applications over ~60 days
with a realistic mix of statuses, countries, categories and sectors; the
messages, replies, events and questions that go with them), then times:

- the floor: a bare ``SELECT count(*) FROM events``;
- ``build_digest`` for one day in the middle of the period (median of 5);
- the renderers: text, Telegram pieces, HTML email, the chart, the CSV of every application;
- ``find_applications`` (``store/search.py``): median and p99 over 200 queries of varied words,
  after ``reindex_all`` (skipped with a message when that module is not there).

Targets: the digest under 1 second, /find under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kcity.digest import (  # noqa: E402
    build_digest, digest_chart_png, digest_csv, digest_html, digest_text, telegram_html_pieces,
)
from store.db import open_store, transaction  # noqa: E402

UTC = timezone.utc
FIRST = datetime(2020, 1, 31, 0, 0, tzinfo=UTC)  # the 2020 round opened on 31 January
DAYS = 60
COUNTRIES = ["PE", "VN", "CO", "SN", "ID", "KE", "MN", "TR", "PH", "GH", "EC", "BD", "UZ", "KH", "LA", "TZ",
             "ET", "BO", "PY", "MX", "BR", "CL", "AR", "TH", "MY", "LK", "NP", "RW", "UG", "MA"]
CITIES = ["Cusco", "Hanoi", "Medellín", "Dakar", "Surabaya", "Nairobi", "Ulaanbaatar", "İzmir", "Cebu", "Accra",
          "Quito", "Dhaka", "Tashkent", "Phnom Penh", "Vientiane", "Arusha", "Addis Ababa", "La Paz", "Asunción",
          "Puebla", "Recife", "Valparaíso", "Rosario", "Chiang Mai", "Penang", "Kandy", "Pokhara", "Kigali",
          "Kampala", "Marrakesh"]
THEMES = ["Smart Mobility", "Flood Early Warning", "Water Loss Reduction", "Solid Waste Plan", "E-Government",
          "Smart Grid", "Urban Regeneration", "Public Health Data", "Safe City CCTV", "Digital Twin",
          "Bus Rapid Transit", "Green Energy District", "School Connectivity", "Heritage Tourism"]
SECTORS = ["administration", "transportation", "public_health", "welfare", "environment", "energy",
           "water_resources", "security", "education", "culture"]
STATUSES = ["complete"] * 45 + ["incomplete"] * 30 + ["ineligible"] * 15 + ["needs_review"] * 10


def iso(moment: datetime) -> str:
    return moment.isoformat()


def build_store(path: Path, n_apps: int, n_events: int, seed: int = 7):
    rng = random.Random(seed)
    db = open_store(path)
    span = DAYS * 86400
    apps, events, messages, outbox = [], [], [], []
    # Ids follow arrival, as in a real store: the n-th application is the n-th to arrive.
    arrivals = sorted(FIRST + timedelta(seconds=rng.randrange(span)) for _ in range(n_apps))
    for i, created in enumerate(arrivals, start=1):
        status = rng.choice(STATUSES)
        city = rng.randrange(len(CITIES))
        country = COUNTRIES[city]
        category = rng.choice(("smart_solution", "urban_development"))
        sectors = rng.sample(SECTORS, rng.randint(1, 3)) if category == "smart_solution" else []
        fields = {
            "applicant": {"country": country, "organization": f"Municipality of {CITIES[city]}",
                          "organization_type": "local_government"},
            "contact": {"name": f"Official {i}", "email": f"official{i}@city{city}.example.org"},
            "project": {"title": f"{CITIES[city]} {rng.choice(THEMES)} {i}", "category": category,
                        "sectors": sectors, "location": CITIES[city], "status": "new",
                        "summary": "An integrated programme for the city centre. " * 4},
            "support": {"requested": ["master_plan"]},
        }
        updated = created + timedelta(hours=rng.randint(0, 72)) if status != "incomplete" else created
        apps.append((i, f"KCN-2020-{i:06d}", 2020, i, status, json.dumps(fields, ensure_ascii=False), "[]",
                     json.dumps({"status": "eligible"}), "en", f"official{i}@city{city}.example.org",
                     iso(created), iso(min(updated, FIRST + timedelta(days=DAYS)))))
        kind = "follow_up" if status != "incomplete" and rng.random() < 0.4 else "application"
        messages.append((i, f"<m{i}@city.example>", f"sha{i}", "imap", None, 2000, b"", f"official{i}@x.org",
                         "Application", iso(created), iso(created), "processed", kind, "", i))
        outbox.append((i, f"<r{i}@kcity.test>", i, i, f"official{i}@x.org", "acknowledgement", "en", "Re: x",
                       "body", b"", f"dedup{i}", rng.choice(["sent"] * 97 + ["bounced", "failed", "pending"]),
                       1, iso(created), None, iso(created), iso(created)))
        events.append((iso(created), "application_created", "system", i, i, None,
                       json.dumps({"reference": f"KCN-2020-{i:06d}", "status":
                                   "incomplete" if status != "ineligible" and updated > created else status})))
        if updated > created:
            events.append((iso(updated), "status_changed", "system", i, None, None,
                           json.dumps({"old": "incomplete", "new": status, "actor": "system", "note": None})))
    kinds = ["message_archived", "message_processed", "reply_queued", "reply_sent", "application_updated",
             "chat_bound", "reply_retry"]
    while len(events) < n_events:
        app = rng.randrange(1, n_apps + 1)
        moment = FIRST + timedelta(seconds=rng.randrange(span))
        kind = rng.choice(kinds)
        roll = rng.random()
        if roll < 0.002:
            kind = "reply_bounced"
        elif roll < 0.004:
            kind = "reply_failed"
        elif roll < 0.005:
            kind = "message_quarantined"
        events.append((iso(moment), kind, "system", app, app if kind.startswith("message") else None,
                       app if kind.startswith("reply") else None,
                       json.dumps({"reason": "too large: 31457280 bytes"} if kind == "message_quarantined" else {})))
    events.sort(key=lambda e: e[0])
    questions = [(iso(FIRST + timedelta(seconds=rng.randrange(span))), rng.choice(["telegram", "email", "chat"]),
                  "en", rng.choice(["Can a consortium apply?", "Is there a visa?", "Who pays the flights?",
                                    f"question {rng.randrange(500)}"]), None, 0.1)
                 for _ in range(5000)]
    with transaction(db):
        db.conn.executemany("INSERT INTO applications (id, reference, year, seq, status, fields, problems,"
                            " eligibility, language, sender, created_at, updated_at)"
                            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", apps)
        db.conn.executemany("INSERT INTO messages (id, message_id, sha256, source, source_key, size, raw, from_addr,"
                            " subject, sent_at, received_at, status, classification, reason, application_id)"
                            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", messages)
        db.conn.executemany("INSERT INTO outbox (id, message_id, answers_message, application_id, to_addr, kind,"
                            " language, subject, body, raw, dedup_key, state, attempts, next_attempt_at,"
                            " last_error, created_at, sent_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", outbox)
        db.conn.executemany("INSERT INTO events (at, kind, actor, application_id, message_row, outbox_id, detail)"
                            " VALUES (?,?,?,?,?,?,?)", events[:n_events])
        db.conn.executemany("INSERT INTO questions (asked_at, channel, language, text, topic, confidence)"
                            " VALUES (?,?,?,?,?,?)", questions)
    db.execute("ANALYZE")
    return db


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kcity-bench-staff-") as folder:
        seconds, db = timed(build_store, Path(folder) / "kcity.db", args.applications, args.events)
        counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("applications", "events", "messages", "outbox", "questions")}
        print(f"store: {', '.join(f'{n:,} {t}' for t, n in counts.items())} (built in {seconds:.1f} s)")

        floor = statistics.median(timed(lambda: db.execute("SELECT count(*) FROM events").fetchone())[0]
                                  for _ in range(5))
        print(f"floor: SELECT count(*) FROM events        {ms(floor)} (median of 5)")

        day = (FIRST + timedelta(days=DAYS)).date()  # the day after the last arrivals: the whole store counts
        now = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=1)
        runs = []
        for _ in range(5):
            seconds, d = timed(build_digest, db, day=day, timezone="Asia/Seoul", now=now)
            runs.append(seconds)
        print(f"build_digest({day})                 {ms(statistics.median(runs))} (median of 5; "
              f"min {min(runs) * 1000:.0f}, max {max(runs) * 1000:.0f}) target < 1000 ms "
              f"[{d.new_total:,} new, {d.incomplete_total:,} incomplete, {len(d.chart)} chart days]")
        catch_up = timed(build_digest, db, day=day, timezone="Asia/Seoul", now=now,
                         period_start=datetime.combine(day - timedelta(days=7), datetime.min.time(), UTC))[0]
        print(f"build_digest, 7-day catch-up            {ms(catch_up)}")
        for name, fn in (("digest_text", digest_text), ("telegram_html_pieces", telegram_html_pieces),
                         ("digest_html", digest_html), ("digest_chart_png", digest_chart_png)):
            seconds, out = timed(fn, d)
            size = f"{len(out)} pieces" if isinstance(out, list) else f"{len(out):,} {'bytes' if isinstance(out, bytes) else 'chars'}"
            print(f"{name:<40}{ms(seconds)} ({size})")
        seconds, csv_bytes = timed(digest_csv, db)
        print(f"{'digest_csv (every application)':<40}{ms(seconds)} ({len(csv_bytes) / 1e6:.1f} MB)")

        try:
            from store.search import find_applications, reindex_all
        except ImportError as exc:
            print(f"/find: skipped: store/search.py is not there yet ({exc})")
            return
        seconds, _ = timed(reindex_all, db)
        print(f"{'reindex_all':<40}{ms(seconds)}")
        rng = random.Random(11)
        words = ([c.split()[0] for c in CITIES] + [t.split()[0] for t in THEMES] + ["municipality", "smart",
                 "KCN-2020-0042", "official123", "Peru", "medellin", "izmir", "grid", "flood warning", "zzzz"])
        queries = [rng.choice(words) for _ in range(args.queries)]
        find_applications(db, queries[0])  # warm
        times = []
        hits = 0
        for text in queries:
            seconds, found = timed(find_applications, db, text)
            times.append(seconds)
            hits += len(found)
        times.sort()
        p99 = times[min(len(times) - 1, int(round(0.99 * len(times))) - 1)]
        print(f"find_applications x{len(times)}               median {ms(statistics.median(times))}, "
              f"p99 {ms(p99)} target < 50 ms ({hits / len(times):.1f} results a query)")


if __name__ == "__main__":
    main()
