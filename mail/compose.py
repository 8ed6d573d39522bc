"""Replies to applicants: what we say (``compose_reply``) and the message that carries it
(``to_mime``, or its wire bytes straight away with ``to_wire``).

Both are pure. What the program is and does comes only from ``mail.texts``,
which renders the call for applications; this module chooses the texts and
fills in the applicant's own data, the problems and the decision.
"""

from __future__ import annotations

import re
from base64 import encodebytes
from binascii import b2a_base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import SMTP
from email.quoprimime import body_encode
from email.utils import format_datetime, formataddr, getaddresses

import pycountry
from babel import Locale
from babel.numbers import format_decimal

from mail.extract import UNNAMED
from mail.texts import Texts, resolve_language, texts_for
from rules.decision import Decision, Reason
from rules.form import FIELDS_BY_CODE, REQUIRED_CODES, Field, blank_form, flatten, get
from rules.problem import Problem

__all__ = [
    "KINDS", "Reply", "STATUS_UPDATE", "clean_header", "compose_reply", "compose_status_update", "display_value",
    "reply_subject", "to_mime", "to_wire",
]

# The replies intake sends (compose_reply) ...
KINDS = ("acknowledgement", "missing_fields", "ineligible", "inquiry")
# ... and the one staff's review decisions send (compose_status_update).
STATUS_UPDATE = "status_update"
_FOLLOWED = ("acknowledgement", "missing_fields")  # replies that offer the bot link


@dataclass(frozen=True)
class Reply:
    kind: str  # one of KINDS, or STATUS_UPDATE
    language: str  # ISO 639-1: en, ko, es or fr
    subject: str
    body: str  # plain text


def compose_reply(
    kind: str,
    *,
    language: str | None,
    reference: str | None,
    fields: dict,
    problems: list[Problem],
    decision: Decision | None,
    original_subject: str,
    deadline_note: str | None = None,
    bot_link: str | None = None,
    answers: Sequence[str] = (),
    unread: Sequence[str] = (),
) -> Reply:
    """The reply of ``kind`` in the applicant's language (English when we do not write theirs).

    ``unread`` names attached documents that gave no text: the reply says so, first."""
    if kind not in KINDS:
        raise ValueError(f"unknown reply kind {kind!r}; expected one of {', '.join(KINDS)}")
    lang = resolve_language(language)
    t = texts_for(lang)
    greeting = _greeting(t, get(fields, "contact.name"))
    if kind == "acknowledgement":
        middle = _acknowledgement(t, lang, reference, fields, decision)
    elif kind == "missing_fields":
        middle = _missing_fields(t, lang, reference, problems)
    elif kind == "ineligible":
        middle = _ineligible(t, reference, decision)
    else:
        middle = _inquiry(t, lang, reference, answers, deadline_note)
    # An inquiry gives the deadline with how to apply; other replies give it near the end.
    # The bot follows an application still in progress, not a rejected one or a question.
    extras = [
        deadline_note if kind != "inquiry" else None,
        t.bot_link.format(link=bot_link) if bot_link and kind in _FOLLOWED else None,
    ]
    unread_note = t.unread_attachments.format(files=_file_names(t, unread)) if unread else None
    paragraphs = [greeting, unread_note, *middle, *extras, f"-- \n{t.footer}"]
    body = "\n\n".join(p.strip("\n") for p in paragraphs if p and p.strip()) + "\n"
    return Reply(kind, lang, reply_subject(original_subject, reference, t.subjects[kind]), body)


def _file_names(t: Texts, names: Sequence[str], limit: int = 60) -> str:
    """File names as the sender gave them, quoted, one line each at most ``limit`` characters; an
    attachment with no name (``mail.extract`` calls it "#N") by its place among the attachments."""
    shown = []
    for name in names:
        if unnamed := UNNAMED.fullmatch(name):
            shown.append(t.unnamed_attachment.format(number=unnamed[1]))
            continue
        name = " ".join(clean_header(name).split())
        shown.append(t.quote.format(name if len(name) <= limit else name[: limit - 1] + "…"))
    return t.list_separator.join(dict.fromkeys(shown))


