"""What an engine other than Whoosh needs to run the project's queries (whoosh.query trees):
dates as numbers for ranges, true to how Whoosh compares the date strings, and the NEAR check
on a document's stored text."""

from __future__ import annotations

import bisect
import re

from .errors import QueryError
from .tokenizer import indexed_chars


def day_number(date: str, end: bool = False) -> int:
    """YYYY-MM-DD (or a prefix of it) as an integer YYYYMMDD (0: no date); with end, a prefix
    reaches to the end of its range."""
    digits = re.sub(r"\D", "", date or "")[:8]
    if not digits:
        return 0
    pad = "9" if end else "0"
    return int(digits.ljust(8, pad))


def day_range(node) -> tuple[int, bool, int | None, bool]:
    """(low, low included, high or None, high included) of a TermRange on date or year, over
    day numbers, true to how Whoosh compares the strings: a document without a date is never
    inside; a partial date bound ("2023-06") sorts before every date it begins, so it is a
    boundary both ways; a year is a whole year."""
    lo = hi = None
    inc_lo = inc_hi = True
    if node.start:
        lo, inc_lo = _bound(node.fieldname, node.start, node.startexcl, upper=False)
    if node.end:
        hi, inc_hi = _bound(node.fieldname, node.end, node.endexcl, upper=True)
    if lo is None or lo < 1:
        lo, inc_lo = 1, True
    return lo, inc_lo, hi, inc_hi


def _bound(field: str, text: str, exclusive: bool, upper: bool) -> tuple[int, bool]:
    digits = re.sub(r"\D", "", text)[:8]
    if not digits:
        return 0, True
    if field == "year":  # values are whole years: [Y counts from Y's first day, {Y after its last
        year = digits[:4]
        after = upper != exclusive  # an inclusive upper or an exclusive lower: the year's end
        return int(year + ("9999" if after else "0000")), not exclusive
    if len(digits) == 8:
        return int(digits), not exclusive
    return int(digits.ljust(8, "0")), True  # a partial date: no date equals it


class Near:
    """A NEAR clause: two character runs within `slop` characters of each other, either order."""

    def __init__(self, a: str, b: str, slop: int, mindist: int):
        self.a, self.b, self.slop, self.mindist = a, b, slop, mindist

    def holds(self, record: dict) -> bool:
        chars = "".join(c for _, c in indexed_chars("\n".join([record["title"], record["body"], record["tables"]])))
        starts_a = [m.start() for m in re.finditer(f"(?={re.escape(self.a)})", chars)]
        starts_b = [m.start() for m in re.finditer(f"(?={re.escape(self.b)})", chars)]
        for sa in starts_a:  # b after a: b starts in [end of a + mindist, end of a + slop]
            end_a = sa + len(self.a) - 1
            k = bisect.bisect_left(starts_b, end_a + self.mindist)
            if k < len(starts_b) and starts_b[k] <= end_a + self.slop:
                return True
            # b before a: b ends in [sa - slop, sa - mindist], so it starts len(b) - 1 earlier
            k = bisect.bisect_left(starts_b, sa - self.slop - len(self.b) + 1)
            if k < len(starts_b) and starts_b[k] <= sa - self.mindist - len(self.b) + 1:
                return True
        return False


def near_runs(node, engine: str) -> tuple[list[str], list[Near]]:
    """A NEAR clause (SpanNear2 from search._near_clauses) as the character runs that must all
    occur (each one character or a phrase of characters) and the distance checks on the stored
    text; one ordered run has no check. QueryError for anything but two words."""
    from whoosh import query as wq
    from whoosh.query.spans import SpanNear2

    def run(n) -> str:
        if isinstance(n, wq.Term):
            return n.text
        if isinstance(n, SpanNear2) and n.ordered and all(isinstance(q, wq.Term) for q in n.qs):
            return "".join(q.text for q in n.qs)
        raise QueryError(f"the {engine} backend runs NEAR between two words only")

    if node.ordered or len(node.qs) != 2:
        return [run(node)], []
    a, b = run(node.qs[0]), run(node.qs[1])
    return [a, b], [Near(a, b, node.slop, node.mindist)]
