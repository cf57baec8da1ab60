"""Stage 1: a PDF's pages as text lines and tables, built from the characters of chars.py."""

from __future__ import annotations

import functools
import logging
import statistics
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .chars import ENGINES, PageChars, pdfium_available, pdfium_chars, plumber_chars
from .errors import (
    CorruptPdfError,
    EmptyFileError,
    EncryptedPdfError,
    GazetteError,
    NotAPdfError,
    NoTextLayerError,
    TooLargeError,
)
from .normalize import join_wrapped, page_number_of
from .ocr import OcrOptions, text_layer_unusable
from .settings import DEFAULT, ParseSettings

log = logging.getLogger(__name__)

try:
    from pypdfium2 import PdfiumError
except ImportError:  # pragma: no cover - pypdfium2 comes with pdfplumber
    PdfiumError = OSError

_BOLD_HINTS = ("bold", "heavy", "black", "hei", "demi", "semibold")


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    page: int  # 1-based physical page
    # pieces of the line split at wide gaps, (x0, x1, text), when there are several: the cells
    # of a table drawn without rules
    segments: list[tuple[float, float, str]] = field(default_factory=list)
    # False for an OCR line with too few CJK characters to measure its size by their pitch
    # (digits, "附件2", a spaced-out "通 知"): its size is a guess from the box height, not to be
    # weighed against a neighbour's
    size_known: bool = True

    @property
    def center(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class RawTable:
    bbox: tuple[float, float, float, float]
    rows: list[list[str]]
    page: int
    col_edges: list[float] = field(default_factory=list)
    ruled: bool = True  # drawn with cell borders (else: columns aligned by white space)
    size: float = 0.0  # font size of its text (tables without rules)

    @property
    def top(self) -> float:
        return self.bbox[1]

    @property
    def bottom(self) -> float:
        return self.bbox[3]


@dataclass
class Page:
    number: int  # 1-based physical page
    width: float
    height: float
    lines: list[Line]
    tables: list[RawTable]
    n_images: int = 0
    ocr: bool = False  # its lines were read by OCR from the page image
    ocr_confidence: float | None = None  # their mean confidence
    unread: bool = False  # a scanned page left without text: OCR is not installed or was not asked for


def check_pdf_file(path: Path) -> None:
    """Cheap checks before a PDF engine sees the file: exists, not empty, starts like a PDF."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise CorruptPdfError(f"cannot read file ({exc.strerror})", path=str(path)) from exc
    if size == 0:
        raise EmptyFileError("empty file (0 bytes)", path=str(path))
    if b"%PDF-" not in head:
        raise NotAPdfError("not a PDF (no %PDF- header)", path=str(path))


def open_pdf(path: Path, read_page_tree: bool = True):
    """pdfplumber.open with the failures mapped to the project's errors; read_page_tree=False
    leaves the page list unread (reference_page finds one page without it)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    check_pdf_file(path)
    try:
        pdf = pdfplumber.open(path)
        if read_page_tree:
            pdf.pages  # noqa: B018 - forces the page tree to be read
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise EncryptedPdfError("password-protected PDF", path=str(path)) from exc
    except Exception as exc:  # pdfminer raises many types for damaged files
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc.__cause__ or exc
        kind = type(inner).__name__
        if "Password" in kind or "Encrypt" in kind:
            raise EncryptedPdfError("password-protected PDF", path=str(path)) from exc
        raise CorruptPdfError(f"corrupt or truncated PDF ({kind}: {inner})", path=str(path)) from exc
    return pdf


def open_pdfium(path: Path):
    """pypdfium2.PdfDocument with the failures mapped to the project's errors."""
    import pypdfium2 as pdfium

    check_pdf_file(path)
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        # PDFium's reason is its process-wide last error, which can be stale (a page-less file
        # was once called password-protected): pdfminer confirms an encryption
        if "password" in str(exc).lower() and _encrypted(path):
            raise EncryptedPdfError("password-protected PDF", path=str(path)) from exc
        raise CorruptPdfError(f"corrupt or truncated PDF ({exc})", path=str(path)) from exc


def _encrypted(path: Path) -> bool:
    try:
        open_pdf(path, read_page_tree=False).close()
    except EncryptedPdfError:
        return True
    except GazetteError:
        return False
    return False


def reference_page(pdf, n: int):
    """Page n (1-based) of an open pdfplumber PDF, or None when the file has no such page. The
    page tree's /Count fields lead straight to it: pdfplumber's page list reads every page of
    the file first, which for one page of a 2,000-page file costs a second. Where the counts do
    not add up (a damaged tree), the page list decides."""
    import pdfplumber
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdftypes import dict_value, int_value, list_value
    from pdfminer.psparser import LIT

    pages_type, page_type = LIT("Pages"), LIT("Page")

    def inherit(kid: dict, node: dict) -> dict:  # Resources, MediaBox, CropBox, Rotate from above
        for name in PDFPage.INHERITABLE_ATTRS:
            if name in node and name not in kid:
                kid[name] = node[name]
        return kid

    try:
        node, k = dict_value(pdf.doc.catalog["Pages"]).copy(), n - 1
        for _ in range(64):  # deeper than any real page tree
            kids = list_value(node.get("Kids"))
            if int_value(node.get("Count")) == len(kids) and k < len(kids):
                # one page a kid (a flat tree, the usual case): the k-th kid, without reading the others
                kid = inherit(dict_value(kids[k]).copy(), node)
                if kid.get("Type") is page_type:
                    return pdfplumber.page.Page(pdf, PDFPage(pdf.doc, kids[k].objid, kid, None), page_number=n)
            dicts = [dict_value(ref).copy() for ref in kids]
            counts = [int_value(d.get("Count")) if d.get("Type") is pages_type else 1 for d in dicts]
            if sum(counts) != int_value(node.get("Count")) or any(c < 0 for c in counts):
                break
            for ref, kid, count in zip(kids, dicts, counts):
                if k >= count:
                    k -= count
                    continue
                kid = inherit(kid, node)
                if kid.get("Type") is page_type:
                    return pdfplumber.page.Page(pdf, PDFPage(pdf.doc, ref.objid, kid, None), page_number=n)
                node = kid
                break
            else:
                return None
    except Exception:  # noqa: BLE001 - an irregular tree: the page list below reads it as pdfminer does
        log.debug("page tree walk failed", exc_info=True)
    return pdf.pages[n - 1] if n <= len(pdf.pages) else None


def page_count(path: Path) -> int:
    try:
        pdf = open_pdfium(path)
    except CorruptPdfError:  # pdfminer may still read it, or say better what is wrong
        with open_pdf(path) as reference:
            return len(reference.pages)
    try:
        return len(pdf)
    finally:
        pdf.close()


def check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"unknown PDF engine {engine!r} (choose from {', '.join(ENGINES)})")


