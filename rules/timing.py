"""Is a call open today, and for how long? The answers that depend on the date.

``call_status(now)`` looks at every track of every round: one open now wins;
else the next to open; else the one that closed last. Days are whole days in
the window's own time zone, so "closes today" means today in Seoul.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from rules.rounds import Round, Track, load_rounds

__all__ = ["CLOSED", "OPEN", "UPCOMING", "CallStatus", "call_status"]

OPEN = "open"
UPCOMING = "upcoming"
CLOSED = "closed"


@dataclass(frozen=True)
class CallStatus:
    state: str  # OPEN, UPCOMING or CLOSED
    round: Round
    track: Track
    today: date  # in the window's time zone

    @property
    def opens(self) -> date:
        return self.track.window.opens

    @property
    def closes(self) -> date | None:
        """The last day applications are taken; None: all year round."""
        return self.track.window.closes

    @property
    def timezone(self) -> str:
        return self.track.window.timezone

    @property
    def days_left(self) -> int | None:
        """Open calls: whole days after today until the last day (0: closes today); else None."""
        if self.state != OPEN or self.closes is None:
            return None
        return (self.closes - self.today).days

    @property
    def days_until_open(self) -> int | None:
        return (self.opens - self.today).days if self.state == UPCOMING else None

    @property
    def citation(self) -> str:
        return self.track.window.citation


def call_status(now: datetime, rounds: Sequence[Round] | None = None) -> CallStatus:
    """Where ``now`` (aware) falls among the rounds' application windows."""
    rounds = list(rounds) if rounds is not None else load_rounds()
    if not rounds:
        raise ValueError("no rounds to choose from")
    tracks = [(r, t) for r in rounds for t in r.tracks]

    def status(state: str, pair: tuple[Round, Track]) -> CallStatus:
        round_, track = pair
        today = now.astimezone(track.window.starts_at.tzinfo).date()
        return CallStatus(state, round_, track, today)

    open_now = [p for p in tracks if p[1].window.position(now) == "open"]
    if open_now:
        # The one closing last (year-round intake counts as never closing).
        return status(OPEN, max(open_now, key=lambda p: p[1].window.ends_at or datetime.max.replace(tzinfo=now.tzinfo)))
    upcoming = [p for p in tracks if p[1].window.position(now) == "early"]
    if upcoming:
        return status(UPCOMING, min(upcoming, key=lambda p: p[1].window.starts_at))
    return status(CLOSED, max(tracks, key=lambda p: p[1].window.ends_at))
