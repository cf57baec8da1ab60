"""Hostile input, crashes and concurrent writers: nothing lost, nothing duplicated, nothing
written outside the home, one clear line per bad file."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner

from conftest import ROOT
from pipeline import GazetteStore
from search_cli import cli
from support.generator import draw_spec, render
from support.variants import variant_b, variant_c


def invoke(home, *args):
    return CliRunner().invoke(cli, ["--home", str(home), *args])


def ingest_json(home, *args):
    r = invoke(home, "ingest", "--format", "json", "--jobs", "1", *args)
    return r, json.loads(r.output)


def snapshot(folder):
    return sorted((str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*") if p.is_file())


# -- the batch: one result line per file, the good ones in, nothing outside touched ---------------

@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    inbox = root / "inbox"
    inbox.mkdir()
    variant_c(str(inbox / "good.pdf"))
    render(draw_spec(11), str(inbox / "good2.pdf"))
    pdfium.PdfDocument.new().save(inbox / "zero-pages.pdf")
    (inbox / "loop.pdf").symlink_to("loop.pdf")  # a link to itself
    odd = os.fsencode(inbox) + b"/\xff\xfe-latin1-name.pdf"  # not UTF-8
    shutil.copy(inbox / "good.pdf", os.fsdecode(odd))
    outside = root / "outside"
    outside.mkdir()
    (outside / "victim.json").write_text("{}", encoding="utf-8")
    before = snapshot(outside)
    home = root / "home"
    args = [str(inbox), str(inbox / "loop.pdf"), "/dev/null"]
    result = CliRunner().invoke(cli, ["--home", str(home), "ingest", "--format", "json", "--jobs", "2", *args])
    return {"root": root, "inbox": inbox, "home": home, "result": result, "outside": outside, "before": before}


def test_every_file_given_ends_in_one_result_line(hostile):
    r = hostile["result"]
    assert r.exit_code == 1
    files = json.loads(r.stdout)["files"]
    by_name = {}
    for f in files:
        by_name.setdefault(f["path"].rsplit("/", 1)[-1], []).append(f)
    assert by_name["good.pdf"][0]["status"] == "added"
    assert by_name["good2.pdf"][0]["status"] == "added"
    assert by_name["zero-pages.pdf"][0]["status"] == "failed"
    assert "no pages" in by_name["zero-pages.pdf"][0]["error"]  # with --jobs 2 too
    assert [f["status"] for f in by_name["loop.pdf"]] == ["failed"] and "loop" in by_name["loop.pdf"][0]["error"]
    assert by_name["null"][0]["status"] == "failed" and "not a regular file" in by_name["null"][0]["error"]
    odd = [f for name, fs in by_name.items() if "latin1-name" in name for f in fs]
    assert len(odd) == 1 and "\\xff\\xfe" in odd[0]["path"]  # printable, escaped
    assert odd[0]["status"] == "skipped" and "same content" in odd[0]["note"]
    assert len(files) == 6


def test_nothing_outside_the_home_is_touched(hostile):
    assert snapshot(hostile["outside"]) == hostile["before"]
    r = invoke(hostile["home"], "remove", "../outside/victim")
    assert r.exit_code == 1 and "not a gazette id" in r.output
    r = invoke(hostile["home"], "remove", "../../" + str(hostile["outside"] / "victim"))
    assert r.exit_code == 1
    assert snapshot(hostile["outside"]) == hostile["before"]
    assert (hostile["outside"] / "victim.json").exists()


def test_a_rerun_changes_nothing(hostile):
    home = hostile["home"]
    before = snapshot(home / "parsed")
    r = invoke(home, "ingest", "--format", "json", "--jobs", "2", str(hostile["inbox"]))
    summary = json.loads(r.stdout)["summary"]
    assert summary["added"] == 0 and summary["skipped"] == 3 and summary["failed"] == 1  # the 0-page file
    assert snapshot(home / "parsed") == before


# -- issues that arrive twice --------------------------------------------------------------------

@pytest.fixture
def issue(tmp_path):
    """A complete issue ingested, and the same issue's draw to make other copies from."""
    draw = draw_spec(21)
    full = tmp_path / "full.pdf"
    truth = render(draw, str(full))
    home = tmp_path / "home"
    r, out = ingest_json(home, str(full))
    assert r.exit_code == 0 and out["summary"]["added"] == 1
    return {"draw": draw, "truth": truth, "home": home, "tmp": tmp_path, "full": full}


