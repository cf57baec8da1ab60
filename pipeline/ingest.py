"""Stage 7: batch ingest. Files and folders in; each PDF hashed, parsed in worker processes (page
chunks, so one big file uses every core), written to parsed/ atomically, indexed by one writer,
and recorded in the manifest. Re-running skips what is already in; a new file of an issue
already ingested replaces it in one commit when it is at least as complete; a bad file is
reported and the batch goes on. Writes to a home hold its write lock, so two ingests side by
side merge their work."""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import __version__
from .backend import LOCK_TIMEOUT, rebuild
from .errors import GazetteError, IndexLockedError, InputError, os_error_message
from .home import Home, write_lock
from .manifest import Manifest, ManifestEntry
from .model import Gazette, atomic_write_bytes
from .ocr import OcrOptions
from .pages import check_engine, page_chunks, page_count, read_pages
from .parser import file_sha256, parse_pages
from .settings import DEFAULT
from .tokenizer import base_jieba, fast_segmenter_installed, import_segmenter, words_of
from .workers import Budget, run_tasks

log = logging.getLogger(__name__)


@dataclass
class FileResult:
    """What became of one file of a batch."""

    path: str
    sha256: str
    status: str  # added, replaced, skipped, duplicate (a less complete copy of an issue in), failed
    gazette_id: str | None = None
    documents: int = 0
    tables: int = 0
    pages: int = 0
    error: str | None = None
    seconds: float = 0.0
    note: str | None = None
    warnings: int = 0  # what the parser was unsure of (gazette and documents), for review
    ocr_pages: int = 0  # pages read by OCR

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class IngestReport:
    """The results of one ingest, one per file given, in order."""

    files: list[FileResult]
    watches: list = field(default_factory=list)  # watches.NewMatches: saved searches' new documents

    STATUSES = ("added", "replaced", "skipped", "duplicate", "failed")

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.files if r.status == "failed"]

    @property
    def counts(self) -> dict[str, int]:
        """Files by status, and the files added or replaced whose parse has warnings."""
        counts = {k: sum(1 for r in self.files if r.status == k) for k in self.STATUSES}
        counts["with_warnings"] = sum(1 for r in self.files if r.status in ("added", "replaced") and r.warnings)
        return counts

    def to_dict(self) -> dict:
        return {"summary": self.counts, "files": [r.to_dict() for r in self.files],
                "watches": [w.to_dict() for w in self.watches]}


class Progress:
    """Callbacks the CLI implements to show progress; the library only calls them."""

    def start(self, files: int, pages: int) -> None: ...
    def file_started(self, path: Path) -> None: ...
    def pages_done(self, path: Path, n: int) -> None: ...
    def file_done(self, result: FileResult) -> None: ...


def _record(manifest: Manifest, r: FileResult, status: str | None = None) -> None:
    old = manifest.files.get(r.sha256)
    manifest.files[r.sha256] = ManifestEntry(
        path=r.path, sha256=r.sha256, status=status or ("failed" if r.status == "failed" else "ingested"),
        gazette_id=r.gazette_id or (old.gazette_id if old else None), error=r.error or (r.note if status else None),
        parser_version=__version__ if r.status != "failed" else (old.parser_version if old else None),
        time=time.strftime("%Y-%m-%dT%H:%M:%S"), documents=r.documents, tables=r.tables, pages=r.pages,
        warnings=r.warnings, ocr_pages=r.ocr_pages)


# -- files ------------------------------------------------------------------------

def display_path(path: str | os.PathLike) -> str:
    """A path as text that can always be printed: bytes that are not UTF-8 shown as escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def collect_pdfs(paths: list[str | Path]) -> list[Path]:
    """Files as given, and *.pdf (any case) found recursively in folders; each once, in order.
    What cannot be resolved (a symlink loop) is kept as given: it fails on its own line."""
    out: list[Path] = []
    seen: set[Path] = set()
    for p in map(Path, paths):
        try:
            found = (sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() == ".pdf")
                     if p.is_dir() else [p])
        except OSError:
            found = [p]
        for f in found:
            try:
                key = f.resolve()
            except (OSError, RuntimeError):  # a symlink loop
                key = f.absolute()
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


def _check_input(path: Path) -> None:
    """Only regular files are read (a device or a FIFO would hang the batch)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError("no such file", path=display_path(path)) from None
    except RuntimeError:
        raise InputError("a symbolic link that loops", path=display_path(path)) from None
    except OSError as exc:
        raise InputError(os_error_message(exc, ""), path=display_path(path)) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError("not a regular file", path=display_path(path))


