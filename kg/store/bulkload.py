"""Load a tree straight into Oxigraph: Oxigraph's own parser, no rdflib graph. The disk store
(`kg load`) and the memory store (kg.store.memory) are both filled from `plan`.

`kg --store oxigraph:PATH load` used to parse the TriG files with rdflib, derive the statements
in an rdflib Graph, then convert every triple for pyoxigraph: about ten times `oxigraph load` on
the same quads. Here Oxigraph (Rust) parses the files, the statements are derived from its terms
as N-Quads text, and the store's bulk loader reads that text as it is made (1.3-1.4x
`oxigraph load` of the finished quads at 10^6 triples; bench/RESULTS.md).

The store holds exactly what `kg.load.load` + `kg.store.oxigraph.build_oxigraph` would write (a test
compares the two on the shipped tree and a synthetic one): the same statement IRIs (the triple
is hashed in rdflib's `.n3()` form), literals in rdflib's canonical lexical form. Whenever a
file does not parse or breaks an authoring rule, the rdflib loader is run to report it, so the
message is the one every other command gives (file:line and how to fix it).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from kg.dates import bounds
from kg.errors import DataSyntaxError, one_line
from kg.iris import BASE, KGV, SYMMETRIC, claim_key, derivation_name, statement_name
from kg.iris import PROV as PROV_NS
from kg.iris import RDF as RDF_NS
from kg.iris import XSD as XSD_NS
from kg.store import StoreError
from kg.store.oxigraph import mark_store, prepare_oxigraph_folder
from kg.tree import DATA_SUFFIXES, Tree, data_files

XSD_DATE = XSD_NS + "date"


class _Refused(Exception):
    """The tree breaks a rule the rdflib loader reports with file:line; it is asked for it."""


@dataclass
class BulkLoad:
    """A tree read and checked, ready to stream into a store: `total` N-Quads `lines`."""

    total: int
    lines: Iterator[str]


def plan(tree: Tree) -> BulkLoad:
    """Parse the tree's data files with Oxigraph, check the authoring rules, derive the rest.

    Errors are the rdflib loader's (file:line and how to fix it), for the same input.
    """
    ox = pyoxigraph
    try:
        return BulkLoad(*_derive(tree, ox))
    except _Refused:
        from kg.load import load

        load(tree)  # raises the authoring error with its file:line
        raise DataSyntaxError(  # only if kg's two loaders disagree: a bug
            f"{tree.relative(tree.data_dir)}: the Oxigraph loader refused data the rdflib loader "
            "accepts; use `kg --store memory` and report it"
        ) from None
    except _OxigraphSyntax as error:
        from kg.load import load

        load(tree)  # rdflib's message is the one every command gives; use it when it agrees
        raise DataSyntaxError(str(error)) from None


def write(
    path: str | os.PathLike[str],
    bulk: BulkLoad,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Build the Oxigraph store at `path` from a plan, replacing the store there, if any.

    The store is built in a sibling folder and swapped in when complete, so a failure leaves
    the old store as it was. `progress(done, total)` is called as quads go in. Returns the
    number of quads written (duplicates included; the store keeps one).
    """
    import secrets
    import shutil

    ox = pyoxigraph
    final = prepare_oxigraph_folder(path)
    # A fresh name: the store is built where nothing was, so removing it never loses anything.
    building = final.with_name(f".{final.name}.building-{secrets.token_hex(6)}")
    try:
        store = ox.Store(str(building))
        try:
            # lenient: the lines are written from terms Oxigraph has already parsed and checked.
            reader = _LinesReader(bulk.lines, bulk.total, progress)
            store.bulk_load(reader, format=ox.RdfFormat.N_QUADS, lenient=True)
            store.flush()
        finally:
            del store  # closes the database before it is moved
        mark_store(building)
        _swap_in(building, final)
    except OSError as error:
        message = f"cannot write the Oxigraph store at {final}: {one_line(error)}"
        raise StoreError(message) from None
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return bulk.total


def _swap_in(built: Path, final: Path) -> None:
    """Put the built store at `final`; a store already there is moved aside, then removed
    (a server reading it keeps its open files until it restarts)."""
    import secrets
    import shutil

    old = final.with_name(f".{final.name}.old-{secrets.token_hex(6)}")
    if final.exists():
        os.replace(final, old)
    os.replace(built, final)
    shutil.rmtree(old, ignore_errors=True)


class _LinesReader(io.RawIOBase):
    """A binary stream over generated N-Quads lines, so the store reads them as they are made
    (no file, no whole text in memory); counts lines for the progress callback."""

    def __init__(self, lines: Iterator[str], total: int, progress) -> None:
        self.lines, self.total, self.progress = lines, total, progress
        self.pending, self.done = b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while len(self.pending) < len(buffer):
            chunk = next(self.lines, None)
            if chunk is None:
                break
            self.pending += chunk.encode()
            if self.progress:
                self.done += chunk.count("\n")
                self.progress(min(self.done, self.total), self.total)
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


