"""Stage 1a: a page's characters, read by PDFium (fast, the default) or by pdfplumber (the
reference), normalized at the source so the later stages cannot tell the engines apart.

Both engines give each character as a dict with `text, x0, x1, top, bottom, size, fontname`
(page coordinates from the top left, points). Where the engines would differ, the character is
normalized here, the same way for both:
- its box is the em box on its baseline (`ParseSettings.em_box_descent`), not the box a font's
  declared descent gives (pdfminer takes the font descriptor's /Descent, often 0, PDFium the
  font file's);
- its advance is the font's width for the character (PDFium's loose box is the glyph's outline);
- a glyph mapped to several characters ("——") is one character, as pdfminer gives it;
- look-alike middle dots are one character, the subset tag is cut off the font name.

PDFium reads a page about seven times faster than pdfminer, but it has no table finder; a page
that has enough straight rules to hold a ruled table, is rotated, or holds rotated text is read
by pdfplumber (`PageChars.needs_reference`)."""

from __future__ import annotations

import ctypes
import logging
from dataclasses import dataclass, field

from .settings import DEFAULT, ParseSettings

log = logging.getLogger(__name__)

ENGINES = ("pdfium", "pdfplumber")

# characters that mean the same and that the engines' encodings map apart (U+30FB from one
# CMap, U+00B7 from another): the form Chinese text uses
CANONICAL = str.maketrans({"\u30fb": "\u00b7", "\uff65": "\u00b7", "\u2027": "\u00b7"})
_LOOK_ALIKE = frozenset(map(chr, CANONICAL))  # the characters CANONICAL changes
_UNKNOWN = object()


@dataclass
class PageChars:
    number: int  # 1-based physical page
    width: float
    height: float
    chars: list[dict] = field(default_factory=list)
    n_images: int = 0
    n_rules: int = 0  # straight path segments (a ruled table has many)
    unusual: str = ""  # why PDFium's characters cannot stand for the reference's (rotation)
    edges: list[dict] | None = None  # the page's rules as pdfplumber's edges, when PDFium can give them

    def needs_reference(self, st: ParseSettings = DEFAULT) -> bool:
        """Read this page with pdfplumber: PDFium's view of it differs, or it may hold a ruled
        table whose rules PDFium cannot give as pdfplumber would (curves, forms)."""
        return bool(self.unusual) or (self.n_rules >= st.ruled_table_min_edges and self.edges is None)

    def ruled(self, st: ParseSettings = DEFAULT) -> EdgePage | None:
        """The page's rules for pdfplumber's table finder, when it may hold a ruled table."""
        if self.n_rules >= st.ruled_table_min_edges and self.edges is not None:
            return EdgePage(self.edges)
        return None


class EdgePage:
    """What pdfplumber's table finder reads of a page (its edges), built from PDFium's path
    objects: the tables come from pdfplumber's own algorithm without pdfminer reading the page."""

    def __init__(self, edges: list[dict]):
        self.edges = edges

    def find_tables(self):
        from pdfplumber.table import TableFinder, TableSettings

        return TableFinder(self, TableSettings.resolve(None)).tables


def font_name(name: str) -> str:
    """The font's name without its subset tag ("ABCDEF+SimHei" is SimHei: a random tag such as
    "XHEIAB" must not read as a bold face)."""
    tag, plus, rest = name.partition("+")
    return rest if plus and len(tag) == 6 and tag.isalpha() and tag.isupper() else name


def em_box(base: float, size: float, st: ParseSettings) -> tuple[float, float]:
    """(top, bottom) of a character on the baseline `base` (from the top of the page)."""
    return base - (1 - st.em_box_descent) * size, base + st.em_box_descent * size


# -- pdfplumber (the reference) ---------------------------------------------------------------------

def plumber_chars(page, st: ParseSettings = DEFAULT) -> list[dict]:
    """pdfplumber's characters, normalized; a character that is not upright keeps its box."""
    out = []
    for c in page.chars:
        m = c.get("matrix")
        top, bottom = c["top"], c["bottom"]
        if m and c.get("upright") and m[1] == 0 and m[2] == 0:
            # the baseline: pdfminer's box is the descriptor's descent below the glyph origin
            base = bottom + (c["y0"] - m[5])
            top, bottom = em_box(base, c["size"], st)
        out.append({"text": c["text"].translate(CANONICAL), "x0": c["x0"], "x1": c["x1"], "top": top,
                    "bottom": bottom, "size": c["size"], "fontname": font_name(c["fontname"])})
    return out


