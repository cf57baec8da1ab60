"""A random gazette from a seed, drawn with reportlab, that knows its own ground truth.

    spec = draw_spec(seed)          # every layout choice and every document, from the seed
    truth = render(spec, path)      # writes the PDF; returns what the parser must find

The dimensions it draws from (see `draw_spec`): page size and margins, body and title sizes,
faux bold; running headers (none, title, title + year/issue/total, split left/right,
alternating) and page numbers in seven styles at the foot or in the header, centred or at the
outer corner, with unnumbered cover, TOC and back pages or a pagination continued from earlier
issues; TOCs over one or several pages with 【】, 一、 or centred section headings, leaders of
dots, ellipses, middle dots, spaces or a page number in parentheses, and the 文号 inline, in
parentheses or on a line of its own; document heads with or without an issuer line or a red
head, the 文号 above or below the title, bare or in parentheses, with a 签发人 beside it; one or
several documents a page; numbered headings, attachment notes and attachments; one to three
signers, one per line or side by side; dates in Arabic or 〇 numerals; disclosure notes; tables
with a full grid, three rules, or none, a header repeated or not, 续表 marks, rows broken by the
page and two-level headers with merged cells."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4, B5, LETTER, mm
from reportlab.pdfgen import canvas

from .builder import FONT, text_width
from .builder import wrap as wrap_chars

PAGE_SIZES = {"A4": A4, "B5": B5, "16K": (184 * mm, 260 * mm), "LETTER": LETTER}

# Made-up places and names: nothing here is the sample gazette's.
PLACES = ["清河", "临川", "安平", "永宁", "丰乐", "石门", "青山", "长宁", "河口", "东山", "白水", "新安",
          "兴隆", "宁远", "柳林", "沙河", "桃源", "古城", "南岭", "黄梅"]
LEVELS = ["县", "区", "市"]
DEPARTMENTS = [("教育局", "教"), ("财政局", "财"), ("农业农村局", "农"), ("卫生健康局", "卫"),
               ("应急管理局", "应急"), ("住房和城乡建设局", "建"), ("自然资源局", "自然资"),
               ("人力资源和社会保障局", "人社"), ("交通运输局", "交"), ("市场监督管理局", "市监"),
               ("民政局", "民"), ("水利局", "水")]
SUBJECTS = ["春季森林防火", "城乡环境卫生整治", "农村危房改造", "高标准农田建设", "义务教育学校招生",
            "安全生产大检查", "困难群众救助", "冬春农田水利建设", "中小企业纾困帮扶", "老旧小区改造",
            "防汛抗旱", "耕地保护", "食品安全监督抽检", "城市燃气管道更新", "公共资源交易管理",
            "职业技能提升行动", "河湖长制", "生活垃圾分类", "优化营商环境", "养老服务体系建设"]
MEASURES = ["管理办法", "实施方案", "工作方案", "实施细则", "考核办法", "行动计划"]
PHRASES = [
    "各单位要切实加强组织领导，明确责任分工，确保各项任务按时完成。",
    "有关部门要结合工作实际，细化工作措施，形成工作合力。",
    "要加强督促检查，对工作推进不力的单位及时通报，限期整改。",
    "坚持问题导向和目标导向，统筹推进乡村振兴和城乡融合发展。",
    "进一步优化服务流程，提升政务服务效能，激发市场主体活力。",
    "严格落实安全生产责任制，全面排查整治各类风险隐患。",
    "所需经费按照现行财政管理体制分级负担，专款专用。",
    "各地要建立工作台账，实行销号管理，每月底前报送进展情况。",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "建国秀英志刚立新海波丽华文明春生国强玉兰永红晓东"
ADDRESSEES = ["各乡镇人民政府，{l}直各有关单位：", "各乡镇人民政府，各街道办事处，{l}直各单位：",
              "{l}直各有关部门：", "各乡镇人民政府，{l}直各委、办、局，{l}属各企事业单位，驻{l}各有关单位：",
              "各有关单位："]
DISCLOSURES = ["（此件公开发布）", "（此件主动公开）", "（此件依申请公开）", "(此件公开发布)"]
CN_DIGITS = "〇一二三四五六七八九"


_NO_LINE_START = "，。、；：？！）》」』】〕］"


def wrap(text: str, size: float, width: float) -> list[str]:
    """Lines of at most width, as a typesetter breaks Chinese: closing punctuation never starts a
    line (it hangs at the end of the line before)."""
    lines = wrap_chars(text, size, width)
    for k in range(1, len(lines)):
        while lines[k] and lines[k][0] in _NO_LINE_START:
            lines[k - 1] += lines[k][0]
            lines[k] = lines[k][1:]
    return [ln for ln in lines if ln]


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals (十一, 二十三)."""
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else CN_DIGITS[tens]) + "十" if tens else "") + (CN_DIGITS[ones] if ones or not tens else "")


