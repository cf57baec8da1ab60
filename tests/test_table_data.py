"""Tables as data: typed columns with units, one SQLite database across issues with a view per
header family, table search, and the pandas frame."""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pipeline import GazetteStore, parse_pdf
from pipeline.export import to_csv
from pipeline.table_data import normalize_header, parse_cell, typed_columns
from search_cli import cli
from support.generator import draw_spec, render

INVEST = "序号|项目名称|建设内容|投资/计划|投资/完成"  # the family of the generated investment tables
INVEST_SEEDS = (0, 13)  # two generated issues that print it


@pytest.fixture(scope="module")
def tables_home(tmp_path_factory, sample_gazette):
    """The sample and two generated issues with investment tables, as parsed/ files."""
    home = tmp_path_factory.mktemp("tables")
    store = GazetteStore(home)
    for g in [sample_gazette] + [parse_pdf(_render(tmp_path_factory, s)) for s in INVEST_SEEDS]:
        g.save(store.home.parsed_file(g.gazette.id))
    return home


def _render(factory, seed):
    path = factory.mktemp("g") / f"g{seed}.pdf"
    render(draw_spec(seed), str(path))
    return path


@pytest.mark.parametrize("printed, name, unit", [
    ("事 项", "事项", None),
    ("总投资（万元）", "总投资", "万元"),
    ("补贴标准(元/亩)", "补贴标准", "元/亩"),
    ("投资（万元）/计划", "投资/计划", "万元"),
    ("金额 单位：亿元", "金额", "亿元"),
    ("Project name", "Project name", None),
])
def test_headers_lose_spaces_inside_words_and_keep_their_unit(printed, name, unit):
    assert normalize_header(printed) == (name, unit)


@pytest.mark.parametrize("text, kind, number, value, unit", [
    ("１２３", "integer", 123, None, None),
    ("1,234.5万元", "decimal", 1234.5, None, "万元"),
    ("12.5%", "decimal", 12.5, None, "%"),
    ("-3", "integer", -3, None, None),
    ("13513531812", "text", None, None, None),  # a phone number is no quantity
    ("0353", "text", None, None, None),  # nor a code with a leading zero
    ("2024年", "period", None, "2024", None),
    ("2024年5月", "period", None, "2024-05", None),
    ("2024年5月1日", "date", None, "2024-05-01", None),
    ("2024—2025年", "period", None, "2024/2025", None),
    ("二季度", "period", None, "Q2", None),
    ("2023年第三季度", "period", None, "2023-Q3", None),
    ("上半年", "period", None, "H1", None),
    ("新建12处，改造5处", "text", None, None, None),
    ("2023.10", "period", None, "2023-10", None),  # a month as tables print it, not 2023.1
    ("1,250,000,000", "integer", 1250000000, None, None),  # separators make it a quantity
    ("10年", "integer", 10, None, "年"),  # a duration, not a year
    ("120㎡", "integer", 120, None, "m2"),
    ("1 234", "integer", 1234, None, None),
    ("3 5", "text", None, None, None),
    ("\u22125", "integer", -5, None, None),
    ("—", "empty", None, None, None),
    ("合 计", "empty", None, None, None),
    ("", "empty", None, None, None),
])
def test_cells_read_as_typed_values(text, kind, number, value, unit):
    v = parse_cell(text)
    assert (v.kind, v.number, v.text, v.unit) == (kind, number, value, unit)


@given(st.integers(min_value=-99_999_999, max_value=99_999_999))
def test_integers_read_with_separators_and_in_full_width(n):
    plain = str(n)
    grouped = f"{n:,}"
    wide = plain.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    for text in (plain, grouped, wide):
        v = parse_cell(text)
        assert v.kind == "integer" and v.number == n, text


@given(st.integers(min_value=0, max_value=9_999_999), st.integers(min_value=0, max_value=99))
def test_decimals_keep_their_value_and_unit(whole, cents):
    v = parse_cell(f"{whole}.{cents:02d}万元")
    assert v.kind == "decimal" and v.unit == "万元" and v.number == pytest.approx(whole + cents / 100)