# -- PDFium -----------------------------------------------------------------------------------------

class _Pdfium:
    """PDFium's functions as this module calls them: pointers come back as plain integers,
    so a character costs two calls and no Python objects beyond its dict."""

    def __init__(self) -> None:
        import pypdfium2.raw as raw
        from pypdfium2_raw.bindings import _libs

        lib = _libs["pdfium"]
        vp, i, d = ctypes.c_void_p, ctypes.c_int, ctypes.c_double

        def fn(name, restype, *argtypes):
            f = lib[name]
            f.restype, f.argtypes = restype, list(argtypes)
            return f

        self.raw = raw
        self.load_text = fn("FPDFText_LoadPage", vp, vp)
        self.close_text = fn("FPDFText_ClosePage", None, vp)
        self.count_chars = fn("FPDFText_CountChars", i, vp)
        self.get_text = fn("FPDFText_GetText", i, vp, i, i, vp)
        self.get_unicode = fn("FPDFText_GetUnicode", ctypes.c_uint, vp, i)
        self.is_generated = fn("FPDFText_IsGenerated", i, vp, i)
        self.text_object = fn("FPDFText_GetTextObject", vp, vp, i)
        self.origin = fn("FPDFText_GetCharOrigin", i, vp, i, ctypes.POINTER(d), ctypes.POINTER(d))
        self.font_size = fn("FPDFText_GetFontSize", d, vp, i)
        self.loose_box = fn("FPDFText_GetLooseCharBox", i, vp, i, ctypes.POINTER(raw.FS_RECTF))
        self.char_matrix = fn("FPDFText_GetMatrix", i, vp, i, ctypes.POINTER(raw.FS_MATRIX))
        self.obj_font = fn("FPDFTextObj_GetFont", vp, vp)
        self.font_embedded = fn("FPDFFont_GetIsEmbedded", i, vp)
        self.obj_font_size = fn("FPDFTextObj_GetFontSize", i, vp, ctypes.POINTER(ctypes.c_float))
        try:
            self.base_font_name = fn("FPDFFont_GetBaseFontName", ctypes.c_size_t, vp, vp, ctypes.c_size_t)
        except AttributeError:  # PDFium before 2024 calls it FPDFFont_GetFontName
            self.base_font_name = fn("FPDFFont_GetFontName", ctypes.c_ulong, vp, vp, ctypes.c_ulong)
        self.glyph_width = fn("FPDFFont_GetGlyphWidth", i, vp, ctypes.c_uint, ctypes.c_float,
                              ctypes.POINTER(ctypes.c_float))
        self.count_objects = fn("FPDFPage_CountObjects", i, vp)
        self.get_object = fn("FPDFPage_GetObject", vp, vp, i)
        self.object_type = fn("FPDFPageObj_GetType", i, vp)
        self.object_bounds = fn("FPDFPageObj_GetBounds", i, vp, *[ctypes.POINTER(ctypes.c_float)] * 4)
        self.object_matrix = fn("FPDFPageObj_GetMatrix", i, vp, ctypes.POINTER(raw.FS_MATRIX))
        self.count_form_objects = fn("FPDFFormObj_CountObjects", i, vp)
        self.get_form_object = fn("FPDFFormObj_GetObject", vp, vp, ctypes.c_ulong)
        self.count_segments = fn("FPDFPath_CountSegments", i, vp)
        self.get_segment = fn("FPDFPath_GetPathSegment", vp, vp, i)
        self.segment_type = fn("FPDFPathSegment_GetType", i, vp)
        self.segment_point = fn("FPDFPathSegment_GetPoint", i, vp, ctypes.POINTER(ctypes.c_float),
                                ctypes.POINTER(ctypes.c_float))
        self.segment_close = fn("FPDFPathSegment_GetClose", i, vp)
        self.draw_mode = fn("FPDFPath_GetDrawMode", i, vp, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))


_API: _Pdfium | None = None


def pdfium_available() -> bool:
    """Whether this PDFium build has every function the character source calls (an old
    pypdfium2 may lack one: the reference engine reads everything then)."""
    global _API
    if _API is None:
        try:
            _API = _Pdfium()
        except (AttributeError, ImportError, OSError) as exc:
            log.warning("PDFium lacks a function the fast path needs (%s); reading with pdfplumber", exc)
            return False
    return True


def _api() -> _Pdfium:
    if not pdfium_available():
        raise RuntimeError("PDFium character source unavailable")
    return _API


