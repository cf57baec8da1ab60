"""Stage 10: tables out, as CSV, JSON or XLSX, each row tied to its document and caption."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .model import Gazette, Table
from .normalize import squash

META_COLUMNS = ["文号", "标题", "表题", "附件", "页码", "公报"]


@dataclass
class TableExport:
    """One table with the document and issue it belongs to: a unit of `gazette tables`."""

    gazette: str
    doc_number: str | None
    title: str
    position: int  # 1-based among the document's tables
    table: Table
    document_position: int = 0  # 0-based place of the document in its issue

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
        for pos, doc in enumerate(g.documents):
            if number and doc.doc_number != number:
                continue
            for k, t in enumerate(doc.tables):
                out.append(TableExport(g.gazette.id, doc.doc_number, doc.title, k + 1, t, pos))
    return out


def select_tables(tables: list[TableExport], words: str | None = None, column: str | None = None
                  ) -> list[TableExport]:
    """The tables whose caption, header or cells hold every one of the words (compared without
    spaces and full/half-width differences), and that have a column of this normalized name (or
    one containing it, when none has it exactly)."""
    from .table_data import normalize_header, typed_columns

    out = tables
    if words:
        needles = [squash(w).lower() for w in words.split() if squash(w)]

        def text_of(t: TableExport) -> str:
            parts = [t.table.caption or "", t.table.attachment or "", *t.header] + [c for r in t.rows for c in r]
            return squash("\n".join(parts)).lower()

        out = [t for t in out if all(n in text_of(t) for n in needles)]
    if column:
        want = normalize_header(column)[0]
        names = {id(t): [c.name for c in typed_columns(t.table)] for t in out}
        exact = [t for t in out if want in names[id(t)]]
        out = exact or [t for t in out if any(want in n for n in names[id(t)])]
    return out


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER_RE = re.compile(r"[+-]?\d+(?:[.,]\d+)*%?")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet cannot run as a formula (the OWASP rule): text starting with = + - @
    tab or CR gets a leading apostrophe. A plain signed number (-12.5, +3%) stays as it is."""
    if value and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER_RE.fullmatch(value):
        return "'" + value
    return value


def to_csv(tables: list[TableExport]) -> str:
    """One CSV: each table's header row, then its rows, every line led by the table's metadata.
    Every cell is neutralized against formula injection (safe_cell)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    for t in tables:
        w.writerow([safe_cell(c) for c in META_COLUMNS + t.header])
        for row in t.rows:
            w.writerow([safe_cell(c) for c in t.meta + row])
    return buf.getvalue()


def to_json(tables: list[TableExport]) -> str:
    return json.dumps([t.to_dict() for t in tables], ensure_ascii=False, indent=2)


_SHEET_BAD_RE = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def sheet_name(text: str, used: set[str]) -> str:
    """A worksheet name Excel accepts: no []:*?/\\, not led or ended by an apostrophe, at most
    31 characters, unique (case-insensitively) in the workbook."""
    base = _SHEET_BAD_RE.sub("_", text.replace("〔", "(").replace("〕", ")")).strip("'") or "table"
    name, k = base[:31], 1
    while name.lower() in used:
        k += 1
        suffix = f"~{k}"
        name = base[: 31 - len(suffix)] + suffix
    return name


def write_xlsx(tables: list[TableExport], path: Path) -> None:
    """One sheet per table, named after its 文号 and position."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for t in tables:
        name = sheet_name(f"{t.doc_number or t.gazette}-{t.position}", used)
        used.add(name.lower())
        ws = wb.create_sheet(title=name)
        for r, row in enumerate([META_COLUMNS + t.header] + [t.meta + row for row in t.rows], start=1):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c, value=value)
                cell.data_type = "s"  # text, never a formula, whatever it starts with
    if not tables:
        wb.create_sheet("tables")
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
