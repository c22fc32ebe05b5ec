"""Where the graph lives: rdflib in memory, an Oxigraph store on disk, or any SPARQL 1.1 engine.

`open_store(spec, tree)` reads a store spec — `memory` (the default), `oxigraph:PATH` or
`sparql:URL` — and returns a Store with one interface for every backend:

    store.query(saved_query, values) -> rdflib.query.Result    (so kg.render renders any backend)
    store.graph() -> rdflib.Graph                               (the whole graph)
    store.loaded() -> LoadedGraph                               (for export, validate, why, pages)
    store.describe() -> str                                     (one line: what it holds)

Every query is checked by `queries.prepare` (read-only, no SERVICE, no FROM) before any backend
sees it — on Oxigraph, a text `queries.needs_no_parser` clears (nothing in it could be SERVICE
or FROM) is parsed by Oxigraph alone, and goes through `prepare` on any error. Parameters are
bound as RDF terms from `queries.bind`, never from the user's text:

- memory binds them with rdflib's initBindings (and keeps the parsed-graph and answer caches);
- oxigraph writes each one into the query as its term's `.n3()` (as grlc does: Oxigraph plans
  constants, not bindings), else passes it as a SEP-0007 substitution (a projected variable),
  else, like sparql, as an inline VALUES block;
- sparql cannot take bindings over the protocol, so the query is sent with
  `VALUES (?var ...) { (term ...) }` as the first element of its outermost WHERE group, each
  term written with rdflib's `.n3()` (the validated RDF term).

Bound that way, a parameter is in scope in the outermost group (its triple patterns, BIND,
FILTER, OPTIONAL, EXISTS), but not inside a sub-SELECT that does not project it: a saved query
that must give the same answer on every store uses its parameters at the top level.

pyoxigraph is imported only when an oxigraph store is opened; nothing here imports pyshacl.
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from kg.errors import KgError, one_line
from kg.load import LoadedGraph, Tree
from kg.namespaces import KGV, PREFIXES, bind_prefixes

if TYPE_CHECKING:
    from rdflib.plugins.sparql.sparql import Query
    from rdflib.query import Result

    from kg.queries import Answer, SavedQuery

STORE_ENV = "KG_STORE"
GRAPH_IRI = "https://kg.example.org/kassis/graph"  # the named graph a sparql: store holds
DEFAULT_TIMEOUT = 30.0
PUSH_BATCH = 50_000  # N-Triples lines per request when pushing
FORMS = "memory, oxigraph:PATH (a folder), or sparql:URL (an http:// or https:// query endpoint)"

Progress = Callable[[int, int], None]  # (done, total)


class StoreError(KgError):
    """A store cannot be opened, built or filled as asked."""


class EndpointError(StoreError):
    """A SPARQL endpoint could not be reached, failed, or did not answer in SPARQL."""


# --- specs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreSpec:
    """A parsed `--store` value and the options that go with it (picklable, for workers)."""

    kind: str  # memory | oxigraph | sparql
    target: str = ""  # the folder or the query URL
    update_url: str | None = None
    gsp_url: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    def __str__(self) -> str:
        return self.kind if self.kind == "memory" else f"{self.kind}:{redact_url(self.target)}"


def parse_spec(
    text: str | None,
    *,
    update_url: str | None = None,
    gsp_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> StoreSpec:
    """Read `memory`, `oxigraph:PATH` or `sparql:URL`, or say which forms are accepted."""
    text = (text or "memory").strip()
    kind, colon, target = text.partition(":")
    kind = kind.lower()
    if kind == "memory" and not target:
        spec = StoreSpec("memory", timeout=timeout)
    elif kind == "oxigraph" and colon and target:
        spec = StoreSpec("oxigraph", os.path.expanduser(target), timeout=timeout)
    elif kind == "sparql" and colon and _is_http(target):
        spec = StoreSpec("sparql", target, update_url, gsp_url, timeout)
    else:
        shown = re.sub(r"(?<=://).*@", "***@", text)  # whatever the URL, never echo a password
        raise StoreError(f"unknown store '{shown}'; use {FORMS}")
    for option, url in (("--update-url", update_url), ("--gsp-url", gsp_url)):
        if url is not None and not _is_http(url):
            raise StoreError(f"{option} takes an http:// or https:// URL, not '{url}'")
        if url is not None and spec.kind != "sparql":
            raise StoreError(f"{option} goes with a sparql:URL store, not with {spec}")
    return spec


def _is_http(url: str) -> bool:
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 -- raises on a port that is not a number
    except ValueError:  # "http://[::1" and other URLs urllib cannot read
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def open_store(spec: str | StoreSpec | None, tree: Tree, **options) -> Store:
    """The store a spec names, opened for reading; options are parse_spec's keywords."""
    if not isinstance(spec, StoreSpec):
        spec = parse_spec(spec, **options)
    if spec.kind == "oxigraph":
        return OxigraphStore(spec, tree)
    if spec.kind == "sparql":
        return SparqlStore(spec, tree)
    return MemoryStore(spec, tree)


