"""Relations between documents and validity, on built documents of every kind and on the sample."""

from __future__ import annotations

import datetime
import json

import pytest

from pipeline import GazetteStore
from pipeline.model import Document, Gazette, GazetteInfo, Source
from pipeline.relations import RelationGraph, extract_relations, read_validity


def _doc(number, title, body, date, attachments=()):
    return Document.from_dict({
        "doc_number": number, "doc_number_parts": None, "title": title, "doc_type": "通知", "issuers": ["甲市人民政府"],
        "date": date, "category": None, "addressees": None, "disclosure": None, "attachments": list(attachments),
        "page_start": 3, "page_end": 4, "pdf_page_start": 3, "pdf_page_end": 4, "body": body, "tables": [],
        "page_marks": [[0, 3], [40, 4]], "citations": []})


def _gazette(gid, docs):
    from pipeline.fields import _citations

    for d in docs:
        d.citations = _citations(d.body, d.doc_number)
    return Gazette(Source(f"{gid}.pdf", "0" * 64, 4, "0"), GazetteInfo(gid, "甲市政府公报", 2024, 1, None, None), docs)


OLD = _doc("甲政发〔2019〕3号", "甲市人民政府关于印发《甲市旧办法》的通知",
           "各单位：\n现将《甲市旧办法》印发给你们。本办法自印发之日起施行。", "2019-03-01", ["甲市旧办法"])
RULES = _doc("甲政发〔2024〕1号", "甲市人民政府关于印发《甲市新办法》的通知",
             "各单位：\n根据《中华人民共和国某某法》和甲政发〔2020〕7号文件精神，现将《甲市新办法》印发给你们。\n"
             "第二十条 本办法自2024年3月1日起施行，有效期5年。原《甲市旧办法》（甲政发〔2019〕3号）同时废止。",
             "2024-02-20", ["甲市新办法"])
FORWARD = _doc("甲政办发〔2024〕2号", "甲市人民政府办公室关于转发《省农业厅丙方案》的通知",
               "各单位：\n现将《省农业厅丙方案》转发给你们，请遵照执行。", "2024-04-01")
AMEND = _doc("甲政发〔2024〕5号", "甲市人民政府关于修改《甲市新办法》的决定",
             "各单位：\n经研究，对《甲市新办法》作如下修改：第三条删去。", "2024-06-01")
REPEAL = _doc("甲政发〔2024〕6号", "甲市人民政府关于废止部分文件的决定",
              "各单位：\n决定废止《甲市临时规定》。本决定自发布之日起施行。", "2024-07-01")
TEMP = _doc(None, "甲市临时规定", "第一条 本规定自2023年1月1日起施行，有效期3年。", "2022-12-20")
VOUCHER = _doc("甲政办发〔2024〕9号", "甲市人民政府办公室关于发放消费券的通知",
               "各单位：\n消费券有效期内未使用的，自动失效。", "2024-05-01")
TRIAL = _doc("甲科发〔2020〕1号", "关于印发《甲市准入办法（试行）》的通知",
             "第十条 本办法自印发之日起施行，有效期2年。", "2020-05-01", ["甲市准入办法（试行）"])


def _kinds(rels):
    return sorted((r.kind, r.target_title or r.target_number) for r in rels)


def test_every_kind_of_relation_is_read_with_its_place():
    rels = extract_relations("g#1", RULES)
    assert _kinds(rels) == [("cites", "中华人民共和国某某法"), ("cites", "甲政发〔2020〕7号"), ("promulgates", "甲市新办法"),
                            ("replaces", "甲市旧办法"), ("replaces", "甲政发〔2019〕3号")]
    replaces = next(r for r in rels if r.kind == "replaces")
    assert RULES.body[replaces.offset:].startswith("《甲市旧办法》") and replaces.page == 4
    assert [r.page for r in rels if r.kind == "promulgates"] == [3]  # in the title: the first page
    assert _kinds(extract_relations("g#2", FORWARD)) == [("forwards", "省农业厅丙方案")]
    assert ("amends", "甲市新办法") in _kinds(extract_relations("g#3", AMEND))
    assert _kinds(extract_relations("g#4", REPEAL)) == [("repeals", "甲市临时规定")]


def test_targets_resolve_by_number_or_title_across_issues():
    graph = RelationGraph([_gazette("a", [OLD, TEMP]), _gazette("b", [RULES, FORWARD, AMEND, REPEAL])])
    rules = graph.outgoing["b#0"]
    assert {r.target for r in rules if r.kind == "replaces"} == {"a#0"}  # by 文号 and by the measure's name
    assert next(r for r in rules if r.kind == "promulgates").target == "b#0"  # its own attachment
    assert next(r for r in graph.outgoing["b#2"] if r.kind == "amends").target == "b#0"  # a measure's name
    assert next(r for r in graph.outgoing["b#3"] if r.kind == "repeals").target == "a#1"  # a title
    assert [r.target for r in rules if r.kind == "cites"] == [None, None]  # not in this home: kept with text
    assert {r.source for r in graph.incoming["b#0"]} == {"b#2"}


