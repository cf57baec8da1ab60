"""What an index build writes: Whoosh segments written from the per-term pool equal those of
Whoosh's own pool (spilled to runs or not, merged or not),
and term discovery keeps its definition."""

import copy
import hashlib
import random
import re
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from whoosh.writing import SegmentWriter

from pipeline import whoosh_backend as wb
from pipeline import whoosh_writer as ww
from pipeline.dictionaries import discover_terms
from pipeline.normalize import CJK


class _WhooshsOwnWriter(SegmentWriter):
    """Whoosh's writer and pool, as the backend used them before TermPool."""

    def __init__(self, ix, lengths_loader=None, **kwargs):
        super().__init__(ix, **kwargs)


def _digest(index_dir: Path) -> tuple[str, int]:
    """Every posting (field, term, document, weight, value), each term's frequencies, each
    field's length statistics, each document's stored fields and columns."""
    from whoosh.index import open_dir

    h = hashlib.sha256()
    n = 0
    with open_dir(str(index_dir)).reader() as r:
        for field in sorted(r.indexed_field_names()):
            for term in r.lexicon(field):
                m = r.postings(field, term)
                while m.is_active():
                    block = (m.block_max_weight(), m.block_min_length(), m.block_max_length()) \
                        if m.supports_block_quality() else None
                    h.update(repr((field, term, m.id(), m.weight(), m.value(), block)).encode())
                    n += 1
                    m.next()
                info = r.term_info(field, term)
                h.update(repr((info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                               info.max_weight(), info.min_id(), info.max_id())).encode())
            h.update(repr((field, r.field_length(field))).encode())
            if r.schema[field].scorable:
                h.update(repr([r.doc_field_length(d, field) for d in range(r.doc_count_all())]).encode())
        for d in range(r.doc_count_all()):
            h.update(repr((r.is_deleted(d), sorted(r.stored_fields(d).items()))).encode())
        for column in ("facets", "order"):
            h.update(repr(list(r.column_reader(column))).encode())
    return h.hexdigest(), n


def _later_issue(sample, gid: str):
    g = copy.deepcopy(sample)
    g.gazette.id = gid
    g.documents = g.documents[::-1][:10]
    return g


def _index(path: Path, writer, steps, monkeypatch, limit_mb: int) -> Path:
    import whoosh.codec
    from whoosh.codec.whoosh3 import W3Codec

    # blocks of 8 postings: many terms of the sample fill several (Whoosh's default is 128)
    monkeypatch.setattr(whoosh.codec, "default_codec", lambda *a, **k: W3Codec(blocklimit=8))
    monkeypatch.setattr(ww, "GazetteSegmentWriter", writer)
    monkeypatch.setattr(wb, "WRITER_LIMIT_MB", limit_mb)
    backend = wb.WhooshBackend(path)
    for step, gazettes in steps:
        backend.build(gazettes) if step == "build" else backend.replace_gazettes(gazettes)
    return path


@pytest.mark.parametrize("limit_mb", [128, 1], ids=["in memory", "spilled to runs"])
def test_the_term_pool_writes_the_segment_whooshs_pool_writes(tmp_path, sample_gazette, monkeypatch, limit_mb):
    runs: list[int] = []
    save = ww.TermPool.save

    def counting_save(pool):
        runs.append(len(pool.terms))
        save(pool)

    monkeypatch.setattr(ww.TermPool, "save", counting_save)
    later = _later_issue(sample_gazette, "later-01")
    steps = [("build", [sample_gazette, later])]
    ours = _digest(_index(tmp_path / "ours", ww.GazetteSegmentWriter, steps, monkeypatch, limit_mb))
    theirs = _digest(_index(tmp_path / "theirs", _WhooshsOwnWriter, steps, monkeypatch, limit_mb))
    assert ours == theirs
    assert ours[1] > 10_000
    assert len(runs) >= 2 if limit_mb == 1 else not runs  # the small limit did write runs, the large one none


class _OursMerging(ww.GazetteSegmentWriter):
    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.optimize = True  # each commit merges the older segments into the new one


class _WhooshsOwnMerging(_WhooshsOwnWriter):
    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.optimize = True


def test_segments_merged_by_a_later_commit_equal_whooshs(tmp_path, sample_gazette, monkeypatch):
    """Each commit merges the older segment into the new one through the pool, the replaced
    issue's documents left out: the older documents come after the new ones."""
    from whoosh.index import open_dir

    later = _later_issue(sample_gazette, "later-01")
    steps = [("add", [sample_gazette]), ("add", [later]), ("add", [sample_gazette])]
    ours_dir = _index(tmp_path / "ours", _OursMerging, steps, monkeypatch, 1)
    ours = _digest(ours_dir)
    assert ours == _digest(_index(tmp_path / "theirs", _WhooshsOwnMerging, steps, monkeypatch, 1))
    ix = open_dir(str(ours_dir))
    assert len(ix._segments()) == 1  # merged, with no deleted document left in it
    with ix.reader() as r:
        assert r.doc_count_all() == r.doc_count() == len(sample_gazette.documents) + len(later.documents)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["body", "chars", "title"]), st.sampled_from([b"a", b"b", "垃".encode()]),
                          st.integers(0, 40)), max_size=60, unique=True),
       st.integers(1, 8), st.integers(1, 4), st.randoms(use_true_random=False))
