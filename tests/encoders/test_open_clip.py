"""open_clip towers, run for real on tiny registered architectures (random init or weights put
in a fake Hugging Face cache), and the suggested backbones checked against open_clip itself."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fusion.encoders import load_encoder
from fusion.encoders import openclip
from fusion.encoders.registry import OPEN_CLIP_SUGGESTIONS, list_encoders
from fusion.errors import ConfigError


@pytest.fixture
def vit(tiny_open_clip) -> str:
    return f"open_clip:{tiny_open_clip['vit']}/random"


def test_vit_image_tower_gives_pooled_and_patch_tokens_on_the_grid(vit, images) -> None:
    encoder = load_encoder(vit, "image")
    encodings = encoder.encode(images)
    assert (encoder.dim, encoder.token_dim) == (16, 32)
    assert all(e.tokens.shape == (16, 32) and e.layout.grid == (4, 4) for e in encodings)  # 32 px / 8 px patches
    from PIL import Image

    pixels = torch.stack([encoder.bundle.preprocess(Image.fromarray(i)) for i in images])
    with torch.no_grad():
        reference = encoder.model.encode_image(pixels).numpy()
    np.testing.assert_allclose(np.stack([e.pooled for e in encodings]), reference, rtol=1e-4, atol=1e-5)


def test_text_tower_gives_encode_text_and_one_token_per_real_token(vit) -> None:
    encoder = load_encoder(vit, "text")
    texts = ["a photo of a dog", ""]
    dog, empty = encoder.encode(texts)
    assert dog.layout.labels == ("<start_of_text>", "a", "photo", "of", "a", "dog", "<end_of_text>")
    assert dog.tokens.shape == (7, 32) and empty.tokens.shape == (2, 32)
    with torch.no_grad():
        reference = encoder.model.encode_text(encoder.bundle.tokenizer(texts)).numpy()
    np.testing.assert_allclose(np.stack([dog.pooled, empty.pooled]), reference, rtol=1e-4, atol=1e-5)


def test_both_towers_share_one_model_with_reproducible_random_weights(vit, tiny_open_clip) -> None:
    image, text = load_encoder(vit, "image"), load_encoder(vit, "text")
    assert image.model is text.model and image.version == text.version and "random" in image.source
    state = torch.random.get_rng_state()
    rebuilt = openclip.load_bundle.__wrapped__(tiny_open_clip["vit"], openclip.RANDOM).model
    assert torch.equal(torch.random.get_rng_state(), state), "loading must not move the global RNG"
    for (key, mine), (_, theirs) in zip(image.model.state_dict().items(), rebuilt.state_dict().items()):
        assert torch.equal(mine, theirs), key


def test_a_resnet_image_tower_has_no_tokens(tiny_open_clip, images) -> None:
    encoder = load_encoder(f"open_clip:{tiny_open_clip['resnet']}/random", "image")
    assert encoder.token_dim is None
    assert all(e.tokens is None and e.layout.kind == "single" for e in encoder.encode(images))


def test_cached_weights_of_a_tag_are_loaded_with_the_tags_preprocessing(tiny_open_clip, add_to_hf_cache, tmp_path,
                                                                       monkeypatch, images) -> None:
    import open_clip
    from safetensors.torch import save_file

    architecture = tiny_open_clip["vit"]
    monkeypatch.setitem(open_clip.pretrained._PRETRAINED, architecture, {"cached": {
        "hf_hub": "fusion-test/tiny-clip/", "mean": (0.5, 0.5, 0.5), "std": (0.25, 0.25, 0.25),
        "interpolation": "bilinear", "resize_mode": "shortest"}})
    torch.manual_seed(7)
    saved = {k: v.contiguous() for k, v in open_clip.create_model(architecture, pretrained=None).state_dict().items()}
    checkpoint = tmp_path / "open_clip_model.safetensors"
    save_file(saved, checkpoint)
    add_to_hf_cache("fusion-test/tiny-clip", {"open_clip_model.safetensors": checkpoint})
    name = f"open_clip:{architecture}/cached"
    encoder = load_encoder(name, "image")
    assert encoder.source == "open_clip (Hugging Face cache)" and encoder.version.startswith(name + ":")
    for key, value in encoder.model.state_dict().items():
        torch.testing.assert_close(value, saved[key], msg=key)
    normalize = [t for t in encoder.bundle.preprocess.transforms if type(t).__name__ == "Normalize"][0]
    assert tuple(normalize.mean) == (0.5, 0.5, 0.5) and tuple(normalize.std) == (0.25, 0.25, 0.25)
    assert encoder.encode(images[:1])[0].tokens.shape == (16, 32)


def test_suggested_backbones_match_open_clip() -> None:
    import open_clip
    from open_clip import constants

    assert (openclip.OPEN_CLIP_BIN, openclip.OPEN_CLIP_SAFETENSORS) == (constants.HF_WEIGHTS_NAME,
                                                                       constants.HF_SAFE_WEIGHTS_NAME)
    rows = {(r.name, r.modality): r for r in list_encoders()}
    for architecture, tag, hf_hub in OPEN_CLIP_SUGGESTIONS:
        assert open_clip.get_pretrained_cfg(architecture, tag)["hf_hub"] == hf_hub
        config = open_clip.get_model_config(architecture)
        image, text = (rows[(f"open_clip:{architecture}/{tag}", m)] for m in ("image", "text"))
        assert (image.dim, image.token_dim) == (config["embed_dim"], config["vision_cfg"]["width"])
        assert (text.dim, text.token_dim) == (config["embed_dim"], config["text_cfg"]["width"])


def test_hub_weights_follow_open_clips_file_conventions() -> None:
    assert openclip.hub_weights("org/repo/") == ("org/repo", ("open_clip_model.safetensors",
                                                              "open_clip_pytorch_model.bin"))
    assert openclip.hub_weights("org/repo/weights.bin") == ("org/repo", ("weights.safetensors", "weights.bin"))
    assert openclip.hub_weights("org/repo/w.safetensors") == ("org/repo", ("w.safetensors",))


@pytest.mark.parametrize("name, modality, message", [
    ("open_clip:ViT-B-32", "image", "open_clip:<architecture>/<pretrained tag>"),
    ("open_clip:No-Such-Net/random", "image", "list_models"),
    ("open_clip:ViT-B-32/no_such_tag", "image", "laion2b_s34b_b79k"),
    ("open_clip:ViT-B-32/random", "audio", "image and text"),
])
def test_bad_open_clip_names_are_config_errors(name, modality, message) -> None:
    with pytest.raises(ConfigError, match=message.replace("<", ".").replace(">", ".")):
        load_encoder(name, modality)
