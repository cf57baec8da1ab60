"""Parser output on generated gazettes, compared exactly with reviewed golden files."""

import json

import pytest

from support.make_golden import GOLDEN, VARIANTS, parsed_without_source


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_parse_matches_golden(name):
    want = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    assert parsed_without_source(name) == want
