"""`kg source add`: the README's recipe, run as written; each refusal leaves data/ as it was."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.sources import node_name
from tests.conftest import REPO, fails_with_one_line

README = (REPO / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(f"\n{title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end]


def blocks(text: str) -> list[tuple[str, str]]:
    """The fenced blocks of a README text: (language, body)."""
    return re.findall(r"^```(\w+)\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)


def sessions(body: str) -> list[tuple[str, str]]:
    """A console block as (command, the output shown after it)."""
    steps: list[tuple[str, str]] = []
    for line in body.splitlines(keepends=True):
        if line.startswith("$ "):
            steps.append((line[2:].rstrip("\n"), ""))
        else:
            steps[-1] = (steps[-1][0], steps[-1][1] + line)
    return steps


def kg(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--root", str(root), *args])


class Console:
    """Runs a README console block's commands in a tree copy (the working folder) and checks
    that each prints what the README shows."""

    def __init__(self, root: Path) -> None:
        self.root, self.exit_code = root, None

    def run(self, body: str) -> None:
        for command, shown in sessions(body):
            words = shlex.split(command)
            if words[0] == "kg":
                result = kg(self.root, *words[1:])
                assert result.output == shown, command
                self.exit_code = result.exit_code
            elif words[:2] == ["echo", "$?"]:
                assert f"{self.exit_code}\n" == shown, command
            elif words[:2] == ["cat", ">>"]:  # lines typed onto the end of a file
                with open(self.root / words[2], "a", encoding="utf-8") as stream:
                    stream.write("\n" + shown)
            elif words[0] == "cat":  # the file the reader saved: made from what the README shows
                (self.root / words[1]).write_text(shown, encoding="utf-8")
            elif words[:2] == ["sed", "-i"]:
                old, new = re.fullmatch(r"s/(.*)/(.*)/", words[2]).groups()
                path = self.root / words[3]
                text = path.read_text(encoding="utf-8")
                assert old in text, command
                path.write_text(text.replace(old, new), encoding="utf-8")
            else:
                raise AssertionError(f"the test cannot run {command!r}")


def test_the_readme_recipe_from_a_new_text_to_conforms(tree_copy, monkeypatch):
    monkeypatch.chdir(tree_copy)  # the commands name files relative to where they run
    recipe = section("## How to add a source")
    found = blocks(recipe)
    kinds = ["console", "console", "turtle", "turtle", "console", "console"]
    assert [lang for lang, _ in found] == kinds
    console = Console(tree_copy)
    (_, saved), (_, add), (_, record), (_, claim), (_, valid), (_, misquote) = found
    console.run(saved)
    console.run(add)
    assert console.exit_code == 0
    sources = (tree_copy / "data" / "sources.ttl").read_text(encoding="utf-8")
    assert sources.startswith((REPO / "data" / "sources.ttl").read_text(encoding="utf-8"))
    assert sources.endswith("\n" + record)  # the record the README shows is the one kg wrote
    new = re.search(r"src:[a-z0-9-]+", add).group()
    assert (tree_copy / "data" / f"{new[4:]}.txt").read_text(encoding="utf-8") == (
        tree_copy / "interview.txt"
    ).read_text(encoding="utf-8")
    target = re.search(r"here appended to `(data/[^`]+)`", recipe).group(1)
    with open(tree_copy / target, "a", encoding="utf-8") as stream:
        stream.write("\n" + claim)
    console.run(valid)
    assert console.exit_code == 0
    console.run(misquote)
    assert console.exit_code == 1
    # The finding names the claim's file:line (where its graph opens), the new source and its
    # evidence file.
    line = (
        (tree_copy / target).read_text(encoding="utf-8").splitlines().index(claim.splitlines()[1])
    )
    assert f"{target}:{line + 1}: " in misquote
    assert f"evidence text of {new} (data/{new[4:]}.txt)" in misquote


def test_the_readme_examples_of_kg_source(tree_copy, monkeypatch):
    monkeypatch.chdir(tree_copy)
    reference = README[README.index("### `kg source`") : README.index("### `kg diff`")]
    (body,) = [b for lang, b in blocks(reference) if lang == "console"]
    Console(tree_copy).run(body)


def test_the_walk_through_in_docs_authoring(tree_copy, monkeypatch):
    monkeypatch.chdir(tree_copy)
    docs = (REPO / "docs" / "authoring.md").read_text(encoding="utf-8")
    walk = docs[docs.index("## Adding a source") : docs.index("## The model")]
    (body,) = [b for lang, b in blocks(walk) if lang == "console"]
    console = Console(tree_copy)
    console.run(body)
    assert console.exit_code == 1  # the misquote at its end


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in (root / "data").iterdir()}


@pytest.fixture
def text(tmp_path) -> Path:
    path = tmp_path / "saved.txt"
    path.write_text("Randa Kassis spoke in Geneva.\n", encoding="utf-8")
    return path


def test_a_text_already_recorded_is_refused_with_its_record(tree_copy):
    before = snapshot(tree_copy)
    result = kg(
        tree_copy, "source", "add", str(REPO / "data/randa-kassis.wikipedia.txt"), "--title", "x"
    )
    fails_with_one_line(result, "src:wikipedia-randa-kassis", "data/randa-kassis.wikipedia.txt")
    assert snapshot(tree_copy) == before


def test_a_text_added_twice_is_refused_the_second_time(tree_copy, text):
    first = kg(tree_copy, "source", "add", str(text), "--title", "Geneva", "--name", "geneva-note")
    assert first.exit_code == 0, first.output
    before = snapshot(tree_copy)
    again = kg(tree_copy, "source", "add", str(text), "--title", "Geneva again")
    fails_with_one_line(again, "src:geneva-note")
    assert snapshot(tree_copy) == before


def test_a_url_already_recorded_is_refused_with_its_record(tree_copy, text):
    before = snapshot(tree_copy)
    url = "https://en.wikipedia.org/wiki/Randa_Kassis"
    result = kg(tree_copy, "source", "add", str(text), "--title", "x", "--url", url)
    fails_with_one_line(result, f"--url {url} is already the URL of src:wikipedia-randa-kassis")
    assert snapshot(tree_copy) == before


@pytest.mark.parametrize("date", ["2024-13", "2024-02-30", "24", "May 2024", "2024-5-01"])
def test_a_date_that_is_not_one_is_refused(tree_copy, text, date):
    before = snapshot(tree_copy)
    result = kg(tree_copy, "source", "add", str(text), "--title", "x", "--published", date)
    fails_with_one_line(result, f"--published '{date}' is not a date")
    assert snapshot(tree_copy) == before


@pytest.mark.parametrize(
    ("date", "typed"),
    [
        ("2024-05-01", '"2024-05-01"^^xsd:date'),
        ("2024-05", '"2024-05"^^xsd:gYearMonth'),
        ("2024", '"2024"^^xsd:gYear'),
    ],
)
def test_a_date_is_typed_at_the_precision_given(tree_copy, text, date, typed):
    result = kg(tree_copy, "source", "add", str(text), "--title", "Geneva", "--published", date)
    assert result.exit_code == 0, result.output
    assert f"schema:datePublished {typed} ;" in (tree_copy / "data/sources.ttl").read_text()


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--language", "English"], "--language 'English' is not a BCP 47 language code"),
        (["--url", "example.org/x"], "--url 'example.org/x' is not an http(s) URL"),
        (["--name", "Bad Name"], "'Bad Name' cannot name a source"),
        (["--name", "wikipedia-randa-kassis"], "src:wikipedia-randa-kassis is already taken"),
        (["--name", "randa-kassis.wikipedia"], "cannot name a source"),
        (["--publisher", "Randa Kassis"], "kgr:randa-kassis is already taken"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_written(tree_copy, text, options, words):
    before = snapshot(tree_copy)
    result = kg(tree_copy, "source", "add", str(text), "--title", "Geneva", *options)
    fails_with_one_line(result, words)
    assert snapshot(tree_copy) == before


def test_an_existing_evidence_file_is_never_overwritten(tree_copy, text):
    (tree_copy / "data/geneva.txt").write_text("my own notes\n")
    before = snapshot(tree_copy)
    result = kg(tree_copy, "source", "add", str(text), "--title", "Geneva", "--name", "geneva")
    fails_with_one_line(result, "data/geneva.txt already exists")
    assert snapshot(tree_copy) == before


def test_a_record_that_does_not_validate_is_rolled_back(tree_copy, text):
    # A tree whose shapes forbid schema:url on a record: the new record violates them.
    shapes = tree_copy / "ontology" / "shapes.ttl"
    shapes.write_text(
        shapes.read_text()
        + """
