"""The parse on a Dask cluster (the [cluster] extra): the same parsed JSON as the local worker
processes, byte for byte, and a worker killed mid-batch costs nothing but time. (The Typesense
backend's cluster tests are in test_typesense.py.)"""

from __future__ import annotations

import os
import signal

import pytest
from click.testing import CliRunner

from conftest import needs
from pipeline import GazetteStore
from pipeline.ingest import Progress
from pipeline.manifest import Manifest
from search_cli import cli
from support.generator import draw_spec, render

needs("distributed")

SEEDS = [3, 11, 42, 97]


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster-pdfs")
    for seed in SEEDS:
        render(draw_spec(seed), str(folder / f"g{seed}.pdf"))
    return folder


@pytest.fixture(scope="module")
def pool_parse(pdfs, tmp_path_factory):
    """The same files parsed by the local worker processes: {file name: bytes}."""
    store = GazetteStore(tmp_path_factory.mktemp("pool") / "home")
    report = store.ingest([pdfs], jobs=2)
    assert [r.status for r in report.files] == ["added"] * len(SEEDS)
    return {p.name: p.read_bytes() for p in store.home.parsed.glob("*.json")}


def _parsed(store) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in store.home.parsed.glob("*.json")}


def test_a_local_dask_cluster_parses_byte_for_byte_as_the_process_pool(pdfs, pool_parse, tmp_path):
    store = GazetteStore(tmp_path / "home")
    report = store.ingest([pdfs], jobs=2, scheduler="local:2")
    assert [r.status for r in report.files] == ["added"] * len(SEEDS)
    assert len(pool_parse) == len(SEEDS)
    assert _parsed(store) == pool_parse
    assert store.search("通知").total > 0


class _KillOneWorker(Progress):
    """When the first chunk of pages comes back, kills a worker process that holds a task."""

    def __init__(self, client):
        self.client, self.killed = client, None

    def pages_done(self, path, n):
        if self.killed:
            return
        pids = self.client.run(os.getpid)
        busy = [w for w, keys in self.client.processing().items() if keys]
        if busy:
            self.killed = busy[0]
            os.kill(pids[busy[0]], signal.SIGKILL)


def test_a_worker_killed_mid_batch_is_retried_elsewhere_and_each_file_parsed_once(pdfs, pool_parse, tmp_path):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        store = GazetteStore(tmp_path / "home")
        killer = _KillOneWorker(client)
        report = store.ingest([pdfs], jobs=4, scheduler=cluster.scheduler_address, progress=killer)
    assert killer.killed, "no worker held a task when the first chunk came back"
    assert [r.status for r in report.files] == ["added"] * len(SEEDS)
    assert _parsed(store) == pool_parse
    entries = list(Manifest.load(store.home).files.values())
    assert sorted(e.gazette_id for e in entries) == sorted(p.removesuffix(".json") for p in pool_parse)
    assert store.stats().gazettes == len(SEEDS)


def test_a_bad_scheduler_is_one_line_with_a_hint(pdfs, tmp_path):
    result = CliRunner().invoke(cli, ["--home", str(tmp_path / "home"), "ingest", "--scheduler", "local:x",
                                      str(pdfs)])
    assert result.exit_code == 1
    assert "not a Dask scheduler: 'local:x'" in result.output and "tcp://host:8786" in result.output
    assert "Traceback" not in result.output
