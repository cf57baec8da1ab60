"""The home's manifest (manifest.json): every file ingest has seen, by content hash."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from . import __version__
from .home import Home
from .model import _from_dict, atomic_write_text


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
    files: dict[str, ManifestEntry] = field(default_factory=dict)  # by sha256

    @classmethod
    def load(cls, home: Home) -> Manifest:
        if not home.manifest.exists():
            return cls()
        data = json.loads(home.manifest.read_text(encoding="utf-8"))
        return cls({k: ManifestEntry.from_dict(v) for k, v in data.get("files", {}).items()})

    def save(self, home: Home) -> None:
        data = {"files": {k: e.to_dict() for k, e in self.files.items()}}
        atomic_write_text(home.manifest, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")

    def ingested(self, gazette_id: str | None = None) -> list[ManifestEntry]:
        return [e for e in self.files.values()
                if e.status == "ingested" and (gazette_id is None or e.gazette_id == gazette_id)]

    def stale(self) -> list[ManifestEntry]:
        return [e for e in self.files.values() if e.stale]
