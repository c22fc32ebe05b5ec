"""`kg diff OLD NEW`: facts added, removed and changed between two revisions or folders, on a
throwaway git repository holding a copy of the shipped tree."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.diff import diff
from kg.load import load
from kg.tree import find_tree
from tests.conftest import copy_tree, fails_with_one_line

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

OLD_QUOTE = 'kgv:quote "is a Franco-Syrian politician"'
NEW_QUOTE = 'kgv:quote "a Franco-Syrian politician"'
REMOVED_CLAIM = """claim:kassis-close-friend-of-lavrov {
    kgr:randa-kassis kgv:closeFriendOf kgr:sergey-lavrov .
}
claim:kassis-close-friend-of-lavrov
    kgv:quote "She is a close friend of Sergey Lavrov" ;
    prov:wasDerivedFrom src:wikipedia-randa-kassis .
"""
ADDED_CLAIM = """
claim:kassis-founder-of-the-movement {
    kgr:randa-kassis schema:founder kgr:movement-of-the-pluralistic-society .
}
claim:kassis-founder-of-the-movement
    kgv:quote "She is the founder of the Movement of the Pluralistic Society" ;
    prov:wasDerivedFrom src:wikipedia-randa-kassis .
"""


@pytest.fixture(autouse=True)
def git_identity(monkeypatch, tmp_path):
    """Commits work on a machine (CI) with no git identity or global configuration."""
    for name in ("GIT_AUTHOR", "GIT_COMMITTER"):
        monkeypatch.setenv(f"{name}_NAME", "kg tests")
        monkeypatch.setenv(f"{name}_EMAIL", "kg-tests@example.org")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def git(repository: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repository), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def commit_all(repository: Path, message: str) -> None:
    git(repository, "add", "-A")
    git(repository, "-c", "commit.gpgsign=false", "commit", "-q", "-m", message)


@pytest.fixture
def repository(tmp_path) -> Path:
    """A git repository of the shipped tree, then a commit that edits one quote, adds a claim
    and removes one."""
    root = copy_tree(tmp_path / "repo")
    git(root, "init", "-q")
    commit_all(root, "the shipped tree")
    data = root / "data" / "randa-kassis.trig"
    text = data.read_text(encoding="utf-8")
    assert text.count(OLD_QUOTE) == 1 and text.count(REMOVED_CLAIM) == 1
    text = text.replace(OLD_QUOTE, NEW_QUOTE).replace(REMOVED_CLAIM, "") + ADDED_CLAIM
    data.write_text(text, encoding="utf-8")
    commit_all(root, "one quote edited, one claim added, one removed")
    return root


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_three_changes_in_json(repository):
    result = run("--root", str(repository), "diff", "HEAD~1", "HEAD", "--format", "json")
    assert result.exit_code == 1, result.output
    found = json.loads(result.output)
    assert found["same"] is False
    assert found["facts"] == {"added": 1, "removed": 1, "changed": 1}
    assert found["sources"] == []
    [entity] = found["entities"]
    assert entity["entity"]["iri"] == "https://kg.example.org/kassis/id/randa-kassis"
    assert entity["unsourced"] == []
    changes = {f["change"]: f for f in entity["facts"]}
    assert len(changes) == len(entity["facts"]) == 3
    added, removed, changed = changes["added"], changes["removed"], changes["changed"]
    assert added["fact"] == "Randa Kassis — founder — Movement of the Pluralistic Society"
    assert added["old"] == []
    assert [s["quote"] for s in added["new"]] == [
        "She is the founder of the Movement of the Pluralistic Society"
    ]
    assert removed["fact"] == "Randa Kassis — close friend of — Sergey Lavrov"
    assert [s["quote"] for s in removed["old"]] == ["She is a close friend of Sergey Lavrov"]
    assert [s["claim"] for s in removed["old"]] == [
        "https://kg.example.org/kassis/claim/kassis-close-friend-of-lavrov"
    ]
    assert changed["what"] == "new quote"
    assert changed["fact"] == "Randa Kassis — job title — politician"
    assert [s["quote"] for s in changed["old"]] == ["is a Franco-Syrian politician"]
    assert [s["quote"] for s in changed["new"]] == ["a Franco-Syrian politician"]
    assert [s["sources"] for s in changed["new"]] == [
        [
            {
                "iri": "https://kg.example.org/kassis/source/wikipedia-randa-kassis",
                "reason": {"kind": "evidence text", "quote_in": "prose"},
            }
        ]
    ]


def test_the_three_changes_in_text(repository, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    result = run("--root", str(repository), "diff", "HEAD~1", "HEAD")
    assert result.exit_code == 1
    assert list(scratch.iterdir()) == []  # the exported revisions are removed
    lines = result.output.splitlines()
    assert lines[0] == (
        "HEAD~1 → HEAD: facts: 1 added, 1 removed, 1 changed; sources: 0 added, 0 removed, "
        "0 changed; unsourced triples: 0 added, 0 removed."
    )
    assert lines[2] == "Randa Kassis (kgr:randa-kassis)"
    heads = [line for line in lines if line.startswith("  ") and not line.startswith("   ")]
    assert heads == [
        "  - Randa Kassis — close friend of — Sergey Lavrov",
        "  + Randa Kassis — founder — Movement of the Pluralistic Society",
        "  ~ Randa Kassis — job title — politician (new quote)",
    ]
    assert '        quote:  "is a Franco-Syrian politician"' in lines
    assert '        quote:  "a Franco-Syrian politician"' in lines
    source = '"Randa Kassis", English Wikipedia, en [src:wikipedia-randa-kassis]'
    assert f"      source: {source}" in lines


def test_markdown_is_grouped_by_entity_with_quotes(repository):
    result = run("--root", str(repository), "diff", "HEAD~1", "HEAD", "--format", "markdown")
    assert result.exit_code == 1
    text = result.output
    assert text.startswith("## kg diff `HEAD~1` → `HEAD`\n")
    assert "### Randa Kassis (`kgr:randa-kassis`)" in text
    assert "- **removed** Randa Kassis — close friend of — Sergey Lavrov" in text
    assert "- **changed (new quote)** Randa Kassis — job title — politician" in text
    assert "  > a Franco-Syrian politician" in text


def test_the_diff_reversed_swaps_added_and_removed(repository):
    result = run("--root", str(repository), "diff", "HEAD", "HEAD~1", "--format", "json")
    assert json.loads(result.output)["facts"] == {"added": 1, "removed": 1, "changed": 1}
    [entity] = json.loads(result.output)["entities"]
    changes = {f["change"]: f["fact"] for f in entity["facts"]}
    assert changes["added"] == "Randa Kassis — close friend of — Sergey Lavrov"


def test_two_clones_of_one_revision_are_the_same(repository, tmp_path):
    for name in ("one", "two"):
        subprocess.run(
            ["git", "clone", "-q", str(repository), str(tmp_path / name)],
            check=True,
            capture_output=True,
        )
    result = run("diff", str(tmp_path / "one"), str(tmp_path / "two"))
    assert result.exit_code == 0, result.output
    assert (
        result.output
        == f"{tmp_path / 'one'} and {tmp_path / 'two'} hold the same facts and sources.\n"
    )
    same = run("--root", str(repository), "diff", "HEAD", "HEAD", "--format", "json")
    assert same.exit_code == 0 and json.loads(same.output)["same"] is True


def test_a_folder_against_a_revision(repository):
    result = run("--root", str(repository), "diff", "HEAD", str(repository))
    assert result.exit_code == 0, result.output
    (repository / "data" / "randa-kassis.trig").write_text(
        (repository / "data" / "randa-kassis.trig")
        .read_text(encoding="utf-8")
        .replace(NEW_QUOTE, OLD_QUOTE),
        encoding="utf-8",
    )
    result = run("--root", str(repository), "diff", "HEAD", str(repository), "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.output)["facts"] == {"added": 0, "removed": 0, "changed": 1}
    assert git(repository, "status", "--porcelain") == " M data/randa-kassis.trig\n"


def test_one_object_for_one_is_a_changed_object_and_renaming_a_claim_is_no_change(tmp_path):
    old = copy_tree(tmp_path / "old")
    new = copy_tree(tmp_path / "new")
    data = new / "data" / "randa-kassis.trig"
    text = data.read_text(encoding="utf-8")
    text = text.replace('schema:jobTitle "politician"@en', 'schema:jobTitle "writer"@en')
    data.write_text(text.replace("kassis-close-friend-of-lavrov", "kassis-friend"), "utf-8")
    found = diff(load(find_tree(old)), load(find_tree(new)))
    [entity] = found.entities
    [change] = entity.facts
    assert (change.kind, change.what) == ("object", "new object")
    assert change.fact == "Randa Kassis — job title — politician → writer"


def test_unsourced_triples_and_source_records(tmp_path):
    old = copy_tree(tmp_path / "old")
    new = copy_tree(tmp_path / "new")
    people = new / "data" / "randa-kassis.trig"
    people.write_text(
        people.read_text(encoding="utf-8").replace(
            'schema:alternateName "Kassis"@en', 'schema:alternateName "R. Kassis"@en'
        ),
        encoding="utf-8",
    )
    sources = new / "data" / "sources.ttl"
    sources.write_text(
        sources.read_text(encoding="utf-8").replace(
            "schema:url <https://en.wikipedia.org/wiki/Randa_Kassis>",
            "schema:url <https://en.wikipedia.org/wiki/Randa_Kassis_(politician)>",
        ),
        encoding="utf-8",
    )
    found = diff(load(find_tree(old)), load(find_tree(new)))
    assert not found.same and found.count("changed") == 0
    [entity] = found.entities
    assert [(t.kind, t.object.label) for t in entity.triples] == [
        ("removed", "Kassis"),
        ("added", "R. Kassis"),
    ]
    [record] = found.sources
    assert record.kind == "changed"
    assert record.fields == (
        (
            "url",
            "https://en.wikipedia.org/wiki/Randa_Kassis",
            "https://en.wikipedia.org/wiki/Randa_Kassis_(politician)",
        ),
    )


def test_errors_are_one_line_with_exit_2(repository, tmp_path):
    fails_with_one_line(
        run("--root", str(repository), "diff", "no-such-branch", "HEAD"),
        "'no-such-branch' is neither a folder nor a revision",
    )
    not_a_tree = tmp_path / "empty"
    not_a_tree.mkdir()
    fails_with_one_line(
        run("--root", str(repository), "diff", str(not_a_tree), "HEAD"), "no ontology/ or data/"
    )
    outside = copy_tree(tmp_path / "outside")
    fails_with_one_line(
        run("--root", str(outside), "diff", "HEAD~1", "HEAD"), "is not in a git repository"
    )
    later = tmp_path / "later"
    later.mkdir()
    git(later, "init", "-q")
    (later / "README").write_text("before the tree\n", encoding="utf-8")
    commit_all(later, "no tree yet")
    copy_tree(later)
    commit_all(later, "the tree")
    fails_with_one_line(
        run("--root", str(later), "diff", "HEAD~1", "HEAD"), "revision HEAD~1 has no kg tree"
    )
