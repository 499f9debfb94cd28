"""Preflight of the kind backend: everything checked before anything is created.

Order matters for speed and for the message a user sees first: tools on PATH (no
subprocess), then the daemon (``version`` fails in milliseconds when it is stopped), then
its resources. Missing tools, a stopped daemon or too little memory are usage errors
(exit 2); a daemon that answers but is broken is an infrastructure error (exit 3).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from floe_testing.core.errors import UsageError
from floe_testing.plan import RunPlan
from floe_testing.tools import docker as engines
from floe_testing.tools.docker import ContainerEngine, EngineInfo
from floe_testing.tools.helm import engine_name as helm_engine_name
from floe_testing.tools.kind import INSTALL_HINT as KIND_INSTALL_HINT
from floe_testing.tools.kind import KindCli

GIB = 1024**3
# Kind's node: etcd, API server, controller manager, scheduler, CoreDNS, kindnet and the
# kubelet need about this much besides the workloads.
KIND_OVERHEAD = int(1.5 * GIB)
# Estimate per platform service of a profile (requests in values-test.yaml stay below it).
PER_SERVICE = 512 * 1024**2
HELM_INSTALL_HINT = (
    "install helm (https://helm.sh/docs/intro/install/) or run `uv sync` so that "
    "helm-python-sdk is available"
)


def memory_bytes(quantity: str) -> int:
    """A Kubernetes memory quantity (``512Mi``, ``1Gi``, ``1G``) in bytes."""
    from floe_testing.deploy.chart.security import parse_quantity

    try:
        return int(parse_quantity(quantity))
    except ValueError:
        raise ValueError(f"not a memory quantity: {quantity!r}") from None


def required_memory(plan: RunPlan) -> int:
    """Memory the engine must have: Kind's control plane, the profile's services, and the
    test-runner pods at their limit (one per shard)."""
    runner = memory_bytes(plan.tier.resources.limits.memory) * plan.shards
    return KIND_OVERHEAD + PER_SERVICE * len(plan.services) + runner


@dataclass(frozen=True)
class Toolchain:
    engine: ContainerEngine
    info: EngineInfo
    kind: KindCli
    server_version: str


def find_tools() -> tuple[ContainerEngine, KindCli]:
    """docker or podman, and kind, from PATH — no subprocess, so it answers instantly."""
    preferred = os.environ.get(engines.ENGINE_ENV) or None
    if preferred is not None and preferred not in engines.ENGINES:
        raise UsageError(
            f"{engines.ENGINE_ENV}={preferred!r} is not one of {', '.join(engines.ENGINES)}",
            f"unset {engines.ENGINE_ENV}",
        )
    engine = ContainerEngine.find(preferred)
    if engine is None:
        wanted = preferred or "docker or podman"
        raise UsageError(
            f"the kind backend needs a container engine, and {wanted} is not on PATH",
            engines.INSTALL_HINT[preferred or "docker"],
        )
    kind = KindCli.find(engine.name)
    if kind is None:
        raise UsageError(
            "the kind backend needs the `kind` command, which is not on PATH", KIND_INSTALL_HINT
        )
    return engine, kind


def check_engine(engine: ContainerEngine, kind: KindCli) -> Toolchain:
    version = engine.server_version()
    return Toolchain(engine, engine.info(), kind, version)


def check_helm() -> str:
    name = helm_engine_name()
    if name is None:
        raise UsageError(
            "neither the helm command nor helm-python-sdk is available", HELM_INSTALL_HINT
        )
    return name


def check_memory(plan: RunPlan, info: EngineInfo, engine_name: str) -> None:
    need = required_memory(plan)
    if info.memory_bytes and info.memory_bytes < need:
        profile = plan.profile.name if plan.profile else "none"
        raise UsageError(
            f"{engine_name} has {info.memory_bytes / GIB:.1f} GiB of memory; the {profile} "
            f"profile of the {plan.tier.name} tier on Kind needs about {need / GIB:.1f} GiB",
            f"give {engine_name} at least {-(-need // GIB)} GiB (Docker Desktop: Settings > "
            "Resources > Memory; Podman: `podman machine set --memory "
            f"{-(-need // (1024**2))}`), or use fewer --shards",
        )


def preflight(plan: RunPlan) -> Toolchain:
    """All checks of a ``run --backend kind``; raises before anything is created."""
    engine, kind = find_tools()
    if plan.cluster.install:
        chart = plan.project.root / "charts" / "floe-platform"
        if not (chart / "Chart.yaml").is_file():
            raise UsageError(
                f"the platform chart is missing: {chart}/Chart.yaml",
                "run floe-test from the project's checkout, or pass --no-install",
            )
        check_helm()
    toolchain = check_engine(engine, kind)
    check_memory(plan, toolchain.info, engine.name)
    return toolchain
