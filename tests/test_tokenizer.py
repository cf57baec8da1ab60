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


def test_one_tokenizer_per_index_follows_its_own_word_list(tmp_path):
    """Words added to an index's user dictionary are used; words removed from it are gone
    (nothing accumulates in the process); another index is not affected."""
    from pipeline.tokenizer import IndexWords, words_of

    one, other = tmp_path / "one", tmp_path / "other"
    one.mkdir()
    other.mkdir()
    assert words_of(one) is words_of(one) and words_of(one) is not words_of(other)

    def cut(folder):
        return [w for w, *_ in tokens_with(folder, "清河县农机修造厂")]

    def tokens_with(folder, text):
        return [(t.text,) for t in ChineseAnalyzer(str(folder))(text, positions=True)
                if t.text in ("清河县农机修造厂", "清河县", "清河")]

    assert "清河县农机修造厂" not in cut(one)
    (one / IndexWords.USER_DICT).write_text("清河县农机修造厂 5000\n", encoding="utf-8")
    assert "清河县农机修造厂" in cut(one)
    assert "清河县农机修造厂" not in cut(other)
    (one / IndexWords.USER_DICT).write_text("别的词 5000\n", encoding="utf-8")
    assert "清河县农机修造厂" not in cut(one)


def test_a_moved_home_searches_as_before(tmp_path):
    """Nothing in a home depends on its own absolute path: copy it, delete the original, search."""
    import shutil

    from pipeline import GazetteStore
    from support.variants import variant_c

    pdf = tmp_path / "c.pdf"
    variant_c(str(pdf))
    first = GazetteStore(tmp_path / "first")
    assert first.ingest([pdf], jobs=1).counts["added"] == 1
    before = [h.doc_number for h in first.search("火灾防控").hits]
    shutil.copytree(tmp_path / "first", tmp_path / "moved")
    shutil.rmtree(tmp_path / "first")
    moved = GazetteStore(tmp_path / "moved")
    assert before and [h.doc_number for h in moved.search("火灾防控").hits] == before
    pdf2 = tmp_path / "b.pdf"
    from support.variants import variant_b

    variant_b(str(pdf2))
    assert moved.ingest([pdf2], jobs=1).counts["added"] == 1  # writes go to the new place
    assert not (tmp_path / "first").exists()
