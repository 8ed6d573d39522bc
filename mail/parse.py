"""Raw email bytes -> ParsedMessage, never raising.

Mail from the outside world is often broken: missing boundaries, wrong or
unknown charsets, raw 8-bit headers, hostile nesting. The stdlib parser in
its lenient ``compat32`` mode builds the MIME tree (it is also the fastest
mode); decoding is done here, with fallbacks, and everything that had to be
guessed or skipped is listed in ``ParsedMessage.defects``.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.parser
import email.policy
import email.utils
import functools
import re
from datetime import datetime
from email.message import Message

import charset_normalizer

from mail.html_text import html_to_text
from mail.message import Attachment, ParsedMessage

__all__ = ["decode_bytes", "decode_header_value", "parse_message"]

# Hostile mail must stay cheap: beyond these limits parts are skipped, not parsed.
MAX_DEPTH = 20
MAX_PARTS = 500
MAX_HTML_CHARS = 2_000_000
MAX_DEFECTS = 50

_ENCLOSED_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})
_ENCLOSED_HEADERS_TYPE = "text/rfc822-headers"
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_BOUNDARY_DECLARATION = re.compile(rb"boundary\s*=", re.IGNORECASE)
_BOUNDARY_TOKEN = re.compile(
    rb"""boundary\s*=\s*(?P<declared>"[^"\r\n]*"|[^\s;"]+)|^--(?P<delimiter>[^\r\n]*)""",
    re.IGNORECASE | re.MULTILINE,
)
_FOLD = re.compile(r"\r?\n[ \t]|[\r\n]")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_SURROGATE = re.compile("[\udc80-\udcff]")

# Labels mail actually carries -> codecs to try, in order. Several name a
# charset narrower than what the sender's software really used (Outlook's
# "ks_c_5601-1987" is Windows-949, "gb2312" mail holds GBK), so the superset
# comes first. A label with no entry goes to Python's own codec lookup.
_CHARSET_CANDIDATES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("gb2312", "gbk", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn", "gb-2312-80",
         "csgb2312", "chinese", "gb18030"),
        ("gb18030",),
    ),
    **dict.fromkeys(
        ("euc-kr", "ks-c-5601-1987", "ks-c-5601", "ksc5601", "ksc-5601", "korean", "cp949",
         "windows-949", "x-windows-949", "uhc", "csksc56011987"),
        ("cp949",),
    ),
    **dict.fromkeys(("iso-2022-jp", "csiso2022jp"), ("iso2022_jp_2", "iso2022_jp_ext")),
    **dict.fromkeys(
        ("shift-jis", "sjis", "x-sjis", "ms-kanji", "windows-31j", "cp932"),
        ("cp932",),
    ),
    # WHATWG practice: "latin-1" text is really Windows-1252 (curly quotes, euro sign).
    **dict.fromkeys(
        ("iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso-ir-100", "cp819"),
        ("cp1252", "latin-1"),
    ),
    **dict.fromkeys(("iso-8859-9", "latin5", "l5"), ("cp1254", "iso8859-9")),
    **dict.fromkeys(("tis-620", "iso-8859-11"), ("cp874",)),
    "iso-8859-8-i": ("iso8859-8",),
    "iso-8859-6-i": ("iso8859-6",),
    "big5": ("big5hkscs", "cp950"),
    "unicode-1-1-utf-8": ("utf-8",),
}
# Labels that tell nothing beyond "ASCII, maybe": guess as for undeclared text.
_GUESS_LABELS = frozenset(
    {"us-ascii", "ascii", "ansi-x3.4-1968", "us", "unknown-8bit", "x-unknown", "unknown",
     "default", "none"}
)
# Undeclared 8-bit text that is not UTF-8 goes to charset-normalizer, held to the charsets
# mail is really written in: left to itself it also weighs EBCDIC, UTF-16 and DOS code
# pages, and reads "café" as UTF-16. Windows-1252 stays the answer when it has none.
_DETECT_SINGLE_BYTE = ("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256",
                       "cp1257", "koi8_r", "koi8_u", "iso8859_2", "iso8859_5", "iso8859_7", "cp874")
_DETECT_MULTI_BYTE = ("cp949", "cp932", "euc_jp", "gb18030", "big5hkscs")
_DETECT_BYTES = 64 * 1024  # mail can be megabytes; a prefix tells as much
# With fewer 8-bit bytes than this it guesses wildly ("São Paulo" as Big5, a Russian line as Thai).
_DETECT_MIN_8BIT = 64
_ASCII_BYTES = bytes(range(128))
# Every ASCII byte, then the shift sequences of ISO-2022 ("ESC $ B"), UTF-7 ("+...-") and HZ ("~{").
_ASCII_PROBE = bytes(range(128)) + b"\x1b$B\x1b(B +AGE- ~{~}"


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse one email. Never raises: what could not be decoded is in ``defects``."""
    defects = _Defects()
    try:
        msg = _parse_tree(bytes(raw), defects)
        return _build(msg, defects)
    except Exception as exc:  # a bug or a parser edge case must not stop the inbox
        defects.add(f"unparsable message ({type(exc).__name__})")
        return _unparsable(raw, defects)


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Decode ``data`` declared as ``charset`` (None: undeclared).

    Returns the text and a short note when decoding had to guess or replace.
    """
    label = _normalize_label(charset)
    candidates = _candidates(label)
    if candidates is None:
        note = f"unknown charset {charset!r}"
    elif not candidates:
        note = None
    else:
        if data.isascii() and all(_is_ascii_compatible(codec) for codec in candidates):
            return data.decode("ascii"), None
        for codec in candidates:
            try:
                return data.decode(codec), None
            except Exception:  # UnicodeDecodeError, or a codec that is not a text codec
                continue
        try:
            return data.decode(candidates[0], "replace"), f"bytes not valid in {charset!r}"
        except Exception:
            note = f"cannot decode charset {charset!r}"
    # Undeclared, ASCII-only or unknown charset: guess.
    if data.isascii():
        return data.decode("ascii"), note
    text, guess = _guess(data)
    if note is None and charset is not None and label not in ("unknown-8bit", "x-unknown"):
        note = f"8-bit text labelled {charset!r}, read as {guess}"
    elif note is None and guess not in ("utf-8", "cp1252", "latin-1"):
        note = f"8-bit text without charset, read as {guess}"  # a statistical guess: say so
    return text, note


def decode_header_value(value: str, fallback_charset: str | None = None) -> str:
    """Unfold a raw header value, decode raw 8-bit bytes and RFC 2047 words."""
    return _decode_encoded_words(_decode_8bit(_unfold(value), fallback_charset))


# --- the MIME tree ---------------------------------------------------------


def _parse_tree(raw: bytes, defects: _Defects) -> Message:
    raw = _flatten_deep_multiparts(raw, defects)
    try:
        return email.message_from_bytes(raw, policy=email.policy.compat32)
    except RecursionError:
        # The stdlib parser recurses once per nesting level; keep the headers
        # and show the body as plain text rather than nothing.
        defects.add("MIME nesting too deep to parse; body kept as plain text")
        msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw, headersonly=True)
        del msg["content-type"]
        del msg["content-transfer-encoding"]
        return msg


def _flatten_deep_multiparts(raw: bytes, defects: _Defects) -> bytes:
    """Hide the boundary of multiparts nested deeper than MAX_DEPTH, so they parse as text.

    The stdlib parser tests every line against the boundary of every enclosing
    multipart: 500 levels and a few hundred KB of short lines take seconds.
    Depth is estimated from boundary declarations and delimiter lines alone.
    """
    if len(_BOUNDARY_DECLARATION.findall(raw)) <= MAX_DEPTH:
        return raw  # the common case: cannot be too deep
    open_boundaries: list[bytes] = []
    too_deep: list[int] = []  # offsets of declarations to hide
    for match in _BOUNDARY_TOKEN.finditer(raw):
        if match["declared"] is not None:
            if len(open_boundaries) < MAX_DEPTH:
                open_boundaries.append(match["declared"].strip(b'"'))
            else:
                too_deep.append(match.start())
            continue
        line = match["delimiter"].rstrip()
        for level in range(len(open_boundaries) - 1, -1, -1):
            boundary = open_boundaries[level]
            if line.startswith(boundary):
                # "--b" opens a part of b, "--b--" closes b: either way inner multiparts ended.
                closes = line[len(boundary) :].startswith(b"--")
                del open_boundaries[level if closes else level + 1 :]
                break
    if not too_deep:
        return raw
    defects.add(f"MIME nesting deeper than {MAX_DEPTH}; inner parts kept as text")
    pieces, previous = [], 0
    for offset in too_deep:
        pieces += [raw[previous:offset], b"X-"]  # "X-boundary=" is no boundary parameter
        previous = offset
    return b"".join(pieces) + raw[previous:]


class _Defects:
    """Ordered, de-duplicated and capped: a hostile message can have thousands."""

    def __init__(self) -> None:
        self.items: dict[str, None] = {}

    def add(self, note: str) -> None:
        if len(self.items) < MAX_DEFECTS:
            self.items.setdefault(note, None)
        elif len(self.items) == MAX_DEFECTS:
            self.items.setdefault("more defects not listed", None)

    def add_parser_defects(self, part: Message) -> None:
        for defect in getattr(part, "defects", ()):
            self.add(type(defect).__name__)


class _Body:
    """What the walk over the MIME tree collects."""

    def __init__(self, defects: _Defects, charset_hint: str | None) -> None:
        self.defects = defects
        self.charset_hint = charset_hint
        self.parts_seen = 0
        # Index 0: parts of the message itself; 1: parts of enclosed (forwarded, bounced) messages.
        self.plain: tuple[list[str], list[str]] = ([], [])
        self.html: tuple[list[str], list[str]] = ([], [])
        self.attachments: list[Attachment] = []
        self.enclosed_headers: list[dict[str, list[str]]] = []


def _build(msg: Message, defects: _Defects) -> ParsedMessage:
    charset_hint = _charset_of(msg)
    raw_headers = _raw_headers(msg, charset_hint, defects)
    headers = {name: [_decode_encoded_words(v) for v in values] for name, values in raw_headers.items()}
    body = _Body(defects, charset_hint)
    _walk(msg, 0, False, body)
    text, html = _readable_text(body)

    def first(name: str) -> str | None:
        values = headers.get(name)
        return values[0] if values else None

    from_name, from_addr = _first_address(raw_headers.get("from"))
    return ParsedMessage(
        message_id=_first_message_id(first("message-id"), bare_allowed=True),
        in_reply_to=_first_message_id(first("in-reply-to")),
        references=_MESSAGE_ID.findall(" ".join(headers.get("references", []))),
        subject=first("subject") or "",
        from_addr=from_addr,
        from_name=_decode_encoded_words(from_name),
        reply_to=_first_address(raw_headers.get("reply-to"))[1] or None,
        to=[addr for _, addr in _addresses(raw_headers.get("to"))],
        date=_date(first("date")),
        return_path=_return_path(first("return-path")),
        headers=headers,
        content_type=_content_type(msg),
        text=text,
        html=html,
        attachments=body.attachments,
        enclosed_headers=body.enclosed_headers,
        defects=list(defects.items),
    )


def _walk(part: Message, depth: int, enclosed: bool, body: _Body) -> None:
    if body.parts_seen >= MAX_PARTS:
        body.defects.add(f"more than {MAX_PARTS} MIME parts; the rest was skipped")
        return
    body.parts_seen += 1
    body.defects.add_parser_defects(part)
    try:
        _visit(part, depth, enclosed, body)
    except Exception as exc:  # one broken part must not cost the rest of the message
        body.defects.add(f"unreadable MIME part ({type(exc).__name__})")


def _visit(part: Message, depth: int, enclosed: bool, body: _Body) -> None:
    content_type = _content_type(part)
    if part.is_multipart():
        # Only a list is safe to fetch undecoded: for a str compat32 would apply the charset.
        payload = part.get_payload()
        if depth >= MAX_DEPTH:
            body.defects.add(f"MIME nesting deeper than {MAX_DEPTH}; inner parts skipped")
        elif content_type in _ENCLOSED_MESSAGE_TYPES:
            for inner in payload[:1]:
                body.enclosed_headers.append(_decoded_headers(inner, body))
                _walk(inner, depth + 1, True, body)
        elif content_type.startswith("message/"):
            # Reports (delivery-status, ...) are header blocks, kept whole for the classifier.
            data = b"\n".join(block.as_bytes() for block in payload)
            body.attachments.append(Attachment(_filename(part, body.charset_hint), content_type, data))
        else:
            for child in payload:
                _walk(child, depth + 1, enclosed, body)
        return
    data = part.get_payload(decode=True) or b""
    if content_type.startswith("multipart/"):
        body.defects.add(f"{content_type} without usable boundary; read as plain text")
        content_type = "text/plain"
    filename = _filename(part, body.charset_hint)
    if content_type == _ENCLOSED_HEADERS_TYPE:
        enclosed_msg = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(data)
        body.enclosed_headers.append(_decoded_headers(enclosed_msg, body))
    is_body_text = (
        content_type in ("text/plain", "text/html")
        and filename is None
        and part.get_content_disposition() != "attachment"
    )
    if not is_body_text:
        body.attachments.append(Attachment(filename, content_type, data))
        return
    text, note = decode_bytes(data, _charset_of(part))
    if note:
        body.defects.add(note)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if content_type == "text/html":
        body.html[enclosed].append(text)
    else:
        body.plain[enclosed].append(text)


def _readable_text(body: _Body) -> tuple[str, str | None]:
    """Prefer the message's own text over enclosed messages, plain over HTML."""
    html = (body.html[0] or body.html[1] or [None])[0]
    for own_or_enclosed in (0, 1):
        plain = "\n\n".join(t.strip("\n") for t in body.plain[own_or_enclosed] if t.strip())
        if plain:
            return plain, html
        html_texts = []
        for markup in body.html[own_or_enclosed]:
            if len(markup) > MAX_HTML_CHARS:
                body.defects.add(f"HTML part over {MAX_HTML_CHARS} characters; rest not read")
            html_texts.append(html_to_text(markup[:MAX_HTML_CHARS]))
        converted = "\n\n".join(t for t in html_texts if t)
        if converted:
            return converted, html
    return "", html


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "text/plain"


