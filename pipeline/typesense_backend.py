"""The typesense backend (the `[cluster]` extra): the index lives in a Typesense server or
cluster, for many readers and for availability; the home keeps parsed/, the manifest and the
word lists (index/userdict.txt, index/query_dict.txt) locally, and index/backend.json names the
collection and the nodes. The API key comes from TYPESENSE_API_KEY, never from a file.

Typesense receives the project's own tokens: each text field is the jieba analyzer's words
joined by spaces (sub-words included) and `chars` one character a token, and a query's words
are cut by the same analyzer, so the same words are searched as on the embedded engines.
Queries arrive as whoosh.query trees and are compiled into Typesense searches: words and
"phrases" into `q` (AND, `-` for NOT), field terms into `query_by`, 文号/issuer/category/type/
gazette/dates into `filter_by`; an OR of different clauses, an OR needing m of n clauses and an
AND across field sets are evaluated as sets over the searches of their clauses; a NEAR clause is
its two character runs as phrases with the distance checked on the stored text. Not run here:
wildcards and fuzzy terms (the embedded engines run them).

Differences from the embedded engines: ranking is Typesense's text match, not BM25; a phrase
is matched on the words only, never on sub-words (Whoosh also matches a phrase of sub-words of
two neighbouring words, 人民 of 中华人民共和国宪法 then 共和 of the next 中华人民共和国); a
write is not one transaction (the delete of an issue's old documents and the import of its new
ones are two requests; a crash between them is repaired by the next ingest of that file)."""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from hashlib import sha1
from urllib.parse import urlsplit

from .backend import (
    FACETS,
    LOCK_TIMEOUT,
    IndexReader,
    IndexStats,
    SearchBackend,
    backend_record,
    batches,
    document_fields,
    facet_values,
    listing_order,
    reads_index,
    record_backend,
)
from .dictionaries import add_query_words, update_domain_dictionary
from .errors import BackendUnavailableError, GazetteError, IndexCorruptError, IndexMissingError, InputError, QueryError
from .model import Gazette
from .tokenizer import counting_words, index_word_tokens, indexed_chars, using_index
from .translate import day_number, day_range, near_runs

log = logging.getLogger(__name__)

TEXT_FIELDS = ("title", "body", "tables", "chars")
WORD_FIELDS = ("title", "body", "tables")  # each with a `<name>_sub` field beside it: its sub-words
SUB = "_sub"
GAP = "qgapq"  # a word no query holds: where Whoosh has no word at a position, so no phrase spans it
RAW_FIELDS = ("key", "gazette", "number", "issuer", "category", "doc_type", "year", "date", "citations")
LIST_FIELDS = ("issuer", "citations")  # comma-joined in a record, string[] here
FACET_FIELDS = {k: f"f_{k}" for k in FACETS}
COLLECTION_RE = re.compile(r"gazette-[0-9a-f]{10}-\d{14}-[0-9a-f]{6}")


@dataclass(frozen=True)
class TypesenseSettings:
    connection_timeout: float = 10.0  # seconds a node may take to answer before the next node is tried
    retries: int = 3  # tries over the nodes before a request fails
    retry_interval: float = 0.2  # seconds between tries
    healthcheck_interval: float = 2.0  # seconds before a node that failed is tried again
    settle_connection_timeout: float = 2.0  # seconds a node may take to show a write applied before it is skipped
    settle_timeout: float = 20.0  # seconds a write waits for every node to have applied it (read-your-writes)
    settle_poll: float = 0.05  # seconds between looks at a node while a write settles
    page_size: int = 250  # hits a search returns at most per request (Typesense's own limit)
    import_batch: int = 200  # documents sent per import request
    build_batch: int = 20  # gazettes whose domain words are learnt before their text is sent, in a build
    set_cap: int = 20_000  # matches one clause may contribute to an OR/AND evaluated as sets
    facet_values: int = 10_000  # facet values counted per field in a search's facets
    all_values: int = 10_000_000  # facet values read when every gazette id or 文号 is listed
    prefix_candidates: int = 10_000  # words a word's beginning (源头*) may stand for
    weights: tuple = (("title", 3), ("body", 1), ("tables", 1), ("chars", 1))  # title counts as in the Whoosh schema
    score_scale: float = 1e15  # Typesense's text match (a packed 64-bit rank) divided down to a score


SETTINGS = TypesenseSettings()


