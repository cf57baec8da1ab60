"""gazette: the command line. Parses options, calls pipeline, formats output."""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
import unicodedata
from pathlib import Path

import click

from pipeline import __version__
from pipeline.errors import GazetteError


class State:
    def __init__(self, home: str | None, debug: bool, backend: str | None = None, backend_url: str | None = None):
        from pipeline.store import GazetteStore

        self.store = GazetteStore(home, backend=backend, backend_url=backend_url)
        self.debug = debug


class GazetteCli(click.Group):
    """Maps the project's errors to one-line messages (exit 1); --debug shows tracebacks."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GazetteError as exc:
            if _debug(ctx):
                raise
            hint = f" (hint: {exc.hint})" if exc.hint else ""
            raise click.ClickException(f"{exc}{hint}") from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt,
                BrokenPipeError):
            raise
        except OSError as exc:
            if _debug(ctx):
                raise
            from pipeline.errors import os_error_message

            raise click.ClickException(os_error_message(exc)) from None
        except Exception as exc:
            if _debug(ctx):
                raise
            raise click.ClickException(
                f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)"
            ) from None


def _debug(ctx) -> bool:
    return "--debug" in sys.argv or bool(getattr(ctx.obj, "debug", False))


@click.group(cls=GazetteCli)
@click.option("--home", type=click.Path(file_okay=False), envvar="GAZETTE_HOME",
              help="Folder holding parsed/ and index/ (default: $GAZETTE_HOME, else the current folder).")
@click.option("--backend", type=click.Choice(["whoosh", "tantivy", "typesense"]), envvar="GAZETTE_BACKEND",
              help="Search engine of the index (default: $GAZETTE_BACKEND, else the one that built the home's "
                   "index, else whoosh). `--backend tantivy reindex` rebuilds a home's index with tantivy.")
@click.option("--backend-url", metavar="URL[,URL…]", envvar="GAZETTE_BACKEND_URL",
              help="Typesense node(s) for --backend typesense, e.g. http://host:8108 (API key: $TYPESENSE_API_KEY).")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.version_option(version=__version__, prog_name="gazette")
@click.pass_context
def cli(ctx, home, backend, backend_url, debug):
    """Search and mine Chinese government gazettes (政府公报)."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = State(home, debug, backend, backend_url)


# -- output helpers --------------------------------------------------------------

def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def aligned(header: list[str], rows: list[list[str]]) -> str:
    """A table as aligned text (CJK characters count double)."""
    cols = [header] + rows
    widths = [max(_width(str(r[i])) for r in cols) for i in range(len(header))]
    lines = ["  ".join(_pad(str(c), w) for c, w in zip(r, widths)).rstrip() for r in cols]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def format_option(*choices: str, default: str | None = None, help: str = "Output format."):  # noqa: A002
    """The --format option every command shares; the first choice is the default."""
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=default or choices[0],
                        show_default=True, help=help)


# -- parse / ingest -------------------------------------------------------------------

@cli.command()
@click.argument("pdf", type=click.Path(dir_okay=False))
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Worker processes (default: cores).")
@click.option("--ocr", type=click.Choice(["auto", "never", "force"]), default="auto", show_default=True,
              help="OCR the pages without a usable text layer (auto), no page, or every page.")
@click.option("--engine", type=click.Choice(["pdfium", "pdfplumber"]), default="pdfium", show_default=True,
              help="PDF engine for characters: pdfium (fast) or pdfplumber (the reference; same result, slower).")
def parse(pdf, jobs, ocr, engine):
    """Parse one gazette PDF and print its JSON (nothing is written)."""
    import os

    from pipeline import parse_pdf
    from pipeline.ocr import OcrOptions

    click.echo(parse_pdf(Path(pdf), jobs=jobs or os.cpu_count() or 1, ocr=OcrOptions(mode=ocr), engine=engine).to_json())


