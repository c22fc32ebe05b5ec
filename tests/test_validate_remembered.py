"""`kg validate` remembers the report of a run, keyed by the content of everything it reads:
while nothing changes it answers at once with the same bytes; any change to data/ (evidence
texts too), ontology/ or kg's code runs the checks again; --full always does."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.tree import find_tree
from kg.validate import report_key

FORMATS = ("text", "json", "turtle")


def run(root, *args):
    result = CliRunner().invoke(cli, ["--root", str(root), "validate", *args])
    assert result.exit_code in (0, 1), result.output
    return result


def remembered_reports(cache) -> list:
    """The reports kept under their content key (not the snapshot, not where files write what)."""
    return [
        p
        for p in cache.glob("validate-*.json")
        if re.fullmatch(r"validate-[0-9a-f]{32}\.json", p.name)
    ]


def said(result) -> list[str]:
    """The progress lines' words, without their times."""
    return [line.split(": ", 1)[1].rsplit(" (", 1)[0] for line in result.stderr.splitlines()]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("KG_CACHE_DIR", str(folder))
    return folder


def test_an_unchanged_tree_gets_the_remembered_report_byte_for_byte(tree_copy, cache):
    first = {f: run(tree_copy, "--format", f).stdout for f in FORMATS}
    again = run(tree_copy, "--progress")
    assert said(again) == [
        "nothing changed since the last run: its report (--full runs every check)",
        "done",
    ]
    assert again.stdout == first["text"]
    assert "Conforms." in again.stdout
    for output_format in FORMATS:
        assert run(tree_copy, "--format", output_format).stdout == first[output_format]
        full = run(tree_copy, "--format", output_format, "--full", "--progress")
        assert said(full)[0] == "loading the graph"
        assert full.stdout == first[output_format]
    assert len(remembered_reports(cache)) == 1


def test_an_edit_runs_the_checks_again_and_undoing_it_is_remembered(tree_copy, cache):
    target = tree_copy / "data" / "astana-platform.trig"
    original = target.read_text(encoding="utf-8")
    assert run(tree_copy).exit_code == 0
    target.write_text(
        original.replace(
            '"Randa Kassis initiated the Astana platform"',
            '"Randa Kassis invented the Astana platform"',
        ),
        encoding="utf-8",
    )
    broken = run(tree_copy, "--progress")
    assert broken.exit_code == 1
    assert said(broken)[0].startswith("checking what changed since the last run")
    assert "data/astana-platform.trig:26: stmt:astana-platform-founder-" in broken.stdout
    assert "does not occur verbatim" in broken.stdout
    assert run(tree_copy, "--full").stdout == broken.stdout
    remembered = run(tree_copy, "--progress")
    assert said(remembered)[0].startswith("nothing changed")
    assert (remembered.exit_code, remembered.stdout) == (1, broken.stdout)
    target.write_text(original, encoding="utf-8")  # the first run's content: its report
    fixed = run(tree_copy, "--progress")
    assert said(fixed)[0].startswith("nothing changed")
    assert fixed.exit_code == 0


@pytest.mark.parametrize(
    "changed",
    ["data/randa-kassis.wikipedia.txt", "ontology/shapes.ttl", "data/notes/new.txt"],
)
def test_every_input_is_in_the_key(tree_copy, cache, changed):
    tree = find_tree(tree_copy)
    before = report_key(tree)
    path = tree_copy / changed
    path.parent.mkdir(exist_ok=True)
    with open(path, "a", encoding="utf-8") as stream:
        stream.write("\n")
    assert report_key(tree) != before


def test_with_the_cache_off_every_run_checks_everything(tree_copy, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", "")
    run(tree_copy)
    assert said(run(tree_copy, "--progress"))[0] == "loading the graph"


def test_a_damaged_memory_costs_a_run_not_a_wrong_report(tree_copy, cache):
    first = run(tree_copy).stdout
    (remembered,) = remembered_reports(cache)
    remembered.write_text('{"conforms": true', encoding="utf-8")
    again = run(tree_copy, "--progress")
    assert not said(again)[0].startswith("nothing changed")
    assert again.stdout == first
