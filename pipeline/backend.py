"""The search backend interface: what ingest, search, the web page and the Python API ask of an
index, whatever engine holds it.

- A backend stores one record per document (document_fields: the searched text, the filter
  fields, and StoredMeta for what a hit shows) and answers searches through an IndexReader.
- Queries and filters are whoosh.query trees: the project's query language (AND by default,
  OR, NOT, "phrases", field:term, NEAR/N) parsed by Whoosh's parser with the project's jieba
  analyzer. Whoosh runs them as they are; another engine translates them.
- The word lists beside an index (pipeline.dictionaries) are the same for every backend, so a
  query is cut into the same words whichever engine answers it.

Backends: whoosh (pipeline.whoosh_backend, the default), tantivy (pipeline.tantivy_backend,
the `[tantivy]` extra) and typesense (pipeline.typesense_backend, a search server or cluster; the
`[cluster]` extra). The engine that built an index is recorded in it (index/backend.json);
a home is searched with that engine unless another is asked for, which needs `gazette reindex`."""

from __future__ import annotations

import functools
import json
import os
import shutil
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import ClassVar

from .errors import GazetteError, IndexCorruptError, InputError
from .model import Document, Gazette, atomic_write_text
from .normalize import squash

BACKENDS = ("whoosh", "tantivy", "typesense")
DEFAULT_BACKEND = "whoosh"
BACKEND_FILE = "backend.json"  # in the index folder: the engine that built it
COMPLETE_MARK = ".complete"  # written into a rebuilt index once it is whole, before the swap
LOCK_TIMEOUT = 30.0  # seconds a second writer waits for the index lock
FACETS = ("issuer", "category", "doc_type", "year")
NO_VALUE = "—"  # a facet's bucket for documents without the field


def issuer_key(name: str) -> str:
    return squash(name)


def table_text(doc: Document) -> str:
    parts = []
    for t in doc.tables:
        parts.append(" ".join(filter(None, [t.caption or "", " ".join(t.header)])))
        parts.extend(" ".join(r) for r in t.rows)
    return "\n".join(parts)


def split_key(key: str) -> tuple[str, int]:
    """A document's index key (<gazette id>#<position>) as (gazette id, position)."""
    gid, pos = key.rsplit("#", 1)
    return gid, int(pos)


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
    folds: str | None = None  # tokenizer.fold_changes of title, body and tables (None: not recorded)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> StoredMeta:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        return cls(**{**{f.name: None for f in fields(cls)}, "issuers": [], "n_tables": 0, "page_marks": [],
                      "pdf_page_start": 0, "ocr_share": 0.0, **values})


def document_fields(g: Gazette, pos: int, doc: Document) -> dict:
    """One document's record in the index: what is searched, filtered on, and shown."""
    from .tokenizer import fold_changes

    tables = table_text(doc)
    return {
        "key": f"{g.gazette.id}#{pos}",
        "gazette": g.gazette.id,
        "number": doc.doc_number or "",
        "title": doc.title,
        "body": doc.body,
        "tables": tables,
        "chars": "\n".join([doc.title, doc.body, tables]),
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
            page_marks=doc.page_marks, ocr_share=doc.ocr_share, folds=fold_changes(doc.title, doc.body, tables),
        ).to_dict(),
    }


def facet_values(record: dict) -> dict[str, list[str]]:
    """What a document counts under in each facet (issuers as printed; NO_VALUE when missing)."""
    meta = record["meta"]
    return {"issuer": list(dict.fromkeys(meta.get("issuers") or [])),
            "category": [meta.get("category") or NO_VALUE],
            "doc_type": [record.get("doc_type") or NO_VALUE],
            "year": [record.get("year") or NO_VALUE]}


def listing_order(record: dict) -> str:
    """The sort key of a filter-only listing (newest first when reversed): date, then key."""
    return f"{record.get('date') or ''}\x00{record['key']}"


@dataclass
class IndexStats:
    gazettes: int
    documents: int
    tables: int
    index_bytes: int
    backend: str = DEFAULT_BACKEND  # the engine holding the index

    def to_dict(self) -> dict:
        return asdict(self)


