"""Frozen pretrained encoders: decoded inputs of one modality -> pooled and token embeddings.

``load_encoder(name, modality)`` gives a cached :class:`Encoder`; ``list_encoders()`` says which
exist and which run on this machine now. See ``fusion.encoders.base`` for the contract and
``fusion.encoders.registry`` for the names.
"""

from fusion.encoders.base import LAYOUT_KINDS, Encoder, EncoderInfo, EncoderUnavailable, Encoding, TokenLayout
from fusion.encoders.registry import DEFAULT_ENCODERS, list_encoders, load_encoder

__all__ = ["DEFAULT_ENCODERS", "LAYOUT_KINDS", "Encoder", "EncoderInfo", "EncoderUnavailable", "Encoding",
           "TokenLayout", "list_encoders", "load_encoder"]