# --- the interface -----------------------------------------------------------------------------


class Store:
    """One backend holding the loaded graph of a tree."""

    def __init__(self, spec: StoreSpec, tree: Tree) -> None:
        self.spec = spec
        self.tree = tree

    def query(
        self, query: SavedQuery, values: dict[str, str] | None = None, prepared: Query | None = None
    ) -> Result:
        """Check, bind and run a query; the answer as an rdflib Result."""
        raise NotImplementedError

    def graph(self) -> Graph:
        """The whole graph (facts, entities, source records and statements)."""
        raise NotImplementedError

    def loaded(self) -> LoadedGraph:
        """The graph with its claims, as kg.load.load returns it (without file:line locations)."""
        graph = self.graph()
        return LoadedGraph(tree=self.tree, graph=graph, claims=claims_from_statements(graph))

    def describe(self) -> str:
        raise NotImplementedError

    def answer(
        self,
        query: SavedQuery,
        values: dict[str, str],
        output_format: str | None,
        interactive: bool = False,
    ) -> Answer:
        """A query's rendered answer (what `kg query` prints)."""
        from kg import queries, render

        queries.bind(query, values)  # refuse bad parameters before reaching the store
        return render.render_result(self.query(query, values), output_format, interactive)


def claims_from_statements(graph: Graph) -> Dataset:
    """The claim graphs, rebuilt from the statements: each claim holds the triples its
    statements reify (kg.load derives exactly one statement per claim triple, and the derived
    inverse of a symmetric fact, kgv:inverseOf it, which is not in the claim)."""
    claims = bind_prefixes(Dataset())
    for statement, claim in graph.subject_objects(KGV.fromClaim):
        if graph.value(statement, KGV.inverseOf) is not None:
            continue
        triple = (
            graph.value(statement, RDF.subject),
            graph.value(statement, RDF.predicate),
            graph.value(statement, RDF.object),
        )
        if None not in triple:
            claims.graph(claim).add(triple)
    return claims


# --- memory ------------------------------------------------------------------------------------


class MemoryStore(Store):
    """rdflib in memory, parsed from the tree's files (through the content-keyed caches)."""

    def query(self, query, values=None, prepared=None):
        from kg import queries
        from kg.load import load_graph_cached

        return queries.run(load_graph_cached(self.tree), query, values, prepared)

    def graph(self) -> Graph:
        from kg.load import load_graph_cached

        return load_graph_cached(self.tree)

    def loaded(self) -> LoadedGraph:
        from kg.load import load

        return load(self.tree)  # parsed afresh: it knows each node's file and line

    def describe(self) -> str:
        return f"memory: {self.tree.root} ({len(self.graph()):,} triples)"

    def answer(self, query, values, output_format, interactive=False):
        from kg import queries

        return queries.answer(self.tree, query, values, output_format, interactive)


# --- Oxigraph ----------------------------------------------------------------------------------


def _oxigraph():
    try:
        import pyoxigraph
    except ImportError:
        raise StoreError(
            "an oxigraph: store needs pyoxigraph; install it with "
            "`pip install 'kg-kassis[oxigraph]'`"
        ) from None
    return pyoxigraph


def is_oxigraph_store(path: Path) -> bool:
    return path.is_dir() and (path / "CURRENT").is_file()  # RocksDB's marker file


# kg's own mark in every store folder `kg load` builds: only such a folder is ever replaced
# (and so deleted) by kg. RocksDB ignores files it does not know.
STORE_MARKER = "kg-store.json"


def is_kg_store(path: Path) -> bool:
    return is_oxigraph_store(path) and (path / STORE_MARKER).is_file()


def mark_store(path: Path) -> None:
    """Write kg's marker into a store folder kg has just built."""
    from kg import __version__

    (path / STORE_MARKER).write_text(
        json.dumps({"built_by": "kg load", "kg_version": __version__}) + "\n", encoding="utf-8"
    )


def _no_store(path: str) -> StoreError:
    return StoreError(
        f"no Oxigraph store at {path}; build it with `kg --store oxigraph:{path} load`"
    )


