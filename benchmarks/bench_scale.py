"""Index and search at archive scale, on a synthetic corpus built from real parses.

    python benchmarks/bench_scale.py --issues 10,100,1000 [--backend whoosh|tantivy|both|typesense] [--work DIR]

The corpus: the sample gazette parsed once, its 18 documents recombined into N issues (shuffled
order; each issue its own county, so issuers and their words vary; its own year, dates and
文号). Per size and backend it reports, beside the same figures at the other sizes of the run:
- build: `gazette reindex` of the whole corpus in a child process: CPU seconds and peak memory
  (the child's maxrss), and the index size;
- in-process query median and p95 (ms) per kind: keyword, phrase, 文号 (--number), a filter-only
  listing, and a keyword with --facets;
- cold CLI (s, median of --cold-repeat): `gazette search` keyword, `--number`, `--facets`, beside
  a cold `gazette --version` (the interpreter and imports, the baseline in the same run); the
  package's bytecode is compiled first, as an installed package has it.
Built homes are kept in --work and reused (--rebuild builds again).

--backend typesense indexes into a Typesense server: --backend-url and TYPESENSE_API_KEY, or by
default a three-node cluster started on 127.0.0.1 for the run (tests/support/typesense_cluster.py;
the [cluster] extra), so its homes are built afresh each run. Its build CPU-s and peak MB are the
client's (tokenizing and sending), not the servers'; it has no index size on disk here."""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEYWORDS = ["垃圾分类", "经济普查", "源头单位", "消费券", "地质灾害", "妇女 儿童", "联席会议", "安全生产", "营商环境",
            "烟火气 NOT 消费券"]
PHRASES = ['"生活垃圾分类"', '"进出平衡"', '"农产品质量安全"']
CITIES = "晋阳 汾河 太行 吕梁 沁水 雁门 恒山 五台 中条 黄河".split()
COUNTIES = ("东城 西城 南郊 北郊 河东 河西 清源 柳林 石楼 平遥 介休 孝义 灵石 榆社 左权 和顺 昔阳 寿阳 盂县 平定 "
            "阳曲 娄烦 古交 交城 文水 汾阳 岚县 兴县 临县 方山").split()


def source_gazette(work: Path):
    from pipeline import parse_pdf
    from pipeline.model import Gazette

    cached = work / "source.json"
    if not cached.exists():
        parse_pdf(ROOT / "raw" / "yangquan-chengqu-2023-02.pdf").save(cached)
    return Gazette.load(cached)


