"""Finding things on the pages (`kg serve`): the search box and /search, and /article, the
Wikipedia article with every quote marked and linking to its statement.

The expected hits and highlights are computed from the graph (names, outlets, quotes, the
article's statements and coverage), never written out, so an edit to data/ keeps them true.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from html.parser import HTMLParser
from threading import Lock
from urllib.parse import quote

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS, SDO
from starlette.testclient import TestClient

from kg.coverage import coverage
from kg.namespaces import KGR, KGV, SRC
from kg.tree import find_tree
from kg.web.app import Settings, create_app

from .conftest import REPO
from .test_pages import HTML, Element, Page, get

ARTICLE = SRC["wikipedia-randa-kassis"]
NAMES = (SDO.name, SDO.alternateName, RDFS.label)


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(find_tree(REPO), Settings(workers=1))) as client:
        yield client


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def local(iri: object) -> str:
    return str(iri).rsplit("/", 1)[-1]


def section(page: Page, plural: str) -> Element | None:
    found = page.find("section", id=plural)
    return found[0] if found else None


def hit_links(page: Page, plural: str) -> list[str]:
    """The links of the hits of one kind, in rank order (each hit's first link)."""
    group = section(page, plural)
    if group is None:
        return []
    hits = [e for e in page.elements if e.tag == "li" and e.attrs.get("class") == "hit"]
    links = []
    for hit in hits:
        if not _inside(hit, group):
            continue
        first = next(e for e in page.elements if e.tag == "a" and _inside(e, hit))
        links.append(first.attrs["href"])
    return links


def _inside(element: Element, ancestor: Element) -> bool:
    while element is not None:
        if element is ancestor:
            return True
        element = element.parent
    return False


# --- the search box ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", "/id/randa-kassis", f"/source/{local(ARTICLE)}", "/query", "/article", "/search"]
)
def test_every_page_has_the_search_box_in_its_header(client, url):
    page = get(client, url)
    forms = [
        f for f in page.find("form", role="search", action="/search") if f.parent.tag == "header"
    ]
    assert len(forms) == 1 and forms[0].attrs["method"] == "get"
    (box,) = [e for e in page.find("input", name="q") if _inside(e, forms[0])]
    assert page.find("label", for_=box.attrs["id"])


def test_a_search_keeps_its_words_in_the_box(client):
    page = get(client, "/search?q=Kurds")
    assert page.find("input", id="site-search-q")[0].attrs["value"] == "Kurds"


# --- /search -----------------------------------------------------------------------------------


def test_empty_search_is_the_form_alone(client):
    for url in ("/search", "/search?q=", "/search?q=%20%20"):
        page = get(client, url)
        assert page.find("form", action="/search") and not page.find("p", id="summary")
        assert not page.find("mark")


def test_astana_lists_the_platform_its_rounds_and_the_astana_times(client, loaded):
    graph = loaded.graph
    platform = KGR["astana-platform"]
    rounds = {f"/id/{local(r)}" for r in graph.subjects(KGV.roundOf, platform)}
    assert len(rounds) >= 2
    named_astana = {
        f"/id/{local(node)}"
        for p in NAMES
        for node, name in graph.subject_objects(p)
        if str(node).startswith(str(KGR))
        and (node, RDF.type, KGV.SourceRecord) not in graph
        and re.search(r"\bastana", fold(str(name)))
    }
    records = set(graph.subjects(RDF.type, KGV.SourceRecord))
    astana_times = {
        f"/source/{local(record)}"
        for record in records
        for p in (SDO.isPartOf, SDO.publisher)
        for outlet in graph.objects(record, p)
        if any("Astana Times" in str(n) for q in NAMES for n in graph.objects(outlet, q))
    } | {
        f"/source/{local(record)}"
        for record in records
        if any("Astana Times" in str(t) for t in graph.objects(record, SDO.name))
    }
    assert len(astana_times) >= 2

    page = get(client, "/search?q=Astana")
    entities = hit_links(page, "entities")
    assert entities[0] == "/id/astana-platform"
    assert rounds <= set(entities)
    assert astana_times <= set(hit_links(page, "sources"))
    every = get(client, "/search?q=Astana&type=entity")
    assert set(hit_links(every, "entities")) == named_astana
    assert not section(every, "sources") and not section(every, "facts")
    for mark in page.find("mark"):
        assert fold(mark.text).startswith("astana"), mark


def test_kasis_finds_randa_kassis_and_says_what_it_searched(client):
    page = get(client, "/search?q=Kasis")
    assert "/id/randa-kassis" in hit_links(page, "entities")
    (notice,) = page.find("p", class_="notice")
    assert "Kasis" in notice.text and "kassis" in notice.text


