"""Stage 5: tables of a document. Ruled tables found per page are merged when one continues on
the next page (a repeated header row dropped, a row broken by the page joined back), and tied to
their caption and attachment label."""

from __future__ import annotations

import re

from .layout import Layout
from .model import Table
from .normalize import SENTENCE_END, join_wrapped, squash
from .pages import Line, RawTable

_LABEL_RE = re.compile(r"^附\s*件\s*[0-9０-９一二三四五六七八九十]*\s*[:：]?$")


def is_attachment_label(text: str) -> bool:
    return bool(_LABEL_RE.match(text.strip()))


def _is_caption(ln: Line, layout: Layout) -> bool:
    """A centred line that is not a sentence."""
    return layout.is_centred(ln) and not ln.text.rstrip().endswith(SENTENCE_END)


_CONTINUED_RE = re.compile(r"^[（(【\[]?\s*续\s*表\s*\d*\s*[)）】\]]?$")


def is_continued_mark(text: str) -> bool:
    """（续表）, 续表2: a table goes on from the page before."""
    return bool(_CONTINUED_RE.match(text.strip()))


def _continues(prev: RawTable, nxt: RawTable, between: list, layout: Layout) -> bool:
    """nxt carries prev on: on the next page (or right below it: the rest of a broken row read on
    its own), nothing in between (but a 续表 mark), the same columns."""
    same_page_below = nxt.page == prev.page and nxt.top >= prev.bottom
    if (nxt.page != prev.page + 1 and not same_page_below) or any(not is_continued_mark(ln.text) for ln in between):
        return False
    if len(prev.rows[0]) != len(nxt.rows[0]):
        return False
    if prev.ruled and nxt.ruled and prev.col_edges and nxt.col_edges and len(prev.col_edges) == len(nxt.col_edges):
        tol = layout.settings.column_edge_tolerance
        return all(abs(a - b) <= tol for a, b in zip(prev.col_edges, nxt.col_edges))
    return True


def _join_rows(a: list[str], b: list[str]) -> list[str]:
    return [join_wrapped([x, y]) for x, y in zip(a, b)]


def _broken_row(row: list[str], rows: list[list[str]]) -> bool:
    """A row whose key column is empty while the other rows have it: the rest of a broken row."""
    if not row or row[0].strip() or not any(c.strip() for c in row):
        return False
    keyed = sum(1 for r in rows if r and r[0].strip())
    return keyed >= max(1, len(rows) // 2)


_NUMERIC_RE = re.compile(r"[\d.,，%％\s\-+－]+")


def header_rows(rows: list[list[str]]) -> int:
    """How many rows make the header: one, or more when the first has merged (blank) cells
    spelled out by the rows under it, whose first cell is blank too (merged down)."""
    n = 1
    if not any(not c.strip() for c in rows[0]):
        return n
    while n < min(len(rows), 3):
        r = rows[n]
        if r[0].strip() or not any(c.strip() for c in r) or any(_NUMERIC_RE.fullmatch(c) for c in r if c.strip()):
            break
        n += 1
    return n


def combine_header(rows: list[list[str]]) -> list[str]:
    """Header rows into one: a blank cell under a merged parent takes the parent's name, and
    levels are joined with '/' (投资(万元)/总投资)."""
    levels = [list(r) for r in rows]
    for level in levels[:-1]:  # spread a merged parent over the columns it spans below
        for k in range(1, len(level)):
            if not level[k].strip() and level[k - 1].strip() and any(lv[k].strip() for lv in levels[1:]):
                level[k] = level[k - 1]
    out = []
    for k in range(len(levels[0])):
        parts: list[str] = []
        for level in levels:
            cell = level[k].strip() if k < len(level) else ""
            if cell and cell not in parts:
                parts.append(cell)
        out.append("/".join(parts))
    return out


def build_tables(items: list, layout: Layout) -> list[Table]:
    """Tables of one document; items are its flow (lines and raw tables) in reading order."""
    tables: list[Table] = []
    current: Table | None = None
    last_raw: RawTable | None = None
    since_last: list = []
    label: str | None = None
    for k, item in enumerate(items):
        if isinstance(item, Line):
            if is_attachment_label(item.text):
                label = item.text.strip()
            since_last.append(item)
            continue
        raw = item
        if current is not None and last_raw is not None and _continues(last_raw, raw, since_last, layout):
            rows = raw.rows
            want = squash("".join(current.header))
            # the header row(s) printed again: as many rows as spell the same header (the rest of
            # a broken row right under them is no header level, however blank its first cell)
            repeated = next((k for k in range(1, min(3, len(rows)) + 1)
                             if squash("".join(combine_header(rows[:k]))) == want), 0)
            rows = rows[repeated:]
            if rows and current.rows and _broken_row(rows[0], current.rows):
                current.rows[-1] = _join_rows(current.rows[-1], rows[0])
                rows = rows[1:]
            current.rows.extend(rows)
            current.row_pages.extend([raw.page] * len(rows))
            current.page_end = layout.printed_page(raw.page)
            current.pdf_page_end = raw.page
        else:
            caption, cap_label = _caption_and_label(items[:k], layout)
            n_head = header_rows(raw.rows)
            current = Table(
                caption=caption,
                attachment=cap_label or label,
                page_start=layout.printed_page(raw.page),
                page_end=layout.printed_page(raw.page),
                header=combine_header(raw.rows[:n_head]),
                rows=[list(r) for r in raw.rows[n_head:]],
                pdf_page_start=raw.page,
                pdf_page_end=raw.page,
                row_pages=[raw.page] * (len(raw.rows) - n_head),
            )
            tables.append(current)
        last_raw = raw
        since_last = []
    return tables


def _caption_and_label(before: list, layout: Layout) -> tuple[str | None, str | None]:
    """The centred caption line(s) right above a table, and an attachment label above them."""
    lines = [x for x in before[-4:] if isinstance(x, Line)]
    caption_lines: list[Line] = []
    j = len(lines) - 1
    while j >= 0 and not is_attachment_label(lines[j].text) and _is_caption(lines[j], layout) and len(caption_lines) < 2:
        if caption_lines and not (lines[j].page == caption_lines[0].page and abs(lines[j].size - caption_lines[0].size) < layout.settings.size_tolerance):
            break
        caption_lines.insert(0, lines[j])
        j -= 1
    # a caption must stand out: larger or bold than the body text around it
    if caption_lines and not any(ln.bold or ln.size > layout.body_size * layout.settings.caption_ratio for ln in caption_lines):
        caption_lines = []
        j = len(lines) - 1
    label = lines[j].text.strip() if j >= 0 and is_attachment_label(lines[j].text) else None
    caption = join_wrapped([ln.text for ln in caption_lines]) if caption_lines else None
    return caption, label
