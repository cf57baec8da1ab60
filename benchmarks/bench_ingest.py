"""Full ingest of the sample (parse, tables, index) next to a bare pdfplumber extract_text() pass
over the same file, in the same run.

    python benchmarks/bench_ingest.py [--jobs N] [--profile]"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "raw" / "yangquan-chengqu-2023-02.pdf"


def bare_pass() -> float:
    import pdfplumber

    t0 = time.perf_counter()
    with pdfplumber.open(SAMPLE) as pdf:
        for page in pdf.pages:
            page.extract_text()
    return time.perf_counter() - t0


def full_ingest(jobs: int | None) -> float:
    from pipeline import GazetteStore

    store = GazetteStore(tempfile.mkdtemp(prefix="gazette-bench-"))
    t0 = time.perf_counter()
    report = store.ingest([SAMPLE], jobs=jobs)
    took = time.perf_counter() - t0
    assert report.files[0].status == "added" and report.files[0].documents == 18, report.to_dict()
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=None, help="default: number of cores")
    ap.add_argument("--profile", action="store_true", help="profile a single-process ingest")
    args = ap.parse_args()
    base = bare_pass()
    full = full_ingest(args.jobs)
    one = full_ingest(1)
    print(f"bare pdfplumber extract_text() pass   {base:6.2f} s")
    print(f"full ingest, default jobs             {full:6.2f} s   {full / base:.2f}x (target <= 1.5x)")
    print(f"full ingest, --jobs 1                 {one:6.2f} s   {one / base:.2f}x")
    if args.profile:  # in this process (ingest reads pages in workers, which a profile would not see)
        from pipeline import parse_pdf

        prof = cProfile.Profile()
        prof.enable()
        parse_pdf(SAMPLE)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
