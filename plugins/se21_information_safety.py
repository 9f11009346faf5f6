"""SE21 Information safety safeguard: the platform's security is assessed and kept up.

The indicator reads the platform's security assessments (graded-protection tests,
penetration tests, risk assessments): the latest one must be recent and cover physical,
network, data and application security, its controls must mostly pass, serious findings
must be fixed in time, and a declared graded-protection level must be filed and tested.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from compliance import hookimpl
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule
from compliance.verdict import Location

from ._common import load_schema, schema_id, yaml_bytes
from ._platform import as_list, day, list_findings, share_score, text

__all__ = ["InformationSafety"]

ASSESSMENT = "security_assessment"


def _assessments(ctx: Context) -> list[tuple[Any, int, dict[str, Any], date]]:
    """(record, index, assessment, date) for every dated assessment issued by the period's
    end, latest first."""
    out = []
    for record in ctx.records(ASSESSMENT):
        data = record.data if isinstance(record.data, dict) else {}
        for i, item in enumerate(as_list(data.get("assessments"))):
            when = day(item.get("date")) if isinstance(item, dict) else None
            if when is not None and when <= ctx.period.end:
                out.append((record, i, item, when))
    out.sort(key=lambda t: t[3], reverse=True)
    return out


def _level(ctx: Context) -> tuple[Any, dict[str, Any]] | None:
    for record in ctx.records(ASSESSMENT):
        data = record.data if isinstance(record.data, dict) else {}
        level = data.get("protection_level")
        if isinstance(level, dict):
            return record, level
    return None


def _where(ctx: Context) -> Location | None:
    """The assessments list of the first usable record, for findings about all of it."""
    record = ctx.record(ASSESSMENT)
    return ctx.at(record, pointer="/assessments") if record else None


class InformationSafety(Indicator):
    """The smart-community platform's physical, network, data and application security is
    assessed regularly and the weaknesses found are fixed, so that the system and its
    information stay confidential, intact, reliable and available.

    Evidence: a ``security_assessment`` record listing the assessments of the platform
    (areas examined, controls checked and passed, findings and their resolution) and the
    declared graded-protection level, if any.
    """

    code = "SE21"
    title = "Information safety safeguard"
    dimension = "PS"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(ASSESSMENT, purpose="security assessments of the platform and the protection level"),
    )

    @rule(
        "R1",
        "The latest assessment covers every required security area",
        weight=3,
        severity="high",
        thresholds=("required_areas",),
    )
    def areas_covered(self, ctx: Context) -> float | None:
        """Takes the latest assessment issued by the period's end. An area of
        ``required_areas`` is covered when the assessment lists it with at least one control
        checked. Score: the share of required areas covered (0 when there is no dated
        assessment)."""
        found = _assessments(ctx)
        required = [str(a) for a in ctx.threshold("required_areas")]
        if not required:
            return None
        if not found:
            ctx.finding(
                "no security assessment dated by the end of the period",
                at=_where(ctx),
                fix="Have the platform assessed (for example a graded-protection test) and "
                "add the report to the record.",
            )
            return 0.0
        record, index, item, _ = found[0]
        checked = {
            a.get("area")
            for a in as_list(item.get("areas"))
            if isinstance(a, dict)
            and isinstance(a.get("controls_checked"), int)
            and a["controls_checked"] > 0
        }
        missing = [a for a in required if a not in checked]
        ctx.metric("areas_covered", len(required) - len(missing))
        ctx.metric("areas_required", len(required))
        if missing:
            ctx.finding(
                f"the latest assessment ({text(item.get('assessment_id')) or index}) does not "
                f"examine: {', '.join(missing)}",
                at=ctx.at(record, pointer=f"/assessments/{index}/areas"),
                fix="Extend the assessment's scope to physical, network, data and application "
                "security and record the controls checked in each.",
            )
        return (len(required) - len(missing)) / len(required)

    @rule(
        "R2",
        "The platform was assessed recently",
        weight=2,
        severity="high",
        thresholds=("assessment_max_age_days",),
    )
    def assessment_recent(self, ctx: Context) -> float | None:
        """The age of the latest assessment is counted in days from its date to the period's
        end. Within ``assessment_max_age_days`` the score is 1; beyond it the score is the
        allowed age over the actual age, so an assessment twice as old as allowed scores
        0.5. No dated assessment scores 0."""
        found = _assessments(ctx)
        if not found:
            ctx.finding(
                "the platform has no security assessment dated by the end of the period",
                at=_where(ctx),
                fix="Have the platform assessed at least once per window.",
            )
            return 0.0
        record, index, _, when = found[0]
        age = (ctx.period.end - when).days
        allowed = int(ctx.threshold("assessment_max_age_days"))
        ctx.metric("latest_assessment_age_days", age)
        if age <= allowed:
            return 1.0
        ctx.finding(
            f"the latest assessment is {age} days old at the period's end (at most {allowed})",
            at=ctx.at(record, pointer=f"/assessments/{index}/date"),
            fix="Assess the platform again; schedule assessments at least once per window.",
        )
        return allowed / age if age > 0 else 0.0

    @rule(
        "R3",
        "Serious findings are fixed in time",
        weight=3,
        severity="critical",
        thresholds=("serious_severities", "serious_fix_days"),
    )
    def serious_findings_fixed(self, ctx: Context) -> float | None:
        """Considers every finding of a severity in ``serious_severities`` raised by the
        period's end (its ``found_on``, or its assessment's date). A finding is handled in
        time when it was fixed or formally accepted within ``serious_fix_days`` of being
        raised; an open finding raised less than ``serious_fix_days`` before the period's
        end is not yet due and is left out. Score: the share of due findings handled in time
        (1 when none is due). Open serious findings are counted as a metric."""
        serious = {str(s) for s in ctx.threshold("serious_severities")}
        limit = int(ctx.threshold("serious_fix_days"))
        end = ctx.period.end
        due = handled = still_open = 0
        late: list[tuple[Any, str]] = []
        for record, i, item, when in _assessments(ctx):
            for j, f in enumerate(as_list(item.get("findings"))):
                if not isinstance(f, dict) or f.get("severity") not in serious:
                    continue
                found_on = day(f.get("found_on")) or when
                if found_on > end:
                    continue
                fixed_on = day(f.get("fixed_on"))
                status = f.get("status")
                closed = status in ("fixed", "accepted") and fixed_on is not None
                closed = closed and fixed_on <= end  # type: ignore[operator]
                if not closed:
                    still_open += 1
                    if (end - found_on).days <= limit:
                        continue
                due += 1
                days = (fixed_on - found_on).days if closed and fixed_on else None
                if days is not None and days <= limit:
                    handled += 1
                    continue
                how = f"fixed after {days} days" if days is not None else "still open"
                late.append(
                    (
                        ctx.at(record, pointer=f"/assessments/{i}/findings/{j}"),
                        f"{f.get('severity')} finding {text(f.get('finding_id')) or j} of "
                        f"assessment {text(item.get('assessment_id')) or i} is {how} "
                        f"(at most {limit} days)",
                    )
                )
        ctx.metric("serious_findings_due", due)
        ctx.metric("serious_findings_open", still_open)
        list_findings(
            ctx,
            late,
            fix="Fix critical and high findings promptly, or record a formal risk acceptance, "
            "and note the date of confirmation.",
            more="serious findings not handled in time",
        )
        return handled / due if due else 1.0

    @rule(
        "R4",
        "The declared protection level is adequate, filed and tested",
        weight=2,
        severity="medium",
        thresholds=("min_protection_level", "graded_test_max_age_days"),
    )
    def protection_level(self, ctx: Context) -> float | None:
        """Applies only when the record declares a graded-protection level. Three equal
        parts: the level is at least ``min_protection_level``; the filing reference is
        given; and a graded-protection test was issued within ``graded_test_max_age_days``
        of the period's end. Score: the share of parts met."""
        declared = _level(ctx)
        if declared is None:
            return None
        record, level = declared
        parts = 0
        minimum = int(ctx.threshold("min_protection_level"))
        value = level.get("level")
        ctx.metric("protection_level", value if isinstance(value, int) else None)
        if isinstance(value, int) and value >= minimum:
            parts += 1
        else:
            ctx.finding(
                f"the declared protection level is below the required level {minimum}",
                at=ctx.at(record, pointer="/protection_level/level"),
                fix="Grade the platform again: it holds residents' personal information.",
            )
        if text(level.get("filing_number")):
            parts += 1
        else:
            ctx.finding(
                "the protection level has no filing reference",
                at=ctx.at(record, pointer="/protection_level"),
                fix="File the level with the competent public security authority and record "
                "the filing number.",
            )
        allowed = int(ctx.threshold("graded_test_max_age_days"))
        tests = [t for t in _assessments(ctx) if t[2].get("kind") == "graded_protection_test"]
        age = (ctx.period.end - tests[0][3]).days if tests else None
        ctx.metric("graded_test_age_days", age)
        if age is not None and age <= allowed:
            parts += 1
        else:
            ctx.finding(
                "no graded-protection test within the last "
                f"{allowed} days of the period"
                + (f" (latest is {age} days old)" if age is not None else ""),
                at=ctx.at(record, pointer="/assessments"),
                fix="Commission a graded-protection test by an accredited testing body.",
            )
        return parts / 3

    @rule(
        "R5",
        "Most controls pass in the latest assessment",
        weight=2,
        severity="medium",
        thresholds=("control_pass_rate_min",),
    )
    def controls_pass(self, ctx: Context) -> float | None:
        """Adds up the controls checked and passed over all areas of the latest assessment.
        The pass rate is passed over checked (a count of passed controls above the checked
        count is an error and counts as checked); the score is the pass rate over
        ``control_pass_rate_min``, capped at 1. Areas below the target are named."""
        found = _assessments(ctx)
        if not found:
            ctx.finding("no assessment records any control checked", at=_where(ctx))
            return 0.0
        record, index, item, _ = found[0]
        target = float(ctx.threshold("control_pass_rate_min"))
        checked = passed = 0
        weak: list[tuple[Any, str]] = []
        for j, area in enumerate(as_list(item.get("areas"))):
            if not isinstance(area, dict):
                continue
            n = area.get("controls_checked")
            p = area.get("controls_passed")
            if not isinstance(n, int) or not isinstance(p, int) or n <= 0:
                continue
            p = min(p, n)
            checked += n
            passed += p
            if p / n < target:
                weak.append(
                    (
                        ctx.at(record, pointer=f"/assessments/{index}/areas/{j}"),
                        f"{area.get('area')} security: {p} of {n} controls passed "
                        f"({p / n:.0%}; target {target:.0%})",
                    )
                )
        if checked == 0:
            ctx.finding(
                "the latest assessment records no controls checked",
                at=ctx.at(record, pointer=f"/assessments/{index}/areas"),
            )
            return 0.0
        rate = passed / checked
        ctx.metric("control_pass_rate", round(rate, 4))
        list_findings(
            ctx,
            weak,
            fix="Put the failing controls in place and have them re-checked.",
            more="areas below the pass-rate target",
        )
        return share_score(rate, target)


