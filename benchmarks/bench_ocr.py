"""OCR on scanned gazettes: character error rate against the born-digital text, seconds per page,
and the document and field scores of the parse, beside the born-digital parse of the same
gazettes measured in the same run.

    python benchmarks/bench_ocr.py [--n 4] [--seed 100] [--jobs 2]

Each gazette is drawn by the layout generator, rendered, and scanned (tests/support/scans.py:
a slight rotation, grey paper, blur, JPEG noise). Needs the OCR extra and a CJK font."""

from __future__ import annotations

import argparse
import difflib
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


CHAR_TOLERANCE = 0.05  # a field, paragraph or table row may differ by this share of characters (OCR errs on a few)


def _plain(text: str) -> str:
    """Text for the error rate: no white space, full/half width folded, dot leaders set aside."""
    import unicodedata

    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace() and ch not in ".…·・")


def char_errors(want: str, got: str) -> int:
    """Edits (insertions, deletions, substitutions) from want to got, from difflib's opcodes."""
    errors = 0
    for op, a0, a1, b0, b1 in difflib.SequenceMatcher(None, want, got, autojunk=False).get_opcodes():
        if op != "equal":
            errors += max(a1 - a0, b1 - b0)
    return errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4)
    ap.add_argument("--seed", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--show", action="store_true", help="print what differed on each scan")
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    from pipeline import parse_pdf
    from pipeline.errors import GazetteError
    from support.generator import draw_spec, render
    from support.scans import scan_pdf
    from support.scoring import compare

    total_chars = total_errors = pages = 0
    ocr_seconds = born_seconds = 0.0
    scores, exact_scores, born_scores = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seed, args.seed + args.n):
            born, scan = Path(tmp) / f"b{seed}.pdf", Path(tmp) / f"s{seed}.pdf"
            truth = render(draw_spec(seed), str(born))
            scan_pdf(born, scan, seed=seed)
            t0 = time.perf_counter()
            digital = parse_pdf(born, jobs=args.jobs)
            born_seconds += time.perf_counter() - t0
            t0 = time.perf_counter()
            try:
                scanned = parse_pdf(scan, jobs=args.jobs)
            except GazetteError as exc:  # a scan the parser gives up on scores nothing, and the run goes on
                ocr_seconds += time.perf_counter() - t0
                pages += truth.pages
                b = compare(truth, digital)
                born_scores.append(b.metrics)
                scores.append(dict.fromkeys(b.metrics, 0.0))
                exact_scores.append(dict.fromkeys(b.metrics, 0.0))
                print(f"seed {seed}: {truth.pages} pages, {len(truth.documents)} documents; scan failed: {exc}")
                continue
            ocr_seconds += time.perf_counter() - t0
            pages += truth.pages
            for d_doc, s_doc in zip(digital.documents, scanned.documents):
                want, got = _plain(d_doc.title + d_doc.body), _plain(s_doc.title + s_doc.body)
                total_chars += len(want)
                total_errors += char_errors(want, got)
            s, b = compare(truth, scanned, char_tolerance=CHAR_TOLERANCE), compare(truth, digital)
            scores.append(s.metrics)
            exact_scores.append(compare(truth, scanned).metrics)
            born_scores.append(b.metrics)
            worst = {k: round(v, 2) for k, v in s.metrics.items() if v < 1}
            print(f"seed {seed}: {truth.pages} pages, {len(truth.documents)} documents; scan {worst or 'right'}")
            for problem in s.problems if args.show else []:
                print("   ", problem[:300])
    names = sorted(scores[0])
    print()
    print(f"{'metric':18} {'scanned':>8} {'scanned exact':>14} {'born-digital':>13}")
    for k in names:
        print(f"{k:18} {sum(m[k] for m in scores) / len(scores):8.3f} "
              f"{sum(m[k] for m in exact_scores) / len(exact_scores):14.3f} "
              f"{sum(m[k] for m in born_scores) / len(born_scores):13.3f}")
    print(f"scanned: texts may differ by {CHAR_TOLERANCE:.0%} of their characters (OCR's misreadings); "
          "document boundaries, 文号, dates and pages exact. scanned exact: no tolerance")
    print(f"character error rate {total_errors / max(total_chars, 1):.4f} ({total_errors} of {total_chars} characters)")
    print(f"seconds a page: OCR parse {ocr_seconds / pages:.2f} (wall, {args.jobs} jobs), born-digital parse "
          f"{born_seconds / pages:.3f} in the same run")


if __name__ == "__main__":
    main()
