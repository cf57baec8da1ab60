"""Search results for writing: every hit with the fields a citation needs, as CSV, JSON or RIS
(for Zotero, EndNote and the like), and hits grouped by issue."""

from __future__ import annotations

import csv
import io
import json
from collections import OrderedDict

from .export import safe_cell

CITATION_FIELDS = ["doc_number", "title", "issuers", "date", "doc_type", "gazette", "gazette_title", "gazette_issue",
                   "page", "page_start", "page_end", "pdf_page"]


def citation_record(hit) -> dict:
    d = hit.to_dict()
    return {k: ("、".join(d[k]) if k == "issuers" else d[k]) for k in CITATION_FIELDS}


def to_csv(hits) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CITATION_FIELDS)
    for h in hits:
        rec = citation_record(h)
        w.writerow([safe_cell("" if rec[k] is None else str(rec[k])) for k in CITATION_FIELDS])
    return buf.getvalue()


def to_json(hits) -> str:
    return json.dumps([citation_record(h) for h in hits], ensure_ascii=False, indent=2) + "\n"


def _ris_line(tag: str, value) -> str:
    text = " ".join(str(value).split())  # one line: RIS has no continuation
    return f"{tag}  - {text}"


def to_ris(hits) -> str:
    """One GOVDOC record a hit: issuers as authors, the gazette as the secondary title, the
    issue, the printed page to cite, the 文号 as the number."""
    out = []
    for h in hits:
        lines = [_ris_line("TY", "GOVDOC"), _ris_line("TI", h.title)]
        lines += [_ris_line("AU", i) for i in h.issuers]
        if h.date:
            lines += [_ris_line("PY", h.date[:4]), _ris_line("DA", h.date.replace("-", "/"))]
        if h.gazette_title:
            lines.append(_ris_line("T2", h.gazette_title))
        if h.gazette_issue:
            lines.append(_ris_line("IS", h.gazette_issue))
        if h.page is not None:
            lines.append(_ris_line("SP", h.page))
        if h.doc_number:
            lines.append(_ris_line("M1", h.doc_number))
        if h.doc_type:
            lines.append(_ris_line("M3", h.doc_type))
        lines.append(_ris_line("LA", "zh"))
        lines.append("ER  - ")
        out.append("\n".join(lines))
    return "\n\n".join(out) + ("\n" if out else "")


def group_by_gazette(hits, best: int = 3) -> list[dict]:
    """One row an issue, in the order of its best hit: its hit count and its best hits."""
    groups: OrderedDict[str, list] = OrderedDict()
    for h in hits:
        groups.setdefault(h.gazette, []).append(h)
    return [{"gazette": gid, "gazette_title": hs[0].gazette_title, "gazette_issue": hs[0].gazette_issue,
             "hits": len(hs), "best": [citation_record(h) for h in hs[:best]]} for gid, hs in groups.items()]
