"""The benchmark suite behind `bench/run`: kg on each backend against its peers, by graph size.

For each size it generates a tree (`bench/generate.py`, cached by size, seed and the generator's
inputs), then measures, each sample a fresh process (wall-clock time; peak RSS from `wait4`):

- load: `kg --store oxigraph:S load` | `kg --store memory load` (cache off: Oxigraph parses the
  TriG, kg derives the statements, the N-Quads go into an in-memory Oxigraph store) |
  `oxigraph load` of the same quads (N-Quads; N-Triples too, shown as a note) | rdflib parsing
  the N-Triples file;
- each saved query: `kg --store oxigraph:S query` | `kg --store memory query` (cache off; and
  warm: kg's N-Quads cache filled by one `kg --store memory load`) | `oxigraph query` on its own
  store, with the same text (parameters' defaults written in as constants, as kg sends them) | a
  plain rdflib script;
- validate: `kg validate` (the tree's files) | a script calling `pyshacl.validate` with kg's
  options on the same graph (the N-Triples file) and the same shapes;
- export: `kg --store X export --format nt` per backend | `oxigraph dump` of the CLI's store.

The common file for the peers is kg's own N-Triples export of the tree (every triple kg loads,
derived `rdf:Statement`s included); `oxigraph load` gets the same quads as N-Quads (the default
graph plus one named graph per claim, as `kg load` writes them).

Every sample is bounded by a timeout (the table says "timeout" instead of hanging). A cell takes
`--runs` samples, fewer when they have already used `--budget` seconds; after a failure or a
timeout it takes no more, and a cell that timed out (or is predicted to, from the previous size)
is not run at larger sizes. The table gives medians, the number of samples, and the ratios the
issues' targets are about: issue 6's for the Oxigraph store against the oxigraph CLI and plain
rdflib, issue 12's for the memory store (cache off) against `oxigraph load` + `oxigraph query`
on the same file. The report also carries the committed measurements of the two other benches
(bench/results/*.json, from bench/query_vs_floor.py and bench/server_vs_oxigraph.py).
"""

# ruff: noqa: RUF001 -- the tables use the multiplication sign and the en dash on purpose

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BIN = REPO / ".venv" / "bin"

QUICK_QUERIES = ["books", "timeline", "counts-by-class", "claims-by-source"]
FULL_SIZES = "1e4,1e5,2.5e5,1e6,2.5e6"
QUICK_SIZES = "1e4,1e5"
TARGET_SIZE = 2_500_000  # load and query targets (issue 6)
VALIDATE_SIZE = 250_000  # validate target (issue 6)
MEMORY_SIZE = 250_000  # the memory store's target (issue 12): every query run up to this size
MEMORY_MAX = 3.0  # kg memory query / (oxigraph load + oxigraph query), at MEMORY_SIZE
RESULTS_DIR = HERE / "results"  # the other benches' committed measurements (--json)

TOOLS = {  # column -> heading
    "kg-ox": "kg oxigraph",
    "kg-mem": "kg memory",
    "kg-mem-warm": "kg memory, warm",
    "ox-cli": "oxigraph CLI",
    "peer": "plain rdflib / pyshacl",
}

# --- the peers: minimal scripts, written to the work folder and run as they are ---------------

RDFLIB_LOAD = '''\
"""Plain rdflib: parse the N-Triples file."""
import sys

from rdflib import Graph

graph = Graph()
graph.parse(sys.argv[1], format="nt")
print(len(graph))
'''

RDFLIB_QUERIES = '''\
"""Plain rdflib: parse the N-Triples file once, then run each query; one JSON line per query
(evaluation time, rows), flushed as it goes."""
import io
import json
import sys
import time

from rdflib import Graph, Variable
from rdflib.util import from_n3

graph = Graph()
graph.parse(sys.argv[1], format="nt")
began = time.perf_counter()
import rdflib.plugins.sparql  # noqa: E402,F401 -- the SPARQL engine, timed on its own

print(json.dumps({"sparql_import": time.perf_counter() - began}), flush=True)
for spec in json.loads(open(sys.argv[2], encoding="utf-8").read()):
    began = time.perf_counter()
    bindings = {Variable(k): from_n3(v) for k, v in spec["bindings"].items()}
    result = graph.query(spec["text"], initBindings=bindings)
    out = io.StringIO()
    if result.type == "ASK":
        rows = "true" if result.askAnswer else "false"
        out.write(rows)
    elif result.type == "SELECT":
        rows = 0
        for row in result:
            out.write("\\t".join("" if t is None else t.n3() for t in row) + "\\n")
            rows += 1
    else:
        rows = len(result.graph)
        out.write(result.graph.serialize(format="nt"))
    seconds = time.perf_counter() - began
    print(json.dumps({"query": spec["name"], "seconds": seconds, "rows": rows}), flush=True)
'''

PYSHACL_VALIDATE = '''\
"""pyshacl directly: the same graph (N-Triples), the same shapes, kg's options."""
import sys

from pyshacl import validate
from rdflib import Graph

data = Graph()
data.parse(sys.argv[1], format="nt")
shapes = Graph()
shapes.parse(sys.argv[2], format="turtle")
conforms, _, _ = validate(
    data,
    shacl_graph=shapes,
    inference="none",
    advanced=True,
    do_owl_imports=False,
    allow_warnings=False,
)
print(conforms)
'''


# --- running one process -----------------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    rss_mb: float | None
    status: str  # ok | timeout | error (rc N)
    detail: str = ""


def run_process(
    command: list[str],
    env: dict[str, str],
    timeout: float,
    stdout: Path | None = None,
    ok_codes: tuple[int, ...] = (0,),
) -> Sample:
    """Run a command as a fresh process; its wall time, peak RSS (its own `wait4` rusage) and
    status. On timeout its whole process group is killed."""
    out = stdout.open("wb") if stdout else subprocess.DEVNULL
    err_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"kg-bench-stderr-{os.getpid()}.txt"
    err = err_path.open("wb")
    waited: dict[str, object] = {}
    try:
        began = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, start_new_session=True)

        def wait() -> None:
            _, status, usage = os.wait4(process.pid, 0)
            waited["end"] = time.perf_counter()
            waited["status"], waited["usage"] = status, usage

        waiter = threading.Thread(target=wait, daemon=True)
        waiter.start()
        waiter.join(timeout)
        timed_out = waiter.is_alive()
        if timed_out:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the group this call started
            waiter.join()
        process.returncode = os.waitstatus_to_exitcode(waited["status"])
    finally:
        if stdout:
            out.close()
        err.close()
    usage = waited["usage"]
    seconds = waited["end"] - began
    rss = usage.ru_maxrss / 1024  # KiB on Linux
    if timed_out:
        return Sample(seconds, rss, "timeout", f"killed after {timeout:.0f} s")
    if process.returncode not in ok_codes:
        tail = err_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        return Sample(seconds, rss, f"error (rc {process.returncode})", " | ".join(tail)[:300])
    return Sample(seconds, rss, "ok")


# --- cells: one tool doing one operation at one size -------------------------------------------


@dataclass
class Cell:
    op: str  # load | query:NAME | queries (the rdflib script) | validate | export
    tool: str  # kg-ox | kg-mem | kg-mem-warm | ox-cli | ox-cli-nt | peer
    command: list[str]
    timeout: float
    stdout: Path | None = None
    env: dict[str, str] | None = None
    before: Callable[[], None] | None = None
    after: Callable[[Cell], None] | None = None
    ok_codes: tuple[int, ...] = (0,)
    warmups: int = 0
    samples: list[Sample] = field(default_factory=list)
    skipped: str | None = None
    rows: str | None = None
    note: str = ""
    extra: list = field(default_factory=list)

    def wants(self, runs: int, budget: float) -> bool:
        if self.skipped or any(s.status != "ok" for s in self.samples):
            return False
        spent = sum(s.seconds for s in self.samples)
        return not self.samples or (len(self.samples) < runs and spent < budget)

    def sample(self, env: dict[str, str]) -> Sample:
        if self.before:
            self.before()
        for _ in range(self.warmups):
            run_process(self.command, self.env or env, self.timeout, self.stdout, self.ok_codes)
        self.warmups = 0
        result = run_process(
            self.command, self.env or env, self.timeout, self.stdout, self.ok_codes
        )
        self.samples.append(result)
        if result.status == "ok" and self.after:
            self.after(self)
        return result

    @property
    def ok(self) -> list[float]:
        return [s.seconds for s in self.samples if s.status == "ok"]

    @property
    def median(self) -> float | None:
        return statistics.median(self.ok) if self.ok else None

    @property
    def rss(self) -> float | None:
        values = [s.rss_mb for s in self.samples if s.rss_mb is not None and s.status == "ok"]
        return max(values) if values else None

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        if self.ok:
            return "ok"
        return self.samples[-1].status if self.samples else "not run"

    def to_json(self) -> dict:
        return {
            "op": self.op,
            "tool": self.tool,
            "command": [str(c) for c in self.command],
            "samples": [s.__dict__ for s in self.samples],
            "median": self.median,
            "rss_mb": self.rss,
            "status": self.status,
            "skipped": self.skipped,
            "rows": self.rows,
            "note": self.note,
            "extra": self.extra,
        }


# --- helpers -----------------------------------------------------------------------------------


def parse_size(text: str) -> int:
    return int(float(text.replace("_", "")))


def size_label(n: int) -> str:
    exponent = math.floor(math.log10(n))
    mantissa = n / 10**exponent
    return f"{mantissa:g}e{exponent}"


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds >= 100:
        return f"{seconds:.0f} s"
    if seconds >= 10:
        return f"{seconds:.1f} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.0f} ms"


