"""The floe-platform chart: compose values, render, lint (through ``floe_testing.tools.helm``).

The CLI, the kind and cluster backends and the tests render the chart exactly the same way
(offline: no cluster, no helm binary). Values compose as ``helm template -f A -f B --set k=v``
does: files in order, then ``--set``, then the profile.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from floe_testing.core.errors import UsageError
from floe_testing.tools.helm import (
    ChartRenderError,
    ChartValuesError,
    chart_values,
    lint_chart,
    merge_values,
    parse_set_string,
    render_chart,
    validate_schema,
    values_from_yaml,
    with_chart_defaults,
)

CHART_NAME = "floe-platform"
RELEASE = "floe-platform"
DEFAULT_NAMESPACE = "floe-test"

Manifest = dict[str, Any]

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Helm's install order (pkg/release/util/kind_sorter.go), abridged to the kinds we render.
_INSTALL_ORDER = (
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "PersistentVolumeClaim",
    "Role",
    "RoleBinding",
    "Service",
    "DaemonSet",
    "Pod",
    "Deployment",
    "StatefulSet",
    "Job",
    "CronJob",
)


def _install_rank(manifest: Manifest) -> tuple[int, int]:
    hook = "helm.sh/hook" in (manifest.get("metadata", {}).get("annotations") or {})
    kind = str(manifest.get("kind"))
    rank = _INSTALL_ORDER.index(kind) if kind in _INSTALL_ORDER else len(_INSTALL_ORDER)
    return (int(hook), rank)


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (scripts, config files) as ``|`` blocks, like the templates."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


@dataclass(frozen=True)
class Rendered:
    """The objects one render produced (hooks included), in Helm's template order."""

    profile: str
    namespace: str
    manifests: list[Manifest]
    notes: str = ""

    def of_kind(self, kind: str) -> list[Manifest]:
        return [m for m in self.manifests if m.get("kind") == kind]

    def get(self, kind: str, name: str) -> Manifest | None:
        for manifest in self.of_kind(kind):
            if manifest["metadata"]["name"] == name:
                return manifest
        return None

    def to_yaml(self) -> str:
        """Multi-document YAML in Helm's install order (hooks last), scripts as literal blocks."""
        ordered = sorted(self.manifests, key=_install_rank)
        return "".join(
            "---\n" + yaml.dump(m, Dumper=_Dumper, sort_keys=False, default_flow_style=False)
            for m in ordered
        )


@dataclass(frozen=True)
class LintMessage:
    severity: str
    path: str
    message: str


@dataclass(frozen=True)
class LintReport:
    messages: list[LintMessage] = field(default_factory=list)

    @property
    def errors(self) -> list[LintMessage]:
        return [m for m in self.messages if m.severity == "error"]

    @property
    def warnings(self) -> list[LintMessage]:
        return [m for m in self.messages if m.severity == "warning"]


_SEVERITY = {0: "unknown", 1: "info", 2: "warning", 3: "error"}


def chart_dir(root: Path | None = None) -> Path:
    """``charts/floe-platform`` of the project (the directory holding pyproject.toml)."""
    if root is None:
        from floe_testing.config import load_project

        root = load_project().root
    path = root / "charts" / CHART_NAME
    if not (path / "Chart.yaml").is_file():
        raise UsageError(
            f"no Helm chart at {path}",
            "run floe-test from the project's checkout (or pass --config)",
        )
    return path


def read_values_file(path: Path) -> dict[str, Any]:
    try:
        return values_from_yaml(path.read_text(encoding="utf-8"))
    except ChartValuesError as exc:
        raise UsageError(
            f"{path} is not a valid values file: {exc.message}", "fix its YAML"
        ) from None


def parse_set(expression: str) -> dict[str, Any]:
    """One ``--set`` expression (``a.b=1,c=x``) with Helm's own parser."""
    try:
        return parse_set_string(expression)
    except ChartValuesError as exc:
        raise UsageError(
            f"bad --set {expression!r}: {exc.message}", "use --set key=value"
        ) from None


def resolve_values_file(path: Path, chart: Path) -> Path:
    """A values file as given, else relative to the chart (``--values values-test.yaml``)."""
    if path.is_file():
        return path
    if (chart / path).is_file():
        return chart / path
    known = ", ".join(sorted(p.name for p in chart.glob("values*.yaml")))
    raise UsageError(f"values file {path} does not exist", f"pass a path, or one of: {known}")


