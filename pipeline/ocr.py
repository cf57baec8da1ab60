"""Stage 1b: pages without a usable text layer (scans) read by OCR, into the same Line records
the layout stages read from born-digital pages.

The engine sits behind a small interface (`OcrEngine`: a page image in, text lines with pixel
boxes and confidences out), so another engine can be added without touching the parser. The
default is RapidOCR (an optional extra, `pip install -e '.[ocr]'`), whose PP-OCR models ship
inside its wheel: nothing is downloaded at run time. Results are cached by the hash of the page
image, so a re-ingest or a parser change never reads the same page twice."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from .errors import NoTextLayerError
from .normalize import LEADER_DOTS

log = logging.getLogger(__name__)

OCR_MODES = ("auto", "never", "force")
INSTALL_HINT = "install the OCR extra: pip install -e '.[ocr]' (RapidOCR and onnxruntime)"


@dataclass
class OcrLine:
    text: str
    box: tuple[float, float, float, float]  # x0, top, x1, bottom in pixels
    confidence: float
    spans: list[tuple[str, float, float]] | None = None  # its characters (or Latin words) and their x0, x1

    def scaled(self, factor: float) -> OcrLine:
        return OcrLine(self.text, tuple(v * factor for v in self.box), self.confidence,  # type: ignore[arg-type]
                       [(t, a * factor, b * factor) for t, a, b in self.spans] if self.spans else None)

    @classmethod
    def from_dict(cls, d: dict) -> OcrLine:
        spans = d.get("spans")
        return cls(d["text"], tuple(d["box"]), d["confidence"], [tuple(x) for x in spans] if spans else None)


class OcrEngine(Protocol):
    name: str  # with its version: part of the cache key

    def recognize(self, image) -> list[OcrLine]:
        """Text lines of a page image (a PIL image)."""

    # optional: read_line(image) -> (text, confidence), one line of text cropped from a page
    # (no detection): the strips of ink the detector passed over are read with it


SPAN_SLACK = 0.5  # lines high: a character box this far outside its line's box is misplaced, not used


class RapidOcrEngine:
    """RapidOCR with its bundled PP-OCR models on onnxruntime."""

    def __init__(self):
        try:
            from importlib.metadata import version

            from rapidocr import RapidOCR
        except ImportError as exc:
            raise NoTextLayerError("scanned page: OCR is not installed", hint=INSTALL_HINT) from exc
        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        self._engine = RapidOCR()
        self.name = f"rapidocr-{version('rapidocr')}-3"  # -3: checked character spans, strips, deskewed

    def recognize(self, image) -> list[OcrLine]:
        import numpy as np

        # RapidOCR keeps the options of its last call: name them all each time
        result = self._engine(np.asarray(image.convert("RGB")), use_det=True, use_cls=True, use_rec=True,
                              return_word_box=True)
        boxes = result.boxes if result.boxes is not None else []
        words = result.word_results
        if not words or len(words) != len(boxes):  # word boxes that do not pair with the lines: none used
            words = [None] * len(boxes)
        lines = []
        for box, text, score, word in zip(boxes, result.txts or [], result.scores or [], words):
            xs, ys = [float(p[0]) for p in box], [float(p[1]) for p in box]
            spans = None
            if word and all(len(w) == 3 and w[2] is not None for w in word):
                spans = [(str(t), min(float(q[0]) for q in quad), max(float(q[0]) for q in quad)) for t, _s, quad in word]
                slack = (max(ys) - min(ys)) * SPAN_SLACK  # now and then a word box lands outside its own line
                if any(not t or a < min(xs) - slack or b > max(xs) + slack for t, a, b in spans):
                    spans = None
            lines.append(OcrLine(str(text), (min(xs), min(ys), max(xs), max(ys)), float(score), spans))
        return lines

    def read_line(self, image) -> tuple[str, float]:
        import numpy as np

        result = self._engine(np.asarray(image.convert("RGB")), use_det=False, use_cls=False, use_rec=True,
                              return_word_box=False)
        texts, scores = result.txts or (), result.scores or ()
        return (str(texts[0]), float(scores[0])) if texts else ("", 0.0)


_engine: OcrEngine | None = None


def default_engine() -> OcrEngine:
    """One engine per process (a worker loads the models once)."""
    global _engine
    if _engine is None:
        _engine = RapidOcrEngine()
    return _engine


@dataclass(frozen=True)
class OcrOptions:
    mode: str = "auto"  # auto: pages without a usable text layer; never; force: every page
    cache_dir: str | None = None  # <home>/cache/ocr
    scale: float = 2.0  # render at 144 dpi: PP-OCR reads 10.5 pt text without errors there
    box_to_size: float = 1.3  # an OCR box is about this many times the font size high (learnt per page when it can be)
    pitch_min_chars: int = 3  # a box with this many CJK characters measures its size by their pitch
    narrow_advance: float = 0.5  # a digit or Latin letter advances about half an em in a CJK font
    gap_step_ratio: float = 1.4  # a step between character centres this much above the usual one is a gap
    cjk_space: float = 0.6  # ems: a space between two CJK characters is at least this wide (the recognizer
    # places characters to a fifth of an em: a narrower gap is its jitter, and Chinese sets no thin spaces)
    narrow_height: float = 0.75  # a box of digits or Latin letters is this much less tall than one of CJK characters
    pitch_max_ratio: float = 1.4  # a pitch this far above the box height's size is letter spacing, not size
    pitch_sure_chars: int = 8  # a line of this many characters measures its size to half a point ...
    short_pitch_snap: float = 0.12  # ... a shorter one takes a size measured on the page's long lines this close
    size_snap: float = 0.5  # ... and a box measured by height alone (digits) one this close: box heights say little
    low_confidence: float = 0.8  # a page whose mean confidence is below this is flagged
    min_skew: float = 0.05  # degrees: a page less skewed than this is left as it is
    skew_step: float = 0.02  # degrees: how finely the skew is measured ...
    skew_coarse: int = 10  # ... after a first search in steps this many times as large
    skew_min_ink: int = 2000  # pixels of ink a page needs for its skew to be measured ...
    skew_min_lines: int = 4  # ... and this many lines ...
    skew_line_width: float = 0.4  # ... at least this share of the page wide
    max_skew: float = 5.0  # degrees: more is no scanner's skew but a page set at an angle (not turned: left to the engine)
    reread_below: float = 0.8  # a line read with less confidence is read again on its own ...
    reread_padding: int = 6  # ... from its box and this many pixels of paper around it
    strip_padding: int = 3  # pixels: white kept around a box, and around a strip read again
    strip_min_ink: int = 4  # pixels of ink a row needs to be part of a strip (JPEG specks are fewer)
    strip_gap: float = 0.25  # lines high: rows of ink this close are one strip (a 7's thin stroke has little ink)
    strip_height: tuple[float, float] = (0.25, 1.6)  # a strip is this many detected lines high (not a rule, not a seal)
    strip_min_confidence: float = 0.3  # a strip read with less is noise (leader dots bring a fair read down)


# -- does a page need OCR? ---------------------------------------------------------------------

MIN_CHARS = 10  # a page with fewer characters than this and an image on it is a scan
GARBAGE_SHARE = 0.3  # more than this share of private-use or replacement characters: no usable text


def text_layer_unusable(chars: list[dict], n_images: int) -> bool:
    """No text, or only a few characters over an image, or characters that map to nothing
    (private-use code points of a font without a ToUnicode map)."""
    text = "".join(c["text"] for c in chars if not c["text"].isspace())
    if not text:
        return n_images > 0  # a blank page is no scan
    bad = sum(1 for ch in text if unicodedata.category(ch) in ("Co", "Cn") or ch == "\ufffd")
    if bad > GARBAGE_SHARE * len(text):
        return True
    return len(text) < MIN_CHARS and n_images > 0


# -- reading a page ------------------------------------------------------------------------------

def _cache_path(options: OcrOptions, engine: OcrEngine, image) -> Path | None:
    if not options.cache_dir:
        return None
    h = hashlib.sha256(image.tobytes())
    h.update(f"{image.size}{image.mode}{engine.name}".encode())
    shaping = {k: v for k, v in asdict(options).items() if k.startswith(("reread_", "strip_", "skew_", "min_skew", "max_skew"))}
    h.update(json.dumps(shaping, sort_keys=True).encode())  # what is cached depends on these too
    return Path(options.cache_dir) / f"{h.hexdigest()}.json"


def recognize_page(pdf_path: Path, number: int, options: OcrOptions, engine: OcrEngine | None = None):
    """(OCR lines in points, page width, height, confidence, the page image) of one 1-based page:
    the lines set straight with the page's skew, and the image turned with them; the confidence is
    the lines' mean weighted by their characters, leader dots left out."""
    import pypdfium2 as pdfium

    engine = engine or default_engine()
    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        page = doc[number - 1]
        width, height = page.get_size()
        image = page.render(scale=options.scale, grayscale=True).to_pil()
    finally:
        doc.close()
    cache = _cache_path(options, engine, image)
    lines, skew = None, 0.0
    if cache and cache.exists():
        try:
            stored = json.loads(cache.read_text(encoding="utf-8"))
            lines, skew = [OcrLine.from_dict(d) for d in stored["lines"]], float(stored["skew"])
        except (OSError, ValueError, KeyError, TypeError):
            lines = None
    straight = None
    if lines is None:
        lines = reread_doubtful(image, engine.recognize(image), engine, options)
        skew = page_skew(image, lines, options)
        lines = [deskewed(ln, skew, image.size) for ln in lines]
        straight = straightened(image, skew)
        lines += read_missed_strips(straight, lines, engine, options)
        if cache:  # a cache that cannot be written costs a second reading later, not this file
            tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
            try:
                cache.parent.mkdir(parents=True, exist_ok=True)
                tmp.write_text(json.dumps({"skew": skew, "lines": [asdict(ln) for ln in lines]}, ensure_ascii=False),
                               encoding="utf-8")
                os.replace(tmp, cache)
            except OSError as exc:
                log.warning("OCR cache not written (%s): %s", cache.parent, exc)
                tmp.unlink(missing_ok=True)
    image = straight if straight is not None else straightened(image, skew)
    in_points = [ln.scaled(1 / options.scale) for ln in lines if ln.text.strip()]
    weights = [len(ln.text.strip(_LEADER_CHARS + " ")) or 1 for ln in in_points]  # leader dots read poorly and say little
    confidence = (sum(w * ln.confidence for w, ln in zip(weights, in_points)) / sum(weights)) if in_points else 0.0
    return in_points, float(width), float(height), confidence, image


