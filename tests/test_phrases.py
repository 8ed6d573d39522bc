"""Every phrase the desk says, in every language, and the buttons it sends."""

from __future__ import annotations

import string
from datetime import datetime, timezone

import pytest

from rules.conversation import COMMANDS, STEPS, Conversation
from rules.eligibility import REASON_CODES
from rules.form import LANGUAGES
from rules.phrases import LANGUAGE_NAMES, PHRASES, phrase

NOW = datetime(2020, 2, 10, 9, 0, tzinfo=timezone.utc)
TELEGRAM_CALLBACK_LIMIT = 64  # bytes


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_language_names_are_the_form_languages():
    assert set(LANGUAGE_NAMES) == set(LANGUAGES)


@pytest.mark.parametrize("key", sorted(PHRASES))
def test_phrase_in_every_language_with_the_same_placeholders(key):
    texts = PHRASES[key]
    assert set(texts) == set(LANGUAGES), key
    assert all(isinstance(t, str) and t.strip() for t in texts.values()), key
    english = placeholders(texts["en"])
    for lang, text in texts.items():
        assert placeholders(text) == english, (key, lang)


@pytest.mark.parametrize("key", sorted(PHRASES))
def test_phrase_formats_with_its_placeholders(key):
    values = {name: f"<{name}>" for name in placeholders(PHRASES[key]["en"])}
    for lang in LANGUAGES:
        text = phrase(key, lang, **values)
        assert all(v in text for v in values.values()), (key, lang)
        assert "{" not in text and "}" not in text, (key, lang)


def test_phrase_falls_back_to_english():
    assert phrase("menu_prompt", "pt") == PHRASES["menu_prompt"]["en"]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_described_in_every_language(name):
    descriptions = COMMANDS[name]
    assert set(descriptions) == set(LANGUAGES), name
    assert all(d.strip() for d in descriptions.values())
    # Telegram's command names: lower case letters, digits and underscores, at most 32.
    assert name.isascii() and name.islower() and len(name) <= 32


@pytest.mark.parametrize("code", REASON_CODES)
def test_every_reason_code_has_a_phrase(code):
    assert f"reason_{code}" in PHRASES


def test_every_step_has_a_question_phrase():
    assert all(f"q_{step.id}" in PHRASES for step in STEPS)


# --- buttons ----------------------------------------------------------------------------


def _walk(lang: str) -> list:
    """Every button the conversation sends while walking the whole check (every step asked) and the menus."""
    conversation = Conversation(desk_address="desk@kcity.test")
    state = conversation.new_state(lang)
    turns = [conversation.start(state, NOW), conversation.button(state, "menu:language", NOW),
             conversation.button(state, "menu:apply", NOW), conversation.button(state, "menu:check", NOW)]
    seen_steps = []
    while state["step"] is not None:
        step = next(s for s in STEPS if s.id == state["step"])
        seen_steps.append(step.id)
        if step.id == "category":
            turns.append(conversation.button(state, "pick:category:smart_solution", NOW))  # so sectors are asked
        elif step.kind == "choices":
            turns.append(conversation.button(state, f"toggle:{step.id}:{step.options[-1]}", NOW))
            turns.append(conversation.button(state, f"done:{step.id}", NOW))
        else:
            turns.append(conversation.button(state, f"skip:{step.id}", NOW))
    assert seen_steps == [s.id for s in STEPS]
    turns.append(conversation.text(state, "recipe for kimchi", NOW))  # the fallback comes with menu buttons
    return [b for turn in turns for say in turn.says for row in say.buttons for b in row]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_all_button_data_fit_telegram_callback_limit(lang):
    buttons = _walk(lang)
    assert len(buttons) > 50
    too_long = [b.data for b in buttons if len(b.data.encode("utf-8")) > TELEGRAM_CALLBACK_LIMIT]
    assert too_long == []
    assert all(b.label.strip() for b in buttons)


def test_longest_possible_button_data_fit():
    # Every data string the questions can produce, whatever the answers so far.
    longest = max(
        [f"pick:{s.id}:{o}" for s in STEPS for o in s.options]
        + [f"toggle:{s.id}:{o}" for s in STEPS for o in s.options]
        + [f"done:{s.id}" for s in STEPS] + [f"skip:{s.id}" for s in STEPS],
        key=lambda d: len(d.encode("utf-8")),
    )
    assert len(longest.encode("utf-8")) <= TELEGRAM_CALLBACK_LIMIT, longest
