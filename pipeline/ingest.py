"""Stage 7: batch ingest. Files and folders in; each PDF hashed, parsed in worker processes (page
chunks, so one big file uses every core), written to parsed/ atomically, indexed by one writer,
and recorded in the manifest. Re-running skips what is already in; a new file of an issue
already ingested replaces it in one commit; a bad file is reported and the batch goes on."""

from __future__ import annotations

import json
import logging
import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass
from pathlib import Path

from . import __version__
from . import index as gindex
from .errors import GazetteError, InputError
from .home import Home
from .model import Gazette, atomic_write_text
from .pages import ignore_sigint, page_chunks, page_count, read_pages
from .parser import file_sha256, parse_pages

log = logging.getLogger(__name__)


@dataclass
class FileResult:
    path: str
    sha256: str
    status: str  # added, replaced, skipped, failed
    gazette_id: str | None = None
    documents: int = 0
    tables: int = 0
    pages: int = 0
    error: str | None = None
    seconds: float = 0.0
    note: str | None = None
    warnings: int = 0  # what the parser was unsure of (gazette and documents), for review


class Progress:
    """Callbacks the CLI implements to show progress; the library only calls them."""

    def start(self, files: int, pages: int) -> None: ...
    def file_started(self, path: Path) -> None: ...
    def pages_done(self, path: Path, n: int) -> None: ...
    def file_done(self, result: FileResult) -> None: ...


# -- manifest -------------------------------------------------------------------

def load_manifest(home: Home) -> dict:
    if home.manifest.exists():
        return json.loads(home.manifest.read_text(encoding="utf-8"))
    return {"files": {}}


def save_manifest(home: Home, manifest: dict) -> None:
    atomic_write_text(home.manifest, json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def _record(manifest: dict, r: FileResult) -> None:
    entry = manifest["files"].get(r.sha256, {})
    entry.update({
        "path": r.path, "sha256": r.sha256, "gazette_id": r.gazette_id or entry.get("gazette_id"),
        "status": "failed" if r.status == "failed" else "ingested",
        "error": r.error, "parser_version": __version__ if r.status != "failed" else entry.get("parser_version"),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "documents": r.documents, "tables": r.tables, "pages": r.pages,
        "warnings": r.warnings,
    })
    manifest["files"][r.sha256] = entry


# -- files ------------------------------------------------------------------------

def collect_pdfs(paths: list[str | Path]) -> list[Path]:
    """Files as given, and *.pdf (any case) found recursively in folders; each once, in order."""
    out: list[Path] = []
    seen: set[Path] = set()
    for p in map(Path, paths):
        found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() == ".pdf") if p.is_dir() else [p]
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


# -- ingest ---------------------------------------------------------------------------

def ingest(paths: list[str | Path], home: Home, jobs: int | None = None, force: bool = False,
           progress: Progress | None = None, lock_timeout: float = gindex.LOCK_TIMEOUT) -> list[FileResult]:
    progress = progress or Progress()
    jobs = jobs or os.cpu_count() or 1
    _sweep_temp_files(home)
    manifest = load_manifest(home)
    results: list[FileResult] = []
    todo: list[tuple[Path, str, int]] = []
    in_batch: dict[str, Path] = {}
    for path in collect_pdfs(paths):
        t0 = time.perf_counter()
        try:
            if not path.exists():
                raise InputError("no such file", path=str(path))
            sha = file_sha256(path)
        except (OSError, GazetteError) as exc:
            results.append(FileResult(str(path), "", "failed", error=_reason(exc, path)))
            continue
        if sha in in_batch:  # the same bytes under another name in this batch
            results.append(FileResult(str(path), sha, "skipped", note=f"same content as {in_batch[sha]}"))
            continue
        in_batch[sha] = path
        path = path.resolve()  # the manifest keeps absolute paths: reindex --stale finds them again
        entry = manifest["files"].get(sha)
        if (not force and entry and entry["status"] == "ingested"
                and home.parsed_file(entry["gazette_id"]).exists()):
            results.append(FileResult(str(path), sha, "skipped", entry["gazette_id"], entry.get("documents", 0),
                                      entry.get("tables", 0), entry.get("pages", 0)))
            continue
        try:
            n = page_count(path)
        except GazetteError as exc:
            r = FileResult(str(path), sha, "failed", error=_reason(exc, path), seconds=time.perf_counter() - t0)
            results.append(r)
            _record(manifest, r)
            continue
        todo.append((path, sha, n))
    progress.start(len(todo), sum(n for _, _, n in todo))
    for r in results:
        progress.file_done(r)
    if any(r.status == "failed" and r.sha256 for r in results):
        save_manifest(home, manifest)

    for path, sha, pages, outcome in _parse_all(todo, jobs, progress):
        t0 = time.perf_counter()
        if isinstance(outcome, BaseException):
            r = FileResult(str(path), sha, "failed", pages=pages, error=_reason(outcome, path))
        else:
            r = _store(outcome, path, sha, home, manifest, lock_timeout)
        r.seconds += time.perf_counter() - t0
        _record(manifest, r)
        save_manifest(home, manifest)
        results.append(r)
        progress.file_done(r)
    return results


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
    return f"{type(exc).__name__}: {exc}"


