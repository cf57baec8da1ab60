"""Typed records of a parsed gazette: the JSON contract of parsed/<gazette id>.json."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


def _from_dict(cls, data: dict[str, Any]):
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class DocNumberParts:
    agency_code: str
    year: int
    serial: int


@dataclass
class Table:
    caption: str | None
    attachment: str | None
    page_start: int | None
    page_end: int | None
    header: list[str]
    rows: list[list[str]]
    pdf_page_start: int = 0
    pdf_page_end: int = 0
    row_pages: list[int] = field(default_factory=list)  # the physical page each row is printed on

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def row_page(self, k: int) -> int:
        """The physical page of row k (the table's first page for files parsed before row_pages)."""
        return self.row_pages[k] if k < len(self.row_pages) else self.pdf_page_start

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Table:
        return _from_dict(cls, data)


@dataclass
class PersonnelRecord:
    name: str
    action: str  # 任命 or 免去
    position: str


def page_at(page_marks: list[list[int]], page_start: int | None, offset: int | None) -> int | None:
    """The printed page of a body offset, from a document's page_marks; page_start without one."""
    page = page_start
    if offset is None:
        return page
    for start, printed in page_marks:
        if start > offset:
            break
        page = printed
    return page


@dataclass
class Document:
    doc_number: str | None
    doc_number_parts: DocNumberParts | None
    title: str
    doc_type: str | None
    issuers: list[str]
    date: str | None
    category: str | None
    addressees: str | None
    disclosure: str | None
    attachments: list[str]
    page_start: int | None
    page_end: int | None
    pdf_page_start: int
    pdf_page_end: int
    body: str
    tables: list[Table] = field(default_factory=list)
    personnel: list[PersonnelRecord] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    # [[offset in body, printed page], ...]: where each page's text begins, for citing a page
    page_marks: list[list[int]] = field(default_factory=list)
    # what the parser was unsure of, for review (a document found without a 文号, no date, …)
    warnings: list[str] = field(default_factory=list)
    ocr_share: float = 0.0  # the share of its text read by OCR from page images

    def page_at(self, offset: int) -> int | None:
        """The printed page on which the body character at offset stands."""
        return page_at(self.page_marks, self.page_start, offset)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        doc = _from_dict(cls, data)
        if doc.doc_number_parts is not None and isinstance(doc.doc_number_parts, dict):
            doc.doc_number_parts = DocNumberParts(**doc.doc_number_parts)
        doc.tables = [Table.from_dict(t) for t in data.get("tables", [])]
        doc.personnel = [PersonnelRecord(**p) for p in data.get("personnel", [])]
        return doc


@dataclass
class GazetteInfo:
    id: str
    title: str | None
    year: int | None
    number: int | None
    total_number: int | None
    published: str | None
    publisher: str | None = None
    frequency: str | None = None
    warnings: list[str] = field(default_factory=list)  # what the parser was unsure of, for review


@dataclass
class Source:
    file: str
    sha256: str
    pages: int
    parser_version: str


@dataclass
class Gazette:
    source: Source
    gazette: GazetteInfo
    documents: list[Document]
    schema_version: int = SCHEMA_VERSION
    ocr_pages: list[dict] = field(default_factory=list)  # [{"page": physical page, "confidence": mean}]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "source": asdict(self.source),
            "gazette": asdict(self.gazette),
            "documents": [d.to_dict() for d in self.documents],
            "ocr_pages": self.ocr_pages,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Gazette:
        return cls(
            source=_from_dict(Source, data["source"]),
            gazette=_from_dict(GazetteInfo, data["gazette"]),
            documents=[Document.from_dict(d) for d in data.get("documents", [])],
            schema_version=data.get("schema_version", SCHEMA_VERSION),
            ocr_pages=data.get("ocr_pages", []),
        )

    def all_warnings(self) -> list[str]:
        """The gazette's warnings and each document's, the latter prefixed with its 文号 or title."""
        out = list(self.gazette.warnings)
        for d in self.documents:
            out += [f"{d.doc_number or d.title}: {w}" for w in d.warnings]
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Gazette:
        with open(path, encoding="utf-8") as fh:
            return cls.from_dict(json.load(fh))

    def save(self, path: str | os.PathLike) -> None:
        atomic_write_text(Path(path), self.to_json() + "\n")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()


def atomic_write_text(path: Path, text: str) -> None:
    """Write text to path through a temp file in the same folder and a rename."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write data to path through a temp file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(tmp, _FILE_MODE)  # mkstemp makes 0600; the file is as readable as any other
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
