"""Stage 2: layout cleanup. Running headers, footers and printed page numbers are found from
repetition and position across the pages themselves; what is left is the reading flow."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from .normalize import COLONS, PAGE_MARKS, SENTENCE_FINAL, nfkc, page_number_of
from .pages import Line, Page
from .settings import DEFAULT, ParseSettings

_ANY_NUMBER_RE = re.compile(r"(?<!\d)\d{1,4}(?!\d)")


_PAGE_TOKEN_RE = re.compile(rf"^[{PAGE_MARKS}(（]*#[{PAGE_MARKS})）]*|[{PAGE_MARKS}(（]*#[{PAGE_MARKS})）]*$|第#页(?:共#页)?")


def _mask(text: str) -> str:
    """A running line's shape: digits masked, and a page number at either end dropped, so that
    '- 3 - 公报' and '公报 - 4 -' (alternating sides) are the same running line."""
    masked = re.sub(r"\d+", "#", re.sub(r"\s+", "", nfkc(text)))
    key = masked
    while True:  # a number at either end, with its marks, however many there are
        shorter = _PAGE_TOKEN_RE.sub("", key)
        if shorter == key:
            return key or masked
        key = shorter


@dataclass
class Layout:
    """What the page furniture analysis found."""

    body_size: float
    left: float  # the body text's left edge
    right: float  # the body text's right edge
    printed: dict[int, int | None]  # physical page -> printed page number
    furniture: set[tuple[int, int]]  # (page, line index) of running headers/footers/page numbers
    heights: dict[int, float] = field(default_factory=dict)  # physical page -> page height
    settings: ParseSettings = DEFAULT
    warnings: list[str] = field(default_factory=list)
    extent: dict[int, tuple[float, float]] = field(default_factory=dict)  # page -> top, bottom of its content
    ocr_pages: dict[int, float] = field(default_factory=dict)  # physical page read by OCR -> mean confidence

    def printed_page(self, physical: int) -> int | None:
        return self.printed.get(physical)

    def in_lower_part(self, ln: Line) -> bool:
        return ln.top > self.heights.get(ln.page, 842.0) * 0.5

    def in_upper_part(self, ln: Line) -> bool:
        return ln.bottom < self.heights.get(ln.page, 842.0) * 0.5

    def is_centred(self, ln: Line) -> bool:
        """Centred between the margins, with room on both sides (a full indented line is not)."""
        st, em = self.settings, self.body_size
        mid = (self.left + self.right) / 2
        return (abs(ln.center - mid) < st.centre_tolerance * em and ln.x0 > self.left + em * st.centred_room
                and ln.x1 < self.right - em * st.centred_room)

    def first_on_page(self, ln: Line) -> bool:
        """Nothing but running matter above it on its page."""
        return ln.top <= self.extent.get(ln.page, (ln.top, ln.bottom))[0] + 0.5

    def last_on_page(self, ln: Line) -> bool:
        """Nothing but running matter below it on its page."""
        return ln.bottom >= self.extent.get(ln.page, (ln.top, ln.bottom))[1] - 0.5

    def at_foot(self, ln: Line) -> bool:
        """Within a few lines of the foot of the text area (the lowest text of any page)."""
        foot = max((b for _, b in self.extent.values()), default=ln.bottom)
        return (ln.bottom >= foot - self.settings.foot_lines * self.body_size * 2
                and ln.bottom >= self.heights.get(ln.page, 842.0) * self.settings.foot_share)


def analyse(pages: list[Page], settings: ParseSettings = DEFAULT) -> Layout:
    body_size = _body_size(pages)
    furniture, candidates, lone = _running_matter(pages, body_size, settings)
    printed, warnings = _printed_pages(pages, candidates, settings)
    # a lone number at a page edge that does not fit the page sequence is text (a TOC entry's
    # page reference at the foot of the page, a table cell), not a page number
    furniture -= {place for place, num in lone.items() if printed.get(place[0]) != num}
    left, right = _margins(pages, body_size, furniture, settings)
    return Layout(body_size, left, right, printed, furniture, {p.number: p.height for p in pages}, settings,
                  warnings, _extents(pages, furniture))


def _extents(pages: list[Page], furniture: set[tuple[int, int]]) -> dict[int, tuple[float, float]]:
    out = {}
    for p in pages:
        boxes = [(ln.top, ln.bottom) for i, ln in enumerate(p.lines) if (p.number, i) not in furniture]
        boxes += [(t.top, t.bottom) for t in p.tables]
        if boxes:
            out[p.number] = (min(b[0] for b in boxes), max(b[1] for b in boxes))
    return out


def _body_size(pages: list[Page]) -> float:
    sizes: Counter[float] = Counter()
    for p in pages:
        for ln in p.lines:
            sizes[round(ln.size * 2) / 2] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 12.0


def _edge_indexes(page: Page, n_edge: int) -> list[int]:
    n = len(page.lines)
    idx = list(range(min(n_edge, n))) + list(range(max(n - n_edge, 0), n))
    return sorted(set(idx))


def _running_matter(pages: list[Page], body_size: float, st: ParseSettings):
    """Lines at the page edges whose text (digits masked) recurs on many pages at the same
    height, and lone page numbers at the edges. Returns their places; per page, the numbers they
    carry that could be its printed page number, as (number, lone) pairs; and the places of the
    lone numbers with their value."""
    n_pages = len(pages)
    counts: Counter[tuple[str, int]] = Counter()
    # a running line's size over its pages (a scan measures each a little apart), by text and place
    sizes: dict[tuple[str, int], list[float]] = {}
    for p in pages:
        keys = set()
        for i in _edge_indexes(p, st.edge_lines):
            ln = p.lines[i]
            mask = _mask(ln.text)
            for band in _near_bands(_band(p, ln, st)):
                sizes.setdefault((mask, band), []).append(ln.size)
                keys.add((mask, band))
        counts.update(keys)
    need = max(st.running_min_pages, min(3, n_pages - 1), int(st.running_share * n_pages + 0.5))
    repeated = {k for k, c in counts.items() if c >= need}
    # in the text's own size, a recurring edge line must be on most pages: an issuer line or an
    # 附件 label that opens many pages recurs too, but only where a document or attachment starts
    repeated_text_size = {k for k, c in counts.items() if c >= max(need, st.running_share_text_size * n_pages)}
    # set smaller than the text, at the very edge: a header that changes by section (its own
    # title on the pages of that section) needs to recur only twice
    small_repeated = {k for k, c in counts.items() if c >= 2}

    furniture: set[tuple[int, int]] = set()
    candidates: dict[int, list[tuple[int, bool]]] = {}
    lone: dict[tuple[int, int], int] = {}  # places of lines that are nothing but a number
    # the running-header slots: where (edge band, size) small running lines stand. A line seen
    # once in such a slot (one side of an alternating header in a short issue) is running too.
    slots: set[tuple[int, float]] = set()
    for p in pages:
        for ln in p.lines:
            key = (_mask(ln.text), _band(p, ln, st))
            if (_typical(sizes, key, ln) <= body_size * st.small_running_ratio and _in_margin(p, ln, st)
                    and (key in repeated or key in small_repeated)):
                slots.update((band, size) for band in _near_bands(key[1]) for size in _near_sizes(ln))
    # a slot is also where the outermost line of many pages stands, set small, whatever its text:
    # the two sides of an alternating header in an issue too short for either to recur
    outermost: Counter[tuple[int, float]] = Counter()
    for p in pages:
        edge = {(band, _size_key(ln)) for ln in (p.lines[:1] + p.lines[-1:])
                if ln.size <= body_size * st.small_running_ratio and _in_margin(p, ln, st)
                for band in _near_bands(_band(p, ln, st))}
        outermost.update(edge)
    slots |= {k for k, c in outermost.items() if c >= need}
    for p in pages:
        n = len(p.lines)
        # from each edge inwards, while the lines are running matter
        for order in (range(min(st.edge_lines, n)), range(n - 1, max(n - st.edge_lines, 0) - 1, -1)):
            for depth, i in enumerate(order):
                ln = p.lines[i]
                if (p.number, i) in furniture:
                    continue
                if not _in_margin(p, ln, st):
                    break
                key = (_mask(ln.text), _band(p, ln, st))
                num = page_number_of(ln.text)
                # inside the outermost line, running matter is set smaller than the text
                small = _typical(sizes, key, ln) <= body_size * st.small_running_ratio
                text_size = depth == 0 and ln.size <= body_size * st.running_max_ratio
                # (an OCR line of digits alone has no size to go by but its box: not held against it)
                if num is not None and (ln.size <= body_size * st.page_number_max_ratio or not ln.size_known):
                    candidates.setdefault(p.number, []).append((num, True))
                    lone[(p.number, i)] = num
                elif (small and (key in repeated or key in small_repeated or (depth == 0 and (key[1], _size_key(ln)) in slots))) or (
                        text_size and key in repeated_text_size):
                    # any number in a running line may be the page number (or a year, an issue)
                    candidates.setdefault(p.number, []).extend(
                        (int(m.group()), False) for m in _ANY_NUMBER_RE.finditer(nfkc(ln.text)))
                else:
                    break
                furniture.add((p.number, i))
    return furniture, candidates, lone


def _typical(sizes: dict[tuple[str, int], list[float]], key: tuple[str, int], ln: Line) -> float:
    """The size a line recurring at the page edges is set in: the median over its pages."""
    seen = sizes.get(key)
    return statistics.median(seen) if seen else ln.size


def _size_key(ln: Line) -> float:
    return round(ln.size * 2) / 2


def _near_bands(band: int) -> tuple[int, ...]:
    """A band and its neighbours on the same edge: a line that sits on a step boundary (a scan
    shifted by a point or two) still meets its fellows on the other pages."""
    return (max(band - 1, 0), band, band + 1) if band >= 0 else (band - 1, band, min(band + 1, -1))


def _near_sizes(ln: Line) -> tuple[float, ...]:
    """A size and the half-point steps beside it (sizes measured from a scan vary by that much)."""
    size = _size_key(ln)
    return (size - 0.5, size, size + 0.5)


def _band(page: Page, ln: Line, st: ParseSettings) -> int:
    """Which edge a line is on and its height there, in coarse steps (robust to small jitter)."""
    if ln.top < page.height / 2:
        return int(ln.top // st.band_step)
    return -int((page.height - ln.bottom) // st.band_step) - 1


def _in_margin(page: Page, ln: Line, st: ParseSettings) -> bool:
    return ln.bottom < page.height * st.edge_band or ln.top > page.height * (1 - st.edge_band)


def _margins(pages: list[Page], body_size: float, furniture, st: ParseSettings) -> tuple[float, float]:
    lefts: Counter[int] = Counter()
    rights: Counter[int] = Counter()
    for p in pages:
        for i, ln in enumerate(p.lines):
            if (p.number, i) in furniture or abs(ln.size - body_size) > st.size_tolerance:
                continue
            lefts[round(ln.x0)] += 1
            rights[round(ln.x1)] += 1
    if not lefts:
        return 0.0, pages[0].width if pages else 0.0
    # the left edge: the leftmost common start (wrapped lines start there; with short paragraphs
    # the indented first lines can be the most common start)
    top = lefts.most_common(1)[0][1]
    left = float(min(x for x, c in lefts.items() if c >= min(top, max(3, top * st.left_edge_share))))
    # the right edge: the most common x1 within three ems of the furthest one that a few lines
    # reach (one line set into the margin does not move it)
    reach = {x: sum(c for x2, c in rights.items() if abs(x2 - x) <= st.right_edge_jitter) for x in rights}
    far = max((x for x, n in reach.items() if n >= st.right_edge_lines), default=max(rights))
    right = float(max((c, x) for x, c in rights.items() if far + st.right_edge_jitter >= x >= far - 3 * body_size)[1])
    return left, right


def _printed_pages(pages: list[Page], candidates: dict[int, list[tuple[int, bool]]],
                   st: ParseSettings) -> tuple[dict[int, int | None], list[str]]:
    """Physical -> printed page. Printed numbers rise by one a page, so the offset (physical minus
    printed) that the most pages agree on wins; a number that does not advance with the pages (a
    year, an issue number in a running header) agrees with no offset for long. Lone numbers break
    ties. Pages without a visible number get theirs from the offset."""
    votes: Counter[int] = Counter()
    lone: Counter[int] = Counter()
    for phys, cands in candidates.items():
        for off in {phys - num for num, _ in cands}:
            votes[off] += 1
        for off in {phys - num for num, is_lone in cands if is_lone}:
            lone[off] += 1
    warnings: list[str] = []
    offset = None
    if votes:
        offset = max(votes, key=lambda off: (votes[off], lone[off], -abs(off)))
        if votes[offset] < min(st.page_fit_min_pages, len(pages)):
            offset = None
    if offset is None:
        warnings.append("printed page numbers not found: pages are cited by their place in the file")
    printed: dict[int, int | None] = {}
    for p in pages:
        printed[p.number] = p.number - offset if offset is not None and p.number - offset >= 1 else None
    return printed, warnings


_HEADING_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十百]+[章节条]"
    r"|\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[）)])"
)


def paragraphs(lines: list[Line], layout: Layout) -> list[tuple[str, int]]:
    """Rebuild paragraphs across line wraps and page breaks: a new paragraph starts at an
    indented, centred or differently sized line, or after a line that stops short of the margin.
    Returns each paragraph with the physical page of its first line."""
    from .normalize import join_wrapped

    em, st = layout.body_size, layout.settings
    out: list[list[str]] = []
    pages: list[int] = []
    prev: Line | None = None
    for ln in lines:
        new = (
            prev is None
            or ln.x0 > layout.left + st.indent * em
            or prev.x1 < layout.right - st.short_line * em
            or (ln.size_known and prev.size_known and abs(ln.size - prev.size) > st.size_tolerance)
            or prev.x0 > layout.left + st.centred_offset * em  # after a centred or right-aligned line
            # a full line that ends a sentence, then a numbered heading set flush left
            or (prev.text.rstrip().endswith(SENTENCE_FINAL + COLONS) and _HEADING_RE.match(ln.text))
        )
        if new:
            out.append([ln.text])
            pages.append(ln.page)
        else:
            out[-1].append(ln.text)
        prev = ln
    return [(join_wrapped(p), page) for p, page in zip(out, pages)]
