"""Chinese tokenization for the index: jieba with sequential token positions.

Matching is normalized (NFKC widths, traditional -> simplified, lower case) with a
length-preserving character map, so token offsets point into the stored text as printed.
At index time the full jieba dictionary (plus the project's domain words) is used and each
word's search-mode sub-words are added at the word's position (and its single characters); at query time only coarse words
are produced, from a small dictionary made of the index's own vocabulary, which loads in
milliseconds instead of jieba's ~0.7 s."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from whoosh.analysis import Token, Tokenizer
from whoosh.analysis.filters import LowercaseFilter, StopFilter

log = logging.getLogger(__name__)

_lock = threading.Lock()
_tokenizers: dict[str, object] = {}
_WORD_RE = re.compile(r"\w", re.UNICODE)
STOP_WORDS = frozenset("的 了 和 与 及 或 在 是 为 对 等 将 把 被 之 其 以 于 并 由 从 向 按".split())


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    out = unicodedata.normalize("NFKC", ch)
    if len(out) != 1:
        return ch
    if ord(out) > 0x2E80:
        simp = _t2s().convert(out)
        if len(simp) == 1:
            out = simp
    return out.lower()


class _FoldTable(dict):
    """str.translate table filled on first sight of each character."""

    def __missing__(self, code: int) -> str:
        self[code] = out = _fold_char(chr(code))
        return out


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Normalize for matching, keeping the length (offsets stay valid)."""
    return text.translate(_FOLD_TABLE)


def _mtime(path: str | None) -> float:
    try:
        return Path(path).stat().st_mtime if path else 0.0
    except OSError:
        return 0.0


def get_jieba(dictionary: str | None = None, user_dict: str | None = None, cache_dir: str | None = None):
    """A jieba tokenizer: the full default one (dictionary None) or one built on a small word list.
    Its prefix dictionary is cached (marshal) in cache_dir, next to the index, not in /tmp. A word
    list or user dictionary rewritten since it was loaded (a new ingest) is loaded again."""
    key = f"{dictionary}|{_mtime(dictionary)}|{user_dict}"
    with _lock:
        tk = _tokenizers.get(key)
        if tk is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tk = jieba.Tokenizer(dictionary) if dictionary else jieba.Tokenizer()
            if cache_dir:
                name = "query_dict" if dictionary else "jieba"
                tk.cache_file = str(Path(cache_dir) / f".{name}.cache")
            tk.initialize()
            tk.user_dict_mtime = 0.0
            _tokenizers[key] = tk
        if user_dict and _mtime(user_dict) != tk.user_dict_mtime:
            tk.load_userdict(user_dict)  # adds words; those already there stay
            tk.user_dict_mtime = _mtime(user_dict)
        return tk


class JiebaTokenizer(Tokenizer):
    """whoosh Tokenizer over jieba. Positions count coarse words 0, 1, 2…; sub-words share
    their parent's position, so phrase queries work."""

    def __init__(self, index_dir: str | None = None):
        self.index_dir = index_dir

    def __eq__(self, other):
        return isinstance(other, JiebaTokenizer) and other.index_dir == self.index_dir

    def _user_dict(self) -> str | None:
        return str(Path(self.index_dir) / "userdict.txt") if self.index_dir else None

    def _query_dict(self) -> str | None:
        if not self.index_dir:
            return None
        path = Path(self.index_dir) / "query_dict.txt"
        return str(path) if path.exists() else None

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        text = fold(value)
        query_time = mode == "query"
        if query_time and self._query_dict():
            tk = get_jieba(self._query_dict(), cache_dir=self.index_dir)
        else:
            tk = get_jieba(None, self._user_dict(), cache_dir=self.index_dir)
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for word, start, end in tk.tokenize(text, HMM=not query_time):
            if not _WORD_RE.search(word):
                continue
            subs = []
            if not query_time and len(word) > 1:
                # single characters and dictionary sub-words at the word's position: a query
                # segmented differently from the indexed text still lines up
                subs = [(ch, start + i, start + i + 1) for i, ch in enumerate(word) if ord(ch) > 0x2E80]
                for n in (2, 3):
                    for i in range(len(word) - n + 1):
                        gram = word[i:i + n]
                        if gram != word and tk.FREQ.get(gram):
                            subs.append((gram, start + i, start + i + n))
            for w, s, e in [(word.strip(), start, end)] + subs:
                t.text = w
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = value[s:e]
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = start_char + s
                    t.endchar = start_char + e
                yield t
            pos += 1


def ChineseAnalyzer(index_dir: str | None = None):  # noqa: N802 - reads like whoosh's own analyzers
    return JiebaTokenizer(index_dir) | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1, renumber=False)


def coarse_words(text: str, index_dir: str | None = None) -> list[str]:
    """The query-time words of a text (for tests and highlighting)."""
    return [t.text for t in ChineseAnalyzer(index_dir)(text, mode="query")]


class CharTokenizer(Tokenizer):
    """Every letter/digit/CJK character its own token at sequential positions: a phrase of
    characters matches any substring, whatever jieba made of the words around it."""

    def __eq__(self, other):
        return isinstance(other, CharTokenizer)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for i, ch in enumerate(fold(value)):
            if not ch.isalnum():
                continue
            t.text = ch
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[i]
            if positions:
                t.pos = pos
            if chars:
                t.startchar = start_char + i
                t.endchar = start_char + i + 1
            yield t
            pos += 1


def CharAnalyzer():  # noqa: N802
    return CharTokenizer()
