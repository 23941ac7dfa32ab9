"""How search matches rank: exact id > prefix > substring > pinyin initials > full pinyin,
then the more recently published layer, then the shorter label.

``tier_of`` is the reference definition; the store computes the same tiers in SQL (a test
holds them together) so that only the best rows leave the database.
"""

from __future__ import annotations

from collections.abc import Iterable

from twin.search.normalise import is_pinyin_query, pinyin_key
from twin.search.records import Candidate, Matched, SearchLabel, SearchResult

EXACT_ID = 0
PREFIX = 1
SUBSTRING = 2
INITIALS = 3
FULL_PINYIN = 4


def tier_of(label: SearchLabel, query: str) -> int | None:
    """The tier at which ``label`` matches the normalised ``query``, None if it does not."""
    if not query:
        return None
    if label.field == "id" and label.norm == query:
        return EXACT_ID
    if label.norm.startswith(query):
        return PREFIX
    if query in label.norm:
        return SUBSTRING
    if is_pinyin_query(query):
        key = pinyin_key(query)
        if key in label.initials:
            return INITIALS
        if key in label.pinyin:
            return FULL_PINYIN
    return None


def matched_as(candidate: Candidate) -> Matched:
    """What a result says matched: the id, a name, an address, or pinyin."""
    if candidate.tier >= INITIALS:
        return "pinyin"
    return candidate.field


def best_per_feature(candidates: Iterable[Candidate], limit: int) -> list[SearchResult]:
    """The first ``limit`` features of candidates ordered best first, each once (its best
    label: the first seen)."""
    results: list[SearchResult] = []
    seen: set[tuple[str, str]] = set()
    for c in candidates:
        key = (c.layer, c.feature_id)
        if key in seen:
            continue
        seen.add(key)
        results.append(
            SearchResult(
                id=c.feature_id,
                layer=c.layer,
                label=c.title,
                matched=matched_as(c),
                lon=c.lon,
                lat=c.lat,
                zmax=c.zmax,
            )
        )
        if len(results) == limit:
            break
    return results
