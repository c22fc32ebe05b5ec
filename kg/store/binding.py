"""Parameters written into a query's text, for engines that take no bindings: each bound
variable as its RDF term (N-Triples syntax, from `queries.bind`, never the user's text), or an
inline VALUES block in the outermost WHERE group. Also the project's PREFIX lines, for engines
that are not told them.
"""

from __future__ import annotations

import re

from kg.iris import PREFIXES
from kg.queries import PROLOGUE, QueryError, Term, query_form, strip_comments_and_strings

_WHERE = re.compile(r"(?i)(?<![?$:\w-])WHERE(?![:\w-])")


def with_prefixes(text: str) -> str:
    """The query with PREFIX lines for the project prefixes it uses without declaring."""

    body = strip_comments_and_strings(text)
    declared = {m.lower() for m in re.findall(r"(?i)\bPREFIX\s+([\w.-]*):", body)}
    missing = [f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if p.lower() not in declared]
    return "".join(missing) + text


def with_constants(text: str, bindings: dict[str, Term]) -> str:
    """The query with each bound variable (`?name` or `$name`, outside strings, IRIs and
    comments) replaced by its term in N-Triples syntax: the parsed, validated RDF term, never
    the user's text."""

    if not bindings:
        return text
    names = "|".join(re.escape(name) for name in sorted(bindings, key=len, reverse=True))
    variable = re.compile(rf"[?$]({names})(?![\w\u00B7\u0300-\u036F\u203F\u2040])")
    body = strip_comments_and_strings(text)  # same length as text: offsets carry over
    parts, last = [], 0
    for match in variable.finditer(body):
        parts += [text[last : match.start()], str(bindings[match.group(1)])]
        last = match.end()
    return "".join(parts) + text[last:]


def inline_values(text: str, bindings: dict[str, Term]) -> str:
    """The query with `VALUES (?a ?b) { (term term) }` first in its outermost WHERE group.

    Terms are written in N-Triples syntax: the parsed, validated RDF term. When that group
    is itself a sub-SELECT (`WHERE { SELECT ... }`), it is wrapped in a group first.
    """

    if not bindings:
        return text
    names = sorted(bindings)
    block = (
        "VALUES ("
        + " ".join(f"?{n}" for n in names)
        + ") { ("
        + " ".join(str(bindings[n]) for n in names)
        + ") }"
    )
    body = strip_comments_and_strings(text)
    form = query_form(text)
    start = PROLOGUE.match(body).end() + len(form)
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
