"""Stage 4: split the reading flow into documents. A document starts at its title block (issuer
header and title lines, set larger or bold and centred) next to a 文号 line; documents without a
文号 are found by their TOC title, or by a title block followed by an addressee line."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from .front_matter import TocEntry
from .layout import Layout
from .normalize import DOC_TYPES, DocNumber, join_wrapped, parse_doc_number, squash, tidy_spaces
from .pages import Line, RawTable

log = logging.getLogger(__name__)
Item = Line | RawTable


def doc_type_of(title: str) -> str | None:
    """The 文种: the base document type that the title ends with (…暂行办法 -> 办法)."""
    t = re.sub(r"[\s》」）)]+$", "", title)
    for word in sorted(DOC_TYPES, key=len, reverse=True):
        if t.endswith(word):
            return word
    return None


@dataclass
class Span:
    """One document's place in the flow."""

    start: int  # first item (the first title line)
    body_start: int  # first item after the title block and 文号
    end: int = 0  # one past the last item
    header_lines: list[Line] = field(default_factory=list)
    title_lines: list[Line] = field(default_factory=list)
    number_line: Line | None = None

    @property
    def number(self) -> DocNumber | None:
        return number_of_line(self.number_line.text) if self.number_line else None

    @property
    def issuer_header(self) -> str | None:
        if not self.header_lines:
            return None
        return re.sub(r"文件$", "", tidy_spaces(join_wrapped([ln.text for ln in self.header_lines])))

    @property
    def title(self) -> str:
        head = self.issuer_header or ""
        return tidy_spaces(head + join_wrapped([ln.text for ln in self.title_lines]))


_SIGNER_RE = re.compile(r"\s*签\s*发\s*人\s*[:：]\s*\S+(?:\s+\S+)*\s*$")


def number_of_line(text: str) -> DocNumber | None:
    """The 文号 a line consists of; a 签发人 (signing officer) beside it, as upward documents
    print it, is allowed."""
    return parse_doc_number(_SIGNER_RE.sub("", text))


def is_title_like(ln: Item, layout: Layout, plain: bool = False) -> bool:
    """Set as a title: larger than the text, or bold, and centred (or a full line of a long
    title). plain: any centred line that is not a sentence (titles set like the body text)."""
    if not isinstance(ln, Line):
        return False
    mid = (layout.left + layout.right) / 2
    centred = abs(ln.center - mid) < 2.5 * layout.body_size and ln.x0 > layout.left + layout.body_size * 0.5
    if plain:
        return centred and ln.size >= layout.body_size * 0.95 and not ln.text.rstrip().endswith(
            ("。", "；", "，", "：", ":"))
    full_width = ln.x0 <= layout.left + layout.body_size and ln.x1 >= layout.right - 2 * layout.body_size
    bigger = ln.size >= layout.body_size * 1.15
    return (bigger and (centred or full_width)) or (ln.bold and centred and ln.size >= layout.body_size)


def _reads_as_title(lines: list[Line]) -> bool:
    text = squash("".join(ln.text for ln in lines))
    return "关于" in text or doc_type_of(text) is not None


def _close(a: Line, b: Line, layout: Layout) -> bool:
    """b, the item right after a in the flow, belongs to a's block: close below it on the same
    page, or first on the next page (a title block broken by a page break)."""
    if b.page == a.page + 1:
        return layout.in_lower_part(a) and layout.in_upper_part(b)
    return a.page == b.page and 0 <= b.top - a.bottom < 2.6 * max(a.size, layout.body_size)


def _block_before(flow: list[Item], i: int, layout: Layout, lo: int, plain: bool = False) -> list[int]:
    idx = []
    j = i - 1
    while (j >= lo and len(idx) < 5 and is_title_like(flow[j], layout, plain)
           and _close(flow[j], flow[idx[-1] if idx else i], layout)):
        idx.append(j)
        j -= 1
    return idx[::-1]


def _block_after(flow: list[Item], i: int, layout: Layout) -> list[int]:
    idx = []
    j = i + 1
    while j < len(flow) and is_title_like(flow[j], layout) and _close(flow[idx[-1] if idx else i], flow[j], layout):
        idx.append(j)
        j += 1
    return idx


