"""The jieba analyzer: sequential positions, offsets into the text as printed, normalization."""

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.tokenizer import ChineseAnalyzer, fold


def tokens(text, index_dir=None, mode=""):
    return [(t.text, t.pos, t.startchar, t.endchar)
            for t in ChineseAnalyzer(index_dir)(text, positions=True, chars=True, mode=mode)]


def test_positions_are_sequential_and_subwords_share_their_parents():
    toks = tokens("阳泉市城区生活垃圾分类行动实施方案")
    words = {}
    for text, pos, *_ in toks:
        words.setdefault(pos, []).append(text)
    assert sorted(words) == list(range(len(words)))  # 0, 1, 2, … without gaps
    parent = next(p for p, ws in words.items() if "实施方案" in ws)
    assert {"实施", "方案"} <= set(words[parent])


def test_offsets_point_into_the_printed_text():
    text = "经阳泉市城区人民政府2023年5月27日常务会议通过，决定任命：王瑞明為区人民医院院长。"
    for word, _, start, end in tokens(text):
        assert fold(text[start:end]) == word


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="阳泉市城区政府公报中小學生爲消费券进出平衡ＡＢＣabc123，。 ", max_size=40))
def test_offsets_hold_for_any_text(text):
    for word, _, start, end in tokens(text):
        assert fold(text[start:end]) == word


def test_normalization_width_and_traditional():
    assert fold("中小學生ＡＢＣ１２３") == "中小学生abc123"
    assert [t[0] for t in tokens("中小學生", mode="query")] == [t[0] for t in tokens("中小学生", mode="query")]


def test_domain_words_stay_whole(sample_home):
    index_dir = str(sample_home / "index")
    words = (sample_home / "index" / "userdict.txt").read_text(encoding="utf-8")
    for term in ("消费券", "进出平衡", "阳泉市城区科学技术局", "王瑞明"):
        assert f"\n{term} " in "\n" + words, term
    assert "消费券" in [t[0] for t in tokens("数字消费券发放活动", index_dir)]
    assert "进出平衡" in [t[0] for t in tokens("耕地进出平衡总体方案", index_dir, mode="query")]
