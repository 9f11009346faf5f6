"""Running indicators in child processes with a time limit and a memory limit.

A plugin that sleeps forever or allocates without bound cannot be stopped from inside
the interpreter that runs it: a thread cannot be killed and ``MemoryError`` may never
come before the machine starts swapping. So tasks run in forked worker processes: the
evidence store and the loaded plugins are inherited copy-on-write (nothing is pickled on
the way in), each worker caps its own address space with ``RLIMIT_AS``, and the parent
kills a worker whose task runs past the wall-clock limit and forks a fresh one for the
tasks left. Only results cross back, pickled through a pipe. A worker runs task after
task and keeps its evidence cache, so isolation costs a fork per worker, not a re-read
of the evidence per indicator.

Forking is unsafe once native worker threads exist in the parent (polars' thread pool
is the usual one: a forked child that touches it waits forever for workers that were not
copied). :func:`fork_safe` looks at the OS threads first; when the process is already
multi-threaded the tasks run in-process on watchdog threads instead: the time limit still
yields an ``error`` verdict (the stuck thread is abandoned) but memory is not capped.
The command line forks before any table is read, so it always gets full isolation.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import select
import signal
import struct
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_MEMORY_MB", "Outcome", "fork_safe", "run_tasks"]

#: Extra address space (MiB) a child may map beyond what it inherits from the parent.
DEFAULT_MEMORY_MB = 2048

_CHUNK = 1 << 16


@dataclass
class Outcome:
    """What became of one task: its return value, or why there is none."""

    value: Any = None
    error: str | None = None


def fork_safe() -> bool:
    """True when every OS thread besides this one is known to survive a fork, so a forked
    child cannot inherit a lock held by a thread that does not exist in it.

    Importing polars starts jemalloc's background threads (jemalloc re-initializes them
    in the child through its own fork handlers) and an idle spill-file cleaner; its
    compute pool (``polars-N``) only appears once a table was read, and that one is
    fatal to a child.
    """
    if not hasattr(os, "fork"):
        return False
    try:
        names = []
        for task in os.listdir("/proc/self/task"):
            if int(task) == threading.get_native_id():
                continue
            with open(f"/proc/self/task/{task}/comm", encoding="utf-8") as comm:
                names.append(comm.read().strip())
    except (OSError, ValueError):
        return threading.active_count() == 1
    return threading.active_count() == 1 and all(n in _FORK_SAFE_THREADS for n in names)


#: Thread names (``/proc/.../comm``, 15 bytes at most) that do not make forking unsafe.
_FORK_SAFE_THREADS = frozenset({"jemalloc_bg_thd", "polars-ooc-clea"})


def run_tasks(
    tasks: Sequence[Callable[[], Any]],
    *,
    jobs: int = 1,
    timeout: float | None = None,
    memory_mb: int | None = DEFAULT_MEMORY_MB,
) -> Iterator[tuple[int, Outcome]]:
    """Run the tasks in up to ``jobs`` forked worker processes and yield
    ``(index, outcome)`` as each finishes (completion order, not task order).

    A task that raises, runs past ``timeout`` seconds or exceeds ``memory_mb`` MiB of
    extra address space (per worker) gives an outcome with ``error`` set; a worker that
    dies or is killed is replaced, so the other tasks are unaffected.
    """
    if fork_safe():
        yield from _run_forked(tasks, max(1, jobs), timeout, memory_mb)
    else:
        yield from _run_threaded(tasks, timeout)


@dataclass
class _Worker:
    """A forked child that runs the tasks it is sent, one at a time. It keeps what it
    read (the evidence store's cache) between tasks, so the evidence is read once per
    worker, not once per indicator; it is replaced only when it dies or times out."""

    pid: int
    commands: int  # parent -> worker: task indices, 4 bytes each; closed means "stop"
    results: int  # worker -> parent: length-prefixed pickles
    buffer: bytearray
    memory_mb: int | None
    current: int | None = None
    deadline: float | None = None


_FRAME = struct.Struct("<I")


def _run_forked(
    tasks: Sequence[Callable[[], Any]], jobs: int, timeout: float | None, memory_mb: int | None
) -> Iterator[tuple[int, Outcome]]:
    pending = list(range(len(tasks)))
    pending.reverse()  # pop() from the end hands tasks out in order
    workers: list[_Worker] = []
    try:
        while pending or any(w.current is not None for w in workers):
            for worker in workers:
                if worker.current is None and pending:
                    _assign(worker, pending.pop(), timeout)
            while pending and len(workers) < min(jobs, len(tasks)):
                worker = _spawn(tasks, memory_mb, workers)
                workers.append(worker)
                _assign(worker, pending.pop(), timeout)
            busy = {w.results: w for w in workers if w.current is not None}
            ready, _, _ = select.select(list(busy), [], [], _next_wait(busy.values()))
            for fd in ready:
                worker = busy[fd]
                data = os.read(fd, _CHUNK)
                if data:
                    worker.buffer += data
                    if (done := _take_frame(worker)) is not None:
                        yield done
                    continue
                # End of file: the worker died in the middle of its task.
                index = worker.current
                workers.remove(worker)
                status = _reap(worker)
                if index is not None:
                    yield index, Outcome(error=_death(status, worker.memory_mb))
            now = time.monotonic()
            for worker in list(workers):
                index = worker.current
                if index is not None and worker.deadline is not None and now >= worker.deadline:
                    workers.remove(worker)
                    _kill(worker)
                    yield index, Outcome(error=f"timeout after {timeout:g} s")
    finally:
        # Done, interrupted (Ctrl-C) or the consumer stopped early: no worker outlives
        # the run. An idle worker exits on end of file; a busy one is killed.
        for worker in workers:
            if worker.current is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signal.SIGKILL)
        for worker in workers:
            _reap(worker)  # closing its command pipe tells an idle worker to exit


def _next_wait(workers: Any) -> float | None:
    deadlines = [w.deadline for w in workers if w.deadline is not None]
    if not deadlines:
        return None
    return max(0.0, min(deadlines) - time.monotonic())


def _assign(worker: _Worker, index: int, timeout: float | None) -> None:
    worker.current = index
    worker.deadline = None if timeout is None else time.monotonic() + timeout
    os.write(worker.commands, _FRAME.pack(index))


def _take_frame(worker: _Worker) -> tuple[int, Outcome] | None:
    """The finished task, once its whole frame has arrived."""
    if len(worker.buffer) < _FRAME.size:
        return None
    (length,) = _FRAME.unpack_from(worker.buffer)
    if len(worker.buffer) < _FRAME.size + length:
        return None
    payload = bytes(worker.buffer[_FRAME.size : _FRAME.size + length])
    del worker.buffer[: _FRAME.size + length]
    index = worker.current
    worker.current, worker.deadline = None, None
    if index is None:  # a frame nobody asked for: ignore it
        return None
    kind, value = pickle.loads(payload)
    return index, Outcome(value=value) if kind == "ok" else Outcome(error=str(value))


def _spawn(
    tasks: Sequence[Callable[[], Any]], memory_mb: int | None, siblings: list[_Worker]
) -> _Worker:
    command_read, command_write = os.pipe()
    result_read, result_write = os.pipe()
    with warnings.catch_warnings():
        # CPython warns about forking a multi-threaded process; fork_safe() has checked
        # that the other threads are ones that survive it.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child; its results are what tests see
        os.close(command_write)
        os.close(result_read)
        # A sibling's command pipe held open here would keep it from ever seeing the
        # end of file that tells it to stop.
        for sibling in siblings:
            for fd in (sibling.commands, sibling.results):
                with contextlib.suppress(OSError):
                    os.close(fd)
        _worker_main(tasks, command_read, result_write, memory_mb)
    os.close(command_read)
    os.close(result_write)
    return _Worker(pid, command_write, result_read, bytearray(), memory_mb)


def _worker_main(  # pragma: no cover - runs in the child
    tasks: Sequence[Callable[[], Any]], commands: int, results: int, memory_mb: int | None
) -> None:
    """Run tasks until the command pipe closes; never return (``os._exit``): the
    parent's atexit handlers would otherwise run here too, and one of them removes the
    unpacked bundle the parent is still reading."""
    code = 0
    try:
        # Ctrl-C goes to the whole process group; the parent decides what to do.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if memory_mb is not None:
            _limit_memory(memory_mb)
        while len(header := _read_exact(commands, _FRAME.size)) == _FRAME.size:
            (index,) = _FRAME.unpack(header)
            payload = _run_one(tasks[index], memory_mb)
            _write_all(results, _FRAME.pack(len(payload)) + payload)
    except BaseException:  # the parent sees the worker die and says so
        code = 70
    finally:
        os._exit(code)


def _run_one(task: Callable[[], Any], memory_mb: int | None) -> bytes:  # pragma: no cover
    try:
        return pickle.dumps(("ok", task()))
    except MemoryError:
        return pickle.dumps(("error", f"memory limit of {memory_mb} MiB exceeded"))
    except BaseException as exc:  # every failure becomes a verdict, pickling included
        return pickle.dumps(("error", f"{type(exc).__name__} at {_where(exc)}"))


def _read_exact(fd: int, size: int) -> bytes:  # pragma: no cover - runs in the child
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _write_all(fd: int, data: bytes) -> None:  # pragma: no cover - runs in the child
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _limit_memory(memory_mb: int) -> None:
    """Cap the address space at what the child inherited plus ``memory_mb`` MiB."""
    inherited = _address_space()
    limit = inherited + memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _address_space() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown location"
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}"


def _reap(worker: _Worker) -> int:
    """Close the worker's pipes (each exactly once) and wait for it to exit."""
    for name in ("commands", "results"):
        fd = getattr(worker, name)
        if fd >= 0:
            setattr(worker, name, -1)
            with contextlib.suppress(OSError):
                os.close(fd)
    try:
        return os.waitpid(worker.pid, 0)[1]
    except ChildProcessError:
        return 0


def _death(status: int, memory_mb: int | None) -> str:
    if os.WIFSIGNALED(status):
        name = _signal_name(os.WTERMSIG(status))
        hint = f" (memory limit of {memory_mb} MiB?)" if memory_mb is not None else ""
        return f"child process killed by {name}{hint}"
    return f"child process exited with status {os.waitstatus_to_exitcode(status)}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _kill(worker: _Worker) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(worker.pid, signal.SIGKILL)
    _reap(worker)


def _run_threaded(
    tasks: Sequence[Callable[[], Any]], timeout: float | None
) -> Iterator[tuple[int, Outcome]]:
    """The fallback when forking is unsafe: one watchdog thread per task, in order."""
    for index, task in enumerate(tasks):
        box: list[Outcome] = []

        def target(task: Callable[[], Any] = task, box: list[Outcome] = box) -> None:
            try:
                box.append(Outcome(value=task()))
            except MemoryError:
                box.append(Outcome(error="memory exhausted"))
            except BaseException as exc:  # every failure becomes a verdict
                box.append(Outcome(error=f"{type(exc).__name__} at {_where(exc)}"))

        worker = threading.Thread(target=target, name=f"compliance-task-{index}", daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            # The thread cannot be stopped; it is abandoned (a daemon, so it cannot keep
            # the process alive) and the task is reported as timed out.
            yield index, Outcome(error=f"timeout after {timeout or 0:g} s")
        else:
            yield index, box[0] if box else Outcome(error="the task gave no result")
