"""`gazette serve`: a local search page over one home, on the standard library's threaded HTTP
server. It calls the same GazetteStore methods as the command line.

Routes (every state is a plain GET URL; the page works without JavaScript):
    /                         search: q, issuer, category, type, from, to, gazette, page
    /doc/<文号>               a document (?gazette=<id> when issues share the number; ?q= marks words)
    /doc/<gazette id>/<n>     the n-th document of an issue (documents without a 文号)
    /pdf/<gazette id>         the source PDF, from the path the manifest recorded
    /tables/<文号>.csv|.xlsx  the document's tables, as `gazette tables` writes them

Everything shown is escaped; an unknown route is a 404 and a bad parameter a 400 with a message,
never a traceback."""

from __future__ import annotations

import html
import logging
import tempfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from .errors import GazetteError, InputError, NotFoundError, QueryError
from .normalize import check_iso_date, normalize_doc_number
from .search import find_spans
from .store import GazetteStore

log = logging.getLogger(__name__)

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
PAGE_SIZE = 10  # hits a results page
MAX_PAGE = 100  # results pages reachable by paging (1,000 hits; a narrower query does better)
MAX_FIELDS = 20  # parameters in one URL
SEARCH_PARAMS = ("q", "issuer", "category", "type", "from", "to", "gazette")
FACET_PARAMS = {"issuer": "issuer", "category": "category", "doc_type": "type"}
STATUS_NAMES = {"in_force": "现行有效", "expired": "已失效", "repealed": "已废止", "unknown": "未知"}
FACET_NAMES = {"issuer": "发文机关", "category": "类别", "doc_type": "文种", "year": "年份"}

STYLE = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei",
       sans-serif; margin: 0; color: #222; line-height: 1.6; }
