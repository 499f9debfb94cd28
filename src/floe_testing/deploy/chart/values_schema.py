"""The contract-derived parts of ``values.schema.json``, from typed (pydantic) models.

``services`` (one required entry per contract Service with its ports), ``secrets`` (one entry
per Secret the contract and the chart name) and ``pins`` are the parts that used to be kept by
hand beside the contract; their JSON Schema now comes from these models (``floe-test chart
generate`` writes them, a unit test fails when the committed schema differs).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from floe_testing.config.models import FloeTestConfig


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContractPort(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=15)]
    port: Annotated[int, Field(ge=1, le=65535)]


class ContractService(_Strict):
    ports: Annotated[list[ContractPort], Field(min_length=1)]


class SecretValues(_Strict):
    existing: Annotated[
        bool, Field(description="true: a Secret of this name and keys is already there")
    ]


class Pins(_Strict):
    cube: Annotated[str, Field(description="Cube version (npm pin and image tag v<version>)")]
    seaweedfs: Annotated[str, Field(description="SeaweedFS version (weed and image tag)")]


def _inline(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema with its $defs inlined (the chart schema keeps its own $defs)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: resolve(v) for k, v in node.items() if k != "title"}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return dict(resolve(schema))


def contract_schema(config: FloeTestConfig, secret_names: list[str]) -> dict[str, Any]:
    """``{"services": ..., "secrets": ..., "pins": ...}`` JSON Schemas for values.schema.json."""
    services = create_model(  # type: ignore[call-overload]
        "Services",
        __base__=_Strict,
        **{name: (ContractService, ...) for name, s in config.services.items() if s.ports},
    )
    secrets = create_model(  # type: ignore[call-overload]
        "Secrets", __base__=_Strict, **{name: (SecretValues, ...) for name in secret_names}
    )
    result = {
        "services": _inline(services),
        "secrets": _inline(secrets),
        "pins": _inline(Pins),
    }
    result["services"]["description"] = (
        "the floe-test service contract (pyproject [tool.floe-test.services]); keys are "
        "Service names (generated)"
    )
    result["secrets"]["description"] = "Secrets the contract names (generated)"
    result["pins"]["description"] = "image tags from pins/versions.env (generated)"
    return result
