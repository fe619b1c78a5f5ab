"""Build the AV-Digits dataset into assets/avdigits (needs espeak-ng on PATH).

    python tools/build_avdigits.py [--seed 0] [--out assets/avdigits]

Images are the 1,797 real 8x8 digits that ship with scikit-learn; audio is the spoken digit word
synthesised by espeak-ng for 72 synthetic speakers; captions carry partial information about the
digit. Everything random is drawn from --seed, so the same seed rebuilds the same files (given the
same espeak-ng version). The format is documented in assets/avdigits/README.md.
"""

from __future__ import annotations

import argparse
import csv
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "assets" / "avdigits"

ACCENTS = ("en-gb", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd",
           "en-029", "en-us-nyc")
VARIANTS = tuple(f"m{i}" for i in range(1, 9)) + tuple(f"f{i}" for i in range(1, 6)) + (
    "klatt", "klatt2", "klatt3")
SPEAKERS_PER_ACCENT = 9                     # 8 accents x 9 = 72 speakers
SPLIT_BLOCK = ("train",) * 4 + ("val", "test")  # 48 / 12 / 12 speakers
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

SOURCE_RATE, SAMPLE_RATE = 22050, 16000
MAX_SAMPLES = 19200                         # 1.2 s at 16 kHz
TRIM_TOP_DB = 35
PEAK = 0.9
MAX_CAPTION_WORDS = 12

# Independent random streams, so changing one part of the build does not reshuffle the others.
(STREAM_SPEAKERS, STREAM_JITTER, STREAM_IMAGE_SPLIT, STREAM_PAIRING, STREAM_MATCH,
 STREAM_TEXT) = range(6)


@dataclass(frozen=True)
class Speaker:
    speaker: int
    accent: str
    variant: str
    speed: int      # words per minute
    pitch: int      # espeak-ng pitch 0..99
    split: str


