"""Benchmark: `kg query NAME` against a plain rdflib script running the same query on the same data.

Each run is a fresh process (what a user pays), the two alternate so machine noise hits both,
and the median of several runs is compared. Prints a table and the ratio kg / plain (<= 1.0 means
kg is no slower).

Usage: python bench/query_vs_rdflib.py [--runs 9] [QUERY ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Queries over asserted facts only, so the plain script (which derives no statements) gets the
# same rows.
DEFAULT_QUERIES = [
    "books",
    "astana-rounds",
    "organisations-and-roles",
    "people-linked",
    "timeline",
    "sources-by-publisher",
]


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("queries", nargs="*", default=DEFAULT_QUERIES)
    args = parser.parse_args()
    kg = [sys.executable, "-c", "from kg.cli import main; main()"]
    cache = tempfile.mkdtemp(prefix="kg-bench-cache-")
    warm_env = {**os.environ, "KG_CACHE_DIR": cache}
    cold_env = {**os.environ, "KG_CACHE_DIR": ""}  # cache off: parse the TriG every run
    print(
        f"{'query':<22} {'plain rdflib':>12} {'kg (cached)':>12} {'ratio':>6} "
        f"{'kg (no cache)':>13} {'ratio':>6}"
    )
    worst = 0.0
    for name in args.queries:
        query_file = ROOT / "queries" / f"{name}.rq"
        plain_cmd = [sys.executable, str(HERE / "plain_rdflib.py"), str(ROOT), str(query_file)]
        kg_cmd = [*kg, "--root", str(ROOT), "query", name, "--format", "tsv"]
        _, plain_rows = timed(plain_cmd, dict(os.environ))
        _, kg_rows = timed(kg_cmd, warm_env)  # also fills the cache
        if len(plain_rows.splitlines()) != len(kg_rows.splitlines()) - 1:  # kg adds a header
            sys.exit(f"{name}: kg and plain rdflib disagree on the number of rows")
        plain, warm, cold = [], [], []
        for _ in range(args.runs):
            plain.append(timed(plain_cmd, dict(os.environ))[0])
            warm.append(timed(kg_cmd, warm_env)[0])
            cold.append(timed(kg_cmd, cold_env)[0])
        p, w, c = (statistics.median(x) for x in (plain, warm, cold))
        worst = max(worst, w / p)
        print(
            f"{name:<22} {p * 1000:>10.0f}ms {w * 1000:>10.0f}ms {w / p:>6.2f} "
            f"{c * 1000:>11.0f}ms {c / p:>6.2f}"
        )
    print(f"worst ratio kg (cached) / plain rdflib: {worst:.2f} (target <= 1.00)")


if __name__ == "__main__":
    main()
