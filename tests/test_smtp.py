"""mail.smtp.SmtpSender against a real aiosmtpd server (tests/servers.py)."""

from __future__ import annotations

import ssl
from email.message import EmailMessage

import pytest

from mail.smtp import SmtpConfig, SmtpError, SmtpSender
from servers import client_ssl_context, free_port

DESK = "desk@kcity.test"


def config(server, **changes) -> SmtpConfig:
    settings = dict(host=server.host, port=server.port, user=None, password=None,
                    security="none", timeout=5)
    return SmtpConfig(**{**settings, **changes})


def reply(number: int, to: str = "applicant@example.org") -> EmailMessage:
    message = EmailMessage()
    message["From"] = DESK
    message["To"] = to
    message["Subject"] = f"Your application {number}"
    message.set_content(f"Thank you. Reference {number}.\n")
    return message


async def test_send(smtp_server):
    async with SmtpSender(config(smtp_server)) as sender:
        refused = await sender.send(reply(1), DESK, ["applicant@example.org"])

    assert refused == {}
    [mail] = smtp_server.received
    assert mail.mail_from == DESK
    assert mail.rcpt_tos == ["applicant@example.org"]
    assert b"Subject: Your application 1\r\n" in mail.data
    assert mail.data.endswith(b"Thank you. Reference 1.\r\n")


async def test_send_raw_bytes_unchanged(smtp_server):
    raw = (b"From: desk@kcity.test\r\nTo: applicant@example.org\r\nSubject: Raw\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
           b"K-City \xec\x9d\xb8\xec\x82\xac\r\n.a line that starts with a dot\r\n.\r\nend\r\n")
    async with SmtpSender(config(smtp_server)) as sender:
        await sender.send_raw(raw, DESK, ["applicant@example.org"])
    assert [mail.data for mail in smtp_server.received] == [raw]


async def test_one_connection_per_batch(smtp_server):
    async with SmtpSender(config(smtp_server)) as sender:
        for number in range(5):
            await sender.send(reply(number), DESK, ["applicant@example.org"])
    assert len(smtp_server.received) == 5
    assert smtp_server.handler.connections() == 1

    async with SmtpSender(config(smtp_server)) as sender:
        await sender.send(reply(6), DESK, ["applicant@example.org"])
    assert smtp_server.handler.connections() == 2


async def test_login(smtp_auth_server):
    server = smtp_auth_server
    async with SmtpSender(config(server, user=server.user, password=server.password)) as sender:
        await sender.send(reply(1), DESK, ["applicant@example.org"])
    assert [mail.login for mail in server.received] == [server.user]


async def test_wrong_password_is_temporary(smtp_auth_server):
    server = smtp_auth_server
    async with SmtpSender(config(server, user=server.user, password="wrong guess")) as sender:
        with pytest.raises(SmtpError, match="login as desk@kcity.test refused") as raised:
            await sender.send(reply(1), DESK, ["applicant@example.org"])
    # A configuration problem, not a problem of this message: retry later.
    assert not raised.value.permanent
    assert server.received == []


async def test_missing_login_is_temporary(smtp_auth_server):
    async with SmtpSender(config(smtp_auth_server)) as sender:
        with pytest.raises(SmtpError, match="530") as raised:
            await sender.send(reply(1), DESK, ["applicant@example.org"])
    assert not raised.value.permanent


async def test_tls(smtp_tls_server, tls_certificate):
    server = smtp_tls_server
    settings = config(server, user=server.user, password=server.password, security=server.security)
    async with SmtpSender(settings, ssl_context=client_ssl_context(tls_certificate[0])) as sender:
        await sender.send(reply(1), DESK, ["applicant@example.org"])
    assert [mail.login for mail in server.received] == [server.user]


async def test_untrusted_certificate(smtp_tls_server):
    server = smtp_tls_server
    settings = config(server, user=server.user, password=server.password, security=server.security)
    async with SmtpSender(settings, ssl_context=ssl.create_default_context()) as sender:
        with pytest.raises(SmtpError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed") as raised:
            await sender.send(reply(1), DESK, ["applicant@example.org"])
    assert not raised.value.permanent
    assert server.received == []


async def test_server_down_then_back(smtp_server):
    smtp_server.stop()
    async with SmtpSender(config(smtp_server)) as sender:
        with pytest.raises(SmtpError) as raised:
            await sender.send(reply(1), DESK, ["applicant@example.org"])
        assert not raised.value.permanent

        smtp_server.start()
        await sender.send(reply(2), DESK, ["applicant@example.org"])
    assert [mail.data.count(b"application 2") for mail in smtp_server.received] == [1]


async def test_dropped_connection_is_reopened_once(smtp_server):
    async with SmtpSender(config(smtp_server)) as sender:
        await sender.send(reply(1), DESK, ["applicant@example.org"])
        smtp_server.stop()  # closes the open connection
        smtp_server.start()
        await sender.send(reply(2), DESK, ["applicant@example.org"])
    assert len(smtp_server.received) == 2
    assert smtp_server.handler.connections() == 2


async def test_nobody_listening():
    sender = SmtpSender(SmtpConfig("127.0.0.1", free_port(), None, None, "none", timeout=5))
    with pytest.raises(SmtpError, match="Error connecting") as raised:
        await sender.send(reply(1), DESK, ["applicant@example.org"])
    assert not raised.value.permanent


async def test_recipient_refused_is_permanent(smtp_server):
    smtp_server.handler.refused_recipients["nobody@example.org"] = "550 5.1.1 No such user"
    async with SmtpSender(config(smtp_server)) as sender:
        with pytest.raises(SmtpError, match="nobody@example.org: 550 5.1.1 No such user") as raised:
            await sender.send(reply(1, to="nobody@example.org"), DESK, ["nobody@example.org"])
        assert raised.value.permanent
        # The connection is still good for the next message.
        await sender.send(reply(2), DESK, ["applicant@example.org"])
    assert len(smtp_server.received) == 1
    assert smtp_server.handler.connections() == 1


async def test_recipient_deferred_is_temporary(smtp_server):
    smtp_server.handler.refused_recipients["busy@example.org"] = "450 4.2.1 Mailbox busy, try later"
    async with SmtpSender(config(smtp_server)) as sender:
        with pytest.raises(SmtpError, match="450") as raised:
            await sender.send(reply(1, to="busy@example.org"), DESK, ["busy@example.org"])
    assert not raised.value.permanent


async def test_some_recipients_refused(smtp_server):
    smtp_server.handler.refused_recipients["nobody@example.org"] = "550 5.1.1 No such user"
    async with SmtpSender(config(smtp_server)) as sender:
        refused = await sender.send(reply(1), DESK, ["applicant@example.org", "nobody@example.org"])
    assert refused == {"nobody@example.org": "550 5.1.1 No such user"}
    assert [mail.rcpt_tos for mail in smtp_server.received] == [["applicant@example.org"]]


def test_config_is_checked():
    with pytest.raises(ValueError, match="security"):
        SmtpConfig("h", 25, None, None, "ssl")
