"""The video modality: bounded decoding through PyAV (files made here, in memory) and the spec's contract."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from fusion.errors import InputError
from fusion.modalities import get_modality
from fusion.modalities.video import NUM_VIDEO_TOKENS, VIDEO_SHAPE, to_tubes, video_heatmap
from fusion.video_io import MAX_VIDEO_BYTES, decode_video, even_indices
from tools import drawn_clips as clips

av = pytest.importorskip("av")

SIZE = (40, 30)  # width, height: not square, not 16


def moving_square(count: int, size=SIZE) -> list[np.ndarray]:
    """RGB frames of a white square moving right on black: frame i has it at column 2 * i."""
    frames = []
    for i in range(count):
        frame = np.zeros((size[1], size[0], 3), np.uint8)
        frame[8:20, 2 * i : 2 * i + 10] = 255
        frames.append(frame)
    return frames


def encode(container: str, codec: str, count: int = 12, pixel_format: str = "yuv420p", rate: int = 10,
           size=SIZE) -> bytes:
    return clips.encode(moving_square(count, size), container, codec, pixel_format, rate, size)


@pytest.fixture(scope="module")
def mp4() -> bytes:
    return encode("mp4", "libx264")


@pytest.mark.parametrize(("container", "codec", "pixel_format"), [
    ("mp4", "libx264", "yuv420p"), ("webm", "libvpx", "yuv420p"), ("webm", "libvpx-vp9", "yuv420p"),
    ("mov", "libx264", "yuv420p"), ("gif", "gif", "gray"),
], ids=["mp4-h264", "webm-vp8", "webm-vp9", "mov", "gif"])
def test_a_clip_decodes_to_eight_grey_frames_spread_over_it(container, codec, pixel_format) -> None:
    clip, warnings = decode_video(encode(container, codec, pixel_format=pixel_format))
    assert clip.shape == VIDEO_SHAPE and clip.dtype == np.float32 and warnings == ()
    assert 0.0 <= clip.min() and clip.max() <= 1.0 and clip.max() > 0.8
    columns = (clip.sum(axis=1) * np.arange(16)).sum(axis=1) / clip.sum(axis=(1, 2))
    assert np.all(np.diff(columns) > 0), "the square moves right, so its centre of mass must too"


def test_frames_are_chosen_evenly_over_any_length() -> None:
    assert even_indices(8).tolist() == list(range(8))
    assert even_indices(16).tolist() == [1, 3, 5, 7, 9, 11, 13, 15]
    assert even_indices(3).tolist() == [0, 0, 0, 1, 1, 2, 2, 2]
    clip, warnings = decode_video(encode("mp4", "libx264", count=3))
    assert clip.shape == VIDEO_SHAPE and "3 frame" in warnings[0]


def test_a_path_decodes_like_its_bytes(tmp_path, mp4) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(mp4)
    assert np.array_equal(decode_video(path)[0], decode_video(mp4)[0])
    assert np.array_equal(get_modality("video").decode(mp4)[0], decode_video(mp4)[0])


def test_a_light_background_is_inverted_with_a_warning() -> None:
    light = [255 - frame for frame in moving_square(8, (32, 32))]
    clip, warnings = decode_video(clips.encode(light, "mp4", "libx264"))
    assert np.median(clip) < 0.2 and any("inverted" in w for w in warnings)


@pytest.mark.parametrize(("make", "message"), [
    (lambda mp4: mp4[: len(mp4) // 2], "truncated"),
    (lambda mp4: encode("mp4", "libx264", count=0), "no frames"),
    (lambda mp4: encode("webm", "libvpx", count=0), "truncated|no frames"),
    (lambda mp4: b"", "empty"),
    (lambda mp4: b"this is a caption, not a clip " * 20, "not a video"),
    (lambda mp4: _png(), "not a video"),
    (lambda mp4: _wav(), "no frames|not a video"),
    (lambda mp4: 12345, "bytes or its path"),
], ids=["truncated", "zero-frames-mp4", "zero-frames-webm", "empty", "text", "png", "wav", "wrong-type"])
def test_bad_files_raise_input_errors_with_a_clear_message(mp4, make, message) -> None:
    with pytest.raises(InputError, match=message):
        decode_video(make(mp4))


def test_a_frame_size_bomb_is_refused_before_decoding() -> None:
    with pytest.raises(InputError, match="megapixel"):
        decode_video(encode("mp4", "libx264", count=1, size=(4200, 2400)))


def test_a_file_over_the_byte_limit_is_refused_unread(tmp_path) -> None:
    path = tmp_path / "big.mp4"
    with path.open("wb") as handle:
        handle.truncate(MAX_VIDEO_BYTES + 1)
    with pytest.raises(InputError, match="MB limit"):
        decode_video(path)


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (16, 16)).save(buffer, format="PNG")
    return buffer.getvalue()


def _wav() -> bytes:
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, np.zeros(1600, np.float32), 16000, format="WAV")
    return buffer.getvalue()


# ------------------------------------------------------------------------------------ the spec
def test_the_spec_batches_tokenizes_and_maps_tokens_back_onto_frames_and_patches() -> None:
    spec = get_modality("video")
    assert spec.placeholder().shape == VIDEO_SHAPE and not spec.inline and "mp4" in spec.upload_types
    clips = [np.random.default_rng(i).random(VIDEO_SHAPE, dtype=np.float32) for i in range(3)]
    batch = spec.to_tensor(clips)
    assert batch.shape == (3, *VIDEO_SHAPE) and batch.dtype == torch.float32
    tokens, valid = spec.tokenizer(12)(batch)
    assert tokens.shape == (3, NUM_VIDEO_TOKENS, 12) and valid.all()
    assert np.asarray(spec.view(clips[0])).shape == VIDEO_SHAPE
    weights = np.arange(NUM_VIDEO_TOKENS, dtype=float)
    heatmap, words = spec.token_map(weights, batch[0])
    assert words is None and heatmap.shape == VIDEO_SHAPE
    # token t: frame t // 4, grid cell divmod(t % 4, 2) of 8x8 patches
    for t in range(NUM_VIDEO_TOKENS):
        frame, (row, column) = t // 4, divmod(t % 4, 2)
        assert np.all(heatmap[frame, 8 * row : 8 * row + 8, 8 * column : 8 * column + 8] == t)
    with pytest.raises(ValueError):
        video_heatmap(np.zeros(5))


def test_tubes_hold_exactly_the_pixels_their_token_map_paints() -> None:
    clip = torch.arange(np.prod(VIDEO_SHAPE), dtype=torch.float32).reshape(1, *VIDEO_SHAPE)
    tubes = to_tubes(clip)[0]
    for t in (0, 5, 31):
        mask = video_heatmap(np.eye(NUM_VIDEO_TOKENS)[t]).astype(bool)
        assert sorted(tubes[t].tolist()) == sorted(clip[0][torch.from_numpy(mask)].tolist())


def test_deleting_a_token_blacks_out_exactly_its_patch_of_its_frame() -> None:
    """What the faithfulness deletion test removes: every token is real; a deleted one becomes the
    IG baseline (black pixels) on the pixels its token map paints, and nothing else changes."""
    spec = get_modality("video")
    clip = torch.rand(2, *VIDEO_SHAPE) + 0.1  # no pixel already black
    assert spec.real_tokens(clip).shape == (2, NUM_VIDEO_TOKENS) and spec.real_tokens(clip).all()
    tokens = torch.zeros(2, NUM_VIDEO_TOKENS, dtype=torch.bool)
    tokens[0, 5] = tokens[1, 31] = True
    deleted = spec.delete_tokens(clip, tokens)
    for row, t in ((0, 5), (1, 31)):
        mask = torch.from_numpy(video_heatmap(np.eye(NUM_VIDEO_TOKENS)[t]).astype(bool))
        assert torch.all(deleted[row][mask] == 0) and torch.equal(deleted[row][~mask], clip[row][~mask])


def test_the_clip_shown_in_the_app_decodes_back_to_the_same_frames() -> None:
    from fusion.video_io import clip_bytes, is_gif

    frames = 0.4 * np.random.default_rng(0).random(VIDEO_SHAPE).astype(np.float32)
    frames[:, 4:12, 4:12] = 1.0
    played = clip_bytes(frames)
    assert played[:4] == b"\x1a\x45\xdf\xa3" and not is_gif(played)  # a WebM (Matroska) file
    again, warnings = decode_video(played)
    assert warnings == () and np.abs(again - frames).mean() < 0.03  # 8x8 blocks of each pixel, area-averaged back
    assert is_gif(encode("gif", "gif", pixel_format="gray"))