_LEADER_CHARS = ".·…・-—_"


# -- a skewed scan set straight --------------------------------------------------------------------

def page_skew(image, lines: list[OcrLine], options: OcrOptions) -> float:
    """How many degrees the page's text lines fall to the right, measured in the image: the
    slope at which the ink, summed along it, is sharpest (text lines and the white between them
    stand apart best when the sum runs along them), searched coarse then fine. 0 when the page
    is too little skewed to matter, or has too few long lines to say: on a page of two short
    lines, a slope that lays one beside the other would look sharpest."""
    import numpy as np

    long_lines = sum(1 for ln in lines if ln.box[2] - ln.box[0] >= options.skew_line_width * image.size[0])
    if long_lines < options.skew_min_lines:
        return 0.0
    _grey, _paper, ink = ink_mask(image)
    ys, xs = np.nonzero(ink)
    if len(ys) < options.skew_min_ink:
        return 0.0
    xs = xs - ink.shape[1] / 2

    def sharpness(degrees: float) -> float:
        rows = np.round(ys - xs * math.tan(math.radians(degrees))).astype(np.int64)
        counts = np.bincount(rows - rows.min())
        return float(np.dot(counts, counts))

    best = 0.0
    coarse = options.skew_step * options.skew_coarse
    for step, reach in ((coarse, options.max_skew), (options.skew_step, coarse)):
        n = int(round(reach / step))
        # nearest first, so that among slopes alike (a turn too small to move a row) the least wins
        best = max((best + k * step for k in sorted(range(-n, n + 1), key=abs)), key=sharpness)
    return best if options.min_skew <= abs(best) < options.max_skew else 0.0  # at the search's edge: not a scan's skew


