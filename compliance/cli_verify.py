"""``compliance verify REPORT.json BUNDLE``: does the bundle still match the evidence the
report was made from? Exit 0 when it does, 1 when a file changed or is missing, 2 when
the report or the bundle cannot be read (the same rejections as ``check``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = ["verify"]

F = TypeVar("F", bound=Callable[..., Any])


def _handle_errors(func: F) -> F:
    """The CLI's one-line errors and exit codes; imported when the command is defined,
    since ``compliance.cli`` imports this module at its end."""
    from compliance.cli import handle_errors

    return handle_errors(func)


@click.command()
@click.argument("report", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@_handle_errors
def verify(report: Path, bundle: Path, fmt: str) -> None:
    """Check that BUNDLE still holds the evidence REPORT.json was made from (by SHA-256)."""
    from compliance.cli import _printable
    from compliance.verify import verify as run_verify

    result = run_verify(report, bundle)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        for item in result.files:
            if item.status != "ok":
                click.echo(f"{item.status:<8} {_printable(item.path)}")
        counts = result.to_dict()["counts"]
        verdict = "matches" if result.matches else "does not match"
        click.echo(
            f"bundle {verdict} the report: {counts['ok']} unchanged, "
            f"{counts['changed']} changed, {counts['missing']} missing"
        )
    sys.exit(0 if result.matches else 1)