class _BarProgress:
    """A rich progress bar on stderr: files and pages, per-file status, time left."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bar = None

    def start(self, files, pages):
        if self.quiet or not files:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("pages"), TimeRemainingColumn(), console=Console(stderr=True))
        self.bar.start()
        self.files, self.done = files, 0
        self.task = self.bar.add_task(self._label(), total=pages)

    def _label(self) -> str:
        return f"files {self.done}/{self.files}"

    def file_started(self, path):
        pass

    def pages_done(self, path, n):
        if self.bar:
            self.bar.advance(self.task, n)

    def file_done(self, r):
        if self.bar and r.status in ("added", "replaced", "failed") and r.sha256:
            self.bar.console.print(f"{r.status:9} {r.path}" + (f"  ({r.error})" if r.error else ""), markup=False,
                                   highlight=False)
            if r.status != "failed" or r.pages:
                self.done += 1
                self.bar.update(self.task, description=self._label())
        elif not self.quiet and r.status == "failed":
            click.echo(f"failed    {r.path}  ({r.error})", err=True)

    def stop(self):
        if self.bar:
            self.bar.stop()


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Worker processes (default: cores).")
@click.option("--force", is_flag=True, help="Re-parse files already ingested.")
@click.option("--replace", is_flag=True,
              help="A copy of an issue already ingested replaces it even when it is less complete.")
@click.option("--file-timeout", type=click.FloatRange(1, None), default=300, show_default=True,
              help="Seconds a worker may spend on a chunk of a file's pages before the file fails as too slow.")
@click.option("--max-memory", type=click.IntRange(64, None), default=2048, show_default=True,
              help="MB of memory a worker may add reading a file before it fails as too large.")
@click.option("--ocr", type=click.Choice(["auto", "never", "force"]), default="auto", show_default=True,
              help="OCR the pages without a usable text layer (auto), no page, or every page.")
@click.option("--engine", type=click.Choice(["pdfium", "pdfplumber"]), default="pdfium", show_default=True,
              help="PDF engine for characters: pdfium (fast) or pdfplumber (the reference; same result, slower).")
@click.option("--scheduler", metavar="ADDRESS",
              help="Read pages on a Dask cluster: tcp://host:8786, or local:N for N worker processes here "
                   "(the [cluster] extra). Documents are built and stored here as without it; "
                   "--file-timeout and --max-memory do not apply on Dask workers (give them --memory-limit).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary table.")
@format_option("table", "json", help="Summary format.")
@click.pass_obj
def ingest(state, paths, jobs, force, replace, file_timeout, max_memory, ocr, engine, scheduler, quiet, fmt):
    """Parse PDFs (files or folders, recursive), write parsed/ and index them."""
    progress = _BarProgress(quiet or fmt == "json")
    try:
        report = state.store.ingest(list(paths), jobs=jobs, force=force, replace=replace, file_timeout=file_timeout,
                                    max_memory_mb=max_memory, ocr=ocr, engine=engine, progress=progress,
                                    scheduler=scheduler)
    except KeyboardInterrupt:
        progress.stop()
        click.echo("gazette: interrupted; what finished is kept, run the same ingest again to do the rest",
                   err=True)
        sys.exit(130)
    finally:
        progress.stop()
    if not report.files:
        click.echo("gazette: no PDF files found in " + ", ".join(paths), err=True)
    counts = report.counts
    if fmt == "json":
        echo_json(report.to_dict())
    elif not quiet:
        for m in report.watches:
            click.echo(f"saved search {m.name}: {len(m.hits)} new document(s)")
            for h in m.hits:
                click.echo(f"  {h.doc_number or '(无文号)'}  {h.title}  {h.gazette} 第{h.page}页")
        click.echo(aligned(["status", "files"], [[k.replace("_", " "), str(v)] for k, v in counts.items()]))
        for r in report.failed:
            click.echo(f"failed: {r.path}: {r.error}")
        for r in report.files:
            if r.status == "duplicate":
                click.echo(f"duplicate: {r.path}: {r.note}")
        if counts["with_warnings"]:
            click.echo("review: `gazette status --warnings` lists what the parser was unsure of")
    for r in report.failed:
        if quiet:
            click.echo(f"gazette: {r.path}: {r.error}", err=True)
    if report.failed:
        sys.exit(1)


@cli.command()
@click.option("--warnings", "only_warnings", is_flag=True,
              help="Only the ingested gazettes the parser was unsure of, with what it was unsure of.")
@format_option("table", "json")
@click.pass_obj
def status(state, only_warnings, fmt):
    """Every file the manifest has seen; files parsed by an older parser are marked stale, and
    the number of parser warnings (things to review) is given for each."""
    entries = state.store.status(with_warnings=only_warnings)
    if fmt == "json":
        echo_json([e.to_dict() for e in entries])
        return
    rows = [[e.entry.path, e.entry.gazette_id or "", e.entry.status + (" (stale)" if e.entry.stale else ""),
             str(e.entry.warnings), e.entry.parser_version or "", e.entry.time, e.entry.error or ""]
            for e in entries]
    click.echo(aligned(["file", "gazette", "status", "warnings", "parser", "time", "error"], rows))
    for e in entries if only_warnings else ():
        click.echo(f"\n{e.entry.gazette_id}:")
        for w in e.warning_texts:
            click.echo(f"  - {w}")


@cli.command()
@click.option("--stale", is_flag=True, help="Re-parse only files ingested with an older parser version.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None)
@format_option("table", "json")
@click.pass_obj
def reindex(state, stale, jobs, fmt):
    """Rebuild index/ from parsed/ (no PDF is read), or re-parse stale files with --stale."""
    report = state.store.reindex(stale=stale, jobs=jobs)
    if fmt == "json":
        echo_json(report.to_dict())
    elif stale:
        click.echo(f"re-parsed {len(report.reparsed.files)} gazette file(s)")
    else:
        click.echo(f"indexed {report.indexed} gazette file(s)")
    for p in report.missing:
        click.echo(f"missing: {p} (the PDF is gone; remove the issue or restore the file)", err=True)
    for p in report.unreadable:
        click.echo(f"unreadable: {p} (left out of the index; ingest its PDF again)", err=True)
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.argument("gazette_id")
@format_option("table", "json")
@click.pass_obj
def remove(state, gazette_id, fmt):
    """Delete one gazette issue from the index, parsed/ and the manifest."""
    state.store.remove(gazette_id)
    if fmt == "json":
        echo_json({"removed": gazette_id})
    else:
        click.echo(f"removed {gazette_id}")


# -- search / show / tables / stats -------------------------------------------------------

def _date(ctx, param, value):
    from pipeline.normalize import check_iso_date

    try:
        return check_iso_date(value) if value else value
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def search_options(f):
    """The query and filters `search` and `watch add` share."""
    for option in reversed([
        click.argument("query", required=False),
        click.option("--number", help="文号, any bracket style or spacing."),
        click.option("--issuer", help="A signing body (exact; joint documents match each issuer)."),
        click.option("--category", help="TOC section, e.g. 区政府文件."),
        click.option("--type", "doc_type", help="文种, e.g. 通知."),
        click.option("--from", "date_from", callback=_date, help="Earliest document date, YYYY-MM-DD."),
        click.option("--to", "date_to", callback=_date, help="Latest document date, YYYY-MM-DD."),
        click.option("--gazette", help="Only this gazette issue (id)."),
        click.option("--strict", is_flag=True, help="Only the query as typed: no loose 文号, relaxed words or title "
                                                    "recall when it finds nothing."),
        click.option("--in-force", is_flag=True, help="Only documents in force today (or on --as-of): see `show`."),
        click.option("--as-of", callback=_date, help="With --in-force: in force on this day, YYYY-MM-DD."),
    ]):
        f = option(f)
    return f


@cli.command()
@search_options
@click.option("--limit", type=click.IntRange(1, 10000), default=10, show_default=True)
@click.option("--facets", is_flag=True, help="Add counts by issuer, category, 文种 and year.")
@click.option("--group-by", type=click.Choice(["gazette"]), help="One row an issue: its hits and best three.")
@click.option("--export", "export_fmt", type=click.Choice(["csv", "json", "ris"]),
              help="Every hit (not only --limit) with its citation fields, as CSV, JSON or RIS (Zotero, EndNote).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="With --export: write to this file.")
@format_option("table", "json", "csv")
@click.pass_obj
def search(state, query, limit, facets, group_by, export_fmt, output, fmt, **options):
    """Ranked full-text search; with only filters, lists matching documents, newest first."""
    from pipeline import result_export

    options["in_force"] = options["in_force"] or bool(options["as_of"])
    if export_fmt or group_by:
        result = state.store.search(query, limit=None, **options)
        if group_by:
            rows = result_export.group_by_gazette(result.hits)
            if fmt == "json":
                echo_json(rows)
            else:
                click.echo(aligned(["公报", "期", "hits", "best"], [
                    [r["gazette_title"] or r["gazette"], r["gazette_issue"] or "", str(r["hits"]),
                     "；".join(b["doc_number"] or b["title"] for b in r["best"])] for r in rows]))
            return
        text = {"csv": result_export.to_csv, "json": result_export.to_json, "ris": result_export.to_ris}[export_fmt](
            result.hits)
        if output:
            from pipeline.model import atomic_write_text

            atomic_write_text(Path(output), text)
            click.echo(f"wrote {len(result.hits)} hit(s) to {output}", err=True)
        else:
            click.echo(text, nl=False)
        return
    result = state.store.search(query, limit=limit, facets=facets, **options)
    _print_hits(result, facets, fmt)


def _print_hits(result, facets, fmt) -> None:
    hits = [h.to_dict() for h in result.hits]
    if result.relaxed and fmt != "json":
        click.echo(f"gazette: nothing matches the query as typed; showing the closest documents ({result.relaxed}). "
                   "--strict shows only exact matches", err=True)
    if fmt == "json":
        echo_json({"hits": hits, "total": result.total, "facets": result.facets, "relaxed": result.relaxed}
                  if facets else hits)
        return
    if fmt == "csv":
        buf = io.StringIO()
        cols = ["doc_number", "title", "issuers", "date", "category", "doc_type", "gazette", "page", "page_start",
                "page_end", "score", "snippet"]
        w = csv.writer(buf)
        w.writerow(cols)
        for h in hits:
            w.writerow(["、".join(h[c]) if c == "issuers" else h[c] for c in cols])
        click.echo(buf.getvalue(), nl=False)
        return
    if not hits:
        click.echo("no documents found")
    colour = sys.stdout.isatty()
    for i, h in enumerate(hits, 1):
        from pipeline.search import mark

        snippet = mark(h["snippet_text"], h["highlights"], "\x1b[1;31m", "\x1b[0m") if colour else h["snippet"]
        click.echo(f"{i}. {h['doc_number'] or '(无文号)'}  {h['title']}")
        click.echo(f"   {'、'.join(h['issuers'])} · {h['date'] or '—'} · {h['gazette_title'] or ''}"
                   f"{h['gazette_issue'] or ''} 第{h['page']}页 · score {h['score']}" + (" · OCR" if h["ocr"] else ""))
        click.echo(f"   {snippet}")
    if facets and result.facets:
        for name, counts in result.facets.items():
            click.echo(f"\n{name}:")
            click.echo(aligned([name, "documents"], [[k, str(v)] for k, v in counts.items()]))


@cli.group()
def watch():
    """Saved searches: kept by name in the home; every ingest lists the documents new to each."""


@watch.command("add")
@click.argument("name")
@search_options
@click.pass_obj
def watch_add(state, name, query, **options):
    """Save a search as NAME (same query and filters as `search`); what it finds now counts as seen."""
    options["in_force"] = options["in_force"] or bool(options["as_of"])
    w = state.store.watch_add(name, query, **options)
    click.echo(f"saved {name}: {w.command_line()} ({len(w.seen)} documents now)", err=True)


@watch.command("list")
@format_option("table", "json")
@click.pass_obj
def watch_list(state, fmt):
    """The saved searches, with the search command each runs."""
    saved = state.store.watches()
    if fmt == "json":
        echo_json([dict(w.to_dict(), command=w.command_line()) for w in saved])
    elif saved:
        click.echo(aligned(["name", "search", "seen"], [[w.name, w.command_line(), str(len(w.seen))] for w in saved]))
    else:
        click.echo("no saved searches (gazette watch add NAME QUERY …)", err=True)


@watch.command("remove")
@click.argument("name")
@click.pass_obj
def watch_remove(state, name):
    """Forget a saved search."""
    state.store.watch_remove(name)
    click.echo(f"removed {name}", err=True)


@watch.command("run")
@click.argument("name", required=False)
@click.option("--new", "only_new", is_flag=True, help="Only the documents not reported before (and mark them seen).")
@format_option("table", "json", "csv")
@click.pass_obj
def watch_run(state, name, only_new, fmt):
    """Run one saved search (or all) now, as `search` would."""
    names = [name] if name else [w.name for w in state.store.watches()]
    if only_new:
        found = state.store.watch_new(names)
        if fmt == "json":
            echo_json([m.to_dict() for m in found])
            return
        for m in found:
            click.echo(f"{m.name}: {len(m.hits)} new  ({m.command})")
            for h in m.hits:
                click.echo(f"  {h.doc_number or '(无文号)'}  {h.title}  {h.gazette} 第{h.page}页")
        return
    for n in names:
        if len(names) > 1 and fmt == "table":
            click.echo(f"== {n}")
        _print_hits(state.store.watch_run(n, limit=None), False, fmt)


@cli.command()
@click.argument("doc_number")
@format_option("text", "json")
@click.pass_obj
def show(state, doc_number, fmt):
    """One document by 文号: its fields, whether it is in force, its relations, text and tables."""
    related = state.store.relations(doc_number)  # each document with this 文号, its validity and relations
    if fmt == "json":
        out = [dict(rel.ref.to_dict(), validity=rel.validity.to_dict(), relations=rel.to_dict()["relations"])
               for rel in related]
        echo_json(out if len(out) > 1 else out[0])
        return
    for rel in related:
        g, d = rel.ref.gazette, rel.ref.document
        v = rel.validity
        span = " – ".join(x for x in (v.effective_from, v.expires) if x)
        fields = [("文号", d.doc_number), ("标题", d.title), ("文种", d.doc_type), ("发文机关", "、".join(d.issuers)),
                  ("成文日期", d.date), ("类别", d.category), ("主送", d.addressees), ("公开", d.disclosure),
                  ("附件", "；".join(d.attachments)), ("公报", f"{g.gazette.title} {g.gazette.year}年第{g.gazette.number}期"),
                  ("页码", f"{d.page_start}-{d.page_end}"), ("效力", f"{v.status}" + (f" ({span})" if span else ""))]
        for k, value in fields:
            if value:
                click.echo(f"{k}：{value}")
        for line in v.evidence:
            click.echo(f"  依据：{line}")
        _echo_relations(state.store, rel)
        click.echo("")
        click.echo(d.body)
        for t in d.tables:
            click.echo(f"\n{t.attachment or ''} {t.caption or ''} (第{t.page_start}页)".rstrip())
            click.echo(aligned(t.header, t.rows))


RELATION_NAMES = {"cites": "引用", "promulgates": "印发", "forwards": "转发", "amends": "修改", "repeals": "废止",
                  "replaces": "取代"}


def _echo_relations(store, rel) -> None:
    graph = store.relation_graph()

    def name(key):
        _, d = graph.docs[key]
        return f"{d.doc_number or d.title}"

    for r in rel.outgoing:
        where = f"第{r.page}页" if r.page is not None else ""
        target = (" (附件)" if r.target == r.source else f" → {name(r.target)}") if r.target else " (not in this home)"
        inferred = " (inferred from the titles)" if r.inferred else ""
        click.echo(f"  {RELATION_NAMES[r.kind]}：{r.target_text}{target} {where}{inferred}".rstrip())
    for r in rel.incoming:
        click.echo(f"  被{RELATION_NAMES[r.kind]}：{name(r.source)} ({r.target_text})")


@cli.command()
@click.argument("doc_number")
@click.option("--depth", type=click.IntRange(1, 5), default=1, show_default=True,
              help="Follow relations this many steps out and in.")
@click.option("--gazette", help="The issue, when the 文号 is in several.")
@format_option("text", "json", "dot")
@click.pass_obj
def relations(state, doc_number, depth, gazette, fmt):
    """The documents around one: what it cites, promulgates, forwards, amends, repeals or
    replaces, and what refers to it; --format dot for Graphviz."""
    from pipeline.graphs import relation_edges, to_dot

    start = state.store.relations(doc_number, gazette)
    if not start:
        raise click.ClickException(f"no document {doc_number} in issue {gazette}")
    graph = state.store.relation_graph()
    keys = [r.key for r in start]
    edges = relation_edges(graph, keys, depth)
    if fmt == "json":
        echo_json({"documents": keys, "edges": [e.to_dict() for e in edges]})
    elif fmt == "dot":
        click.echo(to_dot(graph, edges, keys))
    else:
        if not edges:
            click.echo("no relations")
        for e in edges:
            target = graph.docs[e.target][1].doc_number if e.target else e.target_text
            source = graph.docs[e.source][1].doc_number or graph.docs[e.source][1].title
            click.echo(f"{source} {RELATION_NAMES[e.kind]} {target}" + ("" if e.target else " (not in this home)"))


@cli.command()
@click.argument("doc_number", required=False)
@click.option("--search", "words", help="Only tables whose caption, header or cells hold all these words.")
@click.option("--column", help="Only tables with a column of this name (normalized: 事项 finds `事 项（万元）`).")
@click.option("--gazette", help="Only tables of this issue (id): a 文号 may be in several.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xlsx", "sqlite", "list"]), default=None,
              help="csv (default), json, xlsx or sqlite (both need -o), or list: one line a table "
                   "(the default with --search or --column).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (xlsx and sqlite need it).")
@click.pass_obj
def tables(state, doc_number, words, column, gazette, fmt, output):
    """Export tables (of one document, or all), each row with its 文号 and the table's caption;
    --search and --column find tables across every issue."""
    from pipeline import export
    from pipeline.model import atomic_write_text
    from pipeline.normalize import normalize_doc_number

    if doc_number and not normalize_doc_number(doc_number):
        raise click.BadParameter(f"{doc_number!r} is not a 文号", param_hint="DOC_NUMBER")
    fmt = fmt or ("list" if words or column else "csv")
    where = dict(search=words, column=column, gazette=gazette)
    if fmt in ("xlsx", "sqlite") and not output:
        raise click.UsageError(f"--format {fmt} needs -o FILE.{'xlsx' if fmt == 'xlsx' else 'db'}")
    if fmt == "sqlite":
        report = state.store.export_sqlite(output, doc_number, **where)
        click.echo(f"wrote {report.tables} table(s), {report.rows} rows, {len(report.views)} view(s) to {output}",
                   err=True)
        return
    found = state.store.tables(doc_number, **where)
    if not found:
        click.echo(f"no tables{' in ' + doc_number if doc_number else ''}", err=True)
    if fmt == "list":
        _list_tables(found, column)
        return
    if fmt == "xlsx":
        export.write_xlsx(found, Path(output))
        click.echo(f"wrote {len(found)} table(s) to {output}", err=True)
        return
    text = export.to_csv(found) if fmt == "csv" else export.to_json(found) + "\n"
    if output:
        atomic_write_text(Path(output), text)
        click.echo(f"wrote {len(found)} table(s) to {output}", err=True)
    else:
        click.echo(text, nl=False)


def _list_tables(found, column) -> None:
    from pipeline.table_data import typed_columns

    rows = []
    for t in found:
        cols = typed_columns(t.table)
        shown = ", ".join(c.name + (f"（{c.unit}）" if c.unit else "") + ("" if c.type == "text" else f" [{c.type}]")
                          for c in cols)
        rows.append([t.doc_number or "—", t.table.caption or t.title, t.pages or "—", str(len(t.rows)), shown,
                     t.gazette])
    if rows:
        click.echo(aligned(["文号", "表题", "页码", "行", "列", "公报"], rows))


@cli.group()
def export():
    """Export the home's data for other tools."""