def test_kurds_lists_every_fact_whose_quote_says_kurds(client, loaded):
    graph = loaded.graph
    expected = {
        f"/id/{local(graph.value(st, RDF.subject))}#{local(st)}": str(q)
        for st, q in graph.subject_objects(KGV.quote)
        if (st, RDF.type, RDF.Statement) in graph
        and (st, KGV.inverseOf, None) not in graph
        and re.search(r"\bkurds", str(q), re.IGNORECASE)
    }
    assert expected
    page = get(client, "/search?q=Kurds")
    facts = hit_links(page, "facts")
    assert sorted(facts) == sorted(expected)
    quotes = {b.text for b in page.find("blockquote")}
    assert {" ".join(q.split()) for q in expected.values()} <= quotes
    for block in page.find("blockquote"):
        assert [m.text for m in page.find("mark") if m.parent is block] == ["Kurds"] * str(
            block.text
        ).count("Kurds")
    # each fact's link opens its statement's card on its subject's page
    target = facts[0]
    path, anchor = target.split("#")
    assert get(client, path).find("li", id=anchor)


def test_hits_link_to_pages_that_exist(client):
    page = get(client, "/search?q=Trump")
    for plural in ("entities", "sources", "facts"):
        links = hit_links(page, plural)
        assert links, plural
        client_page = get(client, links[0].split("#")[0])
        if "#" in links[0]:
            assert client_page.find(id=links[0].split("#")[1])


def test_search_text_and_hits_are_escaped(client):
    response = client.get(
        "/search?q=" + quote('<script>alert("x")</script> Trump\'s'), headers=HTML
    )
    assert response.status_code == 200
    assert "<script>" not in response.text and "alert(&#34;x&#34;)" in response.text
    # a title with quotes and apostrophes: escaped, with <mark> the only markup added
    page = get(client, "/search?q=" + quote("Trump's son"))
    assert "Trump&#39;s" in client.get("/search?q=" + quote("Trump's son"), headers=HTML).text
    assert page.find("mark")


def test_a_search_with_no_word_is_a_400_page_with_one_line(client):
    page = get(client, "/search?q=" + quote("!!! ???"), status=400)
    (error,) = page.find("p", class_="error")
    assert "nothing to search for" in error.text and "\n" not in error.text


def test_an_unknown_type_is_a_400(client):
    page = get(client, "/search?q=Kurds&type=books", status=400)
    assert "entity, source, fact" in page.find("p", class_="error")[0].text


def test_search_as_json(client):
    response = client.get("/search?q=Kurds&type=fact&format=json")
    assert response.status_code == 200
    answer = response.json()
    assert answer["query"] == "Kurds" and set(answer["totals"]) == {"fact"}
    assert all(hit["kind"] == "fact" for hit in answer["hits"])
    page = get(client, "/search?q=Kurds&type=fact")
    assert [hit["url"] for hit in answer["hits"]] == hit_links(page, "facts")
    for bad in ("!!!", ""):
        refused = client.get(f"/search?q={bad}&format=json")
        assert refused.status_code == 400 and "nothing to search for" in refused.json()["error"]


def test_the_index_is_made_once_per_generation(client):
    state = client.app.state.kg
    get(client, "/search?q=Kassis")
    first = state.generation
    index = first.index
    assert index is not None
    get(client, "/search?q=Astana")
    assert first.index is index
    # the next generation (kg serve --reload) makes its own, at its first search
    state.generation = dataclasses.replace(first, number=2, index=None, indexing=Lock())
    try:
        assert "/id/kurds" in hit_links(get(client, "/search?q=Kurds"), "entities")
        assert state.generation.index is not None and state.generation.index is not index
        assert first.index is index
    finally:
        state.generation = first


# --- /article ----------------------------------------------------------------------------------


