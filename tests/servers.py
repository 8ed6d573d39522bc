"""Real mail servers for the tests: Dovecot for IMAP, aiosmtpd for SMTP.

The test machine needs the Debian package ``dovecot-imapd`` (it pulls in
``dovecot-core`` and ``openssl``, both used here):

    apt-get install --yes --no-install-recommends dovecot-imapd

Dovecot runs as our child from a config written to a temp folder (its own
base_dir, state_dir, log and maildir; nothing of /etc/dovecot is read) and
listens on free ports of 127.0.0.1 and 127.0.0.2. On 127.0.0.2 it advertises a
bare IMAP4rev1 (no IDLE, no MOVE) to exercise the adapter's fallbacks.
The test helpers below talk to it with the standard library's imaplib, so the
adapter under test is never used to check itself.
"""

from __future__ import annotations

import ctypes
import imaplib
import os
import pwd
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session, SMTP

DOVECOT = Path("/usr/sbin/dovecot")
INSTALL_HINT = "apt-get install --no-install-recommends dovecot-imapd"
MAIL_OWNER = "nobody"  # unprivileged owner of the maildir (Dovecot refuses root)
LOGIN_USER = "dovenull"  # Debian's users for Dovecot's own processes
INTERNAL_USER = "dovecot"
START_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1/localhost: (cert.pem, key.pem)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    # An EC key is made in milliseconds, an RSA one takes a noticeable pause.
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec",
         "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "7",
         "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,IP:127.0.0.2,DNS:localhost"],
        check=True, capture_output=True,
    )
    return cert, key


def client_ssl_context(cert: Path) -> ssl.SSLContext:
    """A client context that trusts exactly our self-signed certificate."""
    return ssl.create_default_context(cafile=str(cert))


DOVECOT_CONF = """\
instance_name = kcity-test-{port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1, 127.0.0.2
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_fsync = never

# The password works for LOGIN/PLAIN only and the OAuth2 token for XOAUTH2
# only: Dovecot 2.3 checks an XOAUTH2 bearer token against the passdb like a
# password, which lets us test the real SASL exchange without a token server.
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwords
  mechanisms = plain login
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/tokens
  mechanisms = xoauth2
}}
userdb {{
  driver = passwd-file
  args = {root}/passwords
}}

service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  # No growing delay for an IP after failed logins: tests fail logins on purpose.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}

local 127.0.0.2 {{
  protocol imap {{
    imap_capability = IMAP4rev1 LITERAL+ SASL-IR UIDPLUS
  }}
}}
"""


