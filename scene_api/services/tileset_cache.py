"""A small, thread-safe LRU of rewritten tileset.json bodies.

Every viewer asks for the live tileset.json of each layer; reading, parsing and
rewriting it each time would be wasted work. Entries are keyed by the stored
object's key and ETag, so a new publish (new key) or a rewrite of the object
(new ETag) is never served stale.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from dataclasses import dataclass, field


@dataclass
class CachedTileset:
    plain: bytes
    _gzipped: bytes | None = None

    def gzipped(self) -> bytes:
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.plain, compresslevel=6, mtime=0)
        return self._gzipped


@dataclass
class TilesetCache:
    max_entries: int = 64
    max_bytes_per_entry: int = 16 << 20
    _entries: OrderedDict[tuple[str, str], CachedTileset] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: str, etag: str) -> CachedTileset | None:
        with self._lock:
            entry = self._entries.get((key, etag))
            if entry is not None:
                self._entries.move_to_end((key, etag))
            return entry

    def put(self, key: str, etag: str, plain: bytes) -> CachedTileset:
        entry = CachedTileset(plain)
        if len(plain) > self.max_bytes_per_entry:
            return entry
        with self._lock:
            self._entries[(key, etag)] = entry
            self._entries.move_to_end((key, etag))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return entry
