"""Serialise the loaded graph to a file format, byte for byte the same on every run.

Triple formats (Turtle, N-Triples, RDF/XML, JSON-LD) carry `LoadedGraph.graph`: the facts, the
entity descriptions, the source records and the derived `rdf:Statement`s, so every fact keeps its
quote and sources. Quad formats (N-Quads, TriG) carry the same graph as their default graph plus
one named graph per authored claim.

Same graph, same bytes, whatever PYTHONHASHSEED is: rdflib iterates its stores in hash order,
so each writer fixes the order itself (sorted lines, sorted subjects, sorted graphs), and blank
nodes, if a tree has any, get canonical labels first.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.errors import KgError
from kg.formats import GRAPH_FORMATS, NETWORK_FORMATS
from kg.load import LoadedGraph
from kg.namespaces import bind_prefixes
from kg.tree import CONTEXT_FILE


class ExportError(KgError):
    """An export cannot be produced or written where asked."""


FORMATS = GRAPH_FORMATS  # kg.formats: names, media types, suffixes, which carry quads
NETWORK = NETWORK_FORMATS  # the network of entities and facts, for graph tools (kg.graph_tools)


def export(loaded: LoadedGraph, fmt: str) -> bytes:
    """The loaded graph in format `fmt` (a key of FORMATS or NETWORK), as UTF-8 bytes."""
    if fmt in NETWORK:
        from kg import graph_tools

        return graph_tools.export(loaded, fmt)
    if fmt not in FORMATS:
        known = ", ".join([*FORMATS, *NETWORK])
        raise ExportError(f"unknown export format '{fmt}'; choose one of {known}")
    graph = _canonical(loaded.graph)
    if FORMATS[fmt].quads:
        return _QUAD_WRITERS[fmt](_dataset(graph, loaded))
    return _TRIPLE_WRITERS[fmt](graph, loaded)


def describe(loaded: LoadedGraph, fmt: str) -> str:
    """What an export in `fmt` holds, for a message: '1,987 triples', '2,144 quads (...)' or
    '118 nodes and 90 edges'."""
    if fmt in NETWORK:
        from kg import graph_tools

        return graph_tools.describe(loaded)
    if FORMATS[fmt].quads:
        claims = [g for g in loaded.claims.graphs() if len(g)]
        quads = len(loaded.graph) + sum(len(g) for g in claims)
        return f"{quads:,} quads ({len(loaded.graph):,} in the default graph, {len(claims)} claims)"
    return f"{len(loaded.graph):,} triples"


# --- the graph to write ------------------------------------------------------------------------


def _canonical(graph: Graph) -> Graph:
    """The graph itself, or, if it has blank nodes, a copy with canonical blank node labels."""
    if not any(isinstance(term, BNode) for triple in graph for term in triple):
        return graph
    from rdflib.compare import to_canonical_graph

    copy = _with_prefixes_of(graph, Graph())
    copy += to_canonical_graph(graph)
    return copy


def _dataset(graph: Graph, loaded: LoadedGraph) -> Dataset:
    """The merged graph as the default graph, and each claim graph as a named graph."""
    dataset = _with_prefixes_of(graph, Dataset())
    dataset.default_graph += graph
    for claim in loaded.claims.graphs():
        if claim.identifier != loaded.claims.default_graph.identifier and len(claim):
            named = dataset.graph(claim.identifier)
            named += claim
    return dataset


def _with_prefixes_of(source: Graph, target: Graph) -> Graph:
    bind_prefixes(target)
    for prefix, namespace in sorted(source.namespaces()):
        target.bind(prefix, namespace, override=False)
    return target


def _key(node: Node) -> str:
    return node.n3()


# --- triple formats ----------------------------------------------------------------------------


def _turtle(graph: Graph, loaded: LoadedGraph) -> bytes:
    # longturtle sorts subjects, predicates and objects itself: stable across hash seeds.
    return graph.serialize(format="longturtle", encoding="utf-8")


def _sorted_lines(text: bytes) -> bytes:
    lines = sorted(line for line in text.decode("utf-8").splitlines() if line.strip())
    return "".join(line + "\n" for line in lines).encode("utf-8")


def _ntriples(graph: Graph, loaded: LoadedGraph) -> bytes:
    return _sorted_lines(graph.serialize(format="nt", encoding="utf-8"))


class _SortedGraph(Graph):
    """A graph whose subjects, predicates and objects come out sorted, for rdflib's RDF/XML
    writer (which otherwise follows the store's hash order)."""

    def subjects(self, predicate=None, object=None, unique=False):
        return iter(sorted(set(super().subjects(predicate, object)), key=_key))

    def predicates(self, subject=None, object=None, unique=False):
        return iter(sorted(set(super().predicates(subject, object)), key=_key))

    def predicate_objects(self, subject=None, unique=False):
        pairs = set(super().predicate_objects(subject))
        return iter(sorted(pairs, key=lambda pair: (_key(pair[0]), _key(pair[1]))))


def _rdfxml(graph: Graph, loaded: LoadedGraph) -> bytes:
    from rdflib.plugins.serializers.rdfxml import XMLSerializer

    view = _with_prefixes_of(graph, _SortedGraph())
    view += graph
    for predicate in view.predicates():  # any generated prefix (ns1, ...) is given in this order
        view.namespace_manager.compute_qname_strict(predicate)
    stream = io.BytesIO()
    XMLSerializer(view).serialize(stream, encoding="utf-8")
    return stream.getvalue()


def jsonld_context(loaded: LoadedGraph) -> dict[str, Any]:
    """The context object of the tree's ontology/context.jsonld (the value of its @context)."""
    path = loaded.tree.ontology_dir / CONTEXT_FILE
    shown = loaded.tree.relative(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportError(
            f"{shown}: no JSON-LD context; a kg tree needs it to export JSON-LD"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExportError(f"{shown}: not valid JSON ({error}); fix the file") from None
    context = document.get("@context") if isinstance(document, dict) else None
    if not isinstance(context, dict):
        raise ExportError(
            f'{shown}: expected an object with an inline "@context" object; '
            "URLs are not fetched, so write the context out in full"
        )
    reference = _external_reference(context)
    if reference:
        raise ExportError(
            f"{shown}: {reference}; kg never fetches or reads a context from elsewhere, so "
            "write its terms out in full"
        )
    # "@version": 1.1 makes a JSON-LD 1.0 processor refuse the document: say it only when the
    # context uses what a 1.0 processor would misread.
    context = {key: value for key, value in context.items() if key != "@version"}
    if jsonld_11_features(context):
        context = {"@version": 1.1, **context}
    return context


# What only JSON-LD 1.1 defines, in a context and in a term definition (JSON-LD 1.1, "Changes
# since 1.0"); @import and string contexts are refused before (_external_reference).
CONTEXT_11 = {"@import", "@propagate", "@protected", "@direction"}
TERM_11 = {"@context", "@direction", "@index", "@nest", "@prefix", "@protected"}
CONTAINERS_10 = {"@list", "@set", "@index", "@language"}
TYPES_11 = {"@json", "@none"}


def jsonld_11_features(context: dict[str, Any]) -> list[str]:
    """What in a context needs a JSON-LD 1.1 processor, as `term: keyword`; empty if none."""
    found = [key for key in context if key in CONTEXT_11]
    for term, definition in context.items():
        if not isinstance(definition, dict):
            continue
        if term.startswith("@"):  # a keyword with a definition (`"@type": {"@container": ...}`)
            found.append(term)
            continue
        found += [f"{term}: {key}" for key in definition if key in TERM_11]
        container = definition.get("@container")
        if container is not None and (
            not isinstance(container, str) or container not in CONTAINERS_10
        ):
            found.append(f"{term}: @container {json.dumps(container)}")
        if definition.get("@type") in TYPES_11:
            found.append(f"{term}: @type {definition['@type']}")
    return found


def _external_reference(value: Any) -> str | None:
    """What in a context would make a JSON-LD processor load another document: `@import`, or a
    (scoped) `@context` that is a string or a list holding one. None when there is nothing."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@import":
                return f'"@import" names {json.dumps(item)}'
            if key == "@context" and (
                isinstance(item, str)
                or (isinstance(item, list) and any(isinstance(i, str) for i in item))
            ):
                return f'a scoped "@context" names {json.dumps(item)}'
            found = _external_reference(item)
            if found:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _external_reference(item)
            if found:
                return found
    return None


def _jsonld(graph: Graph, loaded: LoadedGraph) -> bytes:
    from rdflib.plugins.shared.jsonld.context import Context

    context = jsonld_context(loaded)
    # A dict context is used as given: nothing is fetched, and it is written out inline.
    converted = _jsonld_converter()(Context(context)).convert(graph)
    if isinstance(converted, list):
        nodes = converted
    else:  # a single node object, or {"@graph": [...]}
        nodes = converted.get("@graph", [converted] if converted else [])
    document = {
        "@context": context,
        "@graph": sorted(
            (_sorted_values(node) for node in nodes),
            key=lambda node: (str(node.get("@id", "")), _dump(node)),
        ),
    }
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


def _jsonld_converter():
    """rdflib's JSON-LD converter, with two fixes for a lossless export.

    rdflib describes a blank node only if it is no object or is reached through a property
    without a type coercion: one reached through an `"@type": "@id"` term (`author`, `publisher`)
    would lose its description. Every subject is described here. And rdflib writes integers,
    booleans, doubles and xsd:strings as JSON numbers, booleans and strings once a context is
    active; only integers and booleans whose text is the JSON text survive that unchanged
    (`1.0E0` would come back as `1.0`, an xsd:string as a plain literal), so the rest keep
    `{"@type", "@value"}`.
    """
    from rdflib.plugins.serializers.jsonld import Converter

    native_types = {XSD.integer, XSD.boolean}

    class LosslessConverter(Converter):
        def __init__(self, context):
            super().__init__(context, use_native_types=False, use_rdf_type=False)

        def from_graph(self, graph: Graph):
            nodemap: dict[Any, Any] = {}
            for subject in sorted(set(graph.subjects()), key=_key):
                self.process_subject(graph, subject, nodemap)
            return list(nodemap.values())

        def to_raw_value(self, graph, s, o, nodemap):
            if isinstance(o, Literal) and o.datatype is not None:
                value = o.toPython()
                native = (
                    o.datatype in native_types
                    and isinstance(value, (bool, int))
                    and json.dumps(value) == str(o)
                )
                if not native:
                    return {
                        self.context.type_key: self.context.to_symbol(o.datatype),
                        self.context.value_key: str(o),
                    }
            return super().to_raw_value(graph, s, o, nodemap)

    return LosslessConverter


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _sorted_values(value: Any) -> Any:
    """Sort every JSON array in a node, except @list ones, whose order is their meaning."""
    if isinstance(value, dict):
        return {
            key: (
                [_sorted_values(v) for v in item]
                if key == "@list" and isinstance(item, list)
                else _sorted_values(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return sorted((_sorted_values(v) for v in value), key=_dump)
    return value


_TRIPLE_WRITERS: dict[str, Callable[[Graph, LoadedGraph], bytes]] = {
    "turtle": _turtle,
    "json-ld": _jsonld,
    "nt": _ntriples,
    "xml": _rdfxml,
}


# --- quad formats ------------------------------------------------------------------------------


def _nquads(dataset: Dataset) -> bytes:
    return _sorted_lines(dataset.serialize(format="nquads", encoding="utf-8"))


def _trig(dataset: Dataset) -> bytes:
    from rdflib.plugins.serializers.trig import TrigSerializer

    class SortedTrigSerializer(TrigSerializer):
        """rdflib's TriG writer with the graphs in order: default graph first, then by name."""

        def __init__(self, store: Dataset):
            super().__init__(store)
            default = store.default_graph.identifier
            self.contexts.sort(key=lambda g: (g.identifier != default, _key(g.identifier)))

    stream = io.BytesIO()
    SortedTrigSerializer(dataset).serialize(stream, encoding="utf-8")
    return stream.getvalue()


_QUAD_WRITERS: dict[str, Callable[[Dataset], bytes]] = {"nq": _nquads, "trig": _trig}
