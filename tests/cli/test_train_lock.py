"""``train`` and ``train-all`` hold the run lock on their ``--out`` folder (``fusion.cli.common.out_lock``):
a second command on that folder, in another process, stops at once with one line naming the holder's
pid and writes nothing. A finished command leaves no lock file (``tests/cli/test_commands.py``); a
killed holder's lock is taken over (``tests/models/test_run_lock.py``); torchrun's rank 0 is the one
that locks (``tests/training/test_torchrun.py``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from fusion.cli.common import out_lock
from fusion.models.run_lock import lock_path
from tests.cli.test_commands import REPO, assert_one_line_error, run_main
from tests.models.test_run_lock import holder_process

TRAIN = ["train", "--task", "digits", "--strategy", "text", "--epochs", "1", "--out"]
SENTINEL = {"accuracy": 0.5, "written by": "the first job"}


def earlier_model(out: Path) -> dict[str, bytes]:
    """A model folder the first job already wrote: every file's bytes, to check nothing touched them."""
    folder = out / "digits" / "text"
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps(SENTINEL) + "\n")
    return tree(out)


def tree(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def refusal(out: Path, pid: int) -> str:
    return (f"--out {out} is being written by another training job (process {pid}); "
            "wait for it to end or give another --out")


def test_train_and_train_all_refuse_a_folder_another_process_writes(tmp_path, capsys) -> None:
    out = tmp_path / "runs"
    before = earlier_model(out)
    holder = holder_process(out)
    try:
        for argv in ([*TRAIN, str(out)], ["train-all", "--out", str(out)]):
            code, stdout, err = run_main(argv, capsys)
            assert_one_line_error(code, stdout, err)
            assert refusal(out, holder.pid) in err, err
            assert tree(out) == before  # nothing overwritten, nothing added
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)


def test_a_second_train_process_is_refused_while_this_one_holds_the_folder(tmp_path) -> None:
    out = tmp_path / "runs"
    before = earlier_model(out)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with out_lock(out):
        done = subprocess.run([sys.executable, "-m", "fusion", *TRAIN, str(out)], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr == f"python -m fusion train: error: {refusal(out, os.getpid())}\n"
    assert tree(out) == before and not lock_path(out).exists()


def test_an_out_folder_whose_parent_cannot_hold_the_lock_is_one_line(tmp_path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder\n")
    code, stdout, err = run_main([*TRAIN, str(blocker / "runs")], capsys)
    assert_one_line_error(code, stdout, err)
    assert f"cannot lock --out {blocker / 'runs'}" in err, err
