"""A timeline of an entity: every dated fact about it, at the precision its source gives.

`timeline(loaded, iri)` gathers the dated statements (those the loader gave a `kgv:earliest` and
`kgv:latest`) about the entity and the things the graph ties to it: its roles in organisations
(a schema:OrganizationRole it is schema:memberOf; start and end in one item, an end or a start the
graph does not state left open), the events it took part in (attendee, directly or through a
schema:Role; organizer, contributor, performer, or the one who invited, kgv:invitedBy), the books
it wrote, the organisations it founded, the positions it holds, its own dated facts, and the source
records about it: those the graph says are (schema:about), and those whose own title names it
(`about`), at their dates of publication. Each item carries its statements, its label in words
(kg.why's Describer), its dates with their precision, its kind and how many sources and
independent outlets support it.

`timeline_json`, `timeline_svg` and `timeline_png` render it; the same graph gives the same bytes.
The SVG is one time axis with one mark per item (`<g class="mark" data-statement=...>`), each
linked to the page of its statement and titled with its label and support: a year or month is a
span covering it, a day a point, an open end an arrow to the axis's end.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from xml.etree import ElementTree

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SDO
from rdflib.term import Node

from kg.dates import DATE_TYPES, bounds
from kg.errors import PictureError
from kg.iris import href, statement_href
from kg.load import LoadedGraph
from kg.namespaces import KGR, KGV
from kg.why import Describer

# What an item is, in the order the legend lists them, with its colour.
KINDS = {
    "role": "#4c78a8",
    "event": "#f58518",
    "book": "#54a24b",
    "founding": "#b279a2",
    "position": "#9d755d",
    "fact": "#e45756",
    "article": "#72b7b2",
}
# How the entity takes part in an event: the event is the subject, the entity (or a schema:Role
# node naming it with the same predicate) the object.
PARTICIPATION = (SDO.attendee, SDO.organizer, SDO.contributor, SDO.performer, KGV.invitedBy)
ROLE_TYPES = (SDO.Role, SDO.OrganizationRole)
START, END = SDO.startDate, SDO.endDate


@dataclass(frozen=True)
class When:
    """A date as written, its precision (year, month or day) and the first and last day it
    covers (ISO)."""

    value: str
    precision: str
    first: str
    last: str

    def to_dict(self) -> dict[str, str]:
        return {
            "value": self.value,
            "precision": self.precision,
            "first": self.first,
            "last": self.last,
        }


@dataclass(frozen=True)
class Item:
    """One dated fact (or a role's start and end together) on the timeline."""

    kind: str  # a key of KINDS
    label: str
    subject: str  # the IRI the dates are about: the role node, the event, the book, ...
    statements: tuple[str, ...]  # the statements that give the dates (none for an article)
    start: When | None
    end: When | None = None
    open_start: bool = False  # a role whose start the graph does not state
    open_end: bool = False  # a role whose end the graph does not state
    sources: int = 0  # distinct source records of its statements
    outlets: int = 0  # independent outlets (kg.why's notion), over its statements
    href: str | None = None  # its page: the subject's page at the statement's anchor
    record: str | None = None  # for an article: its source record

    @property
    def first(self) -> str | None:
        """The first day it covers, None when it starts open."""
        when = self.start or (None if self.open_start else self.end)
        return when.first if when else None

    @property
    def last(self) -> str | None:
        """The last day it covers, None when it ends open."""
        when = self.end or (None if self.open_end else self.start)
        return when.last if when else None

    @property
    def precision(self) -> str:
        return (self.start or self.end).precision  # type: ignore[union-attr]

    @property
    def is_point(self) -> bool:
        """A single day: drawn as a point, not a span."""
        return not (self.open_start or self.open_end) and self.first == self.last

    @property
    def key(self) -> str:
        """What identifies it: its statements, else its source record."""
        return " ".join(self.statements) or str(self.record)

    @property
    def dates_text(self) -> str:
        """`2012-08`, `2014 to 2016`, `? to 2012-08` (start not stated), `2015 to ?`."""
        if self.end is None and not self.open_end and not self.open_start:
            return self.start.value if self.start else ""
        start = self.start.value if self.start else "?"
        end = self.end.value if self.end else "?"
        return f"{start} to {end}"

    @property
    def support_text(self) -> str:
        sources = f"{self.sources} source{'' if self.sources == 1 else 's'}"
        outlets = f"{self.outlets} independent outlet{'' if self.outlets == 1 else 's'}"
        return f"{sources}, {outlets}"

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "label": self.label,
            "subject": self.subject,
            "statements": list(self.statements),
            "record": self.record,
            "start": self.start.to_dict() if self.start else None,
            "end": self.end.to_dict() if self.end else None,
            "open_start": self.open_start,
            "open_end": self.open_end,
            "sources": self.sources,
            "independent_outlets": self.outlets,
            "href": self.href,
        }


