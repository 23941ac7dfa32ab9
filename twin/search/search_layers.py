"""Answer a search: the best labels from the store, one result per feature."""

from __future__ import annotations

from storage.search.store import SearchStore
from twin.search.build_labels import MAX_LABELS_PER_FEATURE
from twin.search.rank import best_per_feature
from twin.search.records import SearchQuery, SearchResponse


def search_layers(store: SearchStore, query: SearchQuery) -> SearchResponse:
    """The ``query.limit`` best features of the current versions of every (or one) layer.

    A feature has at most ``MAX_LABELS_PER_FEATURE`` labels, so the first ``limit`` times
    that many rows, best first, hold the best label of each of the ``limit`` best features.
    """
    rows = store.search(query, cap=query.limit * MAX_LABELS_PER_FEATURE)
    return SearchResponse(results=best_per_feature(rows, query.limit))
