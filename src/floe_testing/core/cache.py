"""The one cache root: ``$FLOE_TEST_CACHE``, else ``~/.cache/floe-test``.

Everything floe-test builds or downloads once (base images, Kubernetes and its add-ons, the
catalog jar, Cube's node_modules, Dagster's import cache, kind's kubeconfigs) lives under it,
keyed by version or content, so deleting this one folder is a clean start.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

CACHE_ENV = "FLOE_TEST_CACHE"


def cache_root() -> Path:
    """The cache root (not created here: callers create the part they write)."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "floe-test")


def content_key(*parts: str | bytes) -> str:
    """A SHA-256 over ``parts`` (each ended by a NUL, so ("ab", "c") != ("a", "bc")): the key
    a build is cached under, changing whenever one of its inputs does."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def cache_dir(*parts: str) -> Path:
    """A folder under the cache root, e.g. ``cache_dir("images")``."""
    return cache_root().joinpath(*parts)
