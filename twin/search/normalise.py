"""Normalised text: what labels and queries are compared as.

NFKC folds full-width letters and digits (``ＡＢ１`` -> ``AB1``) and compatibility forms;
``casefold`` ignores case; runs of whitespace become one space. The pinyin key of a query
keeps only letters and digits, so ``fu tian`` and ``Fu-Tian`` both look for ``futian``.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_PINYIN_QUERY = re.compile(r"^[0-9a-z' \-]*[a-z][0-9a-z' \-]*$")


def normalise_text(text: str) -> str:
    """``text`` as stored and compared: NFKC, case-folded, whitespace collapsed, trimmed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", folded).strip()


def is_pinyin_query(normalised: str) -> bool:
    """Whether a normalised query could be pinyin: Latin letters (and digits, spaces,
    apostrophes, hyphens), at least one letter."""
    return _PINYIN_QUERY.match(normalised) is not None


def pinyin_key(normalised: str) -> str:
    """The letters and digits of a normalised query, as compared with stored pinyin."""
    return _NOT_ALNUM.sub("", normalised)
