"""Render query results: SPARQL 1.1 result formats for machines, tables for people."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable

from rdflib import BNode, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node

from kg.errors import KgError
from kg.namespaces import PREFIXES, bind_prefixes

FSI, PDI = "\u2068", "\u2069"  # Unicode isolates keep right-to-left text from reordering a row


def short(term: Node | None) -> str:
    """A term as a person reads it: CURIE for our namespaces, the value for literals."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        for prefix, namespace in PREFIXES.items():
            if str(term).startswith(namespace) and len(str(term)) > len(namespace):
                return f"{prefix}:{str(term)[len(namespace) :]}"
        return str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _width(text: str) -> int:
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _isolate(text: str) -> str:
    if any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return f"{FSI}{text}{PDI}"
    return text


def _rows(result: Result) -> tuple[list[str], list[list[Node | None]]]:
    names = [str(v) for v in result.vars or []]
    return names, [[row[i] for i in range(len(names))] for row in result]


def table(result: Result) -> str:
    names, rows = _rows(result)
    cells = [[_isolate(short(term)).replace("\n", " ") for term in row] for row in rows]
    widths = [max([_width(n)] + [_width(r[i]) for r in cells]) for i, n in enumerate(names)]

    def line(values: list[str]) -> str:
        padded = [v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)]
        return "  ".join(padded).rstrip()

    out = [line(names), line(["-" * w for w in widths])] + [line(r) for r in cells]
    noun = "row" if len(rows) == 1 else "rows"
    return "\n".join(out) + f"\n({len(rows)} {noun})\n"


def markdown(result: Result) -> str:
    names, rows = _rows(result)

    def cell(term: Node | None) -> str:
        return short(term).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(names) + " |", "|" + "|".join("---" for _ in names) + "|"]
    out += ["| " + " | ".join(cell(t) for t in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def tsv(result: Result) -> str:
    """SPARQL 1.1 TSV: `?var` headers, terms in Turtle/N-Triples syntax."""
    names, rows = _rows(result)
    out = ["\t".join(f"?{n}" for n in names)]
    for row in rows:
        out.append("\t".join(_tsv_term(t) for t in row))
    return "\n".join(out) + "\n"


def _tsv_term(term: Node | None) -> str:
    if term is None:
        return ""
    text = term.n3()
    if isinstance(term, Literal):
        text = text.replace("\t", "\\t").replace("\n", "\\n")
    return text


def csv_format(result: Result) -> str:
    """SPARQL 1.1 CSV: plain values, IRIs in full, CRLF line ends as RFC 4180 says."""
    names, rows = _rows(result)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow(["" if t is None else str(t) for t in row])
    return buffer.getvalue()


def _serialized(fmt: str) -> Callable[[Result], str]:
    def render(result: Result) -> str:
        return result.serialize(format=fmt).decode("utf-8") + "\n"

    return render


SELECT_FORMATS: dict[str, Callable[[Result], str]] = {
    "table": table,
    "csv": csv_format,
    "tsv": tsv,
    "json": _serialized("json"),
    "xml": _serialized("xml"),
    "markdown": markdown,
}

GRAPH_FORMATS = {
    "turtle": "longturtle",
    "nt": "nt",
    "xml": "xml",
    "json-ld": "json-ld",
    "trig": "trig",
    "nq": "nquads",
}


def render_result(result: Result, output_format: str | None, interactive: bool = False):
    """Render any query result in the format asked for, or say which formats fit its form.

    Defaults: a table on a terminal (else TSV) for SELECT, true/false for ASK, Turtle for graphs.
    """
    from kg.queries import Answer

    if result.type == "ASK":
        if output_format in ("json", "xml"):
            return Answer(result.serialize(format=output_format).decode("utf-8") + "\n")
        if output_format not in (None, "table"):
            raise KgError("an ASK query prints true/false, or json|xml results")
        return Answer("true\n" if result.askAnswer else "false\n", bool(result.askAnswer))
    if result.type == "SELECT":
        chosen = output_format or ("table" if interactive else "tsv")
        if chosen not in SELECT_FORMATS:
            raise KgError(
                f"--format {chosen} is for CONSTRUCT/DESCRIBE; SELECT results take "
                + "|".join(SELECT_FORMATS)
            )
        return Answer(SELECT_FORMATS[chosen](result))
    chosen = output_format or "turtle"
    if chosen not in GRAPH_FORMATS:
        raise KgError(
            f"--format {chosen} is for SELECT; a {result.type} query gives a graph: "
            + "|".join(GRAPH_FORMATS)
        )
    return Answer(bind_prefixes(result.graph).serialize(format=GRAPH_FORMATS[chosen]))