def _charset_of(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _filename(part: Message, charset_hint: str | None) -> str | None:
    for param, header in (("filename", "content-disposition"), ("name", "content-type")):
        value = _param(part, param, header, charset_hint)
        if value is None:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, %-decoded text)
            charset, _, text = value
            name, _ = decode_bytes(text.encode("raw-unicode-escape"), charset or None)
        else:
            name = decode_header_value(email.utils.unquote(value))
        name = name.strip()
        if name:
            return name
    return None


def _param(part: Message, param: str, header: str, charset_hint: str | None) -> str | tuple | None:
    raw = next((v for k, v in part.raw_items() if k.lower() == header), None)
    if raw is None:
        return None
    if not raw.isascii():
        # compat32 would hand back raw 8-bit bytes as U+FFFD; decode them first.
        part = Message()
        part[header] = _decode_8bit(_unfold(raw), charset_hint)
    try:
        return part.get_param(param, None, header)
    except Exception:
        return None


# --- headers -----------------------------------------------------------------


def _raw_headers(msg: Message, charset_hint: str | None, defects: _Defects) -> dict[str, list[str]]:
    """Unfolded header values with raw 8-bit bytes decoded, RFC 2047 words not yet."""
    headers: dict[str, list[str]] = {}
    # raw_items(): values as received; compat32's items() would wrap 8-bit ones in Header objects.
    for name, value in msg.raw_items():
        value = value if isinstance(value, str) else str(value)
        if not value.isascii():
            defects.add(f"raw 8-bit bytes in header {name}")
        headers.setdefault(name.strip().lower(), []).append(
            _decode_8bit(_unfold(value), charset_hint).strip()
        )
    return headers


