"""Normalizers shared by every stage: widths, 文号, dates, Chinese numerals, text joining."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{CJK}]")

# -- widths ---------------------------------------------------------------

def nfkc(text: str) -> str:
    """Full/half-width folding (NFKC), used for matching only."""
    return unicodedata.normalize("NFKC", text)


def squash(text: str) -> str:
    """A comparison key: NFKC and no white space at all."""
    return re.sub(r"\s+", "", nfkc(text))


def is_cjk(ch: str) -> bool:
    return bool(_CJK_RE.match(ch))


def _latin_word_break(a: str, b: str) -> bool:
    """A wrap between these two characters stands for a space: Latin words (a digit after a
    letter or a letter after a digit counts too); a number broken by the wrap is joined back."""
    if not (a.isascii() and a.isalnum() and b.isascii() and b.isalnum()):
        return False
    return not (a.isdigit() and b.isdigit())


def join_wrapped(parts: list[str]) -> str:
    """Join lines broken by wrapping: no space, except one between two Latin words."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and _latin_word_break(out[-1], part[0]):
            out += " "
        out += part
    return out


def tidy_spaces(text: str) -> str:
    """Collapse white space; drop it next to CJK characters and full-width punctuation."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<=[^\x00-\x7f]) (?=.)|(?<=.) (?=[^\x00-\x7f])", "", text)


# -- punctuation ----------------------------------------------------------

SENTENCE_FINAL = ("。", "！", "？")  # a sentence ends here
SENTENCE_END = SENTENCE_FINAL + ("；", "，")  # a line ending so is running text, not a title or caption
COLONS = ("：", ":")  # a line ending so leads into what follows (addressees, 决定任命：)
# function characters (虚词): never a word of their own worth searching, never inside a term
FUNCTION_CHARS = frozenset("的了和与及或在是为对等将把被之其以于并由从向按")


# -- printed page numbers ----------------------------------------------------

LEADER_DOTS = ".．。…⋯·・‧"  # the dots of a TOC leader, in every width and form
PAGE_MARKS = r"\-—–－‐‑―_~·•・"
PAGE_NUMBER_RES = [
    # 3, - 3 -, — 3 —, · 3 · (a few marks at most: a run of leaders before a number is a TOC line)
    re.compile(rf"^[{PAGE_MARKS}\s]{{0,4}}(\d{{1,4}})[{PAGE_MARKS}\s]{{0,4}}$"),
    re.compile(r"^第\s*(\d{1,4})\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?$"),  # 第 3 页, 第3页 共9页
    re.compile(r"^(?:page|p\.)\s*(\d{1,4})(?:\s*(?:of|/)\s*\d+)?$", re.I),  # Page 3, Page 3 of 9
    re.compile(r"^(\d{1,4})\s*/\s*\d{1,4}$"),  # 3/9
    re.compile(r"^[(（\[［]\s*(\d{1,4})\s*[)）\]］]$"),  # (3), （3）
]
def page_number_of(text: str) -> int | None:
    """The printed page number if the whole text is one, in any common style."""
    t = nfkc(text).strip()
    for rx in PAGE_NUMBER_RES:
        m = rx.match(t)
        if m:
            return int(m.group(1))
    return None



# -- document types (文种) --------------------------------------------------

DOC_TYPES = ("通知", "通报", "公示", "公告", "通告", "办法", "方案", "意见", "决定", "批复", "规定", "规划",
             "细则", "报告", "请示", "纲要", "命令", "决议", "纪要", "规则", "制度", "议案", "指引", "条例",
             "函", "令")


# -- Chinese numerals -----------------------------------------------------

_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "o": 0, "０": 0, "Ｏ": 0,
           "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUM = "〇○零一二两三四五六七八九十百千"


def cn_to_int(text: str) -> int | None:
    """Arabic or Chinese numerals to int: '29', '二十九', '二〇二三' -> 29, 29, 2023."""
    text = nfkc(text).strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if all(ch in _DIGITS for ch in text):  # digit by digit: 二〇二三
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in _UNITS:
            total += (current or 1) * _UNITS[ch]
            current = 0
        else:
            return None
    return total + current


# -- 文号 (document numbers) ----------------------------------------------

OPEN_BRACKETS = "〔［[（(【〖{<〈﹝"
CLOSE_BRACKETS = "〕］]）)】〗}>〉﹞"
_YEAR_PART = (
    rf"[{re.escape(OPEN_BRACKETS)}]\s*(?P<year>(?:19|20)\d\d)\s*[{re.escape(CLOSE_BRACKETS)}]"
)
_SERIAL_PART = r"\s*第?\s*(?P<serial>\d{1,5})\s*号"
# The whole of a line (or query) that is a document number.
DOC_NUMBER_FULL = re.compile(rf"^\s*(?P<agency>[{CJK}][{CJK}\s]{{0,15}}?)\s*{_YEAR_PART}{_SERIAL_PART}\s*$")
# A document number anywhere in running text (citations); the agency is trimmed afterwards.
DOC_NUMBER_IN_TEXT = re.compile(rf"(?P<agency>[{CJK}]{{1,12}})\s*{_YEAR_PART}{_SERIAL_PART}")
# Characters that cannot be inside an agency code, seen before it in running text.
_CITATION_STOP = (FUNCTION_CHARS - set("了或被之其并从向")) | set("照据依接见经会根《〈")


@dataclass(frozen=True)
class DocNumber:
    agency_code: str
    year: int
    serial: int

    def __str__(self) -> str:
        return f"{self.agency_code}〔{self.year}〕{self.serial}号"


def parse_doc_number(text: str) -> DocNumber | None:
    """Parse a whole string as a 文号 in any bracket style/spacing; None if it is not one."""
    m = DOC_NUMBER_FULL.match(nfkc(text))
    if not m:
        return None
    agency = re.sub(r"\s+", "", m.group("agency"))
    return DocNumber(agency, int(m.group("year")), int(m.group("serial")))


def normalize_doc_number(text: str) -> str | None:
    number = parse_doc_number(text)
    return str(number) if number else None


@dataclass(frozen=True)
class LooseDocNumber:
    """A 文号 as people type it: the year may be missing (every year matches, latest first)."""

    agency_code: str
    year: int | None
    serial: int

    def exact(self) -> str | None:
        return str(DocNumber(self.agency_code, self.year, self.serial)) if self.year else None


# codes of issuing bodies end so (城政发, 城政任字, 晋政办函, 国务院令, 城政复 …)
_AGENCY_ENDS = "发字函令复电办文"
_LOOSE_RE = re.compile(
    rf"^\s*(?P<agency>[{CJK}]{{2,12}}?)\s*"
    rf"(?:[{re.escape(OPEN_BRACKETS)}]?\s*(?P<year>(?:19|20)\d\d)\s*(?:[{re.escape(CLOSE_BRACKETS)}]|年|-|\s)\s*)?"
    rf"第?\s*(?P<serial>\d{{1,5}})\s*(?P<hao>号)?\s*$"
)
_JOINED_RE = re.compile(rf"^\s*(?P<agency>[{CJK}]{{2,12}}?)\s*(?P<year>(?:19|20)\d\d)(?P<serial>\d{{1,4}})\s*号\s*$")


def parse_loose_doc_number(text: str) -> LooseDocNumber | None:
    """A 文号 typed loosely: brackets of any kind or none, 年 around the year, full-width digits,
    spaces, the year or the 号 missing (城政发2023年11号, 城政发 2023 11号, 城政任字6号, 城政发〔2023〕5).
    The agency code must end as one does (…发, …字, …函 …) unless a year is given in brackets or
    with 年, so plain words followed by a number are not taken for a 文号."""
    t = nfkc(text).strip()
    exact = parse_doc_number(t)
    if exact:
        return LooseDocNumber(exact.agency_code, exact.year, exact.serial)
    m = _JOINED_RE.match(t) or _LOOSE_RE.match(t)  # 城政发20187号: year and serial run together
    if not m:
        return None
    agency = re.sub(r"\s+", "", m.group("agency"))
    year = int(m.group("year")) if m.group("year") else None
    marked_year = year is not None and re.search(r"[年" + re.escape(OPEN_BRACKETS + CLOSE_BRACKETS) + "]", t)
    if not (agency.endswith(tuple(_AGENCY_ENDS)) or marked_year):
        return None
    if year is None and "号" not in t:
        return None  # 城政发5 could be anything
    return LooseDocNumber(agency, year, int(m.group("serial")))


def find_doc_numbers(text: str) -> list[DocNumber]:
    """Every 文号 cited in running text, agency codes trimmed of the words before them."""
    found = []
    text = nfkc(text)
    for m in DOC_NUMBER_IN_TEXT.finditer(text):
        agency = m.group("agency")
        whole_run = m.start() == 0 or not is_cjk(text[m.start() - 1])
        if whole_run and len(agency) <= 8:  # a word of its own: drop a leading conjunction only
            agency = agency.lstrip("".join(_CITATION_STOP - {"经", "会"}))
        else:  # joined to prose: cut at the last word that cannot be inside an agency code
            cut = max((i for i, ch in enumerate(agency) if ch in _CITATION_STOP), default=-1)
            agency = agency[cut + 1:]
        if len(agency) > 8:
            agency = agency[-8:]
        if not agency:
            continue
        found.append(DocNumber(agency, int(m.group("year")), int(m.group("serial"))))
    return found


# -- dates ----------------------------------------------------------------

_DATE_RE = re.compile(
    rf"(?P<y>(?:19|20)\d\d|[一二][〇○零O０一二三四五六七八九]{{3}})\s*年\s*"
    rf"(?P<m>\d{{1,2}}|[{CN_NUM}]{{1,3}})\s*月\s*(?P<d>\d{{1,2}}|[{CN_NUM}]{{1,4}})\s*日"
)


def parse_date(text: str) -> str | None:
    """The first date in text, as ISO YYYY-MM-DD (Arabic or 〇-style Chinese numerals)."""
    m = _DATE_RE.search(text)
    if not m:
        return None
    y, mo, d = (cn_to_int(m.group(k)) for k in ("y", "m", "d"))
    if not (y and mo and d and 1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def check_iso_date(value: str) -> str:
    """A date as the command line and the page take it, YYYY-MM-DD exactly (not a week date or
    a short form); ValueError with the message to show otherwise."""
    import datetime

    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date: use YYYY-MM-DD, e.g. 2023-06-30") from None
    return value


def is_date_line(text: str) -> bool:
    """The whole line is one date (a 成文日期)."""
    t = re.sub(r"\s+", "", nfkc(text))
    m = _DATE_RE.fullmatch(t)
    return bool(m) and parse_date(t) is not None
