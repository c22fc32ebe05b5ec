"""The graph's namespaces: our vocabulary as a closed DefinedNamespace, plus prefix binding."""

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SDO, SH, XSD, DefinedNamespace

BASE = "https://kg.example.org/kassis/"

KGR = Namespace(BASE + "id/")  # entities
SRC = Namespace(BASE + "source/")  # source records
CLAIM = Namespace(BASE + "claim/")  # authored claims (named graphs in data/)
STMT = Namespace(BASE + "statement/")  # derived rdf:Statements
KGSH = Namespace(BASE + "shapes#")


class KGV(DefinedNamespace):
    """The project vocabulary (ontology/vocab.ttl); a misspelt term fails at import time."""

    _fail = True
    _NS = Namespace(BASE + "vocab#")

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


# Predicates whose facts hold both ways: the loader derives the inverse statement of each (the
# same quote and sources, marked kgv:inverseOf). ontology/vocab.ttl declares them
# owl:SymmetricProperty; a test keeps the two in step.
SYMMETRIC = frozenset({SDO.spouse})

OA = Namespace("http://www.w3.org/ns/oa#")

PREFIXES: dict[str, str] = {
    "kgr": str(KGR),
    "src": str(SRC),
    "claim": str(CLAIM),
    "stmt": str(STMT),
    "kgv": str(KGV._NS),
    "kgsh": str(KGSH),
    "schema": str(SDO),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "sh": str(SH),
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project prefixes (replacing rdflib's defaults, e.g. schema: for https)."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph
