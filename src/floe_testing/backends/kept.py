"""What a backend does for a kept platform (``floe-test platform up|status|down`` and
``floe-test run TIER --platform NAME``), beside the run protocol of ``base.py``.

A ``Keeper`` starts the platform and leaves it running, describes it in a JSON-ready record
(``details``) the registry stores, probes its health from that record, gives the backend that
runs a suite against it, and removes it leaving nothing behind. It never sees the registry.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from floe_testing.backends.base import Backend
from floe_testing.core.errors import InfrastructureError
from floe_testing.core.ui import Ui
from floe_testing.plan import ClusterOptions, RunPlan

Details = dict[str, Any]


@dataclass(frozen=True)
class Health:
    """A probe's answer: healthy, or why not (the first problem found)."""

    healthy: bool
    detail: str

    def __str__(self) -> str:
        return "healthy" if self.healthy else f"unhealthy: {self.detail}"


@dataclass(frozen=True)
class KeptRef:
    """How a run names the kept platform it attaches to in its messages."""

    name: str
    restart_command: str

    def not_healthy(self, health: Health) -> InfrastructureError:
        """Exit 3: the platform is down or unhealthy, and the command that starts it again."""
        return InfrastructureError(
            f"kept platform {self.name} is not healthy: {health.detail}",
            f"start it again: {self.restart_command}  (or take it down: floe-test platform "
            f"down {self.name})",
            cause="kept-platform",
        )


class Keeper(ABC):
    name: ClassVar[str]

    @abstractmethod
    def up(self, plan: RunPlan, ui: Ui) -> Details:
        """Start the plan's platform, wait until it is ready and leave it running; its record.
        When it raises (or is interrupted), ``abandon`` removes what it started."""

    @abstractmethod
    def abandon(self, plan: RunPlan, ui: Ui) -> None:
        """After a failed ``up``: collect what explains the failure, remove what it started."""

    @abstractmethod
    def where(self, details: Details) -> str:
        """Endpoints or namespace, in a line (``platform status``)."""

    @abstractmethod
    def health(self, details: Details) -> Health:
        """Probe it now: its processes or workloads, and what they answer."""

    @abstractmethod
    def run_options(self, details: Details, image: str | None) -> ClusterOptions:
        """The run's cluster options against it (``image``: a runner image override)."""

    @abstractmethod
    def attach(self, details: Details, ref: KeptRef) -> Backend:
        """A backend that runs only the suite against it: its start phase probes the platform
        (exit 3 naming it when unhealthy), its teardown leaves the platform running."""

    @abstractmethod
    def down(self, details: Details, ui: Ui) -> None:
        """Remove it and everything it holds (processes and files, or release and namespace);
        InfrastructureError naming what could not be removed."""
