"""Settings: one typed object, read once from the environment and ``.env``.

A missing or malformed setting stops start-up with one line naming it
(``SettingsError``). Tests pass a plain dict as ``environ``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Mapping

from email.utils import parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from dotenv import dotenv_values

SECURITY_MODES = ("tls", "starttls", "none")


class SettingsError(Exception):
    """A setting is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    db_path: Path
    secret: bytes
    mail_from: str
    timezone: str
    # Sources: an IMAP mailbox and/or a local Maildir.
    imap_host: str | None
    imap_port: int
    imap_user: str | None
    imap_password: str | None
    imap_security: str
    imap_folder: str
    imap_auth: str
    imap_oauth_token_file: Path | None
    imap_oauth_token_command: str | None
    imap_done_keyword: str
    imap_move_to: str | None
    poll_seconds: float
    max_message_bytes: int
    maildir: Path | None
    # Sinks: SMTP and/or a folder of .eml files (the demo's outbox).
    smtp_host: str | None
    smtp_port: int
    smtp_user: str | None
    smtp_password: str | None
    smtp_security: str
    outbox_dir: Path | None
    replies_per_hour: int
    telegram_bot_username: str | None
    # Telegram: no token, no bot. The base URL can point at a local Bot API server.
    telegram_bot_token: str | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    # Webhook mode (behind HTTPS) when a URL is set; long polling otherwise.
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    telegram_webhook_secret: str | None = None
    # Staff: who may use the staff commands, and where the daily digest goes.
    staff_telegram_ids: frozenset[int] = frozenset()
    staff_telegram_chats: tuple[int, ...] = ()
    staff_emails: tuple[str, ...] = ()
    digest_time: time = time(9, 0)
    digest_timezone: str = "Asia/Seoul"

    @property
    def desk_address(self) -> str:
        """The bare address applications are sent to: MAIL_FROM without its display name."""
        return parseaddr(self.mail_from)[1] or self.mail_from

    @property
    def mail_domain(self) -> str:
        return self.mail_from.rsplit("@", 1)[-1].strip(">").lower()

    def oauth_token(self) -> str:
        """The current XOAUTH2 access token, from the configured file or command."""
        if self.imap_oauth_token_file:
            return self.imap_oauth_token_file.read_text().strip()
        if self.imap_oauth_token_command:
            done = subprocess.run(shlex.split(self.imap_oauth_token_command), capture_output=True, text=True, timeout=30)
            if done.returncode != 0:
                raise SettingsError("IMAP_OAUTH_TOKEN_COMMAND failed: " + done.stderr.strip()[:200])
            return done.stdout.strip()
        raise SettingsError("IMAP_AUTH=xoauth2 needs IMAP_OAUTH_TOKEN_FILE or IMAP_OAUTH_TOKEN_COMMAND")

    def require_source(self) -> None:
        if not self.imap_host and not self.maildir:
            raise SettingsError("no mail source: set IMAP_HOST (with IMAP_USER and a password or token) or MAILDIR"
                                " (or TELEGRAM_BOT_TOKEN, for kcity run with the bot alone)")

    def require_sink(self) -> None:
        if not self.smtp_host and not self.outbox_dir:
            raise SettingsError("no way to send replies: set SMTP_HOST or OUTBOX_DIR")


