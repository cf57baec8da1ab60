"""Gazettes in layouts other than the sample's, with what the parser must find in them."""

from __future__ import annotations

from .builder import AttachmentSpec, DocSpec, Style, TableSpec, build_gazette

_PHRASES = [
    "各乡镇人民政府要切实加强组织领导，明确责任分工，确保各项任务按时完成。",
    "县直各有关单位要结合工作实际，细化工作措施，形成工作合力。",
    "要加强督促检查，对工作推进不力的单位及时通报，限期整改。",
    "坚持问题导向和目标导向，统筹推进乡村振兴和城乡融合发展。",
    "进一步优化营商环境，提升政务服务效能，激发市场主体活力。",
    "严格落实安全生产责任制，全面排查整治各类风险隐患。",
]


def prose(seed: int, sentences: int) -> str:
    return "".join(_PHRASES[(seed + k) % len(_PHRASES)] for k in range(sentences))


def _rows(n: int, broken_long: bool = False) -> list[list[str]]:
    towns = ["冠山镇", "冶西镇", "锁簧镇", "张庄镇", "东回镇", "柏井镇"]
    rows = []
    for i in range(1, n + 1):
        name = f"平定县第{i}号示范合作社有限责任公司" if i % 3 else f"平定县农产品加工企业{i}"
        addr = f"{towns[i % 6]}{i}号院"
        if broken_long and i == n - 2:
            addr = "冠山镇西关村南街道路东侧原县农机修造厂院内第三排平房东数第二间北侧库房"
        rows.append([str(i), name, f"负责人{i:02d}", f"1390353{i:04d}", addr])
    return rows


def variant_a(path: str) -> dict:
    """A4, centred '- N -' footers, a TOC, one document per page, a table that crosses a page
    with its header row repeated, another county's issuers and 文号 prefixes."""
    style = Style(page="A4", header_text="平定县人民政府公报 2024年第3期", footer="dash", toc=True)
    docs = [
        DocSpec(
            number="平政发〔2024〕3号",
            issuer_header="平定县人民政府",
            title_lines=["关于公布2024年度县级农业产业化", "重点龙头企业名单的通知"],
            addressees="各乡镇人民政府，县直各有关单位：",
            paragraphs=[prose(0, 4), "根据《山西省农业产业化龙头企业认定和运行监测管理办法》（晋农经发〔2022〕6号）规定，现将名单予以公布。", prose(2, 3)],
            note=["附件：平定县2024年度县级农业产业化重点龙头企业名单"],
            signers=["平定县人民政府"],
            date="2024年3月5日",
            category="县政府文件",
            attachments=[AttachmentSpec("附件", "平定县2024年度县级农业产业化重点龙头企业名单", table=TableSpec(
                ["序号", "企业名称", "负责人", "联系电话", "地址"], _rows(36), [0.08, 0.36, 0.14, 0.18, 0.24],
                continued_mark="（续表）"))],
        ),
        DocSpec(
            number="平政办函[2024]12号",
            issuer_header="平定县人民政府办公室",
            title_lines=["关于做好2024年春季植树造林工作的函"],
            addressees="县林业局：",
            paragraphs=[prose(1, 5), prose(3, 6), "请于2024年4月30日前将工作开展情况报县政府办公室。"],
            signers=["平定县人民政府办公室"],
            date="2024年3月12日",
            disclosure="(此件公开发布)",
            category="县政府办公室文件",
        ),
        DocSpec(
            number="平人社发〔2024〕7号",
            issuer_header=None,
            title_lines=["关于印发《平定县就业见习管理办法》的通知"],
            addressees="各有关单位：",
            paragraphs=[prose(4, 3), prose(5, 7), prose(0, 5)],
            signers=["平定县人力资源和社会保障局", "平定县财政局"],
            date="2024年3月20日",
            disclosure=None,
            category="部门文件",
            # a forwarded provincial notice, with its own title and 文号, inside this document
            attachments=[AttachmentSpec("附件", "山西省人力资源和社会保障厅关于做好就业见习工作的通知",
                                        paragraphs=[prose(2, 4)], number="晋人社厅发〔2024〕3号")],
        ),
    ]
    pages, _ = build_gazette(path, style, "平定县人民政府公报", "2024年第3期（总第41期）",
                             ["2024年第三期", "（总第41期）", "平定县人民政府办公室主办", "2024年3月28日出版"], docs)
    return {"docs": docs, "pages": pages, "style": style}