def pdfium_chars(pdf, number: int, st: ParseSettings = DEFAULT) -> PageChars:
    """One 1-based page of a pypdfium2 PdfDocument as normalized characters, with its images
    and rules counted. Coordinates are pdfplumber's: x from the user space's origin, y down
    from the top of the media box's height."""
    api = _api()
    page = pdf[number - 1]
    text_page = None
    try:
        left, bottom_edge, right, top_edge = page.get_mediabox()
        height = float(top_edge - bottom_edge)
        out = PageChars(number, float(right - left), height)
        if page.get_rotation():
            out.unusual = "rotated page"
            return out
        text_objects: list[tuple[int, bool]] = []
        paths: list[tuple[int, bool]] = []
        _walk_objects(api, [api.get_object(page.raw, k) for k in range(api.count_objects(page.raw))],
                      out, text_objects, in_form=False, paths=paths)
        if out.n_rules >= st.ruled_table_min_edges:
            out.edges = _edges(api, paths, height)
        if not out.unusual:
            text_page = api.load_text(page.raw)
            out.chars, read, turned = _read_chars(api, text_page, height, st)
            if turned:
                out.unusual = "rotated text"
                out.chars = []
                return out
            empty = [(_empty_text(api, obj), in_form) for obj, in_form in text_objects if obj not in read]
            _place_empty_objects(api, out, empty, height, st)
        return out
    finally:
        if text_page is not None:
            api.close_text(text_page)
        page.close()


def _walk_objects(api: _Pdfium, objects: list, out: PageChars, text_objects: list[tuple[int, bool]],
                  in_form: bool, paths: list[tuple[int, bool]]) -> None:
    """Count images and straight rules, see whether any text is set rotated, and list the text
    objects (and whether each is inside a form), through forms."""
    raw = api.raw
    matrix = raw.FS_MATRIX()
    for obj in objects:
        kind = api.object_type(obj)
        if kind == raw.FPDF_PAGEOBJ_TEXT:
            api.object_matrix(obj, matrix)
            if matrix.b or matrix.c or matrix.a <= 0 or matrix.d <= 0:
                out.unusual = "rotated text"
            text_objects.append((obj, in_form))
        elif kind == raw.FPDF_PAGEOBJ_IMAGE:
            out.n_images += 1
        elif kind == raw.FPDF_PAGEOBJ_PATH:
            paths.append((obj, in_form))
            n = api.count_segments(obj)
            out.n_rules += sum(api.segment_type(api.get_segment(obj, k)) != raw.FPDF_SEGMENT_MOVETO
                               for k in range(n)) if n > 2 else max(0, n - 1)
        elif kind == raw.FPDF_PAGEOBJ_FORM:
            _walk_objects(api, [api.get_form_object(obj, k) for k in range(api.count_form_objects(obj))],
                          out, text_objects, in_form=True, paths=paths)


@dataclass
class _EmptyText:
    """A text object that gave the text page no character: spaces, or glyphs PDFium dropped."""
    x: float  # origin, user space
    y: float
    ink: float  # width of its bounds: 0 for spaces (and for glyphs the font cannot draw)
    size: float
    font: int
    embedded: bool  # its font is in the file (else PDFium draws with a stand-in that may lack glyphs)


def _empty_text(api: _Pdfium, obj: int) -> _EmptyText:
    matrix = api.raw.FS_MATRIX()
    api.object_matrix(obj, matrix)
    size = ctypes.c_float()
    api.obj_font_size(obj, size)
    edges = [ctypes.c_float() for _ in range(4)]
    api.object_bounds(obj, *edges)
    font = api.obj_font(obj)
    return _EmptyText(matrix.e, matrix.f, edges[2].value - edges[0].value, size.value * matrix.d, font,
                      bool(api.font_embedded(font)))


def _place_empty_objects(api: _Pdfium, out: PageChars, empty: list[tuple[_EmptyText, bool]], height: float,
                         st: ParseSettings) -> None:
    """An empty object without ink in an embedded font is a space the text page left out: it
    becomes a space character. One in a font the file does not embed may be a glyph PDFium's
    stand-in font lacks; one with ink is text drawn again over itself (faux bold), which costs
    nothing, or text the text page dropped. Where text may be lost, or where the object sits in a
    form (whose placement the object's own matrix does not give), the page is read by the
    reference engine."""
    for e, in_form in empty:
        x0, base = e.x, height - e.y
        if in_form:
            reason = "text in a form that the PDFium text page leaves out"
        elif e.ink <= st.empty_object_ink * max(e.size, 1.0):
            if e.embedded:
                out.chars.append(_space(api, x0, base, e.size, e.font, st))
                continue
            reason = "a glyph that PDFium's stand-in for a font not in the file lacks"
        else:
            near = st.faux_bold_offset * e.size + 1.0
            if any(abs(c["x0"] - x0) < near and abs(c["bottom"] - st.em_box_descent * c["size"] - base) < near
                   for c in out.chars):
                continue  # drawn again over itself
            reason = "text the PDFium text page leaves out"
        out.unusual, out.chars = reason, []
        return


