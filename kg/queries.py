"""Saved SPARQL queries: files in queries/, grlc-style headers, typed parameters, safe execution.

A saved query is `queries/<kebab-name>.rq`: valid SPARQL preceded by `#+ ` header lines in grlc's
convention (YAML once the `#+ ` is stripped): `summary:`, `description:`, `tags:`, `defaults:`,
`enumerate:`, `pagination:`. Parameters follow grlc/BASIL variable names, so the same files work
in grlc 1.3.11 (tests/test_grlc.py runs them there):

    ?_name            required plain string        ?__name   (two underscores) optional
    ?_name_iri        IRI (or CURIE)               ?_name_en  language string (any tag)
    ?_name_integer    xsd:integer                  ?_name_xsd_date, ?_name_xsd_gYear  typed literal

As in grlc, `defaults:` are the values a form starts from (grlc's, kg's pages, the OpenAPI
example), never bound to a request that leaves the parameter out: a required parameter left out
is an error, an optional one stays unbound. Write them as full IRIs: grlc sends `src:x` as the
IRI `<src:x>`. `enumerate:` lists each parameter's values (`- year: ["2016", "2017"]`), and kg
refuses others; `pagination: K` splits the answer of `/api/<name>` into pages of K rows
(`kg.web`). `endpoint:` and grlc's other headers are not read: kg answers from its own graph.

Values are parsed into RDF terms (pyoxigraph's, checked here) and bound by the store: written
into the query as the term's N-Triples form, as a SEP-0007 substitution, or as an inline VALUES
block (kg.store), never from the user's text. Every name is checked against the query's declared
parameters, and a parameter variable may not be the target of a BIND or VALUES. A VALUES block
reaches only the outermost group: a saved query reads its parameters there.

`check` is the one authority on whether a query may run, on every store: read-only, no SERVICE,
no FROM, not absurdly nested, parameters only read. It reads the query's tokens itself (no
parser to import); the engine parses what it lets through.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox

from kg.errors import KgError
from kg.iris import PREFIXES, XSD
from kg.terms import curie
from kg.tree import Tree

QUERY_SUFFIX = ".rq"
MAX_NESTING = 40  # brackets deep; pyparsing recurses per level and rdflib's evaluator too
PARAMETER = re.compile(r"[?$](__?)([A-Za-z][A-Za-z0-9]*)((?:_[A-Za-z0-9]+)*)\b")
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY")


Term = ox.NamedNode | ox.Literal


class QueryError(KgError):
    """A query that cannot run: unknown, malformed, not allowed, or badly parameterised."""


@dataclass(frozen=True)
class Parameter:
    """One query parameter, from a `?_name_type` variable."""

    name: str
    variable: str  # without the leading ?
    kind: str  # string | iri | lang | integer | datatype
    required: bool
    language: str | None = None
    datatype: str | None = None  # an IRI
    default: str | None = None  # what forms start from (`#+ defaults:`); never bound by itself
    choices: tuple[str, ...] = ()  # the values it takes (`#+ enumerate:`), if listed

    @property
    def type_label(self) -> str:
        if self.kind == "lang":
            return f"text@{self.language}"
        if self.kind == "datatype":
            return curie(self.datatype)
        return {"string": "text", "iri": "IRI or CURIE", "integer": "integer"}[self.kind]

    def describe(self) -> str:
        how = "required" if self.required else "optional"
        if self.choices:
            how += ", one of " + "|".join(self.choices)
        elif self.default is not None:
            how += f", e.g. {self.default}"
        return f"{self.name} ({self.type_label}, {how})"

    def to_term(self, value: str) -> Term:
        """Parse a user's value into the RDF term this parameter binds, or explain why not."""
        term = self._term(value)
        if self.choices and term not in {self._term(choice) for choice in self.choices}:
            raise QueryError(
                f"parameter '{self.name}' takes one of {', '.join(self.choices)}, not '{value}'"
            )
        return term

    def _term(self, value: str) -> Term:
        if self.kind == "iri":
            return _to_iri(value, self.name)
        if self.kind == "lang":
            return ox.Literal(value, language=self.language)
        if self.kind == "integer":
            if not re.fullmatch(r"[+-]?[0-9]+", value.strip()):
                raise QueryError(f"parameter '{self.name}' takes an integer, not '{value}'")
            if len(value.strip().lstrip("+-")) > MAX_INTEGER_DIGITS:
                raise QueryError(
                    f"parameter '{self.name}' takes an integer of at most "
                    f"{MAX_INTEGER_DIGITS} digits"
                )
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
        if self.kind == "datatype":
            if not well_typed(value, self.datatype):
                raise QueryError(
                    f"parameter '{self.name}' takes an {curie(self.datatype)} "
                    f"(e.g. {_EXAMPLES.get(self.datatype, '...')}), not '{value}'"
                )
            return ox.Literal(value, datatype=ox.NamedNode(self.datatype))
        return ox.Literal(value)


