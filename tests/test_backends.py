"""The search backend interface: both engines give the same documents for every query form,
the engine is part of the home, and what an index keeps beside it (manifest, query dictionary)
grows by appending."""

import copy
import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import BACKEND_PARAMS
from pipeline import GazetteStore
from search_cli import cli

QUERIES = [
    ("垃圾分类", {}), ("妇女 儿童", {}), ("免职 OR 任命", {}), ("烟火气 NOT 消费券", {}), ('"进出平衡"', {}),
    ("title:免职", {}), ("垃圾 NEAR/5 强制", {}), ("义井镇瀑里村", {}), ("中小學生", {}), ("源头*", {}),
    ("耕地", {"doc_type": "办法"}), ("烟火气", {"date_from": "2023-06-20", "date_to": "2023-06-30"}),
    ("城政发[2023]12号", {}), ("城政任字6号", {}), ("哪些 源头单位 被取消了 无人机", {}),
    ("区政府关于印发生活垃圾分类工作实施方案的通知", {}), (None, {"category": "人事任免"}),
    (None, {"issuer": "阳泉市城区人民政府"}), (None, {"number": "城政发〔2023〕5号"}), (None, {"date_from": "2024-01-01"}),
    ("实施方案", {"gazette": "synthetic-2024-01"}),
    (None, {"date_to": "2024-06-30"}),  # the undated document stays out
    ("通知 year:{2023 TO 2024]", {}), ("通知 year:[2023 TO 2024}", {}),  # exclusive bounds
    ("通知 date:[2023-06-15 TO 2024-06]", {}), ("通知 date:{2023-06-15 TO 2024-06-12}", {}),
]


def _issue(sample, gid: str, year: int):
    g = copy.deepcopy(sample)
    g.gazette.id, g.gazette.year = gid, year
    g.documents.reverse()
    for d in g.documents:
        d.date = f"{year}{d.date[4:]}" if d.date else d.date
        d.doc_number = d.doc_number.replace("〔2023〕", f"〔{year}〕") if d.doc_number else d.doc_number
    g.documents[0].date = None  # one document without a date
    return g


@pytest.fixture(scope="module")
def engines(tmp_path_factory, sample_gazette):
    """The sample and a copy of it a year later (documents reversed), indexed by each engine."""
    pytest.importorskip("tantivy")
    stores = {}
    for name in ("whoosh", "tantivy"):
        store = GazetteStore(tmp_path_factory.mktemp(name) / "home", backend=name)
        for g in (sample_gazette, _issue(sample_gazette, "synthetic-2024-01", 2024)):
            g.save(store.home.parsed_file(g.gazette.id))
        assert store.reindex().indexed == 2
        stores[name] = store
    return stores


def _found(result):
    return [(h.gazette, h.position) for h in result.hits]


@pytest.mark.parametrize("query,options", QUERIES, ids=[f"{q} {o}" for q, o in QUERIES])
def test_both_engines_find_the_same_documents(engines, query, options):
    got = {name: store.search(query, limit=None, facets=True, **options) for name, store in engines.items()}
    whoosh, tantivy = got["whoosh"], got["tantivy"]
    assert whoosh.hits, "a query that finds nothing compares nothing"
    assert sorted(_found(whoosh)) == sorted(_found(tantivy))
    assert (whoosh.total, whoosh.facets, whoosh.relaxed) == (tantivy.total, tantivy.facets, tantivy.relaxed)
    if query is None:  # listings are ordered by date, then key: the same order on both
        assert _found(whoosh) == _found(tantivy)
    else:  # the same snippets and cited pages: highlighting is the engine's business no more
        by_doc = {(h.gazette, h.position): (h.snippet, h.page) for h in tantivy.hits}
        assert all(by_doc[(h.gazette, h.position)] == (h.snippet, h.page) for h in whoosh.hits)


def test_a_relaxed_query_needs_its_share_of_words_on_both_engines(engines):
    # three words, no document holds two of them: nothing, not every document of one word
    for store in engines.values():
        assert store.search("免职 耕地 消费券", limit=None).hits == []
        assert store.search("垃圾分类 强制 消费券", limit=None).hits  # two of three: found


