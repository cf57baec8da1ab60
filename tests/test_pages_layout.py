"""Characters to lines, page-number styles, running matter found by repetition."""

import pytest

from pipeline.layout import analyse, page_number_of
from pipeline.pages import Line, Page, build_lines, clean_chars


def char(text, x0, top, size=12.0, font="Song"):
    return {"text": text, "x0": x0, "x1": x0 + size, "top": top, "bottom": top + size, "size": size, "fontname": font}


def test_faux_bold_duplicates_and_control_characters_dropped():
    chars = [char("关", 100, 50), char("关", 100.4, 50.2), char("于", 112, 50), char("\x03", 124, 50),
             char("于", 112.3, 50), char("\u200b", 125, 50)]
    lines = build_lines(clean_chars(chars), 1)
    assert [ln.text for ln in lines] == ["关于"]


def test_no_spurious_spaces_but_real_gaps_kept():
    tight = [char(c, 100 + i * 12.2, 50) for i, c in enumerate("阳泉市城区")]
    gap = [char("序", 100, 80), char("号", 112, 80), char("企", 150, 80), char("业", 162, 80)]
    lines = build_lines(clean_chars(tight + gap), 1)
    assert [ln.text for ln in lines] == ["阳泉市城区", "序号 企业"]


@pytest.mark.parametrize("text,num", [("- 3 -", 3), ("— 12 —", 12), ("第 3 页", 3), ("第3页 共9页", 3), ("3", 3),
                                       ("－ 7 －", 7), ("Page 4", 4), ("5/20", 5)])
def test_page_number_styles(text, num):
    assert page_number_of(text) == num


@pytest.mark.parametrize("text", ["2023年", "第三条", "一、总体要求", "- 三 -"])
def test_not_page_numbers(text):
    assert page_number_of(text) is None


def _page(n, header, body, footer):
    lines = [Line(header, 72, 300, 40, 49, 9, False, n)]
    lines += [Line(t, 72, 520, 100 + 20 * i, 112 + 20 * i, 12, False, n) for i, t in enumerate(body)]
    if footer:
        lines.append(Line(footer, 280, 310, 790, 800, 10.5, False, n))
    return Page(n, 595, 842, lines, [])


def test_running_header_and_footer_found_from_repetition():
    pages = [_page(1, "封面", ["某某县人民政府公报"], None)]
    texts = ["各乡镇人民政府要切实加强组织领导。", "县直各有关单位要结合工作实际。", "要加强督促检查。", "坚持问题导向。"]
    pages += [_page(n, "某某公报 2024年第1期", [texts[n % 4] * 3, texts[(n + 1) % 4]], f"— {n - 1} —")
              for n in range(2, 9)]
    layout = analyse(pages)
    removed = {pages[p - 1].lines[i].text for p, i in layout.furniture}
    assert "某某公报 2024年第1期" in removed and "— 3 —" in removed
    assert not any(t in r for t in texts for r in removed)
    assert layout.printed_page(5) == 4 and layout.printed_page(1) is None


def test_section_headers_that_change_are_running_matter_too():
    texts = ["各乡镇人民政府要切实加强组织领导。", "县直各有关单位要结合工作实际。", "要加强督促检查。", "坚持问题导向。"]
    sections = ["【区政府文件】", "【区政府文件】", "【人事任免】", "【人事任免】", "【部门文件】", "【部门文件】",
                "【部门文件】", "【其他】", "【其他】"]
    pages = [_page(1, "封面", ["某某县人民政府公报"], None)]
    cn = "〇一二三四五六七八九十"
    pages += [_page(n, sections[n - 2], [texts[n % 4] * 2 + f"见第{cn[n]}页。", texts[(n + 1) % 4] + cn[n]], f"- {n - 1} -")
              for n in range(2, 11)]
    layout = analyse(pages)
    removed = {pages[p - 1].lines[i].text for p, i in layout.furniture}
    assert set(sections) <= removed
    assert not any(t in r for t in texts for r in removed)


def _row(cells, top, page=1, size=10.0):
    """Characters of one line, its cells starting at the given x positions."""
    out = []
    for x, text in cells:
        for k, ch in enumerate(text):
            out.append(char(ch, x + k * size, top, size))
    return out


