"""Load: many concurrent browser sessions on one `streamlit run app.py` (shared cached models).

Each session is its own browser context in one headless Chromium (Playwright's async API, so all
sessions run at once). It opens Explore on its own test row of `digits`, side by side, and waits
for the three strategies' charts including Integrated Gradients; then uploads an image as its own
sample and waits for the analysis; then opens Compare and reads the test-accuracy chart. Every page
is checked for error boxes, the predictions shown for the row against `evaluate`'s predictions,
and the accuracies shown against `evaluate`'s. The server's resident memory (VmRSS of the streamlit
process, sampled every 0.5 s) is recorded.

Prints, per phase and overall, the median and maximum render time of the sessions (seconds from
the click or navigation to the drawn page), and the server's RSS before, at peak and after; with
``--runs R`` (each a fresh server), the median over the runs of each figure.

Usage: python -m benchmarks.load [--sessions 20] [--runs 1] [--demo] [--single [--strategy S]] [--timeout S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from tools.app_server import CHART_TITLES, CHROMIUM, CHROMIUM_ARGS, GRADIENTS_SECTION, ROOT, running_app

TASK = "digits"
STRATEGIES = ("early", "late", "hybrid")
UPLOAD = ROOT / "tests" / "assets" / "digit.png"
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
TITLE = "(p => ((p.layout && p.layout.title && p.layout.title.text) || '').replace(/<br>/g, ' ').replace(/<[^>]*>/g, ''))"
PLOTS = f"[...document.querySelectorAll('.js-plotly-plot')].map({TITLE})"  # every Plotly chart's title, as text
ACCURACY = """() => { const out = {};
  for (const p of document.querySelectorAll('.js-plotly-plot')) {
    const t = TITLE(p);
    if (!t.startsWith('Test accuracy')) continue;
    for (const trace of p.data) if (trace.type === 'bar') trace.x.forEach((x, i) => { out[x] = trace.y[i]; });
  }
  return out; }""".replace("TITLE", TITLE)
PHASES = ("explore", "upload", "compare")


@dataclass
class SessionResult:
    row: int
    strategies: tuple[str, ...]
    seconds: dict[str, float] = field(default_factory=dict)
    headlines: list[str] = field(default_factory=list)
    upload_headlines: list[str] = field(default_factory=list)
    accuracy: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def rss_bytes(pid: int) -> int:
    """VmRSS of process ``pid`` (Linux /proc), in bytes; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


async def _settled(page, timeout_ms: int) -> None:
    """Wait until the app stops running (the status widget goes) and Plotly has drawn."""
    await page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout_ms)
    await page.wait_for_timeout(300)


async def _errors(page) -> list[str]:
    return await page.locator(ERRORS).all_inner_texts()


async def _headlines(page) -> list[str]:
    return await page.locator("[data-testid=stMarkdownContainer]").filter(has_text=" predicts ").all_inner_texts()


