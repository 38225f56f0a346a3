"""How fast the Planner page answers a control change, in a real browser against a real server (issue 29: "the
page answers in under 0.5 s for a control change on this CPU (measure it in a benchmark, not a timed test)").

    python benchmarks/planner_speed.py [--rounds 5] [--url http://...]

Starts `streamlit run app.py` (unless --url is given), opens the Planner in Chromium (Playwright) and, for each
control (minimum accuracy, objective, SNR, link, send-as mode), changes it with the real widget `--rounds` times,
alternating between two values, exactly as `benchmarks/app_speed.py` drives the explorer (its server, settle rule
and widget helpers are imported from there: a change counts as settled when the script has finished, nothing is
stale and the DOM has been quiet for 0.5 s; its time runs from the input event to the last DOM change). A warm-up
round first visits every value (the MAC counts and plans are cached per server, as for every user after the first);
"snr (new value)" then steps the SNR to values no plan has seen yet, so each of those changes plans afresh.

Prints median and p95 per control against the issue's 0.5 s (MET when both the median and the p95 are within it)
and first load. It never fails on speed: read it (and the machine's load average, printed with it)."""
from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_speed import (  # the explorer benchmark's helpers: one browser driver for both pages
    CHROMIUM,
    OBSERVER,
    ROOT,
    SETTLED,
    cpu_seconds,
    radio,
    select_option,
    slider_step,
    server_for,
    summary,
)

TARGET_S = 0.5  # issue 29: a control change under 0.5 s
CONTROLS = ("min accuracy", "objective", "snr", "link", "mode", "snr (new value)")
LINKS = ("Wi-Fi 5 (802.11ac, 1x1, 80 MHz)", "LTE Cat-4 uplink")  # both with a sourced energy per bit


def open_planner(page, base: str) -> float:
    """Seconds from navigation to the settled page (the recommendation and its charts drawn)."""
    t0 = time.perf_counter()
    page.goto(base + "/planner?acc=0.85&obj=latency&mode=analog&snr=5", timeout=1200000)
    page.evaluate(OBSERVER)
    page.locator(".js-plotly-plot").first.wait_for(timeout=1200000)
    page.wait_for_function(SETTLED, arg=500, timeout=1200000, polling=50)
    last = page.evaluate("window.__lastMut") / 1000
    took = time.perf_counter() - t0
    return min(took, last) if last > 0 else took


def session(browser, base: str, rounds: int, out: dict, errors: list, new_values: bool = True,
            server_pid: int | None = None, cpu: dict | None = None) -> None:
    """`out`: control -> wall seconds per change; `cpu`: control -> (server CPU s, renderer CPU s) per change (the
    server's from /proc, the renderer's the page's TaskDuration from the Chrome DevTools Performance domain): what a
    change costs each side, which on a loaded machine says more than the wall time."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.set_default_timeout(1200000)  # a loaded machine (training on every core) can take minutes for a first plan
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Performance.enable")

    def task_s() -> float:
        return next(m["value"] for m in cdp.send("Performance.getMetrics")["metrics"] if m["name"] == "TaskDuration")

    def timed(step: str, act) -> float:
        s0 = cpu_seconds(server_pid) if server_pid else 0.0
        r0 = task_s()
        wall = act()
        if cpu is not None:
            cpu.setdefault(step, []).append(((cpu_seconds(server_pid) - s0) if server_pid else math.nan,
                                             task_s() - r0))
        return wall
    step = "first load"
    try:
        out.setdefault("first load", []).append(open_planner(page, base))
        for r in range(rounds):
            fwd = r % 2 == 0
            for step, act in (
                    ("min accuracy", lambda: slider_step(page, "Minimum accuracy", "ArrowRight" if fwd else "ArrowLeft")),
                    ("objective", lambda: radio(page, "Objective", "lowest device energy" if fwd else "lowest latency")),
                    ("snr", lambda: slider_step(page, "SNR (dB)", "ArrowRight" if fwd else "ArrowLeft")),
                    ("link", lambda: select_option(page, "Link", LINKS[0] if fwd else LINKS[1])),
                    ("mode", lambda: radio(page, "Send the numbers as", "both: choose per candidate" if fwd
                                           else "analog symbols"))):
                out.setdefault(step, []).append(timed(step, act))
        if new_values:  # upwards from 5 dB: 5.5 and 6 were seen in the warm-up at most, the rest never
            slider_step(page, "SNR (dB)", "ArrowRight")
            slider_step(page, "SNR (dB)", "ArrowRight")
            for _ in range(rounds):
                step = "snr (new value)"
                out.setdefault(step, []).append(timed(step, lambda: slider_step(page, "SNR (dB)", "ArrowRight")))
        if page.locator('[data-testid="stException"]').count():
            errors.append("an exception box is on the page")
    except Exception as e:  # report, do not hide
        errors.append(f"{step}: {type(e).__name__}: {(str(e).splitlines() or [''])[0]}")
        try:  # best effort, as app_speed.py: on a loaded machine the screenshot can time out too, and must not hide
            # the error
            (ROOT / "test-artifacts").mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ROOT / "test-artifacts" / "planner_speed_error.png"), full_page=True)
        except Exception as e2:
            errors.append(f"{step}: no screenshot ({type(e2).__name__})")
    finally:
        ctx.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--url", default=None, help="an already running app (else one is started)")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    proc, base = server_for(a.url)
    load = os.getloadavg()
    results: dict = {}
    per_side: dict = {}
    errors: list[str] = []
    cpu = None
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            warm: dict = {}
            session(browser, base, 2, warm, errors, new_values=False)  # every value once: a warm server
            cpu0 = cpu_seconds(proc.pid) if proc is not None else None
            session(browser, base, a.rounds, results, errors, server_pid=proc.pid if proc is not None else None,
                    cpu=per_side)
            if proc is not None:
                cpu = cpu_seconds(proc.pid) - cpu0
            browser.close()
    finally:
        if proc is not None:  # on a loaded machine the server can take long to stop: never lose the results to it
            proc.terminate()
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=60)
    n_changes = sum(len(results.get(c, [])) for c in CONTROLS)
    print(f"Planner page speed: 1 user, {a.rounds} rounds, Chromium headless; load average before "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores")
    print(summary("first load (warm)", results.get("first load", []), None, None))
    for c in CONTROLS:
        print(summary(c, results.get(c, []), TARGET_S, TARGET_S))
    every = [x for c in CONTROLS for x in results.get(c, [])]
    if every:
        print(summary("every control change", every, TARGET_S, TARGET_S))
        print(f"target: a control change under {TARGET_S:g} s (issue 29), marked MET when the median and the p95 are "
              f"within it; overall median {statistics.median(every):.3f} s")
    for c in CONTROLS:
        xs = per_side.get(c, [])
        if xs:
            print(f"  {c:20} median CPU per change: server {statistics.median(x[0] for x in xs):.3f} s, browser "
                  f"renderer {statistics.median(x[1] for x in xs):.3f} s")
    if cpu is not None and n_changes:
        print(f"server CPU: {cpu:.1f} s for {n_changes} changes + one load ({cpu / (n_changes + 1):.3f} s each)")
    for e in errors:
        print("error:", e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
