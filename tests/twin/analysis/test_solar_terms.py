"""Solar terms fall on the days the almanac gives (China Standard Time)."""

from __future__ import annotations

import datetime as dt

import pytest

from twin.analysis.solar_terms import (
    CHINA_STANDARD_TIME,
    dahan_date,
    dongzhi_date,
    solar_term_date,
    solar_term_instant,
)
from twin.errors import InvalidInputError


@pytest.mark.parametrize("year", [2023, 2024, 2025, 2026, 2027])
def test_dahan_falls_on_the_20th_of_january(year: int) -> None:
    assert dahan_date(year) == dt.date(year, 1, 20)


@pytest.mark.parametrize(
    "year, day",
    [(2024, dt.date(2024, 12, 21)), (2025, dt.date(2025, 12, 21)), (2023, dt.date(2023, 12, 22))],
)
def test_the_winter_solstice_is_at_solar_longitude_270(year: int, day: dt.date) -> None:
    assert solar_term_date(year, 270.0) == day == dongzhi_date(year)


@pytest.mark.parametrize(
    "year, longitude, almanac",
    [
        (2024, 300.0, dt.datetime(2024, 1, 20, 22, 7)),  # 大寒 2024: 22:07 CST
        (2025, 300.0, dt.datetime(2025, 1, 20, 4, 0)),  # 大寒 2025: 04:00 CST
        (2024, 270.0, dt.datetime(2024, 12, 21, 17, 20)),  # 冬至 2024: 17:20 CST
        (2024, 0.0, dt.datetime(2024, 3, 20, 11, 6)),  # 春分 2024: 11:06 CST
    ],
)
def test_the_instant_of_a_term_is_within_a_minute_of_the_almanac(
    year: int, longitude: float, almanac: dt.datetime
) -> None:
    instant = solar_term_instant(year, longitude).astimezone(CHINA_STANDARD_TIME)
    expected = almanac.replace(tzinfo=CHINA_STANDARD_TIME) + dt.timedelta(seconds=30)
    assert abs((instant - expected).total_seconds()) <= 60


def test_a_term_late_at_night_utc_is_dated_the_next_day_in_china() -> None:
    # 冬至 2022: 2022-12-21 21:48 UTC, which is 05:48 on the 22nd in Beijing
    instant = solar_term_instant(2022, 270.0)
    assert instant.date() == dt.date(2022, 12, 21)
    assert solar_term_date(2022, 270.0) == dt.date(2022, 12, 22)


@pytest.mark.parametrize("year", [1800, 2500, 2024.5, True])
def test_years_outside_the_supported_range_are_refused(year: object) -> None:
    with pytest.raises(InvalidInputError, match="year"):
        dahan_date(year)  # type: ignore[arg-type]
