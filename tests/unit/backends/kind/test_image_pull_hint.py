"""An image the Kind node lacks: the kind backend names the exact `kind load` that fixes it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from floe_testing.backends.kind.backend import KindBackend
from floe_testing.core.errors import InfrastructureError


def _raised(cause: str, message: str) -> InfrastructureError:
    backend = KindBackend()
    backend.cluster = SimpleNamespace(name="floe-dev")  # type: ignore[assignment]
    with pytest.raises(InfrastructureError) as caught, backend._image_pull_hint():
        raise InfrastructureError(message, "generic hint", cause=cause)
    return caught.value


def test_an_image_pull_failure_names_kind_load_with_the_image_and_cluster() -> None:
    error = _raised(
        "image-pull", "test pod p-0 cannot pull image floe-local/x:missing: ErrImagePull nope"
    )
    assert error.exit_code == 3
    assert "`kind load docker-image floe-local/x:missing --name floe-dev`" in (error.hint or "")


def test_other_failures_keep_their_hint() -> None:
    assert _raised("crash-loop", "pod p restarted 3 times").hint == "generic hint"
