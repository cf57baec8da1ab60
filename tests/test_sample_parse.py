"""The sample gazette parsed end to end, checked against its expected structure."""

import re
import unicodedata

import pytest

DOC_FIELDS = ["doc_number", "title", "issuers", "date", "category", "disclosure", "addressees", "page_start"]


def norm(value):
    """White space and full/half width are ignored in comparisons."""
    if isinstance(value, str):
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    if isinstance(value, list):
        return [norm(v) for v in value]
    return value


def test_gazette_metadata(sample_gazette, expected):
    got = sample_gazette.to_dict()["gazette"]
    for key, want in expected["gazette"].items():
        assert norm(got[key]) == norm(want), key
    assert sample_gazette.source.pages == 123


def test_all_documents_found_no_extras(sample_gazette, expected):
    got = [d.doc_number for d in sample_gazette.documents]
    assert got == [d["doc_number"] for d in expected["documents"]]


@pytest.mark.parametrize("index", range(18))
def test_document_fields(sample_gazette, expected, index):
    want = expected["documents"][index]
    got = sample_gazette.documents[index].to_dict()
    for key in DOC_FIELDS:
        assert norm(got[key]) == norm(want[key]), key
    assert got["personnel"] == want["personnel"]


@pytest.mark.parametrize("index", range(18))
def test_paragraphs_intact_in_body(sample_gazette, expected, index):
    body = norm(sample_gazette.documents[index].body)
    missing = [p for p in expected["documents"][index]["paragraphs"] if norm(p) not in body]
    assert not missing, missing[:3]


@pytest.mark.parametrize("index", range(18))
def test_tables_exact(sample_gazette, expected, index):
    want = expected["documents"][index]["tables"]
    got = sample_gazette.documents[index].tables
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert norm(g.caption) == norm(w["caption"])
        assert norm(g.attachment) == norm(w["attachment"])
        assert g.header == w["header"]
        assert norm(g.rows) == norm(w["rows"])


def test_no_running_matter_in_bodies(sample_gazette):
    for doc in sample_gazette.documents:
        for line in doc.body.split("\n"):
            assert not re.fullmatch(r"[-—\s]*\d+[-—\s]*", line), (doc.doc_number, line)
            assert "2023 年第 2 期" not in line or "公报" not in line, (doc.doc_number, line)


def test_pages_and_citations(sample_gazette):
    docs = {d.doc_number: d for d in sample_gazette.documents}
    d = docs["城政发〔2023〕5号"]
    assert (d.page_start, d.page_end, d.pdf_page_start, d.pdf_page_end) == (3, 4, 4, 5)
    assert d.citations == ["交公路发〔2016〕124号"]
    assert docs["城政发〔2023〕12号"].citations == ["阳政发〔2023〕7号"]
    assert docs["城政任字〔2023〕7号"].citations == ["城人发〔2023〕15号"]
    assert docs["城政发〔2023〕9号"].tables[1].page_start == 54
    assert docs["城政发〔2023〕8号"].attachments == ["阳泉市城区妇女发展十四五规划", "阳泉市城区儿童发展十四五规划"]
    assert docs["城科发〔2023〕8号"].doc_type == "通知"
    assert docs["城政办发〔2023〕9号"].doc_type == "办法"


def test_page_of_a_body_offset(sample_gazette):
    doc = next(d for d in sample_gazette.documents if d.doc_number == "城政发〔2023〕8号")
    assert doc.page_at(0) == 5
    offset = doc.body.index("阳泉市城区儿童发展“十四五”规划")
    assert doc.page_at(offset) == 29  # printed page of physical page 30