class OxigraphStore(Store):
    """A pyoxigraph Store on disk, opened read-only: the merged graph is its default graph,
    each claim a named graph."""

    def __init__(self, spec: StoreSpec, tree: Tree) -> None:
        super().__init__(spec, tree)
        ox = _oxigraph()
        path = Path(spec.target)
        if not is_oxigraph_store(path):
            raise _no_store(spec.target)
        try:
            self.store = ox.Store.read_only(str(path))
        except (OSError, RuntimeError, ValueError) as error:  # RocksDB's "Corruption: ..."
            raise StoreError(
                f"cannot open the Oxigraph store at {path} ({one_line(error)}); rebuild it "
                f"with `kg --store oxigraph:{path} load`"
            ) from None

    def query(self, query, values=None, prepared=None):
        """Check, bind and run a query in Oxigraph.

        A query `queries.needs_no_parser` clears is parsed by Oxigraph alone (rdflib's SPARQL
        parser costs more than most queries on this store: 0.13 s to import, 0.02-0.1 s a
        query); a parse error sends it through `queries.prepare`, so errors read as on every
        store. Parameters are tried in the form Oxigraph plans best first (see `_attempts`).
        """
        from kg import queries

        if prepared is None and queries.needs_no_parser(query):
            queries.check_lexically(query)
        else:
            prepared = prepared or queries.prepare(query)
        bindings = queries.bind(query, values or {})
        failure: Exception | None = None
        for text, substitutions in self._attempts(query.text, bindings):
            try:
                answer = self.store.query(
                    text,
                    prefixes=dict(PREFIXES),
                    named_graphs=[],  # the default graph only, as in memory
                    substitutions=substitutions,
                )
                return _unparsed_result(answer, query.text, prepared)
            except OSError as error:
                raise StoreError(f"{self.spec}: cannot read the store: {one_line(error)}") from None
            except (SyntaxError, RuntimeError, ValueError) as error:
                failure = failure or error  # the plainest form's error says the most
        if prepared is None:
            return self.query(query, values, queries.prepare(query))  # rdflib's message
        if isinstance(failure, SyntaxError):
            raise queries.QueryError(
                f"{query.name}: Oxigraph cannot parse the query: {one_line(failure)}"
            ) from None
        raise queries.QueryError(
            f"{query.name}: the query failed in Oxigraph ({one_line(failure)})"
        ) from None

    @staticmethod
    def _attempts(text: str, bindings: dict[str, Node]) -> Iterator[tuple[str, dict | None]]:
        """The query with its parameters bound, best plan first: each bound variable written as
        its term (as grlc does; Oxigraph's planner uses the constants: `is-fact-sourced` 0.8 s
        by substitution, 2 ms so); where a constant is not syntax (a projected variable),
        SEP-0007 substitution; where that is refused (a SELECT not projecting it), VALUES."""
        ox = _oxigraph()
        if not bindings:
            yield text, None
            return
        yield with_constants(text, bindings), None
        yield text, {ox.Variable(k): to_oxigraph(v) for k, v in bindings.items()}
        yield inline_values(text, bindings), None

    def graph(self) -> Graph:
        ox = _oxigraph()
        graph = bind_prefixes(Graph())
        for quad in self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            graph.add(_rdflib_triple(quad))
        return graph

    def loaded(self) -> LoadedGraph:
        claims = bind_prefixes(Dataset())
        for name in self.store.named_graphs():
            named = claims.graph(to_rdflib(name))
            for quad in self.store.quads_for_pattern(None, None, None, name):
                named.add(_rdflib_triple(quad))
        return LoadedGraph(tree=self.tree, graph=self.graph(), claims=claims)

    def describe(self) -> str:
        # Counted by Oxigraph: iterating the quads in Python took 12 s at 10^6 triples.
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        triples = int(next(iter(self.store.query(count, named_graphs=[])))["n"].value)
        claims = sum(1 for _ in self.store.named_graphs())
        return f"{self.spec}: {triples:,} triples in the default graph, {claims:,} claim graphs"


def prepare_oxigraph_folder(path: str | os.PathLike[str]) -> Path:
    """The folder to build a store in: new, empty, or a store kg built (carrying STORE_MARKER),
    which it may replace. Anything else is refused: kg never deletes what it did not create."""
    path = Path(path)
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise StoreError(
            f"{path} is a file or a link; an Oxigraph store is a folder: give a new folder"
        )
    if path.is_dir() and any(path.iterdir()) and not is_kg_store(path):
        what = (
            "an Oxigraph store kg did not build (it has no kg-store.json)"
            if is_oxigraph_store(path)
            else "a folder with other files in it, not a kg store"
        )
        raise StoreError(
            f"{path} is {what}; kg replaces only stores it built: give a new or empty folder"
        )
    return path


def build_oxigraph(path: str | os.PathLike[str], loaded: LoadedGraph, progress=None) -> int:
    """Fill the Oxigraph store at `path` (created if missing) with a loaded graph, replacing
    what it held: the merged graph as the default graph, each claim as a named graph.

    Bulk-loaded with pyoxigraph's `bulk_extend`; `progress(done, total)` is called as quads go
    in. Returns the number of quads written. `kg load` uses the faster `kg.bulkload`; this
    straightforward path from the rdflib loader is what tests/test_bulkload.py checks it against.
    """
    ox = _oxigraph()
    path = prepare_oxigraph_folder(path)
    claims = [g for g in loaded.claims.graphs() if len(g)]
    total = len(loaded.graph) + sum(len(g) for g in claims)
    try:
        store = ox.Store(str(path))
    except OSError as error:
        raise StoreError(
            f"cannot open {path} for writing ({one_line(error)}); is a server using it? "
            "stop it first"
        ) from None

    def quads() -> Iterator:
        done = 0
        default = ox.DefaultGraph()
        for graph, name in [(loaded.graph, default)] + [
            (g, to_oxigraph(g.identifier)) for g in claims
        ]:
            for s, p, o in graph:
                yield ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), name)
                done += 1
                if progress and done % 500 == 0:
                    progress(done, total)
        if progress:
            progress(done, total)

    try:
        store.clear()
        store.bulk_extend(quads())
        store.flush()
        store.optimize()
        mark_store(path)
    except OSError as error:
        raise StoreError(f"cannot write the Oxigraph store at {path}: {error}") from None
    finally:
        del store  # closes the database, so readers may open it
    return total


