"""Saved searches: kept in the home, run as the search they came from, and reporting after an
ingest exactly the documents that are new to them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pipeline import GazetteStore
from pipeline.errors import GazetteError, NotFoundError
from search_cli import cli
from support.generator import draw_spec, render


@pytest.fixture(scope="module")
def two_issues(tmp_path_factory):
    folder = tmp_path_factory.mktemp("issues")
    paths = []
    for seed in (3, 5):
        path = folder / f"g{seed}.pdf"
        render(draw_spec(seed), str(path))
        paths.append(path)
    return paths


def test_an_ingest_reports_exactly_the_new_documents(two_issues, tmp_path, backend):
    first, second = two_issues
    store = GazetteStore(tmp_path / "home", backend=backend)
    store.ingest([first], jobs=1)
    watch = store.watch_add("notices", doc_type="通知")
    assert len(watch.seen) == len(store.search(doc_type="通知", limit=None).hits) > 0
    report = store.ingest([second], jobs=1)
    second_id = next(r.gazette_id for r in report.files if r.status == "added")
    expected = {(h.doc_number, h.title) for h in store.search(doc_type="通知", gazette=second_id, limit=None).hits}
    [found] = report.watches
    assert found.name == "notices" and expected
    assert {(h.doc_number, h.title) for h in found.hits} == expected
    assert report.to_dict()["watches"][0]["hits"]
    again = store.ingest([first, second], jobs=1)  # nothing added: nothing to report
    assert again.watches == []
    assert [len(m.hits) for m in store.watch_new()] == [0]


def test_a_saved_search_runs_the_command_it_came_from(two_issues, tmp_path):
    home = tmp_path / "home"
    runner = CliRunner()
    assert runner.invoke(cli, ["--home", str(home), "ingest", "-q", "--jobs", "1", str(two_issues[0])]).exit_code == 0
    args = ["工作", "--type", "通知", "--strict"]
    r = runner.invoke(cli, ["--home", str(home), "watch", "add", "work", *args])
    assert r.exit_code == 0, r.output
    listed = json.loads(runner.invoke(cli, ["--home", str(home), "watch", "list", "--format", "json"]).output)
    assert listed[0]["command"] == "gazette search '工作' --type '通知' --strict"  # as a shell takes it
    ran = runner.invoke(cli, ["--home", str(home), "watch", "run", "work", "--format", "json"])
    searched = runner.invoke(cli, ["--home", str(home), "search", *args, "--limit", "10000", "--format", "json"])
    assert json.loads(ran.output) == json.loads(searched.output) and json.loads(ran.output)
    assert runner.invoke(cli, ["--home", str(home), "watch", "remove", "work"]).exit_code == 0
    gone = runner.invoke(cli, ["--home", str(home), "watch", "run", "work"])
    assert gone.exit_code == 1 and "no saved search" in gone.output


@pytest.mark.parametrize("name", ["../escape", "a/b", "", "x" * 65, "名 字"])
def test_names_that_could_reach_outside_are_refused(tmp_path, name):
    with pytest.raises(GazetteError, match="cannot name"):
        GazetteStore(tmp_path).watch_add(name, "x")


def test_removing_an_unknown_saved_search(tmp_path):
    with pytest.raises(NotFoundError):
        GazetteStore(tmp_path).watch_remove("nothing")
