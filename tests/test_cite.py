"""`kg cite`: every source record and book, in CSL-JSON, BibTeX and RIS, read back by the
ecosystem's own readers (jsonschema with the CSL schema, citeproc-py, bibtexparser, rispy)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import rispy
from click.testing import CliRunner
from rdflib import URIRef

from kg import terms
from kg.cite import FORMATS, citations, cite
from kg.cli import cli
from kg.namespaces import PREFIXES
from tests.conftest import fails_with_one_line

REPO = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((REPO / "kg" / "schemas" / "csl-data.json").read_text(encoding="utf-8"))
PREFIX_LINES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def select(loaded, where: str, *names: str) -> list[tuple[str, ...]]:
    """The rows of a SELECT over the loaded graph, as strings."""
    text = f"{PREFIX_LINES}SELECT DISTINCT ?{' ?'.join(names)} WHERE {{ {where} }}"
    return sorted(tuple(str(row[n]) for n in names) for row in loaded.graph.query(text))


CITABLE = "{ ?x a kgv:SourceRecord } UNION { ?x a schema:Book }"


@pytest.fixture(scope="module")
def cited(loaded) -> list[str]:
    """The CURIEs of every source record and book, by SPARQL."""
    return [terms.curie(x) for (x,) in select(loaded, CITABLE, "x")]


@pytest.fixture(scope="module")
def outputs(loaded) -> dict[str, str]:
    return {fmt: run("cite", "--all", "--format", fmt).stdout for fmt in FORMATS}


def by_key_bibtex(text: str) -> dict[str, dict[str, str]]:
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    return {entry.key: {f.key: f.value for f in entry.fields} for entry in library.entries}


def by_key_ris(text: str) -> dict[str, dict]:
    return {record["id"]: record for record in rispy.loads(text)}


def by_key_csl(text: str) -> dict[str, dict]:
    return {item["id"]: item for item in json.loads(text)}


# --- one entry per source record and book, in every format -------------------------------------


def test_bibtex_parses_back_to_one_entry_per_record_and_book(outputs, cited):
    library = bibtexparser.parse_string(outputs["bibtex"])
    assert not library.failed_blocks
    assert len(library.entries) == len(cited)
    assert sorted(entry.key for entry in library.entries) == cited


def test_ris_parses_back_to_one_record_per_record_and_book(outputs, cited):
    records = rispy.loads(outputs["ris"])
    assert len(records) == len(cited)
    assert sorted(record["id"] for record in records) == cited
    assert not outputs["ris"].startswith("1.")  # no rispy counter line: plain RIS


def test_csl_json_validates_against_the_schema(outputs, cited):
    items = json.loads(outputs["csl-json"])
    jsonschema.validate(items, SCHEMA)  # additionalProperties: false — no invented field
    assert [item["id"] for item in items] == cited  # sorted by IRI, one per record and book


def test_csl_json_renders_with_citeproc_into_entries_with_the_titles(outputs, loaded):
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    items = json.loads(outputs["csl-json"])
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)  # ships with citeproc
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = [str(entry) for entry in bibliography.bibliography()]
    assert len(rendered) == len(items)
    titles = {}  # every name each record or book has, from the graph
    for x, name in select(loaded, f"{CITABLE} ?x schema:name ?name", "x", "name"):
        titles.setdefault(terms.curie(x), set()).add(name)
    for key, names in titles.items():
        assert any(name in entry for entry in rendered for name in names), key


# --- only the record's own fields ------------------------------------------------------------


@pytest.mark.parametrize(
    ("predicate", "csl_field"),
    [
        ("schema:author", "author"),
        ("schema:datePublished", "issued"),
        ("schema:isbn", "ISBN"),
        ("schema:url", "URL"),
        ("kgv:retrievedOn", "accessed"),
        ("schema:publisher", "publisher"),
        ("kgv:placeOfPublication", "publisher-place"),
    ],
)
def test_a_field_is_there_exactly_when_the_record_has_it(outputs, loaded, predicate, csl_field):
    having = {terms.curie(x) for (x,) in select(loaded, f"{CITABLE} ?x {predicate} ?v", "x")}
    items = by_key_csl(outputs["csl-json"])
    assert having  # the shipped graph has some of each
    assert {key for key, item in items.items() if csl_field in item} == having


def test_authors_are_the_records_authors(outputs, loaded):
    rows = select(loaded, f"{CITABLE} ?x schema:author ?a", "x", "a")
    items = by_key_csl(outputs["csl-json"])
    for x, author in rows:
        names = {n for (n,) in select(loaded, f"<{author}> schema:name ?n", "n")}
        written = {a["literal"] for a in items[terms.curie(x)]["author"]}
        assert names & written, (x, author)


# --- dates at their precision, ISBNs ---------------------------------------------------------


def test_a_year_stays_a_year_in_all_three_formats(outputs, loaded):
    rows = select(
        loaded,
        f"{CITABLE} ?x schema:datePublished ?d FILTER(DATATYPE(?d) = xsd:gYear)",
        "x",
        "d",
    )
    assert rows  # the books are dated by year
    csl = by_key_csl(outputs["csl-json"])
    bibtex = by_key_bibtex(outputs["bibtex"])
    ris = by_key_ris(outputs["ris"])
    for x, year in rows:
        key = terms.curie(x)
        assert csl[key]["issued"] == {"date-parts": [[int(year)]]}
        assert bibtex[key]["year"] == year
        assert not {"date", "month", "day"} & set(bibtex[key])
        assert ris[key]["year"] == year
        assert "date" not in ris[key]  # no DA beside PY: nothing more precise than the year


@pytest.mark.parametrize("datatype", ["xsd:gYearMonth", "xsd:date"])
def test_a_month_or_a_day_keeps_its_precision(outputs, loaded, datatype):
    rows = select(
        loaded, f"{CITABLE} ?x schema:datePublished ?d FILTER(DATATYPE(?d) = {datatype})", "x", "d"
    )
    assert rows  # the shipped graph has dates of both precisions
    csl = by_key_csl(outputs["csl-json"])
    bibtex = by_key_bibtex(outputs["bibtex"])
    ris = by_key_ris(outputs["ris"])
    for x, date in rows:
        key, parts = terms.curie(x), date.split("-")
        assert csl[key]["issued"] == {"date-parts": [[int(p) for p in parts]]}
        assert bibtex[key]["year"] == parts[0]
        assert bibtex[key]["date"] == date
        assert ris[key]["year"] == parts[0]
        assert ris[key]["date"] == "/".join([*parts, "", ""][:3]) + "/"  # 2017/03// 2017/03/19/


def test_a_books_isbn_appears_in_all_three_formats(outputs, loaded):
    rows = select(loaded, "?x a schema:Book ; schema:isbn ?isbn", "x", "isbn")
    assert rows
    csl = by_key_csl(outputs["csl-json"])
    bibtex = by_key_bibtex(outputs["bibtex"])
    ris = by_key_ris(outputs["ris"])
    for x, isbn in rows:
        key = terms.curie(x)
        assert isbn in csl[key]["ISBN"].split()
        assert isbn in bibtex[key]["isbn"]
        assert isbn in ris[key]["issn"]  # SN: ISBN or ISSN
        assert csl[key]["type"] == "book"


def test_an_outlets_issn_and_an_oclc_number(outputs, loaded):
    issns = select(loaded, "?x a kgv:SourceRecord ; schema:isPartOf/schema:issn ?n", "x", "n")
    oclcs = select(loaded, f"{CITABLE} ?x kgv:oclc ?n", "x", "n")
    assert issns
    assert oclcs
    csl = by_key_csl(outputs["csl-json"])
    for x, issn in issns:
        assert csl[terms.curie(x)]["ISSN"] == issn
    for x, number in oclcs:
        assert f"OCLC: {number}" in csl[terms.curie(x)]["note"]


# --- one source, the web layer's entry point ---------------------------------------------------


def test_one_source_on_the_command_line_is_its_entry_alone(outputs, cited):
    key = cited[0]
    result = run("cite", key, "--format", "bibtex")
    assert result.exit_code == 0, result.output
    assert list(by_key_bibtex(result.stdout)) == [key]
    iri = run("cite", terms.expand(key), "--format", "bibtex")  # a full IRI names it too
    assert iri.stdout == result.stdout


def test_citations_gives_the_three_formats_of_one_record(loaded, outputs, cited):
    key = cited[-1]
    texts = citations(loaded, URIRef(terms.expand(key)))
    assert sorted(texts) == sorted(FORMATS)
    assert list(by_key_bibtex(texts["bibtex"])) == [key]
    assert list(by_key_ris(texts["ris"])) == [key]
    assert json.loads(texts["csl-json"]) == [by_key_csl(outputs["csl-json"])[key]]


def test_an_unknown_source_exits_2_with_one_line_and_a_suggestion(cited):
    close = cited[-1][:-4]  # a name cut short
    result = run("cite", close)
    message = fails_with_one_line(result, f"no source record or book {close} in the graph")
    suggested = message.split("did you mean ")[1].rstrip("?\n")
    assert suggested in cited
    assert suggested.startswith(close)
    assert result.stdout == ""


def test_an_entity_that_is_no_source_exits_2(loaded, cited):
    entity = select(loaded, "?x a schema:Person", "x")[0][0]
    result = run("cite", terms.curie(entity))
    fails_with_one_line(result, f"{terms.curie(entity)} is not a source record or a book")


def test_source_or_all_but_not_both(cited):
    assert run("cite").exit_code == 2
    assert run("cite", cited[0], "--all").exit_code == 2


# --- output ----------------------------------------------------------------------------------


def test_output_writes_the_file_atomically(outputs, tmp_path, cited):
    target = tmp_path / "kassis.bib"
    target.write_text("old contents")
    result = run("cite", "--all", "--format", "bibtex", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == f"wrote {len(cited)} citations as bibtex to {target}\n"
    assert target.read_text(encoding="utf-8") == outputs["bibtex"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temporary left


def test_output_refuses_what_write_atomically_refuses(tmp_path):
    folder = run("cite", "--all", "--output", str(tmp_path))
    fails_with_one_line(folder, f"{tmp_path}: is a folder")
    device = run("cite", "--all", "--output", os.devnull)  # never replaced: not a regular file
    fails_with_one_line(device, "is not a regular file")
    assert list(tmp_path.iterdir()) == []


def test_the_cli_prints_what_the_library_makes(loaded, outputs):
    for fmt in FORMATS:
        assert outputs[fmt] == cite(loaded, fmt)


def test_same_bytes_on_every_run_whatever_the_hash_seed(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "KG_ROOT"}
    runs = {}
    for fmt in FORMATS:
        for seed in ("1", "2"):
            runs[fmt, seed] = subprocess.Popen(
                [sys.executable, "-m", "kg", "--root", str(REPO), "cite", "--all", "--format", fmt],
                cwd=tmp_path,
                env={**env, "PYTHONHASHSEED": seed},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
    out = {}
    for key, process in runs.items():
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr.decode()
        out[key] = stdout
    for fmt in FORMATS:
        assert out[fmt, "1"] == out[fmt, "2"]
        assert out[fmt, "1"]
