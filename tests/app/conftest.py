"""The small exported dataset of tests/embeddings, for the "your data" pages."""

from tests.embeddings.conftest import session_cache, small_dataset  # noqa: F401 - pytest fixtures
