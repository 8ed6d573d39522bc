"""What a free question says about the asker's own case, as form answers.

"We are a city government in Peru with a smart transport project, can we
apply?" states an organization type, a country and a sector: enough for the
eligibility engine to say something. ``read_case`` finds those facts with the
same synonym tables the email extractor uses; it never guesses a fact the
question does not name.
"""

from __future__ import annotations

import re
from functools import cache

from babel import Locale

from rules import form, normalize

__all__ = ["read_case", "stated"]

_SINGLE = ("applicant.organization_type", "project.category", "project.status")
_MULTIPLE = ("project.sectors", "support.requested")
_MAX_WORDS_IN_A_NAME = 4

# Korea is named in most questions about the program ("training in Korea"); it is
# the asker's own country only when they say they are there.
_IN_KOREA = re.compile(
    r"\b(?:we are|we're|i am|i'm|somos|soy|nous sommes|je suis)\b[^.?!]*\b(?:in|from|de|en|du)\s+"
    r"(?:south\s+|the\s+republic\s+of\s+|la\s+)?(?:korea|corea|cor[eé]e)\b"
    r"|\b(?:we are|we're|i am|i'm|our)\b[^.?!]*\bkorean\s+(?:city|municipality|government|ministry|company|agency|province)\b"
    r"|우리는?\s*(?:한국|대한민국)|(?:한국|대한민국)의?\s*(?:지자체|지방정부|시청|기업|공공기관)",
    re.IGNORECASE,
)


# The program's own names hold "city": "K-City Network", "smart city". They say nothing
# about who is asking, so they are taken out before organization types are looked for.
_PROGRAM_NAMES = re.compile(
    r"\bk city(?: network)?\b|\bsmart (?:city|cities)\b"
    r"|\bciudad(?:es)? inteligentes?\b|\bvilles? intelligentes?\b"
    r"|스마트\s*(?:시티|도시)|케이\s*시티"
)


def read_case(text: str) -> dict:
    """The form answers ``text`` states, nested by form code ({} when it states none)."""
    words = _PROGRAM_NAMES.sub(" ", normalize.choice_words(text[:2000]))
    answers: dict = {}
    for code in _SINGLE:
        found = [c for c in normalize.choices_named(code, words) if code != "project.status" or _says_status(words)]
        if found:
            # The longest phrase names it best: "state owned company" over "company".
            form.put(answers, code, found[0] if len(set(found)) == 1 else normalize.best_choice_named(code, words))
    for code in _MULTIPLE:
        found = list(dict.fromkeys(normalize.choices_named(code, words)))
        if found:
            form.put(answers, code, found)
    country = _country(text)
    if country:
        form.put(answers, "applicant.country", country)
    amount = normalize.amount(text) if _mentions_money(words) else None
    if amount and amount.get("krw"):
        form.put(answers, "budget.requested_amount", amount)
    if form.get(answers, "project.sectors") and not form.get(answers, "project.category"):
        form.put(answers, "project.category", "smart_solution")  # only solution projects have sectors
    return answers


# "New" alone is too often part of a name (Papua New Guinea, New Delhi) to mean a new project.
_BARE_NEW = re.compile(r"\b(?:new|nuevo|nueva|nouveau|nouvelle)\b")
_STATUS_WORDS = re.compile(r"\b(?:new|nuevo|nueva|nouveau|nouvelle)\s+(?:project|proyecto|projet)\b"
                           r"|\b(?:proyecto|projet)\s+(?:nuevo|nouveau)\b")


def _says_status(words: str) -> bool:
    if _STATUS_WORDS.search(words):
        return True
    without_new = _BARE_NEW.sub(" ", words)
    return bool(normalize.choices_named("project.status", without_new))


def stated(answers: dict) -> list[str]:
    """The form codes a case states, in form order."""
    return [code for code, value in form.flatten(answers).items() if value not in (None, "", [])]


_MONEY_WORDS = re.compile(
    r"\b(?:krw|won|usd|dollars?|dolares|eur|euros?|million|billion|millones|millions|milliards?)\b|[원억$₩€]|달러"
)


def _mentions_money(words: str) -> bool:
    # "2 sectors" or "the 2020 call" are numbers, not requests.
    return bool(_MONEY_WORDS.search(words))


def _country(text: str) -> str | None:
    """The first country named in ``text`` other than Korea; Korea only when the asker says they are there
    ("we are a city in Peru and want training in Korea" is Peru)."""
    return _other_country(text) or ("KR" if _IN_KOREA.search(text) else None)


def _other_country(text: str) -> str | None:
    folded = normalize.fold(text)
    if any("\uac00" <= c <= "\ud7a3" for c in text):
        unspaced = "".join(text.split())
        for name, code in _hangul_names():
            if name in unspaced:
                return code
    tokens = re.findall(r"[^\W\d_]+", folded)
    code = normalize.country_named(tokens, max_words=_MAX_WORDS_IN_A_NAME, skip=frozenset({"KR"}))
    if code:
        return code
    for word in re.findall(r"\b[A-Z]{3}\b", text):  # "PER", "COL": ISO codes in capitals
        code = normalize.country_code(word)
        if code and code != "KR" and word not in _NOT_CODES:
            return code
    return None


# Three capital letters that are words or acronyms in questions, not countries.
_NOT_CODES = frozenset({"KRW", "USD", "EUR", "PPP", "PIS", "MDB", "ODA", "SOE", "CEO", "FAQ", "AND", "THE", "CAN"})


@cache
def _hangul_names() -> tuple[tuple[str, str], ...]:
    """Korean country names, longest first ("남아프리카 공화국" before "남아")."""
    names = {
        name.replace(" ", ""): code
        for code, name in Locale("ko").territories.items()
        if len(code) == 2 and code.isalpha() and code != "KR" and len(name) >= 2
    }
    return tuple(sorted(names.items(), key=lambda nc: len(nc[0]), reverse=True))
