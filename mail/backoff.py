"""Capped exponential backoff with jitter, for reconnecting to mail servers.

    backoff = Backoff(base=1, cap=300, factor=2)
    backoff.next_delay()    # somewhere in [0.5, 1]
    backoff.next_delay()    # in [1, 2], then [2, 4] ... and at most [150, 300]
    backoff.reset()         # after a success: start again from `base`

Pure: no sleeping and no clock; the caller sleeps for the delay it is given.
"""

from __future__ import annotations

import random


class Backoff:
    def __init__(
        self,
        base: float = 1,
        cap: float = 300,
        factor: float = 2,
        rng: random.Random | None = None,
    ):
        if base <= 0 or cap < base or factor < 1:
            raise ValueError("Backoff needs 0 < base <= cap and factor >= 1")
        self.base = base
        self.cap = cap
        self.factor = factor
        self._rng = rng if rng is not None else random.Random()
        self._attempt = 0
        self._ceiling = float(base)

    @property
    def attempt(self) -> int:
        """How many delays have been handed out since the last reset."""
        return self._attempt

    def next_delay(self) -> float:
        """Seconds to wait before the next attempt."""
        ceiling = self._ceiling
        # Grown step by step (not base * factor**attempt) so a days-long outage
        # cannot overflow a float.
        self._ceiling = min(self.cap, self._ceiling * self.factor)
        self._attempt += 1
        # "Equal jitter": at least half the ceiling, so clients that lost the same
        # server spread out, yet none retries in a tight loop.
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self._attempt = 0
        self._ceiling = float(self.base)
