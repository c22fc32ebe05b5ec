"""`kg validate` names the file and line where the offending triple is written, in whichever
data file that is: not where its subject is first described (a fact appended to
data/sources.ttl about kgr:randa-kassis was reported at data/randa-kassis.trig:14)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from kg.cli import cli

UNSOURCED = (
    "  This fact has no sourced statement: write it inside a claim graph with a kgv:quote and "
    "prov:wasDerivedFrom (see docs/authoring.md)."
)


def validate(root: Path):
    return CliRunner().invoke(cli, ["--root", str(root), "validate"], catch_exceptions=False)


def append(path: Path, text: str) -> int:
    """Append lines to a data file; the line number the first of them lands on."""
    before = path.read_text(encoding="utf-8")
    if not before.endswith("\n"):
        before += "\n"
    path.write_text(before + text, encoding="utf-8")
    return before.count("\n") + 1


def line_of(path: Path, words: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if words in line)


def test_a_fact_in_a_second_file_is_reported_where_it_is_written(tree_copy):
    sources = tree_copy / "data" / "sources.ttl"
    line = append(sources, "kgr:randa-kassis schema:knows kgr:fabien-baussart .\n")
    result = validate(tree_copy)
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[:3] == [
        f"data/sources.ttl:{line}: kgr:randa-kassis schema:knows",
        UNSOURCED,
        "  value: kgr:fabien-baussart",
    ]


def test_each_object_of_a_list_is_reported_on_its_own_line(tree_copy):
    people = tree_copy / "data" / "people.trig"
    line = append(
        people,
        "kgr:randa-kassis schema:knows kgr:fabien-baussart ,\n    kgr:nobody-known .\n",
    )
    out = validate(tree_copy).stdout
    assert f"data/people.trig:{line}: kgr:randa-kassis schema:knows\n{UNSOURCED}\n" in out
    assert f"data/people.trig:{line + 1}: kgr:randa-kassis schema:knows\n" in out
    assert "  schema:knows must point to a schema:Person.\n  value: kgr:nobody-known\n" in out
    assert "data/randa-kassis.trig:14:" not in out


def test_a_sparql_constraint_without_a_path_is_reported_at_its_value(tree_copy):
    books = tree_copy / "data" / "books.trig"
    books.write_text(
        books.read_text(encoding="utf-8").replace('"9781492880608"', '"9781492880609"'),
        encoding="utf-8",
    )
    out = validate(tree_copy).stdout
    line = line_of(books, 'schema:isbn "9781492880609"')
    assert (
        f"data/books.trig:{line}: kgr:book-crypts-of-the-gods\n"
        "  The ISBN-13 check digit is wrong" in out
    )


def test_a_count_without_a_value_is_reported_at_the_first_triple(tree_copy):
    books = tree_copy / "data" / "books.trig"
    first = line_of(books, "schema:numberOfPages 224")
    extra = tree_copy / "data" / "zz-pages.ttl"
    extra.write_text(
        "@prefix kgr: <https://kg.example.org/kassis/id/> .\n"
        "@prefix schema: <https://schema.org/> .\n\n"
        "kgr:book-crypts-of-the-gods schema:numberOfPages 225 .\n",
        encoding="utf-8",
    )
    out = validate(tree_copy).stdout
    assert (
        f"data/books.trig:{first}: kgr:book-crypts-of-the-gods schema:numberOfPages\n"
        "  schema:numberOfPages is one positive xsd:integer.\n" in out
    )
    assert "data/zz-pages.ttl:4: kgr:book-crypts-of-the-gods schema:numberOfPages\n" in out
