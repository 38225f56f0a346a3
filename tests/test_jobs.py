"""semcom_ui.jobs: measurements off the script thread, shared by sessions."""
import threading

import pytest

from semcom_ui.jobs import JobQueueFull, JobRunner


def test_a_job_runs_once_per_key_and_reports_progress():
    runner = JobRunner(workers=1)
    calls = []
    gate = threading.Event()

    def work(progress):
        calls.append(1)
        progress(0.5)
        gate.wait(5)
        return 42

    a = runner.submit("x", work)
    b = runner.submit("x", work)  # a second press while it runs joins the same run
    assert a is b
    gate.set()
    job = runner.wait("x", 10)
    assert job.done and job.result == 42 and job.progress == 1.0 and job.error is None
    assert runner.submit("x", work) is job  # finished: the result is reused, nothing recomputed
    assert len(calls) == 1


def test_a_failing_job_carries_its_message_and_is_retried():
    runner = JobRunner(workers=1)
    attempts = []

    def work(progress):
        attempts.append(1)
        if len(attempts) == 1:
            raise ValueError("cifar10 is not prepared")
        return "ok"

    runner.submit("y", work)
    job = runner.wait("y", 10)
    assert job.done and job.error == "ValueError: cifar10 is not prepared" and job.result is None
    runner.submit("y", work)
    assert runner.wait("y", 10).result == "ok" and len(attempts) == 2


def test_finished_results_are_bounded_least_recently_used_out():
    runner = JobRunner(workers=1, keep=3)
    for i in range(3):
        runner.submit(i, lambda p, i=i: i)
        runner.wait(i, 10)
    runner.get(0)  # used again: kept
    runner.submit(3, lambda p: 3)
    runner.wait(3, 10)
    assert runner.get(1) is None and runner.get(0).result == 0 and runner.get(3).result == 3


def test_progress_never_goes_backwards_and_stays_in_range():
    runner = JobRunner(workers=1)
    seen = []
    gate = threading.Event()

    def slow(progress):
        progress(0.3)
        progress(0.1)
        seen.append(runner.get("q").progress)
        progress(1.7)
        seen.append(runner.get("q").progress)
        gate.set()

    runner.submit("q", slow)
    gate.wait(10)
    assert seen == [0.3, 1.0]


def test_cancel_stops_a_running_job_and_a_waiting_one_never_starts():
    runner = JobRunner(workers=1)
    started, steps = threading.Event(), []
    release = threading.Event()

    def long(progress):
        started.set()
        for i in range(1000):
            release.wait(5) if i == 1 else None
            progress(i / 1000)
            steps.append(i)
        return "finished"

    runner.submit("a", long)
    ran_b = []
    runner.submit("b", lambda p: ran_b.append(1))
    started.wait(5)
    assert runner.position("a") == 0 and runner.position("b") == 1  # b waits behind a
    runner.cancel("b")
    runner.cancel("a")
    release.set()
    a, b = runner.wait("a", 10), runner.wait("b", 10)
    assert a.error == "cancelled" and a.result is None and len(steps) < 1000
    assert b.error == "cancelled" and not ran_b and runner.position("a") is None
    runner.submit("a", lambda p: "again")  # a cancelled job starts afresh when asked again
    assert runner.wait("a", 10).result == "again"


def test_a_job_two_sessions_wait_for_stops_only_when_both_cancel():
    runner = JobRunner(workers=1)
    release, steps = threading.Event(), []

    def long(progress):
        for i in range(1000):
            release.wait(5) if i == 1 else None
            progress(i / 1000)
            steps.append(i)
        return "finished"

    a = runner.submit("x", long, who="session A")
    assert runner.submit("x", long, who="session B") is a  # B joins A's run
    assert runner.cancel("x", who="session B") is False  # A still waits: it runs on
    assert runner.cancel("x", who="a third session that never asked") is False
    assert not a.cancelled and a.running
    assert runner.cancel("x", who="session A") is True  # the last one waiting: stopped
    release.set()
    assert runner.wait("x", 10).error == "cancelled" and len(steps) < 1000
    done = runner.submit("y", lambda p: "y", who="session A")
    runner.wait("y", 10)
    assert runner.cancel("y", who="session A") is False and done.result == "y"  # a finished job stays finished
    assert runner.join("y", "session B") is done and runner.join("nothing", "session B") is None


def test_asking_again_for_a_cancelled_job_still_stopping_starts_a_fresh_run():
    runner = JobRunner(workers=1)
    gate, release = threading.Event(), threading.Event()
    runner.submit("first", lambda p: gate.wait(5), who="A")  # occupies the one worker
    queued = runner.submit("m", lambda p: "m", who="A")
    assert runner.cancel("m", who="A") is True and queued.cancelled and queued.running  # not stopped yet
    assert runner.join("m", "B") is None  # nothing to join: it is being cancelled
    fresh = runner.submit("m", lambda p: "m again", who="B")
    assert fresh is not queued and not fresh.cancelled and fresh.waiting == {"B"}
    gate.set()
    assert runner.wait("m", 10) is fresh and fresh.result == "m again" and queued.error == "cancelled"
    # a join racing a job that failed meanwhile starts nothing (it was a dummy run returning None before)
    runner.submit("bad", lambda p: 1 / 0, who="A")
    runner.wait("bad", 10)
    assert runner.join("bad", "B") is None and runner.get("bad").error.startswith("ZeroDivisionError")
    release.set()


def test_the_queue_is_bounded_and_concurrent_submits_share_one_run():
    runner = JobRunner(workers=1, max_pending=2)
    gate = threading.Event()
    runner.submit(1, lambda p: gate.wait(5))
    runner.submit(2, lambda p: 2)
    with pytest.raises(JobQueueFull):
        runner.submit(3, lambda p: 3)
    assert runner.submit(2, lambda p: 99).key == 2  # joining a waiting job is not a new one
    gate.set()
    runner.wait(2, 10)
    calls, jobs = [], []

    def work(p):
        calls.append(1)
        return "x"

    threads = [threading.Thread(target=lambda: jobs.append(runner.submit("same", work))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert runner.wait("same", 10).result == "x" and len(calls) == 1 and all(j is jobs[0] for j in jobs)
