"""Message-IDs of our own replies carry a signed token.

``<kcn.KCN-2026-0042.3f9a0c1d.5be1c0de2f7a1b9c@desk.example.org>``: the
application's reference (or ``-``), a random nonce, and an HMAC of both. A
reply to one of our messages names it in In-Reply-To, so the signature lets us
tie the thread to its application, and recognise our own mail coming back
(loops, bounces), without trusting anything the sender could forge.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

_TOKEN = re.compile(r"^<kcn\.([A-Z0-9-]+)\.([0-9a-f]{8,32})\.([0-9a-f]{16})@([^>\s]+)>$")


@dataclass(frozen=True)
class MessageIdSigner:
    secret: bytes
    domain: str

    def new_message_id(self, reference: str | None) -> str:
        ref = reference or "-"
        nonce = secrets.token_hex(8)
        return f"<kcn.{ref}.{nonce}.{self._sign(ref, nonce)}@{self.domain}>"

    def reference_of(self, message_id: str) -> str | None:
        """The reference a genuine token of ours carries ("-" when it had none); None if not ours."""
        match = _TOKEN.match(message_id.strip())
        if not match:
            return None
        ref, nonce, signature, domain = match.groups()
        if domain.lower() != self.domain.lower():
            return None
        if not hmac.compare_digest(signature, self._sign(ref, nonce)):
            return None
        return ref

    def is_ours(self, message_id: str) -> bool:
        return self.reference_of(message_id) is not None

    def _sign(self, ref: str, nonce: str) -> str:
        return hmac.new(self.secret, f"{ref}.{nonce}".encode(), hashlib.sha256).hexdigest()[:16]