def cn_date(y: int, m: int, d: int) -> str:
    return "".join(CN_DIGITS[int(c)] for c in str(y)) + f"年{cn_number(m)}月{cn_number(d)}日"


# -- the drawn specification ------------------------------------------------

@dataclass
class TableDraw:
    header: list[str]
    rows: list[list[str]]
    widths: list[float]
    rules: str  # grid | three_line | none
    repeat_header: bool
    break_rows: bool
    continued_mark: str | None
    group: tuple[int, int, str] | None = None  # two-level header: columns [a, b) under one parent

    @property
    def header_truth(self) -> list[str]:
        if not self.group:
            return list(self.header)
        a, b, parent = self.group
        return [f"{parent}/{h}" if a <= k < b else h for k, h in enumerate(self.header)]


@dataclass
class AttachmentDraw:
    label: str
    caption: str
    paragraphs: list[str] = field(default_factory=list)
    table: TableDraw | None = None


@dataclass
class DocDraw:
    number: str | None  # as printed (any brackets)
    number_truth: str | None  # normalized
    issuer: str  # the issuing body (first signer)
    title: str  # the full title as the parser must give it
    head: str  # none | issuer | redhead
    title_lines: list[str]
    header_line: str | None
    number_above: bool
    number_paren: bool
    signer_beside: str | None
    addressees: str | None
    paragraphs: list[tuple[str, str]]  # (kind, text): kind heading | para
    note: list[str]
    signers: list[str]
    signers_inline: bool
    date_text: str
    date: str
    disclosure: str | None
    attachments: list[AttachmentDraw]
    category: str | None
    new_page: bool
    doc_type: str


@dataclass
class GazetteDraw:
    seed: int
    page: str
    margin_x: float
    margin_top: float
    margin_bottom: float
    body: float
    title_ratio: float
    faux_bold: bool
    leading: float
    header: str  # none | title | title_issue | issue_title | split | alternating
    header_rule: bool
    number_style: str  # bare | dash | emdash | dot | paren | di | di_total
    number_pos: str  # foot_centre | foot_outer | head_outer | head_centre
    numbering: str  # from_toc | from_body | continued
    first_number: int
    toc: str  # none | toc
    toc_sections: str  # bracket | numeral | centred
    toc_pages: str  # dots | ellipsis | middot | spaces | paren
    toc_number: str  # inline | paren | own_line
    toc_leaders_alone: bool  # leaders and page number on a line of their own under every entry
    title: str
    year: int
    issue: int
    total: int | None
    issue_cn: bool
    published: tuple[int, int, int]
    docs: list[DocDraw]
    back_page: bool

    @property
    def title_size(self) -> float:
        return round(self.body * self.title_ratio, 1)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))


