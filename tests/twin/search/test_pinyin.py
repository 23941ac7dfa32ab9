from __future__ import annotations

from twin.search.pinyin import NO_PINYIN, PinyinForms, pinyin_forms


def test_chinese_names_get_full_pinyin_and_initials() -> None:
    assert pinyin_forms("福田中心") == PinyinForms("futianzhongxin", "ftzx")
    assert pinyin_forms("南山科技园") == PinyinForms("nanshankejiyuan", "nskjy")


def test_polyphones_are_read_from_their_phrase() -> None:
    assert pinyin_forms("重庆大厦").full == "chongqingdasha"
    assert pinyin_forms("中国银行").initials == "zgyh"
    assert pinyin_forms("长安街").full == "changanjie"
    assert pinyin_forms("绿景花园").full.startswith("lv")  # ü typed as v


def test_letters_and_digits_between_chinese_are_kept() -> None:
    assert pinyin_forms("福田1号楼") == PinyinForms("futian1haolou", "ft1hl")
    assert pinyin_forms("ＣＢＤ 中心") == PinyinForms("cbdzhongxin", "cbdzx")


def test_text_without_chinese_has_no_pinyin() -> None:
    assert pinyin_forms("Building 3") == NO_PINYIN
    assert pinyin_forms("") == NO_PINYIN
