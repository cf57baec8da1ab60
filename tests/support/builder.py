"""Build small gazette PDFs in other layouts with reportlab, for parser tests.

Page size, margins, font sizes, running header, page-number style and position, TOC, documents
starting on new pages or running on, faux-bold titles, tables that cross pages (with a repeated
header, or with a row broken by the page) are all parameters."""

from __future__ import annotations

from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4, B5, LETTER
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
PAGE_SIZES = {"A4": A4, "B5": B5, "LETTER": LETTER}


def text_width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, FONT, size)


def wrap(text: str, size: float, width: float) -> list[str]:
    lines, cur = [], ""
    for ch in text:
        if cur and text_width(cur + ch, size) > width:
            lines.append(cur)
            cur = ""
        cur += ch
    if cur:
        lines.append(cur)
    return lines


@dataclass
class TableSpec:
    header: list[str]
    rows: list[list[str]]
    widths: list[float]  # fractions of the text width
    repeat_header: bool = True
    break_rows: bool = False  # let a row split across the page break
    continued_mark: str | None = None  # e.g. "（续表）" above the table on the next page
    ruled: bool = True  # False: no cell borders, columns kept apart by white space only


@dataclass
class AttachmentSpec:
    label: str
    caption: str
    paragraphs: list[str] = field(default_factory=list)
    table: TableSpec | None = None
    number: str | None = None  # a forwarded document's own 文号, centred under the caption


@dataclass
class DocSpec:
    number: str | None
    title_lines: list[str]
    issuer_header: str | None
    addressees: str
    paragraphs: list[str]
    signers: list[str]
    date: str
    disclosure: str | None = "（此件公开发布）"
    note: list[str] = field(default_factory=list)  # 附件：1.… lines
    attachments: list[AttachmentSpec] = field(default_factory=list)
    category: str | None = None
    new_page: bool = True
    signers_inline: bool = False  # joint signers side by side on one line
    number_first: bool = False  # GB/T 9704 order: issuer header, 文号, then the title
    break_before_number: bool = False  # a page break between the title and the 文号
    signer_on_number_line: str | None = None  # 上行文: '签发人：…' at the right of the 文号 line


@dataclass
class Style:
    page: str = "A4"
    margin_x: float = 72
    margin_top: float = 80
    margin_bottom: float = 80
    body: float = 12
    title: float = 18
    header_text: str = ""
    header_rule: bool = True
    footer: str = "dash"  # dash: - 3 -, emdash: — 3 —, di: 第 3 页, bare: 3
    footer_outer: bool = False  # at the outer corner instead of centred
    page_in_header: bool = False  # '第 N 页' inside the running header, at the outer corner
    faux_bold: bool = False
    toc: bool = True
    leading: float = 1.65
    leader: str = "."  # TOC dot leaders: "." or "…"
    section_format: str = "【{}】"  # TOC section headings


def full_title(d: DocSpec) -> str:
    """Issuer header (without a trailing 文件) and title lines, as the TOC prints the title."""
    header = (d.issuer_header or "").removesuffix("文件")
    return header + "".join(d.title_lines)


def doc_key(d: DocSpec) -> str:
    """A document's 文号, or its full title when it has none."""
    return d.number or full_title(d)


