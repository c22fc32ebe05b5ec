"""Any SPARQL 1.1 engine over HTTP, as a store: queries by the SPARQL 1.1 Protocol, pushes by
the Graph Store HTTP Protocol or SPARQL Update, all through one careful HTTP client (origin-bound
redirects, credentials, a deadline per request)."""

from __future__ import annotations

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
        start = next(i for i, t in enumerate(found) if t.text.upper() == "DESCRIBE")
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
        """POST a checked query; its answer as a Result."""
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        accept = (
            "application/n-triples, text/turtle;q=0.5"
            if graph_form
            else "application/sparql-results+json, application/sparql-results+xml;q=0.5"
        )
        data, media = self._http(
            "POST",
            self.endpoint.with_parameter("default-graph-uri", GRAPH_IRI),
            text.encode("utf-8"),
            {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept},
        )
        try:
            if graph_form:
                return results.from_rdf(data, media, form)
            return results.from_sparql_results(data, media, form, star)
        except results.MalformedAnswer as error:
            raise EndpointError(f"{self.url} {error}; is it a SPARQL query endpoint?") from None

    def graph(self) -> Graph:
        from rdflib import Graph

        from kg.namespaces import bind_prefixes
        from kg.store.oxigraph import rdflib_triple

        graph = bind_prefixes(Graph())
        for triple in self.send("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT").triples:
            graph.add(rdflib_triple(triple))
        return graph

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
        batch: int = PUSH_BATCH,
    ) -> int:
        """Replace the named graph GRAPH_IRI on the engine with `graph`; returns its triples.

        `via="gsp"` (Graph Store HTTP Protocol): PUT the first batch of N-Triples, POST the
        rest. `via="update"` (SPARQL Update): DROP SILENT GRAPH, then INSERT DATA per batch.
        A graph with blank nodes goes in one request, so its labels keep their meaning.
        """
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
                body = f"{prefix}INSERT DATA {{ GRAPH <{GRAPH_IRI}> {{\n{text}}} }}"
                self._http(
                    "POST",
                    self.update_endpoint,
                    body.encode("utf-8"),
                    {"Content-Type": "application/sparql-update; charset=utf-8"},
                )
            else:
                self._http(
                    "PUT" if index == 0 else "POST",
                    self.gsp_endpoint.with_parameter("graph", GRAPH_IRI),
                    text.encode("utf-8"),
                    {"Content-Type": "application/n-triples"},
                )
            done += len(chunk)
            if progress:
                progress(done, len(lines))
        return len(lines)

    def _http(
        self, method: str, endpoint: Endpoint, data: bytes, headers: dict[str, str]
    ) -> tuple[bytes, str]:
        """One request, with its redirects (within its origin) and its answer to an
        authentication challenge, all within `timeout`; (body, media type) of a 2xx answer.
        Every way it can fail becomes one EndpointError line."""
        import time

        deadline = time.monotonic() + self.timeout
        url, redirects = endpoint.url, 0
        scheme = UP_FRONT_AUTH if endpoint.credentials else None
        challenge, tried = "", set()
        while True:
            sent = dict(headers)
            if scheme is not None and endpoint.credentials is not None:
                tried.add(scheme)
                answer_with = AUTH_SCHEMES[scheme]
                sent["Authorization"] = answer_with(
                    endpoint.credentials, method, _selector(url), challenge
                )
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
            if answer.status == 401 and endpoint.credentials is not None:
                offered = _challenges(answer.headers)
                other = next((s for s in offered if s in AUTH_SCHEMES and s not in tried), None)
                if other is not None:
                    scheme, challenge = other, offered[other]
                    continue
            if not 200 <= answer.status < 300:
                raise EndpointError(_http_error(endpoint, method, answer))
            return answer.body, answer.headers.get_content_type()


# --- talking to an endpoint over HTTP: origin, credentials, deadline -------------------------

MAX_REDIRECTS = 5  # within the endpoint's own origin
REDIRECTS = (301, 302, 303, 307, 308)  # followed with the same method and body
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Credentials:
    """A user and password for an endpoint; the password never shows in a repr."""

    user: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password='***')"


def _basic_auth(credentials: Credentials, method: str, path: str, challenge: str) -> str:
    import base64

    pair = f"{credentials.user}:{credentials.password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


# How credentials answer an engine: an Authorization header value for (credentials, method,
# request path, the parameters of the engine's WWW-Authenticate challenge), by scheme name in
# lower case. UP_FRONT_AUTH goes with the first request; any other scheme here is tried once
# when a 401 offers it (Digest, which needs the engine's nonce, is one more entry). Where
# credentials come from is Endpoint.parse (the URL's userinfo; ~/.netrc would go there).
AuthScheme = Callable[[Credentials, str, str, str], str]
AUTH_SCHEMES: dict[str, AuthScheme] = {"basic": _basic_auth}
UP_FRONT_AUTH = "basic"


@dataclass(frozen=True)
class Endpoint:
    """A URL kg sends requests to, without its userinfo, and the credentials it carried."""

    url: str
    credentials: Credentials | None = None

    @classmethod
    def parse(cls, url: str, fallback: Endpoint | None = None) -> Endpoint:
        """Read `url`'s userinfo (percent-decoded) as credentials; a URL without any takes
        those of `fallback` when both have the same origin (an update URL beside a query URL).
        """
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
        return endpoint

    @property
    def origin(self) -> tuple[str, str, int | None]:
        return _origin(self.url)

    @property
    def shown(self) -> str:
        """The URL as messages show it: no query string, the password as ***."""
        url = self.url.split("?", 1)[0]
        if self.credentials is None:
            return url
        scheme, rest = url.split("://", 1)
        hidden = "***" if not self.credentials.password else f"{self.credentials.user}:***"
        return f"{scheme}://{hidden}@{rest}"

    def with_parameter(self, name: str, value: str) -> Endpoint:
        joiner = "&" if urllib.parse.urlsplit(self.url).query else "?"
        url = self.url + joiner + urllib.parse.urlencode({name: value})
        return Endpoint(url, self.credentials)

    def scrub(self, text: str) -> str:
        """Text an engine sent, with the password taken out should the engine echo it."""
        password = self.credentials.password if self.credentials else ""
        return text.replace(password, "***") if password else text


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
    detail = endpoint.scrub(" ".join(detail.split())[:200])
    status = f"HTTP {answer.status} {answer.reason}".strip()
    said = f": {detail}" if detail else ""
    if answer.status == 404:
        return (
            f"{url} answered {status}: nothing there takes a {method}; check the URL "
            "(Oxigraph: /query for queries and /store for --gsp-url)"
        )
    if answer.status == 401 and endpoint.credentials is not None:
        return (
            f"{url} answered {status}: the engine refuses the credentials given for "
            f"'{endpoint.credentials.user}'{said}; check the user and password in the URL"
        )
    if answer.status == 401:
        return (
            f"{url} answered {status}: the engine asks for credentials{said}; give them in "
            "the URL: http://USER:PASSWORD@host/..."
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
