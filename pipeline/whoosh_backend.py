"""The Whoosh backend (the default): a pure-Python index in the home's index/ folder.

Facets, filter-only listings and stats read per-document columns (`facets`, `order`), not the
stored fields, which hold each document's whole text; the index is opened with plain file
reads (Whoosh's memory-map path copies most of the index into memory on every open)."""

from __future__ import annotations

import json
import logging
import operator
import pickle
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.index import LockError
from whoosh.matching import NullMatcher, WrappingMatcher
from whoosh.query import Or, Phrase, Term, WrappingQuery
from whoosh.query.spans import Span, SpanNear2
from whoosh.system import pack_uint

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
from .errors import GazetteError, IndexCorruptError, IndexLockedError, IndexMissingError
from .model import Gazette
from .tokenizer import (
    CharAnalyzer,
    ChineseAnalyzer,
    counting_words,
    index_word_positions,
    indexed_chars,
    using_index,
)

log = logging.getLogger(__name__)

BUILD_BATCH = 20  # gazettes whose domain words are learnt before their text is indexed, in a build
WRITER_LIMIT_MB = 128  # postings a writer holds in memory before it spills them to disk
SCORED_FIELDS = ("title", "body", "tables", "chars")  # the text fields BM25F weighs by their length
_UINT_BYTES = 4  # the length Whoosh's Positions format writes before the pickled deltas (pack_uint)


def encode_positions(positions: list[int]) -> bytes:
    """Whoosh's Positions.encode (the count, then the pickled gaps between positions), the gaps
    taken in C instead of a Python loop; a single position's encoding remembered (most postings
    have one)."""
    if len(positions) == 1:
        p = positions[0]
        encoded = _SINGLE_POSITIONS.get(p)
        if encoded is None:
            encoded = pack_uint(1) + pickle.dumps([p], 2)
            if p < SINGLE_POSITIONS_KEPT:
                _SINGLE_POSITIONS[p] = encoded
        return encoded
    return pack_uint(len(positions)) + pickle.dumps(list(map(operator.sub, positions, [0] + positions[:-1])), 2)


SINGLE_POSITIONS_KEPT = 1 << 16  # single positions whose encoding is remembered (a long document's; about 8 MB)
_SINGLE_POSITIONS: dict[int, bytes] = {}


class _TokensText(TEXT):
    """A TEXT field that indexes the project's tokens as they come (each word's positions),
    grouped into the same Positions postings Whoosh's analyzer path makes, without a Token
    object, a filter and a generator per token (a fifth of an index build). Queries still go
    through the field's analyzer."""

    def _positions(self, value: str) -> dict[str, list[int]]:
        raise NotImplementedError

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            return super().index(value, **kwargs)
        positions = self._positions(value)
        boost = self.format.field_boost
        encode = encode_positions if type(self.format) is Positions else self.format.encode
        return [(w.encode("utf-8"), len(p), len(p) * boost, encode(p)) for w, p in positions.items()]


class WordsText(_TokensText):
    """jieba's words and their sub-words (tokenizer.index_word_positions: word_tokens, stop
    words left out), as ChineseAnalyzer gives them."""

    def _positions(self, value):
        return index_word_positions(value)


class CharsText(_TokensText):
    """One character a token at positions 0, 1, 2…, as CharAnalyzer gives them."""

    def _positions(self, value):
        positions: dict[str, list[int]] = {}
        get = positions.get
        for pos, (_, ch) in enumerate(indexed_chars(value)):
            p = get(ch)
            if p is None:
                positions[ch] = [pos]
            else:
                p.append(pos)
        return positions


def make_schema() -> Schema:
    """The index's fields. The analyzer holds no path: it tokenizes with the words of the index
    named by tokenizer.using_index, so a home can be moved or copied."""
    analyzer = ChineseAnalyzer()
    return Schema(
        key=ID(stored=True, unique=True),  # <gazette id>#<document position>
        gazette=ID(stored=True),
        number=ID(stored=True),  # normalized 文号
        # a CJK run that parses into several words is a phrase: its words must stand together
        title=WordsText(analyzer=analyzer, stored=True, field_boost=3.0, multitoken_query="phrase"),
        body=WordsText(analyzer=analyzer, stored=True, multitoken_query="phrase"),
        tables=WordsText(analyzer=analyzer, stored=True, multitoken_query="phrase"),
        # title, body and tables again, one character a token: substring matches for any word
        chars=CharsText(analyzer=CharAnalyzer(), multitoken_query="phrase"),
        issuer=KEYWORD(stored=True, commas=True),
        category=ID(stored=True),
        doc_type=ID(stored=True),
        date=ID(stored=True),
        year=ID(stored=True),
        citations=KEYWORD(commas=True),
        meta=STORED,  # what a hit shows that is not searched: issuers as printed, pages, gazette
        facets=COLUMN(VarBytesColumn()),  # gazette, tables and facet values, read without the text
        order=COLUMN(VarBytesColumn()),  # listing_order: filter-only listings sort on it
    )