def test_both_engines_count_the_same(engines):
    whoosh, tantivy = (engines[name].stats().to_dict() for name in ("whoosh", "tantivy"))
    assert (whoosh.pop("backend"), tantivy.pop("backend")) == ("whoosh", "tantivy")
    assert whoosh | {"index_bytes": 0} == tantivy | {"index_bytes": 0} == \
        {"gazettes": 2, "documents": 36, "tables": 8, "index_bytes": 0}
    numbers = ["城政发〔2023〕5号", "城政发〔2024〕5号", "无此号〔2023〕1号"]
    for store in engines.values():
        backend = store.home.search_backend()
        assert backend.indexed_gazettes() == {"阳泉市城区政府公报-2023-02", "synthetic-2024-01"}
        assert sorted(backend.gazettes_with_numbers(numbers)) == ["synthetic-2024-01", "阳泉市城区政府公报-2023-02"]


@pytest.mark.parametrize("backend", BACKEND_PARAMS)
def test_replacing_and_removing_an_issue_leaves_no_trace(tmp_path, sample_gazette, backend):
    store = GazetteStore(tmp_path / "home", backend=backend)
    index = store.home.search_backend()
    index.replace_gazettes([sample_gazette])
    index.replace_gazettes([sample_gazette])  # again: replaced, not doubled
    assert index.stats().documents == len(sample_gazette.documents)
    index.replace_gazettes([_issue(sample_gazette, "x-2024", 2024)], remove_ids=[sample_gazette.gazette.id])
    assert index.indexed_gazettes() == {"x-2024"}
    assert {h.gazette for h in store.search("垃圾分类", limit=None).hits} == {"x-2024"}


@pytest.mark.parametrize("backend", BACKEND_PARAMS)
def test_a_search_sees_every_commit_and_rebuild_before_it(tmp_path, sample_gazette, backend):
    """tantivy keeps an index open between searches: a search after a write by another handle, a
    removal, and a rebuild into a new folder each sees the index as it is now."""
    store = GazetteStore(tmp_path / "home", backend=backend)
    first, second = sample_gazette, _issue(sample_gazette, "x-2024", 2024)
    for g in (first, second):
        g.save(store.home.parsed_file(g.gazette.id))
    store.home.search_backend().replace_gazettes([first])

    def found():
        return {h.gazette for h in store.search("垃圾分类", limit=None).hits}

    assert found() == {first.gazette.id}
    GazetteStore(tmp_path / "home").home.search_backend().replace_gazettes([second])  # another handle writes
    assert found() == {first.gazette.id, second.gazette.id}
    store.home.search_backend().replace_gazettes([], remove_ids=[first.gazette.id])
    assert found() == {second.gazette.id}
    store.reindex()  # built beside, then swapped in
    if backend == "tantivy":  # the replaced index was let go before its folder moved
        from pipeline.tantivy_backend import _kept

        assert str((store.home.index / "tantivy").resolve()) not in _kept
    assert found() == {first.gazette.id, second.gazette.id}
    store.home.parsed_file(first.gazette.id).unlink()
    store.reindex()
    assert found() == {second.gazette.id}


@pytest.mark.parametrize("backend", BACKEND_PARAMS)
def test_an_empty_index_answers_and_takes_issues(tmp_path, sample_gazette, backend):
    """A home reindexed with nothing parsed yet has an index without segments: a search finds
    nothing, and the first issue goes in."""
    store = GazetteStore(tmp_path / "home", backend=backend)
    store.home.parsed.mkdir(parents=True, exist_ok=True)
    assert store.reindex().indexed == 0
    assert store.search("垃圾分类").hits == [] and store.search(None, category="人事任免").hits == []
    assert store.home.search_backend().indexed_gazettes() == set()
    store.home.search_backend().replace_gazettes([sample_gazette])
    assert store.search("垃圾分类").hits


