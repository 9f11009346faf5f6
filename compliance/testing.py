"""Test harness for indicators: case files that say "this evidence gives that verdict".

A case file is YAML::

    indicator: SE15
    community: {population: 9000, households: 3100}     # optional overrides
    period: {start: "2025-01-01", end: "2025-12-31"}    # optional
    cases:
      - name: strong
        evidence:
          - {path: logs/patrol.csv, type: patrol_log, sample: {quality: good, rows: 800}}
          - path: records/work.yaml
            type: work_records
            content: |
              ...
        expect:
          status: pass                 # or a list of acceptable statuses
          score: [85, 100]             # inclusive range; omit for unscored statuses
          findings: [SE15.R2]          # rules that must have reported findings
          no_findings: [SE15.R1]       # rules that must not have

Evidence comes inline (``content``, or ``content_base64`` for binary files) or from the
evidence type's sample generator (``sample``). The built-in indicators' tests run every
case file through :func:`run_case_file`; vendors can do the same with theirs.

For a test written in Python rather than YAML, :func:`run_indicator` checks one indicator
on a bundle fragment and :func:`assert_verdict` states what the verdict must be::

    verdict = run_indicator("EV01", [{"path": "tables/lifts.csv", "type": "elevator_register",
                                      "content": "..."}])
    assert_verdict(verdict, status="pass", score_range=(90, 100), not_fired=["EV01.R1"])

:func:`run_case_folder` runs every case file of a folder. The pytest plugin
(:mod:`compliance.pytest_plugin`) exposes the same as fixtures.
"""

from __future__ import annotations

import base64
import random
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from compliance._yaml import safe_load
from compliance.bundle.model import Community, Period
from compliance.indicator import SampleSpec
from compliance.plugins import PluginHost
from compliance.verdict import Verdict

__all__ = [
    "CaseResult",
    "assert_verdict",
    "load_cases",
    "run_case",
    "run_case_file",
    "run_case_folder",
    "run_indicator",
    "write_case_bundle",
]

DEFAULT_COMMUNITY = {
    "id": "case-0001",
    "name": "Case Community",
    "city": "Shenzhen",
    "district": "Nanshan",
    "population": 12000,
    "households": 4200,
}
DEFAULT_PERIOD = {"start": "2025-01-01", "end": "2025-12-31"}


@dataclass
class CaseResult:
    """A case's verdict and the expectation failures (empty when the case holds)."""

    indicator: str
    name: str
    verdict: Verdict
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def load_cases(path: Path) -> dict[str, Any]:
    data = safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "indicator" not in data or "cases" not in data:
        raise ValueError(f"{path}: a case file needs 'indicator' and 'cases'")
    return data


