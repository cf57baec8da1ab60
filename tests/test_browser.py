"""The search page used the way a person uses it, in a real browser: Playwright driving the
system's Chromium (no browser download). Needs the [browser] extra and Debian's chromium; without
them these tests skip with the reason, except under CI=true, where .ci/run installs both and a
missing browser fails the run."""

from __future__ import annotations

import os
import shutil
import threading

import pytest

from pipeline import GazetteStore
from pipeline.web import make_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TABLE_DOC = "城政发〔2023〕5号"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright missing: pip install -e '.[browser]'"
    if not CHROMIUM:
        return "no Chromium: apt-get install chromium"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run under CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(web_home):
    server = make_server(GazetteStore(web_home), "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    p = context.new_page()
    yield p
    context.close()


def _shot(page, path) -> int:
    page.screenshot(path=str(path), full_page=True)
    return path.stat().st_size


def test_search_facet_document_source_and_csv(page, site, web_home, tmp_path):
    from click.testing import CliRunner

    from search_cli import cli

    page.goto(site + "/")
    page.fill("input[name=q]", "垃圾分类")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(".hit")
    assert page.locator(".hit").count() == 4
    assert "共 4 条结果" in page.inner_text("#results")
    assert page.locator(".snippet em").count() >= 4
    # <em> is marked by colour, not set in (fake) italics
    assert page.eval_on_selector(".snippet em", "e => getComputedStyle(e).fontStyle") == "normal"
    assert _shot(page, tmp_path / "search.png") > 20_000  # a blank page is a few KB

    # a facet narrows the results and shows its filter in the form
    facet = page.locator("aside a.facet").filter(has_text="阳泉市城区人民政府办公室").first
    facet.click()
    page.wait_for_url("**issuer=*")
    assert page.input_value("input[name=issuer]") == "阳泉市城区人民政府办公室"
    assert 1 <= page.locator(".hit").count() < 4

    # open a document: its fields, its body with the query marked
    page.locator(".hit h3 a").first.click()
    page.wait_for_selector("dl.fields")
    assert page.locator(".body em").count() >= 1
    assert _shot(page, tmp_path / "document.png") > 20_000

    # the source link opens the PDF at the hit's physical page
    href = page.get_attribute("a.source", "href")
    assert "#page=" in href
    response = page.request.get(site + href.split("#")[0])
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"

    # a table's CSV downloads as the same bytes the CLI writes
    page.goto(site + "/?q=" + TABLE_DOC)
    page.locator(".hit h3 a").first.click()
    page.wait_for_selector("table.data")
    with page.expect_download() as info:
        page.click("a.csv")
    downloaded = tmp_path / "download.csv"
    info.value.save_as(downloaded)
    written = tmp_path / "cli.csv"
    assert CliRunner().invoke(cli, ["--home", str(web_home), "tables", TABLE_DOC, "-o", str(written)]).exit_code == 0
    assert downloaded.read_bytes() == written.read_bytes()


def test_markup_in_a_gazette_shows_as_text_in_the_browser(page, site):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(site + "/?q=" + "垃圾分类")
    title = page.locator(".hit h3 a").filter(has_text="<script>")
    assert title.count() == 1 and 'alert("x")' in title.inner_text()
    title.click()
    page.wait_for_selector("dl.fields")
    assert "<img src=x onerror=alert(1)>" in page.inner_text(".body")
    assert dialogs == []  # no script ran
