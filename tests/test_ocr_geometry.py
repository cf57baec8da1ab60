"""What the parser makes of OCR output, without running OCR: spaces and cells from character
boxes, sizes from the pitch of characters, leaders and page numbers as OCR misreads them, a
skewed page set straight, and strips of ink the detector passed over read again."""

from __future__ import annotations

import importlib.util
import math
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.ocr import (
    OcrLine,
    OcrOptions,
    deskewed,
    read_missed_strips,
    reread_doubtful,
    split_at_gaps,
    tidy_leaders,
    tidy_page_number,
    to_lines,
)

OPTIONS = OcrOptions()
needs_numpy = pytest.mark.skipif(importlib.util.find_spec("numpy") is None and os.environ.get("CI") != "true",
                                 reason="numpy comes with the OCR extra (pip install -e '.[ocr]')")


def spanned(text: str, x0: float, top: float, em: float, gaps: dict[int, float] | None = None,
            ink: float = 0.85, height: float = 1.5) -> OcrLine:
    """An OCR line of text set at a pitch of em, with extra white (in ems) before the
    characters at the given indexes; each character's box covers `ink` of its advance."""
    spans, x = [], x0
    for k, ch in enumerate(text):
        x += (gaps or {}).get(k, 0) * em
        advance = em if ord(ch) > 0x2E80 else em / 2
        spans.append((ch, x, x + advance * ink))
        x += advance
    return OcrLine(text, (x0, top, x, top + em * height), 0.99, spans)


def test_a_gap_between_two_signers_is_a_space_a_wide_one_a_new_cell():
    signers = spanned("丰乐区民政局丰乐区教育局", 100, 500, 12, gaps={6: 0.9})
    assert [ln.text for ln in split_at_gaps(signers, 0.4, 1.5, OPTIONS)] == ["丰乐区民政局 丰乐区教育局"]
    cells = spanned("单位名称联系电话", 100, 500, 12, gaps={4: 3.0})
    pieces = split_at_gaps(cells, 0.4, 1.5, OPTIONS)
    assert [ln.text for ln in pieces] == ["单位名称", "联系电话"]
    assert pieces[1].box[0] == pytest.approx(100 + 12 * 7, abs=0.5)
    tight = spanned("工作，细化措施", 100, 500, 12)  # a comma's ink fills little of its box: no gap
    assert [ln.text for ln in split_at_gaps(tight, 0.4, 1.5, OPTIONS)] == ["工作，细化措施"]
    jitter = spanned("兴政办发〔2018〕14号", 100, 500, 12, gaps={2: 0.45})  # the recognizer's jitter
    assert [ln.text for ln in split_at_gaps(jitter, 0.4, 1.5, OPTIONS)] == ["兴政办发〔2018〕14号"]
    latin = spanned("ISO9001", 100, 500, 12, gaps={3: 0.55})  # beside Latin letters a narrower gap is a space
    assert [ln.text for ln in split_at_gaps(latin, 0.4, 1.5, OPTIONS)] == ["ISO 9001"]


def test_text_that_does_not_match_its_spans_is_left_as_read():
    line = spanned("第一行文字", 100, 500, 12)
    line.text = "第一行文"
    assert [(x.text, x.box, x.spans) for x in split_at_gaps(line, 0.4, 1.5, OPTIONS)] == [("第一行文", line.box, None)]


def test_sizes_come_from_the_pitch_not_the_box_height():
    """Box heights vary with the glyphs; the pitch of a run of characters does not. A row of
    digits too short to measure takes the text's size and is marked as guessed."""
    body = [spanned("为进一步做好相关工作严格落实安全生产责任制", 72, 100 + 20 * k, 10.5, height=h)
            for k, h in enumerate((1.45, 1.2, 1.6))]
    digits = OcrLine("1", (200, 170, 205, 180.5), 0.99, [("1", 200, 205)])
    lines = to_lines(body + [digits], 1, OPTIONS)
    assert [ln.size for ln in lines[:3]] == [10.5, 10.5, 10.5] and all(ln.size_known for ln in lines[:3])
    assert lines[3].size == 10.5 and not lines[3].size_known
    assert lines[0].bottom - lines[0].top == pytest.approx(10.5)  # the em box, not the padded box


