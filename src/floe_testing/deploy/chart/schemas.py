"""Rendered objects against the Kubernetes OpenAPI schemas shipped by kubernetes-validate.

Strict schemas reject unknown fields, which catches indentation slips that Helm renders
happily (a ``resources`` under the wrong key is otherwise silently dropped by the API server).
kubernetes-validate re-reads its 1 MB definitions file on every call; we use its schema files
and its lookup rules but build each (version, kind) validator once, which makes validating a
whole profile ~20x faster.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from floe_testing.deploy.chart.engine import Manifest

OLDEST_SUPPORTED = "1.29.0"


def kubernetes_versions() -> tuple[str, ...]:
    """The oldest version we support and the newest kubernetes-validate ships."""
    from kubernetes_validate import utils

    newest = str(utils.latest_version())
    return (OLDEST_SUPPORTED, newest) if newest != OLDEST_SUPPORTED else (OLDEST_SUPPORTED,)


def _schema_version(version: str) -> str:
    """The newest shipped schema version not newer than ``version`` (the library's rule)."""
    from kubernetes_validate import utils

    wanted = tuple(int(x) for x in utils.major_minor(version).split("."))
    shipped = [
        v
        for v in utils.all_versions()
        if tuple(int(x) for x in utils.major_minor(v).split(".")) <= wanted
    ]
    if not shipped:
        raise ValueError(f"kubernetes-validate has no schemas for Kubernetes {version}")
    return str(shipped[-1])


@cache
def _validator(version: str, kind: str, api_version: str) -> Any:
    import jsonschema  # type: ignore[import-untyped]
    from kubernetes_validate import utils
    from referencing import Registry, Resource

    directory = f"kubernetes-json-schema/v{_schema_version(version)}-local-strict"
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    schema = utils.schema_contents(f"{directory}/{kind.lower()}-{group}.json", version)
    definitions = _definitions(directory, version)
    registry: Registry[Any] = Resource.from_contents(schema) @ Registry()
    registry = definitions @ registry
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


@cache
def _definitions(directory: str, version: str) -> Any:
    from kubernetes_validate import utils
    from referencing import Resource

    return Resource.from_contents(utils.schema_contents(f"{directory}/_definitions.json", version))


def schema_problems(manifests: Iterable[Manifest], version: str) -> list[str]:
    """One short sentence per object that does not validate against ``version``'s schemas."""
    problems = []
    for manifest in manifests:
        where = f"{manifest.get('kind')}/{manifest.get('metadata', {}).get('name')}"
        try:
            validator = _validator(version, str(manifest["kind"]), str(manifest["apiVersion"]))
        except (FileNotFoundError, KeyError):
            problems.append(f"{where}: no schema for {manifest.get('apiVersion')} in {version}")
            continue
        error = next(iter(validator.iter_errors(manifest)), None)
        if error is not None:
            path = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"{where} (Kubernetes {version}) at /{path}: {error.message}")
    return problems
