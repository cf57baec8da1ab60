import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLE_PDF = ROOT / "raw" / "yangquan-chengqu-2023-02.pdf"


@pytest.fixture(scope="session")
def sample_gazette():
    from pipeline.parser import parse_pdf

    return parse_pdf(SAMPLE_PDF)


@pytest.fixture(scope="session")
def expected():
    return json.loads((DATA / "yangquan-chengqu-2023-02.expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory):
    """A home with the sample gazette ingested through the CLI."""
    from click.testing import CliRunner

    from search_cli import cli

    home = tmp_path_factory.mktemp("home")
    result = CliRunner().invoke(cli, ["--home", str(home), "ingest", "--quiet", "--jobs", "2", str(SAMPLE_PDF)])
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture
def run(sample_home):
    from click.testing import CliRunner

    from search_cli import cli

    def invoke(*args, home=sample_home):
        return CliRunner().invoke(cli, ["--home", str(home), *args])

    return invoke
