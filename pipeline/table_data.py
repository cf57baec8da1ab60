"""Tables as data: each column's normalized name, unit and type (integer, decimal, date, period
or text) inferred from its header and its cells, and each cell's typed value beside its printed
text (never replacing it).

    columns = typed_columns(table)          # ColumnInfo per column
    value = parse_cell("1,234.5万元")       # TypedValue(kind="decimal", number=1234.5, unit="万元")
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

from .model import Table
from .normalize import nfkc

TYPE_SHARE = 0.8  # a column takes a type when this share of its filled cells reads as that type
IDENTIFIER_DIGITS = 9  # a number this long (phone, ID, account) is an identifier, not a quantity

# units printed after numbers or in headers; longest first so 元/亩 wins over 元
UNITS = sorted(["万元", "亿元", "千元", "元", "元/亩", "元/人", "元/月", "元/年", "万元/亩", "亩", "公顷", "平方米", "㎡",
                "平方公里", "公里", "千米", "米", "km", "m", "吨", "万吨", "千克", "公斤", "人", "人次", "户", "个", "处",
                "家", "座", "所", "辆", "台", "套", "项", "件", "次", "天", "年", "月", "%", "‰", "万人", "万户", "千瓦",
                "兆瓦", "kW", "MW", "m2", "万", "亿"], key=len, reverse=True)
PLACEHOLDERS = {"-", "—", "——", "－", "/", "／", "…", "……", "无", "—/—"}  # printed for "nothing here"
TOTAL_LABELS = {"合计", "小计", "总计", "共计", "总数"}  # a totals row's label in a numeric column
_UNIT_RE = "|".join(re.escape(u) for u in UNITS)
_NUMBER = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_NUMBER_CELL_RE = re.compile(rf"^({_NUMBER})\s*({_UNIT_RE})?$")
_NUMBER_SPACED_RE = re.compile(rf"^{_NUMBER}\s+(?:{_UNIT_RE})$")  # 12 万元: a space before the unit
_YEAR_MONTH_RE = re.compile(r"^((?:19|20)\d{2})\.(\d{1,2})$")
_HEADER_UNIT_RE = re.compile(rf"[（(]\s*(?:单位\s*[:：]\s*)?({_UNIT_RE})\s*[)）]|单位\s*[:：]\s*({_UNIT_RE})")
_CJK_SPACE_RE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "上": 1, "下": 2}
_DATE_RES = [
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"), "date"),
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$"), "month"),
    (re.compile(r"^(\d{4})年?$"), "year"),
]
_RANGE_RE = re.compile(r"^(\d{4})年?\s*[—–\-~至到]+\s*(\d{4})年$")
_QUARTER_RE = re.compile(r"^(?:(\d{4})年)?(?:第)?([一二三四1-4])季度$")
_HALF_RE = re.compile(r"^(?:(\d{4})年)?([上下])半年$")


@dataclass
class TypedValue:
    kind: str  # integer, decimal, date, period, text, empty
    number: float | None = None  # integer and decimal cells (None for every other kind)
    text: str | None = None  # date and period cells: 2024-05-01, 2024-05, 2024, 2024/2025, 2024-Q2, Q2, 2024-H1
    unit: str | None = None  # printed after the number in the cell

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ColumnInfo:
    position: int  # 0-based
    printed: str  # the header as printed (wrapped lines joined)
    name: str  # normalized: no spaces inside CJK words, no unit in brackets
    unit: str | None  # from the header, or the unit every number of the column carries
    type: str  # integer, decimal, date, period, text

    def to_dict(self) -> dict:
        return asdict(self)


def normalize_header(text: str) -> tuple[str, str | None]:
    """(name, unit) of a printed header: `事 项` is 事项, `总投资（万元）` is (总投资, 万元),
    a two-level header `投资（万元）/计划` keeps its levels and takes the parent's unit."""
    folded = nfkc(text or "").strip()
    unit = None
    m = _HEADER_UNIT_RE.search(folded)
    if m:
        unit = m.group(1) or m.group(2)
        folded = (folded[: m.start()] + folded[m.end():]).strip()
    name = _CJK_SPACE_RE.sub("", re.sub(r"\s+", " ", folded)).strip(" /")
    name = re.sub(r"\s*/\s*", "/", name)
    return name, unit


