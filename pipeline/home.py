"""The data folder (--home): where parsed/, index/ and the manifest live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike | None = None) -> Home:
        return cls(Path(home or os.environ.get("GAZETTE_HOME") or ".").resolve())

    @property
    def parsed(self) -> Path:
        return self.root / "parsed"

    @property
    def index(self) -> Path:
        return self.root / "index"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    def parsed_file(self, gazette_id: str) -> Path:
        return self.parsed / f"{gazette_id}.json"