MIN_STRAIGHT_HEIGHT = 0.5  # a box turned straight keeps at least this share of its height (a skew misjudged)


def deskewed(ln: OcrLine, skew: float, size: tuple[int, int]) -> OcrLine:
    """A line's box and character spans as they stand on the page turned straight (about the
    image centre, as straightened() turns the image): the box no longer grows by the slope."""
    if not skew:
        return ln
    t = math.radians(skew)
    cos, sin = math.cos(t), math.sin(t)
    cx, cy = size[0] / 2, size[1] / 2
    x0, top, x1, bottom = ln.box
    mx, my = (x0 + x1) / 2, (top + bottom) / 2

    def turn(x: float, y: float) -> tuple[float, float]:
        return cx + (x - cx) * cos + (y - cy) * sin, cy - (x - cx) * sin + (y - cy) * cos

    nx, ny = turn(mx, my)
    half_w = (x1 - x0) / 2
    half_h = max((bottom - top) - (x1 - x0) * abs(sin), (bottom - top) * MIN_STRAIGHT_HEIGHT) / 2  # the slope made it taller
    spans = None
    if ln.spans:  # a character on the sloping line sits at y = my + (x - mx) * tan
        spans = []
        for text, a, b in ln.spans:
            xa, _ = turn(a, my + (a - mx) * math.tan(t))
            xb, _ = turn(b, my + (b - mx) * math.tan(t))
            spans.append((text, xa, xb))
    return OcrLine(ln.text, (nx - half_w, ny - half_h, nx + half_w, ny + half_h), ln.confidence, spans)