class Strict(HTMLParser):
    """Fails on markup that does not nest: every end tag closes the element opened last."""

    VOID = frozenset({"meta", "link", "input", "br", "hr", "img"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, (tag, self.open[-5:])
        self.open.pop()


def highlights(page: Page, within: Element | None = None) -> list[tuple[str, set[str]]]:
    """Each highlight of the article (or of a part of it): its marked text, and every statement
    it links to (its own link and those of its popover)."""
    found = []
    for span in page.elements:
        if within is not None and not _inside(span, within):
            continue
        if span.tag == "span" and span.attrs.get("class", "").split()[:1] == ["q"]:
            marks = [m for m in page.elements if m.tag == "mark" and _inside(m, span)]
            links = [a for a in page.elements if a.tag == "a" and _inside(a, span)]
            assert len(marks) == 1 and _inside(marks[0], links[0])
            text = "".join(marks[0].parts)
            found.append((text, {a.attrs["href"] for a in links}))
    return found


def visible(html: str) -> str:
    """A page without its popovers (`span.facts` holds links, never a span), as read without
    hovering."""
    return re.sub(r'<span class="facts" role="tooltip">.*?</span>', "", html)


def unmarked(html: str) -> str:
    """A page's visible text with each highlight's marked words cut out (a NUL in their place)."""
    return re.sub(r"<mark>.*?</mark>", "\0", visible(html))


@pytest.fixture(scope="module")
def article(client) -> tuple[str, Page]:
    response = client.get("/article", headers=HTML)
    assert response.status_code == 200
    return response.text, Page(response.text)


def test_article_is_well_nested(article):
    html, _ = article
    strict = Strict()
    strict.feed(html)
    assert strict.open == []


@pytest.mark.parametrize("url", ["/", "/search", "/search?q=Astana", "/search?q=Kasis%20Trump"])
def test_search_pages_are_well_nested(client, url):
    strict = Strict()
    strict.feed(client.get(url, headers=HTML).text)
    assert strict.open == []


def test_every_quote_of_the_article_is_marked_and_links_to_its_statement(article, loaded):
    _, page = article
    rows = loaded.graph.query(
        """
        SELECT ?statement ?subject ?quote WHERE {
            ?statement a rdf:Statement ; rdf:subject ?subject ; kgv:quote ?quote ;
                prov:wasDerivedFrom ?article .
            FILTER NOT EXISTS { ?statement kgv:inverseOf ?authored }
        }
        """,
        initBindings={"article": ARTICLE},
        initNs={"rdf": RDF, "kgv": KGV, "prov": URIRef("http://www.w3.org/ns/prov#")},
    )
    shown = highlights(page)
    squeeze = lambda text: re.sub(r"\s+", "", text)  # noqa: E731
    checked = 0
    for statement, subject, quoted in rows:
        url = f"/id/{local(subject)}#{local(statement)}"
        marked = "".join(text for text, links in shown if url in links)
        assert squeeze(str(quoted)) in squeeze(marked), (url, str(quoted))
        checked += 1
    assert checked > 100
    # each highlight's own link is named after the statement it goes to: /article#q-<statement>
    ids = [a.attrs["id"] for a in page.elements if a.tag == "a" and "id" in a.attrs]
    assert len(ids) == len(set(ids)) == len(shown)
    for a in page.elements:
        if a.tag == "a" and a.attrs.get("id", "").startswith("q-"):
            statement = re.sub(r"-\d+$", "", a.attrs["id"][2:])
            assert a.attrs["href"].endswith("#" + statement) or a.attrs["href"].endswith(
                "#" + a.attrs["id"][2:]
            )


def test_uncovered_text_stays_plain(article, loaded):
    html, page = article
    (report,) = [c for c in coverage(loaded) if c.source == ARTICLE]
    (body,) = page.find("div", class_="annotated")
    letters = sum(len(re.findall(r"[^\W_]", text)) for text, _ in highlights(page, body))
    assert letters == report.covered  # marked: exactly the letters and digits in quotes
    (plain,) = Page(unmarked(html)).find("div", class_="annotated")
    uncovered = [s for s in report.sentences if s.status == "uncovered"]
    assert uncovered
    for sentence in uncovered:
        assert sentence.text in plain.text
    for sentence in report.sentences:
        for run in sentence.missing:
            assert " ".join(run.split()) in plain.text


def test_article_shows_its_coverage_first(article, loaded):
    _, page = article
    (report,) = [c for c in coverage(loaded) if c.source == ARTICLE]
    (line,) = page.find("p", id="coverage-line")
    covered = report.count("covered")
    assert f"{covered} of {len(report.sentences)} body sentences" in line.text
    assert f"{report.percent:.1f} % of characters" in line.text


def test_article_reference_list_links_every_entry_to_its_record(article, client, loaded):
    page = Page(visible(article[0]))
    graph = loaded.graph
    (references,) = page.find("ol", class_="references")
    links = [a for a in page.find("a", class_="record") if _inside(a, references)]
    cited = {
        f"/source/{local(r)}"
        for r in graph.objects(ARTICLE, SDO.citation)
        if (r, KGV.citationText, None) in graph
    }
    assert {a.attrs["href"] for a in links} == cited
    for a in links:
        entries = graph.objects(SRC[local(a.attrs["href"])], KGV.citationText)
        (shown,) = [e for e in page.find("span", class_="entry annotated") if e.parent is a.parent]
        assert shown.text in {" ".join(str(entry).split()) for entry in entries}
    for url in sorted(cited)[:5]:
        get(client, url)


def test_article_is_linked_from_the_header_and_home(client):
    home = get(client, "/")
    assert home.find("a", href="/article", text="Article")
    assert [a for a in home.find("a", href="/article") if a.parent.tag == "p"]
    assert get(client, f"/article/{local(ARTICLE)}").find("h1", text="Randa Kassis")


def test_article_of_a_source_without_text_is_a_404(client):
    page = get(client, "/article/wsj-2016-11-23-trump-jr-talks", status=404)
    assert "has no evidence text" in page.find("p", class_="error")[0].text
    get(client, "/article/No_Such", status=404)
