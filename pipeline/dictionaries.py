"""The word lists an index keeps beside it (index/userdict.txt, index/query_dict.txt).

- userdict.txt: domain words the parser knows as units (issuers, quoted terms, places in
  address columns, recurring terms jieba would cut apart); the index-time tokenizer adds them
  to jieba's dictionary.
- query_dict.txt: the index's own vocabulary with frequencies, which the query-time tokenizer
  loads in milliseconds instead of jieba's whole dictionary. It is an append log: each commit
  appends the counts of the words it indexed (`word count` lines; a word's lines add up), so a
  commit costs what it adds, not the whole vocabulary. When the log has grown past
  COMPACT_GROWTH times its size after the last compaction it is summed into one line a word.
  Counts of removed documents are not taken back (they only weigh how a query is cut into
  words); `gazette reindex` writes the dictionary afresh."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

from .model import Gazette, atomic_write_text
from .normalize import CJK, FUNCTION_CHARS, nfkc
from .tokenizer import IndexWords, cut_words, fold, read_words, sum_word_lines, words_of

COMPACT_GROWTH = 2.0  # the query log is summed when it is this many times its compacted size
COMPACT_MIN_BYTES = 1 << 20  # ... and at least this big: small logs are cheap to read as they are
_COMPACTED_NOTE = ".query_dict.compacted"  # the log's size in bytes right after the last compaction

_QUOTED_RE = re.compile(rf"[“\"《]([{CJK}]{{2,8}})[”\"》]")
_ADDRESS_HEADER_RE = re.compile(r"地址|地点|住所|所在地|位置|地区")
_PLACE_RE = re.compile(rf"([{CJK}]{{2,6}}?(?:镇|乡|村|街道|社区|县|区|市))")


def domain_words(g: Gazette) -> Counter:
    """Words the parser knows as units: issuers, addressees, quoted terms, short table cells."""
    words: Counter = Counter()
    for doc in g.documents:
        for name in doc.issuers:
            words[fold(nfkc(name))] += 5
        for part in re.split(r"[，,、；;]", doc.addressees or ""):
            if 2 <= len(part) <= 12:
                words[fold(part.strip())] += 2
        for m in _QUOTED_RE.finditer(doc.body):
            words[fold(m.group(1))] += 3
        for t in doc.tables:
            cols = [k for k, h in enumerate(t.header) if _ADDRESS_HEADER_RE.search(h)]
            for row in t.rows:
                for k in cols:
                    if k < len(row):
                        words.update(fold(p) for p in _PLACE_RE.findall(row[k]))
        for p in doc.personnel:
            words[fold(p.name)] += 5
    return words


_CJK_RUNS_RE = re.compile(f"[{CJK}]{{2,}}")  # the runs term discovery counts in (pairs from 2, grams from 3)
_CJK_CHAR_RE = re.compile(f"[{CJK}]")  # a context character inside the run (else the run's edge)
TERM_MIN_COUNT = 4  # a discovered term occurs at least this often in an issue
TERM_MIN_CONTEXTS = 3  # ... after and before at least this many different characters
TERM_FRAGMENT_SHARE = 0.8  # ... no one neighbour on a side takes this share (else it is a piece of a longer term)
TERM_COHESION = 0.6  # ... and its rarest piece occurs inside it at least this share of the time
_TERM_STOP = FUNCTION_CHARS | set("要各有到不也就都而个这那该此")


def discover_terms(texts: list[str], segment, min_count: int = TERM_MIN_COUNT) -> list[str]:
    """Recurring 3–4 character terms that jieba would cut apart (消费券, 妇儿工委): frequent, seen
    in varied contexts on both sides, not a fragment of a longer term, and whose pieces occur
    mostly inside the term (cohesion). The cheap tests go first; the contexts, found in the text,
    only for the grams still in question."""
    runs = [m.group() for t in texts for m in _CJK_RUNS_RE.finditer(t)]
    grams: Counter = Counter(r[i:i + n] for r in runs if len(r) >= 3 for n in (3, 4) for i in range(len(r) - n + 1))
    text = "\n".join(texts)
    occurrences = _Occurrences(text, runs, grams)
    terms = []
    for g in sorted(g for g, c in grams.items() if c >= min_count and not set(g) & _TERM_STOP):
        c = grams[g]
        parts = segment(g)
        if len(parts) < 2:
            continue  # already one word
        if c / min(occurrences.count(p) for p in parts) < TERM_COHESION:
            continue  # its pieces are mostly used apart from it
        left, right = _contexts(text, g)
        if len(left) < TERM_MIN_CONTEXTS or len(right) < TERM_MIN_CONTEXTS:
            continue
        if max(left.values()) >= TERM_FRAGMENT_SHARE * c or max(right.values()) >= TERM_FRAGMENT_SHARE * c:
            continue  # nearly always inside something longer
        terms.append(g)
    return terms


class _Occurrences:
    """str.count of a CJK string in the text, from counts made once: characters, the 2- and
    3-grams of the CJK runs (a string that can overlap itself, 啊啊, is counted by str.count,
    which does not count overlaps)."""

    def __init__(self, text: str, runs: list[str], grams: Counter):
        self.text, self.grams = text, grams
        self.chars = Counter(text)
        self.pairs = Counter(r[i:i + 2] for r in runs for i in range(len(r) - 1))

    def count(self, s: str) -> int:
        if len(s) == 1:
            return self.chars[s]
        if any(s[:k] == s[-k:] for k in range(1, len(s))) or len(s) > 3:
            return self.text.count(s)
        return (self.pairs if len(s) == 2 else self.grams)[s]


def _contexts(text: str, gram: str) -> tuple[Counter, Counter]:
    """The characters before and after each occurrence of a CJK gram in text, overlapping ones
    included; ^ and $ where its run of CJK characters starts or ends."""
    left: Counter = Counter()
    right: Counter = Counter()
    n = len(gram)
    i = text.find(gram)
    while i >= 0:
        before, after = text[i - 1:i], text[i + n:i + n + 1]
        left[before if before and _CJK_CHAR_RE.match(before) else "^"] += 1
        right[after if after and _CJK_CHAR_RE.match(after) else "$"] += 1
        i = text.find(gram, i + 1)
    return left, right


def update_domain_dictionary(index_dir: Path, gazettes: list[Gazette]) -> None:
    """Merge these gazettes' domain words into index/userdict.txt (jieba's user dict format)."""
    path = index_dir / IndexWords.USER_DICT
    words: Counter = Counter(read_words(path))
    tk = words_of(index_dir).index_tokenizer()
    for g in gazettes:
        for w, n in domain_words(g).items():
            words[w] = max(words[w], 1000 + n)
        for term in discover_terms([fold(d.body) for d in g.documents], lambda w: cut_words(tk, w, hmm=False)):
            words[term] = max(words[term], 1000)
    _write_lines(path, [f"{w} {n}" for w, n in sorted(words.items()) if w and " " not in w])


def add_query_words(index_dir: Path, counts: Counter, fresh: bool = False) -> None:
    """Append these word counts to index/query_dict.txt (fresh: replace it with them)."""
    path = index_dir / IndexWords.QUERY_DICT
    note = index_dir / _COMPACTED_NOTE
    lines = [f"{w} {n}" for w, n in sorted(counts.items()) if n > 0 and w.strip() and " " not in w]
    if fresh or not path.exists():
        _write_lines(path, lines)
        atomic_write_text(note, str(path.stat().st_size))
        return
    if lines:
        with open(path, "ab+") as fh:
            if fh.tell() > 0:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":  # a torn line from a killed writer: ended, then skipped
                    fh.write(b"\n")
            fh.write(("\n".join(lines) + "\n").encode("utf-8"))
    try:
        compacted = int(note.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        compacted = 0
    size = path.stat().st_size
    if size >= COMPACT_MIN_BYTES and size > COMPACT_GROWTH * compacted:
        summed = sum_word_lines(path.read_text(encoding="utf-8").splitlines())
        _write_lines(path, [f"{w} {n}" for w, n in sorted(summed.items())])
        atomic_write_text(note, str(path.stat().st_size))


def _write_lines(path: Path, lines: list[str]) -> None:
    atomic_write_text(path, "\n".join(lines) + "\n")

