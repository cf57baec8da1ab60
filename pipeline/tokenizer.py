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
import sys
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from whoosh.analysis import Token, Tokenizer
from whoosh.analysis.filters import StopFilter

from .normalize import FUNCTION_CHARS

log = logging.getLogger(__name__)

_WORD_RE = re.compile(r"\w", re.UNICODE)
STOP_WORDS = FUNCTION_CHARS


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


def fold_changes(*texts: str) -> str:
    """The distinct characters of the texts that fold() changes (full-width punctuation, capitals,
    traditional forms…): stored with each indexed document, so a hit's text is folded by a few
    str.replace calls (fold_known) instead of a table lookup per character."""
    seen: set[str] = set()
    for text in texts:
        seen.update(text)
    return "".join(sorted(c for c in seen if _FOLD_TABLE[ord(c)] != c))


def fold_known(text: str, changes: str | None) -> str:
    """fold(text), given fold_changes() of a text holding it (None: not known, fold it all). A
    character missing from changes is left as it is."""
    if changes is None:
        return fold(text)
    outputs = {ch for c in changes for ch in _FOLD_TABLE[ord(c)]}
    if outputs.intersection(changes):  # one replace would undo another: fold character by character
        return fold(text)
    for c in changes:
        text = text.replace(c, _FOLD_TABLE[ord(c)])
    return text


# -- jieba: one shared base dictionary, one word set per index ---------------------------------

def import_jieba():
    """jieba, imported without pkg_resources, which it uses only to find its own files and which
    costs about 0.14 s of every cold query: when pkg_resources cannot be imported jieba reads the
    same files by path (its own fallback, taken wherever setuptools is not installed)."""
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    hidden = "pkg_resources" not in sys.modules
    if hidden:
        sys.modules["pkg_resources"] = None  # `import pkg_resources` raises ImportError
    try:
        import jieba
    finally:
        if hidden and sys.modules.get("pkg_resources", 0) is None:
            del sys.modules["pkg_resources"]
    return jieba


_lock = threading.Lock()
_base = None  # jieba's full dictionary, loaded once per process and never changed


def base_jieba(cache_dir: str | None = None):
    """jieba's full dictionary, shared by every index of the process. Its prefix dictionary is
    cached (marshal) in cache_dir (an index folder) when one is given, not in /tmp."""
    global _base
    with _lock:
        if _base is None:
            jieba = import_jieba()
            jieba.setLogLevel(logging.WARNING)
            tk = jieba.Tokenizer()
            if cache_dir:
                tk.cache_file = str(Path(cache_dir) / ".jieba.cache")
            tk.initialize()
            _base = tk
        return _base


_ASCII_RE = re.compile(r"[\x00-\x7f]")  # a jieba block with one: a word in it may be a run without Han
_SKIP_RE = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")  # how jieba (finalseg) splits a run without CJK

FAST_SEGMENTER = True  # index with jieba-rs (rjieba) when it imports; False: jieba's own Python code