def compose_status_update(
    status: str,
    *,
    language: str | None,
    reference: str,
    fields: dict,
    original_subject: str = "",
) -> Reply:
    """The email telling an applicant of a review decision (``status``: a key of
    ``Texts.status_updates``), in their language, under their thread's subject."""
    lang = resolve_language(language)
    t = texts_for(lang)
    if status not in t.status_updates:
        raise ValueError(f"no applicant text for status {status!r}; expected one of {', '.join(t.status_updates)}")
    paragraphs = [
        _greeting(t, get(fields, "contact.name")),
        t.status_updates[status],
        _reference_line(t, reference),
        _reply_hint(t, reference),
        f"-- \n{t.footer}",
    ]
    body = "\n\n".join(p.strip("\n") for p in paragraphs if p and p.strip()) + "\n"
    return Reply(STATUS_UPDATE, lang, reply_subject(original_subject, reference, t.status_subject), body)


# --- Subject ---------------------------------------------------------------

# Reply and forward prefixes as mail clients write them in the languages we meet:
# Re, Fwd, AW/WG (German), SV/VS (Nordic), TR (French), RV (Spanish), RES (Portuguese),
# 답장/회신/전달 (Korean), 回复/回覆/转发 (Chinese); with "[2]" counters and full-width colons.
_PREFIXES = re.compile(
    r"^(?:\s*(?:re|fwd?|aw|wg|sv|vs|tr|rv|res|antw|답장|회신|전달|回复|回覆|转发|轉寄)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：])+\s*",
    re.IGNORECASE,
)
# Characters that end a line somewhere (str.splitlines, mail parsers), plus other controls.
_LINE_BREAKS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")


def clean_header(value: str) -> str:
    """One line, whatever the value held: no header injection, no folding surprises."""
    return " ".join(_LINE_BREAKS.sub(" ", value).split())


_BRACKETED = re.compile(r"\s*\[\s*([^\]]*?)\s*\]")


def reply_subject(original: str, reference: str | None, fallback: str) -> str:
    """ "RE: Fwd: Smart Cusco [KCN-1]" -> "Re: Smart Cusco [KCN-1]"; "" -> fallback [KCN-1]."""
    subject = clean_header(original or "")
    if reference:
        # One compiled pattern for every reference (a pattern per reference
        # would be compiled anew for each reply).
        wanted = clean_header(reference).lower()
        subject = _BRACKETED.sub(lambda m: " " if m.group(1).lower() == wanted else m.group(0), subject)
    subject = clean_header(_PREFIXES.sub("", subject))
    subject = f"Re: {subject}" if subject else fallback
    return f"{subject} [{clean_header(reference)}]" if reference else subject


# --- The four kinds ------------------------------------------------------------


def _greeting(t: Texts, name: object) -> str:
    name = " ".join(str(name).split()) if name else ""
    return t.greeting_named.format(name=name) if name else t.greeting


def _reply_hint(t: Texts, reference: str | None) -> str:
    return t.reply_hint_ref.format(reference=reference) if reference else t.reply_hint


def _reference_line(t: Texts, reference: str | None) -> str | None:
    return t.reference_line.format(reference=reference) if reference else None


def _acknowledgement(t: Texts, lang: str, reference, fields: dict, decision: Decision | None) -> list:
    received = "\n".join(
        _summary_line(FIELDS_BY_CODE[code].label(lang), display_value(FIELDS_BY_CODE[code], value, lang))
        for code, value in flatten(fields).items()
    )
    # Flags that do not decide (over the cap, late) are worth telling the applicant now.
    notes = [r for r in (decision.reasons if decision else ()) if not r.blocking]
    return [
        t.ack_intro,
        _reference_line(t, reference),
        f"{t.ack_received}\n\n{received}" if received else None,
        f"{t.notes_heading}\n\n" + "\n\n".join(_reason(t, r, t.note) for r in notes) if notes else None,
        f"{t.ack_next_heading}\n{t.ack_next}",
        f"{t.ack_follow_up} {_reply_hint(t, reference)}",
    ]


