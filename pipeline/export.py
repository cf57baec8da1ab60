"""Stage 10: tables out, as CSV, JSON or XLSX, each row tied to its document and caption."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .model import Gazette

META_COLUMNS = ["文号", "标题", "表题", "附件", "页码", "公报"]


def collect_tables(parsed_dir: Path, number: str | None = None) -> list[dict]:
    """Every table of parsed/ (or of the document with this normalized 文号)."""
    out = []
    for f in sorted(parsed_dir.glob("*.json")):
        g = Gazette.load(f)
        for doc in g.documents:
            if number and doc.doc_number != number:
                continue
            for k, t in enumerate(doc.tables):
                out.append({
                    "gazette": g.gazette.id, "doc_number": doc.doc_number, "title": doc.title, "table": k + 1,
                    "caption": t.caption, "attachment": t.attachment, "page_start": t.page_start,
                    "page_end": t.page_end, "header": t.header, "rows": t.rows,
                })
    return out


def _pages(t: dict) -> str:
    a, b = t["page_start"], t["page_end"]
    return "" if a is None else (str(a) if a == b else f"{a}-{b}")


def _meta(t: dict) -> list:
    return [t["doc_number"] or "", t["title"], t["caption"] or "", t["attachment"] or "", _pages(t), t["gazette"]]


def to_csv(tables: list[dict]) -> str:
    """One CSV: each table's header row, then its rows, every line led by the table's metadata."""
    buf = io.StringIO()
    w = csv.writer(buf)
    for t in tables:
        w.writerow(META_COLUMNS + t["header"])
        for row in t["rows"]:
            w.writerow(_meta(t) + row)
    return buf.getvalue()


def to_json(tables: list[dict]) -> str:
    return json.dumps(tables, ensure_ascii=False, indent=2)


def write_xlsx(tables: list[dict], path: Path) -> None:
    """One sheet per table, named after its 文号 and position."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for t in tables:
        base = (t["doc_number"] or t["gazette"]).replace("〔", "(").replace("〕", ")")[:27]
        name = f"{base}-{t['table']}"
        while name in used:
            name += "'"
        used.add(name)
        ws = wb.create_sheet(title=name[:31])
        ws.append(META_COLUMNS + t["header"])
        for row in t["rows"]:
            ws.append(_meta(t) + row)
    if not tables:
        wb.create_sheet("tables")
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
