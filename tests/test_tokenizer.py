"""The jieba analyzer: sequential positions, offsets into the text as printed, normalization."""

from functools import lru_cache

from hypothesis import example, given, settings
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


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.text(max_size=20))
def test_fold_known_is_fold(text, other):
    """A hit's text folded with its document's stored fold_changes equals fold(); changes taken
    from a larger text (title + body + tables) do too, and no changes known means fold it all."""
    from pipeline.tokenizer import fold_changes, fold_known

    assert fold_known(text, fold_changes(text)) == fold(text)
    assert fold_known(text, fold_changes(other, text)) == fold(text)
    assert fold_known(text, None) == fold(text)


def test_fold_changes_lists_the_changed_characters():
    from pipeline.tokenizer import fold_changes, fold_known

    changes = fold_changes("关于（试行）的通知", "中小學生ＡＢＣ")
    assert set(changes) == set("（）學ＡＢＣ")
    assert fold_known("中小學生（ＡＢＣ）", changes) == "中小学生(abc)"
    assert fold_changes("中小学生") == ""


# -- jieba-rs (rjieba) segments as jieba does ---------------------------------------------------

JIEBA_ALPHABET = "0123456789-.%+#&_abcXYZ 中国人民政府办公室关于印发生活垃圾分类的通知年月日第号，。（）\n\r𠀀鿖"


@lru_cache(maxsize=1)
def _segmenters():
    from pipeline.tokenizer import FastJieba, base_jieba

    return FastJieba(), base_jieba()


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=30), st.text(alphabet=JIEBA_ALPHABET, max_size=40)))
@example("电话0353-5698986，降雨量359.7mm，a-1.5，1.5-2.5%，x_1.2.3，5%.3，GB/T19095-2019")
@example("&𠀀中国𠀀人民鿖政府")
def test_jieba_rs_segments_as_jieba_does(text):
    """The index's segmenter (jieba-rs) gives jieba's words and offsets, with and without HMM,
    for any text: blocks cut by jieba's own pattern, runs like 0353-5698986 split as jieba does."""
    fast, slow = _segmenters()
    for hmm in (True, False):
        assert list(fast.tokenize(text, hmm)) == [tuple(t) for t in slow.tokenize(text, HMM=hmm)]


def _index_tokens(index_dir, text, fast, monkeypatch):
    import pipeline.tokenizer as tokenizer

    monkeypatch.setattr(tokenizer, "FAST_SEGMENTER", fast)
    tokenizer._open.pop(index_dir.resolve(), None)  # a new IndexWords: the segmenter is made again
    tk = tokenizer.words_of(index_dir).index_tokenizer()
    assert isinstance(tk, tokenizer.FastJieba) == fast
    return tokenizer.word_tokens(tk, fold(text))


def test_both_segmenters_give_the_same_tokens_as_domain_words_change(tmp_path, sample_gazette, monkeypatch):
    """With the index's domain words added, changed and removed, jieba-rs and jieba give the
    same tokens (jieba's total kept as the sum of frequencies, as jieba-rs keeps it)."""
    text = "\n".join(d.body for d in sample_gazette.documents)
    userdict = tmp_path / "userdict.txt"
    versions = ["源头单位 1003\n实施方案 1\n烟火气 1500\n", "源头单位 5\n实施方案 1\n烟火气 1500\n中国 7\n", "烟火气 3\n"]
    for words in versions:
        userdict.write_text(words, encoding="utf-8")
        fast = _index_tokens(tmp_path, text, True, monkeypatch)
        assert fast == _index_tokens(tmp_path, text, False, monkeypatch)
        assert any(w == "烟火气" for w, *_ in fast)


def test_a_new_domain_word_is_a_sub_word_at_once(tmp_path):
    """Sub-words are remembered per word; a word added to the dictionary shows among them."""
    from pipeline.tokenizer import word_tokens, words_of

    def subs():
        tk = words_of(tmp_path).index_tokenizer()
        return {w for w, *_ in word_tokens(tk, "实施方案")}

    assert "实施方案" in subs() and "施方" not in subs()
    (tmp_path / "userdict.txt").write_text("施方 1\n", encoding="utf-8")
    assert {"实施方案", "施方"} <= subs()


def test_jieba_rs_takes_new_words_while_another_thread_segments(sample_gazette):
    """A search thread may segment with an index's tokenizer while an ingest adds its domain
    words; jieba-rs alone refuses that ("Already borrowed")."""
    import threading

    from pipeline.tokenizer import FastJieba

    tk = FastJieba()
    text = fold("\n".join(d.body for d in sample_gazette.documents[:4]))
    errors, stop = [], threading.Event()

    def segment():
        try:
            while not stop.is_set():
                list(tk.tokenize(text))
        except Exception as exc:  # noqa: BLE001 - the test reports whatever it was
            errors.append(exc)

    def add():
        try:
            for i in range(3000):
                tk.set_word(f"词{i}", 5)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            stop.set()

    threads = [threading.Thread(target=segment), threading.Thread(target=add)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and tk.FREQ.get("词2999")
