"""One free question in, everything the desk can say about it out.

``answer()`` finds the call's answer; this adds what depends on the day (is a
call open, how many days are left) and, when the question states the asker's
own case, the eligibility engine's verdict on it. The bot, ``kcity ask``,
``kcity chat`` and the replies to inquiry emails all go through ``ask()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from babel.dates import get_timezone_name

from rules import case as cases
from rules.answer import Answer, answer, shipped_knowledge
from rules.decision import Decision
from rules.eligibility import assess
from rules.phrases import phrase
from rules.rounds import Round, load_rounds
from rules.timing import CLOSED, OPEN, CallStatus, call_status
from rules.verdict import day, describe_case, verdict_lines

__all__ = ["DATED_TOPICS", "Reply", "ask", "call_sentence", "topic_reply"]

# Topics whose answer is only true on some days: each gets today's state of the call.
DATED_TOPICS = frozenset({"application_window", "how_to_submit"})
# Topics about who or what may apply: a question on one of these naming its case runs the engine.
_CASE_TOPICS = frozenset({
    "who_may_apply", "private_companies", "partner_countries", "project_categories",
    "solution_sectors", "support_types", "funding_cap", "existing_projects",
})
# Facts that decide on their own: naming one is asking about one's case.
_DECIDING = {"applicant.organization_type", "applicant.country"}


@dataclass(frozen=True)
class Reply:
    question: str
    answer: Answer
    call: CallStatus
    case: dict  # the form answers the question states
    eligibility: Decision | None  # None: the question states no case to judge
    text: str  # everything to show, in answer.language

    @property
    def language(self) -> str:
        return self.answer.language

    @property
    def known(self) -> bool:
        """False when the desk did not find an answer and said so."""
        return self.answer.topic is not None or self.eligibility is not None

    def as_dict(self) -> dict:
        data = {
            "answer": self.text,
            "language": self.answer.language,
            "citations": list(self.answer.citations),
            "confidence": self.answer.confidence,
            "topic": self.answer.topic,
        }
        if self.answer.suggestions:
            data["suggestions"] = list(self.answer.suggestions)
        if self.eligibility is not None:
            data["eligibility"] = {**self.eligibility.as_dict(), "case": self.case}
        return data


def ask(question: str, *, now: datetime, lang: str | None = None, rounds: Sequence[Round] | None = None) -> Reply:
    """The answer to ``question`` on the day ``now`` (aware), in ``lang`` or the question's language."""
    rounds = list(rounds) if rounds is not None else load_rounds()
    found = answer(question, lang)
    call = call_status(now, rounds)
    case = cases.read_case(question)
    decision = assess(case, call.round) if _names_a_case(case, found) else None
    return _reply(question, found, call, case, decision)


def topic_reply(topic_id: str, *, now: datetime, lang: str, rounds: Sequence[Round] | None = None) -> Reply:
    """A topic's answer on the day ``now``, as ``ask`` gives it: for an asker who picked the topic
    among the suggestions of an answer that did not know (``Answer.suggestions``)."""
    topic = shipped_knowledge().topics[topic_id]
    found = Answer(topic.answers[lang], lang, list(topic.citations), 1.0, topic.id)
    call = call_status(now, list(rounds) if rounds is not None else load_rounds())
    return _reply(topic.titles[lang], found, call, {}, None)


def _reply(question: str, found: Answer, call: CallStatus, case: dict, decision: Decision | None) -> Reply:
    lang = found.language
    parts = []
    if decision is not None:
        parts.append("\n".join([
            phrase("verdict_case", lang, facts=describe_case(case, lang)),
            *verdict_lines(decision, case, call.round.track_for(None), lang),
        ]))
    if found.topic is not None or decision is None:
        parts.append(found.text)
    if found.topic in DATED_TOPICS:
        parts.append(call_sentence(call, lang))
    elif found.topic == "selection_timeline" and call.state == CLOSED:
        parts.append(phrase("timeline_past", lang, round=call.round.id))
    return Reply(question, found, call, case, decision, "\n\n".join(parts))


def call_sentence(call: CallStatus, lang: str) -> str:
    """Today's state of the call: open with N days left, opening soon, or closed."""
    zone = get_timezone_name(call.timezone, locale=lang)
    if call.state == OPEN:
        if call.closes is None:
            return phrase("call_open_all_year", lang)
        if call.days_left == 0:
            return phrase("call_open_last_day", lang, closes=day(call.closes, lang), zone=zone)
        return phrase("call_open", lang, closes=day(call.closes, lang), zone=zone, days=call.days_left)
    if call.state == CLOSED:
        return phrase(
            "call_closed", lang, today=day(call.today, lang), title=call.round.title, round=call.round.id,
            opens=day(call.opens, lang), closes=day(call.closes, lang),
        )
    return phrase("call_upcoming", lang, today=day(call.today, lang), opens=day(call.opens, lang),
                  days=call.days_until_open)


def _names_a_case(case: dict, found: Answer) -> bool:
    stated = set(cases.stated(case))
    if "project.sectors" in stated:
        stated.discard("project.category")  # read_case infers it from the sectors: not a second fact
    if not stated:
        return False
    if stated & _DECIDING:
        return True
    # "Is transport covered?" names a sector but asks about the call; two facts describe a project.
    return len(stated) >= 2 and (found.topic in _CASE_TOPICS or found.topic is None)