def _profile_schema(chart: Path | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The profiles the chart accepts (``profile``'s enum in values.schema.json) and its
    shorthands: boolean values named after a profile (the seed's ``minimal: true``), each of
    which selects its profile and wins over ``profile``."""
    schema = json.loads(((chart or chart_dir()) / "values.schema.json").read_text("utf-8"))
    properties: dict[str, Any] = schema["properties"]
    known = tuple(properties["profile"]["enum"])
    shorthands = tuple(
        name
        for name, spec in properties.items()
        if name in known and isinstance(spec, dict) and spec.get("type") == "boolean"
    )
    return known, shorthands


def chart_profiles(chart: Path | None = None) -> tuple[str, ...]:
    """The profiles the chart accepts (its values.schema.json; a unit test keeps them equal to
    the project's configured profiles)."""
    return _profile_schema(chart)[0]


def profile_values(profile: str, chart: Path | None = None) -> dict[str, Any]:
    """The values that select ``profile``: ``profile`` itself, and each of the chart's
    shorthands set to whether it names ``profile`` (a shorthand wins over ``profile``)."""
    known, shorthands = _profile_schema(chart)
    if profile not in known:
        raise UsageError(f"unknown profile {profile!r}", f"use one of: {', '.join(known)}")
    return {"profile": profile, **{name: name == profile for name in shorthands}}


def effective_profile(values: Mapping[str, Any], chart: Path | None = None) -> str:
    """The profile ``values`` (chart defaults included) deploy: a shorthand that is on, else
    ``profile`` (as the chart's ``floe.profile`` helper decides)."""
    _, shorthands = _profile_schema(chart)
    return next((name for name in shorthands if values.get(name)), str(values.get("profile")))


def compose_values(
    profile: str | None = None,
    values_files: Iterable[Path] = (),
    set_values: Iterable[str] = (),
    chart: Path | None = None,
) -> dict[str, Any]:
    """The user-supplied values of a release; chart defaults are added by Helm."""
    chart = chart or chart_dir()
    values: dict[str, Any] = {}
    for file in values_files:
        values = merge_values(values, read_values_file(resolve_values_file(Path(file), chart)))
    expressions = [e for e in set_values if e]
    if expressions:  # one parse, as Helm parses every --set into the same map (list indexes)
        values = merge_values(values, parse_set(",".join(expressions)))
    if profile is not None:
        values = merge_values(values, profile_values(profile, chart))
    return values


def _values_error(exc: ChartValuesError, chart: Path) -> UsageError:
    detail = exc.message.replace(
        "values don't meet the specifications of the schema(s) in the following chart(s):\n", ""
    ).strip()
    return UsageError(
        f"values rejected by {chart / 'values.schema.json'}:\n{detail}",
        f"fix the value at the path shown (profile is one of: {', '.join(chart_profiles(chart))};"
        " see the chart README)",
    )


def parse_manifests(documents: Mapping[str, str]) -> tuple[list[Manifest], str]:
    """Rendered template files -> objects (empty documents dropped) and NOTES.txt."""
    manifests: list[Manifest] = []
    notes = ""
    for path in sorted(documents):
        if path.endswith("NOTES.txt"):
            notes = documents[path]
            continue
        for document in yaml.load_all(documents[path], Loader=_Loader):
            if isinstance(document, dict) and document:
                manifests.append(document)
    return manifests, notes


def render(
    profile: str | None = None,
    values_files: Sequence[Path] = (),
    set_values: Sequence[str] = (),
    namespace: str = DEFAULT_NAMESPACE,
    release: str = RELEASE,
    chart: Path | None = None,
) -> Rendered:
    """Render the chart offline (``lookup`` sees no cluster, so Secrets are freshly generated)."""
    chart = chart or chart_dir()
    values = compose_values(profile, values_files, set_values, chart)
    try:
        documents = render_chart(chart, values, release, namespace)
    except ChartValuesError as exc:
        raise _values_error(exc, chart) from None
    except ChartRenderError as exc:
        raise UsageError(
            f"the chart failed to render: {exc.message}", "check the values named above"
        ) from None
    manifests, notes = parse_manifests(documents)
    return Rendered(
        profile=effective_profile(with_chart_defaults(chart, values), chart),
        namespace=namespace,
        manifests=manifests,
        notes=notes,
    )


def validate_values(values: Mapping[str, Any], chart: Path | None = None) -> None:
    """Check values against values.schema.json; raises UsageError with the offending path."""
    chart = chart or chart_dir()
    try:
        validate_schema(chart, values)
    except ChartValuesError as exc:
        raise _values_error(exc, chart) from None


def default_values(chart: Path | None = None) -> dict[str, Any]:
    """The chart's values.yaml as Helm reads it."""
    return chart_values(chart or chart_dir())


def lint(
    values_files: Sequence[Path] = (),
    set_values: Sequence[str] = (),
    strict: bool = True,
    namespace: str = DEFAULT_NAMESPACE,
    kube_version: str | None = None,
    chart: Path | None = None,
) -> LintReport:
    """``helm lint`` (findings are data; only malformed input raises)."""
    chart = chart or chart_dir()
    values = compose_values(None, values_files, set_values, chart)
    report = lint_chart(
        chart, values, strict=strict, namespace=namespace, kube_version=kube_version
    )
    return LintReport(
        [
            LintMessage(_SEVERITY.get(int(m["severity"]), "unknown"), m["path"], m["error"].strip())
            for m in report.get("messages", [])
        ]
    )