def rng_for(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


# --------------------------------------------------------------------------------------- speakers
def make_speakers(seed: int) -> list[Speaker]:
    """72 unique (accent, variant) speakers with a speaker split that mixes accents and variants.

    Accent a takes 9 consecutive variants (cyclically) from a shuffled variant list, starting at 2a,
    so every variant is used 4 or 5 times. Speakers are then ordered by accent and dealt in blocks
    of six (4 train, 1 val, 1 test, seeded order inside the block); each accent fully contains a
    block, so every split has every accent.
    """
    rng = rng_for(seed, STREAM_SPEAKERS)
    variants = [VARIANTS[i] for i in rng.permutation(len(VARIANTS))]
    combos = [(accent, variants[(2 * a + k) % len(variants)])
              for a, accent in enumerate(ACCENTS) for k in range(SPEAKERS_PER_ACCENT)]
    splits = [s for _ in range(len(combos) // len(SPLIT_BLOCK))
              for s in rng.permutation(SPLIT_BLOCK)]
    order = rng.permutation(len(combos))    # speaker ids do not reveal accent or split
    speakers = []
    for speaker_id, i in enumerate(order):
        accent, variant = combos[i]
        speakers.append(Speaker(speaker_id, accent, variant, speed=int(rng.integers(130, 201)),
                                pitch=int(rng.integers(25, 76)), split=str(splits[i])))
    return speakers


# ------------------------------------------------------------------------------------------ audio
def synthesise(word: str, voice: str, speed: int, pitch: int, workdir: pathlib.Path) -> np.ndarray:
    """One espeak-ng utterance as float64 mono at SOURCE_RATE."""
    import soundfile as sf

    path = workdir / "clip.wav"
    subprocess.run(["espeak-ng", "-w", str(path), "-s", str(speed), "-p", str(pitch), "-v", voice,
                    word], check=True, capture_output=True)
    wave, rate = sf.read(path, dtype="float64", always_2d=True)
    if rate != SOURCE_RATE:
        raise RuntimeError(f"espeak-ng wrote {rate} Hz audio, expected {SOURCE_RATE} Hz")
    return wave.mean(axis=1)


def postprocess(wave: np.ndarray) -> np.ndarray:
    """Resample to 16 kHz, trim silence, peak-normalise."""
    import librosa
    from scipy.signal import resample_poly

    wave = resample_poly(wave, 320, 441)
    wave, _ = librosa.effects.trim(wave, top_db=TRIM_TOP_DB)
    return PEAK * wave / np.max(np.abs(wave))


def make_clip(speaker: Speaker, digit: int, rng: np.random.Generator,
              workdir: pathlib.Path) -> tuple[np.ndarray, int]:
    """A jittered clip of one spoken digit, at most MAX_SAMPLES long; returns (wave, retries).

    A clip that is too long is synthesised again faster instead of being cut, so no word loses its
    ending.
    """
    speed = speaker.speed * (1 + rng.uniform(-0.08, 0.08))
    pitch = int(np.clip(round(speaker.pitch + rng.uniform(-6, 6)), 0, 99))
    voice = f"{speaker.accent}+{speaker.variant}"
    for retries in range(20):
        wave = postprocess(synthesise(NUMBER_WORDS[digit], voice, round(speed), pitch, workdir))
        if len(wave) <= MAX_SAMPLES:
            return wave, retries
        speed *= 1.1
    raise RuntimeError(f"could not fit {NUMBER_WORDS[digit]!r} by {voice} into {MAX_SAMPLES} "
                       "samples")


def clip_name(speaker: int, digit: int) -> str:
    return f"s{speaker:02d}_d{digit}"


def write_audio(speakers: list[Speaker], out: pathlib.Path, seed: int) -> dict[str, int]:
    import soundfile as sf
    from tqdm import tqdm

    audio_dir = out / "audio"
    if audio_dir.exists():
        shutil.rmtree(audio_dir)
    audio_dir.mkdir(parents=True)
    rng = rng_for(seed, STREAM_JITTER)
    lengths, retried = {}, 0
    with tempfile.TemporaryDirectory(prefix="avdigits-") as tmp:
        jobs = [(s, d) for s in speakers for d in range(10)]
        for speaker, digit in tqdm(jobs, desc="espeak-ng", unit="clip"):
            wave, retries = make_clip(speaker, digit, rng, pathlib.Path(tmp))
            retried += retries > 0
            name = clip_name(speaker.speaker, digit)
            sf.write(audio_dir / f"{name}.flac", wave, SAMPLE_RATE, format="FLAC", subtype="PCM_16",
                     compression_level=1.0)
            lengths[name] = len(wave)
    print(f"{len(lengths)} clips, {retried} resynthesised faster to fit "
          f"{MAX_SAMPLES / SAMPLE_RATE} s")
    return lengths


# ----------------------------------------------------------------------------------------- splits
def split_images(labels: np.ndarray, seed: int) -> np.ndarray:
    """60/20/20 train/val/test split of the images, stratified by digit."""
    from sklearn.model_selection import train_test_split

    state = int(rng_for(seed, STREAM_IMAGE_SPLIT).integers(2**31))
    index = np.arange(len(labels))
    rest, test = train_test_split(index, test_size=0.2, stratify=labels, random_state=state)
    train, val = train_test_split(rest, test_size=0.25, stratify=labels[rest], random_state=state)
    split = np.empty(len(labels), dtype=object)
    split[train], split[val], split[test] = "train", "val", "test"
    return split


def speaker_cycle(speakers: list[int], count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` speakers from a shuffled cycle over `speakers`, so each is used about equally."""
    order = rng.permutation(speakers)
    return order[np.arange(count) % len(order)]


def pair_digits(labels: np.ndarray, split: np.ndarray, speakers: list[Speaker],
                seed: int) -> list[str]:
    """For each image, a clip of the same digit by a speaker of the same split."""
    rng = rng_for(seed, STREAM_PAIRING)
    clips = [""] * len(labels)
    for name in ("train", "val", "test"):
        pool = [s.speaker for s in speakers if s.split == name]
        for digit in range(10):
            rows = rng.permutation(np.flatnonzero((split == name) & (labels == digit)))
            for row, speaker in zip(rows, speaker_cycle(pool, len(rows), rng)):
                clips[row] = clip_name(int(speaker), digit)
    return clips


def pair_match(labels: np.ndarray, split: np.ndarray, speakers: list[Speaker],
               seed: int) -> tuple[list[str], np.ndarray]:
    """For each image, a clip of the same digit (exactly half of each split) or a different one."""
    rng = rng_for(seed, STREAM_MATCH)
    clips, match = [""] * len(labels), np.zeros(len(labels), dtype=np.int64)
    for name in ("train", "val", "test"):
        pool = [s.speaker for s in speakers if s.split == name]
        rows = rng.permutation(np.flatnonzero(split == name))
        positive = np.arange(len(rows)) < len(rows) // 2
        for row, same, speaker in zip(rows, positive, speaker_cycle(pool, len(rows), rng)):
            digit = labels[row] if same else rng.choice([d for d in range(10) if d != labels[row]])
            clips[row], match[row] = clip_name(int(speaker), int(digit)), int(same)
    return clips, match


# --------------------------------------------------------------------------------------- captions
def _pick(rng: np.random.Generator, options) -> str:
    return options[int(rng.integers(len(options)))]


def parity_fact(digit: int, rng: np.random.Generator) -> str:
    if digit % 2 == 0:
        return _pick(rng, ("an even number", "it is even", "the digit is even", "an even digit",
                           "divisible by two"))
    return _pick(rng, ("it is odd", "an odd number", "the digit is odd", "an odd digit",
                       "not divisible by two"))


def range_fact(digit: int, rng: np.random.Generator) -> str:
    """A range of width 3..5 that contains the digit, with a random start."""
    width = int(rng.integers(3, 6))
    low = int(rng.integers(max(0, digit - width + 1), min(digit, 10 - width) + 1))
    high = low + width - 1
    lo, hi = NUMBER_WORDS[low], NUMBER_WORDS[high]
    options = [f"a digit between {lo} and {hi}", f"somewhere from {lo} to {hi}",
               f"a number in the range {lo} to {hi}", f"at least {lo} and at most {hi}"]
    if low == 0:
        options += [f"something less than {NUMBER_WORDS[high + 1]}",
                    f"a number smaller than {NUMBER_WORDS[high + 1]}"]
    if high == 9:
        options += [f"something greater than {NUMBER_WORDS[low - 1]}",
                    f"a number bigger than {NUMBER_WORDS[low - 1]}"]
    return _pick(rng, options)


def three_fact(digit: int, rng: np.random.Generator) -> str:
    """Divisibility by three; zero counts as a multiple."""
    if digit % 3 == 0:
        return _pick(rng, ("a multiple of three", "divisible by three",
                           "it can be divided by three"))
    return _pick(rng, ("not a multiple of three", "not divisible by three",
                       "three does not divide it"))


UNINFORMATIVE = ("a handwritten digit", "a number someone wrote", "the sample shows a digit",
                 "a single digit", "someone wrote a number here", "a digit on a small grid")
FACTS = (parity_fact, range_fact, three_fact)
# caption kind -> probability: nothing useful, one fact of each kind, or two different facts
CAPTION_KINDS = {"none": 0.25, "parity": 0.18, "range": 0.25, "three": 0.17, "combo": 0.15}


def combo_fact(digit: int, rng: np.random.Generator) -> str:
    """Two different facts; phrasings are redrawn until the caption is short enough."""
    while True:
        first, second = rng.choice(len(FACTS), size=2, replace=False)
        text = f"{FACTS[first](digit, rng)} and {FACTS[second](digit, rng)}"
        if len(text.split()) <= MAX_CAPTION_WORDS:
            return text


def caption(digit: int, rng: np.random.Generator) -> str:
    kind = rng.choice(list(CAPTION_KINDS), p=list(CAPTION_KINDS.values()))
    if kind == "none":
        return _pick(rng, UNINFORMATIVE)
    return {"parity": parity_fact, "range": range_fact, "three": three_fact,
            "combo": combo_fact}[kind](digit, rng)


def make_captions(labels: np.ndarray, seed: int) -> list[str]:
    rng = rng_for(seed, STREAM_TEXT)
    captions = [caption(int(d), rng) for d in labels]
    longest = max(len(c.split()) for c in captions)
    assert longest <= MAX_CAPTION_WORDS, f"caption with {longest} words"
    return captions


# ------------------------------------------------------------------------------------------ files
def write_csv(path: pathlib.Path, header: tuple[str, ...], rows) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def build(out: pathlib.Path, seed: int) -> None:
    from sklearn.datasets import load_digits

    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is not on PATH; install it (e.g. `apt-get install espeak-ng`) to build "
                 "the AV-Digits audio.")
    start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    digits = load_digits()
    images = digits.images.astype(np.uint8)             # values 0..16
    labels = digits.target.astype(np.int64)
    assert images.shape == (1797, 8, 8) and images.max() == 16
    np.save(out / "images.npy", images, allow_pickle=False)

    speakers = make_speakers(seed)
    write_csv(out / "speakers.csv", ("speaker", "accent", "variant", "speed", "pitch", "split"),
              [(s.speaker, s.accent, s.variant, s.speed, s.pitch, s.split) for s in speakers])
    write_audio(speakers, out, seed)

    split = split_images(labels, seed)
    clips = pair_digits(labels, split, speakers, seed)
    captions = make_captions(labels, seed)
    write_csv(out / "samples.csv", ("index", "digit", "split", "clip", "caption"),
              zip(range(len(labels)), labels, split, clips, captions))
    match_clips, match = pair_match(labels, split, speakers, seed)
    write_csv(out / "match.csv", ("index", "image_index", "clip", "label", "split"),
              zip(range(len(labels)), range(len(labels)), match_clips, match, split))
    print(f"built {out} in {time.perf_counter() - start:.1f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT,
                        help=f"output folder (default {DEFAULT_OUT.relative_to(REPO)})")
    args = parser.parse_args(argv)
    build(args.out, args.seed)


if __name__ == "__main__":
    main()