LARGEST = 2**63 - 1  # what LIMIT and OFFSET can be (engines slice with a 64-bit count)
MAX_INTEGER_DIGITS = 4300  # Python's own limit for turning text into an int
MAX_HEADER_BYTES = 64 * 1024  # a `#+` header larger than this is not a header


# The IRIs a parameter takes: RFC 3986 as Oxigraph checks it (scheme, an optional authority
# with a numeric port, path, query, fragment, %-escapes), in ASCII: a character beyond ASCII is
# written %-escaped (kg's own IRIs are all ASCII). One pattern, written for both Python's re and
# ECMA-262, so that kg.web.api publishes exactly what this accepts in its OpenAPI document (and
# fuzzers can draw from it: non-ASCII classes made that take a second a draw).
_PCT = "%[0-9A-Fa-f]{2}"
_PLAIN = r"A-Za-z0-9._~!$&'()*+,;=\-"
IRI_PATTERN = (
    r"[A-Za-z][A-Za-z0-9+.\-]*:"
    rf"(?://(?:(?:[{_PLAIN}:]|{_PCT})*@)?(?:[{_PLAIN}]|{_PCT})*(?::[0-9]*)?"
    rf"(?:/(?:[{_PLAIN}:@/]|{_PCT})*)?"
    rf"|(?!//)(?:[{_PLAIN}:@/]|{_PCT})*)"
    rf"(?:\?(?:[{_PLAIN}:@/?]|{_PCT})*)?"
    rf"(?:#(?:[{_PLAIN}:@/?]|{_PCT})*)?"
)


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """Patterns compiled when first used: `kg query` pays for none it does not need (the IRI
    pattern alone takes 30 ms)."""
    return re.compile(pattern)


def _iri() -> re.Pattern[str]:
    return _compiled(IRI_PATTERN)


_EXAMPLES = {XSD + "date": "2018-01-30", XSD + "gYear": "2015", XSD + "gYearMonth": "2012-08"}
_TIMEZONE = r"(Z|[+-][0-9][0-9]:[0-9][0-9])?"
_DATE = r"-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?"
_DECIMAL = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"
# The lexical forms of the XSD datatypes a parameter can take (XML Schema 1.1, part 2); a value
# of another datatype is passed on as written.
LEXICAL: dict[str, str] = {
    XSD + "gYear": r"-?[0-9]{4,}" + _TIMEZONE,
    XSD + "gYearMonth": r"-?[0-9]{4,}-(0[1-9]|1[0-2])" + _TIMEZONE,
    XSD + "date": _DATE + _TIMEZONE,
    XSD + "dateTime": _DATE + "T" + _TIME + _TIMEZONE,
    XSD + "decimal": _DECIMAL,
    XSD + "integer": r"[+-]?[0-9]+",
    XSD + "boolean": r"true|false|1|0",
    XSD + "double": _DECIMAL + r"([eE][+-]?[0-9]+)?|[+-]?INF|NaN",
    XSD + "float": _DECIMAL + r"([eE][+-]?[0-9]+)?|[+-]?INF|NaN",
}


