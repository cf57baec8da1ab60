"""Results for writing: every hit exported with its citation fields (CSV, JSON, RIS), hits
grouped by issue, and the NEAR/N proximity operator."""

from __future__ import annotations

import csv
import io
import json


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
