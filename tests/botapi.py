"""A small, faithful Telegram Bot API emulator for tests.

The bot under test talks to it through its real HTTP stack (python-telegram-bot's
``HTTPXRequest``): point ``telegram.Bot`` / ``ApplicationBuilder`` at
``emulator.base_url`` and ``emulator.base_file_url``.  The emulator answers with the
Bot API's JSON (``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N,
"description": "...", "parameters": {...}}``) and mimics Telegram's validation and
error descriptions (HTML / MarkdownV2 parsing follows TDLib's parsers).

Test-side API (everything runs on the test's event loop)::

    emulator = BotAPIEmulator(token)            # or the `bot_api` fixture
    await emulator.start() / await emulator.stop()   # or `async with emulator:`
    emulator.base_url, emulator.base_file_url, emulator.token, emulator.bot_user

    emulator.user_sends(chat_id, "/start payload")         -> message dict
    emulator.user_sends_document(chat_id, b"...", "cv.pdf") -> message dict
    emulator.user_presses(chat_id, message_id, "data")      -> callback query id
    emulator.user_blocks(chat_id) / emulator.user_unblocks(chat_id)

    emulator.messages(chat_id)       # what the bot sent there (dicts, oldest first)
    await emulator.wait_for_messages(chat_id, count=1, timeout=5)
    await emulator.wait_until(lambda: ..., timeout=5)
    emulator.calls / emulator.calls_to("sendMessage")
    emulator.fail_next("sendMessage", 429, retry_after=3)
    emulator.set_latency(0.2, method="sendMessage")

See the docstrings of :class:`BotAPIEmulator` for the whole surface.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import mimetypes
import re
import secrets
import struct
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "BotAPIEmulator",
    "ParseError",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
]

DEFAULT_TOKEN = "123456789:AAEmulatorTokenForTestsOnly_0123456"  # 35 chars after ':'
_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{35}$")

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

# Updates delivered when allowed_updates is empty / never set.
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
GETUPDATES_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
GETUPDATES_TERMINATED = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
BLOCKED = "Forbidden: bot was blocked by the user"

_BAD_GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


class ApiError(Exception):
    """A Bot API error answer: HTTP status ``code`` and Telegram's ``description``."""

    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


# --------------------------------------------------------------------------------------
# Text: UTF-16 lengths, entity parsing (ports of TDLib's parse_html / parse_markdown_v2)
# --------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of MessageEntity offsets and lengths."""
    return len(text.encode("utf-16-le")) // 2


def _u16(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


class ParseError(Exception):
    """An entity parsing failure; ``str(exc)`` is TDLib's message."""


_ENTITY_PRIORITY = {
    "mention": 50,
    "hashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "bold": 90,
    "italic": 91,
    "code": 20,
    "pre": 11,
    "text_link": 49,
    "text_mention": 49,
    "cashtag": 50,
    "phone_number": 50,
    "underline": 92,
    "strikethrough": 93,
    "blockquote": 0,
    "expandable_blockquote": 0,
    "spoiler": 94,
    "custom_emoji": 99,
}


def _sort_entities(entities: list[dict]) -> list[dict]:
    return sorted(
        entities, key=lambda e: (e["offset"], -e["length"], _ENTITY_PRIORITY.get(e["type"], 50))
    )


def _checked_link(url: str) -> str | None:
    """Roughly TDLib's LinkManager::get_checked_link: '' or junk -> None."""
    url = url.strip()
    if not url or any(c.isspace() for c in url):
        return None
    parts = urlsplit(url)
    if not parts.scheme:
        url = "http://" + url
        parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https", "ftp"):
        return url if parts.netloc else None
    if scheme in ("tg", "ton", "tonsite"):
        return url
    return None


def _link_entity(offset: int, length: int, url: str) -> dict | None:
    match = re.fullmatch(r"tg://user\?id=(\d+)", url.strip())
    if match:
        user = {"id": int(match.group(1)), "is_bot": False, "first_name": "User"}
        return {"type": "text_mention", "offset": offset, "length": length, "user": user}
    checked = _checked_link(url)
    if checked is None:
        return None
    return {"type": "text_link", "offset": offset, "length": length, "url": checked}


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_html_entity(text: str, pos: int) -> tuple[int, int]:
    """TDLib's decode_html_entity: (code point or 0, position after the entity)."""
    n = len(text)
    end = pos + 1
    res = 0
    if end < n and text[end] == "#":
        end += 1
        if end < n and text[end] == "x":
            end += 1
            while end < n and text[end] in "0123456789abcdefABCDEF":
                res = res * 16 + int(text[end], 16)
                end += 1
        else:
            while end < n and text[end] in "0123456789":
                res = res * 10 + int(text[end])
                end += 1
        if res == 0 or res >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        name = text[pos + 1 : end]
        res = {"lt": 60, "gt": 62, "amp": 38, "quot": 34}.get(name, 0)
        if not res:
            return 0, pos
    if end < n and text[end] == ";":
        end += 1
    return res, end


_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
}


def _is_space(ch: str) -> bool:
    # TDLib's is_space also treats the terminating NUL as a space.
    return ch in " \t\r\n\v\f\0"


def _pre_language(text: str, i: int) -> tuple[str, int]:
    """After a pre block's opening ``` at ``i``: its language (up to a space or a backtick) and where
    its text starts, past one line break (TDLib's rule, the same in Markdown and MarkdownV2)."""
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    language = ""
    language_end = i
    while not _is_space(at(language_end)) and at(language_end) != "`":
        language_end += 1
    if i != language_end and language_end < n and text[language_end] != "`":
        language, i = text[i:language_end], language_end
    if at(i) in "\n\r":
        i += 2 if at(i + 1) in "\n\r" and at(i) != at(i + 1) else 1
    return language, i


