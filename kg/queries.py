"""Saved SPARQL queries: files in queries/, grlc-style headers, typed parameters, safe execution.

A saved query is `queries/<kebab-name>.rq`: valid SPARQL preceded by `#+ ` header lines in grlc's
convention (YAML once the `#+ ` is stripped): `summary:`, `description:`, `tags:`, `defaults:`.
Parameters follow grlc/BASIL variable names, so the same files work in grlc:

    ?_name            required plain string        ?__name   (two underscores) optional
    ?_name_iri        IRI (or CURIE)               ?_name_en  language string (any tag)
    ?_name_integer    xsd:integer                  ?_name_xsd_date, ?_name_xsd_gYear  typed literal

Values are parsed into RDF terms and bound with rdflib's initBindings (never spliced into the
query text). rdflib pre-binds such variables everywhere, sub-queries included, and silently
ignores unknown names, so every name is checked against the query's declared parameters first,
and a parameter variable may not be the target of a BIND or VALUES. On other stores the same
terms are bound by pyoxigraph substitutions or an inline VALUES block (kg.store), which reach
only the outermost group: a saved query reads its parameters there.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.errors import KgError
from kg.load import Tree
from kg.namespaces import PREFIXES

if TYPE_CHECKING:  # the SPARQL engine is imported only when a query really runs
    from rdflib.plugins.sparql.sparql import Query
    from rdflib.query import Result

QUERY_SUFFIX = ".rq"
MAX_NESTING = 40  # brackets deep; pyparsing recurses per level and rdflib's evaluator too
PARAMETER = re.compile(r"[?$](__?)([A-Za-z][A-Za-z0-9]*)((?:_[A-Za-z0-9]+)*)\b")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY")


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
    datatype: URIRef | None = None
    default: str | None = None

    @property
    def type_label(self) -> str:
        if self.kind == "lang":
            return f"text@{self.language}"
        if self.kind == "datatype":
            return _curie(self.datatype)
        return {"string": "text", "iri": "IRI or CURIE", "integer": "integer"}[self.kind]

    def describe(self) -> str:
        how = "required" if self.required and self.default is None else "optional"
        if self.default is not None:
            how += f", default {self.default}"
        return f"{self.name} ({self.type_label}, {how})"

    def to_term(self, value: str) -> Node:
        """Parse a user's value into the RDF term this parameter binds, or explain why not."""
        if self.kind == "iri":
            return _to_iri(value, self.name)
        if self.kind == "lang":
            return Literal(value, lang=self.language)
        if self.kind == "integer":
            if not re.fullmatch(r"[+-]?[0-9]+", value.strip()):
                raise QueryError(f"parameter '{self.name}' takes an integer, not '{value}'")
            if len(value.strip().lstrip("+-")) > MAX_INTEGER_DIGITS:
                raise QueryError(
                    f"parameter '{self.name}' takes an integer of at most "
                    f"{MAX_INTEGER_DIGITS} digits"
                )
            return Literal(int(value), datatype=XSD.integer)
        if self.kind == "datatype":
            literal = _typed_literal(value, self.datatype)
            if literal.ill_typed or not LEXICAL.get(self.datatype, re.compile(".*")).fullmatch(
                value
            ):
                raise QueryError(
                    f"parameter '{self.name}' takes an {_curie(self.datatype)} "
                    f"(e.g. {_EXAMPLES.get(self.datatype, '...')}), not '{value}'"
                )
            return literal
        return Literal(value)


LARGEST = 2**63 - 1  # what LIMIT and OFFSET can be (engines slice with a 64-bit count)
MAX_INTEGER_DIGITS = 4300  # Python's own limit for turning text into an int
MAX_HEADER_BYTES = 64 * 1024  # a `#+` header larger than this is not a header


# What an IRI may not contain (SPARQL's IRIREF and RFC 3987 agree): controls, every kind of
# space, and <>"{}|^`\. kg.serve turns the same string into the OpenAPI pattern.
IRI_EXCLUDED = (
    "".join(map(chr, range(0x21)))
    + "".join(c for c in map(chr, range(0x21, 0x3001)) if c.isspace())
    + '<>"{}|^`\\'
)
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^" + re.escape(IRI_EXCLUDED) + "]*")

_EXAMPLES = {XSD.date: "2018-01-30", XSD.gYear: "2015", XSD.gYearMonth: "2012-08"}
_TIMEZONE = r"(Z|[+-][0-9][0-9]:[0-9][0-9])?"
# rdflib has no converter for gYear/gYearMonth, so it never marks them ill-typed: check the form.
LEXICAL = {
    XSD.gYear: re.compile(r"-?[0-9]{4,}" + _TIMEZONE),
    XSD.gYearMonth: re.compile(r"-?[0-9]{4,}-(0[1-9]|1[0-2])" + _TIMEZONE),
    XSD.date: re.compile(r"-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])" + _TIMEZONE),
}