def to_oxigraph(term: Node):
    """An rdflib term as a pyoxigraph term."""
    ox = _oxigraph()
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise StoreError(f"cannot store the term {term!r} in Oxigraph")


def to_rdflib(term) -> Node:
    """A pyoxigraph term as an rdflib term (xsd:string literals become plain literals, as
    rdflib parses them from Turtle)."""
    ox = _oxigraph()
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise StoreError(f"cannot read the term {term!r} from Oxigraph")


def _rdflib_triple(quad) -> tuple[Node, Node, Node]:
    """A pyoxigraph Triple or Quad's subject, predicate and object as rdflib terms."""
    return to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)


def _unparsed_result(answer, text: str, prepared: Query | None = None) -> Result:
    """Oxigraph's answer as an rdflib Result, built directly (no SPARQL JSON round trip, so
    rdflib's SPARQL package is not imported); columns in rdflib's order when it parsed the
    query (engines order `SELECT *` differently)."""
    from rdflib.query import Result
    from rdflib.term import Variable

    ox = _oxigraph()
    if isinstance(answer, ox.QueryBoolean):
        result = Result("ASK")
        result.askAnswer = bool(answer)
        return result
    if isinstance(answer, ox.QueryTriples):
        from kg.queries import query_form

        graph = Graph()
        for triple in answer:
            graph.add(_rdflib_triple(triple))
        return _graph_result(graph, query_form(text))  # CONSTRUCT or DESCRIBE
    result = Result("SELECT")
    names = [variable.value for variable in answer.variables]
    result.vars = [Variable(name) for name in names]
    rows = []
    for solution in answer:
        row = {}
        for name, variable in zip(names, result.vars, strict=True):
            term = solution[name]
            if term is not None:
                row[variable] = to_rdflib(term)
        rows.append(row)
    result.bindings = rows
    if prepared is not None:
        order = [v for v in prepared.algebra.get("PV") or [] if v in result.vars]
        if len(order) == len(result.vars):
            result.vars = order
    return result


# --- results -----------------------------------------------------------------------------------


def _form(prepared: Query) -> str:
    return prepared.algebra.name.removesuffix("Query").upper()  # SelectQuery -> SELECT


def _json_result(data: bytes, prepared: Query, where: str = "Oxigraph") -> Result:
    """SPARQL 1.1 JSON results as an rdflib Result, columns in the order rdflib would give."""
    from rdflib.query import Result

    try:
        document = json.loads(data)
    except ValueError:
        raise EndpointError(f"{where} did not answer with SPARQL JSON results") from None
    if not isinstance(document, dict) or not isinstance(document.get("head"), dict):
        raise EndpointError(f"{where} did not answer with SPARQL JSON results (no head)")
    expected = "boolean" if _form(prepared) == "ASK" else "results"
    if expected not in document:
        raise EndpointError(f"{where} answered without '{expected}': not the answer to this query")
    try:
        result = Result.parse(io.BytesIO(data), format="json")
    except Exception as error:  # rdflib raises KeyErrors and its own errors on odd documents
        raise EndpointError(
            f"{where} answered with malformed SPARQL JSON results ({one_line(error)})"
        ) from None
    if result.type == "SELECT":
        order = [v for v in prepared.algebra.get("PV") or [] if v in (result.vars or [])]
        if len(order) == len(result.vars or []):  # SELECT *: engines order columns differently
            result.vars = order
    return result


def _graph_result(graph: Graph, form: str) -> Result:
    from rdflib.query import Result

    result = Result(form)
    result.graph = graph
    return result


# --- query text --------------------------------------------------------------------------------

_PROLOGUE = re.compile(r"(?is)\s*((BASE\s*<[^>]*>|PREFIX\s+[\w.-]*:\s*<[^>]*>)\s*)*")
_WHERE = re.compile(r"(?i)(?<![?$:\w-])WHERE(?![:\w-])")


def with_prefixes(text: str) -> str:
    """The query with PREFIX lines for the project prefixes it uses without declaring."""
    from kg.queries import _strip_comments_and_strings

    body = _strip_comments_and_strings(text)
    declared = {m.lower() for m in re.findall(r"(?i)\bPREFIX\s+([\w.-]*):", body)}
    missing = [f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if p.lower() not in declared]
    return "".join(missing) + text


