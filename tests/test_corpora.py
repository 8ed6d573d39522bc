"""Every message of the shared real-world corpora parses quickly and is never taken for an application.

The corpora (../shared/corpora, see its README) come from the test suites of
flanker and RT: broken MIME, odd charsets, bounces, complaints, and a 3 MB
message of endless enclosures.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from helpers import shared_dir

from mail.classify import Kind, classify
from mail.parse import parse_message

# The checkout sits next to shared/, in CI as in /work/main.
CORPORA = shared_dir() / "corpora"
FILES = sorted(
    path for path in CORPORA.rglob("*") if path.is_file() and not path.name.startswith("README")
) if CORPORA.is_dir() else []
OWN_ADDRESSES = frozenset({"desk@kcity.test"})
SECONDS_PER_MESSAGE = 3  # the slowest, the 3 MB endless enclosure, takes about 0.2 s


def is_own_message_id(message_id: str) -> bool:
    return message_id.endswith("@kcity.test>")


def corpus_id(path: Path) -> str:
    return str(path.relative_to(CORPORA))


def parse_and_classify(path: Path, **context):
    parsed = parse_message(path.read_bytes())
    return parsed, classify(parsed, own_addresses=OWN_ADDRESSES, is_own_message_id=is_own_message_id, **context)


def test_corpora_are_there():
    # Fail, never skip: without the corpora every test below would pass vacuously.
    assert CORPORA.is_dir(), f"corpora not found at {CORPORA}: check out the repo next to shared/"
    assert len(FILES) >= 100


@pytest.mark.parametrize("path", FILES, ids=corpus_id)
def test_parses_quickly_and_is_never_an_application(path):
    started = time.perf_counter()
    parsed, result = parse_and_classify(path)
    assert time.perf_counter() - started < SECONDS_PER_MESSAGE
    assert isinstance(parsed.text, str)
    assert result.kind is not Kind.APPLICATION


def machine_written(folder: str) -> list[Path]:
    return [path for path in FILES if path.parent.name == folder]


@pytest.mark.parametrize("path", machine_written("bounce"), ids=corpus_id)
def test_every_bounce_is_a_bounce_even_when_it_looks_like_an_application(path):
    # All of them are distinguishable: a delivery-status report, or a mail-system
    # sender with a failure subject (broken-mime.eml), or X-Failed-Recipients (Gmail).
    _, result = parse_and_classify(path, follow_up_of="KCN-2026-0001", looks_like_application=True)
    assert result.kind is Kind.BOUNCE, result.reason


@pytest.mark.parametrize("path", machine_written("complaints"), ids=corpus_id)
def test_complaints_are_automatic(path):
    _, result = parse_and_classify(path, follow_up_of="KCN-2026-0001", looks_like_application=True)
    assert result.kind in (Kind.AUTO_REPLY, Kind.BOUNCE), result.reason


def read(relative: str):
    return parse_and_classify(CORPORA / relative)


def test_read_receipt_is_an_auto_reply():
    assert read("flanker/disposition-notification.eml")[1].kind is Kind.AUTO_REPLY


def test_rt_multipart_report_is_a_bounce_with_the_original_headers():
    parsed, result = read("rt/multipart-report")
    assert result.kind is Kind.BOUNCE
    assert parsed.enclosed_headers[0]["message-id"] == ["<200308221615.h7MGFGac020135@mx12.other.example.com>"]


def test_gb18030_subject_and_body():
    parsed, _ = read("rt/new-ticket-from-gb18030")
    assert (parsed.subject, parsed.text) == ("测试", "测试")


def test_iso_8859_15_euro_sign():
    assert read("rt/8859-15-message-series/msg1")[0].subject == "test äöüßÄÖÜß€"


def test_rfc2231_filename_continuations_in_iso_2022_jp():
    parsed, _ = read("rt/rfc2231-attachment-filename-continuations")
    assert [a.filename for a in parsed.attachments] == ["新しいテキスト ドキュメント.txt"]


def test_endless_enclosure_is_cut_off():
    parsed, _ = read("flanker/enclosed-endless.eml")
    assert parsed.subject == "Wow"
    assert any("MIME parts" in defect for defect in parsed.defects)


def test_torture_test_keeps_its_attachments_and_enclosed_messages():
    parsed, _ = read("flanker/torture.eml")
    assert parsed.text.startswith("This is a demonstration of multi-part mail")
    assert len(parsed.attachments) > 10
    assert len(parsed.enclosed_headers) > 5


def test_raw_8bit_headers_are_decoded():
    parsed, _ = read("flanker/mailformed-headers.eml")
    assert parsed.from_addr == "headers@gmail.com"
    assert "\ufffd" not in parsed.from_name
