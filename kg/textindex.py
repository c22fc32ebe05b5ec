"""A full-text index of documents: SQLite's FTS5 (Python's standard library), ranked by bm25.

Each document is one thing a search can find (an entity, a source record, a fact) with its
texts by field (names, title, quote, ...). Words match case- and accent-insensitively (FTS5's
`unicode61 remove_diacritics 2` tokenizer) and as prefixes (`astan` finds Astana); a word the
index holds no prefix of is replaced by the index's closest words (difflib over FTS5's own
vocabulary: `Kasis` finds Kassis). What the user typed never reaches MATCH as syntax: each word
goes in as a quoted string. kg.why builds one for its did-you-mean; kg.search keeps the
graph's in kg's cache. This module knows nothing of RDF.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from kg.errors import SearchError

KINDS = ("entity", "source", "fact")  # the order hits are listed in
# Field -> bm25 weight: a hit in a name counts most, one in a citation's wording least.
FIELDS = {"name": 10.0, "title": 8.0, "quote": 5.0, "outlet": 3.0, "fact": 2.0, "citation": 1.0}
SEPARATOR = "\x1e"  # between the values of one field: a separator for the tokenizer too
OPEN, CLOSE = "\x02", "\x03"  # highlight() marks, turned into offsets before anyone sees them
MAX_CHARACTERS = 500
MAX_WORDS = 16
CLOSEST = 3  # a misspelt word is replaced by at most this many words of the index
CUTOFF = 0.75  # difflib's ratio a replacement needs: "kasis" ~ "kassis" is 0.91
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Document:
    """One thing to find: its kind (a KINDS entry), identity, how to show it, and its texts."""

    kind: str
    iri: str
    curie: str
    label: str  # the entity's name, the source's title, the fact in words
    detail: str = ""  # a short line more: the entity's type, the source's outlet and date
    quote: str = ""  # a fact's quote, shown with every hit on the fact
    texts: tuple[tuple[str, str], ...] = ()  # (field of FIELDS, text), a field may repeat


@dataclass(frozen=True)
class Match:
    """A text of a hit where words matched: `spans` are (start, end) offsets into `text`."""

    field: str
    text: str
    spans: tuple[tuple[int, int], ...]

    def pieces(self) -> list[tuple[str, bool]]:
        """The text in pieces, each with whether it is a run of matching words: one run for
        `Wall Street Journal`, not three. A page escapes each piece and marks the runs."""
        runs: list[list[int]] = []
        for start, end in self.spans:
            if runs and not self.text[runs[-1][1] : start].strip():
                runs[-1][1] = end
            else:
                runs.append([start, end])
        out, at = [], 0
        for start, end in runs:
            out += [(self.text[at:start], False), (self.text[start:end], True)]
            at = end
        return [(text, run) for text, run in [*out, (self.text[at:], False)] if text]

    def marked(self, before: str = "[", after: str = "]") -> str:
        """The text with each run of matching words between `before` and `after`:
        `[Wall Street Journal]`, not `[Wall] [Street] [Journal]`."""
        return "".join(before + text + after if run else text for text, run in self.pieces())

    def to_dict(self) -> dict[str, object]:
        return {
            "field": self.field,
            "text": self.text,
            "marked": self.marked(),
            "spans": [list(span) for span in self.spans],
        }


@dataclass(frozen=True)
class Hit:
    kind: str
    iri: str
    curie: str
    label: str
    detail: str
    quote: str
    matches: tuple[Match, ...]

    def to_dict(self) -> dict[str, object]:
        shown: dict[str, object] = {
            "kind": self.kind,
            "iri": self.iri,
            "curie": self.curie,
            "label": self.label,
            "detail": self.detail,
            "matches": [match.to_dict() for match in self.matches],
        }
        if self.kind == "fact":
            shown["quote"] = self.quote
        return shown


@dataclass(frozen=True)
class Found:
    """What a search returns: the words searched (after corrections), the hits by kind in rank
    order (at most `limit` of each), and how many of each kind matched in all."""

    text: str
    words: tuple[str, ...]
    corrections: tuple[tuple[str, tuple[str, ...]], ...]  # (typed, the index's words used)
    hits: tuple[Hit, ...]
    totals: dict[str, int]

    def of_kind(self, kind: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.kind == kind]

    def to_dict(self) -> dict[str, object]:
        return {
            "query": self.text,
            "words": list(self.words),
            "corrections": {typed: list(used) for typed, used in self.corrections},
            "totals": self.totals,
            "hits": [hit.to_dict() for hit in self.hits],
        }


def fold(word: str) -> str:
    """A word as the index holds it: case-folded, accents removed (as unicode61 does)."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words_of(text: str) -> list[str]:
    """The words of a search text; anything else (quotes, operators, brackets) separates them.
    Raises SearchError when there is no word, or too much text."""
    if len(text) > MAX_CHARACTERS:
        raise SearchError(
            f"search text of {len(text):,} characters; give at most {MAX_CHARACTERS} "
            "(a few words of a name, quote or title)"
        )
    words = _WORD.findall(unicodedata.normalize("NFC", text))
    if not words:
        raise SearchError(
            f"nothing to search for in {text!r}: give a word or more, e.g. kg search Kassis"
        )
    if len(words) > MAX_WORDS:
        raise SearchError(f"{len(words)} words to search for; give at most {MAX_WORDS}")
    return words