def with_constants(text: str, bindings: dict[str, Node]) -> str:
    """The query with each bound variable (`?name` or `$name`, outside strings, IRIs and
    comments) replaced by its term in rdflib's `.n3()` syntax: the parsed, validated RDF term,
    never the user's text."""
    from kg.queries import _strip_comments_and_strings

    if not bindings:
        return text
    names = "|".join(re.escape(name) for name in sorted(bindings, key=len, reverse=True))
    variable = re.compile(rf"[?$]({names})(?![\w\u00B7\u0300-\u036F\u203F\u2040])")
    body = _strip_comments_and_strings(text)  # same length as text: offsets carry over
    parts, last = [], 0
    for match in variable.finditer(body):
        parts += [text[last : match.start()], bindings[match.group(1)].n3()]
        last = match.end()
    return "".join(parts) + text[last:]


def inline_values(text: str, bindings: dict[str, Node]) -> str:
    """The query with `VALUES (?a ?b) { (term term) }` first in its outermost WHERE group.

    Terms are written with rdflib's `.n3()`: the parsed, validated RDF term. When that group
    is itself a sub-SELECT (`WHERE { SELECT ... }`), it is wrapped in a group first.
    """
    from kg.queries import QueryError, _strip_comments_and_strings, query_form

    if not bindings:
        return text
    names = sorted(bindings)
    block = (
        "VALUES ("
        + " ".join(f"?{n}" for n in names)
        + ") { ("
        + " ".join(bindings[n].n3() for n in names)
        + ") }"
    )
    body = _strip_comments_and_strings(text)
    form = query_form(text)
    start = _PROLOGUE.match(body).end() + len(form)
    depth = parens = 0
    groups: list[int] = []
    where_at = None
    closing: dict[int, int] = {}
    opened: list[int] = []
    for index in range(start, len(body)):
        char = body[index]
        if char == "(":
            parens += 1
        elif char == ")":
            parens -= 1
        elif char == "{":
            if depth == 0 and parens == 0:
                groups.append(index)
            opened.append(index)
            depth += 1
        elif char == "}":
            depth -= 1
            if opened:
                closing[opened.pop()] = index
        elif depth == 0 and parens == 0 and where_at is None and _WHERE.match(body, index):
            where_at = index
    if form == "CONSTRUCT" and where_at is not None and not body[start:where_at].strip():
        # The short form CONSTRUCT WHERE { T }: the same as CONSTRUCT { T } WHERE { T }.
        group = next(g for g in groups if g > where_at)
        inner = text[group + 1 : closing[group]]
        space = "" if inner[:1].isspace() else " "
        after = text[closing[group] + 1 :]
        return f"{text[:start]} {{{inner}}} WHERE {{ {block}{space}{inner}}}{after}"
    if where_at is not None:
        candidates = [g for g in groups if g > where_at]
    else:
        candidates = groups[1:] if form == "CONSTRUCT" else groups
    if not candidates:
        raise QueryError(
            "the query has no WHERE group to bind its parameters in; add `WHERE { ... }`"
        )
    group = candidates[0]
    end = closing.get(group, len(text) - 1)
    if re.match(r"(?i)\s*SELECT\b", body[group + 1 : end]):
        return text[: group + 1] + f" {block} {{" + text[group + 1 : end] + "} " + text[end:]
    space = "" if text[group + 1 : group + 2].isspace() else " "
    return text[: group + 1] + f" {block}{space}" + text[group + 1 :]


# --- any SPARQL 1.1 engine ---------------------------------------------------------------------


