"""mail.backoff.Backoff: growth, cap, jitter bounds, reset."""

import random

import pytest

from mail.backoff import Backoff


def test_delays_double_within_jitter_bounds_up_to_the_cap():
    backoff = Backoff(base=1, cap=300, factor=2, rng=random.Random(1))
    ceilings = [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    for ceiling in ceilings:
        assert ceiling / 2 <= backoff.next_delay() <= ceiling
    assert backoff.attempt == len(ceilings)


def test_reset_starts_again_from_base():
    backoff = Backoff(base=1, cap=300, rng=random.Random(2))
    for _ in range(20):
        backoff.next_delay()
    backoff.reset()
    assert backoff.attempt == 0
    assert 0.5 <= backoff.next_delay() <= 1


def test_same_seed_same_delays():
    first = Backoff(rng=random.Random(42))
    second = Backoff(rng=random.Random(42))
    assert [first.next_delay() for _ in range(10)] == [second.next_delay() for _ in range(10)]


def test_a_long_outage_does_not_overflow():
    backoff = Backoff(base=1, cap=300, factor=10, rng=random.Random(3))
    for _ in range(5000):
        assert backoff.next_delay() <= 300


@pytest.mark.parametrize("arguments", [dict(base=0), dict(base=10, cap=5), dict(factor=0.5)])
def test_nonsense_is_refused(arguments):
    with pytest.raises(ValueError):
        Backoff(**arguments)
