"""The chart against the service contract: values, rendered Services and Secrets.

The chart carries the contract's ports in its values (so plain ``helm install`` works); these
checks make any disagreement with ``[tool.floe-test.services]`` a failing test. Each check
returns problems as sentences (empty list = agreement) so tests and the CLI show them as-is.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from floe_testing.config.models import FloeTestConfig
from floe_testing.deploy.chart.engine import Manifest, Rendered


def contract_values(config: FloeTestConfig) -> dict[str, Any]:
    """The chart's ``services`` values block, derived from the contract."""
    return {
        service.name: {"ports": [{"name": p.name, "port": p.port} for p in service.ports]}
        for service in config.services.values()
        if service.ports
    }


def values_problems(values: Mapping[str, Any], config: FloeTestConfig) -> list[str]:
    """Differences between the chart's ``services`` values and the contract."""
    expected = contract_values(config)
    actual = values.get("services") or {}
    problems = [
        f"services.{name}: missing (the contract has it)" for name in expected if name not in actual
    ]
    problems += [f"services.{name}: not in the contract" for name in actual if name not in expected]
    for name in expected.keys() & actual.keys():
        want = {(p["name"], p["port"]) for p in expected[name]["ports"]}
        have = {(p.get("name"), p.get("port")) for p in actual[name].get("ports", [])}
        if want != have:
            problems.append(
                f"services.{name}.ports: chart has {sorted(have)}, contract has {sorted(want)}"
            )
    return problems


def _selects(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _pod_templates(rendered: Rendered) -> list[Manifest]:
    return [
        m["spec"]["template"]
        for m in rendered.manifests
        if m.get("kind") in {"Deployment", "StatefulSet", "DaemonSet"}
    ]


def _backing_ports(template: Manifest) -> dict[str, int]:
    return {
        port["name"]: int(port["containerPort"])
        for container in template["spec"].get("containers", [])
        for port in container.get("ports", [])
        if "name" in port
    }


def service_problems(rendered: Rendered, config: FloeTestConfig) -> list[str]:
    """Every contract port of the profile is on a Service of the contract's name, backed by pods.

    Checks the name, the port number and that ``targetPort`` reaches a container port of a
    pod template the Service selects (a Service with no endpoints is a silent failure).
    """
    problems: list[str] = []
    for service in config.profile_services(rendered.profile):
        if not service.ports:
            continue
        manifest = rendered.get("Service", service.name)
        if manifest is None:
            problems.append(f"Service {service.name}: not rendered for profile {rendered.profile}")
            continue
        selector = manifest["spec"].get("selector") or {}
        backends = [
            _backing_ports(t)
            for t in _pod_templates(rendered)
            if _selects(selector, t["metadata"].get("labels", {}))
        ]
        if not backends:
            problems.append(f"Service {service.name}: selector {selector} matches no pod template")
        rendered_ports = {p.get("name"): p for p in manifest["spec"].get("ports", [])}
        contract_ports = {p.name: p.port for p in service.ports}
        for port in service.ports:
            found = rendered_ports.get(port.name)
            if found is None or int(found["port"]) != port.port:
                problems.append(
                    f"Service {service.name}: no port {port.name}={port.port} "
                    f"(has {[(p.get('name'), p.get('port')) for p in rendered_ports.values()]})"
                )
                continue
            target = found.get("targetPort", found["port"])
            # a port may be served by another contract port of the same Service (Iceberg's REST
            # server answers the management port's health on its REST port)
            wanted = contract_ports.get(target, port.port) if isinstance(target, str) else None
            for ports in backends:
                number = ports.get(target) if isinstance(target, str) else int(target)
                if number is None or (isinstance(target, str) and number != wanted):
                    problems.append(
                        f"Service {service.name}: targetPort {target!r} is not container port "
                        f"{port.port} of the selected pods"
                    )
    return problems


def secret_problems(rendered: Rendered, config: FloeTestConfig) -> list[str]:
    """Each Secret and ConfigMap key the contract names exists; no ConfigMap carries a
    secret's value."""
    problems: list[str] = []
    refs = [ref for s in config.profile_services(rendered.profile) for ref in s.secrets]
    for ref in refs:
        secret = rendered.get("Secret", ref.secret)
        if secret is None:
            problems.append(f"Secret {ref.secret}: not rendered (needed for {ref.env})")
        elif ref.key not in (secret.get("data") or {}) | (secret.get("stringData") or {}):
            problems.append(f"Secret {ref.secret}: no key {ref.key} (needed for {ref.env})")
    for setting in (ref for s in config.profile_services(rendered.profile) for ref in s.settings):
        config_map = rendered.get("ConfigMap", setting.config_map)
        if config_map is None or setting.key not in (config_map.get("data") or {}):
            problems.append(
                f"ConfigMap {setting.config_map}: no key {setting.key} (needed for {setting.env})"
            )
    secrets = _secret_values(rendered)
    for config_map in rendered.of_kind("ConfigMap"):
        for key, value in (config_map.get("data") or {}).items():
            problems += [
                f"ConfigMap {config_map['metadata']['name']}/{key} contains Secret {where}"
                for where, plain in secrets.items()
                if plain in value
            ]
    return problems


def _secret_values(rendered: Rendered) -> dict[str, str]:
    """``name/key`` -> decoded value, for values long enough to be secrets (>= 8 chars)."""
    values = {}
    for secret in rendered.of_kind("Secret"):
        for key, encoded in (secret.get("data") or {}).items():
            plain = base64.b64decode(encoded).decode(errors="replace")
            if len(plain) >= 8:
                values[f"{secret['metadata']['name']}/{key}"] = plain
    return values


def notes_problems(rendered: Rendered) -> list[str]:
    """NOTES.txt must never print a secret value."""
    return [
        f"NOTES.txt prints Secret {where}"
        for where, plain in _secret_values(rendered).items()
        if plain in rendered.notes
    ]