def _paragraphs(rng: random.Random, level: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    style = rng.choice(["plain", "headings", "nested"])
    sentences = lambda k: "".join(rng.choice(PHRASES) for _ in range(k))  # noqa: E731
    out.append(("para", "为进一步做好相关工作，" + sentences(rng.randint(1, 3))))
    if style == "plain":
        out += [("para", sentences(rng.randint(1, 4))) for _ in range(rng.randint(1, 3))]
        return out
    for k in range(1, rng.randint(2, 4)):
        out.append(("heading", f"{cn_number(k)}、{rng.choice(['总体要求', '主要任务', '工作措施', '保障措施', '工作步骤'])}"))
        if style == "nested":
            for j in range(1, rng.randint(2, 3)):
                out.append(("para", f"（{cn_number(j)}）{rng.choice(['加强领导', '压实责任', '强化宣传', '严格考核'])}。"
                                    + sentences(rng.randint(1, 2))))
            out.append(("para", f"1．{sentences(1)}"))
            out.append(("para", f"（1）{sentences(1)}"))
        else:
            out.append(("para", sentences(rng.randint(1, 3))))
    return out


def _table(rng: random.Random, place: str) -> TableDraw:
    n = rng.randint(4, 26)
    towns = [place + s for s in ("镇", "乡", "街道")]
    kind = rng.choice(["units", "projects"])
    if kind == "units":
        header = ["序号", "单位名称", "负责人", "联系电话", "地址"]
        widths = [0.1, 0.34, 0.14, 0.18, 0.24]
        rows = []
        for i in range(1, n + 1):
            name = f"{place}第{i}号农业合作社有限公司" if i % 3 else f"{place}农产品加工企业{i}"
            addr = f"{rng.choice(towns)}{rng.randint(1, 99)}号院"
            if rng.random() < 0.15:
                addr = f"{rng.choice(towns)}西关村南街道路东侧原农机修造厂院内第{i}排平房"
            rows.append([str(i), name, _person(rng), f"139{rng.randint(10000000, 99999999)}", addr])
        group = None
    else:
        header = ["序号", "项目名称", "建设内容", "计划", "完成"]
        widths = [0.1, 0.3, 0.32, 0.14, 0.14]
        rows = [[str(i), f"{place}{rng.choice(SUBJECTS)}项目", f"新建{rng.randint(2, 40)}处，改造{rng.randint(1, 9)}处",
                 str(rng.randint(50, 9000)), str(rng.randint(10, 5000))] for i in range(1, n + 1)]
        group = (3, 5, "投资（万元）")
    rules = rng.choice(["grid", "grid", "three_line", "none"])
    if rules != "grid":
        group = None  # merged cells need the grid to be read as merged
    return TableDraw(header, rows, widths, rules, repeat_header=rng.random() < 0.6, break_rows=rng.random() < 0.5,
                     continued_mark=rng.choice([None, None, "（续表）", "续表"]), group=group)


def draw_spec(seed: int, n_docs: int | None = None) -> GazetteDraw:
    """Every choice of one gazette, drawn from the seed (n_docs: that many documents instead of
    the drawn number, for a large file)."""
    rng = random.Random(seed)
    place = rng.choice(PLACES)
    level = rng.choice(LEVELS)
    county = place + level
    gov = f"{county}人民政府"
    title = rng.choice([f"{gov}公报", f"{county}政府公报", f"{gov}公报"])
    year = rng.randint(2015, 2026)
    issue = rng.randint(1, 12)
    docs: list[DocDraw] = []
    categories = rng.choice([[f"{level}政府文件", f"{level}政府办公室文件", "部门文件"],
                             [f"{level}政府文件", "部门文件"], [None]])
    month = rng.randint(1, 10)
    serials: dict[str, int] = {}
    n_docs = n_docs or rng.randint(3, 8)
    for k in range(n_docs):
        category = categories[min(k * len(categories) // n_docs, len(categories) - 1)]
        if category and category.endswith("办公室文件"):
            issuer, code = f"{gov}办公室", place[0] + "政办发"
        elif category == "部门文件":
            dept, abbr = rng.choice(DEPARTMENTS)
            issuer, code = f"{county}{dept}", place[0] + abbr + "发"
        else:
            issuer, code = rng.choice([(gov, place[0] + "政发"), (gov, place[0] + "政发"), (f"{gov}办公室", place[0] + "政办发")])
        doc_type = rng.choice(["通知", "通知", "通知", "意见", "决定", "通告", "通报", "函", "批复"])
        subject = rng.choice(SUBJECTS)
        if doc_type == "通知" and rng.random() < 0.4:
            measure = f"{county}{subject}{rng.choice(MEASURES)}"
            rest = f"关于印发《{measure}》的通知"
        else:
            measure = None
            rest = f"关于做好{year}年{subject}工作的{doc_type}" if rng.random() < 0.6 else f"关于加强{subject}的{doc_type}"
        serials[code] = serials.get(code, 0) + rng.randint(1, 9)
        has_number = rng.random() < 0.85
        brackets = rng.choice(["〔〕", "〔〕", "[]", "［］"])
        number = f"{code}{brackets[0]}{year}{brackets[1]}{serials[code]}号" if has_number else None
        number_truth = f"{code}〔{year}〕{serials[code]}号" if has_number else None
        head = rng.choice(["none", "issuer", "redhead"])
        if head == "issuer":
            header_line, shown = issuer, rest
        elif head == "redhead":
            header_line, shown = issuer + "文件", issuer + rest
        else:
            header_line, shown = None, issuer + rest
        full = issuer + rest
        n_signers = rng.choice([1, 1, 1, 2, 3]) if category == "部门文件" else 1
        signers = [issuer] + [f"{county}{d}" for d, _ in rng.sample(DEPARTMENTS, n_signers - 1) if f"{county}{d}" != issuer]
        d_month, d_day = month + k // 3, rng.randint(1, 28)
        cn = rng.random() < 0.25
        attachments: list[AttachmentDraw] = []
        note: list[str] = []
        if rng.random() < 0.45:
            caption = measure or f"{county}{year}年度{subject}{rng.choice(['名单', '项目计划表', '任务清单'])}"
            table = _table(rng, place) if measure is None or rng.random() < 0.3 else None
            paras = [] if table and rng.random() < 0.5 else ["".join(rng.choice(PHRASES) for _ in range(rng.randint(2, 5)))]
            label = rng.choice(["附件", "附件1"])
            attachments.append(AttachmentDraw(label, caption, paras, table))
            note = [f"附件：{'1．' if label == '附件1' else ''}{caption}"]
        addressees = None if doc_type == "通告" and rng.random() < 0.6 else rng.choice(ADDRESSEES).format(l=level)
        number_above = head != "none" and rng.random() < 0.4
        docs.append(DocDraw(
            number=number, number_truth=number_truth, issuer=issuer, title=full, head=head,
            title_lines=[], header_line=header_line, number_above=number_above,
            number_paren=number is not None and rng.random() < 0.3,
            signer_beside=_person(rng) if number and number_above and rng.random() < 0.4 else None,
            addressees=addressees, paragraphs=_paragraphs(rng, level), note=note, signers=signers,
            signers_inline=len(signers) > 1 and rng.random() < 0.5,
            date_text=cn_date(year, d_month, d_day) if cn else f"{year}年{d_month}月{d_day}日",
            date=f"{year:04d}-{d_month:02d}-{d_day:02d}",
            disclosure=rng.choice(DISCLOSURES + [None]) if doc_type != "函" else None,
            attachments=attachments, category=category, new_page=rng.random() < 0.6, doc_type=doc_type,
        ))
        docs[-1].title_lines = [shown]  # wrapped when rendered
    body = rng.choice([10.5, 11, 12, 12, 14])
    page = rng.choice(list(PAGE_SIZES))
    return GazetteDraw(
        seed=seed, page=page, margin_x=rng.uniform(50, 85), margin_top=rng.uniform(65, 95),
        margin_bottom=rng.uniform(65, 95), body=body, title_ratio=rng.choice([1.0, 1.2, 1.4, 1.5, 1.6, 1.8]),
        faux_bold=rng.random() < 0.4, leading=rng.uniform(1.5, 1.85),
        header=rng.choice(["none", "title", "title_issue", "issue_title", "split", "alternating"]),
        header_rule=rng.random() < 0.5,
        number_style=rng.choice(["bare", "dash", "emdash", "dot", "paren", "di", "di_total"]),
        number_pos=rng.choice(["foot_centre", "foot_centre", "foot_outer", "head_outer", "head_centre"]),
        numbering=rng.choice(["from_toc", "from_body", "continued"]), first_number=rng.randint(20, 300),
        toc=rng.choice(["toc", "toc", "toc", "none"]),
        toc_sections=rng.choice(["bracket", "numeral", "centred"]),
        toc_pages=rng.choice(["dots", "ellipsis", "middot", "spaces", "paren"]),
        toc_number=rng.choice(["inline", "paren", "own_line"]), toc_leaders_alone=rng.random() < 0.2,
        title=title, year=year, issue=issue, total=rng.randint(issue, 400) if rng.random() < 0.7 else None,
        issue_cn=rng.random() < 0.3, published=(year, min(12, month + 3), rng.randint(1, 28)), docs=docs,
        back_page=rng.random() < 0.3,
    )


# -- rendering ---------------------------------------------------------------

@dataclass
class DocTruth:
    doc_number: str | None
    title: str
    doc_type: str
    issuers: list[str]
    date: str
    category: str | None
    addressees: str | None
    disclosure: str | None
    page_start: int | None
    pdf_page_start: int
    attachments: list[str]
    tables: list[dict]
    paragraphs: list[str]


@dataclass
class Truth:
    title: str
    year: int
    number: int
    total_number: int | None
    published: str
    documents: list[DocTruth]
    running: list[str]  # running header texts that must not reach a body
    pages: int


class Renderer:
    def __init__(self, path: str, g: GazetteDraw):
        self.g = g
        self.size = PAGE_SIZES[g.page]
        self.c = canvas.Canvas(path, pagesize=self.size)
        self.page = 0
        self.y = 0.0
        self.printed: dict[int, int | None] = {}
        self.running: set[str] = set()
        self.numbered = False
        self.next_number = 1

    # geometry
    @property
    def left(self) -> float:
        return self.g.margin_x

    @property
    def right(self) -> float:
        return self.size[0] - self.g.margin_x

    @property
    def width(self) -> float:
        return self.right - self.left

    def new_page(self, numbered: bool = True) -> None:
        if self.page:
            self.c.showPage()
        self.page += 1
        self.y = self.size[1] - self.g.margin_top
        self.numbered = numbered
        if numbered:
            self.printed[self.page] = self.next_number
            self.next_number += 1
            self._furniture(self.printed[self.page])
        else:
            self.printed[self.page] = None

    def _issue_text(self) -> str:
        g = self.g
        total = f"（总第{g.total}期）" if g.total else ""
        return f"{g.year}年第{g.issue}期{total}"

    def _furniture(self, n: int) -> None:
        g, c = self.g, self.c
        odd = n % 2 == 1
        # the dot style uses U+30FB: the CID font has no glyph for U+00B7
        label = {"bare": f"{n}", "dash": f"- {n} -", "emdash": f"— {n} —", "dot": f"・ {n} ・", "paren": f"（{n}）",
                 "di": f"第 {n} 页", "di_total": f"第{n}页 共{self._total_pages}页"}[g.number_style]
        head_y = self.size[1] - g.margin_top + 22
        left_text = right_text = centre_text = None
        if g.header == "title":
            centre_text = g.title
        elif g.header == "title_issue":
            centre_text = f"{g.title}  {self._issue_text()}"
        elif g.header == "issue_title":
            centre_text = f"{g.year} 年第 {g.issue} 期  {g.title}"
        elif g.header == "split":
            left_text, right_text = g.title, self._issue_text()
        elif g.header == "alternating":
            if odd:
                right_text = self._issue_text()
            else:
                left_text = g.title
        for t in (left_text, right_text, centre_text):
            if t:
                self.running.add(t)
        if g.number_pos == "head_outer":
            if odd:
                right_text = f"{right_text}    {label}" if right_text else label
            else:
                left_text = f"{label}    {left_text}" if left_text else label
        elif g.number_pos == "head_centre" and not centre_text:
            centre_text = label
        c.setFont(FONT, 9)
        if left_text:
            c.drawString(self.left, head_y, left_text)
        if right_text:
            c.drawRightString(self.right, head_y, right_text)
        if centre_text:
            c.drawCentredString((self.left + self.right) / 2, head_y, centre_text)
        if g.header != "none" and g.header_rule:
            c.line(self.left, head_y - 5, self.right, head_y - 5)
        foot_y = g.margin_bottom - 30
        c.setFont(FONT, 10)
        if g.number_pos == "foot_centre" or (g.number_pos == "head_centre" and centre_text != label):
            c.drawCentredString((self.left + self.right) / 2, foot_y, label)
        elif g.number_pos == "foot_outer":
            (c.drawRightString(self.right, foot_y, label) if odd else c.drawString(self.left, foot_y, label))

    _total_pages = 0

    def ensure(self, height: float) -> None:
        if self.y - height < self.g.margin_bottom:
            self.new_page()

    def line(self, text: str, size: float | None = None, align: str = "left", indent: float = 0,
             bold: bool = False, after: float = 0) -> None:
        size = size or self.g.body
        self.ensure(size * self.g.leading)
        self.y -= size * self.g.leading
        self.c.setFont(FONT, size)
        if align == "center":
            x = (self.left + self.right - text_width(text, size)) / 2
        elif align == "right":
            x = self.right - 2 * self.g.body - text_width(text, size)
        else:
            x = self.left + indent
        self.c.drawString(x, self.y, text)
        if bold and self.g.faux_bold:
            self.c.drawString(x + 0.4, self.y, text)
        self.y -= after

    def paragraph(self, text: str, indent_chars: int = 2) -> None:
        size = self.g.body
        first = wrap(text, size, self.width - indent_chars * size)
        head, rest = first[0], "".join(first[1:])
        self.line(head, indent=indent_chars * size)
        for part in wrap(rest, size, self.width):
            self.line(part)

    def centred_block(self, text: str, size: float, bold: bool) -> None:
        for part in wrap(text, size, self.width * 0.8):
            self.line(part, size, "center", bold=bold)

    # tables
    def table(self, t: TableDraw) -> None:
        size = round(self.g.body * 0.875, 1)
        lead = size * 1.4
        widths = [w * self.width for w in t.widths]
        gutter = 6 if t.rules == "grid" else 1.8 * size
        # the 序号 column holds its header and a two-digit number on one line, as a typesetter sets it
        need = 2.2 * size + gutter + 6
        if widths[0] < need:
            extra = need - widths[0]
            widths = [need] + [w - extra * w / sum(widths[1:]) for w in widths[1:]]
        xs = [self.left]
        for w in widths:
            xs.append(xs[-1] + w)

        def cell_lines(row):
            return [wrap(cell, size, w - gutter) or [""] for cell, w in zip(row, widths)]

        def draw_cells(cells, top, skip_lines=()):
            height = max(len(c) for c in cells) * lead + 6
            for lines, x in zip(cells, xs):
                for j, text in enumerate(lines):
                    self.c.setFont(FONT, size)
                    self.c.drawString(x + 3, top - 3 - (j + 1) * lead + 3, text)
            if t.rules == "grid":
                self.c.line(self.left, top - height, self.right, top - height)
                for k, xv in enumerate(xs):
                    if k not in skip_lines:
                        self.c.line(xv, top, xv, top - height)
            return height

        def draw_header(top):
            if not t.group:
                h = draw_cells(cell_lines(t.header), top)
            else:
                a, b, parent = t.group
                # first level: the parent over columns a..b-1, the other cells merged down
                one = max(len(c) for c in cell_lines(t.header)) * lead + 6
                h = 2 * one
                self.c.setFont(FONT, size)
                for k in range(len(widths)):
                    if a <= k < b:
                        continue
                    self.c.drawString(xs[k] + 3, top - one + 3 - lead + 3, t.header[k])
                self.c.drawCentredString((xs[a] + xs[b]) / 2, top - lead, parent)
                for k in range(a, b):
                    self.c.drawString(xs[k] + 3, top - one - lead, t.header[k])
                self.c.line(xs[a], top - one, xs[b], top - one)
                self.c.line(self.left, top - h, self.right, top - h)
                for k, xv in enumerate(xs):
                    if a < k < b:
                        self.c.line(xv, top - one, xv, top - h)
                    else:
                        self.c.line(xv, top, xv, top - h)
            if t.rules == "three_line":
                self.c.line(self.left, top - h, self.right, top - h)
            return h

        def start_segment(with_header):
            if t.rules in ("grid", "three_line"):
                self.c.setLineWidth(1 if t.rules == "three_line" else 0.5)
                self.c.line(self.left, self.y, self.right, self.y)
                self.c.setLineWidth(0.5)
            if with_header:
                self.y -= draw_header(self.y)

        def end_segment():
            if t.rules == "three_line":
                self.c.setLineWidth(1)
                self.c.line(self.left, self.y, self.right, self.y)
                self.c.setLineWidth(0.5)

        self.y -= 4
        self.ensure(4 * lead + 12)
        start_segment(True)
        for row in t.rows:
            cells = cell_lines(row)
            height = max(len(c) for c in cells) * lead + 6
            if self.y - height < self.g.margin_bottom:
                if t.break_rows and t.rules != "none":
                    fit = int((self.y - self.g.margin_bottom - 6) // lead)
                    if fit >= 1 and max(len(c) for c in cells) > fit:
                        self.y -= draw_cells([c[:fit] for c in cells], self.y)
                        cells = [c[fit:] or [""] for c in cells]
                end_segment()
                self.new_page()
                if t.continued_mark:
                    self.line(t.continued_mark, size, align="right")
                    self.y -= 4
                start_segment(t.repeat_header)
            self.y -= draw_cells(cells, self.y)
        end_segment()
        self.y -= 6


def _toc_lines(r: Renderer, g: GazetteDraw, pages: dict[int, int]) -> list[tuple[str, str]]:
    """The TOC as (align, text) lines."""
    out: list[tuple[str, str]] = []
    category = None
    sec_no = 0
    body = g.body
    for k, d in enumerate(g.docs):
        if d.category != category and d.category:
            category = d.category
            sec_no += 1
            if g.toc_sections == "bracket":
                out.append(("left", f"【{category}】"))
            elif g.toc_sections == "numeral":
                out.append(("left", f"{cn_number(sec_no)}、{category}"))
            else:
                out.append(("center", category))
        page = pages.get(k, 1)
        number = d.number
        if number and g.toc_number == "paren":
            text = f"{d.title}（{number}）"
        elif number and g.toc_number == "inline":
            text = f"{d.title} {number}"
        else:
            text = d.title
        lines = wrap(text, body, r.width - 2 * body)
        if number and g.toc_number == "own_line":
            lines.append(number)
        if g.toc_pages == "paren":
            tail = f"（{page}）"
            leader = ""
        else:
            tail = f" {page}" if g.toc_pages == "spaces" else str(page)
            leader = {"dots": ".", "ellipsis": "…", "middot": "・", "spaces": " "}[g.toc_pages]
        last = lines[-1]
        room = r.width - text_width(last + tail, body)
        unit = text_width(leader, body) if leader else 1
        if (leader and room < unit * 4) or g.toc_leaders_alone:
            lines.append("")
            room = r.width - text_width(tail, body)
        fill = leader * max(2, int(room / unit) - 1) if leader else ""
        if leader == " ":
            fill = " " * max(4, int(room / unit) - 2)
        lines[-1] = lines[-1] + fill + tail
        out += [("left", t) for t in lines]
    return out


def render(g: GazetteDraw, path: str) -> Truth:
    """Draw the gazette to path (twice: the second pass knows the pages the TOC prints)."""
    pages: dict[int, int] = {}
    total = 0
    for _ in range(3):
        r = Renderer(path, g)
        r._total_pages = total
        truth = _draw(r, g, pages)
        total = r.page
        new_pages = {k: d.page_start for k, d in enumerate(truth.documents)}
        if new_pages == pages and r._total_pages == total:
            break
        pages = new_pages
    return truth


def _draw(r: Renderer, g: GazetteDraw, pages: dict[int, int]) -> Truth:
    body, tsize = g.body, g.title_size
    bold = g.faux_bold or g.title_ratio < 1.1  # titles set like the text are at least drawn bold when faux bold is on
    issue_no = cn_number(g.issue) if g.issue_cn else str(g.issue)
    # cover, never numbered
    r.new_page(numbered=False)
    r.y -= 150
    r.line(g.title, 28, "center", bold=True, after=20)
    r.line(f"{g.year}年第{issue_no}期", 15, "center")
    if g.total:
        r.line(f"（总第{g.total}期）", 15, "center")
    r.line(f"{g.docs[0].issuer.removesuffix('办公室')}办公室主办", 13, "center")
    y, m, d = g.published
    r.line(f"{y}年{m}月{d}日出版", 13, "center")
    if g.numbering == "continued":
        r.next_number = g.first_number
    if g.toc == "toc":
        r.new_page(numbered=g.numbering == "from_toc")
        r.line(g.title, body * 1.4, "center", bold=True)
        r.line(f"{g.year}年第{issue_no}期", body, "center", after=body * 0.5)
        r.line(rng_toc_head(g), body * 1.4, "center", bold=True, after=body * 0.5)
        for align, text in _toc_lines(r, g, pages):
            r.line(text, body, align)
    if g.numbering == "from_body":
        r.next_number = 1
    docs: list[DocTruth] = []
    for k, d in enumerate(g.docs):
        if d.new_page or k == 0 or r.page <= 1:
            r.new_page()
        else:
            r.y -= body * 2
            # the whole head (issuer line, 文号, title) and the first lines of text stay together
            head = (len(wrap(d.title_lines[0], tsize, r.width * 0.8)) + 2) * tsize * g.leading + 4 * body * g.leading
            r.ensure(head)
        start_page = r.page
        if d.header_line:
            hsize = tsize * 1.3 if d.head == "redhead" else tsize
            if d.head == "redhead":  # a red head is set on one line, scaled to fit
                hsize = min(hsize, r.width * 0.78 / len(d.header_line))
            r.centred_block(d.header_line, hsize, True)
            r.y -= body * 0.5
        number_line = f"（{d.number}）" if d.number and d.number_paren else d.number
        if number_line and d.signer_beside:
            number_line = f"{number_line}{' ' * 12}签发人：{d.signer_beside}"
        if number_line and d.number_above:
            r.line(number_line, body, "center", after=body * 0.6)
        lines = wrap(d.title_lines[0], tsize, r.width * 0.8)
        for part in lines:
            r.line(part, tsize, "center", bold=bold)
        r.y -= body * 0.4
        if number_line and not d.number_above:
            r.line(number_line, body, "center", after=body * 0.4)
        r.y -= body * 0.4
        if d.addressees:
            for part in wrap(d.addressees, body, r.width):
                r.line(part)
        for kind, text in d.paragraphs:
            if kind == "heading":
                r.line(text, indent=2 * body)
            else:
                r.paragraph(text)
        for t in d.note:
            r.line(t, indent=body * 2)
        r.y -= body
        inline = "    ".join(d.signers)
        side_by_side = d.signers_inline and text_width(inline, body) < r.width * 0.8  # only where they fit
        for s in ([inline] if side_by_side else d.signers):
            r.line(s, align="right")
        r.line(d.date_text, align="right")
        if d.disclosure:
            r.line(d.disclosure, indent=body * 2)
        tables = []
        for a in d.attachments:
            r.new_page()
            r.line(a.label)
            r.centred_block(a.caption, round(body * 1.3, 1), True)
            for p in a.paragraphs:
                r.paragraph(p)
            if a.table:
                r.table(a.table)
                tables.append({"header": a.table.header_truth, "rows": a.table.rows})
        docs.append(DocTruth(
            doc_number=d.number_truth, title=d.title, doc_type=d.doc_type, issuers=list(d.signers), date=d.date,
            category=d.category if g.toc == "toc" else None, addressees=d.addressees.rstrip("：") if d.addressees else None,
            disclosure=d.disclosure.strip("（）()") if d.disclosure else None,
            page_start=r.printed[start_page], pdf_page_start=start_page,
            attachments=[a.caption for a in d.attachments], tables=tables,
            paragraphs=[t for _, t in d.paragraphs],
        ))
    if g.back_page:
        r.new_page(numbered=False)
        r.y -= 300
        for text in [f"主办：{g.docs[0].issuer.removesuffix('办公室')}办公室", f"地址：{g.title[:3]}人民路{g.seed % 90 + 1}号",
                     f"电话：0{g.seed % 900 + 100}-{g.seed % 9000000 + 1000000}", "印刷：机关印刷厂"]:
            r.line(text, indent=body * 4)
    r.c.save()
    return Truth(g.title, g.year, g.issue, g.total, "{:04d}-{:02d}-{:02d}".format(*g.published), docs, sorted(r.running), r.page)


def rng_toc_head(g: GazetteDraw) -> str:
    return ["目  录", "目录", "目　录", "本期目录"][g.seed % 4]