def _typed_literal(value: str, datatype: URIRef | None) -> Literal:
    """A typed literal, without rdflib logging a traceback when the value is ill-typed."""
    import logging

    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        return Literal(value, datatype=datatype)
    finally:
        logger.setLevel(level)


def _curie(iri: URIRef | None) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri and str(iri).startswith(namespace):
            return f"{prefix}:{str(iri)[len(namespace) :]}"
    return f"<{iri}>"


def _to_iri(value: str, name: str) -> URIRef:
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    prefix, colon, local = value.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        value = PREFIXES[prefix] + local
    if not _IRI.fullmatch(value):
        known = ", ".join(f"{p}:" for p in PREFIXES)
        raise QueryError(
            f"parameter '{name}' takes an IRI or a CURIE with a known prefix ({known}), "
            f"not '{value}'"
        )
    return URIRef(value)


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
            name, variable, "datatype", required, datatype=URIRef(PREFIXES[parts[0]] + parts[1])
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

    @property
    def form(self) -> str:
        return query_form(self.text)


def query_form(text: str) -> str:
    body = _strip_comments_and_strings(text)
    body = re.sub(r"(?is)^\s*((BASE\s*<[^>]*>|PREFIX\s+[\w.-]*:\s*<[^>]*>)\s*)*", "", body)
    word = re.match(r"\s*([A-Za-z]+)", body)
    return word.group(1).upper() if word else ""


def _strip_comments_and_strings(text: str) -> str:
    """Blank out comments, strings and IRIs so keyword and bracket scans see only syntax."""
    pattern = re.compile(
        r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
        r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
    )

    def blank(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith("<"):
            return "<" + "x" * (len(token) - 2) + ">"
        return re.sub(r"[^\n]", " ", token)

    return pattern.sub(blank, text)


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


def from_text(text: str, name: str = "query", path: Path | None = None) -> SavedQuery:
    where = str(path) if path else name
    text = text.removeprefix("\ufeff")  # a UTF-8 byte order mark, as Windows editors write it
    if any("\udc80" <= char <= "\udcff" for char in text):  # undecodable bytes from argv
        raise QueryError(f"{where}: the query is not valid UTF-8 text; write it as UTF-8")
    if not _strip_comments_and_strings(text).strip() or not re.search(
        r"\S", re.sub(r"#[^\n]*", "", text)
    ):
        raise QueryError(f"{where}: the query is empty (only comments or blanks); write a query")
    header = parse_header(text, where)
    defaults: dict[str, str] = {}
    for item in header.get("defaults") or []:
        if isinstance(item, dict):
            defaults.update({str(k): str(v) for k, v in item.items()})
    parameters: dict[str, Parameter] = {}
    for match in PARAMETER.finditer(_strip_comments_and_strings(text)):
        parameter = _parameter_from(match)
        if parameter.name in defaults:
            parameter = Parameter(**{**parameter.__dict__, "default": defaults[parameter.name]})
        parameters.setdefault(parameter.name, parameter)
    tags = header.get("tags") or []
    return SavedQuery(
        name=name,
        text=text,
        path=path,
        summary=str(header.get("summary", "")).strip(),
        description=str(header.get("description", "")).strip(),
        tags=[str(t) for t in (tags if isinstance(tags, list) else [tags])],
        parameters=list(parameters.values()),
    )


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
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    hint = f" — did you mean '{close[0]}'?" if close else " — `kg queries` lists them"
    raise QueryError(f"unknown query '{name}'{hint}")


def get_query(tree: Tree, name: str) -> SavedQuery:
    path = query_path(tree, name)
    return from_text(read_text(path), name, path)


def read_text(path: Path) -> str:
    """A query file's text: a regular UTF-8 file of at most 4 MiB, else a QueryError."""
    from kg.files import InputError, read_limited

    try:
        return read_limited(path, "query")
    except InputError as error:
        raise QueryError(str(error)) from None


def read_query_file(path: Path) -> SavedQuery:
    return from_text(read_text(path), path.stem, path)


def close_rdflib_to_the_network() -> None:
    """rdflib loads FROM/FROM NAMED IRIs over the network or disk by default; turn that off.

    kg also refuses such queries outright; this is the second lock on the same door.
    """
    import rdflib.plugins.sparql

    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False


# A prefixed name (`prov:wasDerivedFrom`) standing alone: a plain prefix and local part, with
# neither a name character, `.` nor `:` on either side, so every SPARQL lexer reads it as one name.
PREFIXED_NAME = re.compile(r"(?<![\w.:-])[A-Za-z][\w-]*:[A-Za-z0-9_][\w-]*(?![\w.:-])")


def needs_no_parser(query: SavedQuery) -> bool:
    """Whether a store that parses SPARQL itself may skip `prepare` (rdflib's parser, the
    authority on what may run). Only when the text cannot hold SERVICE or FROM in any form: no
    `service` or `from` in any case anywhere past the leading comment block — in strings, IRIs
    and comments too, and glued to anything (`224SERVICE`) — once variable names (`?fromDate`)
    and free-standing prefixed names (`prov:wasDerivedFrom`) are set aside; no codepoint escape
    (`\\u0053ERVICE`); and no `SELECT *` (engines order its columns differently). This can only
    say no too often (a slower, parsed path), never yes wrongly: a variable name is all a `?` or
    `$` can start outside strings, IRIs and comments (what follows a path's `?` modifier is an
    object, never a keyword), and a prefixed name set apart by spaces or punctuation is one
    token to any SPARQL lexer."""
    lines = query.text.splitlines()
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].lstrip()[0] == "#"):
        start += 1  # the leading comment block (grlc headers) cannot hide syntax
    body = re.sub(r"[?$][A-Za-z0-9_]+", " ", "\n".join(lines[start:]))
    body = PREFIXED_NAME.sub(" ", body)
    return not (
        re.search(r"(?i)service|from|\\u", body)
        or re.search(r"(?i)\bSELECT\s*((DISTINCT|REDUCED)\s*)?\*", body)
    )


