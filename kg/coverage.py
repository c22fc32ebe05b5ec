"""How much of each evidence text the graph captures: the share of its body that quotes cover.

The body of an evidence text is the text before its reference list (the first entry a source
record quotes as its kgv:citationText), or all of it when it has none. A quote counts for a text
when a statement citing that source carries it; it covers the characters where it occurs, as
`kg validate` finds it (whitespace-normalised, verbatim). Only letters and digits are counted,
so spaces and punctuation between quotes are no gap. Sentences come from pysbd's rule-based
segmenter; each is covered (every letter and digit in a quote), partly covered, or not covered.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from rdflib.namespace import PROV
from rdflib.term import Node

from kg.load import LoadedGraph
from kg.namespaces import KGV
from kg.validate import Sources, index_sources, normalise_space, show


@dataclass(frozen=True)
class Sentence:
    line: int  # where it starts in the evidence file, 1-based
    column: int
    text: str  # whitespace-normalised
    characters: int  # its letters and digits
    covered: int  # of those, how many a quote covers
    missing: tuple[str, ...] = ()  # the runs of its words that no quote covers

    @property
    def status(self) -> str:
        if self.covered == self.characters:
            return "covered"
        return "partly" if self.covered else "uncovered"


@dataclass(frozen=True)
class TextCoverage:
    source: Node
    file: str  # data/x.txt, as messages show it
    sentences: list[Sentence]

    @property
    def characters(self) -> int:
        return sum(s.characters for s in self.sentences)

    @property
    def covered(self) -> int:
        return sum(s.covered for s in self.sentences)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.characters if self.characters else 100.0

    def count(self, status: str) -> int:
        return sum(1 for s in self.sentences if s.status == status)

    def to_dict(self) -> dict:
        return {
            "source": show(self.source),
            "file": self.file,
            "sentences": len(self.sentences),
            "sentences_covered": self.count("covered"),
            "sentences_partly_covered": self.count("partly"),
            "sentences_uncovered": self.count("uncovered"),
            "characters": self.characters,
            "characters_covered": self.covered,
            "percent": round(self.percent, 1),
            "not_covered": [
                {
                    "line": s.line,
                    "column": s.column,
                    "status": s.status,
                    "covered": s.covered,
                    "characters": s.characters,
                    "text": s.text,
                    "not_in_a_quote": list(s.missing),
                }
                for s in self.sentences
                if s.status != "covered"
            ],
        }


@dataclass(frozen=True)
class Located:
    """A statement's quote where it occurs in an evidence text: offsets into the whitespace-
    normalised text (kg.validate.evidence_texts), `end` cut at the body's end for coverage."""

    start: int
    end: int
    statement: Node


def body_end(sources: Sources, source: Node) -> int:
    """Where an evidence text's body ends: at the first reference-list entry, else its end."""
    cited = sources.cited.get(source)
    spans = cited.spans() if cited is not None else []
    return min((start for start, _ in spans), default=len(sources.texts[source]))


def located(sources: Sources, body: bool = True) -> dict[Node, list[Located]]:
    """For each evidence text, every occurrence in its body (in all of it, reference list too,
    when not `body`) of the quote of a statement citing it (statements as authored, without
    derived inverses), ordered by start, end, statement."""
    found: dict[Node, list[Located]] = {source: [] for source in sources.texts}
    ends = {
        source: body_end(sources, source) if body else len(text)
        for source, text in sources.texts.items()
    }
    for statements in sources.claims.values():
        for statement in statements:
            cited = [s for s in sources.values(statement, PROV.wasDerivedFrom) if s in found]
            for quote in sources.values(statement, KGV.quote):
                quote = normalise_space(str(quote))
                for source in cited:
                    for start in sources.starts(quote, source):
                        end = min(start + len(quote), ends[source])
                        if end > start:
                            found[source].append(Located(start, end, statement))
    for spans in found.values():
        spans.sort(key=lambda s: (s.start, s.end, str(s.statement)))
    return found


def coverage(loaded: LoadedGraph, sources: Sources | None = None) -> list[TextCoverage]:
    """The coverage of every evidence text of the graph, in the order of their files."""
    sources = index_sources(loaded) if sources is None else sources
    quotes = located(sources)
    found = []
    for source in sorted(sources.texts, key=lambda s: (sources.files[s], str(s))):
        text = sources.texts[source]
        end = body_end(sources, source)
        in_quote = bytearray(end)
        for span in quotes[source]:
            in_quote[span.start : span.end] = b"\1" * (span.end - span.start)
        name = loaded.graph.value(source, KGV.evidenceFile)
        raw = (loaded.tree.data_dir / str(name)).read_text(encoding="utf-8")
        found.append(
            TextCoverage(source, sources.files[source], _sentences(text[:end], in_quote, raw))
        )
    return found


WORD = re.compile(r"[^\W_]")  # a letter or a digit


def _sentences(body: str, in_quote: bytearray, raw: str) -> list[Sentence]:
    import pysbd

    where = _raw_positions(raw)
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    sentences = []
    for span in segmenter.segment(body):
        text = span.sent.strip()
        if not text:
            continue
        start = span.start + (len(span.sent) - len(span.sent.lstrip()))
        letters = [start + m.start() for m in WORD.finditer(text)]
        if not letters:
            continue
        line, column = where(start)
        covered = sum(in_quote[i] for i in letters)
        missing = _runs(letters, in_quote, body)
        sentences.append(Sentence(line, column, text, len(letters), covered, missing))
    return sentences


def _runs(letters: list[int], in_quote: bytearray, body: str) -> tuple[str, ...]:
    """The stretches of text from an uncovered letter to the last one before a covered letter."""
    runs, first, last = [], None, None
    for i in letters:
        if not in_quote[i]:
            first = i if first is None else first
            last = i
        elif first is not None:
            runs.append(body[first : last + 1])
            first = None
    if first is not None:
        runs.append(body[first : last + 1])
    return tuple(runs)


def _raw_positions(raw: str):
    """A function from an offset in the whitespace-normalised text to (line, column) in the
    file's own text, both 1-based."""
    token_starts = []  # (normalised offset, raw offset) of each run of non-space characters
    normalised = 0
    for match in re.finditer(r"\S+", raw):
        token_starts.append((normalised, match.start()))
        normalised += len(match.group()) + 1
    line_starts = [0] + [m.end() for m in re.finditer(r"\n", raw)]

    def at(offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(token_starts, (offset, len(raw))) - 1
        base, raw_base = token_starts[max(index, 0)]
        position = raw_base + (offset - base)
        line = bisect.bisect_right(line_starts, position)
        return line, position - line_starts[line - 1] + 1

    return at


def format_text(report: list[TextCoverage]) -> str:
    lines = []
    for text in report:
        lines.append(
            f"{text.file} ({show(text.source)}): {text.percent:.1f}% of the body's letters and "
            f"digits are in quotes ({text.covered:,} of {text.characters:,}); sentences: "
            f"{text.count('covered')} covered, {text.count('partly')} partly, "
            f"{text.count('uncovered')} not, of {len(text.sentences)}"
        )
        for sentence in text.sentences:
            if sentence.status == "covered":
                continue
            share = f"{100 * sentence.covered / sentence.characters:.0f}%"
            lines.append(f"  {text.file}:{sentence.line}:{sentence.column}: {share} in quotes")
            lines.append(f"    {sentence.text}")
            lines.append("    not in a quote: " + "; ".join(f'"{m}"' for m in sentence.missing))
    if not report:
        lines.append("No evidence texts: no source record has a kgv:evidenceFile.")
    return "\n".join(lines) + "\n"