def _missing_fields(t: Texts, lang: str, reference, problems: list[Problem]) -> list:
    items = []
    for number, problem in enumerate(problems, start=1):
        known = FIELDS_BY_CODE.get(problem.field)
        label = known.label(lang) if known else problem.field
        if problem.kind == "missing":
            why = t.missing_required
        else:  # the English message, under a localized lead-in: we cannot translate free text
            why = t.invalid.format(message=problem.message.strip().rstrip("."))
        item = f"{number}. {label} — {why}"
        if problem.example:
            # Codes are for machines: show a choice's example as the words an applicant would write.
            example = problem.example
            if known and known.kind in ("choice", "choices", "yes_no"):
                example = display_value(known, example, lang)
            item += "\n" + _indent(t.example.format(example=example), 3)
        items.append(item)
    # The extractor reads these lines back: exactly the problem fields, labels from the form.
    codes = tuple(dict.fromkeys(p.field for p in problems if p.field in FIELDS_BY_CODE))
    return [
        t.missing_intro,
        _reference_line(t, reference),
        "\n".join(items),
        f"{t.fill_in}\n\n{blank_form(lang, codes)}" if codes else None,
        _reply_hint(t, reference),
    ]


def _ineligible(t: Texts, reference, decision: Decision | None) -> list:
    reasons = decision.reasons if decision else ()
    # Blocking reasons are why; if the engine gave only flags, show those rather than nothing.
    shown = [r for r in reasons if r.blocking] or list(reasons)
    return [
        t.ineligible_intro,
        _reference_line(t, reference),
        "\n\n".join(_reason(t, r) for r in shown) if shown else t.ineligible_generic,
        f"{t.ineligible_follow_up} {_reply_hint(t, reference)}",
        t.info_sites,
    ]


def _inquiry(t: Texts, lang: str, reference, answers: Sequence[str], deadline_note: str | None) -> list:
    required = t.list_separator.join(FIELDS_BY_CODE[c].label(lang) for c in REQUIRED_CODES)
    sectors = FIELDS_BY_CODE["project.sectors"].label(lang)
    howto = "\n\n".join([t.howto_who, t.howto_projects, t.howto_support, t.howto_send])
    return [
        t.inquiry_intro,
        _reference_line(t, reference),
        *answers,
        f"{t.howto_heading}\n\n{howto}",
        deadline_note,
        f"{t.form_heading}\n{t.form_required.format(labels=required, sectors=sectors)}",
        blank_form(lang),
        _reply_hint(t, reference),
        t.info_sites,
    ]


def _reason(t: Texts, reason: Reason, lead: str | None = None) -> str:
    lines = [(lead or t.reason).format(message=reason.message)]
    if reason.citation:
        lines.append(_indent(t.citation.format(quote=t.quote.format(reason.citation))))
    return "\n".join(lines)


def _summary_line(label: str, value: str) -> str:
    # Continuation lines of a multi-line value stay under their label.
    return f"  {label}: " + "\n    ".join(value.splitlines())


def _indent(text: str, width: int = 2) -> str:
    return "\n".join(" " * width + line for line in text.splitlines())


# --- Values as an applicant reads them ----------------------------------------

# The call's own equivalence: "up to one billion KRW or 0.85 million USD per project".
_USD_PER_KRW = Decimal("850000") / Decimal("1000000000")
_AMOUNT = re.compile(r"^\s*(?P<pre>[A-Za-z]{3})?\s*(?P<num>\d(?:[\d,.\s]*\d)?)\s*(?P<post>[A-Za-z]{3})?\s*$")
# Thousands grouped by one separator throughout: "800,000,000", "800.000.000", "800 000 000".
_GROUPED = re.compile(r"\d{1,3}(?P<sep>[,.\s])\d{3}(?:(?P=sep)\d{3})*")
_PLAIN = re.compile(r"\d+(?:\.\d+)?")
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}


def display_value(field: Field, value: object, lang: str) -> str:
    """A stored value in the reply's language: codes as words, countries and amounts readable."""
    t = texts_for(lang)
    if field.kind == "choice":
        return _choice(t, value)
    if field.kind == "choices":
        items = value.split(",") if isinstance(value, str) else value
        return t.list_separator.join(_choice(t, item) for item in items if str(item).strip())
    if field.kind == "yes_no":
        return _yes_no(t, value)
    if field.kind == "country":
        return _country(value, lang)
    if field.kind == "amount":
        return _amount(t, value, lang)
    return str(value).strip()