def well_typed(value: str, datatype: str | None) -> bool:
    """Whether `value` is a lexical form of `datatype` (and a real day, for dates)."""
    if datatype not in LEXICAL:
        return True
    if not _compiled(LEXICAL[datatype]).fullmatch(value):
        return False
    if datatype in (XSD + "date", XSD + "dateTime"):
        import calendar

        year, month, day = re.match(r"(-?[0-9]+)-([0-9]+)-([0-9]+)", value).groups()
        return int(day) <= calendar.monthrange(int(year) if int(year) > 0 else 2000, int(month))[1]
    return True


def _to_iri(value: str, name: str) -> ox.NamedNode:
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    prefix, colon, local = value.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        value = PREFIXES[prefix] + local
    known = ", ".join(f"{p}:" for p in PREFIXES)
    refused = QueryError(
        f"parameter '{name}' takes an IRI or a CURIE with a known prefix ({known}), not "
        f"'{value}' (write spaces and characters beyond ASCII %-escaped)"
    )
    if not _iri().fullmatch(value):
        raise refused
    try:
        return ox.NamedNode(value)  # RFC 3987, checked by Oxigraph
    except ValueError:
        raise refused from None


def _parameter_from(match: re.Match[str]) -> Parameter:
    underscores, name, suffix = match.group(1), match.group(2), match.group(3)
    variable = match.group(0)[1:]
    required = underscores == "_"
    parts = suffix.split("_")[1:]
    if not parts:
        return Parameter(name, variable, "string", required)
    if parts == ["iri"]:
        return Parameter(name, variable, "iri", required)
    if parts == ["integer"]:
        return Parameter(name, variable, "integer", required)
    if len(parts) == 2 and parts[0] in PREFIXES:
        return Parameter(
            name, variable, "datatype", required, datatype=PREFIXES[parts[0]] + parts[1]
        )
    if len(parts) == 1 and re.fullmatch(r"[a-z]{2,3}", parts[0]):
        return Parameter(name, variable, "lang", required, language=parts[0])
    # Anything else is a name with underscores in it, as grlc reads it: a plain string.
    return Parameter("_".join([name, *parts]), variable, "string", required)


@dataclass
class SavedQuery:
    name: str
    text: str
    path: Path | None = None
    summary: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    parameters: list[Parameter] = field(default_factory=list)
    pagination: int | None = None  # rows a page of /api/<name> (`#+ pagination:`)

    @property
    def form(self) -> str:
        return query_form(self.text)


def query_form(text: str) -> str:
    """The query's form, upper case: its first word after the prologue (SELECT, ASK, ...)."""
    return form_of(tokens(text))[1]


def form_of(found: list[Token]) -> tuple[int, str]:
    """Where the first token after the prologue (BASE <iri>, PREFIX p: <iri>) is in `found`,
    and the form it names ("" when it is not a word, or there is none)."""
    at = 0
    while at < len(found) and found[at].text.upper() in ("BASE", "PREFIX"):
        at += 2 if found[at].text.upper() == "BASE" else 3
    if at < len(found) and found[at].kind == "word":
        return at, found[at].text.upper()
    return at, ""


def strip_comments_and_strings(text: str) -> str:
    """The text with comments and strings blanked and IRIs' insides turned to x, each the same
    length (line breaks kept), so keyword and bracket scans see only syntax at its offsets. The
    tokens are `tokens`'s: one reading of SPARQL for every check."""
    parts, last = [], 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind not in ("comment", "string", "iri"):
            continue
        start, end = match.span(kind)
        token = match.group(kind)
        parts.append(text[last:start])
        if kind == "iri":
            parts.append("<" + "x" * (len(token) - 2) + ">")
        else:
            parts.append(re.sub(r"[^\n]", " ", token))
        last = end
    parts.append(text[last:])
    return "".join(parts)


