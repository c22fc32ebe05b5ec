"""How provenance is shown: each source's reason, each fact's independent outlets, inverse facts.

A small tree of our own (the shipped data/ changes under these tests) holds the evidence text,
four references in three outlets plus a book, a fact credited by entry words and by topic only,
a spouse fact (the loader derives its inverse) credited twice by one outlet, a fact quoted from
the reference list, and one with no reference. `kg why`, the pages and the saved queries
facts-with-sources and facts-by-corroboration must all say the same of it, on memory and on
Oxigraph. The last tests hold `kg why` and the two queries to the same answer on the shipped
graph, whatever it holds.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF
from starlette.testclient import TestClient

from kg.cli import cli
from kg.errors import NotFoundError
from kg.load import load
from kg.namespaces import KGV, SRC
from kg.queries import get_query
from kg.terms import short
from kg.tree import find_tree
from kg.web.app import Settings, create_app
from kg.why import Outlets, Reason, explain, explain_source
from tests.conftest import run_query

from .conftest import REPO
from .test_pages import HTML, Page, inside

PREFIXES = """\
@prefix kgr:    <https://kg.example.org/kassis/id/> .
@prefix src:    <https://kg.example.org/kassis/source/> .
@prefix claim:  <https://kg.example.org/kassis/claim/> .
@prefix kgv:    <https://kg.example.org/kassis/vocab#> .
@prefix schema: <https://schema.org/> .
@prefix prov:   <http://www.w3.org/ns/prov#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
"""

EVIDENCE = """\
Randa Kassis

Randa Kassis is a Franco-Syrian politician. She was a member of the Syrian National Council.
Kassis is married to Fabien Baussart.

References
1. "Entretien avec Randa Kassis, membre du Conseil National Syrien". France-Soir. 2011-11-11.
2. "France hails Syrian council". Reuters. 2011-09-16.
3. "Fabien Baussart, l'intermédiaire: Compagnon d'une opposante syrienne". Le Monde. 2017-03-19.
4. "Squarcini et ses amis". Le Monde. 2016-10-04.
5. Kassis, Randa (2013). Crypts of the Gods.
6. "Syria talks". The Guardian. 2016-11-23.
"""


def _record(local: str, kind: str, title: str, outlet: str | None, date: str, lang: str) -> str:
    part_of = f"    schema:isPartOf kgr:{outlet} ;\n" if outlet else ""
    datatype = "xsd:gYear" if len(date) == 4 else "xsd:date"
    return (
        f"src:{local} a kgv:SourceRecord , schema:{kind} ;\n"
        f'    schema:name "{title}"@{lang} ;\n{part_of}'
        f'    schema:datePublished "{date}"^^{datatype} ;\n'
        f'    schema:inLanguage "{lang}" ;\n'
        f'    kgv:citationText "{title}. {date}." .\n\n'
    )


SOURCES = (
    PREFIXES
    + """
src:wikipedia-randa-kassis a kgv:SourceRecord , schema:Article ;
    schema:name "Randa Kassis"@en ;
    schema:publisher kgr:wikipedia ;
    schema:inLanguage "en" ;
    kgv:evidenceFile "randa-kassis.wikipedia.txt" ;
    schema:citation src:france-soir-2011-11-11-entretien ,
        src:reuters-2011-09-16-france-hails-council , src:lemonde-2017-03-19-baussart ,
        src:lemonde-2016-10-04-squarcini ,
        src:book-2013-crypts-of-the-gods , src:guardian-2016-11-23-trump-son .

