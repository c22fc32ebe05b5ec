"""The `kg` command: a thin layer that parses options, calls the library and renders its result.

Exit codes (pyshacl's convention): 0 success / conforms, 1 violations found / ASK false / differs,
2 usage or load error, 130 interrupted (Ctrl-C; 143 for SIGTERM), 141 when the reader of stdout
went away (`kg query books | head -1`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from kg.errors import Interrupted, KgError, raise_if_interrupted, raise_interrupted
from kg.formats import CITATION_FORMATS, GRAPH_FORMATS, NETWORK_FORMATS, QUERY_FORMAT_NAMES
from kg.store import DEFAULT_TIMEOUT, PUSH_BATCH, STORE_ENV, StoreSpec, parse_spec
from kg.tree import ROOT_ENV, Tree, find_tree

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class KgGroup(click.Group):
    """Turns every KgError into one line on stderr and its exit code, here and nowhere else."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KgError as error:
            click.echo(f"Error: {error}", err=True)
            ctx.exit(error.exit_code)
        except RecursionError:
            click.echo("Error: input too deeply nested to process", err=True)
            ctx.exit(2)
        except BrokenPipeError:
            _quiet_stdout()  # the reader went away (`| head`): nothing more to say to it
            ctx.exit(128 + signal.SIGPIPE)


@click.group(cls=KgGroup, context_settings=CONTEXT)
@click.option(
    "--root",
    metavar="DIR",
    envvar=ROOT_ENV,
    help=f"A kg tree (ontology/, data/, queries/) to use instead of the shipped graph. "
    f"Also read from ${ROOT_ENV}.",
)
@click.option(
    "--store",
    "store",
    metavar="SPEC",
    envvar=STORE_ENV,
    default="memory",
    show_default=True,
    help="Where the graph lives: memory (parsed from the tree), oxigraph:PATH (an on-disk "
    "Oxigraph store, built by `load`) or sparql:URL (a SPARQL 1.1 query endpoint, filled by "
    f"`push`). Also read from ${STORE_ENV}.",
)
@click.option(
    "--update-url",
    metavar="URL",
    help="A sparql: store's SPARQL Update endpoint, if not the query URL "
    "(for `push --via update`).",
)
@click.option(
    "--gsp-url",
    metavar="URL",
    help="A sparql: store's Graph Store Protocol endpoint, if not the query URL (for `push`).",
)
@click.option(
    "--timeout",
    default=DEFAULT_TIMEOUT,
    show_default=True,
    type=click.FloatRange(0.1),
    metavar="SECONDS",
    help="How long to wait for a sparql: store to answer.",
)
@click.version_option(package_name="kg-kassis", prog_name="kg")
@click.pass_context
def cli(
    ctx: click.Context,
    root: str | None,
    store: str,
    update_url: str | None,
    gsp_url: str | None,
    timeout: float,
) -> None:
    """A sourced knowledge graph of Randa Kassis: every fact traced to its source and quote.

    \b
    Exit codes: 0 success, 1 violations found, 2 usage or load error.
    """
    spec = parse_spec(store, update_url=update_url, gsp_url=gsp_url, timeout=timeout)
    ctx.obj = Options(root=root, spec=spec)


@dataclass(frozen=True)
class Options:
    """What the group's options say: the tree's root and the store."""

    root: str | None
    spec: StoreSpec


def tree_of(ctx: click.Context) -> Tree:
    root = ctx.find_root()
    from_env = root.get_parameter_source("root") == click.core.ParameterSource.ENVIRONMENT
    return find_tree(root.obj.root, origin=f"${ROOT_ENV}" if from_env else "--root")


def spec_of(ctx: click.Context) -> StoreSpec:
    return ctx.find_root().obj.spec


def store_of(ctx: click.Context):
    """The chosen store, opened (an oxigraph: store must have been built)."""
    from kg.store import open_store

    return open_store(spec_of(ctx), tree_of(ctx))


def output_option():
    """The --output option of a command that writes a picture or a document."""
    return click.option(
        "--output",
        "-o",
        metavar="FILE",
        type=click.Path(path_type=str),
        help="Write to FILE (atomically: the whole file or nothing) instead of stdout.",
    )