def _stats(home):
    return json.loads(invoke(home, "stats", "--format", "json").output)


def test_a_damaged_copy_does_not_replace_the_complete_issue(issue):
    shorter = dataclasses.replace(issue["draw"], docs=issue["draw"].docs[:-1])  # a page range lost
    path = issue["tmp"] / "damaged.pdf"
    render(shorter, str(path))
    r, out = ingest_json(issue["home"], str(path))
    assert r.exit_code == 0
    assert out["files"][0]["status"] == "duplicate" and "full.pdf" in out["files"][0]["note"]
    assert _stats(issue["home"])["documents"] == len(issue["truth"].documents)
    r, out = ingest_json(issue["home"], str(path))  # a re-run says the same and changes nothing
    assert out["files"][0]["status"] == "skipped"
    r, out = ingest_json(issue["home"], "--replace", str(path))  # unless asked
    assert out["files"][0]["status"] == "replaced"
    assert _stats(issue["home"])["documents"] == len(issue["truth"].documents) - 1


def test_a_copy_without_its_cover_is_matched_by_its_numbers(issue):
    pdf = pdfium.PdfDocument(issue["full"])
    pdf.del_page(0)
    path = issue["tmp"] / "no-cover.pdf"
    pdf.save(path)
    r, out = ingest_json(issue["home"], str(path))
    assert r.exit_code == 0, r.output
    assert out["files"][0]["status"] == "duplicate"
    stats = _stats(issue["home"])
    assert (stats["gazettes"], stats["documents"]) == (1, len(issue["truth"].documents))  # nothing twice


