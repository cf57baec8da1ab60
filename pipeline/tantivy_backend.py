"""The tantivy backend (the `[tantivy]` extra): a Rust index in index/tantivy/, for big archives.

It indexes the project's own tokens: each text field is handed over pre-tokenized by the
jieba analyzer the Whoosh backend uses (sub-words at their word's position), and `chars` one
character a token, so the same query finds the same documents on both engines. Queries arrive
as whoosh.query trees (the query language is parsed once, by Whoosh's parser) and are
translated here; a NEAR clause is run as the AND of its two character runs and the distance
checked on the stored text. Scores are tantivy's BM25 (title matches weighted TITLE_BOOST as
in the Whoosh schema), so rankings may differ slightly from Whoosh's BM25F; result sets do not."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from .backend import (
    FACETS,
    LOCK_TIMEOUT,
    IndexReader,
    IndexStats,
    SearchBackend,
    batches,
    document_fields,
    facet_values,
    listing_order,
    reads_index,
    record_backend,
)
from .dictionaries import add_query_words, update_domain_dictionary
from .errors import GazetteError, IndexCorruptError, IndexLockedError, IndexMissingError, QueryError
from .model import Gazette
from .tokenizer import counting_words, index_word_tokens, indexed_chars, using_index
from .translate import Near, day_number, day_range, near_runs

log = logging.getLogger(__name__)

SUBDIR = "tantivy"  # the engine's files, inside the index folder beside the word lists
WORD_FIELDS = ("title", "body", "tables")
RAW_FIELDS = ("key", "gazette", "number", "issuer", "category", "doc_type", "year", "date", "citations")
FACET_FIELDS = {k: f"f_{k}" for k in FACETS}
TITLE_BOOST = 3.0  # the Whoosh schema's field_boost of title
WRITER_HEAP = 64_000_000  # bytes the writer buffers before it writes a segment (memory stays flat)
BUILD_BATCH = 20  # gazettes whose domain words are learnt before their text is indexed, in a build
FACET_BUCKETS = 65_000  # facet values counted per field (every one a real archive has)
LOCK_POLL = 0.1  # seconds between tries for a writer held by another process
OPEN_INDEXES = 4  # indexes a process keeps open between searches (opening one costs ~1.5 ms a search)


_kept: OrderedDict[str, tuple] = OrderedDict()  # index folder -> (meta.json bytes, index, searcher)
_kept_lock = threading.Lock()


def _tantivy():
    try:
        import tantivy
    except ImportError:
        raise GazetteError("the tantivy backend is not installed",
                           hint="pip install -e '.[tantivy]' (or pip install tantivy)") from None
    return tantivy


def make_schema():
    t = _tantivy()
    b = t.SchemaBuilder()
    for name in RAW_FIELDS:
        b.add_text_field(name, tokenizer_name="raw", index_option="basic")
    for name in WORD_FIELDS + ("chars",):
        b.add_text_field(name, tokenizer_name="raw", index_option="position")
    for name in FACET_FIELDS.values():
        b.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    b.add_text_field("order", tokenizer_name="raw", index_option="basic", fast=True)
    b.add_unsigned_field("day", indexed=True, fast=True)  # the date as YYYYMMDD (0: none), for ranges
    b.add_unsigned_field("n_tables", fast=True)
    b.add_bytes_field("record", stored=True)  # the record a hit shows (document_fields, JSON)
    return b.build()


def _word_tokens(t, text: str):
    token = t.Token
    return [token(w, pos, s, e) for w, pos, s, e in index_word_tokens(text)]


def _char_tokens(t, text: str):
    """One token a letter, digit or CJK character, at positions 0, 1, 2… (CharAnalyzer's)."""
    return [t.Token(ch, pos, i, i + 1) for pos, (i, ch) in enumerate(indexed_chars(text))]


def _document(t, g: Gazette, pos: int, doc):
    record = document_fields(g, pos, doc)
    d = t.Document()
    for name in ("key", "gazette", "number", "category", "doc_type", "year", "date"):
        if record[name]:
            d.add_text(name, record[name])
    for name in ("issuer", "citations"):
        for value in filter(None, record[name].split(",")):
            d.add_text(name, value)
    for name in WORD_FIELDS:
        if record[name]:
            d.add_pre_tokenized_text(name, t.PreTokenizedString(record[name], _word_tokens(t, record[name])))
    d.add_pre_tokenized_text("chars", t.PreTokenizedString(record["chars"], _char_tokens(t, record["chars"])))
    for facet, values in facet_values(record).items():
        for value in values:
            d.add_text(FACET_FIELDS[facet], value)
    d.add_text("order", listing_order(record))
    d.add_unsigned("day", day_number(record["date"]))
    d.add_unsigned("n_tables", record["meta"]["n_tables"])
    del record["chars"]
    d.add_bytes("record", json.dumps(record, ensure_ascii=False).encode("utf-8"))
    return d


class Translator:
    """whoosh.query tree -> tantivy Query; NEAR clauses are collected for a check on the text."""

    def __init__(self, t, schema):
        self.t, self.schema = t, schema
        self.near: list[Near] = []

    def __call__(self, node):
        from whoosh import query as wq
        from whoosh.query.qcore import _NullQuery
        from whoosh.query.spans import SpanNear2

        Q, Occur = self.t.Query, self.t.Occur  # noqa: N806
        boost = getattr(node, "boost", 1.0) or 1.0
        if isinstance(node, wq.FuzzyTerm):  # a Term subclass: first (tantivy's distance stops at 2)
            out = Q.fuzzy_term_query(self.schema, node.fieldname, node.text, distance=min(2, node.maxdist))
        elif isinstance(node, wq.Term):
            out = self._term(node.fieldname, node.text)
            boost *= TITLE_BOOST if node.fieldname == "title" else 1.0
        elif isinstance(node, wq.Phrase):
            words = [w for w in node.words if w]
            if not words:
                return Q.empty_query()
            out = (self._term(node.fieldname, words[0]) if len(words) == 1
                   else Q.phrase_query(self.schema, node.fieldname, words, slop=max(0, node.slop - 1)))
            boost *= TITLE_BOOST if node.fieldname == "title" else 1.0
        elif isinstance(node, wq.Every):
            out = Q.all_query()
        elif isinstance(node, _NullQuery):
            out = Q.empty_query()
        elif isinstance(node, SpanNear2):
            out = self._near(node)
        elif isinstance(node, wq.AndNot):
            out = Q.boolean_query([(Occur.Must, self(node.a)), (Occur.MustNot, self(node.b))])
        elif isinstance(node, wq.AndMaybe):
            out = Q.boolean_query([(Occur.Must, self(node.a)), (Occur.Should, self(node.b))])
        elif isinstance(node, wq.Require):
            out = Q.boolean_query([(Occur.Must, self(node.a)), (Occur.Must, Q.const_score_query(self(node.b), 0.0))])
        elif isinstance(node, wq.Not):
            out = Q.boolean_query([(Occur.Must, Q.all_query()), (Occur.MustNot, self(node.query))])
        elif isinstance(node, wq.And):
            out = Q.boolean_query([(Occur.Must, self(c)) for c in node.subqueries])
        elif isinstance(node, (wq.Or, wq.DisjunctionMax)):
            minmatch = getattr(node, "minmatch", 0) or None
            out = Q.boolean_query([(Occur.Should, self(c)) for c in node.subqueries],
                                  minimum_number_should_match=minmatch)
        elif isinstance(node, wq.TermRange):
            out = self._range(node)
        elif isinstance(node, wq.Prefix):
            out = Q.regex_query(self.schema, node.fieldname, re.escape(node.text) + ".*")
        elif isinstance(node, wq.Wildcard):
            pattern = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in node.text)
            out = Q.regex_query(self.schema, node.fieldname, pattern)
        else:
            raise QueryError(f"the tantivy backend cannot run this kind of query ({type(node).__name__})",
                             hint="the whoosh backend runs every query form")
        return Q.boost_query(out, float(boost)) if boost != 1.0 else out

    def _term(self, field: str, text: str):
        return self.t.Query.term_query(self.schema, field, text)

    def _range(self, node):
        if node.fieldname not in ("date", "year"):
            raise QueryError(f"a range on {node.fieldname} is not supported by the tantivy backend",
                             hint="ranges work on date and year")
        lo, inc_lo, hi, inc_hi = day_range(node)
        return self.t.Query.range_query(self.schema, "day", self.t.FieldType.Unsigned, lo, hi,
                                        include_lower=inc_lo, include_upper=inc_hi)

    def _near(self, node):
        Q, Occur = self.t.Query, self.t.Occur  # noqa: N806
        runs, checks = near_runs(node, "tantivy")
        self.near += checks
        parts = [(Occur.Must, self._term("chars", r) if len(r) == 1 else Q.phrase_query(self.schema, "chars", list(r)))
                 for r in runs]
        return Q.boolean_query(parts)


