"""One run's release of the chart: install it, wait for it with fail-fast, uninstall it.

Both the kind and the cluster backend deploy through this class once their cluster is
reachable, so the install, the readiness rules and the uninstall exist exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from floe_testing.core.ui import Ui
from floe_testing.deploy.chart.engine import RELEASE
from floe_testing.deploy.readiness import wait_platform_ready
from floe_testing.deploy.release import Release, observe
from floe_testing.jobs.classify import Judge, Settings
from floe_testing.pytest_plugin.markers import STAND_IN, STAND_IN_REASON
from floe_testing.tools.helm import Helm, find_helm

if TYPE_CHECKING:
    from lightkube import Client

# Longer than a cold image pull plus the slowest component's startup probe budget.
PLATFORM_TIMEOUT = 600.0


@dataclass
class Platform:
    """The release in ``namespace``, the helm adapter that installs it, a client to watch it."""

    release: Release
    namespace: str
    helm: Helm
    client: Client
    installed: bool = False
    timings: dict[str, float] = field(default_factory=dict)  # install, platform ready

    @classmethod
    def connect(
        cls,
        release: Release,
        namespace: str,
        client: Client,
        kubeconfig: Path | None,
        context: str | None,
    ) -> Platform:
        return cls(release, namespace, find_helm(kubeconfig, context), client)

    def install(self, ui: Ui, timeout: float = PLATFORM_TIMEOUT) -> None:
        """``helm upgrade --install`` in the background while the namespace's pods are judged.

        ``installed`` is set before helm starts: a half-done install still needs uninstalling.
        """
        ui.step(
            f"helm upgrade --install {RELEASE} ({self.helm.name}) into {self.namespace}, "
            f"profile {self.release.values['profile']}, "
            f"{', '.join(p.name for p in self.release.values_files)}; "
            f"watching the platform's pods"
        )
        if self.release.values.get("profile") == "full":
            implementation = self.release.catalog_implementation()
            if implementation == STAND_IN:
                ui.info(STAND_IN_REASON)
        judge = Judge(Settings.from_env())
        judge.remember(observe(self.client, self.namespace).pods)  # an upgrade's namespace
        self.installed = True
        running = self.release.install(self.helm, self.namespace)
        self.timings = wait_platform_ready(
            lambda: observe(self.client, self.namespace), running, timeout=timeout, judge=judge
        )
        ui.info(f"platform ready in {self.namespace}")

    def uninstall(self, ui: Ui) -> None:
        if not self.installed:
            return
        ui.step(f"helm uninstall {RELEASE} from {self.namespace}")
        self.helm.uninstall(RELEASE, self.namespace)
        self.installed = False


def uninstall_command(namespace: str, kubeconfig: Path | None, context: str | None) -> str:
    """What ``--keep`` prints to remove the release by hand."""
    target = f" --kubeconfig {kubeconfig}" if kubeconfig else ""
    target += f" --kube-context {context}" if context else ""
    return f"helm uninstall {RELEASE} -n {namespace}{target}"