class SparqlStore(Store):
    """A SPARQL 1.1 engine over HTTP: queries by the SPARQL 1.1 Protocol against the named
    graph GRAPH_IRI (sent as default-graph-uri), pushes by the Graph Store HTTP Protocol.

    kg talks only to the endpoints the user named, and only for as long as --timeout allows.
    Every request goes through `_exchange` (http.client, not urllib's opener, which follows a
    redirect to any host or to ftp: and sends the Authorization header along):

    - a redirect is followed only within the origin (scheme, host and port) of the URL asked
      for, at most MAX_REDIRECTS times; one anywhere else is an error naming where it points;
    - credentials in a URL (`http://user:password@host/...`) are taken out of it and sent as
      AUTH_SCHEMES say (HTTP Basic); messages show the URL as `http://user:***@host/...`;
    - `timeout` bounds each request as a whole (connect, send, and the whole answer), however
      slowly the engine sends it; only a DNS lookup is left to the resolver's own limits.

    Proxy variables (http_proxy, https_proxy) are not read: the request goes to the endpoint.
    """

    def __init__(self, spec: StoreSpec, tree: Tree) -> None:
        super().__init__(spec, tree)
        self.endpoint = Endpoint.parse(spec.target)
        self.update_endpoint = Endpoint.parse(spec.update_url or spec.target, self.endpoint)
        self.gsp_endpoint = Endpoint.parse(spec.gsp_url or spec.target, self.endpoint)
        self.url = self.endpoint.shown  # as messages show it
        self.timeout = spec.timeout

    def query(self, query, values=None, prepared=None):
        from kg import queries

        prepared = prepared or queries.prepare(query)
        bindings = queries.bind(query, values or {})
        text = with_prefixes(inline_values(query.text, bindings))
        return self.send(text, prepared)

    def send(self, text: str, prepared: Query) -> Result:
        """POST a checked query; its answer as an rdflib Result."""
        graph_form = _form(prepared) in ("CONSTRUCT", "DESCRIBE")
        accept = (
            "application/n-triples, text/turtle;q=0.5"
            if graph_form
            else "application/sparql-results+json"
        )
        data, media = self._http(
            "POST",
            self.endpoint.with_parameter("default-graph-uri", GRAPH_IRI),
            text.encode("utf-8"),
            {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept},
        )
        if graph_form:
            return _graph_result(self._parse_graph(data, media), _form(prepared))
        if "json" not in media:
            raise EndpointError(
                f"{self.url} did not answer with SPARQL results (got {media or 'no type'}); "
                "is it a SPARQL query endpoint?"
            )
        return _json_result(data, prepared, self.url)

    def _parse_graph(self, data: bytes, media: str) -> Graph:
        formats = {"application/n-triples": "nt", "text/plain": "nt", "text/turtle": "turtle"}
        if media not in formats:
            raise EndpointError(
                f"{self.url} did not answer with RDF (got {media or 'no type'}); "
                "is it a SPARQL query endpoint?"
            )
        graph = Graph()
        try:
            graph.parse(data=data.decode("utf-8"), format=formats[media])
        except Exception as error:
            raise EndpointError(
                f"{self.url} answered with malformed {media} ({one_line(error)})"
            ) from None
        return graph

    def _checked(self, text: str) -> Query:
        from kg import queries

        return queries.prepare(queries.from_text(text, "kg"))

    def graph(self) -> Graph:
        text = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
        graph = bind_prefixes(Graph())
        graph += self.send(text, self._checked(text)).graph
        return graph

    def count(self) -> int:
        """Triples in the named graph, as the engine counts them."""
        text = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        rows = list(self.send(text, self._checked(text)))
        return int(rows[0][0]) if rows else 0

    def describe(self) -> str:
        return f"{self.spec}: {self.count():,} triples in graph <{GRAPH_IRI}>"  # redacted

    def push(
        self,
        graph: Graph,
        progress: Progress | None = None,
        via: str = "gsp",
        batch: int = PUSH_BATCH,
    ) -> int:
        """Replace the named graph GRAPH_IRI on the engine with `graph`; returns its triples.

        `via="gsp"` (Graph Store HTTP Protocol): PUT the first batch of N-Triples, POST the
        rest. `via="update"` (SPARQL Update): DROP SILENT GRAPH, then INSERT DATA per batch.
        A graph with blank nodes goes in one request, so its labels keep their meaning.
        """
        lines = sorted(
            line for line in graph.serialize(format="nt", encoding="utf-8").decode().splitlines()
        )
        lines = [line for line in lines if line.strip()]
        if any(isinstance(t, BNode) for triple in graph for t in triple):
            batch = max(batch, len(lines))
        batches = [lines[i : i + batch] for i in range(0, len(lines), batch)] or [[]]
        done = 0
        for index, chunk in enumerate(batches):
            text = "".join(line + "\n" for line in chunk)
            if via == "update":
                prefix = f"DROP SILENT GRAPH <{GRAPH_IRI}> ;\n" if index == 0 else ""
                body = f"{prefix}INSERT DATA {{ GRAPH <{GRAPH_IRI}> {{\n{text}}} }}"
                self._http(
                    "POST",
                    self.update_endpoint,
                    body.encode("utf-8"),
                    {"Content-Type": "application/sparql-update; charset=utf-8"},
                )
            else:
                self._http(
                    "PUT" if index == 0 else "POST",
                    self.gsp_endpoint.with_parameter("graph", GRAPH_IRI),
                    text.encode("utf-8"),
                    {"Content-Type": "application/n-triples"},
                )
            done += len(chunk)
            if progress:
                progress(done, len(lines))
        return len(lines)

    def _http(
        self, method: str, endpoint: Endpoint, data: bytes, headers: dict[str, str]
    ) -> tuple[bytes, str]:
        """One request, with its redirects (within its origin) and its answer to an
        authentication challenge, all within `timeout`; (body, media type) of a 2xx answer.
        Every way it can fail becomes one EndpointError line."""
        import time

        deadline = time.monotonic() + self.timeout
        url, redirects = endpoint.url, 0
        scheme = UP_FRONT_AUTH if endpoint.credentials else None
        challenge, tried = "", set()
        while True:
            sent = dict(headers)
            if scheme is not None and endpoint.credentials is not None:
                tried.add(scheme)
                answer_with = AUTH_SCHEMES[scheme]
                sent["Authorization"] = answer_with(
                    endpoint.credentials, method, _selector(url), challenge
                )
            answer = _exchange(method, url, data, sent, endpoint, deadline, self.timeout)
            if answer.status in REDIRECTS:
                redirects += 1
                if redirects > MAX_REDIRECTS:
                    raise EndpointError(
                        f"{endpoint.shown} redirected more than {MAX_REDIRECTS} times; "
                        "give the URL of the endpoint itself"
                    )
                url = _redirect_target(endpoint, url, answer)
                continue
            if answer.status == 401 and endpoint.credentials is not None:
                offered = _challenges(answer.headers)
                other = next((s for s in offered if s in AUTH_SCHEMES and s not in tried), None)
                if other is not None:
                    scheme, challenge = other, offered[other]
                    continue
            if not 200 <= answer.status < 300:
                raise EndpointError(_http_error(endpoint, method, answer))
            return answer.body, answer.headers.get_content_type()


