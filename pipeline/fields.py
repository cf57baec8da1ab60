"""Stage 6: the fields of one document: addressees, signature (issuers), date, disclosure note,
attachment names, body text, personnel records and citations."""

from __future__ import annotations

import re

from .layout import Layout, paragraphs
from .model import DocNumberParts, Document, PersonnelRecord
from .normalize import CJK, COLONS, SENTENCE_END, find_doc_numbers, is_date_line, join_wrapped, nfkc, parse_date
from .pages import Line
from .segment import Span, doc_type_of
from .tables import build_tables

_DISCLOSURE_RE = re.compile(r"^[（(]\s*((?:此件|本件)[^）)]*?)\s*[）)]$")
_ORG_END = ("政府", "局", "委", "办公室", "办", "会", "院", "处", "厅", "部", "所", "站", "中心", "队", "团",
            "社", "公司", "行", "室", "组", "府", "署", "馆", "校")
_ATTACH_HEAD_RE = re.compile(r"^附\s*件\s*(?P<n>\d{1,2})?\s*[:：]\s*(?P<rest>.*)$")
MAX_ISSUER_CHARS = 40  # a signing body's name is never longer; a longer line is text
_ITEM_NUM_RE = re.compile(r"^\s*(?P<n>\d{1,2})\s*[.．、]\s*")


def _is_right_block(ln: Line, layout: Layout) -> bool:
    """Set towards the right: starting past a third of the line, or ending near the right margin
    while starting further in than any paragraph indent (joint signers side by side)."""
    em, st = layout.body_size, layout.settings
    return ln.x0 > layout.left + (layout.right - layout.left) * st.signature_indent_share or (
        ln.x1 > layout.right - st.signature_reach * em and ln.x0 > layout.left + st.signature_min_indent * em)


def _split_signers(text: str) -> list[str]:
    parts = [p for p in re.split(r"\s{1,}", text.strip()) if p]
    if len(parts) > 1 and all(len(p) >= 4 and p.endswith(_ORG_END) for p in parts):
        return parts
    return [re.sub(r"\s+", "", text)]


def _signature(lines: list[Line], layout: Layout) -> tuple[int | None, list[str], str | None]:
    """Index of the date line, the signing bodies above it, and the ISO date."""
    for d, ln in enumerate(lines):
        if not is_date_line(ln.text) or ln.center < (layout.left + layout.right) / 2 - layout.body_size:
            continue
        signers: list[str] = []
        j = d - 1
        while j >= 0 and len(signers) < 6:
            s = lines[j]
            text = s.text.strip()
            names = _split_signers(text)
            if (not _is_right_block(s, layout) or text.endswith(SENTENCE_END + COLONS)
                    or max(len(n) for n in names) > MAX_ISSUER_CHARS):
                break
            signers[:0] = names
            j -= 1
        return d, signers, parse_date(nfkc(ln.text))
    return None, [], None


def _attachment_names(lines: list[Line]) -> list[str]:
    """Names from the attachment note: 附件：1.名称 2.名称 (one line or several), 附件1：名称."""
    names: list[str] = []
    in_note = False
    for ln in lines:
        text = ln.text.strip()
        m = _ATTACH_HEAD_RE.match(text)
        if m:
            in_note = True
            rest = m.group("rest")
        elif in_note and _ITEM_NUM_RE.match(text):
            rest = text
        else:
            in_note = False
            continue
        names.extend(_split_items(rest))
    return [n for n in names if n and n not in ("略",)]


def _split_items(text: str) -> list[str]:
    """'1.甲2.乙' -> ['甲', '乙']: split at the next expected item number only."""
    m = _ITEM_NUM_RE.match(text)
    if not m:
        return [text.strip()]
    items, n, rest = [], int(m.group("n")), text[m.end():]
    while True:
        nxt = re.search(rf"(?<!\d){n + 1}\s*[.．、](?!\d)", rest)
        if not nxt:
            items.append(rest.strip())
            return items
        items.append(rest[: nxt.start()].strip())
        rest, n = rest[nxt.end():], n + 1


_APPOINT_RE = re.compile(r"(任命|聘任|聘用|免去|撤销|解聘)\s*[:：]?")
_NAME = rf"[{CJK}·]{{2,5}}?"


