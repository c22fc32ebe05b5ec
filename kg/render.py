"""Render a query's Result: SPARQL 1.1 result formats for machines, tables for people, RDF for
graphs. The formats and their media types are kg.formats' table; terms are shown by kg.terms.
Every renderer is deterministic: same Result, same bytes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pyoxigraph as ox

from kg import terms
from kg.errors import KgError
from kg.formats import GRAPH_FORMATS, RESULT_FORMATS
from kg.iris import PREFIXES
from kg.results import Answer, Result


def escape(text: str) -> str:
    """Text for XML character data (xml.sax.saxutils's escape, without importing urllib)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    """An XML attribute value in double quotes."""
    return '"' + escape(text).replace('"', "&quot;").replace("\n", "&#10;") + '"'


FSI, PDI = "\u2068", "\u2069"  # Unicode isolates keep right-to-left text from reordering a row


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


def table(result: Result) -> str:
    names, rows = result.variables, result.rows
    cells = [[_isolate(terms.short(term)).replace("\n", " ") for term in row] for row in rows]
    widths = [max([_width(n)] + [_width(r[i]) for r in cells]) for i, n in enumerate(names)]

    def line(values: list[str]) -> str:
        padded = [v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)]
        return "  ".join(padded).rstrip()

    out = [line(list(names)), line(["-" * w for w in widths])] + [line(r) for r in cells]
    noun = "row" if len(rows) == 1 else "rows"
    return "\n".join(out) + f"\n({len(rows)} {noun})\n"


def markdown(result: Result) -> str:
    def cell(term) -> str:
        return terms.short(term).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(result.variables) + " |"]
    out.append("|" + "|".join("---" for _ in result.variables) + "|")
    out += ["| " + " | ".join(cell(t) for t in row) + " |" for row in result.rows]
    return "\n".join(out) + "\n"


def tsv(result: Result) -> str:
    """SPARQL 1.1 TSV: `?var` headers, terms in N-Triples syntax."""
    out = ["\t".join(f"?{n}" for n in result.variables)]
    for row in result.rows:
        out.append("\t".join("" if t is None else _tsv_term(t) for t in row))
    return "\n".join(out) + "\n"


def _tsv_term(term) -> str:
    text = terms.ntriples(term)
    if isinstance(term, ox.Literal):
        text = text.replace("\t", "\\t")
    return text


def csv_format(result: Result) -> str:
    """SPARQL 1.1 CSV: plain values, IRIs in full, CRLF line ends as RFC 4180 says."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if t is None else t.value for t in row])
    return buffer.getvalue()


def _json_term(term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    found: dict[str, str] = {"type": "literal", "value": term.value}
    if term.language:
        found["xml:lang"] = term.language
    elif terms.datatype(term):
        found["datatype"] = term.datatype.value
    return found


def json_format(result: Result) -> str:
    """SPARQL 1.1 JSON results; an ASK answer as {"head": {}, "boolean": ...}."""
    import json

    if result.form == "ASK":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)}) + "\n"
    bindings = [
        {
            name: _json_term(t)
            for name, t in zip(result.variables, row, strict=True)
            if t is not None
        }
        for row in result.rows
    ]
    document = {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False) + "\n"


XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'


def xml_format(result: Result) -> str:
    """SPARQL 1.1 XML results."""
    if result.form == "ASK":
        return (
            XML_HEAD
            + f"<head/>\n<boolean>{str(bool(result.boolean)).lower()}</boolean>\n</sparql>\n"
        )
    out = [XML_HEAD, "<head>\n"]
    out += [f"<variable name={quoteattr(n)}/>\n" for n in result.variables]
    out.append("</head>\n<results>\n")
    for row in result.rows:
        out.append("<result>\n")
        for name, term in zip(result.variables, row, strict=True):
            if term is not None:
                out.append(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>\n")
        out.append("</result>\n")
    out.append("</results>\n</sparql>\n")
    return "".join(out)


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if terms.datatype(term):
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


SELECT_RENDERERS: dict[str, Callable[[Result], str]] = {
    "table": table,
    "csv": csv_format,
    "tsv": tsv,
    "json": json_format,
    "xml": xml_format,
    "markdown": markdown,
}
assert set(SELECT_RENDERERS) == set(RESULT_FORMATS)


def graph_bytes(triples, fmt: str) -> bytes:
    """Sorted triples in an RDF format, written by Oxigraph with the project's prefixes."""
    fmt_spec = GRAPH_FORMATS[fmt]
    items = (
        [ox.Quad(t.subject, t.predicate, t.object) for t in triples] if fmt_spec.quads else triples
    )
    prefixes = None if fmt in ("nt", "nq") else dict(PREFIXES)
    body = ox.serialize(items, format=getattr(ox.RdfFormat, fmt_spec.oxigraph), prefixes=prefixes)
    if fmt not in ("turtle", "trig"):
        return body
    # Oxigraph writes the @prefix lines in its own order: put them in kg's.
    lines = body.split(b"\n")
    count = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix ")), 0)
    order = {f"@prefix {name}:".encode(): index for index, name in enumerate(PREFIXES)}
    head = sorted(lines[:count], key=lambda line: order.get(line.split(b" <")[0], len(order)))
    return b"\n".join(head + lines[count:])


