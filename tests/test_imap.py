"""mail.imap.ImapMailbox against a real Dovecot (tests/servers.py)."""

from __future__ import annotations

import asyncio
import base64
import ssl
import time

import pytest

from mail.imap import ImapConfig, ImapError, ImapMailbox, RemoteMessage, xoauth2_initial_response
from servers import free_port


def config(server, **changes) -> ImapConfig:
    settings = dict(host=server.host, port=server.port, user=server.user,
                    password=server.password, security="none", timeout=5)
    return ImapConfig(**{**settings, **changes})


def message(number: int, body_size: int = 100) -> bytes:
    """A raw message; some carry 8-bit bytes and lines that look like IMAP responses."""
    body = b"Line %d of an application.\r\n" % number
    if number % 3 == 0:
        body += b"Caf\xc3\xa9 \xff\xfe raw 8-bit bytes\r\n"
    if number % 5 == 0:
        body += b"* %d FETCH (UID %d BODY[] {12}\r\n)\r\nA1 OK done\r\n" % (number, number + 1)
    body += b"x" * (body_size + number % 97) + b"\r\n"
    return (b"From: Applicant %d <applicant%d@example.org>\r\n"
            b"To: desk@kcity.test\r\n"
            b"Subject: Application %d\r\n"
            b"Message-ID: <%d@example.org>\r\n"
            b"\r\n" % (number, number, number, number)) + body


@pytest.fixture
async def mailbox(imap_server):
    box = ImapMailbox(config(imap_server))
    await box.connect()
    yield box
    await box.close()


# -- connecting -----------------------------------------------------------------


async def test_connect_without_tls_records_uidvalidity_and_idle(imap_server, mailbox):
    assert mailbox.uidvalidity == imap_server.uidvalidity()
    assert mailbox.supports_idle


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_connect_with_tls(imap_server, security):
    imap_server.append(message(1))
    port = imap_server.tls_port if security == "tls" else imap_server.port
    box = ImapMailbox(config(imap_server, security=security, port=port),
                      ssl_context=imap_server.ssl_context())
    await box.connect()
    try:
        assert [m.uid for m in await box.pending()] == list(imap_server.messages())
    finally:
        await box.close()


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_untrusted_certificate_is_refused(imap_server, security):
    port = imap_server.tls_port if security == "tls" else imap_server.port
    box = ImapMailbox(config(imap_server, security=security, port=port),
                      ssl_context=ssl.create_default_context())  # system CAs only
    with pytest.raises(ImapError, match="certificate verify failed"):
        await box.connect()


async def test_wrong_password(imap_server):
    box = ImapMailbox(config(imap_server, password="wrong guess"))
    with pytest.raises(ImapError, match="login as applicant-desk refused") as raised:
        await box.connect()
    assert "wrong guess" not in str(raised.value)


async def test_nobody_listening():
    box = ImapMailbox(ImapConfig("127.0.0.1", free_port(), "someone", "pw", "none", timeout=5))
    with pytest.raises(ImapError, match="cannot connect"):
        await box.connect()


async def test_missing_folder(imap_server):
    box = ImapMailbox(config(imap_server, folder="No Such Folder"))
    with pytest.raises(ImapError, match="SELECT No Such Folder"):
        await box.connect()


async def test_xoauth2_login(imap_server):
    box = ImapMailbox(config(imap_server, password=None, auth="xoauth2",
                             oauth_token=lambda: imap_server.oauth_token))
    await box.connect()
    try:
        assert box.uidvalidity == imap_server.uidvalidity()
    finally:
        await box.close()


async def test_xoauth2_refused_token_fails_fast(imap_server):
    # The server's error challenge must be answered, or the login would hang
    # until the timeout.
    box = ImapMailbox(config(imap_server, password=None, auth="xoauth2",
                             oauth_token=lambda: "expired-token", timeout=5))
    began = time.monotonic()
    with pytest.raises(ImapError, match="refused"):
        await box.connect()
    assert time.monotonic() - began < 3


def test_xoauth2_initial_response_is_the_documented_sasl_string():
    sent = base64.b64decode(xoauth2_initial_response("desk@example.org", "ya29.token"))
    assert sent == b"user=desk@example.org\x01auth=Bearer ya29.token\x01\x01"


def test_config_is_checked():
    with pytest.raises(ValueError, match="security"):
        ImapConfig("h", 993, "u", "p", "ssl")
    with pytest.raises(ValueError, match="oauth_token"):
        ImapConfig("h", 993, "u", None, "tls", auth="xoauth2")


# -- reading --------------------------------------------------------------------


async def test_pending_and_fetch_1200_messages_in_batches(imap_server, mailbox):
    raws = [message(n) for n in range(1200)]
    uids = imap_server.append_many(raws)
    sent = dict(zip(uids, raws))

    pending = await mailbox.pending()
    assert pending == [RemoteMessage(mailbox.uidvalidity, uid, len(sent[uid])) for uid in uids]

    fetched = [item async for item in mailbox.fetch([m.uid for m in pending])]
    assert [uid for uid, _ in fetched] == uids
    assert dict(fetched) == sent
    # BODY.PEEK: fetching does not mark the messages read.
    assert all(flags == set() for flags in imap_server.flags().values())


async def test_fetch_1200_tiny_messages_in_one_command(imap_server, mailbox):
    # A thousand responses arrive in one read from the socket; aioimaplib
    # alone would exceed Python's recursion limit parsing them.
    raws = [b"Subject: %d\r\n\r\nx\r\n" % n for n in range(1200)]
    uids = imap_server.append_many(raws)

    async def fetch_all():
        return [item async for item in mailbox.fetch(uids, batch=len(uids))]

    fetching = asyncio.create_task(fetch_all())
    await asyncio.sleep(0.1)  # the command is sent
    time.sleep(0.5)  # stall the loop: the whole response piles up in the socket
    assert dict(await fetching) == dict(zip(uids, raws))


