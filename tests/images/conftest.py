"""Real images on a real Docker engine (``scripts/images engine`` starts one).

Skipped, with the reason, only when no engine answers; ``.ci/run`` starts one first.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from floe_testing.core.cache import cache_root
from floe_testing.core.errors import FloeTestError
from floe_testing.tools.docker import ContainerEngine

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def engine() -> ContainerEngine:
    """The client scripts/images uses; skip (saying why) when no engine answers."""
    from floe_testing.tools.docker import ContainerEngine

    try:
        return ContainerEngine.local_docker()
    except FloeTestError as exc:
        pytest.skip(f"no Docker engine answers here ({exc.message}); run scripts/images engine")


@pytest.fixture(scope="session")
def built(engine: ContainerEngine) -> dict[str, str]:
    """Image name -> ref, built exactly as ``scripts/images build`` builds them."""
    from floe_testing.images.cli import build

    return {image.spec.name: image.ref for image in build(engine, REPO)}


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory uid 10001 inside a container can read (pytest's tmp_path is 0700)."""
    (cache_root() / "images").mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="test-", dir=cache_root() / "images"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)