# -- connection -----------------------------------------------------------------------------------

def parse_nodes(url: str) -> list[dict]:
    """`http://host:8108[,https://host2]` as the client's node list; InputError when malformed."""
    nodes = []
    for part in filter(None, (p.strip() for p in url.split(","))):
        u = urlsplit(part)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise InputError(f"not a Typesense node address: {part!r}", hint="give http://host:8108 (comma-separated for a cluster)")
        try:
            port = u.port or (443 if u.scheme == "https" else 8108)
        except ValueError:
            raise InputError(f"not a Typesense node address: {part!r}", hint="the port must be a number") from None
        nodes.append({"host": u.hostname, "port": port, "protocol": u.scheme})
    if not nodes:
        raise InputError("no Typesense node given", hint="--backend-url http://host:8108 (or GAZETTE_BACKEND_URL)")
    return nodes


def _client(nodes: list[dict], settings: TypesenseSettings = SETTINGS):
    try:
        import typesense
    except ImportError:
        raise GazetteError("the typesense backend is not installed",
                           hint="pip install -e '.[cluster]' (or pip install typesense)") from None
    key = os.environ.get("TYPESENSE_API_KEY")
    if not key:
        raise BackendUnavailableError("TYPESENSE_API_KEY is not set",
                                      hint="export TYPESENSE_API_KEY=… (the key is read from the environment only)")
    return typesense.Client({"nodes": nodes, "api_key": key, "connection_timeout_seconds": settings.connection_timeout,
                             "num_retries": settings.retries, "retry_interval_seconds": settings.retry_interval,
                             "healthcheck_interval_seconds": settings.healthcheck_interval})


