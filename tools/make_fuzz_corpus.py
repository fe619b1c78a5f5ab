"""Write a corpus of real malformed inputs for every decoder and loader of the library.

    python tools/make_fuzz_corpus.py OUT_DIR [--seed 0]

``OUT_DIR`` gets one folder per loader:

* ``images/``: truncated, bit-flipped, zero-byte, wrong-type, huge-dimension (headers patched, CRCs
  fixed so only the size is wrong) and near-limit PNG / JPEG / GIF / WebP / BMP files;
* ``audio/``: truncated and garbage WAV / FLAC / OGG / MP3, absurd rates and channel counts in the
  headers (FLAC bombs declaring 8 x 192 kHz x 600 s), NaN, infinity, silence, one sample;
* ``text/``: binary, NUL, huge, bad UTF-8, UTF-16, control characters, combining-mark floods;
* ``manifests/<case>/``: dataset folders with bad headers, huge cells, path traversal, links out
  of the folder, a FIFO, missing files, bad quoting;
* ``zips/``: traversal, absolute and backslash names, symbolic links, bombs (by ratio and by lying
  headers), encrypted, duplicate, truncated and garbage archives;
* ``checkpoints/<case>/``: deep nesting, huge, negative and wrong-typed fields, truncated,
  garbage and mismatched safetensors, bad ``metrics.json`` / ``dataset.json``.

Deterministic for a seed, small (under 5 MB, checked) and quick (a few seconds): tests/fuzz
generates it at test time rather than storing it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import struct
import sys
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.make_test_assets import _fixed_serial_ogg, _float_wav, _wav  # noqa: E402

MAX_TOTAL_BYTES = 5 * 1024 * 1024


class _Writer:
    """Writes files under a root, counting them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    def write(self, relative: str, data: bytes | str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        self.count += 1
        return path

    def sparse(self, relative: str, size: int, head: bytes = b"") -> Path:
        """A file of ``size`` bytes (``head``, then a hole): over a size limit, without the disk."""
        path = self.write(relative, head)
        os.truncate(path, size)
        return path

    def link(self, relative: str, existing: Path) -> Path:
        """A hard link to ``existing`` (the same bytes, no more disk)."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        os.link(existing, path)
        self.count += 1
        return path


def _flip(data: bytes, rng: np.random.Generator, flips: int) -> bytes:
    """``data`` with ``flips`` random bytes replaced (never in the first 4, the magic)."""
    out = bytearray(data)
    for position in rng.integers(min(4, len(out) - 1), len(out), size=flips):
        out[position] = int(rng.integers(0, 256))
    return bytes(out)


def _cuts(data: bytes) -> list[tuple[str, bytes]]:
    return [(f"cut{fraction:03d}", data[:max(1, len(data) * fraction // 100)]) for fraction in (1, 5, 20, 50, 90, 99)]


# ------------------------------------------------------------------------------------------ images
def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(width: int, height: int, rows: bytes, color: int = 0, depth: int = 8, extra: bytes = b"") -> bytes:
    header = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + extra + _png_chunk(b"IDAT", zlib.compress(rows, 9))
            + _png_chunk(b"IEND", b""))


def _images(out: _Writer, rng: np.random.Generator) -> None:
    from PIL import Image

    yy, xx = np.mgrid[:48, :48]
    ring = ((np.hypot(yy - 24, xx - 24) - 14) ** 2 < 12).astype(np.uint8) * 255
    pictures = {
        "L": Image.fromarray(255 - ring, "L"),
        "RGB": Image.fromarray(np.stack([ring, 255 - ring, ring // 2], axis=-1), "RGB"),
        "RGBA": Image.fromarray(np.stack([ring] * 3 + [ring], axis=-1), "RGBA"),
    }
    formats = {"png": "PNG", "jpg": "JPEG", "gif": "GIF", "webp": "WEBP", "bmp": "BMP"}
    bases: dict[str, bytes] = {}
    for mode, picture in pictures.items():
        for ext, name in formats.items():
            if name in ("JPEG", "BMP") and mode == "RGBA":
                continue
            buffer = io.BytesIO()
            picture.save(buffer, name)
            bases[f"{mode}.{ext}"] = buffer.getvalue()
    for name, data in bases.items():
        out.write(f"images/valid_{name}", data)
        for cut, part in _cuts(data)[::2]:
            out.write(f"images/truncated_{cut}_{name}", part)
        for k in range(2):
            out.write(f"images/flipped{k}_{name}", _flip(data, rng, 1 + 8 * k))
    # Sizes declared in the headers (the pixel data stays tiny).
    for width, height in ((100_000, 100_000), (1, 2**31 - 1), (0, 10), (65_535, 65_535), (7000, 7000)):
        out.write(f"images/huge_{width}x{height}.png", _png(width, height, b"\x00\x00" * 4))
    jpeg = bytearray(bases["RGB.jpg"])
    sof = jpeg.find(b"\xff\xc0")
    for width, height in ((65_535, 65_535), (0, 0), (1, 65_535)):
        patched = bytearray(jpeg)
        patched[sof + 5:sof + 9] = struct.pack(">HH", height, width)
        out.write(f"images/huge_{width}x{height}.jpg", bytes(patched))
    gif = bytearray(bases["RGB.gif"])
    gif[6:10] = struct.pack("<HH", 65_535, 65_535)
    out.write("images/huge_screen.gif", bytes(gif))
    bmp = bytearray(bases["RGB.bmp"])
    bmp[18:26] = struct.pack("<ii", 100_000, -100_000)
    out.write("images/huge.bmp", bytes(bmp))
    webp = bytearray(bases["RGB.webp"])
    out.write("images/webp_bad_riff_size.webp", bytes(webp[:4]) + struct.pack("<I", 2**32 - 1) + bytes(webp[8:]))
    # Real near-limit images: 36 megapixels of one colour compress to a few tens of KB.
    side = 6000
    out.write("images/bomb_36mpx_gray.png", _png(side, side, (b"\x00" + b"\xff" * side) * side))
    out.write("images/bomb_80mpx_1bit.png", _png(10_000, 8000, (b"\x00" + b"\x00" * 1250) * 8000, depth=1))
    # A text chunk that inflates far beyond Pillow's limit, and a palette image without a palette.
    out.write("images/ztxt_bomb.png", _png(4, 4, b"\x00\x00\x00\x00\x00" * 4, extra=_png_chunk(
        b"zTXt", b"comment\x00\x00" + zlib.compress(b"x" * 4_000_000, 9))))
    out.write("images/palette_missing.png", _png(4, 4, b"\x00\x00\x00\x00\x00" * 4, color=3))
    out.write("images/sixteen_bit.png", _png(4, 4, b"\x00" + b"\xff\xff" * 4 + (b"\x00" + b"\x00\x00" * 4) * 3, depth=16))
    many = [Image.fromarray(np.full((8, 8), i * 3 % 256, np.uint8), "L") for i in range(80)]
    buffer = io.BytesIO()
    many[0].save(buffer, "GIF", save_all=True, append_images=many[1:])
    out.write("images/many_frames.gif", buffer.getvalue())
    for name, data in {"zero.png": b"", "one_byte.jpg": b"\xff", "magic_only.png": b"\x89PNG\r\n\x1a\n",
                       "text.png": b"this is not a picture\n" * 10, "html.jpg": b"<html><body>hi</body></html>",
                       "random.webp": rng.bytes(2048), "riff_only.webp": b"RIFF\x00\x00\x00\x00WEBP",
                       "wav_as.png": _wav(np.zeros(800), 16000), "zip_as.gif": _zip_bytes({"a.txt": b"hi"})}.items():
        out.write(f"images/{name}", data)


# ------------------------------------------------------------------------------------------- audio
def _raw_wav(rate: int, channels: int, bits: int, data: bytes, data_size: int | None = None,
             fmt_tag: int = 1) -> bytes:
    """A WAV assembled by hand, so the header may say anything."""
    block = max(1, channels * bits // 8) & 0xFFFF
    fmt = struct.pack("<HHIIHH", fmt_tag, channels & 0xFFFF, rate & 0xFFFFFFFF, (rate * block) & 0xFFFFFFFF,
                      block, bits & 0xFFFF)
    size = len(data) if data_size is None else data_size
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _flac_declaring(base: bytes, rate: int | None = None, channels: int | None = None,
                    frames: int | None = None) -> bytes:
    """``base`` (a FLAC) with STREAMINFO's rate (20 bits), channels (3) or total frames (36) patched."""
    raw = bytearray(base)
    field = int.from_bytes(raw[18:26], "big")
    if rate is not None:
        field = field & ~(0xFFFFF << 44) | (rate & 0xFFFFF) << 44
    if channels is not None:
        field = field & ~(0x7 << 41) | ((channels - 1) & 0x7) << 41
    if frames is not None:
        field = field & ~((1 << 36) - 1) | frames & ((1 << 36) - 1)
    raw[18:26] = field.to_bytes(8, "big")
    return bytes(raw)


def _audio(out: _Writer, rng: np.random.Generator) -> None:
    t = np.arange(8000) / 16000
    tone = 0.3 * np.sin(2 * np.pi * 440 * t)
    stereo = np.stack([tone, tone[::-1]], axis=1)
    bases = {
        "mono16k.wav": _wav(tone, 16000),
        "stereo44k.wav": _wav(stereo[:4000], 44100),
        "float.wav": _float_wav(tone, 16000),
        "mono.flac": _wav(tone, 16000, "PCM_16", "FLAC"),
        "stereo.ogg": _fixed_serial_ogg(_wav(stereo, 22050, "VORBIS", "OGG")),
        "mono.mp3": _wav(np.repeat(tone, 3), 48000, "MPEG_LAYER_III", "MP3"),
    }
    for name, data in bases.items():
        out.write(f"audio/valid_{name}", data)
        for cut, part in _cuts(data):
            out.write(f"audio/truncated_{cut}_{name}", part)
        for k in range(3):
            out.write(f"audio/flipped{k}_{name}", _flip(data, rng, 1 + 10 * k))
    flac8 = _wav(0.1 * rng.standard_normal((1920, 8)), 192000, "PCM_16", "FLAC")
    declared = {
        "bomb_8ch_192k_600s.flac": dict(frames=600 * 192000),
        "eleven_minutes.flac": dict(frames=11 * 60 * 192000),
        "bomb_unknown_length.flac": dict(frames=0),
        "bomb_max_frames.flac": dict(frames=(1 << 36) - 1),
        "rate_zero.flac": dict(rate=0),
        "rate_1hz.flac": dict(rate=1),
        "rate_max.flac": dict(rate=0xFFFFF),
    }
    for name, fields in declared.items():
        out.write(f"audio/{name}", _flac_declaring(flac8, **fields))
    pcm = (tone * 32767).astype("<i2").tobytes()
    for name, (rate, channels, bits) in {
        "rate_zero.wav": (0, 1, 16), "rate_1hz.wav": (1, 1, 16), "rate_4g.wav": (2**32 - 1, 1, 16),
        "rate_768001.wav": (768_001, 1, 16), "channels_zero.wav": (16000, 0, 16),
        "channels_65535.wav": (16000, 65_535, 16), "channels_17.wav": (16000, 17, 16),
        "channels_1024.wav": (16000, 1024, 16), "bits_zero.wav": (16000, 1, 0), "bits_7.wav": (16000, 1, 7),
        "bits_64.wav": (16000, 1, 64), "bits_65535.wav": (16000, 1, 65_535),
    }.items():
        out.write(f"audio/{name}", _raw_wav(rate, channels, bits, pcm))
    out.write("audio/data_size_unknown.wav", _raw_wav(16000, 1, 16, pcm, data_size=0xFFFFFFFF))
    out.write("audio/data_size_lies.wav", _raw_wav(16000, 1, 16, pcm, data_size=len(pcm) * 1000))
    out.write("audio/data_size_zero.wav", _raw_wav(16000, 1, 16, pcm, data_size=0))
    out.write("audio/format_tag_unknown.wav", _raw_wav(16000, 1, 16, pcm, fmt_tag=0x1234))
    out.write("audio/riff_size_huge.wav", b"RIFF\xff\xff\xff\xffWAVE" + bases["mono16k.wav"][12:])
    out.write("audio/chunk_size_huge.wav", b"RIFF\x00\x10\x00\x00WAVEjunk\xff\xff\xff\x7f" + pcm[:64])
    for name, wave in {"nan.wav": np.full(8000, np.nan), "inf.wav": np.full(8000, np.inf),
                       "half_nan.wav": np.where(np.arange(8000) < 4000, tone, np.nan),
                       "silence.wav": np.zeros(8000), "dc.wav": np.full(8000, 0.5),
                       "one_sample.wav": np.array([0.5]), "clipped.wav": np.full(8000, 1e6)}.items():
        out.write(f"audio/{name}", _float_wav(wave, 16000) if name != "one_sample.wav" else _wav(wave, 16000))
    out.write("audio/silence_long.flac", _wav(np.zeros((16000 * 60, 2)), 16000, "PCM_16", "FLAC"))
    for name, data in {
        "zero.wav": b"", "riff_only.wav": b"RIFF", "garbage_after_riff.wav": b"RIFF\x24\x00\x00\x00WAVE" + rng.bytes(300),
        "garbage_after_flac.flac": b"fLaC" + rng.bytes(300), "garbage_after_oggs.ogg": b"OggS" + rng.bytes(300),
        "garbage_after_id3.mp3": b"ID3\x04\x00\x00\x00\x00\x00\x10" + rng.bytes(300),
        "garbage_after_sync.mp3": b"\xff\xfb\x90\x00" + rng.bytes(1000), "id3_size_huge.mp3": b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f",
        "random.ogg": rng.bytes(4096), "text.wav": b"hello, this is text\n" * 20,
        "png_as.flac": _png(4, 4, b"\x00" * 20), "aiff.wav": _wav(tone, 16000, "PCM_16", "AIFF"),
    }.items():
        out.write(f"audio/{name}", data)


# -------------------------------------------------------------------------------------------- text
def _text(out: _Writer, rng: np.random.Generator) -> None:
    cases = {
        "binary.txt": rng.bytes(2000), "nul.txt": b"a seven\x00\x00", "huge.txt": b"seven " * 20_000,
        "just_over.txt": b"x" * 10_001,
        "bad_utf8.txt": b"caf\xe9 au lait", "lone_continuation.txt": b"\x80\x80 seven",
        "overlong.txt": b"\xc0\xaf seven", "surrogate.txt": b"\xed\xa0\x80 seven", "truncated_utf8.txt": b"seven \xe2\x82",
        "utf16_bom.txt": "a seven".encode("utf-16"), "utf8_bom_only.txt": b"\xef\xbb\xbf", "bom_twice.txt": b"\xef\xbb\xbf" * 2 + b"seven",
        "empty.txt": b"", "whitespace.txt": b" \t\r\n" * 100, "controls.txt": bytes(range(1, 32)) * 10 + b"seven",
        "some_controls.txt": b"a\x07seven\x1b", "combining_flood.txt": ("e" + "\u0301" * 9000).encode(),
        "rtl_override.txt": "\u202eneves a".encode(), "emoji.txt": ("\U0001F600" * 2000).encode(),
        "long_line.txt": b"seven" * 1999, "latin1.txt": "caf\xe9".encode("latin-1"),
        "zero_width.txt": ("\u200b" * 5000).encode(), "nonchar.txt": "\uffff\ufffe seven".encode(),
        "crlf.txt": b"a\r\nseven\r\n", "tabs.txt": b"\t" * 3000 + b"seven",
    }
    for name, data in cases.items():
        out.write(f"text/{name}", data)
    out.sparse("text/over_a_megabyte.txt", 1024 * 1024 + 1, b"seven")
    out.sparse("text/a_gigabyte.txt", 2**30, b"seven")


# --------------------------------------------------------------------------------------- manifests
def _manifests(out: _Writer, rng: np.random.Generator, image: bytes, audio: bytes) -> None:
    def folder(name: str, manifest: bytes | str, files: dict[str, bytes] | None = None) -> Path:
        root = out.root / "manifests" / name
        for relative, data in (files or {}).items():
            out.write(f"manifests/{name}/{relative}", data)
        if manifest is not None:
            out.write(f"manifests/{name}/manifest.csv", manifest)
        root.mkdir(parents=True, exist_ok=True)
        return root

    files = {f"images/{i}.png": image for i in range(4)} | {f"audio/{i}.wav": audio for i in range(4)}
    good = "image,audio,text,label,split\n" + "".join(
        f"images/{i}.png,audio/{i}.wav,caption {i},{'ab'[i % 2]},{('train', 'train', 'test', 'test')[i]}\n" for i in range(4))
    folder("valid", good, files)
    rows = good.splitlines()[1:]
    cases: dict[str, str | bytes] = {
        "empty": "", "header_only": "image,label\n", "no_label": "image,text\nimages/0.png,hi\n",
        "duplicate_columns": "image,image,label\n", "unknown_column": "image,label,colour\n",
        "empty_header": ",,\n", "no_modality": "label,split\na,train\n", "bom_crlf": "\ufeffIMAGE,Label\r\nimages/0.png,a\r\n",
        "huge_cell": "text,label\n" + "x" * 200_000 + ",a\n" + "hi,b\n",
        "huge_quoted_cell": 'text,label\n"' + "x\n" * 70_000 + '",a\nhi,b\n',
        "huge_header_cell": "text," + "x" * 200_000 + "\n",
        "unterminated_quote": 'text,label\n"never closed,a\nhi,b\n',
        "traversal": "image,label\n../../../etc/passwd.png,a\n/etc/passwd.png,b\nC:\\windows\\x.png,a\n..\\..\\x.png,b\n",
        "missing_files": "image,audio,label\nimages/none.png,audio/none.wav,a\nnope.png,,b\n",
        "wrong_extensions": "image,audio,label\naudio/0.wav,images/0.png,a\nimages/0,audio/0,b\n",
        "nul_in_cell": "image,label\nimages/0.png\x00.png,a\n",
        "too_many_cells": "image,label\nimages/0.png,a,b,c\n",
        "not_utf8": b"text,label\ncaf\xe9,a\n",
        "binary": rng.bytes(3000),
        "many_blank_lines": "text,label\n" + "\n" * 50_000 + "hi,a\n",
        "one_class": "text,label,split\nhi,a,train\nbye,a,test\n",
        "bad_split": "text,label,split\nhi,a,dev\nbye,b,\n",
        "folder_as_file": "image,label\nimages,a\nimages/,b\n",
        "long_text": "text,label\n" + "y" * 20_000 + ",a\nhi,b\n",
        "only_commas": ",,,,\n,,,,\n",
        "quotes_everywhere": '"text""",label\n"""",a\n',
    }
    for name, manifest in cases.items():
        folder(name, manifest, files if name in ("traversal", "wrong_extensions", "folder_as_file") else None)
    links = folder("links_out", "image,audio,label\nimages/out.png,,a\n,audio/zero.wav,b\nimages/0.png,,a\n",
                   {"images/0.png": image})
    os.symlink("/etc/hostname", links / "images" / "out.png")
    (links / "audio").mkdir(exist_ok=True)
    os.symlink("/dev/zero", links / "audio" / "zero.wav")
    fifo = folder("fifo", "image,audio,label\n,audio/pipe.wav,a\nimages/0.png,,b\n", {"images/0.png": image})
    (fifo / "audio").mkdir(exist_ok=True)
    os.mkfifo(fifo / "audio" / "pipe.wav")
    loop = folder("link_loop", "image,label\nimages/loop.png,a\n", {"images/0.png": image})
    os.symlink("loop.png", loop / "images" / "loop.png")
    folder("manifest_is_a_folder", None, {"manifest.csv/inside.txt": b"x"})
    os.symlink("/dev/zero", folder("manifest_is_dev_zero", None) / "manifest.csv")
    folder("valid_rows_then_garbage", "\n".join([rows[0].replace(",split", ""), *(r.rsplit(",", 1)[0] for r in rows)])
           + "\n\xff\xfe\x00garbage", files)


# -------------------------------------------------------------------------------------------- zips
def _zip_bytes(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED,
               edit: Callable[[zipfile.ZipInfo], None] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = method
            if edit is not None:
                edit(info)
            archive.writestr(info, data)
    return buffer.getvalue()


def _zips(out: _Writer, rng: np.random.Generator, manifest: bytes, image: bytes) -> None:
    dataset = {"manifest.csv": manifest, "images/0.png": image}

    def link(info: zipfile.ZipInfo) -> None:
        info.external_attr = (0o120777 << 16)

    def device(info: zipfile.ZipInfo) -> None:
        info.external_attr = (0o020666 << 16)

    valid = _zip_bytes(dataset)
    cases = {
        "valid.zip": valid,
        "valid_in_folder.zip": _zip_bytes({f"pets/{k}": v for k, v in dataset.items()}),
        "traversal.zip": _zip_bytes({**dataset, "../../evil.txt": b"x"}),
        "traversal_inner.zip": _zip_bytes({**dataset, "images/../../evil.txt": b"x"}),
        "absolute.zip": _zip_bytes({**dataset, "/etc/evil.txt": b"x"}),
        "drive.zip": _zip_bytes({**dataset, "C:/evil.txt": b"x"}),
        "backslash.zip": _zip_bytes({**dataset, "..\\evil.txt": b"x"}),
        "nul_name.zip": _renamed(_zip_bytes({**dataset, "aXb.txt": b"x"}), b"aXb.txt", b"a\x00b.txt"),
        "symlink.zip": _zip_bytes({"manifest.csv": manifest, "images/0.png": b"/etc/passwd"}, edit=lambda i: link(i) if i.filename.endswith(".png") else None),
        "device.zip": _zip_bytes({"manifest.csv": manifest, "dev": b""}, edit=lambda i: device(i) if i.filename == "dev" else None),
        "encrypted.zip": _encrypted(valid),
        "file_and_folder.zip": _zip_bytes({**dataset, "images": b"x"}),
        "no_manifest.zip": _zip_bytes({"images/0.png": image}),
        "manifest_too_deep.zip": _zip_bytes({f"a/b/{k}": v for k, v in dataset.items()}),
        "empty.zip": _zip_bytes({}),
        "stored.zip": _zip_bytes(dataset, zipfile.ZIP_STORED),
        "bzip2.zip": _zip_bytes(dataset, zipfile.ZIP_BZIP2),
        "lzma.zip": _zip_bytes(dataset, zipfile.ZIP_LZMA),
        "ratio_bomb.zip": _zip_bytes({"manifest.csv": manifest, "zeros.bin": bytes(50 * 1024 * 1024)}),
        "zero.zip": b"", "garbage.zip": rng.bytes(4096), "pk_only.zip": b"PK\x05\x06" + b"\x00" * 18,
        "text.zip": b"not a zip at all\n",
    }
    duplicate = io.BytesIO()
    with zipfile.ZipFile(duplicate, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": the point of this file
        for _ in range(2):
            archive.writestr(zipfile.ZipInfo("manifest.csv", date_time=(2020, 1, 1, 0, 0, 0)), manifest)
    cases["duplicate.zip"] = duplicate.getvalue()
    for cut, part in _cuts(valid):
        cases[f"truncated_{cut}.zip"] = part
    for k in range(4):
        cases[f"flipped{k}.zip"] = _flip(valid, rng, 1 + 5 * k)
    cases["lying_size.zip"] = _lying_size(valid)
    cases["many_entries.zip"] = _zip_bytes({**dataset, **{f"junk/{i}.txt": b"" for i in range(500)}})
    cases["zip_in_zip.zip"] = _zip_bytes({"manifest.csv": manifest, "inner.zip": valid})
    for name, data in cases.items():
        out.write(f"zips/{name}", data)


def _renamed(data: bytes, old: bytes, new: bytes) -> bytes:
    """A zip with an entry's name replaced in its local and central headers (same length)."""
    assert len(old) == len(new)
    return data.replace(old, new)


def _encrypted(data: bytes) -> bytes:
    """A zip whose entries say they are encrypted (general purpose flag bit 0), in both headers.
    (zipfile clears the flag when writing, so it is set in the bytes.)"""
    raw = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = raw.find(signature)
        while start != -1:
            raw[start + offset] |= 0x1
            start = raw.find(signature, start + 4)
    return bytes(raw)


def _lying_size(valid: bytes) -> bytes:
    """``valid`` with the central directory saying the image is 10 bytes (it holds more)."""
    raw = bytearray(valid)
    start = raw.find(b"PK\x01\x02", raw.find(b"images/0.png") - 200)
    while start != -1:
        name_length = struct.unpack("<H", raw[start + 28:start + 30])[0]
        if raw[start + 46:start + 46 + name_length] == b"images/0.png":
            raw[start + 24:start + 28] = struct.pack("<I", 10)
            break
        start = raw.find(b"PK\x01\x02", start + 4)
    return bytes(raw)


# ------------------------------------------------------------------------------------- checkpoints
def _checkpoints(out: _Writer, rng: np.random.Generator) -> None:
    import torch

    from fusion.models.checkpoints import CONFIG, METRICS, WEIGHTS, save_checkpoint
    from fusion.models.configs import model_config
    from fusion.models.strategies import build_model
    from fusion.tasks.dataset import DATASET_RECORD

    torch.manual_seed(0)
    base = out.root / "checkpoints" / "valid"
    save_checkpoint(build_model(model_config("match-early-tiny")), base, metrics={"accuracy": 0.5})
    out.count += 3
    config = json.loads((base / CONFIG).read_text())
    weights = (base / WEIGHTS).read_bytes()

    def case(name: str, config_text: str | bytes | None = None, weights_data: bytes | None = None,
             metrics: str | None = None, record: str | None = None, **changes) -> None:
        text = config_text if config_text is not None else json.dumps({**config, **changes})
        out.write(f"checkpoints/{name}/{CONFIG}", text)
        if weights_data is None:
            out.link(f"checkpoints/{name}/{WEIGHTS}", base / WEIGHTS)
        else:
            out.write(f"checkpoints/{name}/{WEIGHTS}", weights_data)
        if metrics is not None:
            out.write(f"checkpoints/{name}/{METRICS}", metrics)
        if record is not None:
            out.write(f"checkpoints/{name}/{DATASET_RECORD}", record)

    deep = "[" * 100_000 + "]" * 100_000
    case("deep_nesting", '{"task": "match", "x": ' + deep + "}")
    case("deep_nesting_unbalanced", "[" * 200_000)
    case("deep_in_string_ok", **{"task": "[" * 50_000})
    case("huge_config", "{}")
    out.sparse(f"checkpoints/huge_config/{CONFIG}", 4 * 1024 * 1024 + 10, b"{")
    case("config_list", "[1, 2, 3]")
    case("config_null", "null")
    case("config_not_utf8", b"\xff\xfe{\x00}")
    case("config_empty", "")
    case("config_truncated", json.dumps(config)[:40])
    case("duplicate_keys", json.dumps(config)[:-1] + ', "width": 200000}')
    for field, values in {
        "width": [200_000, -5, 0, 1025, 2**63, "32", 32.5, True, None, [32], float("nan")],
        "heads": [0, -1, 3, 65, 2**40, "2"],
        "depth": [100_000, 0, -1, 33, 1.5, None],
        "mlp_ratio": [0, -1, 1e9, float("inf"), float("nan"), "2", None],
        "dropout": [1.0, -0.1, 5, float("nan"), "0.1"],
        "num_classes": [0, 1, 10**12, -2, "2", 2.0],
        "task": [None, 7, "", "x" * 10_000, ["match"]],
        "strategy": ["bogus", None, 3, ["early"]],
        "operator": ["bogus", 5, {"a": 1}],
        "modalities": ["image", [], ["smell"], ["image", "image"], [["image"]], None, {"image": 1}],
        "vocabulary": [["w"] * 100_001, [1, 2], "abc", [None]],
        "classes": [["a"], ["a", "b", "c"], [1, 2], "ab"],
        "encoders": [[{"modality": "image", "encoder": "x", "features": 10**9}], [[1, 2, 3, 4, 5, 6]],
                     [{"modality": "image"}], "x", [None], [{"modality": "image", "encoder": "x", "features": 8, "tokens": -1}]],
    }.items():
        for k, value in enumerate(values):
            case(f"{field}_{k}", json.dumps({**config, field: value}))
    case("too_many_parameters", width=1024, heads=8, depth=32, mlp_ratio=16)
    case("missing_key", json.dumps({k: v for k, v in config.items() if k != "num_classes"}))
    case("unknown_key", json.dumps({**config, "colour": "red"}))
    case("mismatch_width", width=16)
    case("mismatch_depth", depth=2)
    case("mismatch_classes", num_classes=3)
    # Weights.
    for cut, part in _cuts(weights):
        case(f"weights_{cut}", weights_data=part)
    for k in range(3):
        case(f"weights_flipped{k}", weights_data=_flip(weights, rng, 1 + 20 * k))
    header_length = int.from_bytes(weights[:8], "little")
    header = json.loads(weights[8:8 + header_length])
    body = weights[8 + header_length:]

    def with_header(new: dict, data: bytes = body) -> bytes:
        text = json.dumps(new).encode()
        return len(text).to_bytes(8, "little") + text + data

    first = next(k for k in header if k != "__metadata__")
    case("weights_empty", weights_data=b"")
    case("weights_header_length_huge", weights_data=(2**63).to_bytes(8, "little") + weights[8:])
    case("weights_header_length_zero", weights_data=(0).to_bytes(8, "little") + weights[8:])
    case("weights_header_not_json", weights_data=(10).to_bytes(8, "little") + b"not json!!" + body)
    case("weights_shape_overflow", weights_data=with_header({**header, first: {**header[first], "shape": [2**62, 2**62]}}))
    case("weights_offsets_past_end", weights_data=with_header({**header, first: {**header[first], "data_offsets": [0, 10**12]}}))
    case("weights_bad_dtype", weights_data=with_header({**header, first: {**header[first], "dtype": "Q99"}}))
    case("weights_wrong_dtype", weights_data=with_header({**header, first: {**header[first], "dtype": "I8"}}))
    case("weights_mismatched_shape", weights_data=_retyped(header, body, first, with_header))
    case("weights_extra_tensor", weights_data=with_header({**header, "extra": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}))
    case("weights_missing_tensor", weights_data=with_header({k: v for k, v in header.items() if k != first}))
    case("weights_is_pickle", weights_data=b"\x80\x04\x95" + rng.bytes(200))
    # metrics.json and dataset.json beside an intact checkpoint.
    case("metrics_deep", metrics="[" * 100_000 + "]" * 100_000)
    case("metrics_list", metrics="[1, 2]")
    case("metrics_huge", metrics="{}")
    out.sparse(f"checkpoints/metrics_huge/{METRICS}", 1024 * 1024 + 1, b"{")
    case("weights_huge")
    (out.root / "checkpoints" / "weights_huge" / WEIGHTS).unlink()
    out.sparse(f"checkpoints/weights_huge/{WEIGHTS}", 2**31, weights[:8 + header_length])
    case("metrics_not_json", metrics="{accuracy: 1}")
    case("record_deep", record="{" + '"a":{' * 50_000 + "}" * 50_001)
    case("record_list", record='["a"]')
    case("record_not_utf8", record=b"\xff\xff")
    (out.root / "checkpoints" / "no_config").mkdir(parents=True)
    (out.root / "checkpoints" / "config_is_a_folder" / CONFIG).mkdir(parents=True)
    fifo = out.root / "checkpoints" / "config_is_a_fifo"
    fifo.mkdir(parents=True)
    os.mkfifo(fifo / CONFIG)
    dev = out.root / "checkpoints" / "weights_is_dev_zero"
    dev.mkdir(parents=True)
    (dev / CONFIG).write_text(json.dumps(config))
    os.symlink("/dev/zero", dev / WEIGHTS)


def _retyped(header: dict, body: bytes, first: str, with_header: Callable[..., bytes]) -> bytes:
    """Weights whose first tensor claims another (same-sized) shape."""
    shape = header[first]["shape"]
    count = int(np.prod(shape)) if shape else 1
    return with_header({**header, first: {**header[first], "shape": [1, count] if len(shape) == 1 else [count]}})


# ---------------------------------------------------------------------------------------------- main
def disk_bytes(root: Path) -> int:
    """What the corpus takes on disk (sparse files count their data, hard links once)."""
    seen, total = set(), 0
    for path in root.rglob("*"):
        info = path.lstat()
        if path.is_file() and not path.is_symlink() and info.st_ino not in seen:
            seen.add(info.st_ino)
            total += min(info.st_size, info.st_blocks * 512)
    return total


def make_corpus(root: Path | str, seed: int = 0) -> int:
    """Write the corpus under ``root`` (which must not exist or be empty); returns its file count."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        raise SystemExit(f"{root} is not empty; give a new folder")
    rng = np.random.default_rng(seed)
    out = _Writer(root)
    _images(out, rng)
    _audio(out, rng)
    _text(out, rng)
    image = (root / "images" / "valid_L.png").read_bytes()
    audio = (root / "audio" / "valid_mono16k.wav").read_bytes()
    _manifests(out, rng, image, audio)
    _zips(out, rng, b"image,label,split\nimages/0.png,a,train\nimages/0.png,b,test\n", image)
    _checkpoints(out, rng)
    total = disk_bytes(root)
    if total > MAX_TOTAL_BYTES:
        raise SystemExit(f"the corpus is {total / 2**20:.1f} MB, more than {MAX_TOTAL_BYTES / 2**20:.0f} MB")
    return out.count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="a new folder for the corpus")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    count = make_corpus(args.out, args.seed)
    total = disk_bytes(args.out)
    print(f"wrote {count} files ({total / 2**20:.1f} MB) under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
