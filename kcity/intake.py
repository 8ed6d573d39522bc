"""The pure half of intake: from a parsed message to what should happen to it.

classify -> extract -> validate -> assess -> compose, with no I/O: the store
supplies what it knows (the application a follow-up belongs to) and gets back
an ``Assessment`` to apply. ``kcity check`` uses this alone, with no store.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from mail.classify import Classification, Kind, classify
from mail.compose import Reply, compose_reply
from mail.extract import Extraction, extract
from mail.language import detect_language
from mail.message import ParsedMessage
from mail.parse import parse_message
from mail.tokens import MessageIdSigner
from rules import form
from rules.decision import INELIGIBLE, NEEDS_REVIEW, Decision
from rules.eligibility import assess
from rules.ask import Reply as DeskReply
from rules.ask import ask
from rules.problem import Problem
from rules.rounds import round_for
from rules.validate import validate

# An email naming at least this many form fields is an application, not a question.
MIN_LABELS_FOR_APPLICATION = 3

REPLY_KINDS_BY_STATUS = {
    "incomplete": "missing_fields",
    "ineligible": "ineligible",
    "complete": "acknowledgement",
    "needs_review": "acknowledgement",
}


@dataclass(frozen=True)
class KnownApplication:
    """What the store tells intake about the application a follow-up belongs to."""

    reference: str
    fields: dict
    language: str


@dataclass
class Assessment:
    message: ParsedMessage
    classification: Classification
    extraction: Extraction | None = None
    fields: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    decision: Decision | None = None
    status: str | None = None  # the application's status, when this is one
    language: str = form.DEFAULT_LANGUAGE
    # Why no reply goes out although the message deserves one (the sender asked for none).
    reply_suppressed: str | None = None
    # An inquiry's questions, each with the desk's reply (the reply's answers; staff see the unanswered).
    questions: list[DeskReply] = field(default_factory=list)

    @property
    def is_application(self) -> bool:
        return self.classification.kind in (Kind.APPLICATION, Kind.FOLLOW_UP)

    @property
    def reply_kind(self) -> str | None:
        if self.reply_suppressed:
            return None
        if self.is_application:
            return REPLY_KINDS_BY_STATUS[self.status]
        if self.classification.kind == Kind.INQUIRY:
            return "inquiry"
        return None  # auto-replies, bounces and our own mail never get one


def assess_message(
    message: ParsedMessage,
    *,
    own_addresses: frozenset[str],
    is_own_message_id,
    submitted_at: datetime,
    follow_up_of: KnownApplication | None = None,
    extraction: Extraction | None = None,
) -> Assessment:
    """``extraction`` may be given when it was computed elsewhere (another process)."""
    extraction = extraction or extract(message)
    classification = classify(
        message,
        own_addresses=own_addresses,
        is_own_message_id=is_own_message_id,
        follow_up_of=follow_up_of.reference if follow_up_of else None,
        looks_like_application=extraction.labels_found >= MIN_LABELS_FOR_APPLICATION,
    )
    result = Assessment(message, classification, extraction)
    result.language = _reply_language(extraction, message, follow_up_of)
    # Exchange's X-Auto-Response-Suppress asks senders like us not to auto-reply.
    # Outlook also puts it on mail people write, so the message is still read
    # and stored as what it is; only our automatic reply is withheld.
    suppress = message.header("x-auto-response-suppress")
    if suppress:
        result.reply_suppressed = f"X-Auto-Response-Suppress: {suppress}"[:120]
    if classification.kind == Kind.INQUIRY:
        result.questions = answer_questions(message.text, language=result.language, now=submitted_at)
    if not result.is_application:
        return result

    fields = extraction.fields
    if classification.kind == Kind.FOLLOW_UP and follow_up_of:
        fields = form.merge(follow_up_of.fields, extraction.fields)
    result.fields = fields
    result.problems = validate(fields)
    result.decision = assess(fields, round_for(submitted_at), submitted_at=submitted_at)
    result.status = application_status(result.problems, result.decision)
    return result


def read_message(raw: bytes) -> tuple[ParsedMessage | None, Extraction | None]:
    """Parse and extract: the CPU-heavy, store-free first steps, which the
    service runs in a worker process while the store's thread does the rest."""
    try:
        message = parse_message(raw)
        return message, extract(message)
    except Exception:  # parse_message promises not to raise; if it does, the pipeline quarantines
        return None, None


