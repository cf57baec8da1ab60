"""Stage 10: tables out, as CSV, JSON or XLSX, each row tied to its document and caption."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from .model import Gazette, Table

META_COLUMNS = ["文号", "标题", "表题", "附件", "页码", "公报"]


@dataclass
class TableExport:
    """One table with the document and issue it belongs to: a unit of `gazette tables`."""

    gazette: str
    doc_number: str | None
    title: str
    position: int  # 1-based among the document's tables
    table: Table

    @property
    def header(self) -> list[str]:
        return self.table.header

    @property
    def rows(self) -> list[list[str]]:
        return self.table.rows

    @property
    def pages(self) -> str:
        a, b = self.table.page_start, self.table.page_end
        return "" if a is None else (str(a) if a == b else f"{a}-{b}")

    @property
    def meta(self) -> list[str]:
        """The values of META_COLUMNS for this table."""
        t = self.table
        return [self.doc_number or "", self.title, t.caption or "", t.attachment or "", self.pages, self.gazette]

    def to_dict(self) -> dict:
        """The JSON shape of `gazette tables --format json` (the table's fields inline)."""
        t = self.table
        return {"gazette": self.gazette, "doc_number": self.doc_number, "title": self.title, "table": self.position,
                "caption": t.caption, "attachment": t.attachment, "page_start": t.page_start,
                "page_end": t.page_end, "header": t.header, "rows": t.rows}


def collect_tables(parsed_dir: Path, number: str | None = None) -> list[TableExport]:
    """Every table of parsed/ (or of the document with this normalized 文号)."""
    out = []
    for f in sorted(parsed_dir.glob("*.json")):
        g = Gazette.load(f)
        for doc in g.documents:
            if number and doc.doc_number != number:
                continue
            for k, t in enumerate(doc.tables):
                out.append(TableExport(g.gazette.id, doc.doc_number, doc.title, k + 1, t))
    return out


def to_csv(tables: list[TableExport]) -> str:
    """One CSV: each table's header row, then its rows, every line led by the table's metadata."""
    buf = io.StringIO()
    w = csv.writer(buf)
    for t in tables:
        w.writerow(META_COLUMNS + t.header)
        for row in t.rows:
            w.writerow(t.meta + row)
    return buf.getvalue()


def to_json(tables: list[TableExport]) -> str:
    return json.dumps([t.to_dict() for t in tables], ensure_ascii=False, indent=2)


def write_xlsx(tables: list[TableExport], path: Path) -> None:
    """One sheet per table, named after its 文号 and position."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for t in tables:
        base = (t.doc_number or t.gazette).replace("〔", "(").replace("〕", ")")[:27]
        name = f"{base}-{t.position}"
        while name in used:
            name += "'"
        used.add(name)
        ws = wb.create_sheet(title=name[:31])
        ws.append(META_COLUMNS + t.header)
        for row in t.rows:
            ws.append(t.meta + row)
    if not tables:
        wb.create_sheet("tables")
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