def test_placeholders_and_totals_do_not_decide_a_column():
    from pipeline.model import Table
    from pipeline.table_data import typed_value

    t = Table(None, None, 1, 1, ["序号", "金额（万元）", "时间"],
              [["1", "1,200", "2023.6"], ["2", "—", "2023.10"], ["3", "300", "2023.12"], ["合计", "1,500", "-"]])
    assert [(c.name, c.unit, c.type) for c in typed_columns(t)] == [
        ("序号", None, "integer"), ("金额", "万元", "integer"), ("时间", None, "period")]
    assert typed_value("2023.5", "decimal").number == 2023.5  # in a column of numbers it is a number


def test_the_sample_tables_column_types(sample_gazette):
    found = {}
    for d in sample_gazette.documents:
        for t in d.tables:
            found[d.doc_number] = [(c.name, c.type) for c in typed_columns(t)]
    assert found["城政发〔2023〕5号"] == [("序号", "integer"), ("企业名称", "text"), ("企业法人", "text"),
                                     ("联系方式", "text"), ("企业地址", "text")]
    assert found["城政办发〔2023〕8号"] == [("序号", "integer"), ("事项", "text"), ("承办单位", "text"),
                                      ("决策时间安排", "period")]


def test_investment_columns_are_decimal_in_wan_yuan(tables_home):
    invest = [t for t in GazetteStore(tables_home).tables() if "|".join(c.name for c in typed_columns(t.table)) == INVEST]
    assert len({t.gazette for t in invest}) == 2
    for t in invest:
        cols = typed_columns(t.table)
        assert [c.unit for c in cols[3:]] == ["万元", "万元"]
        assert all(c.type in ("integer", "decimal") for c in cols[3:])


def test_sqlite_holds_every_cell_typed_beside_its_printed_text(tables_home, tmp_path):
    store = GazetteStore(tables_home)
    out = tmp_path / "tables.db"
    report = store.export_sqlite(out)
    tables = store.tables()
    db = sqlite3.connect(out)
    count = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    assert count("SELECT count(*) FROM gazettes") == 3 == report.gazettes
    assert count("SELECT count(*) FROM documents") == sum(len(store.gazette(g).documents)
                                                          for g in {t.gazette for t in tables})
    assert count("SELECT count(*) FROM tables") == len(tables)
    assert count("SELECT count(*) FROM table_rows") == sum(len(t.rows) for t in tables)
    widths = [len(typed_columns(t.table)) for t in tables]
    assert count("SELECT count(*) FROM cells") == sum(w * len(t.rows) for w, t in zip(widths, tables))
    # every printed cell round-trips: the CSV export's cells, in order
    exported = [row for row in csv.reader(io.StringIO(to_csv(tables)))]
    stored = db.execute("SELECT c.text FROM cells c JOIN table_rows r ON r.id = c.row_id "
                        "ORDER BY r.id, c.column_position").fetchall()
    printed = [cell for t in tables for row in t.rows
               for cell in (row + [""] * (len(typed_columns(t.table)) - len(row)))]
    assert [s for (s,) in stored] == printed
    assert sum(len(r) for r in exported) > len(printed)  # the CSV carries the same cells plus metadata
    # a typed column sums as the parse does
    invest = [t for t in tables if "|".join(c.name for c in typed_columns(t.table)) == INVEST]
    want = sum(float(r[3].replace(",", "")) for t in invest for r in t.rows if r[3].strip())
    got = count("SELECT sum(c.number) FROM cells c JOIN table_columns k ON k.table_id = c.table_id "
                "AND k.position = c.column_position WHERE k.name = '投资/计划'")
    assert got == pytest.approx(want) and want > 0
    # the family view holds the rows of every issue that prints the family
    view = next(v for v in report.views if "投资/计划" in v)
    gazettes = {g for (g,) in db.execute(f'SELECT DISTINCT gazette FROM "{view}"')}
    assert gazettes == {t.gazette for t in invest} and len(gazettes) == 2
    assert count(f'SELECT count(*) FROM "{view}"') == sum(len(t.rows) for t in invest)
    assert count(f'SELECT sum("投资/计划（万元）") FROM "{view}"') == pytest.approx(want)
    # foreign keys hold
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    row_pages = db.execute("SELECT DISTINCT pdf_page FROM table_rows r JOIN tables t ON t.id = r.table_id "
                           "WHERE t.pdf_page_start != t.pdf_page_end").fetchall()
    assert len(row_pages) >= 2  # a table over two pages has rows on each


