"""`gazette serve`: the page's routes through WebApp.handle, one real server over HTTP, and the
command itself. The same home serves the browser tests (test_browser.py)."""

from __future__ import annotations

import http.client
import io
import re
import subprocess
import sys
import threading
from html import unescape
from urllib.parse import quote, quote_plus, unquote

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from conftest import ROOT, SAMPLE_PDF
from pipeline import GazetteStore
from pipeline.web import WebApp, make_server
from search_cli import cli

TABLE_DOC = "城政发〔2023〕5号"  # a sample document with a table
HOSTILE_NUMBER = "城政发〔2099〕1号"
SAMPLE_ID = "阳泉市城区政府公报-2023-02"
HOSTILE_TITLE = '<script>alert("x")</script> & "引号" 关于垃圾分类的通知'


def get(app: WebApp, path: str):
    r = app.handle(path)
    return r.status, r.body.decode("utf-8") if r.content_type.startswith(("text/html", "text/csv")) else r.body


def hrefs(page: str, cls: str) -> list[str]:
    return [unescape(h) for h in re.findall(rf'<a class="{cls}" href="([^"]+)"', page)]


@pytest.fixture(scope="module")
def app(web_home):
    return WebApp(GazetteStore(web_home))


def test_search_page_shows_ranked_hits_with_highlights_pages_and_facets(app):
    status, page = get(app, "/?q=" + quote("垃圾分类"))
    assert status == 200
    assert "共 4 条结果" in page  # the sample's three and the hostile copy's one
    assert page.count('class="hit"') == 4
    assert "<em>垃圾分类</em>" in page
    sources = hrefs(page, "source")
    assert len(sources) == 4 and all(re.fullmatch(r"/pdf/.+#page=\d+", s) for s in sources)
    assert "第" in page and "页" in page  # the printed page to cite
    facets = hrefs(page, "facet")
    assert any("issuer=" in f for f in facets) and any("from=" in f and "to=" in f for f in facets)


def test_a_facet_link_adds_its_filter(app):
    _, page = get(app, "/?q=" + quote("垃圾分类"))
    link = next(f for f in hrefs(page, "facet") if "issuer=" in f and "q=" in f)
    status, narrowed = get(app, link)
    assert status == 200
    issuer = unquote(re.search(r"issuer=([^&]+)", link).group(1).replace("+", " "))
    assert f'name="issuer" value="{issuer}"' in narrowed  # the filter is set in the form
    n = int(re.search(r"共 (\d+) 条结果", narrowed).group(1))
    assert 1 <= n <= 4


def test_results_are_paged(app):
    _, first = get(app, "/?type=" + quote("通知"))
    total = int(re.search(r"共 (\d+) 条结果", first).group(1))
    assert total > 10 and first.count('class="hit"') == 10
    _, second = get(app, "/?type=" + quote("通知") + "&page=2")
    assert second.count('class="hit"') == total - 10
    assert set(re.findall(r'<h3><a href="([^"]+)"', first)).isdisjoint(re.findall(r'<h3><a href="([^"]+)"', second))


def test_document_page_marks_words_renders_tables_and_offers_downloads(app):
    status, page = get(app, f"/doc/{quote(TABLE_DOC)}?q=" + quote("货物运输"))
    assert status == 200
    assert "<em>货物运输</em>" in page
    assert '<table class="data">' in page and "<th>" in page
    assert hrefs(page, "csv") == [f"/tables/{quote(TABLE_DOC)}.csv?gazette=" + quote_plus(SAMPLE_ID)]
    assert re.search(r'class="source" href="/pdf/[^"#]+#page=\d+"', page)


def test_table_downloads_are_what_the_cli_writes(app, web_home, tmp_path):
    served = app.handle(f"/tables/{quote(TABLE_DOC)}.csv")
    csv_file = tmp_path / "cli.csv"
    assert CliRunner().invoke(cli, ["--home", str(web_home), "tables", TABLE_DOC, "-o", str(csv_file)]).exit_code == 0
    assert served.status == 200 and served.body == csv_file.read_bytes() and served.body.count(b"\n") > 5
    status, xlsx = get(app, f"/tables/{quote(TABLE_DOC)}.xlsx")
    out = tmp_path / "cli.xlsx"
    assert CliRunner().invoke(cli, ["--home", str(web_home), "tables", TABLE_DOC, "--format", "xlsx", "-o", str(out)]
                              ).exit_code == 0
    served, written = load_workbook(io.BytesIO(xlsx)), load_workbook(out)
    assert served.sheetnames == written.sheetnames
    for name in served.sheetnames:
        assert [list(r) for r in served[name].values] == [list(r) for r in written[name].values]


