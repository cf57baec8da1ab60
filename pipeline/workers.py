"""Worker processes for the parse: every task in a process of its own, with a time and memory
budget, that dies with its parent.

A hostile PDF (form XObjects drawn 10⁸ times, a content stream that unpacks to gigabytes) can
hang or exhaust pdfminer. Run in a worker, it costs only its own task: past `timeout` seconds the
worker is killed and the task fails as "too slow"; past `max_memory` bytes of address space
beyond what it started with, allocation fails and the task fails as "too large". The batch goes
on. A worker asks the kernel to kill it when its parent dies (Linux), so a killed ingest leaves
no orphans."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait

from .errors import TooLargeError, TooSlowError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 300.0  # seconds a task (a chunk of pages) may take; a hostile file takes forever
DEFAULT_MAX_MEMORY = 2 << 30  # bytes of address space a task may add; the sample needs ~200 MB


@dataclass
class Budget:
    timeout: float = DEFAULT_TIMEOUT
    max_memory: int = DEFAULT_MAX_MEMORY


def _die_with_parent() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the parent kills its workers on the way out
        pass


def _vm_size() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child(conn, fn, args, max_memory: int) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to report
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        import resource

        limit = _vm_size() + max_memory
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    try:
        result = ("ok", fn(*args))
    except MemoryError:
        result = ("memory", None)
    except BaseException as exc:  # sent back whole: the parent reports it for this file
        try:
            import pickle

            pickle.dumps(exc)
            result = ("error", exc)
        except Exception:
            result = ("error", RuntimeError(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
    try:
        conn.send(result)
    except MemoryError:
        conn.send(("memory", None))
    finally:
        conn.close()


@dataclass
class _Running:
    key: object
    process: multiprocessing.Process
    conn: object
    deadline: float


def run_tasks(tasks: Iterable[tuple[object, Callable, tuple]], jobs: int, budget: Budget | None = None
              ) -> Iterator[tuple[object, object]]:
    """Run fn(*args) for each (key, fn, args), at most jobs at a time, each in a forked process of
    its own. Yields (key, result) as tasks finish, result being the return value or the exception
    that ended the task (TooSlowError, TooLargeError, or the task's own)."""
    budget = budget or Budget()
    ctx = multiprocessing.get_context("fork")
    # the parent's objects stay out of the workers' garbage collections: otherwise each forked
    # worker writes to (and so copies) the whole inherited heap. Garbage is collected first, or
    # it would be frozen too and pile up from one run to the next.
    gc.collect()
    gc.freeze()
    pending = list(tasks)
    pending.reverse()
    running: list[_Running] = []
    try:
        while pending or running:
            while pending and len(running) < max(1, jobs):
                key, fn, args = pending.pop()
                parent, child = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, args=(child, fn, args, budget.max_memory), daemon=True)
                proc.start()
                child.close()
                running.append(_Running(key, proc, parent, time.monotonic() + budget.timeout))
            now = time.monotonic()
            ready = wait([r.conn for r in running], timeout=max(0.0, min(r.deadline for r in running) - now))
            for r in list(running):
                if r.conn in ready:
                    try:
                        kind, value = r.conn.recv()
                    except (EOFError, OSError):  # the worker died without a word: killed for memory
                        kind, value = "died", None
                    r.process.join()
                    running.remove(r)
                    yield r.key, _outcome(kind, value, r.process.exitcode, budget)
                elif time.monotonic() >= r.deadline and not r.conn.poll():  # a result waiting is no timeout
                    _kill(r.process)
                    running.remove(r)
                    yield r.key, TooSlowError(f"too slow: not read within {budget.timeout:.0f} s")
    finally:
        for r in running:
            _kill(r.process)
        gc.unfreeze()


def _outcome(kind: str, value, exitcode, budget: Budget):
    if kind == "ok":
        return value
    if kind == "error":
        return value
    if kind == "memory":
        return TooLargeError(f"too large: needs more than {budget.max_memory >> 20} MB to read")
    return TooLargeError(f"the reader died (exit {exitcode}): too large or damaged")


def _kill(proc) -> None:
    if proc.is_alive():
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.join(timeout=5)
