"""The parse on a Dask cluster (the [cluster] extra): the chunks of pages that workers.run_tasks
reads in forked processes go to Dask workers instead, and the pages come back here, to the one
writer that builds the documents and updates parsed/, the manifest and the index as always.

A scheduler is `tcp://host:8786` (a running cluster) or `local:N` (a LocalCluster of N worker
processes on this machine, for a trial). Each task carries its file's bytes (so the scheduler can
send it again to another worker), and the workers need no shared file system: a worker writes
them to a temporary file of its own, reads its chunk of pages and deletes it. A worker that dies mid-task has its task run again on another
(Dask's `allowed-failures`); past that the file fails with the reason, and the batch goes on.

Not enforced on Dask: the per-chunk time and memory budget of the local workers (a Dask worker's
own `--memory-limit` restarts it past that memory, and the task is retried, then failed)."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import GazetteError, InputError

log = logging.getLogger(__name__)

LOCAL_RE = re.compile(r"local:(\d{1,3})")
ADDRESS_RE = re.compile(r"(tcp|tls|inproc|ucx)://\S+")


@dataclass(frozen=True)
class DaskSettings:
    connect_timeout: float = 30.0  # seconds to reach a scheduler before the ingest fails with a hint
    threads_per_worker: int = 1  # a LocalCluster worker parses one chunk at a time, as a local worker does
    worker_memory: str = "4GiB"  # a LocalCluster worker past this is restarted and its task retried
    tasks_per_thread: int = 2  # tasks in flight per worker thread: workers never idle, memory stays bounded


DASK = DaskSettings()


def check_scheduler(scheduler: str) -> str:
    """The scheduler as given, if it is `local:N` (1 ≤ N ≤ 64) or an address; else InputError."""
    m = LOCAL_RE.fullmatch(scheduler)
    if (m and 1 <= int(m.group(1)) <= 64) or ADDRESS_RE.fullmatch(scheduler):
        return scheduler
    raise InputError(f"not a Dask scheduler: {scheduler!r}",
                     hint="give tcp://host:8786 (a running dask scheduler) or local:N (N worker processes here)")


@contextmanager
def dask_client(scheduler: str, settings: DaskSettings = DASK):
    """A distributed.Client on the scheduler (a LocalCluster started and stopped for `local:N`)."""
    check_scheduler(scheduler)
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise GazetteError("the parse on a Dask cluster needs dask[distributed]",
                           hint="pip install -e '.[cluster]' (or pip install 'dask[distributed]')") from None
    m = LOCAL_RE.fullmatch(scheduler)
    if m:
        with LocalCluster(n_workers=int(m.group(1)), threads_per_worker=settings.threads_per_worker,
                          processes=True, dashboard_address=None, memory_limit=settings.worker_memory) as cluster, \
                Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout=settings.connect_timeout)
    except OSError as exc:
        raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}",
                         hint="start one with `dask scheduler` and workers with `dask worker ADDRESS`") from None
    with client:
        yield client


def read_shipped_pages(data: bytes, name: str, numbers, settings, ocr, engine):
    """pages.read_pages on a worker: the file's bytes written to a temporary file of its own."""
    from .pages import read_pages

    fd, tmp = tempfile.mkstemp(suffix=".pdf", prefix="gazette-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        pages = read_pages(Path(tmp), numbers, settings, ocr, engine)
    finally:
        os.unlink(tmp)
    log.debug("%s: read %d pages on a Dask worker", name, len(pages))
    return pages


def run_tasks_on_dask(client, tasks: Iterable[tuple[object, Path, tuple]], local: bool,
                      settings: DaskSettings = DASK) -> Iterator[tuple[object, object]]:
    """For each (key, path, (numbers, settings, ocr, engine)), the pages read on the cluster.
    Yields (key, pages or the exception that ended the task) as tasks finish, as run_tasks does.
    Each task carries its file's bytes, so the scheduler can send it again to another worker when
    one dies; a window of tasks is in flight at a time, so memory does not grow with the batch.
    The OCR cache stays in the home: workers use it only on this machine (`local`)."""
    from distributed import as_completed

    window = max(2, settings.tasks_per_thread * sum(client.nthreads().values()))
    pending = iter(tasks)
    futures: dict = {}
    running = as_completed()
    unreadable: list = []  # (key, OSError) of files that could not be read here: failed, the batch goes on

    def submit_next() -> None:
        for key, path, (numbers, page_settings, ocr, engine) in pending:
            if not local and ocr.cache_dir:
                ocr = replace(ocr, cache_dir=None)
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                unreadable.append((key, exc))
                continue
            future = client.submit(read_shipped_pages, data, Path(path).name, numbers,
                                   page_settings, ocr, engine, pure=False)
            futures[future] = key
            running.add(future)
            return

    for _ in range(window):
        submit_next()
    try:
        while unreadable:
            yield unreadable.pop()
        for future in running:
            try:
                result = future.result()
            except Exception as exc:  # the task's own error, or KilledWorker after the retries
                result = exc
            yield futures.pop(future), result
            submit_next()
            while unreadable:
                yield unreadable.pop()
    finally:
        for future in futures:
            future.cancel()
