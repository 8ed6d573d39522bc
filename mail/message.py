"""What the rest of the pipeline knows of an email: a ParsedMessage.

``mail.parse.parse_message(raw: bytes) -> ParsedMessage`` builds one from the
raw bytes and never raises on bad input: what it could not decode is listed
in ``defects``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Attachment:
    filename: str | None
    content_type: str  # lower case, e.g. "application/json"
    data: bytes


@dataclass
class ParsedMessage:
    message_id: str | None  # with angle brackets, as in the header: "<abc@example.org>"
    in_reply_to: str | None
    references: list[str]  # message ids, oldest first
    subject: str  # decoded (RFC 2047), unfolded
    from_addr: str  # lower-case address only, "" when absent or unparsable
    from_name: str
    reply_to: str | None
    to: list[str]
    date: datetime | None  # timezone-aware when the header had a zone
    return_path: str | None  # None: header absent; "": empty "<>" (a bounce)
    headers: dict[str, list[str]]  # lower-case name -> decoded values, in order
    content_type: str  # of the top-level part, lower case
    text: str  # the readable body: text/plain, else HTML turned to text; decoded to str
    html: str | None
    attachments: list[Attachment] = field(default_factory=list)
    # message/rfc822 or text/rfc822-headers parts (bounces carry the original here)
    enclosed_headers: list[dict[str, list[str]]] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None
