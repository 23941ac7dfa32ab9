"""The channels of the overlay event log and the ``channels=`` query parameter."""

from __future__ import annotations

from twin.errors import InvalidInputError

CHANNELS = ("problems", "projects", "indicators")
KINDS = ("created", "updated", "deleted")


def parse_channels(text: str | None) -> frozenset[str] | None:
    """``"problems,projects"`` → those channels; None or blank → None (every channel)."""
    if text is None or not text.strip():
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted({name for name in names if name not in CHANNELS})
    if unknown:
        raise InvalidInputError(
            f"unknown overlay channel {', '.join(map(repr, unknown))}: "
            f"use a comma-separated list of {', '.join(CHANNELS)}"
        )
    return frozenset(names)
