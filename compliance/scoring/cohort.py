"""Ranking a cohort of communities from their evidence bundles.

Each bundle is checked with :func:`compliance.runner.check`; the indicator scores of the
reports become the decision matrix, which :func:`compliance.scoring.rank_matrix` ranks.
Checks are independent, so they run in parallel: in local processes (``jobs``) or on an
existing Dask distributed cluster (``scheduler``). Either way a worker returns
``report.to_dict()``, plain data, never live objects, and loads the plugins itself; the
matrix is built and ranked in the calling process from those dicts, which is why every way
of running gives the same ranking.

Which cells the matrix gets:

* a numeric indicator score -> that score;
* ``insufficient_evidence`` -> 0 when the profile counts missing evidence as 0 (as the
  audit's own score does), else no score;
* no score (not assessed in that community, not applicable, waived, error) -> a gap.

A gap cannot be ranked silently, so ``fill_missing`` decides: ``error`` (default) names the
indicators and communities; ``zero`` scores the gap 0, as an unproven indicator is in the
audit; ``drop`` leaves out every indicator with a gap. An indicator no community has a
score for is never a column.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from compliance.errors import ComplianceError, UsageError
from compliance.scoring.matrix import Matrix, RankingError

__all__ = ["FILL_POLICIES", "CheckerFailed", "check_bundles", "check_one", "matrix_from_reports"]

FILL_POLICIES = ("error", "zero", "drop")


class CheckerFailed(ComplianceError):
    """A bundle's check crashed or a plugin failed (exit 3, as for ``compliance check``)."""

    exit_code = 3


class _Rejected(ComplianceError):
    """A worker's ComplianceError, rebuilt in the caller with its line and exit code."""

    def __init__(self, line: str, exit_code: int) -> None:
        super().__init__(line)
        self.exit_code = exit_code


def check_one(bundle: str, profile: str, block: Sequence[str] = ()) -> dict[str, Any]:
    """Check one bundle and return plain data: ``{"bundle", "report"}`` or, when the bundle
    is rejected, ``{"bundle", "error", "exit_code"}``.

    Runs in a worker process (local or Dask). Errors come back as data rather than as
    raised exceptions so nothing engine-specific has to survive pickling.
    """
    from compliance.runner import check

    try:
        # One indicator at a time: bundles are what runs in parallel here.
        report = check(bundle, profile=profile, block=tuple(block), jobs=1)
    except ComplianceError as exc:
        return {"bundle": bundle, "error": exc.line(), "exit_code": exc.exit_code}
    except Exception as exc:  # the checker itself broke: report it, keep the others going
        return {
            "bundle": bundle,
            "error": f"{bundle}: the checker failed ({type(exc).__name__})",
            "exit_code": CheckerFailed.exit_code,
        }
    return {"bundle": bundle, "report": report.to_dict()}


def _portable(path: str) -> str:
    """An absolute path when the name exists here, so a worker with another working
    directory finds the same file; a profile name passes unchanged."""
    return str(Path(path).resolve()) if os.path.exists(path) else path


def check_bundles(
    bundles: Sequence[str | os.PathLike[str]],
    *,
    profile: str = "default",
    block: Sequence[str] = (),
    jobs: int = 1,
    scheduler: str | None = None,
) -> list[dict[str, Any]]:
    """Check every bundle, in input order, and return :func:`check_one`'s dicts.

    :param jobs: bundles checked at once in local processes (1: in this process).
    :param scheduler: the address of a Dask distributed scheduler (``tcp://host:8786``);
        the bundles and profile must be readable at the same paths on its workers.
    """
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    paths = [_portable(os.fspath(b)) for b in bundles]
    # A profile name stays a name (a plugin's profile wins over a file of that name, as
    # in resolve_profile); only something that looks like a file path is made absolute.
    looks_like_file = os.sep in profile or Path(profile).suffix in (".yaml", ".yml", ".json")
    prof = _portable(profile) if looks_like_file else profile
    blocked = list(block)
    if scheduler is not None:
        return _on_dask(scheduler, paths, prof, blocked)
    if jobs == 1 or len(paths) <= 1:
        return [check_one(p, prof, blocked) for p in paths]
    # spawn, not fork: the parent may already run polars' thread pool, and forking a
    # process with live threads can deadlock the child.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(paths)), mp_context=context) as pool:
        return list(pool.map(check_one, paths, [prof] * len(paths), [blocked] * len(paths)))