@export.command("sqlite")
@click.argument("output", type=click.Path(dir_okay=False))
@click.pass_obj
def export_sqlite(state, output):
    """One SQLite database of every issue, document and table: typed cells, a view per table
    family across issues (opens in Datasette as it is)."""
    report = state.store.export_sqlite(output)
    click.echo(f"wrote {report.gazettes} gazette(s), {report.documents} documents, {report.tables} tables, "
               f"{report.rows} rows and {len(report.views)} view(s) to {output}", err=True)


@cli.command()
@format_option("table", "json")
@click.pass_obj
def stats(state, fmt):
    """Gazettes, documents and tables in the index, and its size."""
    s = state.store.stats()
    if fmt == "json":
        echo_json(s.to_dict())
    else:
        click.echo(aligned(["gazettes", "documents", "tables", "index size", "backend"],
                           [[str(s.gazettes), str(s.documents), str(s.tables),
                             "on the server" if s.backend == "typesense" else f"{s.index_bytes / 1024:.0f} KiB",
                             s.backend]]))


# -- the web page ----------------------------------------------------------------------

@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but localhost shows the page to the network (it has no login).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free port.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
@click.pass_obj
def serve(state, host, port, open_browser):
    """A local search page over this home: search, documents, source pages, table downloads."""
    from pipeline.web import LOCAL_HOSTS, make_server

    state.store.stats()  # no index: one clear error with its hint, before listening
    try:
        server = make_server(state.store, host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{server.server_address[1]}/"
    if host not in LOCAL_HOSTS:
        click.echo(f"gazette: warning: listening on {host}: anyone who can reach this address can use the page; "
                   "it has no login", err=True)
    click.echo(f"serving {state.store.root} at {url} (Ctrl-C stops)", err=True)
    click.echo(url)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("gazette: stopped", err=True)
    finally:
        server.server_close()


def _terminate(signum, frame):
    raise KeyboardInterrupt  # SIGTERM ends a run as Ctrl-C does: one line, workers stopped


def main():
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    cli(prog_name="gazette")


if __name__ == "__main__":
    main()