def parse_html(text: str, *, strict: bool = False) -> tuple[str, list[dict]]:
    """Telegram's HTML parse mode: (visible text, Bot API entities) or ParseError.

    With ``strict``, an ``&`` that does not start a character reference is refused
    (Telegram's documentation requires escaping it; TDLib silently keeps it).
    """
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    def err(message: str) -> ParseError:
        return ParseError(message)

    out: list[str] = []
    entities: list[dict] = []
    u16 = 0
    stack: list[dict] = []
    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            code, after = _decode_html_entity(text, i)
            if code:
                ch = chr(code)
                out.append(ch)
                u16 += _u16(ch)
                i = after
                continue
            if strict:
                raise err(
                    f'Unescaped "&" at byte offset {_byte_offset(text, i)} '
                    "(Telegram keeps it as is, but its documentation requires &amp;; "
                    "the emulator runs with strict_html)"
                )
        if c != "<":
            out.append(c)
            u16 += _u16(c)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != "/":
            while not _is_space(at(i)) and at(i) != ">":
                i += 1
            if at(i) == "\0":
                raise err(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            tag = text[begin + 1 : i].lower()
            where = f"at byte offset {_byte_offset(text, begin)}"
            if tag not in _HTML_TAGS:
                raise err(f'Unsupported start tag "{tag}" {where}')
            argument = ""
            expandable = False
            while at(i) != ">":
                while at(i) != "\0" and _is_space(at(i)):
                    i += 1
                if at(i) == ">":
                    break
                attr_begin = i
                while not _is_space(at(i)) and at(i) not in "=>":
                    i += 1
                attr = text[attr_begin:i]
                if not attr:
                    raise err(f'Empty attribute name in the tag "{tag}" {where}')
                while at(i) != "\0" and _is_space(at(i)):
                    i += 1
                if at(i) != "=":
                    if tag == "blockquote" and attr.lower() == "expandable":
                        expandable = True
                        continue
                    raise err(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                        f"{where}"
                    )
                i += 1
                while at(i) != "\0" and _is_space(at(i)):
                    i += 1
                if at(i) == "\0":
                    raise err(f'Unclosed start tag "{tag}" {where}')
                if at(i) not in "'\"":
                    token_begin = i
                    while at(i).isascii() and (at(i).isalnum() or at(i) in ".-"):
                        i += 1
                    value = text[token_begin:i].lower()
                    if not _is_space(at(i)) and at(i) != ">":
                        raise err(
                            "Unexpected end of name token at byte offset "
                            f"{_byte_offset(text, token_begin)}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    chars: list[str] = []
                    while at(i) != quote and at(i) != "\0":
                        if at(i) == "&":
                            code, after = _decode_html_entity(text, i)
                            if code:
                                chars.append(chr(code))
                                i = after
                                continue
                        chars.append(text[i])
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = "".join(chars)
                if at(i) == "\0":
                    raise err(f"Unclosed start tag {where}")
                if tag == "a" and attr == "href":
                    argument = value
                elif tag == "code" and attr == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr == "class" and value.startswith("tg-"):
                    argument = value[3:]
                elif tag == "tg-emoji" and attr == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise err(f'Tag "span" must have class "tg-spoiler" {where}')
            stack.append(
                {
                    "tag": tag,
                    "argument": argument,
                    "offset": u16,
                    "begin": len(out),
                    "expandable": expandable,
                }
            )
            i += 1  # the '>'
            continue

        # an end tag
        if not stack:
            raise err(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
        while not _is_space(at(i)) and at(i) != ">":
            i += 1
        end_tag = text[begin + 2 : i].lower()
        while _is_space(at(i)) and at(i) != "\0":
            i += 1
        if at(i) != ">":
            raise err(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
        top = stack[-1]
        tag = top["tag"]
        if end_tag and end_tag != tag:
            raise err(
                f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                f'expected "</{tag}>", found "</{end_tag}>"'
            )
        if u16 > top["offset"]:
            offset, length = top["offset"], u16 - top["offset"]
            if tag in _SIMPLE_TAGS or tag == "span":
                entities.append({"type": _SIMPLE_TAGS.get(tag, "spoiler"), "offset": offset,
                                 "length": length})
            elif tag == "blockquote":
                kind = "expandable_blockquote" if top["expandable"] else "blockquote"
                entities.append({"type": kind, "offset": offset, "length": length})
            elif tag == "tg-emoji":
                if not top["argument"].isdigit() or int(top["argument"]) == 0:
                    raise err("Invalid custom emoji identifier specified")
                entities.append({"type": "custom_emoji", "offset": offset, "length": length,
                                 "custom_emoji_id": top["argument"]})
            elif tag == "a":
                url = top["argument"] or "".join(out[top["begin"] :])
                entity = _link_entity(offset, length, url)
                if entity:
                    entities.append(entity)
            elif tag == "pre":
                last = entities[-1] if entities else None
                if (last and last["type"] == "code" and last["offset"] == offset
                        and last["length"] == length and last.get("language")):
                    last["type"] = "pre"
                else:
                    entities.append({"type": "pre", "offset": offset, "length": length})
            elif tag == "code":
                last = entities[-1] if entities else None
                if (last and last["type"] == "pre" and last["offset"] == offset
                        and last["length"] == length and top["argument"]):
                    last["language"] = top["argument"]
                else:
                    entity = {"type": "code", "offset": offset, "length": length}
                    if top["argument"]:
                        entity["language"] = top["argument"]
                    entities.append(entity)
        stack.pop()
        i += 1
    if stack:
        raise err(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return "".join(out), _sort_entities(entities)


_MDV2_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
}


def parse_markdown_v2(text: str) -> tuple[str, list[dict]]:
    """Telegram's MarkdownV2 parse mode (port of TDLib's parse_markdown_v2)."""
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    def reserved(ch: str) -> ParseError:
        return ParseError(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")

    def unterminated(entry: dict) -> ParseError:
        name = _MDV2_TYPE_NAMES[entry["type"]]
        if entry["type"] == "pre" and entry["argument"]:
            name = "PreCode"
        return ParseError(
            f"Can't find end of {name} entity at byte offset {_byte_offset(text, entry['byte'])}"
        )

    out: list[str] = []
    entities: list[dict] = []
    u16 = 0
    stack: list[dict] = []
    have_blockquote = False
    i = 0
    while i < n:
        c = text[i]
        if c == "\\" and "\0" < at(i + 1) <= "~":
            out.append(text[i + 1])
            u16 += 1
            i += 2
            continue
        reserved_chars = "_*[]()~`>#+-=|{}.!\n"
        if stack and stack[-1]["type"] in ("code", "pre"):
            reserved_chars = "`"
        if c not in reserved_chars:
            out.append(c)
            u16 += _u16(c)
            i += 1
            continue

        top = stack[-1] if stack else None
        # "||" closing an expandable blockquote at the end of its last line
        if (top is not None and top["type"] == "blockquote" and c == "|" and at(i + 1) == "|"
                and at(i + 2) in "\n\0"):
            top["expandable"] = True
            i += 2
            continue

        is_end = False
        if top is not None:
            if have_blockquote and c == "\n" and (i + 1 == n or text[i + 1] != ">"):
                is_end = True
            else:
                kind = top["type"]
                is_end = (
                    (kind == "bold" and c == "*")
                    or (kind == "italic" and c == "_" and at(i + 1) != "_")
                    or (kind == "code" and c == "`")
                    or (kind == "pre" and c == "`" and at(i + 1) == "`" and at(i + 2) == "`")
                    or (kind in ("text_link", "custom_emoji") and c == "]")
                    or (kind == "underline" and c == "_" and at(i + 1) == "_")
                    or (kind == "strikethrough" and c == "~")
                    or (kind == "spoiler" and c == "|" and at(i + 1) == "|")
                )

        if not is_end:
            byte_index = i
            argument = ""
            kind = None
            expandable = False
            if c == "_":
                if at(i + 1) == "_":
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif c == "*":
                if (at(i + 1) == "*" and at(i + 2) == ">" and (i == 0 or text[i - 1] == "\n")
                        and not have_blockquote):
                    kind = "blockquote"
                    expandable = True
                    have_blockquote = True
                    i += 2
                else:
                    kind = "bold"
            elif c == "~":
                kind = "strikethrough"
            elif c == "|":
                if at(i + 1) != "|":
                    raise reserved(c)
                i += 1
                kind = "spoiler"
            elif c == "[":
                kind = "text_link"
            elif c == "`":
                if at(i + 1) == "`" and at(i + 2) == "`":
                    kind = "pre"
                    argument, i = _pre_language(text, i + 3)
                    i -= 1
                else:
                    kind = "code"
            elif c == "!":
                if at(i + 1) != "[":
                    raise reserved(c)
                i += 1
                kind = "custom_emoji"
            elif c == "\n":
                u16 += 1
                out.append("\n")
                if at(i + 1) == ">":
                    i += 1
                    if not have_blockquote:
                        kind = "blockquote"
                        have_blockquote = True
                elif (at(i + 1) == "*" and at(i + 2) == "*" and at(i + 3) == ">"
                      and not have_blockquote):
                    i += 3
                    kind = "blockquote"
                    expandable = True
                    have_blockquote = True
                if kind is None:
                    i += 1
                    continue
            elif c == ">":
                if i != 0:
                    raise reserved(c)
                kind = "blockquote"
                have_blockquote = True
            else:
                raise reserved(c)
            stack.append(
                {
                    "type": kind,
                    "argument": argument,
                    "offset": u16,
                    "byte": byte_index,
                    "begin": len(out),
                    "expandable": expandable,
                }
            )
            i += 1
            continue

        # end of an entity
        entry = stack[-1]
        kind = entry["type"]
        if c == "\n" and kind != "blockquote":
            raise unterminated(entry)
        skip = u16 == entry["offset"]
        entity: dict | None = None
        if kind in ("bold", "italic", "code", "strikethrough"):
            pass
        elif kind in ("underline", "spoiler"):
            i += 1
        elif kind == "pre":
            i += 2
        elif kind == "text_link":
            if at(i + 1) != "(":
                url = "".join(out[entry["begin"] :])
            else:
                i += 2
                url_begin = i
                chars = []
                while i < n and text[i] != ")":
                    if text[i] == "\\" and "\0" < at(i + 1) <= "~":
                        chars.append(text[i + 1])
                        i += 2
                        continue
                    chars.append(text[i])
                    i += 1
                if at(i) != ")":
                    raise ParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(text, url_begin)}"
                    )
                url = "".join(chars)
            if not skip:
                entity = _link_entity(entry["offset"], u16 - entry["offset"], url)
            skip = True if entity is None else skip
        elif kind == "custom_emoji":
            if at(i + 1) != "(":
                raise ParseError("Custom emoji entity must contain a tg://emoji URL")
            i += 2
            url_begin = i
            chars = []
            while i < n and text[i] != ")":
                chars.append(text[i])
                i += 1
            if at(i) != ")":
                raise ParseError(
                    "Can't find end of a custom emoji URL at byte offset "
                    f"{_byte_offset(text, url_begin)}"
                )
            match = re.fullmatch(r"tg://emoji\?id=(\d+)", "".join(chars))
            if not match or int(match.group(1)) == 0:
                raise ParseError("Invalid custom emoji identifier specified")
            entity = {"type": "custom_emoji", "custom_emoji_id": match.group(1)}
        elif kind == "blockquote":
            have_blockquote = False
            out.append(c)
            u16 += 1
        if not skip:
            offset = entry["offset"]
            length = u16 - offset
            if kind == "blockquote":
                length -= 1  # the closing newline is not part of the quote
            base = entity or {"type": kind}
            if kind == "blockquote" and entry["expandable"]:
                base["type"] = "expandable_blockquote"
            if kind == "pre" and entry["argument"]:
                base["language"] = entry["argument"]
            base.update(offset=offset, length=length)
            if length > 0:
                entities.append(base)
        stack.pop()
        i += 1
    if have_blockquote and stack and stack[-1]["type"] == "blockquote":
        entry = stack.pop()
        length = u16 - entry["offset"]
        if length:
            kind = "expandable_blockquote" if entry["expandable"] else "blockquote"
            entities.append({"type": kind, "offset": entry["offset"], "length": length})
    if stack:
        raise unterminated(stack[-1])
    return "".join(out), _sort_entities(entities)


def parse_markdown(text: str) -> tuple[str, list[dict]]:
    """Telegram's legacy Markdown parse mode (port of TDLib's parse_markdown)."""
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    out: list[str] = []
    entities: list[dict] = []
    u16 = 0
    i = 0
    while i < n:
        c = text[i]
        if c == "\\" and at(i + 1) in "_*`[":
            out.append(text[i + 1])
            u16 += 1
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            u16 += _u16(c)
            i += 1
            continue
        begin = i
        end_char = "]" if c == "[" else c
        is_pre = False
        language = ""
        i += 1
        if c == "`" and at(i) == "`" and at(i + 1) == "`":
            is_pre = True
            language, i = _pre_language(text, i + 2)
        offset = u16
        while i < n and (text[i] != end_char or (is_pre and not (at(i + 1) == "`" and at(i + 2) == "`"))):
            ch = text[i]
            out.append(ch)
            u16 += _u16(ch)
            i += 1
        if i == n:
            raise ParseError(
                f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
            )
        length = u16 - offset
        if length:
            if c == "_":
                entities.append({"type": "italic", "offset": offset, "length": length})
            elif c == "*":
                entities.append({"type": "bold", "offset": offset, "length": length})
            elif c == "[":
                url = ""
                if at(i + 1) == "(":
                    i += 2
                    chars = []
                    while i < n and text[i] != ")":
                        chars.append(text[i])
                        i += 1
                    url = "".join(chars)
                entity = _link_entity(offset, length, url or "".join(out[-length:]))
                if entity:
                    entities.append(entity)
            elif is_pre:
                entity = {"type": "pre", "offset": offset, "length": length}
                if language:
                    entity["language"] = language
                entities.append(entity)
            else:
                entities.append({"type": "code", "offset": offset, "length": length})
        if is_pre:
            i += 2
        i += 1
    return "".join(out), _sort_entities(entities)


def _trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Telegram strips leading and trailing whitespace from message texts."""
    stripped_left = text.lstrip(" \t\r\n")
    cut_left = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip(" \t\r\n")
    total = utf16_len(result)
    fixed = []
    for entity in entities:
        start = max(entity["offset"] - cut_left, 0)
        end = min(entity["offset"] + entity["length"] - cut_left, total)
        if end > start:
            fixed.append({**entity, "offset": start, "length": end - start})
    return result, fixed


_BOT_COMMAND_RE = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")


def _bot_command_entities(text: str) -> list[dict]:
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]),
         "length": utf16_len(m.group())}
        for m in _BOT_COMMAND_RE.finditer(text)
    ]


# --------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------


class _FileUpload:
    def __init__(self, filename: str | None, content_type: str | None, content: bytes):
        self.filename = filename
        self.content_type = content_type
        self.content = content


class _Params:
    """Request parameters as Telegram reads them: every value may arrive as a string."""

    def __init__(self, values: dict[str, Any]):
        self.values = values

    def has(self, name: str) -> bool:
        value = self.values.get(name)
        return value is not None and value != ""

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None or isinstance(value, _FileUpload):
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else json.dumps(value)

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            raise _bad(f"invalid {name} specified") from None

    def float(self, name: str, default: float | None = None) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _bad(f"invalid {name} specified") from None

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return bool(value)
        return str(value).strip().lower() in ("true", "1", "yes", "on")

    def json(self, name: str, what: str | None = None) -> Any:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise _bad(f"can't parse {what or name} JSON object") from None


# --------------------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------------------


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG / JPEG / GIF / WebP image, or None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        if data[12:16] == b"VP8X":
            w = int.from_bytes(data[24:27], "little") + 1
            h = int.from_bytes(data[27:30], "little") + 1
            return w, h
        if data[12:16] == b"VP8 ":
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD,
                          0xCE, 0xCF):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return w, h
            i += 2 + length
    return None


def _scope_key(scope: Any) -> tuple:
    """A hashable key for a BotCommandScope (dict, JSON string, or type name)."""
    if scope is None:
        return ("default",)
    if isinstance(scope, str):
        scope = {"type": scope}
    kind = scope.get("type")
    if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
        return (kind,)
    if kind in ("chat", "chat_administrators"):
        return (kind, int(scope["chat_id"]))
    if kind == "chat_member":
        return (kind, int(scope["chat_id"]), int(scope["user_id"]))
    raise _bad("unsupported bot command scope type specified")


def _scope_dict(key: tuple) -> dict:
    scope: dict[str, Any] = {"type": key[0]}
    if len(key) > 1:
        scope["chat_id"] = key[1]
    if len(key) > 2:
        scope["user_id"] = key[2]
    return scope


class BotAPIEmulator:
    """A Telegram Bot API server on loopback, with a test-side API to drive and inspect it.

    Construction: ``BotAPIEmulator(token=DEFAULT_TOKEN, *, username="kcity_test_bot",
    first_name="K-City Test Bot", host="127.0.0.1", port=0, strict_html=True,
    webhook_retry_delay=0.1, webhook_timeout=5.0)``.

    ``strict_html`` (default on) additionally refuses a bare ``&`` in HTML texts, which
    Telegram's documentation forbids but its parser tolerates.
    """

    _METHODS: ClassVar[dict[str, str]] = {
        name.lower(): name
        for name in (
            "getMe",
            "getUpdates",
            "setWebhook",
            "deleteWebhook",
            "getWebhookInfo",
            "sendMessage",
            "editMessageText",
            "editMessageCaption",
            "editMessageReplyMarkup",
            "deleteMessage",
            "answerCallbackQuery",
            "sendDocument",
            "sendPhoto",
            "getFile",
            "setMyCommands",
            "getMyCommands",
            "deleteMyCommands",
            "sendChatAction",
            "getChat",
            "logOut",
            "close",
        )
    }

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = "kcity_test_bot",
        first_name: str = "K-City Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
        strict_html: bool = True,
        webhook_retry_delay: float = 0.1,
        webhook_timeout: float = 5.0,
    ):
        self.token = token
        self.host = host
        self.port = port
        self.strict_html = strict_html
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

        #: every API call: dicts with method, params, files, time (monotonic), wall_time,
        #: status, response, injected (the injected failure, or None).
        self.calls: list[dict] = []
        #: every callback query answer, by callback_query_id.
        self.callback_answers: dict[str, dict] = {}
        #: every sendChatAction: dicts with chat_id, action, time.
        self.chat_actions: list[dict] = []
        #: every edit: dicts with chat_id, message_id, method, before, after, time.
        self.edits: list[dict] = []
        #: every webhook POST attempt: dicts with update_id, status, error, time.
        self.webhook_deliveries: list[dict] = []
        #: tracebacks of requests the emulator failed on (answered 500): should stay empty.
        self.internal_errors: list[str] = []

        self._chats: dict[int, dict] = {}
        self._users: dict[int, dict] = {}
        self._blocked: set[int] = set()
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict] = {}
        self._bot_messages: dict[int, list[dict]] = {}
        self._read_cursor: dict[int, int] = {}
        self._callback_queries: dict[str, dict] = {}
        self._commands: dict[tuple[tuple, str], list[dict]] = {}
        self._files: dict[str, dict] = {}
        self._files_by_path: dict[str, dict] = {}
        self._file_counter = itertools.count(1)

        self._updates: list[dict] = []
        self._next_update_id = 100_000
        self._allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._poller: asyncio.Future | None = None
        self._webhook: dict | None = None
        self._webhook_task: asyncio.Task | None = None
        self._webhook_session: aiohttp.ClientSession | None = None
        self._webhook_last_error: tuple[int, str] | None = None

        self._failures: list[dict] = []
        self._latency: dict[str | None, float] = {}

        self._waiters: set[asyncio.Future] = set()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._handlers: set[asyncio.Task] = set()

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> Self:
        """Start serving on ``host``; ``port=0`` picks a free port."""
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._closing = False
        return self

    async def stop(self) -> None:
        """Stop serving: pending long polls answer at once, webhook delivery stops."""
        self._closing = True
        self._notify()
        await self._stop_webhook_delivery()
        if self._handlers:
            await asyncio.wait(set(self._handlers), timeout=2)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for waiter in list(self._waiters):
            if not waiter.done():
                waiter.cancel()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``telegram.Bot(base_url=...)``: PTB appends the token."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``telegram.Bot(base_file_url=...)``: PTB appends the token."""
        return f"{self.url}/file/bot"

    # ---------------------------------------------------------------- users and chats

    def add_private_chat(
        self,
        user_id: int,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> dict:
        """Make a private chat known (as if the user had started the bot); returns the Chat."""
        user = self._users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": first_name}
            self._users[user_id] = user
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        chat = self._chats.get(user_id)
        if chat is None:
            chat = {"id": user_id, "type": "private"}
            self._chats[user_id] = chat
        for key in ("first_name", "last_name", "username"):
            if key in user:
                chat[key] = user[key]
        return copy.deepcopy(chat)

    def add_group_chat(self, chat_id: int, title: str = "Test group", *,
                       supergroup: bool = False) -> dict:
        """Make a group known (chat ids of groups are negative)."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        chat = {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": title}
        self._chats[chat_id] = chat
        return copy.deepcopy(chat)

    def _user_and_chat(self, chat_id: int, user_id: int | None, first_name: str | None,
                       last_name: str | None, username: str | None,
                       language_code: str | None) -> tuple[dict, dict]:
        """The sender and the chat of a simulated user action, created or updated."""
        if chat_id >= 0:
            if user_id is not None and user_id != chat_id:
                raise ValueError("in a private chat, user_id is the chat id")
            user_id = chat_id
            known = self._users.get(user_id, {})
            self.add_private_chat(
                user_id,
                first_name=first_name or known.get("first_name", "Test"),
                last_name=last_name,
                username=username,
                language_code=language_code,
            )
        else:
            if user_id is None:
                raise ValueError("a message in a group needs user_id")
            if chat_id not in self._chats:
                self.add_group_chat(chat_id)
            user = self._users.setdefault(
                user_id, {"id": user_id, "is_bot": False, "first_name": first_name or "Test"})
            for key, value in (("first_name", first_name), ("last_name", last_name),
                               ("username", username), ("language_code", language_code)):
                if value is not None:
                    user[key] = value
        return copy.deepcopy(self._users[user_id]), copy.deepcopy(self._chats[chat_id])

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 0) + 1
        self._next_message_id[chat_id] = message_id
        return message_id

    def user_sends(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        reply_to_message_id: int | None = None,
    ) -> dict:
        """Queue a ``message`` update from a user; returns the Message (JSON dict).

        A private chat's id is the user's id.  Commands (``/start PAYLOAD``) get their
        ``bot_command`` entity like Telegram's clients produce.
        """
        user, chat = self._user_and_chat(chat_id, user_id, first_name, last_name, username,
                                         language_code)
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        entities = _bot_command_entities(text)
        if entities:
            message["entities"] = entities
        if reply_to_message_id is not None:
            message["reply_to_message"] = self._message_json(chat_id, reply_to_message_id,
                                                             nested=True)
        self._store_user_message(chat_id, message)
        self.queue_update({"message": message})
        return copy.deepcopy(message)

    def user_edits(self, chat_id: int, message: dict, text: str) -> dict:
        """Queue an ``edited_message`` update: the user changed the text of ``message`` (as
        ``user_sends`` returned it), as Telegram's clients let one do."""
        edited = copy.deepcopy(message)
        edited["text"] = text
        edited["edit_date"] = int(time.time())
        edited.pop("entities", None)
        entities = _bot_command_entities(text)
        if entities:
            edited["entities"] = entities
        self.queue_update({"edited_message": edited})
        return copy.deepcopy(edited)

    def user_sends_document(
        self,
        chat_id: int,
        content: bytes,
        file_name: str = "document.bin",
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        user_id: int | None = None,
        first_name: str | None = None,
        language_code: str | None = "en",
    ) -> dict:
        """Queue a ``message`` update carrying a document; the bot can getFile it."""
        user, chat = self._user_and_chat(chat_id, user_id, first_name, None, None,
                                         language_code)
        mime_type = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        stored = self._store_file(content, "documents", file_name, mime_type)
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            "document": self._document_json(stored),
        }
        if caption:
            message["caption"] = caption
        self._store_user_message(chat_id, message)
        self.queue_update({"message": message})
        return copy.deepcopy(message)

    def user_presses(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
    ) -> str:
        """Queue a ``callback_query`` for a button of a message the bot sent.

        Raises ValueError (a bug in the test) when no button of the message's current
        inline keyboard carries ``data``.  Returns the callback query id.
        """
        record = self._messages.get((chat_id, message_id))
        if record is None or not record["from_bot"]:
            raise ValueError(f"the bot sent no message {message_id} in chat {chat_id}")
        markup = record["reply_markup"] or {}
        buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
        if not any(b.get("callback_data") == data for b in buttons):
            offered = [b.get("callback_data") for b in buttons if "callback_data" in b]
            raise ValueError(
                f"message {message_id} in chat {chat_id} has no button with callback_data "
                f"{data!r}; its buttons carry {offered!r}"
            )
        if user_id is None:
            if chat_id < 0:
                raise ValueError("a press in a group needs user_id")
            user_id = chat_id
        if user_id not in self._users:
            raise ValueError(f"unknown user {user_id}: let them send a message first")
        query_id = str(secrets.randbits(62))
        query = {
            "id": query_id,
            "from": copy.deepcopy(self._users[user_id]),
            "message": self._message_json(chat_id, message_id),
            "chat_instance": str(abs(hash((self.bot_user["id"], chat_id))) % 10**18),
            "data": data,
        }
        self._callback_queries[query_id] = {"query": query, "answered": False}
        self.queue_update({"callback_query": query})
        return query_id

    def user_blocks(self, chat_id: int, *, notify: bool = True) -> None:
        """From now on, sending to this private chat fails with 403 "bot was blocked".

        Like Telegram, queues a ``my_chat_member`` update (member -> kicked) unless
        ``notify=False``.
        """
        self._require_private(chat_id)
        self._blocked.add(chat_id)
        if notify:
            self._queue_my_chat_member(chat_id, "member", "kicked")

    def user_unblocks(self, chat_id: int, *, notify: bool = True) -> None:
        """Undo :meth:`user_blocks` (queues ``my_chat_member`` kicked -> member)."""
        self._require_private(chat_id)
        self._blocked.discard(chat_id)
        if notify:
            self._queue_my_chat_member(chat_id, "kicked", "member")

    def _require_private(self, chat_id: int) -> None:
        chat = self._chats.get(chat_id)
        if chat is None or chat["type"] != "private":
            raise ValueError(f"{chat_id} is no known private chat")

    def _queue_my_chat_member(self, chat_id: int, old: str, new: str) -> None:
        bot = copy.deepcopy(self.bot_user)
        old_member: dict[str, Any] = {"status": old, "user": bot}
        new_member: dict[str, Any] = {"status": new, "user": bot}
        if new == "kicked":
            new_member["until_date"] = 0
        if old == "kicked":
            old_member["until_date"] = 0
        self.queue_update(
            {
                "my_chat_member": {
                    "chat": copy.deepcopy(self._chats[chat_id]),
                    "from": copy.deepcopy(self._users[chat_id]),
                    "date": int(time.time()),
                    "old_chat_member": old_member,
                    "new_chat_member": new_member,
                }
            }
        )

    def queue_update(self, update: dict) -> dict | None:
        """Queue a raw update (``update_id`` is added); dropped, like Telegram does, if its
        type is not in the current ``allowed_updates``.  Returns the queued update."""
        kind = next(k for k in update if k != "update_id")
        if kind not in self._allowed_updates:
            return None
        queued = {"update_id": self._next_update_id, **update}
        self._next_update_id += 1
        self._updates.append(queued)
        self._notify()
        return copy.deepcopy(queued)

    @property
    def pending_updates(self) -> list[dict]:
        """Updates not yet confirmed (polling) or delivered (webhook)."""
        return copy.deepcopy(self._updates)

    # ---------------------------------------------------------------- reading results

    def messages(self, chat_id: int) -> list[dict]:
        """Messages the bot sent to a chat, oldest first (deleted ones included, marked).

        Each is a dict: chat_id, message_id, method, date, edit_date, deleted,
        text (visible), entities, parse_mode, raw_text (as sent), caption,
        caption_entities, reply_markup, link_preview_options, reply_to_message_id,
        document / photo (file_id, file_name, mime_type, file_size, content bytes...),
        history (earlier states, oldest first) and json (the Bot API Message).
        """
        return [self._view(r) for r in self._bot_messages.get(chat_id, [])]

    def message(self, chat_id: int, message_id: int) -> dict:
        """One stored message (the bot's or a user's), as in :meth:`messages`."""
        return self._view(self._messages[(chat_id, message_id)])

    def last_message(self, chat_id: int) -> dict | None:
        sent = self._bot_messages.get(chat_id)
        return self._view(sent[-1]) if sent else None

    def texts(self, chat_id: int) -> list[str | None]:
        """The visible texts (or captions) the bot sent to a chat."""
        return [m["text"] if m["text"] is not None else m["caption"]
                for m in self.messages(chat_id)]

    def new_messages(self, chat_id: int) -> list[dict]:
        """Messages sent since the last new_messages / wait_for_messages for this chat."""
        sent = self._bot_messages.get(chat_id, [])
        start = self._read_cursor.get(chat_id, 0)
        self._read_cursor[chat_id] = len(sent)
        return [self._view(r) for r in sent[start:]]

    def calls_to(self, method: str) -> list[dict]:
        """The recorded calls of one method (case-insensitive)."""
        wanted = self._METHODS.get(method.lower(), method)
        return [c for c in self.calls if c["method"] == wanted]

    def commands(self, scope: Any = None, language_code: str = "") -> list[dict] | None:
        """Commands registered for exactly (scope, language_code); None if never set.

        ``scope`` is a BotCommandScope dict, a type name ("default", ...) or None.
        """
        stored = self._commands.get((_scope_key(scope), language_code))
        return copy.deepcopy(stored) if stored is not None else None

    def all_commands(self) -> dict[tuple[tuple, str], list[dict]]:
        """Every registered list, keyed by (scope key tuple, language_code)."""
        return copy.deepcopy(self._commands)

    def visible_commands(self, chat_id: int, language_code: str = "",
                         user_id: int | None = None) -> list[dict]:
        """The command list a client would show in this chat (Telegram's scope fallback)."""
        if chat_id >= 0:
            scopes = [("chat", chat_id), ("all_private_chats",), ("default",)]
        else:
            scopes = ([("chat_member", chat_id, user_id)] if user_id is not None else [])
            scopes += [("chat", chat_id), ("all_group_chats",), ("default",)]
        for key in scopes:
            for lang in ((language_code, "") if language_code else ("",)):
                stored = self._commands.get((key, lang))
                if stored:
                    return copy.deepcopy(stored)
        return []

    def callback_answer(self, callback_query_id: str) -> dict | None:
        return copy.deepcopy(self.callback_answers.get(callback_query_id))

    @property
    def webhook(self) -> dict | None:
        """The webhook settings (url, secret_token, ...) or None in polling mode."""
        return copy.deepcopy(self._webhook)

    def file_content(self, file_id: str) -> bytes:
        return self._files[file_id]["content"]

    # ---------------------------------------------------------------- waiting

    def _notify(self) -> None:
        for waiter in list(self._waiters):
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def _wait_change(self, timeout: float) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = 5.0,
                         message: str | None = None) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every change); returns it.

        Raises AssertionError after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = [c["method"] for c in self.calls[-10:]]
                raise AssertionError(
                    (message or "condition not met")
                    + f" within {timeout}s; last API calls: {recent}"
                )
            await self._wait_change(min(remaining, 0.25))

    async def wait_for_messages(self, chat_id: int, count: int = 1,
                                timeout: float = 5.0) -> list[dict]:
        """Wait until the bot has sent ``count`` new messages to the chat; returns them.

        "New" means since the previous wait_for_messages / new_messages for this chat.
        """
        start = self._read_cursor.get(chat_id, 0)

        def ready() -> bool:
            return len(self._bot_messages.get(chat_id, [])) - start >= count

        sent_before = self.texts(chat_id)[start:]
        await self.wait_until(
            ready, timeout,
            f"the bot did not send {count} new message(s) to chat {chat_id} "
            f"(new so far: {sent_before!r})",
        )
        sent = self._bot_messages[chat_id][start : start + count]
        self._read_cursor[chat_id] = start + count
        return [self._view(r) for r in sent]

    async def wait_for_call(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict]:
        """Wait until ``method`` has been called at least ``count`` times; returns the calls."""
        await self.wait_until(lambda: len(self.calls_to(method)) >= count, timeout,
                              f"{method} was not called {count} time(s)")
        return self.calls_to(method)

    async def wait_for_answer(self, callback_query_id: str, timeout: float = 5.0) -> dict:
        """Wait until the bot answered a callback query; returns the answer."""
        await self.wait_until(lambda: callback_query_id in self.callback_answers, timeout,
                              f"callback query {callback_query_id} was not answered")
        return copy.deepcopy(self.callback_answers[callback_query_id])

    async def wait_for_updates_consumed(self, timeout: float = 5.0) -> None:
        """Wait until every queued update has been confirmed or delivered."""
        await self.wait_until(lambda: not self._updates, timeout,
                              f"{len(self._updates)} update(s) still pending")

    # ---------------------------------------------------------------- failure injection

    def fail_next(self, method: str, error: int | str, count: int = 1, *,
                  retry_after: int = 1, description: str | None = None) -> None:
        """Make the next ``count`` calls of ``method`` ("*" for any) fail.

        ``error``: 429 (Too Many Requests with ``retry_after``), 403 or "blocked"
        (bot was blocked by the user), 400 (with ``description``, default
        "Bad Request: injected failure"), 500, 502 (nginx's HTML page, like Telegram's
        front end), "drop" (close the connection without answering, nothing done) or
        "drop_after" (the call takes effect, then the connection is closed unanswered).
        """
        if error not in (429, 403, "blocked", 400, 500, 502, "drop", "drop_after"):
            raise ValueError(f"unsupported injected error {error!r}")
        canonical = "*" if method == "*" else self._METHODS.get(method.lower(), method)
        self._failures.append({
            "method": canonical,
            "error": error,
            "count": count,
            "retry_after": retry_after,
            "description": description,
        })

    def clear_failures(self) -> None:
        self._failures.clear()

    def set_latency(self, seconds: float, method: str | None = None) -> None:
        """Delay every answer (or those of ``method``) by ``seconds``; 0 removes it."""
        key = None if method is None else self._METHODS.get(method.lower(), method)
        if seconds:
            self._latency[key] = seconds
        else:
            self._latency.pop(key, None)

    def _take_failure(self, method: str) -> dict | None:
        for failure in self._failures:
            if failure["method"] in (method, "*"):
                failure["count"] -= 1
                if failure["count"] <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    @staticmethod
    def _injected_error(failure: dict) -> ApiError | None:
        error = failure["error"]
        if error == 429:
            seconds = failure["retry_after"]
            return ApiError(429, f"Too Many Requests: retry after {seconds}",
                            {"retry_after": seconds})
        if error in (403, "blocked"):
            return ApiError(403, failure["description"] or BLOCKED)
        if error == 400:
            return ApiError(400, failure["description"] or "Bad Request: injected failure")
        if error == 500:
            return ApiError(500, failure["description"] or "Internal Server Error")
        return None

    # ---------------------------------------------------------------- HTTP

    @staticmethod
    def _json_response(payload: dict, status: int = 200) -> web.Response:
        return web.Response(
            status=status,
            body=json.dumps(payload, ensure_ascii=False).encode(),
            content_type="application/json",
        )

    def _check_token(self, token: str) -> None:
        if token != self.token:
            if _TOKEN_RE.match(token):
                raise ApiError(401, "Unauthorized")
            raise ApiError(404, "Not Found")

    async def _read_params(self, request: web.Request) -> tuple[dict, dict]:
        values: dict[str, Any] = dict(request.query)
        files: dict[str, _FileUpload] = {}
        if request.method == "POST" and request.can_read_body:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise _bad("can't parse JSON encoded request body") from None
                if not isinstance(body, dict):
                    raise _bad("JSON object expected as request body")
                values.update(body)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        upload = _FileUpload(value.filename, value.content_type, value.file.read())
                        files[key] = upload
                        values[key] = upload
                    else:
                        values[key] = value
            else:
                await request.read()
        return values, files

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            return await self._dispatch(request)
        finally:
            if task is not None:
                self._handlers.discard(task)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        method = self._METHODS.get(request.match_info["method"].lower(),
                                   request.match_info["method"])
        record: dict[str, Any] = {
            "method": method,
            "params": {},
            "files": {},
            "time": time.monotonic(),
            "wall_time": time.time(),
            "status": None,
            "response": None,
            "injected": None,
        }
        try:
            self._check_token(request.match_info["token"])
            self.calls.append(record)
            values, files = await self._read_params(request)
            record["params"] = {k: v for k, v in values.items() if not isinstance(v, _FileUpload)}
            record["files"] = {
                k: {"filename": f.filename, "content_type": f.content_type, "size": len(f.content)}
                for k, f in files.items()
            }
            self._notify()
            if method.lower() not in self._METHODS:
                raise ApiError(404, "Not Found")
            delay = self._latency.get(method, self._latency.get(None, 0))
            if delay:
                await asyncio.sleep(delay)
            failure = self._take_failure(method)
            if failure is not None:
                record["injected"] = failure["error"]
                if failure["error"] == "drop":
                    return self._drop(request, record)
                if failure["error"] == 502:
                    record["status"] = 502
                    return web.Response(status=502, body=_BAD_GATEWAY_HTML,
                                        content_type="text/html")
                injected = self._injected_error(failure)
                if injected is not None:
                    raise injected
            handler = getattr(self, "_api_" + method)
            result = await handler(_Params(values))
            description = None
            if isinstance(result, tuple):
                result, description = result
            payload: dict[str, Any] = {"ok": True, "result": result}
            if description:
                payload["description"] = description
            record["status"] = 200
            record["response"] = payload
            self._notify()
            if failure is not None and failure["error"] == "drop_after":
                return self._drop(request, record)
            return self._json_response(payload)
        except ApiError as exc:
            record["status"] = exc.code
            record["response"] = exc.payload()
            self._notify()
            return self._json_response(exc.payload(), exc.code)
        except (web.HTTPException, asyncio.CancelledError):
            raise
        except Exception as exc:  # noqa: BLE001 -- a bug in the emulator (or a request it cannot read)
            self.internal_errors.append(
                f"{method}: {''.join(traceback.format_exception(exc))}")
            error = ApiError(500, f"Internal Server Error: emulator failure {exc!r}")
            record["status"] = 500
            record["response"] = error.payload()
            self._notify()
            return self._json_response(error.payload(), 500)

    @staticmethod
    def _drop(request: web.Request, record: dict) -> web.StreamResponse:
        record["status"] = "dropped"
        if request.transport is not None:
            request.transport.close()
        # Nothing is written: the transport is closed.
        raise web.HTTPException()

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        try:
            self._check_token(request.match_info["token"])
        except ApiError as exc:
            return self._json_response(exc.payload(), exc.code)
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return self._json_response(ApiError(404, "Not Found").payload(), 404)
        return web.Response(body=stored["content"],
                            content_type=stored["mime_type"] or "application/octet-stream")

    # ---------------------------------------------------------------- storage helpers

    def _store_user_message(self, chat_id: int, message: dict) -> None:
        record = {
            "chat_id": chat_id,
            "message_id": message["message_id"],
            "from_bot": False,
            "method": None,
            "date": message["date"],
            "edit_date": None,
            "deleted": False,
            "text": message.get("text"),
            "entities": message.get("entities", []),
            "parse_mode": None,
            "raw_text": message.get("text"),
            "caption": message.get("caption"),
            "caption_entities": [],
            "reply_markup": None,
            "link_preview_options": None,
            "reply_to_message_id": (message.get("reply_to_message") or {}).get("message_id"),
            "document": None,
            "photo": None,
            "history": [],
            "json": message,
        }
        if "document" in message:
            record["document"] = self._file_view(self._files[message["document"]["file_id"]])
        self._messages[(chat_id, message["message_id"])] = record

    _STATE_KEYS = ("text", "entities", "parse_mode", "raw_text", "caption", "caption_entities",
                   "reply_markup", "link_preview_options", "edit_date")

    def _view(self, record: dict) -> dict:
        view = {k: v for k, v in record.items() if k != "json"}
        view = copy.deepcopy(view)
        view["json"] = copy.deepcopy(record["json"])
        return view

    def _file_view(self, stored: dict) -> dict:
        return {k: stored[k] for k in ("file_id", "file_unique_id", "file_name", "mime_type",
                                       "file_size", "content", "file_path", "width", "height")
                if k in stored}

    def _message_json(self, chat_id: int, message_id: int, nested: bool = False) -> dict:
        record = self._messages.get((chat_id, message_id))
        if record is None or record["deleted"]:
            raise ValueError(f"no message {message_id} in chat {chat_id}")
        message = copy.deepcopy(record["json"])
        if nested:
            message.pop("reply_to_message", None)
        return message

    def _store_file(self, content: bytes, folder: str, file_name: str | None,
                    mime_type: str | None, **extra: Any) -> dict:
        number = next(self._file_counter)
        file_id = f"BQACAgIAAxkBAAI{number:06d}{secrets.token_urlsafe(12)}"
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        elif folder == "photos":
            suffix = ".jpg"
        stored = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{number:06d}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
            "content": content,
            "file_path": f"{folder}/file_{number}{suffix}",
            **extra,
        }
        self._files[file_id] = stored
        self._files_by_path[stored["file_path"]] = stored
        return stored

    @staticmethod
    def _document_json(stored: dict) -> dict:
        document = {
            "file_id": stored["file_id"],
            "file_unique_id": stored["file_unique_id"],
            "file_size": stored["file_size"],
        }
        if stored.get("file_name"):
            document["file_name"] = stored["file_name"]
        if stored.get("mime_type"):
            document["mime_type"] = stored["mime_type"]
        return document

    # ---------------------------------------------------------------- validation helpers

    def _chat_for_send(self, p: _Params) -> dict:
        raw = p.raw("chat_id")
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        if isinstance(raw, str) and raw.strip().startswith("@"):
            wanted = raw.strip()[1:].lower()
            chat = next((c for c in self._chats.values()
                         if c.get("username", "").lower() == wanted and c["type"] != "private"),
                        None)
        else:
            try:
                chat = self._chats.get(int(str(raw).strip()))
            except ValueError:
                raise _bad("chat not found") from None
        if chat is None:
            raise _bad("chat not found")
        return chat

    def _check_blocked(self, chat: dict) -> None:
        if chat["id"] in self._blocked:
            raise ApiError(403, BLOCKED)

    def _formatted(self, p: _Params, field: str, entities_field: str,
                   empty_error: str | None) -> tuple:
        """(visible text, entities, parse_mode, raw) for text/caption with its parse_mode."""
        raw = p.str(field)
        parse_mode = p.str("parse_mode") or None
        if raw is None or raw == "":
            if empty_error:
                raise _bad(empty_error)
            return None, [], parse_mode, raw
        explicit = p.json(entities_field, "entities")
        if explicit is not None:
            text, entities = raw, _sort_entities(list(explicit))
        elif parse_mode is None:
            text, entities = raw, []
        else:
            mode = parse_mode.lower()
            try:
                if mode == "html":
                    text, entities = parse_html(raw, strict=self.strict_html)
                elif mode == "markdownv2":
                    text, entities = parse_markdown_v2(raw)
                elif mode == "markdown":
                    text, entities = parse_markdown(raw)
                else:
                    raise _bad("unsupported parse_mode")
            except ParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        text, entities = _trim(text, entities)
        if not text and empty_error:
            raise _bad(empty_error)
        return text, entities, parse_mode, raw

    def _inline_markup(self, p: _Params) -> dict | None:
        markup = p.json("reply_markup", "reply keyboard markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an "
                           "Array of Arrays")
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or "text" not in button:
                        raise _bad("can't parse inline keyboard button: Text buttons are "
                                   "unallowed in the inline keyboard")
                    if "callback_data" in button:
                        data = button["callback_data"]
                        if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                            raise _bad("BUTTON_DATA_INVALID")
                    elif "url" in button:
                        if _checked_link(str(button["url"])) is None:
                            raise _bad("BUTTON_URL_INVALID")
                    elif not any(k in button for k in (
                            "web_app", "login_url", "switch_inline_query",
                            "switch_inline_query_current_chat",
                            "switch_inline_query_chosen_chat", "copy_text", "callback_game",
                            "pay")):
                        raise _bad("can't parse inline keyboard button: Text buttons are "
                                   "unallowed in the inline keyboard")
            return {"inline_keyboard": rows}
        if any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
            return markup  # reply keyboards are not part of the returned Message
        raise _bad("can't parse reply keyboard markup JSON object")

    def _reply_to(self, p: _Params, chat: dict) -> int | None:
        params = p.json("reply_parameters", "reply parameters")
        if params is None:
            message_id = p.int("reply_to_message_id")
            allow = p.bool("allow_sending_without_reply")
        else:
            message_id = params.get("message_id")
            allow = bool(params.get("allow_sending_without_reply"))
            if params.get("chat_id") not in (None, chat["id"], str(chat["id"])):
                raise _bad("message to be replied not found")
        if message_id is None:
            return None
        record = self._messages.get((chat["id"], int(message_id)))
        if record is None or record["deleted"]:
            if allow:
                return None
            raise _bad("message to be replied not found")
        return int(message_id)

    def _new_bot_message(self, chat: dict, method: str, reply_to: int | None,
                         markup: dict | None, **fields: Any) -> dict:
        chat_id = chat["id"]
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "from": copy.deepcopy(self.bot_user),
            "chat": copy.deepcopy(chat),
            "date": int(time.time()),
        }
        if reply_to is not None:
            message["reply_to_message"] = self._message_json(chat_id, reply_to, nested=True)
        record = {
            "chat_id": chat_id,
            "message_id": message["message_id"],
            "from_bot": True,
            "method": method,
            "date": message["date"],
            "edit_date": None,
            "deleted": False,
            "text": None,
            "entities": [],
            "parse_mode": None,
            "raw_text": None,
            "caption": None,
            "caption_entities": [],
            "reply_markup": markup,
            "link_preview_options": None,
            "reply_to_message_id": reply_to,
            "document": None,
            "photo": None,
            "history": [],
            "json": message,
        }
        record.update(fields)
        self._render(record)
        self._messages[(chat_id, message["message_id"])] = record
        self._bot_messages.setdefault(chat_id, []).append(record)
        return record

    def _render(self, record: dict) -> None:
        """Rebuild the Bot API Message JSON from the stored state."""
        message = record["json"]
        for key in ("text", "entities", "caption", "caption_entities", "reply_markup",
                    "link_preview_options", "edit_date", "document", "photo"):
            message.pop(key, None)
        if record["text"] is not None:
            message["text"] = record["text"]
            if record["entities"]:
                message["entities"] = copy.deepcopy(record["entities"])
            if record["link_preview_options"]:
                message["link_preview_options"] = copy.deepcopy(record["link_preview_options"])
        if record["document"] is not None:
            message["document"] = self._document_json(record["document"])
        if record["photo"] is not None:
            photo = record["photo"]
            message["photo"] = [{
                "file_id": photo["file_id"],
                "file_unique_id": photo["file_unique_id"],
                "file_size": photo["file_size"],
                "width": photo["width"],
                "height": photo["height"],
            }]
        if record["caption"] is not None:
            message["caption"] = record["caption"]
            if record["caption_entities"]:
                message["caption_entities"] = copy.deepcopy(record["caption_entities"])
        markup = record["reply_markup"]
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = copy.deepcopy(markup)
        if record["edit_date"] is not None:
            message["edit_date"] = record["edit_date"]

    def _message_to_edit(self, p: _Params) -> tuple[dict, dict]:
        if p.has("inline_message_id"):
            raise _bad("message to edit not found")
        chat = self._chat_for_send(p)
        message_id = p.int("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        record = self._messages.get((chat["id"], message_id))
        if record is None or record["deleted"]:
            raise _bad("message to edit not found")
        if not record["from_bot"]:
            raise _bad("message can't be edited")
        self._check_blocked(chat)
        return chat, record

    def _apply_edit(self, record: dict, method: str, changes: dict,
                    extra: dict | None = None) -> dict:
        """Apply ``changes`` (compared for "not modified") and ``extra`` (not compared)."""
        before = {k: copy.deepcopy(record[k]) for k in self._STATE_KEYS}
        current = {k: record[k] for k in changes}
        if current == changes:
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        record["history"].append(before)
        record.update(changes)
        record.update(extra or {})
        record["edit_date"] = int(time.time())
        self._render(record)
        self.edits.append({
            "chat_id": record["chat_id"],
            "message_id": record["message_id"],
            "method": method,
            "before": before,
            "after": {k: copy.deepcopy(record[k]) for k in self._STATE_KEYS},
            "time": time.monotonic(),
        })
        return copy.deepcopy(record["json"])

    def _upload(self, p: _Params, field: str) -> tuple[dict | None, _FileUpload | None]:
        """(an already stored file, or a new upload) for a file parameter."""
        value = p.raw(field)
        if isinstance(value, _FileUpload):
            return None, value
        if isinstance(value, str) and value.startswith("attach://"):
            attached = p.raw(value[len("attach://"):])
            if isinstance(attached, _FileUpload):
                return None, attached
            raise _bad(f"{field} not found: attach://{value[9:]} is not an uploaded file")
        if value is None or value == "":
            raise _bad(f"there is no {field} in the request")
        stored = self._files.get(str(value))
        if stored is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        return stored, None

    # ---------------------------------------------------------------- API methods

    async def _api_getMe(self, p: _Params) -> dict:
        return copy.deepcopy(self.bot_user)

    async def _api_logOut(self, p: _Params) -> bool:
        return True

    async def _api_close(self, p: _Params) -> bool:
        return True

    async def _api_getUpdates(self, p: _Params) -> list[dict]:
        if self._webhook is not None:
            raise ApiError(409, GETUPDATES_WEBHOOK_CONFLICT)
        offset = p.int("offset", 0)
        limit = p.int("limit", 100)
        limit = 100 if limit is None or limit <= 0 or limit > 100 else limit
        timeout = max(p.float("timeout", 0.0) or 0.0, 0.0)
        allowed = p.json("allowed_updates", "allowed updates")
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES
        if offset:
            if offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            else:
                self._updates = self._updates[offset:]
        if self._poller is not None and not self._poller.done():
            self._poller.set_result("conflict")
        me = asyncio.get_running_loop().create_future()
        self._poller = me
        deadline = time.monotonic() + timeout
        try:
            while True:
                if me.done():
                    raise ApiError(409, GETUPDATES_TERMINATED)
                if self._webhook is not None:
                    raise ApiError(409, GETUPDATES_WEBHOOK_CONFLICT)
                if self._updates or self._closing:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                waiter = asyncio.get_running_loop().create_future()
                self._waiters.add(waiter)
                try:
                    await asyncio.wait([waiter, me], timeout=remaining,
                                       return_when=asyncio.FIRST_COMPLETED)
                finally:
                    self._waiters.discard(waiter)
                    if not waiter.done():
                        waiter.cancel()
        finally:
            if self._poller is me:
                self._poller = None
        return copy.deepcopy(self._updates[:limit])

    async def _api_setWebhook(self, p: _Params) -> tuple[bool, str]:
        url = p.str("url", "") or ""
        if not url:
            return await self._api_deleteWebhook(p)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.str("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise _bad("secret token contains unallowed characters")
        allowed = p.json("allowed_updates", "allowed updates")
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES
        if p.bool("drop_pending_updates"):
            self._updates.clear()
        already = self._webhook is not None and self._webhook["url"] == url
        self._webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": p.int("max_connections", 40),
            "ip_address": p.str("ip_address"),
            "allowed_updates": sorted(self._allowed_updates) if allowed else None,
        }
        self._webhook_last_error = None
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhook())
        self._notify()
        return True, "Webhook is already set" if already else "Webhook was set"

    async def _api_deleteWebhook(self, p: _Params) -> tuple[bool, str]:
        if p.bool("drop_pending_updates"):
            self._updates.clear()
        was_set = self._webhook is not None
        self._webhook = None
        self._webhook_last_error = None
        await self._stop_webhook_delivery()
        return True, "Webhook was deleted" if was_set else "Webhook is already deleted"

    async def _api_getWebhookInfo(self, p: _Params) -> dict:
        info: dict[str, Any] = {
            "url": self._webhook["url"] if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook:
            info["max_connections"] = self._webhook["max_connections"]
            if self._webhook["ip_address"]:
                info["ip_address"] = self._webhook["ip_address"]
            if self._webhook["allowed_updates"]:
                info["allowed_updates"] = self._webhook["allowed_updates"]
            if self._webhook_last_error:
                info["last_error_date"], info["last_error_message"] = self._webhook_last_error
        return info

    async def _stop_webhook_delivery(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        session, self._webhook_session = self._webhook_session, None
        if session is not None:
            await session.close()

    async def _deliver_webhook(self) -> None:
        if self._webhook_session is None:
            self._webhook_session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout))
        session = self._webhook_session
        while self._webhook is not None and not self._closing:
            if not self._updates:
                await self._wait_change(1.0)
                continue
            update = self._updates[0]
            hook = self._webhook
            headers = {"Content-Type": "application/json"}
            if hook["secret_token"]:
                headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
            attempt = {"update_id": update["update_id"], "url": hook["url"], "status": None,
                       "error": None, "time": time.monotonic()}
            try:
                async with session.post(hook["url"], data=json.dumps(update).encode(),
                                        headers=headers) as response:
                    await response.read()
                    attempt["status"] = response.status
                    if not 200 <= response.status < 300:
                        attempt["error"] = (f"Wrong response from the webhook: {response.status} "
                                            f"{response.reason}")
            except TimeoutError:
                attempt["error"] = "Read timeout expired"
            except aiohttp.ClientConnectorError:
                attempt["error"] = "Connection refused"
            except aiohttp.ClientError as exc:
                attempt["error"] = f"Connection error: {exc}"
            self.webhook_deliveries.append(attempt)
            if attempt["error"] is None:
                if self._updates and self._updates[0] is update:
                    self._updates.pop(0)
                self._notify()
            else:
                self._webhook_last_error = (int(time.time()), attempt["error"])
                self._notify()
                await asyncio.sleep(self.webhook_retry_delay)

    async def _api_sendMessage(self, p: _Params) -> dict:
        text, entities, parse_mode, raw = self._formatted(
            p, "text", "entities", "message text is empty")
        markup = self._inline_markup(p)
        chat = self._chat_for_send(p)
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        reply_to = self._reply_to(p, chat)
        self._check_blocked(chat)
        preview = p.json("link_preview_options", "link preview options")
        if preview is None and p.bool("disable_web_page_preview"):
            preview = {"is_disabled": True}
        record = self._new_bot_message(
            chat, "sendMessage", reply_to, markup,
            text=text, entities=entities, parse_mode=parse_mode, raw_text=raw,
            link_preview_options=preview,
        )
        return copy.deepcopy(record["json"])

    def _caption(self, p: _Params) -> tuple:
        caption, entities, parse_mode, raw = self._formatted(
            p, "caption", "caption_entities", None)
        if caption is not None and len(caption) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        return caption or None, entities, parse_mode, raw

    async def _api_sendDocument(self, p: _Params) -> dict:
        caption, caption_entities, parse_mode, raw = self._caption(p)
        markup = self._inline_markup(p)
        chat = self._chat_for_send(p)
        stored, upload = self._upload(p, "document")
        if upload is not None:
            if not upload.content:
                raise _bad("file must be non-empty")
            file_name = upload.filename or "document"
            sent_type = upload.content_type
            mime_type = (sent_type if sent_type and sent_type != "application/octet-stream"
                         else mimetypes.guess_type(file_name)[0]) or "application/octet-stream"
            stored = self._store_file(upload.content, "documents", file_name, mime_type,
                                      content_type=sent_type)
        reply_to = self._reply_to(p, chat)
        self._check_blocked(chat)
        record = self._new_bot_message(
            chat, "sendDocument", reply_to, markup,
            document=self._file_view(stored), caption=caption,
            caption_entities=caption_entities, parse_mode=parse_mode, raw_text=raw,
        )
        return copy.deepcopy(record["json"])

    async def _api_sendPhoto(self, p: _Params) -> dict:
        caption, caption_entities, parse_mode, raw = self._caption(p)
        markup = self._inline_markup(p)
        chat = self._chat_for_send(p)
        stored, upload = self._upload(p, "photo")
        if upload is not None:
            if not upload.content:
                raise _bad("file must be non-empty")
            size = _image_size(upload.content)
            if size is None:
                raise _bad("IMAGE_PROCESS_FAILED")
            stored = self._store_file(upload.content, "photos", upload.filename,
                                      upload.content_type or "image/jpeg",
                                      width=size[0], height=size[1],
                                      content_type=upload.content_type)
        elif "width" not in stored:
            raise _bad("wrong file identifier/HTTP URL specified")
        reply_to = self._reply_to(p, chat)
        self._check_blocked(chat)
        record = self._new_bot_message(
            chat, "sendPhoto", reply_to, markup,
            photo=self._file_view(stored), caption=caption,
            caption_entities=caption_entities, parse_mode=parse_mode, raw_text=raw,
        )
        return copy.deepcopy(record["json"])

    async def _api_getFile(self, p: _Params) -> dict:
        file_id = p.str("file_id")
        if not file_id:
            raise _bad("file_id is empty")
        stored = self._files.get(file_id)
        if stored is None:
            raise _bad("wrong file_id or the file is temporarily unavailable")
        return {
            "file_id": stored["file_id"],
            "file_unique_id": stored["file_unique_id"],
            "file_size": stored["file_size"],
            "file_path": stored["file_path"],
        }

    async def _api_editMessageText(self, p: _Params) -> dict:
        text, entities, parse_mode, raw = self._formatted(
            p, "text", "entities", "message text is empty")
        markup = self._inline_markup(p)
        _chat, record = self._message_to_edit(p)
        if record["text"] is None:
            raise _bad("there is no text in the message to edit")
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        changes = {"text": text, "entities": entities, "reply_markup": markup}
        preview = p.json("link_preview_options", "link preview options")
        if preview is not None:
            changes["link_preview_options"] = preview
        return self._apply_edit(record, "editMessageText", changes,
                                {"parse_mode": parse_mode, "raw_text": raw})

    async def _api_editMessageCaption(self, p: _Params) -> dict:
        caption, caption_entities, parse_mode, raw = self._caption(p)
        markup = self._inline_markup(p)
        _chat, record = self._message_to_edit(p)
        if record["text"] is not None:
            raise _bad("there is no caption in the message to edit")
        changes = {"caption": caption, "caption_entities": caption_entities,
                   "reply_markup": markup}
        return self._apply_edit(record, "editMessageCaption", changes,
                                {"parse_mode": parse_mode, "raw_text": raw})

    async def _api_editMessageReplyMarkup(self, p: _Params) -> dict:
        markup = self._inline_markup(p)
        _chat, record = self._message_to_edit(p)
        return self._apply_edit(record, "editMessageReplyMarkup", {"reply_markup": markup})

    async def _api_deleteMessage(self, p: _Params) -> bool:
        chat = self._chat_for_send(p)
        message_id = p.int("message_id")
        record = self._messages.get((chat["id"], message_id or 0))
        if record is None or record["deleted"]:
            raise _bad("message to delete not found")
        record["deleted"] = True
        return True

    async def _api_answerCallbackQuery(self, p: _Params) -> bool:
        query_id = p.str("callback_query_id")
        entry = self._callback_queries.get(query_id or "")
        if entry is None or entry["answered"]:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        entry["answered"] = True
        self.callback_answers[query_id] = {
            "callback_query_id": query_id,
            "text": p.str("text"),
            "show_alert": p.bool("show_alert"),
            "url": p.str("url"),
            "cache_time": p.int("cache_time", 0),
            "data": entry["query"].get("data"),
            "message_id": entry["query"]["message"]["message_id"],
            "chat_id": entry["query"]["message"]["chat"]["id"],
            "time": time.monotonic(),
        }
        return True

    def _command_key(self, p: _Params) -> tuple[tuple, str]:
        scope = p.json("scope", "bot command scope")
        try:
            key = _scope_key(scope)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _bad("can't parse BotCommandScope JSON object") from None
        if len(key) > 1 and key[1] not in self._chats:
            raise _bad("chat not found")
        language = p.str("language_code", "") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("invalid language code specified")
        return key, language

    async def _api_setMyCommands(self, p: _Params) -> bool:
        commands = p.json("commands", "bot commands")
        if commands is None:
            raise _bad("parameter \"commands\" is required")
        if not isinstance(commands, list):
            raise _bad("field \"commands\" must be of type Array")
        if len(commands) > 100:
            raise _bad("too many commands specified")
        cleaned = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name.lstrip("/")):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name.lstrip("/"), "description": description})
        key = self._command_key(p)
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    async def _api_getMyCommands(self, p: _Params) -> list[dict]:
        return copy.deepcopy(self._commands.get(self._command_key(p), []))

    async def _api_deleteMyCommands(self, p: _Params) -> bool:
        self._commands.pop(self._command_key(p), None)
        return True

    async def _api_sendChatAction(self, p: _Params) -> bool:
        action = p.str("action")
        if not action:
            raise _bad("action is empty")
        if action not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        chat = self._chat_for_send(p)
        self._check_blocked(chat)
        self.chat_actions.append({"chat_id": chat["id"], "action": action,
                                  "time": time.monotonic()})
        return True

    async def _api_getChat(self, p: _Params) -> dict:
        chat = copy.deepcopy(self._chat_for_send(p))
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        )
        return chat


def iter_buttons(message: dict) -> Iterable[dict]:
    """The inline buttons of a stored message (from :meth:`BotAPIEmulator.messages`)."""
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        yield from row
