"""Every layout tolerance of the parse in one place, each with the reason for its value.

Lengths are in ems of the body text (the most common font size) unless a name says otherwise, so
one setting serves an A5 county gazette in 10.5 pt and an A4 provincial one in 16 pt alike. The
parser takes one `ParseSettings`; `DEFAULT` is what the tests and the CLI use."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParseSettings:
    # -- characters (chars.py) -------------------------------------------------------------------
    em_box_descent: float = 0.12  # share of a character's em box below its baseline (CJK fonts' em box: -120..880)
    empty_object_ink: float = 0.01  # ems: a text object PDFium reads as empty, with less ink than this, draws spaces
    ruled_table_min_edges: int = 6  # a page with fewer straight rules holds no ruled table (a header rule is 1-2)
    # -- characters to lines and tables (pages.py) --------------------------------------------
    space_ratio: float = 0.4  # a gap wider than this many ems between two characters reads as a space
    line_merge: float = 0.45  # characters whose middles are this many ems apart or less share a line
    faux_bold_offset: float = 0.25  # the same glyph drawn again within this many ems is faux bold
    wide_gap: float = 1.5  # a gap of this many ems separates the cells of a table drawn without rules
    cell_wrap_gap: float = 0.7  # lines of one wrapped cell are closer than this many ems (rows add padding)
    row_gap: float = 2.5  # a table without rules ends at a gap of this many ems
    table_size_tolerance: float = 1.5  # points: rows of a table without rules share their size
    continued_size_tolerance: float = 0.6  # points: rows going on from the page before, in the table's size
    continued_top_slack: float = 3.0  # ems: those rows start this close to the top of the text area ...
    continued_from_share: float = 0.5  # ... under a table that ran past this share of its page's height
    edge_number_band: float = 0.12  # share of the page height at the foot and head where page numbers stand
    folio_centre: float = 3.0  # ems: a page number is centred on the page within this, or at an outer edge
    # -- page furniture (layout.py) ------------------------------------------------------------
    edge_lines: int = 2  # running matter is at most a header line and a rule-side line at each edge
    right_edge_lines: int = 3  # the text's right edge is reached by at least this many lines ...
    right_edge_jitter: float = 2.0  # ... ending within this many points of each other (a scan's lines do not end alike)
    edge_band: float = 0.2  # share of the page height at top and bottom where running matter may stand
    running_share: float = 0.3  # a running header recurs on at least this share of the pages
    running_min_pages: int = 2  # ... and on at least this many (short issues)
    running_share_text_size: float = 0.6  # one set in the text's size must be on most pages (not an issuer line)
    small_running_ratio: float = 0.9  # an edge line a size step smaller than the text (9 pt by 10.5) needs to recur only twice
    running_max_ratio: float = 1.05  # running matter is never set larger than the text
    page_number_max_ratio: float = 1.3  # a lone number larger than this is a heading, not a page number
    band_step: float = 8.0  # points: edge lines within one step of height are the same running line
    page_fit_min_pages: int = 2  # a page-number sequence must be seen on at least this many pages
    # -- body text (layout.py) -----------------------------------------------------------------
    left_edge_share: float = 0.2  # the text's left edge is a line start at least this common (vs the most common)
    size_tolerance: float = 0.6  # points: lines whose sizes differ by less are set in the same size
    indent: float = 0.8  # a line starting this far right of the margin is indented (new paragraph)
    short_line: float = 1.5  # a line ending this far left of the right margin ends its paragraph
    centred_offset: float = 4.0  # a line starting this far in is centred or right-aligned
    # -- titles and headings (segment.py, tables.py) ---------------------------------------------
    centre_tolerance: float = 2.5  # a line whose centre is this close to the text's centre is centred
    centred_room: float = 0.5  # ... and that stands at least this far in from both margins
    plain_title_min_ratio: float = 0.95  # a title set like the text is not smaller than the text
    title_ratio: float = 1.15  # a title is at least this much larger than the text (or bold)
    plain_title_margin: float = 1.5  # a title set like the text stands this far in from both margins
    number_max_ratio: float = 1.5  # a 文号 line is set about the size of the text, never as a heading
    block_gap: float = 2.6  # lines of one title block are at most this many line heights apart
    block_max_lines: int = 6  # a title block (issuer line, 文号, title) is never longer
    foot_lines: int = 6  # a title block goes on over a page break only from this many lines above the foot
    foot_share: float = 0.7  # ... and from the lower part of its page (a cover's lines stand higher)
    flush_left: float = 0.6  # an addressee line starts within this of the left margin
    addressee_size_tolerance: float = 1.0  # points: the addressee line is set in the text's size
    # -- signature (fields.py) --------------------------------------------------------------------
    signature_indent_share: float = 0.35  # a signer line starts past this share of the text width ...
    signature_reach: float = 6.0  # ... or ends within this of the right margin
    signature_min_indent: float = 3.0  # ... while starting further in than any paragraph indent
    # -- tables (tables.py) ------------------------------------------------------------------------
    column_edge_tolerance: float = 6.0  # points: a table continued on the next page has its columns here
    caption_ratio: float = 1.05  # a caption stands out: bold, or at least this much larger than the text
    # -- document evidence (segment.py) ----------------------------------------------------------
    accept_score: int = 3  # the weight of evidence a title block needs to start a document
    confident_score: int = 5  # below this, the document is flagged for review
    # -- table of contents (front_matter.py) ----------------------------------------------------
    toc_max_entry_lines: int = 6  # an entry (title, 文号 line, leaders line) wraps onto at most this many lines
    toc_section_max_chars: int = 20  # a section heading of the TOC is a short line


DEFAULT = ParseSettings()
