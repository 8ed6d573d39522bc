"""Sending replies, over SMTP: a thin adapter on aiosmtplib.

    config = SmtpConfig(host="smtp.example.org", port=587, user="desk", password="...",
                        security="starttls")
    async with SmtpSender(config) as smtp:        # connects at the first send
        for reply in replies:
            await smtp.send(reply, sender="desk@example.org", recipients=[applicant])

One connection serves the whole batch. If the server dropped it meanwhile
(idle timeout, restart), send() reconnects and tries once more.

Failures are SmtpError(message, permanent). Permanent: the server refused
this message for good (a 5xx reply to RCPT or DATA); sending it again is
pointless. Temporary: anything else (no connection, timeout, 4xx, login or
sender address refused); try again later.
"""

from __future__ import annotations

import asyncio
import email.message
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType

import aiosmtplib

log = logging.getLogger(__name__)

SECURITY_MODES = ("tls", "starttls", "none")

# What aiosmtplib's sendmail() and send_message() return: the refused
# recipients, and the server's reply to DATA.
SendResult = tuple[dict[str, aiosmtplib.SMTPResponse], str]


class SmtpError(Exception):
    """The server did not take the message; `permanent` says if trying again can help."""

    def __init__(self, message: str, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str | None  # None: no login
    password: str | None
    security: str  # "tls" | "starttls" | "none"
    timeout: float = 30

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ValueError(f"SMTP security must be one of {SECURITY_MODES}, not {self.security!r}")


class SmtpSender:
    def __init__(self, config: SmtpConfig, ssl_context: ssl.SSLContext | None = None):
        """ssl_context: for "tls"/"starttls"; None trusts the system's certificate authorities."""
        self._config = config
        self._ssl_context = ssl_context
        self._smtp: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()  # one mail transaction at a time on the connection

    async def __aenter__(self) -> SmtpSender:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, traceback: TracebackType | None) -> None:
        await self.close()

    async def send(self, message: email.message.EmailMessage, sender: str,
                   recipients: list[str]) -> dict[str, str]:
        """Send one message. Returns the recipients the server refused when it
        accepted the others ({address: "550 reason"}); normally empty."""
        return await self._deliver(
            lambda smtp: smtp.send_message(message, sender=sender, recipients=recipients))

    async def send_raw(self, raw: bytes, sender: str, recipients: list[str]) -> dict[str, str]:
        """send() for a message already serialised (CRLF line ends), sent byte for byte."""
        return await self._deliver(lambda smtp: smtp.sendmail(sender, recipients, raw))

    async def _deliver(self, transaction: Callable[[aiosmtplib.SMTP], Awaitable[SendResult]]
                       ) -> dict[str, str]:
        async with self._lock:
            if self._smtp is not None:  # the batch's connection, maybe dropped since
                try:
                    return _refusals(await transaction(self._smtp))
                except (aiosmtplib.SMTPException, OSError) as error:
                    if not _dropped(error):
                        raise self._translate(error) from error
                    log.info("SMTP %s: connection dropped (%s), reconnecting",
                             self._where(), _describe(error))
                    await self.close()
            try:
                self._smtp = await self._connect()
                return _refusals(await transaction(self._smtp))
            except (aiosmtplib.SMTPException, OSError) as error:
                raise self._translate(error) from error

    async def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            if smtp.is_connected:
                await smtp.quit(timeout=min(self._config.timeout, 5))
        except (aiosmtplib.SMTPException, OSError):
            pass  # leaving anyway
        finally:
            smtp.close()

    async def _connect(self) -> aiosmtplib.SMTP:
        config = self._config
        options = {}
        if self._ssl_context is not None:
            options["tls_context"] = self._ssl_context
        smtp = aiosmtplib.SMTP(
            hostname=config.host, port=config.port,
            username=config.user, password=config.password, timeout=config.timeout,
            use_tls=config.security == "tls",
            # False, not None: "none" must not upgrade on its own either.
            start_tls=config.security == "starttls",
            **options,
        )
        try:
            await smtp.connect()  # also STARTTLS and login
        except (aiosmtplib.SMTPException, OSError):
            smtp.close()  # e.g. connected but the login was refused
            # One turn of the loop lets asyncio finish closing the socket
            # (else: "unclosed transport" when the loop ends first).
            await asyncio.sleep(0)
            raise
        except BaseException:
            smtp.close()
            raise
        log.info("SMTP connected to %s", self._where())
        return smtp

    def _translate(self, error: BaseException) -> SmtpError:
        where = self._where()
        if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
            replies = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in error.recipients)
            permanent = all(r.code >= 500 for r in error.recipients)
            return SmtpError(f"SMTP {where}: recipients refused: {replies}", permanent)
        if isinstance(error, (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError)):
            return SmtpError(f"SMTP {where}: {error.code} {error.message}", error.code >= 500)
        if isinstance(error, aiosmtplib.SMTPSenderRefused):
            # A refused sender (530 login required, 553 not your address) is our
            # configuration's fault, not the message's: fix it and retry.
            return SmtpError(f"SMTP {where}: sender {error.sender} refused: "
                             f"{error.code} {error.message}", permanent=False)
        if isinstance(error, aiosmtplib.SMTPAuthenticationError):
            return SmtpError(f"SMTP {where}: login as {self._config.user} refused: "
                             f"{error.code} {error.message}", permanent=False)
        return SmtpError(f"SMTP {where}: {_describe(error)}", permanent=False)

    def _where(self) -> str:
        return f"{self._config.host}:{self._config.port}"


def _describe(error: BaseException) -> str:
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"{error.code} {error.message}"
    return str(error) or type(error).__name__


def _dropped(error: BaseException) -> bool:
    """Did the server close the connection (so a new one may work)?"""
    if isinstance(error, aiosmtplib.SMTPServerDisconnected):
        return True
    # 421: the server is closing the connection (RFC 5321 3.8).
    return isinstance(error, aiosmtplib.SMTPResponseException) and error.code == 421


def _refusals(result: SendResult) -> dict[str, str]:
    refused, _ = result
    return {address: f"{reply.code} {reply.message}" for address, reply in refused.items()}
