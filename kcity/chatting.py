"""``kcity chat``: the bot's conversation in a terminal, for trying it out and for staff.

Buttons become numbered choices: type the number to press one, ``/command``
for a command, anything else as a message. An empty line or end of input ends
the chat.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rules.ask import Reply
from rules.conversation import Conversation, Say, Turn

__all__ = ["run_chat"]


def run_chat(
    conversation: Conversation,
    *,
    read: Callable[[], str | None],
    write: Callable[[str], None],
    now: Callable[[], datetime],
    record: Callable[[Reply], None] | None = None,
    language_code: str | None = None,
) -> None:
    state = conversation.new_state(language_code)
    choices = _show(conversation.start(state, now()), write)
    while True:
        line = read()
        if line is None or not line.strip() or line.strip().lower() in ("/quit", "/exit", "quit", "exit"):
            return
        line = line.strip()
        if line.isdigit() and 1 <= int(line) <= len(choices):
            turn = conversation.button(state, choices[int(line) - 1], now())
        elif line.startswith("/"):
            name, _, argument = line[1:].partition(" ")
            turn = conversation.command(state, name.lower(), argument, now())
        else:
            turn = conversation.text(state, line, now())
        if turn.question is not None and record is not None:
            record(turn.question)
        choices = _show(turn, write) or choices


def _show(turn: Turn, write: Callable[[str], None]) -> list[str]:
    """Print the turn; return the button data in the order they were numbered."""
    choices: list[str] = []
    for say in turn.says:
        write(_rendered(say, choices))
    return choices


def _rendered(say: Say, choices: list[str]) -> str:
    lines = [say.text]
    if say.document is not None:
        lines += ["", f"--- {say.document.filename} ---", say.document.content.decode("utf-8").rstrip(), "---"]
    for row in say.buttons:
        cells = []
        for button in row:
            choices.append(button.data)
            cells.append(f"[{len(choices)}] {button.label}")
        lines.append("   ".join(cells))
    return "\n".join(lines) + "\n"
