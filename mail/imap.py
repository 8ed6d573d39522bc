"""The application inbox, over IMAP: a thin adapter on aioimaplib.

    mailbox = ImapMailbox(ImapConfig(host="imap.example.org", port=993, user="desk",
                                     password="...", security="tls"))
    await mailbox.connect()
    todo = await mailbox.pending()                  # [RemoteMessage(uidvalidity, uid, size)]
    async for uid, raw in mailbox.fetch([m.uid for m in todo]):
        ...                                         # store it
    await mailbox.mark_done([...])                  # keyword + \\Seen, or move
    await mailbox.wait_for_new(timeout=600)         # IDLE
    await mailbox.close()

Every failure of the connection, the login or a command is an ImapError with a
one-line message. The connection is then unusable: call connect() again (after
a delay from mail.backoff.Backoff).

Folder names must be ASCII (modified UTF-7 encoding is not implemented).
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import ssl
from base64 import b64encode
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import aioimaplib

log = logging.getLogger(__name__)

SECURITY_MODES = ("tls", "starttls", "none")
AUTH_METHODS = ("password", "xoauth2")
# aioimaplib rescans a whole FETCH response at each line it receives, so one
# UID FETCH of 10,000 messages is 10x slower than 20 of 500.
FETCH_BATCH = 500

T = TypeVar("T")


class ImapError(Exception):
    """The IMAP server could not be reached, refused us, or answered a command with an error."""


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    user: str
    password: str | None
    security: str  # "tls" | "starttls" | "none"
    folder: str = "INBOX"
    auth: str = "password"  # or "xoauth2"
    # Returns a current OAuth2 access token; called at each connect().
    oauth_token: Callable[[], str] | None = None
    done_keyword: str = "$KCityArchived"
    move_to: str | None = None  # when set, done messages are moved here instead of flagged
    timeout: float = 30

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ValueError(f"IMAP security must be one of {SECURITY_MODES}, not {self.security!r}")
        if self.auth not in AUTH_METHODS:
            raise ValueError(f"IMAP auth must be one of {AUTH_METHODS}, not {self.auth!r}")
        if self.auth == "xoauth2" and self.oauth_token is None:
            raise ValueError("IMAP auth xoauth2 needs oauth_token")
        if self.auth == "password" and self.password is None:
            raise ValueError("IMAP auth password needs a password")
        for name in (self.folder, self.move_to or ""):
            if not name.isascii():
                raise ValueError(f"IMAP folder names must be ASCII: {name!r}")
        if not re.fullmatch(r"\$?[A-Za-z0-9_.-]+", self.done_keyword):
            raise ValueError(f"not a usable IMAP keyword: {self.done_keyword!r}")


@dataclass(frozen=True)
class RemoteMessage:
    uidvalidity: int
    uid: int
    size: int  # RFC822.SIZE, in bytes


class ImapMailbox:
    def __init__(self, config: ImapConfig, ssl_context: ssl.SSLContext | None = None):
        """ssl_context: for "tls"/"starttls"; None trusts the system's certificate authorities."""
        self._config = config
        self._ssl_context = ssl_context
        self._client: _Client | None = None
        self._lost = asyncio.Event()  # set when the connection is unusable
        self._closed = asyncio.Event()  # set when its socket is closed
        self._uidvalidity: int | None = None
        self._capabilities: frozenset[str] = frozenset()
        self._move_folder_ready = False

    @property
    def uidvalidity(self) -> int:
        if self._uidvalidity is None:
            raise ImapError("IMAP: not connected")
        return self._uidvalidity

    @property
    def supports_idle(self) -> bool:
        return "IDLE" in self._capabilities

    # -- connection ---------------------------------------------------------

    async def connect(self) -> None:
        """(Re)connect, log in and select the folder."""
        await self.close()
        config = self._config
        try:
            await asyncio.wait_for(self._open(), config.timeout)
        except (OSError, asyncio.TimeoutError, aioimaplib.AioImapException) as error:
            await self.close()
            raise ImapError(f"IMAP {config.host}:{config.port}: cannot connect: {_describe(error)}") from error
        except BaseException:  # ImapError, or the token callable failed, or cancelled
            await self.close()
            raise
        log.info("IMAP connected to %s:%s as %s, folder %s (UIDVALIDITY %s, IDLE %s)",
                 config.host, config.port, config.user, config.folder, self._uidvalidity,
                 "yes" if self.supports_idle else "no")

    async def _open(self) -> None:
        config = self._config
        context = self._ssl_context or ssl.create_default_context()
        # Fresh events per connection: a late loss of the old one must not
        # mark the new one as lost.
        lost = self._lost = asyncio.Event()
        closed = self._closed = asyncio.Event()

        def connection_lost(_error: Exception | None) -> None:
            lost.set()
            closed.set()

        self._client = _Client(
            config.host, config.port, timeout=config.timeout,
            conn_lost_cb=connection_lost,
            ssl_context=context if config.security == "tls" else None,
        )
        await self._client.wait_hello_from_server()
        if config.security == "starttls":
            await self._starttls(context)
        await self._authenticate()
        protocol = self._client.protocol
        # Servers offer more after login (IDLE, MOVE ...), and aioimaplib only
        # ever adds to what it heard before.
        await self._call(protocol.capability(), "CAPABILITY")
        self._capabilities = frozenset(protocol.capabilities)
        response = await self._command(self._client.select(aioimaplib.quoted(config.folder)),
                                       f"SELECT {config.folder}")
        self._uidvalidity = _select_uidvalidity(response.lines)
        if config.move_to is None and not _can_store_keyword(response.lines, config.done_keyword):
            raise ImapError(f"IMAP {config.folder}: the server cannot store the keyword "
                            f"{config.done_keyword}; configure a folder to move done mail to")

    async def _starttls(self, context: ssl.SSLContext) -> None:
        # aioimaplib 2.0 has no STARTTLS: send the command, then upgrade the
        # transport under its protocol object.
        protocol = self._client.protocol
        if "STARTTLS" not in protocol.capabilities:
            raise ImapError(f"IMAP {self._config.host}: the server does not offer STARTTLS")
        command = aioimaplib.Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
        await self._command(protocol.execute(command), "STARTTLS")
        protocol.transport = await asyncio.get_running_loop().start_tls(
            protocol.transport, protocol, context, server_hostname=self._config.host)
        # What the server said before TLS cannot be trusted (RFC 3501 6.2.1).
        await self._call(protocol.capability(), "CAPABILITY")

    async def _authenticate(self) -> None:
        config, protocol = self._config, self._client.protocol
        if config.auth == "xoauth2":
            if "AUTH=XOAUTH2" not in protocol.capabilities:
                raise ImapError(f"IMAP {config.host}: the server does not offer XOAUTH2")
            command = _XOAuth2Command(protocol, config.user, config.oauth_token())
            response = await self._call(protocol.execute(command, scrub=command.sasl), "AUTHENTICATE")
            if response.result == "OK":
                # What aioimaplib's own xoauth2() does after success.
                protocol.state = aioimaplib.AUTH
        else:
            response = await self._call(self._client.login(config.user, config.password), "LOGIN")
        if response.result != "OK":
            raise ImapError(f"IMAP {config.host}: login as {config.user} refused: {_text(response)}")

    async def close(self) -> None:
        """Log out (politely if the connection still works) and forget the connection."""
        client, self._client = self._client, None
        self._uidvalidity = None
        self._move_folder_ready = False
        if client is None:
            return
        if not self._lost.is_set() and client.protocol.transport is not None:
            try:
                await asyncio.wait_for(client.logout(), min(self._config.timeout, 5))
            except (OSError, asyncio.TimeoutError, aioimaplib.AioImapException):
                pass  # we are leaving anyway
        self._lost.set()
        transport = client.protocol.transport
        if transport is not None:
            transport.close()
            # TLS says goodbye before the socket closes: wait for that, so
            # that no connection outlives close().
            try:
                await asyncio.wait_for(self._closed.wait(), min(self._config.timeout, 2))
            except asyncio.TimeoutError:
                transport.abort()
        # Closed while still connecting: stop the connection attempt too.
        if not client._client_task.done():
            client._client_task.cancel()

    # -- reading ------------------------------------------------------------

    async def pending(self) -> list[RemoteMessage]:
        """Messages of the folder not yet marked done, oldest first, with their sizes."""
        config = self._config
        criteria = ["ALL"] if config.move_to else ["UNKEYWORD", config.done_keyword]
        await self._sync()
        client = self._connected()
        response = await self._command(client.uid_search(*criteria, charset=None), "UID SEARCH")
        uids = _search_uids(response.lines)
        sizes: dict[int, int] = {}
        for batch in _batches(uids, FETCH_BATCH):
            lines = await self._uid_fetch(batch, "(RFC822.SIZE)")
            sizes.update(_fetched_sizes(lines))
        uidvalidity = self.uidvalidity
        # A message expunged meanwhile by another client has no size: leave it out.
        return [RemoteMessage(uidvalidity, uid, sizes[uid]) for uid in uids if uid in sizes]

    async def fetch(self, uids: list[int], batch: int = FETCH_BATCH) -> AsyncIterator[tuple[int, bytes]]:
        """(uid, raw message) for each UID still in the folder; does not set \\Seen."""
        await self._sync()
        for chunk in _batches(uids, batch):
            for uid, raw in _fetched_literals(await self._uid_fetch(chunk, "(BODY.PEEK[])")):
                yield uid, raw

    async def fetch_header(self, uid: int) -> bytes:
        """The header of one message, without downloading its body."""
        await self._sync()
        for _, header in _fetched_literals(await self._uid_fetch([uid], "(BODY.PEEK[HEADER])")):
            return header
        raise ImapError(f"IMAP {self._config.folder}: no message with UID {uid}")

    async def _uid_fetch(self, uids: list[int], items: str) -> list[bytes]:
        client = self._connected()
        # No overall timeout: a big batch may take long, and aioimaplib already
        # times out when the data stops flowing.
        response = await self._command(client.uid("fetch", _uid_set(uids), items),
                                       "UID FETCH", timeout=math.inf)
        return response.lines

    # -- writing ------------------------------------------------------------

    async def mark_done(self, uids: list[int]) -> None:
        """Flag the messages \\Seen and done_keyword, or move them to move_to."""
        if not uids:
            return
        await self._sync()
        if self._config.move_to is not None:
            await self._move(uids, self._config.move_to)
            return
        flags = rf"(\Seen {self._config.done_keyword})"
        for batch in _batches(uids, FETCH_BATCH):
            client = self._connected()
            await self._command(client.uid("store", _uid_set(batch), "+FLAGS.SILENT", flags),
                                "UID STORE")

    async def _move(self, uids: list[int], folder: str) -> None:
        await self._create_folder(folder)
        target = aioimaplib.quoted(folder)
        for batch in _batches(uids, FETCH_BATCH):
            client, uid_set = self._connected(), _uid_set(batch)
            if "MOVE" in self._capabilities:
                await self._command(client.uid("move", uid_set, target), "UID MOVE")
                continue
            # RFC 6851's fallback. Without UIDPLUS, EXPUNGE also removes other
            # messages someone flagged \Deleted in this folder.
            await self._command(client.uid("copy", uid_set, target), "UID COPY")
            await self._command(client.uid("store", uid_set, "+FLAGS.SILENT", r"(\Deleted)"), "UID STORE")
            if "UIDPLUS" in self._capabilities:
                await self._command(client.uid("expunge", uid_set), "UID EXPUNGE")
            else:
                await self._command(client.expunge(), "EXPUNGE")

    async def _create_folder(self, folder: str) -> None:
        if self._move_folder_ready:
            return
        client = self._connected()
        listed = await self._command(client.list('""', aioimaplib.quoted(folder)), "LIST")
        if len(listed.lines) < 2:  # only the completion line: no such folder
            await self._command(client.create(aioimaplib.quoted(folder)), f"CREATE {folder}")
        self._move_folder_ready = True

    # -- waiting ------------------------------------------------------------

    async def wait_for_new(self, timeout: float) -> None:
        """Return when the server reports new mail, or after `timeout` seconds.

        May return early for other reasons: the caller checks pending() anyway.
        """
        if not self.supports_idle:
            await asyncio.sleep(timeout)
            return
        await self._call(self._idle(timeout), "IDLE", timeout=timeout + self._config.timeout)

    async def _idle(self, timeout: float) -> None:
        client = self._connected()
        idle = await client.idle_start(timeout=timeout)
        while True:
            # idle_start() pushes STOP_WAIT_SERVER_PUSH after `timeout`.
            lines = await client.wait_server_push(timeout=timeout + self._config.timeout)
            if lines == aioimaplib.STOP_WAIT_SERVER_PUSH:
                break
            if any(isinstance(line, bytes) and line.endswith(b" EXISTS") for line in lines):
                break
        client.idle_done()
        response = await idle
        if response.result != "OK":
            raise ImapError(f"IMAP IDLE: {_text(response)}")

    # -- plumbing -----------------------------------------------------------

    async def _sync(self) -> None:
        # The server shows a session the mail delivered since its last command
        # only when it syncs, e.g. at a NOOP; until then SEARCH does not find
        # it and FETCH or STORE of its UIDs silently do nothing.
        await self._command(self._connected().noop(), "NOOP")

    def _connected(self) -> _Client:
        if self._client is None or self._lost.is_set():
            raise ImapError(f"IMAP {self._config.host}:{self._config.port}: not connected")
        return self._client

    async def _command(self, awaitable: Awaitable[aioimaplib.Response], what: str,
                       timeout: float | None = None) -> aioimaplib.Response:
        """Run one command; ImapError unless the server answers OK."""
        response = await self._call(awaitable, what, timeout)
        if response.result != "OK":
            raise ImapError(f"IMAP {what}: {response.result} {_text(response)}")
        return response

    async def _call(self, awaitable: Awaitable[T], what: str, timeout: float | None = None) -> T:
        """Await an aioimaplib call, but give up at once when the connection drops.

        aioimaplib leaves a command waiting forever (or until its timeout) when
        the server goes away; we race every call against the connection's loss.
        timeout: None for the configured one, math.inf for none.
        """
        if timeout is None:
            timeout = self._config.timeout
        limit = None if timeout == math.inf else timeout
        task = asyncio.ensure_future(awaitable)
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            done, _ = await asyncio.wait({task, lost}, timeout=limit,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
            if not task.done():
                task.cancel()
                self._lost.set()  # left mid-command: the session's state is unknown
        where = f"IMAP {self._config.host}:{self._config.port}"
        if task not in done:
            reason = "connection lost" if lost in done else f"no answer within {timeout} s"
            raise ImapError(f"{where}: {what}: {reason}")
        try:
            return task.result()
        except (OSError, asyncio.TimeoutError, aioimaplib.AioImapException) as error:
            self._lost.set()
            raise ImapError(f"{where}: {what}: {_describe(error)}") from error


def xoauth2_initial_response(user: str, token: str) -> str:
    """The base64 SASL XOAUTH2 string: user=<user>^Aauth=Bearer <token>^A^A."""
    return b64encode(f"user={user}\x01auth=Bearer {token}\x01\x01".encode()).decode("ascii")


# -- working around aioimaplib 2.0.3 ---------------------------------------------


class _Client(aioimaplib.IMAP4):
    """aioimaplib's client, with the protocol below."""

    def create_client(self, host, port, loop, conn_lost_cb=None, ssl_context=None) -> None:
        loop = loop or asyncio.get_running_loop()
        self.protocol = _Protocol(loop, conn_lost_cb)
        self._client_task = loop.create_task(
            loop.create_connection(lambda: self.protocol, host, port, ssl=ssl_context))


class _Protocol(aioimaplib.IMAP4ClientProtocol):
    """aioimaplib's protocol, parsing received data in a loop.

    The original recurses once per line of each chunk read from the socket;
    a chunk of a few hundred small messages exceeds Python's recursion limit
    and kills the connection (aioimaplib issue #118, still open). This is the
    same code with its tail calls turned into iterations.
    """

    def _handle_responses(self, data, line_handler, current_cmd=None) -> None:
        while True:
            if not data:
                if self.pending_sync_command is not None:
                    self.pending_sync_command.flush()
                if current_cmd is not None and current_cmd.wait_data():
                    raise aioimaplib.IncompleteRead(current_cmd)
                return
            if current_cmd is not None and current_cmd.wait_literal_data():
                data = current_cmd.append_literal_data(data)
                if current_cmd.wait_literal_data():
                    raise aioimaplib.IncompleteRead(current_cmd)
            line, separator, tail = data.partition(aioimaplib.CRLF)
            if not separator:
                raise aioimaplib.IncompleteRead(current_cmd, data)
            cmd = line_handler(line, current_cmd)
            begin_literal = aioimaplib.literal_data_re.match(line)
            if begin_literal:
                if cmd is None:
                    cmd = aioimaplib.Command("NIL", "unused")
                cmd.begin_literal_data(int(begin_literal.group("size")))
                data, current_cmd = tail, cmd
            elif cmd is not None and cmd.wait_data():
                data, current_cmd = tail, cmd
            else:
                data, current_cmd = tail, None


class _XOAuth2Command(aioimaplib.Command):
    """AUTHENTICATE XOAUTH2 that answers the server's error challenge.

    When it refuses a token the server sends "+ <base64 JSON error>" and waits
    for an empty line before its NO (Google's and Microsoft's XOAUTH2 documents);
    aioimaplib 2.0's xoauth2() never answers and so hangs until its timeout.
    """

    def __init__(self, protocol: aioimaplib.IMAP4ClientProtocol, user: str, token: str):
        self.sasl = xoauth2_initial_response(user, token)
        super().__init__("AUTHENTICATE", protocol.new_tag(), "XOAUTH2", self.sasl, loop=protocol.loop)
        self._protocol = protocol

    def append_to_resp(self, line: bytes, result: str = "Pending") -> None:
        super().append_to_resp(line, result)
        if result == "Pending" and line.startswith(b"+"):
            self._protocol.send("")


# -- parsing aioimaplib's responses ------------------------------------------
# A Response is (result, lines): untagged lines without their "* ", literals as
# bytearray lines of their own, and the tagged completion text last.

_FETCH_START = re.compile(rb"\d+ FETCH \(")


def _data_lines(lines: list[bytes]) -> list[bytes]:
    return lines[:-1]


def _text(response: aioimaplib.Response) -> str:
    last = response.lines[-1] if response.lines else b""
    return bytes(last).decode(errors="replace").strip() or "(no text)"


def _describe(error: BaseException) -> str:
    if isinstance(error, (asyncio.TimeoutError, aioimaplib.CommandTimeout)):
        return "timed out"
    return str(error) or type(error).__name__


def _select_uidvalidity(lines: list[bytes]) -> int:
    for line in lines:
        if isinstance(line, bytes) and (found := re.search(rb"\[UIDVALIDITY (\d+)\]", line)):
            return int(found.group(1))
    raise ImapError("IMAP SELECT: the server sent no UIDVALIDITY")


def _can_store_keyword(lines: list[bytes], keyword: str) -> bool:
    for line in lines:
        if isinstance(line, bytes) and (found := re.search(rb"\[PERMANENTFLAGS \(([^)]*)\)\]", line)):
            flags = found.group(1).split()
            return b"\\*" in flags or keyword.encode() in flags
    return True  # no PERMANENTFLAGS: the server does not say, assume it can


def _search_uids(lines: list[bytes]) -> list[int]:
    # aioimaplib has stripped "SEARCH": data lines are "4 5 9" (or "").
    return sorted(int(word) for line in _data_lines(lines) for word in bytes(line).split())


def _fetch_groups(lines: list[bytes]) -> Iterator[tuple[bytes, list[bytes]]]:
    """(text, literals) for each message of a FETCH response.

    A literal is a bytearray, so a message that itself contains "1 FETCH ("
    is never mistaken for the start of the next response.
    """
    text: list[bytes] = []
    literals: list[bytes] = []
    for line in _data_lines(lines):
        if isinstance(line, bytearray):
            literals.append(bytes(line))
            continue
        if _FETCH_START.match(line) and text:
            yield b" ".join(text), literals
            text, literals = [], []
        text.append(line)
    if text:
        yield b" ".join(text), literals


def _fetched_uid(text: bytes) -> int | None:
    found = re.search(rb"\bUID (\d+)", text)
    return int(found.group(1)) if found else None


def _fetched_sizes(lines: list[bytes]) -> dict[int, int]:
    sizes = {}
    for text, _ in _fetch_groups(lines):
        uid, size = _fetched_uid(text), re.search(rb"RFC822\.SIZE (\d+)", text)
        if uid is not None and size:
            sizes[uid] = int(size.group(1))
    return sizes


def _fetched_literals(lines: list[bytes]) -> Iterator[tuple[int, bytes]]:
    for text, literals in _fetch_groups(lines):
        uid = _fetched_uid(text)
        # Unsolicited FETCHes (another client changed flags) carry no literal.
        if uid is not None and len(literals) == 1:
            yield uid, literals[0]


def _batches(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _uid_set(uids: Iterable[int]) -> str:
    """IMAP sequence set, runs collapsed: [1, 2, 3, 7] -> "1:3,7"."""
    runs: list[list[int]] = []
    for uid in sorted(set(uids)):
        if runs and uid == runs[-1][1] + 1:
            runs[-1][1] = uid
        else:
            runs.append([uid, uid])
    return ",".join(str(first) if first == last else f"{first}:{last}" for first, last in runs)