def fmt_ratio(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()


def inputs_digest() -> str:
    """What a generated tree depends on besides size and seed: the generator and the files it
    copies (ontology/, queries/) and the namespaces it reads."""
    digest = hashlib.sha256()
    files = [HERE / "generate.py", REPO / "kg" / "namespaces.py", REPO / "kg" / "iris.py"]
    files += sorted((REPO / "ontology").rglob("*")) + sorted((REPO / "queries").rglob("*"))
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:10]


def ensure_tree(work: Path, n: int, seed: int, python: str) -> tuple[Path, str]:
    tree = work / "trees" / f"n{n}-seed{seed}-{inputs_digest()}"
    done = tree / ".bench-complete"
    if done.is_file():
        return tree, done.read_text(encoding="utf-8").strip() + " (cached)"
    remove(tree)
    tree.mkdir(parents=True)
    output = subprocess.run(
        [
            python,
            str(HERE / "generate.py"),
            "--triples",
            str(n),
            "--out",
            str(tree),
            "--seed",
            str(seed),
            "--force",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    done.write_text(output + "\n", encoding="utf-8")
    return tree, output


def cli_text(text: str, bindings: dict) -> str:
    """The query as `oxigraph query` gets it: the parameters written in as constants, as kg
    sends them to Oxigraph, or as a VALUES block where a constant is not syntax."""
    import pyoxigraph

    from kg.iris import PREFIXES
    from kg.store.binding import inline_values, with_constants

    constants = with_constants(text, bindings)
    try:
        pyoxigraph.Store().query(constants, prefixes=dict(PREFIXES))
    except SyntaxError:
        return inline_values(text, bindings)
    return constants


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def rows_of(path: Path, form: str, header: bool) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    if form == "ASK":
        return text.strip().lower()
    lines = [line for line in text.splitlines() if line.strip()]
    if form == "SELECT" and header:
        return str(max(len(lines) - 1, 0))
    return str(len(lines))


def command_text(command: list[str]) -> str:
    return " ".join(str(c) for c in command)


# --- the suite ---------------------------------------------------------------------------------


@dataclass
class Settings:
    sizes: list[int]
    runs: int
    budget: float
    timeout: float
    load_timeout: float
    seed: int
    queries: list[str] | None
    validate_max: int
    mem_all_queries_max_load: float
    mem_queries_max_load: float
    mem_export_max_load: float
    warm_max_load: float
    work: Path
    out: Path
    quick: bool
    keep: bool
    notes: list[str]
    memory: bool = True


class Suite:
    def __init__(self, settings: Settings) -> None:
        self.s = settings
        self.python = sys.executable
        kg = BIN / "kg"
        self.kg = (
            [str(kg)] if kg.is_file() else [self.python, "-c", "from kg.cli import main; main()"]
        )
        oxigraph = BIN / "oxigraph"
        self.oxigraph = str(oxigraph) if oxigraph.is_file() else shutil.which("oxigraph")
        if not self.oxigraph:
            sys.exit("bench/run: the oxigraph CLI is missing; pip install 'kg-kassis[test]'")
        self.env = {k: v for k, v in os.environ.items() if k not in ("KG_STORE", "KG_ROOT")}
        self.env["KG_CACHE_DIR"] = ""  # cache off, unless a cell says otherwise
        self.run_dir = settings.work / f"run-{dt.datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}"
        self.run_dir.mkdir(parents=True)
        self.peers = self.run_dir / "peers"
        self.peers.mkdir()
        for name, text in (
            ("rdflib_load.py", RDFLIB_LOAD),
            ("rdflib_queries.py", RDFLIB_QUERIES),
            ("pyshacl_validate.py", PYSHACL_VALIDATE),
        ):
            (self.peers / name).write_text(text, encoding="utf-8")
        self.history: dict[tuple[str, str], tuple[int, float | None, str]] = {}
        self.results: list[dict] = []
        self.began = time.perf_counter()

    # -- logging

    def log(self, text: str) -> None:
        elapsed = time.perf_counter() - self.began
        print(f"[{elapsed:7.1f} s] {text}", file=sys.stderr, flush=True)

    # -- cell scheduling

    def predicted_skip(self, cell: Cell, n: int) -> str | None:
        """Skip a cell that timed out at a smaller size, or would by linear extrapolation."""
        previous = self.history.get((cell.op, cell.tool))
        if not previous:
            return None
        size, median, status = previous
        if status == "timeout":
            return f"timed out at {size_label(size)}"
        if status == "skipped-timeout":
            return "skipped at a smaller size"
        if median is not None:
            guess = median * n / size
            if guess > cell.timeout:
                return f"≈{fmt_s(guess)} predicted > {fmt_s(cell.timeout)} timeout"
        return None

    def rounds(self, cells: list[Cell], n: int, label: str) -> None:
        for cell in cells:
            if not cell.skipped:
                cell.skipped = self.predicted_skip(cell, n)
        for round_no in range(self.s.runs):
            todo = [c for c in cells if c.wants(self.s.runs, self.s.budget)]
            if not todo:
                break
            for cell in todo:
                result = cell.sample(self.env)
                self.log(
                    f"{size_label(n)} {label} round {round_no + 1}: {cell.op} {cell.tool} "
                    f"{result.status} {fmt_s(result.seconds)} {result.rss_mb or 0:.0f} MB"
                    + (f" — {result.detail}" if result.detail else "")
                )

    def remember(self, cells: list[Cell], n: int) -> None:
        for cell in cells:
            status = cell.status
            if cell.skipped and ("timed out" in cell.skipped or "predicted" in cell.skipped):
                status = "skipped-timeout"
            if status in ("ok", "timeout", "skipped-timeout"):
                self.history[(cell.op, cell.tool)] = (n, cell.median, status)

    # -- one size

    def measure_size(self, n: int) -> dict:
        s = self.s
        tree, generated = ensure_tree(s.work, n, s.seed, self.python)
        self.log(f"{size_label(n)}: tree {tree} — {generated}")
        here = self.run_dir / f"n{n}"
        here.mkdir()
        store, cli_store, cli_store_nt = (
            here / "kg.oxigraph",
            here / "cli.oxigraph",
            here / "cli-nt.oxigraph",
        )
        nt, nq = here / "graph.nt", here / "graph.nq"
        kg_root = [*self.kg, "--root", str(tree)]
        kg_ox = [*kg_root, "--store", f"oxigraph:{store}"]
        kg_mem = [*kg_root, "--store", "memory"]
        cells: list[Cell] = []
        notes: list[str] = []
        record = {
            "n": n,
            "label": size_label(n),
            "tree": str(tree),
            "generated": generated,
            "cells": [],
            "notes": notes,
        }

        # 1. kg load into Oxigraph (also the store every kg-ox cell reads), then kg's export
        #    from it: the common N-Triples file; the same quads as N-Quads for `oxigraph load`.
        load_ox = Cell(
            "load", "kg-ox", [*kg_ox, "load"], s.load_timeout, before=lambda: remove(store)
        )
        export_ox = Cell(
            "export",
            "kg-ox",
            [*kg_ox, "export", "--format", "nt"],
            s.timeout,
            stdout=here / "export-kg-ox.nt",
        )
        cells += [load_ox, export_ox]
        load_ox.skipped = self.predicted_skip(load_ox, n)
        if not load_ox.skipped:
            load_ox.sample(self.env)
            self.log(
                f"{size_label(n)} kg load (oxigraph): {load_ox.status} {fmt_s(load_ox.median)}"
            )
        if load_ox.ok:
            export_ox.sample(self.env)
        if export_ox.ok:
            shutil.copyfile(export_ox.stdout, nt)
        else:  # no Oxigraph store: the memory backend writes the common file
            notes.append(
                "kg load (oxigraph) failed: the common file comes from `kg --store memory export`"
            )
            fallback = run_process(
                [*kg_mem, "export", "--format", "nt"], self.env, s.load_timeout, nt
            )
            if fallback.status != "ok":
                notes.append(f"no common file either ({fallback.status}): size abandoned")
                record["cells"] = [c.to_json() for c in cells]
                return record
        record["triples"] = triples = count_lines(nt)
        self.log(f"{size_label(n)}: common file {nt.name}: {triples:,} triples")
        if load_ox.ok:
            subprocess.run(
                [self.oxigraph, "dump", "--location", str(store), "--file", str(nq)],
                check=True,
                capture_output=True,
            )
        else:
            nq = nt
            notes.append("`oxigraph load` got the N-Triples file (no N-Quads without kg's store)")

        # 2. load
        load_mem = Cell("load", "kg-mem", [*kg_mem, "load"], s.timeout)
        if not s.memory:
            load_mem.skipped = "--no-memory"
        load_cli = Cell(
            "load",
            "ox-cli",
            [self.oxigraph, "load", "--location", str(cli_store), "--file", str(nq)],
            s.load_timeout,
            before=lambda: remove(cli_store),
        )
        load_cli_nt = Cell(
            "load",
            "ox-cli-nt",
            [self.oxigraph, "load", "--location", str(cli_store_nt), "--file", str(nt)],
            s.load_timeout,
            before=lambda: remove(cli_store_nt),
        )
        load_rdflib = Cell(
            "load", "peer", [self.python, str(self.peers / "rdflib_load.py"), str(nt)], s.timeout
        )
        load_cells = [load_ox, load_mem, load_cli, load_cli_nt, load_rdflib]
        cells += [load_mem, load_cli, load_cli_nt, load_rdflib]
        self.rounds(load_cells, n, "load")
        remove(cli_store_nt)

        # 3. queries
        cells += self.query_cells(
            n, tree, here, kg_ox, kg_mem, cli_store, nt, load_mem, load_rdflib, notes
        )

        # 4. validate
        if n <= s.validate_max and s.memory:
            validate_kg = Cell(
                "validate",
                "kg-mem",
                [*kg_mem, "validate"],
                s.timeout,
                ok_codes=(0, 1),
                stdout=here / "validate-kg.txt",
            )
            validate_peer = Cell(
                "validate",
                "peer",
                [
                    self.python,
                    str(self.peers / "pyshacl_validate.py"),
                    str(nt),
                    str(tree / "ontology" / "shapes.ttl"),
                ],
                s.timeout,
                stdout=here / "validate-pyshacl.txt",
            )
            self.rounds([validate_kg, validate_peer], n, "validate")
            for cell in (validate_kg, validate_peer):
                if cell.ok and cell.stdout.is_file():
                    cell.rows = cell.stdout.read_text(encoding="utf-8").strip().splitlines()[0][:60]
            cells += [validate_kg, validate_peer]
        elif not s.memory:
            notes.append("validate not run: --no-memory (kg validate reads the memory backend)")
        else:
            notes.append(f"validate not run above {s.validate_max:,} triples (--validate-max)")

        # 5. export
        export_mem = Cell(
            "export",
            "kg-mem",
            [*kg_mem, "export", "--format", "nt"],
            s.timeout,
            stdout=here / "export-kg-mem.nt",
        )
        limit = s.mem_export_max_load
        if load_mem.median is None or load_mem.median > limit:
            export_mem.skipped = (
                f"kg memory load {fmt_s(load_mem.median)} > {fmt_s(limit)}"
                if load_mem.median
                else f"kg memory load {load_mem.status}"
            )
        dump_cli = Cell(
            "export",
            "ox-cli",
            [
                self.oxigraph,
                "dump",
                "--location",
                str(cli_store),
                "--graph",
                "default",
                "--format",
                "nt",
            ],
            s.timeout,
            stdout=here / "export-cli.nt",
        )
        export_cells = [export_ox, export_mem, dump_cli]
        cells += [export_mem, dump_cli]
        self.rounds(export_cells, n, "export")
        for cell in export_cells:
            if cell.ok and cell.stdout.is_file():
                cell.rows = str(count_lines(cell.stdout))
        if export_mem.ok and export_ox.ok:
            same = _sha(export_mem.stdout) == _sha(export_ox.stdout)
            export_mem.note = "same bytes as kg oxigraph" if same else "DIFFERS from kg oxigraph"
            if not same:
                notes.append("kg export differs between the memory and the oxigraph backends")

        self.remember(cells, n)
        record["cells"] = [c.to_json() for c in cells]
        if not s.keep:
            remove(here)
        return record

    def query_cells(
        self, n, tree, here, kg_ox, kg_mem, cli_store, nt, load_mem, load_rdflib, notes
    ) -> list[Cell]:
        s = self.s
        sys.path.insert(0, str(REPO))
        from kg import queries as kgq
        from kg.store.binding import with_prefixes
        from kg.tree import find_tree

        kg_tree = find_tree(tree)
        names = s.queries or [q.name for q in kgq.list_queries(kg_tree)]
        specs, cells, by_name = [], [], {}
        qdir = here / "queries"
        qdir.mkdir()
        mem_load = load_mem.median
        if mem_load is None:
            mem_names: list[str] = []
            mem_why = f"kg memory load {load_mem.status}"
        elif n <= MEMORY_SIZE * 1.1 or mem_load <= s.mem_all_queries_max_load:
            mem_names, mem_why = names, ""  # issue 12's target is about every query
        elif mem_load <= s.mem_queries_max_load:
            mem_names = [q for q in names if q in QUICK_QUERIES]
            mem_why = (
                f"kg memory load {fmt_s(mem_load)} > {fmt_s(s.mem_all_queries_max_load)}: "
                "each memory query pays it, so only " + ", ".join(QUICK_QUERIES)
            )
        else:
            mem_names = []
            mem_why = (
                f"kg memory load {fmt_s(mem_load)} > {fmt_s(s.mem_queries_max_load)}: "
                "each memory query would pay it"
            )
        if mem_why:
            notes.append(mem_why)
        # warm: kg's content-keyed cache of the memory store's N-Quads, filled once here
        warm_ok = mem_load is not None and mem_load <= s.warm_max_load
        cache_env = None
        if warm_ok:
            cache_env = {**self.env, "KG_CACHE_DIR": str(here / "kg-cache")}
            filled = run_process([*kg_mem, "load"], cache_env, s.timeout)
            if filled.status != "ok":
                warm_ok = False
                notes.append(f"kg memory warm cells not run: filling the cache: {filled.status}")
        for name in names:
            saved = kgq.get_query(kg_tree, name)
            form = saved.form
            bindings = kgq.bind(saved, {})
            cli_file = qdir / f"{name}.rq"
            cli_file.write_text(with_prefixes(cli_text(saved.text, bindings)), encoding="utf-8")
            specs.append(
                {
                    "name": name,
                    "text": with_prefixes(saved.text),
                    "bindings": {k: str(v) for k, v in bindings.items()},  # N-Triples
                }
            )
            kg_format = [] if form == "ASK" else ["--format", "nt" if form != "SELECT" else "tsv"]
            cli_format = {"SELECT": "tsv", "ASK": "tsv"}.get(form, "nt")
            ok = (0, 1) if form == "ASK" else (0,)
            op = f"query:{name}"

            def after(cell: Cell, form=form, header=True) -> None:
                cell.rows = rows_of(cell.stdout, form, header)

            row = {
                "kg-ox": Cell(
                    op,
                    "kg-ox",
                    [*kg_ox, "query", name, *kg_format],
                    s.timeout,
                    stdout=here / f"q-{name}-kg-ox.out",
                    ok_codes=ok,
                    after=after,
                ),
                "ox-cli": Cell(
                    op,
                    "ox-cli",
                    [
                        self.oxigraph,
                        "query",
                        "--location",
                        str(cli_store),
                        "--query-file",
                        str(cli_file),
                        "--results-format",
                        cli_format,
                    ],
                    s.timeout,
                    stdout=here / f"q-{name}-cli.out",
                    after=after,
                ),
            }
            if name in mem_names:
                row["kg-mem"] = Cell(
                    op,
                    "kg-mem",
                    [*kg_mem, "query", name, *kg_format],
                    s.timeout,
                    stdout=here / f"q-{name}-kg-mem.out",
                    ok_codes=ok,
                    after=after,
                )
            if warm_ok and name in mem_names:
                row["kg-mem-warm"] = Cell(
                    op,
                    "kg-mem-warm",
                    [*kg_mem, "query", name, *kg_format],
                    s.timeout,
                    stdout=here / f"q-{name}-kg-mem-warm.out",
                    ok_codes=ok,
                    env=cache_env,
                    after=after,
                )
            by_name[name] = row
            cells += row.values()
        spec_file = qdir / "specs.json"
        spec_file.write_text(json.dumps(specs), encoding="utf-8")

        def after_rdflib(cell: Cell) -> None:
            lines = [
                json.loads(x)
                for x in cell.stdout.read_text(encoding="utf-8").splitlines()
                if x.strip()
            ]
            cell.extra.append(lines)

        rdflib = Cell(
            "queries",
            "peer",
            [self.python, str(self.peers / "rdflib_queries.py"), str(nt), str(spec_file)],
            2 * s.timeout,  # one process for all the queries
            stdout=here / "q-rdflib.jsonl",
            after=after_rdflib,
        )
        flat = [c for row in by_name.values() for c in row.values()]
        self.rounds([*flat, rdflib], n, "queries")
        if rdflib.samples and not rdflib.ok and rdflib.stdout.is_file():
            after_rdflib(rdflib)  # a timed-out run still says which queries it finished
        # per query: the plain script's evaluation time and what a fresh script would pay
        # (start-up, import and parse, from the load row, + SPARQL import + this query)
        for name, row in by_name.items():
            evals, rows = [], None
            sparql_imports = []
            for lines in rdflib.extra:
                for line in lines:
                    if "sparql_import" in line:
                        sparql_imports.append(line["sparql_import"])
                    elif line.get("query") == name:
                        evals.append(line["seconds"])
                        rows = str(line["rows"]).lower()
            peer = Cell(f"query:{name}", "peer", rdflib.command, rdflib.timeout)
            if evals and load_rdflib.median is not None:
                evaluation = statistics.median(evals)
                fresh = load_rdflib.median + statistics.median(sparql_imports) + evaluation
                peer.samples = [Sample(fresh, rdflib.rss, "ok")]
                peer.extra = [
                    {
                        "eval_median": evaluation,
                        "evals": evals,
                        "fresh_estimate": fresh,
                        "samples": len(evals),
                    }
                ]
                peer.rows = rows
            else:
                peer.samples = [
                    Sample(0.0, None, rdflib.status if rdflib.status != "ok" else "not reached")
                ]
            row["peer"] = peer
            cells.append(peer)
            counts = {tool: c.rows for tool, c in row.items() if c.rows is not None}
            if len(set(counts.values())) > 1:
                notes.append(
                    f"{name}: row counts disagree: "
                    + ", ".join(f"{TOOLS.get(t, t)} {v}" for t, v in counts.items())
                )
        cells.append(rdflib)
        return cells

    # -- the whole run

    def run(self) -> dict:
        started = dt.datetime.now().astimezone()
        machine = machine_details()
        machine["load_average_start"] = os.getloadavg()
        code = code_digest()
        for n in self.s.sizes:
            self.results.append(self.measure_size(n))
            if code_digest() != code:  # others work in the tree: say so rather than mix versions
                code = code_digest()
                self.results[-1]["notes"].append(
                    "**kg's code (kg/, bench/generate.py) changed while this size was measured**: "
                    "its numbers may mix two versions"
                )
                self.log(f"{size_label(n)}: kg's code changed during the measurement")
        machine["load_average_end"] = os.getloadavg()
        machine["kg_commit_end"] = machine_details()["kg_commit"]
        total = time.perf_counter() - self.began
        report = {
            "started": started.isoformat(timespec="seconds"),
            "total_seconds": total,
            "argv": sys.argv[1:],
            "settings": {
                k: (str(v) if isinstance(v, Path) else v) for k, v in self.s.__dict__.items()
            },
            "machine": machine,
            "sizes": self.results,
        }
        raw = self.run_dir / "results.json"
        raw.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
        report["raw"] = str(raw)
        return report


def code_digest() -> str:
    digest = hashlib.sha256()
    for path in [*sorted((REPO / "kg").rglob("*.py")), HERE / "generate.py"]:
        digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _sha(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- the machine -------------------------------------------------------------------------------


def machine_details() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    def read(path: str) -> str:
        try:
            return Path(path).read_text(encoding="utf-8")
        except OSError:
            return ""

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    memory = next(
        (
            line.split(":", 1)[1].strip()
            for line in read("/proc/meminfo").splitlines()
            if line.startswith("MemTotal")
        ),
        "unknown",
    )
    versions = {}
    for package in ("kg-kassis", "rdflib", "pyshacl", "pyoxigraph", "oxigraph", "matplotlib"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    oxigraph = BIN / "oxigraph"
    try:
        cli = subprocess.run(
            [str(oxigraph if oxigraph.is_file() else "oxigraph"), "--version"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        cli = "unknown"

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    dirty = git("status", "--porcelain", "--", "kg")
    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory": memory,
        "kernel": platform.release(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "oxigraph_cli": cli,
        "kg_commit": (git("rev-parse", "--short", "HEAD") or "unknown")
        + (" + uncommitted changes in kg/" if dirty else ""),
    }


# --- the report ----------------------------------------------------------------------------------


def cells_of(size: dict) -> dict[tuple[str, str], dict]:
    return {(c["op"], c["tool"]): c for c in size["cells"]}


def cell_text(cell: dict | None, with_n: bool = True) -> str:
    if cell is None:
        return "–"
    if cell["status"] == "skipped":
        return f"skipped ({cell['skipped'] or 'it timed out at a smaller size'})"
    if cell["median"] is None:
        return cell["status"]
    n = sum(1 for s in cell["samples"] if s["status"] == "ok")
    text = fmt_s(cell["median"])
    if with_n:
        text += f" ×{n}"
    if any(s["status"] == "timeout" for s in cell["samples"]):
        text += " (then timeout)"
    return text


def ratio(a: dict | None, b: dict | None) -> float | None:
    if not a or not b or a.get("median") is None or b.get("median") is None or not b["median"]:
        return None
    return a["median"] / b["median"]


def validate_bound(cells: dict) -> float | None:
    """kg validate / pyshacl when pyshacl was killed at its timeout and kg finished: the ratio
    is below kg's time over the time pyshacl had had."""
    kg, peer = cells.get(("validate", "kg-mem")), cells.get(("validate", "peer"))
    if not kg or kg.get("median") is None or not peer or peer.get("median") is not None:
        return None
    killed = [s["seconds"] for s in peer["samples"] if s["status"] == "timeout"]
    return kg["median"] / max(killed) if killed else None


def memory_floor(cells: dict, name: str) -> float | None:
    """What the Oxigraph CLI pays for the same answer from the same file: `oxigraph load` of the
    N-Quads (median) + `oxigraph query` of this query (median), two fresh processes."""
    load = (cells.get(("load", "ox-cli")) or {}).get("median")
    query = (cells.get((f"query:{name}", "ox-cli")) or {}).get("median")
    return None if load is None or query is None else load + query


def memory_ratio(cells: dict, name: str) -> float | None:
    """Issue 12's ratio: kg memory query (cache off) / (oxigraph load + oxigraph query)."""
    mem = (cells.get((f"query:{name}", "kg-mem")) or {}).get("median")
    floor = memory_floor(cells, name)
    return None if mem is None or not floor else mem / floor


def query_names(size: dict) -> list[str]:
    seen = []
    for cell in size["cells"]:
        if cell["op"].startswith("query:") and cell["op"][6:] not in seen:
            seen.append(cell["op"][6:])
    return seen


def size_table(size: dict) -> list[str]:
    cells = cells_of(size)
    head = (
        "| operation | kg oxigraph | kg memory | oxigraph CLI | plain rdflib / pyshacl "
        "| kg-ox / CLI | peer / kg-ox | kg-mem / CLI load + query | rows, checks |"
    )
    lines = [head, "|" + "---|" * 9]
    load = {t: cells.get(("load", t)) for t in ("kg-ox", "kg-mem", "ox-cli", "ox-cli-nt", "peer")}
    cli_text = cell_text(load["ox-cli"])
    if load["ox-cli-nt"] and load["ox-cli-nt"]["median"] is not None:
        cli_text += f" (N-Triples only: {fmt_s(load['ox-cli-nt']['median'])})"
    lines.append(
        f"| load | {cell_text(load['kg-ox'])} | {cell_text(load['kg-mem'])} | {cli_text} "
        f"| {cell_text(load['peer'])} | **{fmt_ratio(ratio(load['kg-ox'], load['ox-cli']))}** "
        f"| {fmt_ratio(ratio(load['peer'], load['kg-ox']))} "
        f"| {fmt_ratio(ratio(load['kg-mem'], load['ox-cli']))} (kg-mem / CLI load) | |"
    )
    for name in query_names(size):
        op = f"query:{name}"
        ox, mem, warm = (
            cells.get((op, "kg-ox")),
            cells.get((op, "kg-mem")),
            cells.get((op, "kg-mem-warm")),
        )
        cli, peer = cells.get((op, "ox-cli")), cells.get((op, "peer"))
        mem_text = cell_text(mem) if mem else "not run"
        if warm and warm["median"] is not None:
            mem_text += f"; warm {fmt_s(warm['median'])}"
        mem_ratio = memory_ratio(cells, name)
        mem_ratio_text = (
            "–"
            if mem_ratio is None
            else f"**{fmt_ratio(mem_ratio)}**" + ("" if mem_ratio <= MEMORY_MAX else " ✗")
        )
        peer_text = cell_text(peer, with_n=False)
        if peer and peer["extra"]:
            peer_text += f" (query alone {fmt_s(peer['extra'][0]['eval_median'])})"
        rows = {
            t: c["rows"]
            for t, c in (
                (t, cells.get((op, t)))
                for t in ("kg-ox", "ox-cli", "kg-mem", "kg-mem-warm", "peer")
            )
            if c and c["rows"] is not None
        }
        if len(set(rows.values())) == 1:
            only = next(iter(rows.values()), "")
            row_text = (
                f"{only}{'' if only in ('true', 'false') else ' rows'}, all agree" if rows else ""
            )
        else:
            row_text = "**MISMATCH** " + ", ".join(
                f"{TOOLS.get(t, t)} {v}" for t, v in rows.items()
            )
        lines.append(
            f"| query {name} | {cell_text(ox)} | {mem_text} | {cell_text(cli)} | {peer_text} "
            f"| **{fmt_ratio(ratio(ox, cli))}** | **{fmt_ratio(ratio(peer, ox))}** "
            f"| {mem_ratio_text} | {row_text} |"
        )
    validate_kg, validate_peer = cells.get(("validate", "kg-mem")), cells.get(("validate", "peer"))
    if validate_kg or validate_peer:
        verdicts = "; ".join(
            f"{who}: {c['rows']}"
            for who, c in (("kg", validate_kg), ("pyshacl", validate_peer))
            if c and c["rows"]
        )
        lines.append(
            f"| validate | – | {cell_text(validate_kg)} | – | {cell_text(validate_peer)} (pyshacl) "
            f"| – | kg / pyshacl **{validate_text(cells)}** | – "
            f"| {verdicts} |"
        )
    export = {t: cells.get(("export", t)) for t in ("kg-ox", "kg-mem", "ox-cli")}
    check = (export["kg-mem"] or {}).get("note") or ""
    lines.append(
        f"| export nt | {cell_text(export['kg-ox'])} | {cell_text(export['kg-mem'])} "
        f"| {cell_text(export['ox-cli'])} (dump) | – "
        f"| {fmt_ratio(ratio(export['kg-ox'], export['ox-cli']))} "
        f"| – | {fmt_ratio(ratio(export['kg-mem'], export['ox-cli']))} (kg-mem / dump) "
        f"| {check} |"
    )
    return lines


def validate_text(cells: dict) -> str:
    value = ratio(cells.get(("validate", "kg-mem")), cells.get(("validate", "peer")))
    below = validate_bound(cells)
    return f"< {fmt_ratio(below)}" if value is None and below is not None else fmt_ratio(value)


def memory_table(size: dict) -> list[str]:
    cells = cells_of(size)

    def mb(op: str, tool: str) -> str:
        cell = cells.get((op, tool))
        return f"{cell['rss_mb']:,.0f}" if cell and cell.get("rss_mb") else "–"

    lines = [
        "| peak RSS (MB) | kg oxigraph | kg memory | oxigraph CLI | plain rdflib / pyshacl |",
        "|---|---|---|---|---|",
    ]
    lines.append(
        f"| load | {mb('load', 'kg-ox')} | {mb('load', 'kg-mem')} | {mb('load', 'ox-cli')} "
        f"| {mb('load', 'peer')} |"
    )
    names = query_names(size)
    if names:

        def worst(tool: str) -> str:
            values = [
                cells[(f"query:{q}", tool)]["rss_mb"]
                for q in names
                if (f"query:{q}", tool) in cells and cells[(f"query:{q}", tool)].get("rss_mb")
            ]
            return f"{max(values):,.0f}" if values else "–"

        lines.append(
            f"| queries (largest) | {worst('kg-ox')} | {worst('kg-mem')} | {worst('ox-cli')} "
            f"| {mb('queries', 'peer')} (one process, all queries) |"
        )
    if ("validate", "kg-mem") in cells:
        lines.append(
            f"| validate | – | {mb('validate', 'kg-mem')} | – | {mb('validate', 'peer')} |"
        )
    lines.append(
        f"| export nt | {mb('export', 'kg-ox')} | {mb('export', 'kg-mem')} "
        f"| {mb('export', 'ox-cli')} | – |"
    )
    return lines


def size_ratios(size: dict) -> dict:
    cells = cells_of(size)
    out: dict = {"n": size.get("triples") or size["n"], "label": size["label"]}
    out["load"] = ratio(cells.get(("load", "kg-ox")), cells.get(("load", "ox-cli")))
    out["load_kg"] = (cells.get(("load", "kg-ox")) or {}).get("median")
    out["load_mem"] = (cells.get(("load", "kg-mem")) or {}).get("median")
    out["load_cli"] = (cells.get(("load", "ox-cli")) or {}).get("median")
    per_query = {}
    for name in query_names(size):
        op = f"query:{name}"
        ox = cells.get((op, "kg-ox"))
        per_query[name] = {
            "kg": (ox or {}).get("median"),
            "cli": (cells.get((op, "ox-cli")) or {}).get("median"),
            "kg_cli": ratio(ox, cells.get((op, "ox-cli"))),
            "rdflib_kg": ratio(cells.get((op, "peer")), ox),
            "eval_kg": (cells[(op, "peer")]["extra"][0]["eval_median"] / ox["median"])
            if cells.get((op, "peer")) and cells[(op, "peer")]["extra"] and ox and ox["median"]
            else None,
            "mem": (cells.get((op, "kg-mem")) or {}).get("median"),
            "mem_warm": (cells.get((op, "kg-mem-warm")) or {}).get("median"),
            "mem_floor": memory_floor(cells, name),
            "mem_ratio": memory_ratio(cells, name),
        }
    # Queries plain rdflib's one process did not reach before its time limit: a fresh script
    # for one of them pays at least the parse of the file, so that bounds the ratio from below.
    process = cells.get(("queries", "peer"))
    parse = (cells.get(("load", "peer")) or {}).get("median")
    if process and process.get("status") != "ok" and parse:
        for v in per_query.values():
            kg = v["kg"]
            if v["rdflib_kg"] is None and kg:
                v["rdflib_kg_at_least"] = parse / kg
    out["rdflib_status"] = (process or {}).get("status")
    out["queries"] = per_query
    out["validate"] = ratio(cells.get(("validate", "kg-mem")), cells.get(("validate", "peer")))
    out["validate_below"] = validate_bound(cells)
    return out


def verdicts(report: dict) -> list[str]:
    sizes = [size_ratios(s) for s in report["sizes"] if s.get("triples")]
    if not sizes:
        return ["No size was measured."]

    def at(target: int, key: str):
        """The measurement at the target size (within 10 %), else the largest one below it."""
        exact = [s for s in sizes if abs(s["n"] - target) <= target * 0.1]
        if exact:
            return exact[-1], True
        below = [s for s in sizes if s["n"] <= target * 1.1] or sizes
        return below[-1], False

    lines = []

    def verdict(met: bool, size: dict, exact: bool, target: int) -> str:
        if exact:
            return f"{'**met**' if met else '**not met**'} at {size['n']:,} triples"
        return (
            f"**not measured at {size_label(target)}**; at the largest size run, "
            f"{size['n']:,} triples, it would be {'met' if met else 'not met'}"
        )

    def listed(names: list[str]) -> str:
        return f" ({', '.join(names)})" if 0 < len(names) <= 8 else ""

    size, exact = at(TARGET_SIZE, "load")
    value = size["load"]
    lines.append(
        f"- `kg load` (Oxigraph) within 1.5× of `oxigraph load` at 2.5×10⁶ triples: "
        f"{verdict(value is not None and value <= 1.5, size, exact, TARGET_SIZE)} — ratio "
        f"{fmt_ratio(value)} ({fmt_s(size['load_kg'])} vs {fmt_s(size['load_cli'])})."
    )
    values = {q: v["kg_cli"] for q, v in size["queries"].items() if v["kg_cli"] is not None}
    if values:
        worst = max(values, key=values.get)
        failing = sorted(q for q, v in values.items() if v > 2)
        met = not failing and len(values) == len(size["queries"])
        lines.append(
            f"- each saved query on Oxigraph within 2× of `oxigraph query`: "
            f"{verdict(met, size, exact, TARGET_SIZE)} — worst {worst} "
            f"{fmt_ratio(values[worst])}, median {fmt_ratio(statistics.median(values.values()))}; "
            f"over 2×: {len(failing)} of {len(size['queries'])}{listed(failing)}."
            + start_up_split(size)
        )
    values = {q: v["rdflib_kg"] for q, v in size["queries"].items() if v["rdflib_kg"] is not None}
    bounds = {
        q: v["rdflib_kg_at_least"] for q, v in size["queries"].items() if "rdflib_kg_at_least" in v
    }
    evals = {q: v["eval_kg"] for q, v in size["queries"].items() if v["eval_kg"] is not None}
    if values or bounds:
        slowest = min(values or bounds, key=(values or bounds).get)
        failing = sorted(q for q, v in values.items() if v < 10)
        unproven = sorted(q for q, v in bounds.items() if v < 10)
        met = not failing and not unproven and len(values) + len(bounds) == len(size["queries"])
        if bounds:
            low = min(bounds, key=bounds.get)
            how = (
                "was not run (it timed out at a smaller size)"
                if size["rdflib_status"] == "skipped"
                else f"ended with '{size['rdflib_status']}' before it reached {len(bounds)} of "
                f"them{listed(sorted(bounds))}"
            )
            evals_note = (
                f" Plain rdflib's one process for all the queries {how}; a fresh script for any "
                f"of those queries pays at least the parse of the file, so kg is at least that "
                f"many times faster: ≥ 10× for {len(bounds) - len(unproven)} of {len(bounds)}, "
                f"not shown for {len(unproven)}{listed(unproven)} (smallest bound "
                f"{fmt_ratio(bounds[low])}×, {low})."
            )
        else:
            evals_note = ""
        extra = ""
        if evals:
            low = min(evals, key=evals.get)
            extra = (
                f" Counting only rdflib's evaluation of the query (its parse of the file "
                f"left out), the smallest ratio is {fmt_ratio(evals[low])} ({low}), "
                f"{sum(1 for v in evals.values() if v >= 10)} of {len(evals)} at 10× or more."
            )
        shown = verdict(met, size, exact, TARGET_SIZE)
        if not met and not failing and unproven and exact:
            shown = f"**not shown** at {size['n']:,} triples"
        lines.append(
            f"- each saved query on Oxigraph at least 10× faster than plain rdflib: "
            f"{shown} — smallest ratio "
            f"{'≥ ' if slowest in bounds else ''}"
            f"{fmt_ratio((values or bounds)[slowest])} ({slowest}); under 10×: {len(failing)} of "
            f"{len(size['queries'])}{listed(failing)} (plain rdflib as a fresh script: start-up, "
            f"parse of the N-Triples file and the query).{extra}{evals_note}"
        )
    size, exact = at(VALIDATE_SIZE, "validate")
    value = size["validate"]
    below = size.get("validate_below")
    if value is None and below is not None:
        lines.append(
            f"- `kg validate` within 1.2× of pyshacl directly at 2.5×10⁵ triples: "
            f"{verdict(below <= 1.2, size, exact, VALIDATE_SIZE)} — ratio < {fmt_ratio(below)}: "
            f"pyshacl was killed at its time limit, kg had finished in {fmt_ratio(below)} of "
            "that time."
        )
    elif value is None:
        lines.append(
            "- `kg validate` within 1.2× of pyshacl at 2.5×10⁵ triples: **not measured** "
            f"(no size up to {size['n']:,} triples has both)."
        )
    else:
        lines.append(
            f"- `kg validate` within 1.2× of pyshacl directly at 2.5×10⁵ triples: "
            f"{verdict(value <= 1.2, size, exact, VALIDATE_SIZE)} — ratio {fmt_ratio(value)}. "
            "Its progress indication (`kg validate --progress`, on by default on a terminal: "
            "each phase and SHACL shape as it starts) is off here: the bench runs kg off a "
            "terminal."
        )
    if report["settings"].get("quick"):
        total = report["total_seconds"]
        lines.append(
            f"- `bench/run --quick` under five minutes: "
            f"{'**met**' if total < 300 else '**not met**'} — {fmt_s(total)}."
        )
    return lines


def memory_verdicts(report: dict) -> list[str]:
    """Issue 12: every query on the memory store (cache off) within 3x of `oxigraph load` +
    `oxigraph query` on the same file, at 2.5x10^5 triples; and what bounds the ratio."""
    sizes = [size_ratios(s) for s in report["sizes"] if s.get("triples")]
    if not sizes:
        return ["No size was measured."]
    exact = [s for s in sizes if abs(s["n"] - MEMORY_SIZE) <= MEMORY_SIZE * 0.1]
    size = exact[-1] if exact else ([s for s in sizes if s["n"] <= MEMORY_SIZE * 1.1] or sizes)[-1]
    what = (
        f"every saved query on the memory store (`kg --store memory query NAME`, cache off) "
        f"within {MEMORY_MAX:g}× of `oxigraph load` + `oxigraph query` on the same file at "
        f"2.5×10⁵ triples"
    )
    total = len(size["queries"])
    values = {q: v["mem_ratio"] for q, v in size["queries"].items() if v["mem_ratio"] is not None}
    if not values:
        return [f"- {what}: **not measured** (no memory query ran at {size['n']:,} triples)."]
    worst = max(values, key=values.get)
    failing = sorted(q for q, v in values.items() if v > MEMORY_MAX)
    met = not failing and len(values) == total
    w = size["queries"][worst]
    if exact:
        shown = f"{'**met**' if met else '**not met**'} at {size['n']:,} triples"
    else:
        shown = (
            f"**not measured at {size_label(MEMORY_SIZE)}**; at {size['n']:,} triples it would "
            f"be {'met' if met else 'not met'}"
        )
    names = ", ".join(f"{q} {fmt_ratio(values[q])}" for q in failing) if failing else ""
    line = (
        f"- {what}: {shown} — worst {worst} {fmt_ratio(values[worst])} "
        f"({fmt_s(w['mem'])} against {fmt_s(size['load_cli'])} + "
        f"{fmt_s(w['cli'])}), median {fmt_ratio(statistics.median(values.values()))}; "
        f"over {MEMORY_MAX:g}×: {len(failing)} of {total}" + (f" ({names})" if names else "") + "."
    )
    if len(values) < total:
        missing = sorted(set(size["queries"]) - set(values))
        line += f" Not measured: {len(missing)} of {total} ({', '.join(missing)})."
    lines = [line]
    load_mem, load_cli = size.get("load_mem"), size.get("load_cli")
    if load_mem is not None and load_cli:
        mems = [v["mem"] for v in size["queries"].values() if v["mem"]]
        typical = statistics.median(mems)
        share = load_mem / typical
        beyond = w["mem"] - load_mem
        lines.append(
            f"- What bounds it: every memory query first does what `kg --store memory load` "
            f"does (cache off: start-up, Oxigraph's parse of the TriG files, kg's derivation of "
            f"the statements, the in-memory store filled), {fmt_s(load_mem)} alone: "
            f"{fmt_ratio(load_mem / load_cli)}× `oxigraph load` of the finished N-Quads "
            f"({fmt_s(load_cli)}, into an on-disk store). The median memory query takes "
            f"{fmt_s(typical)}, "
            + (
                f"the load {100 * share:.0f} % of it."
                if share < 1
                else "no more than the load alone: the query's own time is within the noise."
            )
            + f" {worst}: kg {fmt_s(w['mem'])} in all, "
            + (f"{fmt_s(beyond)} beyond the load" if beyond > 0 else "no more than the load alone")
            + f"; `oxigraph query` {fmt_s(w['cli'])}."
        )
    warm = {
        q: v["mem_warm"] / v["mem_floor"]
        for q, v in size["queries"].items()
        if v.get("mem_warm") is not None and v.get("mem_floor")
    }
    if warm:
        top = max(warm, key=warm.get)
        lines.append(
            f"- Shown, no target: warm (kg's N-Quads cache filled, one Oxigraph parse and no "
            f"derivation), the ratio to the same sum is at most {fmt_ratio(warm[top])} ({top}), "
            f"median {fmt_ratio(statistics.median(warm.values()))}."
        )
    return lines


def start_up_split(size: dict) -> str:
    """The query ratios split by what dominates: kg's fixed start-up or the engine's work."""
    heavy, light = {}, []
    for name, v in size["queries"].items():
        cli, kg = v.get("cli"), v.get("kg")
        if cli is None or kg is None:
            continue
        if cli >= 0.5:
            heavy[name] = kg / cli
        else:
            light.append((kg, cli))
    if not light and not heavy:
        return ""
    parts = []
    if heavy:
        worst = max(heavy, key=heavy.get)
        parts.append(
            f" Where `oxigraph query` itself takes 0.5 s or more ({len(heavy)} queries: the "
            f"engine's work dominates), the worst ratio is {fmt_ratio(heavy[worst])} ({worst}), "
            f"{sum(1 for r in heavy.values() if r <= 2)} of {len(heavy)} within 2×."
        )
    if light:
        parts.append(
            f" The other {len(light)} take the CLI {fmt_s(min(c for _, c in light))}–"
            f"{fmt_s(max(c for _, c in light))}: there the ratio is kg's fixed start-up, a "
            f"Python process that imports click and pyoxigraph and opens the store "
            f"({fmt_s(min(k for k, _ in light))} at the least), against a Rust binary."
        )
    return "".join(parts)


def middle(values: list[float]) -> str:
    return fmt_ratio(statistics.median(values)) if values else "–"


def summary_table(report: dict) -> list[str]:
    lines = [
        "| triples | kg load (ox) | oxigraph load | ratio | queries kg-ox / CLI: median, worst "
        "| plain rdflib / kg-ox: median, smallest | kg validate / pyshacl "
        "| kg memory load | queries kg-mem / (CLI load + query): median, worst |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for size in report["sizes"]:
        if not size.get("triples"):
            continue
        r = size_ratios(size)
        kc = [v["kg_cli"] for v in r["queries"].values() if v["kg_cli"] is not None]
        rk = [v["rdflib_kg"] for v in r["queries"].values() if v["rdflib_kg"] is not None]
        mr = {q: v["mem_ratio"] for q, v in r["queries"].items() if v["mem_ratio"] is not None}
        top = max(mr, key=mr.get) if mr else None
        lines.append(
            f"| {r['n']:,} ({size['label']}) | {fmt_s(r['load_kg'])} | {fmt_s(r['load_cli'])} "
            f"| {fmt_ratio(r['load'])} "
            f"| {middle(kc)}, {fmt_ratio(max(kc)) if kc else '–'} "
            f"| {middle(rk)}, {fmt_ratio(min(rk)) if rk else '–'} "
            f"| {validate_text(cells_of(size))} | {fmt_s(r['load_mem'])} "
            f"| {middle(list(mr.values()))}, "
            f"{f'{fmt_ratio(mr[top])} ({top})' if top else '–'} |"
        )
    return lines


def extrapolation(report: dict) -> list[str]:
    sizes = [s for s in report["sizes"] if s.get("triples")]
    if not sizes or any(abs(s["triples"] - TARGET_SIZE) <= TARGET_SIZE * 0.1 for s in sizes):
        return []
    last = sizes[-1]
    factor = TARGET_SIZE / last["triples"]
    cells = cells_of(last)
    lines = [
        f"2.5×10⁶ triples was not run. Linear extrapolation from {last['triples']:,} "
        f"(× {factor:.1f}):",
        "",
    ]
    for op, tool, what in (
        ("load", "kg-ox", "`kg load` (Oxigraph)"),
        ("load", "ox-cli", "`oxigraph load`"),
        ("load", "kg-mem", "kg memory load (parse + derive)"),
        ("load", "peer", "rdflib parse of the N-Triples file"),
        ("export", "kg-ox", "`kg export` (Oxigraph)"),
    ):
        cell = cells.get((op, tool))
        if cell and cell["median"] is not None:
            lines.append(f"- {what}: ≈{fmt_s(cell['median'] * factor)}")
    return lines


def write_plot(report: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter, NullFormatter
    except ImportError:
        print(
            "bench/run: matplotlib missing (pip install 'kg-kassis[bench]'): no plot",
            file=sys.stderr,
        )
        return False
    sizes = [s for s in report["sizes"] if s.get("triples")]
    groups = [
        ("load", "load"),
        ("queries", "saved query (median over the queries run)"),
        ("validate", "validate"),
        ("export", "export (N-Triples)"),
    ]
    styles = {
        "kg-ox": ("kg oxigraph", "tab:blue", "o"),
        "kg-mem": ("kg memory", "tab:orange", "s"),
        "ox-cli": ("oxigraph CLI", "tab:green", "^"),
        "peer": ("plain rdflib / pyshacl", "tab:red", "D"),
    }
    figure, axes = plt.subplots(2, 2, figsize=(11, 8))
    for axis, (group, title) in zip(axes.flat, groups, strict=True):
        for tool, (label, colour, marker) in styles.items():
            xs, ys = [], []
            for size in sizes:
                cells = cells_of(size)
                if group == "queries":
                    values = [
                        cells[(f"query:{q}", tool)]["median"]
                        for q in query_names(size)
                        if (f"query:{q}", tool) in cells
                        and cells[(f"query:{q}", tool)]["median"] is not None
                    ]
                    value = statistics.median(values) if values else None
                else:
                    cell = cells.get((group, tool))
                    value = cell["median"] if cell else None
                if value:
                    xs.append(size["triples"])
                    ys.append(value)
            if xs:
                axis.plot(xs, ys, marker=marker, color=colour, label=label)
        if group == "queries":  # issue 12's reference for the memory store
            xs, ys = [], []
            for size in sizes:
                cells = cells_of(size)
                floors = [
                    f
                    for q in query_names(size)
                    if (q_cell := cells.get((f"query:{q}", "kg-mem"))) and q_cell["median"]
                    if (f := memory_floor(cells, q))
                ]
                if floors:
                    xs.append(size["triples"])
                    ys.append(statistics.median(floors))
            if xs:
                axis.plot(
                    xs,
                    ys,
                    linestyle="--",
                    marker="^",
                    color="tab:green",
                    alpha=0.6,
                    label="oxigraph load + query (the memory store's reference)",
                )
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_s(v)))
        axis.yaxis.set_minor_formatter(NullFormatter())
        axis.set_title(title)
        axis.set_xlabel("triples loaded")
        axis.set_ylabel("seconds (median, fresh process)")
        axis.grid(True, which="both", alpha=0.3)
        if axis.lines:
            axis.legend(fontsize=8)
            low, high = axis.get_ylim()
            if high / low < 10:  # less than a decade: label the minor ticks too
                axis.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: fmt_s(v)))
    figure.suptitle(
        f"kg vs its peers — {report['machine']['cpu']}, "
        f"{report['machine']['nproc']} CPUs, {report['started'][:10]}"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


# --- the other benches' committed measurements (bench/results/*.json) ------------------------


def load_average_text(machine: dict) -> str:
    start, end = machine.get("load_average_start"), machine.get("load_average_end")
    if not start:
        return "load average not recorded"
    text = ", ".join(f"{x:.2f}" for x in start)
    if end:
        text += " → " + ", ".join(f"{x:.2f}" for x in end)
    return f"load average (1, 5, 15 min) {text}"


def measured_when(data: dict, path: str, kg_commit: str) -> str:
    """When and at which commit a bench's JSON says it was measured."""
    if data.get("finished"):
        when = f"started {data['started']}, finished {data['finished']}"
    elif data.get("started") and data.get("bench") == "server_vs_oxigraph":
        # Its writer stamped `started` when it wrote the file, at the end of the run.
        when = f"written {data['started']} (at the end of the run)"
    elif data.get("started"):
        when = f"started {data['started']}"
    else:
        when = "no date recorded"
    commit = data.get("kg") or "an unrecorded commit"
    same = (
        ""
        if commit.split()[0] == kg_commit.split()[0]
        else f" (the size suite above: kg at {kg_commit})"
    )
    return f"`{path}`: {when}; kg at {commit}{same}; {load_average_text(data.get('machine', {}))}"


def floor_section(data: dict, path: str, kg_commit: str) -> list[str]:
    m = data.get("machine", {})
    lines = [
        "### `kg query` vs the floor (`bench/query_vs_floor.py`)",
        "",
        f"- {measured_when(data, path, kg_commit)}",
        f"- the shipped graph ({data.get('quads', 0):,} quads in `kg export --format nq`); "
        f"{data.get('runs')} samples of each contender, interleaved, each a fresh process timed "
        f"wall-clock; {m.get('cpus')} CPUs, Python {m.get('python')}, pyoxigraph "
        f"{m.get('pyoxigraph')}, rdflib {m.get('rdflib')}",
        "",
    ]
    for name, q in data.get("queries", {}).items():
        lines += [
            f"| query {name} ({q.get('rows')} rows) | median | min | max |",
            "|---|---|---|---|",
        ]
        for c in q.get("contenders", {}).values():
            lines.append(
                f"| {c['label']} | {fmt_s(c['median_s'])} | {fmt_s(c['min_s'])} "
                f"| {fmt_s(c['max_s'])} |"
            )
        lines += ["", "| ratio of medians | value | target | |", "|---|---|---|---|"]
        for r in q.get("ratios", []):
            bound = r.get("target_max")
            target = "(none: shown)" if bound is None else f"≤ {bound:g}"
            verdict = "" if r.get("met") is None else ("met" if r["met"] else "**MISSED**")
            lines.append(
                f"| {name}: {r['ratio'].replace('/', ' / ')} | {r['value']:.2f} | {target} "
                f"| {verdict} |"
            )
        lines.append("")
    lines.append(targets_line(data))
    return lines


def server_section(data: dict, path: str, kg_commit: str) -> list[str]:
    w = data.get("wrk", {})
    m = data.get("machine", {})
    kg_command = data.get("kg_command") or []
    if "serve" in kg_command:  # from `serve` on, without the run's own --host and --port
        kg_command = kg_command[kg_command.index("serve") :]
        if "--host" in kg_command:
            kg_command = kg_command[: kg_command.index("--host")]
    shown = " ".join(kg_command) or "?"
    lines = [
        "### `kg serve` vs `oxigraph serve-read-only` (`bench/server_vs_oxigraph.py`)",
        "",
        f"- {measured_when(data, path, kg_commit)}",
        f"- query {data.get('query')} ({data.get('rows')} rows from every target); `kg {shown}` "
        f"against `oxigraph serve-read-only` (oxigraph {m.get('oxigraph')}); load: "
        f"{w.get('version', 'wrk').split(' Copyright')[0]}, {w.get('connections')} connections "
        f"on {w.get('threads')} threads, {w.get('duration_s'):g} s per target and round, "
        f"{w.get('rounds')} round(s), {w.get('warmup_s'):g} s warm-up; {m.get('cpus')} CPUs, "
        "wrk on the same machine",
        "",
        "| target | req/s | p50 | p99 | errors |",
        "|---|---|---|---|---|",
    ]
    for t in data.get("targets", {}).values():
        errors = sum(r.get("errors", 0) for r in t.get("rounds", []))
        lines.append(
            f"| {t['label']} | {t['rps']:,.0f} | {t['p50_ms']:.1f} ms | {t['p99_ms']:.1f} ms "
            f"| {errors} |"
        )
    lines += ["", "| ratio or latency | value | target | |", "|---|---|---|---|"]
    for c in data.get("checks", []):
        value = c["value"]
        shown_value = f"{value:.1f} ms" if c["what"].endswith(" ms") else f"{value:.2f}"
        target = c["target"].replace(">=", "≥").replace("<=", "≤")
        if c["what"].endswith(" ms"):
            target += " ms"
        lines.append(
            f"| {c['what']} | {shown_value} | {target} | {'met' if c['met'] else '**MISSED**'} |"
        )
    lines += ["", targets_line(data)]
    return lines


def targets_line(data: dict) -> str:
    if data.get("all_met"):
        return "Every target met."
    missed = data.get("missed") or []
    return f"Targets missed ({len(missed)}): " + "; ".join(missed) + "."


def other_benches(kg_commit: str) -> list[str]:
    """The section on the two other benches, from their committed JSON (bench/results/)."""
    lines = [
        "## The other benches (bench/results/)",
        "",
        "From the JSON files that `bench/query_vs_floor.py --json` and "
        "`bench/server_vs_oxigraph.py --json` wrote, committed in bench/results/: measured "
        "separately from the size suite, each at the time and commit it states. bench/README.md "
        "describes their method.",
        "",
    ]
    for name, render in (
        ("query_vs_floor.json", floor_section),
        ("server_vs_oxigraph.json", server_section),
    ):
        path = RESULTS_DIR / name
        shown = f"bench/results/{name}"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            lines += [*render(data, shown, kg_commit), ""]
        except FileNotFoundError:
            lines += [f"- `{shown}`: not there (run its bench with `--json {shown}`).", ""]
        except (OSError, ValueError, KeyError, TypeError) as error:
            lines += [f"- `{shown}`: unreadable ({type(error).__name__}: {error}).", ""]
    return lines


def runs_text(report: dict) -> list[str]:
    def average(pair: list[list[float]]) -> str:
        return " → ".join(", ".join(f"{x:.2f}" for x in three) for three in pair)

    runs = report.get("runs") or [
        {
            "argv": report["argv"],
            "started": report["started"],
            "total_seconds": report["total_seconds"],
            "kg_commit": report["machine"]["kg_commit"],
            "load_average": [
                report["machine"]["load_average_start"],
                report["machine"]["load_average_end"],
            ],
        }
    ]
    lines = []
    for run in runs:
        lines.append(
            f"- `bench/run {' '.join(run['argv'])}`: started {run['started']}, took "
            f"{fmt_s(run['total_seconds'])} ({run['total_seconds'] / 60:.1f} min); kg at "
            f"{run['kg_commit']}; load average (1, 5, 15 min) {average(run['load_average'])}"
        )
    end = report["machine"].get("kg_commit_end")
    if len(runs) == 1 and end and end != report["machine"]["kg_commit"]:
        lines.append(f"- kg was at {end} when the run ended")
    return lines


def markdown(report: dict, plot: Path | None, out: Path) -> str:
    m = report["machine"]
    v = m["versions"]
    s = report["settings"]
    lines = [
        "# Benchmark results",
        "",
        "Written by `bench/run` (`bench/suite.py`): its own measurements, and the section on "
        "the other benches from their committed JSON (bench/results/); do not edit by hand — "
        "run it again (`bench/run --report RUN/results.json` redraws it from a run's samples "
        "and the current bench/results/). See bench/README.md for what each column measures.",
        "",
        *runs_text(report),
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}; {m['nproc']} CPUs ({m['usable_cpus']} usable); memory {m['memory']}",
        f"- {m['platform']}; Python {m['python']}",
        f"- rdflib {v['rdflib']}, pyshacl {v['pyshacl']}, pyoxigraph {v['pyoxigraph']}, "
        f"{m['oxigraph_cli']} (CLI, pip package oxigraph {v['oxigraph']}), "
        f"matplotlib {v['matplotlib']}; kg {v['kg-kassis']} at {m['kg_commit']}",
        "- a shared machine: other people's tests and benchmarks may run at the same time (see "
        "the load averages above)",
        "",
        "## Method",
        "",
        f"Sizes {', '.join(z['label'] for z in report['sizes'])} (generator seed {s['seed']}). "
        f"Every sample is a fresh process, timed wall-clock; peak RSS is that process's own "
        f"(`wait4`). A cell takes up to {s['runs']} samples, fewer once they have used "
        f"{s['budget']:.0f} s (×N in the table: the samples its median is over); a sample is "
        f"killed after {s['timeout']:.0f} s ({s['load_timeout']:.0f} s for loads). kg runs with "
        "`KG_CACHE_DIR=` (its caches off) unless a cell says *warm*. Both of kg's local stores "
        "are Oxigraph: `memory` an in-memory pyoxigraph store that every command fills from the "
        "tree (Oxigraph parses the TriG files, kg derives the statements, the N-Quads are loaded; "
        "kg's content-keyed cache keeps those N-Quads when `KG_CACHE_DIR` allows), "
        "`oxigraph:S` the on-disk store that `kg load` built.",
        "",
        "- **load**: `kg --store oxigraph:S load` | `kg --store memory load` (cache off: parse, "
        "derive, fill the in-memory store; no query) | `oxigraph load --file graph.nq`: the same "
        "quads kg's stores hold (the N-Triples file alone in brackets) | rdflib parsing "
        "`graph.nt`.",
        "- **query NAME**: `kg --store oxigraph:S query NAME` | `kg --store memory query NAME` "
        "(cache off; *warm*: with kg's N-Quads cache filled by one `kg --store memory load`, "
        "so one Oxigraph parse and no derivation) | `oxigraph query --query-file` on the CLI's "
        "store, with the same text (the parameters' defaults written in as constants, as kg sends "
        "them to Oxigraph, kg's "
        "prefixes declared) | plain rdflib: a script that parses `graph.nt` once and runs every "
        "query, timed inside; its cell is what a fresh script for that one query pays (the "
        "median of the *load* row + importing the SPARQL engine + the query, results iterated "
        "and written out), *query alone* the query's own time. Row counts are compared across "
        "all four.",
        "- **validate**: `kg validate` (the tree's files read by kg's loader, pyshacl and kg's "
        "own checks) | "
        "a script calling `pyshacl.validate` on `graph.nt` with `ontology/shapes.ttl` and kg's "
        "options (no inference, advanced, no imports).",
        "- **export nt**: `kg --store X export --format nt` | `oxigraph dump --graph default` of "
        "the CLI's store.",
        "",
        "`graph.nt` is kg's own export of the tree (every triple kg loads, the derived "
        "statements included); `graph.nq` the same plus one named graph per claim. Ratios: "
        "*kg-ox / CLI* = kg on Oxigraph ÷ the Oxigraph CLI (target ≤ 1.5 for load, ≤ 2 per "
        "query); *peer / kg-ox* = plain rdflib ÷ kg on Oxigraph (target ≥ 10 per query), and "
        "for validate kg ÷ pyshacl (target ≤ 1.2); *kg-mem / CLI load + query* = kg's memory "
        "store, cache off, ÷ (the median of `oxigraph load` + the median of that query's "
        f"`oxigraph query`): what the CLI pays for the same answer from the same file (target "
        f"≤ {MEMORY_MAX:g} per query at 2.5×10⁵ triples; ✗ marks a ratio over it at any size).",
        "",
        "## Targets (issue 6): the Oxigraph store",
        "",
        *verdicts(report),
        "",
        "## Target (issue 12): the memory store",
        "",
        *memory_verdicts(report),
        "",
        "## Summary by size",
        "",
        *summary_table(report),
        "",
    ]
    if plot:
        lines += [
            f"![time against graph size, log-log, per backend]"
            f"({os.path.relpath(plot, out.parent)})",
            "",
        ]
    extra = extrapolation(report)
    if extra:
        lines += ["## 2.5×10⁶ triples", "", *extra, ""]
    if s.get("notes"):
        lines += ["## Notes", "", *[f"- {note}" for note in s["notes"]], ""]
    lines += other_benches(m["kg_commit"])
    for size in report["sizes"]:
        title = f"{size.get('triples', size['n']):,} triples ({size['label']})"
        lines += [f"## {title}", "", f"Tree: {size['generated']}", ""]
        if not size.get("triples"):
            lines += [f"- {note}" for note in size["notes"]] + [""]
            continue
        lines += [*size_table(size), "", *memory_table(size), ""]
        if size["notes"]:
            lines += [f"- {note}" for note in size["notes"]] + [""]
    lines += [f"Raw samples: `{report['raw']}` (not kept in the repository).", ""]
    return "\n".join(lines)


def console(report: dict) -> str:
    lines = []
    for size in report["sizes"]:
        lines += ["", f"== {size.get('triples', size['n']):,} triples ({size['label']}) =="]
        if size.get("triples"):
            lines += size_table(size)
        lines += [f"  note: {note}" for note in size["notes"]]
    lines += ["", "== summary ==", *summary_table(report), "", "== targets ==", *verdicts(report)]
    lines += memory_verdicts(report)
    extra = extrapolation(report)
    if extra:
        lines += ["", *extra]
    return "\n".join(lines)


# --- command line ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/run",
        description="kg on each backend (Oxigraph, memory) against the oxigraph CLI, plain "
        "rdflib and pyshacl, by graph size: load, each saved query, validate, export.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"sizes {QUICK_SIZES}, 2 runs, the queries {', '.join(QUICK_QUERIES)}, "
        "validate at 1e4 only; under five minutes",
    )
    parser.add_argument("--sizes", help=f"comma-separated triple counts (default {FULL_SIZES})")
    parser.add_argument("--runs", type=int, help="samples per cell (default 3; --quick 2)")
    parser.add_argument(
        "--budget",
        type=float,
        help="seconds of samples after which a cell takes no more (default 100; --quick 15)",
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds per sample (600)")
    parser.add_argument(
        "--load-timeout",
        type=float,
        default=3600,
        help="seconds per load sample: kg's store is needed (3600)",
    )
    parser.add_argument("--queries", help="comma-separated saved queries (default: all)")
    parser.add_argument(
        "--validate-max",
        type=parse_size,
        help="largest size to validate (default 2.5e5; --quick 1e4)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(os.environ.get("TMPDIR", "/tmp")) / "kg-bench",
        help="where generated trees (cached) and each run's stores go",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="the report (default bench/RESULTS.md; --quick: RESULTS-quick.md in "
        "--work); the plot goes next to it as <stem, lower case>.png",
    )
    parser.add_argument("--keep", action="store_true", help="keep the stores and exported files")
    parser.add_argument(
        "--no-memory",
        action="store_true",
        help="leave out kg's memory backend (its load, queries, export, and validate): for the "
        "largest sizes, where only the Oxigraph targets are measured",
    )
    parser.add_argument(
        "--note",
        action="append",
        default=[],
        help="a line for the report's Notes section (repeatable)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        action="append",
        metavar="RESULTS.json",
        help="measure nothing: write the report and the plot again from a run's raw samples "
        "(with --out and --note); repeat it to merge runs (their sizes side by side, the "
        "machine and settings of the first)",
    )
    args = parser.parse_args(argv)
    if args.report:
        report = merge([json.loads(p.read_text(encoding="utf-8")) for p in args.report])
        report["raw"] = ", ".join(str(p) for p in args.report)
        if args.note:
            report["settings"]["notes"] = args.note
        quick = report["settings"].get("quick")
        default = Path(report["settings"]["work"]) / "RESULTS-quick.md"
        return write_report(report, args.out or (default if quick else HERE / "RESULTS.md"))
    quick = args.quick
    sizes = [
        parse_size(x) for x in (args.sizes or (QUICK_SIZES if quick else FULL_SIZES)).split(",")
    ]
    queries = args.queries.split(",") if args.queries else (QUICK_QUERIES if quick else None)
    out = args.out or (args.work / "RESULTS-quick.md" if quick else HERE / "RESULTS.md")
    settings = Settings(
        sizes=sorted(sizes),
        runs=args.runs or (2 if quick else 3),
        budget=args.budget or (10 if quick else 100),
        timeout=args.timeout,
        load_timeout=args.load_timeout,
        seed=args.seed,
        queries=queries,
        validate_max=args.validate_max or (10_000 if quick else VALIDATE_SIZE),
        mem_all_queries_max_load=10,
        mem_queries_max_load=10 if quick else 150,
        mem_export_max_load=10 if quick else 300,
        warm_max_load=60,
        work=args.work.resolve(),
        out=out,
        quick=quick,
        keep=args.keep,
        notes=args.note,
        memory=not args.no_memory,
    )
    settings.work.mkdir(parents=True, exist_ok=True)
    report = Suite(settings).run()
    return write_report(report, out)


def merge(reports: list[dict]) -> dict:
    """One report from several runs: every size (a size measured twice: the later run's)."""
    first = reports[0]
    if len(reports) == 1:
        return first
    sizes: dict[int, dict] = {}
    for report in reports:
        for size in report["sizes"]:
            size = {
                **size,
                "notes": [
                    *size["notes"],
                    f"measured by `bench/run "
                    f"{' '.join(report['argv'])}`, started {report['started']}",
                ],
            }
            sizes[size["n"]] = size
    merged = {**first, "sizes": [sizes[n] for n in sorted(sizes)]}
    merged["total_seconds"] = sum(r["total_seconds"] for r in reports)
    merged["runs"] = [
        {
            "argv": r["argv"],
            "started": r["started"],
            "total_seconds": r["total_seconds"],
            "kg_commit": r["machine"]["kg_commit"],
            "load_average": [r["machine"]["load_average_start"], r["machine"]["load_average_end"]],
        }
        for r in reports
    ]
    return merged


def write_report(report: dict, out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    plot = out.with_name(out.stem.lower() + ".png")
    if not write_plot(report, plot):
        plot = None
    out.write_text(markdown(report, plot, out), encoding="utf-8")
    print(console(report))
    print(
        f"\nwrote {out}"
        + (f" and {plot}" if plot else "")
        + f"; raw samples in {report['raw']}; total {fmt_s(report['total_seconds'])}"
    )
    return 0
