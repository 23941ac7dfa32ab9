from __future__ import annotations

import pytest

from twin.errors import InvalidInputError
from twin.overlays.channels import parse_channels


def test_no_or_blank_channels_mean_every_channel() -> None:
    assert parse_channels(None) is None
    assert parse_channels(" ") is None


def test_a_comma_separated_list_names_the_channels() -> None:
    assert parse_channels("problems, projects,") == frozenset({"problems", "projects"})


def test_an_unknown_channel_is_refused_by_name() -> None:
    with pytest.raises(InvalidInputError, match=r"'weather'.*problems, projects, indicators"):
        parse_channels("problems,weather")