def straightened(image, skew: float):
    """The page image turned by the skew (PIL turns counter-clockwise, as a line falling to the
    right needs), the corners filled with paper."""
    if not skew:
        return image
    import numpy as np

    paper = int(np.median(np.asarray(image.convert("L"))))
    from PIL import Image

    return image.rotate(skew, resample=Image.BICUBIC, expand=False, fillcolor=paper)


def _padded_crop(image, box, pad_x: float, pad_y: float):
    """The part of an image in a box with paper around it, kept inside the image (Pillow fills
    what lies outside with black, which the recognizer reads as a stroke)."""
    x0, top, x1, bottom = box
    return image.crop((max(x0 - pad_x, 0), max(top - pad_y, 0), min(x1 + pad_x, image.size[0]),
                       min(bottom + pad_y, image.size[1])))


def reread_doubtful(image, lines: list[OcrLine], engine: OcrEngine, options: OcrOptions) -> list[OcrLine]:
    """Lines read with little confidence read again by the recognizer alone, from their box with
    some paper around it; the better reading is kept. Run with the detector, the recognizer now
    and then turns a plain line into a few brackets; on its own crop it reads it."""
    read_line = getattr(engine, "read_line", None)
    if read_line is None:
        return lines
    out = []
    for ln in lines:
        if ln.confidence < options.reread_below:
            text, score = read_line(_padded_crop(image, ln.box, options.reread_padding, options.reread_padding))
            if text.strip() and score > ln.confidence:
                ln = OcrLine(text, ln.box, score)
        out.append(ln)
    return out


def read_missed_strips(image, lines: list[OcrLine], engine: OcrEngine, options: OcrOptions) -> list[OcrLine]:
    """Lines of ink the detector passed over, read by the recognizer alone. A detector trained
    on words skips a row of leader dots, and with it the page number at its end: a TOC would
    lose its page references. Strips are rows of ink outside every detected box, of a line's
    height; they keep what reads as more than dots."""
    read_line = getattr(engine, "read_line", None)
    if read_line is None or not lines:
        return []
    import numpy as np
    from PIL import Image

    grey, paper, ink = ink_mask(image)
    grey = grey.copy()
    ink &= ~_rules(ink)  # a table's rules are no text
    pad = options.strip_padding
    for ln in lines:
        x0, top, x1, bottom = (int(v) for v in ln.box)
        ink[max(top - pad, 0):bottom + pad, max(x0 - pad, 0):x1 + pad] = False
    grey[~ink] = int(paper)  # a strip is read with only its own ink: not the text read already, not rules
    left = Image.fromarray(grey)
    line_height = statistics.median([ln.box[3] - ln.box[1] for ln in lines])
    rows = ink.sum(axis=1) >= options.strip_min_ink
    gap = max(1, int(options.strip_gap * line_height))
    found, y, h = [], 0, len(rows)
    while y < h:
        if not rows[y]:
            y += 1
            continue
        start = y
        while y < h and rows[y:y + gap + 1].any():  # the dots and the thin strokes of a digit beside them are one strip
            y += 1
        if options.strip_height[0] * line_height <= y - start <= options.strip_height[1] * line_height:
            cols = np.flatnonzero(ink[start:y].any(axis=0))
            x0, x1 = int(cols[0]), int(cols[-1]) + 1
            top, bottom = max(start - pad, 0), min(y + pad, h)
            text, score = read_line(_padded_crop(left, (x0, top, x1, bottom), pad, 0))
            if any(ch.isalnum() for ch in text) and score >= options.strip_min_confidence:
                found.append(OcrLine(text, (float(x0), float(top), float(x1), float(bottom)), score))
    return found