def parse_header(text: str, where: str) -> dict:
    import yaml  # only needed when reading saved queries

    lines = [line[3:] if line.startswith("#+ ") else line[2:] for line in text.splitlines()]
    header = [
        line for line, raw in zip(lines, text.splitlines(), strict=True) if raw.startswith("#+")
    ]
    if not header:
        return {}
    source = "\n".join(header)
    if len(source.encode("utf-8")) > MAX_HEADER_BYTES:
        raise QueryError(
            f"{where}: the #+ header is larger than {MAX_HEADER_BYTES // 1024} KiB; keep it short"
        )
    depth = deepest = 0
    for char in source:  # the YAML parser recurses per level: 2,000 `[` take seconds
        depth += char in "[{"
        depth -= char in "]}" and depth > 0
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise QueryError(
            f"{where}: the #+ header nests brackets {deepest} deep (at most {MAX_NESTING}); "
            "write plain `key: value` lines"
        )
    try:
        # Aliases can expand a few lines into gigabytes (a "billion laughs"): none are needed.
        for token in yaml.scan(source, Loader=yaml.BaseLoader):
            if isinstance(token, yaml.AliasToken | yaml.AnchorToken):
                mark = token.start_mark
                raise QueryError(
                    f"{where}:{mark.line + 1}: the #+ header uses a YAML anchor or alias (& or "
                    "*); write the value out instead"
                )
        # BaseLoader keeps every value a string: `0123` and `no` stay as written.
        data = yaml.load(source, Loader=yaml.BaseLoader) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        why = " ".join(str(getattr(error, "problem", None) or error).split())
        raise QueryError(f"{where}{line}: the #+ header is not valid YAML: {why}") from None
    except RecursionError:
        raise QueryError(f"{where}: the #+ header is too deeply nested to read") from None
    if not isinstance(data, dict):
        raise QueryError(f"{where}: the #+ header must be `key: value` lines")
    return data


def from_text(
    text: str, name: str = "query", path: Path | None = None, header_if_needed: bool = False
) -> SavedQuery:
    """A saved query from its text. `header_if_needed`: read the `#+` header only when the query
    has parameters (for their defaults): running a query needs nothing else of it, and reading
    YAML is most of a small query's start-up. Listing and serving read it always."""
    where = str(path) if path else name
    text = text.removeprefix("\ufeff")  # a UTF-8 byte order mark, as Windows editors write it
    if any("\udc80" <= char <= "\udcff" for char in text):  # undecodable bytes from argv
        raise QueryError(f"{where}: the query is not valid UTF-8 text; write it as UTF-8")
    if not strip_comments_and_strings(text).strip() or not re.search(
        r"\S", re.sub(r"#[^\n]*", "", text)
    ):
        raise QueryError(f"{where}: the query is empty (only comments or blanks); write a query")
    body = strip_comments_and_strings(text)
    if header_if_needed and not PARAMETER.search(body):
        return SavedQuery(name=name, text=text, path=path)
    header = parse_header(text, where)
    defaults: dict[str, str] = {}
    for item in header.get("defaults") or []:
        if isinstance(item, dict):
            defaults.update({str(k): str(v) for k, v in item.items()})
    choices = _enumerations(header.get("enumerate"), where)
    parameters: dict[str, Parameter] = {}
    for match in PARAMETER.finditer(body):
        parameter = _parameter_from(match)
        parameter = Parameter(
            **{
                **parameter.__dict__,
                "default": defaults.get(parameter.name),
                "choices": choices.get(parameter.name, ()),
            }
        )
        parameters.setdefault(parameter.name, parameter)
    for unknown in sorted(set(choices) - set(parameters)):
        raise QueryError(
            f"{where}: `#+ enumerate:` names '{unknown}', which is not a parameter of the query"
        )
    tags = header.get("tags") or []
    return SavedQuery(
        name=name,
        text=text,
        path=path,
        summary=str(header.get("summary", "")).strip(),
        description=str(header.get("description", "")).strip(),
        tags=[str(t) for t in (tags if isinstance(tags, list) else [tags])],
        parameters=list(parameters.values()),
        pagination=_pagination(header.get("pagination"), where),
    )