class _OxigraphSyntax(Exception):
    pass


def _derive(tree: Tree, ox) -> tuple[int, Iterator[str]]:
    """How many quads the store gets, and their N-Quads lines: default graph, then claims.

    Every authoring rule is checked before the first line is produced; the lines are written
    from terms Oxigraph parsed (so they are valid N-Quads) as the store reads them.
    """
    default_graph = ox.DefaultGraph()
    quote = f"<{KGV}quote>"
    qualified = f"<{PROV_NS}qualifiedDerivation>"
    entity = f"<{PROV_NS}entity>"
    symmetric = {f"<{p}>" for p in SYMMETRIC}
    terms = _RdflibForms(ox)

    # claim -> [(s, p, o, o's n3, day range of a dated o)]
    claims: dict[str, list[tuple[str, str, str, str, tuple[str, str] | None]]] = {}
    claim_file: dict[str, Path] = {}
    plain: list[tuple[str, str, object]] = []  # the default graph, as written
    for path in data_files(tree):
        for quad in _parse(tree, path, ox):
            name = quad.graph_name
            if name == default_graph:
                plain.append((str(quad.subject), str(quad.predicate), quad.object))
                continue
            s, o = quad.subject, quad.object
            if isinstance(s, ox.BlankNode) or isinstance(o, ox.BlankNode):
                raise _Refused  # a claim's triple needs a stable identity
            name = str(name)
            if name not in claims:
                claims[name], claim_file[name] = [], path
            elif claim_file[name] != path:
                raise _Refused  # one claim written in two files
            days = bounds(o.value, o.datatype.value) if isinstance(o, ox.Literal) else None
            o, o_n3 = terms.object(o)
            claims[name].append((str(s), str(quad.predicate), o, o_n3, days))

    about: dict[str, list[str]] = {}  # claim -> its quote and sources, as "p o .\n"
    credited: dict[str, list[str]] = {}  # claim -> the blank nodes of its credits
    described: dict[str, list[tuple[str, str]]] = {}  # blank node -> [(p, o)]
    facts: list[str] = []
    for s, p, o in plain:
        o = terms.object(o)[0]
        if s in claims:
            if p == qualified:
                credited.setdefault(s, []).append(o)
            else:
                about.setdefault(s, []).append(f"{p} {o} .\n")
        elif p == quote:
            raise _Refused  # a quote without a claim graph
        elif s.startswith("_:"):
            described.setdefault(s, []).append((p, o))
        else:
            facts.append(f"{s} {p} {o} .\n")
    del plain

    # claim -> [(source IRI, ["p o" of its derivation])], as the rdflib loader orders them
    credits: dict[str, list[tuple[str, list[str]]]] = {}
    for claim, nodes in credited.items():
        for node in nodes:
            entities = [o for p, o in described.get(node, []) if p == entity]
            if not node.startswith("_:") or len(entities) != 1 or not entities[0].startswith("<"):
                raise _Refused  # a credit must name its source once
            description = sorted(described.pop(node))
            credits.setdefault(claim, []).append(
                (entities[0], [f"{p} {o}" for p, o in description])
            )
    facts += [f"{s} {p} {o} .\n" for s, pairs in described.items() for p, o in pairs]

    def statement_lines(
        key: str, tail: list[str], sources, s: str, p: str, o: str, o_n3: str, days
    ) -> tuple[str, str]:
        iri = statement_name(key, f"{s} {p} {o_n3}")  # IRIs' n3 is their N-Triples
        at = f"<{iri}> "
        text = (
            f"{at}<{RDF_NS}type> <{RDF_NS}Statement> .\n"
            f"{at}<{RDF_NS}subject> {s} .\n"
            f"{at}<{RDF_NS}predicate> {p} .\n"
            f"{at}<{RDF_NS}object> {o} .\n" + "".join(at + line for line in tail)
        )
        for source, description in sources:
            derivation = f"<{derivation_name(iri, source[1:-1])}>"
            text += (
                f"{at}<{PROV_NS}wasDerivedFrom> {source} .\n"
                f"{at}{qualified} {derivation} .\n"
                f"{derivation} <{RDF_NS}type> <{PROV_NS}Derivation> .\n"
                + "".join(f"{derivation} {pair} .\n" for pair in description)
            )
        if days:
            text += (
                f'{at}<{KGV}earliest> "{days[0]}"^^<{XSD_DATE}> .\n'
                f'{at}<{KGV}latest> "{days[1]}"^^<{XSD_DATE}> .\n'
            )
        return iri, text

    def per_statement(claim: str, triple) -> int:
        sources = credits.get(claim, [])
        size = 5 + len(about.get(claim, ())) + sum(3 + len(d) for _, d in sources)
        size += 2 if triple[4] else 0
        return 2 * size + 2 if triple[1] in symmetric and triple[2].startswith("<") else size

    total = len(facts) + sum(
        1 + per_statement(c, t) + 1 for c, triples in claims.items() for t in triples
    )

    def lines() -> Iterator[str]:
        yield from facts
        for name, triples in claims.items():
            key = claim_key(name[1:-1])
            tail = [f"<{KGV}fromClaim> {name} .\n", *about.get(name, [])]
            sources = credits.get(name, [])
            for s, p, o, o_n3, days in triples:
                iri, text = statement_lines(key, tail, sources, s, p, o, o_n3, days)
                yield f"{s} {p} {o} .\n" + text
                if p in symmetric and o.startswith("<"):
                    inverse, text = statement_lines(key, tail, sources, o, p, s, s, None)
                    yield f"{o} {p} {s} .\n{text}<{inverse}> <{KGV}inverseOf> <{iri}> .\n"
        for name, triples in claims.items():
            graph = f" {name} .\n"
            yield "".join(f"{s} {p} {o}{graph}" for s, p, o, _, _ in triples)

    return total, lines()