def test_two_ingests_at_once_keep_both(tmp_path):
    """Two writers on one home: both finish, the manifest and the index hold the work of both."""
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    for seed in (31, 32, 33):
        render(draw_spec(seed), str(one / f"g{seed}.pdf"))
    for seed in (34, 35, 36):
        render(draw_spec(seed), str(two / f"g{seed}.pdf"))
    shutil.copy(one / "g31.pdf", two / "shared.pdf")  # the same file in both batches
    home = tmp_path / "home"
    cmd = [sys.executable, "-m", "search_cli", "--home", str(home), "ingest", "-q", "--jobs", "1"]
    procs = [subprocess.Popen(cmd + [str(folder)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for folder in (one, two)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    status = json.loads(invoke(home, "status", "--format", "json").output)
    assert sorted(e["path"].rsplit("/", 1)[-1] for e in status if e["status"] == "ingested") == [
        "g31.pdf", "g32.pdf", "g33.pdf", "g34.pdf", "g35.pdf", "g36.pdf"]
    assert _stats(home)["gazettes"] == 6


# -- a damaged index ------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["truncate-toc", "delete-segment", "truncate-segment"])
def test_a_damaged_index_is_named_and_reindex_rebuilds_it(tmp_path, damage):
    home = tmp_path / "home"
    pdf = tmp_path / "c.pdf"
    variant_c(str(pdf))
    assert invoke(home, "ingest", "-q", "--jobs", "1", str(pdf)).exit_code == 0
    before = invoke(home, "search", "火灾防控", "--format", "json").output
    index = home / "index"
    toc = next(index.glob("*.toc"))
    seg = next(index.glob("*.seg"))
    if damage == "truncate-toc":
        with open(toc, "r+b") as fh:
            fh.truncate(40)
    elif damage == "delete-segment":
        seg.unlink()
    else:
        with open(seg, "r+b") as fh:
            fh.truncate(100)
    for args in (["search", "火灾防控"], ["show", "曲政发〔2025〕1号"], ["stats"], ["ingest", "-q", str(pdf)]):
        r = invoke(home, *args)
        assert r.exit_code == 1, (args, r.output)
        assert "damaged" in r.output and "gazette reindex" in r.output and "Traceback" not in r.output
    assert invoke(home, "reindex").exit_code == 0
    assert invoke(home, "search", "火灾防控", "--format", "json").output == before


def test_ingest_restores_what_the_index_lacks(tmp_path):
    home = tmp_path / "home"
    pdf = tmp_path / "c.pdf"
    variant_c(str(pdf))
    assert invoke(home, "ingest", "-q", "--jobs", "1", str(pdf)).exit_code == 0
    shutil.rmtree(home / "index")  # gone, but the manifest says the file is in
    r = invoke(home, "ingest", "-q", "--jobs", "1", str(pdf))
    assert r.exit_code == 0
    assert _stats(home)["documents"] == 3


def test_an_interrupted_swap_is_finished_or_undone(tmp_path):
    """reindex builds beside the live index and swaps: whichever step a kill hit, the next
    command sees a whole index, old or new, never an empty one."""
    home = tmp_path / "home"
    pdf = tmp_path / "c.pdf"
    variant_c(str(pdf))
    assert invoke(home, "ingest", "-q", "--jobs", "1", str(pdf)).exit_code == 0
    want = invoke(home, "search", "火灾防控", "--format", "json").output
    index, new, old = home / "index", home / "index.new", home / "index.old"
    shutil.copytree(index, new)  # a build left half-done (no completion mark): ignored
    assert invoke(home, "search", "火灾防控", "--format", "json").output == want
    shutil.rmtree(new)
    os.replace(index, old)  # killed after moving the live index aside, before the new one went in
    assert invoke(home, "search", "火灾防控", "--format", "json").output == want
    assert index.exists() and not old.exists()
    shutil.copytree(index, new)
    (new / ".complete").write_text("")
    os.replace(index, old)  # the new one was whole: it goes in
    assert invoke(home, "search", "火灾防控", "--format", "json").output == want
    assert not new.exists() and not old.exists()


def test_a_killed_reindex_leaves_the_old_index_searchable(tmp_path):
    home = tmp_path / "home"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for seed in range(40, 52):
        render(draw_spec(seed), str(inbox / f"g{seed}.pdf"))
    assert invoke(home, "ingest", "-q", str(inbox)).exit_code == 0
    want = invoke(home, "search", "工作", "--limit", "50", "--format", "json").output
    proc = subprocess.Popen([sys.executable, "-m", "search_cli", "--home", str(home), "reindex"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not (home / "index.new").exists():
        time.sleep(0.01)
    time.sleep(0.2)
    assert proc.poll() is None, "reindex finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert invoke(home, "search", "工作", "--limit", "50", "--format", "json").output == want
    assert invoke(home, "reindex").exit_code == 0

    def found(output):
        return sorted((h["gazette"], h["doc_number"] or h["title"]) for h in json.loads(output))

    # rebuilt from scratch with the final dictionary, scores may move a little; the hits do not
    assert found(invoke(home, "search", "工作", "--limit", "50", "--format", "json").output) == found(want)


# -- disk full, permissions -----------------------------------------------------------------------

def test_disk_full_fails_that_file_in_one_line_and_the_batch_goes_on(tmp_path, monkeypatch):
    from pipeline import model

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    variant_b(str(inbox / "b.pdf"))
    variant_c(str(inbox / "c.pdf"))
    real_save = model.Gazette.save

    def save(self, path):
        if "阳曲" in (self.gazette.title or ""):  # variant c's issue: the disk is full just then
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_save(self, path)

    monkeypatch.setattr(model.Gazette, "save", save)
    report = GazetteStore(tmp_path / "home").ingest([inbox], jobs=1)
    by_name = {r.path.rsplit("/", 1)[-1]: r for r in report.files}
    assert by_name["b.pdf"].status == "added"
    assert by_name["c.pdf"].status == "failed" and by_name["c.pdf"].error.startswith("disk full")
    assert not list((tmp_path / "home" / "parsed").glob(".*.tmp"))


def test_os_errors_in_one_line(tmp_path, monkeypatch):
    from pipeline import store

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "home" / "parsed"))

    monkeypatch.setattr(store.GazetteStore, "ingest", refuse)
    r = invoke(tmp_path / "home", "ingest", str(tmp_path))
    assert r.exit_code == 1 and "permission denied" in r.output and "writable --home" in r.output
    assert "Traceback" not in r.output


# -- spreadsheets and names -----------------------------------------------------------------------

def _home_with_table(tmp_path, cells, title="清河县人民政府公报[增刊]"):
    from pipeline.model import Table

    pdf = tmp_path / "c.pdf"
    variant_c(str(pdf))
    from pipeline import parse_pdf

    g = parse_pdf(pdf)
    g.gazette.id = f"{title}-2025-01"
    g.documents[0].tables = [Table("表", None, 1, 1, ["名称", "数值"], [list(c) for c in cells])]
    store = GazetteStore(tmp_path / "home")
    g.save(store.home.parsed_file(g.gazette.id))
    assert store.reindex().indexed == 1
    return store, g


def test_exported_cells_cannot_run_as_formulas(tmp_path):
    import csv
    import io

    from openpyxl import load_workbook

    evil = [["=HYPERLINK(\"http://example.invalid\",\"x\")", "1"], ["+1+2", "-5"], ["@SUM(A1)", "\tx"],
            ["-2+3", "\rx"]]
    store, g = _home_with_table(tmp_path, evil)
    r = invoke(store.home.root, "tables", "--format", "csv")
    rows = list(csv.reader(io.StringIO(r.output)))[1:]
    got = [row[-2:] for row in rows]
    assert got == [["'=HYPERLINK(\"http://example.invalid\",\"x\")", "1"], ["'+1+2", "-5"],
                   ["'@SUM(A1)", "'\tx"], ["'-2+3", "'\rx"]]
    out = tmp_path / "t.xlsx"
    r = invoke(store.home.root, "tables", "--format", "xlsx", "-o", str(out))
    assert r.exit_code == 0, r.output  # a title with [ ] makes no bad sheet name
    ws = load_workbook(out).worksheets[0]
    cell = ws.cell(row=2, column=7)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"  # text, not a formula


def test_a_very_long_title_is_stored_under_a_bounded_name(tmp_path):
    store, g = _home_with_table(tmp_path, [["a", "1"]], title="很长的标题" * 40)
    names = [p.name for p in store.home.parsed.glob("*.json")]
    assert len(names) == 1 and len(names[0].encode("utf-8")) <= 210
    assert store.gazette(g.gazette.id).gazette.id == g.gazette.id
    assert len(store.tables()) == 1


# -- messages -------------------------------------------------------------------------------------

def test_clear_messages_for_bad_arguments(run, tmp_path):
    r = run("search", "垃圾", "--from", "2023-13-45")
    assert r.exit_code == 2 and "not a date" in r.output
    r = run("search", "(" * 3000 + "垃圾" + ")" * 3000)
    assert r.exit_code == 1 and "query too long" in r.output and "Traceback" not in r.output
    deep = "(" * 450 + "垃圾" + ")" * 450
    r = run("search", deep, "--format", "json")
    assert r.exit_code in (0, 1) and "Traceback" not in r.output and "internal error" not in r.output
    zero = tmp_path / "zero.pdf"
    pdfium.PdfDocument.new().save(zero)
    r = run("parse", str(zero))
    assert r.exit_code == 1 and "no pages" in r.output and "OCR" not in r.output


def test_show_when_the_parsed_file_is_gone(tmp_path):
    home = tmp_path / "home"
    pdf = tmp_path / "c.pdf"
    variant_c(str(pdf))
    assert invoke(home, "ingest", "-q", "--jobs", "1", str(pdf)).exit_code == 0
    for f in (home / "parsed").glob("*.json"):
        f.unlink()
    r = invoke(home, "show", "曲政发〔2025〕1号")
    assert r.exit_code == 1 and "no parsed file" in r.output and "reindex" in r.output


# -- hostile PDFs and the workers -----------------------------------------------------------------

def _children(pid: int) -> list[int]:
    out = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat_file.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_hostile_pdfs_fail_as_too_slow_or_too_large_and_the_batch_goes_on(tmp_path):
    from support.hostile_pdfs import flate_bomb, xobject_bomb

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "xobjects.pdf").write_bytes(xobject_bomb())
    (inbox / "inflates.pdf").write_bytes(flate_bomb(200))
    variant_c(str(inbox / "good.pdf"))
    t0 = time.monotonic()
    r = invoke(tmp_path / "home", "ingest", "--format", "json", "--jobs", "2", "--file-timeout", "3",
               "--max-memory", "150", str(inbox))
    assert time.monotonic() - t0 < 60
    assert r.exit_code == 1
    by_name = {f["path"].rsplit("/", 1)[-1]: f for f in json.loads(r.stdout)["files"]}
    assert by_name["good.pdf"]["status"] == "added"
    # pdfminer spends time on the nested forms, PDFium memory: either way one clear reason
    xobjects = by_name["xobjects.pdf"]
    assert xobjects["status"] == "failed" and ("too slow" in xobjects["error"] or "too large" in xobjects["error"])
    assert by_name["inflates.pdf"]["status"] == "failed" and "too large" in by_name["inflates.pdf"]["error"]


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_workers_do_not_outlive_their_parent(tmp_path, how):
    from support.hostile_pdfs import xobject_bomb

    (tmp_path / "x.pdf").write_bytes(xobject_bomb())
    cmd = [sys.executable, "-m", "search_cli", "--home", str(tmp_path / "home"), "ingest", "--jobs", "1",
           str(tmp_path / "x.pdf")]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    workers: list[int] = []
    while time.time() < deadline and not workers:
        workers = _children(proc.pid)
        time.sleep(0.05)
    assert workers and proc.poll() is None, "no worker was started"
    proc.send_signal(getattr(signal, how))
    out, err = proc.communicate(timeout=30)
    if how == "SIGTERM":
        assert proc.returncode == 130
        assert "interrupted" in err and "Traceback" not in err
    deadline = time.time() + 10
    while time.time() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "a worker outlived its parent"


def test_force_parses_again_but_keeps_the_more_complete_copy(issue):
    shorter = dataclasses.replace(issue["draw"], docs=issue["draw"].docs[:-1])
    path = issue["tmp"] / "damaged.pdf"
    render(shorter, str(path))
    r, out = ingest_json(issue["home"], str(path))
    assert out["files"][0]["status"] == "duplicate"
    r, out = ingest_json(issue["home"], "--force", str(issue["full"]), str(path))  # parse both again
    assert r.exit_code == 0
    assert {f["path"].rsplit("/", 1)[-1]: f["status"] for f in out["files"]}["damaged.pdf"] == "duplicate"
    assert _stats(issue["home"])["documents"] == len(issue["truth"].documents)


def test_file_names_with_brackets_print_as_they_are(tmp_path):
    pdf = tmp_path / "公报[draft].pdf"
    variant_c(str(pdf))
    r = invoke(tmp_path / "home", "ingest", "--jobs", "1", str(pdf))
    assert r.exit_code == 0 and "公报[draft].pdf" in r.stderr
