"""The graph as a network for graph tools (Gephi, Cytoscape, yEd, a spreadsheet): GraphML, GEXF
and a CSV of edges (`kg export --format graphml|gexf|csv-edges`).

Nodes are the entities: every IRI of the kgr: namespace the graph mentions, source records and
statements aside, each with its label (English first, as kg why shows it), its types (CURIEs)
and its IRI; a node's id is its CURIE. Edges are the facts between two entities: each triple
whose subject and object are both nodes, with its predicate's CURIE and label, the quotes of
the statements that state it (joined by " | ") and its number of independent sources (the
distinct outlets kg why counts for its statements, evidence texts aside).

Same graph, same bytes: nodes are added sorted by IRI, edges by the CURIEs of their subject,
object and predicate, so networkx writes them in that order; GEXF's `lastmodifieddate` (the day
the file is written) is left out. The graph is a networkx MultiDiGraph keyed by predicate, so
GEXF edges also carry networkx's `networkx_key` attribute (the predicate's CURIE again).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from kg import terms
from kg.formats import NETWORK_FORMATS
from kg.load import LoadedGraph
from kg.namespaces import KGR, KGV

FORMATS = NETWORK_FORMATS  # kg.formats: names, media types, suffixes
QUOTE_SEPARATOR = " | "
CSV_HEADER = ("source", "target", "predicate", "label", "quote", "sources")


@dataclass(frozen=True)
class Entity:
    id: str  # CURIE
    iri: str
    label: str
    types: tuple[str, ...]  # CURIEs, sorted


@dataclass(frozen=True)
class Fact:
    source: str  # CURIE of the subject
    target: str  # CURIE of the object
    predicate: str  # CURIE
    label: str  # the predicate's label
    quotes: tuple[str, ...]  # of the statements that state it, sorted
    sources: int  # independent outlets of those statements

    @property
    def quote(self) -> str:
        return QUOTE_SEPARATOR.join(self.quotes)


@dataclass(frozen=True)
class Network:
    entities: tuple[Entity, ...]
    facts: tuple[Fact, ...]


def network(loaded: LoadedGraph) -> Network:
    """The entities and the facts between them, sorted."""
    from kg.why import Describer

    graph = loaded.graph
    describer = Describer(loaded)
    records = set(graph.subjects(RDF.type, KGV.SourceRecord))

    def is_entity(node: Node) -> bool:
        return isinstance(node, URIRef) and str(node).startswith(str(KGR)) and node not in records

    nodes = sorted({n for s, _, o in graph for n in (s, o) if is_entity(n)})
    statements: dict[tuple[Node, Node, Node], list[Node]] = defaultdict(list)
    for statement in graph.subjects(RDF.type, RDF.Statement):
        triple = (
            graph.value(statement, RDF.subject),
            graph.value(statement, RDF.predicate),
            graph.value(statement, RDF.object),
        )
        statements[triple].append(statement)
    entities = tuple(
        Entity(
            id=terms.curie(node),
            iri=str(node),
            label=describer.term(node).label,
            types=tuple(sorted(terms.curie(t) for t in graph.objects(node, RDF.type))),
        )
        for node in nodes
    )
    facts = []
    for s, p, o in sorted(
        ((s, p, o) for s, p, o in graph if is_entity(s) and is_entity(o)),
        key=lambda t: (terms.curie(t[0]), terms.curie(t[2]), terms.curie(t[1])),
    ):
        explained = [describer.statement(st) for st in statements.get((s, p, o), [])]
        outlets = {name for e in explained for name in e.outlets.names}
        facts.append(
            Fact(
                source=terms.curie(s),
                target=terms.curie(o),
                predicate=terms.curie(p),
                label=describer.predicate(p).label,
                quotes=tuple(sorted({e.quote for e in explained if e.quote})),
                sources=len(outlets),
            )
        )
    return Network(entities, tuple(facts))


def to_networkx(net: Network):
    """A networkx MultiDiGraph of the network: a node per entity, an edge per fact (keyed by
    its predicate's CURIE, as two entities may be linked by several predicates)."""
    import networkx as nx

    graph = nx.MultiDiGraph()
    for entity in net.entities:
        graph.add_node(entity.id, label=entity.label, types=" ".join(entity.types), iri=entity.iri)
    for fact in net.facts:
        graph.add_edge(
            fact.source,
            fact.target,
            key=fact.predicate,
            predicate=fact.predicate,
            label=fact.label,
            quote=fact.quote,
            sources=fact.sources,
        )
    return graph


def _graphml(net: Network) -> bytes:
    import networkx as nx

    stream = io.BytesIO()
    nx.write_graphml(to_networkx(net), stream, encoding="utf-8")
    return stream.getvalue()


def _gexf(net: Network) -> bytes:
    # What nx.write_gexf does, less the <meta lastmodifieddate> it sets to today's date.
    from networkx.readwrite.gexf import GEXFWriter

    writer = GEXFWriter(encoding="utf-8", prettyprint=True)
    meta = writer.xml.find("meta")
    if meta is not None:
        meta.attrib.pop("lastmodifieddate", None)
    writer.add_graph(to_networkx(net))
    stream = io.BytesIO()
    writer.write(stream)
    return stream.getvalue()


def _csv_edges(net: Network) -> bytes:
    stream = io.StringIO(newline="")
    writer = csv.writer(stream)  # RFC 4180: CRLF line ends, quotes where needed
    writer.writerow(CSV_HEADER)
    for fact in net.facts:
        writer.writerow(
            (fact.source, fact.target, fact.predicate, fact.label, fact.quote, fact.sources)
        )
    return stream.getvalue().encode("utf-8")


WRITERS: dict[str, Callable[[Network], bytes]] = {
    "graphml": _graphml,
    "gexf": _gexf,
    "csv-edges": _csv_edges,
}


def export(loaded: LoadedGraph, fmt: str) -> bytes:
    """The network in `fmt` (a key of FORMATS), as UTF-8 bytes."""
    return WRITERS[fmt](network(loaded))


def describe(loaded: LoadedGraph) -> str:
    """`118 nodes and 90 edges`, for a message."""
    net = network(loaded)
    return f"{len(net.entities):,} nodes and {len(net.facts):,} edges"
