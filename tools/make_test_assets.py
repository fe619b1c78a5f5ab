"""Write the small real files (valid and malformed) that tests/test_io.py decodes.

    python tools/make_test_assets.py            # writes tests/assets/

Deterministic: the same inputs (assets/avdigits) give the same files. Everything stays small
(< 300 KB in all); the script fails if it does not.
"""

from __future__ import annotations

import io
import pathlib
import struct
import sys
import zlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
AVDIGITS = ROOT / "assets" / "avdigits"
OUT = ROOT / "tests" / "assets"

DIGIT_INDEX = 0  # images.npy row used for digit.png (its original is what the test compares with)
DIGIT_RGBA_INDEX = 1
CLIP = "s00_d7"  # a spoken digit from the built-in dataset
MAX_TOTAL_BYTES = 300 * 1024


def _digit(index: int) -> np.ndarray:
    images = np.load(AVDIGITS / "images.npy", allow_pickle=False)
    return images[index].astype(np.float64) / 16.0  # white strokes on black, 0..1


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=9)
    return buffer.getvalue()


def _wav(wave: np.ndarray, rate: int, subtype: str = "PCM_16", fmt: str = "WAV") -> bytes:
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, wave, rate, subtype=subtype, format=fmt)
    return buffer.getvalue()


def _clip() -> tuple[np.ndarray, int]:
    import soundfile as sf

    wave, rate = sf.read(AVDIGITS / "audio" / f"{CLIP}.flac", dtype="float64")
    return wave, rate


def _float_wav(wave: np.ndarray, rate: int) -> bytes:
    """Mono 32-bit float WAV written by hand (libsndfile adds a PEAK chunk with a timestamp)."""
    data = np.asarray(wave, dtype="<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, 4 * rate, 4, 32)  # WAVE_FORMAT_IEEE_FLOAT
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack(
        "<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _ogg_crc(page: bytes) -> int:
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xFFFFFFFF
    return crc


def _fixed_serial_ogg(data: bytes, serial: int = 1) -> bytes:
    """libvorbis picks a random stream serial number: set it to ``serial`` so the file is stable."""
    pages, offset = [], 0
    while offset < len(data):
        if data[offset:offset + 4] != b"OggS":
            raise SystemExit("unexpected OGG layout")
        segments = data[offset + 26]
        table = data[offset + 27:offset + 27 + segments]
        end = offset + 27 + segments + sum(table)
        page = bytearray(data[offset:end])
        page[14:18] = struct.pack("<I", serial)
        page[22:26] = b"\0\0\0\0"
        page[22:26] = struct.pack("<I", _ogg_crc(bytes(page)))
        pages.append(bytes(page))
        offset = end
    return b"".join(pages)


def _bomb_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of ``width x height`` zeros, written row by row (tiny once deflated)."""
    row = b"\x00" + bytes((width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body)
            + chunk(b"IEND", b""))


def build() -> dict[str, bytes]:
    from PIL import Image
    from scipy.signal import resample_poly

    files: dict[str, bytes] = {}

    # ---- valid images: a real 8x8 digit upscaled 8x, dark ink on white like a scan
    ink = np.kron(_digit(DIGIT_INDEX), np.ones((8, 8)))
    scan = np.round(255 * (1.0 - ink)).astype(np.uint8)
    files["digit.png"] = _png(Image.fromarray(scan, "L").convert("RGB"))
    # transparent background, black strokes whose opacity is the ink
    alpha = np.round(255 * np.kron(_digit(DIGIT_RGBA_INDEX), np.ones((8, 8)))).astype(np.uint8)
    rgba = np.zeros((64, 64, 4), dtype=np.uint8)
    rgba[..., 3] = alpha
    files["digit_rgba.png"] = _png(Image.fromarray(rgba, "RGBA"))

    # ---- valid audio
    clip, rate = _clip()  # 16 kHz mono, already trimmed and normalised to 0.9
    half = clip[: rate // 2]
    if len(half) < rate // 2:
        raise SystemExit(f"{CLIP} is shorter than 0.5 s; pick another clip")
    at_44k = resample_poly(half, 441, 160)  # 0.5 s at 44.1 kHz
    stereo = np.stack([at_44k, 0.5 * at_44k], axis=1)
    files["tone.wav"] = _wav(stereo, 44100)
    files["speech.flac"] = _wav(clip, rate, "PCM_16", "FLAC")
    files["speech.ogg"] = _fixed_serial_ogg(_wav(clip, rate, "VORBIS", "OGG"))
    rng = np.random.default_rng(0)
    at_8k = resample_poly(clip, 1, 2)
    long = 0.03 * rng.standard_normal(5 * 8000)  # 5 s at 8 kHz: a noise floor trim does not remove
    long[12000:12000 + len(at_8k)] += at_8k
    files["long.wav"] = _wav(long, 8000)

    # ---- malformed images
    files["truncated.png"] = files["digit.png"][:100]
    files["corrupt.png"] = files["digit.png"][:16] + rng.integers(0, 256, 2000, np.uint8).tobytes()
    files["not_an_image.png"] = b"This is a text file with a .png name, not a picture.\n" * 4
    files["bomb.png"] = _bomb_png(20000, 20000)  # 400 MP: beyond Pillow's own bomb limit
    files["big.png"] = _bomb_png(8000, 6250)  # 50 MP: beyond ours (40 MP), below Pillow's
    files["blank.png"] = _png(Image.new("RGB", (32, 32), (200, 120, 40)))

    # ---- malformed audio
    files["empty.wav"] = b""
    files["truncated.wav"] = files["tone.wav"][:44 + 10]  # the header announces 88,200 bytes
    files["not_audio.wav"] = b"RIFF? no: this is text with a .wav name, not a recording.\n" * 4
    files["silent.wav"] = _wav(np.zeros(8000), 8000)  # 1 s
    nan = 0.1 * np.sin(np.arange(4000) / 5.0)
    nan[1000:1010] = np.nan
    files["nan.wav"] = _float_wav(nan, 16000)

    # ---- malformed text
    files["binary.txt"] = rng.integers(0, 256, 512, np.uint8).tobytes() + b"\x00\x00"
    files["latin1.txt"] = "Le chiffre est très grand, à peu près neuf.".encode("latin-1")
    return files


def main() -> int:
    files = build()
    total = sum(len(data) for data in files.values())
    if total > MAX_TOTAL_BYTES:
        raise SystemExit(f"test assets are {total} bytes, over the {MAX_TOTAL_BYTES} byte budget")
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(files.items()):
        (OUT / name).write_bytes(data)
        print(f"{len(data):>8} {OUT.relative_to(ROOT) / name}")
    print(f"{total:>8} bytes in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
