"""Gazette mining: parse Chinese government gazette PDFs, index them, search them.

The public API (imported on first use, so `import pipeline` stays cheap):

- `GazetteStore(home)`: ingest, search, show, tables, cited_by, status, reindex, remove, stats of one home;
- `parse_pdf(path)`: one PDF to a `Gazette` record, nothing written;
- `tables_frame(home)`: every table cell of a home as a pandas DataFrame (pandas installed);
- the records `Gazette`, `Document`, `Table`, and `ParseSettings` (the parser's tolerances);
- `GazetteError`, the base of every error raised on purpose.
"""

__version__ = "0.3.0"

_EXPORTS = {
    "GazetteStore": "store",
    "DocumentRef": "store",
    "Citation": "store",
    "DocumentRelations": "store",
    "parse_pdf": "parser",
    "tables_frame": "store",
    "Gazette": "model",
    "Document": "model",
    "Table": "model",
    "ParseSettings": "settings",
    "GazetteError": "errors",
    "SearchResult": "search",
    "Hit": "search",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
