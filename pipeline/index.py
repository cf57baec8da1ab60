"""Stage 8: the Whoosh index of every parsed document (one writer at a time)."""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from whoosh import index as windex
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import LockError

from .errors import GazetteError, IndexCorruptError, IndexLockedError, IndexMissingError
from .model import Document, Gazette
from .normalize import CJK, FUNCTION_CHARS, nfkc, squash
from .tokenizer import CharAnalyzer, ChineseAnalyzer, IndexWords, fold, read_words, using_index, words_of

log = logging.getLogger(__name__)
LOCK_TIMEOUT = 30.0  # seconds a second writer waits for the index lock


def make_schema() -> Schema:
    """The index's fields. The analyzer holds no path: it tokenizes with the words of the index
    named by tokenizer.using_index, so a home can be moved or copied."""
    analyzer = ChineseAnalyzer()
    return Schema(
        key=ID(stored=True, unique=True),  # <gazette id>#<document position>
        gazette=ID(stored=True),
        number=ID(stored=True),  # normalized 文号
        # a CJK run that parses into several words is a phrase: its words must stand together
        title=TEXT(analyzer=analyzer, stored=True, field_boost=3.0, multitoken_query="phrase"),
        body=TEXT(analyzer=analyzer, stored=True, multitoken_query="phrase"),
        tables=TEXT(analyzer=analyzer, stored=True, multitoken_query="phrase"),
        # title, body and tables again, one character a token: substring matches for any word
        chars=TEXT(analyzer=CharAnalyzer(), multitoken_query="phrase"),
        issuer=KEYWORD(stored=True, commas=True),
        category=ID(stored=True),
        doc_type=ID(stored=True),
        date=ID(stored=True),
        year=ID(stored=True),
        citations=KEYWORD(commas=True),
        meta=STORED,  # what a hit shows that is not searched: issuers as printed, pages, gazette
    )


def issuer_key(name: str) -> str:
    return squash(name)


def table_text(doc: Document) -> str:
    parts = []
    for t in doc.tables:
        parts.append(" ".join(filter(None, [t.caption or "", " ".join(t.header)])))
        parts.extend(" ".join(r) for r in t.rows)
    return "\n".join(parts)


@dataclass
class StoredMeta:
    """What a hit shows that is not searched, stored with each document in the index."""

    issuers: list[str]
    category: str | None
    gazette_title: str | None
    gazette_year: int | None
    gazette_number: int | None
    page_start: int | None
    page_end: int | None
    pdf_page_start: int
    n_tables: int
    page_marks: list[list[int]]
    ocr_share: float = 0.0  # the share of the document's text read by OCR

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> StoredMeta:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        return cls(**{**{f.name: None for f in fields(cls)}, "issuers": [], "n_tables": 0, "page_marks": [],
                      "pdf_page_start": 0, "ocr_share": 0.0, **values})


def _fields(g: Gazette, pos: int, doc: Document) -> dict:
    return {
        "key": f"{g.gazette.id}#{pos}",
        "gazette": g.gazette.id,
        "number": doc.doc_number or "",
        "title": doc.title,
        "body": doc.body,
        "tables": table_text(doc),
        "chars": "\n".join([doc.title, doc.body, table_text(doc)]),
        "issuer": ",".join(issuer_key(i) for i in doc.issuers),
        "category": squash(doc.category or ""),
        "doc_type": doc.doc_type or "",
        "date": doc.date or "",
        "year": (doc.date or "")[:4],
        "citations": ",".join(doc.citations),
        "meta": StoredMeta(
            issuers=doc.issuers, category=doc.category, gazette_title=g.gazette.title,
            gazette_year=g.gazette.year, gazette_number=g.gazette.number, page_start=doc.page_start,
            page_end=doc.page_end, pdf_page_start=doc.pdf_page_start, n_tables=len(doc.tables),
            page_marks=doc.page_marks, ocr_share=doc.ocr_share,
        ).to_dict(),
    }


COMPLETE_MARK = ".complete"  # written into a rebuilt index once it is whole, before the swap


def _beside(index_dir: Path, suffix: str) -> Path:
    return index_dir.with_name(index_dir.name + suffix)


def recover(index_dir: Path) -> None:
    """Finish or undo a swap that a kill interrupted: a whole new index goes in, else the old
    one comes back; leftovers go."""
    new, old = _beside(index_dir, ".new"), _beside(index_dir, ".old")
    if not index_dir.exists():
        if (new / COMPLETE_MARK).exists():
            os.replace(new, index_dir)
        elif old.exists():
            os.replace(old, index_dir)
    if index_dir.exists() and old.exists():
        shutil.rmtree(old, ignore_errors=True)


