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

A worker may run several tasks at once on threads (``threads``), which then share its
evidence cache and its memory limit. What goes wrong beside other tasks cannot be pinned
on one of them: when a worker dies, when a task runs out of time or memory, or when the
worker's address space came near its limit, the tasks involved are run again, each by
itself in a fresh worker, and only what happens there is reported. A task is never
reported failed for what a neighbour did.

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
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
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
    threads: int = 1,
    alone: Iterable[int] = (),
) -> Iterator[tuple[int, Outcome]]:
    """Run the tasks in up to ``jobs`` forked worker processes, each running up to
    ``threads`` of them at once, and yield ``(index, outcome)`` as each finishes
    (completion order, not task order).

    A task that raises, runs past ``timeout`` seconds or exceeds ``memory_mb`` MiB of
    extra address space (per task a worker runs at once: a worker with three threads may
    map three times as much) gives an outcome with ``error`` set; a worker that
    dies or is killed is replaced, so the other tasks are unaffected. A failure beside
    other tasks is first retried alone (see the module's notes), so a task that times
    out while sharing a worker takes up to twice ``timeout`` to be reported. The tasks
    in ``alone`` always run with no other task in their worker.
    """
    if fork_safe():
        yield from _run_forked(tasks, max(1, jobs), max(1, threads), timeout, memory_mb, set(alone))
    else:
        yield from _run_threaded(tasks, timeout)


@dataclass
class _Worker:
    """A forked child that runs the tasks it is sent (up to its threads at once). It keeps
    what it read (the evidence store's cache) between tasks, so the evidence is read once
    per worker, not once per indicator; it is replaced only when it dies or is killed."""

    pid: int
    commands: int  # parent -> worker: task indices, 4 bytes each; closed means "stop"
    results: int  # worker -> parent: length-prefixed pickles
    buffer: bytearray
    memory_mb: int | None
    running: dict[int, float | None] = field(default_factory=dict)  # index -> deadline
    shared: set[int] = field(default_factory=set)  # running tasks that ran beside another


_FRAME = struct.Struct("<I")
#: Address space within this much of a worker's limit counts as having reached it: an
#: allocation there may have failed, and a task beside it may have seen MemoryError.
_NEAR_LIMIT = 256 * 1024 * 1024


def _run_forked(
    tasks: Sequence[Callable[[], Any]],
    jobs: int,
    threads: int,
    timeout: float | None,
    memory_mb: int | None,
    alone: set[int] | None = None,
) -> Iterator[tuple[int, Outcome]]:
    pending: deque[int] = deque(range(len(tasks)))
    # Tasks to run by themselves in their worker: asked for, or run again after failing
    # beside others.
    alone = set(alone or ())
    workers: list[_Worker] = []
    # The tasks a worker runs at once share its address space: each may use its share.
    budget = None if memory_mb is None else memory_mb * threads

    def again(indexes: Iterable[int], *, by_itself: bool = True) -> None:
        """Queue tasks to run again, before the others: those that failed beside others
        one at a time (``by_itself``), in task order."""
        for index in sorted(indexes, reverse=True):
            if by_itself:
                alone.add(index)
            pending.appendleft(index)

    try:
        while pending or any(w.running for w in workers):
            for worker in workers:
                _fill(worker, pending, alone, threads, timeout)
            while pending and len(workers) < min(jobs, len(tasks)):
                worker = _spawn(tasks, budget, workers, threads)
                workers.append(worker)
                _fill(worker, pending, alone, threads, timeout)
            busy = {w.results: w for w in workers if w.running}
            ready, _, _ = select.select(list(busy), [], [], _next_wait(busy.values()))
            for fd in ready:
                worker = busy[fd]
                data = os.read(fd, _CHUNK)
                if data:
                    worker.buffer += data
                    for index, kind, value, near_limit in _take_frames(worker):
                        if index not in worker.running:
                            continue  # a frame nobody asked for: ignore it
                        del worker.running[index]
                        shared = index in worker.shared
                        worker.shared.discard(index)
                        if near_limit and shared:
                            # The worker's memory ran short while other tasks ran: this
                            # result and theirs may be wrong. All of them run again, alone.
                            again([index, *worker.running])
                            workers.remove(worker)
                            _kill(worker)
                            break
                        if kind == "memory" and shared:
                            again([index])
                        elif kind == "ok":
                            yield index, Outcome(value=value)
                        else:
                            yield index, Outcome(error=str(value))
                    continue
                # End of file: the worker died in the middle of its tasks.
                workers.remove(worker)
                status = _reap(worker)
                if len(worker.running) == 1 and not worker.shared:
                    yield (
                        next(iter(worker.running)),
                        Outcome(error=_death(status, worker.memory_mb)),
                    )
                else:
                    again(worker.running)
            now = time.monotonic()
            for worker in list(workers):
                late = [i for i, deadline in worker.running.items() if deadline and now >= deadline]
                if not late:
                    continue
                workers.remove(worker)
                _kill(worker)
                if len(worker.running) == 1 and not worker.shared:
                    yield late[0], Outcome(error=f"timeout after {timeout:g} s")
                    continue
                # Beside others, a task may be slow because of them: the late ones run
                # again alone; the others run again as they were.
                again(late)
                again(set(worker.running) - set(late), by_itself=False)
    finally:
        # Done, interrupted (Ctrl-C) or the consumer stopped early: no worker outlives
        # the run. An idle worker exits on end of file; a busy one is killed.
        for worker in workers:
            if worker.running:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signal.SIGKILL)
        for worker in workers:
            _reap(worker)  # closing its command pipe tells an idle worker to exit