def make_corpus(work: Path, n: int) -> Path:
    """parsed/ of n synthetic issues (written once per size)."""
    import copy

    from pipeline.normalize import normalize_doc_number

    parsed = work / f"corpus-{n}" / "parsed"
    if parsed.exists() and len(list(parsed.glob("*.json"))) == n:
        return parsed
    parsed.mkdir(parents=True, exist_ok=True)
    src = source_gazette(work)
    rng = random.Random(n)
    for k in range(n):
        g = copy.deepcopy(src)
        city, county = CITIES[k % len(CITIES)], COUNTIES[(k // len(CITIES)) % len(COUNTIES)]
        year, number = 2000 + k % 25, k // 25 + 1
        place = f"{city}市{county}区"
        g.gazette.id = f"{place}政府公报-{year}-{number:03d}"
        g.gazette.title, g.gazette.year, g.gazette.number = f"{place}政府公报", year, number
        rng.shuffle(g.documents)
        for pos, d in enumerate(g.documents):
            for attr in ("title", "body", "addressees"):
                if getattr(d, attr):
                    text = getattr(d, attr).replace("阳泉市城区", "\0").replace("城区", f"{county}区")
                    setattr(d, attr, text.replace("\0", place))
            d.issuers = [i.replace("阳泉市城区", place) for i in d.issuers]
            if d.date:
                d.date = f"{year}{d.date[4:]}"
            if d.doc_number:
                d.doc_number = normalize_doc_number(f"{county}政发〔{year}〕{number * 100 + pos}号")
        g.save(parsed / f"{g.gazette.id}.json")
    return parsed


def _one(work: Path, n: int, backend: str, args):
    home, b = build(work, n, backend, args.rebuild or backend == "typesense", args.backend_url)
    if args.build_only:
        print(f"[{backend} {n}] {b}")
        return None
    q, number = queries(home, args.repeat)
    c = cold(home, number, args.cold_repeat)
    print(f"[{backend} {n}] built in {b['cpu_s']} CPU-s", file=sys.stderr)
    return backend, n, b, q, c


def build(work: Path, n: int, backend: str, rebuild: bool, url: str | None = None) -> tuple[Path, dict]:
    home = work / f"home-{n}-{backend}"
    record = home / "build.json"
    if record.exists() and not rebuild:
        return home, json.loads(record.read_text(encoding="utf-8"))
    parsed = make_corpus(work, n)
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "parsed").exists():
        (home / "parsed").symlink_to(parsed.resolve())
    cmd = [sys.executable, str(ROOT / "search_cli.py"), "--home", str(home), "--backend", backend]
    cmd += (["--backend-url", url] if backend == "typesense" else []) + ["reindex"]
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own CPU time and peak memory
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            raise SystemExit(f"reindex failed: {err.read().decode(errors='replace')}")
    wall_s = time.perf_counter() - t0
    from pipeline.backend import open_backend

    figures = {"cpu_s": round(usage.ru_utime + usage.ru_stime, 1), "wall_s": round(wall_s, 1),
               "peak_mb": round(usage.ru_maxrss / 1024),
               "index_mb": round(open_backend(home / "index").index_bytes() / 2**20, 1)}
    record.write_text(json.dumps(figures), encoding="utf-8")
    return home, figures


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm: dictionaries loaded once, as in a long-running process
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    runs.sort()
    return statistics.median(runs), runs[max(0, int(len(runs) * 0.95) - 1)]


def queries(home: Path, repeat: int) -> dict:
    from pipeline.search import SearchRequest, search
    from pipeline.store import GazetteStore

    backend = GazetteStore(home).home.search_backend()
    first = search(backend, SearchRequest(None, limit=1)).hits[0]
    some_number = search(backend, SearchRequest("垃圾分类", limit=1)).hits[0].doc_number
    kinds = {
        "keyword": [SearchRequest(q) for q in KEYWORDS],
        "phrase": [SearchRequest(q) for q in PHRASES],
        "number": [SearchRequest(number=some_number)],
        "listing": [SearchRequest(issuer=first.issuers[0])],
        "facets": [SearchRequest(q, facets=True) for q in KEYWORDS[:3]],
    }
    out = {}
    for kind, reqs in kinds.items():
        meds, p95s = zip(*(timed(lambda r=r: search(backend, r), repeat) for r in reqs))
        out[kind] = (statistics.median(meds), max(p95s))
    return out, some_number


def cold(home: Path, number: str, repeat: int) -> dict:
    import compileall

    # the package's bytecode written first, as an installed package has it: where
    # PYTHONDONTWRITEBYTECODE is set (it is on this project's machine) every process would
    # otherwise compile the package from source (~45 ms)
    compileall.compile_dir(str(ROOT / "pipeline"), quiet=1)
    cli = [sys.executable, str(ROOT / "search_cli.py"), "--home", str(home)]

    def wall(args):
        subprocess.run(cli + args, check=True, capture_output=True)  # page cache warm, process cold
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            subprocess.run(cli + args, check=True, capture_output=True)
            runs.append(time.perf_counter() - t0)
        return statistics.median(runs)

    return {"version": wall(["--version"]), "keyword": wall(["search", "垃圾分类"]),
            "number": wall(["search", "--number", number]), "facets": wall(["search", "垃圾分类", "--facets"])}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", default="10,100", help="sizes, comma-separated")
    ap.add_argument("--backend", default="whoosh", choices=["whoosh", "tantivy", "both", "typesense"])
    ap.add_argument("--backend-url", help="Typesense node(s); default: a local three-node cluster for the run")
    ap.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "gazette-bench-scale"))
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--cold-repeat", type=int, default=7)  # cold processes move by ±0.05 s here: seven for a stable median
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--build-only", action="store_true", help="build the homes, time no queries")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.issues.split(",")]
    backends = ["whoosh", "tantivy"] if args.backend == "both" else [args.backend]
    rows = []
    cluster = None
    if args.backend == "typesense" and not args.backend_url:
        sys.path.insert(0, str(ROOT / "tests"))
        from support.typesense_cluster import API_KEY, Cluster

        os.environ["TYPESENSE_API_KEY"] = API_KEY
        cluster = Cluster().start(Path(tempfile.mkdtemp(prefix="gazette-bench-typesense-")))
        args.backend_url = cluster.url
    try:
        for backend in backends:
            for n in sizes:
                rows.append(_one(work, n, backend, args))
    finally:
        if cluster:
            cluster.stop()
    rows = [r for r in rows if r]
    print("| backend | issues | build CPU-s | peak MB | index MB | keyword ms (p95) | phrase ms (p95) | 文号 ms | "
          "listing ms | facets ms | cold --version s | cold keyword s | cold --number s | cold --facets s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for backend, n, b, q, c in rows:
        print(f"| {backend} | {n} | {b['cpu_s']} | {b['peak_mb']} | {b['index_mb']} | "
              f"{q['keyword'][0]:.1f} ({q['keyword'][1]:.1f}) | {q['phrase'][0]:.1f} ({q['phrase'][1]:.1f}) | "
              f"{q['number'][0]:.1f} | {q['listing'][0]:.1f} | {q['facets'][0]:.1f} | {c['version']:.2f} | "
              f"{c['keyword']:.2f} | {c['number']:.2f} | {c['facets']:.2f} |")


if __name__ == "__main__":
    main()