def test_citations_link_both_ways(app):
    _, cited = get(app, f"/doc/{quote(TABLE_DOC)}")
    citing = re.findall(r'<h3>引用本文件的文件</h3><ul><li><a href="([^"]+)"', cited)
    assert citing, "the hostile issue's document cites this one"
    status, page = get(app, unescape(citing[0]))
    assert status == 200 and "&lt;script&gt;" in page
    assert hrefs(page, "cited") == [f"/doc/{quote(TABLE_DOC)}"]


def test_source_pdf_comes_from_the_manifest_only(app, sample_gazette):
    status, body = get(app, "/pdf/" + quote(sample_gazette.gazette.id))
    assert status == 200 and body == SAMPLE_PDF.read_bytes()
    for bad in ("/pdf/" + quote("../../etc/passwd", safe=""), "/pdf/nope", "/pdf/"):
        assert get(app, bad)[0] == 404


def test_everything_shown_is_escaped(app):
    _, page = get(app, "/?q=" + quote("垃圾分类"))
    assert "<script>" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;" in page
    _, doc = get(app, f"/doc/{quote(HOSTILE_NUMBER)}?q=" + quote('"><script>'))
    assert "<script>" not in doc and "<img" not in doc and "&lt;img src=x onerror" in doc
    _, echoed = get(app, "/?q=" + quote('"><script>alert(1)</script>'))
    assert "<script>alert(1)" not in echoed and 'value="&quot;&gt;&lt;script&gt;' in echoed


@pytest.mark.parametrize("path, status, words", [
    ("/?from=2023-13-45", 400, "not a date"),
    ("/?to=yesterday", 400, "not a date"),
    ("/?page=0", 400, "page must be"),
    ("/?page=abc", 400, "not a number"),
    ("/?color=red", 400, "unknown parameter"),
    ("/?q=" + "x" * 1200, 400, "query too long"),
    ("/nowhere", 404, "no page"),
    ("/doc/" + quote("城政发〔1999〕99号"), 404, "no document"),
    ("/tables/" + quote(TABLE_DOC) + ".pdf", 404, "no table file"),
    ("/tables/.csv", 404, "no table file"),
    ("/?from=2023-W01-1", 400, "not a date"),
    ("/doc/" + quote(SAMPLE_ID) + "/" + quote("١"), 404, ""),
    ("/doc/" + quote("../../x", safe="") + "/1", 400, ""),
])
def test_bad_requests_get_a_status_and_a_message(app, path, status, words):
    got, page = get(app, path)
    assert got == status and words in unescape(page) and "Traceback" not in page


def test_a_real_server_answers_over_http(web_home):
    server = make_server(GazetteStore(web_home), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        conn = http.client.HTTPConnection(*server.server_address[:2], timeout=30)
        conn.request("GET", "/?q=" + quote("垃圾分类"))
        r = conn.getresponse()
        body = r.read().decode("utf-8")
        assert r.status == 200 and r.getheader("Content-Type") == "text/html; charset=utf-8"
        assert "<em>垃圾分类</em>" in body and r.getheader("X-Content-Type-Options") == "nosniff"
        conn.request("HEAD", "/nowhere")
        r = conn.getresponse()
        assert r.status == 404 and r.read() == b""
        conn.request("GET", "/", headers={"Host": "evil.example"})  # a name rebound to this machine
        r = conn.getresponse()
        assert r.status == 400 and "unknown Host" in r.read().decode("utf-8")
    finally:
        server.shutdown()
        server.server_close()


def _serve(web_home, *extra):
    return subprocess.Popen([sys.executable, "-m", "search_cli", "--home", str(web_home), "serve", "--port", "0",
                             *extra], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_serve_prints_its_url_and_stops_cleanly_on_ctrl_c(web_home):
    import signal

    proc = _serve(web_home)
    try:
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
        host, port = url[len("http://"):-1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.request("GET", "/")
        assert conn.getresponse().status == 200
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0 and "stopped" in err and "Traceback" not in err


def test_serving_beyond_localhost_warns_that_there_is_no_login(web_home):
    proc = _serve(web_home, "--host", "0.0.0.0")
    try:
        assert proc.stdout.readline().startswith("http://0.0.0.0:")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "no login" in err


def test_the_search_command_does_not_load_the_web_page():
    code = "import sys, search_cli; print(sorted(m for m in ('pipeline.web', 'http.server') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
