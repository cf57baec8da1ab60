"""Header rows, merged header cells, rows broken by a page."""

from pipeline.tables import _broken_row, combine_header, header_rows


def test_single_header_row():
    rows = [["序号", "企业名称", "地址"], ["1", "甲公司", "冠山镇"]]
    assert header_rows(rows) == 1
    assert combine_header(rows[:1]) == ["序号", "企业名称", "地址"]


def test_two_level_header_with_merged_cells():
    rows = [["序号", "项目名称", "投资(万元)", "", "责任单位"],
            ["", "", "总投资", "2024年", ""],
            ["1", "县城供热管网改造", "12000", "3000", "住建局"]]
    n = header_rows(rows)
    assert n == 2
    assert combine_header(rows[:n]) == ["序号", "项目名称", "投资(万元)/总投资", "投资(万元)/2024年", "责任单位"]


def test_a_data_row_with_blank_key_is_not_a_header_when_nothing_is_merged():
    rows = [["类别", "单位", "人数"], ["", "县医院", "12"]]
    assert header_rows(rows) == 1


def test_broken_row_detected_by_its_blank_key_cell():
    rows = [["1", "甲", "x"], ["2", "乙", "y"]]
    assert _broken_row(["", "公司", "院内"], rows)
    assert not _broken_row(["3", "丙", "z"], rows)
