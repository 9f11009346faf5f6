"""The command line: a thin layer over the Python API.

Exit codes (fixed contract): 0 assessed and the gate passed; 1 assessed and the gate
failed; 2 usage error or bundle rejected; 3 the checker failed (a plugin crashed or failed
to load) unless ``--allow-errors``. Every error is one line on stderr, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from compliance import __version__

EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_CHECKER = 0, 1, 2, 3
DEFAULT_FORMATS = ("json", "html")

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int) -> None:
    click.echo(f"compliance: error: {_printable(message)}", err=True)
    sys.exit(code)


def _printable(text: str) -> str:
    """Escape control characters so a file name can never drive the terminal, and mask
    personal data (a phone number in a file name) in every line the CLI prints."""
    from compliance.privacy import mask

    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in mask(text)
    )


def handle_errors(func: F) -> F:
    """Turn engine errors into one line and the documented exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from compliance.errors import ComplianceError

        try:
            return func(*args, **kwargs)
        except ComplianceError as exc:
            _fail(exc.line(), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except BrokenPipeError:
            # The reader went away (``| head``): stop quietly, as Unix tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_USAGE)
        except MemoryError:
            _fail("out of memory", EXIT_CHECKER)
        except OSError as exc:
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            _fail(f"{where}{exc.strerror or type(exc).__name__}", EXIT_USAGE)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="compliance")
def main() -> None:
    """Audit the safety of smart communities from evidence bundles."""


def _host(block: tuple[str, ...]) -> Any:
    from compliance.plugins import PluginHost

    host = PluginHost(block=block)
    return host


def _report_plugin_errors(host: Any) -> None:
    for error in host.errors:
        click.echo(f"compliance: warning: {_printable(error.line())}", err=True)


@main.command()
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "-f",
    "formats",
    multiple=True,
    metavar="FORMAT",
    help="Report format, repeatable (json, html, md, sarif, junit, oscal, github, ...). "
    "Default: json and html.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("compliance-report"),
    show_default=True,
    help="Folder the reports are written to (created if needed).",
)
@click.option("--profile", "-p", default="default", show_default=True, help="Profile name or file.")
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    help="Gate: exit 1 when the overall score is lower.",
)
@click.option(
    "--fail-on-grade",
    metavar="GRADE",
    default=None,
    help="Gate: exit 1 when the overall grade is GRADE or worse (profile band order).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["info", "low", "medium", "high", "critical"]),
    default=None,
    help="Gate: exit 1 on any unwaived finding of this severity or higher.",
)
@click.option(
    "--waivers",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="YAML list of waivers (indicator or rule, scope, justification, approver, expires).",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="REPORT.json",
    help="A previous JSON report: the gate then fails only on regressions.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    show_default="4 per core, at most 8",
    help="Indicators evaluated at once, on threads that share the evidence read "
    "(indicators not marked thread-safe run by themselves).",
)
@click.option(
    "--block", multiple=True, metavar="PLUGIN", help="Do not load this plugin (repeatable)."
)
@click.option(
    "--only", multiple=True, metavar="CODE", help="Evaluate only this indicator (repeatable)."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=300.0,
    show_default=True,
    metavar="SECONDS",
    help="Each indicator runs in its own process and fails (error verdict) after this long.",
)
@click.option("--allow-errors", is_flag=True, help="Exit by the gate even if a plugin failed.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@handle_errors
def check(
    bundle: Path,
    formats: tuple[str, ...],
    output: Path,
    profile: str,
    fail_under: float | None,
    fail_on_grade: str | None,
    fail_on: str | None,
    waivers: Path | None,
    baseline: Path | None,
    jobs: int | None,
    block: tuple[str, ...],
    only: tuple[str, ...],
    timeout: float,
    allow_errors: bool,
    quiet: bool,
) -> None:
    """Audit BUNDLE: a folder, .zip, .tar.gz/.tgz or BagIt bag with a bundle manifest."""
    from compliance.errors import UsageError
    from compliance.runner import check as run_check

    host = _host(block)
    renderers = host.renderers()
    chosen = list(dict.fromkeys(formats or DEFAULT_FORMATS))
    unknown = [f for f in chosen if f not in renderers]
    if unknown:
        known = ", ".join(sorted(renderers)) or "none"
        raise UsageError(f"unknown format {', '.join(unknown)} (available: {known})")
    progress = _progress if (not quiet and _stderr_tty()) else None
    report = run_check(
        bundle,
        profile=profile,
        jobs=jobs,
        fail_under=fail_under,
        host=host,
        only=list(only) or None,
        on_verdict=progress,
        fail_on_grade=fail_on_grade,
        fail_on=fail_on,
        waivers=waivers,
        baseline=baseline,
        timeout=timeout,
    )
    if progress:
        click.echo("", err=True)
    _report_plugin_errors(host)
    for waiver in report.waivers or []:
        if waiver["status"] in ("expired", "refused"):
            click.echo(
                f"compliance: warning: waiver {_printable(waiver['id'])} {waiver['status']}: "
                f"{_printable(waiver['reason'])}",
                err=True,
            )
    for verdict in report.errors:
        click.echo(
            f"compliance: error: indicator {verdict.code} failed: "
            f"{_printable(verdict.reason or '')}",
            err=True,
        )
    written = _write_reports(report, chosen, renderers, output)
    if not quiet:
        _summary(report, written)
    if report.checker_failed and not allow_errors:
        sys.exit(EXIT_CHECKER)
    sys.exit(EXIT_OK if report.gate.passed else EXIT_GATE)


def _write_reports(
    report: Any, chosen: list[str], renderers: dict[str, Any], output: Path
) -> list[Path]:
    from compliance.errors import UsageError

    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the output folder ({exc.strerror})", where=str(output)
        ) from None
    written = []
    for name in chosen:
        renderer = renderers[name]
        data = renderer.render(report)
        target = output / f"report.{renderer.extension}"
        target.write_bytes(data)
        written.append(target)
    return written