def write_output(
    data: str | bytes, output: str | None, wrote: str | None = None, binary: bool = False
) -> None:
    """Write a command's result to --output (atomically; then, on stderr, `wrote` FILE) or to
    stdout. `binary` data (PNG) is refused on a terminal, where it would garble the screen."""
    if output is not None:
        from kg.files import write_atomically

        write_atomically(output, data.encode("utf-8") if isinstance(data, str) else data)
        if wrote is not None:
            click.echo(f"wrote {wrote} to {output}", err=True)
        return
    if binary and sys.stdout.isatty():
        raise click.UsageError("PNG is binary: give --output FILE, or redirect stdout to a file")
    click.echo(data, nl=False)  # bytes go to the binary stream as they are


def format_option(choices, default: str, help: str):
    """The --format option of a command that writes one of `choices`, `default` shown."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help=help,
    )


@cli.command()
@format_option(
    ["text", "turtle", "json"],
    "text",
    "text for people; turtle (a sh:ValidationReport) or json for machines.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show progress on stderr: each phase and SHACL shape, with the time so far. Default: "
    "on when stderr is a terminal (one line, redrawn); --progress off one prints a line a step.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Run every check, even on an unchanged tree or after a small edit (what CI should run).",
)
@click.pass_context
def validate(ctx: click.Context, output_format: str, progress: bool | None, full: bool) -> None:
    """Check the graph against the SHACL shapes and the evidence text.

    Runs pyshacl (no inference) with ontology/shapes.ttl over the loaded graph, then checks
    that every quote occurs verbatim in the evidence text of a source it cites (naming that
    source and its file when it does not), that every reference-list entry has one
    source record, and that every kgv: term is declared. Prints each violation with the data
    file and line it comes from, then what the graph holds. Exits 0 if the graph conforms,
    1 if it does not, 2 if something cannot be loaded.

    A run remembers its report in kg's cache ($KG_CACHE_DIR, else ~/.cache/kg), keyed by the
    content of every file under data/ and ontology/ and kg's own code: while none changes, the
    next run gives that report again at once. After an edit to data/'s .trig and .ttl files,
    only what the edit can reach is checked again, with the report a full run gives (--progress
    says which, and why a run checks everything). --full checks everything anyway.

    \b
    Example:
        kg validate
        kg validate --format json | jq '.results[].message'
        kg validate --full
        kg --root ./my-tree validate --format turtle > report.ttl
        kg --root ./big-tree validate --progress 2> progress.log
    """
    from kg import validate as checks

    tree = tree_of(ctx)
    with step_progress(progress, "validate") as tell:
        if spec_of(ctx).backend.from_tree:  # read the files: findings with file:line
            report = checks.validate_tree(tree, tell, full=full)
        else:
            report = checks.validate_store(store_of(ctx), tell)
    renderers = {
        "text": checks.format_text,
        "json": lambda r: r.to_json() + "\n",
        "turtle": lambda r: checks.report_graph(r).serialize(format="longturtle"),
    }
    click.echo(renderers[output_format](report), nl=False)
    ctx.exit(0 if report.conforms else 1)


@cli.group("source")
def source() -> None:
    """Add a source: an evidence text in data/ and its record in data/sources.ttl.

    \b
    Example:
        kg source add ~/notes/interview.txt --title "An interview" --published 2024-05-01
    """


@source.command("add")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--title", required=True, help="The source's title, as it is written.")
@click.option("--url", metavar="URL", help="Where the source was published (http or https).")
@click.option(
    "--published",
    metavar="DATE",
    help="Its publication date at the precision it gives: 2024-05-01, 2024-05 or 2024.",
)
@click.option(
    "--language",
    default="en",
    show_default=True,
    help="The BCP 47 code of the text's language; the title is tagged with it too.",
)
@click.option(
    "--publisher",
    metavar="NAME",
    help="The outlet it appeared in (schema:isPartOf): an existing outlet's name, or a new one.",
)
@click.option("--name", metavar="NAME", help="The src: name, if not derived from the fields.")
@click.pass_context
def source_add(ctx: click.Context, file: Path, **fields: str | None) -> None:
    """Copy a plain-text evidence document into data/, record it, and validate.

    Writes data/NAME.txt and appends a source record (src:NAME) to data/sources.ttl, then
    runs `kg validate`. A text or URL already recorded is refused with the existing record's
    name; if the new record does not validate, nothing is left written. Exits 0 if the graph
    then conforms, 1 if it does not (findings elsewhere), 2 if nothing was added.

    \b
    Example:
        kg source add ~/saved/interview.txt --title "Randa Kassis: an interview" \\
            --publisher "Example Weekly" --published 2024-05 --language en \\
            --url https://example.org/interview
    """
    from kg import validate as checks
    from kg.sources import NewSource, add_source

    given = {k: v for k, v in fields.items() if v is not None}
    added = add_source(tree_of(ctx), NewSource(file=file, **given))
    click.echo(
        f"Added {added.node}: {added.evidence}, record at {added.record_file}:{added.record_line}."
    )
    click.echo(checks.format_text(added.report), nl=False)
    ctx.exit(0 if added.report.conforms else 1)


@cli.command("queries")
@format_option(["table", "json"], "table", "table for people, json for machines.")
@click.pass_context
def list_queries(ctx: click.Context, output_format: str) -> None:
    """List the saved queries in queries/: name, summary, tags and parameters.

    \b
    Example:
        kg queries
        kg queries --format json | jq -r '.[].name'
    """
    from kg import queries

    saved = queries.list_queries(tree_of(ctx))
    if output_format == "json":
        listing = [
            {
                "name": q.name,
                "summary": q.summary,
                "description": q.description,
                "tags": q.tags,
                "form": q.form,
                "parameters": [
                    {
                        "name": p.name,
                        "type": p.type_label,
                        "required": p.required,
                        "default": p.default,
                    }
                    for p in q.parameters
                ],
            }
            for q in saved
        ]
        import json

        click.echo(json.dumps(listing, ensure_ascii=False, indent=2))
        return
    for q in saved:
        click.echo(f"{q.name}  {q.summary}")
        details = []
        if q.tags:
            details.append("tags: " + ", ".join(q.tags))
        if q.parameters:
            details.append("params: " + ", ".join(p.describe() for p in q.parameters))
        if details:
            click.echo("    " + "; ".join(details))
    click.echo(f"({len(saved)} queries in {tree_of(ctx).relative(tree_of(ctx).queries_dir)}/)")


@cli.command()
@click.argument("name", required=False)
@click.option("--file", "query_file", metavar="FILE.rq", help="Run the SPARQL query in this file.")
@click.option("--sparql", metavar="TEXT", help="Run this SPARQL query text.")
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter of the query (repeatable); `kg queries` lists what each query takes.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(QUERY_FORMAT_NAMES),
    help="SELECT: table|csv|tsv|json|xml|markdown (default: table on a terminal, else tsv). "
    "ASK: prints true/false (json|xml too). CONSTRUCT/DESCRIBE: turtle (default)|nt|xml|json-ld"
    "|trig|nq.",
)
@click.option(
    "--output", "-o", metavar="FILE", help="Write to FILE (atomically) instead of stdout."
)
@click.pass_context
def query(
    ctx: click.Context,
    name: str | None,
    query_file: str | None,
    sparql: str | None,
    params: tuple[str, ...],
    output_format: str | None,
    output: str | None,
) -> None:
    """Run a saved query by NAME, or an ad-hoc one with --file or --sparql.

    Read-only: SPARQL Update, SERVICE and FROM are refused; nothing outside the loaded graph
    is read. Parameters are bound as typed RDF terms, never pasted into the query text.
    ASK exits 0 for true and 1 for false.

    \b
    Example:
        kg query books
        kg query claims-by-source --param source=src:wsj-2016-11-23-trump-jr-talks
        kg query --sparql 'SELECT ?name WHERE { ?p a schema:Person ; schema:name ?name }'
        kg query timeline --format csv --output timeline.csv
    """
    from kg import queries

    given = [x for x in (name, query_file, sparql) if x is not None]
    if len(given) != 1:
        raise click.UsageError("give exactly one of NAME, --file FILE or --sparql TEXT")
    tree = tree_of(ctx)
    if name is not None:
        saved = queries.get_query(tree, name, header_if_needed=True)
    elif query_file is not None:  # a regular UTF-8 file, capped
        saved = queries.read_query_file(Path(query_file), header_if_needed=True)
    else:
        saved = queries.from_text(sparql, "--sparql", header_if_needed=True)
    values = queries.parse_param_options(params)
    from kg.answer import answer as answer_of

    answer = answer_of(store_of(ctx), saved, values, output_format, sys.stdout.isatty())
    if output:
        from kg.files import write_atomically

        write_atomically(Path(output), answer.body)
    else:
        click.echo(answer.text, nl=False)
    ctx.exit(1 if answer.ask is False else 0)


def _export_formats() -> list[str]:
    return [*GRAPH_FORMATS, *NETWORK_FORMATS]


@cli.command()
@format_option(
    _export_formats(),
    "turtle",
    "turtle, json-ld, nt and xml hold the graph with its statements; "
    "nq and trig add one named graph per claim; graphml, gexf and csv-edges hold the network "
    "of entities and the facts between them, for graph tools.",
)
@output_option()
@click.pass_context
def export(ctx: click.Context, output_format: str, output: str | None) -> None:
    """Write the graph, with every fact's quote and sources, as RDF or as a network.

    The same graph gives the same bytes on every run. JSON-LD is compacted with the context of
    ontology/context.jsonld written inline, so nothing is fetched to read it. GraphML, GEXF and
    csv-edges hold the entities (id: CURIE; label, types) and the facts between two entities
    (predicate and its label, the statements' quotes, the number of independent sources).

    \b
    Example:
        kg export > kassis.ttl
        kg export --format json-ld | jq '.["@graph"][] | select(.["@id"] == "kgr:randa-kassis")'
        kg export --format trig --output dist/kassis.trig
        kg export --format gexf --output kassis.gexf
        kg export --format csv-edges > edges.csv
    """
    from kg import export as exporting

    loaded = store_of(ctx).loaded()
    data = exporting.export(loaded, output_format)
    write_output(data, output, output and exporting.describe(loaded, output_format))


@cli.command()
@click.argument("source", required=False)
@click.option("--all", "every", is_flag=True, help="Cite every source record and book.")
@format_option(
    list(CITATION_FORMATS),
    "csl-json",
    "csl-json (CSL 1.0.2 input data), bibtex or ris.",
)
@output_option()
@click.pass_context
def cite(
    ctx: click.Context, source: str | None, every: bool, output_format: str, output: str | None
) -> None:
    """Cite a source record or a book (a CURIE or an IRI), or --all of them.

    Each citation holds only what the record says: its authors, title and language, outlet or
    publisher, date at the precision it is written (a year stays a year), ISBN, ISSN, OCLC,
    URL, archive and retrieval dates. Sorted by IRI; the same graph gives the same bytes.

    \b
    Example:
        kg cite src:lemonde-2017-03-19-baussart
        kg cite kgr:book-le-chaos-syrien --format ris
        kg cite --all --format bibtex --output kassis.bib
    """
    from kg import cite as citing

    if (source is None) == (not every):
        raise click.UsageError("give one SOURCE (src:NAME, kgr:NAME or an IRI), or --all")
    loaded = store_of(ctx).loaded()
    text = citing.cite(loaded, output_format, source)
    count = "1 citation" if source else f"{len(citing.citable(loaded))} citations"
    write_output(text, output, f"{count} as {output_format}")


@cli.command()
@click.argument("old")
@click.argument("new")
@format_option(
    ["text", "json", "markdown"],
    "text",
    "text for people; json for machines; markdown to paste in a review.",
)
@click.pass_context
def diff(ctx: click.Context, old: str, new: str, output_format: str) -> None:
    """Show the facts and sources added, removed and changed between two versions of the tree.

    OLD and NEW are each a folder holding a kg tree, or a git revision (HEAD~1, a branch, a
    tag) of the repository the tree lives in (--root, else the shipped tree), exported to a
    temporary folder: the work tree is not touched. Facts are shown in words with their quote
    and sources, grouped by entity; a fact is changed when it has a new object (one for one),
    a new quote or new sources. Exits 0 when both hold the same facts and sources, 1 when they
    differ, 2 on error.

    \b
    Example:
        kg diff HEAD~1 HEAD
        kg diff main HEAD --format markdown > review.md
        kg diff ./old-tree ./new-tree --format json | jq '.facts'
    """
    from kg import diff as diffing

    found = diffing.diff_sides(old, new, tree_of(ctx))
    click.echo(diffing.FORMATS[output_format](found), nl=False)
    ctx.exit(0 if found.same else 1)


@cli.command()
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    metavar="PERCENT",
    help="Exit 1 when the quotes cover less than PERCENT of an evidence text's body (for CI).",
)
@format_option(["text", "json"], "text", "text for people; json for machines.")
@click.pass_context
def coverage(ctx: click.Context, fail_under: float | None, output_format: str) -> None:
    """Show how much of each evidence text the facts' quotes cover, and what they leave out.

    The body of a text is what comes before its reference list. For each text: the share of
    the body's letters and digits that lie in a quote of a statement citing it, the sentences
    covered, partly covered and not covered, then every sentence not wholly covered with its
    file:line:column, so the gaps can be read and, where the text states a fact, added.
    Exits 0, or 1 with --fail-under when a text's share is below it; 2 on error.

    \b
    Example:
        kg coverage
        kg coverage --fail-under 90
        kg coverage --format json | jq '.[].percent'
    """
    import json

    from kg import coverage as covering
    from kg.load import load

    report = covering.coverage(load(tree_of(ctx)))
    if output_format == "json":
        text = json.dumps([t.to_dict() for t in report], ensure_ascii=False, indent=2) + "\n"
    else:
        text = covering.format_text(report)
    click.echo(text, nl=False)
    below = [t for t in report if fail_under is not None and t.percent < fail_under]
    for t in below:
        click.echo(
            f"Error: {t.file}: quotes cover {t.percent:.1f}% of its body, under --fail-under "
            f"{fail_under:g}; add the facts it states, or lower the bar",
            err=True,
        )
    ctx.exit(1 if below else 0)


def progress_mode(wanted: bool | None = None) -> str | None:
    """How to show progress on stderr: "terminal" (drawn in place) when stderr is a terminal,
    "lines" when asked for (--progress) off one, None when not wanted (by default off a
    terminal, so piped output and an error stay as they are)."""
    if wanted is False:
        return None
    if sys.stderr.isatty():
        return "terminal"
    return "lines" if wanted else None


@contextlib.contextmanager
def progress_bar(total: int, label: str):
    """A progress bar on stderr when it is a terminal; yields the library's progress callback
    `(done, total)`. Off a terminal nothing is drawn, so an error stays one line."""
    if progress_mode() != "terminal":
        yield lambda done, total: None
        return
    with click.progressbar(length=max(total, 1), label=label, file=sys.stderr) as bar:

        def advance(done: int, total: int) -> None:
            bar.length = max(total, 1)  # known once the work starts
            bar.update(done - bar.pos)

        yield advance


STEP_NAMES = {
    "load": "loading the graph",
    "shapes": "running pyshacl with the shapes",
    "quotes": "checking the quotes against the evidence texts and the facts they state",
    "references": "checking the reference lists and what each reference is credited for",
    "vocabulary": "checking the vocabulary",
    "remembered": "nothing changed since the last run: its report (--full runs every check)",
    "incremental": "checking what changed since the last run (--full checks everything)",
    "everything": "checking everything",
}


@contextlib.contextmanager
def step_progress(wanted: bool | None, label: str):
    """Yields a callback for the library's Steps (kg.validate.Step) that shows each on stderr:
    one line redrawn in place on a terminal, one line per step when forced off one (and a last
    line with the total time), or None when no progress is wanted."""
    import time

    mode = progress_mode(wanted)
    if mode is None:
        yield None
        return
    began = time.perf_counter()

    def show(text: str) -> None:
        text = f"{label}: {text} ({time.perf_counter() - began:.1f} s)"
        if mode == "lines":
            click.echo(text, err=True)
            return
        try:
            columns = os.get_terminal_size(sys.stderr.fileno()).columns
        except (OSError, ValueError):
            columns = 80
        if columns > 1:
            text = text[: columns - 1]  # a wrapped line could not be redrawn
        click.echo("\r" + text + "\x1b[K", err=True, nl=False)  # ESC[K: clear the rest

    def tell(step) -> None:
        if step.index:
            show(f"shape {step.index}/{step.total} {step.item}")
        elif step.item:
            show(f"{STEP_NAMES.get(step.phase, step.phase)}: {step.item}")
        else:
            show(STEP_NAMES.get(step.phase, step.phase))

    try:
        yield tell
    finally:
        if mode == "terminal":
            click.echo("\r\x1b[K", err=True, nl=False)  # the report (or an error) follows alone
    if mode == "lines":
        show("done")


@cli.command("load")
@click.pass_context
def load_store(ctx: click.Context) -> None:
    """Build the store from the tree: parse data/ once, then bulk-load the graph into the store.

    With --store oxigraph:PATH, fills the Oxigraph store at PATH (created if missing, replaced
    if there): the graph with its statements as the default graph, each claim as a named graph.
    Later commands with the same --store read it without parsing anything. With the memory
    store, parses the tree and fills the cache. A sparql: store is filled with `kg push`.

    \b
    Example:
        kg --store oxigraph:./kassis.oxigraph load
        kg --store oxigraph:./kassis.oxigraph query books
        KG_STORE=oxigraph:./kassis.oxigraph kg why "Randa Kassis"
    """
    import time

    spec, tree = spec_of(ctx), tree_of(ctx)
    began = time.perf_counter()
    with progress_bar(0, f"loading {spec}") as advance:
        said = spec.backend.build(spec, tree, advance)
    seconds = time.perf_counter() - began
    click.echo(f"{said} (built in {seconds:.1f} s)")


@cli.command()
@click.option(
    "--via",
    type=click.Choice(["gsp", "update"]),
    default="gsp",
    show_default=True,
    help="gsp: PUT/POST N-Triples to the Graph Store endpoint (--gsp-url); update: DROP and "
    "INSERT DATA through SPARQL Update (--update-url).",
)
@click.option(
    "--batch",
    type=click.IntRange(1),
    help="Triples per request: the first batch replaces the graph, the others are added. "
    f"[default: {PUSH_BATCH['gsp']:,} by gsp, {PUSH_BATCH['update']:,} by update]",
)
@click.pass_context
def push(ctx: click.Context, via: str, batch: int | None) -> None:
    """Upload the graph to a SPARQL 1.1 engine (--store sparql:URL), replacing what it held.

    Parses the tree, then sends the graph with its statements as one named graph,
    <https://kg.example.org/kassis/graph>, by the Graph Store HTTP Protocol (PUT, then POST per
    batch) or, with --via update, by SPARQL Update. Pushing again replaces that graph, so
    nothing is duplicated. `kg --store sparql:URL query ...` then queries that graph.

    \b
    Example:
        kg --store sparql:http://localhost:7878/query --gsp-url http://localhost:7878/store push
        kg --store sparql:http://localhost:3030/kg/sparql \\
           --gsp-url http://localhost:3030/kg/data push
        kg --store sparql:http://localhost:7878/query query books
    """
    import time

    from kg import store as stores
    from kg.load import load

    spec, tree = spec_of(ctx), tree_of(ctx)
    store = stores.open_store(spec, tree)
    if store.local:
        store.push(None)  # says how a local store is filled instead
    began = time.perf_counter()
    graph = load(tree).graph
    with progress_bar(len(graph), f"pushing to {spec}") as advance:
        pushed = store.push(graph, advance, via=via, batch=batch)
    seconds = time.perf_counter() - began
    try:  # every request was answered 2xx: the push is done, whatever the count says
        said = store.describe()
    except stores.StoreError as error:
        said = f"{spec}: pushed {pushed:,} triples; the engine's count afterwards failed ({error})"
    click.echo(f"{said} (pushed in {seconds:.1f} s)")


@cli.command()
@click.argument("terms", nargs=-1, required=True, metavar="ENTITY | SUBJECT PREDICATE OBJECT")
@format_option(
    ["text", "json"],
    "text",
    "text for people; json (a list of statements with their sources) for machines.",
)
@click.pass_context
def why(ctx: click.Context, terms: tuple[str, ...], output_format: str) -> None:
    """Show why the graph holds a fact: its statement, sources and verbatim quote.

    With one ENTITY (a name in any language, a local name, a CURIE or an IRI), prints every
    sourced statement with that entity as subject, then as object. With SUBJECT PREDICATE
    OBJECT, prints that triple's statement; the object may be a literal in N3
    ('"2015"^^xsd:gYear', '"politician"@en') or a bare value. Exits 2 if a term names nothing,
    names several things, or the triple has no statement.

    \b
    Example:
        kg why "Randa Kassis"
        kg why kgr:fabien-baussart --format json | jq '.[].quote'
        kg why kgr:astana-platform-round-1 kgv:moderator kgr:baghdad-amreyev
        kg why kgr:astana-platform schema:foundingDate '"2015"^^xsd:gYear'
    """
    from kg import why as explaining

    if len(terms) not in (1, 3):
        raise click.UsageError(
            f"give one ENTITY, or SUBJECT PREDICATE OBJECT; got {len(terms)} terms "
            '(quote a name with spaces: kg why "Randa Kassis")'
        )
    explanation = explaining.explain(store_of(ctx).loaded(), *terms)
    renderers = {"text": explaining.format_text, "json": explaining.format_json}
    click.echo(renderers[output_format](explanation), nl=False)


@cli.command()
@click.argument("entity", required=False, default="kgr:randa-kassis")
@format_option(
    ["svg", "png", "json"],
    "svg",
    "svg (one time axis, each fact a linked mark) or png to look at; json for machines.",
)
@output_option()
@click.pass_context
def timeline(ctx: click.Context, entity: str, output_format: str, output: str | None) -> None:
    """Draw every dated fact about ENTITY (default: Randa Kassis) on one time axis.

    Her roles (start and end as precise as stated; an end not stated is drawn open, as an
    arrow to the axis's end), the events she took part in, her books, the organisations she
    founded, her dated positions and facts, and the articles about her (source records whose
    own title names her, or that the graph says are about her), at their dates of publication.
    A year or month is a bar over its whole span, a day a dot. Each mark links to the page of
    its statement and is titled with its sources and independent outlets. ENTITY is a name, a
    local name, a CURIE or an IRI, as for `kg why`. The same graph gives the same bytes.

    \b
    Example:
        kg timeline > timeline.svg
        kg timeline --format png --output timeline.png
        kg timeline "Randa Kassis" --format json | jq -r '.items[].label'
    """
    from kg import timeline as timelines
    from kg.why import Describer

    loaded = store_of(ctx).loaded()
    describer = Describer(loaded)
    drawn = timelines.timeline(loaded, describer.resolve(entity), describer)
    rendered = timelines.RENDERERS[output_format](drawn)
    write_output(rendered, output, binary=output_format == "png")


@cli.command()
@click.argument("entity")
@click.option(
    "--depth",
    default=2,
    show_default=True,
    type=click.IntRange(1, 6),
    help="How many hops from ENTITY: 1 for its neighbours, 2 for theirs too, ...",
)
@format_option(
    ["svg", "png", "dot", "json"],
    "svg",
    "svg or png (laid out by Graphviz's dot) to look at; dot (Graphviz source) or json for "
    "machines.",
)
@output_option()
@click.pass_context
def network(
    ctx: click.Context, entity: str, depth: int, output_format: str, output: str | None
) -> None:
    """Draw the people, organisations and events within --depth hops of ENTITY.

    Each edge is a sourced statement between two of them, labelled by its relation and
    weighted (drawn thicker) by its independent outlets, as `kg why` counts them; a role
    (a member's schema:OrganizationRole, an attendee's schema:Role) is drawn as the edge it
    stands for. Each node links to its page. Laid out by Graphviz's dot, which must be
    installed (Debian: apt-get install graphviz) for svg and png. The same graph gives the
    same bytes.

    \b
    Example:
        kg network kgr:randa-kassis > network.svg
        kg network "Randa Kassis" --depth 1 --format png --output network.png
        kg network kgr:fabien-baussart --format dot | dot -Tpdf > baussart.pdf
        kg network kgr:randa-kassis --format json | jq '.edges[] | [.label, .weight]'
    """
    from kg import network as networks
    from kg.why import Describer

    loaded = store_of(ctx).loaded()
    describer = Describer(loaded)
    drawn = networks.network(loaded, describer.resolve(entity), depth, describer)
    rendered = networks.RENDERERS[output_format](drawn)
    write_output(rendered, output, binary=output_format == "png")


@cli.command()
@click.argument("text")
@click.option(
    "--type",
    "kinds",
    type=click.Choice(["entity", "source", "fact"]),
    multiple=True,
    help="Only hits of this kind (repeatable); by default entities, sources and facts.",
)
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1),
    help="At most this many hits of each kind.",
)
@format_option(
    ["text", "json"],
    "text",
    "text for people; json (the hits with their matching words' offsets) for machines.",
)
@click.pass_context
def search(
    ctx: click.Context, text: str, kinds: tuple[str, ...], limit: int, output_format: str
) -> None:
    """Find entities, sources and facts by their words: names in every language, quotes,
    source titles, outlets and authors.

    Case and accents do not matter, and a word matches the start of a longer one (astan finds
    Astana); a word the graph holds nothing starting with is replaced by its closest words
    (Kasis finds Kassis). Hits are listed entities first, then sources, then facts, each kind
    best match first, with their CURIE and the matching words marked [like this]. Exits 0
    with hits, 1 with none (as grep does), 2 on error.

    \b
    Example:
        kg search Kurds
        kg search kasis --type entity
        kg search "wall street journal" --type source
        kg search Astana --type fact --format json | jq '.hits[].quote'
    """
    from kg import search as searching
    from kg.textindex import KINDS

    found = searching.search(spec_of(ctx), tree_of(ctx), text, kinds or KINDS, limit)
    render = searching.FORMATS[output_format]
    click.echo(render(found, terminal=sys.stdout.isatty()), nl=False)
    ctx.exit(0 if found.hits else 1)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.1),
    help="Seconds a query may run before its worker is killed (HTTP 503).",
)
@click.option(
    "--max-rows",
    default=10_000,
    show_default=True,
    type=click.IntRange(1),
    help="Rows (or triples) a result may hold; more are cut, with an X-KG-Truncated header.",
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Query worker processes that run any query.",
)
@click.option(
    "--saved-workers",
    default=1,
    show_default=True,
    type=click.IntRange(0, 32),
    help="More workers, kept for saved queries (/api, the pages): SPARQL text never runs there.",
)
@click.option(
    "--per-client",
    default=1,
    show_default=True,
    type=click.IntRange(0, 1000),
    help="SPARQL-text queries one client address may run at once (0: no cap); more wait.",
)
@click.option(
    "--max-bytes",
    default="16MiB",
    show_default=True,
    callback=lambda ctx, param, value: _size(value, least=1024),
    help="The largest answer sent; a larger one is an error (HTTP 413), never cut.",
)
@click.option(
    "--worker-memory",
    default="1GiB",
    show_default=True,
    callback=lambda ctx, param, value: _size(value),
    help="Memory a worker process may use (0: no limit); a query needing more gets HTTP 413.",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow --host to be an address other than loopback.",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Serve edits to data/ and ontology/ once they validate (a failing one is shown on "
    "every page instead). Default: on for a tree you can write to, off for the installed graph.",
)
@click.pass_context
def serve(
    ctx,
    host,
    port,
    timeout,
    max_rows,
    workers,
    saved_workers,
    per_client,
    max_bytes,
    worker_memory,
    allow_remote,
    reload,
) -> None:
    """Serve the graph: a SPARQL 1.1 endpoint, the saved queries as an API, and pages.

    \b
    /sparql            SPARQL 1.1 Protocol (GET ?query=, POST form or sparql-query)
    /api/<name>        a saved query, parameters as ?name=value; /api/openapi.json
    /                  home page; /id/<name> and /source/<name> pages; /query
    Read-only; each query runs in a worker process killed after --timeout seconds, with
    one worker kept for saved queries and at most --per-client SPARQL queries per client.

    \b
    Example:
        kg serve
        kg serve --port 8080 --timeout 5 --max-rows 1000
        curl -H 'Accept: text/csv' 'http://127.0.0.1:8000/api/books'
    """
    from kg.web.app import Settings
    from kg.web.app import serve as run_server

    settings = Settings(
        timeout=timeout,
        max_rows=max_rows,
        workers=workers,
        saved_workers=saved_workers,
        per_client=per_client,
        max_bytes=max_bytes,
        worker_memory=worker_memory,
    )
    run_server(tree_of(ctx), host, port, settings, allow_remote, spec_of(ctx), reload)


def _size(value: str, least: int = 0) -> int:
    from kg.files import parse_size

    try:
        size = parse_size(value)
    except KgError as error:
        raise click.BadParameter(str(error)) from None
    if 0 < size < least or (least and not size):
        raise click.BadParameter(f"at least {least:,} bytes")
    return size


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit cannot fail again."""
    try:
        descriptor = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


OUTPUT_ERRORS = {errno.ENOSPC, errno.EIO, errno.EBADF, errno.EPIPE, errno.EDQUOT, errno.EFBIG}


def main() -> None:
    """Run `kg`: every way it can end becomes one line on stderr and a documented exit code."""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:  # not yet set by kg.__main__
        signal.signal(signal.SIGTERM, raise_interrupted)
    try:
        code = cli.main(prog_name="kg", standalone_mode=False)
        sys.stdout.flush()
        raise_if_interrupted()
    except click.exceptions.Abort:  # click's word for Ctrl-C (KeyboardInterrupt)
        click.echo("Interrupted.", err=True)
        code = 128 + signal.SIGINT
    except Interrupted as stop:
        click.echo("Interrupted.", err=True)
        code = stop.exit_code
    except click.ClickException as error:
        error.show()
        code = error.exit_code
    except OSError as error:  # stdout itself failed: /dev/full, a closed descriptor
        if error.errno not in OUTPUT_ERRORS:
            raise
        with contextlib.suppress(OSError):
            _quiet_stdout()
        click.echo(f"Error: cannot write the output ({os.strerror(error.errno)})", err=True)
        code = 2
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
