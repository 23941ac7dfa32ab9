"""Fuzzy search across layers: label fields, normalised text, pinyin and ranking.

Framework-free: the search index is filled by ``twin.search.index_layer`` (called from the
shared publish lifecycle in ``twin.pipeline.versions``) and read by ``storage.search``.
"""