def read_messages(raws: list[bytes]) -> list[tuple[ParsedMessage | None, Extraction | None]]:
    return [read_message(raw) for raw in raws]


def exit_with_parent() -> None:
    """For a worker process: end when the process that started it is gone
    (killed with SIGKILL, it cannot tell its workers)."""
    import os
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


REFERENCE_IN_SUBJECT = re.compile(r"\bKCN-(\d{4})-(\d{4,})\b", re.IGNORECASE)


def thread_ids(message: ParsedMessage) -> list[str]:
    """The message ids this message answers, oldest first."""
    return [mid for mid in message.references + [message.in_reply_to] if mid]


def signed_reference(message: ParsedMessage, signer: MessageIdSigner) -> str | None:
    """The reference carried by the newest of our own signed Message-IDs in its thread."""
    for mid in reversed(thread_ids(message)):
        reference = signer.reference_of(mid)
        if reference and reference != "-":
            return reference
    return None


def subject_reference(message: ParsedMessage) -> str | None:
    match = REFERENCE_IN_SUBJECT.search(message.subject)
    return match.group(0).upper() if match else None


def application_status(problems: list[Problem], decision: Decision) -> str:
    if decision.status == INELIGIBLE:
        return "ineligible"  # no point asking for missing fields first
    if problems:
        return "incomplete"
    if decision.status == NEEDS_REVIEW:
        return "needs_review"
    return "complete"


def reply_for(assessment: Assessment, *, reference: str | None, bot_link: str | None = None) -> Reply | None:
    kind = assessment.reply_kind
    if kind is None:
        return None
    return compose_reply(
        kind,
        language=assessment.language,
        reference=reference,
        fields=assessment.fields,
        problems=assessment.problems,
        decision=assessment.decision,
        original_subject=assessment.message.subject,
        bot_link=bot_link,
        answers=inquiry_answers(assessment.questions) if kind == "inquiry" else (),
        unread=assessment.extraction.unread if assessment.extraction else (),
    )


# A question mark in any of our languages (Spanish opens with ¿, full-width in CJK text).
_QUESTION = re.compile(r"[^?？]*[?？]")
MAX_QUESTIONS = 5


def answer_questions(text: str, *, language: str, now: datetime) -> list[DeskReply]:
    """The desk's reply to each question ``text`` asks (or to the whole text if it asks none)."""
    text = text[:4000]
    # A question runs back to the previous question or the paragraph's start, over wrapped
    # lines, so the sentences that set it up ("We are a city in Peru.") come with it.
    questions = [" ".join(q.split()) for paragraph in re.split(r"\n\s*\n", text) for q in _QUESTION.findall(paragraph)]
    questions = [q for q in questions if q][:MAX_QUESTIONS] or [" ".join(text[:1000].split())]
    return [ask(q, now=now, lang=language) for q in questions if q]


def inquiry_answers(replies: list[DeskReply]) -> list[str]:
    """What an inquiry's reply says before the form: each answer once; "I don't know" adds nothing."""
    answers, seen = [], set()
    for reply in replies:
        key = (reply.answer.topic, reply.eligibility.status if reply.eligibility else None)
        if reply.known and key not in seen:
            seen.add(key)
            answers.append(reply.text)
    return answers


def submission_year(submitted_at: datetime, timezone: str = "Asia/Seoul") -> int:
    return submitted_at.astimezone(ZoneInfo(timezone)).year


def _reply_language(extraction: Extraction, message: ParsedMessage, known: KnownApplication | None) -> str:
    language = extraction.language or detect_language(message.subject + "\n" + message.text)
    if language is None and known is not None:
        language = known.language
    return language if language in form.LANGUAGES else form.DEFAULT_LANGUAGE