def _font_name(api: _Pdfium, font: int) -> str:
    length = api.base_font_name(font, None, 0)
    buf = ctypes.create_string_buffer(max(1, length))
    api.base_font_name(font, buf, length)
    return font_name(buf.value.decode("utf-8", "replace"))


def _space(api: _Pdfium, x0: float, base: float, size: float, font: int, st: ParseSettings) -> dict:
    top, bottom = em_box(base, size, st)
    width = ctypes.c_float()
    adv = width.value if api.glyph_width(font, 32, size, width) else size / 4
    return {"text": " ", "x0": x0, "x1": x0 + adv, "top": top, "bottom": bottom, "size": size,
            "fontname": _font_name(api, font)}


def _code_points(api: _Pdfium, text_page, n: int) -> list[str]:
    """The text page's n characters, one string each; a character past the BMP (two UTF-16 units,
    two PDFium characters) is whole at its first index and empty at its second."""
    buf = ctypes.create_string_buffer((n + 1) * 2)
    api.get_text(text_page, 0, n, buf)
    units = list(memoryview(buf.raw[: n * 2]).cast("H"))
    out = [chr(u) for u in units]
    k = 0
    while k < n - 1:
        if 0xD800 <= units[k] < 0xDC00 and 0xDC00 <= units[k + 1] < 0xE000:
            out[k] = chr(0x10000 + ((units[k] - 0xD800) << 10) + (units[k + 1] - 0xDC00))
            out[k + 1] = ""
            k += 1
        k += 1
    return out


def _read_chars(api: _Pdfium, text_page, height: float, st: ParseSettings
                ) -> tuple[list[dict], set[int], bool]:
    """The text page's characters, the text objects they came from, and whether any is set
    rotated or mirrored (then the reference engine reads the page)."""
    n = api.count_chars(text_page)
    if n <= 0:
        return [], set(), False
    text = _code_points(api, text_page, n)
    ox, oy = ctypes.c_double(), ctypes.c_double()
    at_x, at_y = ctypes.byref(ox), ctypes.byref(oy)
    matrix = api.raw.FS_MATRIX()
    box = api.raw.FS_RECTF()
    width = ctypes.c_float()
    out: list[dict] = []
    read: set[int] = set()
    names: dict[int, str] = {}  # font handle -> name
    widths: dict[tuple[int, str], object] = {}  # (font, character) -> advance at size 1, or None
    above, below = 1 - st.em_box_descent, st.em_box_descent  # the em box, as in em_box()
    text_object, origin, is_generated = api.text_object, api.origin, api.is_generated
    last_obj = prev_key = pending = None
    name = ""
    font = 0
    size = scale_x = raw_size = 0.0
    for k in range(n):
        ch = text[k]
        if not ch or ch in "\r\n" or (ch.isspace() and is_generated(text_page, k)):
            continue  # PDFium's own line breaks and its guesses at spaces (the lines stage judges gaps)
        if ch == "\ufffe":  # PDFium's mark for a hyphen that ends a line
            ch = "-"
        obj = text_object(text_page, k)
        if obj != last_obj:
            last_obj = obj
            read.add(obj)
            font = api.obj_font(obj)
            name = names.get(font)
            if name is None:
                name = names[font] = _font_name(api, font)
            api.char_matrix(text_page, k, matrix)
            if matrix.b or matrix.c or matrix.a <= 0 or matrix.d <= 0:
                return [], read, True
            raw_size = api.font_size(text_page, k)
            size, scale_x = raw_size * matrix.d, raw_size * matrix.a  # a holds the horizontal scaling too
        origin(text_page, k, at_x, at_y)
        x0 = ox.value
        base = height - oy.value
        key = (obj, x0, base)
        if key == prev_key:  # one glyph, several characters: its width is the box's, not one character's
            out[-1]["text"] += ch.translate(CANONICAL)
            if api.loose_box(text_page, k, box):
                out[-1]["x1"] = max(out[-1]["x1"], box.right)
            continue
        prev_key = key
        unit = widths.get((font, ch), _UNKNOWN)
        if unit is _UNKNOWN:
            # the font's own width table (/W, /Widths), looked up by the character; none (or 0) for a Type3 font
            found = api.glyph_width(font, ord(ch), 1.0, width) and width.value > 0
            unit = widths[(font, ch)] = width.value if found else None
        if pending is not None:  # a character without a width ends where the next one of its run starts
            if pending[0] == obj and x0 > pending[1]["x0"]:
                pending[1]["x1"] = x0
            pending = None
        if ch in _LOOK_ALIKE:
            ch = ch.translate(CANONICAL)
        c = {"text": ch, "x0": x0, "x1": x0 + (unit * scale_x if unit is not None else size / 2),
             "top": base - above * size, "bottom": base + below * size, "size": size, "fontname": name}
        if unit is None:  # the font has no width table to look it up in (a Type3 font)
            pending = (obj, c)
        out.append(c)
    return out, read, False


