"""Helm behind one interface: the ``helm`` binary when present, else helm-python-sdk.

``upgrade --install`` runs in the background (``Install``) so that the caller can watch the
platform's pods meanwhile and cancel the install as soon as a pod fails for good — Helm's own
``--wait`` only gives up at its timeout. No ``--wait`` is passed; hooks still run.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from pathlib import Path
from typing import IO, Any, Protocol

import yaml

from floe_testing.core.errors import InfrastructureError
from floe_testing.tools.command import Tool, which

INSTALL_TIMEOUT = 600
UNINSTALL_TIMEOUT = 300.0


class Install(Protocol):
    """A running ``helm upgrade --install``."""

    def done(self) -> bool: ...

    def result(self) -> None:
        """Raise InfrastructureError if the install failed (call once ``done()``)."""

    def cancel(self) -> None: ...


class Helm(Protocol):
    name: str

    def upgrade_install(
        self,
        release: str,
        chart: Path,
        namespace: str,
        values_files: list[Path],
        values: dict[str, Any],
    ) -> Install: ...

    def uninstall(self, release: str, namespace: str) -> None: ...


def _failed(release: str, detail: str) -> InfrastructureError:
    return InfrastructureError(
        f"helm upgrade --install of release {release} failed:\n{detail}",
        "see diagnostics/ in the results for the platform's pods and events",
        cause="helm-install",
    )


class _ProcessInstall:
    """``helm`` as a child process; its stderr goes to a file so a chatty helm never blocks."""

    def __init__(
        self, release: str, process: subprocess.Popen[bytes], cleanup: Path, stderr: IO[bytes]
    ) -> None:
        self.release = release
        self.process = process
        self.cleanup = cleanup
        self.stderr = stderr
        self.cancelled = False

    def done(self) -> bool:
        return self.process.poll() is not None

    def result(self) -> None:
        self.process.wait()
        self.cleanup.unlink(missing_ok=True)
        self.stderr.seek(0)
        text = self.stderr.read().decode(errors="replace")
        self.stderr.close()
        if self.process.returncode != 0 and not self.cancelled:
            raise _failed(self.release, "\n".join(text.strip().splitlines()[-15:]))

    def cancel(self) -> None:
        self.cancelled = True
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.cleanup.unlink(missing_ok=True)


class HelmBinary:
    """The ``helm`` CLI (v3 or v4), pointed at the run's kubeconfig and context."""

    name = "helm"

    def __init__(self, tool: Tool, kubeconfig: Path | None, context: str | None = None) -> None:
        self.tool = tool
        self.kubeconfig = kubeconfig
        self.context = context

    def _target(self) -> list[str]:
        """``--kubeconfig``/``--kube-context`` when given; else helm's own defaults apply."""
        argv = ["--kubeconfig", str(self.kubeconfig)] if self.kubeconfig else []
        return argv + (["--kube-context", self.context] if self.context else [])

    def upgrade_install(
        self,
        release: str,
        chart: Path,
        namespace: str,
        values_files: list[Path],
        values: dict[str, Any],
    ) -> Install:
        with tempfile.NamedTemporaryFile(
            "w", suffix=".yaml", prefix="floe-values-", delete=False
        ) as handle:
            yaml.safe_dump(values, handle, sort_keys=True)
        overrides = Path(handle.name)
        argv = [
            self.tool.path,
            "upgrade",
            "--install",
            release,
            str(chart),
            "--namespace",
            namespace,
            *self._target(),
            "--timeout",
            f"{INSTALL_TIMEOUT}s",
        ]
        for path in [*values_files, overrides]:
            argv += ["--values", str(path)]
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _ProcessInstall.result
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=stderr)
        return _ProcessInstall(release, process, overrides, stderr)

    def uninstall(self, release: str, namespace: str) -> None:
        self.tool.run(
            [
                "uninstall",
                release,
                "--namespace",
                namespace,
                *self._target(),
                "--ignore-not-found",
                "--wait",
                "--timeout",
                "120s",
            ],
            timeout=UNINSTALL_TIMEOUT,
            what=f"helm uninstall {release}",
        )


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm's coalescing of values files: nested mappings merge, everything else replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class _ThreadInstall:
    def __init__(self, release: str, run: Any, cancel: Any) -> None:
        self.release = release
        self.error: BaseException | None = None
        self._cancel = cancel
        self.cancelled = False
        self.thread = threading.Thread(target=self._target, args=(run,), daemon=True)
        self.thread.start()

    def _target(self, run: Any) -> None:
        try:
            run()
        except BaseException as exc:
            self.error = exc

    def done(self) -> bool:
        return not self.thread.is_alive()

    def result(self) -> None:
        self.thread.join()
        if self.error is not None and not self.cancelled:
            raise _failed(self.release, str(self.error)) from self.error

    def cancel(self) -> None:
        self.cancelled = True
        self._cancel()
        self.thread.join(timeout=30)


class HelmSdk:
    """helm-python-sdk: Helm v4's Go engine through ctypes, no binary needed."""

    name = "helm-python-sdk"

    def __init__(self, kubeconfig: Path | None, context: str | None = None) -> None:
        self.kubeconfig = kubeconfig
        self.context = context

    def _config(self, namespace: str) -> Any:
        import helm_python

        return helm_python.Config(
            kubeconfig_path=self.kubeconfig, kube_context=self.context, namespace=namespace
        )

    def upgrade_install(
        self,
        release: str,
        chart: Path,
        namespace: str,
        values_files: list[Path],
        values: dict[str, Any],
    ) -> Install:
        import helm_python

        merged: dict[str, Any] = {}
        for path in values_files:
            merged = deep_merge(merged, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        merged = deep_merge(merged, values)
        config = self._config(namespace)
        context = helm_python.HelmContext()

        def run() -> None:
            try:
                config.status(release)
            except helm_python.HelmNotFoundError:
                config.install(
                    chart,
                    release,
                    merged,
                    context=context,
                    namespace=namespace,
                    timeout=INSTALL_TIMEOUT,
                )
            else:
                config.upgrade(
                    chart,
                    release,
                    merged,
                    context=context,
                    namespace=namespace,
                    timeout=INSTALL_TIMEOUT,
                )

        return _ThreadInstall(release, run, context.cancel)

    def uninstall(self, release: str, namespace: str) -> None:
        import helm_python

        try:
            self._config(namespace).uninstall(release, ignore_not_found=True, timeout=120)
        except helm_python.HelmError as exc:
            raise InfrastructureError(
                f"helm uninstall {release} failed: {exc}",
                f"delete the namespace {namespace} by hand",
                cause="helm-uninstall",
            ) from exc


def find_helm(kubeconfig: Path | None, context: str | None = None) -> Helm:
    """The binary on PATH (stand-ins in tests too), else the SDK: no helm install needed."""
    path = which("helm")
    if path is not None:
        return HelmBinary(Tool("helm", path), kubeconfig, context)
    return HelmSdk(kubeconfig, context)
