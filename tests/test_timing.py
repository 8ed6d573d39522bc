"""Is a call open today? The 2020 window in Seoul time, and rounds with several tracks."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from rules.rounds import Round, load_rounds, round_from_data
from rules.timing import CLOSED, OPEN, UPCOMING, call_status

ROUND_FILE = Path(__file__).resolve().parents[1] / "rules" / "rounds" / "2020.yaml"
UTC = timezone.utc
SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture(scope="module")
def data_2020() -> dict:
    return yaml.safe_load(ROUND_FILE.read_text(encoding="utf-8"))


def a_round(data_2020: dict, round_id: str, windows: list[tuple[str, date, date | None]]) -> Round:
    """The 2020 round's facts under another id, one track per (id, opens, closes)."""
    data = copy.deepcopy(data_2020)
    data["id"] = round_id
    template = data["tracks"][0]
    tracks = []
    for track_id, opens, closes in windows:
        track = copy.deepcopy(template)
        track["id"] = track_id
        track["window"] = {**track["window"], "opens": opens, "closes": closes}
        tracks.append(track)
    data["tracks"] = tracks
    return round_from_data(data)


# --- the 2020 window (shipped data) ---------------------------------------------


def test_before_opening_is_upcoming_with_days_until_open():
    status = call_status(datetime(2020, 1, 20, 12, 0, tzinfo=UTC))
    assert status.state == UPCOMING
    assert status.round.id == "2020"
    assert status.today == date(2020, 1, 20)
    assert status.days_until_open == 11
    assert status.days_left is None
    assert status.opens == date(2020, 1, 31)
    assert status.closes == date(2020, 3, 20)
    assert status.timezone == "Asia/Seoul"


def test_the_instant_before_opening_in_seoul_is_still_upcoming():
    status = call_status(datetime(2020, 1, 30, 14, 59, 59, tzinfo=UTC))  # 23:59:59 on 30 Jan in Seoul
    assert status.state == UPCOMING
    assert status.today == date(2020, 1, 30)
    assert status.days_until_open == 1


def test_first_day_counts_in_seoul_time():
    # 15:00 UTC on 30 January is midnight on 31 January in Seoul: the window has opened.
    status = call_status(datetime(2020, 1, 30, 15, 0, tzinfo=UTC))
    assert status.state == OPEN
    assert status.today == date(2020, 1, 31)
    assert status.days_left == (date(2020, 3, 20) - date(2020, 1, 31)).days == 49
    assert status.days_until_open is None


def test_first_day_seen_from_another_zone():
    # 10:00 on 30 January in Lima is 00:00 on 31 January in Seoul.
    status = call_status(datetime(2020, 1, 30, 10, 0, tzinfo=ZoneInfo("America/Lima")))
    assert status.state == OPEN
    assert status.today == date(2020, 1, 31)


def test_a_day_inside_the_window():
    status = call_status(datetime(2020, 2, 10, 9, 0, tzinfo=UTC))
    assert status.state == OPEN
    assert status.days_left == 39
    assert status.citation.startswith("MOLIT started to accept applications")


@pytest.mark.parametrize(
    "now",
    [
        datetime(2020, 3, 19, 15, 0, tzinfo=UTC),  # 00:00 on 20 March in Seoul
        datetime(2020, 3, 20, 12, 0, tzinfo=SEOUL),
        datetime(2020, 3, 20, 14, 59, 59, tzinfo=UTC),  # 23:59:59 on 20 March in Seoul
    ],
)
def test_last_day_has_zero_days_left(now):
    status = call_status(now)
    assert status.state == OPEN
    assert status.today == date(2020, 3, 20)
    assert status.days_left == 0


def test_the_instant_after_the_last_day_is_closed():
    status = call_status(datetime(2020, 3, 20, 15, 0, tzinfo=UTC))  # 00:00 on 21 March in Seoul
    assert status.state == CLOSED
    assert status.today == date(2020, 3, 21)
    assert status.days_left is None
    assert status.days_until_open is None
    assert status.closes == date(2020, 3, 20)


def test_today_2026_is_closed():
    status = call_status(datetime(2026, 5, 1, 9, 0, tzinfo=UTC))
    assert status.state == CLOSED
    assert status.round.id == "2020"
    assert status.today == date(2026, 5, 1)
    assert status.days_left is None and status.days_until_open is None


def test_today_is_in_the_windows_zone_not_the_callers():
    # 23:00 on 1 May in UTC is already 2 May in Seoul.
    status = call_status(datetime(2026, 5, 1, 23, 0, tzinfo=UTC))
    assert status.today == date(2026, 5, 2)


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError):
        call_status(datetime(2020, 2, 10, 9, 0))


def test_no_rounds_is_refused():
    with pytest.raises(ValueError):
        call_status(datetime(2020, 2, 10, tzinfo=UTC), [])


def test_passing_the_shipped_rounds_is_the_same_as_the_default():
    now = datetime(2020, 2, 10, tzinfo=UTC)
    assert call_status(now, load_rounds()) == call_status(now)


# --- a round with two tracks ---------------------------------------------------------