TRIPLE_COLUMNS = ("subject", "predicate", "object")


def render(result: Result, output_format: str | None, interactive: bool = False) -> Answer:
    """Render any result in the format asked for, or say which formats fit its form.

    Defaults: a table on a terminal (else TSV) for SELECT, true/false for ASK, Turtle for graphs.
    A graph asked for as CSV is its triples, one a row: grlc's forms ask every query for CSV.
    """
    form = result.form
    if form == "ASK":
        word = "true" if result.boolean else "false"
        if output_format in ("json", "xml"):
            text = SELECT_RENDERERS[output_format](result)
            media = RESULT_FORMATS[output_format].media_type
        elif output_format in ("csv", "tsv"):
            # SPARQL's CSV/TSV formats define no boolean; this is Jena's form, which Jena reads
            # back as a boolean and rdflib as one row holding true or false
            text = (
                f"_askResult\r\n{word}\r\n" if output_format == "csv" else f"?_askResult\n{word}\n"
            )
            media = RESULT_FORMATS[output_format].media_type
        elif output_format in (None, "table"):
            text, media = word + "\n", "text/plain"
        else:
            raise KgError("an ASK query prints true/false, or json|xml|csv|tsv results")
        return Answer(text.encode("utf-8"), media, form, ask=bool(result.boolean))
    if form == "SELECT":
        chosen = output_format or ("table" if interactive else "tsv")
        if chosen not in SELECT_RENDERERS:
            raise KgError(
                f"--format {chosen} is for CONSTRUCT/DESCRIBE; SELECT results take "
                + "|".join(SELECT_RENDERERS)
            )
        body = SELECT_RENDERERS[chosen](result).encode("utf-8")
        return Answer(body, RESULT_FORMATS[chosen].media_type, form, result.size, result.truncated)
    chosen = output_format or "turtle"
    if chosen == "csv":  # as Virtuoso writes a graph in CSV: its triples, one a row
        rows = tuple((t.subject, t.predicate, t.object) for t in result.triples)
        body = csv_format(Result("SELECT", TRIPLE_COLUMNS, rows)).encode("utf-8")
        return Answer(body, RESULT_FORMATS[chosen].media_type, form, result.size, result.truncated)
    if chosen not in GRAPH_FORMATS:
        raise KgError(
            f"--format {chosen} is for SELECT; a {form} query gives a graph: "
            + "|".join(GRAPH_FORMATS)
        )
    body = graph_bytes(result.triples, chosen)
    return Answer(body, GRAPH_FORMATS[chosen].media_type, form, result.size, result.truncated)
