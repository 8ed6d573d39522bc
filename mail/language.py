"""Guess which of our languages a text is in, cheaply: Hangul, then stopwords."""

from __future__ import annotations

import re

# Words frequent in one language and rare in the others ("de", "la", "en" are shared).
_STOPWORDS = {
    "en": frozenset(
        "the and of to is are for with this that we our you your be by from have has will would "
        "please which project city dear regards".split()
    ),
    "es": frozenset(
        "el los las del y que por para con una uno es su sus nuestro nuestra proyecto ciudad "
        "estimado estimados saludos atentamente muy gracias como más está".split()
    ),
    "fr": frozenset(
        "le les des du et est pour avec une nous vous notre votre dans sur au aux projet ville "
        "madame monsieur cordialement merci veuillez être très".split()
    ),
}
_WORD = re.compile(r"[^\W\d_]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_MAX_CHARS = 20_000  # enough to tell; keeps long mails cheap


def detect_language(text: str) -> str | None:
    """"ko", "es", "fr" or "en"; None when the text is short or mixed."""
    if not isinstance(text, str):
        return None
    sample = text[:_MAX_CHARS]
    words = _WORD.findall(sample.lower())
    hangul = len(_HANGUL.findall(sample))
    latin = sum(len(w) for w in words if w.isascii())
    # A Hangul syllable carries two or three Latin letters' worth of text.
    if hangul >= 2 and hangul * 2 >= latin * 0.5:
        return "ko"
    counts = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)
    (best, first), (_, second) = ranked[0], ranked[1]
    if first >= 2 and first >= 1.5 * second:
        return best
    return None