# -- ingest ---------------------------------------------------------------------------

def ingest(paths: list[str | Path], home: Home, jobs: int | None = None, force: bool = False,
           progress: Progress | None = None, lock_timeout: float = LOCK_TIMEOUT,
           replace: bool = False, budget: Budget | None = None, ocr: str = "auto",
           engine: str = "pdfium", scheduler: str | None = None) -> IngestReport:
    """Every file given ends in exactly one result. replace: a new copy of an issue replaces the
    one ingested even when it is less complete (fewer pages or documents). budget: the time and
    memory a worker may spend on a chunk of pages (workers.Budget). ocr: auto (pages without a
    usable text layer), never or force; results are cached in <home>/cache/ocr. engine: the PDF
    engine that reads characters, pdfium or pdfplumber (the reference; the same result, slower).
    scheduler: read the pages on a Dask cluster (distributed.py: tcp://host:port or local:N)
    instead of local worker processes; the documents are built and stored here as always."""
    check_engine(engine)
    if scheduler:
        from .distributed import check_scheduler

        check_scheduler(scheduler)
    ocr_options = OcrOptions(mode=ocr, cache_dir=str(home.cache / "ocr"))
    progress = progress or Progress()
    jobs = jobs or os.cpu_count() or 1
    _sweep_temp_files(home)
    manifest = Manifest.load(home)
    _restore_missing(home, manifest, lock_timeout)
    results: list[FileResult] = []
    todo: list[tuple[Path, str, int]] = []
    in_batch: dict[str, Path] = {}
    failed_early: list[FileResult] = []
    for path in collect_pdfs(paths):
        t0 = time.perf_counter()
        shown = display_path(path)
        try:
            _check_input(path)
            sha = file_sha256(path)
        except (OSError, GazetteError) as exc:
            results.append(FileResult(shown, "", "failed", error=_reason(exc, path)))
            continue
        if sha in in_batch:  # the same bytes under another name in this batch
            results.append(FileResult(shown, sha, "skipped", note=f"same content as {display_path(in_batch[sha])}"))
            continue
        in_batch[sha] = path
        path = path.absolute()  # the manifest keeps absolute paths: reindex --stale finds them again
        shown = display_path(path)
        entry = manifest.files.get(sha)
        done = _already_done(entry, home)
        if done and not force and not (replace and entry.status == "duplicate"):
            results.append(FileResult(shown, sha, "skipped", entry.gazette_id, entry.documents, entry.tables,
                                      entry.pages, warnings=entry.warnings, note=done))
            continue
        try:
            n = page_count(path)
            if n == 0:
                raise InputError("the PDF has no pages", path=shown, hint="the file is empty inside; nothing to parse")
        except GazetteError as exc:
            r = FileResult(shown, sha, "failed", error=_reason(exc, path), seconds=time.perf_counter() - t0)
            results.append(r)
            failed_early.append(r)
            continue
        todo.append((path, sha, n))
    progress.start(len(todo), sum(n for _, _, n in todo))
    for r in results:
        progress.file_done(r)
    if failed_early:
        _record_results(home, failed_early, lock_timeout, manifest)

    if todo:
        # every import a worker or the dictionary needs happens here, before any fork: a module
        # half-imported by the thread at the moment of a fork would stay locked in the worker
        import pdfplumber  # noqa: F401

        import_segmenter()

        threading.Thread(target=_load_dictionary, args=(home,), daemon=True, name="jieba").start()
    for path, sha, pages, outcome in _parse_all(todo, jobs, progress, budget or Budget(), ocr_options, engine,
                                                  scheduler):
        t0 = time.perf_counter()
        shown = display_path(path)
        if isinstance(outcome, BaseException):
            r = FileResult(shown, sha, "failed", pages=pages, error=_reason(outcome, path))
            _record_results(home, [r], lock_timeout, manifest)
        else:
            try:
                r = _store(outcome, shown, sha, home, manifest, lock_timeout, replace=replace, force=force)
            except (OSError, GazetteError) as exc:
                if isinstance(exc, IndexLockedError):
                    raise  # the whole batch waits on it: say so once
                r = FileResult(shown, sha, "failed", pages=pages, error=_reason(exc, path))
        r.seconds += time.perf_counter() - t0
        results.append(r)
        progress.file_done(r)
    return IngestReport(results)


