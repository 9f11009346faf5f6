"""``compliance plugin``: tools for plugin authors (scaffold a package, verify a plugin).

Thin like the rest of the CLI: :mod:`compliance.scaffold` and
:mod:`compliance.verify_plugin` do the work. Exit codes: 0 done (verify: every check
passed), 1 verify found a problem, 2 usage error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from compliance.cli import EXIT_GATE, _printable, handle_errors

__all__ = ["plugin"]


@click.group()
def plugin() -> None:
    """Write and check plugins (indicators, evidence types, profiles, report formats)."""


@plugin.command("new")
@click.argument("name")
@click.option(
    "--directory",
    "-d",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder the package folder is written into.",
)
@click.option("--code", default="XX01", show_default=True, help="The example indicator's code.")
@click.option("--dimension", default="SI", show_default=True, help="Its dimension code.")
@click.option("--title", default=None, help="Its title (default: from NAME).")
@handle_errors
def new(name: str, directory: Path, code: str, dimension: str, title: str | None) -> None:
    """Write a ready plugin package compliance-NAME: pyproject with the entry point, an
    example indicator with its schema and profile preset, a case file, tests and README."""
    from compliance.scaffold import plugin_names, scaffold

    names = plugin_names(name, code=code, dimension=dimension, title=title)
    written = scaffold(directory, names)
    root = Path(directory) / names.dist
    click.echo(f"wrote {len(written)} files to {_printable(str(root))}")
    click.echo(f"next: pip install -e '{_printable(str(root))}[test]' && pytest {root}")


@plugin.command("verify")
@click.argument("target")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option("--no-cases", is_flag=True, help="Do not run the plugin's case files.")
@handle_errors
def verify(target: str, fmt: str, no_cases: bool) -> None:
    """Load one plugin in isolation (an installed distribution, a module name or a .py
    path) and check its metadata, schemas, rule documentation and case files.
    Exit 0 when every check passes, 1 otherwise."""
    from compliance.verify_plugin import verify_plugin

    result = verify_plugin(target, run_cases=not no_cases)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(_printable_lines(result.text()))
    if not result.ok:
        sys.exit(EXIT_GATE)


def _printable_lines(text: str) -> str:
    return "\n".join(_printable(line) for line in text.splitlines())