@lru_cache(maxsize=1)
def query_schema() -> Schema:
    """One make_schema() shared by the searches of engines whose index holds no Whoosh schema
    (queries are parsed against it, never changed)."""
    return make_schema()


def _document(g: Gazette, pos: int, doc) -> dict:
    record = document_fields(g, pos, doc)
    summary = {"g": record["gazette"], "t": record["meta"]["n_tables"], "f": facet_values(record)}
    record["facets"] = json.dumps(summary, ensure_ascii=False).encode("utf-8")
    record["order"] = listing_order(record).encode("utf-8")
    return record


def _storage(index_dir: Path):
    from whoosh.filedb.filestore import FileStorage

    return FileStorage(str(index_dir), supports_mmap=False)


class _ConsecutiveMatcher(SpanNear2.SpanNear2Matcher):
    """SpanNear2's matcher for terms at consecutive positions (ordered, slop 1, mindist 1: a
    phrase), with the same documents and spans found by position arithmetic instead of Whoosh's
    span-by-span scan, which builds a Span object per position and is most of a phrase query's
    time on a large index."""

    def __init__(self, ms, plain_positions: bool = False, **span_settings):
        self._positions = _decode_positions if plain_positions else _whoosh_positions
        super().__init__(ms, **span_settings)  # finds the first match's spans already

    def _get_spans(self):
        first, *rest = self.ms
        starts = set(self._positions(first))
        for k, m in enumerate(rest, 1):
            if not starts:
                return []
            starts.intersection_update(p - k for p in self._positions(m))
        return [Span(p, p + len(rest)) for p in sorted(starts)]


def _whoosh_positions(m) -> Iterable[int]:
    return m.value_as("positions")


def _decode_positions(m) -> Iterable[int]:
    """A posting's positions in Whoosh's Positions format (a length, then the pickled deltas),
    decoded as formats.Positions.decode_positions does, without a Python loop per position."""
    raw = m.value()
    if not raw.endswith(b"."):
        raw += b"."
    return accumulate(pickle.loads(raw[_UINT_BYTES:]))


class _TermRun(SpanNear2):
    """Plain terms that must stand at consecutive positions, matched by _ConsecutiveMatcher."""

    def __init__(self, terms: list, **_span_settings):  # SpanNear2.apply passes slop etc.
        super().__init__(terms, slop=1, ordered=True, mindist=1)

    def matcher(self, searcher, context=None):
        ms = [q.matcher(searcher, context) for q in self.qs]
        if not all(m.is_active() for m in ms):
            return NullMatcher()
        if not all(m.supports("positions") for m in ms):
            return super().matcher(searcher, context)
        plain = all(type(searcher.schema[q.fieldname].format) is Positions for q in self.qs)
        return _ConsecutiveMatcher(ms, plain_positions=plain, slop=1, ordered=True, mindist=1)


def _is_run(node) -> bool:
    return (type(node) is SpanNear2 and node.ordered and node.slop == 1 and node.mindist == 1
            and len(node.qs) > 1 and all(type(t) is Term and t.boost == 1.0 for t in node.qs))


def _fast_phrases(q):
    """The query with each phrase, and each ordered run of character terms (a NEAR clause's
    word), matched as a _TermRun: the same matches and scores, faster; the rest as it was."""
    if type(q) is Phrase and q.slop == 1 and len(q.words) > 1:
        run = _TermRun([Term(q.fieldname, w) for w in q.words])
        return run if q.boost == 1.0 else _Boosted(run, q.boost)
    if _is_run(q):
        return _TermRun(list(q.qs))
    if q.is_leaf():
        return q
    new = q.apply(_fast_phrases)
    if isinstance(q, Or):  # CompoundQuery.apply drops these
        new.minmatch, new.scale = q.minmatch, q.scale
    return new


class _Boosted(WrappingQuery):
    """A phrase's boost, applied to its run's scores as Phrase.matcher does."""

    def __init__(self, child, boost: float):
        super().__init__(child)
        self.boost = boost

    def matcher(self, searcher, context=None):
        m = self.child.matcher(searcher, context)
        return WrappingMatcher(m, boost=self.boost) if m.is_active() else m


