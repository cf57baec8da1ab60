"""Stage 3: the issue's own metadata (cover, inner cover) and its table of contents."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .normalize import (
    CJK,
    CLOSE_BRACKETS,
    CN_NUM,
    DOC_TYPES,
    LEADER_DOTS,
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
from .settings import DEFAULT

if TYPE_CHECKING:
    from .layout import Layout

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
_LEADERS = LEADER_DOTS
_DASH = "-—–－‐"
_TAIL_RE = re.compile(
    rf"(?P<lead>[{_LEADERS}\s]*)(?P<num>[{_DASH}]?\s*(?P<n>\d{{1,4}})\s*[{_DASH}]?|第\s*(?P<n2>\d{{1,4}})\s*页"
    rf"|[（(]\s*(?P<n3>\d{{1,4}})\s*[）)])\s*$"
)
# a 文号 at the end of an entry, bare or in parentheses: …的通知（城政发〔2023〕5号）
_NUMBER_AT_END_RE = re.compile(
    rf"(?P<open>[（(]\s*)?(?P<agency>[{CJK}]{{1,12}})\s*[{re.escape(OPEN_BRACKETS)}]\s*(?:19|20)\d\d\s*"
    rf"[{re.escape(CLOSE_BRACKETS)}]\s*\d{{1,5}}\s*号\s*(?(open)[）)])\s*$"
)
_LONE_PAGE_RE = re.compile(
    rf"^[{_LEADERS}\s{re.escape(_DASH)}]*(?:(\d{{1,4}})|[（(]\s*(\d{{1,4}})\s*[）)])[\s{re.escape(_DASH)}]*$")
_TOC_HEAD_RE = re.compile(r"^(?:本期)?(目录|目次)$")
# characters that continue a wrapped number rather than follow a page number
_UNIT_AFTER_NUMBER = "年月日号期届次个万元%〕]）)"


def _entry_end(text: str, next_text: str | None) -> tuple[str, int] | None:
    """If text ends with a page reference (after leaders/dashes), return (rest, page)."""
    m = _TAIL_RE.search(text)
    if not m or m.start() == 0:
        return None
    lead, num = m.group("lead"), m.group("num")
    page = int(m.group("n") or m.group("n2") or m.group("n3"))
    n_leaders = sum(1 for ch in lead if ch in _LEADERS)
    decorated = (num.strip()[0] in _DASH and num.strip()[-1] in _DASH) or "页" in num or m.group("n3") is not None
    before = text[: m.start()].rstrip()
    spaced = bool(lead) and lead[-1].isspace() if lead else False
    if n_leaders >= 2 or decorated or (n_leaders == 1 and num.strip()[0] in _DASH):
        return before, page
    if spaced and before and not before[-1].isdigit():
        if next_text and next_text.strip()[:1] in _UNIT_AFTER_NUMBER:
            return None
        return before, page
    return None


def _is_centred_heading(ln: Line, layout: Layout | None) -> bool:
    """A TOC section heading set as a short centred line of its own (no page reference)."""
    if layout is None:
        return False
    text = squash(ln.text)
    return (layout.is_centred(ln) and ln.x0 > layout.left + layout.body_size
            and 2 <= len(text) <= layout.settings.toc_section_max_chars
            and re.fullmatch(f"[{CJK}（）()、]+", text) is not None)


def parse_toc(lines: list[Line], layout: Layout | None = None) -> tuple[list[TocEntry], int | None, int | None]:
    """TOC entries from the flow lines; returns (entries, first index, index after the TOC).
    The TOC starts at its heading (目录); without one (not printed, or misread by OCR) it is a run
    of at least MIN_HEADLESS_ENTRIES entries with page references on the first pages."""
    start = next((i for i, ln in enumerate(lines) if _TOC_HEAD_RE.match(squash(ln.text))), None)
    if start is not None:
        entries, end = _read_entries(lines, start + 1, layout)
        return entries, start, end
    first_page = lines[0].page if lines else 0
    for begin in range(len(lines)):
        if lines[begin].page > first_page + HEADLESS_TOC_PAGES:
            break
        entries, end = _read_entries(lines, begin, layout)
        if len(entries) >= MIN_HEADLESS_ENTRIES:
            return entries, begin, end
    return [], None, None


MIN_HEADLESS_ENTRIES = 3  # a TOC without its heading is believed from three entries on
HEADLESS_TOC_PAGES = 3  # ... standing on the first pages of the issue


def _read_entries(lines: list[Line], begin: int, layout: Layout | None) -> tuple[list[TocEntry], int]:
    """The entries from lines[begin] on, and the index after the last one."""
    start = begin - 1
    max_lines = layout.settings.toc_max_entry_lines if layout else DEFAULT.toc_max_entry_lines
    entries: list[TocEntry] = []
    category = None
    buf: list[str] = []
    heading_at = None  # the section heading read last, while no entry has followed it
    buf_start = start + 1
    i = start + 1
    while i < len(lines):
        ln = lines[i]
        text = nfkc(ln.text).strip()
        nxt = nfkc(lines[i + 1].text) if i + 1 < len(lines) else None
        sec = _SECTION_RE.match(re.sub(r"\s+", "", text))
        heading = bool(sec) or _is_centred_heading(ln, layout)
        if buf and not entries and heading and not _LONE_PAGE_RE.match(text):
            buf = []  # lines before the first section heading are no entry (a misread TOC heading, the masthead)
        if not buf and not entries and not heading and layout is not None and layout.is_centred(ln):
            # a centred line before the first entry (the issue line, a TOC heading OCR misread):
            # front matter, and the centred line above it (the masthead) was no section heading
            category, heading_at = None, None
            i += 1
            continue
        if not buf and heading:
            category = (sec.group("a") or sec.group("b")) if sec else squash(ln.text)
            heading_at = i if heading_at is None else heading_at
            i += 1
            continue
        if not buf:
            buf_start = i
        buf.append(ln.text.strip())
        end = _entry_end(join_wrapped(buf), nxt)
        lone = _LONE_PAGE_RE.match(text)
        if end is None and lone and len(buf) > 1:  # the page number alone on the entry's last line
            end = join_wrapped(buf[:-1]), int(lone.group(1) or lone.group(2))
        if end is not None:
            entries.append(_make_entry(end[0], end[1], category))
            buf = []
            heading_at = None
        elif len(buf) >= max_lines:  # so many lines without a page number: the TOC is over
            break
        i += 1
    if buf:  # lines that end no entry: the TOC ended before them
        i = buf_start
    if heading_at is not None:  # a centred line after the last entry: the first document's head
        i = heading_at
    return entries, i


def _make_entry(text: str, page: int, category: str | None) -> TocEntry:
    text = text.rstrip(_LEADERS + " ")
    number = None
    m = _NUMBER_AT_END_RE.search(text)
    if m:
        head = text[: m.start()]
        agency = m.group("agency")
        # the agency code is the last word: after a space or an opening parenthesis if any, else
        # after the title's end
        whole = text[m.start():].strip().lstrip("（(").rstrip("）)") if m.group("open") else text[m.start():]
        if not m.group("open") and not head.endswith((" ", "\u3000")):
            cut = max((agency.rfind(w) + len(w) for w in _TITLE_ENDINGS if w in agency), default=0)
            head, whole = text[: m.start() + cut], text[m.start() + cut:]
        number = normalize_doc_number(whole)
        if number:
            text = head
    return TocEntry(tidy_spaces(text), number, page, category)


# where a TOC title ends and the agency code of its 文号 begins, when no space separates them;
# 令 is left out: agency codes end with it too (晋政令〔…〕)
_TITLE_ENDINGS = tuple(w for w in DOC_TYPES if w != "令") + ("目录", "》")