# -- rules as pdfplumber's edges ----------------------------------------------------------------

def _edges(api: _Pdfium, paths: list[tuple[int, bool]], height: float) -> list[dict] | None:
    """The page's painted paths as the edges pdfplumber makes of them (pdfminer's lines, rects
    and curves), or None where this cannot be mirrored exactly: a path in a form (its placement
    is the form's), or with a curve."""
    raw = api.raw
    out: list[dict] = []
    matrix = raw.FS_MATRIX()
    px, py = ctypes.c_float(), ctypes.c_float()
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    for obj, in_form in paths:
        if in_form:
            return None
        api.draw_mode(obj, fill, stroke)
        if fill.value == raw.FPDF_FILLMODE_NONE and not stroke.value:
            continue  # not painted (pdfminer's `n`): no object
        api.object_matrix(obj, matrix)
        subpaths: list[list[tuple[float, float]]] = []
        for k in range(api.count_segments(obj)):
            seg = api.get_segment(obj, k)
            kind = api.segment_type(seg)
            if kind == raw.FPDF_SEGMENT_BEZIERTO:
                return None
            api.segment_point(seg, px, py)
            x, y = px.value, py.value
            point = (matrix.a * x + matrix.c * y + matrix.e, height - (matrix.b * x + matrix.d * y + matrix.f))
            if kind == raw.FPDF_SEGMENT_MOVETO or not subpaths:
                subpaths.append([point])
            else:
                subpaths[-1].append(point)
            if api.segment_close(seg) and subpaths[-1]:
                subpaths[-1].append(subpaths[-1][0])
        for pts in subpaths:
            out += _subpath_edges(pts)
    return out


def _edge(p0, p1, kind: str, orientation: str | None) -> dict:
    x0, x1 = min(p0[0], p1[0]), max(p0[0], p1[0])
    top, bottom = min(p0[1], p1[1]), max(p0[1], p1[1])
    return {"object_type": kind, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
            "width": x1 - x0, "height": bottom - top, "orientation": orientation}


def _subpath_edges(pts: list[tuple[float, float]]) -> list[dict]:
    """pdfminer's reading of one subpath (a line, a rectangle or a polyline) as pdfplumber's edges."""
    if len(pts) < 2:
        return []
    if len(pts) > 3 and pts[-1] == pts[0] and pts[-2] == pts[0]:
        pts = pts[:-1]  # a last segment back to the start, then closed: one closing
    if len(pts) == 2 or (len(pts) == 3 and pts[2] == pts[0]):  # ml, mlh: a line
        p0, p1 = pts[0], pts[1]
        return [_edge(p0, p1, "line", "h" if p0[1] == p1[1] else "v")]
    if len(pts) == 5:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
        if pts[0] == pts[4] and square:
            a, c = pts[0], pts[2]
            left, right, top, bottom = min(a[0], c[0]), max(a[0], c[0]), min(a[1], c[1]), max(a[1], c[1])
            return [_edge((left, top), (right, top), "rect_edge", "h"), _edge((left, bottom), (right, bottom), "rect_edge", "h"),
                    _edge((left, top), (left, bottom), "rect_edge", "v"),
                    _edge((right, top), (right, bottom), "rect_edge", "v")]
    return [_edge(p0, p1, "curve_edge", "v" if p0[0] == p1[0] else ("h" if p0[1] == p1[1] else None))
            for p0, p1 in zip(pts, pts[1:])]
