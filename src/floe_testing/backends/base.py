"""The one protocol every backend implements; the pipeline does not know which it drives."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from floe_testing.core.ui import Ui
from floe_testing.plan import RunPlan


@dataclass(frozen=True)
class Availability:
    """Whether a backend can run on this machine, and why (shown by ``floe-test tiers``)."""

    usable: bool
    reason: str


@dataclass(frozen=True)
class TestOutcome:
    """What the run-tests phase produced: pytest's exit status and where JUnit landed."""

    exit_status: int
    detail: str = ""


class Backend(ABC):
    name: ClassVar[str]
    summary: ClassVar[str]

    @classmethod
    @abstractmethod
    def availability(cls) -> Availability:
        """Fast, side-effect-free check: the tools and access this backend needs."""

    def check(self, plan: RunPlan) -> None:  # noqa: B027 - optional hook
        """Reject a plan this backend cannot run (raise UsageError) before anything starts."""

    @abstractmethod
    def start_platform(self, plan: RunPlan, ui: Ui) -> None:
        """Provision and deploy the tier's profile, and wait until it is ready."""

    @abstractmethod
    def run_tests(self, plan: RunPlan, ui: Ui) -> TestOutcome:
        """Run the suite against the platform and leave JUnit at ``plan.junit_path``."""

    def collect(self, plan: RunPlan, ui: Ui, failed: bool) -> None:  # noqa: B027
        """Always runs: copy logs and, when ``failed``, a diagnostics bundle into the results."""

    def teardown(self, plan: RunPlan, ui: Ui) -> None:  # noqa: B027
        """Always runs unless ``--keep``: nothing this backend started survives."""

    def resource_usage(self, plan: RunPlan) -> dict[str, dict[str, float]]:
        """Resource use per service right now (soak samples): ``rss_bytes`` for local
        processes, ``memory_bytes`` and ``restarts`` for containers; empty when unknown."""
        return {}

    def keep_instructions(self, plan: RunPlan) -> str:
        """Shown with ``--keep``: how to reach what was left running and how to stop it."""
        return ""