def _decoded_headers(msg: Message, body: _Body) -> dict[str, list[str]]:
    raw = _raw_headers(msg, body.charset_hint, body.defects)
    return {name: [_decode_encoded_words(v) for v in values] for name, values in raw.items()}


def _unfold(value: str) -> str:
    return _FOLD.sub(" ", value) if ("\n" in value or "\r" in value) else value


def _decode_8bit(value: str, fallback_charset: str | None) -> str:
    """The parser keeps undecodable bytes as surrogates; turn them into text."""
    if value.isascii() or not _SURROGATE.search(value):
        return value
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", value)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_bytes(data, fallback_charset)[0]


def _decode_encoded_words(value: str) -> str:
    """RFC 2047: adjacent words of one charset are joined before decoding (a
    multi-byte character may be split between them) and the white space
    between encoded words is dropped. A word that does not decode stays as is."""
    if "=?" not in value:
        return value
    out: list[str] = []
    run_charset: str | None = None
    run = bytearray()

    def flush() -> None:
        nonlocal run_charset
        if run_charset is not None:
            out.append(decode_bytes(bytes(run), run_charset)[0])
            run.clear()
            run_charset = None

    position = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[position : match.start()]
        if gap and not (run_charset is not None and gap.isspace()):
            flush()
            out.append(gap)
        charset = match[1].split("*", 1)[0].lower()  # drop an RFC 2231 language tag
        data = _encoded_word_bytes(match[2], match[3])
        if data is None:
            flush()
            out.append(match[0])
        else:
            if charset != run_charset:
                flush()
                run_charset = charset
            run += data
        position = match.end()
    flush()
    out.append(value[position:])
    return "".join(out)