def _enumerations(listed, where: str) -> dict[str, tuple[str, ...]]:
    """`#+ enumerate:` as parameter name -> values. grlc also takes a bare name, and fills its
    list by sending the query to the endpoint with the parameter unbound (which gives nothing
    for a `?_name` variable); kg asks for the values written out."""
    found: dict[str, tuple[str, ...]] = {}
    for item in listed or []:
        if not isinstance(item, dict):
            raise QueryError(
                f"{where}: `#+ enumerate:` lists '{item}' without values; write them out, "
                f'as `- {item}: ["a", "b"]` (kg never asks an endpoint for them)'
            )
        for key, values in item.items():
            values = values if isinstance(values, list) else [values]
            found[str(key)] = tuple(str(v) for v in values)
    return found


def _pagination(value, where: str) -> int | None:
    if value is None:
        return None
    if not (isinstance(value, str) and value.isdigit() and 0 < int(value) <= MAX_PAGE_ROWS):
        raise QueryError(
            f"{where}: `#+ pagination:` takes a number of rows from 1 to {MAX_PAGE_ROWS:,}, "
            f"not '{value}'"
        )
    return int(value)


MAX_PAGE_ROWS = 1_000_000


def paged(query: SavedQuery, page: int) -> SavedQuery:
    """Page `page` (from 1) of a query with `#+ pagination: K`, as grlc pages it: LIMIT and
    OFFSET appended to the query. It asks for one row more than a page, so the caller, keeping
    K rows, knows whether a next page exists. A query that sets its own LIMIT or OFFSET (grlc
    would delete them, in sub-queries too) or is not a SELECT cannot be paged."""
    where = str(query.path) if query.path else query.name
    size = query.pagination
    found = tokens(query.text)
    _, form = form_of(found)
    if size is None or form != "SELECT":
        raise QueryError(f"{where}: `#+ pagination:` pages SELECT queries only")
    depth = 0
    for token in found:
        if token.kind == "other" and token.text in "{}":
            depth += 1 if token.text == "{" else -1
        elif depth == 0 and token.kind == "word" and token.text.upper() in ("LIMIT", "OFFSET"):
            raise QueryError(
                f"{where}:{_position(query.text, token.start)}: a paginated query sets no "
                f"{token.text.upper()} of its own; `#+ pagination:` sets both"
            )
    offset = (page - 1) * size
    text = f"{query.text.rstrip()}\nLIMIT {size + 1} OFFSET {offset}\n"
    return SavedQuery(**{**query.__dict__, "text": text})


def list_queries(tree: Tree) -> list[SavedQuery]:
    if not tree.queries_dir.is_dir():
        return []
    return [
        from_text(read_text(path), path.stem, path)
        for path in sorted(tree.queries_dir.glob(f"*{QUERY_SUFFIX}"))
    ]


def query_path(tree: Tree, name: str) -> Path:
    """The file of saved query `name`, or an error that suggests the closest name."""
    path = tree.queries_dir / f"{name}{QUERY_SUFFIX}"
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name) and path.is_file():
        return path
    names = sorted(p.stem for p in tree.queries_dir.glob(f"*{QUERY_SUFFIX}"))
    import difflib

    close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    hint = f" — did you mean '{close[0]}'?" if close else " — `kg queries` lists them"
    raise QueryError(f"unknown query '{name}'{hint}")


def get_query(tree: Tree, name: str, header_if_needed: bool = False) -> SavedQuery:
    path = query_path(tree, name)
    return from_text(read_text(path), name, path, header_if_needed)


