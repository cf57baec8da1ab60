"""Batch ingest: bad files reported and skipped, re-runs change nothing, re-publications replace."""

import json
import shutil

import pytest
from click.testing import CliRunner
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from conftest import SAMPLE_PDF
from search_cli import cli
from support.variants import variant_c


def make_bad_files(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "notes.PDF").write_text("这不是PDF文件", encoding="utf-8")
    (folder / "truncated.pdf").write_bytes(SAMPLE_PDF.read_bytes()[:40000])
    c = canvas.Canvas(str(folder / "locked.pdf"), pagesize=A4, encrypt="secret")
    c.drawString(72, 700, "secret")
    c.save()
    from PIL import Image

    img = Image.new("L", (400, 500), 255)
    c = canvas.Canvas(str(folder / "scanned.pdf"), pagesize=A4)
    c.drawImage(ImageReader(img), 50, 50, 400, 500)
    c.save()
    c = canvas.Canvas(str(folder / "no-documents.pdf"), pagesize=A4)
    c.setFont("Helvetica", 12)
    c.drawString(72, 700, "Just a letter, no official documents here.")
    c.save()


REASONS = {
    "empty.pdf": "empty file",
    "notes.PDF": "not a PDF",
    "truncated.pdf": "corrupt or truncated",
    "locked.pdf": "password-protected",
    "scanned.pdf": "OCR",  # "needs OCR" without the extra; "even by OCR" with it (the image is blank)
    "no-documents.pdf": "no official documents",
}


def invoke(home, *args):
    return CliRunner().invoke(cli, ["--home", str(home), *args])


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    inbox = root / "inbox"
    make_bad_files(inbox / "bad")
    variant_c(str(inbox / "good.pdf"))  # the sample's own end-to-end ingest is the README's doctest
    home = root / "home"
    first = invoke(home, "ingest", "--format", "json", str(inbox))
    return root, inbox, home, first


def test_bad_files_named_with_reason_and_exit_1(batch):
    _, _, _, first = batch
    assert first.exit_code == 1
    out = json.loads(first.output)
    by_name = {f["path"].rsplit("/", 1)[-1]: f for f in out["files"]}
    assert by_name["good.pdf"]["status"] == "added" and by_name["good.pdf"]["documents"] == 3
    for name, reason in REASONS.items():
        assert by_name[name]["status"] == "failed", name
        assert reason in by_name[name]["error"], (name, by_name[name]["error"])
    assert out["summary"] == {"added": 1, "replaced": 0, "skipped": 0, "duplicate": 0, "failed": 6, "with_warnings": 0}


def test_rerun_adds_nothing_and_answers_the_same(batch):
    _, inbox, home, _ = batch
    before = invoke(home, "search", "火灾防控", "--format", "json").output
    assert json.loads(before)
    again = invoke(home, "ingest", "--format", "json", str(inbox))
    assert again.exit_code == 1
    assert json.loads(again.output)["summary"] == {"added": 0, "replaced": 0, "skipped": 1, "duplicate": 0, "failed": 6, "with_warnings": 0}
    assert invoke(home, "search", "火灾防控", "--format", "json").output == before
    assert json.loads(invoke(home, "stats", "--format", "json").output)["documents"] == 3


def test_same_file_twice_in_a_batch_is_ingested_once(tmp_path):
    home = tmp_path / "home"
    pdf = tmp_path / "c.pdf"
    variant_c(str(pdf))
    shutil.copy(pdf, tmp_path / "copy of c.pdf")
    out = json.loads(invoke(home, "ingest", "--format", "json", "--jobs", "1", str(tmp_path)).output)
    assert out["summary"] == {"added": 1, "replaced": 0, "skipped": 1, "duplicate": 0, "failed": 0, "with_warnings": 0}
    assert "same content as" in [f for f in out["files"] if f["status"] == "skipped"][0]["note"]


def test_empty_folder_says_so(tmp_path):
    r = invoke(tmp_path / "home", "ingest", str(tmp_path))
    assert r.exit_code == 0 and "no PDF files found" in r.stderr


def test_one_line_errors_without_traceback(batch):
    _, inbox, home, _ = batch
    r = invoke(home, "ingest", "--quiet", str(inbox / "bad" / "notes.PDF"))
    assert r.exit_code == 1
    assert "notes.PDF" in r.output and "Traceback" not in r.output
    r = invoke(home, "parse", str(inbox / "bad" / "locked.pdf"))
    assert r.exit_code == 1 and len(r.output.strip().splitlines()) == 1 and "password" in r.output


def test_status_lists_every_file(batch):
    _, _, home, _ = batch
    entries = json.loads(invoke(home, "status", "--format", "json").output)
    by_name = {e["path"].rsplit("/", 1)[-1]: e for e in entries}
    assert sorted(by_name) == sorted(["good.pdf", *REASONS])  # every file, the failed ones too
    assert by_name["good.pdf"]["status"] == "ingested" and not by_name["good.pdf"]["stale"]
    assert by_name["good.pdf"]["documents"] == 3 and by_name["good.pdf"]["warnings"] == 0
    for name, reason in REASONS.items():
        assert by_name[name]["status"] == "failed" and reason in by_name[name]["error"], name


def test_republication_replaces_in_one_step(tmp_path):
    home = tmp_path / "home"
    first, second = tmp_path / "v1.pdf", tmp_path / "v2.pdf"
    variant_c(str(first))
    assert invoke(home, "ingest", "-q", "--jobs", "1", str(first)).exit_code == 0
    # the same issue, re-published: different bytes, same gazette id
    second.write_bytes(first.read_bytes() + b"\n%corrected\n")
    out = json.loads(invoke(home, "ingest", "--format", "json", "--jobs", "1", str(second)).output)
    assert out["summary"]["replaced"] == 1
    stats = json.loads(invoke(home, "stats", "--format", "json").output)
    assert (stats["gazettes"], stats["documents"]) == (1, 3)
    assert len(list((home / "parsed").glob("*.json"))) == 1


