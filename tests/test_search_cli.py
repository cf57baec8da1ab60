"""The search CLI over the ingested sample: options, formats and relevance."""

import csv
import io
import json

import pytest

from conftest import DATA


def numbers(result):
    assert result.exit_code == 0, result.output
    return [h["doc_number"] for h in json.loads(result.output)]


EXAMPLES = json.loads((DATA / "queries.example.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", EXAMPLES, ids=[c.get("q") or " ".join(c["args"]) for c in EXAMPLES])
def test_example_queries(run, case):
    args = case.get("args") or [case["q"]]
    got = numbers(run("search", *args, "--format", "json"))
    if case.get("exact"):
        assert got == case["want"]
    else:
        assert set(case["want"]) <= set(got[: len(case["want"]) + 1])


# (query args, documents that must be found first, in any order)
RELEVANCE = [
    (["路忠德"], ["城政任字〔2023〕8号"]),  # a person's name
    (["裴旭东"], ["城政任字〔2023〕6号"]),
    (["余祥亮"], ["城政发〔2023〕5号"]),  # a name found only in a table
    (["史珽"], ["城政发〔2023〕9号"]),  # only in the second table
    (["义井镇瀑里村"], ["城政发〔2023〕5号", "城政发〔2023〕9号"]),  # a place only in tables
    (["数字经济人才奖励办法"], ["城政办发〔2023〕8号"]),  # table cell of the decision list
    (['"进出平衡"'], ["城政办发〔2023〕9号"]),  # a phrase
    (["“进出平衡”"], ["城政办发〔2023〕9号"]),  # a phrase in Chinese quotes
    (["title：免职"], ["城政任字〔2023〕6号", "城政任字〔2023〕7号"]),  # a full-width colon
    (["中小學生"], ["城科发〔2023〕8号"]),  # traditional characters in the query
    (["中小学生"], ["城科发〔2023〕8号"]),  # simplified query, traditional text
    (["城政发[2023]12号"], ["城政发〔2023〕12号"]),  # pasted 文号, three bracket styles
    (["城政发（2023）12号"], ["城政发〔2023〕12号"]),
    (["城政发 〔2023〕 12 号"], ["城政发〔2023〕12号"]),
    (["地质灾害"], ["城政办发〔2023〕16号"]),
    (["新污染物"], ["城政办发〔2023〕17号"]),
    (["联席会议"], ["城政办发〔2023〕15号"]),
    (["人大代表建议"], ["城政办发〔2023〕10号"]),
    (["农产品质量安全"], ["城政发〔2023〕13号"]),
    (["校外培训机构"], ["城科发〔2023〕8号"]),
    (["妇女 儿童"], ["城政发〔2023〕8号"]),  # AND of two words
    (["title:免职"], ["城政任字〔2023〕6号", "城政任字〔2023〕7号"]),  # a field term
    (["医保局"], ["城政任字〔2023〕7号"]),
    (["耕地", "--type", "办法"], ["城政办发〔2023〕9号"]),  # a query with a filter
    (["烟火气", "--from", "2023-06-20", "--to", "2023-06-30"], ["城政办发〔2023〕18号"]),  # date range
    (["--category", "人事任免"], ["城政任字〔2023〕8号", "城政任字〔2023〕7号", "城政任字〔2023〕6号"]),
]


@pytest.mark.parametrize("args,want", RELEVANCE, ids=[" ".join(a) for a, _ in RELEVANCE])
def test_relevance(run, args, want):
    got = numbers(run("search", *args, "--format", "json"))
    assert want and set(got[: len(want)]) == set(want)


@pytest.mark.parametrize("args", [["ＹＡＮＧＱＵＡＮ源头单位"], ["源头单位", "--type", "批复"], ["量子计算机"]])
def test_no_match_is_an_empty_list_and_exit_0(run, args):
    assert numbers(run("search", *args, "--strict", "--format", "json")) == []
    r = run("search", *args, "--strict")
    assert r.exit_code == 0 and "no documents found" in r.output
    # without --strict a fallback may offer the closest documents, each marked as such
    r = run("search", *args, "--format", "json")
    assert r.exit_code == 0 and all(h["relaxed"] for h in json.loads(r.output))


def test_number_lookup_first_then_citing_documents(run):
    got = numbers(run("search", "交公路发〔2016〕124号", "--format", "json"))
    assert got == ["城政发〔2023〕5号"]  # not in the index itself; cited by 5号


def test_issuer_is_exact_and_joint_documents_match_each(run):
    gov = numbers(run("search", "--issuer", "阳泉市城区人民政府", "--limit", "50", "--format", "json"))
    assert len(gov) == 8 and all(not n.startswith("城政办发") for n in gov)
    office = numbers(run("search", "--issuer", "阳泉市城区人民政府办公室", "--limit", "50", "--format", "json"))
    assert len(office) == 9
    assert numbers(run("search", "--issuer", "阳泉市城区行政审批服务管理局", "--format", "json")) == ["城科发〔2023〕8号"]


def test_filters_list_newest_first(run):
    got = json.loads(run("search", "--category", "区政府文件", "--format", "json").output)
    dates = [h["date"] for h in got]
    assert dates == sorted(dates, reverse=True) and len(got) == 5


def test_date_range_inclusive(run):
    got = json.loads(run("search", "--from", "2023-06-29", "--to", "2023-06-29", "--format", "json").output)
    assert {h["doc_number"] for h in got} == {"城政办发〔2023〕16号", "城政办发〔2023〕17号", "城政办发〔2023〕18号"}


def test_hit_fields_and_highlight_offsets(run):
    hits = json.loads(run("search", "消费券", "--format", "json").output)
    h = hits[0]
    for key in ["doc_number", "title", "issuers", "date", "category", "doc_type", "gazette", "page_start",
                "page_end", "score", "snippet"]:
        assert key in h
    assert h["highlights"]
    for a, b in h["highlights"]:
        assert h["snippet_text"][a:b] == "消费券"
    assert "<em>消费券</em>" in h["snippet"]
    assert h["page_start"] <= h["page"] <= h["page_end"]


def test_highlight_offsets_on_traditional_text(run):
    hits = json.loads(run("search", "中小学生", "--format", "json").output)
    texts = {h["snippet_text"][a:b] for h in hits for a, b in h["highlights"]}
    assert texts <= {"中小学生", "中小學生"} and "中小學生" in texts


def test_facets(run):
    out = json.loads(run("search", "源头单位", "--facets", "--format", "json").output)
    assert out["facets"]["issuer"] == {"阳泉市城区人民政府": 2}
    assert out["facets"]["year"] == {"2023": 2}
    assert out["total"] == 2


def test_table_and_csv_formats(run):
    text = run("search", "王瑞明").output
    assert "城政任字〔2023〕8号" in text and "第115页" in text
    rows = list(csv.reader(io.StringIO(run("search", "王瑞明", "--format", "csv").output)))
    assert rows[0][0] == "doc_number" and rows[1][0] == "城政任字〔2023〕8号"


def test_no_hits_json_is_empty_list(run):
    r = run("search", "不存在的词语组合甲乙丙", "--strict", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.output) == []


def test_bad_date_is_usage_error(run):
    assert run("search", "--from", "2023/01/01").exit_code == 2


def test_show(run):
    r = run("show", "城政任字[2023]8号")
    assert r.exit_code == 0 and "王瑞明为区人民医院院长" in r.output
    d = json.loads(run("show", "城政发〔2023〕5号", "--format", "json").output)
    assert d["doc_number"] == "城政发〔2023〕5号" and len(d["tables"][0]["rows"]) == 14
    missing = run("show", "城政发〔2023〕99号")
    assert missing.exit_code == 1 and "Error" in missing.output and "Traceback" not in missing.output


def test_tables_export(run, tmp_path):
    rows = list(csv.reader(io.StringIO(run("tables", "城政发〔2023〕9号").output)))
    assert rows[0][:6] == ["文号", "标题", "表题", "附件", "页码", "公报"] and rows[0][6:] == ["序号", "企业名称", "企业地址", "取消公示原因"]
    assert rows[1][0] == "城政发〔2023〕9号" and rows[1][2] == "阳泉市城区取消公示源头企业名单"
    all_tables = json.loads(run("tables", "--format", "json").output)
    assert len(all_tables) == 4 and sum(len(t["rows"]) for t in all_tables) == 14 + 2 + 12 + 4
    out = tmp_path / "t.xlsx"
    assert run("tables", "--format", "xlsx", "-o", str(out)).exit_code == 0
    from openpyxl import load_workbook

    wb = load_workbook(out)
    assert len(wb.sheetnames) == 4
    assert wb[wb.sheetnames[0]]["G2"].value == "1"
    assert run("tables", "--format", "xlsx").exit_code == 2
    none = run("tables", "城政发〔2023〕8号", "--format", "json")  # a document without tables
    assert none.exit_code == 0 and json.loads(none.stdout) == [] and "no tables" in none.stderr
    assert run("tables", "城政发〔2023〕99号").exit_code == 1  # no such document


def test_stats(run, backend):
    s = json.loads(run("stats", "--format", "json").output)
    assert (s["gazettes"], s["documents"], s["tables"], s["backend"]) == (1, 18, 4, backend) and s["index_bytes"] > 0


def test_number_lookup_does_not_load_jieba(sample_home):
    import subprocess
    import sys

    code = (
        "import sys; from search_cli import cli\n"
        "try:\n cli(['--home', sys.argv[1], 'search', '--number', '城政发[2023]5号', '--format', 'json'])\n"
        "except SystemExit: pass\n"
        "assert 'jieba' not in sys.modules, 'jieba was loaded'\n"
    )
    r = subprocess.run([sys.executable, "-c", code, str(sample_home)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "城政发〔2023〕5号" in r.stdout


def test_debug_shows_the_traceback(tmp_path):
    from click.testing import CliRunner

    from search_cli import cli

    bad = tmp_path / "bad.pdf"
    bad.write_text("not a pdf")
    quiet = CliRunner().invoke(cli, ["parse", str(bad)])
    assert quiet.exit_code == 1 and "bad.pdf: not a PDF" in quiet.output and quiet.exception.__class__ is SystemExit
    loud = CliRunner().invoke(cli, ["--debug", "parse", str(bad)])
    assert loud.exit_code == 1 and type(loud.exception).__name__ == "NotAPdfError"
