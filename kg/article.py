"""An evidence text annotated with the statements that quote it (kg serve's /article pages).

The body of the text (kg.coverage.body_end) is cut into segments at every boundary of a quote
(kg.coverage.located finds them, as `kg coverage` and `kg validate` do) and of a paragraph: each
segment carries the statements whose quotes cover all of it, in the order their quotes start, so
overlapping quotes still give segments that nest in a page's markup. Text no quote covers is a
segment with no statement. The reference list after the body is given entry by entry, each with
the source record whose kgv:citationText it is. This module knows nothing of HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from rdflib.namespace import SDO
from rdflib.term import Node

from kg.coverage import Located, TextCoverage, body_end, coverage, located
from kg.errors import NotFoundError
from kg.load import LoadedGraph
from kg.namespaces import KGV
from kg.validate import index_sources, show


@dataclass(frozen=True)
class Segment:
    """A stretch of an evidence text and the statements whose quotes cover all of it (none:
    no quote covers it), the one whose quote starts first first."""

    text: str
    statements: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Entry:
    """An entry of a reference list, in segments as the body is (a quote may be in an entry:
    a book's imprint), and the source record that quotes it as its citation text."""

    text: str
    record: Node
    segments: tuple[Segment, ...] = ()


@dataclass(frozen=True)
class Annotated:
    source: Node
    file: str  # data/x.txt
    paragraphs: tuple[tuple[Segment, ...], ...]
    references: tuple[Entry, ...]
    coverage: TextCoverage


def evidence_sources(loaded: LoadedGraph) -> list[Node]:
    """The source records that have an evidence text, the main article first: the one whose
    reference list cites the most records, then by file."""
    graph = loaded.graph
    sources = {source: str(name) for source, name in graph.subject_objects(KGV.evidenceFile)}
    return sorted(
        sources, key=lambda s: (-len(set(graph.objects(s, SDO.citation))), sources[s], str(s))
    )


def annotate(loaded: LoadedGraph, source: Node | None = None) -> Annotated:
    """An evidence text (the main article's when `source` is None) in annotated segments, with
    its reference list and its coverage. Raises NotFoundError for a source with no text."""
    known = evidence_sources(loaded)
    if source is None and known:
        source = known[0]
    if source is None or source not in known:
        listed = ", ".join(show(s) for s in known) or "none"
        raise NotFoundError(
            f"{show(source) if source is not None else 'the graph'} has no evidence text "
            f"(kgv:evidenceFile); the texts are: {listed}"
        )
    sources = index_sources(loaded)
    text = sources.texts[source]
    end = body_end(sources, source)
    raw = (loaded.tree.data_dir / str(loaded.graph.value(source, KGV.evidenceFile))).read_text(
        encoding="utf-8"
    )
    report = next(c for c in coverage(loaded, sources) if c.source == source)
    references: list[tuple[int, str, Node]] = []
    cited = sources.cited.get(source)
    if cited is not None:
        for record, _, entry in cited.entries:
            references += [(start, entry, record) for start in cited.starts.get(entry, [])]
    everywhere = located(sources, body=False)[source]
    return Annotated(
        source=source,
        file=sources.files[source],
        paragraphs=segments(text, end, located(sources)[source], paragraph_breaks(raw)),
        references=tuple(
            Entry(entry, record, tuple(_cut(text, at, at + len(entry), everywhere)))
            for at, entry, record in sorted(references)
        ),
        coverage=report,
    )


def paragraph_breaks(raw: str) -> list[int]:
    """Where a file's text breaks into paragraphs (lines), as offsets into its whitespace-
    normalised text (kg.validate.normalise_space): the spaces that stand for a newline."""
    breaks, offset, previous = [], 0, None
    for match in re.finditer(r"\S+", raw):
        if previous is not None and "\n" in raw[previous : match.start()]:
            breaks.append(offset - 1)
        offset += len(match.group()) + 1
        previous = match.end()
    return breaks


def segments(
    text: str, end: int, spans: list[Located], breaks: list[int]
) -> tuple[tuple[Segment, ...], ...]:
    """`text[:end]` in paragraphs (cut at `breaks`, the space of each dropped), each paragraph in
    segments cut at every start and end of a quote's span."""
    paragraphs, start = [], 0
    for stop in [*(b for b in breaks if b < end), end]:
        while stop > start and text[stop - 1] == " ":
            stop -= 1
        if stop > start:
            paragraphs.append(tuple(_cut(text, start, stop, spans)))
        start = stop + 1
    return tuple(paragraphs)


def _cut(text: str, start: int, stop: int, spans: list[Located]) -> list[Segment]:
    cuts = {start, stop} | {
        at for span in spans for at in (span.start, span.end) if start < at < stop
    }
    out: list[Segment] = []
    for left, right in pairwise(sorted(cuts)):
        statements = tuple(
            dict.fromkeys(s.statement for s in spans if s.start <= left and right <= s.end)
        )
        if out and out[-1].statements == statements:
            out[-1] = Segment(out[-1].text + text[left:right], statements)
        else:
            out.append(Segment(text[left:right], statements))
    return out