def _string(word: str) -> str:
    """A word as an FTS5 string: quoted, so no word is ever read as syntax (AND, NEAR, *)."""
    return '"' + word.replace('"', '""') + '"'


class TextIndex:
    """An FTS5 index in an SQLite database (in memory): build it from documents, or open the
    bytes of one built before (kg's cache keeps them)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection
        self._vocabulary: list[str] | None = None
        self._lock = threading.Lock()  # kg serve searches one index from its page threads

    @classmethod
    def build(cls, documents: Iterable[Document]) -> TextIndex:
        db = sqlite3.connect(":memory:", check_same_thread=False)
        columns = ", ".join(FIELDS)
        try:
            db.executescript(
                f"""
                CREATE TABLE documents (
                    id INTEGER PRIMARY KEY, kind TEXT, kind_order INTEGER, iri TEXT, curie TEXT,
                    label TEXT, detail TEXT, quote TEXT);
                CREATE VIRTUAL TABLE texts USING fts5(
                    {columns}, tokenize = 'unicode61 remove_diacritics 2');
                CREATE VIRTUAL TABLE vocabulary USING fts5vocab(texts, row);
                """
            )
        except sqlite3.OperationalError as error:  # an SQLite built without FTS5 (rare)
            raise SearchError(
                f"this Python's SQLite {sqlite3.sqlite_version} cannot make the search index "
                f"({error}); use a Python whose SQLite has FTS5 (3.27 or later, as most are)"
            ) from None
        for number, document in enumerate(sorted(documents, key=lambda d: (d.kind, d.iri))):
            db.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    number,
                    document.kind,
                    KINDS.index(document.kind),
                    document.iri,
                    document.curie,
                    document.label,
                    document.detail,
                    document.quote,
                ),
            )
            values: dict[str, list[str]] = {name: [] for name in FIELDS}
            for name, text in document.texts:
                if text not in values[name]:
                    values[name].append(text)
            db.execute(
                f"INSERT INTO texts (rowid, {columns}) VALUES (?{', ?' * len(FIELDS)})",
                (number, *(SEPARATOR.join(values[name]) for name in FIELDS)),
            )
        db.commit()
        return cls(db)

    @classmethod
    def from_bytes(cls, data: bytes) -> TextIndex:
        db = sqlite3.connect(":memory:", check_same_thread=False)
        db.deserialize(data)
        return cls(db)

    def check(self) -> None:
        """Raise sqlite3.DatabaseError unless this is a whole index (bytes from a cache)."""
        self.db.execute("SELECT count(*) FROM documents").fetchone()
        self.db.execute("INSERT INTO texts (texts) VALUES ('integrity-check')")

    def to_bytes(self) -> bytes:
        return self.db.serialize()

    def search(self, text: str, kinds: Iterable[str] = KINDS, limit: int = 20) -> Found:
        """The documents of `kinds` holding every word of `text` (as a word or the start of
        one), best first within each kind: those with a name or title that begins with a
        matching word (Astana Platform before Moscow-Astana Group), then by bm25 over the
        weighted fields, then by IRI.
        Raises SearchError for a text with no word or too many."""
        words = words_of(text)
        with self._lock:
            return self._search(text, words, kinds, limit)

    def _search(self, text: str, words: list[str], kinds: Iterable[str], limit: int) -> Found:
        terms, corrections = [], []
        for word in words:
            if self._matches(f"{_string(word)} *"):
                terms.append(f"{_string(word)} *")
                continue
            closest = tuple(
                difflib.get_close_matches(fold(word), self.vocabulary(), CLOSEST, CUTOFF)
            )
            if closest:
                corrections.append((word, closest))
                terms.append("(" + " OR ".join(_string(w) for w in closest) + ")")
            else:
                terms.append(_string(word))
        wanted = set(kinds)
        kinds = [kind for kind in KINDS if kind in wanted]
        hits: list[Hit] = []
        totals = dict.fromkeys(kinds, 0)
        try:
            rows = self._rows(" AND ".join(terms), kinds)
        except sqlite3.OperationalError as error:  # no text should get here: every word is quoted
            raise SearchError(f"cannot search for {text!r}: {error}") from None
        ranked = sorted(
            (KINDS.index(hit.kind), not _leads(hit), score, hit.iri, hit)
            for hit, score in map(self._hit, rows)
        )
        for *_, hit in ranked:
            totals[hit.kind] += 1
            if totals[hit.kind] <= limit:
                hits.append(hit)
        return Found(text, tuple(words), tuple(corrections), tuple(hits), totals)

    def vocabulary(self) -> list[str]:
        if self._vocabulary is None:
            self._vocabulary = [t for (t,) in self.db.execute("SELECT term FROM vocabulary")]
        return self._vocabulary

    def _matches(self, query: str) -> bool:
        try:
            found = self.db.execute("SELECT 1 FROM texts WHERE texts MATCH ? LIMIT 1", (query,))
            return found.fetchone() is not None
        except sqlite3.OperationalError:  # as in search: reported there, if it happens
            return False

    def _rows(self, query: str, kinds: list[str]) -> list[tuple]:
        highlights = ", ".join(
            f"highlight(texts, {column}, '{OPEN}', '{CLOSE}')" for column in range(len(FIELDS))
        )
        weights = ", ".join(str(weight) for weight in FIELDS.values())
        places = ", ".join("?" * len(kinds))
        return self.db.execute(
            f"""
            SELECT d.kind, d.iri, d.curie, d.label, d.detail, d.quote, bm25(texts, {weights}),
                {highlights}
            FROM texts JOIN documents AS d ON d.id = texts.rowid
            WHERE texts MATCH ? AND d.kind IN ({places})
            """,
            (query, *kinds),
        ).fetchall()

    @staticmethod
    def _hit(row: tuple) -> tuple[Hit, float]:
        """A row of _rows as a Hit, with its bm25 score (lower is better)."""
        kind, iri, curie, label, detail, quote, score, *highlighted = row
        matches = []
        for name, text in zip(FIELDS, highlighted, strict=True):
            for value in text.split(SEPARATOR) if OPEN in text else ():
                if OPEN in value:
                    matches.append(_unmarked(name, value))
        return Hit(kind, iri, curie, label, detail, quote, tuple(matches)), score


def _leads(hit: Hit) -> bool:
    """Whether a name or title of the hit begins with a matching word."""
    return any(
        match.field in ("name", "title") and not _WORD.search(match.text[: match.spans[0][0]])
        for match in hit.matches
    )


def _unmarked(field: str, marked: str) -> Match:
    """A highlight()ed text as its plain text and the offsets of its marked words."""
    text, spans, start = [], [], 0
    length = 0
    for char in marked:
        if char == OPEN:
            start = length
        elif char == CLOSE:
            spans.append((start, length))
        else:
            text.append(char)
            length += 1
    return Match(field, "".join(text), tuple(spans))