class TantivyReader(IndexReader):
    def __init__(self, index, searcher):
        from .whoosh_backend import query_schema

        self.t = _tantivy()
        self.index, self.s = index, searcher
        self.schema = query_schema()  # queries are parsed as for Whoosh, then translated
        self._num_docs = max(1, searcher.num_docs)

    def _query(self, q, flt):
        tr = Translator(self.t, self.index.schema)
        try:
            query = tr(q)
            if flt is not None:
                Occur = self.t.Occur  # noqa: N806
                query = self.t.Query.boolean_query([(Occur.Must, query),
                                                    (Occur.Must, self.t.Query.const_score_query(tr(flt), 0.0))])
        except ValueError as exc:  # tantivy refuses the query (a regex too large, an empty phrase …)
            raise QueryError(f"the query cannot be run: {exc}") from None
        return query, tr.near

    def _record(self, address) -> dict:
        return json.loads(self.s.doc(address).get_first("record"))

    def search(self, q, flt=None, limit=10):
        query, near = self._query(q, flt)
        if not near:
            result = self.s.search(query, limit=limit or self._num_docs, count=False)
            return [(self._record(a), score) for score, a in result.hits]
        found = []
        for score, a in self.s.search(query, limit=self._num_docs, count=False).hits:
            record = self._record(a)
            if all(n.holds(record) for n in near):
                found.append((record, score))
                if limit and len(found) >= limit:
                    break
        return found

    def count_facets(self, q, flt=None):
        query, near = self._query(q, flt)
        if near:  # counted on the documents that pass the distance check
            counts = {k: {} for k in FACETS}
            found = self.search(q, flt, limit=None)
            for record, _ in found:
                for k, values in facet_values(record).items():
                    for v in values:
                        counts[k][v] = counts[k].get(v, 0) + 1
            return len(found), {k: dict(sorted(v.items(), key=lambda kv: -kv[1])) for k, v in counts.items()}
        total = self.s.search(query, limit=1, count=True).count
        spec = {k: {"terms": {"field": f, "size": FACET_BUCKETS}} for k, f in FACET_FIELDS.items()}
        aggs = self.s.aggregate(query, spec) if total else {}
        out = {}
        for k in FACETS:
            buckets = aggs.get(k, {}).get("buckets", [])
            out[k] = {b["key"]: int(b["doc_count"]) for b in sorted(buckets, key=lambda b: (-b["doc_count"], b["key"]))}
        return total, out

    def listing(self, flt=None, limit=10):
        from whoosh.query import Every

        query, _ = self._query(flt or Every(), None)
        result = self.s.search(query, limit=limit or self._num_docs, count=False, order_by_field="order",
                               order=self.t.Order.Desc)
        return [self._record(a) for _, a in result.hits]

    def doc_frequency(self, field, text):
        return self.s.doc_freq(field, text)

    def lexicon(self, field):
        return iter(sorted(term for term, _ in self.s.terms_with_prefix(field, "")))

    def documents(self, field, value):
        query = self.t.Query.term_query(self.index.schema, field, value)
        n = self.s.search(query, limit=1, count=True).count
        return [self._record(a) for _, a in self.s.search(query, limit=n, count=False).hits] if n else []


def _rollback(writer) -> None:
    try:
        writer.rollback()
    except Exception:  # the error being raised says more
        log.debug("rollback failed", exc_info=True)


def _release(writer) -> None:
    """Wait for merges and drop the writer, which frees the index lock now, not when collected."""
    try:
        writer.wait_merging_threads()
    except Exception:
        log.debug("waiting for merges failed", exc_info=True)


class TantivyBackend(SearchBackend):
    name = "tantivy"

    @property
    def _dir(self) -> Path:
        return self.index_dir / SUBDIR

    def exists(self) -> bool:
        return (self._dir / "meta.json").exists()

    def _open(self, create: bool = False):
        t = _tantivy()
        if not self.exists():
            if not create:
                raise IndexMissingError(f"no index in {self.index_dir}")
            self._dir.mkdir(parents=True, exist_ok=True)
            index = t.Index(make_schema(), path=str(self._dir))
            record_backend(self.index_dir, self.name)
            return index
        try:
            return t.Index.open(str(self._dir))
        except ValueError as exc:
            raise IndexCorruptError(f"the index in {self.index_dir} is damaged ({exc})") from exc

    def _searcher(self):
        """(index, searcher) of the last commit: kept open in the process while the index's
        meta.json (rewritten by every commit: its segments and opstamp) reads the same."""
        key = str(self._dir.resolve())
        try:
            stamp = (self._dir / "meta.json").read_bytes()
        except OSError:
            stamp = None
        with _kept_lock:
            kept = _kept.get(key)
            if stamp is not None and kept and kept[0] == stamp:
                _kept.move_to_end(key)
                return kept[1], kept[2]
        index = self._open()
        searcher = index.searcher()
        if stamp is not None:  # read before the open: a commit in between only costs a reopen later
            with _kept_lock:
                _kept[key] = (stamp, index, searcher)
                _kept.move_to_end(key)
                while len(_kept) > OPEN_INDEXES:
                    _kept.popitem(last=False)
        return index, searcher

    def release(self) -> None:
        with _kept_lock:
            _kept.pop(str(self._dir.resolve()), None)

    @contextmanager
    def reader(self):
        try:
            index, searcher = self._searcher()
        except GazetteError:
            raise
        except Exception as exc:
            raise IndexCorruptError(f"the index in {self.index_dir} is damaged ({type(exc).__name__}: {exc})") from exc
        yield TantivyReader(index, searcher)

    def _writer(self, index, timeout: float):
        deadline = time.monotonic() + timeout
        while True:
            try:
                return index.writer(heap_size=WRITER_HEAP, num_threads=1)
            except ValueError as exc:
                if "lock" not in str(exc).lower():
                    raise
                if time.monotonic() >= deadline:
                    raise IndexLockedError(f"the index is locked by another writer (waited {timeout:.0f} s)") from exc
                time.sleep(LOCK_POLL)

    def _add(self, writer, t, gazettes) -> None:
        for g in gazettes:
            for pos, doc in enumerate(g.documents):
                writer.add_document(_document(t, g, pos, doc))

    @contextmanager
    def _writing(self, timeout: float):
        """(tantivy, a writer) with the index's words, counting them; the writer is committed by
        the caller, rolled back on any error and released (its lock freed) in every case."""
        t = _tantivy()
        writer = self._writer(self._open(create=True), timeout)
        try:
            with using_index(self.index_dir):
                yield t, writer
        except BaseException:
            _rollback(writer)
            raise
        finally:
            _release(writer)

    def replace_gazettes(self, gazettes, remove_ids=(), timeout=LOCK_TIMEOUT):
        with counting_words() as counts, self._writing(timeout) as (t, writer):
            update_domain_dictionary(self.index_dir, gazettes)
            for gid in {g.gazette.id for g in gazettes} | set(remove_ids):
                writer.delete_documents_by_term("gazette", gid)
            self._add(writer, t, gazettes)
            writer.commit()
        add_query_words(self.index_dir, counts)

    def build(self, gazettes: Iterable[Gazette]) -> int:
        n = 0
        with counting_words() as counts, self._writing(LOCK_TIMEOUT) as (t, writer):
            for batch in batches(gazettes, BUILD_BATCH):
                update_domain_dictionary(self.index_dir, batch)
                self._add(writer, t, batch)
                n += len(batch)
            writer.commit()
        add_query_words(self.index_dir, counts, fresh=True)
        return n

    @reads_index
    def indexed_gazettes(self) -> set[str]:
        with self.reader() as r:
            return {term for term, count in r.s.terms_with_prefix("gazette", "") if count
                    and r.s.search(r.t.Query.term_query(r.index.schema, "gazette", term), limit=1).count}

    @reads_index
    def gazettes_with_numbers(self, numbers):
        return super().gazettes_with_numbers(numbers)

    @reads_index
    def stats(self) -> IndexStats:
        with self.reader() as r:
            q = r.t.Query.all_query()
            n_docs = r.s.search(q, limit=1, count=True).count
            aggs = r.s.aggregate(q, {"tables": {"sum": {"field": "n_tables"}}}) if n_docs else {}
            n_gazettes = len(self.indexed_gazettes()) if n_docs else 0
        tables = int((aggs.get("tables") or {}).get("value") or 0)
        return IndexStats(n_gazettes, n_docs, tables, self.index_bytes(), self.name)
