"""Full pinyin and pinyin initials of labels, with pypinyin.

Runs of Chinese characters are converted together, so pypinyin's phrase dictionary picks
the reading of a polyphone from its neighbours (``重庆`` -> ``chongqing``, ``银行`` ->
``yinhang``); one reading per character (``heteronym=False``), tone marks dropped
(``Style.NORMAL``), ü written ``v`` as on a keyboard (``绿`` -> ``lv``). Letters and digits
between the runs are kept as they are (case-folded) in both forms, other characters dropped:
``福田1号楼`` -> ``futian1haolou`` / ``ft1hl``. Text without Chinese has no pinyin forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from twin.search.normalise import normalise_text, pinyin_key

# CJK unified ideographs, extension A and compatibility ideographs
_HAN_RUNS = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)")


@dataclass(frozen=True)
class PinyinForms:
    full: str  # "futianzhongxin"
    initials: str  # "ftzx"


NO_PINYIN = PinyinForms("", "")


@lru_cache(maxsize=65536)
def pinyin_forms(text: str) -> PinyinForms:
    """The full pinyin and the initials of ``text`` (empty when it holds no Chinese)."""
    parts = _HAN_RUNS.split(normalise_text(text))
    if len(parts) == 1:
        return NO_PINYIN
    full: list[str] = []
    initials: list[str] = []
    for i, part in enumerate(parts):
        if i % 2 == 1:  # a run of Chinese characters
            syllables = [s for s in lazy_pinyin(part, style=Style.NORMAL) if s]
            full.extend(syllables)
            initials.extend(s[0] for s in syllables)
        else:
            kept = pinyin_key(part)
            full.append(kept)
            initials.append(kept)
    return PinyinForms("".join(full), "".join(initials))