def check_lexically(query: SavedQuery) -> None:
    """The checks of `prepare` that need no parser: bracket depth and parameter use."""
    where = str(query.path) if query.path else query.name
    _check_nesting(query.text, where)
    _check_parameter_use(query, where)


def prepare(query: SavedQuery) -> Query:
    """Parse and check a query: read-only, no SERVICE, no FROM, not absurdly nested."""
    from rdflib.plugins.sparql import prepareQuery

    close_rdflib_to_the_network()
    from rdflib.plugins.sparql.algebra import traverse

    where = str(query.path) if query.path else query.name
    _check_nesting(query.text, where)
    try:
        prepared = prepareQuery(query.text, initNs=PREFIXES)
    except RecursionError:
        raise QueryError(f"{where}: query too complex (too deeply nested to parse)") from None
    except Exception as error:
        _refuse_update(query.text, where)
        raise QueryError(f"{where}:{_position(error)}") from None
    if prepared.algebra.get("datasetClause"):
        raise QueryError(
            f"{where}: FROM and FROM NAMED are not allowed: kg queries only the loaded graph "
            "and never reads other files or URLs; remove the FROM clause"
        )
    services: list[str] = []

    too_large: list[int] = []

    def find_service(node):
        if getattr(node, "name", None) == "ServiceGraphPattern":
            services.append(str(node.get("term")))
        if getattr(node, "name", None) == "Slice":  # LIMIT and OFFSET
            too_large.extend(
                n for n in (node.get("start"), node.get("length")) if n and n > LARGEST
            )

    traverse(prepared.algebra, visitPre=find_service)
    if too_large:
        raise QueryError(
            f"{where}: LIMIT or OFFSET {too_large[0]} is too large (at most {LARGEST}); "
            "use a smaller number"
        )
    if services:
        raise QueryError(
            f"{where}: SERVICE is not allowed: kg never opens network connections "
            f"(SERVICE <{services[0]}>); query the loaded graph only"
        )
    _check_parameter_use(query, where)
    return prepared


def _position(error: Exception) -> str:
    line, column = getattr(error, "lineno", None), getattr(error, "col", None)
    message = getattr(error, "msg", None) or str(error)
    message = " ".join(str(message).split())
    found = re.search(r"found (.+?)\s+\(at char", str(error))
    if found:
        message += f", found {found.group(1)}"
    if line and column:
        return f"{line}:{column}: malformed SPARQL: {message}"
    return f" malformed SPARQL: {message}"


def _refuse_update(text: str, where: str) -> None:
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except Exception:
        return
    keyword = query_form(text) or "update"
    raise QueryError(
        f"{where}: SPARQL Update ({keyword}) is not allowed: kg query is read-only; "
        "use SELECT, ASK, CONSTRUCT or DESCRIBE"
    )


