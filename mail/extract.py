"""Read the application form out of an email.

The form is ``Label: value`` lines (rules.form gives every field's labels in
English, Korean, Spanish and French), in the body or in attachments; JSON
attachments carry field codes instead. Values are normalised where possible
(rules.normalize) and kept as written where not, so validation can name them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

from mail.attachment_text import attachment_content, is_document
from mail.language import detect_language
from mail.message import Attachment, ParsedMessage
from rules import form
from rules.form import FIELDS, FIELDS_BY_CODE, LANGUAGES
from rules.normalize import alternation, field_value

__all__ = ["Extraction", "extract", "extract_text"]

MAX_TEXT_CHARS = 500_000  # a form is a few kilobytes; beyond this is not worth reading
MAX_QUOTE_DEPTH = 3
# How ``Extraction.unread`` names an attachment that came with no file name: "#" and its place (from 1).
UNNAMED = re.compile(r"#(\d+)")


@dataclass
class Extraction:
    fields: dict  # nested by section: {"applicant": {"country": "PE"}}; raw text where normalising failed
    language: str | None  # "en", "ko", "es", "fr" or None
    labels_found: int  # distinct form fields recognised
    sources: list[str] = field(default_factory=list)  # "body", "attachment:form.json"
    # Documents attached that gave no text (a scan, an encrypted file...), by file name (else UNNAMED's
    # "#N"): the reply says so.
    unread: list[str] = field(default_factory=list)


# --- Matching a label at the start of a line -----------------------------------


@cache
def _fold_table() -> dict[int, str]:
    """Accented Latin letters to their base letter, one character for one, so a
    match in the folded line has the same offsets in the original."""
    table = {ord("’"): "'", ord("‘"): "'", ord("ʼ"): "'"}
    for code in range(0xC0, 0x250):
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base != chr(code) and base.isascii():
            table[code] = base
    return table


def _fold(text: str) -> str:
    return text.translate(_fold_table())


# A line as written and folded (accents off, same length): (text, folded).
_Line = tuple[str, str]


def _label_key(label: str) -> str:
    return "".join(_fold(label).casefold().split())


@cache
def _labels() -> dict[str, tuple[str, frozenset[str]]]:
    """label key -> (field code, languages using that label). Codes work as labels too."""
    index: dict[str, tuple[str, set[str]]] = {}
    for f in FIELDS:
        index.setdefault(_label_key(f.code), (f.code, set()))
        for lang, labels in f.labels.items():
            for label in labels:
                code, langs = index.setdefault(_label_key(label), (f.code, set()))
                if code == f.code:  # the first field to claim a label keeps it
                    langs.add(lang)
    return {key: (code, frozenset(langs)) for key, (code, langs) in index.items()}


_SPACE = r"[ \t\u00a0\u202f\u3000]"
_BULLET = r"[-*+•·▪◦‣–—○●■□◆◇►▶✓✔※]"
# "1.", "1)", "1.2.", "(a)", "A.", "iv.", "가.", "①"
_NUMBERING = r"(?:\(?(?:\d{1,2}(?:\.\d{1,2}){0,3}|[a-z]|[ivx]{1,4}|[가-힣])[.)]|\(\w{1,3}\)|[①-⑳])"
_EMPHASIS = r"(?:\*\*|__|\*|_)?"


@cache
def _line_pattern() -> re.Pattern:
    """One regex for every label of every language, as a trie: the longest label wins."""
    labels = {_fold(label).casefold() for f in FIELDS for ls in f.labels.values() for label in ls}
    alternatives = alternation(labels | {f.code for f in FIELDS}, space=f"{_SPACE}*")
    return re.compile(
        rf"^{_SPACE}*\|?{_SPACE}*(?:#{{1,6}}{_SPACE}+)?(?:(?:{_BULLET}|{_NUMBERING}){_SPACE}*){{0,3}}"
        rf"{_EMPHASIS}{_SPACE}*(?P<label>{alternatives}){_EMPHASIS}{_SPACE}*"
        rf"(?P<hint>\([^()\n]{{0,40}}\))?{_SPACE}*{_EMPHASIS}"
        # ":" or "：" (a table row's "|" or tab from HTML cells too), then the value;
        # or nothing more on the line: a label alone, its value on the lines below
        # (forms turned into text from PDF or Word often put them so).
        rf"(?:(?:{_SPACE}*[:：|]|\t){_SPACE}*{_EMPHASIS}(?P<value>.*)|{_SPACE}*\|?{_SPACE}*)$",
        re.IGNORECASE,
    )


class _Label(NamedTuple):
    code: str
    key: str
    value: str
    hint: str
    alone: bool = False  # no colon: the line is the label and nothing else


def _match_label(line: str, folded: str) -> _Label | None:
    """``folded`` is ``_fold(line)``: callers fold a whole text once, not line by line."""
    m = _line_pattern().match(folded)
    if m is None:
        return None
    key = "".join(m.group("label").casefold().split())  # already folded
    known = _labels().get(key)
    if known is None:  # a case-insensitive oddity ("ſ" for "s"): not a label we know
        return None
    hint = (m.group("hint") or "").strip("() ")
    if m.group("value") is None:
        return _Label(known[0], key, "", hint, alone=True)
    # Offsets are the same in the original line: take the value as written.
    return _Label(known[0], key, line[m.start("value"):], hint)


# --- Lines that end the applicant's own text ------------------------------------

_QUOTE = re.compile(r"^[ \t]*>[ \t]?")
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:original message|forwarded message|mensaje original|mensaje reenviado|"
    r"message d'origine|message original|message transfere|원본 메시지|전달된 메시지)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_WROTE_START = re.compile(r"^\s*(?:(?:on|le|el)\b|\d)", re.IGNORECASE)
_WROTE_END = re.compile(r"(?:wrote|a ecrit|escribio|작성)\s*:\s*$", re.IGNORECASE)
_HEADER_FROM = re.compile(r"^\s*\*?(?:from|de|보낸\s*사람|발신자?)\*?\s*:", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(?:sent|date|envoye|enviado(?: el)?|fecha|to|a|para|subject|objet|asunto|"
    r"보낸\s*날짜|받는\s*사람|날짜|제목)\*?\s*:",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    # A closing alone or before a name ("Best regards,", "Atentamente, Ana Quispe"), or a
    # phone's signature. What follows is the signature: no form lines there.
    r"^\s*(?:(?:(?:best|kind|warm|warmest|with best)\s+)?regards"
    r"|sincerely(?: yours)?|yours (?:sincerely|faithfully|truly)"
    r"|thank you(?: very much)?|thanks|many thanks|best wishes|atentamente|saludos(?: cordiales)?"
    r"|un (?:cordial )?saludo|cordialmente|muchas gracias|gracias|cordialement|bien (?:a vous|cordialement)"
    r"|(?:sinceres )?salutations(?: distinguees)?|merci(?: beaucoup)?|감사합니다|고맙습니다|감사드립니다"
    r"|(?:잘\s*)?부탁드립니다)[.!]*(?:\s*,\s*[^\s,]+(?:\s+[^\s,]+){0,3})?\s*[,.!]*\s*$"
    r"|^\s*(?:sent from my|enviado desde mi|envoye de mon|get outlook for)\b",
    re.IGNORECASE,
)
# "Thank you for your consideration." ends the value above it, but may open a mail too
# ("Thank you for the call. Here is our form:"), so it does not end the form.
_THANKS = re.compile(
    r"^\s*(?:thank you|thanks|many thanks|muchas gracias|gracias|merci(?: beaucoup)?)\s+(?:for|por|pour|de)\b[^:]*$",
    re.IGNORECASE,
)


def _is_reply_header(lines: list[_Line], i: int) -> bool:
    line = lines[i][1].rstrip()
    if line.endswith("-") and _SEPARATOR.match(line):
        return True
    following = lines[i + 1][1].rstrip() if i + 1 < len(lines) else ""
    # "On ... wrote:", perhaps wrapped onto a second line; the colon test is the cheap one.
    if _WROTE_START.match(line) and (
        (line.endswith(":") and _WROTE_END.search(line))
        or (following.endswith(":") and len(line) < 200 and _WROTE_END.search(following))
    ):
        return True
    return bool(_HEADER_FROM.match(line) and _HEADER_NEXT.match(following))


def _ends_own_text(folded: str) -> bool:
    """A signature separator ("-- ") or a closing ("Best regards,", "Atentamente")."""
    return folded.rstrip() == "--" or bool(_CLOSING.match(folded))


def _split(lines: list[_Line]) -> tuple[list[_Line], list[_Line]]:
    """(the sender's own lines, quoted lines with one level of quoting removed).

    Text below a reply header ("On ... wrote:", "-----Original Message-----")
    counts as quoted even without ">"; text below a signature is dropped."""
    own: list[_Line] = []
    quoted: list[_Line] = []
    state = "own"  # then "signature" or "quoted"
    open_label: _Line | None = None  # a quoted "Label:" with nothing after it
    for i, line in enumerate(lines):
        quote = _QUOTE.match(line[0])
        if quote:
            inner = (line[0][quote.end():], line[1][quote.end():])
            quoted.append(inner)
            label = _match_label(*inner)
            open_label = inner if label and not label.value.strip() else None
            continue
        if state != "quoted" and _is_reply_header(lines, i):
            state = "quoted"
        elif state == "quoted":
            quoted.append(line)
        elif state == "own" and _ends_own_text(line[1]):
            state = "signature"
        elif state == "own":
            # An answer typed under the quoted question: "> Project status:" / "ongoing".
            if open_label and line[0].strip() and not _match_label(*line):
                own.append(open_label)
            own.append(line)
        open_label = None
    return own, quoted


# --- Values --------------------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"^(?:[-–—_.…/?\s]*|n/?a|n\.a\.?|tbd|tbc|to be (?:confirmed|determined|completed)|fill in|pending"
    r"|s/o|sans objet|non applicable|no aplica|por definir|a completer|해당\s*없음|미정|x{2,})$"
    r"|^[\[<{(][^\]>})@\d]*(?:fill|insert|enter|type|complete|rellenar|completar|remplir|입력|작성|기재|your|su |votre)"
    r"[^\]>})@\d]*[\]>})]$"
    r"|^[\[<{(]\s*[.…_\s-]*[\]>})]$"
    r"|^(?:e\.\s?g\.?|eg\.|ex\.|p\.\s?ej\.|par ex\.?|par exemple|예\)|예시)[\s:,]",
    re.IGNORECASE,
)
_UNKNOWN_LABEL = re.compile(r"^[^\W\d][^:：]{0,38}[:：](?:\s|$)")


def _clean(value: str) -> str:
    value = value.strip().strip("|").strip()
    value = value.strip("*_").strip() if value[:1] in "*_" or value[-1:] in "*_" else value
    return "" if _PLACEHOLDER.match(_fold(value)) else value


class _Reader:
    """Collects "Label: value" lines and their continuations, first answer wins."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.seen: list[str] = []  # label keys, in order
        self._code: str | None = None
        self._parts: list[str] = []
        self._hint = ""
        self._alone = False
        self._paragraph_break = False

    def read(self, lines: list[_Line]) -> None:
        for line, folded in lines:
            label = _match_label(line, folded)
            if label:
                self._close()
                self._code, self._hint, self._alone = label.code, label.hint, label.alone
                first = label.value.strip()
                self._parts = [first] if first else []
                self.seen.append(label.key)
            elif self._code is not None:
                self._continue(line.strip(), folded)
        self._close()

    def _continue(self, text: str, folded: str) -> None:
        multiline = FIELDS_BY_CODE[self._code].multiline
        if not text and self._alone and not self._parts:
            return  # a label alone, then a blank line, then its value
        if not text:
            if multiline and self._parts:  # paragraphs continue until the next label
                self._paragraph_break = True
            elif not multiline:
                self._close()
            return
        if (not multiline and _UNKNOWN_LABEL.match(text)) or _THANKS.match(folded):
            self._close()  # "Fax: ..." is not the phone's; "Thank you for ..." is no summary's
            return
        if self._paragraph_break:
            self._parts.append("")
            self._paragraph_break = False
        self._parts.append(text)

    def _close(self) -> None:
        if self._code is not None and self._alone and not self._parts:
            self.seen.pop()  # a word alone on its line ("Country", a heading) with nothing under it: no label
        elif self._code is not None:
            kind = FIELDS_BY_CODE[self._code]
            joiner = "\n" if kind.multiline or kind.kind == "choices" else " "
            value = _clean(joiner.join(self._parts))
            if value and kind.kind == "amount" and self._hint:
                value = f"{value} {self._hint}"  # "Requested amount (KRW): 800,000,000"
            if value and not self.values.get(self._code):
                self.values[self._code] = value
            else:
                self.values.setdefault(self._code, "")
        self._code, self._parts, self._hint, self._alone, self._paragraph_break = None, [], "", False, False


@dataclass
class _Layer:
    """What one piece of text says: raw values (own answers over quoted ones)."""

    values: dict[str, object]  # code -> raw value, non-empty
    seen: set[str]  # codes with a value, and those whose label the sender left blank
    label_language: str | None
    language: str | None


def _label_language(keys: list[str], text: str) -> str | None:
    """The language most labels belong to; a tie ("Email" is en, es and fr) goes to the text's."""
    labels = _labels()
    votes = Counter(lang for key in dict.fromkeys(keys) for lang in labels[key][1])
    if not votes:
        return None
    best = max(votes.values())
    tied = [lang for lang in LANGUAGES if votes[lang] == best]
    if len(tied) == 1:
        return tied[0]
    guess = detect_language(text)
    return guess if guess in tied else None


def _read_lines(lines: list[_Line], depth: int = 0) -> _Layer:
    own, quoted = _split(lines)
    reader = _Reader()
    reader.read(own)
    values: dict[str, object] = {code: v for code, v in reader.values.items() if v}
    own_text = "\n".join(line for line, _ in own)
    label_language = _label_language(reader.seen, own_text)
    language = label_language or detect_language(own_text)
    if quoted and depth < MAX_QUOTE_DEPTH:
        inner = _read_lines(quoted, depth + 1)
        for code, value in inner.values.items():
            values.setdefault(code, value)  # the sender's own answer wins
        language = language or inner.language
    seen = {_labels()[key][0] for key in reader.seen} | set(values)
    return _Layer(values, seen, label_language, language)


def _read_text(text: str) -> _Layer:
    if not isinstance(text, str):
        return _Layer({}, set(), None, None)
    text = text[:MAX_TEXT_CHARS]
    # Folding keeps every character's place, so both split into the same lines.
    return _read_lines(list(zip(text.splitlines(), _fold(text).splitlines())))


# --- Putting it together -------------------------------------------------------


def _normalised(raw: dict[str, object]) -> dict:
    """Nested fields, normalised; the raw value where normalising fails."""
    fields: dict = {}
    country = None  # the applicant's, for reading phone numbers without a country code
    for f in FIELDS:  # form order: the country comes before the phone
        if f.code not in raw:
            continue
        value = field_value(f.code, raw[f.code], country)
        if f.code == "applicant.country":
            country = value
        form.put(fields, f.code, raw[f.code] if value is None else value)
    return fields


def extract_text(text: str) -> Extraction:
    """The form in a piece of text (an email body, an attachment's text)."""
    layer = _read_text(text)
    return Extraction(
        fields=_normalised(layer.values),
        language=layer.language,
        labels_found=len(layer.seen),
        sources=["body"] if layer.seen else [],
    )


def extract(msg: ParsedMessage) -> Extraction:
    """The form in a message: the body first; attachments fill what the body left out;
    the sender's address stands in for a missing contact email."""
    body = _read_text(msg.text)
    raw = dict(body.values)
    seen = set(body.seen)
    sources = ["body"] if body.seen else []
    label_language = body.label_language
    fallback_language = body.language
    unread = []
    for number, att in enumerate(msg.attachments, start=1):
        found = _attachment_values(att)
        if found is None:
            if is_document(att):
                unread.append(att.filename or f"#{number}")
            continue
        values, attachment_seen, languages = found
        if not attachment_seen:
            continue
        sources.append(f"attachment:{att.filename or number}")
        seen |= attachment_seen
        for code, value in values.items():
            raw.setdefault(code, value)
        label_language = label_language or languages[0]
        fallback_language = fallback_language or languages[1]
    if not raw.get("contact.email") and msg.from_addr:
        raw["contact.email"] = msg.from_addr
    return Extraction(
        fields=_normalised(raw),
        language=label_language or fallback_language,
        labels_found=len(seen),
        sources=sources,
        unread=unread,
    )


def _attachment_values(att: Attachment) -> tuple[dict, set[str], tuple[str | None, str | None]] | None:
    """(code -> raw value, codes recognised, (label language, text language)) or None."""
    content = attachment_content(att)
    if isinstance(content, dict):  # JSON fields
        values = form.flatten(content)
        return values, set(values), (None, None)
    if content is None:
        return None
    layer = _read_text(content)
    return layer.values, layer.seen, (layer.label_language, layer.language)