class FastJieba:
    """jieba-rs (the rjieba wheel) behind the part of jieba.Tokenizer the indexer uses (tokenize,
    lcut, FREQ.get): the same dictionary and algorithm, about 10x faster, with jieba's own
    segmentation kept: the text is cut into blocks by jieba's own pattern first (jieba-rs counts
    more characters as Chinese), and a run without CJK characters that is not a dictionary word is
    split as jieba splits it (jieba-rs keeps 0353-5698986 and 359.7mm whole)."""

    def __init__(self):
        import rjieba

        self.rs = rjieba.Jieba()
        self.FREQ = self  # FREQ.get(word): truthy for a dictionary word, as jieba's FREQ
        # jieba-rs segments without the GIL and refuses a word added meanwhile ("already
        # borrowed"): a search thread may segment while an ingest thread adds domain words
        self._lock = threading.Lock()
        jieba = import_jieba()
        self._han, self._skip = jieba.re_han_default, jieba.re_skip_default

    def get(self, word: str, default=None):
        with self._lock:
            return 1 if self.rs.has_word(word) else default

    def set_word(self, word: str, freq: int) -> None:
        with self._lock:
            self.rs.add_word(word, freq, None)  # replaces the word's frequency; the total follows

    def tokenize(self, text: str, HMM: bool = True) -> Iterator[tuple[str, int, int]]:  # noqa: N803 - jieba's name
        han, lock = self._han, self._lock
        at = 0
        for block in han.split(text):  # as jieba.Tokenizer.cut does
            if not block:
                continue
            if han.match(block):
                with lock:
                    words = self.rs.tokenize(block, "default", HMM)
                for word, start, end in words:
                    parts = self._jieba_parts(word)
                    if parts is None:
                        yield word, at + start, at + end
                    else:
                        i = at + start
                        for part in parts:
                            yield part, i, i + len(part)
                            i += len(part)
            else:
                i = at
                for word in self._other_words(block):
                    yield word, i, i + len(word)
                    i += len(word)
            at += len(block)

    def lcut(self, text: str, HMM: bool = True) -> list[str]:  # noqa: N803
        return [w for w, _, _ in self.tokenize(text, HMM)]

    def words(self, text: str, HMM: bool = True) -> list[str]:  # noqa: N803
        """The words of tokenize(text), without their offsets: a block of Han characters alone
        is cut by jieba-rs in one call, with no Python per word."""
        han, lock = self._han, self._lock
        out: list[str] = []
        for block in han.split(text):
            if not block:
                continue
            if not han.match(block):
                out += self._other_words(block)
                continue
            with lock:
                cut = self.rs.cut(block, HMM)
            if not _ASCII_RE.search(block):
                out += cut
                continue
            for word in cut:
                parts = self._jieba_parts(word)
                if parts is None:
                    out.append(word)
                else:
                    out += parts
        return out

    def _jieba_parts(self, word: str) -> list[str] | None:
        """How jieba splits a word jieba-rs keeps whole: one of several characters without Han
        (in a block of jieba's pattern, Han or ASCII: so ASCII alone) that is not a dictionary
        word is cut as jieba's finalseg cuts it; None for a word jieba keeps too."""
        if len(word) > 1 and word.isascii() and not self.get(word):
            return [part for part in _SKIP_RE.split(word) if part]
        return None

    def _other_words(self, block: str) -> list[str]:
        """The words of a block outside jieba's Han pattern, as jieba.cut gives them: a run of
        letters and digits whole, anything else a character a word."""
        skip = self._skip
        out: list[str] = []
        for piece in skip.split(block):
            if piece:
                if skip.match(piece):
                    out.append(piece)
                else:
                    out += piece
        return out


def _fast_segmenter() -> FastJieba | None:
    if fast_segmenter_installed():
        return FastJieba()
    if FAST_SEGMENTER:
        log.info("rjieba is not installed: indexing with jieba's Python code (slower, same words)")
    return None


def import_segmenter() -> None:
    """Import the index-time segmenter's modules now (before worker processes are forked;
    importing rjieba loads its own default dictionary, about 0.1 s)."""
    import_jieba()
    fast_segmenter_installed()


def fast_segmenter_installed() -> bool:
    """Whether the index is segmented by jieba-rs (installed, and not switched off)."""
    if not FAST_SEGMENTER:
        return False
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return False
    return True


def _set_word(tk, word: str, freq: int) -> None:
    """The word's frequency becomes freq; jieba's total stays the sum of the frequencies (as
    jieba-rs keeps it), so both segment alike."""
    if isinstance(tk, FastJieba):
        tk.set_word(word, freq)
    else:
        tk.total -= tk.FREQ.get(word, 0)
        tk.add_word(word, freq)
    tk.__dict__.pop("_gazette_sub_words", None)  # which grams are words may have changed


def read_words(path: Path) -> dict[str, int]:
    """A jieba word list (word frequency per line)."""
    words: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return words
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            words[parts[0]] = int(parts[1])
    return words


