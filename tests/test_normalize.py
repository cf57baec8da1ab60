"""Normalizers: 文号 in any bracket style, dates, Chinese numerals, widths."""

import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from pipeline.normalize import (
    cn_to_int,
    find_doc_numbers,
    join_wrapped,
    normalize_doc_number,
    parse_date,
    parse_doc_number,
    tidy_spaces,
)

BRACKETS = [("〔", "〕"), ("[", "]"), ("［", "］"), ("(", ")"), ("（", "）"), ("【", "】")]
agency = st.text(alphabet="城政办发任字科教阳平盂晋函人社", min_size=1, max_size=6)
spaces = st.sampled_from(["", " ", "  ", "\u3000"])


@given(agency, st.integers(1990, 2099), st.integers(1, 9999), st.sampled_from(BRACKETS), spaces, spaces)
def test_doc_number_any_bracket_style(code, year, serial, brackets, s1, s2):
    o, c = brackets
    text = f"{code}{s1}{o}{year}{c}{s2}{serial}{s1}号"
    assert normalize_doc_number(text) == f"{code}〔{year}〕{serial}号"
    parts = parse_doc_number(text)
    assert (parts.agency_code, parts.year, parts.serial) == (code, year, serial)


@given(st.integers(1, 9999))
def test_full_width_digits(serial):
    wide = "".join(chr(ord(d) + 0xFEE0) for d in str(serial))
    assert normalize_doc_number(f"城政发〔２０２３〕{wide}号") == f"城政发〔2023〕{serial}号"


def test_not_doc_numbers():
    for text in ["城政发2023年5号", "〔2023〕5号", "第三条 城政发", "城政发〔23〕5号"]:
        assert normalize_doc_number(text) is None


def test_citations_trim_the_words_before_them():
    text = "接市人大常委会城人发〔2023〕15号通知，按照《通知》（阳政发〔2023〕7号）和晋农经发[2022]6号"
    assert [str(n) for n in find_doc_numbers(text)] == ["城人发〔2023〕15号", "阳政发〔2023〕7号", "晋农经发〔2022〕6号"]


CN_DIGITS = "〇一二三四五六七八九"


def cn_number(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_dates_arabic_and_chinese(d):
    iso = d.isoformat()
    assert parse_date(f"{d.year}年{d.month}月{d.day}日") == iso
    assert parse_date(f"{d.year} 年 {d.month} 月 {d.day} 日出刊") == iso
    year_cn = "".join(CN_DIGITS[int(ch)] for ch in str(d.year))
    assert parse_date(f"{year_cn}年{cn_number(d.month)}月{cn_number(d.day)}日") == iso


def test_cn_numerals():
    assert [cn_to_int(x) for x in ["二", "十", "十二", "二十九", "一百零五", "二〇二三", "29"]] == [2, 10, 12, 29, 105, 2023, 29]


@given(st.lists(st.text(alphabet="阳泉市城区abc0123", min_size=1, max_size=8), min_size=1, max_size=5))
def test_join_wrapped_adds_a_space_only_between_latin_words(parts):
    """Lines without spaces of their own: every space in the join is one the join added, and it
    stands between two Latin letters or digits (not two digits: a number broken by the wrap)."""
    joined = join_wrapped(parts)
    assert joined.replace(" ", "") == "".join(parts)
    for m in re.finditer(r"(.) (.)", joined):
        a, b = m.group(1), m.group(2)
        assert a.isascii() and a.isalnum() and b.isascii() and b.isalnum() and not (a.isdigit() and b.isdigit())
    boundaries = [(x[-1], y[0]) for x, y in zip(parts, parts[1:])]
    latin = sum(1 for a, b in boundaries if a.isascii() and b.isascii() and not (a.isdigit() and b.isdigit()))
    assert joined.count(" ") == latin


def test_join_wrapped_keeps_spaces_inside_a_line():
    assert join_wrapped(["ISO 9001 ", " 认证"]) == "ISO 9001认证"
    assert join_wrapped(["abc", "def"]) == "abc def" and join_wrapped(["12", "34"]) == "1234"


def test_tidy_spaces_keeps_latin_words_apart():
    assert tidy_spaces("关于印发 2023 年度 ISO 9001 认证") == "关于印发2023年度ISO 9001认证"
