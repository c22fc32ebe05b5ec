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
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import PROV, RDF, SDO, XSD
from rdflib.plugins.sparql import prepareQuery

from kg.cli import cli
from kg.namespaces import CLAIM, KGR, KGV, SRC
from kg.queries import QueryError, from_text, get_query, list_queries, prepare, run
from kg.render import short
from tests.conftest import REPO

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
    result = run(loaded.graph, get_query(tree, query), params)
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
    prepare(saved)  # read-only, no SERVICE/FROM, parameters only read
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
    result = run(loaded.graph, saved, samples)
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
        rows, "date", "event", "placeName", "participation", "roleName", "bannerName"
    ) == [
        ("2014", "kgr:geneva-peace-talks-2014", "Geneva", "attendee", None, None),
        ("2016", "kgr:geneva-peace-talks-2016", "Geneva", "attendee", None, "Moscow/Astana groups"),
        ("2017", "kgr:syrian-constitution-drafting-2017", None, "organizer", None, None),
        (
            "2018-01-30",
            "kgr:syrian-national-congress-2018",
            "Sochi",
            "attendee",
            "President of the Astana platform",
            None,
        ),
        ("2018-10", "kgr:rome-road-map-2018", "Rome", "contributor", None, None),
        (None, "kgr:trump-jr-kassis-meeting", "Paris", "attendee", None, None),
    ]
    # The same events, found with the triple API: attendee (directly or via a Role),
    # organizer or contributor.
    graph = loaded.graph
    events = set()
    for predicate in (SDO.attendee, SDO.organizer, SDO.contributor):
        for node in graph.subjects(predicate, KASSIS):
            if (node, RDF.type, SDO.Role) in graph:
                events.update(graph.subjects(SDO.attendee, node))
            elif (node, RDF.type, SDO.Event) in graph:
                events.add(node)
    assert {r["event"] for r in rows} == {short(e) for e in events}


def test_timeline_dates_run_in_order(loaded, shipped):
    dates = [r["date"] for r in select(loaded, shipped, "timeline")]
    dated = [d for d in dates if d is not None]
    assert dated and dated == sorted(dated)
    assert dates[len(dated) :] == [None] * (len(dates) - len(dated))  # undated last


def test_astana_rounds(loaded, shipped):
    rows = select(loaded, shipped, "astana-rounds")
    assert columns(
        rows,
        "round",
        "date",
        "placeName",
        "moderatorName",
        "moderatorTitles",
        "chairName",
        "chairTitles",
    ) == [
        (
            "kgr:astana-platform-round-1",
            "2015-05",
            "Astana",
            "Baghdad Amreyev",
            "Kazakh Ambassador",
            "Erland Idrissov",
            "Kazakh Minister of Foreign Affairs",
        ),
        (
            "kgr:astana-platform-round-2",
            "2015-10",
            "Astana",
            "Fabien Baussart",
            "President of the Center of Political and Foreign Affairs; businessman",
            None,
            None,
        ),
    ]


