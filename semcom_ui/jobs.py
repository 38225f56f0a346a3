"""Long computations off the script thread, shared by every session of the app.

A page submits a job under a key that names exactly what it computes (e.g. backbone, split, k, SNR,
channel, n, seed). The job runs on one worker thread of the server process; the page shows its progress
in a fragment that polls, so the rest of the page, and every other user's page, keeps answering. Two
sessions asking for the same key share one run and get the same result; finished results are kept (a
bounded number, least recently used first out), failed ones carry their message. Free of Streamlit, so
it is tested as plain Python."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable


class JobQueueFull(RuntimeError):
    """Too many measurements are waiting: the page says so instead of queueing without end."""


class JobCancelled(RuntimeError):
    """Raised inside a job's progress callback once the job is cancelled (the computation stops there)."""


@dataclass
class Job:
    key: Hashable
    progress: float = 0.0  # fraction done, 0..1
    result: Any = None
    error: str | None = None  # a readable message when the computation raised
    done: bool = False
    started: float = field(default_factory=time.time)
    finished: float | None = None
    cancelled: bool = False
    seq: int = 0  # submission order (queue position)
    waiting: set = field(default_factory=set)  # who asked for it (e.g. session ids): it stops only when all cancel

    @property
    def running(self) -> bool:
        return not self.done


class JobRunner:
    """`submit(key, fn)`: run `fn(progress)` once per key on `workers` threads; `get(key)` → the Job or None.
    `fn` receives a callable taking the fraction done. Exceptions become `Job.error` (type and message),
    never a crash of the caller."""

    def __init__(self, workers: int = 1, keep: int = 256, max_pending: int = 8):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="semcom-job")
        self._jobs: OrderedDict[Hashable, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._seq = 0
        self.keep, self.workers, self.max_pending = keep, workers, max_pending

    def get(self, key: Hashable) -> Job | None:
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                self._jobs.move_to_end(key)
            return job

    def submit(self, key: Hashable, fn: Callable[[Callable[[float], None]], Any], who: Hashable = None) -> Job:
        """Start `fn` under `key` unless a job for it is running or finished without error (then that one
        is returned, and `who` joins those waiting for it). A failed job is retried."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and not job.cancelled and (job.running or job.error is None):
                self._jobs.move_to_end(key)
                if job.running:
                    job.waiting.add(who)
                return job  # (a cancelled one still running stops at its next progress report: start afresh)
            pending = sum(1 for j in self._jobs.values() if j.running)
            if pending >= self.max_pending:
                raise JobQueueFull(f"{pending} measurements are already running or waiting; try again when one is done")
            self._seq += 1
            job = Job(key, seq=self._seq, waiting={who})
            self._jobs[key] = job
            self._evict()

        def progress(f: float) -> None:
            if job.cancelled:
                raise JobCancelled("cancelled")
            job.progress = min(1.0, max(job.progress, float(f)))

        def run() -> None:
            try:
                if job.cancelled:
                    raise JobCancelled("cancelled")
                job.result = fn(progress)
                job.progress = 1.0
            except JobCancelled:
                job.error = "cancelled"
            except Exception as e:  # the page shows the message
                job.error = f"{type(e).__name__}: {e}"
            finally:
                job.finished = time.time()
                job.done = True
        self._pool.submit(run)
        return job

    def join(self, key: Hashable, who: Hashable = None) -> Job | None:
        """`who` waits for the job under `key` too, if it runs and is not being cancelled; that Job, or the finished
        one (without error), else None (then `submit` starts it). Never starts anything."""
        with self._lock:
            job = self._jobs.get(key)
            if job is None or job.cancelled or (job.done and job.error is not None):
                return None
            if job.running:
                job.waiting.add(who)
            self._jobs.move_to_end(key)
            return job

    def cancel(self, key: Hashable, who: Hashable = None) -> bool:
        """`who` no longer waits for the job under `key`; when nobody else does, stop it: a waiting one never
        starts, a running one stops at its next progress report, and its error reads "cancelled" (a later
        submit starts it afresh). True if it was stopped, False if it runs on for the others waiting for it."""
        with self._lock:
            job = self._jobs.get(key)
            if job is None or not job.running:
                return False
            job.waiting.discard(who)
            if not job.waiting:
                job.cancelled = True
            return job.cancelled

    def position(self, key: Hashable) -> int | None:
        """How many unfinished jobs were submitted before this one and are still ahead of it (0: it runs now,
        or would with a free worker); None when there is no unfinished job under `key`."""
        with self._lock:
            job = self._jobs.get(key)
            if job is None or job.done:
                return None
            ahead = sum(1 for j in self._jobs.values() if j.running and j.seq < job.seq)
        return max(0, ahead - (self.workers - 1))

    def _evict(self) -> None:
        while len(self._jobs) > self.keep:
            oldest = next((k for k, j in self._jobs.items() if j.done), None)
            if oldest is None:
                return
            del self._jobs[oldest]

    def wait(self, key: Hashable, timeout: float = 600.0) -> Job | None:
        """Block until the job under `key` is done (for scripts and tests; pages poll instead)."""
        t_end = time.time() + timeout
        while time.time() < t_end:
            job = self.get(key)
            if job is None or job.done:
                return job
            time.sleep(0.02)
        return self.get(key)
