"""Any SPARQL 1.1 engine over HTTP, as a store: queries by the SPARQL 1.1 Protocol, pushes by
the Graph Store HTTP Protocol or SPARQL Update, all through one careful HTTP client (origin-bound
redirects, credentials, a deadline per request)."""

from __future__ import annotations

import itertools
import os
import re
import socket
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg import queries, results
from kg.errors import one_line
from kg.iris import PREFIXES
from kg.results import Result
from kg.store import (
    GRAPH_IRI,
    PUSH_BATCH,
    EndpointError,
    Progress,
    Store,
    StoreError,
    StoreSpec,
    redact_url,
)
from kg.store.binding import inline_values, with_prefixes
from kg.tree import Tree

if TYPE_CHECKING:
    from rdflib import Graph


class SparqlStore(Store):
    """A SPARQL 1.1 engine over HTTP: queries by the SPARQL 1.1 Protocol against the named
    graph GRAPH_IRI (sent as default-graph-uri), pushes by the Graph Store HTTP Protocol.

    kg talks only to the endpoints the user named, and only for as long as --timeout allows.
    Every request goes through `_exchange` (http.client, not urllib's opener, which follows a
    redirect to any host or to ftp: and sends the Authorization header along):

    - a redirect is followed only within the origin (scheme, host and port) of the URL asked
      for, at most MAX_REDIRECTS times; one anywhere else is an error naming where it points;
    - credentials in a URL (`http://user:password@host/...`) are taken out of it and sent as
      AUTH_SCHEMES say (HTTP Basic); messages show the URL as `http://user:***@host/...`;
    - `timeout` bounds each request as a whole (connect, send, and the whole answer), however
      slowly the engine sends it; only a DNS lookup is left to the resolver's own limits.

    Proxy variables (http_proxy, https_proxy) are not read: the request goes to the endpoint.
    """

    def __init__(self, spec: StoreSpec, tree: Tree) -> None:
        super().__init__(spec, tree)
        self.endpoint = Endpoint.parse(spec.target)
        self.update_endpoint = Endpoint.parse(spec.update_url or spec.target, self.endpoint)
        self.gsp_endpoint = Endpoint.parse(spec.gsp_url or spec.target, self.endpoint)
        self._answers: dict[tuple, AuthAnswer] = {}  # origin -> how to answer its challenge
        self.url = self.endpoint.shown  # as messages show it
        self.timeout = spec.timeout

    local = False

    def run(self, query, bindings, most=None):
        """Parse the checked query here (so a mistake reads as on every store, with its
        line:col), then send it with its parameters as an inline VALUES block."""
        try:
            ox.Store().query(query.text, prefixes=dict(PREFIXES))  # an empty store: parse only
        except SyntaxError as error:
            raise queries.syntax_error(query.query, error) from None
        except (RuntimeError, ValueError, OSError):
            pass  # parsed; what it does on the engine is the engine's to say
        text = inline_values(query.text, bindings)
        if query.form == "DESCRIBE":
            found = self.describe_resources(text)
        else:
            found = self.send(with_prefixes(text), query.form, query.star)
        return found if most is None else found.limited(most)  # the engine sent them all

    def describe_resources(self, text: str) -> Result:
        """DESCRIBE as every kg store answers it (engines each define their own): the triples
        of each described resource as subject, as Oxigraph's concise bounded description has
        them. The resources come from a SELECT DISTINCT of the described variables over the
        query's WHERE; their triples from one CONSTRUCT. (Oxigraph also follows blank-node
        objects; kg's graph has none, and an engine's blank nodes cannot be asked about.)"""
        found = queries.tokens(text)
        start, _ = queries.form_of(found)
        end = start + 1
        while end < len(found) and found[end].kind in ("variable", "iri", "pname", "other"):
            if found[end].text == "{" or (found[end].kind == "other" and found[end].text != "*"):
                break
            end += 1
        items = found[start + 1 : end]
        prologue = text[: found[start].start]
        named = [t.text for t in items if t.kind in ("iri", "pname")]
        variables = [t.text for t in items if t.kind == "variable"]
        rest = text[found[end].start :] if end < len(found) else ""
        if rest.strip() and (variables or any(t.text == "*" for t in items)):
            projection = " ".join(variables) or "*"
            select = f"{prologue}SELECT DISTINCT {projection} {rest}"
            for row in self.send(with_prefixes(select), "SELECT").rows:
                named += [str(term) for term in row if isinstance(term, ox.NamedNode)]
        if not named:
            return Result("DESCRIBE")
        values = " ".join(dict.fromkeys(named))
        construct = (
            f"{prologue}CONSTRUCT {{ ?r ?p ?o }} WHERE {{ VALUES ?r {{ {values} }} ?r ?p ?o }}"
        )
        return self.send(with_prefixes(construct), "DESCRIBE")

    def send(self, text: str, form: str, star: bool = False) -> Result:
        """Send a checked query; its whole answer as a Result, or an error if the engine sent
        only part of it (see `_complete`). A graph form is asked as a SELECT of its WHERE and
        its template filled in here (`_construct`), so that the same count proves it whole."""
        if form in ("CONSTRUCT", "DESCRIBE"):
            return self._construct(text, form)
        found = self._results(text, form, star)
        if form == "SELECT":
            self._complete(text, found)
        return found

    def _results(self, text: str, form: str, star: bool = False) -> Result:
        answer = self._query(text, RESULTS_ACCEPT)
        try:
            return results.from_sparql_results(
                answer.body, answer.headers.get_content_type(), form, star
            )
        except results.MalformedAnswer as error:
            raise EndpointError(f"{self.url} {error}; is it a SPARQL query endpoint?") from None

    def _query(self, text: str, accept: str) -> _Answer:
        """One query by the SPARQL 1.1 Protocol, in the form engines take most widely: GET
        with ?query= while the URL stays short, else a form-encoded POST (Virtuoso 7.2.5 never
        answers a POST of application/sparql-query); an engine that refuses the form (405,
        415) is sent the query as application/sparql-query."""
        fields = urllib.parse.urlencode({"query": text, "default-graph-uri": GRAPH_IRI})
        if len(self.endpoint.url) + len(fields) < GET_LIMIT:
            answer = self._request("GET", self.endpoint.with_fields(fields), b"", accept)
            if answer.status not in (405, 414):
                return self._ok(self.endpoint, "GET", answer)
        answer = self._request("POST", self.endpoint, fields.encode("ascii"), accept, FORM)
        if answer.status in (405, 415):
            direct = self.endpoint.with_parameter("default-graph-uri", GRAPH_IRI)
            answer = self._request("POST", direct, text.encode("utf-8"), accept, QUERY)
        return self._ok(self.endpoint, "POST", answer)

    def _complete(self, text: str, found: Result) -> None:
        """Raise ResultCapped if the engine sent fewer rows than the query has. Engines cap
        answers silently (Virtuoso at 10,000 rows by default), so an answer of CHECKED_FROM rows
        or more that stops short of the query's own LIMIT is checked against a COUNT of the
        same query, run as a sub-select."""
        sent = len(found.rows)
        limit = _top_level_limit(text)
        if sent < CHECKED_FROM or (limit is not None and sent >= limit):
            return
        found = queries.tokens(text)
        start = found[queries.form_of(found)[0]].start
        count = f"{text[:start]}SELECT (COUNT(*) AS ?kgRows) WHERE {{ {text[start:]}\n}}"
        counted = self._results(count, "SELECT")  # one row: nothing to check
        total = int(counted.rows[0][0].value) if counted.rows and counted.rows[0][0] else 0
        if total > sent:
            raise ResultCapped(self.url, sent, total)

    def _construct(self, text: str, form: str) -> Result:
        """A CONSTRUCT as the SELECT of its WHERE (checked whole as every SELECT is), its
        template then filled in by Oxigraph from those rows: the triples the engine would have
        built, with no cap on them left unseen."""
        prologue, template, where, rest = _construct_parts(text)
        rows = self.send(f"{prologue}SELECT * WHERE {where}{rest}", "SELECT")
        return _instantiate(prologue, template, rows, form)

    def graph(self) -> Graph:
        from rdflib import Graph

        from kg.namespaces import bind_prefixes
        from kg.store.oxigraph import rdflib_triple

        graph = bind_prefixes(Graph())
        for triple in self.triples():
            graph.add(rdflib_triple(triple))
        return graph

    def triples(self, part: str = "") -> list[ox.Triple]:
        """Every triple of the named graph. Past an engine's row cap, the graph is read in
        parts by the MD5 of the subject's IRI (16 parts, then 256, ...: each part's answer is
        checked whole), and blank-node subjects as a part of their own."""
        if part == "":
            where = "?s ?p ?o"
        elif part == "_:":
            where = "?s ?p ?o FILTER (isBlank(?s))"
        else:
            where = f'?s ?p ?o FILTER (STRSTARTS(MD5(STR(?s)), "{part}"))'
        try:
            found = self.send(f"SELECT ?s ?p ?o WHERE {{ {where} }}", "SELECT")
        except ResultCapped:
            if len(part) >= MAX_PART_DIGITS:
                raise
            parts = [part + digit for digit in "0123456789abcdef"]
            return [t for p in [*parts, *(["_:"] if part == "" else [])] for t in self.triples(p)]
        return [ox.Triple(*row) for row in found.rows]

    def count(self) -> int:
        """Triples in the named graph, as the engine counts them."""
        result = self.send("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "SELECT")
        return int(result.rows[0][0].value) if result.rows and result.rows[0][0] else 0

    @classmethod
    def build(cls, spec, tree, progress=None) -> str:
        raise StoreError(f"a sparql: store is filled over HTTP: run `kg --store {spec} push`")

    def describe(self) -> str:
        return f"{self.spec}: {self.count():,} triples in graph <{GRAPH_IRI}>"  # redacted

    def push(
        self,
        graph: Graph,
        progress: Progress | None = None,
        via: str = "gsp",
        batch: int | None = None,
    ) -> int:
        """Replace the named graph GRAPH_IRI on the engine with `graph`; returns its triples.

        `via="gsp"` (Graph Store HTTP Protocol): PUT the first batch of N-Triples, POST the
        rest. `via="update"` (SPARQL Update, form-encoded as engines take it most widely):
        DROP SILENT GRAPH, then INSERT DATA per batch. `batch` defaults to PUSH_BATCH[via].
        A graph with blank nodes goes in one request, so its labels keep their meaning.
        """
        batch = batch or PUSH_BATCH[via]
        lines = sorted(
            line for line in graph.serialize(format="nt", encoding="utf-8").decode().splitlines()
        )
        lines = [line for line in lines if line.strip()]
        if any(line.startswith("_:") or " _:" in line for line in lines):
            batch = max(batch, len(lines))
        batches = [lines[i : i + batch] for i in range(0, len(lines), batch)] or [[]]
        done = 0
        for index, chunk in enumerate(batches):
            text = "".join(line + "\n" for line in chunk)
            if via == "update":
                prefix = f"DROP SILENT GRAPH <{GRAPH_IRI}> ;\n" if index == 0 else ""
                self._update(f"{prefix}INSERT DATA {{ GRAPH <{GRAPH_IRI}> {{\n{text}}} }}")
            else:
                endpoint = self.gsp_endpoint.with_parameter("graph", GRAPH_IRI)
                method = "PUT" if index == 0 else "POST"
                answer = self._request(method, endpoint, text.encode("utf-8"), "*/*", NTRIPLES)
                self._ok(self.gsp_endpoint, method, answer)
            done += len(chunk)
            if progress:
                progress(done, len(lines))
        return len(lines)

    def _update(self, text: str) -> None:
        """One SPARQL Update, form-encoded; as application/sparql-update if the form is refused."""
        endpoint = self.update_endpoint
        fields = urllib.parse.urlencode({"update": text}).encode("ascii")
        answer = self._request("POST", endpoint, fields, "*/*", FORM)
        if answer.status in (405, 415):
            answer = self._request("POST", endpoint, text.encode("utf-8"), "*/*", UPDATE)
        self._ok(endpoint, "POST", answer)

    def _ok(self, endpoint: Endpoint, method: str, answer: _Answer) -> _Answer:
        if not 200 <= answer.status < 300:
            raise EndpointError(_http_error(endpoint, method, answer))
        return answer

    def _request(
        self,
        method: str,
        endpoint: Endpoint,
        data: bytes,
        accept: str,
        content_type: str | None = None,
    ) -> _Answer:
        """One request, with its redirects (within its origin) and its answer to an
        authentication challenge, all within `timeout`. Every way it can fail to get an
        answer becomes one EndpointError line; the answer may be any status.

        Credentials: a bearer token goes with every request; a user and password only once
        the engine asks (a 401 names the scheme: Digest is preferred to Basic, so a password
        is not sent in the clear to an engine that takes Digest), and from then on with every
        request to that origin, as browsers do."""
        import time

        deadline = time.monotonic() + self.timeout
        url, redirects, challenged = endpoint.url, 0, False
        credentials = endpoint.credentials
        headers = {"Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        while True:
            sent = dict(headers)
            if credentials is not None and credentials.token:
                sent["Authorization"] = f"Bearer {credentials.token}"
            elif credentials is not None and endpoint.origin in self._answers:
                sent["Authorization"] = self._answers[endpoint.origin](method, _selector(url))
            answer = _exchange(method, url, data, sent, endpoint, deadline, self.timeout)
            if answer.status in REDIRECTS:
                redirects += 1
                if redirects > MAX_REDIRECTS:
                    raise EndpointError(
                        f"{endpoint.shown} redirected more than {MAX_REDIRECTS} times; "
                        "give the URL of the endpoint itself"
                    )
                url = _redirect_target(endpoint, url, answer)
                continue
            if answer.status == 401 and credentials is not None and not credentials.token:
                offered = _challenges(answer.headers)
                scheme = next((s for s in AUTH_SCHEMES if s in offered), None)
                if scheme is not None and not challenged:
                    challenged = True
                    self._answers[endpoint.origin] = AUTH_SCHEMES[scheme](
                        credentials, offered[scheme]
                    )
                    continue
            return answer


# --- how queries are sent, and answers checked whole ----------------------------------------

RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.5"
FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query; charset=utf-8"
UPDATE = "application/sparql-update; charset=utf-8"
NTRIPLES = "application/n-triples"
# Answers shorter than this are not counted again: no engine in the README's table caps its
# answers below 1,000 rows (Virtuoso: 10,000), and most answers are short.
CHECKED_FROM = 100
GET_LIMIT = 2048  # a GET's URL at most this long: servers take 8 KiB, some proxies less
MAX_PART_DIGITS = 4  # read the graph in at most 16^4 parts (each within the engine's cap)


class ResultCapped(EndpointError):
    """The engine sent fewer rows than the query has: it caps its answers."""

    def __init__(self, url: str, sent: int, total: int) -> None:
        super().__init__(
            f"{url} sent {sent:,} of the {total:,} rows this query has: the engine cuts its "
            "answers short (Virtuoso: ResultSetMaxRows in the [SPARQL] section of "
            "virtuoso.ini); raise that cap, or page the query with LIMIT and OFFSET"
        )


def _top_level(text: str) -> list[queries.Token]:
    """The query's tokens outside any { } group: prologue, form, modifiers, trailing VALUES."""
    depth, outside = 0, []
    for token in queries.tokens(text):
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif depth == 0:
            outside.append(token)
    return outside


def _top_level_limit(text: str) -> int | None:
    outside = _top_level(text)
    for token, following in itertools.pairwise(outside):
        if token.text.upper() == "LIMIT" and following.kind == "number":
            return int(following.text)
    return None


def _construct_parts(text: str) -> tuple[str, str, str, str]:
    """A CONSTRUCT's prologue, template `{ ... }`, WHERE group `{ ... }` and what follows it
    (solution modifiers, a VALUES block), as text; the short form's template is its WHERE."""
    found = queries.tokens(text)
    start, _ = queries.form_of(found)

    def group_end(opening: int) -> int:
        depth = 0
        for index in range(opening, len(found)):
            depth += {"{": 1, "}": -1}.get(found[index].text, 0)
            if depth == 0:
                return index
        raise EndpointError("a CONSTRUCT without its closing }")  # checked queries parse

    def span(opening: int, closing: int) -> str:
        return text[found[opening].start : found[closing].start + 1]

    opening = start + 1
    if found[opening].text.upper() == "WHERE":  # CONSTRUCT WHERE { pattern }
        closing = group_end(opening + 1)
        where = template = span(opening + 1, closing)
    else:
        template_end = group_end(opening)
        template = span(opening, template_end)
        opening = template_end + 1
        if found[opening].text.upper() == "WHERE":
            opening += 1
        closing = group_end(opening)
        where = span(opening, closing)
    return text[: found[start].start], template, where, text[found[closing].start + 1 :]


ENGINE_BLANK = "urn:x-kg-engine-blank:"  # an engine's blank node, while Oxigraph fills a template


def _instantiate(prologue: str, template: str, rows: Result, form: str) -> Result:
    """The triples `template` makes from `rows`, as the engine would have made them (Oxigraph
    runs the CONSTRUCT over the rows as VALUES): fresh blank nodes per row, rows that leave a
    triple unbound or ill-formed skipped."""

    def written(term) -> str:
        if term is None:
            return "UNDEF"
        if isinstance(term, ox.BlankNode):  # VALUES cannot hold one
            return f"<{ENGINE_BLANK}{term.value}>"
        return str(term)

    def read(term):
        if isinstance(term, ox.NamedNode) and term.value.startswith(ENGINE_BLANK):
            return ox.BlankNode(term.value[len(ENGINE_BLANK) :])
        return term

    head = " ".join(f"?{name}" for name in rows.variables)
    values = " ".join("(" + " ".join(map(written, row)) + ")" for row in rows.rows)
    local = f"{prologue}CONSTRUCT {template} WHERE {{ VALUES ({head}) {{ {values} }} }}"
    made = ox.Store().query(local)
    triples = (ox.Triple(read(t.subject), t.predicate, read(t.object)) for t in made)
    return Result(form, triples=results.sorted_triples(triples))


# --- talking to an endpoint over HTTP: origin, credentials, deadline -------------------------

MAX_REDIRECTS = 5  # within the endpoint's own origin
REDIRECTS = (301, 302, 303, 307, 308)  # followed with the same method and body
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Credentials:
    """A user and password, or a bearer token, for an endpoint, and where they came from (for
    messages); neither the password nor the token ever shows in a repr."""

    user: str = ""
    password: str = ""
    token: str = ""
    source: str = "the URL"

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password='***', source={self.source!r})"

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(secret for secret in (self.password, self.token) if secret)


USER_ENV, PASSWORD_ENV, TOKEN_ENV = "KG_SPARQL_USER", "KG_SPARQL_PASSWORD", "KG_SPARQL_TOKEN"
NETRC_ENV = "NETRC"  # the netrc file to read instead of ~/.netrc, as curl and requests do
HOW_TO_GIVE_CREDENTIALS = (
    f"give them in the URL (http://USER:PASSWORD@host/...), in ${USER_ENV} and "
    f"${PASSWORD_ENV}, as a bearer token in ${TOKEN_ENV}, or in ~/.netrc"
)


def stored_credentials(host: str) -> Credentials | None:
    """Credentials for `host` from the environment, else from the netrc file (None if none):
    ${TOKEN_ENV} (a bearer token), ${USER_ENV} with ${PASSWORD_ENV}, then the netrc entry for
    the host (or its `default`)."""
    import netrc

    if os.environ.get(TOKEN_ENV):
        return Credentials(token=os.environ[TOKEN_ENV], source=f"${TOKEN_ENV}")
    if os.environ.get(USER_ENV):
        source = f"${USER_ENV} and ${PASSWORD_ENV}"
        return Credentials(os.environ[USER_ENV], os.environ.get(PASSWORD_ENV, ""), source=source)
    path = os.environ.get(NETRC_ENV) or os.path.expanduser("~/.netrc")
    if not os.path.isfile(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (netrc.NetrcParseError, OSError, UnicodeDecodeError) as error:
        parse_error = isinstance(error, netrc.NetrcParseError)
        where = f"{error.filename}:{error.lineno}" if parse_error else path
        raise StoreError(
            f"{where}: cannot read the netrc file ({getattr(error, 'msg', one_line(error))}); "
            "fix the line, or point $NETRC at another file"
        ) from None
    if entry is None:
        return None
    login, _, password = entry
    return Credentials(login or "", password or "", source=path)


# How credentials answer an engine's challenge, by scheme name in lower case, in the order kg
# prefers them: given the credentials and the parameters of the engine's WWW-Authenticate
# challenge, a function of (method, request path) that gives the Authorization header value.
AuthAnswer = Callable[[str, str], str]
AuthScheme = Callable[[Credentials, str], AuthAnswer]


def _digest_auth(credentials: Credentials, challenge: str) -> AuthAnswer:
    """HTTP Digest (RFC 7616: MD5 or SHA, qop=auth), computed by the standard library's
    urllib handler, which also counts the nonce's uses."""
    import urllib.request

    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, "http://endpoint/", credentials.user, credentials.password)
    handler = urllib.request.AbstractDigestAuthHandler(passwords)
    parameters = urllib.request.parse_keqv_list(urllib.request.parse_http_list(challenge))

    def answer(method: str, path: str) -> str:
        request = urllib.request.Request("http://endpoint" + path, method=method)
        try:
            value = handler.get_authorization(request, parameters)
        except (ValueError, urllib.error.URLError, UnicodeEncodeError):
            value = None
        if value is None:
            raise EndpointError(
                f"the engine asks for a Digest kg cannot answer ({one_line(challenge)[:120]}); "
                "Digest takes MD5 or SHA with an ASCII user and password: use Basic over "
                f"https, or a bearer token in ${TOKEN_ENV}"
            )
        return "Digest " + value

    return answer


def _basic_auth(credentials: Credentials, challenge: str) -> AuthAnswer:
    import base64

    pair = f"{credentials.user}:{credentials.password}".encode()
    value = "Basic " + base64.b64encode(pair).decode("ascii")
    return lambda method, path: value


AUTH_SCHEMES: dict[str, AuthScheme] = {"digest": _digest_auth, "basic": _basic_auth}


@dataclass(frozen=True)
class Endpoint:
    """A URL kg sends requests to, without its userinfo, and the credentials it goes with."""

    url: str
    credentials: Credentials | None = None

    @classmethod
    def parse(cls, url: str, fallback: Endpoint | None = None) -> Endpoint:
        """Read `url`'s userinfo (percent-decoded) as credentials; a URL without any takes
        those of `fallback` when both have the same origin (an update URL beside a query URL),
        else those stored for its host (`stored_credentials`)."""
        parts = urllib.parse.urlsplit(url)
        userinfo, at, hostport = parts.netloc.rpartition("@")
        credentials = None
        if at:
            user, _, password = userinfo.partition(":")
            credentials = Credentials(urllib.parse.unquote(user), urllib.parse.unquote(password))
        bare = urllib.parse.urlunsplit(parts._replace(netloc=hostport, fragment=""))
        endpoint = cls(bare, credentials)
        if credentials is None and fallback is not None and fallback.origin == endpoint.origin:
            return cls(bare, fallback.credentials)
        if credentials is None:
            return cls(bare, stored_credentials(parts.hostname or ""))
        return endpoint

    @property
    def origin(self) -> tuple[str, str, int | None]:
        return _origin(self.url)

    @property
    def shown(self) -> str:
        """The URL as messages show it: no query string, a password given in it as ***."""
        url = self.url.split("?", 1)[0]
        if self.credentials is None or self.credentials.source != "the URL":
            return url
        scheme, rest = url.split("://", 1)
        hidden = "***" if not self.credentials.password else f"{self.credentials.user}:***"
        return f"{scheme}://{hidden}@{rest}"

    def with_parameter(self, name: str, value: str) -> Endpoint:
        return self.with_fields(urllib.parse.urlencode({name: value}))

    def with_fields(self, fields: str) -> Endpoint:
        """The URL with `fields` (already form-encoded) added to its query string."""
        joiner = "&" if urllib.parse.urlsplit(self.url).query else "?"
        return Endpoint(self.url + joiner + fields, self.credentials)

    def scrub(self, text: str) -> str:
        """Text an engine sent, with the password or token taken out should the engine echo it."""
        for secret in self.credentials.secrets if self.credentials else ():
            text = text.replace(secret, "***")
        return text


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme)


