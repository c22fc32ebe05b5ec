"""Benchmark: `kg serve` against Oxigraph's read-only server: same graph, query text and load.

Starts `kg serve` and `oxigraph serve-read-only` (over a store loaded from `kg export --format
nt`) on free loopback ports, checks that both give the same rows, then drives each target in turn
with a closed-loop load generator: N client threads, each with its own keep-alive connection,
each sending a fixed number of requests back to back (bounded in count and in time). Prints
requests per second, p50 and p99 latency and errors per target, and the ratios kg / Oxigraph.

Two request patterns:
- "same": the identical request repeated (what an answer cache could serve);
- "unique": every request's query text ends in its own `# n` comment line, so no cache keyed by
  the request can help. Saved queries under /api/<name> take no free text, so they are "same" only.

Everything goes to 127.0.0.1; both servers are stopped at the end, also on error.

Usage: python bench/server_vs_oxigraph.py [--clients 8] [--requests 50] [--rounds 3] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # for kg.queries: the saved query's parameter default, as kg reads it

from kg import queries  # noqa: E402

HOST = "127.0.0.1"
RESULTS_JSON = "application/sparql-results+json"
OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# --- the two servers ----------------------------------------------------------------------------


class Server:
    """A server subprocess in its own session, stopped (terminate, then kill) by stop()."""

    def __init__(
        self, name: str, command: list[str], port: int, probe: str, log: Path, env=None
    ) -> None:
        self.name, self.port, self.url, self.log = name, port, f"http://{HOST}:{port}", log
        with open(log, "wb") as output:
            self.process = subprocess.Popen(
                command,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its workers share its process group, stopped with it
            )
        try:
            self._wait(probe)
        except BaseException:
            self.stop()
            raise

    def _wait(self, probe: str, limit: float = 90) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + probe, timeout=5) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {limit:g} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text("utf-8", "replace")[-2000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # leftovers of this group, if any


def start_kg(workdir: Path) -> Server:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "KG_ROOT"}
    env["KG_CACHE_DIR"] = str(workdir / "kg-cache")  # a private cache, never the user's
    command = [sys.executable, "-m", "kg.cli", "--root", str(ROOT), "serve"]
    command += ["--port", str(port), "--workers", "2"]
    return Server("kg serve", command, port, "/sparql", workdir / "kg.log", env)


def start_oxigraph(workdir: Path) -> Server:
    export = workdir / "graph.nt"
    store = workdir / "store"
    kg = [sys.executable, "-m", "kg.cli", "--root", str(ROOT)]
    subprocess.run(
        [*kg, "export", "--format", "nt", "--output", str(export)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [str(OXIGRAPH), "load", "--location", str(store), "--file", str(export)],
        check=True,
        capture_output=True,
    )
    port = free_port()
    command = [str(OXIGRAPH), "serve-read-only", "--location", str(store)]
    command += ["--bind", f"{HOST}:{port}"]
    probe = "/query?" + urlencode({"query": "ASK {}"})
    return Server("oxigraph", command, port, probe, workdir / "oxigraph.log")


# --- what is asked ----------------------------------------------------------------------------


@dataclass
class Target:
    """One row of the table: a server, a query, a request pattern, and what was measured."""

    query: str  # the saved query's name
    system: str  # "kg" or "oxigraph"
    route: str  # "/api", "/sparql" or "/query"
    pattern: str  # "same" or "unique"
    server: Server
    paths: Callable[[], str]  # the next request's path and query string
    latencies: list[float] = field(default_factory=list)  # successful requests, all rounds
    rps: list[float] = field(default_factory=list)  # one per round
    client_cpu: list[float] = field(default_factory=list)  # load generator's CPU / wall
    errors: int = 0
    sent: int = 0

    @property
    def label(self) -> str:
        return f"{self.query} {self.system} {self.route} ({self.pattern})"


def saved_query_text(name: str) -> str:
    """A saved query's text with its default parameter values written in as constants."""
    saved = queries.read_query_file(ROOT / "queries" / f"{name}.rq")
    text = saved.text
    for variable, term in queries.bind(saved, {}).items():
        text = re.sub(rf"[?$]{re.escape(variable)}\b", lambda _m, t=term: t.n3(), text)
    return text


def sparql_paths(route: str, text: str, unique: bool, counter: Iterator[int]) -> Callable[[], str]:
    if not unique:
        fixed = f"{route}?query={quote(text)}"
        return lambda: fixed
    return lambda: f"{route}?query=" + quote(text + f"\n# {next(counter)}\n")


def targets_for(name: str, kg: Server, oxigraph: Server, counter: Iterator[int]) -> list[Target]:
    text = saved_query_text(name)
    api = f"/api/{name}"
    rows = [Target(name, "kg", "/api", "same", kg, lambda: api)]
    for pattern in ("same", "unique"):
        unique = pattern == "unique"
        rows.append(
            Target(
                name, "kg", "/sparql", pattern, kg, sparql_paths("/sparql", text, unique, counter)
            )
        )
        rows.append(
            Target(
                name,
                "oxigraph",
                "/query",
                pattern,
                oxigraph,
                sparql_paths("/query", text, unique, counter),
            )
        )
    return rows


# --- checking and load --------------------------------------------------------------------------