@pytest.mark.parametrize("key, as_of, status, expires", [
    ("b#0", "2026-11-29", "in_force", "2029-03-01"),  # 有效期5年 from 2024-03-01
    ("b#0", "2024-02-25", "unknown", "2029-03-01"),  # signed, not yet in effect
    ("c#0", "2026-11-29", "expired", "2022-05-01"),  # 有效期2年 from 2020-05-01
    ("a#0", "2026-11-29", "repealed", None),  # replaced by b#0, which took effect
    ("a#0", "2024-01-01", "in_force", None),  # before that
    ("a#1", "2024-08-01", "repealed", "2026-01-01"),  # repealed before it would expire
    ("b#4", "2026-11-29", "unknown", None),  # a voucher's 有效期 says nothing of the document
])
def test_validity_of_each_status(key, as_of, status, expires):
    graph = RelationGraph([_gazette("a", [OLD, TEMP]), _gazette("b", [RULES, FORWARD, AMEND, REPEAL, VOUCHER]),
                           _gazette("c", [TRIAL])])
    v = graph.validity(key, datetime.date.fromisoformat(as_of))
    assert (v.status, v.expires) == (status, expires)
    assert v.evidence or status == "unknown"


def test_a_target_ingested_after_its_citer_resolves_then(tmp_path):
    store = GazetteStore(tmp_path / "home")
    later = _gazette("b", [RULES])
    later.save(store.home.parsed_file("b"))
    assert {r.target for r in store.relation_graph().outgoing["b#0"] if r.kind == "replaces"} == {None}
    _gazette("a", [OLD]).save(store.home.parsed_file("a"))
    assert {r.target for r in store.relation_graph().outgoing["b#0"] if r.kind == "replaces"} == {"a#0"}


def test_the_sample_validity_cases(sample_gazette):
    graph = RelationGraph([sample_gazette])
    keys = {d.doc_number: f"{sample_gazette.gazette.id}#{k}" for k, d in enumerate(sample_gazette.documents)}
    today = datetime.date(2026, 11, 29)
    trial = graph.validity(keys["城科发〔2023〕8号"], today)
    assert (trial.status, trial.effective_from, trial.expires) == ("expired", "2023-05-22", "2025-05-22")
    land = graph.validity(keys["城政办发〔2023〕9号"], today)
    assert (land.status, land.expires) == ("in_force", "2028-05-23")
    assert graph.validity(keys["城政办发〔2023〕18号"], today).status == "unknown"  # the vouchers' 有效期
    assert read_validity(sample_gazette.documents[0]).status == "unknown"
    issuing = {sample_gazette.documents[int(k.rsplit("#", 1)[1])].doc_number
               for k, rels in graph.outgoing.items() for r in rels if r.kind == "promulgates"}
    assert {"城政发〔2023〕8号", "城政发〔2023〕13号", "城科发〔2023〕8号", "城政办发〔2023〕11号"} <= issuing
    # the cancellation notice changes the earlier public list of the same issuer (inferred from the titles)
    [change] = [r for r in graph.outgoing[keys["城政发〔2023〕9号"]] if r.kind == "amends"]
    assert change.inferred and change.target == keys["城政发〔2023〕5号"]


def test_show_relations_and_search_in_force(run):
    shown = run("show", "城科发〔2023〕8号")
    assert shown.exit_code == 0 and "效力：expired (2023-05-22 – 2025-05-22)" in shown.output
    assert "印发：阳泉市城区科技类校外培训机构准入办法（试行） (附件)" in shown.output
    listed = run("show", "城政发〔2023〕5号")
    assert "被修改：城政发〔2023〕9号" in listed.output
    data = json.loads(run("show", "城政办发〔2023〕9号", "--format", "json").output)
    assert data["validity"]["status"] == "in_force" and data["relations"]["outgoing"]
    dot = run("relations", "城政发〔2023〕13号", "--format", "dot")
    assert dot.exit_code == 0 and dot.output.startswith("digraph") and "promulgates" in dot.output
    assert run("relations", "城政发〔2023〕13号").exit_code == 0
    every = run("search", "准入办法", "--format", "json")
    in_force = run("search", "准入办法", "--in-force", "--format", "json")
    then = run("search", "准入办法", "--as-of", "2024-06-01", "--format", "json")
    numbers = lambda r: {h["doc_number"] for h in json.loads(r.output)}  # noqa: E731
    assert "城科发〔2023〕8号" in numbers(every) and "城科发〔2023〕8号" in numbers(then)
    assert "城科发〔2023〕8号" not in numbers(in_force)
