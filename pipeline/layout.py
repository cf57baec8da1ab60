"""Stage 2: layout cleanup. Running headers, footers and printed page numbers are found from
repetition and position across the pages themselves; what is left is the reading flow."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .normalize import nfkc
from .pages import Line, Page

EDGE_LINES = 2  # how many lines at the top and at the bottom of a page can be running matter
_DASHES = r"\-—–－‐‑―_~·•"
PAGE_NUMBER_RES = [
    re.compile(rf"^[{_DASHES}\s]*(\d{{1,4}})[{_DASHES}\s]*$"),  # 3, - 3 -, — 3 —
    re.compile(r"^第\s*(\d{1,4})\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?$"),  # 第 3 页, 第3页 共9页
    re.compile(r"^(?:page|p\.)\s*(\d{1,4})(?:\s*(?:of|/)\s*\d+)?$", re.I),  # Page 3, Page 3 of 9
    re.compile(r"^(\d{1,4})\s*/\s*\d{1,4}$"),  # 3/9
]
# A page number at either end of a running header/footer line ("公报 2023年第2期   第 3 页").
_EMBEDDED_PAGE_RES = [
    re.compile(r"第\s*(\d{1,4})\s*页(?:\s*共\s*\d+\s*页)?\s*$"),
    re.compile(r"^\s*第\s*(\d{1,4})\s*页"),
    re.compile(rf"\s[{_DASHES}]*\s*(\d{{1,4}})\s*[{_DASHES}]*\s*$"),
    re.compile(rf"^\s*[{_DASHES}]*\s*(\d{{1,4}})\s*[{_DASHES}]*\s"),
]


def page_number_of(text: str) -> int | None:
    """The printed page number if the whole text is one, in any common style."""
    t = nfkc(text).strip()
    for rx in PAGE_NUMBER_RES:
        m = rx.match(t)
        if m:
            return int(m.group(1))
    return None


def _mask(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", nfkc(text)))


@dataclass
class Layout:
    """What the page furniture analysis found."""

    body_size: float
    left: float  # the body text's left edge
    right: float  # the body text's right edge
    printed: dict[int, int | None]  # physical page -> printed page number
    furniture: set[tuple[int, int]]  # (page, line index) of running headers/footers/page numbers
    heights: dict[int, float] = field(default_factory=dict)  # physical page -> page height

    def printed_page(self, physical: int) -> int | None:
        return self.printed.get(physical)

    def in_lower_part(self, ln: Line) -> bool:
        return ln.top > self.heights.get(ln.page, 842.0) * 0.5

    def in_upper_part(self, ln: Line) -> bool:
        return ln.bottom < self.heights.get(ln.page, 842.0) * 0.5


def analyse(pages: list[Page]) -> Layout:
    body_size = _body_size(pages)
    furniture, numbers = _running_matter(pages, body_size)
    left, right = _margins(pages, body_size, furniture)
    return Layout(body_size, left, right, _printed_pages(pages, numbers), furniture,
                  {p.number: p.height for p in pages})


def _body_size(pages: list[Page]) -> float:
    sizes: Counter[float] = Counter()
    for p in pages:
        for ln in p.lines:
            sizes[round(ln.size * 2) / 2] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 12.0


def _edge_indexes(page: Page) -> list[int]:
    n = len(page.lines)
    idx = list(range(min(EDGE_LINES, n))) + list(range(max(n - EDGE_LINES, 0), n))
    return sorted(set(idx))


def _running_matter(pages: list[Page], body_size: float):
    """Lines at the page edges whose text (digits masked) recurs on many pages at the same
    height, and lone page numbers at the edges. Returns their places and the printed numbers."""
    n_pages = len(pages)
    counts: Counter[tuple[str, int]] = Counter()
    for p in pages:
        keys = {(_mask(p.lines[i].text), _band(p, p.lines[i])) for i in _edge_indexes(p)}
        counts.update(keys)
    need = max(2, min(3, n_pages - 1), int(0.3 * n_pages + 0.5))
    repeated = {k for k, c in counts.items() if c >= need}
    # set smaller than the text, at the very edge: a header that changes by section (its own
    # title on the pages of that section) needs to recur only twice
    small_repeated = {k for k, c in counts.items() if c >= 2}

    furniture: set[tuple[int, int]] = set()
    numbers: dict[int, int] = {}
    for p in pages:
        n = len(p.lines)
        # from each edge inwards, while the lines are running matter
        for order in (range(min(EDGE_LINES, n)), range(n - 1, max(n - EDGE_LINES, 0) - 1, -1)):
            for i in order:
                ln = p.lines[i]
                if (p.number, i) in furniture:
                    continue
                if not _in_margin(p, ln):
                    break
                num = page_number_of(ln.text)
                if num is not None and ln.size <= body_size * 1.3:
                    numbers.setdefault(p.number, num)
                elif ((_mask(ln.text), _band(p, ln)) in repeated and ln.size <= body_size * 1.05) or (
                        (_mask(ln.text), _band(p, ln)) in small_repeated and ln.size <= body_size * 0.85):
                    for rx in _EMBEDDED_PAGE_RES:
                        m = rx.search(nfkc(ln.text))
                        if m:
                            numbers.setdefault(p.number, int(m.group(1)))
                            break
                else:
                    break
                furniture.add((p.number, i))
    return furniture, numbers


def _band(page: Page, ln: Line) -> int:
    """Which edge a line is on and its height there, in coarse steps (robust to small jitter)."""
    if ln.top < page.height / 2:
        return int(ln.top // 8)
    return -int((page.height - ln.bottom) // 8) - 1


def _in_margin(page: Page, ln: Line) -> bool:
    return ln.bottom < page.height * 0.2 or ln.top > page.height * 0.8


def _margins(pages: list[Page], body_size: float, furniture) -> tuple[float, float]:
    lefts: Counter[int] = Counter()
    rights: Counter[int] = Counter()
    for p in pages:
        for i, ln in enumerate(p.lines):
            if (p.number, i) in furniture or abs(ln.size - body_size) > 0.6:
                continue
            lefts[round(ln.x0)] += 1
            rights[round(ln.x1)] += 1
    if not lefts:
        return 0.0, pages[0].width if pages else 0.0
    left = float(lefts.most_common(1)[0][0])
    # the right edge: the most common x1 among long lines (within one em of the furthest ones)
    far = max(rights)
    right = float(max((c, x) for x, c in rights.items() if x >= far - 3 * body_size)[1])
    return left, right


def _printed_pages(pages: list[Page], numbers: dict[int, int]) -> dict[int, int | None]:
    """Physical -> printed page; pages without a visible number get it from the common offset."""
    offsets = Counter(phys - num for phys, num in numbers.items())
    printed: dict[int, int | None] = {}
    offset = offsets.most_common(1)[0][0] if offsets else None
    for p in pages:
        if p.number in numbers and (offset is None or p.number - numbers[p.number] == offset):
            printed[p.number] = numbers[p.number]
        elif offset is not None and p.number - offset >= 1:
            printed[p.number] = p.number - offset
        else:
            printed[p.number] = None
    return printed


_HEADING_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十百]+[章节条]"
    r"|\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[）)])"
)


def paragraphs(lines: list[Line], layout: Layout) -> list[tuple[str, int]]:
    """Rebuild paragraphs across line wraps and page breaks: a new paragraph starts at an
    indented, centred or differently sized line, or after a line that stops short of the margin.
    Returns each paragraph with the physical page of its first line."""
    from .normalize import join_wrapped

    em = layout.body_size
    out: list[list[str]] = []
    pages: list[int] = []
    prev: Line | None = None
    for ln in lines:
        new = (
            prev is None
            or ln.x0 > layout.left + 0.8 * em
            or prev.x1 < layout.right - 1.5 * em
            or abs(ln.size - prev.size) > 0.6
            or prev.x0 > layout.left + 4 * em  # after a centred or right-aligned line
            # a full line that ends a sentence, then a numbered heading set flush left
            or (prev.text.rstrip().endswith(("。", "！", "？", "：", ":")) and _HEADING_RE.match(ln.text))
        )
        if new:
            out.append([ln.text])
            pages.append(ln.page)
        else:
            out[-1].append(ln.text)
        prev = ln
    return [(join_wrapped(p), page) for p, page in zip(out, pages)]
