"""`kg why`: every statement about an entity, or one triple's, with its sources and quote."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import NotFoundError
from kg.why import Explanation, explain, format_text

from .conftest import REPO

LE_MONDE_TITLE = (
    "Fabien Baussart, l'intermédiaire proche de Moscou qui a fait venir Donald Trump Jr à Paris: "
    "Compagnon d'une opposante syrienne adoubée par le Kremlin, l'homme d'affaires cultive ses "
    "réseaux russes depuis le début des années 1990"
)
SPOUSE = "Randa Kassis — spouse — Fabien Baussart"
SPOUSE_INVERSE = f"Fabien Baussart — spouse — Randa Kassis (inverse of the authored fact {SPOUSE})"
ROUND_1_MODERATOR = ("kgr:astana-platform-round-1", "kgv:moderator", "kgr:baghdad-amreyev")
# A source's reason, on the line below it (the shipped data decides which reference is which).
REASON = re.compile(
    r"            (evidence text \(quote in its (prose|reference list)\)"
    r'|topic only|entry words: ".+")'
)
SUPPORT = re.compile(r"    support: \d+ independent outlets?(: .+| \(the evidence text alone\))")


def block(output: str, fact: str) -> list[str]:
    """The lines `kg why` prints for one fact: the fact, its sources, support, quote and claim."""
    start = output.index(f"\n{fact}\n") + 1
    return output[start:].split("\n\n")[0].rstrip("\n").split("\n")


def claim_line(path: str, claim: str) -> int:
    """The line of data/ where a claim is written (its named graph)."""
    lines = (REPO / path).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(f"{claim} {{"))


def run(*args):
    return CliRunner().invoke(cli, ["--root", str(REPO), "why", *args], catch_exceptions=False)


def ok(*args) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output


def fails(*args) -> str:
    """The one-line error of a failing `kg why`, after checking it exits 2 without a traceback."""
    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0]


@pytest.fixture(scope="module")
def kassis() -> str:
    return ok("Randa Kassis")


def test_entity_shows_the_spouse_fact_with_sources_reasons_and_quote(kassis):
    assert kassis.startswith("Randa Kassis (kgr:randa-kassis): ")
    lines = block(kassis, SPOUSE)
    assert lines[0] == SPOUSE
    assert lines[1:3] == [
        '    source: "Randa Kassis", English Wikipedia, en [src:wikipedia-randa-kassis]',
        "            evidence text (quote in its prose)",
    ]
    assert lines[3] == (
        f'    source: "{LE_MONDE_TITLE}", Le Monde, 2017-03-19, fr '
        "[src:lemonde-2017-03-19-baussart]"
    )
    assert REASON.fullmatch(lines[4]) and not lines[4].endswith("(quote in its prose)")
    assert SUPPORT.fullmatch(lines[5]) and "(Le Monde)" in lines[5]
    assert lines[6:] == [
        '    quote:  "Kassis is married to Fabien Baussart"',
        "    claim:  claim:kassis-spouse "
        f"(data/randa-kassis.trig:{claim_line('data/randa-kassis.trig', 'claim:kassis-spouse')})",
    ]


def test_every_source_has_its_reason_and_every_fact_its_outlets(kassis):
    lines = kassis.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("    source: "):
            assert REASON.fullmatch(lines[index + 1]), lines[index : index + 2]
    facts = [i for i, line in enumerate(lines) if " — " in line and not line.startswith(" ")]
    supports = [i for i, line in enumerate(lines) if line.startswith("    support: ")]
    assert len(supports) == len(facts) == kassis.count("\n    quote:  ")
    assert all(SUPPORT.fullmatch(lines[i]) for i in supports)


def test_the_inverse_of_the_spouse_fact_is_shown_from_her_end_too(kassis):
    _, object_part = kassis.split("\nAs object (")
    spouse, inverse = block(kassis, SPOUSE), block(kassis, SPOUSE_INVERSE)
    assert f"\n{SPOUSE_INVERSE}\n" in object_part
    assert inverse[1:] == spouse[1:]  # the same sources, reasons, quote and claim


def test_entity_lists_statements_as_subject_then_as_object(kassis):
    subject_part, object_part = kassis.split("\nAs object (")
    assert "\nAs subject (" in subject_part
    assert "Randa Kassis — nationality — France" in subject_part
    assert "Astana Platform — founder — Randa Kassis" in object_part
    assert f"\n{SPOUSE}\n" not in object_part  # only its inverse, marked as such
    facts = [line for line in subject_part.splitlines() if line.startswith("Randa Kassis — ")]
    predicates = [fact.split(" — ")[1] for fact in facts]
    assert predicates == sorted(predicates, key=str.casefold)  # grouped by predicate label
    assert facts.index("Randa Kassis — job title — anthropologist") < facts.index(
        "Randa Kassis — job title — politician"
    )  # then by object


def test_role_nodes_and_kgv_terms_are_shown_by_their_labels(kassis):
    assert "Randa Kassis — member of — Randa Kassis, President of the Astana Platform\n" in kassis
    assert "Randa Kassis — holds position — creating a constitutional committee\n" in kassis
    assert "Randa Kassis — close friend of — Sergey Lavrov\n" in kassis


@pytest.mark.parametrize(
    "spelling",
    [
        "رندة قسيس",
        "randa kassis",
        "randa-kassis",
        "kgr:randa-kassis",
        "https://kg.example.org/kassis/id/randa-kassis",
        "<https://kg.example.org/kassis/id/randa-kassis>",
    ],
)
def test_every_way_of_naming_her_gives_the_same_output(kassis, spelling):
    assert ok(spelling) == kassis


def test_output_is_identical_across_runs(kassis):
    assert ok("Randa Kassis") == kassis
    assert ok("kgr:fabien-baussart", "--format", "json") == ok(
        "kgr:fabien-baussart", "--format", "json"
    )


def test_triple_shows_its_statement_and_exactly_its_sources():
    output = ok(*ROUND_1_MODERATOR)
    assert output == (
        "kgr:astana-platform-round-1 kgv:moderator kgr:baghdad-amreyev: 1 sourced statement.\n"
        "\n"
        "first round of the Astana platform — moderator — Baghdad Amreyev\n"
        '    source: "Randa Kassis", English Wikipedia, en [src:wikipedia-randa-kassis]\n'
        "            evidence text (quote in its prose)\n"
        '    source: "Syrian Opposition Meeting in Astana Makes Tentative Headway in Finding Way '
        'Forward for Peace Process", The Astana Times, 2015-05-29, en '
        "[src:astana-times-2015-05-29-tentative-headway]\n"
        "            topic only\n"
        "    support: 1 independent outlet: 1 topic only (The Astana Times)\n"
        '    quote:  "The first round of the Astana platform was moderated by Kazakh Ambassador '
        'Baghdad Amreyev"\n'
        "    claim:  claim:astana-round-1-moderator (data/astana-platform.trig:"
        f"{claim_line('data/astana-platform.trig', 'claim:astana-round-1-moderator')})\n"
    )


def test_triple_as_json_names_exactly_the_cited_sources():
    (statement,) = json.loads(ok(*ROUND_1_MODERATOR, "--format", "json"))
    assert statement["claim"] == "https://kg.example.org/kassis/claim/astana-round-1-moderator"
    assert statement["predicate"] == {
        "iri": "https://kg.example.org/kassis/vocab#moderator",
        "label": "moderator",
    }
    assert [s["iri"] for s in statement["sources"]] == [
        "https://kg.example.org/kassis/source/wikipedia-randa-kassis",
        "https://kg.example.org/kassis/source/astana-times-2015-05-29-tentative-headway",
    ]
    astana_times = statement["sources"][1]
    assert (astana_times["outlet"], astana_times["date"], astana_times["kind"]) == (
        "The Astana Times",
        "2015-05-29",
        "NewsArticle",
    )
    assert [s["reason"] for s in statement["sources"]] == [
        {"kind": "evidence text", "quote_in": "prose"},
        {"kind": "topic only"},
    ]
    assert statement["independent_outlets"] == {
        "count": 1,
        "by_entry_words": [],
        "topic_only": ["The Astana Times"],
    }
    assert statement["inverse_of"] is None


@pytest.mark.parametrize(
    "args",
    [
        ("kgr:astana-platform", "schema:foundingDate", '"2015"^^xsd:gYear'),
        ("kgr:astana-platform", "schema:foundingDate", "2015"),
        ("Astana Platform", "founding date", "2015"),
        (
            "https://kg.example.org/kassis/id/astana-platform",
            "https://schema.org/foundingDate",
            '"2015"^^<http://www.w3.org/2001/XMLSchema#gYear>',
        ),
    ],
)
def test_literal_object_triple(args):
    output = ok(*args)
    assert output.startswith(
        'kgr:astana-platform schema:foundingDate "2015"^^xsd:gYear: 1 sourced statement.\n'
    )
    assert "\nAstana Platform — founding date — 2015\n" in output
    assert '    quote:  "initiated the Astana platform in 2015"\n' in output


def test_language_tagged_and_bare_literal_objects_find_the_same_statement():
    tagged = ok("Randa Kassis", "schema:jobTitle", '"politician"@en')
    assert ok("Randa Kassis", "job title", "Politician") == tagged
    assert "Randa Kassis — job title — politician\n" in tagged
    assert '    quote:  "is a Franco-Syrian politician"\n' in tagged


def test_json_holds_the_same_quote_and_sources(kassis):
    statements = json.loads(ok("Randa Kassis", "--format", "json"))
    spouse = [s for s in statements if s["predicate"]["iri"] == "https://schema.org/spouse"]
    assert len(spouse) == 2  # as authored (she is its subject), and its inverse (its object)
    authored, inverse = spouse
    assert (authored["inverse_of"], inverse["inverse_of"]) == (None, authored["statement"])
    assert authored["quote"] == inverse["quote"] == "Kassis is married to Fabien Baussart"
    assert f'quote:  "{authored["quote"]}"' in kassis
    assert (
        authored["subject"]
        == inverse["object"]
        == {
            "iri": "https://kg.example.org/kassis/id/randa-kassis",
            "label": "Randa Kassis",
        }
    )
    le_monde = dict(authored["sources"][1])
    assert le_monde.pop("reason")["kind"] in ("entry words", "topic only")
    assert le_monde == {
        "iri": "https://kg.example.org/kassis/source/lemonde-2017-03-19-baussart",
        "title": LE_MONDE_TITLE,
        "language": "fr",
        "date": "2017-03-19",
        "outlet": "Le Monde",
        "kind": "NewsArticle",
    }
    assert inverse["sources"] == authored["sources"]
    assert authored["independent_outlets"]["count"] == 1
    assert len(statements) == kassis.count("\n    quote:  ")
    job = next(s for s in statements if s["object"].get("value") == "politician")
    assert job["object"] == {
        "value": "politician",
        "label": "politician",
        "datatype": None,
        "language": "en",
    }


def test_misspelt_name_suggests_the_closest_one():
    assert (
        fails("Randa Kasis")
        == "Error: no entity named 'Randa Kasis' — did you mean 'Randa Kassis'?"
    )


def test_misspelt_curie_suggests_the_closest_one():
    assert fails("kgr:randa-kasis") == (
        "Error: no entity kgr:randa-kasis in the graph — did you mean kgr:randa-kassis?"
    )


def test_ambiguous_name_lists_the_candidates(tree_copy):
    # The shipped graph has one node per real thing; a second node of the same name is ambiguous.
    (tree_copy / "data" / "zz-twin.ttl").write_text(
        "@prefix kgr: <https://kg.example.org/kassis/id/> .\n"
        "@prefix schema: <https://schema.org/> .\n"
        'kgr:der-spiegel-staff a schema:Organization ; schema:name "Der Spiegel"@de .\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["--root", str(tree_copy), "why", "Der Spiegel"], catch_exceptions=False
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: 'Der Spiegel' names 2 entities: kgr:der-spiegel, kgr:der-spiegel-staff; "
        "give the CURIE of the one you mean\n"
    )


def test_a_name_shared_with_a_source_record_means_the_entity():
    # "Astana Platform" is also the title of src:astanaplatform-com.
    assert ok("Astana Platform").startswith("Astana Platform (kgr:astana-platform): ")


def test_triple_without_statement_says_so_and_suggests_validate():
    message = fails("kgr:randa-kassis", "schema:spouse", "kgr:sergey-lavrov")
    assert message.startswith(
        "Error: no statement says kgr:randa-kassis schema:spouse kgr:sergey-lavrov "
    )
    assert "holds kgr:fabien-baussart" in message
    assert "kg validate" in message


def test_literal_without_statement_names_what_the_graph_holds():
    message = fails("kgr:astana-platform", "schema:foundingDate", '"2014"^^xsd:gYear')
    assert '(kgr:astana-platform schema:foundingDate holds "2015"^^xsd:gYear)' in message


def test_unknown_predicate_suggests_the_closest_one():
    assert fails("kgr:astana-platform", "schema:foundingDat", "2015") == (
        "Error: no statement uses the predicate schema:foundingDat — "
        "did you mean schema:foundingDate?"
    )


def test_two_terms_is_a_usage_error():
    result = run("kgr:randa-kassis", "schema:spouse")
    assert result.exit_code == 2
    assert "give one ENTITY, or SUBJECT PREDICATE OBJECT; got 2 terms" in result.output


def test_entity_with_no_statements_says_so():
    assert ok("Le Monde") == (
        "Le Monde (kgr:le-monde): no sourced statement has it as subject or object.\n"
    )


def test_library_returns_plain_data(loaded):
    explanation = explain(loaded, "Fabien Baussart")
    assert isinstance(explanation, Explanation)
    assert explanation.entity is not None and explanation.entity.n3 == "kgr:fabien-baussart"
    assert explanation.statements == (*explanation.as_subject, *explanation.as_object)
    spouse = next(s for s in explanation.as_object if s.predicate.label == "spouse")
    assert spouse.subject.label == "Randa Kassis"
    assert spouse.quote == "Kassis is married to Fabien Baussart"
    assert [s.curie for s in spouse.sources] == [
        "src:wikipedia-randa-kassis",
        "src:lemonde-2017-03-19-baussart",
    ]
    assert spouse.sources[0].is_article
    assert format_text(explanation) == ok("kgr:fabien-baussart")


def test_library_raises_not_found(loaded):
    with pytest.raises(NotFoundError, match="did you mean 'Fabien Baussart'"):
        explain(loaded, "Fabien Bausart")