def read_text(path: Path) -> str:
    """A query file's text: a regular UTF-8 file of at most 4 MiB, else a QueryError."""
    from kg.files import InputError, read_limited

    try:
        return read_limited(path, "query")
    except InputError as error:
        raise QueryError(str(error)) from None


def read_query_file(path: Path, header_if_needed: bool = False) -> SavedQuery:
    return from_text(read_text(path), path.stem, path, header_if_needed)


# The tokens a query is read as, in the order a SPARQL lexer tries them at each position. A
# prefixed name is matched whole, escapes included (`ex:a\'b` is one name, not a string start),
# and so are variables and words, so nothing is matched from inside another token.
_TOKEN = re.compile(
    r"\s*(?:"  # spaces before a token belong to it: half the matches
    r"(?P<comment>\#[^\n\r]*)"
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*')"
    r'|(?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\[uU][0-9A-Fa-f]+)*>)'
    r"|(?P<variable>[?$][\w\u00B7\u0300-\u036F\u203F\u2040]+)"
    r"|(?P<bnode>_:[\w.-]*[\w-])"
    r"|(?P<pname>(?:[^\W\d_](?:[\w.-]*[\w-])?)?:"  # a prefix and a local name end in no `.`
    r"(?:(?:[\w:]|%[0-9A-Fa-f]{2}|\\[_~.!$&'()*+,;=/?#@%-])"
    r"(?:(?:[\w.:-]|%[0-9A-Fa-f]{2}|\\[_~.!$&'()*+,;=/?#@%-])*"
    r"(?:[\w:-]|%[0-9A-Fa-f]{2}|\\[_~.!$&'()*+,;=/?#@%-]))?)?)"
    r"|(?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)"
    r"|(?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<word>\w+)"
    r"|(?P<other>\S))",
    re.DOTALL,
)
# Keywords kg refuses wherever they could be read as a keyword (see `_refused_in`).
_REFUSED = ("service", "from")


class Token(NamedTuple):
    kind: str  # a group name of _TOKEN
    text: str
    start: int  # offset in the query text


def tokens(text: str) -> list[Token]:
    """The query's tokens (no spaces or comments), each with its offset in `text`."""
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind != "comment":
            found.append(Token(kind, match.group(kind), match.start(kind)))
    return found


def _unescaped(text: str) -> str:
    """The text with SPARQL's codepoint escapes (\\uXXXX, \\UXXXXXXXX) decoded, as some engines
    (Jena) decode them before parsing."""

    def decode(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)

    return re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})", decode, text)


@dataclass(frozen=True)
class CheckedQuery:
    """A query `check` lets run: its form, and whether it is `SELECT *` (whose columns kg
    sorts by name on every store)."""

    query: SavedQuery
    form: str
    star: bool = False

    @property
    def name(self) -> str:
        return self.query.name

    @property
    def text(self) -> str:
        return self.query.text


def check(query: SavedQuery) -> CheckedQuery:
    """Whether a query may run, decided once for every store: a query form (SELECT, ASK,
    CONSTRUCT, DESCRIBE), no SERVICE, no FROM / FROM NAMED, LIMIT and OFFSET a 64-bit engine
    can take, brackets at most MAX_NESTING deep, parameters only read. Syntax is the engine's
    to judge (`syntax_error` turns its message into file:line:col). One pass over the tokens
    (and one more over the text with its codepoint escapes decoded, if it has any)."""
    where = str(query.path) if query.path else query.name
    text = query.text
    found = tokens(text)
    _check_tokens(found, text, where)
    unescaped = _unescaped(text)
    if unescaped != text:
        _check_tokens(tokens(unescaped), unescaped, where)
    at, form = form_of(found)
    first = found[at] if at < len(found) else None
    if form in UPDATE_KEYWORDS or form == "WITH":
        raise QueryError(
            f"{where}: SPARQL Update ({form}) is not allowed: kg query is read-only; "
            "use SELECT, ASK, CONSTRUCT or DESCRIBE"
        )
    if form not in QUERY_FORMS:
        said = f"'{first.text[:40]}' is not" if first is not None else "nothing is"
        position = _position(text, first.start if first is not None else len(text))
        raise QueryError(
            f"{where}:{position}: malformed SPARQL: {said} a query form; "
            "start with SELECT, ASK, CONSTRUCT or DESCRIBE (after any PREFIX lines)"
        )
    after = [t.text.upper() for t in found[at + 1 : at + 3]]
    star = form == "SELECT" and (
        after[:1] == ["*"] or after[:2] in (["DISTINCT", "*"], ["REDUCED", "*"])
    )
    _check_assigned(found, query, where)
    return CheckedQuery(query, form, star)


