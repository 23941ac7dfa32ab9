"""The search labels of a layer version's features: ids, names, addresses (and the class
of BIM elements), each with its normalised text and pinyin forms."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from twin.search.label_fields import CLASS_LABEL_KINDS, MAX_FIELDS, LabelKind, label_fields
from twin.search.normalise import normalise_text
from twin.search.pinyin import NO_PINYIN, pinyin_forms
from twin.search.records import FeatureSource, SearchLabel

#: longer texts are cut before indexing (a label, not a document)
MAX_LABEL_CHARS = 200
#: the most labels one feature gets: its id, its source id, the fields, the class
MAX_LABELS_PER_FEATURE = 2 + MAX_FIELDS + 1


def _texts(
    feature: FeatureSource, fields: Mapping[str, LabelKind], with_class: bool
) -> Iterator[tuple[LabelKind, str]]:
    yield "id", feature.feature_id
    _, sep, source_id = feature.feature_id.partition(":")
    if sep and source_id:
        yield "id", source_id  # planners type "B000123" for "demo:B000123"
    for key, kind in fields.items():
        value = feature.attributes.get(key)
        if isinstance(value, str):
            yield kind, value
    if with_class and feature.cls:
        yield "name", feature.cls


def labels_of(
    feature: FeatureSource, fields: Mapping[str, LabelKind], *, with_class: bool = False
) -> list[SearchLabel]:
    """The labels of one feature; blank and repeated texts are left out."""
    texts: list[tuple[LabelKind, str, str]] = []
    seen: set[str] = set()
    for kind, raw in _texts(feature, fields, with_class):
        label = raw.strip()[:MAX_LABEL_CHARS]
        norm = normalise_text(label)
        if norm and norm not in seen:
            seen.add(norm)
            texts.append((kind, label, norm))
    title = next((label for kind, label, _ in texts if kind == "name"), feature.feature_id)
    out = []
    for kind, label, norm in texts:
        forms = NO_PINYIN if kind == "id" else pinyin_forms(label)
        out.append(
            SearchLabel(
                feature_id=feature.feature_id,
                field=kind,
                label=label,
                norm=norm,
                pinyin=forms.full,
                initials=forms.initials,
                title=title,
                lon=feature.lon,
                lat=feature.lat,
                zmax=feature.zmax,
            )
        )
    return out


def build_labels(
    features: Iterable[FeatureSource], schema: Mapping[str, str], kind: str
) -> Iterator[SearchLabel]:
    """The labels of every feature of a layer of ``kind`` with attribute ``schema``."""
    fields = label_fields(schema)
    with_class = kind in CLASS_LABEL_KINDS
    for feature in features:
        yield from labels_of(feature, fields, with_class=with_class)
