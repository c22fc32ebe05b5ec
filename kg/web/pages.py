"""HTML pages for people: home, entity, source, search, article, query and error pages (Jinja2
templates), and the routes that serve them.

Each page function takes the loaded graph (and what it shows), gathers plain data here and
renders one template of `kg/web/templates/` with autoescaping on. Facts and their provenance
come from `kg.why` (`explain`, `explain_source`), with each source's reason and each fact's
independent outlets; this module only adds the bibliographic fields of source records and the
layout. Pages are readable without JavaScript; every literal carries its language, and
right-to-left scripts (Arabic) are marked `dir="rtl"`.
"""

from __future__ import annotations

import difflib
import json
import re
import threading
import weakref
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SDO
from rdflib.term import Node
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from kg import terms
from kg.errors import KgError, NotFoundError
from kg.files import MiB
from kg.formats import CITATION_FORMATS, GRAPH_FORMATS, RESULT_FORMATS
from kg.iris import LOCAL_NAME, PREFIXES, href, statement_anchor, statement_href
from kg.load import LoadedGraph
from kg.namespaces import KGR, KGV, SRC, bind_prefixes
from kg.tree import Tree
from kg.web import protocol
from kg.web.protocol import GRAPH_MEDIA_OF, GRAPH_TYPES, BadRequest, negotiate, served
from kg.web.workers import plain_query

if TYPE_CHECKING:
    from kg.queries import SavedQuery
    from kg.textindex import Found, Hit, Match
    from kg.why import Explained

