"""The Sun through a window of true solar time: due south at true noon, symmetric about it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from twin.analysis.solar_terms import CHINA_STANDARD_TIME, dahan_date
from twin.analysis.sun_path import sun_samples
from twin.errors import InvalidInputError

DAHAN = dahan_date(2025)


def test_an_eight_hour_window_has_a_sample_in_the_middle_of_each_minute() -> None:
    sun = sun_samples(116.4, 39.9, DAHAN)
    assert len(sun) == 480 and sun.enu.shape == (480, 3) and sun.step_min == 1.0
    assert sun.minutes[0] == 480.5 and sun.minutes[-1] == 959.5


@pytest.mark.parametrize("lon", [75.0, 116.4, 134.0])
def test_the_sun_is_due_south_at_true_solar_noon(lon: float) -> None:
    sun = sun_samples(lon, 30.0, DAHAN, ("11:59", "12:01"), 1.0)
    assert float(np.mean(sun.azimuth_deg)) == pytest.approx(180.0, abs=0.5)


def test_the_noon_elevation_on_dahan_is_the_colatitude_less_the_declination() -> None:
    sun = sun_samples(116.4, 30.0, DAHAN, ("11:59", "12:01"), 1.0)
    assert float(np.mean(sun.elevation_deg)) == pytest.approx(90.0 - 30.0 - 20.2, abs=0.5)


def test_true_noon_at_120_east_is_the_clock_noon_less_the_equation_of_time() -> None:
    # on 大寒 the equation of time is about -11 min: the Sun transits at ~12:11 Beijing time
    sun = sun_samples(120.0, 30.0, DAHAN, ("11:59", "12:01"), 1.0)
    noon = dt.datetime.fromtimestamp(float(np.mean(sun.unixtime)), CHINA_STANDARD_TIME)
    clock = noon.hour * 60 + noon.minute + noon.second / 60
    assert clock == pytest.approx(12 * 60 + 11, abs=1.0)


def test_the_morning_mirrors_the_afternoon_about_true_noon() -> None:
    sun = sun_samples(114.05, 22.55, DAHAN)
    assert sun.azimuth_deg[0] + sun.azimuth_deg[-1] == pytest.approx(360.0, abs=0.2)
    assert sun.elevation_deg[0] == pytest.approx(sun.elevation_deg[-1], abs=0.2)


def test_unit_vectors_point_at_the_azimuth_and_elevation() -> None:
    sun = sun_samples(114.05, 22.55, DAHAN, ("09:00", "15:00"), 10.0)
    assert len(sun) == 36
    assert np.linalg.norm(sun.enu, axis=1) == pytest.approx(np.ones(36))
    assert np.degrees(np.arcsin(sun.enu[:, 2])) == pytest.approx(sun.elevation_deg)
    az = np.degrees(np.arctan2(sun.enu[:, 0], sun.enu[:, 1])) % 360
    assert az == pytest.approx(sun.azimuth_deg)


@pytest.mark.parametrize(
    "window, step, message",
    [
        (("8:00x", "16:00"), 1.0, "HH:MM"),
        (("08:00", "25:00"), 1.0, "between 00:00 and 24:00"),
        (("08:70", "16:00"), 1.0, "between 00:00 and 24:00"),
        (("16:00", "08:00"), 1.0, "before its end"),
        (("08:00", "08:00"), 1.0, "before its end"),
        (("08:00", "16:00"), 0.0, "more than 0"),
        (("08:00", "16:00"), 61.0, "at most 60"),
        (("08:00", "16:00"), 7.0, "whole number"),
    ],
)
def test_bad_windows_and_steps_are_refused(
    window: tuple[str, str], step: float, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        sun_samples(114.05, 22.55, DAHAN, window, step)