def _choice(t: Texts, value: object) -> str:
    code = str(value).strip()
    return t.choices.get(code) or code.replace("_", " ")


def _yes_no(t: Texts, value: object) -> str:
    word = str(value).strip().lower()
    if value is True or word in _TRUE:
        return t.yes
    if value is False or word in _FALSE:
        return t.no
    return str(value)


def _country(value: object, lang: str) -> str:
    code = str(value).strip().upper()
    if len(code) == 3 and code.isalpha():
        country = pycountry.countries.get(alpha_3=code)
        code = country.alpha_2 if country else code
    name = Locale.parse(lang).territories.get(code) if len(code) == 2 else None
    return name or str(value)


def _amount(t: Texts, value: object, lang: str) -> str:
    parsed = _parse_amount(value)
    if parsed is None:
        return str(value)
    currency, number = parsed
    shown = f"{currency} {format_decimal(number, locale=lang)}" if currency else format_decimal(number, locale=lang)
    other = {"KRW": ("USD", number * _USD_PER_KRW), "USD": ("KRW", number / _USD_PER_KRW)}.get(currency)
    if not other:
        return shown
    converted = f"{other[0]} {format_decimal(_round_significant(other[1]), locale=lang)}"
    return t.approx.format(amount=shown, converted=converted)


def _parse_amount(value: object) -> tuple[str | None, Decimal] | None:
    """ "KRW 800,000,000", {"currency": "KRW", "amount": 8e8}, ("KRW", 8e8), 8e8 -> (currency, number)."""
    if isinstance(value, dict):
        currency, number = value.get("currency"), value.get("amount", value.get("value"))
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        currency, number = value if isinstance(value[0], str) else value[::-1]
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        currency, number = None, value
    elif isinstance(value, str) and (match := _AMOUNT.match(value)) and not (match["pre"] and match["post"]):
        currency, number = match["pre"] or match["post"], _plain_number(match["num"])
    else:
        return None
    try:
        number = Decimal(str(number))
    except (InvalidOperation, ValueError):
        return None
    return (str(currency).strip().upper() or None) if currency else None, number


def _plain_number(digits: str) -> str | None:
    if _GROUPED.fullmatch(digits):
        return re.sub(r"[,.\s]", "", digits)
    return digits if _PLAIN.fullmatch(digits) else None


def _round_significant(number: Decimal, digits: int = 3) -> Decimal:
    """680000 -> 680000; 14117647058.8 -> 14100000000: a conversion is only 'about'."""
    step = Decimal(1).scaleb(max(number.adjusted() - digits + 1, 0))
    return (number / step).quantize(Decimal(1)) * step


# --- MIME ------------------------------------------------------------------------

# RFC 5322: a header line SHOULD be at most 78 characters and MUST be at most 998.
_WIDTH = 78
_CRLF = "\r\n"
# RFC 2047: an encoded word is at most 75 characters, 12 of them "=?utf-8?b?" and "?=";
# base64 comes in fours.
_ENCODED_WORD_DATA = 63 // 4 * 4


class _MessageIdsHeader(UnstructuredHeader):
    """In-Reply-To and References, folded between ids and never RFC 2047-encoded:
    threading code reads them raw, and the stdlib would encode an id longer than a line."""

    def fold(self, *, policy) -> str:
        lines = _fold(self.name, [(str(self), False)], policy.max_line_length or _WIDTH)
        return policy.linesep.join(lines) + policy.linesep


class _CachingHeaderRegistry(HeaderRegistry):
    """The stdlib builds a brand-new header class on every lookup, which made
    composing a reply cost milliseconds; one class per header name is enough."""

    def __init__(self):
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        if key not in self._classes:
            self._classes[key] = super().__getitem__(name)
        return self._classes[key]

    def map_to_type(self, name: str, cls: type) -> None:
        super().map_to_type(name, cls)
        self._classes.pop(name.lower(), None)