def personnel_records(body: str, title: str = "") -> list[PersonnelRecord]:
    """任命/免去 decisions: '决定任命：王某为某职。' '决定免去：李某的某职务。' — in a personnel
    notice (its title says so, or its body decides an appointment)."""
    if not (re.search(r"(决定|同意)\s*(任命|免去|聘任|解聘|免职)", body)
            or re.search(r"任免|任命|任职|免职|聘任|解聘|职务", title)):
        return []
    text = body.replace("\n", "")
    records: list[PersonnelRecord] = []
    marks = list(_APPOINT_RE.finditer(text))
    for k, m in enumerate(marks):
        seg_end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        segment = re.split(r"决定|同意|特此通知|[（(]此件", text[m.end(): seg_end])[0]
        action = "免去" if m.group(1) in ("免去", "撤销", "解聘") else "任命"
        for item in re.split(r"[；;。\n]", segment):
            item = item.strip(" ，,")
            if not item:
                continue
            if action == "任命":
                r = re.match(rf"^(?P<name>{_NAME})为(?P<pos>.+?)(?:[（(]试用期[^）)]*[）)])?$", item)
            else:
                r = re.match(rf"^(?P<name>{_NAME})(?:同志)?的(?P<pos>.+?)职务$", item) or re.match(
                    rf"^(?P<name>{_NAME})(?:同志)?(?P<pos>.+?)职务$", item
                )
            if r:
                for name in r.group("name").split("、"):
                    records.append(PersonnelRecord(name, action, r.group("pos")))
    return records


def _addressees(lines: list[Line], layout: Layout) -> tuple[str | None, int]:
    """The 主送机关 block: flush-left line(s) at the top ending with a colon; and where the
    text after it starts."""
    if not lines or lines[0].x0 > layout.left + layout.settings.flush_left * layout.body_size:
        return None, 0
    for k in range(min(3, len(lines))):
        if lines[k].text.rstrip().endswith(COLONS):
            return join_wrapped([ln.text for ln in lines[: k + 1]]).rstrip("：:").strip(), k + 1
        if lines[k].x1 < layout.right - 2 * layout.body_size:
            break
    return None, 0


def _disclosure(lines: list[Line], date_idx: int | None) -> str | None:
    """The 附注 right under the date: （此件公开发布）."""
    if date_idx is None:
        return None
    for ln in lines[date_idx + 1: date_idx + 3]:
        m = _DISCLOSURE_RE.match(ln.text.strip())
        if m:
            return re.sub(r"\s+", "", m.group(1))
    return None


def _body(lines: list[Line], layout: Layout) -> tuple[str, list[list[int]]]:
    """Paragraphs joined by newlines, and where each printed page's text begins in them."""
    paras = paragraphs(lines, layout)
    page_marks: list[list[int]] = []
    offset = 0
    for text, page in paras:
        printed = layout.printed_page(page)
        if printed is not None and (not page_marks or page_marks[-1][1] != printed):
            page_marks.append([offset, printed])
        offset += len(text) + 1
    return "\n".join(text for text, _ in paras), page_marks


def _citations(body: str, own: str | None) -> list[str]:
    """Other documents' numbers cited in the body, once each, in order."""
    # a 文号 broken at a paragraph break ("…（阳政办发" / "〔2023〕39号）") is joined back
    joined = re.sub(r"\n(?=[〔［\[（(【]\s*(?:19|20)\d\d\s*[〕］\]）)】])", "", body)
    out: list[str] = []
    for c in map(str, find_doc_numbers(joined)):
        if c != own and c not in out:
            out.append(c)
    return out


def build_document(span: Span, items: list, layout: Layout, category: str | None) -> Document:
    body_items = items[span.body_start: span.end]
    lines = [x for x in body_items if isinstance(x, Line)]
    addressees, main_start = _addressees(lines, layout)
    date_idx, issuers, date = _signature(lines, layout)
    if not issuers and span.issuer_header:
        issuers = [span.issuer_header]
    if not issuers and "关于" in span.title and span.title.index("关于") > 0:
        issuers = [span.title[: span.title.index("关于")]]
    body, page_marks = _body(lines, layout)
    number = span.number
    own = str(number) if number else None
    all_pages = [x.page for x in items[span.start: span.end]]
    warnings = list(span.warnings)
    chars = sum(len(ln.text) for ln in lines)
    ocr_chars = sum(len(ln.text) for ln in lines if ln.page in layout.ocr_pages)
    if date is None:
        warnings.append("no date (成文日期) found under a signature")
    if not issuers:
        warnings.append("no issuer found")
    return Document(
        doc_number=own,
        doc_number_parts=DocNumberParts(number.agency_code, number.year, number.serial) if number else None,
        title=span.title,
        doc_type=doc_type_of(span.title),
        issuers=issuers,
        date=date,
        category=category,
        addressees=addressees,
        disclosure=_disclosure(lines, date_idx),
        attachments=_attachment_names(lines[main_start:date_idx]),
        page_start=layout.printed_page(min(all_pages)),
        page_end=layout.printed_page(max(all_pages)),
        pdf_page_start=min(all_pages),
        pdf_page_end=max(all_pages),
        body=body,
        tables=build_tables(body_items, layout),
        personnel=personnel_records(body, span.title),
        citations=_citations(body, own),
        page_marks=page_marks,
        warnings=warnings,
        ocr_share=round(ocr_chars / chars, 3) if chars else 0.0,
    )