def _check_tokens(found: list[Token], text: str, where: str) -> None:
    """Refused keywords, LIMIT/OFFSET too large, brackets too deep."""
    depth = deepest = 0
    before = None
    for token in found:
        if token.kind == "other":
            if token.text in "{(":
                depth += 1
                deepest = max(deepest, depth)
            elif token.text in "})":
                depth -= 1
        elif token.kind in ("word", "pname", "langtag"):
            _refuse_keyword(token, text, where)
        elif token.kind == "number" and before is not None and before.kind == "word":
            slicing = before.text.upper() in ("LIMIT", "OFFSET")
            if slicing and token.text.isdigit() and int(token.text) > LARGEST:
                raise QueryError(
                    f"{where}:{_position(text, token.start)}: {before.text.upper()} "
                    f"{token.text} is too large (at most {LARGEST}); use a smaller number"
                )
        before = token
    if deepest > MAX_NESTING:
        raise QueryError(
            f"{where}: query too complex: brackets nested {deepest} deep "
            f"(at most {MAX_NESTING}); flatten the query"
        )


def _check_assigned(found: list[Token], query: SavedQuery, where: str) -> None:
    """Refuse a parameter variable the query assigns (BIND ... AS ?p, VALUES ?p / (?p ...)):
    a bound parameter must only be read."""
    if not query.parameters:
        return
    assigned = set()
    for index, token in enumerate(found):
        keyword = token.text.upper() if token.kind == "word" else ""
        if keyword == "AS" or keyword == "VALUES":
            rest = found[index + 1 :]
            if rest and rest[0].kind == "variable":
                assigned.add(rest[0].text[1:])
            elif keyword == "VALUES" and rest and rest[0].text == "(":
                for inner in rest[1:]:
                    if inner.kind != "variable":
                        break
                    assigned.add(inner.text[1:])
    for parameter in query.parameters:
        if parameter.variable in assigned:
            raise QueryError(
                f"{where}: parameter variable ?{parameter.variable} is assigned by BIND/VALUES "
                "in the query; a parameter must only be read"
            )


PROLOGUE = re.compile(r"(?is)\s*((BASE\s*<[^>]*>|PREFIX\s+[\w.-]*:\s*<[^>]*>)\s*)*")


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"{line}:{column}"


def _refused_in(token: Token) -> str | None:
    """The refused keyword a token could be read as, if any. Engines match keywords without a
    word boundary (Oxigraph reads `trueSERVICE` after a subject and predicate as `true SERVICE`,
    and `FROMex:g` as `FROM ex:g`), so a word, a language tag or a prefix holding one anywhere is
    refused; in a prefixed name's local part, only where an engine might end the name first
    (after a `.` or a `:`): `prov:wasDerivedFrom` and `kgv:fromClaim` are names."""
    text = token.text.lower()
    if "service" not in text and "from" not in text:
        return None  # most tokens: nothing to look at
    if token.kind == "pname":
        prefix, _, local = text.partition(":")
        text = prefix + " " + " ".join(re.findall(r"[.:]([a-z]+)", local))
    elif token.kind not in ("word", "langtag"):
        return None
    found = re.search("|".join(_REFUSED), text)
    return found.group() if found else None