@pytest.fixture
def two_tracks(data_2020):
    """Track "spring" 1 Jan - 31 Mar 2031; track "rolling" from 1 Feb 2031, all year round."""
    return a_round(data_2020, "2031", [("spring", date(2031, 1, 1), date(2031, 3, 31)),
                                       ("rolling", date(2031, 2, 1), None)])


def test_year_round_window_loads_with_no_closing_date(two_tracks):
    rolling = two_tracks.tracks[1]
    assert rolling.window.closes is None
    assert rolling.window.ends_at is None
    assert two_tracks.ends_at is None


def test_only_the_dated_track_open(two_tracks):
    status = call_status(datetime(2031, 1, 10, 3, 0, tzinfo=UTC), [two_tracks])
    assert status.state == OPEN
    assert status.track.id == "spring"
    assert status.days_left == (date(2031, 3, 31) - date(2031, 1, 10)).days


@pytest.mark.parametrize("zone", ["UTC", "Asia/Seoul", "America/Lima", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_both_open_year_round_track_wins(two_tracks, zone):
    status = call_status(datetime(2031, 2, 10, 12, 0, tzinfo=ZoneInfo(zone)), [two_tracks])
    assert status.state == OPEN
    assert status.track.id == "rolling"
    assert status.closes is None
    assert status.days_left is None


def test_both_open_with_fixed_offset_zone(two_tracks):
    status = call_status(datetime(2031, 2, 10, 12, 0, tzinfo=timezone(timedelta(hours=-5))), [two_tracks])
    assert status.track.id == "rolling"


def test_before_both_the_first_to_open_is_upcoming(two_tracks):
    status = call_status(datetime(2030, 12, 10, 0, 0, tzinfo=UTC), [two_tracks])
    assert status.state == UPCOMING
    assert status.track.id == "spring"
    assert status.days_until_open == 22


def test_after_the_dated_track_closes_year_round_is_still_open(two_tracks):
    status = call_status(datetime(2040, 6, 1, tzinfo=UTC), [two_tracks])
    assert status.state == OPEN
    assert status.track.id == "rolling"


def test_of_two_dated_tracks_open_the_one_closing_later(data_2020):
    round_ = a_round(data_2020, "2031", [("early", date(2031, 1, 1), date(2031, 3, 31)),
                                         ("late", date(2031, 1, 15), date(2031, 6, 30))])
    status = call_status(datetime(2031, 2, 10, 3, 0, tzinfo=UTC), [round_])
    assert status.state == OPEN
    assert status.track.id == "late"
    assert status.days_left == (date(2031, 6, 30) - date(2031, 2, 10)).days
    # Once the first has closed the second alone is open.
    status = call_status(datetime(2031, 5, 1, 3, 0, tzinfo=UTC), [round_])
    assert status.track.id == "late"
    # After both: closed, on the one that closed last.
    status = call_status(datetime(2031, 8, 1, tzinfo=UTC), [round_])
    assert status.state == CLOSED
    assert status.track.id == "late"


def test_year_round_track_not_yet_open_is_upcoming(data_2020):
    round_ = a_round(data_2020, "2031", [("rolling", date(2031, 2, 1), None)])
    status = call_status(datetime(2031, 1, 31, 14, 0, tzinfo=UTC), [round_])  # 23:00 on 31 Jan in Seoul
    assert status.state == UPCOMING
    assert status.days_until_open == 1
    status = call_status(datetime(2031, 1, 31, 15, 0, tzinfo=UTC), [round_])
    assert status.state == OPEN
    assert status.days_left is None


# --- several rounds -----------------------------------------------------------------


@pytest.fixture
def rounds(data_2020):
    r2020 = next(r for r in load_rounds() if r.id == "2020")
    r2021 = a_round(data_2020, "2021", [("main", date(2021, 2, 1), date(2021, 4, 30))])
    r2022 = a_round(data_2020, "2022", [("main", date(2022, 2, 1), date(2022, 4, 30))])
    return [r2022, r2020, r2021]  # not in order: call_status must not care


@pytest.mark.parametrize(
    ("now", "state", "round_id", "days"),
    [
        (datetime(2020, 1, 1, tzinfo=UTC), UPCOMING, "2020", 30),
        (datetime(2020, 2, 10, 9, 0, tzinfo=UTC), OPEN, "2020", 39),
        (datetime(2020, 6, 1, tzinfo=UTC), UPCOMING, "2021", (date(2021, 2, 1) - date(2020, 6, 1)).days),
        (datetime(2021, 4, 30, 10, 0, tzinfo=UTC), OPEN, "2021", 0),
        (datetime(2021, 4, 30, 15, 0, tzinfo=UTC), UPCOMING, "2022", (date(2022, 2, 1) - date(2021, 5, 1)).days),
        (datetime(2022, 3, 1, tzinfo=UTC), OPEN, "2022", (date(2022, 4, 30) - date(2022, 3, 1)).days),
        (datetime(2026, 5, 1, tzinfo=UTC), CLOSED, "2022", None),
    ],
)
def test_several_rounds(rounds, now, state, round_id, days):
    status = call_status(now, rounds)
    assert (status.state, status.round.id) == (state, round_id)
    if state == OPEN:
        assert status.days_left == days
    elif state == UPCOMING:
        assert status.days_until_open == days
