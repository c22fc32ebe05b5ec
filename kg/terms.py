"""How kg shows an RDF term, the one place that knows: a CURIE for the project's namespaces, a
literal's value, N-Triples for machines. Takes pyoxigraph terms (what queries answer with) and
rdflib terms (what validate, why and the pages hold) alike, without importing rdflib.
"""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode

from kg.iris import PREFIXES, XSD

XSD_STRING = XSD + "string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


# Longest namespace first, so that a namespace inside another never wins.
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


def curie(iri: object) -> str:
    """`kgr:randa-kassis` for an IRI in a project namespace, else the IRI itself."""
    text = str(iri.value if isinstance(iri, NamedNode) else iri)
    for prefix, namespace in _BY_LENGTH:
        if text.startswith(namespace) and len(text) > len(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return text


def expand(text: str) -> str | None:
    """The IRI that `text` writes: a CURIE of a project prefix (`src:x`), an IRI (`https://...`)
    or an IRI in angle brackets. None when it is neither."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, colon, local = text.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    if colon and prefix.isascii() and prefix.isalpha() and local.startswith("//"):
        return text if not any(c.isspace() or c in '<>"' for c in text) else None
    return None


def name(iri: object) -> str:
    """The IRI as Turtle writes it: a CURIE where a project prefix fits, else `<iri>`."""
    shown = curie(iri)
    return f"<{shown}>" if shown == str(iri.value if isinstance(iri, NamedNode) else iri) else shown


def kind(term: object) -> str:
    """'iri', 'bnode' or 'literal', for a pyoxigraph or an rdflib term."""
    if isinstance(term, NamedNode):
        return "iri"
    if isinstance(term, BlankNode):
        return "bnode"
    if isinstance(term, Literal):
        return "literal"
    name = type(term).__name__  # rdflib's, which kg imports only where it needs them
    return {"URIRef": "iri", "BNode": "bnode", "Literal": "literal"}.get(name, "literal")


def value(term: object) -> str:
    """The term's lexical value: an IRI's text, a blank node's label, a literal's form."""
    if isinstance(term, NamedNode | BlankNode | Literal):
        return term.value
    return str(term)


def short(term: object | None) -> str:
    """A term as a person reads it: a CURIE for our namespaces, the value for literals."""
    if term is None:
        return ""
    what = kind(term)
    if what == "iri":
        return curie(value(term))
    if what == "bnode":
        return f"_:{value(term)}"
    return value(term)


def datatype(term: object) -> str | None:
    """A literal's datatype IRI; None for a plain or language-tagged literal (RDF 1.1 reads a
    plain literal as xsd:string: both give None here)."""
    if isinstance(term, Literal):
        found = term.datatype.value
    else:
        found = getattr(term, "datatype", None)
        found = str(found) if found is not None else None
    return None if found in (XSD_STRING, LANG_STRING) else found


def ntriples(term: object) -> str:
    """The term in N-Triples syntax (as SPARQL TSV and kg's statement IRIs write it)."""
    if isinstance(term, NamedNode | BlankNode | Literal):
        return str(term)
    return term.n3()