def test_table_without_rules_found_and_wrapped_cells_joined():
    from pipeline.pages import find_aligned_tables

    chars = _row([(72, "序号"), (120, "单位名称"), (300, "负责人"), (400, "地址")], 100)
    chars += _row([(72, "1"), (120, "县医院住院部"), (300, "张三"), (400, "冠山镇")], 116)
    chars += _row([(120, "东院"), (400, "一号")], 132)  # wrapped cells, first column empty
    chars += _row([(72, "2"), (120, "县中学"), (300, "李四"), (400, "冶西镇")], 148)
    chars += _row([(72, "各单位要切实加强组织领导，明确责任分工，确保各项任务按时完成。")], 180)
    tables, rest = find_aligned_tables(build_lines(clean_chars(chars), 1), 1)
    assert len(tables) == 1 and not tables[0].ruled
    assert tables[0].rows == [["序号", "单位名称", "负责人", "地址"], ["1", "县医院住院部东院", "张三", "冠山镇一号"],
                              ["2", "县中学", "李四", "冶西镇"]]
    assert [ln.text for ln in rest] == ["各单位要切实加强组织领导，明确责任分工，确保各项任务按时完成。"]


def test_a_centred_line_under_a_table_is_not_a_wrapped_cell():
    """A title (or any line) set apart under a table stays text: only a line close under a row
    continues its cells."""
    from pipeline.pages import find_aligned_tables

    chars = _row([(72, "序号"), (120, "单位名称"), (300, "负责人"), (400, "地址")], 100)
    chars += _row([(72, "1"), (120, "县医院"), (300, "张三"), (400, "冠山镇")], 116)
    chars += _row([(72, "2"), (120, "县中学"), (300, "李四"), (400, "冶西镇")], 132)
    chars += _row([(200, "县人民政府办公室")], 160)  # the next document's issuer line, centred
    tables, rest = find_aligned_tables(build_lines(clean_chars(chars), 1), 1)
    assert len(tables) == 1 and len(tables[0].rows) == 3
    assert [ln.text for ln in rest] == ["县人民政府办公室"]


def test_prose_and_signatures_are_not_tables():
    from pipeline.pages import find_aligned_tables

    chars = _row([(72, "为全面贯彻落实有关规定，进一步加强管理，现将有关事项通知如下。")], 100)
    chars += _row([(300, "某某县财政局"), (420, "某某县教育局")], 130)  # joint signature, two cells
    chars += _row([(72, "第一章"), (150, "总"), (200, "则")], 160)  # a spaced heading, one row only
    lines = build_lines(clean_chars(chars), 1)
    tables, rest = find_aligned_tables(lines, 1)
    assert tables == [] and len(rest) == len(lines)


def test_flush_left_heading_after_a_full_sentence_starts_a_paragraph():
    from pipeline.layout import Layout, paragraphs

    layout = Layout(12.0, 72.0, 520.0, {}, set())
    full = [Line("这是一个完整的句子写到了行末为止并且正好在这里结束了全文的第一段。", 72, 520, 100, 112, 12, False, 1),
            Line("二、工作要求", 72, 150, 120, 132, 12, False, 1),
            Line("续行的文字没有缩进也没有句末标点所以接在上一行后面不另起一段而是同一段", 72, 520, 140, 152, 12, False, 1),
            Line("的结尾。", 72, 120, 160, 172, 12, False, 1)]
    assert [t for t, _ in paragraphs(full, layout)] == [
        full[0].text, "二、工作要求", full[2].text + "的结尾。"]


def test_one_line_set_into_the_margin_does_not_move_the_right_edge():
    """The text's right edge is where several lines end, not the furthest one (a misread TOC
    line, a wide cell)."""
    body = [Line("各乡镇人民政府要切实加强组织领导确保各项任务按时完成", 72, 520 + (k % 3) * 0.7, 100 + 20 * k,
                 112 + 20 * k, 12, False, 1) for k in range(8)]
    stray = Line("各有关单位要结合工作实际细化工作措施形成工作合力……42", 72, 571, 300, 312, 12, False, 1)
    layout = analyse([Page(1, 595, 842, body + [stray], [])])
    assert abs(layout.right - 520) <= 2
