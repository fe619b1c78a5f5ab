"""The app's pages render without exceptions (Streamlit AppTest)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from fusion.tasks import built_in_tasks

ROOT = Path(__file__).resolve().parents[2]


def test_the_models_page_lists_every_shipped_model_with_its_accuracy() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/models.py").run()
    assert not at.exception
    assert at.title[0].value == "Fusion Explorer"
    from fusion.training.demos import DEMO_CHECKPOINTS, DEMO_TASK

    # the built-in tasks' models, then the reliance demonstration's
    assert [s.value for s in at.subheader] == [f"Task `{t.name}`" for t in (*built_in_tasks(), DEMO_TASK)]
    tables = [frame.value for frame in at.dataframe]
    assert [len(t) for t in tables] == [*(len(t.default_models) for t in built_in_tasks()), len(DEMO_CHECKPOINTS)]
    digits = tables[0].set_index("model")
    assert set(digits.index) == {"early", "late", "hybrid", "audio", "image", "text"}
    assert digits.loc["early", "test accuracy"] > digits.loc["audio", "test accuracy"]



def test_every_run_analyses_with_one_torch_thread(monkeypatch) -> None:
    """Tiny models on shared cores: intra-op threads only spin (fusion/threads.py). Streamlit runs
    each rerun in a new thread and OpenMP counts per thread, so the count is set in the run's thread."""
    import torch

    import fusion.threads

    seen = []

    def recording() -> None:
        torch.set_num_threads(2)  # as a fresh thread may start
        original()
        seen.append(torch.get_num_threads())

    original = fusion.threads.use_app_threads
    monkeypatch.setattr(fusion.threads, "use_app_threads", recording)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert seen == [fusion.threads.APP_THREADS] == [1]
