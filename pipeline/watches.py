"""Saved searches (`gazette watch`): a search kept by name in the home (watches.json), run again
on demand, and after every ingest, which reports per saved search the documents that match now
and did not before. A saved search holds exactly the options of the command line it came from."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import GazetteError, NotFoundError
from .home import Home
from .model import _from_dict, atomic_write_text

WATCHES_FILE = "watches.json"
NAME_RE = re.compile(r"^[\w\u3400-\u9fff.-]{1,64}$")  # letters, digits, CJK, . _ -; no path or quoting
# the search options a saved search keeps, with the flag each has on the command line
OPTIONS = {"number": "--number", "issuer": "--issuer", "category": "--category", "doc_type": "--type",
           "date_from": "--from", "date_to": "--to", "gazette": "--gazette", "strict": "--strict",
           "in_force": "--in-force", "as_of": "--as-of"}


@dataclass
class SavedSearch:
    name: str
    query: str | None = None
    options: dict[str, Any] = field(default_factory=dict)  # the search options given (OPTIONS' keys)
    seen: list[str] = field(default_factory=list)  # keys (<gazette id>#<position>) already reported

    def __post_init__(self) -> None:
        unknown = set(self.options) - set(OPTIONS)
        if unknown:
            raise TypeError(f"not a search option: {', '.join(sorted(unknown))}")
        self.options = {k: v for k, v in self.options.items() if v}  # what was given, no defaults

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SavedSearch:
        return _from_dict(cls, data)

    def search_options(self) -> dict[str, Any]:
        return dict(self.options)

    def command_line(self) -> str:
        """The `gazette search` command this saved search runs."""
        import shlex

        parts = ["gazette", "search"] + ([self.query] if self.query else [])
        for key, flag in OPTIONS.items():
            value = self.options.get(key)
            if value is True:
                parts.append(flag)
            elif value:
                parts += [flag, value]
        return shlex.join(parts)


@dataclass
class NewMatches:
    """The documents a saved search finds now that it had not reported before."""

    name: str
    command: str
    hits: list  # search.Hit

    def to_dict(self) -> dict:
        return {"name": self.name, "command": self.command, "hits": [h.to_dict() for h in self.hits]}


def load(home: Home) -> dict[str, SavedSearch]:
    path = home.root / WATCHES_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {k: SavedSearch.from_dict(v) for k, v in data.get("watches", {}).items()}
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise GazetteError(f"cannot read {path}: {exc}",
                           hint="fix or delete the file; it holds only saved searches") from None


def save(home: Home, watches: dict[str, SavedSearch]) -> None:
    data = {"watches": {k: w.to_dict() for k, w in sorted(watches.items())}}
    atomic_write_text(home.root / WATCHES_FILE, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def check_name(name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise GazetteError(f"{name!r} cannot name a saved search",
                           hint="use letters, digits, Chinese characters, '.', '_' or '-' (at most 64)")
    return name


def get(watches: dict[str, SavedSearch], name: str) -> SavedSearch:
    if name not in watches:
        raise NotFoundError(f"no saved search {name!r}", hint="`gazette watch list` shows them")
    return watches[name]


def hit_key(hit) -> str:
    return f"{hit.gazette}#{hit.position - 1}"
