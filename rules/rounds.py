"""The program's rounds as data: when each takes applications, its cap, and what it offers.

A round file (``rules/rounds/<id>.yaml``) is read into a ``Round``. Every fact
carries ``citation``, the call's sentence it comes from, verbatim; a fact
resting on several sentences joins them with ``CITATION_GAP``.

The model covers what later rounds did, though only 2020 ships: a round has
tracks, each with its own window and cap; a window may have no closing date
(year-round intake); a cap may have a floor.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime, time, timedelta
from importlib.resources import files
from zoneinfo import ZoneInfo

import yaml

from rules import form

__all__ = [
    "CITATION_GAP",
    "Applicants",
    "Cap",
    "Codes",
    "Countries",
    "Milestone",
    "Offer",
    "Round",
    "Site",
    "Sites",
    "Track",
    "Window",
    "current_round",
    "load_rounds",
    "round_for",
    "round_from_data",
]

CITATION_GAP = " […] "  # between sentences of one citation, as when quoting with an elision


@dataclass(frozen=True)
class Window:
    """When applications are taken: whole days, from ``opens`` to ``closes`` inclusive, in ``timezone``."""

    opens: date
    closes: date | None  # None: taken all year round
    timezone: str
    citation: str

    # Cached: a window is frozen, and assess() asks for these on every application.
    @functools.cached_property
    def starts_at(self) -> datetime:
        return datetime.combine(self.opens, time(), ZoneInfo(self.timezone))

    @functools.cached_property
    def ends_at(self) -> datetime | None:
        """The first instant after the window: midnight after the closing day."""
        if self.closes is None:
            return None
        return datetime.combine(self.closes + timedelta(days=1), time(), ZoneInfo(self.timezone))

    def position(self, when: datetime) -> str:
        """"early", "open" or "late" for a timezone-aware moment."""
        _require_aware(when)
        if when < self.starts_at:
            return "early"
        if self.ends_at is not None and when >= self.ends_at:
            return "late"
        return "open"


@dataclass(frozen=True)
class Cap:
    """Money per project, held against an amount's KRW value; None: no such limit."""

    max_krw: int
    citation: str
    max_usd: int | None = None  # as the call also states it, for messages
    min_krw: int | None = None


@dataclass(frozen=True)
class Codes:
    """A cited list of form codes: the categories, sectors or support a track offers."""

    codes: tuple[str, ...]
    citation: str

    def __contains__(self, code: object) -> bool:
        return code in self.codes


@dataclass(frozen=True)
class Applicants:
    eligible: tuple[str, ...]  # organization types the call names
    excluded: tuple[str, ...]  # types the call rules out; any other type it does not cover
    citation: str


@dataclass(frozen=True)
class Countries:
    excluded: tuple[str, ...]  # ISO 3166-1 alpha-2
    citation: str


@dataclass(frozen=True)
class Offer:
    """Something a track does or does not offer (training, consulting, support for ongoing projects)."""

    offered: bool
    citation: str


@dataclass(frozen=True)
class Track:
    """One kind of application in a round, with its own window, cap and offer."""

    id: str
    title: str
    citation: str
    window: Window
    cap: Cap
    applicants: Applicants
    countries: Countries
    categories: Codes
    sectors: Codes
    support: Codes
    training: Offer
    consulting: Offer
    ongoing_projects: Offer


@dataclass(frozen=True)
class Milestone:
    code: str
    description: str
    ends: date
    citation: str
    starts: date | None = None  # None: "by" a date


@dataclass(frozen=True)
class Site:
    name: str
    address: str


@dataclass(frozen=True)
class Sites:
    sites: tuple[Site, ...]
    citation: str


@dataclass(frozen=True)
class Round:
    id: str
    title: str
    citation: str
    channels: Codes  # how applications may be sent: "post", "email"
    sites: Sites
    timeline: tuple[Milestone, ...]
    tracks: tuple[Track, ...]

    @property
    def starts_at(self) -> datetime:
        """When the first track opens."""
        return min(t.window.starts_at for t in self.tracks)

    @property
    def ends_at(self) -> datetime | None:
        """When the last track closes; None if one takes applications all year round."""
        ends = [t.window.ends_at for t in self.tracks]
        return None if None in ends else max(ends)

    def is_open(self, when: datetime) -> bool:
        return any(t.window.position(when) == "open" for t in self.tracks)

    def track_for(self, category: str | None) -> Track:
        """The track for a project category: the first that offers it, else the first track.

        The form asks no track; with one track per round (2020) there is nothing to choose.
        """
        return next((t for t in self.tracks if category in t.categories), self.tracks[0])

    def citations(self) -> Iterator[str]:
        """Every citation in the round, each sentence on its own."""
        for text in _citations(self):
            yield from text.split(CITATION_GAP)