class Writer:
    def __init__(self, path: str, style: Style):
        self.style = style
        self.size = PAGE_SIZES[style.page]
        self.c = canvas.Canvas(path, pagesize=self.size)
        self.page = 0  # physical page currently open (1-based), 0 = none
        self.y = 0.0
        self.numbered = False
        self.broken_rows = 0

    @property
    def width(self) -> float:
        return self.size[0]

    @property
    def left(self) -> float:
        return self.style.margin_x

    @property
    def right(self) -> float:
        return self.size[0] - self.style.margin_x

    @property
    def printed(self) -> int:
        return self.page - 1  # the cover is unnumbered

    def new_page(self, numbered: bool = True) -> None:
        if self.page:
            self.c.showPage()
        self.page += 1
        self.numbered = numbered
        self.y = self.size[1] - self.style.margin_top
        if numbered:
            self._furniture()

    def _furniture(self) -> None:
        s, c = self.style, self.c
        n = self.printed
        if s.header_text:
            c.setFont(FONT, 9)
            if s.page_in_header:
                text = f"{s.header_text}    第 {n} 页"
                (c.drawRightString(self.right, self.size[1] - 45, text) if n % 2
                 else c.drawString(self.left, self.size[1] - 45, text))
            else:
                c.drawString(self.left, self.size[1] - 45, s.header_text)
            if s.header_rule:
                c.line(self.left, self.size[1] - 50, self.right, self.size[1] - 50)
        if s.footer == "none":
            return
        label = {"dash": f"- {n} -", "emdash": f"— {n} —", "di": f"第 {n} 页", "bare": f"{n}"}[s.footer]
        c.setFont(FONT, 10.5)
        y = 45
        if s.footer_outer:
            if n % 2:
                c.drawRightString(self.right, y, label)
            else:
                c.drawString(self.left, y, label)
        else:
            c.drawCentredString(self.width / 2, y, label)

    def ensure(self, height: float) -> None:
        if self.y - height < self.style.margin_bottom:
            self.new_page()

    def line(self, text: str, size: float | None = None, align: str = "left", indent: float = 0, bold=False):
        size = size or self.style.body
        self.ensure(size * self.style.leading)
        self.y -= size * self.style.leading
        self.c.setFont(FONT, size)
        if align == "center":
            x = (self.left + self.right - text_width(text, size)) / 2
        elif align == "right":
            x = self.right - 2 * size - text_width(text, size)
        else:
            x = self.left + indent
        self.c.drawString(x, self.y, text)
        if bold and self.style.faux_bold:
            self.c.drawString(x + 0.4, self.y, text)  # a faux-bold duplicate, as some gazettes do

    def paragraph(self, text: str, size: float | None = None, indent_chars: int = 2):
        size = size or self.style.body
        first = wrap(text, size, self.right - self.left - indent_chars * size)
        if not first:
            return
        head, rest = first[0], "".join(first[1:])
        self.line(head, size, indent=indent_chars * size)
        for part in wrap(rest, size, self.right - self.left):
            self.line(part, size)

    def space(self, lines: float = 0.5):
        self.y -= self.style.body * lines

    def table(self, spec: TableSpec):
        size = self.style.body * 0.875
        lead = size * 1.4
        total = self.right - self.left
        widths = [w * total for w in spec.widths]

        gutter = 6 if spec.ruled else 1.8 * size

        def cell_lines(row):
            return [wrap(cell, size, w - gutter) or [""] for cell, w in zip(row, widths)]

        def draw_row(cells, top):
            height = max(len(c) for c in cells) * lead + 6
            x = self.left
            for lines, w in zip(cells, widths):
                for k, t in enumerate(lines):
                    self.c.setFont(FONT, size)
                    self.c.drawString(x + 3, top - 3 - (k + 1) * lead + 3, t)
                x += w
            if spec.ruled:
                self.c.line(self.left, top - height, self.right, top - height)
                xs = [self.left]
                for w in widths:
                    xs.append(xs[-1] + w)
                for xv in xs:
                    self.c.line(xv, top, xv, top - height)
            return height

        def start_segment(with_header):
            if spec.ruled:
                self.c.line(self.left, self.y, self.right, self.y)
            if with_header:
                self.y -= draw_row(cell_lines(spec.header), self.y)

        self.y -= 4
        start_segment(True)
        for row in spec.rows:
            cells = cell_lines(row)
            height = max(len(c) for c in cells) * lead + 6
            if self.y - height < self.style.margin_bottom:
                if spec.break_rows:
                    fit = int((self.y - self.style.margin_bottom - 6) // lead)
                    if fit >= 1 and max(len(c) for c in cells) > fit:
                        self.y -= draw_row([c[:fit] for c in cells], self.y)
                        cells = [c[fit:] or [""] for c in cells]
                        self.broken_rows += 1
                self.new_page()
                if spec.continued_mark:
                    self.line(spec.continued_mark, size, align="right")
                    self.y -= 4
                start_segment(spec.repeat_header)
            self.y -= draw_row(cells, self.y)
        self.y -= 6


def build_gazette(path: str, style: Style, title: str, issue_line: str, cover_lines: list[str],
                  docs: list[DocSpec], back_matter: list[str] = ()) -> tuple[dict[str, int], int]:
    """Write the gazette; returns each document's printed start page and the rows broken by a page."""
    toc_pages: dict[str, int] = {}
    for _ in range(2):  # the second pass knows the page numbers the TOC prints
        toc_pages, broken = _render(path, style, title, issue_line, cover_lines, docs, toc_pages, back_matter)
    return toc_pages, broken


def _render(path, style, title, issue_line, cover_lines, docs, toc_pages, back_matter=()):
    w = Writer(path, style)
    w.new_page(numbered=False)
    w.y -= 150
    w.line(title, 30, "center", bold=True)
    for text in cover_lines:
        w.line(text, 15, "center")
    w.new_page()
    w.line(title, 20, "center", bold=True)
    w.line(issue_line, style.body, "center")
    if style.toc:
        w.space(1)
        w.line("目  录", 16, "center", bold=True)
        category = None
        for d in docs:
            if d.category != category:
                category = d.category
                w.line(style.section_format.format(category), style.body, bold=True)
            entry = full_title(d)
            text = f"{entry} {d.number}" if d.number else entry
            page = toc_pages.get(doc_key(d), 1)
            tail = f"- {page} -"
            lines = wrap(text, style.body, w.right - w.left)
            last = lines[-1]
            room = w.right - w.left - text_width(last + tail, style.body)
            dot = style.leader
            dots = dot * max(2, int(room / text_width(dot, style.body)) - 1)
            if room < text_width(dot * 4, style.body):
                lines.append("")
                dots = dot * int((w.right - w.left - text_width(tail, style.body)) / text_width(dot, style.body) - 1)
            lines[-1] = lines[-1] + dots + tail
            for t in lines:
                w.line(t)
    pages = {}
    for d in docs:
        if d.new_page or w.page <= 2:
            w.new_page()
        else:
            w.space(3)
            w.ensure(style.title * 6)
        pages[doc_key(d)] = w.printed
        if d.issuer_header:
            w.line(d.issuer_header, style.title, "center", bold=True)
        number_line = d.number
        if d.number and d.signer_on_number_line:
            number_line = f"{d.number}{' ' * 16}签发人：{d.signer_on_number_line}"
        if d.number and d.number_first:
            w.space(0.5)
            w.line(number_line, style.body, "center")
            w.space(1)
        for t in d.title_lines:
            w.line(t, style.title, "center", bold=True)
        w.space(0.5)
        if d.number and not d.number_first:
            if d.break_before_number:
                w.new_page()
            w.line(number_line, style.body, "center")
        w.space(0.5)
        for part in wrap(d.addressees, style.body, w.right - w.left):
            w.line(part)
        for p in d.paragraphs:
            w.paragraph(p)
        for i, t in enumerate(d.note):
            w.line(t, indent=style.body * (2 if i == 0 else 5))
        w.space(1)
        for s in (["    ".join(d.signers)] if d.signers_inline else d.signers):
            w.line(s, align="right")
        w.line(d.date, align="right")
        if d.disclosure:
            w.line(d.disclosure, indent=style.body * 2)
        for a in d.attachments:
            w.new_page()
            w.line(a.label)
            w.line(a.caption, style.body * 1.3, "center", bold=True)
            if a.number:
                w.line(a.number, style.body, "center")
            for p in a.paragraphs:
                w.paragraph(p)
            if a.table:
                w.table(a.table)
    if back_matter:  # a colophon page after the last document
        w.new_page()
        w.y -= 300
        for text in back_matter:
            w.line(text, indent=style.body * 4)
    w.c.save()
    return pages, w.broken_rows
