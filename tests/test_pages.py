"""The pages for people (`kg serve`): home, entity, source, query and error pages.

Each test asks the real app (Starlette's TestClient runs its lifespan: the graph and two query
workers) and checks what a reader sees: the words, the links, the languages, the status codes.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, SDO
from starlette.testclient import TestClient

from kg.namespaces import KGR, KGV, SRC
from kg.queries import list_queries
from kg.tree import find_tree
from kg.validate import count
from kg.web.app import Settings, create_app

from .conftest import REPO

HTML = {"accept": "text/html"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element] = []
        self.parts: list[str] = []

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>{self.text[:60]}"


class Page(HTMLParser):
    """A page parsed into elements, each knowing its whole text, to ask what is where."""

    VOID = frozenset({"meta", "link", "input", "br", "hr", "img"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self.open[-1] if self.open else None)
        self.elements.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index].tag == tag:
                del self.open[index:]
                return

    def handle_data(self, data):
        for element in self.open:
            element.parts.append(data)

    def find(self, tag: str | None = None, text: str | None = None, **attrs: str) -> list[Element]:
        """Elements by tag, by a piece of their text, and by exact attribute values."""
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag)
            and (text is None or text in e.text)
            and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def links(self) -> set[str]:
        return {e.attrs["href"] for e in self.elements if e.tag == "a" and e.attrs.get("href")}


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(find_tree(REPO))) as client:
        yield client


@pytest.fixture(scope="module")
def limited():
    """An app with a 1 s time limit and a 5-row cap, to see errors and notices on the page."""
    settings = Settings(timeout=1, max_rows=5, workers=1)
    with TestClient(create_app(find_tree(REPO), settings)) as client:
        yield client


def get(client: TestClient, url: str, status: int = 200) -> Page:
    response = client.get(url, headers=HTML)
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text
    assert response.text.startswith('<!doctype html>\n<html lang="en">')
    return Page(response.text)


# --- home --------------------------------------------------------------------------------------


def test_home_says_what_the_graph_holds(client, loaded):
    page = get(client, "/")
    counts = {e.text: e.parent for e in page.find("dt")}
    for key in ("triples", "facts", "statements", "sources", "entities"):
        assert key in counts, key
        assert counts[key].text == f"{key}{count(loaded)[key]:,}"
    assert page.find("a", "Randa Kassis", href="/id/randa-kassis")
    assert page.find(lang="ar", dir="rtl", text="رندة قسيس")


def test_home_lists_every_saved_query_with_a_form(client, shipped):
    page = get(client, "/")
    saved = list_queries(shipped)
    assert len(saved) > 10
    for query in saved:
        (section,) = page.find("section", id=f"q-{query.name}")
        assert query.summary in section.text
        for tag in query.tags:
            assert page.find("li", tag, class_="tag")
        action = f"/query/{query.name}"
        (form,) = [e for e in page.find("form", action=action) if e.parent is section]
        assert form.attrs["method"] == "get"
        fields = [e for e in page.find("input") if inside(e, form)]
        assert [f.attrs["name"] for f in fields] == [p.name for p in query.parameters]
        for field, parameter in zip(fields, query.parameters, strict=True):
            assert field.attrs["value"] == (parameter.default or "")
            assert ("required" in field.attrs) == parameter.required


def inside(element: Element, ancestor: Element) -> bool:
    while element.parent is not None:
        if element.parent is ancestor:
            return True
        element = element.parent
    return False


# --- entity pages --------------------------------------------------------------------------


def test_entity_page_shows_names_in_every_language(client):
    page = get(client, "/id/randa-kassis")
    assert page.find("h1", "Randa Kassis")
    (arabic,) = page.find("span", "رندة قسيس", lang="ar")
    assert arabic.attrs["dir"] in ("rtl", "auto")
    assert page.find("span", "Randa Kassis", lang="en")
    assert page.find(text="schema:Person")


def test_entity_page_gives_each_fact_with_its_quote_and_sources(client):
    page = get(client, "/id/randa-kassis")
    # the fact as authored, and its inverse (Fabien Baussart — spouse — Randa Kassis), marked
    authored, inverse = (q.parent for q in page.find("blockquote", "Kassis is married to Fabien"))
    assert authored.tag == inverse.tag == "li"
    assert (authored.attrs["class"], inverse.attrs["class"]) == ("fact", "fact inverse")
    fact = authored
    assert "Randa Kassis — spouse — Fabien Baussart" in fact.text
    links = {e.attrs["href"] for e in page.find("a") if inside(e, fact)}
    assert {
        "/id/fabien-baussart",
        "/source/lemonde-2017-03-19-baussart",
        "/source/wikipedia-randa-kassis",
        "/id/le-monde",
    } <= links
    (title,) = [
        e for e in page.find("a", href="/source/lemonde-2017-03-19-baussart") if inside(e, fact)
    ]
    assert title.attrs["lang"] == "fr"
    assert title.text.startswith("Fabien Baussart, l'intermédiaire proche de Moscou")
    assert "Le Monde, 2017-03-19 (fr)" in fact.text


def test_entity_page_gives_every_source_its_reason_and_every_fact_its_outlets(client):
    page = get(client, "/id/randa-kassis")
    facts = page.find("li", class_="fact") + page.find("li", class_="fact inverse")
    assert facts
    for fact in facts:
        sources = [e for e in page.find("ul", class_="sources") if e.parent is fact]
        items = [e for e in page.elements if e.tag == "li" and e.parent in sources]
        reasons = [e for e in page.find("span", class_="reason") if inside(e, fact)]
        assert len(reasons) == len(items) >= 1, fact.text
        (support,) = [e for e in page.find("p", class_="support meta") if e.parent is fact]
        assert re.fullmatch(
            r"\d+ independent outlets?(: .+| \(the evidence text alone\))", support.text
        )
    (inverse,) = [f for f in facts if "spouse" in f.text and "inverse" in f.attrs["class"]]
    assert inverse.text.startswith("Fabien Baussart — spouse — Randa Kassis")
    assert page.find("p", "Inverse of the authored fact Randa Kassis — spouse — Fabien Baussart")


def test_entity_page_has_the_facts_naming_it_as_object(client):
    page = get(client, "/id/fabien-baussart")
    (mentioned,) = page.find("h2", id="mentioned-in")
    assert mentioned.text.startswith("Mentioned in")
    assert page.find("li", "Randa Kassis — spouse — Fabien Baussart", class_="fact")
    assert "/id/randa-kassis" in page.links()


def test_entity_page_links_every_entity_it_names(client, loaded):
    page = get(client, "/id/randa-kassis")
    named = {
        o
        for s in loaded.graph.subjects(RDF.subject, KGR["randa-kassis"])
        for o in [loaded.graph.value(s, RDF.object)]
        if str(o).startswith(str(KGR))
    }
    assert named
    assert {f"/id/{str(o)[len(str(KGR)) :]}" for o in named} <= page.links()


def test_entity_labels_in_facts_keep_their_language(client):
    page = get(client, "/id/randa-kassis")
    books = page.find("a", href="/id/book-le-chaos-syrien")  # in the summary and a fact
    assert len(books) == 2
    for book in books:
        assert book.attrs["lang"] == "fr"
        assert book.text == "Le Chaos Syrien, printemps arabes et minorités face à l'islamisme"


def test_entity_page_offers_turtle_and_json_ld(client):
    page = get(client, "/id/randa-kassis")
    (alternate,) = page.find("link", rel="alternate", type="text/turtle")
    assert alternate.attrs["href"] == "/id/randa-kassis?format=turtle"
    assert page.find("a", "Turtle", href="/id/randa-kassis?format=turtle")
    assert page.find("a", "JSON-LD", href="/id/randa-kassis?format=json-ld")


def test_entity_alias_path(client):
    assert get(client, "/entity/randa-kassis").find("h1", "Randa Kassis")


def test_entity_page_names_the_source_records_that_name_it(client):
    page = get(client, "/id/le-monde")
    assert "/source/lemonde-2017-03-19-baussart" in page.links()


def test_entity_turtle_carries_the_statements_of_its_facts(client):
    response = client.get("/id/randa-kassis?format=turtle")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    quoted = set(graph.subjects(KGV.quote, Literal("Kassis is married to Fabien Baussart")))
    (inverse,) = {s for s in quoted if (s, KGV.inverseOf, None) in graph}
    (spouse,) = quoted - {inverse}
    assert graph.value(inverse, KGV.inverseOf) == spouse
    assert graph.value(inverse, RDF.subject) == KGR["fabien-baussart"]
    assert graph.value(spouse, RDF.subject) == KGR["randa-kassis"]
    assert graph.value(spouse, RDF.predicate) == SDO.spouse
    assert graph.value(spouse, RDF.object) == KGR["fabien-baussart"]
    assert set(graph.objects(spouse, PROV.wasDerivedFrom)) == {
        SRC["wikipedia-randa-kassis"],
        SRC["lemonde-2017-03-19-baussart"],
    }
    assert (KGR["randa-kassis"], SDO.spouse, KGR["fabien-baussart"]) in graph
    assert (KGR["randa-kassis"], SDO.name, Literal("رندة قسيس", lang="ar")) in graph
    # the facts naming her as object come with their statements too
    assert any(graph.triples((None, RDF.object, KGR["randa-kassis"])))


def test_entity_json_ld_parses(client):
    response = client.get("/id/fabien-baussart?format=json-ld")
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="json-ld")
    assert (KGR["randa-kassis"], SDO.spouse, KGR["fabien-baussart"]) in graph


# --- source pages --------------------------------------------------------------------------


def test_source_page_lists_its_fields_and_the_facts_it_supports(client):
    page = get(client, "/source/astana-times-2015-05-29-tentative-headway")
    assert page.find("h1", "Syrian Opposition Meeting in Astana Makes Tentative Headway")
    fields = {e.text: e for e in page.find("dt")}
    assert {"Title", "Authors", "Published in", "Date", "Language", "Retrieved"} <= set(fields)
    assert page.find("a", "The Astana Times", href="/id/the-astana-times")
    assert page.find("blockquote", "The Astana Times. Retrieved 2019-10-25.", class_="citation")
    (moderator,) = page.find("li", "moderator", class_="fact")
    assert "first round of the Astana platform — moderator — Baghdad Amreyev" in moderator.text
    assert page.find(
        "blockquote",
        "The first round of the Astana platform was moderated by Kazakh Ambassador Baghdad Amreyev",
    )
    assert {"/id/astana-platform-round-1", "/id/baghdad-amreyev"} <= page.links()


def test_source_page_of_a_french_article(client):
    page = get(client, "/source/lemonde-2017-03-19-baussart")
    (title,) = page.find("h1")
    (span,) = [e for e in page.find("span", lang="fr") if e.parent is title]
    assert span.text.startswith("Fabien Baussart, l'intermédiaire")
    assert page.find("span", lang="en", text="the Moscow-close intermediary")
    assert {"/id/helene-sallon", "/id/benoit-vitkine", "/id/le-monde"} <= page.links()
    assert page.find("li", "Randa Kassis — spouse — Fabien Baussart", class_="fact")


def test_source_page_of_the_article_lists_its_reference_list(client, loaded):
    page = get(client, "/source/wikipedia-randa-kassis")
    cited = set(loaded.graph.objects(SRC["wikipedia-randa-kassis"], SDO.citation))
    assert len(cited) > 30
    assert {f"/source/{str(s)[len(str(SRC)) :]}" for s in cited} <= page.links()


def test_source_turtle_carries_the_statements_derived_from_it(client, loaded):
    response = client.get(
        "/source/astana-times-2015-05-29-tentative-headway?format=turtle", headers=HTML
    )
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    source = SRC["astana-times-2015-05-29-tentative-headway"]
    derived = set(loaded.graph.subjects(PROV.wasDerivedFrom, source))
    assert derived == set(graph.subjects(PROV.wasDerivedFrom, source))
    for statement in derived:
        assert graph.value(statement, KGV.quote) is not None


# --- errors ------------------------------------------------------------------------------------


def test_unknown_entity_is_a_404_page(client):
    page = get(client, "/id/does-not-exist", 404)
    assert page.find("h1", "404")
    assert page.find("p", "no entity kgr:does-not-exist in the graph")


def test_unknown_source_is_a_404_page(client):
    page = get(client, "/source/randa-kassis", 404)
    assert page.find(text="no source record src:randa-kassis")


@pytest.mark.parametrize(
    "path",
    [
        "/id/..%2F..%2Fetc%2Fpasswd",
        "/id/../../etc/passwd",
        "/source/..%2Fpyproject.toml",
        "/id/%2e%2e",
        "/id/randa-kassis%2F..",
        "/id/randa-kassis/",
        "/id/",
        "/id/Randa%20Kassis",
        "/id/%00",
        "/source/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    ],
)
def test_odd_paths_are_a_clean_404(client, path):
    response = client.get(path, headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text
    assert "<script>" not in response.text
    assert "root:" not in response.text


def test_unknown_entity_as_turtle_is_a_404(client):
    response = client.get("/id/does-not-exist?format=turtle")
    assert response.status_code == 404


# --- the query page ------------------------------------------------------------------------


def test_query_page_offers_an_example_that_runs(client):
    page = get(client, "/query")
    (textarea,) = page.find("textarea", name="query")
    assert "kgr:randa-kassis" in textarea.text
    (form,) = page.find("form", action="/query")
    assert form.attrs["method"] == "get"
    example = "".join(textarea.parts).strip()
    answer = get(client, f"/query?query={quote(example)}")
    assert answer.find("blockquote") == []  # a table, not facts
    assert answer.find("td", "Kassis is married to Fabien Baussart")


def test_saved_query_by_name_shows_a_table(client):
    page = get(client, "/query/books")
    assert page.find("h1", "books")
    cells = {e.text for e in page.find("td")}
    assert {"9781492880608", "9791093501031", "9782810007318", "9782940523634"} <= cells
    books = {link for link in page.links() if link.startswith("/id/book-")}
    assert len(books) == 4
    assert page.find("p", "4 rows")
    assert page.find("span", "Le Chaos Syrien", lang="fr")


def test_saved_query_with_a_parameter_called_name(client):
    page = get(client, "/query/entities-named?name=Baussart")
    assert "/id/fabien-baussart" in page.links()
    assert "/source/lemonde-2017-03-19-baussart" in page.links()
    (field,) = page.find("input", name="name", id="p-name")
    assert field.attrs["value"] == "Baussart"


def test_saved_query_empty_field_is_left_out(client):
    """An emptied field is a parameter left out, as in grlc: the default only fills the form."""
    page = get(client, "/query/claims-by-source?source=", 400)
    (error,) = page.find("section", class_="error")
    assert "query 'claims-by-source' needs the parameter source" in error.text
    page = get(client, "/query/timeline?from=&to=2013-12-31")  # optional: unbound
    assert page.find("td", "kgr:book-crypts-of-the-gods")


def test_saved_query_with_a_bad_parameter_says_why(client):
    page = get(client, "/query/sources-published-in?year=twenty", 400)
    (error,) = page.find("section", class_="error")
    assert "Error 400" in error.text
    assert "parameter 'year' takes an xsd:gYear (e.g. 2015), not 'twenty'" in error.text


def test_unknown_saved_query_suggests_one(client):
    page = get(client, "/query/book", 404)
    assert page.find(text="unknown query 'book' — did you mean 'books'?")


def test_ask_and_construct_on_the_query_page(client):
    spouse = "subject=kgr:randa-kassis&predicate=schema:spouse&object=kgr:fabien-baussart"
    page = get(client, "/query/is-fact-sourced?" + spouse)
    assert page.find("p", "true", class_="answer")
    page = get(client, "/query/entity-card?entity=kgr:fabien-baussart")
    (turtle,) = page.find("pre", "kgr:fabien-baussart")
    assert Graph().parse(data="".join(turtle.parts), format="turtle")


def test_malformed_and_update_queries_are_errors_on_the_page(client):
    page = get(client, "/query?query=" + quote("SELECT ?s WHERE { ?s ?p }"), 400)
    assert page.find("section", "malformed SPARQL", class_="error")
    page = get(client, "/query?query=" + quote("DELETE WHERE { ?s ?p ?o }"), 400)
    assert page.find("section", "SPARQL Update (DELETE) is not allowed", class_="error")


def test_query_text_is_escaped(client):
    text = "</textarea><script>alert(1)</script> SELECT"
    response = client.get("/query?query=" + quote(text), headers=HTML)
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;/textarea&gt;&lt;script&gt;" in response.text


def test_runaway_query_is_stopped_with_a_message(limited):
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    page = get(limited, "/query?query=" + quote(runaway), 503)
    (error,) = page.find("section", class_="error")
    assert re.search(r"Error 503 .*time limit", error.text)
    assert "SELECT (COUNT(*) AS ?n)" in page.find("textarea")[0].text


def test_truncated_results_say_so(limited):
    page = get(limited, "/query?query=" + quote("SELECT * WHERE { ?s ?p ?o }"))
    assert page.find("p", "results cut at 5 rows", class_="notice")
    assert len(page.find("tr")) == 1 + 5


# --- the entity page at a glance: summary box and contents ------------------------------------


def _summary_rows(page) -> dict[str, list]:
    """The summary box's rows: the <li> items under each <dt>, by the <dt>'s words."""
    (box,) = page.find("aside", class_="summary")
    rows: dict[str, list] = {}
    current = None
    for element in page.elements:
        if not inside(element, box):
            continue
        if element.tag == "dt":
            current = rows.setdefault(element.text, [])
        elif element.tag == "li" and current is not None:
            current.append(element)
    return rows


def _stated_objects(loaded, subject, predicate) -> set:
    graph = loaded.graph
    return {
        graph.value(s, RDF.object)
        for s in graph.subjects(RDF.subject, subject)
        if graph.value(s, RDF.predicate) == predicate
    }


def test_summary_lists_her_books_with_their_stated_dates_in_date_order(client, loaded):
    graph = loaded.graph
    page = get(client, "/id/randa-kassis")
    books = _summary_rows(page)["Books"]
    authored = {
        graph.value(s, RDF.subject)
        for s in graph.subjects(RDF.object, KGR["randa-kassis"])
        if graph.value(s, RDF.predicate) == SDO.author
    }
    shown = [next(a for a in page.find("a") if inside(a, li)).attrs["href"] for li in books]
    assert set(shown) == {f"/id/{str(b)[len(str(KGR)) :]}" for b in authored}
    dates = [min(str(d) for d in _stated_objects(loaded, b, SDO.datePublished)) for b in authored]
    assert len(shown) == 4 and sorted(dates) == [
        min(str(d) for d in _stated_objects(loaded, KGR[h.removeprefix("/id/")], SDO.datePublished))
        for h in shown
    ]
    (chaos,) = [li for li in books if "Le Chaos Syrien" in li.text]
    assert "(2014)" in chaos.text  # a year stays a year: no month or day is made up


def test_summary_roles_keep_former_and_until_as_the_facts_say(client):
    page = get(client, "/id/randa-kassis")
    rows = _summary_rows(page)["Roles"]
    roles = {li.text.split(" (")[0].removesuffix(" ↓ fact"): li.text for li in rows}
    council = roles["Randa Kassis, member of the Syrian National Council"]
    assert "(until August 2012)" in council
    assert "(former)" in roles["Randa Kassis, President of the Astana Platform"]
    assert "(founder)" in roles["Astana Platform"]
    delegation = roles[
        "Randa Kassis, Co-President of the Syrian secular and democratic opposition delegation"
    ]
    assert "(" not in delegation  # no date or "former" is stated for it


def test_every_summary_line_links_to_the_fact_card_that_states_it(client, loaded):
    page = get(client, "/id/randa-kassis")
    targets = [a.attrs["href"] for a in page.find("a", class_="to-fact")]
    assert len(targets) == sum(len(items) for items in _summary_rows(page).values())
    for target in targets:
        path, _, anchor = target.partition("#")
        shown = get(client, path)
        (card,) = shown.find("li", id=anchor)
        assert "fact" in card.attrs["class"].split()
        statement = URIRef(str(KGR).replace("/id/", "/statement/") + anchor)
        assert (statement, RDF.type, RDF.Statement) in loaded.graph


def test_contents_link_every_topic_heading_and_every_fact_is_under_one(client, loaded):
    page = get(client, "/id/randa-kassis")
    (toc,) = page.find("nav", class_="toc")
    anchors = [a.attrs["href"].removeprefix("#") for a in page.find("a") if inside(a, toc)]
    for anchor in anchors:
        assert page.find(None, id=anchor), anchor
    cards = [li for li in page.find("li") if "fact" in li.attrs.get("class", "").split()]
    stated = set(loaded.graph.subjects(RDF.subject, KGR["randa-kassis"])) | set(
        loaded.graph.subjects(RDF.object, KGR["randa-kassis"])
    )
    assert len(cards) == len(stated)
    topics = page.find("h3", class_="topic")
    assert {h.attrs["id"] for h in topics} <= set(anchors)
    for card in cards:  # under a topic heading: the last h3 before it is a topic
        before = page.elements[: page.elements.index(card)]
        assert next(e for e in reversed(before) if e.tag in ("h2", "h3")) in topics


# --- the pictures on pages: kg.timeline and kg.network -----------------------------------------


def test_her_page_shows_the_timeline_with_a_mark_for_each_dated_fact(client, loaded):
    from kg.timeline import timeline

    response = client.get("/id/randa-kassis", headers=HTML)
    drawn = timeline(loaded, KGR["randa-kassis"])
    marks = re.findall(r'<g class="mark[^"]*"[^>]*data-statement="([^"]+)"', response.text)
    assert marks and len(marks) == len(drawn.items)
    records = {i.record for i in drawn.items if i.kind == "article"}
    assert records  # articles whose titles name her, at their dates of publication
    assert set(" ".join(marks).split()) == drawn.statements | records


def test_her_page_shows_her_neighbours_each_linking_to_its_page(client, loaded):
    from kg.network import network

    html = client.get("/id/randa-kassis", headers=HTML).text
    assert Page(html).find("h2", id="network")
    drawn = network(loaded, KGR["randa-kassis"], 1)
    pages = {f"/id/{v.iri.rsplit('/', 1)[-1]}" for v in drawn.vertices}
    linked = set(re.findall(r'<a xlink:href="(/id/[^"#]+)"', html.split('id="network"')[1]))
    assert len(pages) > 5 and pages == linked


@pytest.mark.parametrize(
    ("path", "media"),
    [
        ("/timeline?format=json", "application/json"),
        ("/timeline?format=svg", "image/svg+xml"),
        ("/network/randa-kassis?format=dot", "text/vnd.graphviz; charset=utf-8"),
        ("/network/randa-kassis?depth=1&format=json", "application/json"),
    ],
)
def test_pictures_as_data_are_the_cli_s_bytes(client, path, media):
    from click.testing import CliRunner

    from kg.cli import cli

    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == media
    kind = "timeline" if path.startswith("/timeline") else "network"
    fmt = path.rsplit("format=", 1)[1]
    args = [kind, "--format", fmt] if kind == "timeline" else [kind, "kgr:randa-kassis"]
    if kind == "network":
        depth = "1" if "depth=1" in path else "2"
        args += ["--depth", depth, "--format", fmt]
    result = CliRunner().invoke(cli, ["--root", str(REPO), *args])
    assert result.exit_code == 0, result.output
    assert response.text == result.output


def test_picture_pages_refuse_unknown_entities_depths_and_formats(client):
    assert client.get("/network/nobody-here", headers=HTML).status_code == 404
    assert client.get("/network/randa-kassis?depth=9", headers=HTML).status_code == 400
    refused = client.get("/timeline?format=png")
    assert refused.status_code == 400
    assert refused.json()["error"] == "format 'png' is not offered here; use svg, json"
    page = get(client, "/network/randa-kassis?depth=1")
    assert page.find("svg", role="img")


# --- "Cite this" on source and book pages: kg.cite's text ---------------------------------------


@pytest.mark.parametrize(
    ("path", "curie"),
    [
        ("/source/guardian-2016-11-23-trump-son", "src:guardian-2016-11-23-trump-son"),
        ("/id/book-crypts-of-the-gods", "kgr:book-crypts-of-the-gods"),
    ],
)
def test_cite_this_shows_and_downloads_what_kg_cite_writes(client, path, curie):
    from click.testing import CliRunner

    from kg.cli import cli

    page = get(client, path)
    for fmt in ("bibtex", "ris", "csl-json"):
        expected = CliRunner().invoke(cli, ["--root", str(REPO), "cite", curie, "--format", fmt])
        assert expected.exit_code == 0, expected.output
        (shown,) = page.find("pre", class_="citation", **{"data-format": fmt})
        assert " ".join(shown.parts[0].split()) == " ".join(expected.output.split())
        downloaded = client.get(f"{path}?format={fmt}")
        assert downloaded.status_code == 200
        assert downloaded.text == expected.output


def test_only_sources_and_books_can_be_cited(client):
    assert not get(client, "/id/randa-kassis").find("section", class_="cite")
    refused = client.get("/id/randa-kassis?format=bibtex")
    assert refused.status_code == 400
    assert refused.json()["error"] == (
        "kgr:randa-kassis is not a source record or a book: it has no citation"
    )
