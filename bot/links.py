"""Deep links that let a Telegram chat follow one application.

Staff (or our acknowledgement email) hand the applicant
``https://t.me/<bot>?start=KCN-2026-0042-0-Jx3…``. Telegram passes what follows
``start=`` to the bot as ``/start <token>``; the bot redeems it
(store.telegram.redeem_link) and binds that chat to the application.

A token is ``<reference>-<epoch>-<signature>``:

* the reference names the application, in clear (it is no secret: it is in
  every email we send about it);
* the epoch is the application's ``link_epoch`` when the link was issued;
* the signature is an HMAC-SHA256, with the settings' secret, over a message
  tagged with this purpose (so no other signature we make, such as the
  Message-ID tokens of mail/tokens.py, can be replayed as a link), the
  reference and the epoch; its first 22 base64url characters (132 bits) are
  kept.

Without the secret nobody can make a token for a reference, nor change the
reference or epoch of one they hold.

Why the epoch makes revocation work: we keep no list of the links we issued.
Redemption accepts a token only when its epoch equals the application's
current ``link_epoch``. Revoking bumps that number, so every link issued so
far (all of which carry an older epoch) stops working at once, while links
issued afterwards carry the new epoch and work. Nothing secret is stored, and
a token cannot be edited to name the new epoch because the epoch is signed.
The price: links are revoked all together, never one by one.

Telegram accepts 1-64 characters of ``[A-Za-z0-9_-]`` as a start parameter;
every token made here fits, and ``read`` rejects anything else.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

MAX_LENGTH = 64  # Telegram's limit for a start parameter
SIGNATURE_LENGTH = 22  # base64url characters: 132 bits
_PURPOSE = b"kcity/telegram-link/v1"

_REFERENCE = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*\Z")
_TOKEN = re.compile(
    r"(?P<reference>[A-Z0-9]+(?:-[A-Z0-9]+)*)"
    r"-(?P<epoch>0|[1-9][0-9]*)"
    rf"-(?P<signature>[A-Za-z0-9_-]{{{SIGNATURE_LENGTH}}})\Z"
)
_START_PARAMETER = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_LENGTH}}}\Z")
_BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}\Z")


@dataclass(frozen=True)
class LinkSigner:
    """Makes and checks deep-link tokens with the settings' secret."""

    secret: bytes

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("a link signer needs a non-empty secret")

    def token(self, reference: str, epoch: int) -> str:
        """The start parameter that binds a chat to ``reference`` while its link epoch is ``epoch``."""
        if not isinstance(reference, str) or not _REFERENCE.match(reference):
            raise ValueError(f"not a reference a link can carry: {reference!r}")
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"a link epoch is a non-negative integer, not {epoch!r}")
        token = f"{reference}-{epoch}-{self._sign(reference, str(epoch))}"
        if len(token) > MAX_LENGTH:
            raise ValueError(f"a link for {reference!r} at epoch {epoch} would exceed {MAX_LENGTH} characters")
        return token

    def read(self, token: object) -> tuple[str, int] | None:
        """(reference, epoch) of a genuine token of ours; None for anything else, whatever is wrong."""
        if not isinstance(token, str) or not _START_PARAMETER.match(token):
            return None
        match = _TOKEN.match(token)
        if not match:
            return None
        reference, epoch, signature = match.group("reference", "epoch", "signature")
        if not hmac.compare_digest(signature, self._sign(reference, epoch)):
            return None
        return reference, int(epoch)

    def link(self, bot_username: str, token: str) -> str:
        """``https://t.me/<bot>?start=<token>``."""
        username = bot_username.removeprefix("@")
        if not _BOT_USERNAME.match(username):
            raise ValueError(f"not a Telegram username: {bot_username!r}")
        if not _START_PARAMETER.match(token):
            raise ValueError(f"not a valid start parameter: {token!r}")
        return f"https://t.me/{username}?start={token}"

    def _sign(self, reference: str, epoch: str) -> str:
        message = b"\0".join([_PURPOSE, reference.encode("ascii"), epoch.encode("ascii")])
        digest = hmac.new(self.secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii")[:SIGNATURE_LENGTH]
