"""Memory of a batch ingest in one process: resident memory after each file, so that growth with
the number of files shows (the tokenizers of an index are rebuilt from its word lists, never
accumulated). The baseline is the memory after the first file, measured in the same run.

    python benchmarks/bench_memory.py [--files 30]"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=30)
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    from pipeline import GazetteStore
    from support.generator import draw_spec, render

    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox"
        inbox.mkdir()
        paths = []
        for seed in range(args.files):
            path = inbox / f"g{seed:03d}.pdf"
            render(draw_spec(seed), str(path))
            paths.append(path)
        store = GazetteStore(Path(tmp) / "home")
        figures = []
        for k, path in enumerate(paths):
            report = store.ingest([path], jobs=1)
            assert report.counts["added"] + report.counts["replaced"] == 1, report.to_dict()
            figures.append(rss_mb())
            if k in (0, 1, 4, 9) or k == len(paths) - 1 or (k + 1) % 10 == 0:
                print(f"after file {k + 1:3d}: {figures[-1]:7.1f} MB resident")
        vocab = sum(1 for _ in open(store.home.index / "userdict.txt", encoding="utf-8"))
    base = figures[0]
    warm = figures[min(9, len(figures) - 1)]
    steady = (figures[-1] - warm) / max(len(figures) - 10, 1)
    print(f"domain words in the index at the end: {vocab}")
    print(f"memory: {base:.1f} MB after the first file (baseline), {warm:.1f} MB after 10, {figures[-1]:.1f} MB "
          f"after {len(figures)}: {steady:+.2f} MB a file from the 10th on")


if __name__ == "__main__":
    main()