def _refuse_keyword(token: Token, text: str, where: str) -> None:
    refused = _refused_in(token)
    if refused is None:
        return
    at = f"{where}:{_position(text, token.start)}"
    if refused == "service":
        raise QueryError(
            f"{at}: SERVICE is not allowed: kg never opens network connections; "
            "query the loaded graph only"
            + ("" if token.text.lower() == "service" else f" (or rename '{token.text}')")
        )
    raise QueryError(
        f"{at}: FROM and FROM NAMED are not allowed: kg queries only the loaded graph "
        "and never reads other files or URLs; remove the FROM clause"
        + ("" if token.text.lower() == "from" else f" (or rename '{token.text}')")
    )


def syntax_error(query: SavedQuery, error: Exception, engine: str = "Oxigraph") -> QueryError:
    """An engine's parse error as `file:line:col: malformed SPARQL: ...`."""
    where = str(query.path) if query.path else query.name
    message = " ".join(str(error).split())
    found = re.match(r"error at (\d+):(\d+): (.*)", message)
    if found:
        line, column, message = found.groups()
        return QueryError(f"{where}:{line}:{column}: malformed SPARQL: {_plainer(message)}")
    return QueryError(f"{where}: malformed SPARQL ({engine}: {_plainer(message)})")


def _plainer(message: str) -> str:
    """Oxigraph's "expected one of ..." lists every token and character class it could take
    there: say its own sentence when it has one ("The query limit should be a non negative
    integer"), else the first few tokens."""
    sentence = re.search(r"[A-Za-z][a-z]*(?: [A-Za-z]+){3,}", message.removeprefix("expected"))
    if sentence and "one of" not in sentence.group():
        return sentence.group()
    head, _, options = message.partition("expected one of ")
    if not options:
        return message[:300]
    words = [w for w in options.split(", ") if re.fullmatch(r'"?[\w$:<>(?{}\[\]]+"?', w)]
    more = ", ..." if len(words) > 8 else ""
    return f"{head}expected one of {', '.join(words[:8])}{more}"


def bind(query: SavedQuery, values: dict[str, str]) -> dict[str, Term]:
    """Turn name=value strings into the RDF terms a store binds, checking names, types and
    required ones."""
    accepted = ", ".join(p.describe() for p in query.parameters) or "no parameters"
    by_name = {p.name: p for p in query.parameters}
    for name in values:
        if name not in by_name:
            import difflib

            close = difflib.get_close_matches(name, list(by_name), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise QueryError(
                f"query '{query.name}' has no parameter '{name}'{hint}; it accepts: {accepted}"
            )
    bindings: dict[str, Term] = {}
    for parameter in query.parameters:
        value = values.get(parameter.name)
        if value is None:
            if parameter.required:  # as in grlc: a default fills forms, it is not a value
                example = f"{parameter.name}={parameter.default or '...'}"
                raise QueryError(
                    f"query '{query.name}' needs the parameter {parameter.name}, e.g. "
                    f"{example}; it accepts: {accepted}"
                )
            continue
        try:
            bindings[parameter.variable] = parameter.to_term(value)
        except QueryError as error:
            raise QueryError(f"{error}; query '{query.name}' accepts: {accepted}") from None
    return bindings


def parse_param_options(options: tuple[str, ...]) -> dict[str, str]:
    """`name=value` strings from repeated --param options; a name given twice is an error."""
    values: dict[str, str] = {}
    for option in options:
        name, equals, value = option.partition("=")
        name = name.strip()
        if not equals or not name:
            raise QueryError(f"--param takes name=value, not '{option}'")
        if name in values:
            raise QueryError(f"--param {name} is given twice; give each parameter once")
        values[name] = value
    return values