def test_sqlite_types_columns_whatever_their_first_rows_and_names(tmp_path):
    from pipeline.export import TableExport
    from pipeline.model import Table
    from pipeline.sqlite_export import export_sqlite

    tables = [
        # 120 rows without a number before the first one: the column's type is not guessed from them
        TableExport("g", "号1", "t", 1, Table(None, None, 1, 1, ["名称", "备注"], [[f"n{k}", "无"] for k in range(120)]
                                                + [["m", "1,234"], ["z", "99"]]), 0),
        TableExport("g", "号1", "t", 2, Table(None, None, 1, 1, ["名称|金额"], [["a"]]), 0),
        TableExport("g", "号1", "t", 3, Table(None, None, 1, 1, ["名称", "金额"], [["b", "1"]]), 0),
        TableExport("g", "号1", "t", 4, Table(None, None, 1, 1, ["Name"], [["c"]]), 0),
        TableExport("g", "号1", "t", 5, Table(None, None, 1, 1, ["name"], [["d"]]), 0),
    ]
    from pipeline.model import Document, Gazette, GazetteInfo, Source

    doc = Document.from_dict({"doc_number": "号1", "doc_number_parts": None, "title": "t", "doc_type": None,
                              "issuers": [], "date": None, "category": None, "addressees": None, "disclosure": None,
                              "attachments": [], "page_start": 1, "page_end": 1, "pdf_page_start": 1,
                              "pdf_page_end": 1, "body": "", "tables": []})
    g = Gazette(Source("g.pdf", "0" * 64, 1, "0"), GazetteInfo("g", "G", 2023, 1, None, None), [doc])
    out = tmp_path / "t.db"
    report = export_sqlite([g], tables, out)
    db = sqlite3.connect(out)
    assert db.execute("SELECT text FROM cells WHERE number > 500").fetchall() == [("1,234",)]
    assert len(report.views) == len({v.lower() for v in report.views}) == 5  # no view replaced another
    assert db.execute(f'SELECT count(*) FROM "{report.views[0]}"').fetchone()[0] >= 1
    empty = export_sqlite([g], [], tmp_path / "empty.db")
    assert empty.tables == 0 and sqlite3.connect(tmp_path / "empty.db").execute(
        "SELECT count(*) FROM cells").fetchone() == (0,)


def test_table_search_and_column_lookup(tables_home):
    store = GazetteStore(tables_home)
    coal = store.tables(search="煤炭")
    assert coal and all("煤炭" in "".join(c for r in t.rows for c in r) for t in coal)
    assert {t.doc_number for t in store.tables(column="事项")} == {"城政办发〔2023〕8号"}  # printed `事 项`
    assert {t.gazette for t in store.tables(column="计划")} == {t.gazette for t in store.tables(column="投资/计划")}
    assert store.tables(search="煤炭 不存在的词") == []
    r = CliRunner().invoke(cli, ["--home", str(tables_home), "tables", "--column", "事项"])
    assert r.exit_code == 0 and "城政办发〔2023〕8号" in r.output and "决策时间安排 [period]" in r.output


def test_cli_writes_sqlite(tables_home, tmp_path):
    out = tmp_path / "all.db"
    r = CliRunner().invoke(cli, ["--home", str(tables_home), "export", "sqlite", str(out)])
    assert r.exit_code == 0 and "3 gazette(s)" in r.stderr
    one = tmp_path / "one.db"
    r = CliRunner().invoke(cli, ["--home", str(tables_home), "tables", "--format", "sqlite", "--search", "煤炭",
                                 "-o", str(one)])
    assert r.exit_code == 0
    assert sqlite3.connect(one).execute("SELECT count(*) FROM gazettes").fetchone()[0] == 1
    r = CliRunner().invoke(cli, ["--home", str(tables_home), "tables", "--format", "sqlite"])
    assert r.exit_code == 2 and "needs -o" in r.output


def test_tables_frame(tables_home, monkeypatch):
    import builtins

    from pipeline import tables_frame
    from pipeline.errors import GazetteError

    pd = pytest.importorskip("pandas")
    frame = tables_frame(tables_home)
    assert isinstance(frame, pd.DataFrame)
    tables = GazetteStore(tables_home).tables()
    assert len(frame) == sum(len(typed_columns(t.table)) * len(t.rows) for t in tables)
    plan = frame[frame["column"] == "投资/计划"]
    assert plan["unit"].eq("万元").all() and plan["number"].sum() > 0
    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("no pandas")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(GazetteError, match="pandas is not installed"):
        tables_frame(tables_home)
