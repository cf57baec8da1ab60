"""The parser on gazettes built here in layouts it was not written against."""

import re
import unicodedata

import pytest

from pipeline.normalize import normalize_doc_number
from pipeline.pages import read_pages
from pipeline.parser import parse_pdf
from support.builder import doc_key, full_title
from support.variants import variant_a, variant_b, variant_c, variant_d, variant_e, variant_f


def squash(text):
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


VARIANTS = {"a": variant_a, "b": variant_b, "c": variant_c, "d": variant_d, "e": variant_e, "f": variant_f}


_BUILT: dict = {}


def _build(name, factory):
    if name not in _BUILT:
        path = factory.mktemp("variants") / f"variant_{name}.pdf"
        info = VARIANTS[name](str(path))
        info.update(name=name, gazette=parse_pdf(path), path=path)
        _BUILT[name] = info
    return _BUILT[name]


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def built(request, tmp_path_factory):
    return _build(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def variant(tmp_path_factory):
    return lambda name: _build(name, tmp_path_factory)


def test_documents_found_without_extras(built):
    got = [d.doc_number for d in built["gazette"].documents]
    assert got == [normalize_doc_number(d.number) if d.number else None for d in built["docs"]]


def test_fields(built):
    assert len(built["gazette"].documents) == len(built["docs"]) >= 2
    for spec, doc in zip(built["docs"], built["gazette"].documents):
        assert doc.title == full_title(spec)
        assert doc.issuers == spec.signers
        assert doc.addressees == spec.addressees.rstrip("：")
        assert doc.page_start == built["pages"][doc_key(spec)]
        if spec.disclosure:
            assert doc.disclosure == spec.disclosure.strip("()（）")
        else:
            assert doc.disclosure is None
        if spec.category:
            assert doc.category == re.sub(r"^[一二三四五六七八九十]+、", "", spec.category)


def test_dates_in_iso(built):
    dates = [d.date for d in built["gazette"].documents]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", d) for d in dates)
    if built["name"] == "b":  # written in 〇-style Chinese numerals
        assert dates == ["2024-05-08", "2024-05-10", "2024-05-20"]


def test_paragraphs_intact_and_no_running_matter(built):
    style = built["style"]
    assert len(built["gazette"].documents) == len(built["docs"]) >= 2
    for spec, doc in zip(built["docs"], built["gazette"].documents):
        body = squash(doc.body)
        for p in spec.paragraphs:
            assert squash(p) in body
        if style.header_text:
            assert squash(style.header_text) not in body
        for line in doc.body.split("\n"):
            assert not re.fullmatch(r"(第\s*\d+\s*页|[-—\s]*\d+[-—\s]*)", line.strip()), line


def test_gazette_metadata(built):
    g = built["gazette"].gazette
    want = {"a": ("平定县人民政府公报", 2024, 3, 41), "b": ("盂县政府公报", 2024, 5, 88),
            "c": ("阳曲县人民政府公报", 2025, 1, 12), "d": ("寿阳县人民政府公报", 2024, 2, 20),
            "e": ("昔阳县政府公报", 2024, 8, 100), "f": ("平遥县人民政府公报", 2024, 9, 60)}[built["name"]]
    assert (g.title, g.year, g.number, g.total_number) == want


def test_printed_pages_map_to_physical(built):
    assert len(built["gazette"].documents) == len(built["docs"]) >= 2
    for doc in built["gazette"].documents:
        assert doc.pdf_page_start == doc.page_start + 1  # only the cover is unnumbered


def test_tables_merged_across_pages(built):
    assert len(built["gazette"].documents) == len(built["docs"]) >= 2
    for spec, doc in zip(built["docs"], built["gazette"].documents):
        specs = [a.table for a in spec.attachments if a.table]
        assert len(doc.tables) == len(specs)
        for t_spec, table in zip(specs, doc.tables):
            assert table.header == t_spec.header
            assert table.rows == t_spec.rows  # header repeats dropped, broken rows joined
            assert table.page_end > table.page_start
            assert table.attachment == spec.attachments[0].label


def test_variant_b_specifics(variant):
    built = variant("b")
    docs = built["gazette"].documents
    assert built["split_citation"] in docs[0].citations
    assert [(p.name, p.action, p.position) for p in docs[1].personnel] == [
        ("张建国", "任命", "县交通运输局局长"),
        ("李秀英", "任命", "县卫生健康局副局长"),
        ("王志刚", "免去", "县交通运输局局长"),
    ]
    assert docs[2].attachments == ["盂县县级储备粮承储企业名单", "盂县储备粮管理考核细则"]
    # the citation really is split by a line break in the PDF
    lines = [ln.text for p in read_pages(built["path"]) for ln in p.lines]
    assert not any("阳政办发〔2023〕39号" in t for t in lines)
    # the colophon page after the last document is not part of it
    assert "盂县秀水镇" not in docs[2].body and docs[2].pdf_page_end == built["gazette"].source.pages - 1
    # faux-bold titles are drawn twice; the duplicates are gone
    assert docs[0].title == "盂县人民政府关于加强政府投资项目管理的通知"


def test_variant_a_toc_wrap_inside_number(variant):
    g = variant("a")["gazette"]
    assert g.gazette.published == "2024-03-28"
    assert g.documents[0].citations == ["晋农经发〔2022〕6号"]
    assert g.documents[1].doc_number == "平政办函〔2024〕12号"  # printed with [ ]
    assert g.documents[2].issuers == ["平定县人力资源和社会保障局", "平定县财政局"]
    # a forwarded notice inside the document, with its own title and 文号, is no document of
    # the issue (the TOC does not list it): it stays in the body and is cited
    assert "晋人社厅发〔2024〕3号" in g.documents[2].citations


def test_variant_d_specifics(variant):
    docs = variant("d")["gazette"].documents
    assert docs[1].doc_number is None and docs[1].doc_type == "通告"  # found through the TOC
    assert docs[0].addressees.endswith("各村民委员会")  # two lines joined
    assert docs[2].issuers == ["寿阳县农业农村局", "寿阳县财政局"]  # side by side on one line
    assert docs[0].page_end == 3 and [m[1] for m in docs[0].page_marks] == [2, 3]


def test_variant_f_personnel_without_decision_word(variant):
    docs = variant("f")["gazette"].documents
    assert [(p.name, p.action, p.position) for p in docs[1].personnel] == [("赵立新", "任命", "县文物局局长")]
    assert docs[0].personnel == []