@dataclass(frozen=True)
class Timeline:
    """The dated facts about one entity, by their first day."""

    entity: str
    label: str
    curie: str
    items: tuple[Item, ...]

    @property
    def statements(self) -> set[str]:
        return {s for item in self.items for s in item.statements}

    def to_dict(self) -> dict[str, object]:
        return {
            "entity": self.entity,
            "label": self.label,
            "curie": self.curie,
            "items": [item.to_dict() for item in self.items],
        }


def timeline(
    loaded: LoadedGraph, iri: str | URIRef = KGR["randa-kassis"], describer: Describer | None = None
) -> Timeline:
    """Every dated fact about the entity `iri` and what the graph ties to it (see the module)."""
    describer = describer or Describer(loaded)
    graph = loaded.graph
    iri = URIRef(iri)
    related = _related(loaded, iri)
    items: list[Item] = []
    for node, kind in sorted(related.items()):
        dated: dict[tuple[Node, Literal], list[Node]] = {}
        for statement in graph.subjects(RDF.subject, node):
            if (statement, KGV.earliest, None) not in graph:
                continue
            if (statement, KGV.inverseOf, None) in graph:
                continue
            predicate, value = (
                graph.value(statement, RDF.predicate),
                graph.value(statement, RDF.object),
            )
            dated.setdefault((predicate, value), []).append(statement)
        starts = [k for k in dated if k[0] == START]
        ends = [k for k in dated if k[0] == END]
        paired = len(starts) <= 1 and len(ends) <= 1 and (starts or ends)
        groups: list[list[tuple[Node, Literal]]] = [starts + ends] if paired else []
        groups += [[k] for k in sorted(dated) if not (paired and k[0] in (START, END))]
        for group in groups:
            statements = sorted(s for k in group for s in dated[k])
            start = next((_when(v) for p, v in group if p != END), None)
            end = next((_when(v) for p, v in group if p == END), None)
            is_span = group[0][0] in (START, END)
            if is_span:
                label = describer.term(node).label
            else:
                label = f"{describer.term(node).label} — {describer.predicate(group[0][0]).label}"
            explained = [describer.statement(s) for s in statements]
            sources = {source.iri for e in explained for source in e.sources}
            outlets = {name for e in explained for name in e.outlets.names}
            items.append(
                Item(
                    kind=kind,
                    label=label,
                    subject=str(node),
                    statements=tuple(str(s) for s in statements),
                    start=start,
                    end=end,
                    open_start=kind == "role" and start is None,
                    open_end=kind == "role" and end is None,
                    sources=len(sources),
                    outlets=len(outlets),
                    href=statement_href(node, statements[0]),
                )
            )
    items += _articles(loaded, iri, describer)
    items.sort(key=lambda i: (i.first or "0000", i.last or "9999", i.label.casefold(), i.key))
    term = describer.term(iri)
    return Timeline(entity=str(iri), label=term.label, curie=term.n3, items=tuple(items))


def _when(value: Node) -> When:
    datatype = str(value.datatype) if isinstance(value, Literal) and value.datatype else None
    days = bounds(str(value), datatype)
    assert days is not None  # the loader gives kgv:earliest only to a date it can bound
    return When(str(value), DATE_TYPES[str(datatype)], days[0], days[1])


def _related(loaded: LoadedGraph, iri: URIRef) -> dict[Node, str]:
    """The nodes whose dated facts are the entity's, with the kind of item each gives."""
    graph = loaded.graph

    def is_a(node: Node, *types: Node) -> bool:
        return any((node, RDF.type, t) in graph for t in types)

    related: dict[Node, str] = {iri: "fact"}
    for role in graph.objects(iri, SDO.memberOf):
        if is_a(role, SDO.OrganizationRole):
            related[role] = "role"
    for predicate in PARTICIPATION:
        for node in graph.subjects(predicate, iri):
            ends = [node]
            if is_a(node, *ROLE_TYPES):  # the entity takes part through a role node
                ends = list(graph.subjects(predicate, node))
            related.update((event, "event") for event in ends if is_a(event, SDO.Event))
    for book in graph.subjects(SDO.author, iri):
        if is_a(book, SDO.Book) and not is_a(book, KGV.SourceRecord):
            related[book] = "book"
    for organisation in graph.subjects(SDO.founder, iri):
        related.setdefault(organisation, "founding")
    for position in graph.objects(iri, KGV.holdsPosition):
        related.setdefault(position, "position")
    return related