def _check_nesting(text: str, where: str) -> None:
    depth = deepest = 0
    body = _strip_comments_and_strings(text)
    for char in body:
        if char in "{(":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})":
            depth -= 1
    if deepest > MAX_NESTING:
        raise QueryError(
            f"{where}: query too complex: brackets nested {deepest} deep "
            f"(at most {MAX_NESTING}); flatten the query"
        )


def _check_parameter_use(query: SavedQuery, where: str) -> None:
    """Refuse a parameter variable the query assigns: rdflib ignores a BIND to a pre-bound name."""
    body = _strip_comments_and_strings(query.text)
    assigned = set(re.findall(r"(?i)\bAS\s+[?$]([A-Za-z0-9_]+)", body))
    for single, group in re.findall(r"(?i)\bVALUES\s*(?:[?$]([A-Za-z0-9_]+)|\(([^)]*)\))", body):
        assigned.update([single] if single else re.findall(r"[?$]([A-Za-z0-9_]+)", group))
    for parameter in query.parameters:
        if parameter.variable in assigned:
            raise QueryError(
                f"{where}: parameter variable ?{parameter.variable} is assigned by BIND/VALUES "
                "in the query; a parameter must only be read"
            )


def bind(query: SavedQuery, values: dict[str, str]) -> dict[str, Node]:
    """Turn name=value strings into initBindings, checking names, types and required ones."""
    accepted = ", ".join(p.describe() for p in query.parameters) or "no parameters"
    by_name = {p.name: p for p in query.parameters}
    for name in values:
        if name not in by_name:
            close = difflib.get_close_matches(name, list(by_name), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise QueryError(
                f"query '{query.name}' has no parameter '{name}'{hint}; it accepts: {accepted}"
            )
    bindings: dict[str, Node] = {}
    for parameter in query.parameters:
        value = values.get(parameter.name, parameter.default)
        if value is None:
            if parameter.required:
                raise QueryError(
                    f"query '{query.name}' needs --param {parameter.name}=...; "
                    f"it accepts: {accepted}"
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


def run(
    graph: Graph,
    query: SavedQuery,
    values: dict[str, str] | None = None,
    prepared: Query | None = None,
) -> Result:
    """Check, bind and run a query against a graph (never anything else).

    Pass `prepared` (from `prepare(query)`) to skip parsing the query a second time.
    """
    prepared = prepared or prepare(query)
    bindings = bind(query, values or {})
    try:
        result = graph.query(prepared, initBindings={Variable(k): v for k, v in bindings.items()})
        if result.type == "SELECT":
            result.bindings  # noqa: B018 -- evaluate now: rdflib is lazy, errors would escape later
        return result
    except RecursionError:
        raise QueryError(f"{query.name}: query too complex to evaluate") from None
    except MemoryError:
        raise  # a worker's memory limit: the server answers it, never as a query mistake
    except Exception as error:  # rdflib's evaluator raises bare TypeErrors and NotBoundErrors
        raise QueryError(
            f"{query.name}: the query failed while running ({type(error).__name__}: {error}); "
            "an unbound variable in ORDER BY or an aggregate is the usual cause — wrap it in "
            'COALESCE(?x, "")'
        ) from None


@dataclass(frozen=True)
class Answer:
    """A query's rendered output, and for ASK the answer (the CLI exits 1 on false)."""

    text: str
    ask: bool | None = None


def answer(
    tree: Tree,
    query: SavedQuery,
    values: dict[str, str],
    output_format: str | None,
    interactive: bool = False,
) -> Answer:
    """Run a query on a tree's graph and render it, reusing a cached answer when one is there.

    The answer depends only on the data files, the query text, the parameters, the format and
    the code, and the cache key digests all of them; a hit skips importing the SPARQL engine,
    parsing the query and loading the graph. Errors are never cached.
    """
    import hashlib

    import rdflib

    from kg import __version__, render
    from kg.load import cache_key, cached, load_graph_cached

    bind(query, values)  # refuse bad parameters before anything else
    digest = hashlib.sha256()
    for part in (
        f"kg {__version__} rdflib {rdflib.__version__}",
        cache_key(tree),
        query.name,
        str(query.path),
        query.text,
        repr(sorted(values.items())),
        repr((output_format, interactive)),
    ):
        digest.update(part.encode() + b"\0")
    for module in (__file__, render.__file__):  # code that shapes the answer
        digest.update(Path(module).read_bytes())

    def build() -> Answer:
        prepared = prepare(query)
        result = run(load_graph_cached(tree), query, values, prepared)
        return render.render_result(result, output_format, interactive)

    return cached("answer", digest.hexdigest()[:32], build)