def load_rounds() -> list[Round]:
    """The rounds shipped in ``rules/rounds/``, oldest first."""
    return list(_load_rounds())


def round_for(when: datetime, rounds: Sequence[Round] | None = None) -> Round:
    """The round open at ``when``; else the latest that opened before it; else the first."""
    _require_aware(when)
    rounds = sorted(rounds if rounds is not None else _load_rounds(), key=lambda r: r.starts_at)
    if not rounds:
        raise ValueError("no rounds to choose from")
    open_now = [r for r in rounds if r.is_open(when)]
    if open_now:
        return open_now[-1]
    opened = [r for r in rounds if r.starts_at <= when]
    return opened[-1] if opened else rounds[0]


def current_round(now: datetime, rounds: Sequence[Round] | None = None) -> Round:
    return round_for(now, rounds)


# Loading -------------------------------------------------------------------


@functools.cache
def _load_rounds() -> tuple[Round, ...]:
    folder = files("rules").joinpath("rounds")
    paths = sorted((p for p in folder.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)
    rounds = []
    for path in paths:
        try:
            rounds.append(round_from_data(yaml.safe_load(path.read_text(encoding="utf-8"))))
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"rules/rounds/{path.name}: {e}") from e
    return tuple(sorted(rounds, key=lambda r: r.starts_at))


def round_from_data(data: dict) -> Round:
    """A Round from a round file's parsed YAML; ValueError naming what is wrong."""
    return Round(
        id=str(data["id"]),
        title=data["title"],
        citation=_citation(data),
        channels=_codes(data["channels"]),
        sites=Sites(sites=tuple(Site(**s) for s in data["sites"]["sites"]), citation=_citation(data["sites"])),
        timeline=tuple(Milestone(**{**m, "citation": _citation(m)}) for m in data.get("timeline", ())),
        tracks=tuple(_track(t) for t in data["tracks"]),
    )


def _track(data: dict) -> Track:
    return Track(
        id=data["id"],
        title=data["title"],
        citation=_citation(data),
        window=_window(data["window"]),
        cap=Cap(**{**data["cap"], "citation": _citation(data["cap"])}),
        applicants=Applicants(
            eligible=_known(data["applicants"]["eligible"], form.ORGANIZATION_TYPES),
            excluded=_known(data["applicants"]["excluded"], form.ORGANIZATION_TYPES),
            citation=_citation(data["applicants"]),
        ),
        countries=Countries(excluded=tuple(data["countries"]["excluded"]), citation=_citation(data["countries"])),
        categories=_codes(data["categories"], form.CATEGORIES),
        sectors=_codes(data["sectors"], form.SECTORS),
        support=_codes(data["support"], form.SUPPORT_TYPES),
        training=_offer(data["training"]),
        consulting=_offer(data["consulting"]),
        ongoing_projects=_offer(data["ongoing_projects"]),
    )


def _window(data: dict) -> Window:
    window = Window(**{**data, "citation": _citation(data)})
    if not isinstance(window.opens, date) or not isinstance(window.closes, (date, type(None))):
        raise ValueError(f"window dates must be YYYY-MM-DD: {data!r:.120}")
    ZoneInfo(window.timezone)  # an unknown zone fails here, not on the first application
    return window


def _codes(data: dict, known: tuple[str, ...] | None = None) -> Codes:
    codes = tuple(data["codes"])
    return Codes(codes=_known(codes, known) if known else codes, citation=_citation(data))


def _offer(data: dict) -> Offer:
    return Offer(offered=bool(data["offered"]), citation=_citation(data))


def _known(codes, known: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValueError(f"{unknown} are not codes of the form; it knows {list(known)}")
    return tuple(codes)


def _citation(data: dict) -> str:
    """A fact's citation: one sentence, or several joined by CITATION_GAP."""
    cited = data.get("citation")
    sentences = [cited] if isinstance(cited, str) else list(cited or ())
    if not sentences or not all(isinstance(s, str) and s.strip() for s in sentences):
        raise ValueError(f"a fact without a citation: {data!r:.120}")
    return CITATION_GAP.join(sentences)


def _citations(node) -> Iterator[str]:
    if is_dataclass(node):
        for f in fields(node):
            value = getattr(node, f.name)
            if f.name == "citation":
                yield value
            else:
                yield from _citations(value)
    elif isinstance(node, tuple):
        for item in node:
            yield from _citations(item)


def _require_aware(when: datetime) -> None:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{when!r} has no time zone; pass an aware datetime")
