"""The runner's aggregation, gate and determinism."""

from __future__ import annotations

import pytest

from compliance.profile import Profile
from compliance.runner import aggregate, check, make_registry, resolve_profile
from compliance.verdict import Status, Verdict


def _profile(**over) -> Profile:
    from compliance.profile import GradeBand

    base = dict(
        name="t",
        version="1",
        description="",
        weights_note="",
        dimensions={"A": {"name": "Alpha", "weight": 2}, "B": {"name": "Beta", "weight": 1}},
        indicators={
            "AA1": {"dimension": "A", "weight": 1},
            "AA2": {"dimension": "A", "weight": 3},
            "BB1": {"dimension": "B", "weight": 1},
        },
        grade_bands=[GradeBand("A", 90), GradeBand("B", 60), GradeBand("C", 0)],
        pass_min=80,
        partial_min=50,
        red_line_cap=59,
        insufficient_scores_zero=True,
    )
    base.update(over)
    return Profile(**base)


def _v(code, dim, status, score=None) -> Verdict:
    return Verdict(code=code, title=code, dimension=dim, status=Status(status), score=score)


def test_weighted_means_by_hand() -> None:
    verdicts = [
        _v("AA1", "A", "pass", 100),
        _v("AA2", "A", "partial", 60),
        _v("BB1", "B", "fail", 30),
    ]
    overall, dims = aggregate(verdicts, _profile())
    a, b = dims
    assert a.score == pytest.approx((1 * 100 + 3 * 60) / 4)  # 70
    assert b.score == pytest.approx(30)
    assert overall == pytest.approx((2 * 70 + 1 * 30) / 3)
    assert a.grade == "B" and b.grade == "C"


def test_insufficient_counts_as_zero_or_is_left_out() -> None:
    verdicts = [_v("AA1", "A", "pass", 100), _v("AA2", "A", "insufficient_evidence")]
    _, dims = aggregate(verdicts, _profile())
    assert dims[0].score == pytest.approx(25)
    _, dims = aggregate(verdicts, _profile(insufficient_scores_zero=False))
    assert dims[0].score == pytest.approx(100)


def test_errors_are_left_out_and_empty_dimension_has_no_score() -> None:
    verdicts = [_v("AA1", "A", "pass", 80), _v("AA2", "A", "error")]
    overall, dims = aggregate(verdicts, _profile())
    assert dims[0].score == pytest.approx(80)
    assert dims[1].score is None and dims[1].grade is None
    assert overall == pytest.approx(80)