def reads_index(fn):
    """Whoosh reports a damaged index in many ways (EOFError, a missing segment file, unpickling
    errors …): each becomes one IndexCorruptError that says how to rebuild. The project's own
    errors, a query too deep to parse and a permission problem pass through."""

    @functools.wraps(fn)
    def wrapper(index_dir, *args, **kwargs):
        try:
            return fn(index_dir, *args, **kwargs)
        except (GazetteError, RecursionError, PermissionError):
            raise
        except Exception as exc:
            raise IndexCorruptError(f"the index in {index_dir} is damaged ({type(exc).__name__}: {exc})") from exc

    return wrapper


@reads_index
def exists(index_dir: Path) -> bool:
    recover(index_dir)
    return index_dir.exists() and windex.exists_in(str(index_dir))


def _storage(index_dir: Path):
    """The index's files, read with plain file reads: Whoosh's memory-map path wraps each map in
    a BytesIO, which copies most of the index into memory on every open."""
    from whoosh.filedb.filestore import FileStorage

    return FileStorage(str(index_dir), supports_mmap=False)


@reads_index
def open_index(index_dir: Path, create: bool = False):
    if exists(index_dir):
        return _storage(index_dir).open_index()
    if not create:
        raise IndexMissingError(f"no index in {index_dir}")
    index_dir.mkdir(parents=True, exist_ok=True)
    return _storage(index_dir).create_index(make_schema())


@reads_index
def indexed_gazettes(index_dir: Path) -> set[str]:
    """The gazette ids the index holds; IndexCorruptError if it cannot be read through."""
    ix = open_index(index_dir)
    with ix.searcher() as s:
        return {stored["gazette"] for stored in s.all_stored_fields()}


@reads_index
def gazettes_with_numbers(index_dir: Path, numbers: list[str]) -> list[str]:
    """For each 文号 that is in the index, the gazette ids holding it (one entry per gazette and
    number)."""
    ix = open_index(index_dir)
    out: list[str] = []
    with ix.searcher() as s:
        for number in dict.fromkeys(numbers):
            out.extend({stored["gazette"] for stored in s.documents(number=number)})
    return out


def writer(ix, timeout: float = LOCK_TIMEOUT):
    try:
        return ix.writer(timeout=timeout)
    except LockError as exc:
        raise IndexLockedError(f"the index is locked by another writer (waited {timeout:.0f} s)") from exc


def replace_gazettes(index_dir: Path, gazettes: list[Gazette], remove_ids: list[str] = (),
                     timeout: float = LOCK_TIMEOUT) -> None:
    """In one commit: drop every document of these gazettes (and of remove_ids), add them anew."""
    ix = open_index(index_dir, create=True)
    w = writer(ix, timeout)
    with using_index(index_dir):
        try:
            update_domain_dictionary(index_dir, gazettes)  # under the lock: one writer at a time
            for gid in {g.gazette.id for g in gazettes} | set(remove_ids):
                w.delete_by_term("gazette", gid)
            for g in gazettes:
                for pos, doc in enumerate(g.documents):
                    w.add_document(**_fields(g, pos, doc))
            w.commit()
        except BaseException:
            w.cancel()
            raise
    write_query_dictionary(index_dir, ix)


REBUILD_BATCH = 20  # gazettes indexed per commit while rebuilding (memory stays flat)


def rebuild(index_dir: Path, gazettes: Iterable[Gazette]) -> int:
    """A fresh index from parsed gazettes, built beside the old one (index.new) and swapped in:
    searches meanwhile see the old index, a kill leaves the old one in place, and whatever state
    the old one is in (damaged, missing) does not matter. Returns the number of gazettes."""
    new = _beside(index_dir, ".new")
    shutil.rmtree(new, ignore_errors=True)
    open_index(new, create=True)
    n, batch = 0, []
    for g in gazettes:
        batch.append(g)
        if len(batch) >= REBUILD_BATCH:
            replace_gazettes(new, batch)
            n, batch = n + len(batch), []
    if batch:
        replace_gazettes(new, batch)
        n += len(batch)
    (new / COMPLETE_MARK).write_text("", encoding="utf-8")
    old = _beside(index_dir, ".old")
    shutil.rmtree(old, ignore_errors=True)
    if index_dir.exists():
        os.replace(index_dir, old)
    os.replace(new, index_dir)
    (index_dir / COMPLETE_MARK).unlink(missing_ok=True)
    shutil.rmtree(old, ignore_errors=True)
    return n


# -- dictionaries -------------------------------------------------------------

_QUOTED_RE = re.compile(rf"[“\"《]([{CJK}]{{2,8}})[”\"》]")
_ADDRESS_HEADER_RE = re.compile(r"地址|地点|住所|所在地|位置|地区")
_PLACE_RE = re.compile(rf"([{CJK}]{{2,6}}?(?:镇|乡|村|街道|社区|县|区|市))")


