"""Search that forgives (queries typed as people type them) over generated gazettes, not the sample:
loosely typed 文号, questions in plain words, half-remembered titles; exact queries unchanged."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pipeline import GazetteStore, parse_pdf
from pipeline.normalize import parse_loose_doc_number
from search_cli import cli
from support.generator import draw_spec, render


@pytest.fixture(scope="module")
def parsed_archive(tmp_path_factory):
    """Two issues of one county, a year apart, with the same numbers (城政发〔Y〕n号 in each year),
    and another county's issue: parsed once, indexed per backend by `archive`."""
    root = tmp_path_factory.mktemp("forgiving")
    store = GazetteStore(root / "home")
    truths = {}
    for seed in (61, 62):
        path = root / f"g{seed}.pdf"
        truths[seed] = render(draw_spec(seed), str(path))
        g = parse_pdf(path)
        g.save(store.home.parsed_file(g.gazette.id))
    older = copy.deepcopy(parse_pdf(root / "g61.pdf"))
    year = older.gazette.year
    older.gazette.id = older.gazette.id.replace(str(year), str(year - 1))
    older.gazette.year = year - 1
    for d in older.documents:
        if d.doc_number:
            d.doc_number = d.doc_number.replace(f"〔{year}〕", f"〔{year - 1}〕")
        d.date = d.date.replace(str(year), str(year - 1)) if d.date else d.date
    older.save(store.home.parsed_file(older.gazette.id))
    return {"parsed": store.home.parsed, "truths": truths, "year": year}


@pytest.fixture(scope="module")
def archive(parsed_archive, backend, tmp_path_factory):
    import shutil

    store = GazetteStore(tmp_path_factory.mktemp(f"forgiving-{backend}") / "home", backend=backend)
    shutil.copytree(parsed_archive["parsed"], store.home.parsed)
    assert store.reindex().indexed == 3
    return {"store": store, "truths": parsed_archive["truths"], "year": parsed_archive["year"]}


def numbers(store, query, **kw):
    return [h.doc_number for h in store.search(query, **kw).hits]


def test_a_number_typed_any_way_finds_its_document(archive):
    store, truth = archive["store"], archive["truths"][61]
    doc = next(d for d in truth.documents if d.doc_number)
    loose = parse_loose_doc_number(doc.doc_number)
    code, year, serial = loose.agency_code, loose.year, loose.serial
    for typed in (f"{code}{year}年{serial}号", f"{code} {year} {serial}号", f"{code}({year}){serial}号",
                  f"{code}[{year}]{serial}", f"{code}{year}{serial}号", f"{code}（{year}）{serial}号"):
        result = store.search(typed)
        assert [h.doc_number for h in result.hits][:1] == [doc.doc_number], typed
        assert not result.hits[0].relaxed  # a number found is an exact match
    # the year left out: every year's document with that number, the latest first
    got = numbers(store, f"{code}{serial}号")
    assert got[:2] == [doc.doc_number, doc.doc_number.replace(f"〔{year}〕", f"〔{year - 1}〕")]


def test_a_question_in_plain_words_finds_documents_relaxed(archive):
    store, truth = archive["store"], archive["truths"][62]
    doc = truth.documents[0]
    subject = doc.title.split("关于", 1)[1][:8]
    question = f"哪些 {subject} 无人机"  # one word is in no document: the strict AND finds nothing
    assert store.search(question, strict=True).hits == []
    result = store.search(question)
    assert result.relaxed == "relaxed words" and result.hits and all(h.relaxed for h in result.hits)
    assert doc.doc_number in [h.doc_number for h in result.hits] or doc.title in [h.title for h in result.hits]


def test_a_half_remembered_title_comes_first(archive):
    store, truth = archive["store"], archive["truths"][62]
    doc = max(truth.documents, key=lambda d: len(d.title))
    wrong = doc.title.replace("关于", "关于进一步", 1)[: len(doc.title) - 3] + "工作方案的通知"  # words changed
    assert store.search(wrong, strict=True).hits == []
    result = store.search(wrong)
    assert result.relaxed == "title recall"
    assert result.hits[0].title == doc.title


def test_exact_queries_rank_as_before(archive):
    store, truth = archive["store"], archive["truths"][61]
    for q in ("工作", "安全生产", truth.documents[0].title[-6:]):
        loose, strict = store.search(q, limit=20), store.search(q, limit=20, strict=True)
        assert loose.hits and loose.relaxed is None
        assert [(h.doc_number, h.score) for h in loose.hits] == [(h.doc_number, h.score) for h in strict.hits]


def test_cli_says_when_it_relaxed(archive):
    home = str(archive["store"].root)
    r = CliRunner().invoke(cli, ["--home", home, "search", "哪些 安全生产 无人机"])
    assert r.exit_code == 0 and "nothing matches the query as typed" in r.stderr
    out = json.loads(CliRunner().invoke(cli, ["--home", home, "search", "哪些 安全生产 无人机",
                                              "--format", "json"]).stdout)
    assert out and all(h["relaxed"] for h in out)
    r = CliRunner().invoke(cli, ["--home", home, "search", "哪些 安全生产 无人机", "--strict", "--format", "json"])
    assert json.loads(r.stdout) == []


@given(code=st.sampled_from(["城政发", "晋政办函", "平人社发", "城政任字"]), year=st.integers(1990, 2099),
       serial=st.integers(1, 999), style=st.sampled_from(["〔{y}〕", "[{y}]", "({y})", "（{y}）", "{y}年", " {y} "]),
       hao=st.sampled_from(["号", " 号"]))
def test_loose_numbers_parse_to_their_parts(code, year, serial, style, hao):
    loose = parse_loose_doc_number(f"{code}{style.format(y=year)}{serial}{hao}")
    assert (loose.agency_code, loose.year, loose.serial) == (code, year, serial)


def test_words_with_a_number_are_not_a_doc_number():
    for text in ("垃圾分类2023", "城政发5", "2023年第2期", "义井镇", "人大代表建议12条"):
        assert parse_loose_doc_number(text) is None, text