def reads_index(fn):
    """An engine reports a damaged index in many ways (EOFError, a missing segment file,
    unpickling errors, ValueError …): each becomes one IndexCorruptError that says how to
    rebuild. The project's own errors, a query too deep to parse and a permission problem pass
    through."""

    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        try:
            return fn(self, *args, **kwargs)
        except (GazetteError, RecursionError, PermissionError):
            raise
        except Exception as exc:
            raise IndexCorruptError(f"the index in {self.index_dir} is damaged ({type(exc).__name__}: {exc})") from exc

    return wrapper


class IndexReader(ABC):
    """One open view of an index, for the length of a search. Stored records are the dicts of
    document_fields (without `chars`)."""

    schema = None  # the whoosh Schema queries are parsed against

    @abstractmethod
    def search(self, q, flt=None, limit: int | None = 10) -> list[tuple[dict, float]]:
        """Records and scores of the best matches of q (within filter flt), best first."""

    @abstractmethod
    def count_facets(self, q, flt=None) -> tuple[int, dict[str, dict[str, int]]]:
        """All matches of q within flt: their number and their counts per facet value."""

    @abstractmethod
    def listing(self, flt=None, limit: int | None = 10) -> list[dict]:
        """Records within flt (everything when None), newest first (listing_order)."""

    @abstractmethod
    def doc_frequency(self, field: str, text: str) -> int:
        """Documents holding this term (deleted ones may count until the index merges)."""

    @abstractmethod
    def lexicon(self, field: str) -> Iterator[str]:
        """Every term of a field, in order."""

    @abstractmethod
    def documents(self, field: str, value: str) -> list[dict]:
        """Records whose (untokenized) field holds value."""


class SearchBackend(ABC):
    """An engine holding one index folder."""

    name: ClassVar[str]

    def __init__(self, index_dir: Path, url: str | None = None):
        self.index_dir = Path(index_dir)
        self.url = url  # a search server's address (typesense); the embedded engines need none

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.index_dir)!r})"

    @abstractmethod
    def exists(self) -> bool:
        """An index of this engine is in the folder."""

    @abstractmethod
    def reader(self) -> contextmanager:
        """A context manager giving an IndexReader; IndexMissingError without an index."""

    @abstractmethod
    def replace_gazettes(self, gazettes: list[Gazette], remove_ids: Iterable[str] = (),
                         timeout: float = LOCK_TIMEOUT) -> None:
        """In one commit: drop every document of these gazettes (and of remove_ids), add them
        anew; the word lists are updated with them. Creates the index when there is none."""

    @abstractmethod
    def build(self, gazettes: Iterable[Gazette]) -> int:
        """Fill an empty folder from these gazettes, streamed (memory does not grow with their
        number); returns how many."""

    @abstractmethod
    def indexed_gazettes(self) -> set[str]:
        """The gazette ids the index holds."""

    @abstractmethod
    def stats(self) -> IndexStats:
        """Gazettes, documents and tables in the index, and its size."""

    def gazettes_with_numbers(self, numbers: list[str]) -> list[str]:
        """For each 文号 in the index, the gazette ids holding it (one entry per gazette and number)."""
        out: list[str] = []
        with self.reader() as r:
            for number in dict.fromkeys(numbers):
                out.extend({f["gazette"] for f in r.documents("number", number)})
        return out

    def release(self) -> None:
        """Close what this process keeps open of the index between searches, before its folder
        is moved away or deleted."""
        return None

    def discard(self) -> None:
        """Let go of what the index holds outside its folder (a server's collection), once a
        rebuild has replaced it; the folder itself is removed by the caller."""
        return None  # the embedded engines hold nothing outside their folder

    def index_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.index_dir.rglob("*") if f.is_file() and not f.name.startswith("."))


# -- which engine ---------------------------------------------------------------------------------

def check_backend(name: str) -> str:
    if name not in BACKENDS:
        raise InputError(f"unknown search backend {name!r}", hint=f"one of: {', '.join(BACKENDS)}")
    return name


def recorded_backend(index_dir: Path) -> str | None:
    """The engine that built the index in this folder (whoosh for an index older than the
    record), or None without an index."""
    record = _read_record(index_dir)
    if record is None:
        from .whoosh_backend import WhooshBackend

        return "whoosh" if WhooshBackend(index_dir).exists() else None
    try:
        return check_backend(record["backend"])
    except (KeyError, InputError) as exc:
        raise IndexCorruptError(f"{Path(index_dir) / BACKEND_FILE} is unreadable ({exc})") from exc


