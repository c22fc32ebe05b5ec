"""Benchmark: `kg serve` against `oxigraph serve-read-only`: same graph, same query text, same load.

Starts both servers on free loopback ports: kg serve on the shipped graph (the kg tree this bench
sits in; its command line is the constant KG_SERVE in this script), and Oxigraph's read-only
server over a store loaded (`oxigraph load`) from `kg export --format nq`, queried on its default
graph, which holds exactly kg's graph. Both are stopped at the end, also on an error or Ctrl-C.

The load is wrk (Debian package wrk): 8 keep-alive connections on 2 threads (-c 8 -t 2), each
sending its next request as soon as its answer arrives, for --duration seconds per target, every
request a GET with `Accept: application/sparql-results+json`. Five targets, the query being
queries/books.rq, its text sent whole (the `#+` header lines and PREFIXes included):

  kg /api (repeated)          GET /api/books, the saved query by name
  kg /sparql (repeated)       GET /sparql?query=<the text>, the identical request every time
  oxigraph (repeated)         GET /query?query=<the text>, the identical request every time
  kg /sparql (distinct)       GET /sparql?query=<the text>%0ALIMIT%20<n>, a new n every request
                              (bench/wrk/distinct.lua), so no two texts are equal
  oxigraph (distinct)         the same stream against Oxigraph's /query

Before timing, each target is asked once and must answer the four rows of her four books (the
same rows from every target). Each target gets an unmeasured warm-up (--warmup seconds), then
--rounds rounds run the five in turn; requests/s, p50 and p99 are the medians over the rounds
(each round's p50 and p99 are wrk's, over all of that round's requests).

Targets (issue 12): kg /api and kg /sparql (repeated) >= 0.5x Oxigraph's requests/s (repeated);
kg /sparql (distinct) >= 0.25x Oxigraph's (distinct); p99 under 20 ms for the three kg targets;
no errors (non-2xx answers, socket errors, timeouts) on any target. Exit status: 0 all met,
1 a target missed (each miss is printed), 2 an error (wrk missing, a server not starting,
answers that differ).

wrk and both servers share the machine's cores: on a 2-core machine wrk's two threads take CPU
from the server under test, alike for both servers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent  # the kg tree served, and the kg code run (python -m kg, cwd ROOT)
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"

# Run inside the project's virtualenv (kg, and the oxigraph CLI next to its python).
if VENV_PYTHON.is_file() and Path(sys.prefix).resolve() != VENV_PYTHON.parent.parent.resolve():
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])

import sparql_rows  # noqa: E402  (bench/, on sys.path as the script's folder)

HOST = "127.0.0.1"
# kg serve's command line, after `python -m kg --root ROOT`; --host and --port are added.
# --per-client 0: wrk's 8 connections all come from 127.0.0.1, which kg would otherwise count as
# one client and run one SPARQL text at a time for; 8 real clients have 8 addresses.
KG_SERVE = ["serve", "--workers", "2", "--per-client", "0"]
OXIGRAPH = Path(sys.executable).parent / "oxigraph"
QUERY = "books"
CONNECTIONS, THREADS = 8, 2
ACCEPT = "application/sparql-results+json"
WRK_DIR = HERE / "wrk"
JSON_MARK = "KG-BENCH-JSON "

REPEATED_MIN = 0.5  # kg / oxigraph requests/s, repeated request
DISTINCT_MIN = 0.25  # kg / oxigraph requests/s, distinct query texts
P99_MAX_MS = 20.0  # kg's p99 latency, every kg target


class BenchError(Exception):
    """Something that stops the bench: exit 2 with this message."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# --- the two servers ----------------------------------------------------------------------------