def read_pages(path: Path, numbers: list[int] | None = None, settings: ParseSettings = DEFAULT,
               ocr: OcrOptions | None = None, engine: str = "pdfium") -> list[Page]:
    """Read the given 1-based pages (all when None) into lines and tables; a page without a
    usable text layer is read by OCR (ocr.mode auto), or every page (force), or none (never).
    Characters come from PDFium, or from pdfplumber on the pages that need its table finder
    (engine "pdfplumber": on every page); the result is the same."""
    path = Path(path)
    ocr = ocr or OcrOptions()
    check_engine(engine)
    reference = fast = None
    if engine == "pdfium" and pdfium_available():
        try:
            fast = open_pdfium(path)
        except CorruptPdfError as exc:  # the reference engine reads it, or says what is wrong
            log.info("%s: PDFium cannot open it (%s); reading with pdfplumber", path.name, exc.args[0])
    try:
        if fast is None:
            reference = open_pdf(path)  # the reference engine reads every page: its page list at once
        wanted = numbers or list(range(1, (len(fast) if fast is not None else len(reference.pages)) + 1))
        out = []
        for n in wanted:
            try:
                ruled = chars = None
                if fast is not None:
                    try:
                        chars = pdfium_chars(fast, n, settings)
                    except PdfiumError as exc:  # a page PDFium cannot load: the reference may read it
                        log.info("%s: PDFium cannot load page %d (%s)", path.name, n, exc)
                if chars is None or chars.needs_reference(settings):
                    if reference is None:
                        reference = open_pdf(path, read_page_tree=False)
                    ruled = reference_page(reference, n)
                    if ruled is None:  # counted in the page tree, absent from it
                        log.warning("%s: page %d is counted in the file but is not there; skipped", path.name, n)
                        continue
                    chars = PageChars(n, float(ruled.width), float(ruled.height), plumber_chars(ruled, settings),
                                      len(ruled.images))
                if ruled is None and chars is not None:
                    ruled = chars.ruled(settings)  # PDFium's rules, pdfplumber's table finder
                try:
                    out.append(_read_one(path, chars, ruled, settings, ocr))
                finally:
                    if hasattr(ruled, "close"):
                        ruled.close()  # pdfplumber keeps a page's objects until closed
            except GazetteError:
                raise
            except MemoryError:
                raise TooLargeError(f"too large: page {n} does not fit in memory", path=str(path)) from None
            except Exception as exc:
                if "allocate" in str(exc).lower():  # zlib inside pdfminer: a stream that unpacks to too much
                    raise TooLargeError(f"too large: page {n} unpacks to more than memory allows",
                                        path=str(path)) from exc
                raise CorruptPdfError(
                    f"corrupt or truncated PDF (page {n}: {type(exc).__name__}: {exc})", path=str(path)
                ) from exc
        return out
    finally:
        if fast is not None:
            fast.close()
        if reference is not None:
            reference.close()


