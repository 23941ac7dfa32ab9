"""Which attributes of a layer are worth searching, decided from its attribute schema.

A string attribute is a *name* or an *address* field when its key, case-folded and with
``_``, ``-``, ``:``, ``.`` and spaces removed, contains one of the words below; keys
containing an excluded word (file names, paths, URLs, user names) are not labels.

* name: ``name`` (name, Name, LongName, long_name, building_name, osm ``name:zh``),
  ``title``, ``label``, ``名称``, ``名字``, ``建筑名``, ``楼名``, ``小区``, ``标题``
* address: ``address``, ``addr`` (``addr:street``), ``housenumber``, ``地址``, ``门牌``,
  ``街道``, ``路名``

BIM layers (kind ``bim``) also get the element class (``IfcWall``) as a name label.
Hierarchy attributes such as a BIM element's ``storey``/``building``/``site`` are names
of *other* features and are not searched as labels of this one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

LabelKind = Literal["id", "name", "address"]

NAME_WORDS = ("name", "title", "label", "名称", "名字", "建筑名", "楼名", "小区", "标题")
ADDRESS_WORDS = ("address", "addr", "housenumber", "地址", "门牌", "街道", "路名")
EXCLUDED_WORDS = ("file", "path", "url", "user", "author")
#: layer kinds whose feature class is a label (an IFC class names what an element is)
CLASS_LABEL_KINDS = frozenset({"bim"})
#: at most this many label fields per layer (keeps the rows per feature bounded)
MAX_FIELDS = 6


def _squash(key: str) -> str:
    out = key.casefold()
    for ch in "_-:. ":
        out = out.replace(ch, "")
    return out


def label_kind(key: str) -> LabelKind | None:
    """``name``, ``address`` or None for an attribute key."""
    squashed = _squash(key)
    if any(word in squashed for word in EXCLUDED_WORDS):
        return None
    if any(word in squashed for word in ADDRESS_WORDS):
        return "address"
    if any(word in squashed for word in NAME_WORDS):
        return "name"
    return None


def label_fields(schema: Mapping[str, str]) -> dict[str, LabelKind]:
    """The searchable string attributes of a schema and their kind, names first, then
    addresses, each in key order; at most ``MAX_FIELDS``."""
    found = [(key, label_kind(key)) for key, kind in schema.items() if kind == "string"]
    names = sorted(key for key, kind in found if kind == "name")
    addresses = sorted(key for key, kind in found if kind == "address")
    chosen: dict[str, LabelKind] = {key: "name" for key in names}
    chosen.update({key: "address" for key in addresses})
    return dict(list(chosen.items())[:MAX_FIELDS])
