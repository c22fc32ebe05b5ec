"""The one path from a query to its answer, for every caller: `kg query`, the server's `/api`,
`/sparql` and pages, and its workers.

    answer(store, query, values, output_format, limits) -> Answer

1. `queries.check` decides whether the query may run (skipped when given a CheckedQuery: the
   server checks once, before a worker is asked);
2. `queries.bind` turns the parameters into RDF terms (names, types, required ones);
3. the store runs it (kg.store: Oxigraph locally, or a SPARQL engine);
4. the limits cut rows (the store stops at `max_rows`, marking the answer truncated) and
   refuse an answer too large to send;
5. kg.render writes it in the format asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg import queries, render
from kg.errors import KgError
from kg.files import size_text
from kg.results import Answer, Result
from kg.store import Store


class TooLarge(KgError):
    """An answer larger than the caller may send; it was not rendered, or not sent."""

    status = 413


@dataclass(frozen=True)
class Limits:
    """How much of an answer a caller takes: rows (or triples) kept, and the bytes it may send."""

    max_rows: int | None = None
    max_bytes: int | None = None
    max_bytes_why: str = "the most this server sends (--max-bytes)"


NO_LIMITS = Limits()


def answer(
    store: Store,
    query: queries.SavedQuery | queries.CheckedQuery,
    values: dict[str, str] | None = None,
    output_format: str | None = None,
    interactive: bool = False,
    limits: Limits = NO_LIMITS,
) -> Answer:
    """A query's answer from `store`, rendered (see the module's steps)."""
    checked = query if isinstance(query, queries.CheckedQuery) else queries.check(query)
    result = result_of(store, checked, values, limits.max_rows)
    if limits.max_bytes is not None and result.least_bytes() > limits.max_bytes:
        raise too_large(checked.name, limits)  # refused before it is rendered
    rendered = render.render(result, output_format, interactive)
    if limits.max_bytes is not None and len(rendered.body) > limits.max_bytes:
        raise too_large(checked.name, limits)
    return rendered


def result_of(
    store: Store,
    query: queries.SavedQuery | queries.CheckedQuery,
    values: dict[str, str] | None = None,
    most: int | None = None,
) -> Result:
    """Steps 1-3: the query checked, bound and run; its Result, not yet rendered."""
    checked = query if isinstance(query, queries.CheckedQuery) else queries.check(query)
    return store.run(checked, queries.bind(checked.query, values or {}), most)


def too_large(name: str, limits: Limits) -> TooLarge:
    return TooLarge(
        f"{name}: the answer is larger than {size_text(limits.max_bytes or 0)}, "
        f"{limits.max_bytes_why}, so it was not sent; add a LIMIT, or select fewer or shorter "
        "values"
    )
