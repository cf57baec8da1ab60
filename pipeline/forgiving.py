"""Search that forgives: what to ask the index when a query is typed the way people type.

- A 文号 in any typed form (no brackets, 年 around the year, the year or 号 missing) goes to the
  number field; without a year every year matches, latest first.
- When the strict query (AND of every word) finds nothing: a title-like query (ending with a 文种,
  or with 关于 in it) is matched against titles by shared characters, so a half-remembered title
  with a word wrong still comes first; otherwise the words are OR-ed, question and function words
  dropped, a share of them required, title matches counted higher.

search.py runs these only after the strict query came back empty (and never with --strict), so
exact queries rank exactly as before; a result reached this way is marked relaxed."""

from __future__ import annotations

import math
import re

from .normalize import CJK, LooseDocNumber, parse_loose_doc_number  # noqa: F401 - re-exported

# words of a question or a request, not of the documents asked for
QUESTION_WORDS = frozenset(
    "哪些 什么 如何 怎么 怎样 是否 有没有 有哪些 哪个 哪里 多少 为什么 请问 查询 查找 一下 相关 关于 吗 呢 啊 "
    "的 了 和 与 及 或 被 所 有 是 都 在 对 了吗 情况 问题 文件 规定 内容".split())
RELAXED_SHARE = 0.6  # a relaxed query needs this share of its words to match
TITLE_SHARE = 0.5  # title recall: candidates share this share of the query's characters
TITLE_MIN_SIMILARITY = 0.5  # ... and a title this similar (character pairs) is offered
TITLE_CANDIDATES = 50


def number_query(reader, loose: LooseDocNumber):
    """The documents numbered so (latest year first when the year is missing), then those citing
    it; None when the index has no such number."""
    from whoosh.query import Or, Term

    exact = loose.exact()
    if exact:
        numbers = [exact] if reader.doc_frequency("number", exact) else []
    else:
        pattern = re.compile(rf"^{re.escape(loose.agency_code)}〔(\d{{4}})〕{loose.serial}号$")
        found = []
        for text in reader.lexicon("number"):
            m = pattern.match(text)
            if m:
                found.append((int(m.group(1)), text))
        numbers = [text for _, text in sorted(found, reverse=True)]
    if not numbers:
        return None
    parts = []
    for rank, number in enumerate(numbers):  # the latest year the highest
        parts += [Term("number", number, boost=100.0 * (len(numbers) - rank)), Term("citations", number)]
    return Or(parts)


def relaxed_query(words: list[str]):
    """The words OR-ed with a minimum share that must match; title matches count more."""
    from whoosh.query import Or, Term

    # single characters match nearly everything: only words of two characters or more count
    kept = [w for w in dict.fromkeys(words) if len(w) >= 2 and w not in QUESTION_WORDS]
    if not kept:
        return None
    per_word = [Or([Term("title", w, boost=3.0), Term("body", w), Term("tables", w)]) for w in kept]
    return Or(per_word, minmatch=max(1, math.ceil(RELAXED_SHARE * len(per_word))))


def looks_like_title(text: str) -> bool:
    from .segment import doc_type_of

    t = re.sub(r"\s+", "", text)
    return len(t) >= 6 and ("关于" in t or doc_type_of(t) is not None)


def _pairs(text: str) -> set[str]:
    chars = re.findall(f"[{CJK}A-Za-z0-9]", text)
    return {a + b for a, b in zip(chars, chars[1:])}


def _dice(pa: set[str], pb: set[str]) -> float:
    """Dice coefficient of two sets of character pairs."""
    return 2 * len(pa & pb) / (len(pa) + len(pb)) if pa and pb else 0.0


def title_recall(reader, text: str, flt, limit: int | None) -> list[tuple[dict, float]]:
    """Stored fields and similarity of the documents whose titles share most of the query's
    characters, best first."""
    from whoosh.query import Or, Term

    from .tokenizer import fold

    folded = fold(text)
    chars = list(dict.fromkeys(re.findall(f"[{CJK}]", folded)))
    if len(chars) < 4:
        return []
    wanted = _pairs(folded)
    q = Or([Term("title", ch) for ch in chars], minmatch=math.ceil(TITLE_SHARE * len(chars)))
    scored = []
    for fields, _ in reader.search(q, flt, TITLE_CANDIDATES):
        sim = _dice(wanted, _pairs(fold(fields["title"])))
        if sim >= TITLE_MIN_SIMILARITY:
            scored.append((fields, round(sim, 4)))
    scored.sort(key=lambda x: -x[1])
    return scored[:limit] if limit else scored