def test_gate_and_source_date_epoch(sample_bundle, host, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    report = check(sample_bundle, host=host, fail_under=100)
    assert report.generated_at == "2026-01-01T00:00:00Z"
    assert report.score is not None and 0 <= report.score <= 100
    assert report.gate.passed is (report.score >= 100)
    again = check(sample_bundle, host=host, jobs=3, fail_under=100)
    assert again.to_dict() == report.to_dict()


def test_only_unknown_code_is_a_usage_error(sample_bundle, host) -> None:
    from compliance.errors import UsageError

    with pytest.raises(UsageError, match="ZZ99"):
        check(sample_bundle, host=host, only=["ZZ99"])


def test_profile_indicators_without_plugin_are_listed(sample_bundle, host) -> None:
    report = check(sample_bundle, host=host)
    unassessed = {u["code"] for u in report.unassessed}
    loaded = {v.code for v in report.verdicts}
    profile_codes = set(resolve_profile("default", host, make_registry(host)).indicators)
    assert unassessed == profile_codes - loaded
    assert not (unassessed & loaded)


def test_tables_are_read_ahead_without_changing_the_report(
    sample_bundle, host, monkeypatch
) -> None:
    """The prefetch thread reads the declared tables ahead of the indicators; a failure
    there is dropped silently and the indicator that needs the table reads it again, so
    the report is the one a run without read-ahead gives."""
    import threading

    from compliance.evidence.store import EvidenceStore

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    real_prefetch, real_load = EvidenceStore.prefetch, EvidenceStore._load_table
    monkeypatch.setattr(EvidenceStore, "prefetch", lambda self, types: None)
    without = check(sample_bundle, host=host, jobs=1).to_dict()
    monkeypatch.setattr(EvidenceStore, "prefetch", real_prefetch)

    loaded_by: dict[str, list[str]] = {}
    failed: list[str] = []

    def load(self, et):
        name = threading.current_thread().name
        loaded_by.setdefault(et.id, []).append(name)
        if name == "compliance-prefetch" and not failed:
            failed.append(et.id)  # the first table the thread reads fails there
            raise RuntimeError("disk went away")
        return real_load(self, et)

    hooked: list[object] = []
    monkeypatch.setattr(EvidenceStore, "_load_table", load)
    monkeypatch.setattr(threading, "excepthook", hooked.append)
    ahead = check(sample_bundle, host=host, jobs=1).to_dict()  # one job reads ahead
    assert ahead == without
    assert not hooked  # nothing escaped the thread
    assert failed and loaded_by[failed[0]] == ["compliance-prefetch", "MainThread"]
    others = [names for type_id, names in loaded_by.items() if type_id != failed[0]]
    assert others and all(len(names) == 1 for names in others)  # each table read once
    assert sum(names == ["compliance-prefetch"] for names in others) >= len(others) // 2


def test_indicators_that_scan_every_table_run_last(sample_bundle, host) -> None:
    """SE22 reads every table: evaluated after the others (Indicator.scans), it finds them
    read; the read-ahead follows the same order and ends with the tables nobody declares.
    The report still lists the verdicts in code order."""
    from compliance.runner import _needed, _schedule

    order: list[str] = []
    report = check(sample_bundle, host=host, on_verdict=lambda v, n, total: order.append(v.code))
    codes = sorted(host.indicators())
    assert host.indicators()["SE22"].cls.scans == "table"
    assert order == [c for c in codes if c != "SE22"] + ["SE22"]
    assert [v.code for v in report.verdicts] == codes

    entries = host.indicators()
    scheduled = _schedule([entries[c] for c in ("SE11", "SE22", "SE15")])
    assert [e.cls.code for e in scheduled] == ["SE11", "SE15", "SE22"]

    from types import SimpleNamespace

    store = SimpleNamespace(
        types=dict.fromkeys(("zeta_log", "patrol_log", "work_records", "plan")),
        kind=lambda type_id: "document" if type_id == "plan" else "table",
    )
    declared = [n.type for c in ("SE11", "SE15") for n in entries[c].cls.evidence]
    needed = _needed(scheduled, store)
    assert needed[: len(declared)] == declared  # the declared types first, in order
    assert needed[len(declared) :] == ["data_inventory", "zeta_log"]  # then the rest, once


@pytest.mark.parametrize(("cores", "jobs"), [(1, 4), (2, 8), (3, 8), (16, 8)])
def test_default_jobs_is_four_per_core_up_to_eight(monkeypatch, cores, jobs) -> None:
    import os

    from compliance.runner import default_jobs

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert default_jobs() == jobs


def test_indicators_not_marked_thread_safe_run_by_themselves(tmp_path) -> None:
    """With several jobs, thread-safe indicators overlap; one that is not runs with no
    other indicator running, and the report is in code order as always."""
    import threading
    import time

    import compliance_builtin.core as core

    from compliance import hookimpl
    from compliance.indicator import Indicator, rule
    from compliance.plugins import PluginHost

    from .conftest import write_manifest

    lock = threading.Lock()
    active = [0]
    most: dict[str, int] = {}

    def measured(code: str):
        def method(self, ctx) -> float:
            with lock:
                active[0] += 1
                most[code] = max(most.get(code, 0), active[0])
            time.sleep(0.2)
            with lock:
                most[code] = max(most[code], active[0])
                active[0] -= 1
            return 1.0

        return method

    classes = [
        type(
            code,
            (Indicator,),
            {
                "code": code,
                "title": code,
                "dimension": "SMD",
                "thread_safe": safe,
                "method": rule("R1", "measured")(measured(code)),
            },
        )
        for code, safe in (("TT11", True), ("TT12", True), ("TT13", False), ("TT14", True))
    ]

    class Pack:
        @hookimpl
        def compliance_indicators(self):
            return classes

    host = PluginHost(plugins=[("core", core), ("pack", Pack())])
    bundle = tmp_path / "bundle"
    write_manifest(bundle, [])
    report = check(bundle, host=host, jobs=3)
    assert [v.code for v in report.verdicts] == ["TT11", "TT12", "TT13", "TT14"]
    reasons = [v.reason for v in report.verdicts]
    assert [v.status for v in report.verdicts] == [Status.PASS] * 4, reasons
    assert most["TT13"] == 1  # by itself
    assert max(most[c] for c in ("TT11", "TT12", "TT14")) > 1  # the others overlapped


def test_ending_the_read_ahead_stops_it_after_the_current_table() -> None:
    """Once the indicators are done nobody needs the tables not read yet: the thread
    finishes the one it is reading and reads no more."""
    import threading
    from types import SimpleNamespace

    from compliance.evidence.store import EvidenceStore

    types = {t: SimpleNamespace(id=t, kind="table") for t in ("a", "b", "c")}
    types["r"] = SimpleNamespace(id="r", kind="record")
    resolved = {t: [f"{t}.csv"] for t in types}
    store = EvidenceStore(None, types, None, resolved, {})  # type: ignore[arg-type]
    reading, release = threading.Event(), threading.Event()
    loaded: list[str] = []

    def load(et):
        loaded.append(et.id)
        reading.set()
        release.wait(10)
        return et.id

    store._load_table = load  # type: ignore[method-assign]
    store.prefetch(["r", "a", "b", "missing", "c"])  # not tables: skipped
    assert reading.wait(10)
    store.prefetch(["c"])  # one thread per process: ignored
    store.end_prefetch(wait=False)
    release.set()
    store.end_prefetch()
    assert loaded == ["a"]
    assert store.table("b") == "b" and loaded == ["a", "b"]  # read on demand as before