async def one_session(browser, url: str, row: int, strategy: str | None, timeout_ms: int) -> SessionResult:
    """One visitor; ``strategy`` None: Explore side by side (all three), else that one model alone."""
    shown = STRATEGIES if strategy is None else (strategy,)
    result = SessionResult(row, shown)
    view = {"view": "side by side"} if strategy is None else {"view": "single", "strategy": strategy}
    context = await browser.new_context(viewport={"width": 1500, "height": 1100})
    context.set_default_timeout(timeout_ms)  # every wait, the first page load included
    page = await context.new_page()
    try:
        start = time.perf_counter()
        await page.goto(f"{url}/?{urlencode({'task': TASK, 'sample': row, **view})}")
        for name in shown:
            await page.wait_for_selector(f"text={name}: probabilities", timeout=timeout_ms)
        await _settled(page, timeout_ms)
        await page.get_by_text(GRADIENTS_SECTION).first.click()  # open the section: every analysis, IG included
        await page.wait_for_function(f"{CHART_TITLES}.filter(t => t.startsWith('IG on')).length >= {3 * len(shown)}",
                                     timeout=timeout_ms)  # Integrated Gradients on each modality
        await _settled(page, timeout_ms)
        result.seconds["explore"] = time.perf_counter() - start
        result.headlines = await _headlines(page)
        result.errors += await _errors(page)

        start = time.perf_counter()
        await page.get_by_text("my own files", exact=True).click()
        uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="image").locator('input[type="file"]')
        await uploader.set_input_files(str(UPLOAD))
        await page.wait_for_selector("text=digit.png", timeout=timeout_ms)
        for name in shown:
            await page.wait_for_selector(f"text={name}: probabilities", timeout=timeout_ms)
        await _settled(page, timeout_ms)
        result.seconds["upload"] = time.perf_counter() - start
        result.upload_headlines = await _headlines(page)
        result.errors += await _errors(page)

        start = time.perf_counter()
        await page.get_by_role("link", name="Compare").click()
        await page.wait_for_function(f"{PLOTS}.some(t => t.startsWith('Test accuracy'))", timeout=timeout_ms)
        await _settled(page, timeout_ms)
        result.seconds["compare"] = time.perf_counter() - start
        result.accuracy = await page.evaluate(ACCURACY)
        result.errors += await _errors(page)
    except Exception as error:  # noqa: BLE001 - a session that did not finish is a result, not a crash
        result.errors.append(f"{type(error).__name__}: {str(error).splitlines()[0]}")
    finally:
        await context.close()
    return result


async def _sample_rss(pid: int, peak: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_bytes(pid))
        await asyncio.sleep(0.5)


async def _drive(url: str, pid: int, cases: list[tuple[int, str | None]], timeout_ms: int) -> tuple[list[SessionResult], int]:
    from playwright.async_api import async_playwright

    peak, stop = [rss_bytes(pid)], asyncio.Event()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        sampler = asyncio.create_task(_sample_rss(pid, peak, stop))
        try:
            results = await asyncio.gather(*(one_session(browser, url, row, strategy, timeout_ms) for row, strategy in cases))
        finally:
            stop.set()
            await sampler
            await browser.close()
    return list(results), peak[0]


@dataclass
class LoadRun:
    sessions: list[SessionResult]
    rss_start: int
    rss_peak: int
    rss_end: int

    def seconds(self, phase: str | None = None) -> list[float]:
        return [s for r in self.sessions for p, s in r.seconds.items() if phase in (None, p)]


