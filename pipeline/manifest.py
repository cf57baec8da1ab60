"""The home's manifest (manifest.jsonl): every file ingest has seen, by content hash."""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from . import __version__
from .home import Home
from .model import _from_dict, atomic_write_bytes

log = logging.getLogger(__name__)
COMPACT_FACTOR = 2  # the log is rewritten whole when it holds more lines than this an entry
COMPACT_SLACK = 100  # ... plus this many: a small manifest is not rewritten at every save


def _generation(first_line: bytes) -> str | None:
    """The generation a rewrite put on the log's first line (None for a log never rewritten)."""
    try:
        return json.loads(first_line).get("generation")
    except (ValueError, AttributeError):
        return None


def _line(row: dict) -> bytes:
    return (json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


@dataclass
class ManifestEntry:
    path: str  # absolute path of the file when it was ingested
    sha256: str
    status: str  # ingested, failed, replaced (by a newer file of the same issue)
    gazette_id: str | None = None
    error: str | None = None
    parser_version: str | None = None
    time: str = ""
    documents: int = 0
    tables: int = 0
    pages: int = 0
    warnings: int = 0  # what the parser was unsure of, for review
    ocr_pages: int = 0  # pages read by OCR (a scan)
    replaced_by: str | None = None  # the sha256 of the file that replaced this one

    @property
    def stale(self) -> bool:
        """Ingested by another parser version: `reindex --stale` parses it again."""
        return self.status == "ingested" and self.parser_version != __version__

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ManifestEntry:
        return _from_dict(cls, data)


@dataclass
class Manifest:
    """Every file by sha256. On disk an append log (manifest.jsonl): each save appends the
    entries that changed (and a `{"sha256": …, "removed": true}` line for each one dropped), so
    recording one file costs one line, not the whole manifest; refresh() reads only what other
    writers appended since. The log is rewritten whole (atomically) once it holds more than
    COMPACT_FACTOR lines an entry, under a new generation (its first line), so a reader never
    takes a rewritten file for the one it read (an inode number can be reused). A torn last line
    (a kill mid-write) is skipped."""

    files: dict[str, ManifestEntry] = field(default_factory=dict)  # by sha256
    _saved: dict[str, ManifestEntry] = field(default_factory=dict, repr=False, compare=False)
    _lines: int = field(default=0, repr=False, compare=False)
    _read_to: tuple = field(default=(0, None, 0), repr=False, compare=False)  # (inode, generation, offset) read
    _legacy: bool = field(default=False, repr=False, compare=False)

    @classmethod
    def load(cls, home: Home) -> Manifest:
        m = cls()
        if not home.manifest.exists() and home.legacy_manifest.exists():
            data = json.loads(home.legacy_manifest.read_text(encoding="utf-8"))
            m.files = {k: ManifestEntry.from_dict(v) for k, v in data.get("files", {}).items()}
            m._legacy = True  # the first save writes the log and retires the old file
            return m
        m.refresh(home)
        return m

    def refresh(self, home: Home) -> None:
        """Read what was appended since this manifest was read (all of it after a compaction)."""
        try:
            fh = open(home.manifest, "rb")
        except FileNotFoundError:
            return
        with fh:
            st = os.fstat(fh.fileno())
            generation = _generation(fh.readline())
            inode, known, offset = self._read_to
            if (inode, known) != (st.st_ino, generation) or st.st_size < offset:  # rewritten: read it all
                self.files, self._saved, self._lines, offset = {}, {}, 0, 0
            fh.seek(offset)
            data = fh.read()
        end = data.rfind(b"\n") + 1  # a torn last line is left for a later read
        for line in data[:end].splitlines():
            self._lines += 1
            try:
                row = json.loads(line)
                if "generation" in row:
                    continue
                sha = row["sha256"]
            except (ValueError, KeyError, TypeError):
                log.warning("%s: an unreadable line skipped", home.manifest)
                continue
            if row.get("removed"):
                self.files.pop(sha, None)
                self._saved.pop(sha, None)
            else:
                self.files[sha] = ManifestEntry.from_dict(row)
                self._saved[sha] = ManifestEntry.from_dict(row)
        self._read_to = (st.st_ino, generation, offset + end)

    def save(self, home: Home) -> None:
        changed = [e for k, e in self.files.items() if self._saved.get(k) != e]
        removed = [k for k in self._saved if k not in self.files]
        if self._legacy or self._lines + len(changed) + len(removed) > COMPACT_FACTOR * len(self.files) + COMPACT_SLACK:
            self._rewrite(home)
            return
        if not changed and not removed:
            return
        rows = [e.to_dict() for e in changed] + [{"sha256": k, "removed": True} for k in removed]
        with open(home.manifest, "ab+") as fh:
            if fh.tell() > 0:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":  # a torn line from a killed writer: end it, it is skipped
                    fh.write(b"\n")
                    self._lines += 1
            fh.write(b"".join(_line(r) for r in rows))
            fh.flush()
            os.fsync(fh.fileno())
            end = fh.tell()
            fh.seek(0)
            self._read_to = (os.fstat(fh.fileno()).st_ino, _generation(fh.readline()), end)
        self._lines += len(rows)
        for e in changed:
            self._saved[e.sha256] = replace(e)
        for k in removed:
            del self._saved[k]

    def _rewrite(self, home: Home) -> None:
        entries = sorted(self.files.values(), key=lambda e: e.sha256)
        generation = uuid.uuid4().hex
        atomic_write_bytes(home.manifest, _line({"generation": generation}) + b"".join(_line(e.to_dict()) for e in entries))
        st = home.manifest.stat()
        self._read_to, self._lines = (st.st_ino, generation, st.st_size), len(entries) + 1
        self._saved = {e.sha256: replace(e) for e in entries}
        if self._legacy:
            home.legacy_manifest.unlink(missing_ok=True)
            self._legacy = False

    def ingested(self, gazette_id: str | None = None) -> list[ManifestEntry]:
        return [e for e in self.files.values()
                if e.status == "ingested" and (gazette_id is None or e.gazette_id == gazette_id)]

    def stale(self) -> list[ManifestEntry]:
        return [e for e in self.files.values() if e.stale]