def test_the_engine_belongs_to_the_home(tmp_path, sample_gazette):
    pytest.importorskip("tantivy")
    home = tmp_path / "home"
    store = GazetteStore(home)
    sample_gazette.save(store.home.parsed_file(sample_gazette.gazette.id))
    store.reindex()
    run = CliRunner().invoke
    whoosh = json.loads(run(cli, ["--home", str(home), "search", "垃圾分类", "--format", "json"]).output)
    r = run(cli, ["--home", str(home), "--backend", "tantivy", "search", "垃圾分类"])
    assert r.exit_code == 1 and "built with whoosh" in r.output and "--backend tantivy reindex" in r.output
    assert run(cli, ["--home", str(home), "--backend", "tantivy", "reindex"]).exit_code == 0
    assert json.loads((home / "index" / "backend.json").read_text(encoding="utf-8")) == {"backend": "tantivy"}
    tantivy = json.loads(run(cli, ["--home", str(home), "search", "垃圾分类", "--format", "json"]).output)
    assert {h["doc_number"] for h in tantivy} == {h["doc_number"] for h in whoosh}
    assert not list((home / "index").glob("*.seg")), "the Whoosh files went with the old index"
    r = run(cli, ["--home", str(home), "--backend", "lucene", "search", "x"])
    assert r.exit_code == 2


@pytest.mark.parametrize("backend", BACKEND_PARAMS)
def test_a_damaged_index_is_one_clear_line(tmp_path, sample_gazette, backend):
    store = GazetteStore(tmp_path / "home", backend=backend)
    store.home.search_backend().replace_gazettes([sample_gazette])
    files = [f for f in store.home.index.rglob("*") if f.is_file() and f.suffix in (".seg", ".idx", ".store")]
    assert files
    for f in files:
        f.write_bytes(b"\0" * 64)
    r = CliRunner().invoke(cli, ["--home", str(store.home.root), "search", "垃圾分类"])
    assert r.exit_code == 1 and "damaged" in r.output and "Traceback" not in r.output


# -- what grows by appending ------------------------------------------------------------------------

def _entry(sha: str, status: str = "ingested"):
    from pipeline.manifest import ManifestEntry

    return ManifestEntry(f"/data/{sha}.pdf", sha, status, gazette_id=f"g-{sha}")


def test_the_manifest_appends_what_changed_and_survives_a_torn_line(tmp_path):
    from pipeline.home import Home
    from pipeline.manifest import Manifest

    home = Home.resolve(tmp_path)
    m = Manifest.load(home)
    for sha in ("a", "b", "c"):
        m.files[sha] = _entry(sha)
    m.save(home)
    assert len(home.manifest.read_text(encoding="utf-8").splitlines()) == 3
    m.files["b"].status = "replaced"
    del m.files["c"]
    m.save(home)
    lines = home.manifest.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5 and json.loads(lines[-1]) == {"sha256": "c", "removed": True}
    other = Manifest.load(home)  # another writer appends; this one reads only what was added
    other.files["d"] = _entry("d")
    other.save(home)
    m.refresh(home)
    assert sorted(m.files) == ["a", "b", "d"] and m.files["b"].status == "replaced"
    with open(home.manifest, "ab") as fh:  # a writer killed mid-line
        fh.write(b'{"sha256": "e", "pa')
    assert sorted(Manifest.load(home).files) == ["a", "b", "d"]
    m.refresh(home)
    m.files["f"] = _entry("f")
    m.save(home)  # the torn line is ended first: the new entry is whole
    assert sorted(Manifest.load(home).files) == ["a", "b", "d", "f"]


def test_the_manifest_is_compacted_and_the_old_file_moved(tmp_path):
    from pipeline.home import Home
    from pipeline.manifest import COMPACT_FACTOR, COMPACT_SLACK, Manifest

    home = Home.resolve(tmp_path)
    home.legacy_manifest.write_text(json.dumps({"files": {"a": _entry("a").to_dict()}}), encoding="utf-8")
    m = Manifest.load(home)
    assert list(m.files) == ["a"]
    m.save(home)
    assert not home.legacy_manifest.exists() and list(Manifest.load(home).files) == ["a"]
    for k in range(COMPACT_FACTOR + COMPACT_SLACK + 5):  # one entry changed again and again
        m.files["a"].documents = k
        m.save(home)
    lines = home.manifest.read_text(encoding="utf-8").splitlines()
    assert len(lines) < COMPACT_SLACK and Manifest.load(home).files["a"].documents == k