def backend_class(name: str) -> type[SearchBackend]:
    check_backend(name)
    if name == "tantivy":
        from .tantivy_backend import TantivyBackend

        return TantivyBackend
    if name == "typesense":
        from .typesense_backend import TypesenseBackend

        return TypesenseBackend
    from .whoosh_backend import WhooshBackend

    return WhooshBackend


def open_backend(index_dir: Path, wanted: str | None = None, url: str | None = None) -> SearchBackend:
    """The backend of an index folder: the one asked for, else the one that built it, else the
    default. Asking for another engine than the one that built the index is an error that says
    to rebuild (`reindex` builds with the engine asked for)."""
    recover(Path(index_dir))
    built = recorded_backend(index_dir)
    if wanted and built and wanted != built:
        raise InputError(f"the index in {index_dir} was built with {built}, not {wanted}",
                         hint=f"`gazette --backend {wanted} reindex` rebuilds it with {wanted}")
    return backend_class(wanted or built or DEFAULT_BACKEND)(Path(index_dir), url=url)


def backend_record(index_dir: Path) -> dict:
    """index/backend.json as a dict (empty without one)."""
    return _read_record(index_dir) or {}


def _read_record(index_dir: Path) -> dict | None:
    """index/backend.json, None without one; IndexCorruptError when it is not a JSON object."""
    path = Path(index_dir) / BACKEND_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"{path} is unreadable ({exc})") from exc
    if not isinstance(record, dict):
        raise IndexCorruptError(f"{path} is unreadable (not a JSON object)")
    return record


def record_backend(index_dir: Path, name: str, **details) -> None:
    """Write the engine's name (and what else it needs to find its index: a server's collection)
    into index/backend.json, keeping the details recorded before for the same engine."""
    try:
        old = backend_record(index_dir)
    except IndexCorruptError:
        old = {}
    record = {**(old if old.get("backend") == name else {}), **details, "backend": name}
    atomic_write_text(Path(index_dir) / BACKEND_FILE, json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


# -- building beside and swapping ------------------------------------------------------------------

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


def rebuild(index_dir: Path, name: str, gazettes: Callable[[], Iterable[Gazette]] | Iterable[Gazette],
            url: str | None = None) -> int:
    """A fresh index from parsed gazettes, built with engine `name` beside the old one
    (index.new) and swapped in: searches meanwhile see the old index, a kill leaves the old one
    in place, and whatever state the old one is in (damaged, missing, another engine) does not
    matter. Returns the number of gazettes."""
    index_dir = Path(index_dir)
    new = _beside(index_dir, ".new")
    shutil.rmtree(new, ignore_errors=True)
    new.mkdir(parents=True)
    if url is None:  # a server's address as recorded by the index being replaced
        try:
            url = backend_record(index_dir).get("url")
        except IndexCorruptError:
            url = None
    n = backend_class(name)(new, url=url).build(gazettes() if callable(gazettes) else gazettes)
    record_backend(new, name)
    (new / COMPLETE_MARK).write_text("", encoding="utf-8")
    old = _beside(index_dir, ".old")
    shutil.rmtree(old, ignore_errors=True)
    _release(index_dir)
    if index_dir.exists():
        os.replace(index_dir, old)
    try:
        os.replace(new, index_dir)
    except FileNotFoundError:  # a search's recover() finished the swap between the two renames
        if not (index_dir / COMPLETE_MARK).exists():
            raise
    (index_dir / COMPLETE_MARK).unlink(missing_ok=True)
    _discard(old)
    shutil.rmtree(old, ignore_errors=True)
    return n


def _release(index_dir: Path) -> None:
    """This process's open handles on the index about to be replaced are closed first."""
    try:
        built = recorded_backend(index_dir) if index_dir.exists() else None
        if built:
            backend_class(built)(index_dir).release()
    except Exception:  # an unreadable record: nothing of it was kept open
        return


def _discard(old: Path) -> None:
    """The replaced index's outside part (a server's collection) goes too; a failure to drop
    it costs space on the server, not data, so it is logged."""
    import logging

    try:
        built = recorded_backend(old) if old.exists() else None
        if built:
            backend_class(built)(old).discard()  # on the nodes the old index recorded
    except Exception as exc:
        logging.getLogger(__name__).warning("the replaced index in %s was not dropped: %s", old, exc)


def batches(gazettes: Iterable[Gazette], size: int) -> Iterator[list[Gazette]]:
    batch: list[Gazette] = []
    for g in gazettes:
        batch.append(g)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
