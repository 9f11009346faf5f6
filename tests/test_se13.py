"""SE13 Institutional safeguard: topics, rule currency, approvals, execution and matching."""

from __future__ import annotations

import io
import random
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from compliance_builtin import se13_institutional_safeguard as se13

from compliance.bundle.model import Community, Period
from compliance.evidence.model import Document, Heading, Record, Table
from compliance.indicator import Context, SampleSpec
from compliance.profile import ProfileSource, load_profile

PERIOD = Period(date(2025, 1, 1), date(2025, 12, 31))
COMMUNITY = Community("c-1", "Test community", "Shenzhen", "Nanshan", 12000, 4200)
DOC_PATH = "documents/safety_rules.md"
REGISTER_PATH = "records/rules_register.yaml"
LOG_PATH = "tables/rule_execution_log.csv"


class _Store:
    """Just enough of the evidence store for a Context."""

    def __init__(self, doc: Document, register: Any, log: Table) -> None:
        self.doc = doc
        self.register = Record(REGISTER_PATH, se13.REGISTER, register, "0" * 64, 1)
        self.log = log

    def kind(self, type_id: str) -> str | None:
        return {se13.RULES_DOC: "document", se13.REGISTER: "record", se13.EXECUTION: "table"}.get(
            type_id
        )

    def paths(self, type_id: str) -> list[str]:
        return {se13.RULES_DOC: [DOC_PATH], se13.REGISTER: [REGISTER_PATH]}.get(
            type_id, [LOG_PATH] if type_id == se13.EXECUTION else []
        )

    def declared(self, type_id: str) -> list[str]:
        return self.paths(type_id)

    def records(self, type_id: str) -> list[Record]:
        return [self.register] if type_id == se13.REGISTER else []

    def table(self, type_id: str) -> Table | None:
        return self.log if type_id == se13.EXECUTION else None

    def documents(self, type_id: str) -> list[Document]:
        return [self.doc] if type_id == se13.RULES_DOC else []


def _profile(**overrides: Any) -> Any:
    source = ProfileSource("default", Path(se13.__file__).parent / "profiles" / "default.yaml")
    profile = load_profile("default", {"default": source})
    profile.indicators["SE13"]["thresholds"].update(overrides)
    return profile


def _doc(sections: list[tuple[str, str]], preamble: str = "") -> Document:
    """A Markdown-like document: (heading, body) sections."""
    lines = ["# Rules", preamble]
    headings = [Heading(1, "Rules", line=1)]
    for title, body in sections:
        lines.append(f"## {title}")
        headings.append(Heading(2, title, line=len(lines)))
        lines.append(body)
    return Document(DOC_PATH, se13.RULES_DOC, "markdown", "0" * 64, 1, ["\n".join(lines)], headings)


