"""Answer applicants' questions about the call from the knowledge base, or say honestly we don't know.

``rules/knowledge.yaml`` holds topics: an answer per language, the call's
sentences it rests on (verbatim), and paraphrased questions per language.
A question is matched to a topic with BM25 over the paraphrases of every
language: accent-folded word tokens for Latin script, character 2- and
3-grams for Hangul. Confidence comes from how far the best topic is ahead of
the runner-up; below ``THRESHOLD`` the answer is the fallback, topic None.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from importlib.resources import files

import yaml

from mail.language import detect_language
from rules.form import DEFAULT_LANGUAGE, LANGUAGES

__all__ = ["THRESHOLD", "Answer", "KnowledgeBase", "Topic", "answer", "load_knowledge", "tokenize"]

THRESHOLD = 0.4  # tuned on tests/test_answer.py: weakest on-topic case ~0.47, off-topic 0.0
_SCORE_FULL = 6.0  # a best BM25 score at or above this counts as a full match
_K1, _B = 1.2, 0.75
_RUNNERS_UP = 0.3  # weight of a topic's 2nd and 3rd best paraphrases

_TOKEN = re.compile(r"[\uac00-\ud7a3]+|[^\W\d_\uac00-\ud7a3]+|\d+")
# Function words that would let unrelated questions match; Hangul needs none (n-grams).
# Also the words every question about the call shares (project, program, city).
_STOPWORDS = frozenset(
    """a an the of to in on for and or is are be can could may do does we our us i my you your it
    this that with what which who when where how there any by from at as will would should s me
    tell please about project program programme city call
    el la los las de del y o en un una es son se que por para con nuestro nuestra como cual
    quien cuando donde cuanto hay puede pueden podemos lo al su sus ser esta este ayer
    proyecto programa ciudad convocatoria
    le les des du et ou au aux un une est sont pour avec nous notre vous votre qui quel quelle
    quels quelles ce il elle d l t y quand comment combien peut pouvons faut dans sur pas ne
    projet ville appel""".split()
)
# Korean endings and particles stripped from a word before n-grams (at most twice, stem >= 2).
_KO_SUFFIXES = tuple(
    sorted(
        """하나요 되나요 입니까 습니까 합니까 인가요 한가요 할까요 주세요 이에요 나요 가요 세요 해요 예요 까요 니까 인지
        하는 할 에서 으로 에게 부터 까지 는 은 을 를 이 가 도 에 로 의 와 과 요""".split(),
        key=len,
        reverse=True,
    )
)
# Stems too common in questions to tell topics apart.
_KO_STOP = frozenset("있나 되나 수 한 것 더 좀 및 등 그 이 저 제 뭐 있 없 하 되 할 돼 가능 어떻게 무엇 알려".split())


@dataclass(frozen=True)
class Answer:
    text: str
    language: str
    citations: list[str] = field(default_factory=list)
    confidence: float = 0.0
    topic: str | None = None


@dataclass(frozen=True)
class Topic:
    id: str
    answers: dict[str, str]
    citations: tuple[str, ...]
    questions: dict[str, tuple[str, ...]]


def _fold(word: str) -> str:
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _ko_stem(word: str) -> str:
    for _ in range(2):
        for suffix in _KO_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 2:
                word = word[: -len(suffix)]
                break
        else:
            break
    return word


def tokenize(text: str) -> list[str]:
    """Lowercased, accent-folded words minus stopwords; Hangul runs as character 2- and 3-grams."""
    tokens: list[str] = []
    for run in _TOKEN.findall(text.lower()):
        if "\uac00" <= run[0] <= "\ud7a3":
            stem = _ko_stem(run)
            if stem in _KO_STOP:
                continue
            if len(stem) == 1:
                tokens.append(stem)
            tokens.extend(stem[i : i + n] for n in (2, 3) for i in range(len(stem) - n + 1))
        else:
            word = _fold(run)
            if word not in _STOPWORDS and len(word) > 1:
                if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
                    word = word[:-1]  # plural, crudely: applicants ~ applicant
                tokens.append(word)
    return tokens


class _BM25:
    """Okapi BM25 over short documents."""

    def __init__(self, docs: list[list[str]]) -> None:
        self.tfs = [Counter(d) for d in docs]
        self.lens = [len(d) for d in docs]
        self.avg = sum(self.lens) / max(len(docs), 1)
        df = Counter(t for d in docs for t in set(d))
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.postings: dict[str, list[int]] = {}
        for i, tf in enumerate(self.tfs):
            for t in tf:
                self.postings.setdefault(t, []).append(i)

    def scores(self, query: list[str]) -> dict[int, float]:
        out: dict[int, float] = {}
        for t in set(query):
            idf = self.idf.get(t)
            if idf is None:
                continue
            for i in self.postings[t]:
                tf = self.tfs[i][t]
                norm = tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * self.lens[i] / self.avg))
                out[i] = out.get(i, 0.0) + idf * norm
        return out


class KnowledgeBase:
    """Topics plus a BM25 index over their paraphrased questions."""

    def __init__(self, data: dict) -> None:
        self.fallback: dict[str, str] = data["fallback"]
        self.topics = {
            t["id"]: Topic(
                id=t["id"],
                answers=t["answer"],
                citations=tuple(t["citations"]),
                questions={lang: tuple(qs) for lang, qs in t["questions"].items()},
            )
            for t in data["topics"]
        }
        self._doc_topic: list[str] = []
        self._doc_lang: list[str] = []
        docs: list[list[str]] = []
        for topic in self.topics.values():
            for qlang, qs in topic.questions.items():
                for q in qs:
                    docs.append(tokenize(q))
                    self._doc_topic.append(topic.id)
                    self._doc_lang.append(qlang)
        self._index = _BM25(docs)

    def rank(self, question: str) -> list[tuple[str, float]]:
        """Topics by their best paraphrase's score plus a share of the next two, best first."""
        per_topic: dict[str, list[float]] = {}
        for i, s in self._index.scores(tokenize(question)).items():
            per_topic.setdefault(self._doc_topic[i], []).append(s)
        totals = {}
        for tid, scores in per_topic.items():
            scores.sort(reverse=True)
            totals[tid] = scores[0] + _RUNNERS_UP * sum(scores[1:3])
        return sorted(totals.items(), key=lambda kv: kv[1], reverse=True)

    def language_of(self, question: str) -> str | None:
        """The language whose example questions share the most with ``question``:
        a short question has too few common words for ``detect_language``."""
        per_lang: dict[str, float] = {}
        for i, score in self._index.scores(tokenize(question)).items():
            per_lang[self._doc_lang[i]] = per_lang.get(self._doc_lang[i], 0.0) + score
        ranked = sorted(per_lang.items(), key=lambda kv: kv[1], reverse=True)
        if ranked and (len(ranked) == 1 or ranked[0][1] >= 1.5 * ranked[1][1]):
            return ranked[0][0]
        return None

    def answer(self, question: str, lang: str | None = None) -> Answer:
        if lang not in LANGUAGES:
            lang = detect_language(question) or self.language_of(question) or DEFAULT_LANGUAGE
        ranked = self.rank(question)
        confidence = _confidence(ranked)
        if not ranked or confidence < THRESHOLD:
            return Answer(self.fallback[lang], lang, [], confidence, None)
        topic = self.topics[ranked[0][0]]
        return Answer(topic.answers[lang], lang, list(topic.citations), confidence, topic.id)


def _confidence(ranked: list[tuple[str, float]]) -> float:
    """0..1: the margin over the runner-up, damped when the best score itself is weak."""
    if not ranked:
        return 0.0
    first = ranked[0][1]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    margin = (first - second) / first
    strength = min(1.0, first / _SCORE_FULL)
    return round(strength * (0.5 + 0.5 * margin), 3)


def load_knowledge(text: str | None = None) -> KnowledgeBase:
    """The knowledge base from YAML text, or the shipped ``rules/knowledge.yaml``."""
    if text is None:
        text = files("rules").joinpath("knowledge.yaml").read_text(encoding="utf-8")
    return KnowledgeBase(yaml.safe_load(text))


@functools.cache
def _default() -> KnowledgeBase:
    return load_knowledge()


def answer(question: str, lang: str | None = None) -> Answer:
    """Answer ``question`` in ``lang`` (else its detected language, else English)."""
    return _default().answer(question, lang)