def variant_b(path: str) -> dict:
    """B5, '第 N 页' at the outer corner, no TOC, documents running on without page breaks (one
    title block broken by a page break),
    faux-bold titles, dates in Chinese numerals, a personnel notice, a citation split by a line
    break, and a table whose row is broken by the page (no repeated header)."""
    style = Style(page="B5", margin_x=60, margin_top=70, margin_bottom=70, body=11, title=16,
                  header_text="盂县政府公报", footer="di", footer_outer=True, faux_bold=True, toc=False)
    cut = "为进一步规范全县政府投资项目管理工作，根据市政府印发的通知" + "（阳政办发〔2023〕39号）"
    docs = [
        DocSpec(
            number="盂政发〔2024〕21号",
            issuer_header="盂县人民政府",
            title_lines=["关于加强政府投资项目管理的通知"],
            addressees="各乡镇人民政府，县直各单位：",
            paragraphs=[cut + "，结合我县实际，现就有关事项通知如下。", prose(2, 6), prose(5, 4)],
            signers=["盂县人民政府"],
            date="二〇二四年五月八日",
            new_page=True,
        ),
        DocSpec(
            number="盂政任字〔2024〕4号",
            issuer_header="盂县人民政府",
            title_lines=["关于张建国等同志职务任免的通知"],
            addressees="各乡镇人民政府，县直各单位：",
            paragraphs=["经2024年5月10日县人民政府常务会议研究，决定任命：", "张建国为县交通运输局局长；",
                        "李秀英为县卫生健康局副局长。", "决定免去：", "王志刚的县交通运输局局长职务。"],
            signers=["盂县人民政府"],
            date="二〇二四年五月十日",
            new_page=False,
            break_before_number=True,  # its title ends one page, its 文号 starts the next
        ),
        DocSpec(
            number="盂政办发〔2024〕9号",
            issuer_header="盂县人民政府办公室",
            title_lines=["关于公布县级储备粮承储企业名单的通知"],
            addressees="各乡镇人民政府，县直各有关单位：",
            paragraphs=[prose(3, 5), prose(1, 4)],
            note=["附件：1.盂县县级储备粮承储企业名单", "2.盂县储备粮管理考核细则"],
            signers=["盂县人民政府办公室"],
            date="二〇二四年五月二十日",
            new_page=False,
            attachments=[AttachmentSpec("附件1", "盂县县级储备粮承储企业名单", paragraphs=[], table=TableSpec(
                ["序号", "企业名称", "负责人", "联系电话", "地址"], _rows(14, broken_long=True),
                [0.08, 0.34, 0.14, 0.2, 0.24], repeat_header=False, break_rows=True))],
        ),
    ]
    # lengthen the text above the table until a table row is broken by the page break
    for n in range(4, 30):
        docs[2].attachments[0].paragraphs = [prose(0, n)]
        pages, broken = build_gazette(path, style, "盂县政府公报", "2024年第5期（总第88期）",
                                      ["2024（第五期）", "（总第88期）"], docs,
                                      back_matter=["主办：盂县人民政府办公室", "地址：盂县秀水镇迎宾路1号",
                                                   "电话：0353-6012345", "印刷：盂县印刷厂"])
        if broken:
            break
    assert broken, "the layout never broke a row across pages"
    return {"docs": docs, "pages": pages, "style": style, "split_citation": "阳政办发〔2023〕39号"}


def variant_c(path: str) -> dict:
    """US Letter, '— N —' footers, '……' leaders and '一、' section headings in the TOC,
    several documents on one page, a 文号 in square brackets, an ASCII-bracket disclosure."""
    style = Style(page="LETTER", margin_x=80, body=12.5, title=17, header_text="阳曲县人民政府公报（2025年第1期）",
                  footer="emdash", toc=True, leader="…", section_format="{}")
    docs = [
        DocSpec(
            number="曲政发[2025]1号",
            issuer_header="阳曲县人民政府",
            title_lines=["关于表彰2024年度安全生产先进单位的决定"],
            addressees="各乡镇人民政府，县直各单位：",
            paragraphs=[prose(2, 3), prose(4, 2)],
            signers=["阳曲县人民政府"],
            date="2025年1月6日",
            disclosure="(此件公开发布)",
            category="一、县政府文件",
        ),
        DocSpec(
            number="曲政发〔2025〕2号",
            issuer_header="阳曲县人民政府文件",
            number_first=True,
            title_lines=["关于调整县防汛抗旱指挥部成员的通知"],
            addressees="各乡镇人民政府，县直各单位：",
            paragraphs=[prose(1, 2)],
            signers=["阳曲县人民政府"],
            date="2025年1月9日",
            category="一、县政府文件",
            new_page=False,
        ),
        DocSpec(
            number="曲应急发〔2025〕3号",
            signer_on_number_line="王建军",
            issuer_header=None,
            title_lines=["关于开展冬春火灾防控工作的通知"],
            addressees="各乡镇应急管理站：",
            paragraphs=[prose(3, 4)],
            signers=["阳曲县应急管理局"],
            date="2025年1月15日",
            category="二、部门文件",
            new_page=False,
        ),
    ]
    pages, _ = build_gazette(path, style, "阳曲县人民政府公报", "2025年第1期（总第12期）",
                             ["2025年第1期", "（总第12期）"], docs)
    return {"docs": docs, "pages": pages, "style": style}


