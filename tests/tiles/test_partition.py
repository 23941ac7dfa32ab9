from __future__ import annotations

import numpy as np
import pytest

from tiles.partition import PartitionLimits, partition
from twin.errors import InvalidInputError


def city(n: int, seed: int = 7) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(0, 300, n // 2), rng.uniform(-5000, 5000, n - n // 2)])
    y = np.concatenate([rng.normal(0, 300, n // 2), rng.uniform(-5000, 5000, n - n // 2)])
    size = rng.uniform(8, 120, n)
    return x, y, size, np.full(n, 1000.0)


def test_every_feature_lands_in_exactly_one_tile() -> None:
    x, y, size, nbytes = city(20_000)
    root = partition(x, y, size, nbytes, PartitionLimits(max_features=500))
    placed = np.concatenate([t.content for t in root.walk()])
    assert np.array_equal(np.sort(placed), np.arange(20_000))


def test_no_tile_exceeds_the_feature_and_byte_limits() -> None:
    x, y, size, nbytes = city(20_000)
    limits = PartitionLimits(max_features=700, max_bytes=300_000)
    for tile in partition(x, y, size, nbytes, limits).walk():
        assert len(tile.content) <= 700
        assert nbytes[tile.content].sum() <= 300_000


def test_geometric_error_is_the_largest_feature_left_to_descendants() -> None:
    x, y, size, nbytes = city(5_000)
    root = partition(x, y, size, nbytes, PartitionLimits(max_features=300))
    for tile in root.walk():
        below = [t for c in tile.children for t in c.walk()]
        if not below:
            assert tile.geometric_error == 0.0
            continue
        missing = np.concatenate([t.content for t in below])
        assert tile.geometric_error == pytest.approx(size[missing].max())
        assert all(c.geometric_error <= tile.geometric_error for c in tile.children)


def test_dense_districts_get_smaller_tiles_than_empty_land() -> None:
    x, y, size, nbytes = city(20_000)
    root = partition(x, y, size, nbytes, PartitionLimits(max_features=400))
    leaves = [t for t in root.walk() if not t.children]

    def extent(t):  # type: ignore[no-untyped-def]
        return np.ptp(x[t.content]) * np.ptp(y[t.content])

    core = [extent(t) for t in leaves if np.median(np.hypot(x[t.content], y[t.content])) < 300]
    outer = [extent(t) for t in leaves if np.median(np.hypot(x[t.content], y[t.content])) > 2000]
    assert core and outer
    assert max(core) * 10 < min(outer)


def test_identical_centres_still_partition() -> None:
    n = 3000
    root = partition(
        np.zeros(n), np.zeros(n), np.ones(n), np.ones(n), PartitionLimits(max_features=100)
    )
    assert sum(len(t.content) for t in root.walk()) == n


def test_nothing_to_tile_is_an_error() -> None:
    with pytest.raises(InvalidInputError):
        partition(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), PartitionLimits())
