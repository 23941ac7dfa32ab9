"""Answer a search: the best labels from the store, one result per feature."""

from __future__ import annotations

from storage.search.store import SearchStore
from twin.search.build_labels import MAX_LABELS_PER_FEATURE
from twin.search.rank import best_per_feature
from twin.search.records import SearchQuery, SearchResponse

#: how many more rows are read when some layers are hidden from the caller
HIDDEN_HEADROOM = 4


def search_layers(
    store: SearchStore, query: SearchQuery, hidden: frozenset[str] = frozenset()
) -> SearchResponse:
    """The ``query.limit`` best features of the current versions of every (or one) layer.

    A feature has at most ``MAX_LABELS_PER_FEATURE`` labels, so the first ``limit`` times
    that many rows, best first, hold the best label of each of the ``limit`` best features.
    Labels of ``hidden`` layers (restricted ones the caller may not read) are left out;
    more rows are read then, so hidden matches rarely crowd out readable ones.
    """
    if query.layer is not None and query.layer in hidden:
        return SearchResponse(results=[])
    cap = query.limit * MAX_LABELS_PER_FEATURE
    if hidden:
        cap *= HIDDEN_HEADROOM
    rows = [r for r in store.search(query, cap=cap) if r.layer not in hidden]
    return SearchResponse(results=best_per_feature(rows, query.limit))
