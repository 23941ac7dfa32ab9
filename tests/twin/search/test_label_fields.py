from __future__ import annotations

from twin.search.label_fields import MAX_FIELDS, label_fields, label_kind


def test_name_and_address_keys_are_recognised_in_chinese_and_english() -> None:
    for key in ("name", "Name", "LongName", "long_name", "建筑名称", "名称", "title", "name:zh"):
        assert label_kind(key) == "name", key
    for key in ("address", "addr:street", "地址", "门牌号", "HouseNumber"):
        assert label_kind(key) == "address", key
    for key in ("height", "use", "storey", "file_name", "user_name", "source_url"):
        assert label_kind(key) is None, key


def test_only_string_attributes_are_label_fields_names_first() -> None:
    schema = {"地址": "string", "name": "string", "height": "number", "name_len": "integer"}
    assert label_fields(schema) == {"name": "name", "地址": "address"}


def test_a_layer_has_a_bounded_number_of_label_fields() -> None:
    schema = {f"name_{i}": "string" for i in range(10)}
    assert len(label_fields(schema)) == MAX_FIELDS