async def test_fetch_small_batches_and_vanished_uids(imap_server, mailbox):
    uids = imap_server.append_many([message(n) for n in range(7)])
    fetched = [uid async for uid, _ in mailbox.fetch(uids + [uids[-1] + 100], batch=3)]
    assert fetched == uids


async def test_fetch_header_does_not_download_the_body(imap_server):
    raw = message(1, body_size=2_000_000)
    uid = imap_server.append(raw)
    since = imap_server.log_size()
    box = ImapMailbox(config(imap_server))
    await box.connect()
    header = await box.fetch_header(uid)
    await box.close()

    assert header == raw[: raw.index(b"\r\n\r\n") + 4]
    ours = [s for s in imap_server.ended_sessions(since, wait_for=lambda s: s["hdr_count"])
            if s["hdr_count"]]
    assert len(ours) == 1
    assert ours[0]["body_count"] == 0 and ours[0]["out"] < 10_000


async def test_fetch_header_of_a_missing_message(mailbox):
    with pytest.raises(ImapError, match="no message with UID 999"):
        await mailbox.fetch_header(999)


async def test_uidvalidity_changes_when_the_folder_is_recreated(imap_server):
    imap_server.create_folder("Applications")
    box = ImapMailbox(config(imap_server, folder="Applications"))
    await box.connect()
    before = box.uidvalidity
    await box.close()

    imap_server.delete_folder("Applications")
    imap_server.create_folder("Applications")
    await box.connect()
    try:
        assert box.uidvalidity != before
        assert box.uidvalidity == imap_server.uidvalidity("Applications")
    finally:
        await box.close()


# -- marking done ---------------------------------------------------------------


async def test_mark_done_with_keyword(imap_server, mailbox):
    first, second, third = imap_server.append_many([message(n) for n in range(3)])

    await mailbox.mark_done([first, second])

    assert [m.uid for m in await mailbox.pending()] == [third]
    flags = imap_server.flags()
    assert flags[first] == flags[second] == {"\\Seen", "$KCityArchived"}
    assert flags[third] == set()
    # Another session (the service after a restart) agrees.
    fresh = ImapMailbox(config(imap_server))
    await fresh.connect()
    try:
        assert [m.uid for m in await fresh.pending()] == [third]
    finally:
        await fresh.close()


@pytest.mark.parametrize("host", ["host", "basic_host"], ids=["MOVE", "COPY+EXPUNGE"])
async def test_mark_done_by_moving(imap_server, host):
    raws = [message(n) for n in range(4)]
    uids = imap_server.append_many(raws)
    box = ImapMailbox(config(imap_server, host=getattr(imap_server, host), move_to="KCity Done"))
    await box.connect()
    try:
        await box.mark_done(uids[:2])  # creates the folder
        await box.mark_done(uids[2:3])  # into the existing folder
        assert [m.uid for m in await box.pending()] == uids[3:]
    finally:
        await box.close()

    assert list(imap_server.messages().values()) == raws[3:]
    assert sorted(imap_server.messages("KCity Done").values()) == sorted(raws[:3])


async def test_mark_done_of_nothing(mailbox):
    await mailbox.mark_done([])


# -- waiting for mail -------------------------------------------------------------


async def test_idle_wakes_on_new_mail(imap_server, mailbox):
    async def deliver_soon():
        await asyncio.sleep(0.2)
        await asyncio.to_thread(imap_server.append, message(1))

    delivery = asyncio.create_task(deliver_soon())
    began = time.monotonic()
    await mailbox.wait_for_new(timeout=20)
    assert time.monotonic() - began < 5
    await delivery
    assert len(await mailbox.pending()) == 1


async def test_idle_returns_after_timeout_and_connection_still_works(imap_server, mailbox):
    began = time.monotonic()
    await mailbox.wait_for_new(timeout=0.5)
    assert 0.4 < time.monotonic() - began < 3
    imap_server.append(message(1))
    assert len(await mailbox.pending()) == 1


async def test_without_idle_it_sleeps(imap_server):
    box = ImapMailbox(config(imap_server, host=imap_server.basic_host))
    await box.connect()
    try:
        assert not box.supports_idle
        began = time.monotonic()
        await box.wait_for_new(timeout=0.3)
        assert time.monotonic() - began >= 0.3
    finally:
        await box.close()


# -- losing the server --------------------------------------------------------------


async def test_server_restart_then_reconnect(imap_server, mailbox):
    imap_server.append(message(1))
    imap_server.restart()

    began = time.monotonic()
    with pytest.raises(ImapError):
        await mailbox.pending()
    assert time.monotonic() - began < 1  # the loss was noticed, not timed out

    await mailbox.connect()
    assert len(await mailbox.pending()) == 1


async def test_server_stopping_during_idle(imap_server, mailbox):
    waiting = asyncio.create_task(mailbox.wait_for_new(timeout=60))
    await asyncio.sleep(0.2)
    began = time.monotonic()
    await asyncio.to_thread(imap_server.stop)
    with pytest.raises(ImapError, match="connection lost"):
        await asyncio.wait_for(waiting, 5)
    assert time.monotonic() - began < 5


async def test_connect_while_server_is_down(imap_server):
    imap_server.stop()
    with pytest.raises(ImapError, match="cannot connect"):
        await ImapMailbox(config(imap_server)).connect()


async def test_calls_after_close_fail(mailbox):
    await mailbox.close()
    await mailbox.close()  # twice is fine
    with pytest.raises(ImapError, match="not connected"):
        await mailbox.pending()