# -- spaces and cells from the gaps between characters ---------------------------------------

def _units(text: str, options: OcrOptions) -> float:
    """How many ems a piece of text advances: one for a CJK character (and for punctuation OCR
    reads as ASCII: in Chinese text it is full width), about half for others."""
    return sum(1.0 if _wide(ch) or ch in _HALF_TO_FULL else options.narrow_advance for ch in text) or options.narrow_advance


def split_at_gaps(ln: OcrLine, space_ems: float, cell_ems: float, options: OcrOptions) -> list[OcrLine]:
    """A line's text rebuilt from its character boxes: a space where a gap is space_ems wide, a
    new piece (the next cell of a table, the second of two signers) where it is cell_ems wide.
    Gaps are measured between character centres less their advances, so the white space a
    Chinese comma leaves in its own box is no gap. Lines without character boxes stay as read."""
    spans = ln.spans
    if not spans:
        return [ln]
    if "".join(t for t, _, _ in spans) != "".join(ln.text.split()):  # boxes that do not spell the text: not used
        return [OcrLine(ln.text, ln.box, ln.confidence)]
    units = [_units(t, options) for t, _, _ in spans]
    centres = [(a + b) / 2 for _, a, b in spans]
    em = _span_pitch(spans, options) or (ln.box[3] - ln.box[1]) / options.box_to_size
    pieces: list[list[int]] = [[0]]
    spaced: set[int] = set()
    for k in range(1, len(spans)):
        gap = centres[k] - centres[k - 1] - em * (units[k] + units[k - 1]) / 2
        if gap >= cell_ems * em:
            pieces.append([k])
            continue
        between_cjk = _wide(spans[k - 1][0][-1]) and _wide(spans[k][0][0])
        if gap >= (max(space_ems, options.cjk_space) if between_cjk else space_ems) * em:
            spaced.add(k)
        pieces[-1].append(k)
    out = []
    for piece in pieces:
        text = "".join((" " if k in spaced else "") + spans[k][0] for k in piece)
        box = (spans[piece[0]][1], ln.box[1], spans[piece[-1]][2], ln.box[3])
        out.append(OcrLine(text, box, ln.confidence, [spans[k] for k in piece]))
    return out


# -- ruled tables on a page image ---------------------------------------------------------------

RULE_MIN_SHARE = 0.05  # a rule is at least this share of the page width (or height) long
INK_BELOW_PAPER = 30  # grey levels darker than the paper by this much are ink (thin rules are faint in a scan)


def ink_mask(image):
    """(grey levels, the paper's level, where the ink is) of a page image: ink is what is darker
    than the paper (its median level) by INK_BELOW_PAPER."""
    import numpy as np

    grey = np.asarray(image.convert("L"))
    paper = float(np.median(grey))
    return grey, paper, grey < paper - INK_BELOW_PAPER


def _rule_kernels(shape: tuple[int, int]) -> tuple[tuple[str, tuple[int, int]], ...]:
    """Structuring elements that keep only long straight strokes: horizontal and vertical rules."""
    h, w = shape
    return (("h", (max(20, int(w * RULE_MIN_SHARE)), 1)), ("v", (1, max(20, int(h * RULE_MIN_SHARE / 2)))))


def _rules(ink):
    """The pixels of an ink mask (booleans) that belong to rules; none without OpenCV."""
    import numpy as np

    try:
        import cv2
    except ImportError:  # OpenCV comes with the OCR extra
        return np.zeros_like(ink)
    mask = ink.astype(np.uint8) * 255
    out = np.zeros_like(ink)
    for _, kernel in _rule_kernels(ink.shape):
        out |= cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel)) > 0
    return out