def _encoded_word_bytes(encoding: str, text: str) -> bytes | None:
    try:
        if encoding in "qQ":
            return binascii.a2b_qp(text.encode("ascii"), header=True)
        text = text.rstrip("=")
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (ValueError, binascii.Error):  # UnicodeEncodeError is a ValueError
        return None


def _first_message_id(value: str | None, *, bare_allowed: bool = False) -> str | None:
    if not value:
        return None
    match = _MESSAGE_ID.search(value)
    if match:
        return match[0]
    # Some mailers leave out the brackets; the id is still the id.
    bare = value.strip()
    return f"<{bare}>" if bare_allowed and bare and not any(c.isspace() for c in bare) else None


def _addresses(values: list[str] | None) -> list[tuple[str, str]]:
    if not values:
        return []
    try:
        pairs = email.utils.getaddresses(values)
    except Exception:
        return []
    return [(name, addr.strip().lower()) for name, addr in pairs if "@" in addr]


def _first_address(values: list[str] | None) -> tuple[str, str]:
    pairs = _addresses(values)
    return pairs[0] if pairs else ("", "")


def _return_path(value: str | None) -> str | None:
    if value is None:
        return None
    if value.strip() in ("", "<>"):
        return ""  # the null reverse-path of bounces and other automatic mail
    _, addr = _first_address([value])
    return addr or value.strip().strip("<>").strip().lower()


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except Exception:  # TypeError/ValueError for garbage, OverflowError for absurd years
        return None