@contextmanager
def _talking(what: str):
    """The client's errors as the project's: a missing collection, a refused query, a server
    that does not answer."""
    from typesense import exceptions as te

    try:
        yield
    except GazetteError:
        raise
    except te.ObjectNotFound as exc:
        raise IndexMissingError(f"{what}: not on the Typesense server ({exc})",
                                hint="run `gazette --backend typesense reindex` to build it from parsed/") from None
    except (te.RequestMalformed, te.ObjectUnprocessable) as exc:
        raise QueryError(f"{what}: Typesense refused it ({exc})") from None
    except (te.TypesenseClientError, OSError) as exc:
        raise BackendUnavailableError(f"{what}: the Typesense server did not answer ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # the HTTP library's own errors (connection refused, timeouts)
        if type(exc).__module__.split(".")[0] in ("httpx", "httpcore", "requests", "urllib3"):
            raise BackendUnavailableError(f"{what}: the Typesense server did not answer ({exc})") from None
        raise


def _schema(name: str) -> dict:
    text = [{"name": f, "type": "string"} for f in TEXT_FIELDS + tuple(w + SUB for w in WORD_FIELDS)]
    raw = [{"name": f, "type": "string[]" if f in LIST_FIELDS else "string", "facet": f in ("gazette", "number")}
           for f in RAW_FIELDS]
    facets = [{"name": f, "type": "string[]", "facet": True} for f in FACET_FIELDS.values()]
    return {"name": name, "token_separators": [], "symbols_to_index": [],
            "fields": text + raw + facets + [
                {"name": "day", "type": "int32"},  # the date as YYYYMMDD (0: none), for ranges
                {"name": "order", "type": "string", "sort": True},  # listing_order: newest first
                {"name": "n_tables", "type": "int32", "facet": True},
                {"name": "record", "type": "string", "index": False, "optional": True},  # what a hit shows
            ]}


def _words_and_sub_words(text: str) -> tuple[str, str]:
    """The analyzer's words (the first token at each position), space-joined, so that a phrase's
    words stand next to each other as in Whoosh, with GAP where Whoosh leaves a position empty (a
    stop word); and the sub-words it adds at the same positions (安全 and 生产 beside 安全生产,
    single characters), each between GAPs, so a word search finds them but no phrase does."""
    words, subs, last = [], [], None
    for w, pos, *_ in index_word_tokens(text):
        if pos == last:
            subs += [w, GAP]
            continue
        if last is not None and pos > last + 1:
            words.append(GAP)
        words.append(w)
        last = pos
    return " ".join(words), " ".join(subs)


def _document(g: Gazette, pos: int, doc) -> dict:
    record = document_fields(g, pos, doc)
    out = {"id": record["key"], "record": ""}
    for name in WORD_FIELDS:
        out[name], out[name + SUB] = _words_and_sub_words(record[name])
    out["chars"] = " ".join(c for _, c in indexed_chars(record["chars"]))
    for name in RAW_FIELDS:
        out[name] = [v for v in record[name].split(",") if v] if name in LIST_FIELDS else record[name]
    for facet, values in facet_values(record).items():
        out[FACET_FIELDS[facet]] = values
    out["day"] = day_number(record["date"])
    out["order"] = listing_order(record)
    out["n_tables"] = record["meta"]["n_tables"]
    del record["chars"]
    out["record"] = json.dumps(record, ensure_ascii=False)
    return out


# -- queries as Typesense searches ------------------------------------------------------------------

@dataclass
class _Text:
    """One clause of `q`: a word or a "phrase", searched in these fields, or excluded."""

    token: str
    fields: frozenset
    negated: bool = False
    prefix: bool = False  # a word's beginning (源头*): Typesense runs it as the last word of q

    def rendered(self) -> str:
        return ("-" if self.negated else "") + self.token


@dataclass
class _Search:
    """One Typesense search: the AND of its q clauses (one set of fields) and its filters; the
    NEAR checks run on the stored text of what it finds."""

    parts: list = field(default_factory=list)
    filters: list = field(default_factory=list)
    near: list = field(default_factory=list)
    boost: float = 1.0

    @property
    def fields(self) -> frozenset | None:
        sets = {p.fields for p in self.parts}
        return next(iter(sets)) if len(sets) == 1 else None


@dataclass
class _Sets:
    """Clauses evaluated as sets of documents: at least `minmatch` of `any_of` (an OR), all of
    `all_of` (an AND), none of `none_of`."""

    any_of: list = field(default_factory=list)
    minmatch: int = 1
    all_of: list = field(default_factory=list)
    none_of: list = field(default_factory=list)


class _Nothing:
    pass


def _sync_of(collection: str) -> str:
    """The side collection whose one marker document tells when a write reached every node."""
    return f"{collection}-sync"


def _quote(value: str) -> str:
    if "`" in value:
        raise QueryError("a filter value holds a backtick, which Typesense cannot take")
    return f"`{value}`"


def compile_query(node):
    """A whoosh.query tree as a _Search, _Sets or _Nothing."""
    from whoosh import query as wq
    from whoosh.query.qcore import _NullQuery
    from whoosh.query.spans import SpanNear2

    boost = getattr(node, "boost", 1.0) or 1.0
    if isinstance(node, wq.Prefix) and node.fieldname in TEXT_FIELDS:
        return _Search([_Text(node.text, frozenset([node.fieldname]), prefix=True)], boost=boost)
    if isinstance(node, (wq.FuzzyTerm, wq.Prefix, wq.Wildcard)):
        raise QueryError("the typesense backend does not run wildcards inside words or fuzzy terms",
                         hint="search whole words or a word's beginning (源头*), or use the whoosh or tantivy backend")
    if isinstance(node, wq.Term):
        if node.fieldname in TEXT_FIELDS:
            return _Search([_Text(node.text, frozenset([node.fieldname]))], boost=boost)
        if node.fieldname in RAW_FIELDS:
            return _Search(filters=[f"{node.fieldname}:={_quote(node.text)}"], boost=boost)
        raise QueryError(f"the field {node.fieldname} cannot be searched")
    if isinstance(node, wq.Phrase):
        if node.slop > 1:
            raise QueryError("the typesense backend runs exact phrases only (no ~N)",
                             hint="drop the ~N, use NEAR/N, or the whoosh or tantivy backend")
        words = [w for w in node.words if w]
        if not words:
            return _Nothing()
        return _Search([_Text(_phrase_token(words), frozenset([node.fieldname]))], boost=boost)
    if isinstance(node, wq.Every):
        return _Search()
    if isinstance(node, _NullQuery):
        return _Nothing()
    if isinstance(node, wq.TermRange):
        if node.fieldname not in ("date", "year"):
            raise QueryError(f"a range on {node.fieldname} is not supported", hint="ranges work on date and year")
        lo, inc_lo, hi, inc_hi = day_range(node)
        parts = [f"day:{'>=' if inc_lo else '>'}{lo}"] + ([f"day:{'<=' if inc_hi else '<'}{hi}"] if hi is not None else [])
        return _Search(filters=parts)
    if isinstance(node, SpanNear2):
        return _near(node)
    if isinstance(node, wq.AndNot):
        return _and([compile_query(node.a)], [compile_query(node.b)])
    if isinstance(node, (wq.Require, wq.AndMaybe)):  # the second part only shapes Whoosh's scores
        return _and([compile_query(node.a)] + ([compile_query(node.b)] if isinstance(node, wq.Require) else []), [])
    if isinstance(node, wq.Not):
        return _and([_Search()], [compile_query(node.query)])
    if isinstance(node, wq.And):
        pos = [compile_query(c) for c in node.subqueries if not isinstance(c, wq.Not)]
        neg = [compile_query(c.query) for c in node.subqueries if isinstance(c, wq.Not)]
        return _and(pos or [_Search()], neg)
    if isinstance(node, (wq.Or, wq.DisjunctionMax)):
        return _or([compile_query(c) for c in node.subqueries], getattr(node, "minmatch", 0) or 1, boost)
    raise QueryError(f"the typesense backend cannot run this kind of query ({type(node).__name__})",
                     hint="the whoosh backend runs every query form")


def _near(node):
    runs, checks = near_runs(node, "typesense")
    return _Search([_Text(_phrase_token(list(r)), frozenset(["chars"])) for r in runs], near=checks)


def _phrase_token(words: list[str]) -> str:
    """A q clause for words that must stand together: one word as it is, several "quoted"."""
    return words[0] if len(words) == 1 else '"' + " ".join(words) + '"'


def _is_phrase(part: _Text) -> bool:
    return part.token.startswith('"')


def _single_text(plan) -> _Text | None:
    if isinstance(plan, _Search) and len(plan.parts) == 1 and not plan.filters and not plan.near:
        return plan.parts[0]
    return None


def _or(children: list, minmatch: int, boost: float):
    children = [c for c in children if not isinstance(c, _Nothing)]
    if not children:
        return _Nothing()
    texts = [_single_text(c) for c in children]
    if minmatch <= 1 and all(texts) and len({(t.token, t.negated, t.prefix) for t in texts}) == 1:
        # the parser's expansion of one word over the text fields: one clause, several fields
        merged = frozenset().union(*(t.fields for t in texts))
        return _Search([_Text(texts[0].token, merged, prefix=texts[0].prefix)], boost=boost)
    if len(children) == 1 and minmatch <= 1:
        return children[0]
    return _Sets(any_of=children, minmatch=minmatch)


def _and(pos: list, neg: list):
    if any(isinstance(p, _Nothing) for p in pos):
        return _Nothing()
    neg = [n for n in neg if not isinstance(n, _Nothing)]
    merged, rest = _Search(), []
    for p in pos:
        if isinstance(p, _Search) and (not p.parts or not merged.parts or p.fields == merged.fields):
            merged.parts += p.parts
            merged.filters += p.filters
            merged.near += p.near
        else:
            rest.append(p)
    kept_neg = []
    for n in neg:
        t = _single_text(n)
        if t and merged.parts and t.fields == merged.fields and not t.negated and not t.prefix:
            merged.parts.append(_Text(t.token, t.fields, negated=True))
        else:
            kept_neg.append(n)
    if not rest and not kept_neg:
        return merged
    if not merged.parts and not merged.near:
        if merged.filters:  # filters alone: each clause carries them
            rest = [_with_filters(r, merged.filters) for r in rest]
        elif not rest:  # NOT alone: every document but these
            rest = [merged]
        return _Sets(all_of=rest, none_of=kept_neg)
    return _Sets(all_of=[merged] + rest, none_of=kept_neg)


def _with_filters(plan, filters: list):
    """A plan whose every search also carries these filters."""
    if isinstance(plan, _Search):
        return _Search(plan.parts, plan.filters + filters, plan.near, plan.boost)
    if isinstance(plan, _Sets):
        return _Sets([_with_filters(c, filters) for c in plan.any_of], plan.minmatch,
                     [_with_filters(c, filters) for c in plan.all_of], plan.none_of)
    return plan


def _one_phrase_each(s: _Search):
    """Typesense (0.24) enforces only one of several "phrases" in a q: a search with more
    becomes one search per phrase (each with the plain words), intersected; a phrase under NOT
    becomes a search of its own, subtracted."""
    phrases = [p for p in s.parts if _is_phrase(p) and not p.negated]
    excluded = [p for p in s.parts if _is_phrase(p) and p.negated]
    if len(phrases) <= 1 and not excluded:
        return s
    plain = [p for p in s.parts if not _is_phrase(p)]
    each = [_Search(plain + [ph], s.filters, s.near, s.boost) for ph in phrases] or [_Search(plain, s.filters, s.near, s.boost)]
    return _Sets(all_of=each, none_of=[_Search([_Text(p.token, p.fields)]) for p in excluded])


# -- the reader -------------------------------------------------------------------------------------

class TypesenseReader(IndexReader):
    def __init__(self, backend: TypesenseBackend):
        from .whoosh_backend import query_schema

        self.b = backend
        self.settings = backend.settings
        self.schema = query_schema()  # queries are parsed as for Whoosh, then compiled

    # one search, page by page
    def _params(self, s: _Search, flt: list[str]) -> dict:
        if s.parts and all(p.negated for p in s.parts):
            raise QueryError("a query of NOT clauses alone finds nothing to exclude from", hint="add a word to find")
        prefixed = [p for p in s.parts if p.prefix]
        if len(prefixed) > 1:
            raise QueryError("the typesense backend runs one word's beginning (源头*) a query",
                             hint="or use the whoosh or tantivy backend")
        parts = [p for p in s.parts if not p.prefix] + prefixed  # Typesense takes the last word as a prefix
        fields = sorted(s.fields or {"title"}, key=lambda f: TEXT_FIELDS.index(f))
        fields = [g for f in fields for g in ((f, f + SUB) if f in WORD_FIELDS else (f,))]
        weights = {**dict(self.settings.weights), **{w + SUB: dict(self.settings.weights)[w] for w in WORD_FIELDS}}
        params = {"q": " ".join(p.rendered() for p in parts) or "*",
                  "query_by": ",".join(fields), "query_by_weights": ",".join(str(weights[f]) for f in fields),
                  "prefix": "true" if prefixed else "false", "num_typos": 0, "typo_tokens_threshold": 0,
                  "drop_tokens_threshold": 0, "pre_segmented_query": "true", "highlight_fields": "key",
                  "snippet_threshold": 0, "highlight_affix_num_tokens": 0}
        filters = s.filters + flt
        if filters:
            params["filter_by"] = " && ".join(filters)
        if prefixed:  # every word the beginning begins, as Whoosh's Prefix takes them (Typesense: 4)
            params["max_candidates"] = self.settings.prefix_candidates
        return params

    def _pages(self, s: _Search, flt: list[str], limit: int | None, sort: str | None = None,
               include: str = "record") -> Iterator[tuple[str, float, dict]]:
        """(id, score, document) best first (or by sort), at most limit (all when None)."""
        params = self._params(s, flt)
        params["include_fields"] = f"id,{include}"
        if sort:
            params["sort_by"] = sort
        # the page size stays the same on every request (pages are counted in it); a smaller
        # limit takes only per_page hits and the rest of the last page is left unread
        per_page = self.settings.page_size if limit is None else max(1, min(self.settings.page_size, limit))
        page, given = 1, 0
        while True:
            with _talking("search"):
                res = self.b.search({**params, "per_page": per_page, "page": page})
            hits = res.get("hits", [])
            for h in hits:
                if limit is not None and given >= limit:
                    return
                score = float(h.get("text_match") or 0) / self.settings.score_scale if s.parts else 1.0
                yield h["document"]["id"], score * s.boost, h["document"]
                given += 1
            if len(hits) < per_page or page * per_page >= res.get("found", 0) or (limit is not None and given >= limit):
                return
            page += 1

    def _found(self, plan, flt: list[str], limit: int | None, include: str = "record", strict: bool = False):
        """[(id, score, document)] of a plan, best first; the documents hold the fields named
        in include (comma-separated; "id" for none)."""
        if isinstance(plan, _Nothing):
            return []
        if isinstance(plan, _Search):
            plan = _one_phrase_each(plan)
        if isinstance(plan, _Search):
            if not plan.near:
                return list(self._pages(plan, flt, limit, include=include))
            found = []
            wanted = "record" if include in ("record", "id") else f"record,{include}"  # the text, for the check
            for hit in self._pages(plan, flt, None, include=wanted):
                record = json.loads(hit[2]["record"])
                if all(n.holds(record) for n in plan.near):
                    found.append(hit)
                    if limit and len(found) >= limit:
                        break
            return found
        ranked = self._sets(plan, flt, limit, strict)
        if include == "id":
            return [(i, score, {"id": i}) for i, score in ranked]
        documents = self._by_ids([i for i, _ in ranked], include)
        # an id gone since it was counted (an ingest replaced its issue meanwhile) is left out
        return [(i, score, documents[i]) for i, score in ranked if i in documents]

    def _sets(self, plan: _Sets, flt, limit, strict: bool = False) -> list[tuple[str, float]]:
        """(id, score) of the documents a _Sets plan holds, best first: its clauses are
        enumerated by id only, at most set_cap matches each. A clause past that inside an AND
        or a NOT (strict) would make the answer wrong, not just short: QueryError. An OR's
        clause past it (the relaxed and title-recall fallbacks) gives its best set_cap."""
        cap = self.settings.set_cap
        scores: Counter = Counter()

        def ids_of(p, must_be_whole: bool) -> list[tuple[str, float]]:
            found = [(i, score) for i, score, _ in self._found(p, flt, cap + 1, include="id", strict=must_be_whole)]
            if len(found) > cap:
                if must_be_whole:
                    raise QueryError(f"a part of this query matches more than {cap:,} documents, too many to combine "
                                     "on the typesense backend", hint="add words or filters, or use whoosh or tantivy")
                log.warning("a clause matched more than %d documents: its best %d are kept in the OR", cap, cap)
                found = found[:cap]
            return found

        if plan.any_of:
            seen: Counter = Counter()
            for child in plan.any_of:
                for i, score in ids_of(child, strict):
                    seen[i] += 1
                    scores[i] += score
            ids = {i for i, n in seen.items() if n >= plan.minmatch}
        else:
            ids = None
            for child in plan.all_of:
                found = ids_of(child, True)
                for i, score in found:
                    scores[i] += score
                here = {i for i, _ in found}
                ids = here if ids is None else ids & here
        for child in plan.none_of:
            ids -= {i for i, _ in ids_of(child, True)}
        ranked = sorted(ids, key=lambda i: (-scores[i], i))
        return [(i, scores[i]) for i in (ranked[:limit] if limit else ranked)]

    def _by_ids(self, ids: list[str], include: str) -> dict[str, dict]:
        """The documents of these ids, with the fields named in include."""
        out: dict[str, dict] = {}
        step = self.settings.page_size
        for start in range(0, len(ids), step):
            chunk = ids[start:start + step]
            s = _Search(filters=["id:=[" + ",".join(_quote(i) for i in chunk) + "]"])
            out.update((i, doc) for i, _, doc in self._pages(s, [], len(chunk), include=include))
        return out

    def _filter(self, flt) -> list[str]:
        if flt is None:
            return []
        plan = compile_query(flt)
        if not (isinstance(plan, _Search) and not plan.parts and not plan.near):
            raise QueryError("the typesense backend filters on 文号, issuer, category, type, gazette and dates only")
        return plan.filters

    def search(self, q, flt=None, limit=10):
        return [(json.loads(doc["record"]), score) for _, score, doc in self._found(compile_query(q), self._filter(flt), limit)]

    def count_facets(self, q, flt=None):
        plan, filters = compile_query(q), self._filter(flt)
        if isinstance(plan, _Search):
            plan = _one_phrase_each(plan)
        if isinstance(plan, _Search) and not plan.near:
            params = {**self._params(plan, filters), "per_page": 0, "facet_by": ",".join(FACET_FIELDS.values()),
                      "max_facet_values": self.settings.facet_values}
            with _talking("facets"):
                res = self.b.search(params)
            by_field = {f["field_name"]: f["counts"] for f in res.get("facet_counts", [])}
            out = {k: {c["value"]: int(c["count"]) for c in sorted(by_field.get(FACET_FIELDS[k], []),
                                                                     key=lambda c: (-c["count"], c["value"]))}
                   for k in FACETS}
            return int(res.get("found", 0)), out
        counts = {k: Counter() for k in FACETS}
        found = self._found(plan, filters, None, include=",".join(FACET_FIELDS.values()))
        for _, _, doc in found:
            for k, name in FACET_FIELDS.items():
                counts[k].update(doc.get(name, []))
        return len(found), {k: dict(v.most_common()) for k, v in counts.items()}

    def listing(self, flt=None, limit=10):
        s = _Search()
        return [json.loads(doc["record"]) for _, _, doc in self._pages(s, self._filter(flt), limit, sort="order:desc")]

    def doc_frequency(self, field, text):
        from whoosh.query import Term

        plan = compile_query(Term(field, text))
        params = {**self._params(plan, []), "per_page": 0}
        with _talking("search"):
            return int(self.b.search(params).get("found", 0))

    def lexicon(self, field):
        if field not in ("gazette", "number"):
            raise QueryError(f"the typesense backend lists the terms of gazette and number only, not {field}")
        return iter(sorted(self.b.facet_values(field)))

    def documents(self, field, value):
        from whoosh.query import Term

        return [json.loads(doc["record"]) for _, _, doc in self._found(compile_query(Term(field, value)), [], None)]


# -- the backend ------------------------------------------------------------------------------------

class TypesenseBackend(SearchBackend):
    name = "typesense"
    settings = SETTINGS

    def __init__(self, index_dir, url: str | None = None):
        super().__init__(index_dir, url)
        self._client_ = None
        self._record_ = None

    @property
    def _record(self) -> dict:
        """index/backend.json, read once (every request names the collection); _create renews it."""
        if self._record_ is None:
            record = backend_record(self.index_dir)
            self._record_ = record if record.get("backend") == self.name else {}
        return self._record_

    @property
    def nodes(self) -> list[dict]:
        url = self.url or self._record.get("url") or os.environ.get("GAZETTE_BACKEND_URL")
        if not url:
            raise InputError("the typesense backend needs the server's address",
                             hint="--backend-url http://host:8108 (or GAZETTE_BACKEND_URL)")
        return parse_nodes(url)

    @property
    def client(self):
        if self._client_ is None:
            self._client_ = _client(self.nodes, self.settings)
        return self._client_

    @property
    def collection_name(self) -> str | None:
        name = self._record.get("collection")
        if name is not None and not COLLECTION_RE.fullmatch(str(name)):
            raise IndexCorruptError(f"{self.index_dir / 'backend.json'} names no collection of this tool ({name!r})")
        return name

    def _home_prefix(self) -> str:
        """The start of every collection name this home makes: a hash of the home's path, so a
        copy of the home (another path) never drops the original's collection."""
        home = self.index_dir.resolve().parent
        return f"gazette-{sha1(str(home).encode()).hexdigest()[:10]}-"

    @property
    def collection(self):
        name = self.collection_name
        if not name:
            raise IndexMissingError(f"no index in {self.index_dir}")
        return self.client.collections[name]

    def exists(self) -> bool:
        if not self.collection_name:
            return False
        try:
            with _talking("the collection"):
                self.collection.retrieve()
            return True
        except IndexMissingError:
            return False

    @contextmanager
    def reader(self):
        if not self.collection_name:
            raise IndexMissingError(f"no index in {self.index_dir}")
        yield TypesenseReader(self)

    def search(self, params: dict) -> dict:
        """One search, sent in a POST body (multi_search): a GET's query string holds at most
        4,000 characters, which a filter on many ids exceeds. Call inside _talking."""
        from typesense import exceptions as te

        res = self.client.multi_search.perform({"searches": [{"collection": self.collection_name, **params}]}, {})
        out = res["results"][0]
        if "error" in out:
            code = int(out.get("code") or 0)
            if code == 404:
                raise te.ObjectNotFound(out["error"])
            if 400 <= code < 500:
                raise te.RequestMalformed(out["error"])
            raise te.ServerError(out["error"])
        return out

    def facet_values(self, field: str) -> list[str]:
        params = {"q": "*", "query_by": "title", "per_page": 0, "facet_by": field,
                  "max_facet_values": self.settings.all_values}
        with _talking("facets"):
            res = self.search(params)
        counts = res.get("facet_counts", [])
        return [c["value"] for c in counts[0]["counts"]] if counts else []

    # writes
    def _create(self) -> None:
        """A new collection for this home (a rebuild makes a new one beside the old), recorded
        in index/backend.json with the nodes."""
        self.index_dir.mkdir(parents=True, exist_ok=True)
        name = f"{self._home_prefix()}{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
        with _talking("creating the collection"):
            self.client.collections.create(_schema(name))
            self.client.collections.create({"name": _sync_of(name), "fields": [{"name": "token", "type": "string"}]})
        url = ",".join(f"{n['protocol']}://{n['host']}:{n['port']}" for n in self.nodes)
        record_backend(self.index_dir, self.name, collection=name, url=url)
        self._record_ = None

    def _send(self, gazettes: Iterable[Gazette]) -> None:
        docs = [_document(g, pos, d) for g in gazettes for pos, d in enumerate(g.documents)]
        for start in range(0, len(docs), self.settings.import_batch):
            with _talking("indexing"):
                results = self.collection.documents.import_(docs[start:start + self.settings.import_batch],
                                                            {"action": "upsert"})
            failed = [r for r in results if not r.get("success")]
            if failed:
                raise BackendUnavailableError(f"Typesense refused {len(failed)} document(s): {failed[0].get('error')}")

    def _settle(self) -> None:
        """Wait until every node has applied the writes so far: a marker written last is read
        back from each node (Raft applies a log in order). A node that does not answer is
        skipped: it catches up when it is back."""
        from typesense.exceptions import ObjectNotFound

        token = uuid.uuid4().hex
        sync = _sync_of(self.collection_name)
        with _talking("indexing"):
            self.client.collections[sync].documents.upsert({"id": "sync", "token": token})
        deadline = time.monotonic() + self.settings.settle_timeout
        for node in self.nodes:
            one = _client([node], replace(self.settings, connection_timeout=self.settings.settle_connection_timeout,
                                          retries=0))
            while True:
                try:
                    if one.collections[sync].documents["sync"].retrieve().get("token") == token:
                        break
                except Exception as exc:  # not there yet, or the node is down
                    if not isinstance(exc, ObjectNotFound):
                        log.info("node %s:%s did not answer (%s); not waited for", node["host"], node["port"], exc)
                        break
                if time.monotonic() > deadline:
                    log.warning("node %s:%s has not applied the last write yet", node["host"], node["port"])
                    break
                time.sleep(self.settings.settle_poll)

    def replace_gazettes(self, gazettes, remove_ids=(), timeout=LOCK_TIMEOUT):
        if not self.exists():
            self._create()
        with counting_words() as counts, using_index(self.index_dir):
            update_domain_dictionary(self.index_dir, gazettes)
            for gid in sorted({g.gazette.id for g in gazettes} | set(remove_ids)):
                with _talking("indexing"):
                    self.collection.documents.delete({"filter_by": f"gazette:={_quote(gid)}"})
            self._send(gazettes)
        self._settle()
        add_query_words(self.index_dir, counts)

    def build(self, gazettes: Iterable[Gazette]) -> int:
        n = 0
        self._create()
        with counting_words() as counts, using_index(self.index_dir):
            for batch in batches(gazettes, self.settings.build_batch):
                update_domain_dictionary(self.index_dir, batch)
                self._send(batch)
                n += len(batch)
        self._settle()
        add_query_words(self.index_dir, counts, fresh=True)
        return n

    def discard(self) -> None:
        name = self.collection_name
        if not name:
            return
        if not name.startswith(self._home_prefix()):  # made by the home this one was copied from
            log.warning("the replaced collection %s belongs to another home (this one is a copy); left in place", name)
            return
        for n in (name, _sync_of(name)):
            try:
                with _talking("dropping the replaced collection"):
                    self.client.collections[n].delete()
            except IndexMissingError:
                pass

    @reads_index
    def indexed_gazettes(self) -> set[str]:
        return set(self.facet_values("gazette")) if self.exists() else set()

    @reads_index
    def stats(self) -> IndexStats:
        with _talking("stats"):
            n_docs = int(self.collection.retrieve().get("num_documents", 0))
            res = self.search({"q": "*", "query_by": "title", "per_page": 0, "facet_by": "n_tables,gazette",
                               "max_facet_values": self.settings.all_values})
        by_field = {f["field_name"]: f for f in res.get("facet_counts", [])}
        tables = int((by_field.get("n_tables", {}).get("stats") or {}).get("sum", 0) or 0)
        gazettes = len(by_field.get("gazette", {}).get("counts", []))
        return IndexStats(gazettes, n_docs, tables, 0, self.name)

    def index_bytes(self) -> int:
        return 0  # the index is on the server; the server's own metrics say how large
