""" "Today" for the health check: the local date in the bureau's time zone.

Due dates, overdue stages and idle land are counted in whole local days, so the clock is
injected (``HealthStore(..., today=...)``) and tests fix it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from twin.errors import ConfigError


def local_today(timezone: str) -> Callable[[], date]:
    """A clock giving today's date in ``timezone`` (an IANA name such as Asia/Shanghai)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"healthcheck.timezone: unknown time zone {timezone!r}") from None

    def today() -> date:
        return datetime.now(UTC).astimezone(zone).date()

    return today


def fixed_today(day: date) -> Callable[[], date]:
    """A clock that always says ``day`` (tests, replays)."""

    def today() -> date:
        return day

    return today