def _restore_missing(home: Home, manifest: Manifest, lock_timeout: float) -> None:
    """Gazettes the manifest has as ingested but the index lacks (an index deleted, or damaged
    and rebuilt from an older parsed/) are indexed again from parsed/; a damaged index stops
    the ingest with IndexCorruptError, which says how to rebuild it."""
    wanted = {e.gazette_id for e in manifest.ingested() if e.gazette_id}
    if not wanted:
        return
    backend = home.search_backend()
    have = backend.indexed_gazettes() if backend.exists() else set()
    lacking = sorted(gid for gid in wanted - have if home.parsed_file(gid).exists())
    if lacking:
        log.warning("the index lacked %d ingested gazette(s); indexed again from parsed/: %s", len(lacking),
                    ", ".join(lacking))
        with write_lock(home, lock_timeout):
            backend.replace_gazettes([Gazette.load(home.parsed_file(gid)) for gid in lacking],
                                    timeout=lock_timeout)


def _already_done(entry: ManifestEntry | None, home: Home) -> str | None:
    """Why a file needs no work (a note for its result), or None."""
    if entry is None or not entry.gazette_id:
        return None
    if entry.status == "ingested" and home.parsed_file(entry.gazette_id).exists():
        return "already ingested"
    if entry.status == "duplicate":
        return entry.error or "a less complete copy of an issue already ingested"
    return None


def _sweep_temp_files(home: Home, older_than: float = 3600.0) -> None:
    """Temp files left by a killed run (never renamed into place); recent ones may belong to a
    run still going, so only old ones go."""
    now = time.time()
    for folder in (home.parsed, home.root):
        for f in folder.glob(".*.tmp") if folder.exists() else ():
            try:
                if now - f.stat().st_mtime > older_than:
                    f.unlink()
            except OSError:
                pass


def _reason(exc: BaseException, path: Path) -> str:
    if isinstance(exc, GazetteError):
        return str(exc).removeprefix(f"{exc.path}: ") if exc.path else str(exc)
    if isinstance(exc, OSError):
        return os_error_message(exc)
    return f"{type(exc).__name__}: {exc}"


def _gazette_or_error(read, path: Path, sha: str):
    """parse_pages over the pages read() returns, or the exception that stopped it: reported
    per file, the batch goes on."""
    try:
        return parse_pages(read(), path, sha)
    except Exception as exc:
        log.debug("parse failed", exc_info=True)
        return exc


def _load_dictionary(home: Home) -> None:
    """The index's segmenter and its dictionary (a fraction of a second with jieba-rs, a second
    or more with jieba) load here while the workers read pages, instead of after them; the
    indexing waits for it (the tokenizer holds a lock). It imports nothing (ingest did), so a
    worker forked meanwhile finds no import lock held."""
    try:
        if not fast_segmenter_installed():  # jieba's own cache belongs in the home, not in /tmp
            home.cache.mkdir(parents=True, exist_ok=True)
            base_jieba(str(home.cache))
        words_of(home.index).index_tokenizer()
    except Exception:  # the indexing loads it again and reports what is wrong
        log.debug("loading the dictionary early failed", exc_info=True)


