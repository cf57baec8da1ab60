import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLE_PDF = ROOT / "raw" / "yangquan-chengqu-2023-02.pdf"


@pytest.fixture(scope="session")
def sample_gazette():
    """The sample parsed once for the whole session (the one end-to-end ingest of it is in
    test_ingest.py)."""
    from pipeline import parse_pdf

    return parse_pdf(SAMPLE_PDF, jobs=2)


@pytest.fixture(scope="session")
def expected():
    return json.loads((DATA / "yangquan-chengqu-2023-02.expected.json").read_text(encoding="utf-8"))


def needs(module: str):
    """An optional extra's module, or the test is skipped; under CI (which installs every extra)
    a missing one fails instead."""
    if os.environ.get("CI"):
        import importlib

        return importlib.import_module(module)
    return pytest.importorskip(module)


def _tantivy_installed() -> bool:
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return False
    return True


# every search test runs on both engines; CI installs tantivy, so there it is never skipped
BACKEND_PARAMS = ["whoosh", pytest.param("tantivy", marks=pytest.mark.skipif(
    not _tantivy_installed() and not os.environ.get("CI"), reason="tantivy not installed (the [tantivy] extra)"))]


@pytest.fixture(scope="session", params=BACKEND_PARAMS)
def backend(request):
    """The search engine a home is built with: each test using a home runs once per engine."""
    return request.param


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory, sample_gazette, backend):
    """A home holding the sample: its parsed JSON, indexed through the public API (with the
    engine of the `backend` parameter, which the home then keeps)."""
    from pipeline import GazetteStore

    home = tmp_path_factory.mktemp(f"home-{backend}")
    store = GazetteStore(home, backend=backend)
    sample_gazette.save(store.home.parsed_file(sample_gazette.gazette.id))
    report = store.reindex()
    assert report.indexed == 1
    return home


@pytest.fixture(scope="session")
def web_home(tmp_path_factory, sample_home, sample_gazette):
    """The sample home with its source PDF recorded in the manifest, plus an issue whose title and
    text hold markup, quotes and ampersands (the page must show them as text). For the web tests."""
    import copy
    import shutil

    from pipeline import Gazette, GazetteStore
    from pipeline.manifest import Manifest, ManifestEntry
    from pipeline.parser import file_sha256

    home = tmp_path_factory.mktemp("web") / "home"
    shutil.copytree(sample_home, home)
    store = GazetteStore(home)
    data = copy.deepcopy(sample_gazette.to_dict())
    data["gazette"]["id"] = "hostile-2099-01"
    doc = data["documents"][0]
    doc.update(doc_number="城政发〔2099〕1号", doc_number_parts=None, title='<script>alert("x")</script> & "引号" '
               "关于垃圾分类的通知", body="做好垃圾分类。<img src=x onerror=alert(1)> 见城政发〔2023〕5号。",
               citations=["城政发〔2023〕5号"], tables=[], date="2099-01-01")
    data["documents"] = [doc]
    Gazette.from_dict(data).save(store.home.parsed_file("hostile-2099-01"))
    manifest = Manifest()
    sha = file_sha256(SAMPLE_PDF)
    manifest.files[sha] = ManifestEntry(str(SAMPLE_PDF), sha, "ingested", sample_gazette.gazette.id)
    manifest.save(store.home)
    assert store.reindex().indexed == 2
    return home


@pytest.fixture
def run(sample_home):
    from click.testing import CliRunner

    from search_cli import cli

    def invoke(*args, home=sample_home):
        return CliRunner().invoke(cli, ["--home", str(home), *args])

    return invoke
