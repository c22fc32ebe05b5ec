"""Saved queries (queries/*.rq): each runs on the shipped graph and gives what the data holds.

Every query has a test asserting its actual rows (read off data/ by hand), and where a query
summarises the graph (counts, groupings, provenance), the same answer is also computed here
independently with rdflib's triple API, so a query that silently drops or duplicates rows fails.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import PROV, RDF, SDO, XSD
from rdflib.plugins.sparql import prepareQuery

from kg.cli import cli
from kg.dates import bounds
from kg.namespaces import CLAIM, KGR, KGV, SRC
from kg.queries import IRI_PATTERN, QueryError, check, from_text, get_query, list_queries
from kg.terms import short
from tests.conftest import REPO, form_values, run_query

QUERY_FILES = sorted((REPO / "queries").glob("*.rq"))
ARTICLE = SRC["wikipedia-randa-kassis"]
WSJ = SRC["wsj-2016-11-23-trump-jr-talks"]
KASSIS = KGR["randa-kassis"]

# Files that predate the "declare every prefix in the file" convention (they rely on the
# prefixes kg predeclares, so they run in kg but not in grlc or another SPARQL tool).
NOT_STANDALONE: set[str] = set()  # queries that rely on kg predeclaring prefixes


# ---- helpers --------------------------------------------------------------------------------


def select(loaded, tree, query: str, **params: str) -> list[dict[str, str | None]]:
    """Run a saved SELECT query; rows are {variable: value as `kg` shows it, CURIE or lexical}."""
    result = run_query(loaded, get_query(tree, query), params)
    assert result.type == "SELECT", query
    names = [str(v) for v in result.vars]
    return [
        {n: (None if row[i] is None else short(row[i])) for i, n in enumerate(names)}
        for row in result
    ]


def columns(rows: list[dict[str, str | None]], *names: str) -> list[tuple[str | None, ...]]:
    return [tuple(row[n] for n in names) for row in rows]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def joined_titles(graph, sources) -> str:
    return " | ".join(sorted(str(graph.value(s, SDO.name)) for s in sources))


def iri(graph, curie: str) -> URIRef:
    return URIRef(graph.namespace_manager.expand_curie(curie))


def source_records(graph) -> set:
    return set(graph.subjects(RDF.type, KGV.SourceRecord))


def statements(graph) -> set:
    return set(graph.subjects(RDF.type, RDF.Statement))


def citing(graph, source) -> set:
    """The statements that cite `source`, but for the inverses the loader derives of symmetric
    facts (kgv:inverseOf): the same fact, not counted again."""
    return {
        s
        for s in graph.subjects(PROV.wasDerivedFrom, source)
        if (s, KGV.inverseOf, None) not in graph
    }


# ---- every file in queries/ ---------------------------------------------------------------


def test_there_are_enough_saved_queries():
    assert len(QUERY_FILES) >= 17


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_query_file_has_a_full_header_and_parses(path: Path):
    saved = from_text(path.read_text(encoding="utf-8"), path.stem, path)
    assert saved.summary, f"{path.name}: no summary"
    assert saved.description, f"{path.name}: no description"
    assert saved.tags and all(saved.tags), f"{path.name}: no tags"
    assert saved.form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
    check(saved)  # read-only, no SERVICE/FROM, parameters only read
    body = "\n".join(line for line in saved.text.splitlines() if not line.startswith("#"))
    if saved.form == "SELECT":
        assert "ORDER BY" in body.upper(), f"{path.name}: SELECT rows need an ORDER BY"


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(
            p,
            marks=pytest.mark.xfail(reason="declares no PREFIX lines; works only inside kg"),
        )
        if p.stem in NOT_STANDALONE
        else p
        for p in QUERY_FILES
    ],
    ids=lambda p: p.stem,
)
def test_query_file_declares_its_prefixes(path: Path):
    # Parsed with no predeclared prefixes, as grlc or any other SPARQL tool would read it.
    prepareQuery(path.read_text(encoding="utf-8"))


# A value of each parameter type, for a required parameter that has no default.
SAMPLE_VALUES = {
    "IRI or CURIE": "kgr:randa-kassis",
    "text": "Kassis",
    "text@en": "Kassis",
    "integer": "1",
    "xsd:gYear": "2016",
    "xsd:gYearMonth": "2015-05",
    "xsd:date": "2018-01-30",
}


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_query_runs_with_its_defaults_or_a_sample(loaded, shipped, path: Path):
    saved = get_query(shipped, path.stem)
    samples = {
        p.name: SAMPLE_VALUES[p.type_label]
        for p in saved.parameters
        if p.required and p.default is None
    }
    result = run_query(loaded, saved, form_values(saved) | samples)
    if result.type == "ASK":
        answer = result.askAnswer
    elif result.type == "SELECT":
        answer = list(result)  # evaluates every row
    else:
        answer = len(result.graph)
    if not samples:  # a sample value need not match anything; the defaults must
        assert answer, f"{path.name} has no answer with its defaults"


def test_kg_queries_lists_every_file():
    result = invoke("queries")
    assert result.exit_code == 0, result.output
    names = [line.split()[0] for line in result.output.splitlines() if line[:1].isalnum()]
    assert names == [p.stem for p in QUERY_FILES]
    assert len(names) >= 15
    assert result.output.endswith(f"({len(QUERY_FILES)} queries in queries/)\n")


def test_kg_queries_json_gives_forms_and_typed_parameters(shipped):
    listing = json.loads(invoke("queries", "--format", "json").output)
    by_name = {q["name"]: q for q in listing}
    assert len(by_name) == len(list_queries(shipped)) >= 15
    assert by_name["is-fact-sourced"]["form"] == "ASK"
    assert by_name["entity-card"]["form"] == "CONSTRUCT"
    assert [(p["name"], p["type"]) for p in by_name["sources-published-in"]["parameters"]] == [
        ("year", "xsd:gYear")
    ]
    assert [(p["name"], p["type"]) for p in by_name["entities-named"]["parameters"]] == [
        ("name", "text@en")
    ]
    assert [p["name"] for p in by_name["is-fact-sourced"]["parameters"]] == [
        "subject",
        "predicate",
        "object",
    ]


# ---- books ----------------------------------------------------------------------------------


def test_books(loaded, shipped):
    rows = select(loaded, shipped, "books")
    assert columns(rows, "isbn", "date", "publisher", "language", "pages", "coauthor") == [
        ("9781492880608", "2013", "E-Kutub", "en", "224", None),
        ("9791093501031", "2014", "Editions Dhow", "fr", "320", "Alexandre del Valle"),
        ("9782810007318", "2016-06-08", "L'Artilleur", "fr", "438", None),
        ("9782940523634", "2018", "Editions des Syrtes", "fr", None, None),
    ]
    # One node per book: her four schema:Book nodes, none of them a source record (the book
    # citations are records about them).
    graph = loaded.graph
    books = {b for b in graph.subjects(SDO.author, KASSIS) if (b, RDF.type, SDO.Book) in graph}
    assert {r["book"] for r in rows} == {short(b) for b in books} and len(books) == 4
    assert not books & source_records(graph)
    for record in source_records(graph):
        if (record, SDO.about, None) in graph:
            assert graph.value(record, SDO.about) in books


def test_books_csv_through_the_cli():
    result = invoke("query", "books", "--format", "csv")
    assert result.exit_code == 0, result.output
    # result.output turns CRLF into LF; SPARQL CSV ends lines with CRLF, so read the bytes.
    assert result.stdout_bytes.decode("utf-8") == (
        "book,title,coauthor,publisher,date,language,pages,isbn\r\n"
        "https://kg.example.org/kassis/id/book-crypts-of-the-gods,Crypts of the Gods,,"
        "E-Kutub,2013,en,224,9781492880608\r\n"
        "https://kg.example.org/kassis/id/book-le-chaos-syrien,"
        '"Le Chaos Syrien, printemps arabes et minorités face à l\'islamisme",'
        "Alexandre del Valle,Editions Dhow,2014,fr,320,9791093501031\r\n"
        "https://kg.example.org/kassis/id/book-comprendre-le-chaos-syrien,"
        '"Comprendre le chaos syrien, des révolutions arabes au jihad mondial",,'
        "L'Artilleur,2016-06-08,fr,438,9782810007318\r\n"
        "https://kg.example.org/kassis/id/book-la-syrie-et-le-retour-de-la-russie,"
        "La Syrie et le Retour de la Russie,,Editions des Syrtes,2018,fr,,9782940523634\r\n"
    )


# ---- her organisations, roles, events and people --------------------------------------------


def test_organisations_and_roles(loaded, shipped):
    rows = select(loaded, shipped, "organisations-and-roles")
    assert columns(
        rows, "organisation", "tie", "roleName", "startDate", "endDate", "isFormer", "endReason"
    ) == [
        ("kgr:astana-platform", "founder", None, "2015", None, None, None),
        ("kgr:astana-platform", "role", "President", None, None, "true", None),
        (
            "kgr:coalition-of-secular-and-democratic-syrians",
            "role",
            "president",
            None,
            None,
            "true",
            None,
        ),
        ("kgr:movement-of-the-pluralistic-society", "founder", None, None, None, None, None),
        (
            "kgr:syrian-national-council",
            "role",
            "member",
            None,
            "2012-08",
            None,
            "excluded due to her many declarations alerting the Syrian opposition about the "
            "rise of Muslim fundamentalists",
        ),
        ("kgr:syrian-opposition", "affiliation", None, None, None, None, None),
        (
            "kgr:syrian-secular-democratic-opposition-delegation",
            "role",
            "Co-President",
            None,
            None,
            None,
            None,
        ),
    ]
    # Every role node of hers appears, as the triple API finds them.
    graph = loaded.graph
    roles = {
        graph.value(role, SDO.memberOf)
        for role in graph.objects(KASSIS, SDO.memberOf)
        if (role, RDF.type, SDO.OrganizationRole) in graph
    }
    assert {r["organisation"] for r in rows if r["tie"] == "role"} == {short(o) for o in roles}


def test_timeline(loaded, shipped):
    rows = select(loaded, shipped, "timeline")
    assert columns(
        rows, "date", "endDate", "item", "participation", "roleName", "bannerName", "placeName"
    ) == [
        (None, "2012-08", "kgr:syrian-national-council", "role", "member", None, None),
        ("2013", None, "kgr:book-crypts-of-the-gods", "author", None, None, "London"),
        ("2014", None, "kgr:geneva-peace-talks-2014", "attendee", None, None, "Geneva"),
        ("2014", None, "kgr:book-le-chaos-syrien", "author", None, None, "Paris"),
        ("2015", None, "kgr:astana-platform", "founder", None, None, None),
        (
            "2016",
            None,
            "kgr:geneva-peace-talks-2016",
            "attendee",
            None,
            "Moscow/Astana groups",
            "Geneva",
        ),
        ("2016-06-08", None, "kgr:book-comprendre-le-chaos-syrien", "author", None, None, "France"),
        ("2017", None, "kgr:syrian-constitution-drafting-2017", "inviter", None, None, None),
        (
            "2018",
            None,
            "kgr:book-la-syrie-et-le-retour-de-la-russie",
            "author",
            None,
            None,
            "Geneva",
        ),
        (
            "2018-01-30",
            None,
            "kgr:syrian-national-congress-2018",
            "attendee",
            "President of the Astana platform",
            None,
            "Sochi",
        ),
        ("2018-10", None, "kgr:rome-road-map-2018", "contributor", None, None, None),
        (None, None, "kgr:trump-jr-kassis-meeting", "attendee", None, None, None),
    ]
    # The same items, found with the triple API: events she attended (directly or via a Role),
    # organised, contributed to or invited the participants of; her books; the organisations she
    # founded with a founding date; her roles with a start or end date.
    graph = loaded.graph
    items = set()
    for predicate in (SDO.attendee, SDO.organizer, SDO.contributor, KGV.invitedBy):
        for node in graph.subjects(predicate, KASSIS):
            if (node, RDF.type, SDO.Role) in graph:
                items.update(graph.subjects(SDO.attendee, node))
            elif (node, RDF.type, SDO.Event) in graph:
                items.add(node)
    items.update(b for b in graph.subjects(SDO.author, KASSIS) if (b, RDF.type, SDO.Book) in graph)
    items.update(o for o in graph.subjects(SDO.founder, KASSIS) if graph.value(o, SDO.foundingDate))
    for role in graph.objects(KASSIS, SDO.memberOf):
        if graph.value(role, SDO.startDate) or graph.value(role, SDO.endDate):
            items.add(graph.value(role, SDO.memberOf))
    assert {r["item"] for r in rows} == {short(i) for i in items}
    assert len(rows) == len(items)


def test_timeline_runs_by_first_day_undated_last(loaded, shipped):
    result = run_query(loaded, get_query(shipped, "timeline"), {})
    keys = []
    for row in result:
        date = row.date if row.date is not None else row.endDate
        keys.append(None if date is None else bounds(str(date), date.datatype)[0])
    dated = [k for k in keys if k is not None]
    assert dated and dated == sorted(dated)
    assert keys[len(dated) :] == [None] * (len(keys) - len(dated))  # undated last


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # The 2014 book is in, the 2013 one out; the role that ended in 2012 and the undated
        # meeting are out too.
        (
            {"from": "2014-01-01"},
            [
                "kgr:geneva-peace-talks-2014",
                "kgr:book-le-chaos-syrien",
                "kgr:astana-platform",
                "kgr:geneva-peace-talks-2016",
                "kgr:book-comprendre-le-chaos-syrien",
                "kgr:syrian-constitution-drafting-2017",
                "kgr:book-la-syrie-et-le-retour-de-la-russie",
                "kgr:syrian-national-congress-2018",
                "kgr:rome-road-map-2018",
            ],
        ),
        # A year overlaps a range that holds any of its days: the 2016 talks by their last day,
        # the 2018 book by its first; the congress of 30 January 2018 is one day too late.
        (
            {"from": "2016-12-31", "to": "2018-01-29"},
            [
                "kgr:geneva-peace-talks-2016",
                "kgr:syrian-constitution-drafting-2017",
                "kgr:book-la-syrie-et-le-retour-de-la-russie",
            ],
        ),
        # A month or a year overlaps a range that holds its last day, and not the day after.
        (
            {"from": "2018-10-31", "to": "2018-10-31"},
            ["kgr:book-la-syrie-et-le-retour-de-la-russie", "kgr:rome-road-map-2018"],
        ),
        ({"from": "2018-11-01"}, ["kgr:book-la-syrie-et-le-retour-de-la-russie"]),
        ({"from": "2019-01-01"}, []),
        # A role known only by its end (August 2012) began before any day.
        (
            {"to": "2013-06-30"},
            ["kgr:syrian-national-council", "kgr:book-crypts-of-the-gods"],
        ),
        ({"to": "1990-01-01"}, ["kgr:syrian-national-council"]),
        ({"from": "2012-08-31", "to": "2012-08-31"}, ["kgr:syrian-national-council"]),
        ({"from": "2012-09-01", "to": "2012-12-31"}, []),
    ],
)
def test_timeline_from_to_keeps_what_overlaps(loaded, shipped, params, expected):
    rows = select(loaded, shipped, "timeline", **params)
    assert [r["item"] for r in rows] == expected


def test_timeline_refuses_a_date_that_is_not_a_day(loaded, shipped):
    with pytest.raises(QueryError, match=r"xsd:date"):
        run_query(loaded, get_query(shipped, "timeline"), {"from": "2014"})


def test_astana_rounds(loaded, shipped):
    rows = select(loaded, shipped, "astana-rounds")
    assert columns(
        rows, "round", "moderatorName", "moderatorTitles", "chairName", "chairTitles"
    ) == [
        (
            "kgr:astana-platform-round-1",
            "Baghdad Amreyev",
            "Kazakh Ambassador",
            "Erland Idrissov",
            "Kazakh Minister of Foreign Affairs",
        ),
        (
            "kgr:astana-platform-round-2",
            "Fabien Baussart",
            "President of the Center of Political and Foreign Affairs; businessman",
            None,
            None,
        ),
    ]
    # The article dates and places neither round, and names no organiser: none is asserted.
    graph = loaded.graph
    rounds = set(graph.subjects(KGV.roundOf, KGR["astana-platform"]))
    assert {r["round"] for r in rows} == {short(r) for r in rounds}
    for predicate in (SDO.startDate, SDO.location, SDO.organizer):
        assert not [r for r in rounds if (r, predicate, None) in graph], predicate


def test_constitution_effort(loaded, shipped):
    rows = select(loaded, shipped, "constitution-effort")
    assert {(r["effortName"], r["date"], r["invitedByName"], r["purpose"]) for r in rows} == {
        (
            "2017 effort to start drafting a new constitution for Syria",
            "2017",
            "Randa Kassis",
            "to start drafting a new constitution for Syria",
        )
    }
    assert columns(rows, "helperName", "helperJobTitle", "sources") == [
        (
            "Giulio Terzi",
            "former Minister of Foreign Affairs of Italy",
            "Expert Meeting on Syrian Constitution \u2013 Giulio Terzi | Randa Kassis",
        ),
        ("Xavier Latour", "French constitutionalist expert", "Randa Kassis"),
        ("Yasar Yakis", "former Minister of Foreign Affairs of Turkey", "Randa Kassis"),
    ]
    assert rows[1]["quote"] == "with the help of French constitutionalist expert Xavier Latour"
    # She invited its participants; the article does not call her its organiser.
    effort = KGR["syrian-constitution-drafting-2017"]
    assert (effort, SDO.organizer, None) not in loaded.graph


def test_people_linked(loaded, shipped):
    rows = select(loaded, shipped, "people-linked")
    assert columns(rows, "person", "link", "predicate", "via") == [
        ("kgr:alexandre-del-valle", "co-author", "schema:author", "kgr:book-le-chaos-syrien"),
        ("kgr:baghdad-amreyev", "moderated", "kgv:moderator", "kgr:astana-platform-round-1"),
        ("kgr:donald-trump-jr", "met her at", "schema:attendee", "kgr:trump-jr-kassis-meeting"),
        (
            "kgr:erland-idrissov",
            "chaired the opening session of",
            "kgv:openingSessionChair",
            "kgr:astana-platform-round-1",
        ),
        ("kgr:fabien-baussart", "moderated", "kgv:moderator", "kgr:astana-platform-round-2"),
        ("kgr:fabien-baussart", "spouse", "schema:spouse", None),
        (
            "kgr:giulio-terzi",
            "helped with",
            "schema:contributor",
            "kgr:syrian-constitution-drafting-2017",
        ),
        (
            "kgr:qadri-jamil",
            "fellow co-president",
            "schema:memberOf",
            "kgr:syrian-secular-democratic-opposition-delegation",
        ),
        ("kgr:sergey-lavrov", "close friend", "kgv:closeFriendOf", None),
        (
            "kgr:xavier-latour",
            "helped with",
            "schema:contributor",
            "kgr:syrian-constitution-drafting-2017",
        ),
        (
            "kgr:yasar-yakis",
            "helped with",
            "schema:contributor",
            "kgr:syrian-constitution-drafting-2017",
        ),
    ]
    assert all(r["viaName"] for r in rows if r["via"])  # every link through something names it
    assert all(r["viaName"] is None for r in rows if r["via"] is None)
    # Every row is a person; the office her request went to is not one.
    graph = loaded.graph
    assert all((iri(graph, r["person"]), RDF.type, SDO.Person) in graph for r in rows)
    assert (KGR["president-of-kazakhstan"], RDF.type, KGV.Office) in graph


def test_positions_and_criticism(loaded, shipped):
    rows = select(loaded, shipped, "positions-and-criticism")
    assert columns(rows, "position", "about", "dateStated", "criticizedBy") == [
        ("kgr:position-constitutional-committee", "constitutional committee", None, None),
        ("kgr:position-muslim-fundamentalists", "Muslim fundamentalists", None, None),
        ("kgr:position-involving-kurds", "Kurds", "2013", None),
        (
            "kgr:position-political-transition-with-assad-regime",
            "government of Bashar al-Assad",
            None,
            "other opposition members",
        ),
        ("kgr:position-power-of-minorities", "Kurds", None, None),
        (
            "kgr:position-support-of-russian-intervention",
            "Russian intervention in the civil war",
            None,
            "other opposition members",
        ),
    ]
    assert {r["position"] for r in rows} == {
        short(p) for p in loaded.graph.objects(KASSIS, KGV.holdsPosition)
    }
    assert all(r["description"] for r in rows)


def test_syrian_national_council(loaded, shipped):
    rows = select(loaded, shipped, "syrian-national-council")
    assert columns(rows, "predicate", "value", "sourceCount") == [
        (
            "kgv:endReason",
            "excluded due to her many declarations alerting the Syrian opposition about the "
            "rise of Muslim fundamentalists",
            "1",
        ),
        ("schema:endDate", "2012-08", "1"),
        ("schema:memberOf", "Syrian National Council", "3"),
        ("schema:roleName", "member", "3"),
    ]
    end_date, member = rows[1], rows[2]
    assert end_date["quote"] == "She was a member of the Syrian National Council until August 2012"
    assert end_date["sources"] == "Randa Kassis"  # the end date: the article alone
    assert member["quote"] == "She was a member of the Syrian National Council"
    assert member["sources"] == (
        "Entretien avec Randa Kassis, opposante et intellectuelle syrienne porte-parole de la "
        "Coalition des Forces Laïques et membre du Conseil National Syrien | France hails Syria "
        "council, develops contacts | Randa Kassis"
    )
    assert rows[0]["sources"] == "Randa Kassis"  # the reason: the article alone


# ---- provenance -----------------------------------------------------------------------------


def test_facts_with_sources_has_every_statement_and_its_sources(loaded, shipped):
    # One row per statement and source it is derived from, with the reason it is credited.
    graph = loaded.graph
    rows = select(loaded, shipped, "facts-with-sources")
    assert {r["statement"] for r in rows} == {short(s) for s in statements(graph)}
    pairs = {(short(s), short(o)) for s, o in graph.subject_objects(PROV.wasDerivedFrom)}
    assert len(rows) == len(pairs) > 100
    assert {(r["statement"], r["source"]) for r in rows} == pairs
    for row in rows:
        statement = iri(graph, row["statement"])
        assert row["sourceTitle"] == str(graph.value(iri(graph, row["source"]), SDO.name))
        assert row["quote"] == str(graph.value(statement, KGV.quote))
        assert short(graph.value(statement, KGV.fromClaim)) == row["claim"]
        assert row["reason"], (row["statement"], row["source"])
    # The spouse fact and the inverse the loader derives from it, each with both sources.
    spouse = [r for r in rows if r["predicate"] == "schema:spouse"]
    assert columns(spouse, "subjectLabel", "objectLabel", "source", "reason") == [
        ("Fabien Baussart", "Randa Kassis", "src:lemonde-2017-03-19-baussart", "topic only"),
        (
            "Fabien Baussart",
            "Randa Kassis",
            "src:wikipedia-randa-kassis",
            "evidence text (quote in its prose)",
        ),
        ("Randa Kassis", "Fabien Baussart", "src:lemonde-2017-03-19-baussart", "topic only"),
        (
            "Randa Kassis",
            "Fabien Baussart",
            "src:wikipedia-randa-kassis",
            "evidence text (quote in its prose)",
        ),
    ]
    assert {r["quote"] for r in spouse} == {"Kassis is married to Fabien Baussart"}


def test_article_only_facts(loaded, shipped):
    graph = loaded.graph
    rows = select(loaded, shipped, "article-only-facts")
    expected = {
        s for s in statements(graph) if set(graph.objects(s, PROV.wasDerivedFrom)) == {ARTICLE}
    }
    assert rows and {r["statement"] for r in rows} == {short(s) for s in expected}
    assert len(rows) == len(expected)
    lavrov = [r for r in rows if r["objectLabel"] == "Sergey Lavrov"]
    assert columns(lavrov, "subjectLabel", "predicate", "quote") == [
        ("Randa Kassis", "kgv:closeFriendOf", "She is a close friend of Sergey Lavrov")
    ]
    # A fact with a reference besides the article is not there, nor is its derived inverse.
    assert not [r for r in rows if r["predicate"] == "schema:spouse"]


def credits_in_data_files(source: URIRef) -> dict[URIRef, str]:
    """The claims that credit `source`, read from data/*.trig without kg.load, each with the
    reason `kg why` gives: the evidence text (prov:wasDerivedFrom on the claim) or a reference
    (a prov:qualifiedDerivation whose prov:entity it is) by entry words or topic only."""
    reasons = {}
    for path in sorted((REPO / "data").glob("*.trig")):
        dataset = Dataset()
        dataset.parse(path, format="trig")
        graph = dataset.default_graph
        for claim in graph.subjects(PROV.wasDerivedFrom, source):
            place = "reference list" if graph.value(claim, KGV.quoteIn) else "prose"
            reasons[claim] = f"evidence text (quote in its {place})"
        for claim, credit in graph.subject_objects(PROV.qualifiedDerivation):
            if graph.value(credit, PROV.entity) == source:
                words = graph.value(credit, KGV.entryWords)
                reasons[claim] = f'entry words: "{words}"' if words else "topic only"
    return {c: r for c, r in reasons.items() if str(c).startswith(str(CLAIM))}


def test_claims_by_source_for_middle_east_eye(loaded, shipped):
    rows = select(loaded, shipped, "claims-by-source", source="src:mee-2016-11-24-trump-son")
    stated = 'entry words: "Donald Trump Jr met Randa Kassis before US election"'
    meeting = "meeting of Donald Trump Jr. and Randa Kassis"
    assert columns(rows, "claim", "subjectLabel", "predicateLabel", "objectLabel", "reason") == [
        ("claim:trump-jr-meeting-attendees", meeting, "attendee", "Donald Trump Jr.", stated),
        ("claim:trump-jr-meeting-attendees", meeting, "attendee", "Randa Kassis", stated),
        ("claim:trump-jr-meeting-timing", meeting, "timing", "before US election", stated),
    ]
    assert {r["quote"] for r in rows} == {"Donald Trump Jr met Randa Kassis before US election"}


def test_claims_by_source_for_the_wsj_is_topic_only(loaded, shipped):
    rows = select(loaded, shipped, "claims-by-source", source="src:wsj-2016-11-23-trump-jr-talks")
    assert columns(rows, "claim", "predicateLabel", "objectLabel", "reason") == [
        ("claim:trump-jr-meeting-attendees", "attendee", "Donald Trump Jr.", "topic only"),
        ("claim:trump-jr-meeting-attendees", "attendee", "Randa Kassis", "topic only"),
    ]
    # One row per triple of the claims citing it, exactly.
    credited = credits_in_data_files(WSJ)
    assert {r["claim"] for r in rows} == {short(c) for c in credited}
    assert len(rows) == sum(len(loaded.claims.graph(c)) for c in credited)


@pytest.mark.parametrize(
    "source",
    [
        "src:lemonde-2017-03-19-baussart",
        "src:bbc-russian-2018-01-31-sochi-congress",
        "src:reuters-2011-09-16-france-hails-council",
        "src:wikipedia-randa-kassis",
    ],
)
def test_claims_by_source_matches_the_data_files(loaded, shipped, source):
    rows = select(loaded, shipped, "claims-by-source", source=source)
    credited = credits_in_data_files(iri(loaded.graph, source))
    assert credited and {r["claim"] for r in rows} == {short(c) for c in credited}
    # One row per triple the claims assert: the inverse the loader derives for a spouse fact
    # (kgv:inverseOf) is not a fact of the claim.
    assert len(rows) == sum(len(loaded.claims.graph(c)) for c in credited)
    for row in rows:
        assert row["reason"] == credited[iri(loaded.graph, row["claim"])], row["statement"]


def test_claims_by_source_lists_a_spouse_fact_once(loaded, shipped):
    rows = select(loaded, shipped, "claims-by-source", source="src:lemonde-2017-03-19-baussart")
    spouse = [r for r in rows if r["predicateLabel"] == "spouse"]
    assert columns(spouse, "subjectLabel", "objectLabel", "reason") == [
        ("Randa Kassis", "Fabien Baussart", "topic only")
    ]
    assert (KGR["fabien-baussart"], SDO.spouse, KASSIS) in loaded.graph  # the derived inverse


def test_claims_by_source_of_an_unused_reference_is_empty(loaded, shipped):
    assert select(loaded, shipped, "claims-by-source", source="src:speakers-2014") == []


def test_trump_jr_connection(loaded, shipped):
    graph = loaded.graph
    rows = select(loaded, shipped, "trump-jr-connection")
    assert columns(rows, "predicate", "objectLabel", "sourceCount", "byEntryWords") == [
        ("kgv:timing", "before US election", "2", "1"),
        ("schema:attendee", "Donald Trump Jr.", "5", "1"),
        ("schema:attendee", "Randa Kassis", "5", "1"),
    ]
    assert {r["subjectLabel"] for r in rows} == {"meeting of Donald Trump Jr. and Randa Kassis"}
    focus = {KGR["donald-trump-jr"], KGR["trump-jr-kassis-meeting"]}
    involved = {
        s
        for s in statements(graph)
        if graph.value(s, RDF.subject) in focus or graph.value(s, RDF.object) in focus
    }
    assert {r["statement"] for r in rows} == {short(s) for s in involved}
    attendee = rows[1]
    cited = graph.objects(iri(graph, attendee["statement"]), PROV.wasDerivedFrom)
    assert attendee["sources"] == joined_titles(graph, cited)
    assert "Donald Trump Jr. Held Talks on Syria With Russia Supporters" in attendee["sources"]
    # No place, organiser or topic of the meeting is stated, so none is asserted.
    meeting = KGR["trump-jr-kassis-meeting"]
    for predicate in (SDO.location, SDO.organizer, SDO.about, SDO.startDate):
        assert (meeting, predicate, None) not in graph, predicate


def test_is_fact_sourced(loaded, shipped):
    ask = get_query(shipped, "is-fact-sourced")

    def answer(subject: str, predicate: str, obj: str) -> bool:
        values = {"subject": subject, "predicate": predicate, "object": obj}
        return run_query(loaded, ask, values).askAnswer

    assert answer("kgr:randa-kassis", "schema:spouse", "kgr:fabien-baussart") is True
    # The inverse of a spouse fact is asserted by the loader, with a statement of its own.
    assert answer("kgr:fabien-baussart", "schema:spouse", "kgr:randa-kassis") is True
    assert answer("kgr:randa-kassis", "kgv:closeFriendOf", "kgr:sergey-lavrov") is True
    assert answer("kgr:astana-platform-round-1", "kgv:moderator", "kgr:baghdad-amreyev") is True
    # Not asserted at all; a super-property of an asserted one is not inferred either.
    assert answer("kgr:randa-kassis", "schema:spouse", "kgr:sergey-lavrov") is False
    assert answer("kgr:randa-kassis", "schema:knows", "kgr:sergey-lavrov") is False
    # Asserted but exempt from provenance (a type): no statement, so not "sourced".
    assert (KASSIS, RDF.type, SDO.Person) in loaded.graph
    assert answer("kgr:randa-kassis", "rdf:type", "schema:Person") is False


def test_is_fact_sourced_exit_codes_through_the_cli():
    spouse = ["--param", "subject=kgr:randa-kassis", "--param", "predicate=schema:spouse"]
    yes = invoke("query", "is-fact-sourced", *spouse, "--param", "object=kgr:fabien-baussart")
    assert (yes.exit_code, yes.output) == (0, "true\n")
    no = invoke("query", "is-fact-sourced", *spouse, "--param", "object=kgr:sergey-lavrov")
    assert (no.exit_code, no.output) == (1, "false\n")


@pytest.mark.parametrize("entity", ["kgr:astana-platform", "kgr:randa-kassis", "kgr:sochi"])
def test_entity_card(loaded, shipped, entity):
    graph = loaded.graph
    node = iri(graph, entity)
    card = run_query(loaded, get_query(shipped, "entity-card"), {"entity": entity}).graph
    facts = set(graph.triples((node, None, None)))
    assert facts and facts <= set(card)
    about = {s for s in statements(graph) if graph.value(s, RDF.subject) == node}
    assert set(card.subjects(RDF.type, RDF.Statement)) == about
    credits = set()
    for statement in about:
        assert card.value(statement, KGV.quote) == graph.value(statement, KGV.quote)
        assert set(card.objects(statement, PROV.wasDerivedFrom)) == set(
            graph.objects(statement, PROV.wasDerivedFrom)
        )
        for source in card.objects(statement, PROV.wasDerivedFrom):
            assert card.value(source, SDO.name) == graph.value(source, SDO.name)
        # Each reference's credit, with its reason, as the loaded graph has it.
        for credit in graph.objects(statement, PROV.qualifiedDerivation):
            credits.add(credit)
            assert (statement, PROV.qualifiedDerivation, credit) in card
            assert set(card.predicate_objects(credit)) == set(graph.predicate_objects(credit))
    assert set(card.subjects(RDF.type, PROV.Derivation)) == credits
    # Nothing else: every subject is the entity, one of its statements, one of their sources or
    # one of their credits.
    sources = {o for s in about for o in graph.objects(s, PROV.wasDerivedFrom)}
    assert set(card.subjects()) <= {node} | about | sources | credits


def test_entity_card_gives_the_reason_a_reference_is_credited(loaded, shipped):
    card = run_query(loaded, get_query(shipped, "entity-card"), {"entity": "kgr:astana-platform"})
    card = card.graph
    reasons = {
        (card.value(credit, PROV.entity), card.value(credit, KGV.topicOnly))
        for credit in card.subjects(RDF.type, PROV.Derivation)
    }
    assert (SRC["diplomat-2015-05-29-opposition-kazakhstan"], Literal(True)) in reasons


def test_entity_card_of_the_platform_as_turtle_through_the_cli():
    result = invoke(
        "query", "entity-card", "-p", "entity=kgr:astana-platform", "--format", "turtle"
    )
    assert result.exit_code == 0, result.output
    assert "kgr:astana-platform" in result.output
    assert 'kgv:quote "Randa Kassis initiated the Astana platform"' in result.output


# ---- sources --------------------------------------------------------------------------------


def grouped_titles(graph, key) -> dict[str, tuple[int, str]]:
    groups: dict[str, list] = defaultdict(list)
    for record in source_records(graph):
        groups[key(record)].append(record)
    return {k: (len(v), joined_titles(graph, v)) for k, v in groups.items()}


def test_sources_by_language(loaded, shipped):
    graph = loaded.graph
    rows = select(loaded, shipped, "sources-by-language")
    expected = grouped_titles(graph, lambda r: str(graph.value(r, SDO.inLanguage)))
    assert {r["language"]: (int(r["sourceCount"]), r["titles"]) for r in rows} == expected
    assert columns(rows, "language", "sourceCount") == [
        ("en", "21"),
        ("fr", "11"),
        ("it", "2"),
        ("ru", "2"),
        ("es", "1"),
    ]
    assert sum(int(r["sourceCount"]) for r in rows) == len(source_records(graph)) == 37


def outlet_of(graph, record) -> str:
    outlet = graph.value(record, SDO.isPartOf)
    return str(graph.value(outlet, SDO.name)) if outlet else "(not stated)"


def test_sources_by_publisher(loaded, shipped):
    graph = loaded.graph
    rows = select(loaded, shipped, "sources-by-publisher")
    expected = grouped_titles(graph, lambda r: outlet_of(graph, r))
    assert {r["outletName"]: (int(r["sourceCount"]), r["titles"]) for r in rows} == expected
    assert sum(int(r["sourceCount"]) for r in rows) == 37
    assert columns(rows[:5], "outlet", "outletName", "outletType", "sourceCount") == [
        (None, "(not stated)", None, "9"),
        ("kgr:le-monde", "Le Monde", "Periodical", "2"),
        ("kgr:reuters", "Reuters", "Organization", "2"),
        ("kgr:the-astana-times", "The Astana Times", "Periodical", "2"),
        ("kgr:the-guardian", "The Guardian", "Periodical", "2"),
    ]
    santegidio = [r for r in rows if r["outlet"] == "kgr:santegidio-org"]
    assert columns(santegidio, "outletType", "sourceCount") == [("WebSite", "1")]  # not twice
    # One outlet predicate: no record names a publisher; the book citations name no outlet.
    assert not [r for r in source_records(graph) if (r, SDO.publisher, None) in graph]
    unstated = next(r for r in rows if r["outlet"] is None)["titles"]
    assert "Crypts of the gods" in unstated and "Le chaos Syrien" in unstated


def test_sources_by_year(loaded, shipped):
    graph = loaded.graph
    rows = select(loaded, shipped, "sources-by-year")

    def year(record) -> str:
        date = graph.value(record, SDO.datePublished)
        return str(date)[:4] if date is not None else "(undated)"

    expected = grouped_titles(graph, year)
    assert {r["year"]: (int(r["sourceCount"]), r["titles"]) for r in rows} == expected
    assert columns(rows, "year", "sourceCount") == [
        ("2011", "3"),
        ("2012", "3"),
        ("2013", "1"),
        ("2014", "2"),
        ("2015", "3"),
        ("2016", "7"),
        ("2017", "3"),
        ("2018", "4"),
        ("(undated)", "11"),
    ]


def test_sources_published_in_2016(loaded, shipped):
    rows = select(loaded, shipped, "sources-published-in", year="2016")
    assert columns(rows, "date", "source", "outletName", "statementCount") == [
        ("2016-03", "src:un-media-2016-03-moscow-astana-stakeout", None, "5"),
        ("2016-03-23", "src:reuters-2016-03-23-press-russia", "Reuters", "5"),
        ("2016-06-08", "src:book-2016-comprendre-le-chaos-syrien", None, "6"),
        ("2016-10-04", "src:lemonde-2016-10-04-squarcini", "Le Monde", "0"),
        ("2016-11-23", "src:wsj-2016-11-23-trump-jr-talks", "Wall Street Journal", "2"),
        ("2016-11-23", "src:guardian-2016-11-23-trump-son", "The Guardian", "8"),
        ("2016-11-24", "src:mee-2016-11-24-trump-son", "Middle East Eye", "3"),
    ]
    graph = loaded.graph
    for row in rows:
        record = iri(graph, row["source"])
        assert int(row["statementCount"]) == len(citing(graph, record))


@pytest.mark.parametrize("year", ["2011", "2013", "2018"])
def test_sources_published_in_any_year_matches_the_dates(loaded, shipped, year):
    graph = loaded.graph
    rows = select(loaded, shipped, "sources-published-in", year=year)
    expected = {
        short(r)
        for r in source_records(graph)
        if str(graph.value(r, SDO.datePublished, default=Literal(""))).startswith(year)
    }
    assert rows and {r["source"] for r in rows} == expected


def test_sources_published_in_refuses_a_non_year(loaded, shipped):
    with pytest.raises(QueryError, match=r"xsd:gYear"):
        run_query(loaded, get_query(shipped, "sources-published-in"), {"year": "twenty"})


def test_sources_by_support(loaded, shipped):
    graph = loaded.graph
    rows = select(loaded, shipped, "sources-by-support")
    assert len(rows) == len(source_records(graph)) == 37
    for row in rows:
        record = iri(graph, row["source"])
        facts = citing(graph, record)
        claims = {graph.value(s, KGV.fromClaim) for s in facts}
        assert (int(row["statementCount"]), int(row["claimCount"])) == (len(facts), len(claims))
        # Split by why a reference is credited: its entry states the fact, or topic only.
        reasons = Counter()
        for statement in facts:
            for credit in graph.objects(statement, PROV.qualifiedDerivation):
                if graph.value(credit, PROV.entity) == record:
                    words = (credit, KGV.entryWords, None) in graph
                    reasons["byEntryWords" if words else "topicOnly"] += 1
        assert (int(row["byEntryWords"]), int(row["topicOnly"])) == (
            reasons["byEntryWords"],
            reasons["topicOnly"],
        ), row["source"]
    assert rows[0]["source"] == "src:wikipedia-randa-kassis"
    # The article backs every fact (the spouse fact's derived inverse is not counted again).
    authored = {s for s in statements(graph) if (s, KGV.inverseOf, None) not in graph}
    assert rows[0]["statementCount"] == str(len(authored)) == str(len(statements(graph)) - 1)
    assert (rows[0]["byEntryWords"], rows[0]["topicOnly"]) == ("0", "0")
    counts = [int(r["statementCount"]) for r in rows]
    assert counts == sorted(counts, reverse=True)
    mee = [r for r in rows if r["source"] == "src:mee-2016-11-24-trump-son"]
    assert columns(mee, "claimCount", "statementCount", "byEntryWords", "topicOnly") == [
        ("2", "3", "3", "0")
    ]
    wsj = [r for r in rows if r["source"] == "src:wsj-2016-11-23-trump-jr-talks"]
    assert columns(wsj, "claimCount", "statementCount", "byEntryWords", "topicOnly") == [
        ("1", "2", "0", "2")
    ]


def test_unsourced_by_reference(loaded, shipped):
    graph = loaded.graph
    rows = select(loaded, shipped, "unsourced-by-reference")
    assert [r["source"] for r in rows] == [
        "src:lemonde-2016-10-04-squarcini",
        "src:lesinfluences-randa-kassis",
        "src:peacetalks-randa-kassis",
        "src:speakers-2014",
        "src:market-for-ideas-gusev-astana-process",
    ]
    cited = set(graph.objects(ARTICLE, SDO.citation))
    unused = {r for r in cited if not set(graph.subjects(PROV.wasDerivedFrom, r))}
    assert {r["source"] for r in rows} == {short(r) for r in unused}
    for row in rows:
        assert row["citationText"] and row["title"] in row["citationText"]


# ---- the graph as a whole -------------------------------------------------------------------


def test_counts_by_class_match_rdflib(loaded, shipped):
    graph = loaded.graph
    rows = select(loaded, shipped, "counts-by-class")
    expected = Counter()
    for cls in set(graph.objects(None, RDF.type)):
        expected[short(cls)] = len(set(graph.subjects(RDF.type, cls)))
    assert {r["class"]: int(r["count"]) for r in rows} == dict(expected)
    assert rows[0] == {"class": "rdf:Statement", "count": str(len(statements(graph)))}
    by_class = {r["class"]: r["count"] for r in rows}
    assert by_class["kgv:SourceRecord"] == "37"
    assert by_class["kgv:Position"] == "7"
    # The loader's nodes: one prov:Derivation per reference credited for a statement.
    credits = set(graph.objects(None, PROV.qualifiedDerivation))
    assert by_class["prov:Derivation"] == str(len(credits))
    # Four books, four book citations (records about them, not books), one office.
    assert (by_class["schema:Book"], by_class["schema:CreativeWork"]) == ("4", "4")
    assert by_class["kgv:Office"] == "1"
    counts = [int(r["count"]) for r in rows]
    assert counts == sorted(counts, reverse=True)


def test_entities_named(loaded, shipped):
    graph = loaded.graph
    rows = select(loaded, shipped, "entities-named", name="Astana")
    entities = {r["entity"] for r in rows}
    assert {
        "kgr:astana-platform",
        "kgr:astana-platform-round-1",
        "kgr:astana-platform-round-2",
        "kgr:moscow-astana-group",
        "kgr:the-astana-times",
        "src:astanaplatform-com",
    } <= entities
    platform = [r for r in rows if r["entity"] == "kgr:astana-platform"]
    assert columns(platform, "matchedName", "language", "types") == [
        ("Astana Platform", "en", "Organization")
    ]
    assert "kgr:astana" not in entities  # the article never places anything in the city
    records = [r for r in rows if r["entity"] == "src:astanaplatform-com"]
    assert columns(records, "types") == [("SourceRecord, WebPage",)]
    expected = {
        short(s)
        for p in (SDO.name, SDO.alternateName)
        for s, name in graph.subject_objects(p)
        if "astana" in str(name).lower()
    }
    assert entities == expected


def test_entities_named_searches_every_language(loaded, shipped):
    rows = select(loaded, shipped, "entities-named", name="syrie")
    assert {
        ("kgr:book-la-syrie-et-le-retour-de-la-russie", "La Syrie et le Retour de la Russie", "fr"),
        ("kgr:syrian-national-council", "Conseil National Syrien", "fr"),
    } <= set(columns(rows, "entity", "matchedName", "language"))
    assert all("syrie" in r["matchedName"].lower() for r in rows)
    assert select(loaded, shipped, "entities-named", name="no such name anywhere") == []


# ---- a couple of result formats through the CLI ---------------------------------------------


def test_timeline_as_sparql_json_through_the_cli():
    result = invoke("query", "timeline", "--format", "json")
    assert result.exit_code == 0, result.output
    bindings = json.loads(result.output)["results"]["bindings"]
    assert [b["item"]["value"].rsplit("/", 1)[1] for b in bindings] == [
        "syrian-national-council",
        "book-crypts-of-the-gods",
        "geneva-peace-talks-2014",
        "book-le-chaos-syrien",
        "astana-platform",
        "geneva-peace-talks-2016",
        "book-comprendre-le-chaos-syrien",
        "syrian-constitution-drafting-2017",
        "book-la-syrie-et-le-retour-de-la-russie",
        "syrian-national-congress-2018",
        "rome-road-map-2018",
        "trump-jr-kassis-meeting",
    ]
    # Each date keeps the precision its source gives.
    council, crypts, congress = bindings[0], bindings[1], bindings[9]
    assert "date" not in council
    assert council["endDate"] == {
        "type": "literal",
        "datatype": str(XSD.gYearMonth),
        "value": "2012-08",
    }
    assert crypts["date"] == {"type": "literal", "datatype": str(XSD.gYear), "value": "2013"}
    assert congress["date"] == {"type": "literal", "datatype": str(XSD.date), "value": "2018-01-30"}


def test_timeline_from_through_the_cli():
    result = invoke("query", "timeline", "-p", "from=2014-01-01", "-p", "to=2014-12-31")
    assert result.exit_code == 0, result.output
    assert "Le Chaos Syrien" in result.output and "Crypts of the Gods" not in result.output


def test_claims_by_source_tsv_through_the_cli():
    result = invoke(
        "query",
        "claims-by-source",
        "--param",
        "source=src:wsj-2016-11-23-trump-jr-talks",
        "--format",
        "tsv",
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "?claim\t?subjectLabel\t?predicateLabel\t?objectLabel\t?quote\t?reason\t?statement"
    )
    assert len(lines) == 3
    assert lines[1].startswith(
        "<https://kg.example.org/kassis/claim/trump-jr-meeting-attendees>\t"
        '"meeting of Donald Trump Jr. and Randa Kassis"@en\t"attendee"\t"Donald Trump Jr."@en\t'
        '"Donald Trump Jr met Randa Kassis before US election"\t"topic only"\t'
    )


def test_astana_rounds_markdown_through_the_cli():
    result = invoke("query", "astana-rounds", "--format", "markdown")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 4  # header, rule, two rounds
    assert "| Baghdad Amreyev | Kazakh Ambassador | Erland Idrissov |" in lines[2]
    assert "| Fabien Baussart |" in lines[3]


@given(st.from_regex(IRI_PATTERN, fullmatch=True))
@settings(max_examples=200, deadline=None, derandomize=True, database=None)
def test_every_iri_the_pattern_accepts_is_an_iri_to_oxigraph(text):
    import pyoxigraph

    pyoxigraph.NamedNode(text)  # raises ValueError on what RFC 3987 refuses


@pytest.mark.parametrize(
    "text",
    ["a:b c", "a:%zz", "a://h:x", "a:b#c#d", "a:\x8c", "a:\U000fbf84", "a://[::1", "a:é"],
)
def test_what_oxigraph_refuses_the_pattern_refuses(text):
    import re

    assert not re.fullmatch(IRI_PATTERN, text)
