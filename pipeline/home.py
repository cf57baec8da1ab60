"""The data folder (--home): where parsed/, index/ and the manifest live."""

from __future__ import annotations

import hashlib
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError


@dataclass(frozen=True)
class Home:
    root: Path
    backend: str | None = None  # the search engine asked for (None: the one that built the index)
    backend_url: str | None = None  # a search server's address(es), comma-separated (typesense)

    @classmethod
    def resolve(cls, home: str | os.PathLike | None = None, backend: str | None = None,
                backend_url: str | None = None) -> Home:
        from .backend import check_backend

        backend = backend or os.environ.get("GAZETTE_BACKEND") or None
        return cls(Path(home or os.environ.get("GAZETTE_HOME") or ".").resolve(),
                   check_backend(backend) if backend else None,
                   backend_url or os.environ.get("GAZETTE_BACKEND_URL") or None)

    def search_backend(self):
        """The backend.SearchBackend of index/: the engine asked for, else the one that built
        the index, else the default (an error when the two disagree: the index needs rebuilding)."""
        from .backend import open_backend

        return open_backend(self.index, self.backend, self.backend_url)

    def build_backend_name(self) -> str:
        """The engine a rebuild uses: the one asked for, else the one that built the index."""
        from .backend import DEFAULT_BACKEND, recorded_backend, recover

        recover(self.index)  # a swap a kill interrupted: the index it leaves says which engine
        try:
            built = recorded_backend(self.index)
        except Exception:  # a damaged record: the rebuild replaces it
            built = None
        return self.backend or built or DEFAULT_BACKEND

    @property
    def parsed(self) -> Path:
        return self.root / "parsed"

    @property
    def index(self) -> Path:
        return self.root / "index"

    @property
    def manifest(self) -> Path:
        """The manifest's append log (one JSON entry a line; see manifest.py)."""
        return self.root / "manifest.jsonl"

    @property
    def legacy_manifest(self) -> Path:
        """The manifest as versions before 0.3 wrote it (one JSON object), read once and moved."""
        return self.root / "manifest.json"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    def parsed_file(self, gazette_id: str) -> Path:
        """parsed/<id>.json. An id from a file or the command line never reaches outside parsed/:
        one that could (a path, '..', a control character) is refused, and a long one is cut
        to a file name the file system takes, with a hash of the whole id to keep it unique."""
        check_gazette_id(gazette_id)
        name = gazette_id
        if len(name.encode("utf-8")) > MAX_NAME_BYTES:
            digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
            cut = name.encode("utf-8")[: MAX_NAME_BYTES - 13].decode("utf-8", "ignore")
            name = f"{cut}~{digest}"
        return self.parsed / f"{name}.json"


MAX_NAME_BYTES = 200  # file systems take 255 bytes a name; leave room for .json and temp prefixes
_BAD_ID_RE = re.compile(r"[/\\\x00-\x1f\x7f]")


def check_gazette_id(gazette_id: str) -> str:
    """The id itself, if it can name a file inside the home; else InputError."""
    if not gazette_id or gazette_id in (".", "..") or gazette_id.startswith(".") or _BAD_ID_RE.search(gazette_id):
        raise InputError(f"not a gazette id: {gazette_id!r}",
                         hint="ids look like 阳泉市城区政府公报-2023-02; `gazette stats --format json` lists them")
    return gazette_id


WRITE_LOCK_TIMEOUT = 30.0  # seconds a second writer of a home waits for the first


@contextmanager
def write_lock(home: Home, timeout: float = WRITE_LOCK_TIMEOUT):
    """One writer of a home's parsed/, index/ and manifest at a time, across processes: an
    ingest, reindex or remove beside another waits for it, for timeout seconds at most."""
    import fcntl

    from .errors import IndexLockedError

    home.root.mkdir(parents=True, exist_ok=True)
    fd = os.open(home.root / ".write.lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLockedError(f"another ingest is writing this home (waited {timeout:.0f} s)") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the lock