def _stderr_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _progress(verdict: Any, done: int, total: int) -> None:
    score = "" if verdict.score is None else f" {verdict.score:.1f}"
    click.echo(
        f"\r[{done}/{total}] {verdict.code} {verdict.status}{score}\x1b[K", err=True, nl=False
    )


def _summary(report: Any, written: list[Path]) -> None:
    community = report.community
    score = "n/a" if report.score is None else f"{report.score:.1f}"
    click.echo(
        f"{_printable(community['name'])} ({_printable(community['id'])}): "
        f"score {score}, grade {report.grade or '-'}, {report.status}"
    )
    for verdict in report.verdicts:
        vscore = "   -" if verdict.score is None else f"{verdict.score:5.1f}"
        click.echo(
            f"  {verdict.code:<6} {vscore}  {verdict.status!s:<22} {_printable(verdict.title)}"
        )
    if report.unassessed:
        click.echo(
            f"  {len(report.unassessed)} indicator(s) of the profile not assessed: "
            "no plugin provides them"
        )
    gate = report.gate
    if report.waivers is not None:
        applied = sum(1 for w in report.waivers if w["status"] == "applied")
        click.echo(f"waivers: {applied} of {len(report.waivers)} applied")
    if report.baseline is not None:
        click.echo(
            f"baseline: {len(report.baseline['regressions'])} regression(s), "
            f"{len(report.baseline['improvements'])} improvement(s)"
        )
    asked = [
        f"--{name} {value:g}" if isinstance(value, float) else f"--{name} {value}"
        for name, value in (
            ("fail-under", gate.fail_under),
            ("fail-on-grade", gate.fail_on_grade),
            ("fail-on", gate.fail_on),
        )
        if value is not None
    ]
    if report.baseline is not None:
        asked.append("--baseline")
    if asked:
        click.echo(f"gate {' '.join(asked)}: {'passed' if gate.passed else 'failed'}")
        for reason in gate.reasons:
            click.echo(f"  {_printable(reason)}")
    for path in written:
        click.echo(f"wrote {path}")


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--block", multiple=True, metavar="PLUGIN", help="Do not load this plugin.")
@handle_errors
def indicators(fmt: str, block: tuple[str, ...]) -> None:
    """List the loaded indicators."""
    host = _host(block)
    rows = []
    for code, entry in host.indicators().items():
        cls = entry.cls
        rows.append(
            {
                "code": code,
                "title": cls.title,
                "dimension": cls.dimension,
                "plugin": entry.plugin,
                "version": entry.version,
                "description": cls.description,
                "evidence": [{"type": n.type, "required": n.required} for n in cls.evidence],
                "rules": [
                    {
                        "id": f"{code}.{r.id}",
                        "title": r.title,
                        "weight": r.weight,
                        "severity": str(r.severity),
                        "red_line": r.red_line,
                    }
                    for r in cls.rules
                ],
                **({"replaces": entry.replaced} if entry.replaced else {}),
            }
        )
    _report_plugin_errors(host)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            click.echo(
                f"{row['code']:<6} {row['dimension']:<4} {row['title']}  "
                f"[{row['plugin']} {row['version'] or ''}]".rstrip()
            )
    if host.errors:
        sys.exit(EXIT_CHECKER)


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--block", multiple=True, metavar="PLUGIN", help="Do not load this plugin.")
@handle_errors
def plugins(fmt: str, block: tuple[str, ...]) -> None:
    """List the loaded plugins with their versions and hooks, and any that failed."""
    host = _host(block)
    host.collected()
    infos = [p.to_dict() for p in host.plugins()]
    errors = [e.to_dict() for e in host.errors]
    if fmt == "json":
        click.echo(
            json.dumps({"plugins": infos, "errors": errors, "blocked": host.blocked}, indent=2)
        )
    else:
        for info in infos:
            hooks = ", ".join(h.removeprefix("compliance_") for h in info["hooks"])
            click.echo(
                f"{info['name']:<8} {info['distribution'] or '-'} {info['version'] or ''}  "
                f"{info['module']}  ({hooks})"
            )
        for name in host.blocked:
            click.echo(f"{name:<8} blocked")
        _report_plugin_errors(host)
    if errors:
        sys.exit(EXIT_CHECKER)


