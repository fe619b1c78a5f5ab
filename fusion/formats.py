"""The built-in input formats, shared by the decoders (``fusion.io``), the modality specs and the
encoders: one home for the numbers that tie them together."""

SAMPLE_RATE = 16000  # Hz, mono: every decoded clip
HOP_LENGTH = 320  # 20 ms: one log-mel frame of the built-in audio modality
NUM_FRAMES = 60  # log-mel frames the built-in models read: 1.2 s
MAX_AUDIO_SAMPLES = NUM_FRAMES * HOP_LENGTH  # 19200 samples: the built-in audio window
IMAGE_SIZE = 8  # the built-in images are 8x8 grey
MAX_IMAGE_BYTES = 20 * 1024 * 1024  # the largest image file accepted
MAX_AUDIO_BYTES = 50 * 1024 * 1024  # the largest audio file accepted