"""
    + _record(
        "france-soir-2011-11-11-entretien",
        "NewsArticle",
        "Entretien avec Randa Kassis, membre du Conseil National Syrien",
        "france-soir",
        "2011-11-11",
        "fr",
    )
    + _record(
        "reuters-2011-09-16-france-hails-council",
        "NewsArticle",
        "France hails Syrian council",
        "reuters",
        "2011-09-16",
        "en",
    )
    + _record(
        "lemonde-2017-03-19-baussart",
        "NewsArticle",
        "Fabien Baussart, l'intermédiaire: Compagnon d'une opposante syrienne",
        "le-monde",
        "2017-03-19",
        "fr",
    )
    + _record(
        "lemonde-2016-10-04-squarcini",
        "NewsArticle",
        "Squarcini et ses amis",
        "le-monde",
        "2016-10-04",
        "fr",
    )
    + _record("book-2013-crypts-of-the-gods", "Book", "Crypts of the Gods", None, "2013", "en")
    + _record(
        "guardian-2016-11-23-trump-son",
        "NewsArticle",
        "Syria talks",
        "the-guardian",
        "2016-11-23",
        "en",
    )
    + """\
kgr:wikipedia a schema:WebSite ; schema:name "English Wikipedia"@en .
kgr:france-soir a schema:Periodical ; schema:name "France-Soir"@fr .
kgr:reuters a schema:Organization ; schema:name "Reuters"@en .
kgr:le-monde a schema:Periodical ; schema:name "Le Monde"@fr .
kgr:the-guardian a schema:Periodical ; schema:name "The Guardian"@en .
"""
)

PEOPLE = (
    PREFIXES
    + """
kgr:randa-kassis a schema:Person ;
    schema:name "Randa Kassis"@en , "رندة قسيس"@ar .
kgr:fabien-baussart a schema:Person ;
    schema:name "Fabien Baussart"@en .
kgr:syrian-national-council a schema:Organization ;
    schema:name "Syrian National Council"@en .
kgr:book-crypts-of-the-gods a schema:Book ;
    schema:name "Crypts of the Gods"@en .

claim:kassis-job-politician {
    kgr:randa-kassis schema:jobTitle "politician"@en .
}
claim:kassis-job-politician
    kgv:quote "is a Franco-Syrian politician" ;
    prov:wasDerivedFrom src:wikipedia-randa-kassis .

claim:kassis-snc-member {
    kgr:randa-kassis schema:memberOf kgr:syrian-national-council .
}
claim:kassis-snc-member
    kgv:quote "She was a member of the Syrian National Council" ;
    prov:wasDerivedFrom src:wikipedia-randa-kassis ;
    prov:qualifiedDerivation
        [ prov:entity src:france-soir-2011-11-11-entretien ;
          kgv:entryWords "membre du Conseil National Syrien" ] ,
        [ prov:entity src:reuters-2011-09-16-france-hails-council ; kgv:topicOnly true ] .

claim:kassis-spouse {
    kgr:randa-kassis schema:spouse kgr:fabien-baussart .
}
claim:kassis-spouse
    kgv:quote "Kassis is married to Fabien Baussart" ;
    prov:wasDerivedFrom src:wikipedia-randa-kassis ;
    prov:qualifiedDerivation
        [ prov:entity src:lemonde-2017-03-19-baussart ;
          kgv:entryWords "Compagnon d'une opposante syrienne" ] ,
        [ prov:entity src:lemonde-2016-10-04-squarcini ; kgv:topicOnly true ] .

claim:crypts-author {
    kgr:book-crypts-of-the-gods schema:author kgr:randa-kassis .
}
claim:crypts-author
    kgv:quote "Kassis, Randa (2013). Crypts of the Gods." ;
    kgv:quoteIn kgv:referenceList ;
    prov:wasDerivedFrom src:wikipedia-randa-kassis ;
    prov:qualifiedDerivation
        [ prov:entity src:book-2013-crypts-of-the-gods ; kgv:entryWords "Crypts of the Gods" ] .
