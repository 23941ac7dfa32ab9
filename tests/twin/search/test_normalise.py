from __future__ import annotations

from twin.search.normalise import is_pinyin_query, normalise_text, pinyin_key


def test_normalising_folds_full_width_forms_case_and_spaces() -> None:
    assert normalise_text("  ＦＵＴＩＡＮ　中心\t１号  ") == "futian 中心 1号"
    assert normalise_text("Straße") == "strasse"
    assert normalise_text("   ") == ""


def test_a_latin_query_with_a_letter_may_be_pinyin() -> None:
    assert is_pinyin_query("ftzx")
    assert is_pinyin_query("fu tian")
    assert is_pinyin_query("xi'an")
    assert is_pinyin_query("b000123")
    assert not is_pinyin_query("123")
    assert not is_pinyin_query("福田")
    assert not is_pinyin_query("ft中心")


def test_the_pinyin_key_keeps_only_letters_and_digits() -> None:
    assert pinyin_key("fu tian-1") == "futian1"
    assert pinyin_key("xi'an") == "xian"
