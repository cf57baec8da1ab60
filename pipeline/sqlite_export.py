"""One SQLite database across every ingested issue, for analysts (opens in Datasette as it is):

    gazettes        one row per issue
    documents       one row per document (gazette_id → gazettes)
    tables          one row per table (document_id → documents), with its header family
    table_columns   name, printed header, unit and type of each column
    table_rows      one row per printed row, with its printed and physical page
    cells           printed text beside the typed value (number, or date/period text)
    "表：<columns>" one view per header family: the rows of every table, in any issue, that prints
                    the same columns, one column per table column with its typed value

Written with sqlite-utils beside the target and moved over it when complete, so a reader never
sees half a database."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import GazetteError
from .export import TableExport
from .model import Gazette
from .table_data import ColumnInfo, header_family, typed_columns, typed_row

VIEW_NAME_CHARS = 48  # a family view is named after its columns, cut here (plus a short hash)


@dataclass
class SqliteReport:
    path: str
    gazettes: int = 0
    documents: int = 0
    tables: int = 0
    rows: int = 0
    cells: int = 0
    views: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _view_name(family: str) -> str:
    base = "表：" + "、".join(json.loads(family))
    if len(base) <= VIEW_NAME_CHARS:
        return base
    return base[:VIEW_NAME_CHARS] + "…" + hashlib.sha1(family.encode()).hexdigest()[:6]


def _quote_id(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def export_sqlite(gazettes: list[Gazette], tables: list[TableExport], out: Path) -> SqliteReport:
    """Write the database of these tables (and the issues and documents they are in, plus every
    document of those issues) to out, replacing it atomically."""
    import sqlite_utils

    out = Path(out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    report = SqliteReport(str(out))
    try:
        db = sqlite_utils.Database(tmp)
        _create(db)
        _write(db, gazettes, tables, report)
        db.close()
        os.replace(tmp, out)
    except (OSError, sqlite3.Error) as exc:
        raise GazetteError(f"cannot write {out}: {getattr(exc, 'strerror', None) or exc}",
                           hint="check that the folder exists and can be written") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return report


SCHEMA = {  # column types set here, not guessed from the first rows (a number column may start empty)
    "gazettes": ({"id": str, "title": str, "year": int, "number": int, "total_number": int, "published": str,
                  "publisher": str, "source_file": str, "pages": int, "parser_version": str}, "id", []),
    "documents": ({"id": str, "gazette_id": str, "position": int, "doc_number": str, "title": str, "doc_type": str,
                   "issuers": str, "date": str, "category": str, "page_start": int, "page_end": int,
                   "pdf_page_start": int, "pdf_page_end": int}, "id", [("gazette_id", "gazettes", "id")]),
    "tables": ({"id": str, "document_id": str, "gazette_id": str, "position": int, "caption": str,
                "attachment": str, "page_start": int, "page_end": int, "pdf_page_start": int, "pdf_page_end": int,
                "n_rows": int, "n_columns": int, "family": str}, "id",
               [("document_id", "documents", "id"), ("gazette_id", "gazettes", "id")]),
    "table_columns": ({"table_id": str, "position": int, "printed": str, "name": str, "unit": str, "type": str},
                      ("table_id", "position"), [("table_id", "tables", "id")]),
    "table_rows": ({"id": int, "table_id": str, "row_index": int, "page": int, "pdf_page": int}, "id",
                   [("table_id", "tables", "id")]),
    "cells": ({"row_id": int, "table_id": str, "column_position": int, "text": str, "kind": str, "number": float,
               "value": str, "unit": str}, ("row_id", "column_position"),
              [("row_id", "table_rows", "id"), ("table_id", "tables", "id")]),
}


def _create(db) -> None:
    for name, (columns, pk, keys) in SCHEMA.items():
        db[name].create(columns, pk=pk, foreign_keys=keys)


def _write(db, gazettes: list[Gazette], tables: list[TableExport], report: SqliteReport) -> None:
    wanted = {t.gazette for t in tables}
    db["gazettes"].insert_all(
        ({"id": g.gazette.id, "title": g.gazette.title, "year": g.gazette.year, "number": g.gazette.number,
          "total_number": g.gazette.total_number, "published": g.gazette.published,
          "publisher": g.gazette.publisher, "source_file": g.source.file, "pages": g.source.pages,
          "parser_version": g.source.parser_version} for g in gazettes if g.gazette.id in wanted or not tables),
        replace=True)
    docs = []
    for g in gazettes:
        if g.gazette.id not in wanted and tables:
            continue
        for pos, d in enumerate(g.documents):
            docs.append({"id": f"{g.gazette.id}#{pos}", "gazette_id": g.gazette.id, "position": pos + 1,
                         "doc_number": d.doc_number, "title": d.title, "doc_type": d.doc_type,
                         "issuers": json.dumps(d.issuers, ensure_ascii=False), "date": d.date, "category": d.category,
                         "page_start": d.page_start, "page_end": d.page_end, "pdf_page_start": d.pdf_page_start,
                         "pdf_page_end": d.pdf_page_end})
    db["documents"].insert_all(docs, replace=True)
    table_rows, column_rows, row_rows, cell_rows = [], [], [], []
    families: dict[str, list[list[ColumnInfo]]] = defaultdict(list)
    row_id = 0
    for t in tables:
        cols = typed_columns(t.table)
        family = header_family(cols)
        families[family].append(cols)
        table_id = f"{t.gazette}#{t.document_position}#{t.position}"
        table_rows.append({"id": table_id, "document_id": f"{t.gazette}#{t.document_position}",
                           "gazette_id": t.gazette, "position": t.position, "caption": t.table.caption,
                           "attachment": t.table.attachment, "page_start": t.table.page_start,
                           "page_end": t.table.page_end, "pdf_page_start": t.table.pdf_page_start,
                           "pdf_page_end": t.table.pdf_page_end, "n_rows": len(t.rows), "n_columns": len(cols),
                           "family": family})
        column_rows += [{"table_id": table_id, **c.to_dict()} for c in cols]
        for k, row in enumerate(t.rows):
            row_id += 1
            pdf_page = t.table.row_page(k)
            printed = (t.table.page_start + pdf_page - t.table.pdf_page_start
                       if t.table.page_start is not None and t.table.pdf_page_start else None)
            row_rows.append({"id": row_id, "table_id": table_id, "row_index": k + 1, "page": printed,
                             "pdf_page": pdf_page})
            for c, text, v in typed_row(row, cols):
                number = int(v.number) if v.kind == "integer" else v.number
                cell_rows.append({"row_id": row_id, "table_id": table_id, "column_position": c.position, "text": text,
                                  "kind": v.kind, "number": number, "value": v.text, "unit": v.unit})
    for name, records in (("tables", table_rows), ("table_columns", column_rows), ("table_rows", row_rows),
                          ("cells", cell_rows)):
        db[name].insert_all(records, replace=True)
    for table, columns in (("documents", ["doc_number"]), ("documents", ["gazette_id"]), ("tables", ["family"]),
                           ("tables", ["document_id"]), ("table_columns", ["name"]), ("table_rows", ["table_id"]),
                           ("cells", ["table_id", "column_position"])):
        if db[table].exists():
            db[table].create_index(columns, if_not_exists=True)
    report.gazettes, report.documents = db["gazettes"].count, db["documents"].count
    report.tables, report.rows = len(table_rows), len(row_rows)
    report.cells = len(cell_rows)
    used: set[str] = set()
    for family, members in sorted(families.items()):
        name = _view_name(family)
        if name.lower() in used:  # names alike once joined, or alike but for case (SQLite ignores case)
            name = f"{name}~{hashlib.sha1(family.encode()).hexdigest()[:6]}"
        used.add(name.lower())
        db.create_view(name, _family_sql(family, members))
        report.views.append(name)


def _family_sql(family: str, members: list[list[ColumnInfo]]) -> str:
    """The view of one header family: a typed value per column where every table of the family
    agrees on the column's type, else the printed text."""
    first = members[0]
    picks, used = [], set()
    for c in first:
        kinds = {m[c.position].type for m in members if c.position < len(m)}
        units = {m[c.position].unit for m in members if c.position < len(m)}
        label = c.name + (f"（{c.unit}）" if len(units) == 1 and c.unit else "")
        while label in used:
            label += "'"
        used.add(label)
        if kinds <= {"integer", "decimal"}:
            value = "c.number"
        elif kinds <= {"date", "period"}:
            value = "c.value"
        else:
            value = "c.text"
        picks.append(f"MAX(CASE WHEN c.column_position = {c.position} THEN {value} END) AS {_quote_id(label)}")
    return ("SELECT t.gazette_id AS gazette, d.doc_number AS 文号, d.title AS 文件, t.caption AS 表题, "
            "r.row_index AS 行, r.page AS 页码, " + ", ".join(picks) +
            " FROM table_rows r JOIN tables t ON t.id = r.table_id JOIN documents d ON d.id = t.document_id"
            " JOIN cells c ON c.row_id = r.id"
            f" WHERE t.family = {_quote_text(family)} GROUP BY r.id ORDER BY t.gazette_id, t.id, r.row_index")