"""
)

STMT = "https://kg.example.org/kassis/statement/"
SPOUSE = STMT + "kassis-spouse-4721fb26ef"  # Randa Kassis spouse Fabien Baussart, as authored
SPOUSE_INVERSE = STMT + "kassis-spouse-72351f1c00"  # Fabien Baussart spouse Randa Kassis

ARTICLE_LINE = '    source: "Randa Kassis", English Wikipedia, en [src:wikipedia-randa-kassis]\n'
FROM_PROSE = "            evidence text (quote in its prose)\n"
SPOUSE_SOURCES = (
    ARTICLE_LINE + FROM_PROSE + '    source: "Squarcini et ses amis", Le Monde, 2016-10-04, fr '
    "[src:lemonde-2016-10-04-squarcini]\n"
    "            topic only\n"
    """    source: "Fabien Baussart, l'intermédiaire: Compagnon d'une opposante syrienne", """
    "Le Monde, 2017-03-19, fr [src:lemonde-2017-03-19-baussart]\n"
    """            entry words: "Compagnon d'une opposante syrienne"\n"""
    "    support: 1 independent outlet: 1 by entry words (Le Monde)\n"
    '    quote:  "Kassis is married to Fabien Baussart"\n'
    "    claim:  claim:kassis-spouse (data/people.trig:36)\n"
)
KASSIS = (
    "Randa Kassis (kgr:randa-kassis): 5 sourced statements, 3 as subject, 2 as object.\n"
    "\n"
    "As subject (3)\n"
    "\n"
    "Randa Kassis — job title — politician\n"
    + ARTICLE_LINE
    + FROM_PROSE
    + "    support: 0 independent outlets (the evidence text alone)\n"
    '    quote:  "is a Franco-Syrian politician"\n'
    "    claim:  claim:kassis-job-politician (data/people.trig:18)\n"
    "\n"
    "Randa Kassis — member of — Syrian National Council\n"
    + ARTICLE_LINE
    + FROM_PROSE
    + '    source: "France hails Syrian council", Reuters, 2011-09-16, en '
    "[src:reuters-2011-09-16-france-hails-council]\n"
    "            topic only\n"
    '    source: "Entretien avec Randa Kassis, membre du Conseil National Syrien", France-Soir, '
    "2011-11-11, fr [src:france-soir-2011-11-11-entretien]\n"
    '            entry words: "membre du Conseil National Syrien"\n'
    "    support: 2 independent outlets: 1 by entry words (France-Soir), 1 topic only (Reuters)\n"
    '    quote:  "She was a member of the Syrian National Council"\n'
    "    claim:  claim:kassis-snc-member (data/people.trig:25)\n"
    "\n"
    "Randa Kassis — spouse — Fabien Baussart\n" + SPOUSE_SOURCES + "\n"
    "As object (2)\n"
    "\n"
    "Crypts of the Gods — author — Randa Kassis\n"
    + ARTICLE_LINE
    + "            evidence text (quote in its reference list)\n"
    '    source: "Crypts of the Gods", 2013, en [src:book-2013-crypts-of-the-gods]\n'
    '            entry words: "Crypts of the Gods"\n'
    "    support: 1 independent outlet: 1 by entry words (Crypts of the Gods)\n"
    '    quote:  "Kassis, Randa (2013). Crypts of the Gods."\n'
    "    claim:  claim:crypts-author (data/people.trig:47)\n"
    "\n"
    "Fabien Baussart — spouse — Randa Kassis "
    "(inverse of the authored fact Randa Kassis — spouse — Fabien Baussart)\n" + SPOUSE_SOURCES
)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("provenance") / "tree"
    for name in ("ontology", "queries"):
        shutil.copytree(REPO / name, root / name)
    (root / "data").mkdir()
    (root / "data" / "randa-kassis.wikipedia.txt").write_text(EVIDENCE, encoding="utf-8")
    (root / "data" / "sources.ttl").write_text(SOURCES, encoding="utf-8")
    (root / "data" / "people.trig").write_text(PEOPLE, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def small(root):
    return load(find_tree(root))


def kg(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)


def ok(root: Path, *args: str) -> str:
    result = kg(root, *args)
    assert result.exit_code == 0, result.output
    return result.output


# --- the words ---------------------------------------------------------------------------------


def test_reasons_and_outlets_in_words():
    assert Reason("entry words", words="membre du CNS").text == 'entry words: "membre du CNS"'
    assert Reason("topic only").text == "topic only"
    assert Reason("evidence text", quote_in="prose").text == "evidence text (quote in its prose)"
    assert Outlets().text == "0 independent outlets (the evidence text alone)"
    assert Outlets(topic_only=("Reuters",)).text == "1 independent outlet: 1 topic only (Reuters)"
    assert Outlets(("France-Soir", "Le Monde"), ("Reuters",)).text == (
        "3 independent outlets: 2 by entry words (France-Soir, Le Monde), 1 topic only (Reuters)"
    )


# --- kg why ------------------------------------------------------------------------------------


def test_why_gives_each_source_its_reason_and_each_fact_its_outlets(root):
    assert ok(root, "why", "Randa Kassis") == KASSIS


def test_why_json_gives_reasons_and_independent_outlets(root):
    statements = json.loads(ok(root, "why", "Randa Kassis", "--format", "json"))
    member = next(s for s in statements if s["predicate"]["label"] == "member of")
    assert [(s["iri"].rsplit("/", 1)[-1], s["reason"]) for s in member["sources"]] == [
        ("wikipedia-randa-kassis", {"kind": "evidence text", "quote_in": "prose"}),
        ("reuters-2011-09-16-france-hails-council", {"kind": "topic only"}),
        (
            "france-soir-2011-11-11-entretien",
            {"kind": "entry words", "words": "membre du Conseil National Syrien"},
        ),
    ]
    assert member["independent_outlets"] == {
        "count": 2,
        "by_entry_words": ["France-Soir"],
        "topic_only": ["Reuters"],
    }
    assert member["inverse_of"] is None
    job = next(s for s in statements if s["predicate"]["label"] == "job title")
    assert job["independent_outlets"] == {"count": 0, "by_entry_words": [], "topic_only": []}
    author = next(s for s in statements if s["predicate"]["label"] == "author")
    assert author["sources"][0]["reason"] == {"kind": "evidence text", "quote_in": "reference list"}


def test_one_outlet_credited_twice_counts_once_and_as_entry_words(small):
    (spouse,) = explain(
        small, "kgr:randa-kassis", "schema:spouse", "kgr:fabien-baussart"
    ).statements
    reasons = {s.curie: s.reason for s in spouse.sources}
    assert reasons["src:lemonde-2016-10-04-squarcini"] == Reason("topic only")
    assert reasons["src:lemonde-2017-03-19-baussart"] == Reason(
        "entry words", words="Compagnon d'une opposante syrienne"
    )
    assert spouse.outlets == Outlets(by_entry_words=("Le Monde",))


def test_inverse_fact_is_shown_from_both_ends_and_marked(root):
    fabien = ok(root, "why", "Fabien Baussart")
    as_subject, as_object = fabien.split("\nAs object (")
    assert (
        "\nFabien Baussart — spouse — Randa Kassis "
        "(inverse of the authored fact Randa Kassis — spouse — Fabien Baussart)\n" + SPOUSE_SOURCES
    ) in as_subject
    assert "\nRanda Kassis — spouse — Fabien Baussart\n" + SPOUSE_SOURCES in as_object
    by_statement = {
        s["statement"]: s
        for s in json.loads(ok(root, "why", "kgr:fabien-baussart", "--format", "json"))
    }
    assert set(by_statement) == {SPOUSE, SPOUSE_INVERSE}
    assert by_statement[SPOUSE_INVERSE]["inverse_of"] == SPOUSE
    assert by_statement[SPOUSE]["inverse_of"] is None
    assert by_statement[SPOUSE_INVERSE]["sources"] == by_statement[SPOUSE]["sources"]


def test_why_of_the_inverse_triple_names_the_authored_fact(root):
    assert ok(root, "why", "kgr:fabien-baussart", "schema:spouse", "kgr:randa-kassis") == (
        "kgr:fabien-baussart schema:spouse kgr:randa-kassis: 1 sourced statement.\n\n"
        "Fabien Baussart — spouse — Randa Kassis "
        "(inverse of the authored fact Randa Kassis — spouse — Fabien Baussart)\n" + SPOUSE_SOURCES
    )


@pytest.mark.parametrize(
    ("subject", "obj", "code", "answer"),
    [
        ("kgr:randa-kassis", "kgr:fabien-baussart", 0, "true\n"),
        ("kgr:fabien-baussart", "kgr:randa-kassis", 0, "true\n"),
        ("kgr:fabien-baussart", "kgr:syrian-national-council", 1, "false\n"),
    ],
)
def test_is_fact_sourced_holds_for_the_inverse_triple(root, subject, obj, code, answer):
    result = kg(
        root,
        "query",
        "is-fact-sourced",
        "-p",
        f"subject={subject}",
        "-p",
        "predicate=schema:spouse",
        "-p",
        f"object={obj}",
    )
    assert (result.exit_code, result.output) == (code, answer)


def test_explain_source_gives_only_the_statements_it_is_credited_for(small):
    reuters = explain_source(small, SRC["reuters-2011-09-16-france-hails-council"])
    assert [s.fact for s in reuters.statements] == [
        "Randa Kassis — member of — Syrian National Council"
    ]
    squarcini = explain_source(small, "src:lemonde-2016-10-04-squarcini")
    assert [(s.statement, s.inverse_of) for s in squarcini.statements] == [(SPOUSE, None)]
    assert explain_source(small, "src:guardian-2016-11-23-trump-son").statements == ()
    assert len(explain_source(small, "src:wikipedia-randa-kassis").statements) == 4
    with pytest.raises(NotFoundError, match="no source record kgr:randa-kassis in the graph"):
        explain_source(small, "kgr:randa-kassis")


# --- the pages ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(root):
    with TestClient(create_app(find_tree(root), Settings(workers=1))) as client:
        yield client


def page(client: TestClient, url: str) -> Page:
    response = client.get(url, headers=HTML)
    assert response.status_code == 200, response.text[:2000]
    return Page(response.text)


def fact_items(shown: Page, heading_id: str) -> list:
    """The fact items of the list under one heading (`facts`, `mentioned-in`), in page order."""
    (heading,) = shown.find("h2", id=heading_id)
    after = shown.elements[shown.elements.index(heading) + 1 :]
    until = next((i for i, e in enumerate(after) if e.tag == "h2"), len(after))
    lists = [e for e in after[:until] if e.tag == "ol" and "facts" in e.attrs.get("class", "")]
    return [e for e in after[:until] if e.tag == "li" and any(e.parent is o for o in lists)]


def test_entity_page_gives_each_source_its_reason_and_each_fact_its_outlets(client):
    kassis = page(client, "/id/randa-kassis")
    (member,) = [li for li in fact_items(kassis, "facts") if "member of" in li.text]
    reasons = [
        (e.attrs["data-kind"], e.text)
        for e in kassis.find("span", class_="reason")
        if inside(e, member)
    ]
    assert reasons == [
        ("evidence-text", "evidence text (quote in its prose)"),
        ("topic-only", "topic only"),
        ("entry-words", "entry words: membre du Conseil National Syrien"),
    ]
    (words,) = [e for e in kassis.find("q") if inside(e, member)]
    assert (words.attrs["lang"], words.text) == ("fr", "membre du Conseil National Syrien")
    (support,) = [e for e in kassis.find("p", class_="support meta") if inside(e, member)]
    assert support.text == (
        "2 independent outlets: 1 by entry words (France-Soir), 1 topic only (Reuters)"
    )


@pytest.mark.parametrize(
    ("path", "inverse_under", "authored_under"),
    [
        ("/id/randa-kassis", "mentioned-in", "facts"),
        ("/id/fabien-baussart", "facts", "mentioned-in"),
    ],
)
def test_inverse_fact_shows_on_both_pages_marked(client, path, inverse_under, authored_under):
    shown = page(client, path)
    (inverse,) = [li for li in fact_items(shown, inverse_under) if "spouse" in li.text]
    (authored,) = [li for li in fact_items(shown, authored_under) if "spouse" in li.text]
    assert inverse.attrs["class"] == "fact inverse"
    assert inverse.attrs["id"] == SPOUSE_INVERSE.rsplit("/", 1)[-1]
    assert inverse.text.startswith("Fabien Baussart — spouse — Randa Kassis")
    (mark,) = [e for e in shown.find("p", class_="inverse-of meta") if inside(e, inverse)]
    assert mark.text == "Inverse of the authored fact Randa Kassis — spouse — Fabien Baussart"
    (to_authored,) = [e for e in shown.find("a") if inside(e, mark)]
    assert to_authored.attrs["href"] == "#" + authored.attrs["id"]
    assert authored.attrs["class"] == "fact"
    assert authored.attrs["id"] == SPOUSE.rsplit("/", 1)[-1]
    assert authored.text.startswith("Randa Kassis — spouse — Fabien Baussart")


def test_source_page_lists_only_the_facts_it_is_credited_for_with_its_reason(client):
    reuters = page(client, "/source/reuters-2011-09-16-france-hails-council")
    assert reuters.find("h2", "Facts this source supports (1)", id="facts")
    (member,) = fact_items(reuters, "facts")
    assert member.text.startswith("Randa Kassis — member of — Syrian National Council")
    (credit,) = reuters.find("p", class_="credit")
    assert credit.text == "This source: topic only"

    france_soir = page(client, "/source/france-soir-2011-11-11-entretien")
    (credit,) = france_soir.find("p", class_="credit")
    assert credit.text == "This source: entry words: membre du Conseil National Syrien"
    (member,) = fact_items(france_soir, "facts")
    assert member.text.startswith("Randa Kassis — member of — Syrian National Council")


def test_source_page_lists_a_fact_as_authored_not_its_inverse(client):
    squarcini = page(client, "/source/lemonde-2016-10-04-squarcini")
    (spouse,) = fact_items(squarcini, "facts")
    assert spouse.attrs == {"class": "fact", "id": SPOUSE.rsplit("/", 1)[-1]}
    assert spouse.text.startswith("Randa Kassis — spouse — Fabien Baussart This source: topic only")


def test_source_page_of_a_reference_credited_for_nothing(client):
    guardian = page(client, "/source/guardian-2016-11-23-trump-son")
    assert guardian.find("h2", "Facts this source supports (0)", id="facts")
    assert guardian.find("p", "No statement is derived from this source.")
    assert not guardian.find("li", class_="fact")


def test_article_page_shows_its_reason_for_every_fact(client):
    article = page(client, "/source/wikipedia-randa-kassis")
    credits = [e.text for e in article.find("p", class_="credit")]
    assert sorted(credits) == 3 * ["This source: evidence text (quote in its prose)"] + [
        "This source: evidence text (quote in its reference list)"
    ]


# --- the saved queries -------------------------------------------------------------------------


def rows(loaded, root: Path, name: str) -> list[tuple[str | None, ...]]:
    result = run_query(loaded, get_query(find_tree(root), name), {})
    return [tuple(None if v is None else short(v) for v in row) for row in result]


def test_facts_by_corroboration_fewest_outlets_first(small, root):
    assert [" | ".join(row) for row in rows(small, root, "facts-by-corroboration")] == [
        "Randa Kassis | schema:jobTitle | politician | 0 | 0 | 0 | "
        "stmt:kassis-job-politician-180196ef26",
        "Crypts of the Gods | schema:author | Randa Kassis | 1 | 1 | 0 | "
        "stmt:crypts-author-278a08c045",
        "Fabien Baussart | schema:spouse | Randa Kassis | 1 | 1 | 0 | "
        "stmt:kassis-spouse-72351f1c00",
        "Randa Kassis | schema:spouse | Fabien Baussart | 1 | 1 | 0 | "
        "stmt:kassis-spouse-4721fb26ef",
        "Randa Kassis | schema:memberOf | Syrian National Council | 2 | 1 | 1 | "
        "stmt:kassis-snc-member-873058136b",
    ]


def test_facts_with_sources_gives_each_source_its_reason(small, root):
    member = [r for r in rows(small, root, "facts-with-sources") if r[2] == "schema:memberOf"]
    assert [(r[6], r[8]) for r in member] == [
        (
            "src:france-soir-2011-11-11-entretien",
            'entry words: "membre du Conseil National Syrien"',
        ),
        ("src:reuters-2011-09-16-france-hails-council", "topic only"),
        ("src:wikipedia-randa-kassis", "evidence text (quote in its prose)"),
    ]
    author = [r for r in rows(small, root, "facts-with-sources") if r[2] == "schema:author"]
    assert [(r[6], r[8]) for r in author] == [
        ("src:book-2013-crypts-of-the-gods", 'entry words: "Crypts of the Gods"'),
        ("src:wikipedia-randa-kassis", "evidence text (quote in its reference list)"),
    ]


@pytest.mark.parametrize("name", ["facts-by-corroboration", "facts-with-sources"])
def test_the_queries_answer_alike_on_oxigraph(root, tmp_path, name):
    store = f"oxigraph:{tmp_path / 'store'}"
    built = kg(root, "--store", store, "load")
    assert built.exit_code == 0, built.output
    memory = ok(root, "query", name, "--format", "tsv")
    assert memory.count("\n") > 5
    assert ok(root, "--store", store, "query", name, "--format", "tsv") == memory


# --- one answer on the shipped graph, whatever it holds ------------------------------------------


def test_why_and_the_queries_agree_on_the_shipped_graph(loaded, shipped):
    """`kg why` and the two queries count outlets and give reasons the same way, statement by
    statement, on whatever data/ holds."""
    explained = {}
    graph = loaded.graph
    for subject in sorted({graph.value(s, RDF.subject) for s in loaded.statements}):
        for statement in explain(loaded, str(subject)).as_subject:
            explained[statement.statement] = statement
    corroboration = run_query(loaded, get_query(shipped, "facts-by-corroboration"), {})
    assert {str(row.statement) for row in corroboration} == set(explained)
    for row in corroboration:
        outlets = explained[str(row.statement)].outlets
        assert (int(row.outlets), int(row.byEntryWords), int(row.topicOnly)) == (
            outlets.count,
            len(outlets.by_entry_words),
            len(outlets.topic_only),
        ), row.statement
    for row in run_query(loaded, get_query(shipped, "facts-with-sources"), {}):
        sources = {s.iri: s for s in explained[str(row.statement)].sources}
        reason = sources[str(row.source)].reason
        assert (str(row.reason) if row.reason is not None else None) == (
            reason.text if reason is not None else None
        ), (row.statement, row.source)


def test_page_turtle_carries_the_credits_and_their_reasons(client):
    response = client.get("/source/reuters-2011-09-16-france-hails-council?format=turtle")
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    reuters = SRC["reuters-2011-09-16-france-hails-council"]
    (statement,) = set(graph.subjects(PROV.wasDerivedFrom, reuters))
    credits = {
        graph.value(d, PROV.entity): d for d in graph.objects(statement, PROV.qualifiedDerivation)
    }
    assert set(credits) == {reuters, SRC["france-soir-2011-11-11-entretien"]}
    assert graph.value(credits[reuters], KGV.topicOnly) == Literal(True)
    assert graph.value(credits[SRC["france-soir-2011-11-11-entretien"]], KGV.entryWords) == Literal(
        "membre du Conseil National Syrien"
    )

    fabien = Graph().parse(
        data=client.get("/id/fabien-baussart?format=turtle").text, format="turtle"
    )
    (inverse,) = set(fabien.subjects(KGV.inverseOf, URIRef(SPOUSE)))
    assert str(inverse) == SPOUSE_INVERSE
    assert (inverse, RDF.type, RDF.Statement) in fabien
