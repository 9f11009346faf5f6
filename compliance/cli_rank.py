"""``compliance rank``: rank a cohort of communities from a score matrix or from bundles.

Thin like the rest of the CLI: it parses options, calls :mod:`compliance.scoring` and the
cohort renderer, and maps errors to exit codes (2 for bad input or options, 3 when a
bundle's check failed). Imports stay inside the command so ``compliance --help`` does not
load polars or Dask.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _handle_errors(func: F) -> F:
    """The CLI's error handling (one line, documented exit codes). Imported when the
    command is defined: ``compliance.cli`` imports this module at its end, so the helpers
    exist by then, and a top-level import would make the two modules import each other."""
    from compliance.cli import handle_errors

    return handle_errors(func)


def _warn(line: str) -> None:
    from compliance.cli import _printable

    click.echo(f"compliance: warning: {_printable(line)}", err=True)


__all__ = ["rank"]

# Spelled out here rather than imported, to keep this module free of the scoring code;
# a test checks it matches compliance.scoring.METHODS.
_METHODS = ("critic-topsis", "entropy-topsis", "profile-topsis", "ahp-topsis")


@click.command()
@click.argument("bundles", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--matrix",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV of scores: header community,<code>,..., one row per community.",
)
@click.option(
    "--method",
    type=click.Choice(_METHODS),
    default="critic-topsis",
    show_default=True,
    help="How indicators are weighted before TOPSIS ranks the communities.",
)
@click.option(
    "--cost",
    multiple=True,
    metavar="CODE,...",
    help="Indicators where lower is better (comma-separated, repeatable).",
)
@click.option(
    "--ahp",
    "ahp_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Pairwise comparison matrix (CSV, header of codes) for ahp-topsis.",
)
@click.option(
    "--profile",
    "-p",
    default="default",
    show_default=True,
    help="Profile: checks the bundles, gives profile-topsis weights and the dimensions.",
)
@click.option(
    "--dimensions",
    "dimensions_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV code,dimension[,name] instead of the profile's dimensions.",
)
@click.option(
    "--fill-missing",
    type=click.Choice(["error", "zero", "drop"]),
    default="error",
    show_default=True,
    help="An indicator without a score in some bundles: refuse, score it 0, or leave it out.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Bundles checked at once in local processes.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Check the bundles on this Dask distributed scheduler (needs the [dask] extra).",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["json", "html", "md"]),
    default="json",
    show_default=True,
    help="Output format of the cohort report.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of standard output.",
)
@click.option(
    "--block", multiple=True, metavar="PLUGIN", help="Do not load this plugin (repeatable)."
)
@click.option("--allow-errors", is_flag=True, help="Rank even if a bundle's check failed.")
@_handle_errors
def rank(
    bundles: tuple[Path, ...],
    matrix: Path | None,
    method: str,
    cost: tuple[str, ...],
    ahp_file: Path | None,
    profile: str,
    dimensions_file: Path | None,
    fill_missing: str,
    jobs: int,
    scheduler: str | None,
    fmt: str,
    output: Path | None,
    block: tuple[str, ...],
    allow_errors: bool,
) -> None:
    """Rank communities by CRITIC-TOPSIS (or another weighting) from a score matrix
    (--matrix FILE.csv) or from evidence BUNDLES, checked in parallel."""
    from compliance.errors import UsageError
    from compliance.report.cohort import render_cohort
    from compliance.scoring import profile_dimensions, profile_weights, rank_matrix
    from compliance.scoring.matrix import parse_codes, read_dimensions_csv, read_matrix_csv

    if (matrix is None) == (not bundles):
        raise UsageError("give either --matrix FILE or one or more BUNDLE paths, not both")
    if jobs > 1 and scheduler:
        raise UsageError("--jobs and --scheduler exclude each other")
    if matrix is not None and (jobs > 1 or scheduler or fill_missing != "error"):
        raise UsageError("--jobs, --scheduler and --fill-missing apply to bundles, not --matrix")
    if (method == "ahp-topsis") != (ahp_file is not None):
        raise UsageError("--ahp FILE goes with --method ahp-topsis, and that method needs it")

    host = _quiet_host(block)
    prof = _profile(profile, host)
    pairwise = None
    if ahp_file is not None:
        from compliance.scoring.ahp import read_pairwise_csv

        pairwise = read_pairwise_csv(ahp_file)
    labels: dict[str, str] = {}
    notes: list[str] = []
    if matrix is not None:
        # The checks' plugin errors travel in their reports; here the host only lends
        # the profile, so a broken plugin is worth a warning, not a failure.
        for error in host.errors:
            _warn(error.line())
        scores = read_matrix_csv(matrix)
    else:
        from compliance.scoring.cohort import check_bundles, matrix_from_reports

        results = check_bundles(
            list(bundles), profile=profile, block=block, jobs=jobs, scheduler=scheduler
        )
        scores, labels, notes = matrix_from_reports(
            results,
            fill_missing=fill_missing,
            insufficient_as_zero=prof.insufficient_scores_zero,
            allow_errors=allow_errors,
            warn=_warn,
        )
    if dimensions_file is not None:
        mapping, names = read_dimensions_csv(dimensions_file)
    else:
        mapping, names = profile_dimensions(prof)
    result = rank_matrix(
        scores,
        method,
        parse_codes(cost),
        profile_weights=profile_weights(prof) if method == "profile-topsis" else None,
        pairwise=pairwise,
        dimensions=mapping,
        dimension_names=names,
    )
    result.labels = labels
    result.notes = notes + result.notes
    data = render_cohort(result.to_dict(), fmt)
    if output is None:
        click.echo(data, nl=False)
    else:
        output.write_bytes(data)
    sys.exit(0)


def _quiet_host(block: tuple[str, ...]) -> Any:
    from compliance.plugins import PluginHost

    return PluginHost(block=block)


def _profile(name: str, host: Any) -> Any:
    """The profile, loaded as ``compliance check`` loads it (validated against its schema)."""
    from compliance.runner import make_registry, resolve_profile

    return resolve_profile(name, host, make_registry(host))
