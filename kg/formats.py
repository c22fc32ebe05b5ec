"""Every output format kg writes, in one table: its name on the command line, its media type,
its file suffix, and what it can carry. `kg query`, `kg export`, `kg cite`, the server's content
negotiation and its OpenAPI document all read these tables.

A query's answer is either a result set (SELECT, ASK: the SPARQL 1.1 result formats, and tables
for people) or a graph (CONSTRUCT, DESCRIBE: the RDF formats). `xml` is a name in both: SPARQL
XML results for a result set, RDF/XML for a graph.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    suffix: str
    also: tuple[str, ...] = ()  # other media types that ask for it
    quads: bool = False  # an RDF format that carries named graphs
    ask: bool = True  # a result format that can carry an ASK answer
    rdflib: str = ""  # rdflib's serializer, for graphs kg holds in rdflib (pages, export)
    oxigraph: str = ""  # the pyoxigraph.RdfFormat member that writes it (query answers)

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.also)


# Result sets (SELECT, ASK); the first is what the server sends when the client does not say.
RESULT_FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("json", "application/sparql-results+json", ".srj", ("application/json",)),
        Format("xml", "application/sparql-results+xml", ".srx", ("application/xml",)),
        Format("csv", "text/csv", ".csv"),  # ASK as Jena writes it: a header, then true/false
        Format("tsv", "text/tab-separated-values", ".tsv"),
        Format("table", "text/plain", ".txt"),
        Format("markdown", "text/markdown", ".md", ask=False),
    )
}

# RDF (CONSTRUCT, DESCRIBE answers and `kg export`); the first is the default.
GRAPH_FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        # Turtle is N3 too; JSON-LD is the JSON of a graph; N-Triples is plain text (as Oxigraph
        # and Jena answer those media types)
        Format(
            "turtle", "text/turtle", ".ttl", ("text/n3",), rdflib="longturtle", oxigraph="TURTLE"
        ),
        Format(
            "json-ld",
            "application/ld+json",
            ".jsonld",
            ("application/json",),
            rdflib="json-ld",
            oxigraph="JSON_LD",
        ),
        Format(
            "nt", "application/n-triples", ".nt", ("text/plain",), rdflib="nt", oxigraph="N_TRIPLES"
        ),
        Format("nq", "application/n-quads", ".nq", quads=True, rdflib="nquads", oxigraph="N_QUADS"),
        Format("trig", "application/trig", ".trig", quads=True, rdflib="trig", oxigraph="TRIG"),
        Format("xml", "application/rdf+xml", ".rdf", rdflib="xml", oxigraph="RDF_XML"),
    )
}

# Citations of source records and books (`kg cite`, kg.cite); the first is the default.
CITATION_FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("csl-json", "application/vnd.citationstyles.csl+json", ".json"),
        Format("bibtex", "application/x-bibtex", ".bib"),
        Format("ris", "application/x-research-info-systems", ".ris"),
    )
}

# The graph as a network of entities and the facts between them, for graph tools (Gephi,
# Cytoscape, yEd, a spreadsheet): `kg export --format graphml|gexf|csv-edges` (kg.graph_tools).
NETWORK_FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("graphml", "application/graphml+xml", ".graphml"),
        Format("gexf", "application/gexf+xml", ".gexf"),
        Format("csv-edges", "text/csv", ".csv"),
    )
}

# What the server offers by HTTP (tables for people are the pages' business).
SERVED_RESULT_FORMATS = ("json", "xml", "csv", "tsv")
SERVED_GRAPH_FORMATS = ("turtle", "json-ld", "nt", "nq", "trig", "xml")
# A graph asked for as SPARQL results (rdflib's SPARQLStore with returnFormat json or xml asks
# only for those): the graph format of the same syntax, when no graph format fits the Accept.
GRAPH_FOR_RESULT_TYPE = {
    "application/sparql-results+json": "json-ld",
    "application/sparql-results+xml": "xml",
}

QUERY_FORMAT_NAMES = list(dict.fromkeys([*RESULT_FORMATS, *GRAPH_FORMATS]))


def offered(names: tuple[str, ...], table: dict[str, Format]) -> dict[str, str]:
    """Media type -> format name, for content negotiation (first one is the default)."""
    return {media: name for name in names for media in table[name].media_types}