def test_the_term_pool_gives_terms_sorted_with_documents_in_order(postings, every, per_record, rnd: random.Random):
    """Whatever order postings come in, however often the pool spills and however its runs are
    cut into records, each term comes once, in (field, text) order, with its documents in
    increasing order."""
    from whoosh.filedb.filestore import FileStorage

    rnd.shuffle(postings)
    with tempfile.TemporaryDirectory() as d:
        pool = ww.TermPool(FileStorage(d), ww.PoolSettings(run_record_postings=per_record))
        for k, (field, text, doc) in enumerate(postings):
            pool.add((field, text, doc, float(doc), str(doc).encode()))
            if k % every == every - 1:
                pool.save()
        got = list(pool.iter_postings())
        pool.cleanup()
        assert not list(Path(d).iterdir())
    assert got == sorted((f, t, doc, float(doc), str(doc).encode()) for f, t, doc in postings)


def _discover_terms_by_definition(texts, segment, min_count=4):
    """discover_terms as first written: every gram of every run counted with its contexts."""
    runs = [m.group() for t in texts for m in re.finditer(f"[{CJK}]{{3,}}", t)]
    grams = Counter(r[i:i + n] for r in runs for n in (3, 4) for i in range(len(r) - n + 1))
    frequent = {g for g, c in grams.items() if c >= min_count and not set(g) & set("的了和与及或在是为对等将把被之其以于并由从向按要各有到不也就都而个这那该此")}
    left = {g: Counter() for g in frequent}
    right = {g: Counter() for g in frequent}
    for r in runs:
        for n in (3, 4):
            for i in range(len(r) - n + 1):
                g = r[i:i + n]
                if g in frequent:
                    left[g][r[i - 1] if i else "^"] += 1
                    right[g][r[i + n] if i + n < len(r) else "$"] += 1
    text = "\n".join(texts)
    terms = []
    for g in sorted(frequent):
        c = grams[g]
        if len(left[g]) < 3 or len(right[g]) < 3:
            continue
        if left[g].most_common(1)[0][1] >= 0.8 * c or right[g].most_common(1)[0][1] >= 0.8 * c:
            continue
        parts = segment(g)
        if len(parts) < 2:
            continue
        if c / min(text.count(p) for p in parts) >= 0.6:
            terms.append(g)
    return terms


def _segment(word: str) -> list[str]:
    """A stand-in segmenter: known words greedily, the rest a character at a time."""
    known = ("消费", "券", "妇儿工", "妇儿", "工委", "啊啊", "消费券消")
    out, i = [], 0
    while i < len(word):
        w = next((k for k in known if word.startswith(k, i)), word[i])
        out.append(w)
        i += len(w)
    return out


_TERM_TEXT = st.lists(st.sampled_from(["消费券", "妇儿工委", "啊啊啊", "阿啊阿", "发放", "，", "。", "a1", "\n", "消", "券",
                                       "工", "儿", "的"]), max_size=80).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TERM_TEXT, min_size=1, max_size=4), st.integers(2, 5))
@example(["甲消费券乙，丙消费券丁，戊消费券己，庚消费券辛，壬消费券癸"], 4)
@example(["阿啊阿啊阿，阿啊阿啊阿，我阿啊阿你，他阿啊阿她"], 2)
def test_term_discovery_keeps_its_definition(texts, min_count):
    assert discover_terms(texts, _segment, min_count) == _discover_terms_by_definition(texts, _segment, min_count)


def test_term_discovery_finds_a_recurring_term_cut_apart():
    texts = ["甲消费券乙，丙消费券丁，戊消费券己，庚消费券辛，壬消费券癸"]
    assert discover_terms(texts, _segment) == ["消费券"]
    assert discover_terms(texts[:1] * 1, lambda w: [w]) == []  # already one word


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="阳泉市城区政府公报生活垃圾分类工作实施方案消费券的和在，。、 \n0123.5%abcABC-", max_size=80))
@example("城区人民政府关于印发生活垃圾分类工作实施方案的通知（2023年6月）")
def test_word_positions_are_the_word_tokens_grouped(text):
    """index_word_positions (Whoosh's word fields) gives each word of index_word_tokens (the
    other engines') at its positions, and counts the same words."""
    from pipeline.tokenizer import counting_words, index_word_positions, index_word_tokens

    grouped: dict[str, list[int]] = {}
    with counting_words() as by_tokens:
        for w, pos, _, _ in index_word_tokens(text):
            grouped.setdefault(w, []).append(pos)
    with counting_words() as by_positions:
        positions = index_word_positions(text)
    assert positions == grouped
    assert by_positions == by_tokens


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 100_000), max_size=40).map(lambda xs: sorted(set(xs))))
def test_positions_are_encoded_as_whoosh_encodes_them(positions):
    from whoosh.formats import Positions

    assert wb.encode_positions(positions) == Positions().encode(positions)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="阳泉市城区政府公报生活垃圾分类的和，。 \n0123.5%abcABC-_#&+电话", max_size=80))
@example("电话0353-5698986，降雨量359.7mm，a-1.5，1.5-2.5%，x_1.2.3，5%.3，GB/T19095-2019城区")
def test_jieba_rs_words_are_its_tokens_without_offsets(text):
    from pipeline.tokenizer import FastJieba

    tk = _fast_jieba()
    for hmm in (True, False):
        assert tk.words(text, hmm) == [w for w, _, _ in tk.tokenize(text, hmm)]
    assert isinstance(tk, FastJieba)


_FAST = []


def _fast_jieba():
    from pipeline.tokenizer import FastJieba

    if not _FAST:
        _FAST.append(FastJieba())
        _FAST[0].set_word("城区政府", 2000)
    return _FAST[0]