def run_sessions(n: int, timeout_s: float = 600.0, demo: bool = False, side_by_side: bool = True,
                 strategy: str | None = None) -> LoadRun:
    """``n`` concurrent sessions on a fresh server (its user folders in a temporary directory), each
    on its own test row; side by side, or (lighter) session i showing strategy i mod 3 alone, or
    every session the one model ``strategy`` (one shared model object explaining different rows at once)."""
    def shown(i: int) -> str | None:
        return None if side_by_side else strategy or STRATEGIES[i % len(STRATEGIES)]

    cases = [((7 * i) % 360, shown(i)) for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        env = {"FUSION_USER_DIR": f"{tmp}/runs", "FUSION_DATASETS_DIR": f"{tmp}/datasets", **({"FUSION_DEMO": "1"} if demo else {})}
        with running_app(env=env, timeout=120) as (url, process):
            start = rss_bytes(process.pid)
            results, peak = asyncio.run(_drive(url, process.pid, cases, int(timeout_s * 1000)))
            return LoadRun(results, start, peak, rss_bytes(process.pid))


def truth(rows: list[int]) -> tuple[dict[str, float], dict[str, dict[int, str]]]:
    """``evaluate``'s test accuracy of every shipped digits model, and each strategy's predicted
    class name for ``rows``: what the pages must show."""
    from fusion.evaluation.accuracy import evaluate
    from fusion.models.checkpoints import load_models
    from fusion.models.presets import model_names
    from fusion.tasks import get_task

    task = get_task(TASK)
    models = load_models(TASK, model_names(TASK))
    accuracy, predicted = {}, {}
    for name, model in models.items():
        result = evaluate(model, predictions=True)
        accuracy[name] = result["accuracy"]
        if name in STRATEGIES:
            predicted[name] = {row: str(task.classes[result["predictions"][row]]) for row in rows}
    return accuracy, predicted


def problems(run: LoadRun, accuracy: dict[str, float], predicted: dict[str, dict[int, str]]) -> list[str]:
    """Everything a session showed that is wrong: errors, missing phases, wrong numbers."""
    found = []
    for s in run.sessions:
        found += [f"row {s.row}: error {e!r}" for e in s.errors]
        found += [f"row {s.row}: {phase} did not finish" for phase in PHASES if phase not in s.seconds]
        shown = {h.split()[0]: h.split()[2] for h in s.headlines if len(h.split()) > 2}
        for name in s.strategies:
            if shown.get(name) != predicted[name][s.row]:
                found.append(f"row {s.row}: {name} shows {shown.get(name)!r}, evaluate predicts {predicted[name][s.row]!r}")
        if "upload" in s.seconds and not {h.split()[0] for h in s.upload_headlines} >= set(s.strategies):
            found.append(f"row {s.row}: the uploaded image was not analysed by {', '.join(s.strategies)}")
        if "compare" in s.seconds:
            wrong = {m: v for m, v in s.accuracy.items() if m not in accuracy or abs(v - accuracy[m]) > 1e-9}
            if wrong or set(s.accuracy) != set(accuracy):
                found.append(f"row {s.row}: Compare shows {s.accuracy}, evaluate gives {accuracy}")
    return found


def summary(runs: list[LoadRun]) -> dict:
    def over_runs(values: list[float]) -> float:
        return statistics.median(values)

    out = {"runs": len(runs), "sessions": len(runs[0].sessions)}
    for phase in (*PHASES, None):
        label = phase or "all"
        out[f"{label}_median_s"] = round(over_runs([statistics.median(r.seconds(phase) or [float("nan")]) for r in runs]), 2)
        out[f"{label}_max_s"] = round(over_runs([max(r.seconds(phase) or [float("nan")]) for r in runs]), 2)
    for key in ("rss_start", "rss_peak", "rss_end"):
        out[f"{key}_mb"] = round(over_runs([getattr(r, key) for r in runs]) / 1e6)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--runs", type=int, default=1, help="fresh servers; figures are the median over runs")
    parser.add_argument("--demo", action="store_true", help="serve with FUSION_DEMO=1")
    parser.add_argument("--single", action="store_true",
                        help="Explore shows one model per session (strategy i mod 3), not all three side by side")
    parser.add_argument("--strategy", choices=STRATEGIES,
                        help="with --single: every session shows this model (one shared model object)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds each page may take")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runs = [run_sessions(args.sessions, args.timeout, args.demo, not args.single, args.strategy) for _ in range(args.runs)]
    rows = sorted({s.row for r in runs for s in r.sessions})
    accuracy, predicted = truth(rows)
    wrong = [p for r in runs for p in problems(r, accuracy, predicted)]
    figures = {**summary(runs), "problems": len(wrong), "cpus": os.cpu_count()}
    if args.json:
        print(json.dumps(figures))
    else:
        view = "side by side" if not args.single else f"all {args.strategy}" if args.strategy else "one model each"
        print(f"{figures['sessions']} concurrent sessions, {figures['runs']} run(s), {figures['cpus']} CPUs "
              f"(Explore {view} with IG, an image upload, Compare):")
        for phase in (*PHASES, "all"):
            print(f"  {phase:8s} render time: median {figures[f'{phase}_median_s']:.2f} s, max {figures[f'{phase}_max_s']:.2f} s")
        print(f"  server RSS: {figures['rss_start_mb']} MB at start, {figures['rss_peak_mb']} MB at peak, "
              f"{figures['rss_end_mb']} MB after")
        print(f"  problems: {len(wrong)}" + "".join(f"\n    {p}" for p in wrong[:20]))
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