def write_case_bundle(
    directory: Path, spec: dict[str, Any], case: dict[str, Any], host: PluginHost
) -> Path:
    """Write the case's bundle (manifest plus evidence) into ``directory``."""
    import json

    community = {**DEFAULT_COMMUNITY, **spec.get("community", {}), **case.get("community", {})}
    period = {**DEFAULT_PERIOD, **spec.get("period", {}), **case.get("period", {})}
    types = host.evidence_types()
    index = []
    for item in case.get("evidence", []):
        rel = item["path"]
        target = directory / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if "content" in item:
            target.write_bytes(str(item["content"]).encode("utf-8"))
            index.append({"path": rel, "type": item["type"]})
        elif "content_base64" in item:
            target.write_bytes(base64.b64decode(item["content_base64"]))
            index.append({"path": rel, "type": item["type"]})
        elif "sample" in item:
            et = types[item["type"]]
            if et.sample is None:
                raise ValueError(f"evidence type {et.id} has no sample generator")
            opts = item["sample"]
            sample_spec = SampleSpec(
                community=Community(**community),
                period=Period(
                    date.fromisoformat(period["start"]), date.fromisoformat(period["end"])
                ),
                quality=opts.get("quality", "good"),
                rows=int(opts.get("rows", 500)),
                seed=int(opts.get("seed", 1)),
            )
            rng = random.Random(f"{sample_spec.seed}:{et.id}")
            files = et.sample(rng, sample_spec)
            for i, (_, content) in enumerate(files):
                path = rel if len(files) == 1 else _numbered(rel, i)
                (directory / path).parent.mkdir(parents=True, exist_ok=True)
                (directory / path).write_bytes(content)
                index.append({"path": path, "type": item["type"]})
        elif "declare_only" in item:
            index.append({"path": rel, "type": item["type"]})
        else:
            raise ValueError(f"evidence {rel}: give content, content_base64 or sample")
    manifest = {
        "schema_version": 1,
        "community": community,
        "period": period,
        "submitter": {"organization": "Case writer"},
        "evidence": index,
    }
    (directory / "bundle.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return directory


def _numbered(rel: str, i: int) -> str:
    p = Path(rel)
    return str(p.with_name(f"{p.stem}-{i + 1}{p.suffix}"))


def run_case(
    spec: dict[str, Any],
    case: dict[str, Any],
    *,
    host: PluginHost | None = None,
    profile: str = "default",
) -> CaseResult:
    """Build the case's bundle in a temporary folder, check it, compare with ``expect``."""
    from compliance.runner import check

    host = host or PluginHost()
    code = spec["indicator"]
    with tempfile.TemporaryDirectory(prefix="compliance-case-") as tmp:
        write_case_bundle(Path(tmp), spec, case, host)
        report = check(
            tmp, host=host, only=[code], profile=case.get("profile", spec.get("profile", profile))
        )
    verdict = next(v for v in report.verdicts if v.code == code)
    return CaseResult(
        code, case.get("name", "?"), verdict, _compare(verdict, case.get("expect", {}))
    )


def _compare(verdict: Verdict, expect: dict[str, Any]) -> list[str]:
    problems = []
    statuses = expect.get("status")
    if statuses is not None:
        allowed = [statuses] if isinstance(statuses, str) else list(statuses)
        if str(verdict.status) not in allowed:
            problems.append(f"status {verdict.status} not in {allowed} (reason: {verdict.reason})")
    score = expect.get("score")
    if score is not None:
        low, high = score
        if verdict.score is None or not (low <= verdict.score <= high):
            problems.append(f"score {verdict.score} not in [{low}, {high}]")
    fired = {f.rule for f in verdict.findings}
    for rule_id in expect.get("findings", []):
        if rule_id not in fired:
            problems.append(f"expected findings from {rule_id}; got {sorted(fired)}")
    for rule_id in expect.get("no_findings", []):
        if rule_id in fired:
            problems.append(f"expected no findings from {rule_id}")
    return problems


def run_case_file(path: Path, *, host: PluginHost | None = None) -> Iterator[CaseResult]:
    """Run every case of a case file."""
    spec = load_cases(path)
    host = host or PluginHost()
    for case in spec["cases"]:
        yield run_case(spec, case, host=host)


def run_case_folder(path: Path | str, *, host: PluginHost | None = None) -> list[CaseResult]:
    """Run every case of every ``*.yaml`` case file in a folder (sorted by name)."""
    folder = Path(path)
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    if not files:
        raise ValueError(f"{folder}: no case files (*.yaml) in this folder")
    host = host or PluginHost()
    return [result for file in files for result in run_case_file(file, host=host)]


def run_indicator(
    code: str,
    evidence: list[dict[str, Any]],
    *,
    host: PluginHost | None = None,
    profile: str = "default",
    community: dict[str, Any] | None = None,
    period: dict[str, str] | None = None,
) -> Verdict:
    """Check one indicator on a bundle fragment and return its verdict.

    :param code: the indicator's code (``EV01``).
    :param evidence: evidence items as in a case file (``path``, ``type`` and one of
        ``content``, ``content_base64``, ``sample`` or ``declare_only``).
    :param host: the plugins to load (default: every installed plugin).
    :param profile: profile name or file.
    :param community: manifest community fields overriding the defaults.
    :param period: the assessment period (``{"start": ..., "end": ...}``).
    """
    case: dict[str, Any] = {"name": "run_indicator", "evidence": evidence}
    if community:
        case["community"] = community
    if period:
        case["period"] = period
    return run_case({"indicator": code}, case, host=host, profile=profile).verdict


def assert_verdict(
    verdict: Verdict,
    *,
    status: str | list[str] | None = None,
    score_range: tuple[float, float] | None = None,
    fired: list[str] | None = None,
    not_fired: list[str] | None = None,
) -> None:
    """Raise ``AssertionError`` listing every way the verdict differs from the
    expectation: ``status`` (one or several acceptable), inclusive ``score_range``, rules
    that must (``fired``) or must not (``not_fired``) have reported findings."""
    expect: dict[str, Any] = {}
    if status is not None:
        expect["status"] = status
    if score_range is not None:
        expect["score"] = list(score_range)
    if fired:
        expect["findings"] = list(fired)
    if not_fired:
        expect["no_findings"] = list(not_fired)
    problems = _compare(verdict, expect)
    if problems:
        raise AssertionError(f"{verdict.code}: " + "; ".join(problems))