class Server:
    """A server subprocess in its own session (its workers in its group), stopped by stop()."""

    def __init__(self, name: str, command: list[str], port: int, probe: str, log: Path, env):
        self.name, self.command, self.port, self.log = name, command, port, log
        self.url = f"http://{HOST}:{port}"
        with open(log, "wb") as output:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait(probe)
        except BaseException:
            self.stop()
            raise

    def _wait(self, probe: str, limit: float = 120) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"{self.name} exited {self.process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + probe, timeout=5) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.2)
        raise BenchError(f"{self.name} did not answer within {limit:g} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text("utf-8", "replace")[-3000:]

    def stop(self) -> None:
        """SIGTERM to the server's process group, SIGKILL to what is left after 10 s."""
        group = self.process.pid  # its own session: the group id is its pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)  # leftovers of this group (workers), if any
        if self.process.poll() is None:
            self.process.wait(5)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KG_ROOT", "KG_STORE")}
    return {**env, **extra}


def export_graph(workdir: Path) -> Path:
    graph = workdir / "graph.nq"
    command = [sys.executable, "-m", "kg", "--root", str(ROOT), "export", "--format", "nq"]
    done = subprocess.run(
        [*command, "--output", str(graph)],
        cwd=ROOT,
        env=clean_env(KG_CACHE_DIR=""),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"kg export failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return graph


def start_kg(workdir: Path) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "kg", "--root", str(ROOT), *KG_SERVE]
    command += ["--host", HOST, "--port", str(port)]
    env = clean_env(KG_CACHE_DIR=str(workdir / "kg-cache"))  # a private cache, never the user's
    return Server("kg serve", command, port, "/sparql", workdir / "kg.log", env)


def start_oxigraph(workdir: Path, graph: Path) -> Server:
    store = workdir / "oxigraph-store"
    done = subprocess.run(
        [str(OXIGRAPH), "load", "--location", str(store), "--file", str(graph)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"oxigraph load failed ({done.returncode}): {done.stderr.strip()}")
    port = free_port()
    command = [str(OXIGRAPH), "serve-read-only", "--location", str(store)]
    command += ["--bind", f"{HOST}:{port}"]
    probe = "/query?" + "query=" + quote("ASK {}", safe="")
    return Server("oxigraph", command, port, probe, workdir / "oxigraph.log", clean_env())


# --- the targets and wrk ------------------------------------------------------------------------


@dataclass
class Target:
    key: str
    label: str
    server: Server
    path: str  # the request's path and query string; for a distinct stream, its prefix
    distinct: bool = False
    rounds: list[dict] = field(default_factory=list)  # wrk's numbers, one per round

    def sample_path(self) -> str:
        """A request as the target sends it (for a distinct stream: one of its texts)."""
        return self.path + ("%0ALIMIT%2099" if self.distinct else "")

    def median(self, what: str) -> float:
        return statistics.median(r[what] for r in self.rounds)


def make_targets(kg: Server, oxigraph: Server, text: str) -> list[Target]:
    encoded = quote(text, safe="")
    return [
        Target("kg_api_repeated", f"kg /api/{QUERY} (repeated)", kg, f"/api/{QUERY}"),
        Target("kg_sparql_repeated", "kg /sparql (repeated)", kg, f"/sparql?query={encoded}"),
        Target("oxigraph_repeated", "oxigraph (repeated)", oxigraph, f"/query?query={encoded}"),
        Target(
            "kg_sparql_distinct",
            "kg /sparql (distinct)",
            kg,
            f"/sparql?query={encoded}",
            True,
        ),
        Target(
            "oxigraph_distinct",
            "oxigraph (distinct)",
            oxigraph,
            f"/query?query={encoded}",
            True,
        ),
    ]


def ask(target: Target) -> list[sparql_rows.Row]:
    request = urllib.request.Request(
        target.server.url + target.sample_path(), headers={"Accept": ACCEPT}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        detail = error.read().decode("utf-8", "replace").strip()[:500]
        raise BenchError(f"{target.label}: HTTP {error.code}: {detail}") from None
    except OSError as error:
        raise BenchError(f"{target.label}: {error}") from None
    try:
        return sparql_rows.rows(body)
    except ValueError as error:
        raise BenchError(f"{target.label}: {error}") from None


def check(targets: list[Target]) -> int:
    answers = {t.key: ask(t) for t in targets}
    first = targets[0]
    for t in targets:
        if answers[t.key] != answers[first.key]:
            raise BenchError(
                f"{t.label} answers {len(answers[t.key])} rows that differ from "
                f"{first.label}'s {len(answers[first.key])}"
            )
    if QUERY == "books" and (wrong := sparql_rows.check_books(answers[first.key])):
        raise BenchError(f"{first.label}: {wrong}")
    return len(answers[first.key])


class Wrk:
    """Runs wrk; numbers each distinct stream's texts apart from every other run's."""

    def __init__(self, wrk: str) -> None:
        self.wrk = wrk
        self.invocations = 0

    def run(self, target: Target, seconds: float) -> dict:
        self.invocations += 1
        command = [self.wrk, "-c", str(CONNECTIONS), "-t", str(THREADS), "-d", f"{seconds:g}s"]
        command += ["--latency", "--timeout", "10s", "-H", f"Accept: {ACCEPT}"]
        if target.distinct:
            base = self.invocations * 10**12  # this run's texts: n from base up, never reused
            command += ["-s", str(WRK_DIR / "distinct.lua"), target.server.url + "/"]
            command += ["--", target.path, str(base), str(THREADS)]
        else:
            command += ["-s", str(WRK_DIR / "report.lua"), target.server.url + target.path]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            out, err = process.communicate(timeout=seconds + 60)
        except BaseException:  # a timeout, Ctrl-C: wrk must not outlive the bench
            process.kill()
            process.wait()
            raise
        if process.returncode != 0:
            raise BenchError(f"wrk exited {process.returncode} on {target.label}: {err.strip()}")
        for line in out.splitlines():
            if line.startswith(JSON_MARK):
                numbers = json.loads(line[len(JSON_MARK) :])
                break
        else:
            raise BenchError(f"wrk printed no measurements for {target.label}:\n{out}{err}")
        duration = numbers["duration_us"] / 1e6
        errors = sum(numbers["errors"].values())
        return {
            "requests": numbers["requests"],
            "duration_s": duration,
            "rps": (numbers["requests"] - numbers["errors"]["status"]) / duration,
            "p50_ms": numbers["latency_us"]["p50"] / 1000,
            "p90_ms": numbers["latency_us"]["p90"] / 1000,
            "p99_ms": numbers["latency_us"]["p99"] / 1000,
            "max_ms": numbers["latency_us"]["max"] / 1000,
            "errors": errors,
            "errors_by_kind": numbers["errors"],
            "wrk_output": out.replace(line, "").strip(),
        }


def wrk_version(wrk: str) -> str:
    done = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    return (done.stdout + done.stderr).strip().splitlines()[0] if done.stdout + done.stderr else ""


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def git_describe() -> str:
    def git(*arguments: str) -> str:
        return subprocess.run(
            ["git", "-C", str(ROOT), *arguments], capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "kg")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" with uncommitted changes in kg/" if dirty else "")


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- the run ------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--duration", type=float, default=10, help="seconds of load per target and round (10)"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="rounds over the five targets, in turn (1)"
    )
    parser.add_argument(
        "--warmup", type=float, default=2, help="unmeasured seconds of load per target first (2)"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the measurements here")
    args = parser.parse_args()
    if args.duration < 1 or args.rounds < 1 or args.warmup < 0:
        parser.error("--duration must be >= 1, --rounds >= 1, --warmup >= 0")
    return args


def measure(args: argparse.Namespace, wrk: Wrk, workdir: Path, servers: list[Server]) -> int:
    if not OXIGRAPH.exists():
        raise BenchError(f"no oxigraph CLI at {OXIGRAPH}: pip install oxigraph in this venv")
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    text = (ROOT / "queries" / f"{QUERY}.rq").read_text("utf-8")
    graph = export_graph(workdir)
    servers.append(start_oxigraph(workdir, graph))
    servers.append(start_kg(workdir))
    oxigraph, kg = servers
    targets = make_targets(kg, oxigraph, text)
    rows = check(targets)
    by_key = {t.key: t for t in targets}
    load_start = load_average()
    print(
        f"kg serve vs oxigraph serve-read-only: {QUERY} ({rows} rows from each of the "
        f"{len(targets)} targets, the same); wrk -c {CONNECTIONS} -t {THREADS}, "
        f"{args.duration:g} s per target and round, {args.rounds} round(s), "
        f"{args.warmup:g} s warm-up\nkg: python -m kg --root {ROOT} {' '.join(KG_SERVE)} "
        f"(kg at {git_describe()}); oxigraph {version('oxigraph')}; {wrk_version(wrk.wrk)}; "
        f"load average {' '.join(map(str, load_start))}",
        flush=True,
    )
    if args.warmup > 0:
        for target in targets:
            wrk.run(target, args.warmup)
    for round_number in range(args.rounds):
        for target in targets:
            target.rounds.append(wrk.run(target, args.duration))
            print(
                f"  round {round_number + 1}: {target.label}: {target.rounds[-1]['rps']:.1f} req/s",
                file=sys.stderr,
                flush=True,
            )
    load_end = load_average()

    print(f"\n{'target':<26} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for t in targets:
        errors = sum(r["errors"] for r in t.rounds)
        print(
            f"{t.label:<26} {t.median('rps'):>9.1f} {t.median('p50_ms'):>8.2f} "
            f"{t.median('p99_ms'):>8.2f} {errors:>7}"
        )
    checks: list[dict] = []

    def ratio(top: str, bottom: str, bound: float) -> None:
        value = by_key[top].median("rps") / by_key[bottom].median("rps")
        checks.append(
            {
                "what": f"{by_key[top].label} / {by_key[bottom].label} req/s",
                "value": value,
                "target": f">= {bound:g}",
                "met": value >= bound,
            }
        )

    ratio("kg_api_repeated", "oxigraph_repeated", REPEATED_MIN)
    ratio("kg_sparql_repeated", "oxigraph_repeated", REPEATED_MIN)
    ratio("kg_sparql_distinct", "oxigraph_distinct", DISTINCT_MIN)
    for t in targets:
        if t.server is kg:
            p99 = t.median("p99_ms")
            checks.append(
                {
                    "what": f"{t.label} p99 ms",
                    "value": p99,
                    "target": f"< {P99_MAX_MS:g}",
                    "met": p99 < P99_MAX_MS,
                }
            )
    for t in targets:
        errors = sum(r["errors"] for r in t.rounds)
        if errors:
            checks.append(
                {"what": f"{t.label} errors", "value": errors, "target": "0", "met": False}
            )

    print(f"\n{'ratio or latency':<52} {'value':>8}  {'target':<7}")
    for c in checks:
        verdict = "met" if c["met"] else "MISSED"
        print(f"{c['what']:<52} {c['value']:>8.3f}  {c['target']:<7} {verdict}")
    print(f"load average at the end {' '.join(map(str, load_end))}")
    missed = [
        f"{c['what']} = {c['value']:.3f}, target {c['target']}" for c in checks if not c["met"]
    ]
    if missed:
        print("targets missed:\n  " + "\n  ".join(missed))
    else:
        print("all targets met")
    if args.json:
        report = {
            "bench": "server_vs_oxigraph",
            "started": started,
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "query": QUERY,
            "rows": rows,
            "kg": git_describe(),
            "kg_command": kg.command,
            "oxigraph_command": oxigraph.command,
            "wrk": {
                "version": wrk_version(wrk.wrk),
                "connections": CONNECTIONS,
                "threads": THREADS,
                "duration_s": args.duration,
                "rounds": args.rounds,
                "warmup_s": args.warmup,
            },
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "oxigraph": version("oxigraph"),
                "load_average_start": load_start,
                "load_average_end": load_end,
            },
            "targets": {
                t.key: {
                    "label": t.label,
                    "rps": t.median("rps"),
                    "p50_ms": t.median("p50_ms"),
                    "p99_ms": t.median("p99_ms"),
                    "rounds": t.rounds,
                }
                for t in targets
            },
            "checks": checks,
            "missed": missed,
            "all_met": not missed,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
        print(f"wrote {args.json}")
    return 1 if missed else 0


def main() -> int:
    args = parse_args()
    found = shutil.which("wrk")
    if found is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    # SIGTERM ends the run like Ctrl-C: the servers are stopped on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    workdir = Path(tempfile.mkdtemp(prefix="kg-bench-serve-"))
    servers: list[Server] = []
    try:
        return measure(args, Wrk(found), workdir, servers)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 2
    except Exception as error:  # a bench bug or a broken environment: still exit 2
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave a server
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
