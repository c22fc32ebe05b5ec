"""The graph's namespaces for rdflib: our vocabulary as a closed DefinedNamespace, plus prefix
binding. The IRIs themselves are in kg.iris (no rdflib), which the fast path reads."""

import logging

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SDO, SH, XSD, DefinedNamespace  # noqa: F401 -- re-exported

from kg import iris
from kg.iris import PREFIXES

# rdflib logs a traceback for a literal it cannot convert (a 5,000-digit integer) and keeps
# the literal as written; the answer is right, so the log is noise on a user's terminal.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)

KGR = Namespace(PREFIXES["kgr"])  # entities
SRC = Namespace(PREFIXES["src"])  # source records
CLAIM = Namespace(PREFIXES["claim"])  # authored claims (named graphs in data/)
STMT = Namespace(PREFIXES["stmt"])  # derived rdf:Statements
KGSH = Namespace(PREFIXES["kgsh"])


class KGV(DefinedNamespace):
    """The project vocabulary (ontology/vocab.ttl); a misspelt term fails at import time."""

    _fail = True
    _NS = Namespace(iris.KGV)

    SourceRecord: URIRef
    Position: URIRef
    quote: URIRef
    fromClaim: URIRef
    evidenceFile: URIRef
    retrievedOn: URIRef
    archivedOn: URIRef
    oclc: URIRef
    placeOfPublication: URIRef
    isFormer: URIRef
    endReason: URIRef
    underBannerOf: URIRef
    holdsPosition: URIRef
    criticizedBy: URIRef
    composition: URIRef
    purpose: URIRef
    requestAddressedTo: URIRef
    moderator: URIRef
    openingSessionChair: URIRef
    agreedToCreateBy: URIRef
    outcome: URIRef
    closeTo: URIRef
    citationText: URIRef
    entryWords: URIRef
    topicOnly: URIRef
    quoteIn: URIRef
    referenceList: URIRef
    mentionReviewed: URIRef
    earliest: URIRef
    latest: URIRef
    inverseOf: URIRef
    closeFriendOf: URIRef
    leadingCommentatorOn: URIRef
    leadingCommentatorSince: URIRef
    roundOf: URIRef
    drawnUpBy: URIRef
    invitedBy: URIRef
    invitedTo: URIRef
    timing: URIRef
    agreedAfter: URIRef
    foundingParties: URIRef
    Office: URIRef


SYMMETRIC = frozenset(URIRef(iri) for iri in iris.SYMMETRIC)  # see kg.iris

OA = Namespace("http://www.w3.org/ns/oa#")


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project prefixes (replacing rdflib's defaults, e.g. schema: for https)."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph
