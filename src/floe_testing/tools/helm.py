"""Helm behind one interface (the only module that runs Helm): installs through the ``helm``
binary when present, else helm-python-sdk; chart rendering, schema checks and lint always
through helm-python-sdk (offline); one values merge with Helm's semantics; ``helm test`` of a
release through helm-python-sdk (``HelmSdk.test``: what ``benchmarks/peers.py`` compares
floe-test with).

``upgrade --install`` runs in the background (``Install``) so that the caller can watch the
platform's pods meanwhile and cancel the install as soon as a pod fails for good — Helm's own
``--wait`` only gives up at its timeout. No ``--wait`` is passed; hooks still run.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any, Protocol

import yaml

from floe_testing.core.errors import InfrastructureError, UsageError
from floe_testing.tools.command import Tool, which

INSTALL_TIMEOUT = 600
UNINSTALL_TIMEOUT = 300.0
TEST_TIMEOUT = 600


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


def merge_values(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's coalescing of values (files in order, then ``--set``): maps merge recursively,
    anything else (lists included) replaces, and a key set to ``null`` is deleted."""
    merged = dict(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_values(merged[key], value)
        else:
            merged[key] = value
    return merged


# --- the chart through helm-python-sdk (offline: no cluster, no helm binary) ------------------


class ChartValuesError(UsageError):
    """Helm rejected values (YAML, ``--set`` syntax or the chart's schema)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "fix the values named above")


class ChartRenderError(UsageError):
    """A template failed to render."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "check the values named above")


@cache
def _load_chart(path: str) -> Any:
    """Charts are immutable and thread-safe in helm-python-sdk: load each one once."""
    import helm_python

    try:
        return helm_python.Chart.load(path)
    except helm_python.HelmError as exc:
        raise UsageError(f"cannot load the chart at {path}: {exc}", "check Chart.yaml") from None


def values_from_yaml(text: str) -> dict[str, Any]:
    import helm_python

    try:
        return dict(helm_python.values_from_yaml(text) or {})
    except helm_python.HelmValuesError as exc:
        raise ChartValuesError(str(exc)) from None


def parse_set_string(expression: str) -> dict[str, Any]:
    import helm_python

    try:
        return dict(helm_python.parse_set_string(expression))
    except helm_python.HelmValuesError as exc:
        raise ChartValuesError(str(exc)) from None


def render_chart(
    chart: Path, values: Mapping[str, Any], release: str, namespace: str
) -> dict[str, str]:
    """``helm template`` of an install: template path -> rendered text."""
    import helm_python

    try:
        rendered = _load_chart(str(chart)).render(
            dict(values), name=release, namespace=namespace, is_install=True
        )
    except helm_python.HelmValuesError as exc:
        raise ChartValuesError(str(exc)) from None
    except helm_python.HelmRenderError as exc:
        raise ChartRenderError(str(exc)) from None
    return dict(rendered)


def with_chart_defaults(chart: Path, values: Mapping[str, Any]) -> dict[str, Any]:
    """The chart's values.yaml coalesced with ``values``, as the templates see them."""
    return dict(_load_chart(str(chart)).merge_values(dict(values)))


def validate_schema(chart: Path, values: Mapping[str, Any]) -> None:
    import helm_python

    try:
        _load_chart(str(chart)).validate_schema(dict(values))
    except helm_python.HelmValuesError as exc:
        raise ChartValuesError(str(exc)) from None


def chart_values(chart: Path) -> dict[str, Any]:
    """The chart's values.yaml as Helm reads it."""
    return dict(_load_chart(str(chart)).values)


def lint_chart(
    chart: Path,
    values: Mapping[str, Any],
    *,
    strict: bool,
    namespace: str,
    kube_version: str | None,
) -> dict[str, Any]:
    """``helm lint``'s report (messages with severity, path, error)."""
    import helm_python

    try:
        report = helm_python.lint(
            str(chart), dict(values), strict=strict, namespace=namespace, kube_version=kube_version
        )
    except helm_python.HelmError as exc:
        raise UsageError(
            f"helm lint of {chart} could not run: {exc}",
            "check the chart's path and --kube-version",
        ) from None
    return dict(report)


def engine_name() -> str | None:
    """Which Helm an install would use: the binary on PATH, else the SDK, else None."""
    if which("helm"):
        return "helm"
    from importlib.util import find_spec

    return "helm-python-sdk" if find_spec("helm_python") is not None else None


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


@dataclass(frozen=True)
class HelmTestRun:
    """What ``helm test`` answered. ``logs``: the test pods' logs, which Helm collects only
    when every hook passed; after a failure the pods stay for ``kubectl logs``. ``detail``:
    Helm's reason for a failure (a pod that failed, a deadline)."""

    passed: bool
    logs: str
    detail: str = ""


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
            merged = merge_values(merged, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        merged = merge_values(merged, values)
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

    def test(self, release: str, namespace: str, timeout: int = TEST_TIMEOUT) -> HelmTestRun:
        """Run the release's ``helm.sh/hook: test`` pods until they end or ``timeout``
        seconds pass. A failing hook is a verdict (``passed`` False); Helm unable to run
        the hooks at all (no such release, no cluster) raises InfrastructureError."""
        import helm_python

        try:
            answer = self._config(namespace).test(release, timeout=timeout, logs=True)
        except helm_python.HelmReleaseError as exc:
            return HelmTestRun(False, "", str(exc))  # a hook failed: the verdict, not an error
        except helm_python.HelmError as exc:
            raise InfrastructureError(
                f"helm test {release} could not run: {exc}",
                f"check the release: helm status {release} --namespace {namespace}",
                cause="helm-test",
            ) from exc
        return HelmTestRun(True, str((answer or {}).get("logs") or ""))


def find_helm(kubeconfig: Path | None, context: str | None = None) -> Helm:
    """The binary on PATH (stand-ins in tests too), else the SDK: no helm install needed."""
    path = which("helm")
    if path is not None:
        return HelmBinary(Tool("helm", path), kubeconfig, context)
    return HelmSdk(kubeconfig, context)
