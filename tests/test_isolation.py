"""Isolation: an indicator that raises, hangs or allocates without bound becomes an
``error`` verdict with the reason, and the rest of the report is complete.

The scenarios run in a fresh interpreter: this pytest process may already have used
polars' thread pool, after which forking is refused (see ``compliance.isolation``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from compliance import isolation
from compliance.isolation import Outcome, run_tasks

from .conftest import write_manifest

PACK = textwrap.dedent(
    """
    import json, sys, time
    from compliance import hookimpl
    from compliance.indicator import Indicator, rule
    from compliance.plugins import PluginHost

    class Steady(Indicator):
        "Always met."
        code, title, dimension = "TT01", "Steady", "SMD"
        thread_safe = True  # with --jobs 3 they share a worker

        @rule("R1", "always met")
        def always(self, ctx):
            ctx.metric("answer", 42)
            return 1.0

    class Raising(Indicator):
        "Raises."
        code, title, dimension = "TT02", "Raising", "SMD"
        thread_safe = True  # with --jobs 3 they share a worker

        @rule("R1", "raises")
        def boom(self, ctx):
            raise KeyError("x")

    class Sleeping(Indicator):
        "Never returns."
        code, title, dimension = "TT03", "Sleeping", "SMD"
        thread_safe = True  # with --jobs 3 they share a worker

        @rule("R1", "sleeps")
        def nap(self, ctx):
            time.sleep(3600)
            return 1.0

    class Hogging(Indicator):
        "Allocates without bound."
        code, title, dimension = "TT04", "Hogging", "SMD"
        thread_safe = True  # with --jobs 3 they share a worker

        @rule("R1", "allocates")
        def hog(self, ctx):
            kept = []
            while True:
                kept.append(bytearray(32 * 1024 * 1024))

    class Exiting(Indicator):
        "Kills its own process."
        code, title, dimension = "TT05", "Exiting", "SMD"
        thread_safe = True  # with --jobs 3 they share a worker

        @rule("R1", "exits")
        def bye(self, ctx):
            import os
            os._exit(9)

    class Pack:
        name = "isopack"

        @hookimpl
        def compliance_indicators(self):
            return [Steady, Raising, Sleeping, Hogging, Exiting]

    def host():
        import compliance_builtin.core as core
        return PluginHost(plugins=[("core", core), ("isopack", Pack())])
    """
)


def _script(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "scenario.py"
    script.write_text(PACK + textwrap.dedent(body), encoding="utf-8")
    return script


def _run(script: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    return subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, cwd=cwd, env=env, timeout=120
    )


def test_raise_hang_and_memory_each_give_an_error_verdict(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    write_manifest(bundle, [])
    script = _script(
        tmp_path,
        """
        from compliance.runner import check
        report = check(sys.argv[1], host=host(), timeout=2, memory_limit=256, jobs=int(sys.argv[2]))
        print(json.dumps(report.to_dict()))
        """,
    )
    for jobs in ("1", "3"):
        started = time.monotonic()
        done = _run(script, str(bundle), jobs, cwd=tmp_path)
        assert done.returncode == 0, done.stderr.decode()
        assert time.monotonic() - started < 30
        data = json.loads(done.stdout)
        by_code = {v["code"]: v for v in data["indicators"]}
        assert by_code["TT01"]["status"] == "pass"
        assert by_code["TT01"]["metrics"] == {"answer": 42}
        assert by_code["TT02"]["status"] == "error"
        assert by_code["TT02"]["reason"].startswith("KeyError in rule TT02.R1 at scenario.py:")
        assert by_code["TT03"]["status"] == "error"
        assert by_code["TT03"]["reason"] == "timeout after 2 s"
        assert by_code["TT04"]["status"] == "error"
        assert "memory" in by_code["TT04"]["reason"]
        assert by_code["TT05"]["status"] == "error"
        assert by_code["TT05"]["reason"] == "child process exited with status 9"
        # The rest of the report is complete.
        assert sorted(by_code) == ["TT01", "TT02", "TT03", "TT04", "TT05"]
        assert data["summary"]["by_status"]["error"] == 4
        assert data["summary"]["by_status"]["pass"] == 1


def test_cli_exit_3_and_report_renders_unless_allow_errors(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    write_manifest(bundle, [])
    script = _script(
        tmp_path,
        """
        import compliance.cli as cli, compliance.isolation as iso
        iso.DEFAULT_MEMORY_MB = 256
        cli._host = lambda block: host()
        cli.main(sys.argv[1:])
        """,
    )
    out = tmp_path / "out"
    args = [
        "check", str(bundle), "--timeout", "1.5", "-o", str(out), "-q",
        "-f", "json", "-f", "md", "-f", "html", "-f", "sarif",
    ]  # fmt: skip
    done = _run(script, *args, cwd=tmp_path)
    assert done.returncode == 3, done.stderr.decode()
    stderr = done.stderr.decode()
    assert "Traceback" not in stderr
    assert "indicator TT03 failed: timeout after 1.5 s" in stderr
    for name in ("report.json", "report.md", "report.html", "report.sarif"):
        assert (out / name).stat().st_size > 0
    assert "timeout after 1.5 s" in (out / "report.md").read_text(encoding="utf-8")
    allowed = _run(script, *args, "--allow-errors", cwd=tmp_path)
    assert allowed.returncode in (0, 1), allowed.stderr.decode()


def test_timeout_must_be_positive(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from compliance.cli import main

    write_manifest(tmp_path / "b", [])
    result = CliRunner().invoke(main, ["check", str(tmp_path / "b"), "--timeout", "0"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_run_tasks_workers_survive_failures_and_keep_order(tmp_path: Path) -> None:
    script = tmp_path / "tasks.py"
    script.write_text(
        textwrap.dedent(
            """
            import os, sys, time
            from compliance.isolation import fork_safe, run_tasks
            assert fork_safe()
            tasks = [lambda: 1, lambda: time.sleep(60), lambda: os._exit(3), lambda: "four",
                     lambda: [5], lambda: 1 / 0]
            for jobs, threads in ((1, 1), (2, 1), (4, 1), (1, 3), (2, 2), (1, 6)):
                got = dict(run_tasks(tasks, jobs=jobs, timeout=1, threads=threads))
                print(sorted((i, o.value, o.error and o.error.split(" at ")[0])
                             for i, o in got.items()))
            """
        ),
        encoding="utf-8",
    )
    done = _run(script, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    expected = (
        "[(0, 1, None), (1, None, 'timeout after 1 s'), "
        "(2, None, 'child process exited with status 3'), (3, 'four', None), "
        "(4, [5], None), (5, None, 'ZeroDivisionError')]"
    )
    assert done.stdout.decode().splitlines() == [expected] * 6


def test_a_worker_that_dies_between_tasks_is_not_written_to(tmp_path: Path) -> None:
    """A worker running several tasks may die just after sending a result, before the
    parent reads its end of file; the parent's next task for it then meets a closed pipe.
    That task goes to a fresh worker like the rest (without the fix, BrokenPipeError
    ended 5 of 6 runs of these 60 rounds here)."""
    script = tmp_path / "race.py"
    script.write_text(
        textwrap.dedent(
            """
            import os
            from compliance.isolation import fork_safe, run_tasks
            assert fork_safe()
            for _ in range(60):
                tasks = [lambda: 1] * 3 + [lambda: os._exit(5)] + [lambda: 2] * 20
                got = dict(run_tasks(tasks, threads=3, timeout=5))
                assert got[3].error == "child process exited with status 5", got[3]
                assert all(got[i].value in (1, 2) for i in got if i != 3), got
            print("ok")
            """
        ),
        encoding="utf-8",
    )
    done = _run(script, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout.decode().split() == ["ok"]


def test_tasks_asked_to_run_alone_share_their_worker_with_none(tmp_path: Path) -> None:
    """``alone`` (indicators not marked thread-safe): with three threads, the others
    overlap, and task 2 runs while no other task does."""
    script = tmp_path / "alone.py"
    script.write_text(
        textwrap.dedent(
            """
            import time
            from compliance.isolation import fork_safe, run_tasks
            assert fork_safe()

            def span():
                start = time.monotonic()
                time.sleep(0.3)
                return start, time.monotonic()

            got = dict(run_tasks([span] * 6, threads=3, timeout=30, alone=[2]))
            spans = {i: o.value for i, o in got.items()}
            def overlap(a, b):
                return a[0] < b[1] and b[0] < a[1]
            print(sum(overlap(spans[2], spans[i]) for i in spans if i != 2),
                  any(overlap(spans[i], spans[j]) for i in spans for j in spans
                      if i < j and 2 not in (i, j)))
            """
        ),
        encoding="utf-8",
    )
    done = _run(script, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split() == ["0", "True"]


def test_tasks_sharing_a_worker_are_not_blamed_for_a_neighbour(tmp_path: Path) -> None:
    """Beside a task that kills the worker, hangs or exhausts the worker's memory, the
    others still give their own results: what failed beside others runs again alone,
    and only a failure there is reported. The innocent tasks allocate while the hog
    does, so some of them may meet the memory limit too before they are run again."""
    script = tmp_path / "neighbours.py"
    script.write_text(
        textwrap.dedent(
            """
            import os, threading, time
            from compliance.isolation import fork_safe, run_tasks
            assert fork_safe()
            first = threading.Event()

            def innocent(n):
                def task():
                    kept = [bytearray(8 * 1024 * 1024) for _ in range(4)]
                    time.sleep(0.3)
                    return n + len(kept)
                return task

            def exits():
                time.sleep(0.1)
                os._exit(4)

            def hog():
                kept = []
                while True:
                    kept.append(bytearray(16 * 1024 * 1024))

            tasks = [innocent(0), exits, innocent(1), lambda: time.sleep(60), innocent(2),
                     hog, innocent(3)]
            got = dict(run_tasks(tasks, timeout=5, memory_mb=256, threads=4))
            for i in sorted(got):
                print(i, got[i].value, got[i].error)
            """
        ),
        encoding="utf-8",
    )
    started = time.monotonic()
    done = _run(script, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert time.monotonic() - started < 60
    assert done.stdout.decode().splitlines() == [
        "0 4 None",
        "1 None child process exited with status 4",
        "2 5 None",
        "3 None timeout after 5 s",
        "4 6 None",
        "5 None memory limit of 1024 MiB exceeded",  # four threads, 256 MiB each
        "6 7 None",
    ]


def test_threaded_fallback_still_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolation, "fork_safe", lambda: False)

    def boom() -> int:
        raise ValueError("no")

    started = time.monotonic()
    results = dict(
        run_tasks([lambda: time.sleep(30), lambda: 7, boom], timeout=0.3, memory_mb=None)
    )
    assert time.monotonic() - started < 5
    assert results[0] == Outcome(error="timeout after 0.3 s")
    assert results[1] == Outcome(value=7)
    assert results[2].error is not None and results[2].error.startswith("ValueError at ")


def test_fork_safety_is_judged_by_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    stop = threading.Event()
    worker = threading.Thread(target=stop.wait, daemon=True)
    worker.start()
    try:
        assert not isolation.fork_safe()
    finally:
        stop.set()
        worker.join()
