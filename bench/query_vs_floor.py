"""Benchmark: `kg query NAME` against the floor (a minimal pyoxigraph script) and minimal rdflib.

Four contenders answer the same saved query on the shipped graph (the kg tree this bench sits
in), each sample a fresh process, timed wall-clock from start to exit (Python start-up included,
as a user pays it):

  cold        `python -m kg --root ROOT query NAME --format json` with KG_CACHE_DIR= (empty:
              kg's caches off, so it parses the tree and runs the query every time)
  warm        the same with KG_CACHE_DIR set to a private cache filled by one unmeasured run
  pyoxigraph  bench/floor_pyoxigraph.py: bulk-loads the N-Quads export (`kg export --format nq`,
              made once into a temporary file) into an in-memory pyoxigraph Store and runs the
              query file's text
  rdflib      bench/floor_rdflib.py: an rdflib Dataset parses the same N-Quads file and runs
              the same text

Before timing, every contender is run once and must give the same rows (compared as SPARQL JSON
results, terms normalised; for `books`, the four rows of her four books). The samples are then
interleaved (cold, warm, pyoxigraph, rdflib, cold, ...) so the machine's noise hits all four
alike; the table shows the median, min and max of --runs samples each.

Targets (issue 12), per query: cold <= 3x pyoxigraph and cold <= 0.25x rdflib; warm/pyoxigraph
is shown without a target. Exit status: 0 all targets met, 1 a target missed (each miss is
printed), 2 an error (a contender failed or the answers differ).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent  # the kg tree measured, and the kg code run (python -m kg, cwd ROOT)
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"

# Run inside the project's virtualenv (kg, rdflib, pyoxigraph).
if VENV_PYTHON.is_file() and Path(sys.prefix).resolve() != VENV_PYTHON.parent.parent.resolve():
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])

import sparql_rows  # noqa: E402  (bench/, on sys.path as the script's folder)

# kg as a user runs it: the `kg` console script installed next to this Python (its entry point
# is kg.__main__:main), else `python -m kg`; cwd=ROOT puts this tree's kg/ first on sys.path.
_SCRIPT = Path(sys.executable).with_name("kg")
KG = [*([str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "kg"]), "--root", str(ROOT)]
TARGETS = (  # (numerator, denominator, bound): numerator / denominator <= bound
    ("cold", "pyoxigraph", 3.0),
    ("cold", "rdflib", 0.25),
)
SHOWN = (("warm", "pyoxigraph"),)  # ratios printed, with no target
REQUIRED_PARAMETER = re.compile(r"[?$]_[A-Za-z]")  # kg's `?_name`: a parameter without default


class BenchError(Exception):
    """Something that stops the bench: exit 2 with this one line."""


@dataclass
class Contender:
    key: str
    label: str
    env: dict[str, str]
    argv: list[str] = field(default_factory=list)  # set per query
    samples: list[float] = field(default_factory=list)


def query_file(name: str) -> Path:
    path = ROOT / "queries" / f"{name}.rq"
    if not path.is_file():
        raise BenchError(f"no saved query {name!r}: {path} does not exist")
    text = path.read_text("utf-8")
    body = re.sub(r"<[^<>\s]*>", "<>", text)  # IRIs may hold '#'
    body = re.sub(r"#[^\n]*", "", body)
    if REQUIRED_PARAMETER.search(body):
        raise BenchError(f"{name} takes parameters; the floor scripts cannot bind them")
    return path


def run(argv: list[str], env: dict[str, str]) -> tuple[float, bytes]:
    """One fresh process: its wall time and stdout; BenchError if it fails."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["(no output)"]
        raise BenchError(f"{' '.join(argv)} exited {done.returncode}: {lines[-1]}")
    return elapsed, done.stdout


def rows_of(contender: Contender, output: bytes) -> list[sparql_rows.Row]:
    try:
        return sparql_rows.rows(output)
    except ValueError as error:
        raise BenchError(f"{contender.label}: {error}") from None


def git_describe() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "kg"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" with uncommitted changes in kg/" if dirty else "")


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--runs", type=int, default=15, help="timed samples of each contender (default 15)"
    )
    parser.add_argument(
        "--query",
        action="append",
        metavar="NAME",
        help="a saved query without required parameters (repeatable; default: books)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the measurements here")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    args.query = list(dict.fromkeys(args.query or ["books"]))
    return args


