"""semcom_ui.jobs: measurements off the script thread, shared by sessions."""
import threading

from semcom_ui.jobs import JobRunner


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

    def work(progress):
        for f in (0.2, 0.1, 1.7):
            progress(f)
        return None

    runner.submit("p", work)
    assert runner.wait("p", 10).progress == 1.0
    seen = []
    gate = threading.Event()

    def slow(progress):
        progress(0.3)
        progress(0.1)
        seen.append(runner.get("q").progress)
        gate.set()

    runner.submit("q", slow)
    gate.wait(10)
    assert seen == [0.3]
