"""Whoosh's segment writer with its postings held per term.

Whoosh's writer keeps every posting as a tuple (field, term, document, weight, value) in a pool it
sorts; past its memory limit it pickles the sorted tuples to a run on disk and, at the commit,
merges the runs back one posting at a time through a heap: a third of a large build. Documents
get increasing numbers as they are added, so a term's postings arrive in order: TermPool keeps one
list a term, writes a run as its terms in sorted order (marshal, a chunk of terms a record) and
merges the runs term by term. The segment written is the same, posting for posting (tested
against Whoosh's own pool)."""

from __future__ import annotations

import heapq
import logging
import marshal
import struct
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from whoosh.codec.whoosh3 import W3PostingsWriter
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

log = logging.getLogger(__name__)

Term = tuple[str, bytes, list]  # field name, term bytes, postings flat: [doc, weight, value, doc, …]
_TERM_KEY = itemgetter(0, 1)  # a Term's (field, text): what runs are sorted and merged on
_RECORD_HEAD = struct.Struct("<Q")  # a run record's length in bytes


@dataclass(frozen=True)
class PoolSettings:
    limit_mb: int = 128  # postings held in memory before they are written to a run on disk
    posting_bytes: int = 110  # memory a posting takes besides its value bytes (list slots, int, float, bytes)
    term_bytes: int = 200  # memory a new term takes besides its text (key tuple, dict slot, list)
    # postings a marshal record of a run holds at most (a term with more is a record alone): what a
    # merge holds in memory per run; records of so many terms were 1.7 GB at a 1,000-issue merge,
    # where the first terms of the `chars` field hold most of each run
    run_record_postings: int = 16_384


class TermPool:
    """The postings of the segment being written, a list per term, spilled to sorted runs past
    the memory limit. Speaks the part of Whoosh's PostingPool the writer uses (add, cleanup)."""

    def __init__(self, tempstore, settings: PoolSettings = PoolSettings()):
        self.tempstore = tempstore
        self.settings = settings
        self.limit = settings.limit_mb << 20
        self.terms: dict[tuple[str, bytes], list] = {}
        self.size = 0
        self.runs: list[str] = []
        self.fieldnames: set[str] = set()

    def add(self, item) -> None:
        """One posting: (field name, term bytes, document number, weight, value bytes); document
        -1 marks a spelling word, which Whoosh's W3 codec does not write."""
        if item[2] == -1:
            return
        key = item[:2]
        postings = self.terms.get(key)
        if postings is None:
            postings = self.terms[key] = []
            self.fieldnames.add(item[0])
            self.size += self.settings.term_bytes + len(item[1])
        postings += item[2:]
        self.size += self.settings.posting_bytes + len(item[4] or b"")
        if self.size > self.limit:
            self.save()

    def save(self) -> None:
        """Write the postings in memory to a new run (terms in order) and forget them."""
        if not self.terms:
            return
        path = f"{random_name()}.run"
        most = 3 * self.settings.run_record_postings  # three items a posting in the flat lists
        with self.tempstore.create_file(path).raw_file() as f:
            record: list[Term] = []
            size = 0
            for key in sorted(self.terms):
                postings = self.terms[key]
                if record and size + len(postings) > most:
                    _write_record(f, record)
                    record, size = [], 0
                record.append((key[0], key[1], postings))
                size += len(postings)
            _write_record(f, record)
        self.runs.append(path)
        log.debug("postings run %s: %d terms, about %d MB", path, len(self.terms), self.size >> 20)
        self.terms, self.size = {}, 0

    def _read_run(self, path: str) -> Iterator[Term]:
        with self.tempstore.open_file(path).raw_file() as f:
            while True:
                head = f.read(_RECORD_HEAD.size)
                if not head:
                    return
                (n,) = _RECORD_HEAD.unpack(head)
                yield from marshal.loads(f.read(n))

    def iter_terms(self) -> Iterator[Term]:
        """Every term in (field, text) order with all its postings, documents in increasing order."""
        current = ((k[0], k[1], _in_document_order(v)) for k, v in sorted(self.terms.items()))
        if not self.runs:
            yield from current
            return
        sources = [self._read_run(p) for p in self.runs] + [current]
        # heapq.merge is stable: a term's pieces come in run order, which is the order they were added
        for key, pieces in groupby(heapq.merge(*sources, key=_TERM_KEY), key=_TERM_KEY):
            postings: list = []
            for piece in pieces:
                postings += piece[2]
            yield key[0], key[1], _in_document_order(postings)

    def iter_postings(self) -> Iterator[tuple]:
        """Whoosh's PostingPool interface: each posting as its own sorted tuple."""
        for field, text, postings in self.iter_terms():
            for i in range(0, len(postings), 3):
                yield field, text, postings[i], postings[i + 1], postings[i + 2]

    def cleanup(self) -> None:
        for path in self.runs:
            try:
                self.tempstore.delete_file(path)
            except OSError:
                log.debug("postings run %s not removed", path, exc_info=True)
        self.runs = []