_HEADERS = _CachingHeaderRegistry()
_HEADERS.map_to_type("in-reply-to", _MessageIdsHeader)
_HEADERS.map_to_type("references", _MessageIdsHeader)
_HEADERS.map_to_type("message-id", _MessageIdsHeader)
_POLICY = SMTP.clone(header_factory=_HEADERS)
# Printable ASCII without spaces: what a message id can be on the wire.
_MESSAGE_ID_TOKEN = re.compile(r"[\x21-\x7e]+")
_ADDRESS_HEADERS = frozenset({"From", "To"})
_MESSAGE_ID_HEADERS = frozenset({"Message-ID", "In-Reply-To", "References"})


def to_mime(
    reply: Reply,
    *,
    sender: str,
    to: str,
    in_reply_to: str | None,
    references: list[str],
    message_id: str,
    reference: str | None,
    date: datetime | None = None,
) -> EmailMessage:
    """The reply as an email, threaded under the original and marked as automatic."""
    msg = EmailMessage(policy=_POLICY)
    for name, value in _header_fields(
        reply, sender=sender, to=to, in_reply_to=in_reply_to, references=references,
        message_id=message_id, reference=reference, date=date,
    ):
        msg[name] = value
    msg.set_content(reply.body, charset="utf-8", cte=_transfer_encoding(reply.body.encode().splitlines()))
    return msg


def to_wire(
    reply: Reply,
    *,
    sender: str,
    to: str,
    in_reply_to: str | None,
    references: list[str],
    message_id: str,
    reference: str | None,
    date: datetime | None = None,
) -> bytes:
    """``bytes(to_mime(...))`` as a reader sees it, a dozen times faster: the same headers in
    the same order and the same body bytes. Header text is written by our own folding, which
    encodes whole runs of words and so keeps every space the stdlib's sometimes drops."""
    out = []
    for name, value in _header_fields(
        reply, sender=sender, to=to, in_reply_to=in_reply_to, references=references,
        message_id=message_id, reference=reference, date=date,
    ):
        if name in _MESSAGE_ID_HEADERS:
            segments = [(value, False)]
        elif name in _ADDRESS_HEADERS:
            segments = _address_segments(value)
        else:
            segments = _text_segments(value)
        if segments is None:  # an address we cannot take apart: as the stdlib writes it
            out.append(_HEADERS(name, value).fold(policy=_POLICY))
        else:
            out.append(_CRLF.join(_fold(name, segments)) + _CRLF)
    lines = reply.body.encode().splitlines()
    cte = _transfer_encoding(lines)
    # The order EmailMessage.set_content writes them in.
    out.append(f'Content-Type: text/plain; charset="utf-8"{_CRLF}Content-Transfer-Encoding: {cte}{_CRLF}')
    out.append(f"MIME-Version: 1.0{_CRLF}{_CRLF}")
    out.append(_encode_body(lines, cte))
    # Every part is 7-bit by construction; a non-ASCII message id fails here as in bytes(to_mime(...)).
    return "".join(out).encode("ascii")


def _header_fields(
    reply: Reply,
    *,
    sender: str,
    to: str,
    in_reply_to: str | None,
    references: list[str],
    message_id: str,
    reference: str | None,
    date: datetime | None,
) -> list[tuple[str, str]]:
    """The reply's headers before the content's, in order, each value on one line."""
    fields = [
        ("From", clean_header(sender)),
        ("To", clean_header(to)),
        ("Subject", clean_header(reply.subject)),
        ("Date", format_datetime(date or datetime.now(timezone.utc))),
        ("Message-ID", clean_header(message_id)),
    ]
    parent = _message_ids([in_reply_to or ""])
    if parent:
        fields.append(("In-Reply-To", " ".join(parent)))
    thread = _message_ids([*references, in_reply_to or ""])
    if thread:
        fields.append(("References", " ".join(thread)))
    # RFC 3834, and Exchange's own header: no out-of-office replies to our reply.
    fields += [("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")]
    if reference and clean_header(reference):
        fields.append(("X-KCity-Reference", clean_header(reference)))
    return fields