def _split_header(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """Separate the issuer header (发文机关标志) from the title lines."""
    starts = [k for k, ln in enumerate(lines) if squash(ln.text).startswith("关于")]
    if starts and starts[0] > 0:
        return lines[: starts[0]], lines[starts[0]:]
    if len(lines) > 1 and squash(lines[0].text).endswith("文件"):
        return lines[:1], lines[1:]
    return [], lines


def _is_addressee(ln: Item, layout: Layout) -> bool:
    return (
        isinstance(ln, Line)
        and ln.x0 <= layout.left + layout.body_size * 0.6
        and ln.text.rstrip().endswith(("：", ":"))
        and abs(ln.size - layout.body_size) < 1
    )


def _cross_check(spans: list[Span], toc: list[TocEntry]) -> list[Span]:
    """With a TOC that lists 文号, a titled 文号 found in the text but in no TOC entry (by number
    or title) is a document quoted inside another one (转发), not a document of the issue."""
    numbers = {e.doc_number for e in toc if e.doc_number}
    titles = {squash(e.title) for e in toc}
    if not toc or len(numbers) * 2 < len(toc):
        return spans
    kept = []
    for span in spans:
        number = span.number
        if number and str(number) not in numbers and squash(span.title) not in titles:
            log.info("%s is not in the table of contents: kept inside the document before it", number)
            continue
        kept.append(span)
    found = {str(s.number) for s in kept if s.number}
    for e in toc:
        if e.doc_number and e.doc_number not in found:
            log.warning("TOC entry %s (%s) was not found in the text", e.doc_number, e.title)
    return kept


def find_spans(flow: list[Item], layout: Layout, toc: list[TocEntry], lo: int = 0) -> list[Span]:
    spans: list[Span] = []
    taken: set[int] = set()
    # 1. documents with a 文号 line next to a title block
    for i in range(lo, len(flow)):
        ln = flow[i]
        if not isinstance(ln, Line) or number_of_line(ln.text) is None or ln.size > layout.body_size * 1.5:
            continue
        before = [j for j in _block_before(flow, i, layout, lo) if j not in taken]
        if not before:  # a title set like the body text: centred lines that read as a title
            before = [j for j in _block_before(flow, i, layout, lo, plain=True) if j not in taken]
            if not _reads_as_title([flow[j] for j in before]):
                before = []
        titled = any("关于" in squash(flow[j].text) or doc_type_of(flow[j].text) for j in before)
        after = [] if titled else _block_after(flow, i, layout)
        block = before + after
        if not block:
            continue
        lines = [flow[j] for j in block]
        header, title = _split_header(lines)
        if not title:
            continue
        start = min(block + [i])
        spans.append(Span(start, max(block + [i]) + 1, header_lines=header, title_lines=title, number_line=ln))
        taken.update(block + [i])
    # 2. documents without a 文号: by TOC title, else a title block followed by an addressee line
    wanted = {squash(e.title) for e in toc if not e.doc_number}
    i = lo
    while i < len(flow):
        if i in taken or not is_title_like(flow[i], layout):
            i += 1
            continue
        block = [i]
        while block[-1] + 1 < len(flow) and is_title_like(flow[block[-1] + 1], layout) and _close(
            flow[block[-1]], flow[block[-1] + 1], layout
        ) and block[-1] + 1 not in taken:
            block.append(block[-1] + 1)
        lines = [flow[j] for j in block]
        header, title = _split_header(lines)
        span = Span(block[0], block[-1] + 1, header_lines=header, title_lines=title)
        nxt = flow[block[-1] + 1] if block[-1] + 1 < len(flow) else None
        by_toc = squash(span.title) in wanted
        by_shape = (not toc and doc_type_of(span.title) and "关于" in span.title and nxt is not None
                    and _is_addressee(nxt, layout))
        if title and (by_toc or by_shape):
            spans.append(span)
            taken.update(block)
        i = block[-1] + 1
    spans = _cross_check(spans, toc)
    spans.sort(key=lambda s: s.start)
    for k, span in enumerate(spans):
        span.end = spans[k + 1].start if k + 1 < len(spans) else _back_matter_start(flow, span.start)
    return spans


_COLOPHON_RE = re.compile(r"^(主\s*办|主\s*管|编\s*辑|编\s*印|出\s*版|地\s*址|电\s*话|邮\s*编|传\s*真|"
                          r"印\s*刷|承\s*印|准印证|网\s*址|电子邮箱|发送单位|印\s*数)\s*[:：]")


def _back_matter_start(flow: list[Item], last_start: int) -> int:
    """Where the issue's back matter (a colophon page: 主办：… 地址：… 电话：…) begins after the
    last document; the end of the flow if there is none."""
    start_page = flow[last_start].page
    by_page: dict[int, int] = {}
    first: dict[int, int] = {}
    for i in range(last_start, len(flow)):
        x = flow[i]
        first.setdefault(x.page, i)
        if x.page > start_page and isinstance(x, Line) and _COLOPHON_RE.match(x.text.strip()):
            by_page[x.page] = by_page.get(x.page, 0) + 1
    pages = sorted(p for p, n in by_page.items() if n >= 2)
    return first[pages[0]] if pages else len(flow)
