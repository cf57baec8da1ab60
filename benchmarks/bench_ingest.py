"""Full ingest of the sample (parse, tables, index) with each PDF engine, next to a bare
pdfplumber extract_text() pass over the same file, in the same run.

    python benchmarks/bench_ingest.py [--jobs N] [--profile]"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import subprocess
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


def full_ingest(jobs: int | None, engine: str = "pdfium") -> float:
    from pipeline import GazetteStore

    store = GazetteStore(tempfile.mkdtemp(prefix="gazette-bench-"))
    t0 = time.perf_counter()
    report = store.ingest([SAMPLE], jobs=jobs, engine=engine)
    took = time.perf_counter() - t0
    assert report.files[0].status == "added" and report.files[0].documents == 18, report.to_dict()
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=None, help="default: number of cores")
    ap.add_argument("--profile", action="store_true", help="profile a single-process parse (pdfium engine)")
    ap.add_argument("--cold-run", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.cold_run is not None:  # the child of the new-process figure: prints its time
        print(full_ingest(args.cold_run or None))
        return
    from pipeline.pages import page_count

    pages = page_count(SAMPLE)
    base = bare_pass()
    # a new process: jieba's dictionary loads during this ingest (as for one `gazette ingest` run)
    cold = float(subprocess.run([sys.executable, __file__, "--cold-run", str(args.jobs or 0)], check=True,
                                capture_output=True, text=True).stdout.split()[-1])
    # from here on the dictionary is loaded: what each further file of a batch costs
    from pipeline.tokenizer import base_jieba

    base_jieba()
    fast = full_ingest(args.jobs)
    reference = full_ingest(args.jobs, "pdfplumber")
    one = full_ingest(1)

    def row(label, took, target=""):
        print(f"{label:<52}{took:6.2f} s  {pages / took:6.1f} pages/s  {took / base:.2f}x{target}")

    print(f"sample: {pages} pages; ratios are to the bare pass measured in this run")
    row("bare pdfplumber extract_text() pass", base)
    row("full ingest, pdfium, default jobs, new process", cold)
    row("full ingest, pdfium, default jobs, dictionary loaded", fast, "  (target <= 0.35x)")
    row("full ingest, pdfplumber, default jobs, dict. loaded", reference)
    row("full ingest, pdfium, --jobs 1, dictionary loaded", one)
    if args.profile:  # in this process (ingest reads pages in workers, which a profile would not see)
        from pipeline import parse_pdf

        prof = cProfile.Profile()
        prof.enable()
        parse_pdf(SAMPLE)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