def about(loaded: LoadedGraph, iri: URIRef) -> list[Node]:
    """The source records about the entity: those the graph says are (schema:about), and those
    whose own title names it (one of its names, whole words, any case): "Entretien avec Randa
    Kassis" is about her by its words. A record only citing something about her is not."""
    graph = loaded.graph
    names = {
        str(name).casefold()
        for predicate in (SDO.name, SDO.alternateName)
        for name in graph.objects(iri, predicate)
        if isinstance(name, Literal) and len(str(name)) > 3
    }
    patterns = [re.compile(rf"(?<!\w){re.escape(name)}(?!\w)") for name in sorted(names)]
    found = set(graph.subjects(SDO.about, iri))
    for record in graph.subjects(RDF.type, KGV.SourceRecord):
        titles = [
            str(t).casefold()
            for p in (SDO.name, SDO.alternateName)
            for t in graph.objects(record, p)
        ]
        if any(pattern.search(title) for pattern in patterns for title in titles):
            found.add(record)
    return sorted(r for r in found if (r, RDF.type, KGV.SourceRecord) in graph)


def _articles(loaded: LoadedGraph, iri: URIRef, describer: Describer) -> list[Item]:
    """The articles about the entity (see `about`), at their dates of publication."""
    graph = loaded.graph
    items = []
    for record in about(loaded, iri):
        date = graph.value(record, SDO.datePublished)
        datatype = str(date.datatype) if isinstance(date, Literal) and date.datatype else None
        if date is None or bounds(str(date), datatype) is None:
            continue
        source = describer.source(record)
        items.append(
            Item(
                kind="article",
                label=source.title or source.curie,
                subject=str(record),
                statements=(),
                start=_when(date),
                sources=1,
                outlets=1 if graph.value(record, SDO.isPartOf) is not None else 0,
                href=href(record),
                record=str(record),
            )
        )
    return items


# --- rendering ------------------------------------------------------------------------------