def test_reindex_and_remove(tmp_path):
    home = tmp_path / "home"
    pdf = tmp_path / "c.pdf"
    variant_c(str(pdf))
    assert invoke(home, "ingest", "-q", str(pdf)).exit_code == 0
    before = invoke(home, "search", "火灾防控", "--format", "json").output
    shutil.rmtree(home / "index")
    assert invoke(home, "reindex").exit_code == 0
    assert invoke(home, "search", "火灾防控", "--format", "json").output == before
    gid = json.loads(before)[0]["gazette"]
    assert invoke(home, "remove", gid).exit_code == 0
    assert json.loads(invoke(home, "stats", "--format", "json").output)["documents"] == 0
    assert invoke(home, "remove", gid).exit_code == 1


def test_search_without_index_is_a_clear_error(tmp_path):
    r = invoke(tmp_path, "search", "垃圾")
    assert r.exit_code == 1 and "no index" in r.output and "gazette ingest" in r.output


def test_killed_ingest_leaves_a_consistent_home_and_the_next_run_finishes(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from support.generator import draw_spec, render
    from support.variants import variant_a, variant_b

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    variant_a(str(inbox / "a.pdf"))
    variant_b(str(inbox / "b.pdf"))
    variant_c(str(inbox / "c.pdf"))
    big = render(draw_spec(7, n_docs=24), str(inbox / "d-large.pdf"))  # parsed last, and slowest
    assert big.pages >= 30
    home = tmp_path / "home"
    cmd = [sys.executable, "-m", "search_cli", "--home", str(home), "ingest", "-q", "--jobs", "1", str(inbox)]
    proc = subprocess.Popen(cmd, cwd=os.path.dirname(os.path.dirname(__file__)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not list((home / "parsed").glob("*.json")):
        time.sleep(0.05)
    assert proc.poll() is None, "the ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)  # mid-batch: files are still being parsed
    proc.wait()
    done = len(list((home / "parsed").glob("*.json")))
    assert 1 <= done < 4
    for f in (home / "parsed").glob("*.json"):
        json.loads(f.read_text(encoding="utf-8"))  # no half-written JSON
    assert not list((home / "parsed").glob(".*.tmp"))
    again = invoke(home, "ingest", "--format", "json", "--jobs", "1", str(inbox))
    assert again.exit_code == 0, again.output
    stats = json.loads(invoke(home, "stats", "--format", "json").output)
    assert (stats["gazettes"], stats["documents"]) == (4, 3 + 3 + 3 + 24)  # nothing twice, nothing lost
    from pipeline.home import Home
    from pipeline.manifest import Manifest

    manifest = Manifest.load(Home.resolve(home))
    assert sorted(e.status for e in manifest.files.values()) == ["ingested"] * 4


def test_second_writer_waits_then_fails_clearly(tmp_path):
    from pipeline.errors import IndexLockedError
    from pipeline.home import Home
    from pipeline.ingest import ingest
    from pipeline.whoosh_backend import WhooshBackend

    home = Home.resolve(tmp_path / "home")
    pdf = tmp_path / "c.pdf"
    variant_c(str(pdf))
    ix = WhooshBackend(home.index)._open(create=True)
    held = ix.writer()  # another ingest is writing
    try:
        with pytest.raises(IndexLockedError, match="locked"):
            ingest([pdf], home, jobs=1, lock_timeout=0.5)
    finally:
        held.cancel()
    assert ingest([pdf], home, jobs=1).files[0].status == "added"  # the next run finishes the job
    assert json.loads(invoke(home.root, "stats", "--format", "json").output)["documents"] == 3


def test_stale_files_listed_and_reparsed(tmp_path):
    home = tmp_path / "home"
    pdf = tmp_path / "c.pdf"
    variant_c(str(pdf))
    assert invoke(home, "ingest", "-q", "--jobs", "1", str(pdf)).exit_code == 0
    from pipeline.home import Home
    from pipeline.manifest import Manifest

    manifest = Manifest.load(Home.resolve(home))
    for entry in manifest.files.values():
        entry.parser_version = "0.0.1"  # as if ingested by an older parser
    manifest.save(Home.resolve(home))
    status = json.loads(invoke(home, "status", "--format", "json").output)
    assert [e["stale"] for e in status] == [True]
    assert "(stale)" in invoke(home, "status").output
    r = invoke(home, "reindex", "--stale", "--jobs", "1")
    assert r.exit_code == 0, r.output
    status = json.loads(invoke(home, "status", "--format", "json").output)
    assert [e["stale"] for e in status] == [False]
    assert json.loads(invoke(home, "stats", "--format", "json").output)["documents"] == 3


def test_domain_words_of_every_file_in_a_batch_reach_the_index(tmp_path):
    from pipeline.whoosh_backend import WhooshBackend
    from support.variants import variant_b

    variant_c(str(tmp_path / "1.pdf"))
    variant_b(str(tmp_path / "2.pdf"))  # its issuers become dictionary words after the first file
    home = tmp_path / "home"
    assert invoke(home, "ingest", "-q", "--jobs", "1", str(tmp_path)).exit_code == 0
    with WhooshBackend(home / "index").reader() as r:
        body_words = set(r.lexicon("body"))
    assert {"阳曲县应急管理局", "盂县人民政府办公室"} <= body_words