header { background: #8b1a1a; color: #fff; padding: .6em 1.2em; }
header a { color: #fff; text-decoration: none; font-weight: bold; }
main { display: flex; gap: 2em; padding: 1em 1.2em; }
#results { flex: 3; min-width: 0; } aside { flex: 1; font-size: .9em; }
form.search input[name=q] { width: 60%; font-size: 1.1em; padding: .3em; }
form.search fieldset { border: 0; padding: .3em 0; } form.search label { margin-right: .8em; }
em { font-style: normal; background: #ffe58f; color: #000; }
.hit { margin: 1.1em 0; } .hit h3 { margin: 0; font-size: 1.08em; } .meta { color: #555; font-size: .9em; }
.notice { background: #fff4e5; padding: .4em .8em; } .pages a, .pages span { margin-right: .6em; }
table.data { border-collapse: collapse; margin: .6em 0; } table.data td, table.data th { border: 1px solid #999;
  padding: .2em .5em; } table.data th { background: #f0f0f0; }
dl.fields dt { float: left; clear: left; width: 6em; color: #555; } dl.fields dd { margin-left: 7em; }
.body { white-space: pre-wrap; max-width: 48em; }
"""


class BadRequest(Exception):
    """A parameter the page cannot use: answered with 400 and the message."""


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def marked(text: str, spans) -> str:
    """text escaped, with each [start, end) span in <em>."""
    out, last = [], 0
    for a, b in spans:
        out.append(esc(text[last:a]) + "<em>" + esc(text[a:b]) + "</em>")
        last = b
    out.append(esc(text[last:]))
    return "".join(out)


def _page(title: str, body: str, status: int = 200) -> Response:
    doc = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">'
           f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
           f'<header><a href="/">政府公报检索</a></header>{body}</body></html>')
    return Response(status, doc.encode("utf-8"))


def _date(name: str, value: str | None) -> str | None:
    try:
        return check_iso_date(value) if value else None
    except ValueError as exc:
        raise BadRequest(f"{name}={exc}") from None


def _params(query: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=False, max_num_fields=MAX_FIELDS, errors="strict")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"cannot read the parameters ({exc})") from None
    return {k: v.strip() for k, v in pairs if v.strip()}


def _url(path: str, params: dict[str, str]) -> str:
    kept = {k: v for k, v in params.items() if v}
    return quote(path) + ("?" + urlencode(kept) if kept else "")


def doc_url(number: str | None, gazette: str, position: int, query: str | None = None) -> str:
    params = {"gazette": gazette} if number else {}
    if query:
        params["q"] = query
    return _url(f"/doc/{number}" if number else f"/doc/{gazette}/{position}", params)


class WebApp:
    """The page's routes over one store; `handle` maps a request target to a Response."""

    def __init__(self, store: GazetteStore):
        self.store = store

    def handle(self, target: str) -> Response:
        try:
            url = urlsplit(target)
            path = unquote(url.path, errors="strict")
            params = _params(url.query)
            if path in ("/", "/search"):
                return self.search_page(params)
            if path.startswith("/doc/"):
                return self.document_page(path[len("/doc/"):], params)
            if path.startswith("/pdf/"):
                return self.source_pdf(path[len("/pdf/"):])
            if path.startswith("/tables/"):
                return self.table_file(path[len("/tables/"):], params)
            raise NotFoundError(f"no page at {path}")
        except (BadRequest, QueryError, InputError, UnicodeDecodeError) as exc:
            return self.error(400, "bad request", str(exc))
        except NotFoundError as exc:
            return self.error(404, "not found", str(exc), exc.hint)
        except GazetteError as exc:
            return self.error(500, "cannot answer", str(exc), exc.hint)
        except Exception:  # noqa: BLE001 - the page shows one line; the log has the rest
            log.error("serving %s failed (run with --debug for the traceback)", target)
            log.debug("serving %s", target, exc_info=True)
            return self.error(500, "internal error", "the server could not answer this request")

    def error(self, status: int, title: str, message: str, hint: str = "") -> Response:
        body = f'<main><div id="results"><h2>{status} {esc(title)}</h2><p class="error">{esc(message)}</p>'
        if hint:
            body += f"<p>{esc(hint)}</p>"
        return _page(f"{status} {title}", body + '<p><a href="/">返回检索</a></p></div></main>', status)

    # -- search ------------------------------------------------------------------------------------
    def search_page(self, params: dict[str, str]) -> Response:
        unknown = set(params) - set(SEARCH_PARAMS) - {"page"}
        if unknown:
            raise BadRequest(f"unknown parameter {sorted(unknown)[0]!r}")
        q = params.get("q")
        date_from, date_to = _date("from", params.get("from")), _date("to", params.get("to"))
        try:
            page = int(params.get("page", "1"))
        except ValueError:
            raise BadRequest(f"page={params['page']!r} is not a number") from None
        if not 1 <= page <= MAX_PAGE:
            raise BadRequest(f"page must be between 1 and {MAX_PAGE}")
        result = self.store.search(q, issuer=params.get("issuer"), category=params.get("category"),
                                   doc_type=params.get("type"), date_from=date_from, date_to=date_to,
                                   gazette=params.get("gazette"), limit=page * PAGE_SIZE, facets=True)
        hits = result.hits[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        parts = [self._form(params), '<main><div id="results">']
        if result.relaxed:
            parts.append(f'<p class="notice">没有完全符合的结果，以下是最接近的文件（{esc(result.relaxed)}）。</p>')
        parts.append(f'<p class="count">共 {result.total} 条结果</p>' if (q or result.total)
                     else "<p>索引中还没有文件。</p>")
        for h in hits:
            parts.append(self._hit(h, q))
        parts.append(self._pager(params, page, result.total))
        parts.append(f"</div>{self._facets(params, result.facets or {})}</main>")
        return _page(f"{q} - 政府公报检索" if q else "政府公报检索", "".join(parts))

    def _form(self, params: dict[str, str]) -> str:
        def field_(name, label, kind="text"):
            return (f'<label>{esc(label)} <input type="{kind}" name="{name}" value="{esc(params.get(name, ""))}">'
                    "</label>")

        gazettes = sorted({s.entry.gazette_id for s in self.store.status()
                           if s.entry.gazette_id and s.entry.status == "ingested"})
        options = ['<option value="">全部</option>'] + [
            f'<option value="{esc(g)}"{" selected" if params.get("gazette") == g else ""}>{esc(g)}</option>'
            for g in gazettes]
        return ('<form class="search" method="get" action="/" style="padding:.8em 1.2em">'
                f'<input type="search" name="q" value="{esc(params.get("q", ""))}" placeholder="关键词、短语或文号" '
                'autofocus> <button type="submit">检索</button><fieldset>'
                + field_("issuer", "发文机关") + field_("category", "类别") + field_("type", "文种")
                + field_("from", "起", "date") + field_("to", "止", "date")
                + f'<label>公报 <select name="gazette">{"".join(options)}</select></label>'
                "</fieldset></form>")

    def _hit(self, h, q: str | None) -> str:
        link = doc_url(h.doc_number, h.gazette, h.position, q)
        cite = f"第{h.page}页" if h.page is not None else ""
        source = _url(f"/pdf/{h.gazette}", {}) + (f"#page={h.pdf_page}" if h.pdf_page else "")
        meta = " · ".join(esc(x) for x in [h.doc_number, "、".join(h.issuers), h.date,
                                            f"{h.gazette_title or h.gazette}{h.gazette_issue or ''}", cite] if x)
        flags = (" · OCR" if h.ocr else "") + (" · 近似" if h.relaxed else "")
        return (f'<div class="hit"><h3><a href="{esc(link)}">{esc(h.title)}</a></h3>'
                f'<div class="meta">{meta}{flags} · <a class="source" href="{esc(source)}">原文</a></div>'
                f'<div class="snippet">{marked(h.snippet_text, h.highlights)}</div></div>')

    def _pager(self, params: dict[str, str], page: int, total: int) -> str:
        last = min(MAX_PAGE, max(1, -(-total // PAGE_SIZE)))
        if last == 1:
            return ""
        links = []
        for p in range(max(1, page - 4), min(last, page + 4) + 1):
            links.append(f"<span>{p}</span>" if p == page
                         else f'<a href="{esc(_url("/", {**params, "page": str(p)}))}">{p}</a>')
        if page < last:
            links.append(f'<a rel="next" href="{esc(_url("/", {**params, "page": str(page + 1)}))}">下一页</a>')
        return f'<p class="pages">{"".join(links)}</p>'

    def _facets(self, params: dict[str, str], facets: dict[str, dict[str, int]]) -> str:
        base = {k: v for k, v in params.items() if k != "page"}
        out = ["<aside>"]
        for name, counts in facets.items():
            if not counts:
                continue
            out.append(f"<h4>{esc(FACET_NAMES.get(name, name))}</h4><ul>")
            for value, n in list(counts.items())[:12]:
                if value == "—":
                    out.append(f"<li>{esc(value)} ({n})</li>")
                    continue
                if name == "year":
                    link = {**base, "from": f"{value}-01-01", "to": f"{value}-12-31"}
                else:
                    link = {**base, FACET_PARAMS[name]: value}
                out.append(f'<li><a class="facet" href="{esc(_url("/", link))}">{esc(value)}</a> ({n})</li>')
            out.append("</ul>")
        return "".join(out) + "</aside>"

    # -- document --------------------------------------------------------------------------------
    def document_page(self, rest: str, params: dict[str, str]) -> Response:
        q = params.get("q")
        gid, _, position = rest.rpartition("/")
        if gid and position.isascii() and position.isdigit():
            g = self.store.gazette(gid)
            k = int(position)
            if not 1 <= k <= len(g.documents):
                raise NotFoundError(f"gazette {gid!r} has no document {k}")
            g, d = g, g.documents[k - 1]
        else:
            refs = self.store.show(rest)
            if params.get("gazette"):
                refs = [r for r in refs if r.gazette_id == params["gazette"]] or refs
            if len(refs) > 1:
                items = "".join(f'<li><a href="{esc(doc_url(r.document.doc_number, r.gazette_id, 0, q))}">'
                                f"{esc(r.document.title)}</a> — {esc(r.gazette.gazette.title)} "
                                f"{esc(r.gazette_id)}</li>" for r in refs)
                return _page(rest, f"<main><div id=results><p>{esc(rest)} 见于多期公报：</p><ul>{items}</ul></div></main>")
            g, d = refs[0].gazette, refs[0].document
        needles = self.store.highlight_terms(q) if q else []
        validity = self.store.relation_graph().validity(f"{g.gazette.id}#{g.documents.index(d)}")
        span = " – ".join(x for x in (validity.effective_from, validity.expires) if x)
        fields = [("文号", d.doc_number), ("文种", d.doc_type), ("发文机关", "、".join(d.issuers)), ("成文日期", d.date),
                  ("类别", d.category), ("主送", d.addressees), ("公开", d.disclosure), ("附件", "；".join(d.attachments)),
                  ("公报", f"{g.gazette.title or g.gazette.id} {g.gazette.year or ''}年第{g.gazette.number or ''}期"),
                  ("页码", f"{d.page_start}–{d.page_end}" if d.page_start is not None else None),
                  ("效力", STATUS_NAMES.get(validity.status, validity.status) + (f"（{span}）" if span else ""))]
        source = _url(f"/pdf/{g.gazette.id}", {}) + (f"#page={d.pdf_page_start}" if d.pdf_page_start else "")
        parts = [f"<main><div id=results><h2>{marked(d.title, find_spans(d.title, needles))}</h2><dl class=fields>"]
        parts += [f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in fields if v]
        parts.append(f'</dl><p><a class="source" href="{esc(source)}">打开原文 PDF（第{d.pdf_page_start}页）</a></p>')
        parts.append(f'<div class="body">{marked(d.body, find_spans(d.body, needles))}</div>')
        for k, t in enumerate(d.tables, 1):
            parts.append(self._table(t, k))
        if d.tables and d.doc_number:
            csv_url, xlsx_url = (_url(f"/tables/{d.doc_number}.{ext}", {"gazette": g.gazette.id}) for ext in ("csv", "xlsx"))
            parts.append(f'<p>下载表格：<a class="csv" href="{esc(csv_url)}">CSV</a> · '
                         f'<a class="xlsx" href="{esc(xlsx_url)}">XLSX</a></p>')
        parts.append(self._citations(d))
        parts.append("</div></main>")
        return _page(d.title, "".join(parts))

    def _table(self, t, k: int) -> str:
        caption = " ".join(x for x in (t.attachment, t.caption) if x) or f"表{k}"
        head = "".join(f"<th>{esc(c)}</th>" for c in t.header)
        rows = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in t.rows)
        return f'<table class="data"><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'

    def _citations(self, d) -> str:
        out = []
        if d.citations:
            items = []
            numbers = self.store.relation_graph().by_number  # what the home holds, without loading each
            for number in d.citations:
                if normalize_doc_number(number) in numbers:
                    items.append(f'<li><a class="cited" href="{esc(doc_url(number, "", 0))}">{esc(number)}</a></li>')
                else:
                    items.append(f"<li>{esc(number)}（不在索引中）</li>")
            out.append(f"<h3>引用的文件</h3><ul>{''.join(items)}</ul>")
        if d.doc_number:
            citing = self.store.cited_by(d.doc_number)
            if citing:
                items = "".join(f'<li><a href="{esc(doc_url(c.doc_number, c.gazette, c.position))}">{esc(c.title)}</a> '
                                f"{esc(c.doc_number or '')} {esc(c.date or '')}</li>" for c in citing)
                out.append(f"<h3>引用本文件的文件</h3><ul>{items}</ul>")
        return "".join(out)

    # -- files -------------------------------------------------------------------------------------
    def source_pdf(self, gazette_id: str) -> Response:
        if not gazette_id or "/" in gazette_id:
            raise NotFoundError(f"no gazette {gazette_id!r}")
        path = self.store.source_pdf(gazette_id)
        return Response(200, path.read_bytes(), "application/pdf",
                        {"Content-Disposition": f"inline; filename*=UTF-8''{quote(path.name)}"})

    def table_file(self, name: str, params: dict[str, str]) -> Response:
        from . import export

        number, dot, ext = name.rpartition(".")
        if not dot or not number or ext not in ("csv", "xlsx"):
            raise NotFoundError(f"no table file {name!r}: use /tables/<文号>.csv or .xlsx")
        found = self.store.tables(number, gazette=params.get("gazette"))
        filename = quote(f"{number}.{ext}")
        disposition = {"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"}
        if ext == "csv":
            return Response(200, export.to_csv(found).encode("utf-8"), "text/csv; charset=utf-8", disposition)
        with tempfile.TemporaryDirectory(prefix="gazette-xlsx-") as tmp:
            path = Path(tmp) / "tables.xlsx"
            export.write_xlsx(found, path)
            data = path.read_bytes()
        return Response(200, data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", disposition)


# -- the server ------------------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    app: WebApp  # set on the subclass made by make_server
    allowed_hosts: frozenset[str] = frozenset()  # Host headers answered; empty: any
    server_version = "gazette"

    def do_GET(self):  # noqa: N802 - the http.server name
        self._answer(send_body=True)

    def do_HEAD(self):  # noqa: N802
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        host = (self.headers.get("Host") or "").lower()
        if self.allowed_hosts and host not in self.allowed_hosts:
            # a page bound to this machine answers only to its own names (no DNS rebinding)
            r = self.app.error(400, "bad request", f"unknown Host {host!r}")
        else:
            r = self.app.handle(self.path)
        self.send_response(r.status)
        self.send_header("Content-Type", r.content_type)
        self.send_header("Content-Length", str(len(r.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'")
        for k, v in r.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if send_body:
            self.wfile.write(r.body)

    def log_message(self, format, *args):  # noqa: A002 - the http.server signature
        log.info("%s %s", self.address_string(), format % args)


def make_server(store: GazetteStore, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A threaded HTTP server for the page (port 0: any free port; server.server_address says which)."""
    handler = type("Handler", (_Handler,), {"app": WebApp(store)})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    if host in LOCAL_HOSTS:
        bound = server.server_address[1]
        handler.allowed_hosts = frozenset(f"{name}{suffix}" for name in ("127.0.0.1", "localhost", "[::1]")
                                          for suffix in ("", f":{bound}"))
    return server
