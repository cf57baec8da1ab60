"""Scanned gazettes: pages without a text layer read by OCR and parsed like born-digital ones.

The scans are made here from generated gazettes (tests/support/scans.py). Without the OCR extra
or a CJK font to draw the pages, these tests skip with the reason — except under CI=true, where
.ci/run installs both and a missing one is a failure."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import sys

import pytest
from click.testing import CliRunner

from search_cli import cli
from support.generator import draw_spec, render
from support.scans import cjk_font_available, scan_pdf

HAVE_OCR = importlib.util.find_spec("rapidocr") is not None and importlib.util.find_spec("onnxruntime") is not None
IN_CI = os.environ.get("CI") == "true"
needs_ocr = pytest.mark.skipif(not IN_CI and not (HAVE_OCR and cjk_font_available()),
                               reason="OCR extra (pip install -e '.[ocr]') or a CJK font (fonts-wqy-zenhei) missing")


def _ratio(a: str, b: str) -> float:
    import difflib

    return difflib.SequenceMatcher(None, a or "", b or "").ratio()


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """A small generated gazette (three documents, no attachments) and its scan."""
    assert HAVE_OCR and cjk_font_available(), "CI installs the OCR extra and fonts-wqy-zenhei"
    root = tmp_path_factory.mktemp("scans")
    draw = draw_spec(5, n_docs=3)
    draw = dataclasses.replace(draw, docs=[dataclasses.replace(d, attachments=[], note=[]) for d in draw.docs])
    born = root / "born-digital.pdf"
    truth = render(draw, str(born))
    scan = root / "scan.pdf"
    scan_pdf(born, scan, seed=3)
    return {"root": root, "truth": truth, "born": born, "scan": scan}


@needs_ocr
def test_a_scanned_gazette_parses_like_the_born_digital_one(scanned):
    from pipeline import parse_pdf
    from support.scoring import compare

    truth = scanned["truth"]
    g = parse_pdf(scanned["scan"], jobs=2)
    assert len(g.ocr_pages) == truth.pages and all(p["confidence"] > 0.8 for p in g.ocr_pages)
    score = compare(truth, g)
    # document boundaries and numbers exact; fields with a tolerance for OCR's character errors
    assert score.metrics["documents"] == 1.0, score.problems
    assert [d.doc_number for d in g.documents] == [d.doc_number for d in truth.documents]
    assert [d.page_start for d in g.documents] == [d.page_start for d in truth.documents]
    for want, doc in zip(truth.documents, g.documents):
        assert _ratio(doc.title, want.title) >= 0.95, (doc.title, want.title)
        assert _ratio("".join(doc.issuers), "".join(want.issuers)) >= 0.9
        assert doc.date == want.date
        assert doc.ocr_share == 1.0
    assert [d.ocr_share for d in parse_pdf(scanned["born"]).documents] == [0.0] * len(truth.documents)


@pytest.fixture(scope="module")
def scanned_with_toc_and_table(tmp_path_factory):
    """A seven-page generated gazette whose TOC has leaders of middle dots and numbered
    sections, with a table drawn without rules in an attachment, running over a page; its scan
    (a slight skew on every page)."""
    assert HAVE_OCR and cjk_font_available(), "CI installs the OCR extra and fonts-wqy-zenhei"
    root = tmp_path_factory.mktemp("scans-toc")
    draw = draw_spec(97)
    assert draw.toc_pages == "middot" and any(a.table and a.table.rules == "none" for d in draw.docs for a in d.attachments)
    born, scan = root / "born-digital.pdf", root / "scan.pdf"
    truth = render(draw, str(born))
    scan_pdf(born, scan, seed=78)
    return truth, scan


@needs_ocr
def test_a_scan_keeps_its_toc_sections_and_its_table_without_rules(scanned_with_toc_and_table):
    """The leaders' page numbers (which the detector passes over) give the TOC its entries and
    sections; the table keeps its header, its wrapped cells and every row; nothing of the
    running matter is left in a body. Text may differ by OCR's misreadings (5 % of characters),
    document boundaries, 文号, dates and pages not at all."""
    from pipeline import parse_pdf
    from support.scoring import compare

    truth, scan = scanned_with_toc_and_table
    g = parse_pdf(scan, jobs=2)
    score = compare(truth, g, char_tolerance=0.05)
    assert truth.pages == 7 and all(d.category for d in truth.documents)
    for metric in ("documents", "doc_number", "category", "page_start", "date", "tables", "paragraphs",
                   "no_running_matter", "title", "issuers"):
        assert score.metrics[metric] == 1.0, (metric, score.problems)
    assert sum(len(d.tables) for d in g.documents) == sum(len(d.tables) for d in truth.documents) >= 1


@needs_ocr
def test_scanned_pages_of_the_sample_parse_as_the_same_pages_born_digital(tmp_path):
    """Four pages of the real sample (a document with its table; three short appointments, two
    on one page), scanned: the same documents, titles, dates and pages as the born-digital pages
    give, and the table's rows alike but for OCR's misreadings."""
    import pypdfium2 as pdfium

    from conftest import SAMPLE_PDF
    from pipeline import parse_pdf
    from support.scoring import _similar

    src, out = pdfium.PdfDocument(str(SAMPLE_PDF)), pdfium.PdfDocument.new()
    out.import_pages(src, [3, 4, 114, 115])  # physical pages 4, 5, 115, 116
    born, scan = tmp_path / "pages.pdf", tmp_path / "scan.pdf"
    out.save(str(born))
    scan_pdf(born, scan, seed=11)
    want, got = parse_pdf(born), parse_pdf(scan, jobs=2)
    assert [d.doc_number for d in got.documents] == [d.doc_number for d in want.documents]
    assert len(want.documents) == 4 and len(want.documents[0].tables) == 1
    for w, g in zip(want.documents, got.documents):
        assert (g.page_start, g.pdf_page_start, g.date, g.issuers) == (w.page_start, w.pdf_page_start, w.date, w.issuers)
        assert _ratio(g.title, w.title) >= 0.95, (g.title, w.title)
        assert _ratio(g.body, w.body) >= 0.95
        assert [len(t.rows) for t in g.tables] == [len(t.rows) for t in w.tables]
        for tw, tg in zip(w.tables, g.tables):
            assert tg.header == tw.header
            assert all(_similar(a, b, 0.05) for a, b in zip(tw.rows, tg.rows)), (tw.rows, tg.rows)


@needs_ocr
def test_ingest_reads_scans_caches_pages_and_search_finds_them(scanned, monkeypatch):
    home = scanned["root"] / "home"
    r = CliRunner().invoke(cli, ["--home", str(home), "ingest", "--format", "json", "--jobs", "2",
                                 str(scanned["scan"])])
    assert r.exit_code == 0, r.output
    cached = list((home / "cache" / "ocr").glob("*.json"))
    assert len(cached) == scanned["truth"].pages
    word = scanned["truth"].documents[0].title[-8:]
    hits = json.loads(CliRunner().invoke(cli, ["--home", str(home), "search", word, "--format", "json"]).output)
    assert hits and hits[0]["doc_number"] == scanned["truth"].documents[0].doc_number and hits[0]["ocr"] is True
    # a re-ingest never reads a page again: the engine would fail if it were asked
    from pipeline import ocr

    def refuse(self, image):
        raise AssertionError("OCR ran again for a cached page")

    monkeypatch.setattr(ocr.RapidOcrEngine, "recognize", refuse)
    r = CliRunner().invoke(cli, ["--home", str(home), "ingest", "--force", "--format", "json", "--jobs", "2",
                                 str(scanned["scan"])])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["files"][0]["documents"] == 3


@needs_ocr
def test_a_scan_of_an_issue_in_from_a_born_digital_file_is_a_duplicate(scanned):
    home = scanned["root"] / "home-both"
    r = CliRunner().invoke(cli, ["--home", str(home), "ingest", "--format", "json", "--jobs", "2",
                                 str(scanned["born"])])
    assert r.exit_code == 0
    r = CliRunner().invoke(cli, ["--home", str(home), "ingest", "--format", "json", "--jobs", "2",
                                 str(scanned["scan"])])
    out = json.loads(r.output)
    assert out["files"][0]["status"] == "duplicate" and "born-digital.pdf" in out["files"][0]["note"]
    stats = json.loads(CliRunner().invoke(cli, ["--home", str(home), "stats", "--format", "json"]).output)
    assert (stats["gazettes"], stats["documents"]) == (1, 3)


@needs_ocr
def test_ocr_never_refuses_a_scan_in_one_line(scanned):
    r = CliRunner().invoke(cli, ["parse", "--ocr", "never", str(scanned["scan"])])
    assert r.exit_code == 1 and "needs OCR" in r.output and "Traceback" not in r.output


def test_without_the_extra_a_scan_fails_with_how_to_install(tmp_path, monkeypatch):
    """The engine cannot be loaded: one line that names the extra to install."""
    from pipeline import ocr
    from pipeline.errors import NoTextLayerError

    monkeypatch.setitem(sys.modules, "rapidocr", None)  # import rapidocr fails
    monkeypatch.setattr(ocr, "_engine", None)
    with pytest.raises(NoTextLayerError) as info:
        ocr.default_engine()
    assert "pip install -e '.[ocr]'" in info.value.hint


def test_text_layer_usable_or_not():
    from pipeline.ocr import text_layer_unusable

    def chars(text):
        return [{"text": ch} for ch in text]

    assert not text_layer_unusable(chars("阳泉市城区人民政府关于印发实施方案的通知"), 1)
    assert text_layer_unusable([], 1)  # an image and no text: a scan
    assert not text_layer_unusable([], 0)  # a blank page is no scan
    assert text_layer_unusable(chars("\ue001\ue002\ue003\ue004a"), 0)  # private-use code points
    assert text_layer_unusable(chars("- 3 -"), 1)  # only a page number over a scanned image


def test_punctuation_restored_beside_chinese():
    from pipeline.ocr import restore_fullwidth

    assert restore_fullwidth("(此件公开发布)") == "（此件公开发布）"
    assert restore_fullwidth("各有关单位:") == "各有关单位："
    assert restore_fullwidth("投资(万元)") == "投资（万元）"
    assert restore_fullwidth("(1)加强领导") == "(1)加强领导"
    assert restore_fullwidth("ISO 9001, 3.5%") == "ISO 9001, 3.5%"
    assert restore_fullwidth("附件 : 名单") == "附件：名单"
