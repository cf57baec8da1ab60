import json
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


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory, sample_gazette):
    """A home holding the sample: its parsed JSON, indexed through the public API."""
    from pipeline import GazetteStore

    home = tmp_path_factory.mktemp("home")
    store = GazetteStore(home)
    sample_gazette.save(store.home.parsed_file(sample_gazette.gazette.id))
    report = store.reindex()
    assert report.indexed == 1
    return home


@pytest.fixture
def run(sample_home):
    from click.testing import CliRunner

    from search_cli import cli

    def invoke(*args, home=sample_home):
        return CliRunner().invoke(cli, ["--home", str(home), *args])

    return invoke