def _parse_all(todo, jobs, progress, budget: Budget, ocr: OcrOptions, engine: str, scheduler: str | None = None):
    """Yield (path, sha, pages, Gazette or exception) as files finish. Pages are read in worker
    processes, a chunk of pages each, within the time and memory budget (or on a Dask cluster);
    the layout and the documents are built here from the pages."""
    state: dict[Path, _FileInProgress] = {}
    chunks_of = []
    for path, sha, n in todo:
        chunks = page_chunks(n, jobs)
        state[path] = _FileInProgress(sha, n, len(chunks))
        chunks_of += [(path, chunk) for chunk in chunks]
        progress.file_started(path)
    with ExitStack() as stack:
        if scheduler and chunks_of:
            from .distributed import dask_client, run_tasks_on_dask

            client = stack.enter_context(dask_client(scheduler))
            tasks = [((path, len(chunk)), path, (chunk, DEFAULT, ocr, engine)) for path, chunk in chunks_of]
            finished = run_tasks_on_dask(client, tasks, local=scheduler.startswith("local:"))
        else:
            tasks = [((path, len(chunk)), read_pages, (path, chunk, DEFAULT, ocr, engine)) for path, chunk in chunks_of]
            finished = run_tasks(tasks, jobs, budget)
        yield from _files_finished(finished, state, progress)


def _files_finished(finished, state: dict, progress):
    for (path, size), result in finished:
        st = state[path]
        if isinstance(result, BaseException):
            st.error = st.error or result
        else:
            st.pages.extend(result)
        st.chunks_left -= 1
        progress.pages_done(path, size)
        if st.chunks_left == 0:
            pages, st.pages = sorted(st.pages, key=lambda p: p.number), []
            outcome = st.error or _gazette_or_error(lambda: pages, path, st.sha)  # noqa: B023
            yield path, st.sha, st.n_pages, outcome


@dataclass
class _FileInProgress:
    """A file whose page chunks are being read by the workers."""

    sha: str
    n_pages: int
    chunks_left: int
    pages: list = field(default_factory=list)
    error: BaseException | None = None


def _store(g: Gazette, shown: str, sha: str, home: Home, manifest: Manifest, lock_timeout: float,
           replace: bool = False, force: bool = False) -> FileResult:
    """Under the home's write lock, with the manifest read afresh (another ingest may have
    written since this one started): parsed/ first (atomic), then the index (one commit), then
    the manifest. A kill between steps leaves the file unrecorded, and the next run redoes it
    without duplicating anything. A copy of an issue already in is kept only if it is at least as
    complete (pages, documents) as the one there — born-digital before scanned at equal size — or
    with replace."""
    counts = dict(documents=len(g.documents), tables=sum(len(d.tables) for d in g.documents), pages=g.source.pages,
                  ocr_pages=len(g.ocr_pages))
    with write_lock(home, lock_timeout):
        manifest.refresh(home)
        own = manifest.files.get(sha)
        done = _already_done(own, home)
        if done and not (replace or force):  # another ingest running beside this one got there first
            return FileResult(shown, sha, "skipped", g.gazette.id, **counts, note=done)
        previous = _same_issue(g, sha, manifest, home)
        new = (g.source.pages, len(g.documents))
        # the more complete copy stays; at equal size, the born-digital one (fewer pages read by OCR)
        kept = [e for e in previous if e.pages > new[0] or e.documents > new[1]
                or ((e.pages, e.documents) == new and e.ocr_pages < len(g.ocr_pages))]
        if kept and not replace:
            best = max(kept, key=lambda e: (e.pages, e.documents))
            note = (f"the same issue as {best.path} ({best.pages} pages, {best.documents} documents), which is "
                    f"more complete and is kept; --replace puts this copy in instead")
            r = FileResult(shown, sha, "duplicate", best.gazette_id, **counts, note=note)
            _record(manifest, r, status="duplicate")
            manifest.save(home)
            return r
        gid = g.gazette.id
        # ids this issue had before: other copies replaced, or this very file read under another id
        gone = sorted({e.gazette_id for e in previous + ([own] if own else []) if e.gazette_id and e.gazette_id != gid})
        parsed = home.parsed_file(gid)
        before = parsed.read_bytes() if parsed.exists() else None
        g.save(parsed)
        try:
            home.search_backend().replace_gazettes([g], remove_ids=gone, timeout=lock_timeout)
        except BaseException:  # the index still holds the old issue: so does parsed/
            if before is None:
                parsed.unlink(missing_ok=True)
            else:
                atomic_write_bytes(parsed, before)
            raise
        for old in gone:
            home.parsed_file(old).unlink(missing_ok=True)
        for e in previous:
            e.status = "replaced"
            e.replaced_by = sha
        r = FileResult(shown, sha, "replaced" if previous else "added", gid, **counts,
                       warnings=len(g.all_warnings()))
        _record(manifest, r)
        manifest.save(home)
        return r