def _message_ids(values: Iterable[str]) -> list[str]:
    """Each id once, oldest first; a value holding several ids (a raw header) is split.
    Tokens that cannot be on the wire as they are (non-ASCII) are dropped."""
    tokens = (token for value in values for token in clean_header(value or "").split())
    return list(dict.fromkeys(t for t in tokens if _MESSAGE_ID_TOKEN.fullmatch(t)))


# --- Headers and body on the wire ------------------------------------------------


def _fold(name: str, segments: Iterable[tuple[str, bool]], width: int = _WIDTH) -> list[str]:
    """A header's lines. Plain text (``False``) is broken only at spaces; text to encode
    (``True``) becomes RFC 2047 encoded words filling the lines, which a reader joins
    back without the folding between them."""
    head = f"{name}:"
    lines = [head]
    for text, encode in segments:
        if not encode:
            for word in text.split():
                if len(lines[-1]) + 1 + len(word) > width and lines[-1] != head:
                    lines.append("")
                lines[-1] += f" {word}"
            continue
        data = text.encode()
        while data:
            room = min(width - len(lines[-1]) - 13, _ENCODED_WORD_DATA) // 4 * 3  # 13: " =?utf-8?b?" "?="
            size = min(len(data), max(room, 0 if lines[-1] else 4))  # a new line takes a character
            while 0 < size < len(data) and data[size] & 0xC0 == 0x80:  # never split a character
                size -= 1
            if size == 0:
                lines.append("")
                continue
            lines[-1] += f" =?utf-8?b?{b2a_base64(data[:size], newline=False).decode()}?="
            data = data[size:]
    return lines


def _text_segments(value: str) -> list[tuple[str, bool]]:
    """Unstructured text: words as they are, runs of words a reader would not take
    literally (non-ASCII, looking like encoded words, longer than a line) to encode."""
    segments: list[tuple[str, bool]] = []
    for word in value.split():
        encode = not word.isascii() or "=?" in word or len(word) > _WIDTH - 2
        if segments and segments[-1][1] == encode:
            segments[-1] = (f"{segments[-1][0]} {word}", encode)
        else:
            segments.append((word, encode))
    return segments


def _address_segments(value: str) -> list[tuple[str, bool]] | None:
    """Addresses as they are; non-ASCII display names to encode. None when an address
    itself is not ASCII or the list does not parse."""
    if value.isascii():
        return [(value, False)]
    pairs = getaddresses([value])
    if not pairs or any(not address or not address.isascii() for _, address in pairs):
        return None
    segments: list[tuple[str, bool]] = []
    for number, (name, address) in enumerate(pairs, start=1):
        comma = "," if number < len(pairs) else ""
        if name.isascii():
            segments.append((formataddr((name, address)) + comma, False))
        else:
            segments += [(name, True), (f"<{address}>{comma}", False)]
    return segments


def _transfer_encoding(lines: list[bytes]) -> str:
    """EmailMessage.set_content's choice for UTF-8 text, but always 7-bit: 7bit for short
    ASCII lines (where the stdlib would send short non-ASCII lines as 8bit, which needs the
    server's 8BITMIME); else quoted-printable unless base64 encodes the first ten lines
    shorter, as it does Korean, where each syllable would take nine characters."""
    if all(line.isascii() and len(line) <= _WIDTH for line in lines):
        return "7bit"
    sniff = b"\r\n".join(lines[:10]) + b"\r\n"
    if len(body_encode(sniff.decode("latin-1"), _WIDTH)) > len(b2a_base64(sniff)):
        return "base64"
    return "quoted-printable"


def _encode_body(lines: list[bytes], cte: str) -> str:
    """The body in ``cte`` with CRLF line ends, as BytesGenerator writes set_content's payload."""
    if cte == "7bit":
        return (b"\r\n".join(lines) + b"\r\n").decode("ascii")
    if cte == "quoted-printable":
        return body_encode(b"\n".join(lines).decode("latin-1") + "\n", _WIDTH, eol=_CRLF)
    # Like set_content, base64 carries CRLF line ends inside; 57 bytes make 76 characters a line.
    return encodebytes(b"\r\n".join(lines) + b"\r\n").decode("ascii").replace("\n", _CRLF)
