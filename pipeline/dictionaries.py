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
from .tokenizer import IndexWords, fold, read_words, sum_word_lines, words_of

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


_TERM_STOP = FUNCTION_CHARS | set("要各有到不也就都而个这那该此")


def discover_terms(texts: list[str], segment, min_count: int = 4) -> list[str]:
    """Recurring 3–4 character terms that jieba would cut apart (消费券, 妇儿工委): frequent, seen
    in varied contexts on both sides, not a fragment of a longer term, and whose pieces occur
    mostly inside the term (cohesion)."""
    runs = [m.group() for t in texts for m in re.finditer(f"[{CJK}]{{3,}}", t)]
    grams: Counter = Counter(r[i:i + n] for r in runs for n in (3, 4) for i in range(len(r) - n + 1))
    frequent = {g for g, c in grams.items() if c >= min_count and not set(g) & _TERM_STOP}
    left: dict[str, Counter] = {g: Counter() for g in frequent}
    right: dict[str, Counter] = {g: Counter() for g in frequent}
    for r in runs:
        for n in (3, 4):
            for i in range(len(r) - n + 1):
                g = r[i:i + n]
                if g in frequent:
                    left[g][r[i - 1] if i else "^"] += 1
                    right[g][r[i + n] if i + n < len(r) else "$"] += 1
    text = "\n".join(texts)
    counts: dict[str, int] = {}
    terms = []
    for g in sorted(frequent):
        c = grams[g]
        if len(left[g]) < 3 or len(right[g]) < 3:
            continue
        if left[g].most_common(1)[0][1] >= 0.8 * c or right[g].most_common(1)[0][1] >= 0.8 * c:
            continue  # nearly always inside something longer
        parts = segment(g)
        if len(parts) < 2:
            continue  # already one word
        for p in parts:
            if p not in counts:
                counts[p] = text.count(p)
        if c / min(counts[p] for p in parts) >= 0.6:
            terms.append(g)
    return terms


def update_domain_dictionary(index_dir: Path, gazettes: list[Gazette]) -> None:
    """Merge these gazettes' domain words into index/userdict.txt (jieba's user dict format)."""
    path = index_dir / IndexWords.USER_DICT
    words: Counter = Counter(read_words(path))
    tk = words_of(index_dir).index_tokenizer()
    for g in gazettes:
        for w, n in domain_words(g).items():
            words[w] = max(words[w], 1000 + n)
        for term in discover_terms([fold(d.body) for d in g.documents], lambda w: tk.lcut(w, HMM=False)):
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

