"""Fixtures that start real mail servers (see tests/servers.py)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from servers import DOVECOT, INSTALL_HINT, DovecotServer, SmtpServer, make_certificate


@pytest.fixture(scope="session")
def dovecot():
    """One Dovecot for the whole session; use `imap_server` in tests."""
    if not DOVECOT.exists():
        # Fail, never skip: a missing server must not pass as a green run.
        pytest.fail(f"{DOVECOT} is missing: the IMAP tests need Dovecot ({INSTALL_HINT})")
    # Not under pytest's tmp_path: its parents are private to root, and
    # Dovecot's unprivileged processes must read the files.
    root = Path(tempfile.mkdtemp(prefix="kcity-dovecot-"))
    server = DovecotServer(root)
    try:
        server.start()
        yield server
    finally:
        server.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_server(dovecot):
    """The session's Dovecot, running and with an empty mailbox."""
    dovecot.start()  # an earlier test may have stopped it
    dovecot.clear()
    return dovecot


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory):
    """(cert.pem, key.pem): self-signed, for 127.0.0.1."""
    return make_certificate(tmp_path_factory.mktemp("certificate"))


def _smtp(**options):
    server = SmtpServer(**options)
    server.start()
    return server


@pytest.fixture
def smtp_server():
    """aiosmtpd without authentication; `.received` lists what it got."""
    server = _smtp()
    yield server
    server.stop()


@pytest.fixture
def smtp_auth_server():
    """aiosmtpd that refuses mail until the client logs in (LOGIN or PLAIN)."""
    server = _smtp(require_auth=True)
    yield server
    server.stop()


@pytest.fixture(params=["starttls", "tls"])
def smtp_tls_server(request, tls_certificate):
    """aiosmtpd with STARTTLS, then with TLS from the first byte."""
    server = _smtp(security=request.param, cert=tls_certificate, require_auth=True)
    yield server
    server.stop()


@pytest.fixture
def desk(tmp_path):
    """A Desk on a fresh store in tmp_path, replies written to tmp_path/outbox, judging dates by each message's."""
    from helpers import DESK_ADDRESS
    from kcity.config import load_settings
    from kcity.service import Desk

    settings = load_settings(
        {"KCITY_DB": str(tmp_path / "k.db"), "OUTBOX_DIR": str(tmp_path / "outbox"), "MAIL_FROM": DESK_ADDRESS},
        env_file=None,
    )
    desk = Desk(settings, use_message_date=True)
    yield desk
    desk.close()


# --- Bot API emulator (tests/botapi.py) -------------------------------------------
@pytest.fixture
async def bot_api():
    """A Telegram Bot API emulator on 127.0.0.1, random port; stopped after the test.

    Point PTB at it: ``Bot(bot_api.token, base_url=bot_api.base_url,
    base_file_url=bot_api.base_file_url)``.
    """
    from botapi import BotAPIEmulator

    emulator = BotAPIEmulator()
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()
    assert not emulator.internal_errors, "\n".join(emulator.internal_errors)
# --- end of Bot API emulator block -------------------------------------------------