def fetch(target: Target) -> dict:
    request = urllib.request.Request(
        target.server.url + target.paths(), headers={"Accept": RESULTS_JSON}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def rows_of(answer: dict) -> list[tuple[tuple[str, str], ...]]:
    """Rows as sorted (variable, value) pairs: term values only (the two differ on xsd:string)."""
    return sorted(
        tuple(sorted((k, v["value"]) for k, v in row.items()))
        for row in answer["results"]["bindings"]
    )


def check(targets: list[Target], expected_rows: int | None) -> int:
    """Every target gives the same rows (and `expected_rows` of them, when given)."""
    answers = {t.label: rows_of(fetch(t)) for t in targets}
    first = targets[0].label
    for label, rows in answers.items():
        if rows != answers[first]:
            sys.exit(f"{label}: {len(rows)} rows that differ from {first}'s {len(answers[first])}")
    count = len(answers[first])
    if expected_rows is not None and count != expected_rows:
        sys.exit(f"{first}: {count} rows, expected {expected_rows}")
    if count == 0:
        sys.exit(f"{first}: no rows; nothing worth timing")
    return count


def load(target: Target, clients: int, per_client: int, time_limit: float) -> None:
    """Closed loop: `clients` threads, each sends up to `per_client` requests back to back."""
    barrier = threading.Barrier(clients + 1)
    lock = threading.Lock()
    deadline = [0.0]

    def client() -> None:
        connection = http.client.HTTPConnection(HOST, target.server.port, timeout=60)
        mine: list[float] = []
        errors = sent = 0
        barrier.wait()
        try:
            for _ in range(per_client):
                if time.perf_counter() > deadline[0]:
                    break
                path = target.paths()
                sent += 1
                start = time.perf_counter()
                try:
                    connection.request("GET", path, headers={"Accept": RESULTS_JSON})
                    response = connection.getresponse()
                    response.read()
                    if response.status != 200:
                        errors += 1
                        continue
                except (OSError, http.client.HTTPException):
                    errors += 1
                    connection.close()  # reopened by the next request
                    continue
                mine.append(time.perf_counter() - start)
        finally:
            connection.close()
            with lock:
                target.latencies.extend(mine)
                target.errors += errors
                target.sent += sent

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    before = len(target.latencies)
    deadline[0] = time.perf_counter() + time_limit
    cpu, start = time.process_time(), time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    target.rps.append((len(target.latencies) - before) / wall)
    target.client_cpu.append((time.process_time() - cpu) / wall)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def load_average() -> str:
    """The machine's 1/5/15-minute load: other work on a shared machine skews the numbers."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- the run ------------------------------------------------------------------------------------


def report(targets: list[Target], expected: int) -> None:
    peer = {t.pattern: t for t in targets if t.system == "oxigraph"}
    for target in targets:
        rps = statistics.median(target.rps)
        p50 = statistics.median(target.latencies) * 1000 if target.latencies else math.nan
        p99 = percentile(target.latencies, 0.99) * 1000 if target.latencies else math.nan
        line = (
            f"{target.label:<42} {rps:>7.1f} {p50:>8.1f} {p99:>8.1f} {target.errors:>6} "
            f"{statistics.median(target.client_cpu):>6.2f}"
        )
        if target.system == "kg":
            ox = peer[target.pattern]
            ox_p50 = statistics.median(ox.latencies) * 1000
            line += f" {rps / statistics.median(ox.rps):>9.3f} {p50 / ox_p50:>9.1f}"
        if target.sent < expected:
            line += f"  (time limit: {target.sent} of {expected} sent)"
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument(
        "--requests", type=int, default=50, help="requests per client per round (default 50)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds over all targets, interleaved (default 3)"
    )
    parser.add_argument("--warmup", type=int, default=2, help="warm-up requests per client (2)")
    parser.add_argument(
        "--time-limit", type=float, default=15, help="seconds per target per round at most (15)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="4 clients x 10 requests, 1 round, 10 s limit"
    )
    parser.add_argument("queries", nargs="*", default=["books", "claims-by-source"])
    args = parser.parse_args()
    if args.quick:
        args.clients, args.requests, args.rounds, args.warmup = 4, 10, 1, 1
        args.time_limit = min(args.time_limit, 10)
    if not OXIGRAPH.exists():
        sys.exit(f"no oxigraph CLI at {OXIGRAPH}; install it into this environment")

    workdir = Path(tempfile.mkdtemp(prefix="kg-bench-serve-"))
    servers: list[Server] = []
    try:
        servers.append(start_oxigraph(workdir))
        servers.append(start_kg(workdir))
        oxigraph, kg = servers
        counter = itertools.count()  # numbers the "unique" requests, never twice in a run
        groups: list[tuple[list[Target], int]] = []
        for name in args.queries:
            targets = targets_for(name, kg, oxigraph, counter)
            rows = check(targets, 4 if name == "books" else None)
            print(f"{name}: {rows} rows from each of its {len(targets)} targets", flush=True)
            groups.append((targets, rows))
        every = [t for targets, _ in groups for t in targets]
        for target in every:
            warm = Target(target.query, "", "", "", target.server, target.paths)
            load(warm, args.clients, args.warmup, args.time_limit)
        print(
            f"{args.clients} clients x {args.requests} requests per target, {args.rounds} "
            f"round(s) (at most {args.time_limit:g} s per target and round); closed loop, "
            f"keep-alive connections, 127.0.0.1; load average {load_average()}",
            flush=True,
        )
        for round_number in range(args.rounds):
            for target in every:
                load(target, args.clients, args.requests, args.time_limit)
            print(f"round {round_number + 1} of {args.rounds} done", flush=True)
        print()
        print(
            f"{'query / target':<42} {'rps':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
            f"{'client':>6} {'rps kg/ox':>9} {'p50 kg/ox':>9}"
        )
        for targets, _ in groups:
            report(targets, args.clients * args.requests * args.rounds)
        print(f"load average at the end {load_average()}")
        print(
            "rps: median of the rounds; p50/p99: over every request of every round; "
            "client: the load generator's CPU use (cores)"
        )
    finally:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