def _gazette_or_error(read, path: Path, sha: str):
    """parse_pages over the pages read() returns, or the exception that stopped it: reported
    per file, the batch goes on."""
    try:
        return parse_pages(read(), path, sha)
    except Exception as exc:
        log.debug("parse failed", exc_info=True)
        return exc


def _parse_all(todo, jobs, progress):
    """Yield (path, sha, pages, Gazette or exception) as files finish."""
    if jobs <= 1 or not todo:
        for path, sha, n in todo:
            progress.file_started(path)
            outcome = _gazette_or_error(lambda: read_pages(path), path, sha)  # noqa: B023 - called at once
            progress.pages_done(path, n)
            yield path, sha, n, outcome
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=ignore_sigint) as pool:
        pending = {}
        state = {}
        for path, sha, n in todo:
            chunks = page_chunks(n, jobs)
            state[path] = {"sha": sha, "n": n, "left": len(chunks), "pages": [], "error": None}
            for chunk in chunks:
                pending[pool.submit(read_pages, path, chunk)] = (path, len(chunk))
            progress.file_started(path)
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                path, size = pending.pop(fut)
                st = state[path]
                try:
                    st["pages"].extend(fut.result())
                except Exception as exc:
                    st["error"] = st["error"] or exc
                st["left"] -= 1
                progress.pages_done(path, size)
                if st["left"] == 0:
                    pages, st["pages"] = sorted(st["pages"], key=lambda p: p.number), []
                    outcome = st["error"] or _gazette_or_error(lambda: pages, path, st["sha"])  # noqa: B023
                    yield path, st["sha"], st["n"], outcome


def _store(g: Gazette, path: Path, sha: str, home: Home, manifest: dict, lock_timeout: float) -> FileResult:
    """parsed/ first (atomic), then the index (one commit), then the manifest: a kill between
    steps leaves the file unrecorded, and the next run redoes it without duplicating anything."""
    gid = g.gazette.id
    previous = [e for k, e in manifest["files"].items() if k != sha and e.get("gazette_id") == gid
                and e.get("status") == "ingested"]
    g.save(home.parsed_file(gid))
    gindex.replace_gazettes(home.index, [g], timeout=lock_timeout)
    for e in previous:
        e["status"] = "replaced"
        e["replaced_by"] = sha
    return FileResult(str(path), sha, "replaced" if previous else "added", gid, len(g.documents),
                      sum(len(d.tables) for d in g.documents), g.source.pages, warnings=len(g.all_warnings()))


def gazette_warnings(home: Home, gazette_id: str) -> list[str]:
    """What the parser was unsure of in one ingested gazette (from parsed/)."""
    path = home.parsed_file(gazette_id)
    return Gazette.load(path).all_warnings() if path.exists() else [f"parsed file missing: {path.name}"]


def results_to_json(results: list[FileResult]) -> list[dict]:
    return [asdict(r) for r in results]


def reindex(home: Home, stale_only: bool = False, jobs: int | None = None, progress: Progress | None = None):
    """Rebuild index/ from parsed/ (no PDFs read); with stale_only, re-parse the files that an
    older parser version produced instead."""
    if stale_only:
        manifest = load_manifest(home)
        stale = [e["path"] for e in manifest["files"].values()
                 if e.get("status") == "ingested" and e.get("parser_version") != __version__]
        missing = [p for p in stale if not Path(p).exists()]
        results = ingest([p for p in stale if Path(p).exists()], home, jobs=jobs, force=True, progress=progress)
        return results, missing
    gazettes = [Gazette.load(f) for f in sorted(home.parsed.glob("*.json"))]
    gindex.rebuild(home.index, gazettes)
    return gazettes, []


def remove(home: Home, gazette_id: str) -> bool:
    """Delete one issue from the index, parsed/ and the manifest."""
    manifest = load_manifest(home)
    found = home.parsed_file(gazette_id).exists() or any(
        e.get("gazette_id") == gazette_id for e in manifest["files"].values())
    if not found:
        return False
    if gindex.exists(home.index):
        gindex.replace_gazettes(home.index, [], remove_ids=[gazette_id])
    home.parsed_file(gazette_id).unlink(missing_ok=True)
    manifest["files"] = {k: e for k, e in manifest["files"].items() if e.get("gazette_id") != gazette_id}
    save_manifest(home, manifest)
    return True
