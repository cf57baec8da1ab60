"""Relations between documents and whether a document is in force, read from parsed documents
(never by parsing again), resolved across every issue of a home each time they are asked for, so
a target ingested after its citer resolves then.

Relation kinds, each with where it was found (body offset, printed page; -1 for the title):
    promulgates  关于印发/发布《X》的通知: the measure X it issues
    forwards     关于转发《X》/文号 的通知
    amends       关于修改/修订《X》, 对《X》作如下修改
    repeals      废止《X》, 《X》停止执行
    replaces     《X》（文号）同时废止, 原《X》不再执行: a measure this one takes the place of
    cites        any other 文号 or 《title》 of an official document in the body
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from .model import Document, Gazette, page_at
from .normalize import find_doc_numbers, normalize_doc_number, squash

# words an official measure's or document's title ends with: 《…》 naming one of these is a citation
MEASURE_ENDS = ("规划", "方案", "办法", "规定", "细则", "意见", "制度", "目录", "指引", "措施", "条例", "计划", "纲要",
                "标准", "清单", "通知", "决定", "通告", "公告", "批复", "函", "法", "准则", "规程", "守则", "章程")
SHORT_NAME = 4  # a 《》 name this short (《方案》, 《通知》) refers back to a measure named in full before
_TITLE_RE = re.compile(r"《([^《》]{2,80})》")
_PROMULGATE_RE = re.compile(r"关于(?:印发|发布|颁布)(.+?)的(?:通知|决定|通告|公告)$")
_FORWARD_RE = re.compile(r"关于转发(.+?)的(?:通知|函)$")
_AMEND_TITLE_RE = re.compile(r"关于(?:修改|修订)(.+?)的(?:决定|通知)$")
_SENTENCE_RE = re.compile(r"[^。；;\n]+")
_CHANGE_TITLE_RE = re.compile(r"关于(?:取消|调整|更新|变更|补充|撤销|暂停)(?P<subject>.+?)的(?:公示|通知|公告|通告|决定)$")
MIN_SUBJECT = 6  # characters: a subject this long names a matter, not a word (取消…资格 is too short to follow)
_REPLACE_RE = re.compile(r"(?:同时废止|不再执行|同时停止执行)")
_REPEAL_RE = re.compile(r"(?:废止|停止执行|予以撤销)")
_AMEND_RE = re.compile(r"(?:作如下修改|作如下修订|修改如下|修订如下)")
_IN_FORCE_RE = re.compile(r"自(?:(?P<issued>印发|发布|公布|下发)之日|(?P<date>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日))起"
                          r"(?:施行|实施|执行|生效)")
_TERM_RE = re.compile(r"有效期\s*(?:为\s*)?(?P<n>\d+|[一二三四五六七八九十两]+)\s*年")
_UNTIL_RE = re.compile(r"有效期\s*至\s*(?P<date>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)")
# a validity sentence speaks of the document itself: 本办法/本方案…, or sets when it takes effect
_SELF_RE = re.compile(r"本(?:" + "|".join(MEASURE_ENDS) + r"|准入办法|实施方案|工作方案|制度|规定)|施行|实施")
_CN_NUMBERS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


@dataclass
class Relation:
    kind: str
    source: str  # document key: <gazette id>#<position>
    target_text: str  # as printed
    target_number: str | None = None  # normalized 文号 when the target is named by one
    target_title: str | None = None  # the title in 《》 (or the measure's name) when named so
    offset: int = -1  # in the source's body; -1: in its title
    page: int | None = None  # printed page of the source where it stands
    target: str | None = None  # the resolved document key, None while not in the home
    inferred: bool = False  # read from the titles (取消/调整… the subject of an earlier document), not stated

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Validity:
    status: str  # in_force, expired, repealed, unknown
    effective_from: str | None = None
    expires: str | None = None  # the last day in force
    evidence: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _names(text: str) -> list[str]:
    """The measures a promulgating title names: 《…》 each, or the plain text split at 和/、."""
    titled = _TITLE_RE.findall(text)
    if titled:
        return titled
    parts = [p for p in re.split(r"和|、|及", text) if p]
    if len(parts) > 1 and all(p.endswith(MEASURE_ENDS) for p in parts):
        return parts
    return [text]


def extract_relations(key: str, doc: Document) -> list[Relation]:
    """The relations a document states, in its title and body."""
    out: list[Relation] = []

    def add(kind, text, offset, number=None, title=None):
        page = doc.page_start if offset < 0 else page_at(doc.page_marks, doc.page_start, offset)
        out.append(Relation(kind, key, text, number, title, offset, page))

    title = re.sub(r"\s+", "", doc.title or "")
    for rx, kind in ((_PROMULGATE_RE, "promulgates"), (_FORWARD_RE, "forwards"), (_AMEND_TITLE_RE, "amends")):
        m = rx.search(title)
        if m:
            for name in _names(m.group(1)):
                numbers = [str(n) for n in find_doc_numbers(name)]
                add(kind, name, -1, normalize_doc_number(numbers[0]) if numbers else None, name.strip("《》"))
            break
    body = doc.body or ""
    claimed: set[int] = set()  # offsets of titles and numbers a stronger relation took
    for sm in _SENTENCE_RE.finditer(body):
        sentence, start = sm.group(0), sm.start()
        kind = ("replaces" if _REPLACE_RE.search(sentence) and ("原" in sentence or "同时" in sentence)
                else "repeals" if _REPEAL_RE.search(sentence) else "amends" if _AMEND_RE.search(sentence) else None)
        if kind is None:
            continue
        for tm in _TITLE_RE.finditer(sentence):
            add(kind, tm.group(0), start + tm.start(), None, tm.group(1))
            claimed.add(start + tm.start())
        for n in find_doc_numbers(sentence):
            number = str(n)
            at = sentence.find(str(n.serial)) if number not in sentence else sentence.find(number)
            add(kind, number, start + max(0, at), normalize_doc_number(number))
            claimed.add(start + max(0, at))
    own = normalize_doc_number(doc.doc_number or "") if doc.doc_number else None
    issued = {squash(r.target_title) for r in out if r.kind == "promulgates" and r.target_title}
    for number in doc.citations or [str(n) for n in find_doc_numbers(body)]:
        key_number = normalize_doc_number(number)
        if key_number == own or any(r.target_number == key_number for r in out):
            continue
        at = body.find(number)
        add("cites", number, at if at >= 0 else -1, key_number)
    for tm in _TITLE_RE.finditer(body):
        name = tm.group(1)
        if (tm.start() in claimed or not name.endswith(MEASURE_ENDS) or any(r.target_title == name for r in out)
                or squash(name) in issued or len(squash(name)) <= SHORT_NAME):
            continue  # its own measure, or a short name for one (《方案》, 《目录》)
        add("cites", tm.group(0), tm.start(), None, name)
    return out


class RelationGraph:
    """Every relation of a home's documents, resolved by 文号 and by exact title (or the name of a
    measure a document promulgates)."""

    def __init__(self, gazettes: list[Gazette]):
        self.docs: dict[str, tuple[Gazette, Document]] = {}
        self.by_number: dict[str, list[str]] = defaultdict(list)
        self.by_title: dict[str, list[str]] = defaultdict(list)
        self.outgoing: dict[str, list[Relation]] = {}
        for g in gazettes:
            for pos, d in enumerate(g.documents):
                key = f"{g.gazette.id}#{pos}"
                self.docs[key] = (g, d)
                if d.doc_number:
                    self.by_number[normalize_doc_number(d.doc_number) or d.doc_number].append(key)
                self.by_title[squash(d.title)].append(key)
                self.outgoing[key] = extract_relations(key, d)
        for key, rels in self.outgoing.items():  # a measure's name leads to the document issuing it
            for r in rels:
                if r.kind == "promulgates" and r.target_title:
                    self.by_title.setdefault(squash(r.target_title), []).append(key)
        self._infer_changes()
        self.incoming: dict[str, list[Relation]] = defaultdict(list)
        for key, rels in self.outgoing.items():
            attached = {squash(a) for a in self.docs[key][1].attachments}
            for r in rels:
                if r.kind == "promulgates" and r.target_title and squash(r.target_title) in attached:
                    r.target = key  # the measure is this document's own attachment
                    continue
                r.target = self._resolve(r, key)
                if r.target:
                    self.incoming[r.target].append(r)

    def _infer_changes(self) -> None:
        """A title that cancels, adjusts or updates a subject (关于取消道路货物运输源头单位的公示)
        changes the latest earlier document of the same issuer whose title names that subject:
        an `amends` relation, marked inferred, when no relation states it."""
        for key, (_, d) in self.docs.items():
            m = _CHANGE_TITLE_RE.search(re.sub(r"\s+", "", d.title or ""))
            if not m or not d.date or len(m.group("subject")) < MIN_SUBJECT:
                continue
            subject = m.group("subject")
            earlier = [k for k, (_, e) in self.docs.items()
                       if k != key and e.date and e.date < d.date and subject in re.sub(r"\s+", "", e.title or "")
                       and set(e.issuers) & set(d.issuers)]
            if earlier and not any(r.kind in ("amends", "repeals", "replaces") for r in self.outgoing[key]):
                target = max(earlier, key=lambda k: (self.docs[k][1].date, k))
                self.outgoing[key].append(Relation("amends", key, subject, offset=-1, page=d.page_start,
                                                   target=target, inferred=True))

    def _resolve(self, r: Relation, source: str) -> str | None:
        if r.inferred:
            return r.target
        candidates = []
        if r.target_number:
            candidates = self.by_number.get(r.target_number, [])
        if not candidates and r.target_title:
            candidates = self.by_title.get(squash(r.target_title), [])
        candidates = [c for c in candidates if c != source]
        if not candidates:
            return None
        # the issue that cites it most likely means its latest copy at that time: the newest one
        return max(candidates, key=lambda c: (self.docs[c][1].date or "", c))

    def validity(self, key: str, as_of: datetime.date | None = None) -> Validity:
        """Whether a document is in force on a day (today by default), with the evidence."""
        as_of = as_of or datetime.date.today()
        g, d = self.docs[key]
        v = read_validity(d)
        repeal = [r for r in self.incoming.get(key, []) if r.kind in ("repeals", "replaces")]
        for r in repeal:
            rg, rd = self.docs[r.source]
            if not rd.date or datetime.date.fromisoformat(rd.date) <= as_of:
                v.evidence.append(f"{r.kind} by {rd.doc_number or rd.title} ({rd.date or 'undated'}): {r.target_text}")
                v.status = "repealed"
                return v
        if v.expires and datetime.date.fromisoformat(v.expires) < as_of:
            v.status = "expired"
        elif v.effective_from and datetime.date.fromisoformat(v.effective_from) <= as_of:
            v.status = "in_force"
        else:
            v.status = "unknown"
        return v


def _date(text: str) -> str | None:
    m = re.match(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", text)
    if not m:
        return None
    try:
        return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def _years(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if len(text) == 1:
        return _CN_NUMBERS.get(text)
    if text.startswith("十"):
        return 10 + _CN_NUMBERS.get(text[1], 0)
    return None


def read_validity(d: Document) -> Validity:
    """From the body: when the document takes effect and until when. Only sentences about the
    document itself count (本办法…有效期5年, 自印发之日起施行): a 有效期 of something else (a voucher's)
    says nothing of the document."""
    v = Validity("unknown")
    for sm in _SENTENCE_RE.finditer(d.body or ""):
        sentence = sm.group(0).strip()
        start = _IN_FORCE_RE.search(sentence)
        term = _TERM_RE.search(sentence)
        until = _UNTIL_RE.search(sentence)
        if not (start or ((term or until) and _SELF_RE.search(sentence))):
            continue
        if start:
            when = d.date if start.group("issued") else _date(start.group("date"))
            if when and not v.effective_from:
                v.effective_from = when
                v.evidence.append(sentence)
        if until and not v.expires:
            v.expires = _date(until.group("date"))
            v.evidence.append(sentence) if sentence not in v.evidence else None
        elif term and not v.expires and (v.effective_from or d.date):
            years = _years(term.group("n"))
            base = datetime.date.fromisoformat(v.effective_from or d.date)
            if years:
                try:
                    end = base.replace(year=base.year + years)
                except ValueError:  # 29 February
                    end = base.replace(year=base.year + years, day=28)
                v.expires = end.isoformat()
                if sentence not in v.evidence:
                    v.evidence.append(sentence)
    if "试行" in (d.title or "") or "暂行" in (d.title or ""):
        v.evidence.append("trial measure (试行/暂行 in the title)")
    return v
