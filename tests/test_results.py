"""Results for writing: every hit exported with its citation fields (CSV, JSON, RIS), hits
grouped by issue, the NEAR/N proximity operator, and the matches and window of a snippet."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st


def _numbers(result):
    return [h["doc_number"] for h in json.loads(result.output)]


def test_export_writes_every_hit_with_its_citation(run, tmp_path):
    every = _numbers(run("search", "通知", "--limit", "10000", "--format", "json"))
    assert len(every) > 10  # more than one page of hits
    rows = list(csv.DictReader(io.StringIO(run("search", "通知", "--export", "csv").output)))
    assert [r["doc_number"] for r in rows] == every
    assert {"issuers", "gazette_title", "gazette_issue", "page"} <= set(rows[0])
    assert json.loads(run("search", "通知", "--export", "json").output)[0]["doc_number"] == every[0]
    out = tmp_path / "hits.ris"
    r = run("search", "垃圾分类", "--export", "ris", "-o", str(out))
    assert r.exit_code == 0
    records = out.read_text(encoding="utf-8").split("\n\n")
    assert len(records) == 3 and all(rec.startswith("TY  - GOVDOC") and rec.rstrip("\n").endswith("ER  - ") for rec in records)
    first = records[0].splitlines()
    assert "M1  - 城政办发〔2023〕11号" in first and "SP  - 87" in first and "T2  - 阳泉市城区政府公报" in first
    assert "AU  - 阳泉市城区人民政府办公室" in first and "DA  - 2023/06/12" in first


def test_group_by_gazette(run):
    groups = json.loads(run("search", "通知", "--group-by", "gazette", "--format", "json").output)
    every = _numbers(run("search", "通知", "--limit", "10000", "--format", "json"))
    assert [g["hits"] for g in groups] == [len(every)]
    assert [b["doc_number"] for b in groups[0]["best"]] == every[:3]


def test_near_finds_two_words_within_n_characters(run):
    assert _numbers(run("search", "垃圾 NEAR/5 强制", "--strict", "--format", "json")) == ["城政办发〔2023〕11号"]
    assert _numbers(run("search", "强制 NEAR/5 垃圾", "--strict", "--format", "json")) == ["城政办发〔2023〕11号"]
    assert _numbers(run("search", "垃圾 NEAR/1 强制", "--strict", "--format", "json")) == []
    both = _numbers(run("search", "垃圾 NEAR/5 强制 规划", "--strict", "--format", "json"))
    assert both == ["城政办发〔2023〕11号"]  # with another word: both must hold


def _spans_reference(folded, needles):
    """Every occurrence of every needle; then, left to right, the earliest (then longest) that
    does not overlap the one taken before."""
    found = sorted({(i, i + len(n)) for n in needles if n for i in range(len(folded)) if folded.startswith(n, i)},
                   key=lambda s: (s[0], -s[1]))
    spans = []
    for a, b in found:
        if not spans or a >= spans[-1][1]:
            spans.append((a, b))
    return spans


def _best_window_reference(spans, width):
    lead = width // 5
    best_i, best_count = 0, 0
    for i, (a, _) in enumerate(spans):
        lo = max(0, a - lead)
        count = sum(1 for s in spans[i:] if s[1] <= lo + width)
        if count > best_count:
            best_i, best_count = i, count
    return spans[best_i][0]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="垃圾分类安全生产ＡaＢb，,。 ", max_size=120),
       st.lists(st.text(alphabet="垃圾分类安全生产ab,", min_size=1, max_size=4), min_size=1, max_size=4),
       st.integers(min_value=3, max_value=40))
def test_spans_and_snippet_window_match_a_brute_force_reading(text, needles, width):
    from pipeline.search import find_spans, make_snippet
    from pipeline.tokenizer import fold, fold_changes

    needles = sorted({fold(n) for n in needles}, key=len, reverse=True)
    spans = find_spans(text, needles)
    assert spans == _spans_reference(fold(text), needles)
    assert find_spans(text, needles, fold_changes(text)) == spans
    if spans:
        assert make_snippet(text, spans, width)[2] == _best_window_reference(spans, width)
