"""Benchmark: the question desk against its test set, and how fast it answers.

    /tmp/kvenv/bin/python bench/answers.py [--verbose] [--set PATH] [--split NAME]

Scores every question in ``tests/questions.yaml`` (or the ``--set`` file, same format) with ``rules.answer.answer``
(no language given: the desk must tell it, as for ``kcity ask``). A question is
answered correctly when the topic is the expected one (None for ``unknown``)
and every expected fact is in the answer text (case-insensitive). An answer is
confidently wrong when it names a topic that is not the expected one, which
includes naming any topic for an ``unknown`` question.

Prints the share correct overall, per split the file has and per language, the share
confidently wrong, then speed: loading the knowledge base, median and p99
milliseconds per answer over the whole set repeated, and the cold start of
``kcity ask "who can apply?"`` against a bare ``python -c pass``, measured in
the same run. Targets: 90%+ correct, under 2% confidently wrong, under 5 ms
per answer once loaded, ``kcity ask`` cold in under 1.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = REPO / "tests" / "questions.yaml"
LANGUAGES = ("en", "ko", "es", "fr")
SPLITS = ("dev", "heldout")
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Result:
    question: dict
    topic: str | None
    confidence: float
    text: str
    missing: tuple[str, ...]  # expected facts not in the answer text
    suggestions: tuple[str, ...] = ()  # offered with an "I don't know", for the asker to pick

    @property
    def one_tap(self) -> bool:
        """Correct, or "I don't know" offering the right topic to pick (its answer holds the facts)."""
        return self.correct or (self.topic is None and self.expected in self.suggestions)

    @property
    def expected(self) -> str | None:
        return None if self.question["expect"] == UNKNOWN else self.question["expect"]

    @property
    def correct(self) -> bool:
        return self.topic == self.expected and not self.missing

    @property
    def confidently_wrong(self) -> bool:
        return self.topic is not None and self.topic != self.expected


def load_questions(path: Path = QUESTIONS) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def score(questions: list[dict], ask=None) -> list[Result]:
    """Ask every question (``ask(q) -> Answer``, default ``rules.answer.answer``) and judge the answer."""
    if ask is None:
        from rules.answer import answer as ask
    results = []
    for item in questions:
        got = ask(item["q"])
        text = got.text.lower()
        missing = tuple(f for f in item.get("facts") or [] if f.lower() not in text)
        results.append(Result(item, got.topic, got.confidence, got.text, missing, tuple(got.suggestions)))
    return results


def share(results: list[Result], attr: str) -> float:
    return sum(getattr(r, attr) for r in results) / len(results) if results else 0.0


def describe(result: Result) -> str:
    q = result.question
    got = result.topic or "None (fallback)"
    line = (f"[{q.get('split', '-')} {q['lang']}] {q['q']!r}\n    expected {q['expect']}, got {got}"
            f" (confidence {result.confidence:.2f})")
    if result.topic == result.expected and result.missing:
        line += f"; missing facts {list(result.missing)}"
    return line


def splits_of(items: list[dict]) -> list[str]:
    """The splits the questions name, known ones first, in order of appearance."""
    seen = dict.fromkeys(s for s in SPLITS if any(i.get("split") == s for i in items))
    seen.update(dict.fromkeys(i["split"] for i in items if i.get("split")))
    return list(seen)


def report(results: list[Result], verbose: bool, path: Path = QUESTIONS) -> None:
    def line(label: str, subset: list[Result]) -> str:
        ok = sum(r.correct for r in subset)
        return f"  {label:<10} {ok:>3}/{len(subset):<3} correct {ok / len(subset):6.1%}" if subset else f"  {label:<10} none"

    splits = splits_of([r.question for r in results])
    shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    print(f"{len(results)} questions from {shown}")
    print(line("overall", results))
    for split in splits:
        print(line(split, [r for r in results if r.question.get("split") == split]))
    for lang in LANGUAGES:
        print(line(lang, [r for r in results if r.question["lang"] == lang]))
    wrong = [r for r in results if r.confidently_wrong]
    print(f"  confidently wrong {len(wrong)}/{len(results)} = {len(wrong) / len(results):.1%}"
          f" (target under 2%); correct target 90%+")
    tap = sum(r.one_tap for r in results)
    print(f"  correct, or one tap away (the right topic offered with an \"I don't know\"):"
          f" {tap}/{len(results)} = {tap / len(results):.1%}")
    for split in splits:
        subset = [r for r in results if r.question.get("split") == split]
        if subset:
            n = sum(r.confidently_wrong for r in subset)
            print(f"    {split:<8} {n}/{len(subset)} = {n / len(subset):.1%}")
    if verbose:
        failures = [r for r in results if not r.correct]
        print(f"\nfailures ({len(failures)}):" if failures else "\nno failures")
        for r in failures:
            print("  " + describe(r).replace("\n", "\n  "))


def speed(questions: list[dict], passes: int) -> None:
    from rules import answer as module

    began = time.perf_counter()
    kb = module.load_knowledge()
    load_ms = (time.perf_counter() - began) * 1000
    texts = [q["q"] for q in questions]
    kb.answer("warm up")
    timings = []
    for _ in range(passes):
        for text in texts:
            t0 = time.perf_counter_ns()
            kb.answer(text)
            timings.append((time.perf_counter_ns() - t0) / 1e6)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(f"\nspeed: knowledge base loaded in {load_ms:.1f} ms;"
          f" {len(timings):,} answers ({passes} passes over the set):"
          f" median {statistics.median(timings):.3f} ms, p99 {p99:.3f} ms, max {timings[-1]:.3f} ms"
          f" (target under 5 ms)")


def _cold(argv: list[str], runs: int) -> float:
    times = []
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for _ in range(runs):
        began = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=REPO, check=False)
        times.append(time.perf_counter() - began)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.strip()[-500:]}")
    return statistics.median(times)


def cold_start(runs: int) -> None:
    entry = Path(sys.executable).with_name("kcity")
    ask = [str(entry)] if entry.is_file() else [sys.executable, "-m", "kcity"]
    ask += ["ask", "who can apply?"]
    baseline = _cold([sys.executable, "-c", "pass"], runs)
    seconds = _cold(ask, runs)
    print(f"cold start (median of {runs}): {' '.join(Path(ask[0]).name if i == 0 else a for i, a in enumerate(ask))}"
          f" {seconds:.3f} s; python -c pass {baseline:.3f} s; difference {seconds - baseline:.3f} s"
          f" (target under 1.5 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="list every failing question")
    parser.add_argument("--set", type=Path, default=QUESTIONS, metavar="PATH",
                        help="the question file to score (default tests/questions.yaml)")
    parser.add_argument("--split", help="score only this split of the file (speed uses the whole file)")
    parser.add_argument("--passes", type=int, default=20, help="passes over the set for the speed figures")
    parser.add_argument("--runs", type=int, default=5, help="runs of each cold start")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed and cold-start figures")
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    path = args.set.resolve()
    questions = load_questions(path)
    scored = [q for q in questions if args.split in (None, q.get("split"))]
    if not scored:
        raise SystemExit(f"no questions in {path}" + (f" for split {args.split!r}" if args.split else ""))
    report(score(scored), args.verbose, path)
    if not args.no_speed:
        speed(questions, args.passes)
        cold_start(args.runs)


if __name__ == "__main__":
    main()