def _unparsable(raw: object, defects: _Defects) -> ParsedMessage:
    try:
        text = decode_bytes(bytes(raw), None)[0]  # type: ignore[call-overload]
    except Exception:
        text = ""
    return ParsedMessage(
        message_id=None, in_reply_to=None, references=[], subject="", from_addr="",
        from_name="", reply_to=None, to=[], date=None, return_path=None, headers={},
        content_type="text/plain", text=text, html=None, defects=list(defects.items),
    )


# --- charsets ----------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _normalize_label(charset: str | None) -> str | None:
    if charset is None:
        return None
    label = charset.strip().strip("\"'").strip().lower().replace("_", "-")
    return label or None


@functools.lru_cache(maxsize=512)
def _candidates(label: str | None) -> tuple[str, ...] | None:
    """Codecs to try for ``label``: () means guess, None means unknown label."""
    if label is None or label in _GUESS_LABELS:
        return ()
    if label in _CHARSET_CANDIDATES:
        return _CHARSET_CANDIDATES[label]
    try:
        codec = codecs.lookup(label)
    except Exception:  # LookupError, or a label Python cannot even look up
        return None
    if not getattr(codec, "_is_text_encoding", True):
        return None  # "base64", "rot13": codecs, but not charsets
    return (codec.name,)