@pytest.mark.parametrize("read,want", [
    ("安民发〔2021〕6号· ..................-.+7", "安民发〔2021〕6号……7"),
    ("工作的通知· ····g", "工作的通知……9"),
    ("理工作的函 · · ·13", "理工作的函……13"),
    ("ISO 9001", "ISO 9001"),
    ("......Total", "......Total"),
    ("2020年第3期", "2020年第3期"),
])
def test_leaders_as_ocr_reads_them(read, want):
    assert tidy_leaders(read) == want


def test_a_page_number_alone_after_a_gap_needs_one_dot():
    assert tidy_leaders("·15", after_gap=True) == "……15"
    assert tidy_leaders("·15") == "·15"
    assert tidy_leaders("5765", after_gap=True) == "5765"  # a table's number is no page reference


@given(st.text(alphabet="阳泉市城区政府公报关于印发通知的第一二三年月日0123456789 （）.·gO", max_size=30))
def test_tidy_leaders_leaves_text_without_a_leader_alone(text):
    """Fewer than three leader dots: no leader, whatever digits or look-alikes follow."""
    dots = sum(1 for ch in text if ch in ".·")
    if dots < 3:
        assert tidy_leaders(text) == text
    if dots == 0:
        assert tidy_leaders(text, after_gap=True) == text


@pytest.mark.parametrize("read,want", [("·277.", "·277·"), ("—225一", "—225—"), ("12", "12"), ("3.5", "3.5"),
                                       ("一", "一"), ("第一章", "第一章")])
def test_page_number_marks_as_ocr_reads_them(read, want):
    assert tidy_page_number(read) == want


@given(st.text(alphabet="阳泉市城区政府公报关于二三年月日0123456789.·—一-", min_size=1, max_size=20))
def test_tidy_page_number_leaves_words_alone(text):
    """Only a number with marks is touched: any word in the text leaves it as it is."""
    if any("\u4e00" <= ch <= "\u9fff" and ch != "一" for ch in text) or not any(ch.isdigit() for ch in text):
        assert tidy_page_number(text) == text


def test_a_skewed_line_is_set_straight():
    """A 400-pixel line falling 0.5° to the right: its box is taller than the line by the slope;
    turned straight, it is the line's own height again and its middle moves by the turn."""
    skew = 0.5
    drop = 400 * math.tan(math.radians(skew))
    line = OcrLine("文字", (300, 500, 700, 520 + drop), 0.99, [("文", 300, 320), ("字", 680, 700)])
    straight = deskewed(line, skew, (1000, 1400))
    assert straight.box[3] - straight.box[1] == pytest.approx(20, abs=0.2)
    # the middle turns about the image centre (500, 700) the way straightened() turns the image
    t = math.radians(skew)
    mx, my = 500 - 500, (510 + drop / 2) - 700
    want = (500 + mx * math.cos(t) + my * math.sin(t), 700 - mx * math.sin(t) + my * math.cos(t))
    assert ((straight.box[0] + straight.box[2]) / 2, (straight.box[1] + straight.box[3]) / 2) == pytest.approx(want)
    other_way = deskewed(line, -skew, (1000, 1400))
    assert (straight.box[0] + straight.box[2]) / 2 - (other_way.box[0] + other_way.box[2]) / 2 == pytest.approx(
        2 * my * math.sin(t))  # the turn's direction matters
    assert straight.box[2] - straight.box[0] == pytest.approx(400)
    assert straight.spans[1][1] - straight.spans[0][1] == pytest.approx(380 / math.cos(math.radians(skew)), abs=1)
    assert deskewed(line, 0.0, (1000, 1400)) is line