kgsh:NoUrlShape a sh:NodeShape ;
    sh:targetClass kgv:SourceRecord ;
    sh:property [ sh:path schema:url ; sh:maxCount 0 ; sh:message "No URLs in this tree." ] .
"""
    )
    wikipedia = tree_copy / "data/sources.ttl"
    wikipedia.write_text(
        wikipedia.read_text().replace(
            "    schema:url <https://en.wikipedia.org/wiki/Randa_Kassis> ;\n", ""
        )
    )
    before = snapshot(tree_copy)
    result = kg(
        tree_copy,
        "source",
        "add",
        str(text),
        "--title",
        "Geneva",
        "--publisher",
        "Geneva Daily",
        "--url",
        "https://example.org/geneva",
    )
    fails_with_one_line(
        result, "src:geneva-daily-geneva", "No URLs in this tree.", "nothing was added"
    )
    assert snapshot(tree_copy) == before


def test_an_outlet_is_reused_by_its_name(tree_copy, text):
    result = kg(
        tree_copy, "source", "add", str(text), "--title", "Geneva", "--publisher", "the guardian"
    )
    assert result.exit_code == 0, result.output
    sources = (tree_copy / "data/sources.ttl").read_text()
    assert "src:guardian-geneva" not in sources  # named by the words given
    assert "src:the-guardian-geneva a kgv:SourceRecord" in sources
    assert "    schema:isPartOf kgr:the-guardian ;" in sources
    assert sources.count("kgr:the-guardian a ") == 1


def test_node_names_follow_the_existing_ones():
    assert (
        node_name("Why Was Syria's Opposition in Kazakhstan?", "The Diplomat", "2015-05-29")
        == "the-diplomat-2015-05-29-why-was-syria-s"
    )
    assert node_name("Entretien avec Randa Kassis", "France Soir", None) == (
        "france-soir-entretien-avec-randa-kassis"
    )
    assert node_name("Un nouveau parti d'opposition laïque", None, "2012") == (
        "2012-nouveau-parti-opposition-laique"
    )


def test_without_a_sources_file_kg_makes_one_and_removes_only_that_on_failure(tree_copy, text):
    data = tree_copy / "data"
    (data / "sources.ttl").rename(data / "records.ttl")
    shapes = tree_copy / "ontology" / "shapes.ttl"
    kept = shapes.read_text()
    shapes.write_text(
        kept + "\nkgsh:NoDateShape a sh:NodeShape ; sh:targetClass kgv:SourceRecord ;\n"
        "    sh:property [ sh:path schema:datePublished ; sh:maxCount 0 ;\n"
        '        sh:message "No dates." ] .\n'
    )
    before = snapshot(tree_copy)
    refused = kg(tree_copy, "source", "add", str(text), "--title", "Geneva", "--published", "2024")
    fails_with_one_line(refused, "src:2024-geneva", "No dates.")
    assert snapshot(tree_copy) == before  # the sources.ttl kg made is gone, records.ttl kept
    shapes.write_text(kept)
    added = kg(tree_copy, "source", "add", str(text), "--title", "Geneva", "--published", "2024")
    assert added.exit_code == 0, added.output
    made = (data / "sources.ttl").read_text()
    assert made.startswith("@prefix kgr:") and "src:2024-geneva a kgv:SourceRecord" in made
