"""`kg validate` after a one-claim edit (incremental) against `kg validate --full`, on a
synthetic tree, in one run: the target of issue 14 is under 10 s at 2.5x10^5 triples, with
the same report as the full run, byte for byte.

Usage:
    .venv/bin/python bench/validate_incremental.py                      # 2.5e5 triples
    .venv/bin/python bench/validate_incremental.py --triples 1e4 --json /tmp/inc.json
    .venv/bin/python bench/validate_incremental.py --tree /tmp/kg-2.5e5  # a generated tree

Steps, each a fresh `kg` process timed wall-clock with its peak memory (a private cache):
1. seed: `kg validate --full` on the untouched tree (the run the next starts from);
2. for each edit (a quote changed to other words of the text, keeping the tree conforming; then
   a quote no longer verbatim, breaking it): apply it, `kg validate` (incremental), then
   `kg validate --full`; the two reports (text) must be identical, and the incremental run must
   say it checked only what changed.
Exit 0 when every incremental run is under the target and matches, 1 when one is not, 2 on error.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
KG = [sys.executable, "-m", "kg"]
TARGET_SECONDS = 10.0
QUOTE = re.compile(r'^(claim:\S+)\n    kgv:quote "([^"]+)" ;$', re.MULTILINE)


def run(tree: Path, cache: Path, *args: str) -> tuple[float, int, str, str]:
    """(seconds, peak kilobytes, stdout, stderr) of one `kg --root TREE validate ARGS`."""
    env = {**os.environ, "KG_CACHE_DIR": str(cache)}
    command = ["/usr/bin/time", "-f", "%M", *KG, "--root", str(tree), "validate", *args]
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO)
    seconds = time.perf_counter() - began
    if done.returncode not in (0, 1):
        raise SystemExit(f"kg validate {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    *said, peak = done.stderr.rstrip("\n").split("\n")
    return seconds, int(peak), done.stdout, "\n".join(said)


def edits(tree: Path) -> list[tuple[str, Path, str, str]]:
    """Two one-claim edits of the first part file: a quote that is a prefix of a longer quote
    of another claim becomes that longer quote (still verbatim, still naming its objects); then
    that claim's quote loses a word (no longer verbatim)."""
    part = sorted((tree / "data").glob("part-*.trig"))[0]
    text = part.read_text(encoding="utf-8")
    quotes = QUOTE.findall(text)
    for claim, quote in quotes:
        longer = next((q for _, q in quotes if q.startswith(quote + " ")), None)
        if longer:
            old = f'{claim}\n    kgv:quote "{quote}" ;'
            return [
                (
                    "a quote changed to other words of the text (conforms)",
                    part,
                    old,
                    old.replace(quote, longer),
                ),
                (
                    "a quote no longer verbatim (a violation)",
                    part,
                    old.replace(quote, longer),
                    old.replace(quote, longer.replace(" ", "  X ", 1)),
                ),
            ]
    raise SystemExit(f"{part}: no quote that another extends; generate another tree")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", default="2.5e5", help="size of the generated tree")
    parser.add_argument("--tree", type=Path, help="a generated tree to copy instead")
    parser.add_argument("--json", type=Path, help="write the samples and the machine here")
    options = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="kg-bench-incremental-"))
    try:
        tree, cache = work / "tree", work / "cache"
        if options.tree:
            shutil.copytree(options.tree, tree)
        else:
            triples = str(int(float(options.triples)))
            subprocess.run(
                [
                    sys.executable,
                    str(HERE / "generate.py"),
                    "--triples",
                    triples,
                    "--out",
                    str(tree),
                ],
                check=True,
                capture_output=True,
            )
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        seed = run(tree, cache, "--full")
        print(f"seed: kg validate --full: {seed[0]:.1f} s, {seed[1] / 1024:.0f} MiB", flush=True)
        print(f"  {seed[2].splitlines()[-1]}")
        rows, failed = [], False
        for name, path, old, new in edits(tree):
            text = path.read_text(encoding="utf-8")
            assert old in text
            path.write_text(text.replace(old, new, 1), encoding="utf-8")
            fast = run(tree, cache, "--progress")
            full = run(tree, cache, "--full")
            incremental = "checking what changed since the last run" in fast[3]
            same = fast[2] == full[2]
            ok = incremental and same and fast[0] < TARGET_SECONDS
            failed |= not ok
            rows.append(
                {
                    "edit": name,
                    "incremental_seconds": round(fast[0], 2),
                    "incremental_peak_mib": round(fast[1] / 1024),
                    "full_seconds": round(full[0], 2),
                    "full_peak_mib": round(full[1] / 1024),
                    "ratio": round(fast[0] / full[0], 4),
                    "incremental": incremental,
                    "same_report": same,
                    "report": fast[2].splitlines()[-1],
                }
            )
            print(
                f"{name}: incremental {fast[0]:.1f} s ({fast[1] / 1024:.0f} MiB), full "
                f"{full[0]:.1f} s ({full[1] / 1024:.0f} MiB), ratio {fast[0] / full[0]:.3f}; "
                f"same report: {same}; incremental: {incremental}",
                flush=True,
            )
        print()
        print("| edit | incremental | full | incremental / full | same report |")
        print("|---|---|---|---|---|")
        for row in rows:
            print(
                f"| {row['edit']} | {row['incremental_seconds']:.1f} s, "
                f"{row['incremental_peak_mib']} MiB | {row['full_seconds']:.1f} s, "
                f"{row['full_peak_mib']} MiB | {row['ratio']:.3f} | {row['same_report']} |"
            )
        if options.json:
            commit = subprocess.run(
                ["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=REPO
            ).stdout.strip()
            options.json.write_text(
                json.dumps(
                    {
                        "started": started,
                        "finished": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                        "commit": commit,
                        "machine": {
                            "python": platform.python_version(),
                            "cpus": os.cpu_count(),
                            "load": os.getloadavg(),
                        },
                        "triples": seed[2].splitlines()[-1],
                        "seed_full_seconds": round(seed[0], 2),
                        "target_seconds": TARGET_SECONDS,
                        "edits": rows,
                    },
                    indent=2,
                )
                + "\n"
            )
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