def test_constitution_effort(loaded, shipped):
    rows = select(loaded, shipped, "constitution-effort")
    assert {(r["effortName"], r["date"], r["organizerName"], r["purpose"]) for r in rows} == {
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
        ("kgr:fabien-baussart", "organised", "schema:organizer", "kgr:trump-jr-kassis-meeting"),
        ("kgr:fabien-baussart", "spouse", "schema:spouse", None),
        (
            "kgr:giulio-terzi",
            "helped with",
            "schema:contributor",
            "kgr:syrian-constitution-drafting-2017",
        ),
        (
            "kgr:president-of-kazakhstan",
            "received her request to found",
            "kgv:requestAddressedTo",
            "kgr:astana-platform",
        ),
        (
            "kgr:qadri-jamil",
            "fellow co-president",
            "schema:memberOf",
            "kgr:syrian-secular-democratic-opposition-delegation",
        ),
        ("kgr:sergey-lavrov", "close friend", "schema:knows", None),
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


def test_positions_and_criticism(loaded, shipped):
    rows = select(loaded, shipped, "positions-and-criticism")
    assert columns(rows, "position", "about", "dateStated", "statedAtEvent", "criticizedBy") == [
        (
            "kgr:position-constitutional-committee",
            "constitutional committee",
            None,
            "Syrian National Congress",
            None,
        ),
        ("kgr:position-involving-kurds", "Kurds", "2013", None, None),
        (
            "kgr:position-political-transition-with-assad-regime",
            "government of Bashar al-Assad",
            None,
            None,
            "Syrian opposition",
        ),
        ("kgr:position-power-of-minorities", "Kurds | minorities in Syria", None, None, None),
        (
            "kgr:position-support-of-russian-intervention",
            "Russian intervention in the civil war",
            None,
            None,
            "Syrian opposition",
        ),
        ("kgr:position-muslim-fundamentalists", "Muslim fundamentalists", None, None, None),
    ]
    assert {r["position"] for r in rows} == {
        short(p) for p in loaded.graph.objects(KASSIS, KGV.holdsPosition)
    }
    assert all(r["description"] for r in rows)


def test_syrian_national_council(loaded, shipped):
    rows = select(loaded, shipped, "syrian-national-council")
    assert columns(rows, "predicate", "value") == [
        (
            "kgv:endReason",
            "excluded due to her many declarations alerting the Syrian opposition about the "
            "rise of Muslim fundamentalists",
        ),
        ("schema:endDate", "2012-08"),
        ("schema:memberOf", "Syrian National Council"),
        ("schema:roleName", "member"),
    ]
    end_date = rows[1]
    assert end_date["quote"] == "She was a member of the Syrian National Council until August 2012"
    assert end_date["sourceCount"] == "3"
    assert end_date["sources"] == (
        "Entretien avec Randa Kassis, opposante et intellectuelle syrienne porte-parole de la "
        "Coalition des Forces Laïques et membre du Conseil National Syrien | France hails Syria "
        "council, develops contacts | Randa Kassis"
    )
    assert rows[0]["sources"] == "Randa Kassis"  # the reason: the article alone


# ---- provenance -----------------------------------------------------------------------------


def test_facts_with_sources_has_every_statement_and_its_sources(loaded, shipped):
    graph = loaded.graph
    rows = select(loaded, shipped, "facts-with-sources")
    assert len(rows) == len(statements(graph)) > 100
    assert {r["statement"] for r in rows} == {short(s) for s in statements(graph)}
    for row in rows:
        statement = iri(graph, row["statement"])
        sources = set(graph.objects(statement, PROV.wasDerivedFrom))
        assert row["sources"] == joined_titles(graph, sources), row["statement"]
        assert row["sourceCount"] == str(len(sources))
        assert row["quote"] == str(graph.value(statement, KGV.quote))
        assert short(graph.value(statement, KGV.fromClaim)) == row["claim"]
    spouse = [r for r in rows if r["predicate"] == "schema:spouse"]
    assert columns(spouse, "subjectLabel", "objectLabel", "quote", "sources") == [
        (
            "Randa Kassis",
            "Fabien Baussart",
            "Kassis is married to Fabien Baussart",
            "Fabien Baussart, l'intermédiaire proche de Moscou qui a fait venir Donald Trump Jr "
            "à Paris: Compagnon d'une opposante syrienne adoubée par le Kremlin, l'homme "
            "d'affaires cultive ses réseaux russes depuis le début des années 1990 | Randa Kassis",
        )
    ]


def test_article_only_facts(loaded, shipped):
    graph = loaded.graph
    rows = select(loaded, shipped, "article-only-facts")
    expected = {
        s for s in statements(graph) if set(graph.objects(s, PROV.wasDerivedFrom)) == {ARTICLE}
    }
    assert rows and {r["statement"] for r in rows} == {short(s) for s in expected}
    assert len(rows) == len(expected)
    lavrov = [r for r in rows if r["predicate"] == "schema:knows"]
    assert columns(lavrov, "subjectLabel", "objectLabel", "quote") == [
        ("Randa Kassis", "Sergey Lavrov", "She is a close friend of Sergey Lavrov")
    ]
    # A fact with a reference besides the article is not there.
    assert not [r for r in rows if r["predicate"] == "schema:spouse"]


def claims_citing_in_data_files(source: URIRef) -> set[URIRef]:
    """Claims whose prov:wasDerivedFrom names `source`, read from data/*.trig without kg.load."""
    claims = set()
    for path in sorted((REPO / "data").glob("*.trig")):
        dataset = Dataset()
        dataset.parse(path, format="trig")
        claims.update(dataset.default_graph.subjects(PROV.wasDerivedFrom, source))
    return {c for c in claims if str(c).startswith(str(CLAIM))}


def test_claims_by_source_for_the_wsj(loaded, shipped):
    rows = select(loaded, shipped, "claims-by-source", source="src:wsj-2016-11-23-trump-jr-talks")
    assert columns(rows, "claim", "subjectLabel", "predicateLabel", "objectLabel", "quote") == [
        (
            "claim:trump-jr-meeting-about-syria",
            "meeting of Donald Trump Jr. and Randa Kassis",
            "about",
            "Syria",
            "Donald Trump Jr. Held Talks on Syria With Russia Supporters",
        ),
        (
            "claim:trump-jr-meeting-attendees",
            "meeting of Donald Trump Jr. and Randa Kassis",
            "attendee",
            "Donald Trump Jr.",
            "Donald Trump Jr met Randa Kassis before US election",
        ),
        (
            "claim:trump-jr-meeting-attendees",
            "meeting of Donald Trump Jr. and Randa Kassis",
            "attendee",
            "Randa Kassis",
            "Donald Trump Jr met Randa Kassis before US election",
        ),
    ]
    assert {r["claim"] for r in rows} == {short(c) for c in claims_citing_in_data_files(WSJ)}
    # One row per triple of those claims, exactly.
    triples = sum(len(loaded.claims.graph(c)) for c in claims_citing_in_data_files(WSJ))
    assert len(rows) == triples


@pytest.mark.parametrize(
    "source",
    [
        "src:lemonde-2017-03-19-baussart",
        "src:bbc-russian-2018-01-31-sochi-congress",
        "src:wikipedia-randa-kassis",
    ],
)
def test_claims_by_source_matches_the_data_files(loaded, shipped, source):
    rows = select(loaded, shipped, "claims-by-source", source=source)
    expected = claims_citing_in_data_files(iri(loaded.graph, source))
    assert expected and {r["claim"] for r in rows} == {short(c) for c in expected}
    assert len(rows) == sum(len(loaded.claims.graph(c)) for c in expected)


def test_claims_by_source_of_an_unused_reference_is_empty(loaded, shipped):
    assert select(loaded, shipped, "claims-by-source", source="src:speakers-2014") == []


def test_trump_jr_connection(loaded, shipped):
    graph = loaded.graph
    rows = select(loaded, shipped, "trump-jr-connection")
    assert columns(rows, "predicate", "objectLabel", "sourceCount") == [
        ("schema:about", "Syria", "2"),
        ("schema:attendee", "Donald Trump Jr.", "5"),
        ("schema:attendee", "Randa Kassis", "5"),
        ("schema:location", "Paris", "2"),
        ("schema:organizer", "Fabien Baussart", "2"),
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


def test_is_fact_sourced(loaded, shipped):
    ask = get_query(shipped, "is-fact-sourced")

    def answer(subject: str, predicate: str, obj: str) -> bool:
        values = {"subject": subject, "predicate": predicate, "object": obj}
        return run(loaded.graph, ask, values).askAnswer

    assert answer("kgr:randa-kassis", "schema:spouse", "kgr:fabien-baussart") is True
    assert answer("kgr:randa-kassis", "schema:knows", "kgr:sergey-lavrov") is True
    assert answer("kgr:astana-platform-round-1", "kgv:moderator", "kgr:baghdad-amreyev") is True
    # Not asserted at all.
    assert answer("kgr:randa-kassis", "schema:spouse", "kgr:sergey-lavrov") is False
    # Asserted but exempt from provenance (a type): no statement, so not "sourced".
    assert (KASSIS, RDF.type, SDO.Person) in loaded.graph
    assert answer("kgr:randa-kassis", "rdf:type", "schema:Person") is False


def test_is_fact_sourced_exit_codes_through_the_cli():
    yes = invoke("query", "is-fact-sourced", "--param", "object=kgr:fabien-baussart")
    assert (yes.exit_code, yes.output) == (0, "true\n")
    no = invoke("query", "is-fact-sourced", "--param", "object=kgr:sergey-lavrov")
    assert (no.exit_code, no.output) == (1, "false\n")


@pytest.mark.parametrize("entity", ["kgr:astana-platform", "kgr:randa-kassis", "kgr:sochi"])
def test_entity_card(loaded, shipped, entity):
    graph = loaded.graph
    node = iri(graph, entity)
    card = run(graph, get_query(shipped, "entity-card"), {"entity": entity}).graph
    facts = set(graph.triples((node, None, None)))
    assert facts and facts <= set(card)
    about = {s for s in statements(graph) if graph.value(s, RDF.subject) == node}
    assert set(card.subjects(RDF.type, RDF.Statement)) == about
    for statement in about:
        assert card.value(statement, KGV.quote) == graph.value(statement, KGV.quote)
        assert set(card.objects(statement, PROV.wasDerivedFrom)) == set(
            graph.objects(statement, PROV.wasDerivedFrom)
        )
        for source in card.objects(statement, PROV.wasDerivedFrom):
            assert card.value(source, SDO.name) == graph.value(source, SDO.name)
    # Nothing else: every subject is the entity, one of its statements or one of their sources.
    sources = {o for s in about for o in graph.objects(s, PROV.wasDerivedFrom)}
    assert set(card.subjects()) <= {node} | about | sources


def test_entity_card_of_the_platform_as_turtle_through_the_cli():
    result = invoke("query", "entity-card", "--format", "turtle")
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
    outlet = graph.value(record, SDO.isPartOf) or graph.value(record, SDO.publisher)
    return str(graph.value(outlet, SDO.name)) if outlet else "(not stated)"


def test_sources_by_publisher(loaded, shipped):
    graph = loaded.graph
    rows = select(loaded, shipped, "sources-by-publisher")
    expected = grouped_titles(graph, lambda r: outlet_of(graph, r))
    assert {r["outletName"]: (int(r["sourceCount"]), r["titles"]) for r in rows} == expected
    assert sum(int(r["sourceCount"]) for r in rows) == 37
    assert columns(rows[:5], "outlet", "outletName", "outletType", "sourceCount") == [
        (None, "(not stated)", None, "6"),
        ("kgr:le-monde", "Le Monde", "Periodical", "2"),
        ("kgr:reuters", "Reuters", "Organization", "2"),
        ("kgr:the-astana-times", "The Astana Times", "Periodical", "2"),
        ("kgr:the-guardian", "The Guardian", "Periodical", "2"),
    ]
    santegidio = [r for r in rows if r["outlet"] == "kgr:santegidio-org"]
    assert columns(santegidio, "outletType", "sourceCount") == [("WebSite", "1")]  # not twice


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
        ("2016-06-08", "src:book-2016-comprendre-le-chaos-syrien", "L'Artilleur", "8"),
        ("2016-10-04", "src:lemonde-2016-10-04-squarcini", "Le Monde", "0"),
        ("2016-11-23", "src:wsj-2016-11-23-trump-jr-talks", "Wall Street Journal", "3"),
        ("2016-11-23", "src:guardian-2016-11-23-trump-son", "The Guardian", "8"),
        ("2016-11-24", "src:mee-2016-11-24-trump-son", "Middle East Eye", "2"),
    ]
    graph = loaded.graph
    for row in rows:
        record = iri(graph, row["source"])
        assert int(row["statementCount"]) == len(set(graph.subjects(PROV.wasDerivedFrom, record)))


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
        run(loaded.graph, get_query(shipped, "sources-published-in"), {"year": "twenty"})


def test_sources_by_support(loaded, shipped):
    graph = loaded.graph
    rows = select(loaded, shipped, "sources-by-support")
    assert len(rows) == len(source_records(graph)) == 37
    for row in rows:
        record = iri(graph, row["source"])
        citing = set(graph.subjects(PROV.wasDerivedFrom, record))
        claims = {graph.value(s, KGV.fromClaim) for s in citing}
        assert (int(row["statementCount"]), int(row["claimCount"])) == (len(citing), len(claims))
    assert rows[0]["source"] == "src:wikipedia-randa-kassis"
    assert rows[0]["statementCount"] == str(len(statements(graph)))  # the article backs them all
    counts = [int(r["statementCount"]) for r in rows]
    assert counts == sorted(counts, reverse=True)


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
    counts = [int(r["count"]) for r in rows]
    assert counts == sorted(counts, reverse=True)


def test_entities_named(loaded, shipped):
    graph = loaded.graph
    rows = select(loaded, shipped, "entities-named")  # default: Astana
    entities = {r["entity"] for r in rows}
    assert {
        "kgr:astana",
        "kgr:astana-platform",
        "kgr:astana-platform-round-1",
        "kgr:astana-platform-round-2",
        "kgr:moscow-astana-group",
        "kgr:the-astana-times",
        "src:astanaplatform-com",
    } <= entities
    astana = [r for r in rows if r["entity"] == "kgr:astana"]
    assert columns(astana, "matchedName", "language", "types") == [("Astana", "en", "City")]
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
    assert [b["event"]["value"].rsplit("/", 1)[1] for b in bindings] == [
        "geneva-peace-talks-2014",
        "geneva-peace-talks-2016",
        "syrian-constitution-drafting-2017",
        "syrian-national-congress-2018",
        "rome-road-map-2018",
        "trump-jr-kassis-meeting",
    ]
    congress = bindings[3]
    assert congress["date"] == {"type": "literal", "datatype": str(XSD.date), "value": "2018-01-30"}


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
    assert lines[0] == "?claim\t?subjectLabel\t?predicateLabel\t?objectLabel\t?quote\t?statement"
    assert len(lines) == 4
    assert lines[1].startswith(
        "<https://kg.example.org/kassis/claim/trump-jr-meeting-about-syria>\t"
        '"meeting of Donald Trump Jr. and Randa Kassis"@en\t"about"\t"Syria"@en\t'
    )


def test_astana_rounds_markdown_through_the_cli():
    result = invoke("query", "astana-rounds", "--format", "markdown")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 4  # header, rule, two rounds
    assert "| Baghdad Amreyev | Kazakh Ambassador | Erland Idrissov |" in lines[2]
    assert "| Fabien Baussart |" in lines[3]