def _guess(data: bytes) -> tuple[str, str]:
    """Text and codec of 8-bit ``data`` in an unknown charset."""
    try:
        return data.decode("utf-8"), "utf-8"  # checkable, and cheap to check
    except UnicodeDecodeError:
        pass
    try:
        codec = _detect(data)
    except Exception:  # a detector bug must not cost the text
        codec = None
    if codec is None:
        try:
            return data.decode("cp1252"), "cp1252"  # the likeliest
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"  # cannot fail
    try:
        return data.decode(codec), codec
    except UnicodeDecodeError:  # past the examined prefix: a few U+FFFD beat mojibake throughout
        return data.decode(codec, "replace"), f"{codec}, bytes not valid in it replaced"


def _detect(data: bytes) -> str | None:
    """The legacy charset of 8-bit ``data``, or None when the detector is not confident."""
    sample = data[:_DETECT_BYTES]
    if len(sample) < len(data):
        # End at a space or line break, which no charset here uses inside a character.
        cut = max(sample.rfind(b" "), sample.rfind(b"\n"))
        sample = sample[:cut] if cut > 0 else sample
    if len(sample.translate(None, _ASCII_BYTES)) < _DETECT_MIN_8BIT:
        return None
    # Not preemptive: a charset named in the text (an HTML <meta>) would end the comparison early.
    found = charset_normalizer.from_bytes(
        sample, cp_isolation=[*_DETECT_SINGLE_BYTE, *_DETECT_MULTI_BYTE], preemptive_behaviour=False
    )
    # Japanese read as cp949 is rare syllables and jamo, which it would take for Korean.
    matches = [m for m in found if m.encoding != "cp949" or _reads_as_korean(str(m))]
    if not matches:
        return None
    best = matches[0]
    cp1252 = next((m for m in matches if "cp1252" in m.could_be_from_charset), None)
    if cp1252 is not None and best.coherence < cp1252.coherence + 0.1:
        return None  # a few accents cannot tell Latin-1 from Latin-2 or Baltic: Western is likelier
    korean = next((m for m in matches if m.encoding == "cp949"), None)
    if korean is not None and korean.chaos <= best.chaos:
        return korean.encoding  # it has no letter statistics for Korean, and Thai can outscore it
    if best.encoding in _DETECT_MULTI_BYTE or best.coherence >= 0.2:
        return best.encoding
    return None  # a single-byte charset in which it recognises no language is a coin toss


def _reads_as_korean(text: str) -> bool:
    """Mostly the 2,350 everyday Hangul syllables of EUC-KR, as Korean text is."""
    non_ascii = [c for c in text[:4096] if not c.isascii()]  # the start is enough, and cheap
    everyday = sum("\uac00" <= c <= "\ud7a3" and len(c.encode("euc_kr")) == 2 for c in non_ascii)
    return everyday >= 0.7 * len(non_ascii)


@functools.lru_cache(maxsize=512)
def _is_ascii_compatible(codec: str) -> bool:
    # ISO-2022-JP, UTF-7, HZ and UTF-16 give ASCII bytes other meanings.
    try:
        return _ASCII_PROBE.decode(codec) == _ASCII_PROBE.decode("ascii")
    except Exception:
        return False
