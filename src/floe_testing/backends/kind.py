"""Kind backend: placeholder until the kind issue lands."""

from __future__ import annotations

from floe_testing.backends.base import Availability, Backend, TestOutcome
from floe_testing.errors import UsageError
from floe_testing.plan import RunPlan
from floe_testing.ui import Ui


class KindBackend(Backend):
    name = "kind"
    summary = "ephemeral Kind cluster"

    @classmethod
    def availability(cls) -> Availability:
        return Availability(False, "not implemented yet")

    def check(self, plan: RunPlan) -> None:
        raise UsageError("the kind backend is not implemented yet", "use --backend local")

    def start_platform(self, plan: RunPlan, ui: Ui) -> None:
        raise NotImplementedError

    def run_tests(self, plan: RunPlan, ui: Ui) -> TestOutcome:
        raise NotImplementedError