@needs_numpy
@pytest.mark.parametrize("angle", [0.4, -0.3, 1.2])
def test_the_skew_of_a_page_is_measured_in_its_image(angle):
    from PIL import Image, ImageDraw

    from pipeline.ocr import page_skew

    img = Image.new("L", (1000, 1400), 235)
    draw = ImageDraw.Draw(img)
    boxes = []
    for k in range(12):  # lines of text-like blobs
        top = 200 + 60 * k
        for x in range(150, 850, 26):
            draw.rectangle((x, top, x + 20, top + 20), fill=30)
        boxes.append(OcrLine("x" * 20, (150, top, 850, top + 20), 0.99))
    turned = img.rotate(-angle, fillcolor=235)  # PIL turns counter-clockwise: -angle falls to the right
    assert page_skew(turned, boxes, OPTIONS) == pytest.approx(angle, abs=0.05)
    assert page_skew(img, boxes, OPTIONS) == 0.0
    assert page_skew(turned, boxes[:2], OPTIONS) == 0.0  # two lines say too little


class FakeEngine:
    """Reads a crop by what it was told is there; records what it was shown."""

    name = "fake"

    def __init__(self, text: str, score: float):
        self.text, self.score, self.crops = text, score, []

    def recognize(self, image):
        return []

    def read_line(self, image):
        self.crops.append(image)
        return self.text, self.score


@needs_numpy
def test_a_row_of_leader_dots_the_detector_passed_over_is_read_with_its_page_number():
    from PIL import Image, ImageDraw

    img = Image.new("L", (1190, 1684), 235)  # an A4 page at 144 dpi
    draw = ImageDraw.Draw(img)
    draw.rectangle((100, 100, 700, 130), fill=20)  # a line the detector found
    for x in range(100, 880, 12):  # the leader under it: dots ...
        draw.rectangle((x, 168, x + 3, 171), fill=20)
    draw.rectangle((890, 150, 896, 172), fill=20)  # ... and its page number
    detected = [OcrLine("标题", (100, 100, 700, 130), 0.99)]
    engine = FakeEngine("·········7", 0.6)
    found = read_missed_strips(img, detected, engine, OPTIONS)
    assert [ln.text for ln in found] == ["·········7"]
    assert 140 <= found[0].box[1] <= 150 and found[0].box[3] >= 172 and found[0].box[2] >= 896
    assert len(engine.crops) == 1 and engine.crops[0].size[1] < 40  # the strip alone, not the line above
    assert read_missed_strips(img, detected, FakeEngine("·········", 0.6), OPTIONS) == []  # dots say nothing


def test_a_line_read_with_little_confidence_is_read_again_on_its_own():
    from PIL import Image

    img = Image.new("L", (1000, 600), 235)
    doubtful = OcrLine("（）", (150, 200, 800, 225), 0.64)
    sure = OcrLine("各有关单位：", (150, 240, 300, 265), 0.99)
    engine = FakeEngine("（二）严格考核。", 0.98)
    out = reread_doubtful(img, [doubtful, sure], engine, OPTIONS)
    assert [ln.text for ln in out] == ["（二）严格考核。", "各有关单位："] and len(engine.crops) == 1
    worse = reread_doubtful(img, [doubtful], FakeEngine("口", 0.3), OPTIONS)
    assert worse[0].text == "（）"


@needs_numpy
def test_a_page_set_at_a_large_angle_is_not_turned():
    """Past max_skew a page is no scanner's skew: it is left as it is, not turned by the most
    the search reaches."""
    from PIL import Image, ImageDraw

    from pipeline.ocr import page_skew

    img = Image.new("L", (1000, 1400), 235)
    draw = ImageDraw.Draw(img)
    boxes = []
    for k in range(12):
        top = 200 + 60 * k
        for x in range(150, 850, 26):
            draw.rectangle((x, top, x + 20, top + 20), fill=30)
        boxes.append(OcrLine("x" * 20, (150, top, 850, top + 20), 0.99))
    assert page_skew(img.rotate(-8, fillcolor=235), boxes, OPTIONS) == 0.0
