"""Rows of a SPARQL JSON result, made comparable across engines (shared by the benches).

Engines agree on the terms of an answer but not on how they write them: rdflib writes a
`typed-literal` where Oxigraph writes a `literal`, some write `xsd:string` and some leave it out,
blank node labels are each engine's own. `rows()` keeps what the answer means: each row as its
sorted (variable, term) pairs, and the rows as a sorted list (a multiset: engines may order ties
differently, so order is not compared).
"""

from __future__ import annotations

import json

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# What `kg query books` answers on the shipped graph: her four books, one row each.
BOOKS_ISBNS = frozenset({"9781492880608", "9791093501031", "9782810007318", "9782940523634"})

Term = tuple[str, str, str, str]  # kind, value, language, datatype
Row = tuple[tuple[str, Term], ...]


def term(value: dict) -> Term:
    kind = value.get("type", "")
    if kind == "typed-literal":
        kind = "literal"
    if kind == "bnode":
        return ("bnode", "_", "", "")  # labels are local to an answer
    datatype = value.get("datatype", "")
    if datatype in (XSD_STRING, RDF_LANG_STRING):
        datatype = ""
    return (kind, value.get("value", ""), value.get("xml:lang", "").lower(), datatype)


def rows(answer: bytes | str | dict) -> list[Row]:
    """The rows of a SPARQL 1.1 JSON result (SELECT or ASK), sorted; ValueError if it is not one."""
    if not isinstance(answer, dict):
        try:
            answer = json.loads(answer)
        except ValueError as error:
            raise ValueError(f"not a SPARQL JSON result: {error}") from None
    if not isinstance(answer, dict):
        raise ValueError("not a SPARQL JSON result: not a JSON object")
    if "boolean" in answer:
        return [(("boolean", ("literal", str(answer["boolean"]).lower(), "", "")),)]
    try:
        bindings = answer["results"]["bindings"]
    except (KeyError, TypeError):
        raise ValueError("not a SPARQL JSON result: no results.bindings") from None
    return sorted(tuple(sorted((k, term(v)) for k, v in row.items())) for row in bindings)


def isbns(found: list[Row]) -> set[str]:
    """The values bound to ?isbn in these rows."""
    return {value[1] for row in found for name, value in row if name == "isbn"}


def check_books(found: list[Row]) -> str | None:
    """None if these are the four rows of `books` on the shipped graph, else what is wrong."""
    if len(found) != len(BOOKS_ISBNS) or isbns(found) != BOOKS_ISBNS:
        got = ", ".join(sorted(isbns(found))) or "none"
        return f"{len(found)} rows with ISBNs {got}; expected the 4 rows of the four books"
    return None
