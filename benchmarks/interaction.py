"""Benchmark: how long each Explore interaction takes to render in a real browser (headless Chromium).

An interaction is timed from the click (or key press) until the app has re-run its script and the
browser has drawn the result: Streamlit's script state goes back to "not running", every picture on
the page has loaded (the charts are PNG pictures unless "interactive charts" is on), and two
animation frames have passed, so everything has painted. Timed on the built-in `digits` task, shipped models, in the
single view (one model) and side by side (three), for:

- next sample (the "next ▶" button; every sample is new to the page's cache),
- slider (the image corruption slider moved one step with the arrow key),
- remove toggle (the audio "remove" toggle, switched on and off),
- strategy switch (single view only: pick another model).

Prints, per view and interaction, the median and the spread over ``--runs`` repetitions. An
interaction whose re-run is not seen within 30 s is left out of its figures, named on stderr, and
counted as missed on its line.
Usage: python -m benchmarks.interaction [--runs 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from benchmarks.machine import machine_line
from tools.app_server import STRATEGY_NAMES, chromium_page, open_explore_side_by_side, running_app

# Resolves once the app's script has started and finished again after the interaction and every
# picture has loaded, then waits two animation frames (the charts are painted). Set up before the
# interaction, so a fast re-run is not missed.
ARM = """() => { window.__start = null; window.__before = document.querySelector('[data-testid="stMain"]').innerText;
  const start = () => { if (window.__start === null) window.__start = performance.now(); };
  document.addEventListener('pointerdown', start, {capture: true, once: true});
  document.addEventListener('keydown', start, {capture: true, once: true});
  window.__rendered = new Promise(resolve => {
  const app = document.querySelector('[data-test-script-state]');
  let started = false;
  const check = () => {
    const state = app.getAttribute('data-test-script-state');
    if (state === 'running') started = true;
    if (started && state !== 'running') {
      observer.disconnect();
      const loaded = () => [...document.querySelectorAll('img')].every(img => img.complete);
      const painted = () => loaded() ? requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())))
                                     : requestAnimationFrame(painted);
      painted();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}); }"""


MISSED_AFTER_MS = 30_000  # a re-run not seen by then is reported as missed, and the run goes on


def timed(page, action) -> float | None:
    """Seconds from the interaction (the browser's pointer-down or key-down event, so Playwright's
    own checks before it clicks do not count) to the drawn result; None when no re-run was seen."""
    page.evaluate(ARM)
    action()
    end = page.evaluate(f"Promise.race([window.__rendered, new Promise(done => setTimeout(() => done(null), {MISSED_AFTER_MS}))])")
    if end is None:
        state = page.evaluate("document.querySelector('[data-test-script-state]').getAttribute('data-test-script-state')")
        event = page.evaluate("window.__start !== null")
        changed = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').innerText !== window.__before")
        print(f"    missed: no re-run seen within {MISSED_AFTER_MS // 1000} s (script state {state!r}, input event "
              f"{'seen' if event else 'not seen'}, page text {'changed' if changed else 'unchanged'})", file=sys.stderr, flush=True)
        return None
    return (end - page.evaluate("window.__start")) / 1000


def slider_step(page, label: str, key: str):
    def act():
        page.get_by_role("slider", name=label).focus()
        page.keyboard.press(key)
    return act


def interactions(page, single: bool) -> dict:
    toggle = page.get_by_text("remove the audio", exact=True)
    steps = {
        "next sample": lambda: page.get_by_role("button", name="next ▶").click(),
        "slider": None,  # alternates right / left, so the level stays near its start
        "remove toggle": lambda: toggle.click(),
    }
    if single:
        steps["strategy switch"] = None
    return steps


def run_view(page, single: bool, runs: int) -> dict[str, list[float | None]]:
    timings: dict[str, list[float | None]] = {}
    strategies = iter((STRATEGY_NAMES[1:] + STRATEGY_NAMES[:1]) * runs)  # each click picks another model
    for name, act in interactions(page, single).items():
        timings[name] = []
        for i in range(runs):
            if name == "slider":
                act = slider_step(page, "image corruption", "ArrowRight" if i % 2 == 0 else "ArrowLeft")
            elif name == "strategy switch":
                strategy = next(strategies)
                act = lambda s=strategy: page.get_by_text(s, exact=True).first.click()  # noqa: E731
            timings[name].append(timed(page, act))
            if timings[name][-1] is None:
                print(f"    ({'single view' if single else 'side by side'} · {name}, run {i + 1})", file=sys.stderr, flush=True)
    return timings


def report(view: str, timings: dict[str, list[float | None]]) -> None:
    for name, found in timings.items():
        values = sorted(v for v in found if v is not None)
        missed = f", {len(found) - len(values)} missed" if len(values) < len(found) else ""
        if not values:
            print(f"  {view:>12} · {name:<16} no re-run seen in {len(found)} runs")
            continue
        print(f"  {view:>12} · {name:<16} median {statistics.median(values):.2f} s  "
              f"(min {values[0]:.2f}, max {values[-1]:.2f}; {len(values)} runs{missed})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="repetitions of each interaction")
    args = parser.parse_args()
    print(machine_line(), flush=True)
    with running_app() as (url, _), chromium_page(width=1500, height=1400) as page:
        open_explore_side_by_side(page, url)
        print("Explore interactions, click to drawn result:")
        report("side by side", run_view(page, single=False, runs=args.runs))
        page.get_by_text("single", exact=True).click()
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")
        time.sleep(0.5)
        report("single view", run_view(page, single=True, runs=args.runs))


if __name__ == "__main__":
    main()