def timeline_json(t: Timeline) -> str:
    """The timeline as JSON, keys sorted, items by their first day."""
    return json.dumps(t.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


SVG = "http://www.w3.org/2000/svg"
ROW = 24  # pixels a row takes
LABELS = 400  # width of the label column
CHART = 560  # width of the time axis
MARGIN = 16
TOP = 56  # room for the title and the year labels
LABEL_CHARACTERS = 60  # what the label column holds of a label and its dates


def timeline_svg(t: Timeline) -> str:
    """The timeline as an SVG picture: one time axis, one linked, titled mark per item."""
    first_year, last_year = _years(t)
    origin = datetime.date(first_year, 1, 1).toordinal()
    span = datetime.date(last_year + 1, 1, 1).toordinal() - origin
    left = MARGIN + LABELS

    def x(day: str, after: bool = False) -> float:
        ordinal = datetime.date.fromisoformat(day).toordinal() + (1 if after else 0)
        return left + (ordinal - origin) * CHART / span

    width = left + CHART + 2 * MARGIN  # room for the last year label
    height = TOP + ROW * max(len(t.items), 1) + 2 * MARGIN + ROW
    count = len(t.items)
    root = ElementTree.Element(
        "svg",
        {
            "xmlns": SVG,
            "role": "img",
            "aria-labelledby": "timeline-title timeline-desc",
            "class": "timeline",
            "width": str(width),
            "height": str(height),
            "viewBox": f"0 0 {width} {height}",
            "font-family": "sans-serif",
            "font-size": "12",
        },
    )
    _sub(root, "title", {"id": "timeline-title"}, f"Timeline of {t.label}")
    kinds = sorted({item.kind for item in t.items}, key=list(KINDS).index)
    _sub(
        root,
        "desc",
        {"id": "timeline-desc"},
        f"{count} dated fact{'' if count == 1 else 's'} about {t.label} ({t.curie})"
        + (f", {first_year} to {last_year}: " + ", ".join(kinds) if count else "")
        + ". A year or month is drawn as a bar over it, a day as a dot; an arrow marks a role "
        "whose start or end is not stated. Each mark links to its statement.",
    )
    _sub(root, "rect", {"width": str(width), "height": str(height), "fill": "#ffffff"})
    _sub(
        root,
        "text",
        {"x": str(MARGIN), "y": "22", "font-size": "15", "font-weight": "bold"},
        f"Timeline of {t.label}",
    )
    bottom = TOP + ROW * max(count, 1)
    axis = _sub(root, "g", {"class": "axis", "stroke": "#999999"})
    years = list(range(first_year, last_year + 2))
    step = max(1, (len(years) + 11) // 12)
    for year in years:
        at = _n(x(f"{year:04d}-01-01"))
        tick = {"x1": at, "x2": at, "y1": str(TOP - 6), "y2": str(bottom)}
        _sub(axis, "line", {**tick, "stroke-width": "1" if year % step == 0 else "0.3"})
        if year % step == 0:
            _sub(
                axis,
                "text",
                {"x": at, "y": str(TOP - 10), "text-anchor": "middle", "stroke": "none"},
                str(year),
            )
    marks = _sub(root, "g", {"class": "marks"})
    for row, item in enumerate(t.items):
        y = TOP + row * ROW
        middle = y + ROW / 2
        room = LABEL_CHARACTERS - len(item.dates_text) - 3  # the label, then " (dates)"
        label = item.label if len(item.label) <= room else item.label[: room - 1] + "…"
        _sub(
            marks,
            "text",
            {"x": str(left - 8), "y": _n(middle + 4), "text-anchor": "end"},
            f"{label} ({item.dates_text})",
        )
        link = _sub(marks, "a", {"href": item.href} if item.href else {})
        mark = _sub(
            link,
            "g",
            {
                "class": f"mark {item.kind}",
                "data-statement": item.key,
                "data-kind": item.kind,
                "data-precision": item.precision,
                "data-shape": "point" if item.is_point else "span",
            },
        )
        _sub(mark, "title", {}, f"{item.label}, {item.dates_text}: {item.support_text}")
        colour = KINDS[item.kind]
        if item.is_point:
            _sub(
                mark,
                "circle",
                {"cx": _n((x(item.first) + x(item.first, after=True)) / 2), "cy": _n(middle),
                 "r": "5", "fill": colour},
            )  # fmt: skip
            continue
        start = x(item.first) if item.first else left
        end = x(item.last, after=True) if item.last else left + CHART
        _sub(
            mark,
            "rect",
            {"x": _n(start), "y": _n(middle - 6), "width": _n(max(end - start, 1.0)),
             "height": "12", "rx": "2", "fill": colour},
        )  # fmt: skip
        if item.open_start:
            _sub(mark, "path", _arrow(start, middle, -1, "open-start"))
        if item.open_end:
            _sub(mark, "path", _arrow(end, middle, 1, "open-end"))
    legend = _sub(root, "g", {"class": "legend"})
    at = float(MARGIN)
    for kind in kinds:
        y = bottom + MARGIN
        _sub(legend, "rect", {"x": _n(at), "y": str(y), "width": "10", "height": "10",
                              "fill": KINDS[kind]})  # fmt: skip
        _sub(legend, "text", {"x": _n(at + 14), "y": str(y + 9)}, kind)
        at += 24 + 7 * len(kind)
    ElementTree.indent(root, space=" ")
    return ElementTree.tostring(root, encoding="unicode") + "\n"


def timeline_png(t: Timeline) -> bytes:
    """The SVG picture as PNG, drawn by CairoSVG."""
    try:
        import cairosvg
    except (ImportError, OSError) as error:  # OSError: the cairo library itself is missing
        raise PictureError(
            f"cannot draw PNG: CairoSVG or the cairo library is missing ({error}); install "
            "them (pip install cairosvg; apt-get install libcairo2), or use --format svg"
        ) from None
    return cairosvg.svg2png(bytestring=timeline_svg(t).encode("utf-8"))


def _years(t: Timeline) -> tuple[int, int]:
    days = [d for item in t.items for d in (item.first, item.last) if d]
    if not days:  # nothing dated: an axis of one year, the same on every run
        return 2000, 2000
    return int(min(days)[:4]), int(max(days)[:4])


def _arrow(x: float, y: float, direction: int, name: str) -> dict[str, str]:
    """An open (hollow) arrow head with its tip at x, the axis's end, pointing left (-1) or right
    (1): an end the graph does not state."""
    base = x - 10 * direction
    return {
        "class": name,
        "d": f"M{_n(base)},{_n(y - 7)} L{_n(x)},{_n(y)} L{_n(base)},{_n(y + 7)} Z",
        "fill": "#ffffff",
        "stroke": "#333333",
        "stroke-width": "1.5",
    }


def _n(value: float) -> str:
    """A coordinate, written the same way on every run: at most two decimals."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _sub(
    parent: ElementTree.Element, tag: str, attributes: dict[str, str], text: str | None = None
) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


# What each format is drawn with (kg timeline --format; the server offers svg and json).
RENDERERS = {"svg": timeline_svg, "png": timeline_png, "json": timeline_json}


__all__ = [
    "Item",
    "Timeline",
    "When",
    "timeline",
    "timeline_json",
    "timeline_png",
    "timeline_svg",
]
