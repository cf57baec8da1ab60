"""The parse stage end to end: one gazette PDF in, one Gazette record out."""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

from . import __version__
from .errors import InputError, NoDocumentsError, NoTextLayerError
from .fields import build_document
from .front_matter import parse_toc, read_cover
from .layout import Layout, analyse
from .model import Gazette, GazetteInfo, Source
from .normalize import squash
from .ocr import INSTALL_HINT, OcrOptions
from .pages import Line, Page, continue_aligned_tables, read_pages, read_pages_parallel
from .segment import find_spans, toc_warnings
from .settings import DEFAULT, ParseSettings

LOW_OCR_CONFIDENCE = OcrOptions().low_confidence
OCR_HINT = f"{INSTALL_HINT}, and run with --ocr auto"

log = logging.getLogger(__name__)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def reading_flow(pages: list[Page], layout: Layout) -> list:
    """Lines without running matter, and tables, in reading order."""
    flow: list = []
    for p in pages:
        items = [ln for i, ln in enumerate(p.lines) if (p.number, i) not in layout.furniture]
        items += p.tables
        items.sort(key=lambda x: x.top)
        flow.extend(items)
    return flow


def gazette_id(title: str | None, year: int | None, number: int | None, fallback: str) -> str:
    """<title>-<year>-<issue>, or the file's name when the cover does not say; only characters
    that can stand in a file name, never a leading dot."""
    raw = f"{title}-{year}-{number:02d}" if title and year and number else fallback
    safe = re.sub(r"[\s/\\:*?\"<>|\x00-\x1f\x7f]+", "_", raw).lstrip(".")
    return safe or "gazette"


def parse_pages(pages: list[Page], path: Path, sha256: str | None = None,
                settings: ParseSettings = DEFAULT) -> Gazette:
    """Build the Gazette from pages already read (see pages.read_pages)."""
    if not pages:
        raise InputError("the PDF has no pages", path=str(path), hint="the file is empty inside; nothing to parse")
    if not any(p.lines or p.tables for p in pages):
        if any(p.ocr for p in pages):
            raise NoTextLayerError("no text on any page, even by OCR (blank or unreadable scans)", path=str(path))
        if any(p.n_images for p in pages):
            raise NoTextLayerError("scanned PDF without a text layer: needs OCR", path=str(path), hint=OCR_HINT)
        raise NoTextLayerError("no text on any page", path=str(path))
    layout = analyse(pages, settings)
    layout.ocr_pages = {p.number: p.ocr_confidence or 0.0 for p in pages if p.ocr}
    continue_aligned_tables(pages, layout.furniture, settings)
    flow = reading_flow(pages, layout)
    flow_lines = [x for x in flow if isinstance(x, Line)]
    toc, toc_start, toc_end = parse_toc(flow_lines, layout)
    lo = 0
    if toc_end is not None and toc_end < len(flow_lines):
        lo = next(k for k, x in enumerate(flow) if x is flow_lines[toc_end])
    spans = find_spans(flow, layout, toc, lo)
    if not spans:
        raise NoDocumentsError("no official documents recognized (no 文号 or document titles)", path=str(path))
    first_page = flow[spans[0].start].page
    cover = read_cover([ln for p in pages if p.number <= first_page for ln in p.lines])
    warnings = list(layout.warnings)
    if toc_start is None:
        warnings.append("no table of contents found: categories are unknown")
    elif not toc:
        warnings.append("a table of contents was found but no entry could be read")
    warnings += toc_warnings(spans, toc)
    for name in ("title", "year", "number"):
        if getattr(cover, name) is None:
            warnings.append(f"gazette {name} not found on the cover")
    unread = [p.number for p in pages if p.unread]
    if unread:
        warnings.append(f"page(s) {', '.join(map(str, unread))} are scanned and were not read: {OCR_HINT}")
    for page, confidence in sorted(layout.ocr_pages.items()):
        if confidence < LOW_OCR_CONFIDENCE:
            warnings.append(f"page {page} read by OCR with low confidence ({confidence:.2f}): check its text")

    by_number = {e.doc_number: e.category for e in toc if e.doc_number}
    by_title = {squash(e.title): e.category for e in toc}
    documents = []
    for span in spans:
        number = str(span.number) if span.number else None
        category = by_number.get(number) if number else None
        if category is None:
            category = by_title.get(squash(span.title))
        documents.append(build_document(span, flow, layout, category))
    info = GazetteInfo(
        # without a cover identity, the file name and its hash: two coverless files never share an id
        id=gazette_id(cover.title, cover.year, cover.number, f"{path.stem}-{(sha256 or file_sha256(path))[:8]}"),
        title=cover.title,
        year=cover.year,
        number=cover.number,
        total_number=cover.total_number,
        published=cover.published,
        publisher=cover.publisher,
        frequency=cover.frequency,
        warnings=warnings,
    )
    source = Source(path.name, sha256 or file_sha256(path), len(pages), __version__)
    log.info("%s: %d pages, %d documents, %d tables", path.name, len(pages), len(documents),
             sum(len(d.tables) for d in documents))
    for w in warnings:
        log.warning("%s: %s", path.name, w)
    ocr_pages = [{"page": p, "confidence": c} for p, c in sorted(layout.ocr_pages.items())]
    return Gazette(source=source, gazette=info, documents=documents, ocr_pages=ocr_pages)


def parse_pdf(path: str | Path, jobs: int = 1, settings: ParseSettings = DEFAULT, ocr: OcrOptions | None = None,
              engine: str = "pdfium") -> Gazette:
    """Parse one gazette PDF; jobs > 1 reads its pages in that many worker processes; scanned
    pages are read by OCR (ocr.OcrOptions: mode auto, never or force; a cache folder); engine
    "pdfplumber" reads every page with the reference engine instead of PDFium (same result)."""
    path = Path(path)
    pages = (read_pages_parallel(path, jobs, settings, ocr, engine) if jobs > 1
             else read_pages(path, settings=settings, ocr=ocr, engine=engine))
    return parse_pages(pages, path, settings=settings)
