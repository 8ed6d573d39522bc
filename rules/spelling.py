"""Misspelt words: a question's word read as the known word it misspells, and the distance between two spellings.

The knowledge base corrects a question's Latin words to the words of its paraphrases (``Speller``)
before it looks them up; the concept table accepts a word within a few edits of a concept's word
(``edits``, used by rules/words.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

__all__ = ["Speller", "edits"]


def edits(a: str, b: str) -> int:
    """Levenshtein distance."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _deletions(token: str) -> list[str]:
    return [token[:i] + token[i + 1 :] for i in range(len(token))]


def _one_change(a: str, b: str) -> bool:
    """Same length, and one letter changed or two neighbours swapped."""
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                              and a[diff[1]] == b[diff[0]])


class Speller:
    """Corrects a word to one of the known words (the paraphrases' words, as the tokenizer reads them)."""

    def __init__(self, words: Iterable[str]) -> None:
        # The known words whole, and each with one letter dropped (the most frequent word first).
        known = Counter(words)
        self._known = frozenset(known)
        self._near: dict[str, list[str]] = {}
        for word, _ in sorted(known.items(), key=lambda kv: (-kv[1], kv[0])):
            if len(word) >= 5:
                for variant in _deletions(word):
                    self._near.setdefault(variant, []).append(word)

    def correct(self, word: str) -> str:
        """``word``, or the known word it misspells by one letter dropped, added,
        changed or two swapped, its first letter kept (a first letter is seldom the one
        mistyped: "manque" is no "banque", "centre" no "entre"); short words are left
        alone ("tarea" is not "area")."""
        if word in self._known or len(word) < 4 or word.isdigit():
            return word
        first = word[0]
        for candidate in self._near.get(word, ()):  # a letter dropped: aply ~ apply
            if candidate[0] == first:
                return candidate
        if len(word) >= 6:
            for variant in _deletions(word)[1:]:
                if variant in self._known:  # a letter added
                    return variant
        if len(word) >= 5:
            for variant in reversed(_deletions(word)):
                for candidate in self._near.get(variant, ()):
                    if candidate[0] == first and len(candidate) == len(word) and _one_change(candidate, word):
                        return candidate
        return word