@main.group()
def bundle() -> None:
    """Work with evidence bundles."""


@bundle.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@handle_errors
def bundle_init(directory: Path) -> None:
    """Write an empty bundle skeleton into DIRECTORY: a manifest and a template for each
    evidence type the loaded plugins read."""
    from compliance.bundle import init_bundle

    host = _host(())
    written = init_bundle(directory, list(host.evidence_types().values()))
    _report_plugin_errors(host)
    click.echo(f"wrote {len(written)} files to {_printable(str(directory))}")


@main.command()
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same bytes.")
@click.option(
    "--rows",
    type=click.IntRange(min=0),
    default=20_000,
    show_default=True,
    help="About how many table rows in all.",
)
@click.option(
    "--quality", type=click.Choice(["good", "fair", "poor"]), default="good", show_default=True
)
@handle_errors
def sample(outdir: Path, seed: int, rows: int, quality: str) -> None:
    """Write a realistic synthetic bundle to OUTDIR covering every loaded indicator."""
    from compliance.sample import write_sample

    host = _host(())
    written = write_sample(outdir, host=host, seed=seed, rows=rows, quality=quality)
    _report_plugin_errors(host)
    click.echo(f"wrote {len(written)} files to {_printable(str(outdir))}")


from compliance.cli_rank import rank  # noqa: E402

main.add_command(rank)

from compliance.cli_plugin import plugin  # noqa: E402

main.add_command(plugin)

from compliance.cli_verify import verify  # noqa: E402

main.add_command(verify)


if __name__ == "__main__":  # pragma: no cover
    main()
