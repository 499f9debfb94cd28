"""Settings a tier passes into its test Jobs: ``[tool.floe-test.tiers.<tier>].env`` and
``floe-test run --env KEY=VALUE`` (repeatable; the command line wins over the tier).

Validated before anything starts (exit 2). Plain values only: these land in the Job's
manifest and the run's history, so a name that looks like a credential is refused (secrets
reach Jobs through the contract's ``secretKeyRef`` entries instead), a contract variable
cannot be overridden, and no error message ever repeats a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from floe_testing.core.errors import UsageError

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
SECRET_LIKE = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE|API_KEY|ACCESS_KEY)")
RESERVED_PREFIXES = ("FLOE_TEST_",)
MAX_VALUE = 4096


def check_name(name: str, where: str, reserved: Iterable[str] = ()) -> None:
    if not ENV_NAME.match(name):
        raise UsageError(
            f"{where}: {name!r} is not an environment variable name",
            "use upper-case letters, digits and _ (e.g. FLOE_STAGING_SCALE=100)",
        )
    if SECRET_LIKE.search(name):
        raise UsageError(
            f"{where}: {name} looks like a credential; tier settings are plain values that "
            "appear in Job manifests and the history",
            "pass secrets through the service contract's secrets (a Kubernetes Secret "
            "reference), never as --env",
        )
    if name.startswith(RESERVED_PREFIXES) or name in set(reserved):
        raise UsageError(
            f"{where}: {name} is set by floe-test itself (the service contract or the runner)",
            "choose another name; endpoints come from [tool.floe-test.services]",
        )


def parse_options(values: Iterable[str]) -> dict[str, str]:
    """``KEY=VALUE`` strings from ``--env`` (names checked later, with the tier's)."""
    parsed: dict[str, str] = {}
    for raw in values:
        name, sep, value = raw.partition("=")
        if not sep or not name:
            shown = name if sep else raw.split("=")[0][:40]
            raise UsageError(
                f"--env {shown!r}: expected KEY=VALUE", "e.g. --env FLOE_STAGING_SCALE=100"
            )
        if len(value) > MAX_VALUE or "\n" in value:
            raise UsageError(
                f"--env {name}: the value must be one line of at most {MAX_VALUE} characters",
                "shorten it, or put larger settings in a file the tests read",
            )
        parsed[name] = value
    return parsed


def resolve(
    tier_env: Mapping[str, str], cli_env: Mapping[str, str], reserved: Iterable[str]
) -> tuple[tuple[str, str], ...]:
    """The tier's settings overlaid with the command line's, validated, sorted by name."""
    reserved = set(reserved)
    for name in tier_env:
        check_name(name, "tier env", reserved)
    for name in cli_env:
        check_name(name, "--env", reserved)
    merged = {**tier_env, **cli_env}
    return tuple(sorted(merged.items()))
