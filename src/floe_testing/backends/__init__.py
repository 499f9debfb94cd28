"""Backends: local (embedded processes), kind (ephemeral Kind cluster), cluster (kubeconfig).

Modules are imported lazily so `floe-test --help` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from floe_testing.config import BACKEND_NAMES, Tier
from floe_testing.core.errors import BadValueError, UsageError

if TYPE_CHECKING:
    from floe_testing.backends.base import Availability, Backend
    from floe_testing.backends.kept import Keeper

_REGISTRY = {
    "local": "floe_testing.backends.local.backend:LocalBackend",
    "kind": "floe_testing.backends.kind.backend:KindBackend",
    "cluster": "floe_testing.backends.cluster.backend:ClusterBackend",
}
assert set(_REGISTRY) == set(BACKEND_NAMES)


def backend_class(name: str) -> type[Backend]:
    if name not in _REGISTRY:
        raise BadValueError("backend", name, _REGISTRY, f"pass --backend {' | '.join(_REGISTRY)}")
    module, _, attr = _REGISTRY[name].partition(":")
    cls: type[Backend] = getattr(import_module(module), attr)
    return cls


def availability(name: str) -> Availability:
    return backend_class(name).availability()


def choose_backend(tier: Tier, requested: str | None) -> tuple[str, str]:
    """The backend to use and why: the requested one, else the tier's first usable preference."""
    if requested is not None:
        backend_class(requested)
        return requested, "requested with --backend"
    skipped: list[str] = []
    for name in tier.backends:
        state = availability(name)
        if state.usable:
            why = f"the {tier.name} tier's first usable backend"
            if skipped:  # one clause per skipped backend, no nested parentheses
                why += "; skipped " + "; ".join(skipped)
            return name, why
        skipped.append(f"{name}: {state.reason}")
    raise UsageError(
        f"no backend of the {tier.name} tier is usable here: {'; '.join(skipped)}",
        "fix one of the above, or choose another with --backend",
    )


_KEEPERS = {
    "local": "floe_testing.backends.local.kept:LocalKeeper",
    "cluster": "floe_testing.backends.cluster.kept:ClusterKeeper",
}


def keeping_backends() -> tuple[str, ...]:
    """The backends that keep platforms (``floe-test platform up --backend``)."""
    return tuple(_KEEPERS)


def keeper(name: str) -> Keeper:
    """The backend's keeper of platforms (``floe-test platform up --backend NAME``)."""
    if name not in _KEEPERS:
        backend_class(name)  # an unknown name: exit 2 listing the backends
        raise UsageError(
            f"the {name} backend does not keep platforms (only {' and '.join(_KEEPERS)} do)",
            "for Kind: floe-test cluster up, then floe-test platform up TIER --backend cluster "
            "--kubeconfig $(floe-test cluster status --kubeconfig)",
        )
    module, _, attr = _KEEPERS[name].partition(":")
    cls: type[Keeper] = getattr(import_module(module), attr)
    return cls()