def test_the_query_dictionary_is_an_append_log_summed_when_read(tmp_path, monkeypatch):
    from collections import Counter

    from pipeline import dictionaries
    from pipeline.tokenizer import IndexWords, words_of

    dictionaries.add_query_words(tmp_path, Counter({"垃圾分类": 3, "通知": 5}), fresh=True)
    dictionaries.add_query_words(tmp_path, Counter({"垃圾分类": 2, "消费券": 1}))
    path = tmp_path / IndexWords.QUERY_DICT
    assert path.read_text(encoding="utf-8").splitlines() == ["垃圾分类 3", "通知 5", "垃圾分类 2", "消费券 1"]
    tk = words_of(tmp_path).query_tokenizer()
    assert (tk.FREQ["垃圾分类"], tk.FREQ["消费券"], tk.total) == (5, 1, 11)
    monkeypatch.setattr(dictionaries, "COMPACT_MIN_BYTES", 0)
    dictionaries.add_query_words(tmp_path, Counter({"消费券": 4}))
    assert path.read_text(encoding="utf-8").splitlines() == ["垃圾分类 5", "消费券 5", "通知 5"]


def test_whoosh_facets_from_columns_equal_those_from_stored_fields(engines):
    from whoosh.query import Every

    from pipeline.whoosh_backend import WhooshReader

    with engines["whoosh"].home.search_backend().reader() as r:
        assert isinstance(r, WhooshReader) and r._columns
        from_columns = r.count_facets(Every())
        listing = r.listing(None, limit=None)
        r._columns = False  # as for an index built before the columns
        assert r.count_facets(Every()) == from_columns
        assert r.listing(None, limit=None) == listing
    assert from_columns[0] == 36 and from_columns[1]["year"] == {"2023": 18, "2024": 17, "—": 1}


