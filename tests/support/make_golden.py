"""Regenerate the golden parse outputs: python -m support.make_golden (from tests/).

Review the diff before committing: a golden file changes only when the parser's output should."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from .variants import variant_c, variant_d
from pipeline.parser import parse_pdf

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "golden"
VARIANTS = {"variant_c": variant_c, "variant_d": variant_d}


def parsed_without_source(name: str) -> dict:
    """The parse of a generated variant, minus what differs between builds (file name, hash)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.pdf"
        VARIANTS[name](str(path))
        data = parse_pdf(path).to_dict()
    del data["source"]
    return data


def main() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name in VARIANTS:
        out = GOLDEN / f"{name}.json"
        out.write_text(json.dumps(parsed_without_source(name), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
