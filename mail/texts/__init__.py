"""What replies say, in each language we answer in: one module per language.

Every statement about the program is a rendering of the call for applications
(/work/shared/program/call-2020.txt); a text that the call does not support
does not belong here. Modules are Python, not YAML, so they need no package
data and a missing text fails when the module is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import import_module

from rules.form import DEFAULT_LANGUAGE, LANGUAGES

__all__ = ["Texts", "resolve_language", "texts_for"]


@dataclass(frozen=True)
class Texts:
    """One language's texts. Placeholders in braces are filled by ``mail.compose``."""

    subjects: Mapping[str, str]  # reply kind -> subject when the original had none
    greeting: str  # no contact name known
    greeting_named: str  # {name}
    reference_line: str  # {reference}
    reply_hint: str  # how to reply when there is no reference yet
    reply_hint_ref: str  # {reference}
    ack_intro: str
    ack_received: str
    ack_next_heading: str
    ack_next: str
    ack_follow_up: str
    notes_heading: str  # non-blocking reasons in an acknowledgement
    missing_intro: str
    missing_required: str
    invalid: str  # {message}: the English problem message
    example: str  # {example}
    fill_in: str
    ineligible_intro: str
    reason: str  # {message}: the English reason message
    note: str  # {message}: an English non-blocking reason, in an acknowledgement
    ineligible_generic: str
    ineligible_follow_up: str
    citation: str  # {quote}
    quote: str  # {}: the call's English sentence, verbatim
    inquiry_intro: str
    howto_heading: str
    howto_who: str
    howto_projects: str
    howto_support: str
    howto_send: str
    form_heading: str
    form_required: str  # {labels}, {sectors}
    info_sites: str
    bot_link: str  # {link}
    unread_attachments: str  # {files}: attachments that gave no text
    unnamed_attachment: str  # {number}: one of them that came with no file name (the how-many-th attachment)
    approx: str  # {amount}, {converted}
    yes: str
    no: str
    list_separator: str
    footer: str
    choices: Mapping[str, str]  # form choice code -> readable words
    # A review decision (mail.compose.compose_status_update): review status -> what it means for the
    # applicant, and the subject when the application's thread had none.
    status_updates: Mapping[str, str]
    status_subject: str


def resolve_language(language: str | None) -> str:
    """"ko", "KO", "ko-KR" -> "ko"; anything we do not write in -> English."""
    if language:
        primary = language.strip().lower().replace("_", "-").split("-")[0]
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


@cache
def texts_for(language: str | None) -> Texts:
    # Imported lazily: the language modules import Texts from here.
    return import_module(f"{__name__}.{resolve_language(language)}").TEXTS
