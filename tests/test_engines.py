"""The PDFium character path gives what the pdfplumber reference gives: the same characters on
the sample, and the same parse, field by field and row by row, on the sample, on generated
gazettes and on the golden variants."""

from __future__ import annotations

import json

import pdfplumber
import pypdfium2 as pdfium
import pytest

from conftest import SAMPLE_PDF
from pipeline import parse_pdf
from pipeline.chars import font_name, pdfium_chars, plumber_chars
from pipeline.pages import build_lines, clean_chars, read_pages
from support.generator import draw_spec, render
from support.make_golden import VARIANTS

# seeds whose layouts cover faux bold, ruled and unruled tables, TOC styles and page-number
# styles, and pages PDFium's stand-in font cannot draw (read by the reference engine)
SEEDS = [0, 1, 2, 3, 6, 7, 13, 17, 21, 29, 39, 1003]


def _same_parse(path, **kw):
    fast = parse_pdf(path, engine="pdfium", **kw).to_dict()
    reference = parse_pdf(path, engine="pdfplumber", **kw).to_dict()
    assert fast.keys() == reference.keys()
    for key in fast:
        if key != "documents":
            assert fast[key] == reference[key], key
    assert len(fast["documents"]) == len(reference["documents"])
    for a, b in zip(fast["documents"], reference["documents"]):
        for key in a:
            assert a[key] == b[key], (a["title"], key)
    return fast


def test_sample_parses_the_same_with_both_engines(sample_gazette):
    reference = parse_pdf(SAMPLE_PDF, jobs=2, engine="pdfplumber").to_dict()
    fast = sample_gazette.to_dict()  # the session's parse, by the default engine
    for a, b in zip(fast["documents"], reference["documents"]):
        for key in a:
            assert a[key] == b[key], (a["title"], key)
    assert fast == reference
    assert len(fast["documents"]) == 18 and sum(len(d["tables"]) for d in fast["documents"]) == 4


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_gazette_parses_the_same_with_both_engines(seed, tmp_path):
    path = tmp_path / f"g{seed}.pdf"
    render(draw_spec(seed), str(path))
    parsed = _same_parse(path)
    assert parsed["documents"], "the generated gazette has documents"


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_golden_variant_parses_the_same_with_both_engines(name, tmp_path):
    path = tmp_path / f"{name}.pdf"
    VARIANTS[name](str(path))
    assert _same_parse(path)["documents"]


def _by_place(chars):
    return sorted((c["text"], round(c["x0"], 1), round(c["top"], 1)) for c in chars if not c["text"].isspace())


@pytest.mark.parametrize("number", [3, 43, 76])  # plain text; spaces in objects of their own; a two-character glyph
def test_sample_page_characters_agree(number):
    doc = pdfium.PdfDocument(SAMPLE_PDF)
    try:
        fast = pdfium_chars(doc, number)
    finally:
        doc.close()
    with pdfplumber.open(SAMPLE_PDF) as pdf:
        reference = plumber_chars(pdf.pages[number - 1])
    assert not fast.needs_reference()
    assert _by_place(fast.chars) == _by_place(reference)
    ref = {(c["text"], round(c["x0"], 1), round(c["top"], 1)): c for c in reference}
    for c in fast.chars:
        if not c["text"].isspace():
            other = ref[(c["text"], round(c["x0"], 1), round(c["top"], 1))]
            assert abs(c["x1"] - other["x1"]) < 0.01 and abs(c["size"] - other["size"]) < 0.01
    # the spaces inside lines are the same: real ones kept, PDFium's guessed ones not
    lines = [[ln.text for ln in build_lines(clean_chars(chars), number)] for chars in (fast.chars, reference)]
    assert lines[0] == lines[1]
    assert number != 43 or any(" and " in t for t in lines[0])


def test_pages_that_need_the_table_finder_go_to_pdfplumber():
    doc = pdfium.PdfDocument(SAMPLE_PDF)
    try:
        table_page, text_page = pdfium_chars(doc, 5), pdfium_chars(doc, 6)
    finally:
        doc.close()
    assert table_page.needs_reference() and table_page.n_rules >= 6
    assert not text_page.needs_reference() and text_page.n_rules < 6
    pages = read_pages(SAMPLE_PDF, [5, 6])
    assert len(pages[0].tables) == 1 and pages[0].tables[0].ruled


def test_a_rotated_page_is_read_by_the_reference_engine(tmp_path):
    from reportlab.pdfgen import canvas

    from support.builder import FONT

    path = tmp_path / "rotated.pdf"
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.setFont(FONT, 12)
    c.drawString(100, 700, "横排文字")
    c.saveState()
    c.translate(300, 300)
    c.rotate(90)
    c.drawString(0, 0, "竖排文字")
    c.restoreState()
    c.showPage()
    c.save()
    doc = pdfium.PdfDocument(path)
    try:
        assert pdfium_chars(doc, 1).unusual == "rotated text"
    finally:
        doc.close()
    both = [[ln.text for ln in read_pages(path, engine=e)[0].lines] for e in ("pdfium", "pdfplumber")]
    assert both[0] == both[1] and "横排文字" in both[0]


def test_font_names_lose_their_subset_tag_only():
    assert font_name("ABCDEF+SimHei") == "SimHei"
    assert font_name("XHEIAB+SimSun") == "SimSun"  # the tag must not read as a bold face
    assert font_name("SimHei+Bold") == "SimHei+Bold"
    assert font_name("NotoSerifCJKjp-Regular") == "NotoSerifCJKjp-Regular"


def test_cli_parse_takes_the_engine(run, tmp_path):
    path = tmp_path / "g0.pdf"
    render(draw_spec(0), str(path))
    fast = run("parse", str(path), "--jobs", "1")
    reference = run("parse", str(path), "--jobs", "1", "--engine", "pdfplumber")
    assert fast.exit_code == 0 and reference.exit_code == 0, fast.output + reference.output
    assert json.loads(fast.stdout) == json.loads(reference.stdout)
    assert json.loads(fast.stdout)["documents"]
    bad = run("parse", str(path), "--engine", "pdfminer")
    assert bad.exit_code == 2 and "pdfminer" in bad.output
