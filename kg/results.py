"""A query's answer as kg holds it, whatever store gave it: one type for every backend and every
caller (the CLI, `/api`, `/sparql`, the pages, the workers).

Terms are pyoxigraph terms. The order is fixed here, so an answer is the same bytes on every
run and every store:

- SELECT: rows in the engine's order (a query that needs an order says ORDER BY); `SELECT *`
  columns sorted by name, as Oxigraph orders them (engines differ: rdflib by appearance);
- CONSTRUCT and DESCRIBE: triples sorted by their N-Triples text, duplicates dropped.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import pyoxigraph as ox

from kg.errors import KgError

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True)
class Result:
    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Term | None, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = ()
    truncated: bool = False  # rows or triples were cut to a limit

    @property
    def size(self) -> int:
        """Rows of a SELECT, triples of a graph, 0 for ASK."""
        return len(self.rows) if self.form == "SELECT" else len(self.triples)

    def least_bytes(self) -> int:
        """A lower bound on the rendered size: every format writes each value at least once."""
        if self.form == "SELECT":
            return sum(len(t.value) for row in self.rows for t in row if t is not None)
        return sum(
            len(t.subject.value) + len(t.predicate.value) + len(t.object.value)
            for t in self.triples
        )

    def limited(self, most: int) -> Result:
        """At most `most` rows or triples (the first ones: triples are sorted, so the same cut
        every time), marked truncated if any were dropped."""
        if self.size <= most:
            return self
        if self.form == "SELECT":
            return replace(self, rows=self.rows[:most], truncated=True)
        return replace(self, triples=self.triples[:most], truncated=True)


def sorted_triples(triples) -> tuple[ox.Triple, ...]:
    unique = {str(t): t for t in triples}
    return tuple(unique[key] for key in sorted(unique))


def from_oxigraph(answer, form: str, star: bool = False, most: int | None = None) -> Result:
    """Oxigraph's answer (QuerySolutions, QueryBoolean or QueryTriples) as a Result; with
    `most`, at most that many rows or triples are read from the engine (it stops there)."""
    if isinstance(answer, ox.QueryBoolean):
        return Result("ASK", boolean=bool(answer))
    read = answer if most is None else itertools.islice(answer, most + 1)
    if isinstance(answer, ox.QueryTriples):
        graph_form = form if form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT"
        found = Result(graph_form, triples=sorted_triples(read))
    else:
        names = tuple(v.value for v in answer.variables)
        found = _star_sorted(Result("SELECT", names, tuple(tuple(s) for s in read)), star)
    return found if most is None else found.limited(most)


def _star_sorted(result: Result, star: bool) -> Result:
    if not star or list(result.variables) == sorted(result.variables):
        return result
    order = sorted(range(len(result.variables)), key=lambda i: result.variables[i])
    return replace(
        result,
        variables=tuple(result.variables[i] for i in order),
        rows=tuple(tuple(row[i] for i in order) for row in result.rows),
    )


class MalformedAnswer(KgError):
    """An engine's answer could not be read as SPARQL results or RDF."""


# Virtuoso 7.2 answers ASK as a SELECT of this one variable: one row (1) for true, none for false.
VIRTUOSO_ASK = "__ASK_RETVAL"


def from_sparql_results(data: bytes, media_type: str, form: str, star: bool = False) -> Result:
    """SPARQL 1.1 results (JSON, XML, CSV or TSV) from an engine, as a Result."""
    formats = {
        "application/sparql-results+json": ox.QueryResultsFormat.JSON,
        "application/json": ox.QueryResultsFormat.JSON,
        "application/sparql-results+xml": ox.QueryResultsFormat.XML,
        "application/xml": ox.QueryResultsFormat.XML,
        "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    }
    if media_type not in formats:
        raise MalformedAnswer(f"did not answer with SPARQL results (got {media_type or 'no type'})")
    name = "JSON" if "json" in media_type else "XML" if "xml" in media_type else "TSV"
    try:
        parsed = ox.parse_query_results(data, format=formats[media_type])
        if isinstance(parsed, ox.QueryBoolean):
            if form != "ASK":
                raise MalformedAnswer("answered true/false to a query that is not ASK")
            return Result("ASK", boolean=bool(parsed))
        if form == "ASK" and [v.value for v in parsed.variables] == [VIRTUOSO_ASK]:
            return Result("ASK", boolean=any(row[0] is not None for row in parsed))
        if form == "ASK":
            raise MalformedAnswer("answered rows to an ASK query, which answers true or false")
        return from_oxigraph(parsed, form, star)
    except (SyntaxError, ValueError) as error:
        said = " ".join(str(error).split())
        raise MalformedAnswer(f"did not answer with SPARQL {name} results ({said})") from None


def from_rdf(data: bytes, media_type: str, form: str) -> Result:
    """A CONSTRUCT or DESCRIBE answer (N-Triples or Turtle) from an engine, as a Result."""
    formats = {
        "application/n-triples": ox.RdfFormat.N_TRIPLES,
        "text/plain": ox.RdfFormat.N_TRIPLES,
        "text/turtle": ox.RdfFormat.TURTLE,
    }
    if media_type not in formats:
        raise MalformedAnswer(f"did not answer with RDF (got {media_type or 'no type'})")
    try:
        triples = [q.triple for q in ox.parse(data, format=formats[media_type])]
    except (SyntaxError, ValueError) as error:
        said = " ".join(str(error).split())
        raise MalformedAnswer(f"answered with malformed {media_type} ({said})") from None
    return Result(form, triples=sorted_triples(triples))


@dataclass(frozen=True)
class Answer:
    """A rendered answer: the bytes to print or send, their media type, and what they hold."""

    body: bytes
    media_type: str
    form: str
    size: int = 0  # rows or triples
    truncated: bool = False
    ask: bool | None = None  # an ASK query's answer, whatever the format (the CLI exits 1 on false)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")
