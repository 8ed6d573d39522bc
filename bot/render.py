"""From the conversation's plain ``Say`` to what Telegram takes: escaped HTML, split texts, keyboards.

Pure functions; ``bot.handlers`` does the sending. Telegram counts its 4,096
characters on the text as shown (after entities are parsed), so plain text is
split first and each piece escaped afterwards.
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from rules import form
from rules.conversation import Button, Say
from rules.phrases import phrase
from rules.verdict import day

__all__ = ["MAX_TEXT", "escape", "keyboard", "split_text", "status_text"]

MAX_TEXT = 4096  # Telegram's limit for one message's text


def escape(text: str) -> str:
    """Text safe inside Telegram's HTML parse mode: only <, > and & are special there."""
    return html.escape(text, quote=False)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at a paragraph, a line, or a space if possible."""
    pieces = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), 0) or max(window.rfind("\n"), 0) or max(window.rfind(" "), 0)
        if cut < limit // 2:  # no natural break in the second half: cut hard rather than send tiny pieces
            cut = window.rfind(" ") if window.rfind(" ") >= limit // 2 else limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text or not pieces:
        pieces.append(text)
    return [p for p in pieces if p] or [""]


def keyboard(say: Say) -> InlineKeyboardMarkup | None:
    if not say.buttons:
        return None
    return _markup(say.buttons)


# The same few dozen keyboards (a step's choices in a language, the menu) are sent over and over.
# PTB's objects are frozen once built, so one copy of each can be shared by every message.
@lru_cache(maxsize=1024)
def _markup(buttons: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in buttons]
    )


def status_text(app: dict, history: list[dict], lang: str) -> str:
    """What ``/status`` shows: reference, status, what is missing, and the changes so far."""
    lines = [phrase("status_report", lang, reference=app["reference"], status=status_name(app["status"], lang),
                    updated=_when(app["updated_at"], lang))]
    problems = json.loads(app["problems"]) if isinstance(app["problems"], str) else app["problems"]
    fields = list(dict.fromkeys(p["field"] for p in problems))
    if fields:
        labels = ", ".join(form.field(code).label(lang) if _known(code) else code for code in fields)
        lines.append(phrase("status_missing", lang, fields=labels))
    if history:
        lines.append(phrase("status_history", lang))
        for event in history:
            detail = json.loads(event["detail"]) if isinstance(event["detail"], str) else event["detail"]
            lines.append(f"• {_when(event['at'], lang)}: {status_name(detail.get('new', ''), lang)}")
    return "\n".join(lines)


def status_name(status: str, lang: str) -> str:
    try:
        return phrase(f"status_{status}", lang)
    except KeyError:
        return status.replace("_", " ")


def _known(code: str) -> bool:
    try:
        form.field(code)
        return True
    except KeyError:
        return False


def _when(iso: str, lang: str) -> str:
    try:
        return day(datetime.fromisoformat(iso).date(), lang)
    except (TypeError, ValueError):
        return str(iso)
