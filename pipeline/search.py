"""Stage 9: ranked search over the index, filters, facets, snippets with highlights.

A 文号 lookup (--number, or a 文号 typed as the query) and listing by filters never load jieba."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import forgiving
from .backend import SearchBackend, StoredMeta, issuer_key, open_backend, reads_index, split_key
from .model import page_at
from .normalize import nfkc, normalize_doc_number, squash

SNIPPET_CHARS = 100
MARK_OPEN, MARK_CLOSE = "<em>", "</em>"
WORD_FIELDS = ("title", "body", "tables")
TEXT_FIELDS = WORD_FIELDS + ("chars",)
FIELD_BOOSTS = {"title": 1.0, "body": 1.0, "tables": 1.0, "chars": 0.3}


@dataclass
class SearchRequest:
    query: str | None = None
    number: str | None = None
    issuer: str | None = None
    category: str | None = None
    doc_type: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    gazette: str | None = None
    limit: int | None = 10
    facets: bool = False
    strict: bool = False  # no forgiving fallbacks: a loose 文号, relaxed words, title recall


@dataclass
class Hit:
    doc_number: str | None
    title: str
    issuers: list[str]
    date: str | None
    category: str | None
    doc_type: str | None
    gazette: str
    gazette_title: str | None
    gazette_issue: str | None
    page_start: int | None
    page_end: int | None
    page: int | None  # the printed page of the first match: the one to cite
    score: float
    snippet: str  # with <em>…</em> around matched words
    snippet_text: str  # the same without markers
    highlights: list[list[int]] = field(default_factory=list)  # [start, end) in snippet_text
    ocr: bool = False  # the document's text was read by OCR (a scan): its words may be misread
    relaxed: bool = False  # found by a forgiving fallback, not by the query as typed
    position: int = 0  # 1-based place of the document in its gazette
    pdf_page: int | None = None  # the physical PDF page of `page` (to open the source there)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int  # all matches with --facets, else the hits returned
    facets: dict[str, dict[str, int]] | None = None
    relaxed: str | None = None  # how the query was relaxed when the strict one found nothing


def _strip_brackets(text: str) -> str:
    return re.sub(r"^[【\[［〔(（]|[】\]］〕)）]$", "", text.strip())


def _filters(req: SearchRequest):
    from whoosh.query import And, Term, TermRange

    parts = []
    if req.number:
        parts.append(Term("number", normalize_doc_number(req.number) or squash(req.number)))
    if req.issuer:
        parts.append(Term("issuer", issuer_key(req.issuer)))
    if req.category:
        parts.append(Term("category", squash(_strip_brackets(req.category))))
    if req.doc_type:
        parts.append(Term("doc_type", req.doc_type.strip()))
    if req.gazette:
        parts.append(Term("gazette", req.gazette))
    if req.date_from or req.date_to:
        parts.append(TermRange("date", req.date_from or "0000-00-00", req.date_to or "9999-99-99", False, False))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)


def _parse_query(schema, text: str, fields=WORD_FIELDS):
    """A 文号 as the query finds that document first, then the documents citing it; anything
    else goes through the query parser (AND by default, OR, NOT, "phrases", field:term)."""
    from whoosh.qparser import MultifieldParser
    from whoosh.query import Or, Term

    number = normalize_doc_number(text)
    if number:
        return Or([Term("number", number, boost=100.0), Term("citations", number)]), True
    parser = MultifieldParser(list(fields), schema, fieldboosts=FIELD_BOOSTS)
    rest, near = _near_clauses(query_syntax(text))
    try:
        if not near:
            return parser.parse(query_syntax(text)), False
        from whoosh.query import And

        return And(near + ([parser.parse(rest)] if rest.strip() else [])), False
    except RecursionError:
        raise
    except Exception as exc:  # e.g. a field that holds no text (meta:, facets:)
        from .errors import QueryError

        raise QueryError(f"the query cannot be parsed: {exc}",
                         hint="fields: title:, body:, tables:, number:, issuer:, category:, date:") from None


NEAR_RE = re.compile(r"(\S+?)\s+NEAR/(\d{1,3})\s+(\S+)")


def near_words(text: str) -> list[str]:
    """The words of the `词1 NEAR/N 词2` clauses of a query (to mark them in a text)."""
    from .tokenizer import fold

    return [fold(w) for m in NEAR_RE.finditer(query_syntax(text or "")) for w in (m.group(1), m.group(3))]


def _near_clauses(text: str):
    """(the query without its NEAR clauses, a span query for each: the two words, each a run of
    characters, within N characters of each other in either order)."""
    from whoosh.query import Term
    from whoosh.query.spans import SpanNear2

    from .tokenizer import indexed_chars

    def word(w: str):
        chars = [c for _, c in indexed_chars(w)]
        if len(chars) == 1:
            return Term("chars", chars[0])
        return SpanNear2([Term("chars", c) for c in chars], slop=1, ordered=True, mindist=1)

    clauses = []
    for m in NEAR_RE.finditer(text):
        a, b = word(m.group(1)), word(m.group(3))
        clauses.append(SpanNear2([a, b], slop=max(1, int(m.group(2))), ordered=False, mindist=1))
    return NEAR_RE.sub(" ", text), clauses


def query_syntax(text: str) -> str:
    """Chinese typing into query syntax: full-width letters, colons and brackets folded (NFKC),
    “curly” and 「corner」 quotes made phrase quotes."""
    return re.sub(r"[“”「」『』]", '"', nfkc(text))


def _highlight_strings(q) -> list[str]:
    """The strings to mark in a text: each term of the text fields, each phrase whole;
    nothing under NOT."""
    from whoosh.query import AndNot, Not, Phrase

    found: list[str] = []

    from whoosh.query.spans import SpanQuery

    def walk(node):
        if isinstance(node, (Not, SpanQuery)):  # NEAR clauses: their words are marked whole (near_words)
            return
        if isinstance(node, AndNot):
            walk(node.a)
            return
        if isinstance(node, Phrase):
            if node.fieldname in TEXT_FIELDS:
                found.append("".join(node.words))
            return
        if node.is_leaf():
            text = getattr(node, "text", None)
            if getattr(node, "fieldname", None) in TEXT_FIELDS and isinstance(text, str):
                found.append(text)
            return
        for child in node.children():
            walk(child)

    walk(q)
    return sorted({s for s in found if s}, key=len, reverse=True)


def find_spans(text: str, needles: list[str], folds: str | None = None) -> list[tuple[int, int]]:
    """Non-overlapping [start, end) of the needles in text, matched after normalization (folds:
    the text's tokenizer.fold_changes when known); where two overlap, the earlier (then the
    longer) wins."""
    from .tokenizer import fold_known

    folded = fold_known(text, folds)
    found: list[tuple[int, int]] = []  # (start, -length): sorted, the earlier then the longer first
    for needle in needles:
        n = len(needle)
        start = folded.find(needle)
        while start >= 0:
            found.append((start, -n))
            start = folded.find(needle, start + 1)
    found.sort()
    spans: list[tuple[int, int]] = []
    end = -1
    for a, minus_n in found:
        if a >= end:
            end = a - minus_n
            spans.append((a, end))
    return spans


def make_snippet(text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS):
    """The window of text holding the most matches; returns (snippet_text, highlights, first)."""
    if not spans:
        piece = text[:width].replace("\n", " ")
        return piece + ("…" if len(text) > width else ""), [], None
    lead = width // 5
    ends = [b for _, b in spans]  # sorted too: the spans do not overlap
    best_i, best_count = 0, 0
    for i, (a, _) in enumerate(spans):  # windows start a little before each match
        count = bisect_right(ends, max(0, a - lead) + width) - i  # the matches inside the window
        if count > best_count:
            best_i, best_count = i, count
    lo = max(0, spans[best_i][0] - lead)
    hi = min(len(text), lo + width)
    prefix = "…" if lo > 0 else ""
    body = text[lo:hi].replace("\n", " ")
    suffix = "…" if hi < len(text) else ""
    shift = len(prefix) - lo
    marks = [[a + shift, b + shift] for a, b in spans if a >= lo and b <= hi]
    return prefix + body + suffix, marks, spans[best_i][0]


def mark(text: str, highlights: list[list[int]], open_: str = MARK_OPEN, close: str = MARK_CLOSE) -> str:
    out, last = [], 0
    for a, b in highlights:
        out.append(text[last:a] + open_ + text[a:b] + close)
        last = b
    out.append(text[last:])
    return "".join(out)


def _hit(fields: dict, score: float, needles: list[str]) -> Hit:
    meta = StoredMeta.from_dict(fields["meta"])
    body = fields.get("body", "")
    first_offset = None
    for name in ("body", "tables", "title"):  # the snippet comes from the first field that matches
        source = fields.get(name, "")
        spans = find_spans(source, needles, meta.folds) if needles else []
        if spans:
            text, marks, offset = make_snippet(source, spans)
            if name == "body":
                first_offset = offset
            break
    else:
        text, marks, _ = make_snippet(body, [])
    issue = None
    if meta.gazette_year and meta.gazette_number:
        issue = f"{meta.gazette_year}年第{meta.gazette_number}期"
    page = page_at(meta.page_marks, meta.page_start, first_offset)
    pdf_page = meta.pdf_page_start or None
    if pdf_page and page is not None and meta.page_start is not None:
        pdf_page += max(0, page - meta.page_start)  # printed pages run on with the physical ones in a document
    return Hit(
        doc_number=fields.get("number") or None,
        title=fields["title"],
        issuers=meta.issuers,
        date=fields.get("date") or None,
        category=meta.category,
        doc_type=fields.get("doc_type") or None,
        gazette=fields["gazette"],
        gazette_title=meta.gazette_title,
        gazette_issue=issue,
        page_start=meta.page_start,
        page_end=meta.page_end,
        page=page,
        score=round(float(score), 4),
        snippet=mark(text, marks),
        snippet_text=text,
        highlights=marks,
        ocr=meta.ocr_share > 0,
        position=split_key(fields["key"])[1] + 1,
        pdf_page=pdf_page,
    )


MAX_QUERY_CHARS = 1000  # longer than any real query; a longer one is refused, not parsed


def backend_of(index: SearchBackend | Path) -> SearchBackend:
    """A backend as given, or the one of an index folder (the engine that built it)."""
    return index if isinstance(index, SearchBackend) else open_backend(Path(index))


def search(index: SearchBackend | Path, req: SearchRequest) -> SearchResult:
    from .errors import QueryError

    if req.query and len(req.query) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(req.query)} characters; at most {MAX_QUERY_CHARS})")
    backend = backend_of(index)
    try:
        return _search(backend, req)
    except RecursionError:
        raise QueryError("query nested too deeply to parse") from None


@reads_index
def _search(backend: SearchBackend, req: SearchRequest) -> SearchResult:
    from whoosh.query import Every

    from .tokenizer import using_index

    flt = _filters(req)
    needles: list[str] = []
    relaxed = None
    with backend.reader() as r, using_index(backend.index_dir):
        if req.query and req.query.strip():
            text = req.query.strip()
            q, by_number = _parse_query(r.schema, text)
            loose = None if by_number or req.strict else forgiving.parse_loose_doc_number(text)
            if loose and (nq := forgiving.number_query(r, loose)) is not None:
                q, by_number = nq, True  # a number found is an exact match, not a relaxed one
            found = r.search(q, flt, req.limit)
            if not by_number and not found:
                # no word matched: fall back to substrings (one character a token), which finds
                # words jieba cut differently in the text, at the cost of a slower phrase match
                q, _ = _parse_query(r.schema, text, TEXT_FIELDS)
                found = r.search(q, flt, req.limit)
            if not by_number:
                needles = sorted(set(_highlight_strings(q)) | set(near_words(text)), key=len, reverse=True)
            if not found and not by_number and not req.strict:
                found, relaxed, needles, q = _forgive(r, text, flt, req.limit, needles)
            counted, counted_filter = q, flt
        else:  # filters only: newest first
            found = [(f, 0.0) for f in r.listing(flt, req.limit)]
            counted, counted_filter = flt or Every(), None
        hits = [_hit(fields, score, needles) for fields, score in found]
        for h in hits:
            h.relaxed = relaxed is not None
        facets, total = None, len(hits)
        if req.facets and counted is not None:
            total, facets = r.count_facets(counted, counted_filter)
    return SearchResult(hits, total, facets, relaxed)


def _forgive(reader, text: str, flt, limit, needles):
    """The fallbacks for a query that found nothing as typed: title recall for a title-like
    query, else the words relaxed. Returns (found, how, needles, the query counted for facets
    or None)."""
    from .tokenizer import coarse_words

    if forgiving.looks_like_title(text):
        found = forgiving.title_recall(reader, text, flt, limit)
        if found:
            return found, "title recall", needles, None
    words = [w for w in coarse_words(text) if w.strip()]
    q = forgiving.relaxed_query(words)
    if q is None:
        return [], None, needles, None
    found = reader.search(q, flt, limit)
    return found, ("relaxed words" if found else None), _highlight_strings(q), q


def find_document(index: SearchBackend | Path, number: str) -> list[dict]:
    """Stored records of the documents with this 文号 (any bracket style)."""
    key = normalize_doc_number(number) or squash(number)
    with backend_of(index).reader() as r:
        return r.documents("number", key)


def query_needles(index: SearchBackend | Path, text: str) -> list[str]:
    """The strings a query marks in a text (its terms and phrases, nothing under NOT)."""
    from .tokenizer import using_index
    from .whoosh_backend import query_schema

    if not text or not text.strip() or normalize_doc_number(text):
        return []
    backend = backend_of(index)
    with using_index(backend.index_dir):
        q, _ = _parse_query(query_schema(), text.strip())
        return _highlight_strings(q)


def citing_documents(index: SearchBackend | Path, number: str) -> list[dict]:
    """Stored records of the documents that cite this 文号, newest first."""
    from whoosh.query import Term

    key = normalize_doc_number(number)
    if not key:
        return []
    with backend_of(index).reader() as r:
        found = [f for f in r.listing(Term("citations", key), limit=None) if f.get("number") != key]
    return found