def ruled_table_cells(image, scale: float) -> list[list[tuple[float, float, float, float]]]:
    """The cells (x0, top, x1, bottom, in points) of each table drawn with rules on a page image:
    rules found by morphology (OpenCV), cells from their crossings (pdfplumber's own edges ->
    intersections -> cells -> tables), so merged cells come out as on born-digital pages."""
    try:
        import cv2
        import numpy as np
    except ImportError:  # OpenCV comes with the OCR extra
        return []
    from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

    ink = (ink_mask(image)[2] * 255).astype(np.uint8)
    edges = []
    for orientation, kernel in _rule_kernels(ink.shape):
        mask = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        for x, y, bw, bh, _area in stats[1:n]:
            x0, top, x1, bottom = x / scale, y / scale, (x + bw) / scale, (y + bh) / scale
            if orientation == "h":
                mid = (top + bottom) / 2
                edges.append({"x0": x0, "x1": x1, "top": mid, "bottom": mid, "width": x1 - x0, "height": 0,
                              "orientation": "h"})
            else:
                mid = (x0 + x1) / 2
                edges.append({"x0": mid, "x1": mid, "top": top, "bottom": bottom, "width": 0, "height": bottom - top,
                              "orientation": "v"})
    if not any(e["orientation"] == "v" for e in edges):
        return []
    edges = merge_edges(edges, snap_x_tolerance=3, snap_y_tolerance=3, join_x_tolerance=3, join_y_tolerance=3)
    cells = intersections_to_cells(edges_to_intersections(edges, x_tolerance=3, y_tolerance=3))
    return [t for t in cells_to_tables(cells) if len(t) >= 4]


def table_rows(cells: list[tuple[float, float, float, float]], lines: list[OcrLine]) -> tuple[list[list[str]], set[int]]:
    """The text of each cell, row by row, from the OCR lines whose middle falls inside it; and
    the indexes of the lines used."""
    from pdfplumber.table import Table

    from .normalize import join_wrapped

    used: set[int] = set()
    rows = []
    for row in Table(None, cells).rows:
        texts = []
        for cell in row.cells:
            if cell is None:
                texts.append("")
                continue
            x0, top, x1, bottom = cell
            inside = [k for k, ln in enumerate(lines)
                      if x0 <= (ln.box[0] + ln.box[2]) / 2 <= x1 and top <= (ln.box[1] + ln.box[3]) / 2 <= bottom]
            used.update(inside)
            inside.sort(key=lambda k: (lines[k].box[1], lines[k].box[0]))
            texts.append(join_wrapped([restore_fullwidth(lines[k].text.strip(), lines[k].spans is not None)
                                       for k in inside]))
        rows.append(texts)
    return rows, used


# -- OCR lines to layout lines -------------------------------------------------------------------