class DovecotServer:
    """One Dovecot instance with one mail user, controlled by the tests."""

    host = "127.0.0.1"
    basic_host = "127.0.0.2"  # same server and mailbox, without IDLE and MOVE
    user = "applicant-desk"
    password = "correct horse"
    oauth_token = "ya29.test-token"

    def __init__(self, root: Path):
        if not DOVECOT.exists():
            raise RuntimeError(f"{DOVECOT} is missing: the IMAP tests need Dovecot ({INSTALL_HINT})")
        self.root = root
        self.port = free_port()
        self.tls_port = free_port()
        self.home = root / "home"
        self.maildir = self.home / "Maildir"
        self.log = root / "dovecot.log"
        self.conf = root / "dovecot.conf"
        self._process: subprocess.Popen | None = None
        # Dovecot is always started from this one thread, which lives as long
        # as the test process: see _stop_when_parent_dies().
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dovecot-spawner")
        self.cert, self.key = make_certificate(root)
        self._write_files()

    def ssl_context(self) -> ssl.SSLContext:
        return client_ssl_context(self.cert)

    # -- process ----------------------------------------------------------

    def _write_files(self) -> None:
        owner = pwd.getpwnam(MAIL_OWNER)
        # Dovecot's unprivileged processes must reach the config's files.
        os.chmod(self.root, 0o755)
        for name in ("run", "state"):
            (self.root / name).mkdir(exist_ok=True)
        self.home.mkdir(exist_ok=True)
        os.chown(self.home, owner.pw_uid, owner.pw_gid)
        (self.root / "passwords").write_text(
            f"{self.user}:{{PLAIN}}{self.password}:{owner.pw_uid}:{owner.pw_gid}::{self.home}\n"
        )
        (self.root / "tokens").write_text(f"{self.user}:{{PLAIN}}{self.oauth_token}\n")
        self.conf.write_text(DOVECOT_CONF.format(
            root=self.root, cert=self.cert, key=self.key, port=self.port,
            tls_port=self.tls_port, login_user=LOGIN_USER, internal_user=INTERNAL_USER,
        ))

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> float:
        """Start Dovecot and wait until it accepts connections; returns the seconds taken."""
        if self.running:
            return 0.0
        began = time.monotonic()
        # -F: stay in the foreground, so Dovecot is our child and we reap it.
        self._process = self._spawner.submit(
            subprocess.Popen,
            [str(DOVECOT), "-F", "-c", str(self.conf)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: see stop()
            preexec_fn=_stop_when_parent_dies,
        ).result()
        while time.monotonic() - began < START_TIMEOUT:
            if self._process.poll() is not None:
                output = self._process.stdout.read().decode(errors="replace")
                self._process = None
                raise RuntimeError(f"dovecot exited at start: {output}\n{self.log_tail()}")
            if all(_accepts(host, port) for host in (self.host, self.basic_host)
                   for port in (self.port, self.tls_port)):
                return time.monotonic() - began
            time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"dovecot did not listen within {START_TIMEOUT} s\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop Dovecot; its clients see their connections closed."""
        if self._process is None:
            return
        # A master stopped with SIGTERM leaves its imap processes serving their
        # logged-in clients, and one stopped along with its children may respawn
        # some while it shuts down (seconds). So the master dies at once, then
        # its children are asked to stop, and say BYE to their clients.
        group = self._process.pid
        self._process.kill()
        self._process.wait()
        self._process.stdout.close()
        self._process = None
        _signal_group(group, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while _group_alive(group):  # lest one still holds a port at the next start()
            if time.monotonic() > deadline:
                _signal_group(group, signal.SIGKILL)
            time.sleep(0.01)

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop Dovecot for good."""
        self.stop()
        self._spawner.shutdown()

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def ended_sessions(self, since: int, wait_for=lambda stats: True,
                       wait: float = 3.0) -> list[dict[str, int]]:
        """Statistics of the IMAP sessions that ended after log offset `since`.

        Dovecot logs each session's end as "... in=29 out=593 ... hdr_count=0
        body_count=0 body_bytes=0": bytes received and sent, headers and bodies
        fetched. Its log process writes asynchronously, so this waits (up to
        `wait` seconds) for a session for which `wait_for(stats)` is true.
        """
        deadline = time.monotonic() + wait
        while True:
            with self.log.open("rb") as log:
                log.seek(since)
                ended = [{key.decode(): int(value)
                          for key, value in re.findall(rb" (\w+)=(\d+)", line)}
                         for line in log if b": Disconnected: " in line and b" in=" in line]
            if any(map(wait_for, ended)) or time.monotonic() > deadline:
                return ended
            time.sleep(0.02)

    def log_tail(self, lines: int = 20) -> str:
        if not self.log.exists():
            return "(no dovecot log)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    # -- test helpers, over the standard library's imaplib ------------------

    def _login(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.login(self.user, self.password)
        return imap

    def append(self, raw: bytes, folder: str = "INBOX") -> int:
        """APPEND one message; returns its UID."""
        return self.append_many([raw], folder)[0]

    def append_many(self, raws: list[bytes], folder: str = "INBOX") -> list[int]:
        """APPEND many messages in one MULTIAPPEND command; returns their UIDs.

        One command with LITERAL+ instead of one round trip per message: 1,200
        messages take 0.1 s instead of 2 s.
        """
        imap = self._login()
        try:
            command = [b"KC1 APPEND " + _quote(folder)]
            for raw in raws:
                command += [b" {%d+}\r\n" % len(raw), raw]
            imap.send(b"".join(command) + b"\r\n")
            while not (line := imap.readline()).startswith(b"KC1 "):
                pass
            if not line.startswith(b"KC1 OK"):
                raise RuntimeError(f"APPEND failed: {line!r}")
            return _uid_set(re.search(rb"\[APPENDUID \d+ ([0-9:,]+)\]", line).group(1))
        finally:
            imap.logout()

    def messages(self, folder: str = "INBOX") -> dict[int, bytes]:
        """UID -> raw message, without setting \\Seen."""
        return {uid: body for uid, body, _ in self._fetch(folder, "(BODY.PEEK[])")}

    def flags(self, folder: str = "INBOX") -> dict[int, set[str]]:
        """UID -> flags and keywords."""
        return {uid: flags for uid, _, flags in self._fetch(folder, "(FLAGS)")}

    def uidvalidity(self, folder: str = "INBOX") -> int:
        imap = self._login()
        try:
            _, data = imap.status(_quote(folder).decode(), "(UIDVALIDITY)")
            return int(re.search(rb"UIDVALIDITY (\d+)", data[0]).group(1))
        finally:
            imap.logout()

    def folders(self) -> list[str]:
        imap = self._login()
        try:
            _, data = imap.list()
            return sorted(_folder_name(line) for line in data)
        finally:
            imap.logout()

    def create_folder(self, folder: str) -> None:
        imap = self._login()
        try:
            imap.create(_quote(folder).decode())
        finally:
            imap.logout()

    def delete_folder(self, folder: str) -> None:
        imap = self._login()
        try:
            imap.delete(_quote(folder).decode())
        finally:
            imap.logout()

    def clear(self) -> None:
        """Empty INBOX and delete every other folder."""
        imap = self._login()
        try:
            for folder in self.folders():
                if folder == "INBOX":
                    _, [exists] = imap.select("INBOX")
                    if int(exists):  # "1:*" is an error in an empty folder
                        imap.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                        imap.expunge()
                    imap.close()
                else:
                    imap.delete(_quote(folder).decode())
        finally:
            imap.logout()

    def _fetch(self, folder: str, items: str) -> list[tuple[int, bytes | None, set[str]]]:
        imap = self._login()
        try:
            status, _ = imap.select(_quote(folder).decode(), readonly=True)
            if status != "OK":
                raise RuntimeError(f"no folder {folder!r}")
            _, data = imap.uid("FETCH", "1:*", items)
        finally:
            imap.logout()
        found = []
        for item in data:
            if item is None or item == b")":
                continue
            head, body = item if isinstance(item, tuple) else (item, None)
            uid = int(re.search(rb"UID (\d+)", head).group(1))
            flags = {f.decode() for f in imaplib.ParseFlags(head)}
            found.append((uid, body, flags))
        return found


def _stop_when_parent_dies() -> None:
    """Run in the child before exec: a test run that is killed (say, by a CI
    timeout) never gets to stop(), and must not leave a Dovecot behind.
    Linux sends the signal when the *thread* that started the child ends,
    hence DovecotServer's long-lived spawner thread."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _signal_group(group: int, signal_number: int) -> None:
    try:
        os.killpg(group, signal_number)
    except ProcessLookupError:
        pass  # all gone already


def _group_alive(group: int) -> bool:
    """Is a process of this group still running? Zombies do not count: they
    hold no port, and init reaps Dovecot's orphans only when it gets to it."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (command) state ppid pgrp ..."; the command may hold spaces.
            state, _, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(pgrp) == group and state != "Z":
            return True
    return False


def _accepts(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.2).close()
        return True
    except OSError:
        return False


def _quote(folder: str) -> bytes:
    return b'"' + folder.replace("\\", "\\\\").replace('"', '\\"').encode() + b'"'


def _folder_name(list_line: bytes) -> str:
    # (\HasNoChildren) "." INBOX   or   (\HasNoChildren) "." "Done items"
    name = list_line.split(b") ", 1)[1].split(b" ", 1)[1]
    return name.strip(b'"').decode()


def _uid_set(text: bytes) -> list[int]:
    uids: list[int] = []
    for part in text.split(b","):
        first, _, last = part.partition(b":")
        uids.extend(range(int(first), int(last or first) + 1))
    return uids


# -- SMTP ---------------------------------------------------------------------


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes  # the message as received, after SMTP's dot-unstuffing
    peer: tuple[str, int]  # the client's address: one per connection
    login: str | None  # the user who authenticated, if any


@dataclass
class RecordingHandler:
    """aiosmtpd handler that keeps what it receives and refuses what it is told to."""

    received: list[ReceivedMail] = field(default_factory=list)
    refused_recipients: dict[str, str] = field(default_factory=dict)  # address -> reply
    require_auth: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        # Enforced here rather than with aiosmtpd's auth_required, which warns
        # when AUTH is allowed without TLS (and warnings are errors in our tests).
        if self.require_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address in self.refused_recipients:
            return self.refused_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        login = session.auth_data.login.decode() if session.authenticated else None
        with self.lock:  # the server runs in its own thread
            self.received.append(ReceivedMail(
                envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content,
                session.peer, login,
            ))
        return "250 Message accepted"

    def connections(self) -> int:
        """How many connections delivered mail."""
        with self.lock:
            return len({mail.peer for mail in self.received})


class SmtpServer:
    """aiosmtpd on a free port of 127.0.0.1, that the tests can stop and start.

    security: "none", "starttls" (STARTTLS offered) or "tls" (TLS from the first byte).
    """

    host = "127.0.0.1"
    user = "desk@kcity.test"
    password = "smtp secret"

    def __init__(self, require_auth: bool = False, security: str = "none",
                 cert: tuple[Path, Path] | None = None):
        self.port = free_port()
        self.security = security
        self.handler = RecordingHandler(require_auth=require_auth)
        self._server_context: ssl.SSLContext | None = None
        if security != "none":
            self._server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._server_context.load_cert_chain(*map(str, cert))
        self._controller: Controller | None = None

    @property
    def received(self) -> list[ReceivedMail]:
        return self.handler.received

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == self.user
              and auth_data.password.decode() == self.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def start(self) -> None:
        if self._controller is not None:
            return
        tls = {"starttls": {"tls_context": self._server_context},
               "tls": {"ssl_context": self._server_context}}.get(self.security, {})
        # A fresh Controller each time: stop() closes its event loop for good.
        self._controller = Controller(
            self.handler, hostname=self.host, port=self.port,
            authenticator=self._authenticate, auth_require_tls=False, **tls,
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