def test_whoosh_scores_with_field_lengths_in_memory_equal_whooshs_own(engines, monkeypatch):
    """The searcher's length columns are read whole (pipeline.whoosh_backend._load_lengths);
    every document and score stays as with Whoosh's own column readers."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    import pipeline.whoosh_backend as wb

    store = engines["whoosh"]
    with store.home.search_backend().reader() as r:
        leaf = r.s.reader().leaf_readers()[0][0]
        n = leaf.doc_count_all()
        for name in wb.SCORED_FIELDS:  # the same length for every document, and past the end
            loaded = leaf._perdoc._readers[_lenfield(name)]
            assert isinstance(loaded, wb._LoadedLengths)
            column = leaf._perdoc.column_reader(_lenfield(name), LENGTHS_COLUMN)
            assert [loaded[d] for d in range(n + 2)] == [column[d] for d in range(n + 2)]
            assert any(loaded[d] for d in range(n))

    def scored():
        return [[(h.gazette, h.position, h.score) for h in store.search(q, limit=None).hits]
                for q in ("垃圾分类", "妇女 儿童", '"进出平衡"', "title:免职", "义井镇瀑里村")]

    loaded = scored()
    monkeypatch.setattr(wb, "_load_lengths", lambda searcher: None)
    assert scored() == loaded and all(loaded)


@pytest.mark.parametrize("backend", BACKEND_PARAMS)
def test_a_second_writer_waits_then_fails_clearly(tmp_path, sample_gazette, backend):
    from pipeline.backend import backend_class
    from pipeline.errors import IndexLockedError

    index = backend_class(backend)(tmp_path / "index")
    engine = index._open(create=True)
    held = engine.writer(heap_size=15_000_000, num_threads=1) if backend == "tantivy" else engine.writer()
    with pytest.raises(IndexLockedError, match="locked by another writer"):
        index.replace_gazettes([sample_gazette], timeout=0.3)
    held.rollback() if backend == "tantivy" else held.cancel()
    del held
    index.replace_gazettes([sample_gazette])  # the lock is free again: the write goes through
    assert index.indexed_gazettes() == {sample_gazette.gazette.id}


def test_an_index_from_before_the_columns_still_takes_new_issues(tmp_path, sample_gazette):
    from pipeline.whoosh_backend import WhooshBackend, _storage, make_schema

    old = make_schema()
    old.remove("facets")
    old.remove("order")
    (tmp_path / "index").mkdir()
    _storage(tmp_path / "index").create_index(old)  # as versions before 0.3 made it
    store = GazetteStore(tmp_path)
    backend = store.home.search_backend()
    assert isinstance(backend, WhooshBackend)
    backend.replace_gazettes([sample_gazette])
    found = store.search("垃圾分类", facets=True)
    assert found.hits and found.facets["year"] == {"2023": found.total}
    assert len(store.search(issuer="阳泉市城区人民政府", limit=None).hits) > 0


def _near_by_pairs(near, chars: str) -> bool:
    """The definition: some a and some b within [mindist, slop] of each other, either order."""
    starts = {w: [i for i in range(len(chars)) if chars.startswith(w, i)] for w in (near.a, near.b)}
    return any(near.mindist <= sb - (sa + len(near.a) - 1) <= near.slop
               or near.mindist <= sa - (sb + len(near.b) - 1) <= near.slop
               for sa in starts[near.a] for sb in starts[near.b])


@settings(max_examples=400, deadline=None)
@given(text=st.text("甲乙丙", max_size=30), a=st.text("甲乙丙", min_size=1, max_size=3),
       b=st.text("甲乙丙", min_size=1, max_size=3), slop=st.integers(1, 8))
def test_the_near_check_on_stored_text_keeps_its_definition(text, a, b, slop):
    from pipeline.translate import Near

    near = Near(a, b, slop, 1)
    assert near.holds({"title": "", "body": text, "tables": ""}) == _near_by_pairs(near, text)


WORDS = ["安全", "生产", "安全生产", "人民", "共和国", "中华人民共和国", "垃圾", "分类", "工作"]
RUNS = ["安全", "生产", "人民", "共和国", "全生", "产人", "安全生产", "垃圾分类"]  # NEAR's words: runs of characters


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(st.lists(st.sampled_from(WORDS), max_size=12).map("".join), min_size=1, max_size=6),
       phrase=st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map("".join),
       near=st.tuples(st.sampled_from(RUNS), st.sampled_from(RUNS), st.integers(1, 6)))
def test_whoosh_phrases_matched_by_positions_equal_whooshs_own_matcher(texts, phrase, near):
    """The Whoosh backend matches phrases and NEAR's character runs by position arithmetic:
    the same documents with the same scores as Whoosh's span matcher, sub-words (which share
    their word's position) included."""
    from whoosh.fields import TEXT, Schema
    from whoosh.filedb.filestore import RamStorage
    from whoosh.qparser import QueryParser

    from pipeline.search import _near_clauses
    from pipeline.tokenizer import CharAnalyzer, ChineseAnalyzer
    from pipeline.whoosh_backend import _fast_phrases

    schema = Schema(body=TEXT(analyzer=ChineseAnalyzer(), multitoken_query="phrase"),
                    chars=TEXT(analyzer=CharAnalyzer(), multitoken_query="phrase"))
    ix = RamStorage().create_index(schema)
    with ix.writer() as w:
        for t in texts:
            w.add_document(body=t, chars=t)
    _, (near_q,) = _near_clauses(f"{near[0]} NEAR/{near[2]} {near[1]}")
    queries = [QueryParser("body", schema).parse(f'"{phrase}"'), QueryParser("body", schema).parse(phrase), near_q]
    with ix.searcher() as s:
        for q in queries:
            fast = _fast_phrases(q)
            assert [(r.docnum, r.score) for r in s.search(fast, limit=None)] == \
                   [(r.docnum, r.score) for r in s.search(q, limit=None)], q