# --- talking to an endpoint over HTTP: origin, credentials, deadline -------------------------

MAX_REDIRECTS = 5  # within the endpoint's own origin
REDIRECTS = (301, 302, 303, 307, 308)  # followed with the same method and body
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Credentials:
    """A user and password for an endpoint; the password never shows in a repr."""

    user: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password='***')"


def _basic_auth(credentials: Credentials, method: str, path: str, challenge: str) -> str:
    import base64

    pair = f"{credentials.user}:{credentials.password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


# How credentials answer an engine: an Authorization header value for (credentials, method,
# request path, the parameters of the engine's WWW-Authenticate challenge), by scheme name in
# lower case. UP_FRONT_AUTH goes with the first request; any other scheme here is tried once
# when a 401 offers it (Digest, which needs the engine's nonce, is one more entry). Where
# credentials come from is Endpoint.parse (the URL's userinfo; ~/.netrc would go there).
AuthScheme = Callable[[Credentials, str, str, str], str]
AUTH_SCHEMES: dict[str, AuthScheme] = {"basic": _basic_auth}
UP_FRONT_AUTH = "basic"


@dataclass(frozen=True)
class Endpoint:
    """A URL kg sends requests to, without its userinfo, and the credentials it carried."""

    url: str
    credentials: Credentials | None = None

    @classmethod
    def parse(cls, url: str, fallback: Endpoint | None = None) -> Endpoint:
        """Read `url`'s userinfo (percent-decoded) as credentials; a URL without any takes
        those of `fallback` when both have the same origin (an update URL beside a query URL).
        """
        parts = urllib.parse.urlsplit(url)
        userinfo, at, hostport = parts.netloc.rpartition("@")
        credentials = None
        if at:
            user, _, password = userinfo.partition(":")
            credentials = Credentials(urllib.parse.unquote(user), urllib.parse.unquote(password))
        bare = urllib.parse.urlunsplit(parts._replace(netloc=hostport, fragment=""))
        endpoint = cls(bare, credentials)
        if credentials is None and fallback is not None and fallback.origin == endpoint.origin:
            return cls(bare, fallback.credentials)
        return endpoint

    @property
    def origin(self) -> tuple[str, str, int | None]:
        return _origin(self.url)

    @property
    def shown(self) -> str:
        """The URL as messages show it: no query string, the password as ***."""
        url = self.url.split("?", 1)[0]
        if self.credentials is None:
            return url
        scheme, rest = url.split("://", 1)
        hidden = "***" if not self.credentials.password else f"{self.credentials.user}:***"
        return f"{scheme}://{hidden}@{rest}"

    def with_parameter(self, name: str, value: str) -> Endpoint:
        joiner = "&" if urllib.parse.urlsplit(self.url).query else "?"
        url = self.url + joiner + urllib.parse.urlencode({name: value})
        return Endpoint(url, self.credentials)

    def scrub(self, text: str) -> str:
        """Text an engine sent, with the password taken out should the engine echo it."""
        password = self.credentials.password if self.credentials else ""
        return text.replace(password, "***") if password else text


def redact_url(url: str) -> str:
    """`url` as messages may show it: the password in its userinfo as ***, and a user alone
    (often a token) as ***. Works on URLs urllib cannot read too."""

    def hide(match: re.Match) -> str:
        user, colon, _ = match.group(2).partition(":")
        return f"{match.group(1)}{user + ':***' if colon else '***'}@"

    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)@", hide, url)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme)


