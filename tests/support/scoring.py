"""Compare a parse with a generated gazette's ground truth: per-metric scores and what differed.

The metrics are those the sample test checks: documents found (none missing, none extra, in
order), each field of each document, paragraphs intact, no running matter in a body, tables
(header and every row), and the gazette's own metadata."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from .generator import Truth, draw_spec, render

FIELDS = ("doc_number", "title", "doc_type", "issuers", "date", "category", "addressees", "disclosure",
          "page_start", "pdf_page_start", "attachments")
TEXT_FIELDS = ("title", "issuers", "addressees", "category", "attachments")  # OCR may misread a character
GAZETTE_FIELDS = ("title", "year", "number", "total_number", "published")
_PAGE_LINE = re.compile(r"^[\s\-—–·•()（）第页共\d]*\d[\s\-—–·•()（）第页共\d]*$")


def squash(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def key_of(number: str | None, title: str) -> str:
    return number or squash(title)


@dataclass
class Score:
    metrics: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return all(v == 1.0 for v in self.metrics.values())

    @property
    def value(self) -> float:
        return min(self.metrics.values()) if self.metrics else 0.0


def _similar(a, b, tolerance: float) -> bool:
    """Equal; or, with a tolerance for OCR's character errors, texts that differ in at most that
    share of their characters (lists compared joined). Numbers, dates and None stay exact."""
    if a == b:
        return True
    if not tolerance or not isinstance(a, (str, list)) or not isinstance(b, (str, list)):
        return False
    a, b = ("|".join(x) if isinstance(x, list) else x for x in (a, b))  # a cell shifted to its neighbour costs
    return difflib.SequenceMatcher(None, squash(a), squash(b), autojunk=False).ratio() >= 1 - tolerance


def _same_table(want: dict, got: dict, tolerance: float) -> bool:
    """Same header and rows; with a tolerance, the same shape (rows, columns) and each row's
    cells alike but for OCR's character errors."""
    if not tolerance:
        return want == got
    rows_w, rows_g = [want["header"]] + want["rows"], [got["header"]] + got["rows"]
    return (len(rows_w) == len(rows_g) and all(len(a) == len(b) for a, b in zip(rows_w, rows_g))
            and all(_similar(a, b, tolerance) for a, b in zip(rows_w, rows_g)))


def compare(truth: Truth, gazette, char_tolerance: float = 0.0) -> Score:
    """gazette: a pipeline.model.Gazette. char_tolerance: for a scan, the share of characters a
    text field, a paragraph or a table row may differ by (OCR's misreadings); document
    boundaries, 文号, dates and pages stay exact."""
    s = Score()
    found = list(gazette.documents)
    want_keys = [key_of(d.doc_number, d.title) for d in truth.documents]
    got_keys = [key_of(d.doc_number, d.title) for d in found]
    matched = {}
    j = 0
    for i, k in enumerate(want_keys):  # in order
        while j < len(got_keys) and got_keys[j] != k:
            j += 1
        if j < len(got_keys):
            matched[i] = found[j]
            j += 1
    s.metrics["documents"] = len(matched) / max(len(want_keys), len(got_keys), 1)
    if len(matched) != len(want_keys) or len(got_keys) != len(want_keys):
        s.problems.append(f"documents: want {want_keys}, got {got_keys}")
    n = len(truth.documents)
    for name in FIELDS:
        ok = 0
        for i, want in enumerate(truth.documents):
            doc = matched.get(i)
            if doc is None:
                continue
            got_v, want_v = getattr(doc, name), getattr(want, name)
            if got_v == want_v or (name in TEXT_FIELDS and _similar(got_v, want_v, char_tolerance)):
                ok += 1
            else:
                s.problems.append(f"{want_keys[i]} {name}: want {want_v!r}, got {got_v!r}")
        s.metrics[name] = ok / max(n, 1)
    paras = intact = clean = 0
    for i, want in enumerate(truth.documents):
        doc = matched.get(i)
        body = squash(doc.body) if doc else ""
        body_lines = doc.body.split("\n") if doc else []
        for p in want.paragraphs:
            paras += 1
            if squash(p) in body or (char_tolerance and any(_similar(p, ln, char_tolerance) for ln in body_lines)):
                intact += 1
            elif doc:
                s.problems.append(f"{want_keys[i]} paragraph lost: {p[:30]}…")
        lines = doc.body.split("\n") if doc else []
        dirty = [ln for ln in lines if _PAGE_LINE.match(ln)] + [t for t in truth.running if squash(t) in body]
        if doc and not dirty:
            clean += 1
        elif doc:
            s.problems.append(f"{want_keys[i]} running matter in body: {dirty[:2]}")
    s.metrics["paragraphs"] = intact / max(paras, 1)
    s.metrics["no_running_matter"] = clean / max(n, 1)
    n_tables = ok_tables = 0
    for i, want in enumerate(truth.documents):
        doc = matched.get(i)
        got = [{"header": t.header, "rows": t.rows} for t in doc.tables] if doc else []
        n_tables += max(len(want.tables), len(got))
        for k, t in enumerate(want.tables):
            if k < len(got) and _same_table(t, got[k], char_tolerance):
                ok_tables += 1
            elif k < len(got):
                bad = [(r, g) for r, g in zip(t["rows"], got[k]["rows"]) if r != g][:1]
                s.problems.append(f"{want_keys[i]} table {k}: header {got[k]['header']} (want {t['header']}), "
                                  f"{len(got[k]['rows'])}/{len(t['rows'])} rows, first diff {bad}")
            else:
                s.problems.append(f"{want_keys[i]} table {k} missing")
        if len(got) > len(want.tables):
            s.problems.append(f"{want_keys[i]}: {len(got) - len(want.tables)} extra tables")
    s.metrics["tables"] = ok_tables / n_tables if n_tables else 1.0
    info = gazette.gazette
    want_meta = {"title": truth.title, "year": truth.year, "number": truth.number,
                 "total_number": truth.total_number, "published": truth.published}
    ok = 0
    for name in GAZETTE_FIELDS:
        if getattr(info, name) == want_meta[name]:
            ok += 1
        else:
            s.problems.append(f"gazette {name}: want {want_meta[name]!r}, got {getattr(info, name)!r}")
    s.metrics["gazette"] = ok / len(GAZETTE_FIELDS)
    return s


def render_and_parse(seed_or_draw, folder: str):
    """(truth, gazette or the GazetteError that stopped the parse) of a seed or a GazetteDraw,
    rendered into folder. A module-level function: worker processes run it."""
    from pathlib import Path

    from pipeline import parse_pdf
    from pipeline.errors import GazetteError

    draw = draw_spec(seed_or_draw) if isinstance(seed_or_draw, int) else seed_or_draw
    path = Path(folder) / f"g{draw.seed}-{abs(hash(repr(draw))) % 10**8}.pdf"
    truth = render(draw, str(path))
    try:
        return truth, parse_pdf(path)
    except GazetteError as exc:
        return truth, exc


def render_and_parse_many(items, folder: str, jobs: int = 2) -> list:
    """render_and_parse over worker processes, results in order."""
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(partial(render_and_parse, folder=folder), items, chunksize=4))
