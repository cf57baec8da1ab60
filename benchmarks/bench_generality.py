"""Parser generality on many generated gazettes: each seed draws a random layout
(tests/support/generator.py), the parse is scored against its ground truth on the sample test's
metrics (documents, every field, paragraphs, running matter, tables, gazette metadata).

    python benchmarks/bench_generality.py [--n 300] [--seed 0] [--jobs 2] [--show 5]

Prints the mean of each metric, the seeds that are not exact with what differed, and last one line
`generality: score=<min over the metrics of their mean> over <n> gazettes (<k> exact)`. A failing
seed is a regression test waiting to be written: add it to tests/test_generated.py."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def score_seed(seed: int) -> tuple[int, dict[str, float], list[str], float]:
    import logging

    from support.scoring import compare, render_and_parse

    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        truth, gazette = render_and_parse(seed, tmp)
        seconds = time.perf_counter() - t0
    if isinstance(gazette, Exception):
        return seed, {}, [f"parse failed: {gazette}"], seconds
    s = compare(truth, gazette)
    return seed, s.metrics, s.problems, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0, help="the first seed")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--show", type=int, default=5, help="problems shown per failing seed")
    args = ap.parse_args()
    seeds = range(args.seed, args.seed + args.n)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(score_seed, seeds, chunksize=4))
    wall = time.perf_counter() - t0
    names = sorted({k for _, m, _, _ in results for k in m})
    means = {k: sum(m.get(k, 0.0) for _, m, _, _ in results) / len(results) for k in names}
    exact = [seed for seed, m, p, _ in results if m and not p]
    for seed, m, problems, _ in results:
        if problems:
            worst = ", ".join(f"{k}={v:.2f}" for k, v in sorted(m.items()) if v < 1) or "no parse"
            print(f"seed {seed}: {worst}")
            for p in problems[: args.show]:
                print(f"    {p[:240]}")
    print()
    for k in names:
        print(f"{k:18} {means[k]:.4f}")
    parse_s = sum(r[3] for r in results)
    print(f"render and parse {parse_s / len(results):.2f} s a gazette; {wall:.0f} s wall with {args.jobs} jobs")
    score = min(means.values()) if means else 0.0
    print(f"generality: score={score:.3f} over {len(results)} gazettes ({len(exact)} exact)")


if __name__ == "__main__":
    main()