def _selector(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _challenges(headers) -> dict[str, str]:
    """The schemes a 401 offers in its WWW-Authenticate headers (one challenge per header),
    lower-cased, each with its parameters."""
    offered: dict[str, str] = {}
    for value in headers.get_all("WWW-Authenticate") or []:
        scheme, _, parameters = value.strip().partition(" ")
        offered.setdefault(scheme.lower(), parameters.strip())
    return offered


def _redirect_target(endpoint: Endpoint, url: str, answer: _Answer) -> str:
    """Where a redirect points, if that is within the endpoint's origin; else one line."""
    location = (answer.headers.get("Location") or "").strip()
    if not location:
        raise EndpointError(
            f"{endpoint.shown} answered HTTP {answer.status} {answer.reason} without a "
            "Location to go to; check the URL"
        )
    try:
        target = urllib.parse.urljoin(url, location)
        origin = _origin(target)
    except ValueError:
        origin, target = None, location
    if origin != endpoint.origin:
        shown = redact_url(one_line(endpoint.scrub(target)).split("?", 1)[0])[:200]
        raise EndpointError(
            f"{endpoint.shown} redirected to {shown}; kg only talks to the endpoint you named "
            "(it follows redirects only within its scheme, host and port): give that URL instead"
        )
    return Endpoint.parse(target).url  # any userinfo in it is the engine's, not sent


@dataclass(frozen=True)
class _Answer:
    status: int
    reason: str
    headers: object  # an http.client.HTTPMessage
    body: bytes


class _Watchdog:
    """Ends a request at its deadline, however slowly the engine sends: shuts the connection's
    socket down, so that a read blocked on an engine that drips a byte at a time returns."""

    def __init__(self, connection, seconds: float) -> None:
        import threading

        self.connection = connection
        self.expired = False
        self.lock = threading.Lock()
        self.timer = threading.Timer(seconds, self._expire)
        self.timer.daemon = True
        self.timer.start()

    def _expire(self) -> None:
        import contextlib

        with self.lock:
            if self.timer is None:  # the request ended first
                return
            self.expired = True
            sock = self.connection.sock
            if sock is not None:  # socket.socket's own shutdown, under TLS too: TCP ends
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def cancel(self) -> None:
        with self.lock:
            timer, self.timer = self.timer, None
        if timer is not None:
            timer.cancel()


def _exchange(
    method: str,
    url: str,
    data: bytes,
    headers: dict[str, str],
    endpoint: Endpoint,
    deadline: float,
    timeout: float,
) -> _Answer:
    """One HTTP request to `url` (no userinfo in it), its whole answer read by `deadline`."""
    import http.client
    import time

    shown = endpoint.shown
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise EndpointError(_too_slow(shown, timeout))
    parts = urllib.parse.urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    connection = kind(parts.hostname, port, timeout=remaining)
    watchdog = _Watchdog(connection, remaining)
    try:
        try:
            connection.connect()
            if watchdog.expired:  # it fired while the socket was being made
                raise TimeoutError
            connection.request(method, _selector(url), body=data, headers=headers)
        except http.client.InvalidURL as error:
            raise EndpointError(
                f"{shown} is not a URL kg can send a request to ({one_line(error)}); check the URL"
            ) from None
        except OSError as error:
            reason = TimeoutError() if watchdog.expired else error
            raise EndpointError(_unreachable(shown, reason, timeout)) from None
        try:
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            if watchdog.expired or isinstance(error, TimeoutError):
                raise EndpointError(_too_slow(shown, timeout)) from None
            said = endpoint.scrub(one_line(error)) or type(error).__name__
            raise EndpointError(
                f"{shown} did not answer in HTTP ({said}); is it a SPARQL endpoint?"
            ) from None
        return _Answer(response.status, response.reason, response.headers, body)
    finally:
        watchdog.cancel()
        connection.close()


def _too_slow(url: str, timeout: float) -> str:
    return (
        f"{url} did not answer within {timeout:g} s; is the engine overloaded? raise --timeout "
        "or narrow the query"
    )


def _unreachable(url: str, reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return _too_slow(url, timeout)
    host = urllib.parse.urlsplit(url).hostname
    if isinstance(reason, socket.gaierror):
        return f"cannot reach {url}: no host named '{host}' (DNS lookup failed); check the URL"
    if isinstance(reason, ConnectionRefusedError):
        return (
            f"cannot reach {url}: connection refused; is the SPARQL engine running there? "
            "check the URL and port"
        )
    why = getattr(reason, "strerror", None) or one_line(reason)
    return f"cannot reach {url}: {why}; check the URL and the network"


def _http_error(endpoint: Endpoint, method: str, answer: _Answer) -> str:
    url = endpoint.shown
    detail = one_line(answer.body.decode("utf-8", "replace"))
    detail = re.sub(r"<[^>]+>", " ", detail)  # an HTML error page, as text
    detail = endpoint.scrub(" ".join(detail.split())[:200])
    status = f"HTTP {answer.status} {answer.reason}".strip()
    said = f": {detail}" if detail else ""
    if answer.status == 404:
        return (
            f"{url} answered {status}: nothing there takes a {method}; check the URL "
            "(Oxigraph: /query for queries and /store for --gsp-url)"
        )
    if answer.status == 401 and endpoint.credentials is not None:
        return (
            f"{url} answered {status}: the engine refuses the credentials given for "
            f"'{endpoint.credentials.user}'{said}; check the user and password in the URL"
        )
    if answer.status == 401:
        return (
            f"{url} answered {status}: the engine asks for credentials{said}; give them in "
            "the URL: http://USER:PASSWORD@host/..."
        )
    if answer.status == 403:
        return f"{url} answered {status}: the engine refuses access{said}"
    if answer.status in (405, 415):
        return f"{url} answered {status}: it does not take SPARQL {method} requests there{said}"
    if 400 <= answer.status < 500:
        return f"{url} refused the request: {status}{said}"
    if answer.status < 400:
        return f"{url} answered {status}, which kg cannot use{said}; check the URL"
    return f"the SPARQL engine at {url} failed: {status}{said}"
