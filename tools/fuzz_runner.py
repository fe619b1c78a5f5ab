"""Run every file of a fuzz corpus (tools/make_fuzz_corpus.py) through its decoders and loaders,
one JSON line per call: what happened, how long it took, how much the process grew.

    python tools/fuzz_runner.py CORPUS OUT.jsonl [GROUP ...]

:func:`run_corpus` runs it in two subprocesses at once (tests/fuzz/test_fuzz_corpus.py checks the
outcomes, benchmarks/fuzz.py reports the times), each with its address space capped, so that a
runaway allocation fails that process (and the test) instead of the machine. Each call gets an
alarm: a call still running after HANG_SECONDS is recorded as a hang. That is a guard against
calls that never end (a FIFO read), not a speed target: the slowest call, the 36-megapixel PNG,
takes about 1 s on an idle core and 8 s on a heavily loaded machine.
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HANG_SECONDS = 120
HEADROOM_BYTES = 3 * 2**30  # address space allowed beyond what the imports took
GROUPS = (("images", "text", "manifests"), ("audio", "zips", "checkpoints"))  # about equal halves


class Hang(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` turns it into a refusal."""


def _alarm(signum, frame):
    raise Hang()


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def calls(corpus: Path, groups: list[str]) -> Iterator[tuple[str, str, Callable[[], object]]]:
    """(path, loader, call) for every entry of the corpus in ``groups``."""
    from fusion.cli.common import read_bytes
    from fusion.io import decode_audio, decode_audio_clip, decode_image, decode_image_rgb, decode_text
    from fusion.models.checkpoints import load_checkpoint, read_metrics
    from fusion.tasks.dataset import read_dataset_record
    from fusion.userdata import extract_zip, load_manifest

    files = {"decode_image": decode_image, "decode_image_rgb": decode_image_rgb, "decode_audio": decode_audio,
             "decode_audio_clip": decode_audio_clip, "decode_text": lambda p: decode_text(read_bytes(p))}
    scratch = Path(tempfile.mkdtemp(prefix="fuzz-"))
    for group in groups:
        for path in sorted((corpus / group).iterdir()):
            name = str(path.relative_to(corpus))
            if group in ("images", "audio", "text"):
                for loader, decode in files.items():
                    yield name, loader, lambda d=decode, p=path: d(p)
                if path.lstat().st_size < 60 * 2**20:
                    for loader in ("decode_image", "decode_audio"):
                        yield name, f"{loader}(bytes)", lambda d=files[loader], p=path: d(p.read_bytes())
            elif group == "manifests":
                yield name, "load_manifest", lambda p=path: load_manifest(p)
            elif group == "zips":
                yield name, "extract_zip", lambda p=path: extract_zip(p, scratch / f"{p.name}.path")
                yield name, "extract_zip(bytes)", lambda p=path: extract_zip(p.read_bytes(), scratch / f"{p.name}.bytes")
            elif group == "checkpoints":
                yield name, "load_checkpoint", lambda p=path: load_checkpoint(p)
                yield name, "read_metrics", lambda p=path: read_metrics(p)
                yield name, "read_dataset_record", lambda p=path: read_dataset_record(p)


def main(corpus: Path, out: Path, groups: list[str]) -> None:
    from fusion.errors import FusionError

    entries = list(calls(corpus, groups))  # imports everything before the baseline
    # First calls import plugins, compile (librosa) and initialise PyTorch: not the corpus's cost.
    from fusion.io import decode_audio, decode_image
    from fusion.models.checkpoints import load_checkpoint
    from fusion.userdata import load_manifest

    for warm, path in ((decode_audio, "audio/valid_mono16k.wav"), (decode_image, "images/valid_RGB.png"),
                       (load_checkpoint, "checkpoints/valid"), (load_manifest, "manifests/valid")):
        if (corpus / path).exists():
            warm(corpus / path)
    with open("/proc/self/status") as status:
        virtual = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize"))
    resource.setrlimit(resource.RLIMIT_AS, (virtual + HEADROOM_BYTES, resource.RLIM_INFINITY))
    signal.signal(signal.SIGALRM, _alarm)
    baseline = max(_rss(), _peak())
    with open(out, "w") as log:
        for name, loader, call in entries:
            started = time.monotonic()
            record = {"path": name, "loader": loader}
            signal.alarm(HANG_SECONDS)
            try:
                call()
                record["outcome"] = "ok"
            except FusionError as error:
                record.update(outcome="refused", error=type(error).__name__, message=str(error))
            except Hang:
                record.update(outcome="hang", error="Hang", message=f"still running after {HANG_SECONDS} s")
            except BaseException as error:  # noqa: BLE001 - the point: anything else is a crash
                record.update(outcome="crash", error=type(error).__name__, message=str(error)[:500],
                              trace=traceback.format_exc()[-1500:])
            finally:
                signal.alarm(0)
            record.update(seconds=round(time.monotonic() - started, 5), grown=max(0, _peak() - baseline))
            log.write(json.dumps(record) + "\n")
            log.flush()


def run_corpus(corpus: Path, logs: Path, timeout_s: float = 20 * 60) -> list[dict]:
    """Every call's record, the :data:`GROUPS` run in parallel worker processes (logs under ``logs``);
    RuntimeError naming the last call when a worker dies (a crash of the interpreter, the memory cap)."""
    logs.mkdir(parents=True, exist_ok=True)

    def run(groups: tuple[str, ...]) -> list[dict]:
        log = logs / f"{groups[0]}.jsonl"
        result = subprocess.run([sys.executable, str(Path(__file__).resolve()), str(corpus), str(log), *groups],
                                cwd=ROOT, capture_output=True, text=True, timeout=timeout_s)
        lines = log.read_text().splitlines() if log.exists() else []
        if result.returncode != 0:
            raise RuntimeError(f"the worker for {groups} died after {len(lines)} calls "
                               f"(last: {lines[-1] if lines else None}): {result.stderr[-3000:]}")
        return [json.loads(line) for line in lines]

    with ThreadPoolExecutor(len(GROUPS)) as pool:
        return [record for part in pool.map(run, GROUPS) for record in part]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:] or ["images", "audio", "text", "manifests", "zips", "checkpoints"])