def _parse(tree: Tree, path: Path, ox) -> Iterator:
    formats = {"trig": ox.RdfFormat.TRIG, "turtle": ox.RdfFormat.TURTLE}
    try:
        # The base rdflib gets (kg.load.parse_file), so relative IRIs resolve the same way.
        yield from ox.parse(
            path=str(path),
            format=formats[DATA_SUFFIXES[path.suffix]],
            base_iri=BASE,
            rename_blank_nodes=True,  # `_:b` in two files is two nodes, as in rdflib
        )
    except SyntaxError as error:
        line = getattr(error, "lineno", None) or 1
        raise _OxigraphSyntax(
            f"{tree.relative(path)}:{line}: {one_line(error)} (fix the syntax there)"
        ) from None
    except (OSError, ValueError) as error:
        raise _OxigraphSyntax(f"{tree.relative(path)}: {one_line(error)}") from None


class _RdflibForms:
    """Objects as rdflib holds them: typed literals in its canonical lexical form (it rewrites
    "01"^^xsd:integer as "1"), and each term's rdflib `.n3()`, which statement IRIs hash.

    The forms of the datatypes kg's data uses are written here; rdflib is imported only for a
    literal outside them (another datatype, a line break, a backslash or a quote in a typed
    value), so loading the shipped graph needs no rdflib."""

    # Datatypes whose lexical form rdflib keeps as written (it has no converter for the
    # gYear family, and a valid xsd:date prints back the same).
    _KEPT = frozenset(XSD_NS + name for name in ("gYear", "gYearMonth", "anyURI", "date"))
    _DATE = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"

    def __init__(self, ox) -> None:
        self.ox = ox
        self._typed: dict[str, tuple[str, str]] = {}  # N-Triples -> (canonical, n3)

    def object(self, term) -> tuple[str, str]:
        """The term in N-Triples (canonical) and in rdflib's n3."""
        written = str(term)
        if written[0] != '"':
            return written, written  # an IRI or a blank node: both forms agree
        if written[-1] == ">":  # "..."^^<datatype>: few distinct values, so cached
            known = self._typed.get(written)
            if known is None:
                known = self._typed[written] = self._typed_forms(term)
            return known
        value, language = term.value, term.language  # Oxigraph lowercases language tags
        if "\n" in value:
            from rdflib import Literal

            return written, Literal(value, lang=language).n3()  # rdflib's own, rare case
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r")
        return written, f'"{escaped}"@{language}' if language else f'"{escaped}"'

    def _typed_forms(self, term) -> tuple[str, str]:
        value, datatype = term.value, term.datatype.value
        plain = not any(c in value for c in '\n\r"\\')
        canonical = None
        if plain and datatype in self._KEPT:
            if datatype != XSD_NS + "date" or self._real_date(value):
                canonical = value
        elif plain and datatype == XSD_NS + "integer" and re.fullmatch(r"[+-]?[0-9]+", value):
            canonical = str(int(value))
        elif datatype == XSD_NS + "boolean" and value in ("true", "false"):
            canonical = value
        if canonical is not None:
            literal = self.ox.Literal(canonical, datatype=term.datatype)
            return str(literal), f'"{canonical}"^^<{datatype}>'
        from rdflib import Literal, URIRef

        literal = Literal(value, datatype=URIRef(datatype))
        canonical_term = self.ox.Literal(str(literal), datatype=term.datatype)
        return str(canonical_term), literal.n3()

    def _real_date(self, value: str) -> bool:
        import datetime

        if not re.fullmatch(self._DATE, value):
            return False
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return False
        return True