def measure(args: argparse.Namespace, workdir: Path) -> int:
    # Byte-compiled modules, as an installed package has them, for every contender alike
    # (PYTHONDONTWRITEBYTECODE would make kg compile its own modules at every start).
    unset = ("KG_ROOT", "KG_STORE", "PYTHONDONTWRITEBYTECODE")
    base_env = {k: v for k, v in os.environ.items() if k not in unset}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "kg")], check=True)
    graph = workdir / "graph.nq"
    run([*KG, "export", "--format", "nq", "--output", str(graph)], {**base_env, "KG_CACHE_DIR": ""})
    quads = sum(1 for _ in graph.open("rb"))
    cache = workdir / "kg-cache"
    cache.mkdir()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    load_start = load_average()
    queries = {name: query_file(name) for name in args.query}
    contenders = {name: make_contenders(base_env, cache) for name in queries}

    print(
        f"kg query vs the floor: {args.runs} samples of each contender, interleaved; each a "
        f"fresh process, wall time\ngraph: {ROOT} ({quads:,} quads in `kg export --format nq`); "
        f"kg at {git_describe()}; Python {platform.python_version()}, pyoxigraph "
        f"{version('pyoxigraph')}, rdflib {version('rdflib')}; load average "
        f"{' '.join(map(str, load_start))}",
        flush=True,
    )
    counts: dict[str, int] = {}
    for name, path in queries.items():
        answers: dict[str, list[sparql_rows.Row]] = {}
        for c in contenders[name].values():
            c.argv = argv_for(c.key, name, path, graph)
            answers[c.key] = rows_of(c, run(c.argv, c.env)[1])  # fills the warm cache too
        first = contenders[name]["cold"]
        for c in contenders[name].values():
            if answers[c.key] != answers["cold"]:
                raise BenchError(
                    f"{name}: {c.label} gives {len(answers[c.key])} rows that differ from "
                    f"{first.label}'s {len(answers['cold'])}"
                )
        if name == "books" and (wrong := sparql_rows.check_books(answers["cold"])):
            raise BenchError(f"books: {wrong}")
        counts[name] = len(answers["cold"])
        note = "" if counts[name] else " (no rows: the timing says little)"
        print(f"{name}: {counts[name]} rows from each of the 4 contenders, the same{note}")

    for run_number in range(args.runs):
        for name in queries:
            for c in contenders[name].values():
                elapsed, output = run(c.argv, c.env)
                if len(rows_of(c, output)) != counts[name]:
                    raise BenchError(f"{name}: {c.label} changed its answer during the run")
                c.samples.append(elapsed)
        print(f"  run {run_number + 1} of {args.runs} done", file=sys.stderr, flush=True)

    results: dict[str, dict] = {}
    missed: list[str] = []
    ratio_lines: list[str] = []
    for name in queries:
        cs = contenders[name]
        median = {key: statistics.median(c.samples) for key, c in cs.items()}
        print(f"\nquery {name} ({counts[name]} rows)")
        print(f"  {'contender':<48} {'median':>9} {'min':>9} {'max':>9}")
        for c in cs.values():
            print(
                f"  {c.label:<48} {fmt_ms(median[c.key]):>9} {fmt_ms(min(c.samples)):>9} "
                f"{fmt_ms(max(c.samples)):>9}"
            )
        ratios = []
        for top, bottom, bound in (*TARGETS, *((t, b, None) for t, b in SHOWN)):
            value = median[top] / median[bottom]
            met = None if bound is None else value <= bound
            label = f"{name} {top} / {bottom}"
            verdict = "" if bound is None else ("met" if met else "MISSED")
            target = "(no target)" if bound is None else f"<= {bound:g}"
            ratio_lines.append(f"{label:<36} {value:>8.3f}  {target:<12} {verdict}")
            if met is False:
                missed.append(f"{label} = {value:.3f}, target <= {bound:g}")
            ratios.append(
                {"ratio": f"{top}/{bottom}", "value": value, "target_max": bound, "met": met}
            )
        results[name] = {
            "rows": counts[name],
            "contenders": {
                c.key: {
                    "label": c.label,
                    "command": c.argv,
                    "median_s": median[c.key],
                    "min_s": min(c.samples),
                    "max_s": max(c.samples),
                    "samples_s": c.samples,
                }
                for c in cs.values()
            },
            "ratios": ratios,
        }
    print(f"\n{'ratio of medians':<36} {'value':>8}  {'target':<12}")
    print("\n".join(ratio_lines))
    load_end = load_average()
    print(f"load average at the end {' '.join(map(str, load_end))}")
    if missed:
        print("targets missed:\n  " + "\n  ".join(missed))
    else:
        print("all targets met")
    if args.json:
        report = {
            "bench": "query_vs_floor",
            "started": started,
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "runs": args.runs,
            "root": str(ROOT),
            "kg": git_describe(),
            "quads": quads,
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "pyoxigraph": version("pyoxigraph"),
                "rdflib": version("rdflib"),
                "load_average_start": load_start,
                "load_average_end": load_end,
            },
            "queries": results,
            "missed": missed,
            "all_met": not missed,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
        print(f"wrote {args.json}")
    return 1 if missed else 0


def make_contenders(base_env: dict[str, str], cache: Path) -> dict[str, Contender]:
    cold = {**base_env, "KG_CACHE_DIR": ""}
    warm = {**base_env, "KG_CACHE_DIR": str(cache)}
    return {
        "cold": Contender("cold", "kg query, cold (KG_CACHE_DIR= : cache off)", cold),
        "warm": Contender("warm", "kg query, warm (cache filled by one run)", warm),
        "pyoxigraph": Contender("pyoxigraph", "floor: bench/floor_pyoxigraph.py", base_env),
        "rdflib": Contender("rdflib", "peer: bench/floor_rdflib.py", base_env),
    }


def argv_for(key: str, name: str, path: Path, graph: Path) -> list[str]:
    if key in ("cold", "warm"):
        return [*KG, "query", name, "--format", "json"]
    return [sys.executable, str(HERE / f"floor_{key}.py"), str(graph), str(path)]


def main() -> int:
    args = parse_args()
    # SIGTERM ends the run like Ctrl-C: the temporary files are removed on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    workdir = Path(tempfile.mkdtemp(prefix="kg-bench-floor-"))
    try:
        return measure(args, workdir)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 2
    except Exception as error:  # a bench bug or a broken environment: still one line, exit 2
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
