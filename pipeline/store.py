"""GazetteStore: one home (parsed/, index/, manifest.jsonl) and everything done with it.

The Python API of the project, and what the command line calls:

    from pipeline import GazetteStore
    store = GazetteStore("archive")
    store.ingest(["raw/"])
    for hit in store.search("垃圾分类", issuer="阳泉市城区人民政府").hits: ...

Every method returns the typed records of the modules behind it; errors are the project's own
(pipeline.errors), never a traceback of a library below."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import GazetteError, NotFoundError
from .home import Home
from .manifest import ManifestEntry
from .model import Document, Gazette


@dataclass
class DocumentRef:
    """A document with the issue it was published in."""

    gazette: Gazette
    document: Document

    @property
    def gazette_id(self) -> str:
        return self.gazette.gazette.id

    def to_dict(self) -> dict:
        return dict(self.document.to_dict(), gazette=self.gazette_id)


@dataclass
class DocumentRelations:
    """A document with the relations it states, the relations stated of it, and its validity."""

    ref: DocumentRef
    key: str  # <gazette id>#<position>: the document in relations.RelationGraph
    outgoing: list  # relations.Relation
    incoming: list  # relations.Relation
    validity: object  # relations.Validity (as of today)

    def to_dict(self) -> dict:
        return {"gazette": self.ref.gazette_id, "doc_number": self.ref.document.doc_number,
                "title": self.ref.document.title, "validity": self.validity.to_dict(),
                "relations": {"outgoing": [r.to_dict() for r in self.outgoing],
                              "incoming": [r.to_dict() for r in self.incoming]}}


@dataclass
class Citation:
    """A document that cites another, as the index holds it."""

    doc_number: str | None
    title: str
    gazette: str
    date: str | None
    issuers: list[str]
    position: int = 0  # 1-based place of the citing document in its issue

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class StatusEntry:
    """A manifest entry with what the parser was unsure of (filled by status(with_warnings=True))."""

    entry: ManifestEntry
    warning_texts: list[str]

    def to_dict(self) -> dict:
        return dict(self.entry.to_dict(), stale=self.entry.stale, warning_texts=self.warning_texts)


class GazetteStore:
    def __init__(self, home: str | os.PathLike | Home | None = None, backend: str | None = None,
                 backend_url: str | None = None):
        """backend: the search engine (whoosh, tantivy, typesense; GAZETTE_BACKEND); by default
        the one that built the home's index. Another than that one needs reindex() first.
        backend_url: the Typesense node(s), `http://host:8108[,http://host2:8108…]`
        (GAZETTE_BACKEND_URL; the API key comes from TYPESENSE_API_KEY)."""
        if isinstance(home, Home):
            import dataclasses

            from .backend import check_backend

            home = dataclasses.replace(home, backend=check_backend(backend)) if backend else home
            self.home = dataclasses.replace(home, backend_url=backend_url) if backend_url else home
        else:
            self.home = Home.resolve(home, backend, backend_url)
        self._graph = None  # (parsed/ files and times, RelationGraph) of the last relation_graph()

    def __repr__(self) -> str:
        return f"GazetteStore({str(self.home.root)!r})"

    # -- writing ---------------------------------------------------------------------------------
    def ingest(self, paths, *, jobs: int | None = None, force: bool = False, replace: bool = False,
               file_timeout: float | None = None, max_memory_mb: int | None = None, ocr: str = "auto",
               engine: str = "pdfium", progress=None, scheduler: str | None = None):
        """Parse PDFs (files or folders, recursive), write parsed/, index them. Returns an
        ingest.IngestReport; a bad file is one failed result, the others go in. A copy of an
        issue already in replaces it only when at least as complete (pages, documents), or
        with replace. file_timeout (seconds) and max_memory_mb bound what a worker may spend on a
        chunk of pages: a hostile file fails as too slow or too large and the batch goes on.
        ocr: auto (OCR the pages without a usable text layer), never, or force (every page).
        engine: pdfium (fast) or pdfplumber (the reference engine; the same result).
        scheduler: read the pages on a Dask cluster, `tcp://host:8786` or `local:N` (the
        [cluster] extra); the documents are built and stored in this process as always."""
        from .ingest import ingest
        from .workers import Budget

        budget = Budget()
        if file_timeout is not None:
            budget.timeout = file_timeout
        if max_memory_mb is not None:
            budget.max_memory = max_memory_mb << 20
        report = ingest([paths] if isinstance(paths, (str, os.PathLike)) else list(paths), self.home, jobs=jobs,
                        force=force, progress=progress, replace=replace, budget=budget, ocr=ocr, engine=engine,
                        scheduler=scheduler)
        if any(r.status in ("added", "replaced") for r in report.files):
            report.watches = self.watch_new()
        return report

    # -- saved searches ----------------------------------------------------------------------------
    def watches(self):
        """The saved searches of this home (watches.SavedSearch), by name."""
        from . import watches

        return sorted(watches.load(self.home).values(), key=lambda w: w.name)

    def watch_add(self, name: str, query: str | None = None, **options):
        """Save a search by name (the options of `search`: number, issuer, category, doc_type,
        date_from, date_to, gazette, strict, in_force, as_of). What it finds now counts as seen."""
        from . import watches
        from .home import write_lock

        watch = watches.SavedSearch(watches.check_name(name), query, options)
        found = self.search(query, limit=None, **watch.search_options())  # a bad query fails here, not later
        watch.seen = sorted(watches.hit_key(h) for h in found.hits)
        with write_lock(self.home):
            saved = watches.load(self.home)
            saved[name] = watch
            watches.save(self.home, saved)
        return watch

    def watch_remove(self, name: str) -> None:
        from . import watches
        from .home import write_lock

        with write_lock(self.home):
            saved = watches.load(self.home)
            watches.get(saved, name)
            del saved[name]
            watches.save(self.home, saved)

    def watch_run(self, name: str, limit: int | None = None):
        """Run a saved search now: search.SearchResult, as `search` gives it for the same options."""
        from . import watches

        watch = watches.get(watches.load(self.home), name)
        return self.search(watch.query, limit=limit, **watch.search_options())

    def watch_new(self, names: list[str] | None = None):
        """Per saved search, the documents it finds now and had not reported (watches.NewMatches);
        they count as reported from now on. Ingest calls it when it added anything."""
        from . import watches
        from .home import write_lock

        out = []
        with write_lock(self.home):
            saved = watches.load(self.home)
            for name, watch in sorted(saved.items()):
                if names and name not in names:
                    continue
                found = self.search(watch.query, limit=None, **watch.search_options()).hits
                seen = set(watch.seen)
                new = [h for h in found if watches.hit_key(h) not in seen]
                watch.seen = sorted(seen | {watches.hit_key(h) for h in found})
                out.append(watches.NewMatches(name, watch.command_line(), new))
            if out:
                watches.save(self.home, saved)
        return out

    def reindex(self, *, stale: bool = False, jobs: int | None = None, progress=None):
        """Rebuild index/ from parsed/, or (stale) parse again the files an older parser read."""
        from .ingest import reindex

        return reindex(self.home, stale_only=stale, jobs=jobs, progress=progress)

    def remove(self, gazette_id: str) -> None:
        """Drop one issue from the index, parsed/ and the manifest."""
        from .ingest import remove

        if not remove(self.home, gazette_id):
            raise NotFoundError(f"no gazette {gazette_id!r}", hint="`gazette stats --format json` lists the ids")

    # -- reading ---------------------------------------------------------------------------------
    def search(self, query: str | None = None, *, number: str | None = None, issuer: str | None = None,
               category: str | None = None, doc_type: str | None = None, date_from: str | None = None,
               date_to: str | None = None, gazette: str | None = None, limit: int | None = 10,
               facets: bool = False, strict: bool = False, in_force: bool = False, as_of: str | None = None):
        """Ranked full-text search (filters alone list documents, newest first): search.SearchResult.
        When the query as typed finds nothing, a loose 文号, title recall or relaxed words are tried
        (result.relaxed says which; each hit's relaxed flag is set), unless strict."""
        from .search import SearchRequest, search

        req = SearchRequest(query=query, number=number, issuer=issuer, category=category, doc_type=doc_type,
                            date_from=date_from, date_to=date_to, gazette=gazette, limit=limit, facets=facets,
                            strict=strict)
        if not (in_force or as_of):
            return search(self.home.search_backend(), req)
        # in force on a day: every match is weighed (validity is read from the parsed documents and
        # the repeals in force then), the first `limit` of those in force are kept, in rank order
        import datetime

        day = datetime.date.fromisoformat(as_of) if as_of else datetime.date.today()
        req.limit = None
        result = search(self.home.search_backend(), req)
        graph = self.relation_graph()
        kept = [h for h in result.hits
                if graph.validity(f"{h.gazette}#{h.position - 1}", day).status == "in_force"]
        result.hits = kept[:limit] if limit else kept
        result.total = len(kept) if facets else len(result.hits)
        return result

    def show(self, doc_number: str) -> list[DocumentRef]:
        """The documents with this 文号 (any bracket style); several when issues share it."""
        from .backend import split_key
        from .search import find_document

        found = find_document(self.home.search_backend(), doc_number)
        if not found:
            raise NotFoundError(f"no document numbered {doc_number!r} in the index")
        refs = []
        for stored in found:
            gid, pos = split_key(stored["key"])
            g = self.gazette(gid)
            refs.append(DocumentRef(g, g.documents[pos]))
        return refs

    def cited_by(self, doc_number: str) -> list[Citation]:
        """The documents in the index that cite this 文号, newest first."""
        from .backend import StoredMeta, split_key
        from .search import citing_documents

        out = []
        for f in citing_documents(self.home.search_backend(), doc_number):
            gid, pos = split_key(f["key"])
            meta = StoredMeta.from_dict(f["meta"])
            out.append(Citation(f.get("number") or None, f.get("title", ""), gid, f.get("date") or None, meta.issuers,
                                pos + 1))
        return out

    def relation_graph(self):
        """Every relation between the home's documents, resolved now (relations.RelationGraph):
        a target ingested after its citer resolves as soon as it is in."""
        from .relations import RelationGraph

        key = tuple((f.name, f.stat().st_mtime_ns) for f in sorted(self.home.parsed.glob("*.json")))
        if self._graph is None or self._graph[0] != key:
            self._graph = (key, RelationGraph([Gazette.load(self.home.parsed / name) for name, _ in key]))
        return self._graph[1]

    def relations(self, doc_number: str, gazette: str | None = None) -> list[DocumentRelations]:
        """For each document with this 文号 (or the one of this issue): what it cites, promulgates,
        forwards, amends, repeals or replaces, what refers to it, and whether it is in force today."""
        graph = self.relation_graph()
        out = []
        for ref in self.show(doc_number):
            if gazette and ref.gazette_id != gazette:
                continue
            key = f"{ref.gazette_id}#{ref.gazette.documents.index(ref.document)}"
            out.append(DocumentRelations(ref, key, graph.outgoing.get(key, []), graph.incoming.get(key, []),
                                         graph.validity(key)))
        return out

    def highlight_terms(self, query: str) -> list[str]:
        """What a query marks in a document's text: its words and phrases (search.find_spans finds them)."""
        from .search import query_needles

        return query_needles(self.home.search_backend(), query)

    def source_pdf(self, gazette_id: str) -> Path:
        """The PDF an ingested issue was read from, as the manifest records it (never a path
        from elsewhere)."""
        from .manifest import Manifest

        for e in Manifest.load(self.home).files.values():
            if e.gazette_id == gazette_id and e.status == "ingested":
                path = Path(e.path)
                if path.is_file():
                    return path
                raise NotFoundError(f"the source PDF of {gazette_id!r} is gone: {e.path}",
                                    hint="restore the file, or ingest it again from where it is now")
        raise NotFoundError(f"no ingested gazette {gazette_id!r}")

    def gazette(self, gazette_id: str) -> Gazette:
        path = self.home.parsed_file(gazette_id)
        if not path.exists():
            raise NotFoundError(f"no parsed file for gazette {gazette_id!r}",
                                hint="`gazette reindex` rebuilds the index from parsed/")
        return Gazette.load(path)

    def tables(self, doc_number: str | None = None, *, search: str | None = None, column: str | None = None,
               gazette: str | None = None):
        """Every table (or those of one document) with its document and issue: export.TableExport.
        search: only tables whose caption, header or cells hold all these words; column: only
        tables with a column of this normalized name (事项 finds `事 项`; 总投资 finds 总投资（万元）)."""
        from .export import collect_tables, select_tables
        from .normalize import normalize_doc_number

        number = None
        if doc_number:
            number = normalize_doc_number(doc_number)
            if not number:
                raise NotFoundError(f"{doc_number!r} is not a 文号")
            self.show(number)  # an unknown number is an error, not an empty list
        found = select_tables(collect_tables(self.home.parsed, number), search, column)
        return [t for t in found if t.gazette == gazette] if gazette else found

    def export_sqlite(self, out: str | os.PathLike, doc_number: str | None = None, *, search: str | None = None,
                      column: str | None = None, gazette: str | None = None):
        """One SQLite database of the issues, documents and tables (typed cells, a view per
        header family across issues): sqlite_export.SqliteReport. Replaces out atomically."""
        from .sqlite_export import export_sqlite

        tables = self.tables(doc_number, search=search, column=column, gazette=gazette)
        selected = doc_number or search or column or gazette
        wanted = {t.gazette for t in tables}
        gazettes = [Gazette.load(f) for f in sorted(self.home.parsed.glob("*.json"))]
        if selected:
            gazettes = [g for g in gazettes if g.gazette.id in wanted]
        return export_sqlite(gazettes, tables, Path(out))

    def tables_frame(self):
        """Every table cell as a pandas DataFrame (long form: one row per cell, with its issue,
        document, table, row, column name, unit, type, printed text and typed value)."""
        try:
            import pandas as pd
        except ImportError:
            raise GazetteError("pandas is not installed",
                               hint="pip install -e '.[analysis]' (or pip install pandas)") from None
        from .table_data import typed_columns, typed_row

        records = []
        for t in self.tables():
            cols = typed_columns(t.table)
            for k, row in enumerate(t.rows):
                for c, text, v in typed_row(row, cols):  # as the SQLite export reads them
                    records.append({"gazette": t.gazette, "doc_number": t.doc_number, "document": t.title,
                                    "table": t.position, "caption": t.table.caption, "row": k + 1,
                                    "pdf_page": t.table.row_page(k), "column": c.name, "unit": c.unit,
                                    "type": c.type, "text": text, "number": v.number, "value": v.text})
        return pd.DataFrame.from_records(records, columns=["gazette", "doc_number", "document", "table", "caption",
                                                          "row", "pdf_page", "column", "unit", "type", "text",
                                                          "number", "value"])

    def status(self, *, with_warnings: bool = False) -> list[StatusEntry]:
        """Every file the manifest has seen, by path; with_warnings: only ingested gazettes the
        parser was unsure of, with what it was unsure of."""
        from .manifest import Manifest

        entries = sorted(Manifest.load(self.home).files.values(), key=lambda e: e.path)
        if not with_warnings:
            return [StatusEntry(e, []) for e in entries]
        out = []
        for e in entries:
            if e.status == "ingested" and e.warnings and e.gazette_id:
                path = self.home.parsed_file(e.gazette_id)
                texts = Gazette.load(path).all_warnings() if path.exists() else [f"parsed file missing: {path.name}"]
                out.append(StatusEntry(e, texts))
        return out

    def stats(self):
        """Gazettes, documents and tables in the index, and its size: backend.IndexStats."""
        backend = self.home.search_backend()
        if not backend.exists():
            from .errors import IndexMissingError

            raise IndexMissingError(f"no index in {self.home.index}")
        return backend.stats()

    @property
    def root(self) -> Path:
        return self.home.root


def tables_frame(home: str | os.PathLike):
    """Every table cell of a home as a pandas DataFrame: GazetteStore(home).tables_frame()."""
    return GazetteStore(home).tables_frame()
