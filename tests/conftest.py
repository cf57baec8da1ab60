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
