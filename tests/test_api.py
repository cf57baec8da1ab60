"""The public Python API: only what `pipeline` exports, as a user of the library sees it."""

import doctest
import os
import shutil

import pytest

import pipeline
from conftest import ROOT, SAMPLE_PDF


def test_readme_python_section_runs(tmp_path):
    """The README's example, run as a doctest from a folder laid out like the repository."""
    (tmp_path / "raw").mkdir()
    shutil.copy(SAMPLE_PDF, tmp_path / "raw" / SAMPLE_PDF.name)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = doctest.testfile(str(ROOT / "README.md"), module_relative=False, optionflags=doctest.ELLIPSIS)
    finally:
        os.chdir(cwd)
    assert result.attempted >= 8 and result.failed == 0
    assert (tmp_path / "archive" / "parsed").is_dir()


def test_exports_are_declared_and_cheap():
    import subprocess
    import sys

    assert set(pipeline.__all__) >= {"GazetteStore", "parse_pdf", "Gazette", "Document", "ParseSettings",
                                     "GazetteError", "__version__"}
    code = ("import sys, pipeline; assert not {'jieba', 'whoosh', 'pdfplumber'} & set(sys.modules); "
            "pipeline.GazetteStore; assert 'jieba' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    with pytest.raises(AttributeError):
        pipeline.no_such_thing  # noqa: B018


def test_store_over_a_home(sample_home):
    store = pipeline.GazetteStore(sample_home)
    result = store.search("源头单位", facets=True)
    assert {h.doc_number for h in result.hits[:2]} == {"城政发〔2023〕5号", "城政发〔2023〕9号"}
    assert result.total == 2 and result.facets["doc_type"] == {"通知": 1, "公示": 1}
    refs = store.show("城政任字〔2023〕6号")
    assert len(refs) == 1 and isinstance(refs[0].document, pipeline.Document)
    assert refs[0].to_dict()["gazette"] == refs[0].gazette_id == "阳泉市城区政府公报-2023-02"
    tables = store.tables()
    assert [len(t.rows) for t in tables] == [14, 2, 12, 4]
    assert tables[0].meta[0] == "城政发〔2023〕5号" and tables[0].to_dict()["table"] == tables[0].position == 1
    assert store.tables("城政任字〔2023〕6号") == []
    stats = store.stats()
    assert (stats.gazettes, stats.documents, stats.tables) == (1, 18, 4)


def test_errors_are_the_projects_own(sample_home, tmp_path):
    store = pipeline.GazetteStore(sample_home)
    with pytest.raises(pipeline.GazetteError, match="no document numbered"):
        store.show("城政发〔1999〕1号")
    with pytest.raises(pipeline.GazetteError, match="not a 文号"):
        store.tables("垃圾分类")
    with pytest.raises(pipeline.GazetteError, match="no gazette"):
        pipeline.GazetteStore(tmp_path).remove("nothing-here")
    with pytest.raises(pipeline.GazetteError, match="no index"):
        pipeline.GazetteStore(tmp_path).search("垃圾分类")


def test_parse_pdf_with_other_settings(tmp_path):
    from support.variants import variant_c

    pdf = tmp_path / "c.pdf"
    variant_c(str(pdf))
    default = pipeline.parse_pdf(pdf)
    assert len(default.documents) == 3
    # a threshold no title block can reach: nothing is taken for a document, and that is an error
    with pytest.raises(pipeline.GazetteError, match="no official documents"):
        pipeline.parse_pdf(pdf, settings=pipeline.ParseSettings(accept_score=99))
