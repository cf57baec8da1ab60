"""Stage 4: split the reading flow into documents.

A document starts at a head block: an issuer line, a 文号 and title lines, set apart from the text
(centred, larger or bold) and close together. No single cue is required: each candidate block is
weighed on its evidence (a 文号 in any decoration and position, a title that reads as one, a TOC
entry, an addressee line after it, a page or a signature before it, a signature and date after it),
and one missing or unusual cue costs confidence, not the document. The passes:

1. `head_blocks`: runs of centred/title-like lines and 文号 lines, split into issuer header,
   文号 and title lines.
2. `weigh`: the evidence for each block, as named cues with weights.
3. `choose`: the blocks whose evidence reaches `settings.accept_score` become documents; the TOC
   is checked against them.
4. `find_spans`: each document runs to the next one; the last one stops at the back matter."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from .front_matter import TocEntry
from .layout import Layout
from .normalize import (
    COLONS,
    DOC_TYPES,
    SENTENCE_END,
    DocNumber,
    is_date_line,
    join_wrapped,
    parse_doc_number,
    squash,
    tidy_spaces,
)
from .pages import Line, RawTable
from .tables import is_attachment_label

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
    score: int = 0
    cues: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

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
        """The issuer line(s) and the title lines; a red head (…文件) counts only when the
        issuer is not printed again under it."""
        own = tidy_spaces(join_wrapped([ln.text for ln in self.title_lines]))
        heads = [tidy_spaces(ln.text) for ln in self.header_lines]
        if heads and squash(heads[0]).endswith("文件"):
            issuer = re.sub(r"\s*文\s*件$", "", heads[0])
            printed_again = len(heads) > 1 or squash(own).startswith(squash(issuer))
            heads = heads[1:] if printed_again else [issuer] + heads[1:]
        return tidy_spaces(join_wrapped(heads) + own)


_SIGNER_RE = re.compile(r"\s*签\s*发\s*人\s*[:：]\s*\S+(?:\s+\S+)*\s*$")
_PARENS_RE = re.compile(r"^\s*[（(]\s*(.*?)\s*[）)]\s*$")


def number_of_line(text: str) -> DocNumber | None:
    """The 文号 a line consists of, bare or in parentheses; a 签发人 (signing officer) beside it,
    as upward documents print it, is allowed."""
    text = _SIGNER_RE.sub("", text)
    m = _PARENS_RE.match(text)
    return parse_doc_number(m.group(1) if m else text)


def is_title_like(ln: Item, layout: Layout, plain: bool = False) -> bool:
    """Set as a title: larger than the text, or bold, and centred (or a full line of a long
    title). plain: any centred line that is not a sentence (titles set like the body text)."""
    if not isinstance(ln, Line):
        return False
    st, em = layout.settings, layout.body_size
    centred = layout.is_centred(ln)
    if plain:  # only centred: it needs real room on both sides, as a full line of text has none
        room = st.plain_title_margin * em
        return (centred and ln.x0 >= layout.left + room and ln.x1 <= layout.right - room
                and ln.size >= em * st.plain_title_min_ratio
                and not ln.text.rstrip().endswith(SENTENCE_END + COLONS))
    full_width = ln.x0 <= layout.left + em and ln.x1 >= layout.right - 2 * em
    bigger = ln.size >= em * st.title_ratio
    return (bigger and (centred or full_width)) or (ln.bold and centred and ln.size >= em)


def reads_as_title(text: str) -> bool:
    text = squash(text)
    return "关于" in text or doc_type_of(text) is not None


def _close(a: Line, b: Line, layout: Layout) -> bool:
    """b, the item right after a in the flow, belongs to a's block: close below it on the same
    page, or first on the next page (a title block broken by a page break)."""
    if b.page == a.page + 1:  # last on its page and first on the next, in the same size
        return (layout.at_foot(a) and layout.in_upper_part(b) and layout.last_on_page(a)
                and layout.first_on_page(b) and (abs(a.size - b.size) < layout.settings.size_tolerance
                                                 or _is_number_line(a, layout) or _is_number_line(b, layout)))
    return a.page == b.page and 0 <= b.top - a.bottom < layout.settings.block_gap * max(a.size, layout.body_size)


def _is_number_line(ln: Item, layout: Layout) -> bool:
    return (isinstance(ln, Line) and ln.size <= layout.body_size * layout.settings.number_max_ratio
            and number_of_line(ln.text) is not None)


# -- pass 1: head blocks ------------------------------------------------------------------------

@dataclass
class HeadBlock:
    items: list[int]  # flow indexes, in order
    header: list[Line]
    title: list[Line]
    number_line: Line | None
    stands_out: bool  # larger or bold, not only centred

    @property
    def start(self) -> int:
        return self.items[0]

    @property
    def end(self) -> int:
        return self.items[-1] + 1


def _split_header(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """Separate the issuer header (发文机关标志) from the title lines."""
    starts = [k for k, ln in enumerate(lines) if squash(ln.text).startswith("关于")]
    if starts and starts[0] > 0:
        return lines[: starts[0]], lines[starts[0]:]
    if len(lines) > 1 and squash(lines[0].text).endswith("文件"):
        return lines[:1], lines[1:]
    return [], lines


def _title_or_plain(ln: Item, layout: Layout) -> bool:
    """Set as a title, or only centred like a title set as the text (see is_title_like)."""
    return is_title_like(ln, layout) or is_title_like(ln, layout, plain=True)


def head_blocks(flow: list[Item], layout: Layout, lo: int) -> list[HeadBlock]:
    """Runs of title-like lines with at most one 文号 line among or next to them."""
    st = layout.settings
    blocks: list[HeadBlock] = []
    i = lo
    while i < len(flow):
        if not (_title_or_plain(flow[i], layout) or _is_number_line(flow[i], layout)):
            i += 1
            continue
        run = [i]
        numbers = [i] if _is_number_line(flow[i], layout) else []
        j = i + 1
        while j < len(flow) and len(run) < st.block_max_lines and _close(flow[run[-1]], flow[j], layout):
            if _is_number_line(flow[j], layout):
                if numbers:
                    break
                numbers.append(j)
            elif not _title_or_plain(flow[j], layout):
                break
            run.append(j)
            j += 1
        texts = [k for k in run if k not in numbers]
        lines = [flow[k] for k in texts]
        header, title = _split_header(lines)
        if title:
            blocks.append(HeadBlock(run, header, title, flow[numbers[0]] if numbers else None,
                                    any(is_title_like(ln, layout) for ln in lines)))
        i = run[-1] + 1
    return blocks


# -- pass 2: evidence ---------------------------------------------------------------------------

CUES = {
    "文号": 2,  # a 文号 line inside or right next to the block
    "toc": 3,  # the TOC lists this title or 文号
    "reads_as_title": 1,  # 关于…, or ends with a 文种
    "stands_out": 1,  # larger or bold, not only centred
    "addressee": 1,  # a flush-left line ending with a colon right after it
    "boundary": 1,  # first on its page, or after the previous document's date or note
    "signature_after": 1,  # a date line (the 成文日期) before the next block
    "not_in_toc": -3,  # the TOC lists 文号s, and neither this one nor its title
    "after_attachment_label": -3,  # 附件 / 附件1 right above: an attachment's caption
    "named_before": -2,  # the title is an attachment or measure named by the document before it
}


def _is_addressee(ln: Item, layout: Layout) -> bool:
    return (
        isinstance(ln, Line)
        and ln.x0 <= layout.left + layout.body_size * layout.settings.flush_left
        and ln.text.rstrip().endswith(COLONS)
        and abs(ln.size - layout.body_size) < layout.settings.addressee_size_tolerance
    )


def _addressee_follows(flow: list[Item], block: HeadBlock, layout: Layout) -> bool:
    """The 主送机关 right under the block (it may wrap onto a second line)."""
    for k in range(block.end, min(block.end + 3, len(flow))):
        if _is_addressee(flow[k], layout):
            return True
        ln = flow[k]
        if not isinstance(ln, Line) or ln.x0 > layout.left + layout.body_size * layout.settings.flush_left:
            return False
    return False


def _ends_document(ln: Item, layout: Layout) -> bool:
    """A line that closes a document: its date, or the note under the date."""
    if isinstance(ln, RawTable):
        return True
    text = squash(ln.text)
    return is_date_line(ln.text) or bool(re.fullmatch(r"[（(](此件|本件).*[）)]", text))


def _boundary(flow: list[Item], block: HeadBlock, layout: Layout, lo: int) -> bool:
    k = block.start
    if k == lo or flow[k - 1].page != flow[k].page:
        return True
    return _ends_document(flow[k - 1], layout)


def _date_before(flow: list[Item], start: int, stop: int, layout: Layout) -> bool:
    mid = (layout.left + layout.right) / 2
    return any(isinstance(x, Line) and x.center > mid and is_date_line(x.text) for x in flow[start:stop])


_NAMED_RE = re.compile(r"《([^》]{2,60})》")


def _names_in(span_title: str, lines: list[Line]) -> set[str]:
    """Titles a document names as its attachments or the measure it issues."""
    names = {squash(m) for m in _NAMED_RE.findall(span_title)}
    for ln in lines:
        m = re.match(r"^附\s*件\s*\d*\s*[:：]\s*(?:\d+\s*[.．、]\s*)?(.+)$", ln.text.strip())
        if m:
            names.add(squash(m.group(1)))
    return names


@dataclass
class Toc:
    numbers: set[str]
    titles: set[str]
    lists_numbers: bool  # most entries carry a 文号

    @classmethod
    def of(cls, toc: list[TocEntry]) -> Toc:
        numbers = {e.doc_number for e in toc if e.doc_number}
        return cls(numbers, {squash(e.title) for e in toc}, bool(toc) and len(numbers) * 2 >= len(toc))

    def lists(self, title: str, number: DocNumber | None) -> bool:
        return (number is not None and str(number) in self.numbers) or squash(title) in self.titles


def weigh(flow: list[Item], b: HeadBlock, span: Span, next_head: int, layout: Layout, toc: Toc, lo: int,
          named: set[str]) -> list[str]:
    """The cues that hold for block b (span: the document it would start; next_head: where the
    next block that could be a document's head starts, the end of the search for a signature)."""
    title, number = span.title, span.number
    cues = []
    if number is not None:
        cues.append("文号")
    if toc.lists(title, number):
        cues.append("toc")
    elif toc.lists_numbers:
        cues.append("not_in_toc")
    if reads_as_title(title):
        cues.append("reads_as_title")
    if b.stands_out:
        cues.append("stands_out")
    if _addressee_follows(flow, b, layout):
        cues.append("addressee")
    if _boundary(flow, b, layout, lo):
        cues.append("boundary")
    if _date_before(flow, b.end, next_head, layout):
        cues.append("signature_after")
    if b.start > lo and isinstance(flow[b.start - 1], Line) and is_attachment_label(flow[b.start - 1].text):
        cues.append("after_attachment_label")
    if squash(title) in named:
        cues.append("named_before")
    return cues


# -- pass 3: choose -----------------------------------------------------------------------------

def choose(flow: list[Item], blocks: list[HeadBlock], layout: Layout, toc: list[TocEntry], lo: int) -> list[Span]:
    st = layout.settings
    toc_index = Toc.of(toc)
    spans: list[Span] = []
    named: set[str] = set()
    next_head = [len(flow)] * len(blocks)  # the start of the next block that could head a document
    for k in range(len(blocks) - 2, -1, -1):
        c = blocks[k + 1]
        could_head = c.number_line is not None or reads_as_title("".join(ln.text for ln in c.header + c.title))
        next_head[k] = c.start if could_head else next_head[k + 1]
    for k, b in enumerate(blocks):
        span = Span(b.start, b.end, header_lines=b.header, title_lines=b.title, number_line=b.number_line)
        cues = weigh(flow, b, span, next_head[k], layout, toc_index, lo, named)
        span.score, span.cues = sum(CUES[c] for c in cues), cues
        score = span.score
        if score < st.accept_score:
            if "文号" in cues:
                log.info("%s (%s) is not taken as a document: %s", span.number, span.title, ", ".join(cues))
            continue
        if score < st.confident_score:
            span.warnings.append(f"document recognized on weak evidence ({', '.join(cues)})")
        if "文号" not in cues:
            span.warnings.append("document found without a 文号")
        spans.append(span)
        nxt = blocks[k + 1].start if k + 1 < len(blocks) else len(flow)
        named = _names_in(span.title, [x for x in flow[b.end:nxt] if isinstance(x, Line)])
    return spans


def toc_warnings(spans: list[Span], toc: list[TocEntry]) -> list[str]:
    """TOC entries with no document found for them."""
    numbers = {str(s.number) for s in spans if s.number}
    titles = {squash(s.title) for s in spans}
    out = []
    for e in toc:
        if not (e.doc_number in numbers or squash(e.title) in titles):
            out.append(f"TOC entry {e.doc_number or ''} {e.title} (page {e.page}) has no matching document".replace("  ", " "))
    return out


# -- pass 4: ends -------------------------------------------------------------------------------

def find_spans(flow: list[Item], layout: Layout, toc: list[TocEntry], lo: int = 0) -> list[Span]:
    spans = choose(flow, head_blocks(flow, layout, lo), layout, toc, lo)
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