def _on_dask(
    address: str, paths: list[str], profile: str, block: list[str]
) -> list[dict[str, Any]]:
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(
            "--scheduler needs Dask: pip install 'community-safety-compliance[dask]'"
        ) from None
    from distributed.comm.addressing import parse_address
    from distributed.comm.registry import get_backend

    try:
        # An unknown protocol is refused before a Client exists: a Client that failed
        # that way hangs in its finaliser.
        get_backend(parse_address(address)[0])
    except ValueError:
        raise UsageError(f"{address} is not a Dask scheduler address (tcp://HOST:PORT)") from None
    try:
        # The connect timeout is Dask's own (distributed.comm.timeouts.connect), so a
        # slow cluster is tuned the usual Dask way.
        client = Client(address, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(
            f"cannot reach the Dask scheduler at {address} ({type(exc).__name__})"
        ) from None
    with client:
        futures = client.map(
            check_one, paths, [profile] * len(paths), [block] * len(paths), pure=False
        )
        results: list[dict[str, Any]] = client.gather(futures)
    return results


def matrix_from_reports(
    results: Sequence[dict[str, Any]],
    *,
    fill_missing: str = "error",
    insufficient_as_zero: bool = True,
    allow_errors: bool = False,
    warn: Callable[[str], None] | None = None,
) -> tuple[Matrix, dict[str, str], list[str]]:
    """The decision matrix of checked bundles: (matrix, community id -> name, notes).

    :raises ComplianceError: a bundle was rejected (its own exit code), a check failed
        (exit 3 unless ``allow_errors``), two bundles are the same community, or a gap is
        left with ``fill_missing="error"``.
    """
    if fill_missing not in FILL_POLICIES:
        raise UsageError(f"--fill-missing must be one of {', '.join(FILL_POLICIES)}")
    for result in results:
        if "error" in result:
            raise _Rejected(result["error"], int(result.get("exit_code", 2)))
    ids: list[str] = []
    names: dict[str, str] = {}
    where: dict[str, str] = {}
    scores: list[dict[str, float]] = []
    for result in results:
        report = result["report"]
        community = report["community"]
        cid = str(community["id"])
        if cid in where:
            raise RankingError(
                f"duplicate community id {cid}: bundles {where[cid]} and {result['bundle']}"
            )
        where[cid] = result["bundle"]
        _checker_problems(result, allow_errors, warn)
        ids.append(cid)
        names[cid] = str(community.get("name", cid))
        row: dict[str, float] = {}
        for verdict in report["indicators"]:
            if verdict["score"] is not None:
                row[verdict["code"]] = float(verdict["score"])
            elif verdict["status"] == "insufficient_evidence" and insufficient_as_zero:
                row[verdict["code"]] = 0.0
        scores.append(row)
    codes = sorted({code for row in scores for code in row})
    if not codes:
        raise RankingError("no indicator has a score in any of the bundles")
    gaps = {c: [ids[i] for i, row in enumerate(scores) if c not in row] for c in codes}
    gaps = {c: who for c, who in gaps.items() if who}
    notes: list[str] = []
    if gaps and fill_missing == "error":
        detail = "; ".join(f"{c} in {', '.join(who)}" for c, who in list(gaps.items())[:5])
        more = f"; and {len(gaps) - 5} more indicators" if len(gaps) > 5 else ""
        raise RankingError(
            f"{len(gaps)} indicator(s) have no score in some communities: {detail}{more} "
            "(use --fill-missing zero or drop)"
        )
    if gaps and fill_missing == "drop":
        codes = [c for c in codes if c not in gaps]
        notes.append(f"left out for lack of a score in some communities: {', '.join(gaps)}")
        if not codes:
            raise RankingError("every indicator lacks a score in some community")
    if gaps and fill_missing == "zero":
        notes += [
            f"{c} scored 0 where it has no score: {', '.join(who)}" for c, who in gaps.items()
        ]
    columns = [[row.get(c, 0.0) for row in scores] for c in codes]
    return Matrix(ids, codes, columns), names, notes


def _checker_problems(
    result: dict[str, Any], allow_errors: bool, warn: Callable[[str], None] | None
) -> None:
    report = result["report"]
    problems = [
        f"plugin {e.get('plugin', '?')} failed: {e.get('message', '')}"
        for e in report.get("plugin_errors", [])
    ] + [
        f"indicator {v['code']} failed: {v.get('reason') or ''}"
        for v in report["indicators"]
        if v["status"] == "error"
    ]
    if not problems:
        return
    if not allow_errors:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CheckerFailed(f"{problems[0]}{more}", where=result["bundle"])
    if warn is not None:
        for problem in problems:
            warn(f"{result['bundle']}: {problem}")
