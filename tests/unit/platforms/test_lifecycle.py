"""platform up / down / attach against a stand-in Keeper: reuse, restart, refusal, cleanup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from floe_testing.backends.base import Backend
from floe_testing.backends.kept import Details, Health, Keeper, KeptRef
from floe_testing.core.errors import EXIT_INFRASTRUCTURE, EXIT_USAGE, FloeTestError, UsageError
from floe_testing.core.ui import Ui
from floe_testing.plan import ClusterOptions, RunPlan
from floe_testing.platforms import lifecycle
from floe_testing.platforms.lifecycle import UpRequest
from floe_testing.platforms.state import Registry


class StandIn(Keeper):
    """Records what the lifecycle asked; ``healthy`` and ``fail_up`` steer it."""

    name = "local"

    def __init__(self) -> None:
        self.healthy = True
        self.fail_up: Exception | None = None
        self.fail_down: Exception | None = None
        self.calls: list[str] = []

    def up(self, plan: RunPlan, ui: Ui) -> Details:
        self.calls.append(f"up {plan.profile.name if plan.profile else None} keep={plan.keep}")
        if self.fail_up is not None:
            raise self.fail_up
        return {"pid": 42}

    def abandon(self, plan: RunPlan, ui: Ui) -> None:
        self.calls.append("abandon")

    def where(self, details: Details) -> str:
        return f"pid {details['pid']}"

    def health(self, details: Details) -> Health:
        return Health(self.healthy, "" if self.healthy else "pid 42 is not running")

    def run_options(self, details: Details, image: str | None) -> ClusterOptions:
        return ClusterOptions(image=image)

    def attach(self, details: Details, ref: KeptRef) -> Backend:
        raise NotImplementedError

    def down(self, details: Details, ui: Ui) -> None:
        self.calls.append(f"down {details['pid']}")
        if self.fail_down is not None:
            raise self.fail_down


@pytest.fixture
def keeper(monkeypatch: pytest.MonkeyPatch) -> StandIn:
    stand_in = StandIn()

    def keeper_of(name: str) -> Any:
        if name not in ("local", "cluster"):
            raise UsageError(f"the {name} backend does not keep platforms")
        return stand_in

    monkeypatch.setattr(lifecycle, "keeper", keeper_of)
    return stand_in


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return Registry(tmp_path / "platforms")


def _up(registry: Registry, tmp_path: Path, **request: Any) -> Any:
    request.setdefault("backend", "local")
    request.setdefault("tier", "integration")
    return lifecycle.up(
        UpRequest(results_dir=tmp_path / "results", **request), Ui(quiet=True), registry
    )


def test_up_records_the_platform_with_the_command_that_restarts_it(
    keeper: StandIn, registry: Registry, tmp_path: Path
) -> None:
    kept = _up(registry, tmp_path)
    assert keeper.calls == ["up minimal keep=True"]
    assert kept.name == "local-minimal"
    assert registry.get("local-minimal") == kept
    assert kept.restart_command == (
        "floe-test platform up integration --profile minimal --backend local --name local-minimal"
    )
    assert kept.where == "pid 42"


def test_up_again_reuses_a_healthy_platform_with_the_same_settings(
    keeper: StandIn, registry: Registry, tmp_path: Path
) -> None:
    first = _up(registry, tmp_path)
    again = _up(registry, tmp_path, profile="minimal")  # the same platform, spelled otherwise
    assert again == first
    assert keeper.calls == ["up minimal keep=True"]


def test_up_restarts_a_platform_that_is_not_healthy(
    keeper: StandIn, registry: Registry, tmp_path: Path
) -> None:
    _up(registry, tmp_path)
    keeper.healthy = False
    _up(registry, tmp_path)
    assert keeper.calls == ["up minimal keep=True", "down 42", "up minimal keep=True"]
    assert registry.names() == ["local-minimal"]


def test_up_with_other_settings_under_a_taken_name_exits_2_and_changes_nothing(
    keeper: StandIn, registry: Registry, tmp_path: Path
) -> None:
    kept = _up(registry, tmp_path)
    with pytest.raises(UsageError) as raised:
        _up(registry, tmp_path, tier="staging", name="local-minimal")
    assert "already up" in raised.value.message
    assert "floe-test platform down local-minimal" in (raised.value.hint or "")
    assert keeper.calls == ["up minimal keep=True"]
    assert registry.get("local-minimal") == kept


def test_a_failed_up_is_abandoned_and_leaves_no_record(
    keeper: StandIn, registry: Registry, tmp_path: Path
) -> None:
    keeper.fail_up = FloeTestError("dagster-webserver exited during start-up")
    with pytest.raises(FloeTestError):
        _up(registry, tmp_path)
    assert keeper.calls == ["up minimal keep=True", "abandon"]
    assert registry.names() == []
    assert list(registry.root.iterdir()) == []  # not even a lock file


@pytest.mark.parametrize(
    ("request_", "says"),
    [
        ({"backend": "kind"}, "does not keep platforms"),
        ({"tier": "unit"}, "no platform profile"),
        ({"tier": None, "profile": None}, "needs a tier or a profile"),
        ({"name": "Not_A_Name"}, "is not valid"),
        ({"tier": "nosuchtier"}, "unknown tier"),
    ],
)
def test_bad_requests_exit_2_before_anything_starts(
    keeper: StandIn, registry: Registry, tmp_path: Path, request_: dict[str, Any], says: str
) -> None:
    with pytest.raises(UsageError) as raised:
        _up(registry, tmp_path, **request_)
    assert raised.value.exit_code == EXIT_USAGE
    assert says in raised.value.message
    assert keeper.calls == []
    assert not (tmp_path / "results").exists()


def test_a_profile_alone_picks_the_first_tier_running_it(
    keeper: StandIn, registry: Registry, tmp_path: Path
) -> None:
    kept = _up(registry, tmp_path, tier=None, profile="minimal")
    assert kept.tier == "integration"


def test_down_removes_the_platform_and_its_record(
    keeper: StandIn, registry: Registry, tmp_path: Path
) -> None:
    _up(registry, tmp_path)
    lifecycle.down(["local-minimal"], Ui(quiet=True), registry)
    assert keeper.calls[-1] == "down 42"
    assert registry.names() == []
    assert list(registry.root.iterdir()) == []  # no lock file left either


def test_down_of_an_unknown_name_exits_2_and_removes_nothing(
    keeper: StandIn, registry: Registry, tmp_path: Path
) -> None:
    _up(registry, tmp_path)
    with pytest.raises(UsageError):
        lifecycle.down(["local-minimal", "nosuch"], Ui(quiet=True), registry)
    assert registry.names() == ["local-minimal"]
    assert keeper.calls == ["up minimal keep=True"]


def test_a_failed_down_exits_3_keeps_the_record_and_offers_forget(
    keeper: StandIn, registry: Registry, tmp_path: Path
) -> None:
    from floe_testing.core.errors import InfrastructureError

    _up(registry, tmp_path)
    keeper.fail_down = InfrastructureError("namespace still terminating")
    with pytest.raises(InfrastructureError) as raised:
        lifecycle.down(["local-minimal"], Ui(quiet=True), registry)
    assert raised.value.exit_code == EXIT_INFRASTRUCTURE
    assert "--forget" in (raised.value.hint or "")
    assert registry.names() == ["local-minimal"]
    lifecycle.down(["local-minimal"], Ui(quiet=True), registry, forget=True)
    assert registry.names() == []


def test_attach_hands_over_the_record_and_exits_2_for_an_unknown_name(
    keeper: StandIn, registry: Registry, tmp_path: Path
) -> None:
    _up(registry, tmp_path)
    with lifecycle.attached("local-minimal", Ui(quiet=True), registry) as attachment:
        assert attachment.kept.name == "local-minimal"
        assert attachment.cluster_options("runner:1").image == "runner:1"
    with pytest.raises(UsageError), lifecycle.attached("nosuch", Ui(quiet=True), registry):
        pass