def parse_cell(text: str) -> TypedValue:
    """The typed value of one printed cell (full-width digits and thousands separators read)."""
    s = nfkc(text or "").strip().replace("\u2212", "-")
    s = re.sub(r"(?<=\d) (?=\d{3}(?!\d))", "", s)  # 1 234 567: spaces between groups of thousands
    s = re.sub(r"\s+", "", s) if _NUMBER_SPACED_RE.match(s) else s
    if not s or s in PLACEHOLDERS or squash_label(s) in TOTAL_LABELS:
        return TypedValue("empty")
    m = _NUMBER_CELL_RE.match(s)
    if m:
        digits = m.group(1).replace(",", "")
        unit = m.group(2)
        plain = digits.lstrip("+-")
        grouped = "," in m.group(1)
        if unit is None and not grouped and (len(plain.replace(".", "")) >= IDENTIFIER_DIGITS
                                             or (len(plain) > 1 and plain[0] == "0" and "." not in plain)):
            return TypedValue("text")  # a phone or ID number, or a code with leading zeros
        if unit in ("年", "月") and "." not in digits and (year := _period(s)) is not None:
            return year  # 2024年 is a year, 2024年5月 a month; 10年 and 3个月 stay counts
        if unit is None and not grouped and (ym := _YEAR_MONTH_RE.match(s)):
            if 1 <= int(ym.group(2)) <= 12:  # 2023.10: a month as tables print it
                return TypedValue("period", text=f"{ym.group(1)}-{int(ym.group(2)):02d}")
        if "." in digits:
            return TypedValue("decimal", float(digits), unit=unit)
        return TypedValue("integer", float(int(digits)), unit=unit)
    return _period(s) or TypedValue("text")


def squash_label(s: str) -> str:
    return re.sub(r"\s+", "", s)


def typed_value(text: str, column_type: str) -> TypedValue:
    """A cell read in its column's type: in a column of numbers, 2023.5 is a number, not May."""
    v = parse_cell(text)
    if column_type in ("integer", "decimal") and v.kind == "period":
        m = _NUMBER_CELL_RE.match(nfkc(text).strip())
        if m and m.group(2) is None:
            number = float(m.group(1).replace(",", ""))
            return TypedValue("integer" if number.is_integer() and "." not in m.group(1) else "decimal", number)
    return v


def _period(s: str) -> TypedValue | None:
    for rx, kind in _DATE_RES:
        m = rx.match(s)
        if m:
            parts = [int(g) for g in m.groups()]
            if not 1900 <= parts[0] <= 2200 or (len(parts) > 1 and not 1 <= parts[1] <= 12) or (
                    len(parts) > 2 and not 1 <= parts[2] <= 31):
                return None
            if kind == "date":
                return TypedValue("date", text=f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}")
            if kind == "month":
                return TypedValue("period", text=f"{parts[0]:04d}-{parts[1]:02d}")
            return TypedValue("period", text=f"{parts[0]:04d}")
    m = _RANGE_RE.match(s)
    if m:
        return TypedValue("period", text=f"{m.group(1)}/{m.group(2)}")
    m = _QUARTER_RE.match(s)
    if m:
        q = _CN_DIGITS.get(m.group(2)) or int(m.group(2))
        return TypedValue("period", text=(f"{m.group(1)}-Q{q}" if m.group(1) else f"Q{q}"))
    m = _HALF_RE.match(s)
    if m:
        h = _CN_DIGITS[m.group(2)]
        return TypedValue("period", text=(f"{m.group(1)}-H{h}" if m.group(1) else f"H{h}"))
    return None


def column_type(values: list[TypedValue]) -> str:
    """The type a column's filled cells agree on (TYPE_SHARE of them), else text."""
    filled = [v for v in values if v.kind != "empty"]
    if not filled:
        return "text"
    counts = {k: sum(v.kind == k for v in filled) for k in ("integer", "decimal", "date", "period")}
    need = TYPE_SHARE * len(filled)
    if counts["integer"] >= need:
        return "integer"
    if counts["integer"] + counts["decimal"] >= need:
        return "decimal"
    if counts["date"] >= need:
        return "date"
    if counts["date"] + counts["period"] >= need:
        return "period"
    return "text"


def typed_columns(table: Table) -> list[ColumnInfo]:
    """Name, unit and type of every column of a table (as many as its widest row or header)."""
    width = max([len(table.header)] + [len(r) for r in table.rows])
    out = []
    for k in range(width):
        printed = table.header[k] if k < len(table.header) else ""
        name, unit = normalize_header(printed)
        values = [parse_cell(r[k]) for r in table.rows if k < len(r)]
        kind = column_type(values)
        if unit is None and kind in ("integer", "decimal"):
            units = {v.unit for v in values if v.kind in ("integer", "decimal")}
            if len(units) == 1:
                unit = units.pop()
        out.append(ColumnInfo(k, printed, name or f"列{k + 1}", unit, kind))
    return out


def typed_row(row: list[str], columns: list[ColumnInfo]) -> list[tuple[ColumnInfo, str, TypedValue]]:
    """Each column's cell of a row (empty past the row's end): its printed text and its value
    read in the column's type."""
    out = []
    for c in columns:
        text = row[c.position] if c.position < len(row) else ""
        out.append((c, text, typed_value(text, c.type)))
    return out


def header_family(columns: list[ColumnInfo]) -> str:
    """The key tables share when they print the same columns: their normalized names in order,
    as a JSON list (unambiguous whatever the names hold)."""
    return json.dumps([c.name for c in columns], ensure_ascii=False)