def _selector(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _challenges(headers) -> dict[str, str]:
    """The schemes a 401 offers in its WWW-Authenticate headers (one challenge per header),
    lower-cased, each with its parameters."""
    offered: dict[str, str] = {}
    for value in headers.get_all("WWW-Authenticate") or []:
        scheme, _, parameters = value.strip().partition(" ")
        offered.setdefault(scheme.lower(), parameters.strip())
    return offered


def _redirect_target(endpoint: Endpoint, url: str, answer: _Answer) -> str:
    """Where a redirect points, if that is within the endpoint's origin; else one line."""
    location = (answer.headers.get("Location") or "").strip()
    if not location:
        raise EndpointError(
            f"{endpoint.shown} answered HTTP {answer.status} {answer.reason} without a "
            "Location to go to; check the URL"
        )
    try:
        target = urllib.parse.urljoin(url, location)
        origin = _origin(target)
    except ValueError:
        origin, target = None, location
    if origin != endpoint.origin:
        shown = redact_url(one_line(endpoint.scrub(target)).split("?", 1)[0])[:200]
        raise EndpointError(
            f"{endpoint.shown} redirected to {shown}; kg only talks to the endpoint you named "
            "(it follows redirects only within its scheme, host and port): give that URL instead"
        )
    return Endpoint.parse(target).url  # any userinfo in it is the engine's, not sent


@dataclass(frozen=True)
class _Answer:
    status: int
    reason: str
    headers: object  # an http.client.HTTPMessage
    body: bytes


class _Watchdog:
    """Ends a request at its deadline, however slowly the engine sends: shuts the connection's
    socket down, so that a read blocked on an engine that drips a byte at a time returns."""

    def __init__(self, connection, seconds: float) -> None:
        import threading

        self.connection = connection
        self.expired = False
        self.lock = threading.Lock()
        self.timer = threading.Timer(seconds, self._expire)
        self.timer.daemon = True
        self.timer.start()

    def _expire(self) -> None:
        import contextlib

        with self.lock:
            if self.timer is None:  # the request ended first
                return
            self.expired = True
            sock = self.connection.sock
            if sock is not None:  # socket.socket's own shutdown, under TLS too: TCP ends
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def cancel(self) -> None:
        with self.lock:
            timer, self.timer = self.timer, None
        if timer is not None:
            timer.cancel()


def _exchange(
    method: str,
    url: str,
    data: bytes,
    headers: dict[str, str],
    endpoint: Endpoint,
    deadline: float,
    timeout: float,
) -> _Answer:
    """One HTTP request to `url` (no userinfo in it), its whole answer read by `deadline`."""
    import http.client
    import time

    shown = endpoint.shown
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise EndpointError(_too_slow(shown, timeout))
    parts = urllib.parse.urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    connection = kind(parts.hostname, port, timeout=remaining)
    watchdog = _Watchdog(connection, remaining)
    try:
        try:
            connection.connect()
            if watchdog.expired:  # it fired while the socket was being made
                raise TimeoutError
            connection.request(method, _selector(url), body=data, headers=headers)
        except http.client.InvalidURL as error:
            raise EndpointError(
                f"{shown} is not a URL kg can send a request to ({one_line(error)}); check the URL"
            ) from None
        except OSError as error:
            reason = TimeoutError() if watchdog.expired else error
            raise EndpointError(_unreachable(shown, reason, timeout)) from None
        try:
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            if watchdog.expired or isinstance(error, TimeoutError):
                raise EndpointError(_too_slow(shown, timeout)) from None
            said = endpoint.scrub(one_line(error)) or type(error).__name__
            raise EndpointError(
                f"{shown} did not answer in HTTP ({said}); is it a SPARQL endpoint?"
            ) from None
        return _Answer(response.status, response.reason, response.headers, body)
    finally:
        watchdog.cancel()
        connection.close()


def _too_slow(url: str, timeout: float) -> str:
    return (
        f"{url} did not answer within {timeout:g} s; is the engine overloaded? raise --timeout "
        "or narrow the query"
    )


def _unreachable(url: str, reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return _too_slow(url, timeout)
    host = urllib.parse.urlsplit(url).hostname
    if isinstance(reason, socket.gaierror):
        return f"cannot reach {url}: no host named '{host}' (DNS lookup failed); check the URL"
    if isinstance(reason, ConnectionRefusedError):
        return (
            f"cannot reach {url}: connection refused; is the SPARQL engine running there? "
            "check the URL and port"
        )
    why = getattr(reason, "strerror", None) or one_line(reason)
    return f"cannot reach {url}: {why}; check the URL and the network"


def _http_error(endpoint: Endpoint, method: str, answer: _Answer) -> str:
    url = endpoint.shown
    detail = one_line(answer.body.decode("utf-8", "replace"))
    detail = re.sub(r"<[^>]+>", " ", detail)  # an HTML error page, as text
    detail = endpoint.scrub(" ".join(detail.split()))[:200]  # scrubbed whole, then cut
    status = f"HTTP {answer.status} {answer.reason}".strip()
    said = f": {detail}" if detail else ""
    if answer.status == 404:
        return (
            f"{url} answered {status}: nothing there takes a {method}; check the URL "
            "(the Stores section of the README lists each engine's endpoints)"
        )
    credentials = endpoint.credentials
    if answer.status == 401 and credentials is not None and credentials.token:
        return (
            f"{url} answered {status}: the engine refuses the bearer token in "
            f"{credentials.source}{said}; check the token"
        )
    if answer.status == 401 and credentials is not None:
        offered = ", ".join(_challenges(answer.headers)) or "none"
        return (
            f"{url} answered {status}: the engine refuses the credentials given for "
            f"'{credentials.user}' (from {credentials.source}; schemes offered: {offered})"
            f"{said}; check the user and password"
        )
    if answer.status == 401:
        return (
            f"{url} answered {status}: the engine asks for credentials{said}; "
            + HOW_TO_GIVE_CREDENTIALS
        )
    if answer.status == 403:
        return f"{url} answered {status}: the engine refuses access{said}"
    if answer.status in (405, 415):
        return f"{url} answered {status}: it does not take SPARQL {method} requests there{said}"
    if 400 <= answer.status < 500:
        return f"{url} refused the request: {status}{said}"
    if answer.status < 400:
        return f"{url} answered {status}, which kg cannot use{said}; check the URL"
    return f"the SPARQL engine at {url} failed: {status}{said}"
