"""Frozen-encoder embeddings of a dataset folder (cached on disk) and the fusion heads trained on
them: ``extract`` (encode through the cache), ``heads`` (configs, inputs, evaluation), ``runs``
(train a head, find its dataset again)."""