def domain_words(g: Gazette) -> Counter:
    """Words the parser knows as units: issuers, addressees, quoted terms, short table cells."""
    words: Counter = Counter()
    for doc in g.documents:
        for name in doc.issuers:
            words[fold(nfkc(name))] += 5
        for part in re.split(r"[，,、；;]", doc.addressees or ""):
            if 2 <= len(part) <= 12:
                words[fold(part.strip())] += 2
        for m in _QUOTED_RE.finditer(doc.body):
            words[fold(m.group(1))] += 3
        for t in doc.tables:
            cols = [k for k, h in enumerate(t.header) if _ADDRESS_HEADER_RE.search(h)]
            for row in t.rows:
                for k in cols:
                    if k < len(row):
                        words.update(fold(p) for p in _PLACE_RE.findall(row[k]))
        for p in doc.personnel:
            words[fold(p.name)] += 5
    return words


_TERM_STOP = FUNCTION_CHARS | set("要各有到不也就都而个这那该此")


def discover_terms(texts: list[str], segment, min_count: int = 4) -> list[str]:
    """Recurring 3–4 character terms that jieba would cut apart (消费券, 妇儿工委): frequent, seen
    in varied contexts on both sides, not a fragment of a longer term, and whose pieces occur
    mostly inside the term (cohesion)."""
    runs = [m.group() for t in texts for m in re.finditer(f"[{CJK}]{{3,}}", t)]
    grams: Counter = Counter(r[i:i + n] for r in runs for n in (3, 4) for i in range(len(r) - n + 1))
    frequent = {g for g, c in grams.items() if c >= min_count and not set(g) & _TERM_STOP}
    left: dict[str, Counter] = {g: Counter() for g in frequent}
    right: dict[str, Counter] = {g: Counter() for g in frequent}
    for r in runs:
        for n in (3, 4):
            for i in range(len(r) - n + 1):
                g = r[i:i + n]
                if g in frequent:
                    left[g][r[i - 1] if i else "^"] += 1
                    right[g][r[i + n] if i + n < len(r) else "$"] += 1
    text = "\n".join(texts)
    counts: dict[str, int] = {}
    terms = []
    for g in sorted(frequent):
        c = grams[g]
        if len(left[g]) < 3 or len(right[g]) < 3:
            continue
        if left[g].most_common(1)[0][1] >= 0.8 * c or right[g].most_common(1)[0][1] >= 0.8 * c:
            continue  # nearly always inside something longer
        parts = segment(g)
        if len(parts) < 2:
            continue  # already one word
        for p in parts:
            if p not in counts:
                counts[p] = text.count(p)
        if c / min(counts[p] for p in parts) >= 0.6:
            terms.append(g)
    return terms


def update_domain_dictionary(index_dir: Path, gazettes: list[Gazette]) -> None:
    """Merge these gazettes' domain words into index/userdict.txt (jieba's user dict format)."""
    path = index_dir / IndexWords.USER_DICT
    words: Counter = Counter(read_words(path))
    tk = words_of(index_dir).index_tokenizer()
    for g in gazettes:
        for w, n in domain_words(g).items():
            words[w] = max(words[w], 1000 + n)
        for term in discover_terms([fold(d.body) for d in g.documents], lambda w: tk.lcut(w, HMM=False)):
            words[term] = max(words[term], 1000)
    _write_lines(path, [f"{w} {n}" for w, n in sorted(words.items()) if w and " " not in w])


def write_query_dictionary(index_dir: Path, ix) -> None:
    """index/query_dict.txt: the index's own vocabulary with frequencies, for fast query parsing."""
    freq: Counter = Counter()
    with ix.searcher() as s:
        r = s.reader()
        for field in ("title", "body", "tables"):
            for term, info in r.iter_field(field):
                word = term.decode("utf-8") if isinstance(term, bytes) else term
                if word.strip():
                    freq[word] += int(info.weight())
    _write_lines(index_dir / IndexWords.QUERY_DICT, [f"{w} {max(n, 1)}" for w, n in sorted(freq.items()) if " " not in w])


def _write_lines(path: Path, lines: list[str]) -> None:
    from .model import atomic_write_text

    atomic_write_text(path, "\n".join(lines) + "\n")


@dataclass
class IndexStats:
    gazettes: int
    documents: int
    tables: int
    index_bytes: int

    def to_dict(self) -> dict:
        return asdict(self)


def split_key(key: str) -> tuple[str, int]:
    """A document's index key (<gazette id>#<position>) as (gazette id, position)."""
    gid, pos = key.rsplit("#", 1)
    return gid, int(pos)


@reads_index
def stats(index_dir: Path) -> IndexStats:
    ix = open_index(index_dir)
    gazettes: set[str] = set()
    n_docs = n_tables = 0
    with ix.searcher() as s:
        for stored in s.all_stored_fields():
            gazettes.add(stored["gazette"])
            n_docs += 1
            n_tables += StoredMeta.from_dict(stored["meta"]).n_tables
    size = sum(f.stat().st_size for f in index_dir.iterdir() if f.is_file() and not f.name.startswith("."))
    return IndexStats(len(gazettes), n_docs, n_tables, size)