# -- sample evidence ---------------------------------------------------------------------

_AREAS = ("physical", "network", "host", "data", "application", "management")
# quality -> (age of the latest assessment in days before the period's end, areas examined,
# pass rate, serious findings still open and overdue, declared level)
_SHAPE: dict[str, tuple[int, tuple[str, ...], float, int, int]] = {
    "good": (120, _AREAS, 0.96, 0, 3),
    "fair": (420, ("physical", "network", "host", "application", "management"), 0.85, 1, 3),
    "poor": (700, ("network", "application"), 0.6, 4, 1),
}


def _sample_assessment(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Two assessments (the latest and one a year earlier) with areas, controls and
    findings shaped by the quality."""
    age, areas, rate, overdue, level = _SHAPE.get(spec.quality, _SHAPE["fair"])
    end = spec.period.end
    assessments = []
    for n, when in enumerate((end - timedelta(days=age), end - timedelta(days=age + 365))):
        rows = []
        for area in areas if n == 0 else _AREAS:
            checked = rng.randint(20, 40)
            passed = min(checked, round(checked * (rate + rng.uniform(-0.02, 0.02))))
            result = "pass" if passed / checked >= 0.9 else "partial"
            rows.append(
                {
                    "area": area,
                    "controls_checked": checked,
                    "controls_passed": passed,
                    "result": result,
                }
            )
        findings = []
        for k in range(rng.randint(3, 5)):
            found = when
            fixed = found + timedelta(days=rng.randint(5, 25))
            findings.append(
                {
                    "finding_id": f"F{n + 1}-{k + 1:02d}",
                    "area": rng.choice(areas),
                    "severity": rng.choice(("high", "medium", "low")),
                    "status": "fixed",
                    "found_on": found.isoformat(),
                    "fixed_on": fixed.isoformat(),
                }
            )
        if n == 0:
            for k in range(overdue):
                findings.append(
                    {
                        "finding_id": f"F1-9{k}",
                        "area": areas[k % len(areas)],
                        "severity": "high",
                        "status": "open",
                        "found_on": when.isoformat(),
                    }
                )
        kind = "graded_protection_test" if n == 0 or spec.quality == "poor" else "risk_assessment"
        assessments.append(
            {
                "assessment_id": f"SA-{when.year}-{n + 1:02d}",
                "date": when.isoformat(),
                "kind": kind,
                "assessor": "Accredited security testing body",
                "areas": rows,
                "findings": findings,
            }
        )
    data: dict[str, Any] = {
        "platform": {
            "name": "Smart community management platform",
            "operator": f"{spec.community.name} neighbourhood committee",
        },
        "protection_level": {
            "level": level,
            "standard": "GB/T 22239-2019",
            "filing_number": f"GP-{end.year - 1}-{rng.randint(100, 999)}",
            "filed_on": (end - timedelta(days=400)).isoformat(),
        },
        "assessments": assessments,
    }
    if spec.quality == "poor":
        del data["protection_level"]["filing_number"]
    return [("records/security_assessment.yaml", yaml_bytes(data))]


_TEMPLATE = """\
# Security assessments of the community platform (see the schema for every field).
platform: {name: Smart community management platform, operator: Neighbourhood committee}
protection_level:
  level: 3
  standard: GB/T 22239-2019
  filing_number: GP-2024-001
  filed_on: "2024-03-01"
assessments:
  - assessment_id: SA-2025-01
    date: "2025-09-15"
    kind: graded_protection_test
    assessor: Accredited security testing body
    areas:
      - {area: physical, controls_checked: 20, controls_passed: 19, result: pass}
      - {area: network, controls_checked: 30, controls_passed: 28, result: pass}
      - {area: data, controls_checked: 25, controls_passed: 24, result: pass}
      - {area: application, controls_checked: 30, controls_passed: 29, result: pass}
    findings:
      - finding_id: F-01
        area: network
        severity: high
        status: fixed
        found_on: "2025-09-15"
        fixed_on: "2025-09-30"
"""


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=ASSESSMENT,
            kind="record",
            title="Platform security assessments",
            description="The platform's declared graded-protection level and its security "
            "assessments: areas examined, controls checked and passed, findings and fixes.",
            schema=schema_id(ASSESSMENT),
            template_name="security_assessment.yaml",
            template_text=_TEMPLATE,
            sample=_sample_assessment,
        )
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(ASSESSMENT)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [InformationSafety]