def sum_word_lines(lines) -> dict[str, int]:
    """`word count` lines added up by word (an append log of counts); other lines skipped."""
    words: dict[str, int] = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            words[parts[0]] = words.get(parts[0], 0) + int(parts[1])
    return words


class _SummedDictTokenizer:
    """Made on first use (jieba imported lazily): a jieba.Tokenizer whose dictionary file is an
    append log of counts, summed by word before jieba reads it."""

    cls = None

    @classmethod
    def make(cls, path: Path):
        if cls.cls is None:
            import io

            jieba = import_jieba()

            class Summed(jieba.Tokenizer):
                def get_dict_file(self):
                    with open(self.dictionary, encoding="utf-8") as fh:
                        summed = sum_word_lines(fh)
                    return io.BytesIO("".join(f"{w} {n}\n" for w, n in summed.items()).encode("utf-8"))

            cls.cls = Summed
        return cls.cls(str(path))


_counting: ContextVar[dict | None] = ContextVar("gazette_counting", default=None)


@contextmanager
def counting_words():
    """Inside the block, every word the index-time tokenizer emits is counted into the dict
    yielded (the query dictionary's counts, gathered while indexing instead of read back from
    the index)."""
    from collections import Counter

    counts: Counter = Counter()
    token = _counting.set(counts)
    try:
        yield counts
    finally:
        _counting.reset(token)