def _log(rows: list[tuple[str, str, str]]) -> Table:
    frame = pl.DataFrame(
        {
            "date": [date.fromisoformat(r[0]) for r in rows],
            "rule_id": [r[1] for r in rows],
            "activity": ["Activity"] * len(rows),
            "outcome": [r[2] for r in rows],
            "record_ref": [None] * len(rows),
        },
        schema={
            "date": pl.Date,
            "rule_id": pl.Utf8,
            "activity": pl.Utf8,
            "outcome": pl.Utf8,
            "record_ref": pl.Utf8,
        },
    ).with_columns(
        pl.lit(LOG_PATH).alias("__file"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("__row"),
    )
    return Table(
        se13.EXECUTION, [LOG_PATH], frame.lazy(), frame.height, {LOG_PATH: "0"}, {LOG_PATH: 0}
    )


SECTIONS = [
    ("Daily patrol and inspection rules", "Staff patrol daily."),
    ("Fire safety management rules", "Hydrants are checked."),
    ("Emergency response rules", "The plan is kept current."),
    ("Data security rules", "Access logs are reviewed."),
    ("Accountability rules", "Duties are assigned."),
]


def _register(n: int = 5, **fields: Any) -> dict[str, Any]:
    rules = []
    for i in range(n):
        entry = {
            "rule_id": f"R-{i + 1}",
            "title": SECTIONS[i % len(SECTIONS)][0],
            "effective": "2024-01-01",
            "last_revised": "2025-03-01",
            "approved_by": "Leading group",
        }
        entry.update(fields)
        rules.append(entry)
    return {"rules": rules}


def _monthly(rule_ids: list[str], months: range = range(1, 13)) -> list[tuple[str, str, str]]:
    return [(f"2025-{m:02d}-10", r, "completed") for m in months for r in rule_ids]


ALL = [f"R-{i}" for i in range(1, 6)]


def _evaluate(doc: Document, register: Any, log: Table, **overrides: Any) -> Any:
    indicator = se13.InstitutionalSafeguard()
    ctx = Context(
        indicator,
        store=_Store(doc, register, log),  # type: ignore[arg-type]
        profile=_profile(**overrides),
        community=COMMUNITY,
        period=PERIOD,
    )
    return indicator.evaluate(ctx)


def _scores(verdict: Any) -> dict[str, float | None]:
    return {r.rule.split(".")[1]: r.score for r in verdict.rules}


def test_complete_evidence_scores_full() -> None:
    verdict = _evaluate(_doc(SECTIONS), _register(), _log(_monthly(ALL)))
    assert verdict.score == 100.0, [f.message for f in verdict.findings]


def test_topic_needs_a_heading_or_enough_mentions() -> None:
    sections = SECTIONS[:3] + SECTIONS[4:]  # no data security heading
    twice = "Personal information and data security are protected."
    verdict = _evaluate(_doc(sections, preamble=twice), _register(4), _log(_monthly(ALL[:4])))
    assert _scores(verdict)["R1"] == pytest.approx(4 / 5)  # 2 mentions < 3
    thrice = twice + " Information security incidents are reported."
    verdict = _evaluate(_doc(sections, preamble=thrice), _register(4), _log(_monthly(ALL[:4])))
    assert _scores(verdict)["R1"] == 1.0


def test_chinese_keywords_count_once_when_they_overlap() -> None:
    pattern = se13._pattern({"en": ["emergency"], "zh": ["应急", "应急预案"]})
    assert pattern is not None
    assert len(pattern.findall("按应急预案处置；应急队伍待命")) == 2


def test_rule_age_and_effective_date() -> None:
    register = _register()
    register["rules"][0]["last_revised"] = "2022-06-01"  # 1309 days before period end
    register["rules"][1]["effective"] = "2026-01-05"  # not in force during the period
    register["rules"][1]["last_revised"] = "2026-01-05"
    del register["rules"][2]["last_revised"]  # falls back to effective 2024-01-01: current
    verdict = _evaluate(_doc(SECTIONS), register, _log(_monthly(ALL)))
    assert _scores(verdict)["R2"] == pytest.approx(3 / 5)


def test_approval_needs_a_body_and_a_date_within_the_period() -> None:
    register = _register()
    del register["rules"][0]["approved_by"]
    register["rules"][1]["approved_on"] = "2026-02-01"
    register["rules"][2]["approved_on"] = "not a date"
    register["rules"][3]["approved_on"] = "2025-02-01"
    verdict = _evaluate(_doc(SECTIONS), register, _log(_monthly(ALL)))
    assert _scores(verdict)["R3"] == pytest.approx(2 / 5)


def test_execution_counts_done_outcomes_of_registered_rules_in_the_period() -> None:
    rows = _monthly(ALL[:3])  # rules 1-3 every month
    rows += [("2025-05-01", "R-4", "not_completed")] * 6  # missed: do not count
    rows += [("2024-12-01", "R-5", "completed")] * 6  # before the period
    rows += [("2025-06-01", "R-99", "completed")] * 4  # unregistered
    verdict = _evaluate(_doc(SECTIONS), _register(), _log(rows))
    inside = 36 + 6 + 4
    # 3 of 5 rules carried out (0.6 / 0.8), every month active, 42 of 46 records known.
    expected = (0.6 / 0.8) * 1.0 * (inside - 4) / inside
    assert _scores(verdict)["R4"] == pytest.approx(expected)
    assert any("R-4, R-5" in f.message for f in verdict.findings if f.rule == "SE13.R4")


def test_records_without_a_rule_id_count_as_unknown() -> None:
    rows = [*_monthly(ALL), ("2025-03-03", None, "completed")]
    verdict = _evaluate(_doc(SECTIONS), _register(), _log(rows))  # type: ignore[arg-type]
    assert _scores(verdict)["R4"] == pytest.approx(60 / 61)


def test_execution_months_share() -> None:
    verdict = _evaluate(_doc(SECTIONS), _register(), _log(_monthly(ALL, range(1, 7))))
    # 6 of 12 months; ceil(0.9 * 12) = 11 needed. Each rule still has 6 >= 4 runs.
    assert _scores(verdict)["R4"] == pytest.approx(6 / 11)


def test_register_titles_match_headings_by_words_or_text() -> None:
    doc = _doc(
        [
            ("1. Daily patrol & inspection rules (revised)", "..."),
            ("二、消防安全管理制度", "..."),
        ],
        preamble="See rule X-9 for visitors. The emergency response rules are annexed.",
    )
    register = {
        "rules": [
            {"rule_id": "A", "title": "Daily patrol and inspection rules"},  # heading words
            {"rule_id": "B", "title": "消防安全管理制度"},  # Chinese heading
            {"rule_id": "X-9", "title": "Visitor rules"},  # id in the text
            {"rule_id": "C", "title": "Emergency response rules"},  # title in the text
            {"rule_id": "D", "title": "Data security rules"},  # nowhere
        ]
    }
    verdict = _evaluate(doc, register, _log(_monthly(["A"])))
    assert _scores(verdict)["R5"] == pytest.approx(4 / 5)
    lost = [f.message for f in verdict.findings if f.rule == "SE13.R5"]
    assert lost == ["registered rule D is not found in the rules documents"]


@pytest.mark.parametrize("quality", ["good", "fair", "poor"])
def test_samples_agree_and_are_deterministic(quality: str) -> None:
    spec = SampleSpec(COMMUNITY, PERIOD, quality, 2000, 2)
    register = se13._sample_register(random.Random("r"), spec)
    document = se13._sample_rules_document(random.Random("d"), spec)
    log = se13._sample_execution_log(random.Random("l"), spec)
    assert register == se13._sample_register(random.Random("r"), spec)
    assert document == se13._sample_rules_document(random.Random("d"), spec)
    assert log == se13._sample_execution_log(random.Random("l"), spec)
    ids = {r["rule_id"] for r in yaml.safe_load(register[0][1])["rules"]}
    text = document[0][1].decode("utf-8")
    frame = pl.read_csv(io.BytesIO(log[0][1]))
    assert frame.height == 2000
    quoted = set(frame["rule_id"].unique().to_list())
    if quality == "good":
        assert quoted == ids
        assert all(i in text for i in ids)
    else:
        assert "RULE-99" in quoted  # fair and poor logs quote an unregistered rule
