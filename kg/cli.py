"""The `kg` command: a thin layer that parses options, calls the library and renders its result.

Exit codes (pyshacl's convention): 0 success / conforms, 1 violations found, 2 usage or load error.
"""

from __future__ import annotations

import sys

import click

from kg.errors import KgError
from kg.load import ROOT_ENV, Tree, find_tree

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


@click.group(cls=KgGroup, context_settings=CONTEXT)
@click.option(
    "--root",
    metavar="DIR",
    envvar=ROOT_ENV,
    help=f"A kg tree (ontology/, data/, queries/) to use instead of the shipped graph. "
    f"Also read from ${ROOT_ENV}.",
)
@click.version_option(package_name="kg-kassis", prog_name="kg")
@click.pass_context
def cli(ctx: click.Context, root: str | None) -> None:
    """A sourced knowledge graph of Randa Kassis: every fact traced to its source and quote.

    \b
    Exit codes: 0 success, 1 violations found, 2 usage or load error.
    """
    ctx.obj = root


def tree_of(ctx: click.Context) -> Tree:
    root = ctx.find_root()
    from_env = root.get_parameter_source("root") == click.core.ParameterSource.ENVIRONMENT
    return find_tree(root.obj, origin=f"${ROOT_ENV}" if from_env else "--root")


@cli.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "turtle", "json"]),
    default="text",
    show_default=True,
    help="text for people; turtle (a sh:ValidationReport) or json for machines.",
)
@click.pass_context
def validate(ctx: click.Context, output_format: str) -> None:
    """Check the graph against the SHACL shapes and the evidence text.

    Runs pyshacl (no inference) with ontology/shapes.ttl over the loaded graph, then checks
    that every quote occurs verbatim in the article, that every reference-list entry has one
    source record, and that every kgv: term is declared. Prints each violation with the data
    file and line it comes from, then what the graph holds. Exits 0 if the graph conforms,
    1 if it does not, 2 if something cannot be loaded.

    \b
    Example:
        kg validate
        kg validate --format json | jq '.results[].message'
        kg --root ./my-tree validate --format turtle > report.ttl
    """
    from kg import validate as checks

    report = checks.validate_tree(tree_of(ctx))
    renderers = {
        "text": checks.format_text,
        "json": lambda r: r.to_json() + "\n",
        "turtle": lambda r: checks.report_graph(r).serialize(format="longturtle"),
    }
    click.echo(renderers[output_format](report), nl=False)
    ctx.exit(0 if report.conforms else 1)


def main() -> None:
    cli(prog_name="kg")


if __name__ == "__main__":
    sys.exit(main())