class _Reader:
    def __init__(self, values: Mapping[str, str]):
        self.values = values

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        return default if value is None or value.strip() == "" else value.strip()

    def required(self, name: str, why: str) -> str:
        value = self.str(name)
        if value is None:
            raise SettingsError(f"missing setting {name} ({why})")
        return value

    def int(self, name: str, default: int) -> int:
        value = self.str(name)
        if value is None:
            return default
        try:
            number = int(value.replace("_", ""))
        except ValueError:
            raise SettingsError(f"setting {name} must be a whole number, got {value!r}") from None
        if number < 0:
            raise SettingsError(f"setting {name} must not be negative, got {value!r}")
        return number

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = (self.str(name) or default).lower()
        if value not in choices:
            raise SettingsError(f"setting {name} must be one of {', '.join(choices)}, got {value!r}")
        return value

    def ints(self, name: str) -> tuple[int, ...]:
        """A comma-separated list of integers (Telegram ids)."""
        items = [item.strip() for item in (self.str(name) or "").split(",") if item.strip()]
        try:
            return tuple(int(item) for item in items)
        except ValueError:
            raise SettingsError(f"setting {name} must be comma-separated numbers (Telegram ids), "
                                f"got {self.str(name)!r}") from None

    def emails(self, name: str) -> tuple[str, ...]:
        items = tuple(item.strip() for item in (self.str(name) or "").split(",") if item.strip())
        for item in items:
            if not re.fullmatch(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+", item):
                raise SettingsError(f"setting {name} holds {item!r}, which is not an email address")
        return items

    def clock_time(self, name: str, default: str) -> time:
        value = self.str(name, default)
        try:
            return time.fromisoformat(value)
        except ValueError:
            raise SettingsError(f"setting {name} must be a time of day like 09:00, got {value!r}") from None

    def path(self, name: str, default: str | None = None) -> Path | None:
        value = self.str(name, default)
        return Path(value).expanduser() if value else None


def _webhook_url_allowed(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1"))


def load_settings(environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
    """Settings from ``environ`` (default: the process environment) over ``env_file``."""
    values: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    read = _Reader(values)

    mail_from = read.str("MAIL_FROM", "K-City Network <kcity@localhost>")
    if "@" not in mail_from:
        raise SettingsError(f"setting MAIL_FROM must be an email address, got {mail_from!r}")

    imap_host = read.str("IMAP_HOST")
    imap_security = read.choice("IMAP_SECURITY", "tls", SECURITY_MODES)
    imap_auth = read.choice("IMAP_AUTH", "password", ("password", "xoauth2"))
    if imap_host:
        read.required("IMAP_USER", "needed because IMAP_HOST is set")
        if imap_auth == "password":
            read.required("IMAP_PASSWORD", "needed because IMAP_HOST is set and IMAP_AUTH=password")
        elif not (read.str("IMAP_OAUTH_TOKEN_FILE") or read.str("IMAP_OAUTH_TOKEN_COMMAND")):
            raise SettingsError("missing setting IMAP_OAUTH_TOKEN_FILE or IMAP_OAUTH_TOKEN_COMMAND (IMAP_AUTH=xoauth2)")
    smtp_host = read.str("SMTP_HOST")
    smtp_security = read.choice("SMTP_SECURITY", "starttls", SECURITY_MODES)
    if smtp_host and read.str("SMTP_USER"):
        read.required("SMTP_PASSWORD", "needed because SMTP_USER is set")

    telegram_bot_token = read.str("TELEGRAM_BOT_TOKEN")
    if telegram_bot_token is not None and not re.fullmatch(r"\d+:[\w-]+", telegram_bot_token):
        raise SettingsError("setting TELEGRAM_BOT_TOKEN does not look like a bot token (digits:letters, from @BotFather)")
    telegram_webhook_url = read.str("TELEGRAM_WEBHOOK_URL")
    if telegram_webhook_url and not _webhook_url_allowed(telegram_webhook_url):
        raise SettingsError("setting TELEGRAM_WEBHOOK_URL must be an https:// URL (Telegram only calls HTTPS "
                            "webhooks; http:// only on loopback, for a local Bot API server)")

    secret = read.str("KCITY_SECRET")
    if secret is None:
        if imap_host or smtp_host or telegram_bot_token:
            raise SettingsError("missing setting KCITY_SECRET (signs our Message-IDs and Telegram links; "
                                "any long random string)")
        secret = "kcity-local-development-only"
    timezone = read.str("KCITY_TIMEZONE", "Asia/Seoul")
    try:
        ZoneInfo(timezone)
    except Exception:
        raise SettingsError(f"setting KCITY_TIMEZONE is not a known time zone: {timezone!r}") from None

    digest_timezone = read.str("DIGEST_TIMEZONE", "Asia/Seoul")
    try:
        ZoneInfo(digest_timezone)
    except Exception:
        raise SettingsError(f"setting DIGEST_TIMEZONE is not a known time zone: {digest_timezone!r}") from None

    return Settings(
        db_path=read.path("KCITY_DB", "kcity.db"),
        secret=secret.encode(),
        mail_from=mail_from,
        timezone=timezone,
        imap_host=imap_host,
        imap_port=read.int("IMAP_PORT", 993 if imap_security == "tls" else 143),
        imap_user=read.str("IMAP_USER"),
        imap_password=read.str("IMAP_PASSWORD"),
        imap_security=imap_security,
        imap_folder=read.str("IMAP_FOLDER", "INBOX"),
        imap_auth=imap_auth,
        imap_oauth_token_file=read.path("IMAP_OAUTH_TOKEN_FILE"),
        imap_oauth_token_command=read.str("IMAP_OAUTH_TOKEN_COMMAND"),
        imap_done_keyword=read.str("IMAP_DONE_KEYWORD", "$KCityArchived"),
        imap_move_to=read.str("IMAP_MOVE_TO"),
        poll_seconds=float(read.int("IMAP_POLL_SECONDS", 60)),
        max_message_bytes=read.int("MAX_MESSAGE_BYTES", 25 * 1024 * 1024),
        maildir=read.path("MAILDIR"),
        smtp_host=smtp_host,
        smtp_port=read.int("SMTP_PORT", 465 if smtp_security == "tls" else 587 if smtp_security == "starttls" else 25),
        smtp_user=read.str("SMTP_USER"),
        smtp_password=read.str("SMTP_PASSWORD"),
        smtp_security=smtp_security,
        outbox_dir=read.path("OUTBOX_DIR"),
        replies_per_hour=read.int("REPLIES_PER_HOUR", 5),
        telegram_bot_username=(read.str("TELEGRAM_BOT_USERNAME") or "").lstrip("@") or None,
        telegram_bot_token=telegram_bot_token,
        telegram_base_url=read.str("TELEGRAM_BASE_URL", "https://api.telegram.org/bot"),
        telegram_webhook_url=telegram_webhook_url,
        telegram_webhook_listen=read.str("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"),
        telegram_webhook_port=read.int("TELEGRAM_WEBHOOK_PORT", 8443),
        telegram_webhook_secret=read.str("TELEGRAM_WEBHOOK_SECRET"),
        staff_telegram_ids=frozenset(read.ints("STAFF_TELEGRAM_IDS")),
        staff_telegram_chats=read.ints("STAFF_TELEGRAM_CHATS"),
        staff_emails=read.emails("STAFF_EMAILS"),
        digest_time=read.clock_time("DIGEST_TIME", "09:00"),
        digest_timezone=digest_timezone,
    )
