"""A network of an entity: the people, organisations and events within a few hops of it.

`network(loaded, iri, depth)` reads the sourced statements between two IRIs (as authored: the
inverse the loader derives of a symmetric fact is not drawn again). A role node (schema:Role,
schema:OrganizationRole) stands for an edge: `a memberOf role . role memberOf b` is drawn as
`a —member of (President)→ b`. The people, organisations and events reached from the entity in at
most `depth` hops are the nodes, every edge between two of them is drawn, labelled by its relation
(kg.why's predicate label) and weighted by its independent outlets (kg.why's notion, over the
statements the edge stands for).

`network_dot` writes it as Graphviz source (the `graphviz` package), `network_svg` and
`network_png` have Graphviz's dot lay it out and draw it; `network_json` is the data. The SVG's
nodes link to their pages (`/id/<name>`), its edges to their statements; the same graph gives the
same bytes.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict, deque
from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import RDF, SDO
from rdflib.term import Node as RdfNode

from kg.errors import PictureError
from kg.iris import href, statement_href
from kg.load import LoadedGraph
from kg.namespaces import KGV
from kg.why import Describer

# What a node is, by its rdf:type, and how it is drawn.
KINDS = {
    SDO.Person: "person",
    SDO.Organization: "organisation",
    SDO.GovernmentOrganization: "organisation",
    SDO.Event: "event",
}
STYLE = {
    "person": {"shape": "ellipse", "fillcolor": "#fde0c5"},
    "organisation": {"shape": "box", "fillcolor": "#cfe3f7"},
    "event": {"shape": "hexagon", "fillcolor": "#d9f0d3"},
    "other": {"shape": "note", "fillcolor": "#eeeeee"},
}
ROLE_TYPES = (SDO.Role, SDO.OrganizationRole)


@dataclass(frozen=True)
class Vertex:
    """A person, organisation or event in the network."""

    iri: str
    curie: str
    label: str
    kind: str  # person, organisation, event (or other, for the entity asked about)
    hops: int  # from the entity asked about
    href: str | None  # its page

    def to_dict(self) -> dict[str, object]:
        return {
            "iri": self.iri,
            "curie": self.curie,
            "label": self.label,
            "kind": self.kind,
            "hops": self.hops,
            "href": self.href,
        }


@dataclass(frozen=True)
class Edge:
    """A relation between two vertices, as one or more sourced statements say it."""

    source: str  # the subject's IRI
    target: str  # the object's IRI
    predicate: str
    label: str  # the relation in words, with the role's name when a role stands for it
    statements: tuple[str, ...]
    outlets: tuple[str, ...]  # the independent outlets of its statements, by label
    href: str | None  # the page of its first statement

    @property
    def weight(self) -> int:
        return len(self.outlets)

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "target": self.target,
            "predicate": self.predicate,
            "label": self.label,
            "statements": list(self.statements),
            "independent_outlets": list(self.outlets),
            "weight": self.weight,
            "href": self.href,
        }


@dataclass(frozen=True)
class Network:
    """The vertices within `depth` hops of the entity and the edges between them."""

    entity: str
    label: str
    curie: str
    depth: int
    vertices: tuple[Vertex, ...]
    edges: tuple[Edge, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "entity": self.entity,
            "label": self.label,
            "curie": self.curie,
            "depth": self.depth,
            "nodes": [v.to_dict() for v in self.vertices],
            "edges": [e.to_dict() for e in self.edges],
        }


def network(
    loaded: LoadedGraph, iri: str | URIRef, depth: int = 2, describer: Describer | None = None
) -> Network:
    """The people, organisations and events within `depth` hops of `iri` (see the module)."""
    if depth < 1:
        raise ValueError("depth is at least 1")
    describer = describer or Describer(loaded)
    graph = loaded.graph
    iri = URIRef(iri)
    edges = _edges(loaded, describer)

    def kind(node: RdfNode) -> str | None:
        found = sorted({KINDS[t] for t in graph.objects(node, RDF.type) if t in KINDS})
        return found[0] if found else None

    def drawn(node: RdfNode) -> bool:  # the entity asked about is drawn, whatever it is
        return node == iri or kind(node) is not None

    kept = {key: e for key, e in edges.items() if drawn(key[0]) and drawn(key[2])}
    neighbours: dict[RdfNode, set[RdfNode]] = defaultdict(set)
    for s, _, o in kept:
        neighbours[s].add(o)
        neighbours[o].add(s)
    hops = {iri: 0}
    queue = deque([iri])
    while queue:
        node = queue.popleft()
        if hops[node] == depth:
            continue
        for other in sorted(neighbours[node]):
            if other not in hops:
                hops[other] = hops[node] + 1
                queue.append(other)
    vertices = []
    for node, distance in hops.items():
        term = describer.term(node)
        vertices.append(
            Vertex(str(node), term.n3, term.label, kind(node) or "other", distance, href(node))
        )
    vertices.sort(key=lambda v: (v.hops, v.label.casefold(), v.iri))
    among = [e for (s, _, o), e in kept.items() if s in hops and o in hops]
    among.sort(key=lambda e: (e.source, e.target, e.label, e.predicate))
    term = describer.term(iri)
    return Network(str(iri), term.label, term.n3, depth, tuple(vertices), tuple(among))


def _edges(loaded: LoadedGraph, describer: Describer) -> dict[tuple, Edge]:
    """Every relation between two IRIs that sourced statements state, a role node drawn as the
    edge it stands for; keyed by (subject, predicate, object)."""
    graph = loaded.graph
    roles = {r for t in ROLE_TYPES for r in graph.subjects(RDF.type, t)}
    said: dict[tuple, list[RdfNode]] = defaultdict(list)  # (s, p, o) -> statements
    for statement in graph.subjects(RDF.type, RDF.Statement):
        if (statement, KGV.inverseOf, None) in graph:
            continue
        s, p, o = (graph.value(statement, x) for x in (RDF.subject, RDF.predicate, RDF.object))
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            said[(s, p, o)].append(statement)
    joined: dict[tuple, tuple[list[RdfNode], str | None]] = {}
    into: dict[RdfNode, list[tuple]] = defaultdict(
        list
    )  # role -> (a, p, statements) of a -p-> role
    out: dict[RdfNode, list[tuple]] = defaultdict(list)  # role -> (p, b, statements) of role -p-> b
    for (s, p, o), statements in sorted(said.items()):
        if o in roles and s not in roles:
            into[o].append((s, p, statements))
        elif s in roles and o not in roles:
            out[s].append((p, o, statements))
        elif s not in roles and o not in roles:
            joined[(s, p, o)] = (statements, None)
    for role in sorted(roles):  # a -p-> role -p-> b: one edge a -p-> b, named by the role
        name = graph.value(role, SDO.roleName)
        for a, p, before in into[role]:
            for p2, b, after in out[role]:
                if p2 == p:
                    statements, _ = joined.get((a, p, b), ([], None))
                    joined[(a, p, b)] = (statements + before + after, str(name) if name else None)
    edges = {}
    for (s, p, o), (statements, role_name) in joined.items():
        statements = sorted(set(statements))
        outlets: set[str] = set()
        for statement in statements:
            outlets.update(describer.statement(statement).outlets.names)
        label = describer.predicate(p).label + (f" ({role_name})" if role_name else "")
        first = statements[0]
        edges[(s, p, o)] = Edge(
            source=str(s),
            target=str(o),
            predicate=str(p),
            label=label,
            statements=tuple(str(st) for st in statements),
            outlets=tuple(sorted(outlets, key=lambda n: (n.casefold(), n))),
            href=statement_href(graph.value(first, RDF.subject), first),
        )
    return edges


# --- rendering ------------------------------------------------------------------------------


def network_json(n: Network) -> str:
    """The network as JSON, keys sorted: nodes by hops then label, edges by their ends."""
    return json.dumps(n.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def network_dot(n: Network) -> str:
    """The network as Graphviz source: each node linked to its page, each edge labelled and
    drawn thicker the more independent outlets it has."""
    return _digraph(n).source


def network_svg(n: Network) -> str:
    """The network laid out and drawn by Graphviz's dot, as SVG for a page or a screen reader:
    the root `<svg>` has role="img", a `<title>` and a `<desc>`; Graphviz's comments (its
    version) are left out, so the same graph gives the same bytes."""
    svg = _render(n, "svg").decode("utf-8")
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.DOTALL)
    svg = svg[svg.index("<svg") :]  # the XML declaration and DOCTYPE: not needed in a page
    count, links = len(n.vertices), len(n.edges)
    title = f"Network of {n.label}"
    desc = (
        f"{count} people, organisations and events within {n.depth} "
        f"hop{'' if n.depth == 1 else 's'} of {n.label} ({n.curie}), and the {links} "
        f"relation{'' if links == 1 else 's'} between them; a thicker line has more independent "
        "outlets. Each node links to its page."
    )
    head = svg.index(">", svg.index("<svg"))
    return (
        svg[:head]
        + ' role="img" aria-labelledby="network-title network-desc">\n'
        + f'<title id="network-title">{_escape(title)}</title>\n'
        + f'<desc id="network-desc">{_escape(desc)}</desc>'
        + svg[head + 1 :]
    )


def network_png(n: Network) -> bytes:
    """The network laid out and drawn by Graphviz's dot, as PNG."""
    return _render(n, "png")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _digraph(n: Network):
    import graphviz

    dot = graphviz.Digraph(
        "network",
        graph_attr={
            "rankdir": "LR",
            "fontname": "sans-serif",
            "label": graphviz.escape(
                f"Network of {n.label}, {n.depth} hop{'' if n.depth == 1 else 's'}"
            ),
            "labelloc": "t",
        },
        node_attr={"fontname": "sans-serif", "fontsize": "11", "style": "filled,rounded"},
        edge_attr={"fontname": "sans-serif", "fontsize": "9", "color": "#555555"},
    )
    for vertex in n.vertices:
        attributes = dict(STYLE[vertex.kind])
        if vertex.iri == n.entity:
            attributes["penwidth"] = "3"
        if vertex.href:
            attributes["URL"] = vertex.href
        dot.node(
            _dot_id(vertex.curie),
            label=graphviz.escape(vertex.label),
            tooltip=graphviz.escape(f"{vertex.label} ({vertex.curie}), {vertex.kind}"),
            **attributes,
        )
    ids = {v.iri: _dot_id(v.curie) for v in n.vertices}
    for edge in n.edges:
        outlets = f"{edge.weight} independent outlet{'' if edge.weight == 1 else 's'}"
        attributes = {"penwidth": str(1 + edge.weight), "weight": str(1 + edge.weight)}
        if edge.href:
            attributes["URL"] = edge.href
        dot.edge(
            ids[edge.source],
            ids[edge.target],
            label=graphviz.escape(edge.label),
            tooltip=graphviz.escape(f"{edge.label}: {outlets}"),
            **attributes,
        )
    return dot


def _dot_id(curie: str) -> str:
    """A node's name in the DOT source: its CURIE with `_` for `:`, which DOT reads as a port."""
    return curie.replace(":", "_")


def _render(n: Network, output_format: str) -> bytes:
    """dot's drawing of the network; PictureError when dot is missing or fails."""
    import graphviz

    try:
        return _digraph(n).pipe(format=output_format)
    except graphviz.ExecutableNotFound:
        raise PictureError(
            "cannot draw the network: Graphviz's dot is not installed (or not on PATH); install "
            "Graphviz (Debian: apt-get install graphviz), or use --format dot or json"
        ) from None
    except graphviz.CalledProcessError as error:
        said = " ".join((error.stderr or b"").decode("utf-8", "replace").split())[:200]
        raise PictureError(f"Graphviz's dot failed to draw the network: {said}") from None


# What each format is drawn with (kg network --format; the server offers svg, dot and json).
RENDERERS = {"svg": network_svg, "png": network_png, "dot": network_dot, "json": network_json}


__all__ = [
    "Edge",
    "Network",
    "Vertex",
    "network",
    "network_dot",
    "network_json",
    "network_png",
    "network_svg",
]