class _LoadedLengths:
    """A segment's one-byte field-length column, read whole on first use: BM25F asks it for the
    length of every document it scores, and Whoosh's column reader (plain file reads, see
    _storage) would read one byte a call."""

    def __init__(self, column):
        self._column = column
        self._bytes: bytes | None = None

    def _load(self) -> bytes:
        if self._bytes is None:
            c = self._column
            self._bytes = c._dbfile.get(c._basepos, c._count)
        return self._bytes

    def __getitem__(self, docnum: int) -> int:
        data = self._load()
        return data[docnum] if docnum < len(data) else self._column._default

    def __len__(self) -> int:
        return len(self._column)

    def __iter__(self):
        return iter(self._column)


def _load_lengths(searcher) -> None:
    """Give each segment of the searcher its text fields' length columns in memory (an
    index's few kilobytes a field per thousand documents). An index without segments has none."""
    for leaf, _ in searcher.reader().leaf_readers():
        perdoc = getattr(leaf, "_perdoc", None)
        if perdoc is not None:
            _loaded_lengths(perdoc)


def _loaded_lengths(perdoc):
    """A segment's per-document reader with its text fields' length columns read whole. Whoosh
    keeps these column readers in a private cache; where its internals are not as expected,
    lengths are read as before."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    try:
        for name in SCORED_FIELDS:
            lenfield = _lenfield(name)
            column = perdoc._cached_reader(lenfield, LENGTHS_COLUMN)
            if column is not None and getattr(column, "_fixedlen", None) == 1:
                perdoc._readers[lenfield] = _LoadedLengths(column)
    except AttributeError:
        log.debug("field lengths not loaded: Whoosh's readers differ", exc_info=True)
    return perdoc


class WhooshReader(IndexReader):
    def __init__(self, searcher):
        self.s = searcher
        self.schema = searcher.schema
        self._columns = "facets" in self.schema and "order" in self.schema  # older indexes lack them

    def _within(self, q, flt):
        """Whoosh does not implement Or(minmatch=m) (its docs say so; it matches any clause):
        the documents matching at least m clauses are counted here and become the filter."""
        if not (isinstance(q, Or) and (q.minmatch or 0) > 1):
            return flt
        hits: Counter = Counter()
        for sub in q.subqueries:
            hits.update(set(self.s.docs_for_query(_fast_phrases(sub))))
        allowed = {d for d, n in hits.items() if n >= q.minmatch}
        if flt is not None:
            allowed &= set(self.s.docs_for_query(flt))
        return allowed

    def search(self, q, flt=None, limit=10):
        flt = self._within(q, flt)
        if flt == set():  # Whoosh reads an empty set as no filter at all
            return []
        found = self.s.search(_fast_phrases(q), filter=flt, limit=limit, terms=False)
        return [(dict(r.fields()), r.score or 0.0) for r in found]

    def _summaries(self, docnums) -> Iterator[dict]:
        if self._columns:
            column = self.s.reader().column_reader("facets")
            for d in docnums:
                yield json.loads(column[d])
        else:  # an index built before the columns: the stored fields (slow on a large index)
            for d in docnums:
                f = self.s.stored_fields(d)
                yield {"g": f["gazette"], "t": f["meta"].get("n_tables", 0), "f": facet_values(f)}

    def count_facets(self, q, flt=None):
        within = self._within(q, flt)
        counts = {k: Counter() for k in FACETS}
        if within == set():
            return 0, {k: {} for k in FACETS}
        docs = self.s.search(_fast_phrases(q), filter=within, limit=None, scored=False, terms=False).docs()
        for summary in self._summaries(docs):
            for k in FACETS:
                counts[k].update(summary["f"][k])
        return len(docs), {k: dict(v.most_common()) for k, v in counts.items()}

    def listing(self, flt=None, limit=10):
        from whoosh.query import Every

        q = flt or Every()
        if self._columns:
            return [dict(r.fields()) for r in self.s.search(q, limit=limit, sortedby="order", reverse=True)]
        found = [dict(r.fields()) for r in self.s.search(q, limit=None)]
        return sorted(found, key=listing_order, reverse=True)[:limit]

    def doc_frequency(self, field, text):
        return self.s.reader().doc_frequency(field, text)

    def lexicon(self, field):
        for term in self.s.reader().lexicon(field):
            yield term.decode("utf-8") if isinstance(term, bytes) else term

    def documents(self, field, value):
        return [dict(f) for f in self.s.documents(**{field: value})]

    def all_summaries(self) -> Iterator[dict]:
        r = self.s.reader()
        return self._summaries(d for d in range(r.doc_count_all()) if not r.is_deleted(d))


class WhooshBackend(SearchBackend):
    name = "whoosh"

    @reads_index
    def exists(self) -> bool:
        from whoosh import index as windex

        return self.index_dir.exists() and windex.exists_in(str(self.index_dir))

    def _open(self, create: bool = False):
        if self.exists():
            try:
                return _storage(self.index_dir).open_index()
            except (PermissionError, GazetteError):
                raise
            except Exception as exc:
                raise IndexCorruptError(f"the index in {self.index_dir} is damaged ({type(exc).__name__}: {exc})") from exc
        if not create:
            raise IndexMissingError(f"no index in {self.index_dir}")
        self.index_dir.mkdir(parents=True, exist_ok=True)
        ix = _storage(self.index_dir).create_index(make_schema())
        record_backend(self.index_dir, self.name)
        return ix

    @contextmanager
    def reader(self):
        try:
            ix = self._open()
            searcher = ix.searcher()
        except (GazetteError, PermissionError):
            raise
        except Exception as exc:
            raise IndexCorruptError(f"the index in {self.index_dir} is damaged ({type(exc).__name__}: {exc})") from exc
        with searcher:
            _load_lengths(searcher)
            yield WhooshReader(searcher)

    def _writer(self, ix, timeout: float):
        from . import whoosh_writer  # imported when writing: a search does without it
        # postings pooled per term; the new segment's postings are written with each document's
        # field length, read from the length columns just written: one read of each column
        # instead of one per posting
        try:
            return whoosh_writer.GazetteSegmentWriter(ix, lengths_loader=_loaded_lengths, timeout=timeout,
                                                      limitmb=WRITER_LIMIT_MB)
        except LockError as exc:
            raise IndexLockedError(f"the index is locked by another writer (waited {timeout:.0f} s)") from exc

    def replace_gazettes(self, gazettes, remove_ids=(), timeout=LOCK_TIMEOUT):
        from .dictionaries import add_query_words, update_domain_dictionary  # writing only
        ix = self._open(create=True)
        names = set(ix.schema.names())  # an index built before the columns takes records without them
        w = self._writer(ix, timeout)
        with using_index(self.index_dir), counting_words() as counts:
            try:
                update_domain_dictionary(self.index_dir, gazettes)  # under the lock: one writer at a time
                for gid in {g.gazette.id for g in gazettes} | set(remove_ids):
                    w.delete_by_term("gazette", gid)
                for g in gazettes:
                    for pos, doc in enumerate(g.documents):
                        w.add_document(**{k: v for k, v in _document(g, pos, doc).items() if k in names})
                w.commit()
            except BaseException:
                w.cancel()
                raise
        add_query_words(self.index_dir, counts)

    def build(self, gazettes: Iterable[Gazette]) -> int:
        """One writer for the whole build (postings spill to disk past WRITER_LIMIT_MB), one
        commit at the end; the domain words of each batch are learnt before its text goes in."""
        from .dictionaries import add_query_words, update_domain_dictionary  # writing only
        ix = self._open(create=True)
        w = self._writer(ix, LOCK_TIMEOUT)
        n = 0
        with using_index(self.index_dir), counting_words() as counts:
            try:
                for batch in batches(gazettes, BUILD_BATCH):
                    update_domain_dictionary(self.index_dir, batch)
                    for g in batch:
                        for pos, doc in enumerate(g.documents):
                            w.add_document(**_document(g, pos, doc))
                    n += len(batch)
                w.commit()
            except BaseException:
                w.cancel()
                raise
        add_query_words(self.index_dir, counts, fresh=True)
        return n

    @reads_index
    def indexed_gazettes(self) -> set[str]:
        with self.reader() as r:
            return {gid for gid in r.lexicon("gazette") if r.s.document_number(gazette=gid) is not None}

    @reads_index
    def gazettes_with_numbers(self, numbers):
        return super().gazettes_with_numbers(numbers)

    @reads_index
    def stats(self) -> IndexStats:
        gazettes: set[str] = set()
        n_docs = n_tables = 0
        with self.reader() as r:
            for summary in r.all_summaries():
                gazettes.add(summary["g"])
                n_docs += 1
                n_tables += summary["t"]
        return IndexStats(len(gazettes), n_docs, n_tables, self.index_bytes(), self.name)
