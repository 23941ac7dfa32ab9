from __future__ import annotations

from twin.search.build_labels import MAX_LABEL_CHARS, build_labels, labels_of
from twin.search.records import FeatureSource


def feature(fid: str, cls: str = "building", **attributes: object) -> FeatureSource:
    return FeatureSource(fid, cls, attributes, 114.0, 22.5, 30.0)


def test_a_feature_gets_its_ids_names_and_addresses_as_labels() -> None:
    labels = labels_of(
        feature("city:B1", name="福田中心", 地址="福华路1号"), {"name": "name", "地址": "address"}
    )
    assert [(x.field, x.label) for x in labels] == [
        ("id", "city:B1"),
        ("id", "B1"),
        ("name", "福田中心"),
        ("address", "福华路1号"),
    ]
    assert {x.title for x in labels} == {"福田中心"}
    name = labels[2]
    assert (name.norm, name.pinyin, name.initials) == ("福田中心", "futianzhongxin", "ftzx")
    assert labels[0].pinyin == "" and labels[0].initials == ""  # ids are not pinyin


def test_blank_missing_non_text_and_repeated_values_are_left_out() -> None:
    labels = labels_of(
        feature("B7", name="  ", title=42, label="B7"),
        {"name": "name", "title": "name", "label": "name", "missing": "name"},
    )
    assert [(x.field, x.label) for x in labels] == [("id", "B7")]
    assert labels[0].title == "B7"  # no name: the id


def test_long_texts_are_cut() -> None:
    labels = labels_of(feature("B1", name="楼" * 500), {"name": "name"})
    assert len(labels[-1].label) == MAX_LABEL_CHARS


def test_bim_elements_are_labelled_with_their_class() -> None:
    walls = [feature("2O2Fr$t4X7Zf8NOew3FLOH", cls="IfcWall", name="外墙")]
    bim = list(build_labels(walls, {"name": "string"}, "bim"))
    assert [(x.field, x.label) for x in bim][-1] == ("name", "IfcWall")
    plain = list(build_labels(walls, {"name": "string"}, "buildings"))
    assert "IfcWall" not in [x.label for x in plain]
