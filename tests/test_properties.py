"""Property tests: random manifests and evidence never crash the runner, and every
score stays within 0-100."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.errors import ComplianceError
from compliance.runner import check
from compliance.verdict import Status

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=False), text
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20,
)

EVIDENCE_TYPES = [
    "safety_organization",
    "safety_budget",
    "safety_expenditure",
    "safety_rules",
    "rules_register",
    "rule_execution_log",
    "staff_roster",
    "volunteer_roster",
    "patrol_log",
    "work_records",
    "unknown_type",
]
SUFFIXES = [".json", ".yaml", ".csv", ".md", ".jsonl", ".pdf", ".docx", ".txt"]


def _csv_body(rows: list[list[str]]) -> str:
    return "\n".join(
        ",".join(cell.replace(",", " ").replace("\n", " ") for cell in row) for row in rows
    )


@st.composite
def bundles(draw):
    files = {}
    index = []
    for i in range(draw(st.integers(0, 6))):
        etype = draw(st.sampled_from(EVIDENCE_TYPES))
        suffix = draw(st.sampled_from(SUFFIXES))
        path = f"ev/f{i}{suffix}"
        kind = draw(st.integers(0, 2))
        if kind == 0:
            body = json.dumps(draw(json_values))
        elif kind == 1:
            rows = draw(st.lists(st.lists(text, min_size=1, max_size=5), min_size=1, max_size=6))
            body = _csv_body(rows)
        else:
            body = draw(text)
        files[path] = body.encode("utf-8", "surrogatepass")
        index.append(
            {"path": draw(st.sampled_from([path, "ev/*" + suffix, "missing.csv"])), "type": etype}
        )
    community = {
        "id": draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,10}", fullmatch=True)),
        "name": draw(text.filter(str.strip)),
        "city": "Shenzhen",
        "district": "Futian",
        "population": draw(st.integers(0, 10**6)),
        "households": draw(st.integers(0, 10**6)),
    }
    manifest = {
        "schema_version": 1,
        "community": draw(st.one_of(st.just(community), json_values)),
        "period": draw(
            st.sampled_from(
                [
                    {"start": "2025-01-01", "end": "2025-12-31"},
                    {"start": "2025-06-01", "end": "2025-06-01"},
                    {"start": "2025-12-31", "end": "2025-01-01"},
                    "2025",
                ]
            )
        ),
        "submitter": {"organization": "x"},
        "evidence": index,
    }
    return manifest, files


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(bundles())
def test_random_bundles_never_crash(host, data) -> None:
    manifest, files = data
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "bundle.json").write_text(json.dumps(manifest), encoding="utf-8")
        for rel, content in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(content)
        try:
            report = check(root, host=host)
        except ComplianceError as exc:
            assert exc.exit_code == 2 and "\n" not in exc.line()
            return
    assert not [v for v in report.verdicts if v.status == Status.ERROR], [
        v.reason for v in report.verdicts if v.status == Status.ERROR
    ]
    for verdict in report.verdicts:
        assert verdict.score is None or 0 <= verdict.score <= 100
    assert report.score is None or 0 <= report.score <= 100
    json.dumps(report.to_dict(), allow_nan=False)