def _stamp(path: Path) -> tuple[float, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class IndexWords:
    """The tokenizers of one index folder, built from that folder's own word lists:
    - index time: the shared base dictionary plus the index's domain words (userdict.txt),
    - query time: only the index's own vocabulary (query_dict.txt), which loads in milliseconds.
    Each is rebuilt when its file changes, so a removed word goes too; nothing accumulates."""

    USER_DICT = "userdict.txt"
    QUERY_DICT = "query_dict.txt"

    def __init__(self, index_dir: str | Path):
        self.dir = Path(index_dir)
        self._index_tk = None
        self._index_stamp: tuple | None = ("unset",)
        self._index_words: dict[str, int] = {}
        self._query_tk = None
        self._query_stamp: tuple | None = ("unset",)
        self._lock = threading.Lock()

    def index_tokenizer(self):
        """jieba (jieba-rs when installed) with the full dictionary and this index's domain words."""
        path = self.dir / self.USER_DICT
        stamp = _stamp(path)
        with self._lock:
            if self._index_tk is None or stamp != self._index_stamp:
                words = read_words(path) if stamp else {}
                kept = self._index_tk is not None and all(w in words for w in self._index_words)
                if not kept:  # words removed: start again from the base dictionary
                    tk = _fast_segmenter()
                    if tk is None:
                        base = base_jieba(str(self.dir) if self.dir.exists() else None)
                        tk = import_jieba().Tokenizer()
                        tk.FREQ, tk.total, tk.initialized = dict(base.FREQ), base.total, True
                    self._index_tk, self._index_words = tk, {}
                for w, n in words.items():
                    if self._index_words.get(w) != n:
                        _set_word(self._index_tk, w, n)
                self._index_words, self._index_stamp = words, stamp
            return self._index_tk

    def query_tokenizer(self):
        """jieba over this index's own vocabulary, or None before anything is indexed."""
        path = self.dir / self.QUERY_DICT
        stamp = _stamp(path)
        with self._lock:
            if stamp != self._query_stamp:
                self._query_tk = None
                if stamp:
                    jieba = import_jieba()
                    jieba.setLogLevel(logging.WARNING)
                    tk = _SummedDictTokenizer.make(path)
                    # the cache is named after the version of the word list it was made from: a
                    # search that read an older list can never leave a cache that looks newer
                    name = f".query_dict.{stamp[0]}-{stamp[1]}.cache"
                    tk.cache_file = str(self.dir / name)
                    tk.initialize()
                    for old in self.dir.glob(".query_dict*.cache"):
                        if old.name != name:
                            old.unlink(missing_ok=True)
                    # an index of nothing has an empty list: jieba cannot weigh words by a total of 0
                    self._query_tk = tk if tk.total else None
                self._query_stamp = stamp
            return self._query_tk


_open: dict[Path, IndexWords] = {}
_current: ContextVar[IndexWords | None] = ContextVar("gazette_index_words", default=None)


def words_of(index_dir: str | Path) -> IndexWords:
    """The IndexWords of a folder: one per index folder and process."""
    key = Path(index_dir).resolve()
    with _lock:
        if key not in _open:
            _open[key] = IndexWords(key)
        return _open[key]


@contextmanager
def using_index(index_dir: str | Path):
    """Tokenize with this index's words inside the block (the schema stored in the index holds
    no path, so a home can be moved or copied)."""
    token = _current.set(words_of(index_dir))
    try:
        yield
    finally:
        _current.reset(token)


class JiebaTokenizer(Tokenizer):
    """whoosh Tokenizer over jieba. Positions count coarse words 0, 1, 2…; sub-words share
    their parent's position, so phrase queries work. It uses the words of the index given, else
    of the index named by `using_index`, else jieba's base dictionary alone."""

    def __init__(self, index_dir: str | Path | None = None):
        self.words = words_of(index_dir) if index_dir else None

    def __getstate__(self):  # the schema is pickled into the index: no path in it
        return {}

    def __setstate__(self, state):  # older indexes stored index_dir: ignored
        self.words = None

    def __eq__(self, other):
        return isinstance(other, JiebaTokenizer)

    def _jieba(self, query_time: bool):
        words = self.words or _current.get()
        if words is None:
            return base_jieba()
        if query_time:
            tk = words.query_tokenizer()
            if tk is not None:
                return tk
        return words.index_tokenizer()

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        query_time = mode == "query"
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for w, pos, s, e in word_tokens(self._jieba(query_time), fold(value), query_time, keep_stops=True):
            t.text = w
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[s:e]
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + s
                t.endchar = start_char + e
            yield t


SUB_WORD_CACHE = 200_000  # words whose sub-words a segmenter remembers (a vocabulary's worth; then it starts again)
_NOT_A_WORD = ((), ())  # a cache entry: punctuation, spaces: no word, no position


def _word_entries(tk, keep_stops: bool) -> dict:
    """The segmenter's remembered _word_entry results (made on first use)."""
    caches = tk.__dict__.get("_gazette_sub_words")
    if caches is None:
        caches = tk.__dict__["_gazette_sub_words"] = ({}, {})
    return caches[keep_stops]


def _word_entry(tk, word: str, keep_stops: bool) -> tuple[tuple[str, ...], tuple[tuple[str, int, int], ...]]:
    """What a segmented word puts at its position: (the words indexed there: itself unless a stop
    word, then its sub-words; each sub-word's (text, offset, length)); _NOT_A_WORD for a word
    with no letter, digit or CJK character (it takes no position). Sub-words are its CJK
    characters, then its dictionary 2- and 3-grams. Remembered per segmenter (words recur;
    _set_word forgets them when the dictionary changes; a text being tokenized meanwhile in
    another thread finishes with what it looked up before)."""
    cache = _word_entries(tk, keep_stops)
    entry = cache.get(word)
    if entry is None:
        if not _WORD_RE.search(word):
            entry = _NOT_A_WORD
        else:
            stops = () if keep_stops else STOP_WORDS
            subs = []
            if len(word) > 1:
                subs = [(ch, i, 1) for i, ch in enumerate(word) if ord(ch) > 0x2E80 and ch not in stops]
                freq = tk.FREQ
                for n in (2, 3):
                    for i in range(len(word) - n + 1):
                        gram = word[i:i + n]
                        if gram != word and gram not in stops and freq.get(gram):
                            subs.append((gram, i, n))
            w = word.strip()
            entry = (((w,) if w not in stops else ()) + tuple(sub for sub, _, _ in subs), tuple(subs))
        if len(cache) >= SUB_WORD_CACHE:
            cache.clear()
        cache[word] = entry
    return entry


def word_tokens(tk, text: str, query_time: bool = False, keep_stops: bool = False) -> list[tuple[str, int, int, int]]:
    """(word, position, start, end) of a folded text: jieba's words at positions 0, 1, 2…; at
    index time each word's CJK characters and dictionary sub-words too, at the word's position (a
    query segmented differently from the indexed text still lines up). Stop words are left out
    (their positions stay taken) unless keep_stops; at index time the words are counted into
    counting_words()."""
    out: list[tuple[str, int, int, int]] = []
    add = out.append
    stops = () if keep_stops else STOP_WORDS
    pos = 0
    if query_time:
        for word, start, end in tk.tokenize(text, HMM=False):
            if not _WORD_RE.search(word):
                continue
            w = word.strip()
            if w not in stops:
                add((w, pos, start, end))
            pos += 1
        return out
    entries = _word_entries(tk, keep_stops)
    for word, start, end in tk.tokenize(text, HMM=True):
        entry = entries.get(word) or _word_entry(tk, word, keep_stops)
        if entry is _NOT_A_WORD:
            continue
        words, subs = entry
        if len(words) > len(subs):  # the word itself (not a stop word)
            add((words[0], pos, start, end))
        for sub, i, n in subs:
            add((sub, pos, start + i, start + i + n))
        pos += 1
    counts = _counting.get()
    if counts is not None:
        counts.update(w for w, _, _, _ in out if w not in STOP_WORDS)
    return out


def index_word_tokens(text: str) -> list[tuple[str, int, int, int]]:
    """word_tokens of a text as it is indexed, with the words of the index named by using_index."""
    words = _current.get()
    tk = words.index_tokenizer() if words is not None else base_jieba()
    return word_tokens(tk, fold(text))


def cut_words(tk, text: str, hmm: bool = True) -> list[str]:
    """The words of tk.tokenize(text), without their offsets (in one call on jieba-rs)."""
    return tk.words(text, hmm) if isinstance(tk, FastJieba) else [w for w, _, _ in tk.tokenize(text, HMM=hmm)]


def index_word_positions(text: str) -> dict[str, list[int]]:
    """The positions of each word of index_word_tokens(text) (what a positional index keeps),
    gathered without a tuple per token; counted into counting_words() as word_tokens counts."""
    words = _current.get()
    tk = words.index_tokenizer() if words is not None else base_jieba()
    positions: dict[str, list[int]] = {}
    get = positions.get
    entries = _word_entries(tk, False)
    pos = 0
    for word in cut_words(tk, fold(text)):
        entry = entries.get(word) or _word_entry(tk, word, False)
        if entry is _NOT_A_WORD:
            continue
        for w in entry[0]:
            p = get(w)
            if p is None:
                positions[w] = [pos]
            else:
                p.append(pos)
        pos += 1
    counts = _counting.get()
    if counts is not None:
        counts.update({w: len(p) for w, p in positions.items() if w not in STOP_WORDS})
    return positions


def ChineseAnalyzer(index_dir: str | None = None):  # noqa: N802 - reads like whoosh's own analyzers
    # no LowercaseFilter: fold() has lowered the text already
    return JiebaTokenizer(index_dir) | StopFilter(stoplist=STOP_WORDS, minsize=1, renumber=False)


def coarse_words(text: str, index_dir: str | None = None) -> list[str]:
    """The query-time words of a text (for tests and highlighting)."""
    return [t.text for t in ChineseAnalyzer(index_dir)(text, mode="query")]


def indexed_chars(text: str) -> Iterator[tuple[int, str]]:
    """(offset, character) of each letter, digit or CJK character of the folded text: what the
    `chars` field holds, one token each at positions 0, 1, 2… in every engine."""
    for i, ch in enumerate(fold(text)):
        if ch.isalnum():
            yield i, ch


class CharTokenizer(Tokenizer):
    """Every letter/digit/CJK character its own token at sequential positions: a phrase of
    characters matches any substring, whatever jieba made of the words around it."""

    def __eq__(self, other):
        return isinstance(other, CharTokenizer)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for i, ch in indexed_chars(value):
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