_CJK_OR_FULL = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]"
_HALF_TO_FULL = {"(": "（", ")": "）", ",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}


def restore_fullwidth(text: str, measured_spaces: bool = False) -> str:
    """OCR reads Chinese punctuation as ASCII: (此件公开) -> （此件公开）, 单位:  -> 单位： — only
    next to Chinese text, so 3.5, (1) and Latin stay as they are. The engine's own spaces beside
    Chinese are dropped; spaces measured from character boxes (split_at_gaps) are kept, but
    not around punctuation."""
    if measured_spaces:  # a bracket's or comma's glyph sits at one side of its box: no space on that side
        text = re.sub(r"(?<=[（《“‘〔【(\[])\s+|\s+(?=[）》”’〕】，。、：；？！),.:;?!\]])", "", text)
    else:
        text = re.sub(r"\s+(?=" + _CJK_OR_FULL + ")|(?<=" + _CJK_OR_FULL + r")\s+", "", text)
    out = list(text)
    for i, ch in enumerate(out):
        if ch not in _HALF_TO_FULL:
            continue
        before = out[i - 1] if i else ""
        after = out[i + 1] if i + 1 < len(out) else ""
        near_cjk = bool(re.match(_CJK_OR_FULL, before) or re.match(_CJK_OR_FULL, after))
        if ch in "()":  # a bracket pair around or beside Chinese
            rest = text[i + 1:] if ch == "(" else text[:i]
            near_cjk = near_cjk or bool(re.search(_CJK_OR_FULL, rest[:12] if ch == "(" else rest[-12:]))
            numbering = (re.match(r"\(\d{1,2}\)", text[i:]) if ch == "("
                         else re.search(r"\(\d{1,2}\)$", text[:i + 1]))
            if numbering:
                near_cjk = False  # (1) numbering stays
        if near_cjk:
            out[i] = _HALF_TO_FULL[ch]
    return "".join(out)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _span_pitch(spans: list[tuple[str, float, float]], options: OcrOptions) -> float | None:
    """The em from character boxes: over runs of CJK characters set without a gap, the distance
    from the first centre to the last over the characters between. One step is too coarse (the
    recognizer places characters to a few pixels), and digits, Latin letters and spaces advance
    by amounts no font agrees on; a run of CJK characters advances one em each."""
    centres = [(a + b) / 2 for _, a, b in spans]
    wide = [len(t) == 1 and _wide(t) for t, _, _ in spans]
    steps = [c2 - c1 for k, (c1, c2) in enumerate(zip(centres, centres[1:])) if wide[k] and wide[k + 1]]
    if len(steps) < options.pitch_min_chars - 1:
        return None
    typical = statistics.median(steps)
    tight = [step for step in steps if step <= options.gap_step_ratio * typical]  # a gap ends a run
    return statistics.fmean(tight) if len(tight) >= options.pitch_min_chars - 1 else None


def _pitch_size(ln: OcrLine, options: OcrOptions) -> float | None:
    """The font size from the advance of a box's characters: a CJK character is one em wide,
    whatever its ink, while box heights vary with the glyphs (digits are short, 限 is tall) by
    about 1.5 pt. None for boxes with too few CJK characters, or spaced out (a letter-spaced title)."""
    text = "".join(ln.text.split())
    wide = sum(1 for ch in text if _wide(ch))
    if wide < options.pitch_min_chars:
        return None
    pitch = _span_pitch(ln.spans, options) if ln.spans else None
    if pitch is None:
        pitch = (ln.box[2] - ln.box[0]) / _units(text, options)
    by_height = (ln.box[3] - ln.box[1]) / options.box_to_size
    return pitch if pitch <= options.pitch_max_ratio * by_height else None


def _sizes(row: list[tuple[OcrLine, float | None]], page_sizes: list[float], box_to_size: float,
           options: OcrOptions) -> tuple[float, bool]:
    """One line's size, and whether it was measured (by pitch) rather than guessed from box
    heights: by the pitch of its CJK characters when they are many; for a short line, the
    nearest size measured on the page's long lines when close; for one without CJK characters
    (a row of digits), from its box height, the text's own size first when that is close at all
    (page_sizes runs from the most common)."""
    pitched = [(s, len(ln.text)) for ln, s in row if s is not None]
    if pitched and max(n for _, n in pitched) >= options.pitch_sure_chars:
        return round(statistics.median([s for s, _ in pitched]) * 2) / 2, True
    if pitched:  # measured, if coarsely: the nearest size
        size = statistics.median([s for s, _ in pitched])
        near = min(page_sizes, key=lambda s: abs(s - size), default=size)
        size = near if abs(near - size) <= options.short_pitch_snap * near else size
    else:  # guessed from the height: the text's own size when that is close at all
        size = statistics.median([(ln.box[3] - ln.box[1]) / box_to_size
                                  / (1.0 if any(_wide(ch) for ch in ln.text) else options.narrow_height) for ln, _ in row])
        size = next((s for s in page_sizes if abs(s - size) <= options.size_snap * s), size)
    return round(size * 2) / 2, bool(pitched)


_DIGIT_LOOKALIKES = str.maketrans("OoDlIi|gqSsBZz", "00011119955822")
_SPECKS = ",，'`~+\\-_\\s"  # what else OCR reads in a row of leader dots
_LEADER_TAIL = re.compile(rf"(?P<dots>[{LEADER_DOTS}{_SPECKS}]*[{LEADER_DOTS}][{LEADER_DOTS}{_SPECKS}]*)"
                          r"(?P<page>[0-9OoDlIi|gqSsBZz]{1,4})\s*$")


def tidy_leaders(text: str, after_gap: bool = False) -> str:
    """A dot leader as OCR reads it — dots of every kind with specks between (·.·-+·) — made one
    run of dots, and the page number at its end read as digits (9 misread as g, 0 as O, 1 as l).
    Only a tail after at least three leader dots is touched (one, for a piece set apart by a
    wide gap: the recognizer drops most dots of a leader), so Latin words stay as they are."""
    m = _LEADER_TAIL.search(text)
    if not m or sum(1 for ch in m.group("dots") if ch in LEADER_DOTS) < (1 if after_gap and m.start() == 0 else 3):
        return text
    page = m.group("page").translate(_DIGIT_LOOKALIKES)
    if not page.isdigit():
        return text
    return text[: m.start()].rstrip() + "……" + page


_LONE_NUMBER = re.compile(r"[\s.。,，·・'`~一—\-－_]{0,4}\d{1,4}[\s.。,，·・'`~一—\-－_]{0,4}")
_MARK_LOOKALIKES = str.maketrans({".": "·", "。": "·", ",": "·", "，": "·", "'": "·", "`": "·", "一": "—"})


def tidy_page_number(text: str) -> str:
    """A page number as OCR reads its marks — · 277 · as ·277., — 225 — as —225一 — with the
    marks it stands for, so the number is known as a page number."""
    return text.translate(_MARK_LOOKALIKES) if _LONE_NUMBER.fullmatch(text) and not text.strip().isdigit() else text


def to_lines(ocr_lines: list[OcrLine], page: int, options: OcrOptions):
    """Line records from OCR boxes: boxes on one baseline make one line (apart by a wide gap:
    its segments, the cells of a table drawn without rules), sizes from the pitch of their
    characters (or box heights, for short boxes)."""
    from .pages import Line

    if not ocr_lines:
        return []
    median = statistics.median([ln.box[3] - ln.box[1] for ln in ocr_lines])
    boxes = sorted(ocr_lines, key=lambda ln: ((ln.box[1] + ln.box[3]) / 2, ln.box[0]))
    rows: list[list[OcrLine]] = []
    for ln in boxes:
        mid = (ln.box[1] + ln.box[3]) / 2
        if rows:
            last = rows[-1]
            ref = statistics.fmean([(b.box[1] + b.box[3]) / 2 for b in last])
            if abs(mid - ref) <= 0.4 * median:
                last.append(ln)
                continue
        rows.append([ln])
    pitch = {id(ln): _pitch_size(ln, options) for ln in ocr_lines}
    weight: Counter[float] = Counter()  # sizes measured on long lines, by the characters set in them
    ratios = []  # how high this engine draws a box around a line of a given size, learnt from the long lines
    for ln in ocr_lines:
        if len(ln.text) >= options.pitch_sure_chars and (s := pitch[id(ln)]) is not None:
            weight[round(s * 2) / 2] += len(ln.text)
            if s:
                ratios.append((ln.box[3] - ln.box[1]) / s)
    page_sizes = [s for s, _ in weight.most_common()]
    box_to_size = statistics.median(ratios) if ratios else options.box_to_size
    out = []
    for row in rows:
        row.sort(key=lambda b: b.box[0])
        texts = [restore_fullwidth(b.text.strip(), b.spans is not None) for b in row]
        texts[-1] = tidy_leaders(texts[-1], after_gap=len(texts) > 1)
        if len(texts) == 1:
            texts[0] = tidy_page_number(texts[0])
        segments = [(b.box[0], b.box[2], t) for b, t in zip(row, texts)]
        size, known = _sizes([(ln, pitch[id(ln)]) for ln in row], page_sizes, box_to_size, options)
        # the em box, as a born-digital line has it, about the middle of the boxes (a box is
        # padded by the detector, a few points more than the text on either side)
        mid = statistics.median([(b.box[1] + b.box[3]) / 2 for b in row])
        out.append(Line(text=" ".join(texts), x0=min(b.box[0] for b in row), x1=max(b.box[2] for b in row),
                        top=mid - size / 2, bottom=mid + size / 2, size=size, bold=False,
                        page=page, segments=segments if len(segments) > 1 else [], size_known=known))
    out.sort(key=lambda ln: (ln.top, ln.x0))
    return out