def _write_record(f, record: list[Term]) -> None:
    """A run's record: its length, then the terms marshalled (read back with marshal.loads from
    bytes: marshal.load from a file calls the file once per object, 70 times slower)."""
    data = marshal.dumps(record)
    f.write(_RECORD_HEAD.pack(len(data)))
    f.write(data)


def _in_document_order(postings: list) -> list:
    """A term's flat postings sorted by document number if they are not already (they are unless
    a merge added an older segment's documents out of turn)."""
    docs = postings[0::3]
    if docs == sorted(docs):  # a term has a document once: sorted is increasing
        return postings
    triples = sorted(zip(docs, postings[1::3], postings[2::3]), key=itemgetter(0))
    return [x for t in triples for x in t]


def write_terms(fieldwriter, schema, lengths, terms: Iterable[Term]) -> None:
    """Whoosh's FieldWriter.add_postings for postings grouped by term: the same calls (a field,
    a term, its postings, each with the document's field length), a block of postings at a time
    where the postings writer is Whoosh's W3 one (fill_block), else a posting at a time."""
    last_field = writer = None
    field_lengths: list[int] = []
    n_docs = lengths.doc_count_all() if lengths else 0
    for field, text, postings in terms:
        if field != last_field:
            if last_field is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(field, schema[field])
            last_field = field
            scored = lengths is not None and schema[field].scorable  # other fields keep no lengths
            field_lengths = [lengths.doc_field_length(d, field) or 0 for d in range(n_docs)] if scored else []
            writer = getattr(fieldwriter, "_postwriter", None)  # W3's postings writer of this field
            if not (isinstance(writer, W3PostingsWriter) and not writer._byteids):
                writer = None  # another codec's: a posting at a time
        fieldwriter.start_term(text)
        docs, weights, values = postings[0::3], postings[1::3], postings[2::3]
        lens = [field_lengths[d] for d in docs] if field_lengths else [0] * len(docs)
        if writer is not None:
            limit = writer._blocklimit
            for i in range(0, len(docs), limit):
                if i:
                    writer._write_block()  # as add_posting does when a full block meets the next posting
                fill_block(writer, docs[i:i + limit], weights[i:i + limit], values[i:i + limit], lens[i:i + limit])
        else:
            for doc, weight, value, length in zip(docs, weights, values, lens):
                fieldwriter.add(doc, weight, value or b"", length)
        fieldwriter.finish_term()
    if last_field is not None:
        fieldwriter.finish_field()


def fill_block(writer: W3PostingsWriter, docs: list[int], weights: list[float], values: list, lengths: list[int]):
    """A W3PostingsWriter's buffered block as add_posting leaves it after these postings (at
    most its block limit, the block empty before): ids and weights as arrays, non-empty values,
    the largest weight (from 0) and the smallest and largest non-zero length."""
    writer._ids = array("I", docs)
    writer._weights = array("f", weights)
    writer._values = [v for v in values if v]
    writer._maxweight = max(0, max(weights))
    present = [n for n in lengths if n]
    writer._minlength = min(present) if present else None
    writer._maxlength = max(present, default=0)


class GazetteSegmentWriter(SegmentWriter):
    """Whoosh's SegmentWriter with a TermPool, and the new segment's length columns read whole
    (lengths_loader) while its postings are written."""

    def __init__(self, ix, lengths_loader=None, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool = TermPool(self._tempstorage, PoolSettings(limit_mb=kwargs.get("limitmb", PoolSettings.limit_mb)))
        self._lengths_loader = lengths_loader

    def per_document_reader(self):
        reader = super().per_document_reader()
        return self._lengths_loader(reader) if self._lengths_loader else reader

    def _flush_segment(self):
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        terms = self.pool.iter_terms()
        try:
            write_terms(self.fieldwriter, self.schema, lengths, terms)
            self.fieldwriter.close()
        finally:
            terms.close()  # its runs' files, if a write failed half-way
            if lengths:
                lengths.close()