def _fill(
    worker: _Worker, pending: deque[int], alone: set[int], threads: int, timeout: float | None
) -> None:
    """Send the worker tasks while it has room: a task that must run alone goes only to
    an idle worker, and nothing joins it."""
    while pending:
        if any(i in alone for i in worker.running) or len(worker.running) >= threads:
            return
        if pending[0] in alone and worker.running:
            return
        index = pending.popleft()
        worker.running[index] = None if timeout is None else time.monotonic() + timeout
        if len(worker.running) > 1:
            worker.shared.update(worker.running)
        try:
            os.write(worker.commands, _FRAME.pack(index))
        except OSError:
            # The worker died after its last result and before this write: its end of
            # file, still to be read, hands the task on with the others it held.
            return


def _next_wait(workers: Any) -> float | None:
    deadlines = [d for w in workers for d in w.running.values() if d is not None]
    if not deadlines:
        return None
    return max(0.0, min(deadlines) - time.monotonic())


def _take_frames(worker: _Worker) -> list[tuple[int, str, Any, bool]]:
    """The finished tasks whose whole frames have arrived: (index, kind, value, whether
    the worker's address space had come near its limit)."""
    done = []
    while len(worker.buffer) >= _FRAME.size:
        (length,) = _FRAME.unpack_from(worker.buffer)
        if len(worker.buffer) < _FRAME.size + length:
            break
        payload = bytes(worker.buffer[_FRAME.size : _FRAME.size + length])
        del worker.buffer[: _FRAME.size + length]
        done.append(pickle.loads(payload))
    return done


def _spawn(
    tasks: Sequence[Callable[[], Any]],
    memory_mb: int | None,
    siblings: list[_Worker],
    threads: int = 1,
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
        _worker_main(tasks, command_read, result_write, memory_mb, threads)
    os.close(command_read)
    os.close(result_write)
    return _Worker(pid, command_write, result_read, bytearray(), memory_mb)


def _worker_main(  # pragma: no cover - runs in the child
    tasks: Sequence[Callable[[], Any]],
    commands: int,
    results: int,
    memory_mb: int | None,
    threads: int = 1,
) -> None:
    """Run tasks until the command pipe closes; never return (``os._exit``): the
    parent's atexit handlers would otherwise run here too, and one of them removes the
    unpacked bundle the parent is still reading. With several threads, the parent never
    sends more tasks than there are threads, so none waits for one."""
    code = 0
    try:
        # Ctrl-C goes to the whole process group; the parent decides what to do.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        limit = _limit_memory(memory_mb) if memory_mb is not None else None
        writing = threading.Lock()

        def run(index: int) -> None:
            payload = _run_one(index, tasks[index], memory_mb, limit if threads > 1 else None)
            with writing:
                _write_all(results, _FRAME.pack(len(payload)) + payload)

        if threads == 1:
            while len(header := _read_exact(commands, _FRAME.size)) == _FRAME.size:
                run(_FRAME.unpack(header)[0])
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(threads, thread_name_prefix="compliance-task") as pool:
                while len(header := _read_exact(commands, _FRAME.size)) == _FRAME.size:
                    pool.submit(run, _FRAME.unpack(header)[0])
    except BaseException:  # the parent sees the worker die and says so
        code = 70
    finally:
        os._exit(code)


def _run_one(  # pragma: no cover - runs in the child
    index: int, task: Callable[[], Any], memory_mb: int | None, limit: int | None = None
) -> bytes:
    """The task's frame: ``(index, kind, value, near_limit)`` pickled, kind ``ok``,
    ``error`` or ``memory``. ``limit``, for a worker whose tasks share it, is its
    address-space limit; ``near_limit`` says the worker's address space had come near it
    by the time the task ended, so that a MemoryError may have been caught inside the
    task (by a reader that then reports a file it could not read)."""
    try:
        kind, value = "ok", task()
    except MemoryError:
        kind, value = "memory", f"memory limit of {memory_mb} MiB exceeded"
    except BaseException as exc:  # every failure becomes a verdict, pickling included
        kind, value = "error", f"{type(exc).__name__} at {_where(exc)}"
    near = limit is not None and _peak_address_space() >= limit - _NEAR_LIMIT
    try:
        return pickle.dumps((index, kind, value, near))
    except BaseException as exc:
        return pickle.dumps((index, "error", f"{type(exc).__name__} at {_where(exc)}", near))


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


def _limit_memory(memory_mb: int) -> int:
    """Cap the address space at what the child inherited plus ``memory_mb`` MiB; return
    the cap in bytes."""
    inherited = _address_space()
    limit = inherited + memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return limit


def _address_space(key: str = "VmSize") -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{key}:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _peak_address_space() -> int:  # pragma: no cover - runs in the child
    """The largest address space this process has had (0 where the system does not say)."""
    return _address_space("VmPeak")


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
