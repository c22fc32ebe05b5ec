"""The graph's IRIs as plain strings, and how kg mints the IRIs of derived nodes: what the fast
path (`kg query`, the server) needs of the vocabulary, without importing rdflib. kg.namespaces
builds rdflib's namespaces from these."""

import hashlib
import re

BASE = "https://kg.example.org/kassis/"
KGV = BASE + "vocab#"
SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"

PREFIXES: dict[str, str] = {
    "kgr": BASE + "id/",  # entities
    "src": BASE + "source/",  # source records
    "claim": BASE + "claim/",  # authored claims (named graphs in data/)
    "stmt": BASE + "statement/",  # derived rdf:Statements
    "kgv": KGV,
    "kgsh": BASE + "shapes#",
    "schema": SCHEMA,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": XSD,
    "sh": "http://www.w3.org/ns/shacl#",
}

# Predicates whose facts hold both ways: the loader derives the inverse statement of each (the
# same quote and sources, marked kgv:inverseOf). ontology/vocab.ttl declares them
# owl:SymmetricProperty; a test keeps the two in step.
SYMMETRIC = frozenset({SCHEMA + "spouse"})

CLAIM = PREFIXES["claim"]
STMT = PREFIXES["stmt"]
SRC = PREFIXES["src"]


def claim_key(claim: object) -> str:
    """The claim's part of its statements' IRIs: its local name, or a digest of an odd IRI."""
    claim_name = str(claim)
    local = claim_name[len(CLAIM) :] if claim_name.startswith(CLAIM) else None
    if not local or not re.fullmatch(r"[A-Za-z0-9._~-]+", local):
        local = hashlib.sha1(claim_name.encode()).hexdigest()[:12]
    return local


def statement_name(key: str, ntriple: str) -> str:
    """The statement IRI for a claim key and the triple in rdflib's `.n3()` form, space-joined."""
    return f"{STMT}{key}-{hashlib.sha1(ntriple.encode()).hexdigest()[:10]}"


def derivation_name(statement: str, entity: str) -> str:
    """The IRI of the prov:Derivation that credits `entity` (a source) for `statement`."""
    local = entity[len(SRC) :] if entity.startswith(SRC) else ""
    if not re.fullmatch(r"[A-Za-z0-9._~-]+", local):
        local = hashlib.sha1(entity.encode()).hexdigest()[:12]
    return f"{statement}/from/{local}"


# The local names of our IRIs (kgr:randa-kassis, src:lemonde-2017-03-19-baussart). A page path
# that is not one of these is a 404 before anything is looked up.
LOCAL_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,199}")
PAGES = ((PREFIXES["kgr"], "/id/"), (SRC, "/source/"))


def href(iri: object) -> str | None:
    """The page of one of our IRIs on `kg serve` (`/id/<local>`, `/source/<local>`), or None."""
    if iri is None:
        return None
    text = str(iri)
    for namespace, path in PAGES:
        local = text[len(namespace) :]
        if text.startswith(namespace) and LOCAL_NAME.fullmatch(local):
            return path + local
    return None


def statement_anchor(statement: object) -> str:
    """The id of a statement's fact card on its subject's page: its IRI's local name."""
    return str(statement).rsplit("/", 1)[-1]


def statement_href(subject: object, statement: object) -> str | None:
    """Where a statement is shown: its fact card on its subject's page (`/id/x#<anchor>`)."""
    page = href(subject)
    return f"{page}#{statement_anchor(statement)}" if page else None
