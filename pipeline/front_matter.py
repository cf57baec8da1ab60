"""Stage 3: the issue's own metadata (cover, inner cover) and its table of contents."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .normalize import (
    CJK,
    CLOSE_BRACKETS,
    CN_NUM,
    DOC_TYPES,
    OPEN_BRACKETS,
    cn_to_int,
    join_wrapped,
    nfkc,
    normalize_doc_number,
    parse_date,
    squash,
    tidy_spaces,
)
from .pages import Line

_NUM = rf"(?:\d+|[{CN_NUM}]+)"
_ISSUE_RE = re.compile(rf"(?P<y>(?:19|20)\d\d)\s*年?\s*[（(]?\s*第\s*(?P<n>{_NUM})\s*期")
_ISSUE_ALT_RE = re.compile(r"(?P<y>(?:19|20)\d\d)\s*[-－.·/]\s*(?P<n>\d{1,2})\b")
_TOTAL_RE = re.compile(rf"总\s*第\s*(?P<t>{_NUM})\s*期")
_PUBLISHED_RE = re.compile(r"(出刊|出版|印发|发行|编印|印刷)")
_PUBLISHER_RE = re.compile(rf"(?P<p>[{CJK}（）()]{{4,40}}?)\s*(?:主管|主办|编印|编辑出版|编辑)")
_FREQUENCY_RE = re.compile(r"(半月刊|双月刊|月刊|季刊|旬刊|周刊|年刊|半年刊)")


@dataclass
class CoverInfo:
    title: str | None
    year: int | None
    number: int | None
    total_number: int | None
    published: str | None
    publisher: str | None
    frequency: str | None


def read_cover(front: list[Line]) -> CoverInfo:
    """Gazette metadata from the lines of the pages before the first document."""
    text = "\n".join(nfkc(ln.text) for ln in front)
    title = None
    if front:
        first_page = front[0].page
        candidates = [ln for ln in front if ln.page == first_page and len(re.findall(f"[{CJK}]", ln.text)) >= 4]
        if candidates:
            title = tidy_spaces(max(candidates, key=lambda ln: ln.size).text)
    year = number = total = None
    m = _ISSUE_RE.search(text) or _ISSUE_ALT_RE.search(text)
    if m:
        year, number = int(m.group("y")), cn_to_int(m.group("n"))
    m = _TOTAL_RE.search(text)
    if m:
        total = cn_to_int(m.group("t"))
    published = None
    for ln in front:
        if _PUBLISHED_RE.search(ln.text) and parse_date(nfkc(ln.text)):
            published = parse_date(nfkc(ln.text))
            break
    m = _PUBLISHER_RE.search(text)
    publisher = tidy_spaces(m.group("p")) if m else None
    m = _FREQUENCY_RE.search(text)
    return CoverInfo(title, year, number, total, published, publisher, m.group(1) if m else None)


# -- table of contents ----------------------------------------------------

@dataclass
class TocEntry:
    title: str
    doc_number: str | None
    page: int | None
    category: str | None


_SECTION_RE = re.compile(
    rf"^(?:[{re.escape(OPEN_BRACKETS)}]\s*(?P<a>[^{re.escape(CLOSE_BRACKETS)}]{{2,20}})\s*[{re.escape(CLOSE_BRACKETS)}]"
    rf"|[一二三四五六七八九十]+\s*[、.．]\s*(?P<b>[{CJK}]{{2,15}}))$"
)
_LEADERS = ".．。…⋯·・‧"
_DASH = "-—–－‐"
_TAIL_RE = re.compile(
    rf"(?P<lead>[{_LEADERS}\s]*)(?P<num>[{_DASH}]?\s*(?P<n>\d{{1,4}})\s*[{_DASH}]?|第\s*(?P<n2>\d{{1,4}})\s*页)\s*$"
)
_NUMBER_AT_END_RE = re.compile(
    rf"(?P<agency>[{CJK}]{{1,12}})\s*[{re.escape(OPEN_BRACKETS)}]\s*(?:19|20)\d\d\s*[{re.escape(CLOSE_BRACKETS)}]\s*\d{{1,5}}\s*号\s*$"
)
_TOC_HEAD_RE = re.compile(r"^(目录|目次)$")
# characters that continue a wrapped number rather than follow a page number
_UNIT_AFTER_NUMBER = "年月日号期届次个万元%〕]）)"


def _entry_end(text: str, next_text: str | None) -> tuple[str, int] | None:
    """If text ends with a page reference (after leaders/dashes), return (rest, page)."""
    m = _TAIL_RE.search(text)
    if not m or m.start() == 0:
        return None
    lead, num = m.group("lead"), m.group("num")
    page = int(m.group("n") or m.group("n2"))
    n_leaders = sum(1 for ch in lead if ch in _LEADERS)
    decorated = num.strip()[0] in _DASH and num.strip()[-1] in _DASH or "页" in num
    before = text[: m.start()].rstrip()
    spaced = bool(lead) and lead[-1].isspace() if lead else False
    if n_leaders >= 2 or decorated or (n_leaders == 1 and num.strip()[0] in _DASH):
        return before, page
    if spaced and before and not before[-1].isdigit():
        if next_text and next_text.strip()[:1] in _UNIT_AFTER_NUMBER:
            return None
        return before, page
    return None


def parse_toc(lines: list[Line]) -> tuple[list[TocEntry], int | None, int | None]:
    """TOC entries from the flow lines; returns (entries, first index, index after the TOC)."""
    start = next((i for i, ln in enumerate(lines) if _TOC_HEAD_RE.match(squash(ln.text))), None)
    if start is None:
        return [], None, None
    entries: list[TocEntry] = []
    category = None
    buf: list[str] = []
    i = start + 1
    while i < len(lines):
        ln = lines[i]
        text = nfkc(ln.text).strip()
        nxt = nfkc(lines[i + 1].text) if i + 1 < len(lines) else None
        sec = _SECTION_RE.match(re.sub(r"\s+", "", text))
        if sec and not buf:
            category = sec.group("a") or sec.group("b")
            i += 1
            continue
        buf.append(ln.text.strip())
        end = _entry_end(join_wrapped(buf), nxt)
        if end is not None:
            entries.append(_make_entry(end[0], end[1], category))
            buf = []
        elif len(buf) >= 4:  # four lines without a page number: the TOC is over
            i -= len(buf) - 1
            buf = []
            break
        i += 1
    if buf:
        i -= len(buf)
    return entries, start, i


def _make_entry(text: str, page: int, category: str | None) -> TocEntry:
    text = text.rstrip(_LEADERS + " ")
    number = None
    m = _NUMBER_AT_END_RE.search(text)
    if m:
        head = text[: m.start()]
        agency = m.group("agency")
        # the agency code is the last word: after a space if any, else after the title's end
        whole = text[m.start():]
        if not head.endswith((" ", "\u3000")):
            cut = max((agency.rfind(w) + len(w) for w in _TITLE_ENDINGS if w in agency), default=0)
            head, whole = text[: m.start() + cut], text[m.start() + cut:]
        number = normalize_doc_number(whole)
        if number:
            text = head
    return TocEntry(tidy_spaces(text), number, page, category)


# where a TOC title ends and the agency code of its 文号 begins, when no space separates them;
# 令 is left out: agency codes end with it too (晋政令〔…〕)
_TITLE_ENDINGS = tuple(w for w in DOC_TYPES if w != "令") + ("目录", "》")
