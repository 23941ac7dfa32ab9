from __future__ import annotations

import pytest

from scene_api.services.negotiation import accepts_gzip, etag_matches, short_lived, strong_etag


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("deflate, GZIP;q=0.5", True),
        ("*", True),
        ("identity", False),
        ("gzip;q=0", False),
        ("gzip;q=0, *", False),
        ("*;q=0", False),
        ("br, *;q=0.1", True),
        ("", False),
        (None, False),
    ],
)
def test_accept_encoding_is_read_with_its_quality_values(
    header: str | None, expected: bool
) -> None:
    assert accepts_gzip(header) is expected


def test_a_strong_etag_is_quoted_and_drops_the_quotes_of_its_parts() -> None:
    assert strong_etag("v", 3, '"abc123"') == '"v-3-abc123"'
    assert strong_etag("v", 3, 'W/"ab:c"') == '"v-3-abc"'


def test_if_none_match_matches_any_listed_tag_and_the_star() -> None:
    assert etag_matches('"x", "v-3-abc"', '"v-3-abc"')
    assert etag_matches('W/"v-3-abc"', '"v-3-abc"')
    assert etag_matches("*", '"v-3-abc"')
    assert not etag_matches('"v-2-abc"', '"v-3-abc"')
    assert not etag_matches(None, '"v-3-abc"')


def test_a_max_age_of_zero_means_no_cache() -> None:
    assert short_lived(0) == "no-cache"
    assert short_lived(10) == "public, max-age=10"