def _read_one(path: Path, chars: PageChars, ruled, st: ParseSettings, ocr: OcrOptions) -> Page:
    scanned = text_layer_unusable(chars.chars, chars.n_images)
    if ocr.mode == "force" or (ocr.mode == "auto" and scanned):
        try:
            return read_page_by_ocr(path, chars.number, chars.n_images, st, ocr)
        except NoTextLayerError:  # no OCR engine: the page stays without text, said in a warning
            pass
    page = read_page(chars, ruled, st)
    page.unread = scanned
    return page


CHUNK_PAGES = 16


def page_chunks(n_pages: int, jobs: int) -> list[list[int]]:
    """1-based page numbers in chunks small enough to keep every worker busy."""
    size = max(4, min(CHUNK_PAGES, -(-n_pages // max(1, jobs * 2))))
    return [list(range(a, min(a + size, n_pages + 1))) for a in range(1, n_pages + 1, size)]


def ignore_sigint() -> None:
    """Worker processes leave Ctrl-C to the parent, which reports it once."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def read_pages_parallel(path: Path, jobs: int, settings: ParseSettings = DEFAULT,
                        ocr: OcrOptions | None = None, engine: str = "pdfium") -> list[Page]:
    """read_pages over worker processes, one chunk of pages each; pages come back in order."""
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    path = Path(path)
    n = page_count(path)
    if jobs <= 1 or n <= CHUNK_PAGES // 2:
        return read_pages(path, settings=settings, ocr=ocr, engine=engine)
    with ProcessPoolExecutor(max_workers=jobs, initializer=ignore_sigint) as pool:
        read = partial(read_pages, path, settings=settings, ocr=ocr, engine=engine)
        return [p for chunk in pool.map(read, page_chunks(n, jobs)) for p in chunk]


def read_page_by_ocr(path: Path, number: int, n_images: int, st: ParseSettings, options: OcrOptions) -> Page:
    """A scanned page: OCR lines as Line records, and tables aligned by white space among them."""
    from .ocr import recognize_page, ruled_table_cells, split_at_gaps, table_rows, to_lines

    ocr_lines, width, height, confidence, image = recognize_page(path, number, options)
    ocr_lines = [piece for ln in ocr_lines for piece in split_at_gaps(ln, st.space_ratio, st.wide_gap, options)]
    ruled: list[RawTable] = []
    for cells in ruled_table_cells(image, options.scale):
        rows, used = table_rows(cells, ocr_lines)
        n_cols = max((len(r) for r in rows), default=0)
        if len(rows) < 1 or n_cols < 2:
            continue
        bbox = (min(c[0] for c in cells), min(c[1] for c in cells), max(c[2] for c in cells), max(c[3] for c in cells))
        col_edges = sorted({round(c[0]) for c in cells})
        ruled.append(RawTable(bbox, rows, number, col_edges))
        ocr_lines = [ln for k, ln in enumerate(ocr_lines) if k not in used]
    lines = to_lines(ocr_lines, number, options)
    aligned, lines = find_aligned_tables(lines, number, st)
    return Page(number, width, height, lines, ruled + aligned, n_images, ocr=True,
                ocr_confidence=round(confidence, 4))


def read_page(page: PageChars, ruled=None, st: ParseSettings = DEFAULT) -> Page:
    """A page's characters as lines and tables; `ruled`, pdfplumber's view of the page, finds
    the tables drawn with rules (a page without one has none)."""
    number = page.number
    chars = clean_chars(page.chars, st)
    tables = find_ruled_tables(ruled, chars, number, st) if ruled is not None else []
    if tables:
        chars = [c for c in chars if not any(_inside(c, t.bbox) for t in tables)]
    lines = build_lines(chars, number, st)
    # a page number at the page's foot or head is never a cell of a table that ends near it
    edge = [ln for ln in lines if _looks_like_folio(ln, lines, page.width, page.height, st)]
    aligned, lines = find_aligned_tables([ln for ln in lines if not any(ln is e for e in edge)], number, st)
    lines = sorted(lines + edge, key=lambda ln: (ln.top, ln.x0))
    return Page(number, page.width, page.height, lines, tables + aligned, page.n_images)


def _looks_like_folio(ln: Line, lines: list[Line], width: float, height: float, st: ParseSettings) -> bool:
    """A page number by its text and place: at the head or foot, centred on the page or at the
    text's outer edge (a number wrapped inside a table cell stands in its column instead)."""
    if page_number_of(ln.text) is None:
        return False
    if height * st.edge_number_band < ln.bottom and ln.top < height * (1 - st.edge_number_band):
        return False
    em = ln.size
    return (abs(ln.center - width / 2) < st.folio_centre * em or ln.x0 <= min(x.x0 for x in lines) + em
            or ln.x1 >= max(x.x1 for x in lines) - em)


def clean_chars(chars: list[dict], st: ParseSettings = DEFAULT) -> list[dict]:
    """Drop control characters and faux-bold duplicates (the same glyph drawn again, offset)."""
    seen: dict[tuple[str, int, int], list[tuple[float, float]]] = {}
    out = []
    for c in chars:
        text = c["text"]
        if _unwanted(text):
            continue
        x, y = c["x0"], c["top"]
        # within a fraction of an em, and never as far as half the glyph's own width ("ll" is two letters)
        tol = min(max(c["size"] * st.faux_bold_offset, 1.0), max((c["x1"] - c["x0"]) / 2, 0.3))
        # cells twice the tolerance: a glyph within it lies in this cell or the nearer neighbour
        fx, fy = x / (2 * tol), y / (2 * tol)
        kx, ky = int(fx // 1), int(fy // 1)
        nx, ny = kx - 1 if fx - kx < 0.5 else kx + 1, ky - 1 if fy - ky < 0.5 else ky + 1
        if any(abs(ox - x) < tol and abs(oy - y) < tol
               for key in ((text, kx, ky), (text, nx, ky), (text, kx, ny), (text, nx, ny))
               for ox, oy in seen.get(key, ())):
            continue
        seen.setdefault((text, kx, ky), []).append((x, y))
        out.append(c)
    return out


@functools.lru_cache(maxsize=8192)
def _unwanted(text: str) -> bool:
    return not text or any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in text)


def _inside(c: dict, bbox: tuple[float, float, float, float]) -> bool:
    x = (c["x0"] + c["x1"]) / 2
    y = (c["top"] + c["bottom"]) / 2
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


@functools.lru_cache(maxsize=1024)
def _is_bold(fontname: str) -> bool:
    name = fontname.lower()
    return any(h in name for h in _BOLD_HINTS)


def build_lines(chars: list[dict], page: int, st: ParseSettings = DEFAULT) -> list[Line]:
    """Group characters into lines by vertical position, left to right within a line."""
    if not chars:
        return []
    ordered = sorted(chars, key=lambda c: ((c["top"] + c["bottom"]) / 2, c["x0"]))
    groups: list[list[dict]] = []
    mid_ref = None
    for c in ordered:
        mid = (c["top"] + c["bottom"]) / 2
        if groups and abs(mid - mid_ref) <= max(c["size"], 1.0) * st.line_merge:
            groups[-1].append(c)
        else:
            groups.append([c])
            mid_ref = mid
    lines = []
    for group in groups:
        group.sort(key=lambda c: c["x0"])
        line = _make_line(group, page, st)
        if line is not None:
            lines.append(line)
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    return lines


def _make_line(group: list[dict], page: int, st: ParseSettings) -> Line | None:
    parts: list[str] = []
    prev = None
    for c in group:
        text = c["text"]
        if text.isspace():
            if parts and parts[-1] != " ":
                parts.append(" ")
            prev = c
            continue
        if prev is not None and parts and parts[-1] != " ":
            gap = c["x0"] - prev["x1"]
            if gap > st.space_ratio * max(c["size"], prev["size"]):
                parts.append(" ")
        parts.append(text)
        prev = c
    text = "".join(parts).strip()
    if not text:
        return None
    visible = [c for c in group if not c["text"].isspace()]
    segments = _segments(visible, st)
    sizes = [round(c["size"], 1) for c in visible]
    size = statistics.median(sizes)
    bold = sum(_is_bold(c["fontname"]) for c in visible) * 2 > len(visible)
    return Line(
        text=text,
        x0=min(c["x0"] for c in visible),
        x1=max(c["x1"] for c in visible),
        top=min(c["top"] for c in visible),
        bottom=max(c["bottom"] for c in visible),
        size=size,
        bold=bold,
        page=page,
        segments=segments if len(segments) > 1 else [],
    )


def _segments(visible: list[dict], st: ParseSettings) -> list[tuple[float, float, str]]:
    pieces: list[list[dict]] = []
    for c in visible:
        if pieces and c["x0"] - pieces[-1][-1]["x1"] < st.wide_gap * max(c["size"], pieces[-1][-1]["size"]):
            pieces[-1].append(c)
        else:
            pieces.append([c])
    return [(p[0]["x0"], p[-1]["x1"], _text_of(p, st)) for p in pieces]


def _text_of(chars: list[dict], st: ParseSettings) -> str:
    out = ""
    for prev, c in zip([None] + chars[:-1], chars):
        if prev is not None and c["x0"] - prev["x1"] > st.space_ratio * max(c["size"], prev["size"]):
            out += " "
        out += c["text"]
    return out


# -- tables ---------------------------------------------------------------

def find_ruled_tables(page, chars: list[dict], number: int, st: ParseSettings = DEFAULT) -> list[RawTable]:
    """Ruled tables (drawn cell borders) with each cell's text joined across its wrapped lines."""
    if len(page.edges) < st.ruled_table_min_edges:
        return []
    found = []
    for table in page.find_tables():
        rows = []
        for row in table.rows:
            cells = []
            for cell in row.cells:
                if cell is None:
                    cells.append("")
                    continue
                inside = [c for c in chars if _inside(c, cell)]
                cells.append(join_wrapped([ln.text for ln in build_lines(inside, number, st)]))
            rows.append(cells)
        n_cols = max((len(r) for r in rows), default=0)
        filled = sum(1 for r in rows for c in r if c)
        # a frame around text (or a mostly empty grid) is no table; one row of three or more
        # cells may be the rest of a table from the page before
        if n_cols < 2 or (len(rows) < 2 and n_cols < 3) or (len(rows) >= 2 and filled * 4 < len(rows) * n_cols):
            continue
        col_edges = sorted({round(c[0], 0) for row in table.rows for c in row.cells if c})
        found.append(RawTable(tuple(float(v) for v in table.bbox), rows, number, col_edges))
    return found


def _column(seg: tuple[float, float, str], bounds: list[float], em: float) -> int:
    """The column a cell piece stands in: how many column boundaries lie left of its start."""
    return sum(1 for b in bounds if seg[0] + 0.5 * em >= b)


def _grow_rows(lines: list[Line], j: int, bounds: list[float], em: float, rows: list[list[str]],
               prev: Line | None, header_open: bool, st: ParseSettings, size_tolerance: float | None = None) -> int:
    """Add the lines from j on that fall into the columns to rows: a line with a first cell and
    another starts a row; one without a first cell continues the cells of the row above; right
    under the header row, a line filling few columns continues the header's cells (a wrapped
    header). Returns the index of the first line not taken."""
    n_cols = len(bounds) + 1
    size_tolerance = st.table_size_tolerance if size_tolerance is None else size_tolerance
    while j < len(lines):
        ln = lines[j]
        if ((ln.size_known and abs(ln.size - em) > size_tolerance)
                or (prev is not None and ln.top - prev.bottom > st.row_gap * em)):
            break
        segs = ln.segments or [(ln.x0, ln.x1, ln.text)]
        cols = [_column(s, bounds, em) for s in segs]
        if len(set(cols)) != len(cols):
            break
        tight = prev is not None and ln.top - prev.bottom < st.cell_wrap_gap * em
        cells = dict(zip(cols, (s[2] for s in segs)))
        if header_open and len(segs) < n_cols and tight:  # the header's cells wrapped
            _continue_cells(rows[-1], cells)
        elif (len(rows) == 1 and header_open or not rows) and cols[0] > 0:  # the rest of a row broken by the page
            rows.append([cells.get(c, "") for c in range(n_cols)])
            header_open = False
        elif cols[0] == 0 and len(segs) >= 2:  # a new row (the first one may be a header: its cells may wrap)
            header_open = header_open and not rows
            rows.append([cells.get(c, "") for c in range(n_cols)])
        elif cols[0] > 0 and rows and tight:  # wrapped cells of the row above, set close under it
            _continue_cells(rows[-1], cells)
        else:
            break
        prev = ln
        j += 1
    return j


def _continue_cells(row: list[str], cells: dict[int, str]) -> None:
    """Wrapped cell text joined onto the row above, column by column."""
    for c, text in cells.items():
        row[c] = join_wrapped([row[c], text])


def _lines_bbox(members: list[Line]) -> tuple[float, float, float, float]:
    return min(ln.x0 for ln in members), members[0].top, max(ln.x1 for ln in members), members[-1].bottom


def find_aligned_tables(lines: list[Line], page: int, st: ParseSettings = DEFAULT) -> tuple[list[RawTable], list[Line]]:
    """Tables drawn without rules (or with horizontal rules only): three or more rows of three
    or more cells split by wide gaps, whose cells fall into the columns of the first row. Returns
    the tables and the lines left."""
    tables: list[RawTable] = []
    used: set[int] = set()
    i = 0
    while i < len(lines):
        head = lines[i]
        if len(head.segments) < 3:
            i += 1
            continue
        em = head.size
        bounds = [(a[1] + b[0]) / 2 for a, b in zip(head.segments, head.segments[1:])]
        rows = [[s[2] for s in head.segments]]
        j = _grow_rows(lines, i + 1, bounds, em, rows, head, header_open=True, st=st)
        full = sum(1 for r in rows if sum(1 for c in r if c) >= 3)
        if len(rows) >= 3 and full >= 3:
            tables.append(RawTable(_lines_bbox(lines[i:j]), rows, page, bounds, ruled=False, size=em))
            used.update(range(i, j))
            i = j
        else:
            i += 1
    return tables, [ln for k, ln in enumerate(lines) if k not in used]


def continue_aligned_tables(pages: list[Page], furniture: set[tuple[int, int]], st: ParseSettings = DEFAULT) -> None:
    """A table without rules that ends its page goes on at the top of the next one with rows in
    the same columns (too few there to be found as a table of their own): read them as its
    continuation, a RawTable on the next page. furniture holds the (page, line index) of running
    matter; it is kept true as lines are taken."""
    from .tables import is_continued_mark

    tops = []  # where each page's text starts under its running header
    for p in pages:
        ys = [ln.top for k, ln in enumerate(p.lines) if (p.number, k) not in furniture] + [t.top for t in p.tables]
        if ys:
            tops.append(min(ys))
    text_top = statistics.median(tops) if tops else 0.0
    for p, nxt in zip(pages, pages[1:]):
        last = max(p.tables, key=lambda t: t.bottom, default=None)
        if last is None or last.ruled or nxt.number != p.number + 1:
            continue
        if last.bottom < st.continued_from_share * p.height:  # the table ended with room to spare
            continue
        below = [ln for k, ln in enumerate(p.lines) if ln.top > last.bottom and (p.number, k) not in furniture]
        if below:
            continue
        lines = [(k, ln) for k, ln in enumerate(nxt.lines) if (nxt.number, k) not in furniture]
        if any(t.top < (lines[0][1].top if lines else 0) for t in nxt.tables):
            continue
        start = 0
        while start < len(lines) and is_continued_mark(lines[start][1].text):
            start += 1
        plain = [ln for _, ln in lines]
        if start >= len(plain) or plain[start].top > text_top + st.continued_top_slack * last.size:
            continue  # nothing, or something set further down (a back cover), not rows going on
        rows: list[list[str]] = []
        # the first line may be the header printed again, its cells wrapped like the first time
        j = _grow_rows(plain, start, last.col_edges, last.size, rows, None, header_open=True, st=st,
                       size_tolerance=st.continued_size_tolerance)
        if not rows or j == start:
            continue
        nxt.tables.append(RawTable(_lines_bbox(plain[start:j]), rows, nxt.number, list(last.col_edges), ruled=False,
                                   size=last.size))
        taken = {k for k, _ in lines[start:j]}
        kept = [k for k in range(len(nxt.lines)) if k not in taken]
        moved = {(nxt.number, old) for old in kept if (nxt.number, old) in furniture}
        furniture -= moved
        furniture |= {(nxt.number, new) for new, old in enumerate(kept) if (nxt.number, old) in moved}
        nxt.lines = [nxt.lines[k] for k in kept]
