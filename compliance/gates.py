"""CI gates: when an assessed bundle makes ``compliance check`` exit 1.

* ``fail_under``: the overall score is below the number (or there is no overall score);
* ``fail_on_grade``: the overall grade is this grade or a worse one, worse meaning a
  lower band in the profile's ``grade_bands`` (or there is no overall grade);
* ``fail_on``: an unwaived finding of this severity or a higher one exists;
* with a baseline, the gate fails only on regressions (see :mod:`compliance.baseline`):
  ``fail_on`` then only narrows which new findings and newly violated rules count, and a
  lower indicator score always counts. ``fail_under`` and ``fail_on_grade`` stay absolute
  floors: the user asked for them explicitly.

Without any of them the gate passes. Checker failures (exit 3) are not a gate matter:
the CLI decides those from ``Report.checker_failed`` and ``--allow-errors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from compliance.errors import UsageError
from compliance.report.model import Gate
from compliance.verdict import Severity

if TYPE_CHECKING:
    from compliance.baseline import BaselineDiff
    from compliance.profile import Profile
    from compliance.verdict import Verdict

__all__ = ["GateOptions", "evaluate_gate", "grade_order"]

#: How many regressions a gate reason names before it says "and N more".
NAMED_REGRESSIONS = 5


@dataclass(frozen=True)
class GateOptions:
    fail_under: float | None = None
    fail_on_grade: str | None = None
    fail_on: str | None = None

    def check(self, profile: Profile) -> None:
        """Reject options that cannot apply to this profile (exit 2, before any work)."""
        if self.fail_on is not None and self.fail_on not in {str(s) for s in Severity}:
            known = ", ".join(str(s) for s in Severity)
            raise UsageError(f"--fail-on: unknown severity {self.fail_on!r} (one of {known})")
        if self.fail_on_grade is not None and self.fail_on_grade not in grade_order(profile):
            known = ", ".join(grade_order(profile))
            raise UsageError(
                f"--fail-on-grade: profile {profile.name!r} has no grade "
                f"{self.fail_on_grade!r} (grades, best first: {known})"
            )


def grade_order(profile: Profile) -> list[str]:
    """The profile's grades from best (highest band) to worst."""
    return [band.grade for band in profile.grade_bands]


def evaluate_gate(
    *,
    score: float | None,
    grade: str | None,
    verdicts: list[Verdict],
    profile: Profile,
    options: GateOptions,
    diff: BaselineDiff | None = None,
) -> Gate:
    """Decide the gate. ``verdicts`` must already carry their waivers."""
    from compliance.baseline import describe_regression

    reasons: list[str] = []
    if options.fail_under is not None:
        if score is None:
            reasons.append("no overall score")
        elif score < options.fail_under:
            reasons.append(f"score {score:.2f} is under {options.fail_under:g}")
    if options.fail_on_grade is not None:
        order = grade_order(profile)
        if grade is None:
            reasons.append("no overall grade")
        elif grade in order and order.index(grade) >= order.index(options.fail_on_grade):
            reasons.append(f"grade {grade} is {options.fail_on_grade} or worse")
    floor = Severity(options.fail_on).rank if options.fail_on is not None else None
    if floor is not None and diff is None:
        hits = [
            f for v in verdicts for f in v.findings if not f.waived and f.severity.rank >= floor
        ]
        if hits:
            reasons.append(
                f"{len(hits)} unwaived finding(s) of severity {options.fail_on} or higher"
            )
    if diff is not None:
        # With a baseline only regressions fail; --fail-on then narrows which new
        # findings and newly violated rules count. A lower score always counts.
        failing = [
            r
            for r in diff.regressions
            if floor is None or r["kind"] == "score" or Severity(r["severity"]).rank >= floor
        ]
        if failing:
            named = [describe_regression(r) for r in failing[:NAMED_REGRESSIONS]]
            more = len(failing) - len(named)
            reasons.append(
                f"{len(failing)} regression(s) against the baseline: "
                + "; ".join(named)
                + (f"; and {more} more" if more else "")
            )
    return Gate(
        fail_under=options.fail_under,
        passed=not reasons,
        reasons=reasons,
        fail_on_grade=options.fail_on_grade,
        fail_on=options.fail_on,
    )
