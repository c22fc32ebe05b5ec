"""`kg coverage`: the share of each evidence text's body its facts' quotes cover, checked against
a second, plain computation on the shipped article; the gaps located by file:line:column."""

from __future__ import annotations

import json
import math
import re

import pytest
from click.testing import CliRunner
from rdflib.namespace import PROV

from kg.cli import cli
from kg.coverage import coverage
from kg.namespaces import KGV, SDO
from tests.conftest import REPO, fails_with_one_line

ARTICLE = REPO / "data" / "randa-kassis.wikipedia.txt"


def kg(*args: str, root=REPO):
    return CliRunner().invoke(cli, ["--root", str(root), "coverage", *args])


def plain_coverage(loaded) -> tuple[int, int]:
    """(letters and digits in quotes, letters and digits) of the article's body, found with one
    regular expression per quote on the file's own text (any run of spaces matching any other)."""
    graph = loaded.graph
    (article,) = graph.subjects(KGV.evidenceFile, None)
    text = ARTICLE.read_text(encoding="utf-8")
    entries = [
        str(e)
        for r in graph.objects(article, SDO.citation)
        for e in graph.objects(r, KGV.citationText)
    ]
    body_end = min(m.start() for e in entries for m in re.finditer(flexible(e), text))
    covered = [False] * body_end
    for statement in graph.subjects(PROV.wasDerivedFrom, article):
        for quote in graph.objects(statement, KGV.quote):
            for match in re.finditer(flexible(str(quote)), text):
                for i in range(match.start(), min(match.end(), body_end)):
                    covered[i] = True
    letters = [i for i in range(body_end) if text[i].isalnum()]
    return sum(covered[i] for i in letters), len(letters)


def flexible(words: str) -> str:
    return r"\s+".join(map(re.escape, words.split()))


def test_the_shipped_article_figures_match_a_plain_count(loaded):
    (article,) = coverage(loaded)
    assert article.file == "data/randa-kassis.wikipedia.txt"
    assert (article.covered, article.characters) == plain_coverage(loaded)
    assert 0 < article.covered < article.characters


def test_the_sentences_are_the_whole_body_once(loaded):
    (article,) = coverage(loaded)
    body = " ".join(s.text for s in article.sentences)
    normalised = " ".join(ARTICLE.read_text(encoding="utf-8").split())
    assert normalised.startswith(body)
    assert body.endswith("Wikiquote has quotations related to Randa Kassis.")
    assert sum(s.status == "covered" for s in article.sentences) == article.count("covered")


def test_the_text_report_and_the_fail_under_bar(loaded):
    (article,) = coverage(loaded)
    result = kg()
    assert result.exit_code == 0
    first = result.stdout.splitlines()[0]
    assert first.startswith(
        f"data/randa-kassis.wikipedia.txt (src:wikipedia-randa-kassis): {article.percent:.1f}% "
    )
    gaps = [s for s in article.sentences if s.status != "covered"]
    for sentence in gaps:
        assert f"  data/randa-kassis.wikipedia.txt:1:{sentence.column}: " in result.stdout
        assert f"    {sentence.text}\n" in result.stdout
    assert kg("--fail-under", "90").exit_code == 0  # the bar the issue sets for the shipped text
    assert kg("--fail-under", str(math.floor(article.percent * 1e4) / 1e4)).exit_code == 0
    above = kg("--fail-under", f"{article.percent + 0.1:.4f}")
    assert above.exit_code == 1
    assert above.stderr.startswith("Error: data/randa-kassis.wikipedia.txt: quotes cover ")
    assert kg().stdout == result.stdout  # deterministic


def test_json_names_every_gap(loaded):
    data = json.loads(kg("--format", "json").stdout)
    (article,) = coverage(loaded)
    assert [d["source"] for d in data] == ["src:wikipedia-randa-kassis"]
    assert data[0]["characters_covered"] == article.covered
    assert data[0]["sentences"] == len(article.sentences)
    assert [g["column"] for g in data[0]["not_covered"]] == [
        s.column for s in article.sentences if s.status != "covered"
    ]
    assert all(g["not_in_a_quote"] for g in data[0]["not_covered"])
    for gap in data[0]["not_covered"]:
        for words in gap["not_in_a_quote"]:
            assert words in gap["text"]


def test_a_gap_in_a_text_of_many_lines_is_located_in_the_file(tree_copy):
    text = "First line opens.\nThe second line\n   says a new thing here. Then a fact.\n"
    (tree_copy / "data" / "notes.txt").write_text(text, encoding="utf-8")
    with open(tree_copy / "data" / "sources.ttl", "a", encoding="utf-8") as stream:
        stream.write(
            '\nsrc:notes a kgv:SourceRecord, schema:Article ; schema:headline "Notes"@en ;\n'
            '    kgv:evidenceFile "notes.txt" .\n'
        )
    data = json.loads(kg("--format", "json", root=tree_copy).stdout)
    notes = next(d for d in data if d["file"] == "data/notes.txt")
    assert notes["characters_covered"] == 0
    where = {g["text"]: (g["line"], g["column"]) for g in notes["not_covered"]}
    assert where == {
        "First line opens.": (1, 1),
        "The second line says a new thing here.": (2, 1),
        "Then a fact.": (3, 27),
    }


@pytest.mark.parametrize("bar", ["101", "-1", "lots"])
def test_a_bar_out_of_range_is_a_usage_error(bar):
    result = kg("--fail-under", bar)
    assert result.exit_code == 2
    assert "--fail-under" in result.output


def test_a_tree_without_evidence_texts_says_so(tree_copy):
    for path in (tree_copy / "data").glob("*.txt"):
        path.unlink()
    fails_with_one_line(kg(root=tree_copy), "evidence file")


def test_the_readme_shows_the_real_figures():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = readme.split("$ kg coverage\n", 1)[1].split("$ kg coverage --fail-under 90\n", 1)[0]
    assert shown == kg().stdout