def variant_d(path: str) -> dict:
    """The page number inside the running header at alternating outer corners and no footer, a
    TOC entry without a 文号 (a document that has none), a two-line addressee block, joint
    signers side by side on one line."""
    style = Style(page="A4", header_text="寿阳县人民政府公报 2024年第2期", footer="none", page_in_header=True,
                  toc=True)
    long_addressees = ("各乡镇人民政府，县直各委、办、局，县属各企事业单位，驻县各有关单位，"
                       "各社区居民委员会，各村民委员会：")
    docs = [
        DocSpec(
            number="寿政发〔2024〕15号",
            issuer_header="寿阳县人民政府",
            title_lines=["关于印发寿阳县2024年度重点工程", "建设计划的通知"],
            addressees=long_addressees,
            paragraphs=[prose(0, 6), prose(2, 9), prose(4, 12), prose(1, 8)],
            signers=["寿阳县人民政府"],
            date="2024年2月18日",
            category="县政府文件",
        ),
        DocSpec(
            number=None,
            issuer_header="寿阳县人民政府",
            title_lines=["关于2024年春节期间烟花爆竹燃放管理的通告"],
            addressees="全县各单位、广大居民：",
            paragraphs=[prose(3, 4), prose(5, 3)],
            signers=["寿阳县人民政府"],
            date="2024年2月1日",
            category="县政府文件",
        ),
        DocSpec(
            number="寿农发〔2024〕2号",
            issuer_header=None,
            title_lines=["关于做好2024年春耕备耕工作的通知"],
            addressees="各乡镇农业综合服务中心：",
            paragraphs=[prose(1, 5), prose(2, 4)],
            signers=["寿阳县农业农村局", "寿阳县财政局"],
            signers_inline=True,
            date="2024年2月26日",
            disclosure="（此件依申请公开）",
            category="部门文件",
        ),
    ]
    pages, _ = build_gazette(path, style, "寿阳县人民政府公报", "2024年第2期（总第20期）",
                             ["二〇二四年第二期", "（总第二十期）"], docs)
    return {"docs": docs, "pages": pages, "style": style}


def variant_e(path: str) -> dict:
    """No TOC and no 文号 at all (announcements found by their title and addressee line),
    bare page numbers at the outer corner, titles only a little larger than the body text, and a
    table drawn without rules (columns kept apart by white space) crossing a page."""
    style = Style(page="B5", margin_x=56, body=10.5, title=13, header_text="", footer="bare", footer_outer=True,
                  toc=False)
    docs = [
        DocSpec(
            number=None,
            issuer_header="昔阳县人民政府",
            title_lines=["关于开展2024年度统计执法检查的公告"],
            addressees="各乡镇人民政府，县直各有关单位：",
            paragraphs=[prose(0, 5), prose(3, 4)],
            signers=["昔阳县人民政府"],
            date="2024年8月1日",
            attachments=[AttachmentSpec("附件", "2024年度统计执法检查对象名单", table=TableSpec(
                ["序号", "单位名称", "负责人", "联系电话", "地址"], _rows(40), [0.1, 0.34, 0.16, 0.18, 0.22],
                ruled=False))],
        ),
        DocSpec(
            number=None,
            issuer_header="昔阳县人民政府办公室",
            title_lines=["关于调整县城公交线路的通知"],
            addressees="县交通运输局，各乡镇人民政府：",
            paragraphs=[prose(2, 3)],
            signers=["昔阳县人民政府办公室"],
            date="2024年8月9日",
            new_page=False,
        ),
    ]
    pages, _ = build_gazette(path, style, "昔阳县政府公报", "2024年第8期（总第100期）", ["2024年第8期"], docs)
    return {"docs": docs, "pages": pages, "style": style}


def variant_f(path: str) -> dict:
    """Titles set exactly like the body text (same size, not bold, only centred), and a personnel
    notice worded '经研究，任命…' without 决定."""
    style = Style(page="A4", body=14, title=14, header_text="平遥县人民政府公报", footer="dash", toc=False)
    docs = [
        DocSpec(
            number="平遥政发〔2024〕30号",
            issuer_header="平遥县人民政府",
            title_lines=["关于进一步做好古城保护工作的意见"],
            addressees="各乡镇人民政府，县直各有关单位：",
            paragraphs=[prose(1, 4), prose(4, 3)],
            signers=["平遥县人民政府"],
            date="2024年9月3日",
        ),
        DocSpec(
            number="平遥政任〔2024〕11号",
            issuer_header="平遥县人民政府",
            title_lines=["关于赵立新同志任职的通知"],
            addressees="各乡镇人民政府，县直各有关单位：",
            paragraphs=["经研究，任命赵立新为县文物局局长。"],
            signers=["平遥县人民政府"],
            date="2024年9月10日",
            new_page=False,
        ),
    ]
    pages, _ = build_gazette(path, style, "平遥县人民政府公报", "2024年第9期（总第60期）", ["2024年第9期"], docs)
    return {"docs": docs, "pages": pages, "style": style}