SAME_ISSUE_SHARE = 0.5  # a file with no cover identity is an issue already in when half its 文号 are there


def _same_issue(g: Gazette, sha: str, manifest: Manifest, home: Home) -> list[ManifestEntry]:
    """The files ingested for the same issue: the same cover identity (gazette id), or, for a
    file whose cover gave none (a copy missing its cover), the issue holding most of its 文号."""
    same = [e for e in manifest.ingested(g.gazette.id) if e.sha256 != sha]
    info = g.gazette
    backend = home.search_backend()
    if same or (info.title and info.year and info.number) or not backend.exists():
        return same
    numbers = [d.doc_number for d in g.documents if d.doc_number]
    holders = Counter(gid for gid in backend.gazettes_with_numbers(numbers) if gid != info.id)
    if not numbers or not holders:
        return []
    gid, n = holders.most_common(1)[0]
    if n < SAME_ISSUE_SHARE * len(numbers):
        return []
    return [e for e in manifest.ingested(gid) if e.sha256 != sha]


def _record_results(home: Home, results: list[FileResult], lock_timeout: float, manifest: Manifest) -> None:
    """Failures into the manifest, merged under the write lock with what others wrote."""
    with write_lock(home, lock_timeout):
        manifest.refresh(home)
        for r in results:
            if r.sha256:
                _record(manifest, r)
        manifest.save(home)


@dataclass
class ReindexReport:
    """What `reindex` did: gazettes indexed from parsed/, or stale files parsed again."""

    stale: bool
    indexed: int = 0  # gazettes put into the rebuilt index
    reparsed: IngestReport | None = None  # with stale: the ingest of the stale files
    missing: list[str] = field(default_factory=list)  # stale files whose PDF is gone
    unreadable: list[str] = field(default_factory=list)  # parsed/ files that could not be read

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unreadable and not (self.reparsed and self.reparsed.failed)

    def to_dict(self) -> dict:
        if self.stale:
            return {"reparsed": len(self.reparsed.files) if self.reparsed else 0, "missing": self.missing}
        return {"indexed": self.indexed, "missing": self.missing, "unreadable": self.unreadable}


def reindex(home: Home, stale_only: bool = False, jobs: int | None = None,
            progress: Progress | None = None) -> ReindexReport:
    """Rebuild index/ from parsed/ (no PDFs read); with stale_only, re-parse the files that an
    older parser version produced instead."""
    if stale_only:
        stale = [e.path for e in Manifest.load(home).stale()]
        missing = [p for p in stale if not Path(p).exists()]
        report = ingest([p for p in stale if Path(p).exists()], home, jobs=jobs, force=True, progress=progress)
        return ReindexReport(True, reparsed=report, missing=missing)
    unreadable: list[str] = []

    def parsed_gazettes():  # one at a time: memory does not grow with the archive
        for f in sorted(home.parsed.glob("*.json")):
            try:
                yield Gazette.load(f)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("%s: unreadable (%s), left out of the index", f.name, exc)
                unreadable.append(str(f))

    with write_lock(home):
        n = rebuild(home.index, home.build_backend_name(), parsed_gazettes, url=home.backend_url)
    return ReindexReport(False, indexed=n, unreadable=unreadable)


def remove(home: Home, gazette_id: str) -> bool:
    """Delete one issue from the index, parsed/ and the manifest."""
    parsed = home.parsed_file(gazette_id)  # refuses an id that would reach outside the home
    with write_lock(home):
        manifest = Manifest.load(home)
        if not (parsed.exists() or any(e.gazette_id == gazette_id for e in manifest.files.values())):
            return False
        backend = home.search_backend()
        if backend.exists():
            backend.replace_gazettes([], remove_ids=[gazette_id])
        parsed.unlink(missing_ok=True)
        manifest.files = {k: e for k, e in manifest.files.items() if e.gazette_id != gazette_id}
        manifest.save(home)
    return True