RTL_LANGUAGES = {"ar", "arc", "ckb", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi"}
NAME_PREDICATES = (SDO.name, SDO.alternateName, RDFS.label)

EXAMPLE_QUERY = """\
# Every sourced statement about Randa Kassis: predicate, object, quote and source.
# The kg prefixes (kgr:, src:, schema:, prov:, kgv:, rdf: ...) are predeclared.
SELECT ?predicate ?object ?quote ?source WHERE {
    ?statement rdf:subject kgr:randa-kassis ;
        rdf:predicate ?predicate ;
        rdf:object ?object ;
        kgv:quote ?quote ;
        prov:wasDerivedFrom ?source .
}
ORDER BY ?predicate STR(?object) ?source
LIMIT 50
"""

# Source-record fields in the order of data/sources.ttl, with the words a reader sees.
SOURCE_FIELDS: tuple[tuple[URIRef, str], ...] = (
    (SDO.name, "Title"),
    (SDO.alternateName, "Title in English"),
    (SDO.author, "Authors"),
    (SDO.isPartOf, "Published in"),
    (SDO.publisher, "Publisher"),
    (KGV.placeOfPublication, "Place of publication"),
    (SDO.datePublished, "Date"),
    (SDO.bookEdition, "Edition"),
    (SDO.inLanguage, "Language"),
    (SDO.numberOfPages, "Pages"),
    (SDO.isbn, "ISBN"),
    (KGV.oclc, "OCLC"),
    (SDO.encodingFormat, "Format"),
    (SDO.exampleOfWork, "Edition of"),
    (SDO.url, "URL"),
    (KGV.evidenceFile, "Evidence text"),
    (KGV.archivedOn, "Archived"),
    (KGV.retrievedOn, "Retrieved"),
)
SOURCE_SHOWN_APART = {RDF.type, KGV.citationText, SDO.citation}

# How the home page groups entities, by schema.org (or kgv:) type; first match wins.
ENTITY_GROUPS: tuple[tuple[str, tuple[URIRef, ...]], ...] = (
    ("People", (SDO.Person,)),
    ("Organisations", (SDO.Organization, SDO.GovernmentOrganization)),
    ("Events", (SDO.Event,)),
    ("Books", (SDO.Book, SDO.BookSeries)),
    ("Positions", (KGV.Position,)),
    ("Places", (SDO.Place, SDO.City, SDO.Country)),
    ("Outlets and web sites", (SDO.Periodical, SDO.WebSite)),
    ("Roles", (SDO.OrganizationRole, SDO.Role)),
    ("Other", (SDO.Thing,)),
)


# --- helpers shared by the templates ---------------------------------------------------------


def text_dir(language: str | None) -> str:
    """`rtl` for right-to-left languages (Arabic, Hebrew, Persian, ...), else `auto`."""
    if language and language.split("-")[0].lower() in RTL_LANGUAGES:
        return "rtl"
    return "auto"


curie = terms.name  # pages show `kgr:x`, or `<iri>` outside the project's namespaces


@cache
def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=PackageLoader("kg.web", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(href=href, text_dir=text_dir, curie=curie)
    return environment


# Why the pages do not show the tree as it is now (kg serve --reload: the last edit did not
# validate), shown at the top of every page; the server sets it for each request.
BANNER: ContextVar[str | None] = ContextVar("kg_banner", default=None)


def _render(template: str, **context: object) -> str:
    return _environment().get_template(template).render(banner=BANNER.get(), **context)


@lru_cache(maxsize=4)  # kg serve --reload makes a tree per generation: keep the last few
def _vocabulary(tree: Tree) -> Graph:
    """ontology/vocab.ttl, read once per tree: it gives the labels of kgv: predicates."""
    from kg.load import load_ontology

    return load_ontology(tree)


def prepare(loaded: LoadedGraph) -> None:
    """Read once what every page of a graph needs (its tree's vocabulary), so that the first
    page of a new snapshot (kg serve --reload) is built as fast as the next."""
    _vocabulary(loaded.tree)


def _explain(loaded: LoadedGraph, iri: Node):
    from kg.why import explain

    return explain(loaded, str(iri), vocabulary=_vocabulary(loaded.tree))


def _credited(loaded: LoadedGraph, source: URIRef) -> list[Explained]:
    """The statements derived from a source record: for a reference, those it is credited for."""
    from kg.why import explain_source

    return list(explain_source(loaded, source, vocabulary=_vocabulary(loaded.tree)).statements)


@dataclass(frozen=True)
class Text:
    """A literal as a page shows it: the value, its language and writing direction."""

    value: str
    language: str | None

    @property
    def dir(self) -> str:
        return text_dir(self.language)

    @classmethod
    def of(cls, literal: Literal) -> Text:
        return cls(str(literal), literal.language)


@dataclass(frozen=True)
class Link:
    """An IRI with its label: linked when it has a page here (or is a web address)."""

    iri: str
    label: Text

    @property
    def url(self) -> str | None:
        page = href(self.iri)
        external = self.iri.startswith(("https://", "http://"))
        if page is None and external and "//kg.example.org/" not in self.iri:
            return self.iri  # a web address (schema:url), not one of our own names
        return page


def _names(graph: Graph, node: Node, predicates=(SDO.name,)) -> list[Text]:
    """A node's names, English first, then untagged, then by language."""
    names = {
        Text.of(value)
        for predicate in predicates
        for value in graph.objects(node, predicate)
        if isinstance(value, Literal)
    }
    rank = {"en": 0, None: 1}
    return sorted(names, key=lambda t: (rank.get(t.language, 2), t.language or "", t.value))


def _label(graph: Graph, node: Node) -> Text:
    names = _names(graph, node, (SDO.name, RDFS.label))
    return names[0] if names else Text(curie(node), None)


def _link(graph: Graph, node: Node) -> Link:
    return Link(str(node), _label(graph, node))


def _value(graph: Graph, node: Node) -> Link | Text:
    if isinstance(node, Literal):
        return Text.of(node)
    return _link(graph, node)


@dataclass(frozen=True)
class SourceSummary:
    """A source record in one line: title, outlet, date, language (for lists of sources)."""

    link: Link
    outlet: Link | None
    date: str | None
    language: str | None


def _source_summary(graph: Graph, node: Node) -> SourceSummary:
    language = graph.value(node, SDO.inLanguage)
    names = _names(graph, node)
    own = [n for n in names if language is not None and n.language == str(language)]
    title = (own or names or [Text(curie(node), None)])[0]
    outlet = graph.value(node, SDO.isPartOf) or graph.value(node, SDO.publisher)
    date = graph.value(node, SDO.datePublished)
    return SourceSummary(
        link=Link(str(node), title),
        outlet=_link(graph, outlet) if outlet is not None else None,
        date=str(date) if date is not None else None,
        language=str(language) if language is not None else None,
    )


@dataclass(frozen=True)
class Shown:
    """How the facts of a page show their ends and sources: labels with their languages."""

    links: dict[str, Link]  # IRI -> label in its language
    sources: dict[str, SourceSummary]  # source IRI -> title in its language, outlet, date


def _shown(graph: Graph, explained: list[Explained]) -> Shown:
    """The labels (with languages) of every IRI and source the statements name."""
    links: dict[str, Link] = {}
    sources: dict[str, SourceSummary] = {}
    for statement in explained:
        for term in (statement.subject, statement.object):
            if term.iri is not None and term.iri not in links:
                links[term.iri] = _link(graph, URIRef(term.iri))
        for source in statement.sources:
            if source.iri not in sources:
                sources[source.iri] = _source_summary(graph, URIRef(source.iri))
    return Shown(links, sources)


def _in_graph(graph: Graph, iri: Node) -> bool:
    return (iri, None, None) in graph or (None, None, iri) in graph


# --- the pages ---------------------------------------------------------------------------------


def error_page(status: int, message: str) -> str:
    titles = {400: "Bad request", 404: "Not found", 406: "Not acceptable", 413: "Too large"}
    titles |= {500: "Server error", 503: "Query stopped"}
    return _render("error.html", status=status, title=titles.get(status, "Error"), message=message)


def resource_graph(loaded: LoadedGraph, iri: URIRef) -> Graph:
    """A resource's triples, the triples naming it as object, and the statements of its facts.

    The statements (rdf:Statement with rdf:subject/predicate/object, kgv:quote,
    prov:wasDerivedFrom and kgv:fromClaim, with their prov:Derivation credits and the reasons
    they give) are those whose subject or object is the resource, or which are derived from it
    when it is a source record: the Turtle of a page carries the provenance the page shows.
    """
    graph = loaded.graph
    if not _in_graph(graph, iri):
        raise NotFoundError(f"nothing in the graph is named {curie(iri)}")
    out = bind_prefixes(Graph())
    statements = set()
    for predicate in (RDF.subject, RDF.object, PROV.wasDerivedFrom):
        statements.update(graph.subjects(predicate, iri))
    for triple in graph.triples((iri, None, None)):
        out.add(triple)
    for triple in graph.triples((None, None, iri)):
        if triple[0] not in statements:
            out.add(triple)
    for statement in statements:
        for triple in graph.triples((statement, None, None)):
            out.add(triple)
        for derivation in graph.objects(statement, PROV.qualifiedDerivation):
            for triple in graph.triples((derivation, None, None)):
                out.add(triple)
    return out


def home_page(loaded: LoadedGraph, saved: list[SavedQuery]) -> str:
    from kg.validate import count

    graph = loaded.graph
    records = set(graph.subjects(RDF.type, KGV.SourceRecord))
    groups: dict[str, list[Link]] = {title: [] for title, _ in ENTITY_GROUPS}
    for node in set(graph.subjects(RDF.type, None)):
        if not str(node).startswith(str(KGR)) or node in records:
            continue
        types = set(graph.objects(node, RDF.type))
        title = next((t for t, members in ENTITY_GROUPS if types & set(members)), "Other")
        groups[title].append(_link(graph, node))
    for links in groups.values():
        links.sort(key=lambda link: link.label.value.casefold())
    sources = sorted(
        (_source_summary(graph, node) for node in records),
        key=lambda s: (s.date is None, s.date or "", s.link.label.value.casefold()),
    )
    kassis = KGR["randa-kassis"]
    return _render(
        "home.html",
        counts=count(loaded),
        kassis=_link(graph, kassis),
        kassis_names=_names(graph, kassis),
        groups=[(title, links) for title, links in groups.items() if links],
        sources=sources,
        saved=saved,
    )


def entity_page(loaded: LoadedGraph, iri: URIRef) -> str:
    """An entity: its names and types, every sourced fact about it, the records naming it."""
    graph = loaded.graph
    explanation = _explain(loaded, iri)  # NotFoundError, with a did-you-mean, when unknown
    statements = list(explanation.statements)
    records = sorted(
        {
            (s, p)
            for s, p in graph.subject_predicates(iri)
            if (s, RDF.type, KGV.SourceRecord) in graph
        }
    )
    mentioned_by = [
        (_field_label(predicate), _source_summary(graph, source)) for source, predicate in records
    ]
    mentioned_by.sort(key=lambda item: (item[1].date or "", item[1].link.label.value))
    return _render(
        "entity.html",
        iri=str(iri),
        curie=curie(iri),
        path=href(iri),
        label=_label(graph, iri),
        names=_names(graph, iri, NAME_PREDICATES),
        types=sorted(curie(t) for t in graph.objects(iri, RDF.type)),
        as_subject=explanation.as_subject,
        as_object=explanation.as_object,
        subject_topics=_by_topic(explanation.as_subject, "facts"),
        object_topics=_by_topic(explanation.as_object, "mentioned-in"),
        summary=_summary(loaded, iri, statements),
        pictures=pictures(loaded, iri),
        citations=citations_of(loaded, iri),
        shown=_shown(graph, statements),
        mentioned_by=mentioned_by,
    )


# The entity page's contents: its facts grouped by topic, each topic named by the predicates it
# holds (CURIEs as kg.terms writes them). A predicate in no topic goes under "Other facts".
TOPICS: tuple[tuple[str, str, frozenset[str]], ...] = (
    (
        "Who",
        "who",
        frozenset(
            {"schema:description", "schema:jobTitle", "schema:nationality", "schema:roleName"}
        ),
    ),
    (
        "Roles and organisations",
        "roles",
        frozenset(
            {
                "schema:memberOf",
                "schema:member",
                "schema:affiliation",
                "schema:founder",
                "schema:foundingDate",
                "schema:startDate",
                "schema:endDate",
                "kgv:isFormer",
                "kgv:endReason",
                "kgv:foundingParties",
                "kgv:underBannerOf",
            }
        ),
    ),
    (
        "Positions and commentary",
        "positions",
        frozenset(
            {
                "kgv:holdsPosition",
                "kgv:leadingCommentatorOn",
                "kgv:leadingCommentatorSince",
                "kgv:criticizedBy",
                "schema:about",
            }
        ),
    ),
    (
        "Events and talks",
        "events",
        frozenset(
            {
                "schema:attendee",
                "kgv:invitedBy",
                "kgv:invitedTo",
                "kgv:moderator",
                "kgv:openingSessionChair",
                "kgv:roundOf",
                "schema:location",
                "kgv:outcome",
                "kgv:purpose",
                "kgv:timing",
                "kgv:agreedAfter",
                "kgv:agreedToCreateBy",
                "kgv:composition",
                "kgv:drawnUpBy",
                "kgv:requestAddressedTo",
            }
        ),
    ),
    ("People", "people", frozenset({"schema:spouse", "kgv:closeFriendOf", "kgv:closeTo"})),
    (
        "Works",
        "works",
        frozenset(
            {
                "schema:author",
                "schema:contributor",
                "schema:datePublished",
                "schema:dateCreated",
                "schema:publisher",
                "schema:isbn",
                "kgv:oclc",
                "schema:numberOfPages",
                "schema:inLanguage",
                "kgv:placeOfPublication",
                "schema:isPartOf",
            }
        ),
    ),
)
OTHER_TOPIC = ("Other facts", "other")


@dataclass(frozen=True)
class Topic:
    """The facts of a page under one topic heading; `id` is the heading's anchor."""

    title: str
    id: str
    statements: list[Explained]


def _by_topic(statements: list[Explained], prefix: str) -> list[Topic]:
    """Statements grouped by topic in TOPICS order (page order kept within a topic)."""
    groups: dict[tuple[str, str], list[Explained]] = {(t, s): [] for t, s, _ in TOPICS}
    groups[OTHER_TOPIC] = []
    for statement in statements:
        key = next(
            ((t, s) for t, s, predicates in TOPICS if statement.predicate.n3 in predicates),
            OTHER_TOPIC,
        )
        groups[key].append(statement)
    return [Topic(t, f"{prefix}-{s}", found) for (t, s), found in groups.items() if found]


@dataclass(frozen=True)
class SummaryItem:
    """One line of an entity's summary: a value and the fact card that states it."""

    value: Link | Text
    href: str  # the fact card (`#statement` on this page, or on the page of a role)
    note: str | None = None  # "former", "until August 2012", "2013": as the facts say


@dataclass(frozen=True)
class Summary:
    """What an entity's page says at a glance; every item links to the fact stating it."""

    what: list[SummaryItem]  # description, job titles, nationalities
    roles: list[SummaryItem]  # roles held, organisations founded
    books: list[SummaryItem]  # works authored, with their stated dates
    facts: int
    sources: int

    @property
    def empty(self) -> bool:
        return not (self.what or self.roles or self.books)


SUMMARY_WHAT = ("schema:description", "schema:jobTitle", "schema:nationality")


def _spoken_date(literal: Node) -> str:
    """A date as a reader says it, at its precision: 2014, August 2012, 30 January 2018."""
    from kg.dates import spoken_forms

    forms = spoken_forms(str(literal), getattr(literal, "datatype", None))
    return forms[0] if forms else str(literal)


def _stated(graph: Graph, subject: Node, predicate: URIRef) -> list[tuple[Node, str]]:
    """The objects of the sourced statements (subject, predicate, ?), with each statement."""
    return sorted(
        (graph.value(statement, RDF.object), str(statement))
        for statement in graph.subjects(RDF.subject, subject)
        if graph.value(statement, RDF.predicate) == predicate
        and graph.value(statement, RDF.object) is not None
    )


def _role_note(graph: Graph, role: Node) -> tuple[str | None, str | None]:
    """What the statements about a role say of its time: "former", "from 2017", "until August
    2012"; and the statement saying it (for the link). Nothing not stated is added."""
    notes, first = [], None
    for predicate, words in ((SDO.startDate, "from"), (SDO.endDate, "until")):
        for value, statement in _stated(graph, role, predicate):
            notes.append(f"{words} {_spoken_date(value)}")
            first = first or statement
    for value, statement in _stated(graph, role, KGV.isFormer):
        if isinstance(value, Literal) and value.toPython() is True:
            notes.insert(0, "former")
            first = first or statement
    return (", ".join(notes) or None), first


def _summary(loaded: LoadedGraph, iri: URIRef, statements: list[Explained]) -> Summary:
    graph = loaded.graph
    here = href(iri) or ""

    def item(term, statement: str, note: str | None = None, page: str = here) -> SummaryItem:
        if term.iri is not None:
            value: Link | Text = _link(graph, URIRef(term.iri))
        else:
            value = Text(term.value or term.label, term.language)
        return SummaryItem(value, f"{page}#{statement_anchor(statement)}", note)

    what, roles, books = [], [], []
    for st in statements:
        predicate = st.predicate.n3
        if st.side == "subject" and predicate in SUMMARY_WHAT and not st.inverse_of:
            what.append((SUMMARY_WHAT.index(predicate), item(st.object, st.statement)))
        elif st.side == "subject" and predicate == "schema:memberOf" and st.object.iri:
            role = URIRef(st.object.iri)
            note, stated_by = _role_note(graph, role)
            page = href(role) or here
            entry = item(st.object, st.statement, note)
            if stated_by is not None:  # the note links to the role's page, where it is stated
                entry = SummaryItem(entry.value, f"{page}#{statement_anchor(stated_by)}", note)
            roles.append(entry)
        elif st.side == "object" and predicate == "schema:founder":
            roles.append(item(st.subject, st.statement, "founder"))
        elif st.side == "object" and predicate == "schema:author" and st.subject.iri:
            book = URIRef(st.subject.iri)
            dates = _stated(graph, book, SDO.datePublished)
            note = ", ".join(_spoken_date(value) for value, _ in dates) or None
            first = str(dates[0][0]) if dates else "9999"  # undated ones last
            books.append((first, item(st.subject, st.statement, note)))
    sources = {source.iri for st in statements for source in st.sources}
    return Summary(
        what=[entry for _, entry in sorted(what, key=lambda pair: pair[0])],
        roles=roles,
        books=[entry for _, entry in sorted(books, key=lambda b: (b[0], b[1].value.label.value))],
        facts=len(statements),
        sources=len(sources),
    )


# --- pictures: the timeline and the network (kg.timeline, kg.network) -------------------------

ENTITY_PAGE_DEPTH = 1  # the network on an entity page: its neighbours; /network/<name> goes on
NETWORK_DEPTHS = (1, 2, 3)
# The formats of kg.timeline.RENDERERS and kg.network.RENDERERS the server sends (PNG is for
# files), with their media types.
SERVED_PICTURES = {"timeline": ("svg", "json"), "network": ("svg", "dot", "json")}
PICTURE_FORMATS = {
    "svg": "image/svg+xml",
    "json": "application/json",
    "dot": "text/vnd.graphviz; charset=utf-8",
}


@dataclass(frozen=True)
class Pictures:
    """An entity's timeline and network as inline SVG (None: nothing to draw), or why not."""

    timeline: str | None
    network: str | None
    problem: str | None = None  # Graphviz missing, say: the page still shows its facts


# What the pages build from a graph, kept while it is served (a generation's graph never
# changes): kg.why's describer, the pictures (the network costs a run of Graphviz's dot), the
# citations, the annotated article. Gone with the graph (kg serve --reload).
_KEPT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_KEPT_LOCK = threading.Lock()


def _kept(loaded: LoadedGraph, key: tuple, make) -> object:
    """What `make()` gives for `key` on this graph: made the first time, then kept."""
    with _KEPT_LOCK:
        kept = _KEPT.setdefault(loaded.graph, {})
        if key in kept:
            return kept[key]
    made = make()
    with _KEPT_LOCK:
        return kept.setdefault(key, made)


def _describer(loaded: LoadedGraph):
    from kg.why import Describer

    return _kept(loaded, ("describer",), lambda: Describer(loaded, _vocabulary(loaded.tree)))


def _drawing(loaded: LoadedGraph, kind: str, iri: URIRef, depth: int):
    """An entity's kg.timeline.Timeline (`kind` "timeline") or kg.network.Network."""
    from kg.network import network
    from kg.timeline import timeline

    if kind == "timeline":
        return _kept(loaded, (kind, str(iri)), lambda: timeline(loaded, iri, _describer(loaded)))
    return _kept(
        loaded, (kind, str(iri), depth), lambda: network(loaded, iri, depth, _describer(loaded))
    )


def picture_text(
    loaded: LoadedGraph, kind: str, iri: URIRef, fmt: str, depth: int = ENTITY_PAGE_DEPTH
) -> str:
    """An entity's timeline or network in one of the formats the server sends: the bytes
    `kg timeline` and `kg network` write. BadRequest for a format not sent."""
    from kg import network, timeline

    if fmt not in SERVED_PICTURES[kind]:
        offered = ", ".join(SERVED_PICTURES[kind])
        raise BadRequest(f"format '{fmt}' is not offered here; use {offered}")
    drawing = _drawing(loaded, kind, iri, depth)
    render = (timeline if kind == "timeline" else network).RENDERERS[fmt]
    key = (kind, str(iri), depth if kind == "network" else None, fmt)
    return _kept(loaded, key, lambda: render(drawing))


def pictures(loaded: LoadedGraph, iri: URIRef) -> Pictures:
    """The pictures an entity page shows: its dated facts on a time axis, its neighbours."""
    from markupsafe import Markup

    from kg.errors import PictureError

    timeline = None
    if _drawing(loaded, "timeline", iri, ENTITY_PAGE_DEPTH).items:
        # built by kg.timeline with ElementTree: escaped there
        timeline = Markup(picture_text(loaded, "timeline", iri, "svg"))
    if not _drawing(loaded, "network", iri, ENTITY_PAGE_DEPTH).edges:
        return Pictures(timeline, None)
    try:
        network = Markup(picture_text(loaded, "network", iri, "svg"))  # Graphviz escapes
    except PictureError as error:
        return Pictures(timeline, None, str(error))
    return Pictures(timeline, network)


def citations_of(loaded: LoadedGraph, iri: URIRef) -> dict[str, str] | None:
    """A source record's or book's citation in each of kg.cite's formats, or None for anything
    else: the "Cite this" block of its page, and `?format=bibtex|ris|csl-json`."""
    from kg import cite

    if iri not in _kept(loaded, ("citable",), lambda: frozenset(cite.citable(loaded))):
        return None
    key = ("citations", str(iri))
    return _kept(loaded, key, lambda: cite.citations(loaded, iri, _describer(loaded)))


def picture_answer(loaded: LoadedGraph, kind: str, iri: URIRef, fmt: str, depth: int) -> Response:
    """A picture as data: `?format=svg|json` (and `dot` for the network)."""
    body = picture_text(loaded, kind, iri, fmt, depth)
    return Response(body, media_type=PICTURE_FORMATS[fmt])


def picture_page(loaded: LoadedGraph, kind: str, iri: URIRef, depth: int) -> str:
    """/timeline and /network/<name>: one picture on a page of its own, with its data."""
    from markupsafe import Markup

    return _render(
        "picture.html",
        kind=kind,
        entity=_link(loaded.graph, iri),
        svg=Markup(picture_text(loaded, kind, iri, "svg", depth)),
        depth=depth,
        depths=NETWORK_DEPTHS,
        formats=SERVED_PICTURES[kind],
        local=str(iri).rsplit("/", 1)[-1],
    )


def _field_label(predicate: Node) -> str:
    labels = dict(SOURCE_FIELDS) | {SDO.author: "Author", SDO.exampleOfWork: "Edition of"}
    return labels.get(predicate, curie(predicate))


def source_page(loaded: LoadedGraph, iri: URIRef) -> str:
    """A source record: its bibliographic fields, its reference entry, and every fact it is
    credited for, each with the reason it is credited (and the fact's independent outlets)."""
    graph = loaded.graph
    records = set(graph.subjects(RDF.type, KGV.SourceRecord))
    if iri not in records:
        close = difflib.get_close_matches(curie(iri), sorted(curie(r) for r in records), n=1)
        hint = f" — did you mean {close[0]}?" if close else ""
        raise NotFoundError(f"no source record {curie(iri)} in the graph{hint}")
    fields: list[tuple[str, list[Link | Text]]] = []
    known = {predicate for predicate, _ in SOURCE_FIELDS} | SOURCE_SHOWN_APART
    extra = sorted({p for p in graph.predicates(iri, None) if p not in known}, key=curie)
    for predicate, title in (*SOURCE_FIELDS, *((p, curie(p)) for p in extra)):
        values = sorted(graph.objects(iri, predicate), key=lambda v: (type(v).__name__, str(v)))
        if values:
            fields.append((title, [_value(graph, v) for v in values]))
    citation = graph.value(iri, KGV.citationText)
    statements = _credited(loaded, iri)
    return _render(
        "source.html",
        iri=str(iri),
        curie=curie(iri),
        path=href(iri),
        summary=_source_summary(graph, iri),
        kinds=sorted(curie(t) for t in graph.objects(iri, RDF.type) if t != KGV.SourceRecord),
        fields=fields,
        citation=Text.of(citation) if citation is not None else None,
        cites=sorted(
            (_source_summary(graph, s) for s in graph.objects(iri, SDO.citation)),
            key=lambda s: (s.date is None, s.date or "", s.link.label.value.casefold()),
        ),
        cited_by=sorted(
            (_link(graph, s) for s in graph.subjects(SDO.citation, iri)), key=lambda link: link.iri
        ),
        statements=statements,
        shown=_shown(graph, statements),
        citations=citations_of(loaded, iri),
    )


# --- search and the annotated article ----------------------------------------------------------

SEARCH_LIMIT = 20  # hits of each kind a search shows; asked for one kind, SEARCH_LIMIT_ONE
SEARCH_LIMIT_ONE = 500


@dataclass(frozen=True)
class Listed:
    """A search hit as the search page shows it: where it links, and its matching texts."""

    hit: Hit
    url: str | None

    def match(self, field: str) -> Match | None:
        return next((m for m in self.hit.matches if m.field == field), None)

    @property
    def label_match(self) -> Match | None:
        """The match in the hit's own label (an entity's name, a source's title), if any."""
        return next((m for m in self.hit.matches if m.text == self.hit.label), None)

    @property
    def other_matches(self) -> list[Match]:
        return [m for m in self.hit.matches if m.text != self.hit.label]


def statement_url(graph: Graph, statement: Node) -> str | None:
    """Where a statement is shown: its card on its subject's page (`/id/x#statement`)."""
    return statement_href(graph.value(statement, RDF.subject), statement)


def search_kinds(kind: str | None) -> tuple[str, ...]:
    """The kinds of hit `?type=` asks for (all when empty); BadRequest for another."""
    from kg.textindex import KINDS

    if not kind:
        return KINDS
    if kind not in KINDS:
        raise BadRequest(f"type '{kind}' is not searched; use " + ", ".join(KINDS))
    return (kind,)


def hit_urls(loaded: LoadedGraph, found: Found) -> dict[str, str | None]:
    """Where each hit is shown: an entity's or a source's page, a fact's card on its subject's."""
    return {
        hit.iri: statement_url(loaded.graph, URIRef(hit.iri))
        if hit.kind == "fact"
        else href(hit.iri)
        for hit in found.hits
    }


def search_page(loaded: LoadedGraph, text: str, kind: str, found: Found | None) -> str:
    """The search form, and the hits of `found` grouped by kind, the matching words marked."""
    from kg.search import PLURALS

    groups, counts = [], []
    if found is not None:
        urls = hit_urls(loaded, found)
        for each, total in found.totals.items():
            listed = [Listed(hit, urls[hit.iri]) for hit in found.of_kind(each)]
            groups.append((each, PLURALS[each], total, listed))
            if total:
                counts.append(f"{total} {each if total == 1 else PLURALS[each]}")
    return _render(
        "search.html",
        search_text=text,
        kind=kind,
        found=found,
        groups=groups,
        summary=", ".join(counts) or "nothing",
    )


def search_json(loaded: LoadedGraph, found: Found) -> dict[str, object]:
    """kg search's JSON (`--format json`), each hit with the `url` of its page here."""
    answer = found.to_dict()
    urls = hit_urls(loaded, found)
    for hit in answer["hits"]:
        hit["url"] = urls[hit["iri"]]
    return answer


@dataclass(frozen=True)
class Highlight:
    """A segment of an annotated text: plain (no `url`), or marked, linking to the first
    statement quoting it and listing the facts of all of them, each linking to its statement."""

    text: str
    url: str | None = None
    id: str | None = None
    facts: tuple[tuple[str, str | None], ...] = ()  # (the fact in words, its statement's url)


def article_page(loaded: LoadedGraph, local: str | None) -> str:
    """An evidence text (the article when `local` is None) with every quote marked, linking
    to its statement; its coverage at the top and its reference list linking to the records."""
    from kg.article import annotate, evidence_sources

    graph = loaded.graph
    source = SRC[local] if local is not None else None
    annotated = _kept(loaded, ("article", local), lambda: annotate(loaded, source))
    describer = _describer(loaded)
    facts: dict[Node, tuple[str, str | None]] = {}
    ids: dict[str, int] = {}
    paragraphs = []
    for paragraph in (*annotated.paragraphs, *(e.segments for e in annotated.references)):
        shown = []
        for segment in paragraph:
            if not segment.statements:
                shown.append(Highlight(segment.text))
                continue
            for statement in segment.statements:
                if statement not in facts:
                    url = statement_url(graph, statement) or href(annotated.source)
                    words = _kept(  # a fact in words costs kg.why some lookups: once a graph
                        loaded,
                        ("fact", str(statement)),
                        lambda s=statement: describer.statement(s).fact,
                    )
                    facts[statement] = (words, url)
            first = segment.statements[0]
            name = "q-" + statement_anchor(first)
            ids[name] = ids.get(name, 0) + 1
            shown.append(
                Highlight(
                    segment.text,
                    facts[first][1],
                    name if ids[name] == 1 else f"{name}-{ids[name]}",
                    tuple(facts[s] for s in segment.statements),
                )
            )
        paragraphs.append(shown)
    report = annotated.coverage
    body = len(annotated.paragraphs)
    return _render(
        "article.html",
        source=_source_summary(graph, annotated.source),
        file=annotated.file,
        paragraphs=paragraphs[:body],
        references=[
            (shown, _link(graph, e.record))
            for shown, e in zip(paragraphs[body:], annotated.references, strict=True)
        ],
        coverage=report,
        sentences_covered=report.count("covered"),
        sentences_partly=report.count("partly"),
        statements=len(facts),
        others=[
            _source_summary(graph, s) for s in evidence_sources(loaded) if s != annotated.source
        ],
    )


# --- the query page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One value of a SPARQL JSON result row, ready to show."""

    text: str = ""
    url: str | None = None
    language: str | None = None
    datatype: str | None = None
    kind: str = "empty"  # iri | literal | bnode | empty
    pieces: tuple[tuple[str, str | None], ...] = ()  # a literal naming our IRIs: (text, page)

    @property
    def dir(self) -> str:
        return text_dir(self.language)


def _cell(binding: dict | None) -> Cell:
    if not binding:
        return Cell()
    kind, value = binding.get("type"), str(binding.get("value", ""))
    if kind == "uri":
        return Cell(curie(value), href(value), kind="iri")
    if kind == "bnode":
        return Cell(f"_:{value}", kind="bnode")
    datatype = binding.get("datatype")
    return Cell(
        value,
        language=binding.get("xml:lang"),
        datatype=curie(datatype) if datatype else None,
        kind="literal",
        pieces=linked_pieces(value),
    )


# Our IRIs and CURIEs inside a literal (a GROUP_CONCAT of sources, say), as whole tokens.
_NAMED = re.compile(
    r"(?<![\w:/.#-])(?:"
    + "|".join(re.escape(PREFIXES[p]) for p in ("kgr", "src"))
    + r"|(?:kgr|src):)[a-z0-9][a-z0-9-]*(?![\w/#-])"
)


def linked_pieces(text: str) -> tuple[tuple[str, str | None], ...]:
    """A literal's text in pieces, each with the page it links to: an IRI or CURIE of an entity
    or a source record (kgr:, src:) is a link to its page; the rest is text. () when none."""
    pieces: list[tuple[str, str | None]] = []
    at = 0
    for found in _NAMED.finditer(text):
        token = found.group()
        prefix, _, local = token.partition(":")
        page = href(PREFIXES[prefix] + local if prefix in ("kgr", "src") else token)
        if page is None:
            continue
        if found.start() > at:
            pieces.append((text[at : found.start()], None))
        pieces.append((token, page))
        at = found.end()
    if not pieces:
        return ()
    if at < len(text):
        pieces.append((text[at:], None))
    return tuple(pieces)


DOWNLOADS = ("csv", "tsv", "json")  # a table's downloads: kg.formats names, /api suffixes


def download_links(
    text: str | None, saved: SavedQuery | None, values: dict[str, str]
) -> list[tuple[str, str, str]]:
    """The links that download exactly the table a query page shows, as (format, url, file
    name): the saved query at `/api/<name>.<format>` with the same parameters, or the SPARQL
    text at `/sparql?query=...&format=...` (also a saved query /api would answer a page at a
    time, `#+ pagination`): the same query path, the same answer."""
    from urllib.parse import quote, urlencode

    links = []
    for fmt in DOWNLOADS:
        suffix = RESULT_FORMATS[fmt].suffix if fmt != "json" else ".json"
        if saved is not None and saved.pagination is not None and not saved.parameters:
            # /api answers such a query a page at a time; the page shows every row
            url = f"/sparql?{urlencode({'query': saved.text, 'format': fmt})}"
            links.append((fmt, url, f"{saved.name}{suffix}"))
        elif saved is not None:
            query = f"?{urlencode(sorted(values.items()))}" if values else ""
            url = f"/api/{quote(saved.name)}.{fmt}{query}"
            links.append((fmt, url, f"{saved.name}{suffix}"))
        elif text is not None:
            links.append(
                (fmt, f"/sparql?{urlencode({'query': text, 'format': fmt})}", f"query{suffix}")
            )
    return links


def query_page(
    text: str | None,
    results: dict | None,
    message: str | None,
    *,
    status: int = 200,
    notice: str | None = None,
    saved: SavedQuery | None = None,
    values: dict[str, str] | None = None,
) -> str:
    """The query form, and the answer: a table (SELECT), true/false (ASK) or Turtle (graphs).

    `results` is the SPARQL JSON result, or `{"turtle": text}` for CONSTRUCT and DESCRIBE;
    `message` an error shown with its `status`; `notice` says the rows were cut; `saved` is the
    saved query run by name, with the parameter `values` given.
    """
    columns: list[str] = []
    rows: list[list[Cell]] = []
    boolean = turtle = None
    if results is not None:
        if "turtle" in results:
            turtle = results["turtle"]
        elif "boolean" in results:
            boolean = bool(results["boolean"])
        else:
            columns = list(results.get("head", {}).get("vars", []))
            bindings = results.get("results", {}).get("bindings", [])
            rows = [[_cell(row.get(column)) for column in columns] for row in bindings]
    return _render(
        "query.html",
        text=text if text is not None or saved is not None else EXAMPLE_QUERY,
        ran=results is not None,
        message=message,
        status=status,
        notice=notice,
        saved=saved,
        values=values or {},
        columns=columns,
        rows=rows,
        boolean=boolean,
        turtle=turtle,
        downloads=download_links(text, saved, values or {}) if columns else [],
    )


# --- the routes: pages are built in threads, never on the event loop ------------------------

PAGE_MAX_BYTES = 2 * MiB  # a page turns its answer into a table: it takes a smaller one


async def home(request: Request) -> Response:
    server = served(request)
    _, saved = await run_in_threadpool(server.catalog.listing)
    return HTMLResponse(await server.render(home_page, server.loaded, saved))


async def entity(request: Request) -> Response:
    server = served(request)
    return await server.render(_resource, request, "id")


async def source(request: Request) -> Response:
    server = served(request)
    return await server.render(_resource, request, "source")


def _resource(request: Request, kind: str) -> Response:
    server = served(request)
    local = request.path_params["local"]
    html_wanted = "text/html" in request.headers.get("accept", "text/html")
    fmt = request.query_params.get("format")
    if fmt is None and not html_wanted:
        fmt = negotiate(request.headers.get("accept", ""), GRAPH_TYPES, "turtle")
    if not LOCAL_NAME.fullmatch(local):  # "..", slashes, odd characters: never looked up
        what = "source record" if kind == "source" else "entity"
        raise NotFoundError(f"no {what} named '{local}' in the graph")
    iri = (SRC if kind == "source" else KGR)[local]
    if fmt in CITATION_FORMATS:
        cited = citations_of(server.loaded, iri)
        if cited is None:
            raise BadRequest(f"{curie(iri)} is not a source record or a book: it has no citation")
        media = CITATION_FORMATS[fmt].media_type + ("; charset=utf-8" if fmt != "csl-json" else "")
        return Response(cited[fmt], media_type=media)
    if fmt is not None:
        if fmt not in GRAPH_MEDIA_OF:
            offered = [*GRAPH_MEDIA_OF, *CITATION_FORMATS]
            raise BadRequest(f"format '{fmt}' is not offered; use " + ", ".join(offered))
        graph = resource_graph(server.loaded, iri)
        return Response(
            graph.serialize(format=GRAPH_FORMATS[fmt].rdflib),
            media_type=GRAPH_MEDIA_OF[fmt],
        )
    render = source_page if kind == "source" else entity_page
    return HTMLResponse(render(server.loaded, iri))  # NotFoundError (404) when unknown


async def timeline_route(request: Request) -> Response:
    """/timeline: the dated facts about Randa Kassis (`?entity=` another), as a page or data."""
    return await served(request).render(_picture, request, "timeline")


async def network_route(request: Request) -> Response:
    """/network/<name>: the people, organisations and events around an entity (`?depth=`)."""
    return await served(request).render(_picture, request, "network")


def _picture(request: Request, kind: str) -> Response:
    server = served(request)
    local = request.path_params.get("local") or request.query_params.get("entity", "randa-kassis")
    local = local.removeprefix("kgr:")
    if not LOCAL_NAME.fullmatch(local) or not _in_graph(server.loaded.graph, KGR[local]):
        raise NotFoundError(f"no entity named '{local}' in the graph")
    depth_text = request.query_params.get("depth", "2")
    if depth_text not in {str(d) for d in NETWORK_DEPTHS}:
        raise BadRequest(f"depth= takes one of {', '.join(map(str, NETWORK_DEPTHS))}")
    fmt = request.query_params.get("format")
    if fmt is not None:
        return picture_answer(server.loaded, kind, KGR[local], fmt, int(depth_text))
    return HTMLResponse(picture_page(server.loaded, kind, KGR[local], int(depth_text)))


async def search(request: Request) -> Response:
    """`/search?q=TEXT[&type=entity|source|fact][&format=json]`: the hits of kg.search in the
    graph served, from the generation's index (made by the first search). An empty q shows the
    form; a q with no word to search for is a SearchError (400)."""
    server = served(request)
    text = request.query_params.get("q", "")
    kind = request.query_params.get("type", "")
    fmt = request.query_params.get("format")
    if fmt not in (None, "html", "json"):
        raise BadRequest(f"format '{fmt}' is not offered; use html or json")
    kinds = search_kinds(kind)
    if not text.strip() and fmt != "json":
        return HTMLResponse(await server.render(search_page, server.loaded, text, kind, None))
    limit = SEARCH_LIMIT_ONE if kind else SEARCH_LIMIT

    def find() -> Found:
        from kg.textindex import words_of

        words_of(text)  # SearchError before any index is made
        return server.search_index().search(text, kinds, limit)

    found = await server.render(find)
    if fmt == "json":
        return JSONResponse(await server.render(search_json, server.loaded, found))
    return HTMLResponse(await server.render(search_page, server.loaded, text, kind, found))


async def article(request: Request) -> Response:
    """`/article`: the Wikipedia article, every quote marked; `/article/<source>` another
    evidence text."""
    server = served(request)
    local = request.path_params.get("local")
    if local is not None and not LOCAL_NAME.fullmatch(local):
        raise NotFoundError(f"no evidence text of a source record named '{local}'")
    return HTMLResponse(await server.render(article_page, server.loaded, local))


async def query(request: Request) -> Response:
    """The SPARQL form and its answer as a table; or a saved query run by name.

    `/query?query=TEXT` runs SPARQL; `/query/books?param=value` runs a saved query with its
    parameters (the name is in the path, so any parameter name is free). An empty field
    takes the parameter's default. Both go through `answer`, as the API does:
    the same typed binding, workers, time limit and row cap.
    """
    server = served(request)
    items = request.query_params.multi_items()
    saved, values, text = None, {}, None
    name = request.path_params.get("name")
    if name is not None:
        try:
            saved = await run_in_threadpool(server.catalog.get, name)
        except KgError as error:
            status = error.status  # 404 for no such query, 500 for a file that cannot be used
            page = query_page(None, None, server.message(error), status=status)
            return HTMLResponse(page, status)
        for key, value in items:
            if not value.strip():
                continue
            if key in values:
                message = f"parameter '{key}' is given twice; give it once"
                page = query_page(None, None, message, status=400, saved=saved)
                return HTMLResponse(page, 400)
            values[key] = value
        to_run = saved
    else:
        text = request.query_params.get("query")
        if text is None or not text.strip():
            return HTMLResponse(query_page(None, None, None))
        if len(text) > server.settings.max_query_length:
            message = (
                f"the query is {len(text):,} characters; at most "
                f"{server.settings.max_query_length:,} are accepted"
            )
            return HTMLResponse(query_page(text, None, message, status=413), 413)
        try:
            to_run = plain_query(text)
        except KgError as error:
            return HTMLResponse(query_page(text, None, str(error), status=400), 400)
    accept = "application/sparql-results+json, text/turtle;q=0.9"
    client = protocol.client(request) if saved is None else None
    try:
        response = await server.answer(to_run, values, accept, False, client, PAGE_MAX_BYTES)
    except KgError as error:  # a query that is not allowed, a parameter that does not bind
        page = query_page(text, None, server.message(error), status=error.status, saved=saved)
        return HTMLResponse(page, error.status)
    status, background = response.status_code, response.background
    headers = {k: v for k, v in response.headers.items() if k == "retry-after"}
    if status != 200:
        message = json.loads(response.body)["error"]
        page = query_page(text, None, message, status=status, saved=saved, values=values)
        return HTMLResponse(page, status, headers, background=background)

    def render() -> str:
        body = response.body.decode("utf-8")
        graph = "json" not in response.headers.get("content-type", "")
        return query_page(
            text,
            {"turtle": body} if graph else json.loads(body),
            None,
            notice=response.headers.get("x-kg-truncated"),
            saved=saved,
            values=values,
        )

    return HTMLResponse(await server.render(render), background=background)


__all__ = [
    "LOCAL_NAME",
    "article_page",
    "entity_page",
    "error_page",
    "home_page",
    "query_page",
    "resource_graph",
    "search_page",
    "source_page",
]
