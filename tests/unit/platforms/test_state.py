"""The registry of kept platforms: atomic records, names, unknown names, and its locks."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from floe_testing.core.errors import EXIT_USAGE, BadValueError, UsageError
from floe_testing.core.polling import wait_for
from floe_testing.platforms.state import KeptPlatform, Registry, check_name


def _kept(name: str = "local-minimal", **changes: object) -> KeptPlatform:
    fields: dict[str, object] = {
        "name": name,
        "backend": "local",
        "tier": "integration",
        "profile": "minimal",
        "command": ("floe-test", "platform", "up", "integration", "--name", name),
        "where": "dagster http://127.0.0.1:1",
        "details": {"workdir": "/tmp/x", "processes": [{"name": "a", "pid": 1}]},
    }
    fields.update(changes)
    return KeptPlatform.model_validate(fields)


def test_a_record_round_trips_and_is_written_whole_with_mode_0600(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "platforms")
    path = registry.save(_kept())
    assert registry.load("local-minimal") == _kept().model_copy(
        update={"created": registry.get("local-minimal").created}
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["local-minimal.json"]  # no partial
    assert registry.names() == ["local-minimal"]


def test_saving_again_replaces_the_record(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    registry.save(_kept(where="first"))
    registry.save(_kept(where="second"))
    assert registry.get("local-minimal").where == "second"
    assert len(registry.all()) == 1


def test_an_unknown_name_exits_2_listing_the_known_ones(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    registry.save(_kept("local-minimal"))
    registry.save(_kept("cluster-minimal", backend="cluster"))
    with pytest.raises(BadValueError) as raised:
        registry.get("local-minimol")
    assert raised.value.exit_code == EXIT_USAGE
    assert "known platforms: cluster-minimal, local-minimal" in raised.value.message
    assert raised.value.suggestion == "local-minimal"


def test_an_unknown_name_with_nothing_kept_says_how_to_start_one(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as raised:
        Registry(tmp_path / "none").get("local-minimal")
    assert "no platform is kept" in raised.value.message
    assert "floe-test platform up" in (raised.value.hint or "")


@pytest.mark.parametrize("name", ["Local", "-a", "a-", "a_b", "x" * 41, ""])
def test_names_that_cannot_become_namespaces_or_file_names_are_refused(name: str) -> None:
    with pytest.raises(UsageError, match="is not valid"):
        check_name(name)


def test_an_unreadable_record_is_a_usage_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(UsageError) as raised:
        Registry(tmp_path).load("broken")
    assert str(tmp_path / "broken.json") in raised.value.message


def test_remove_keeps_the_lock_file_unless_asked(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    registry.save(_kept())
    with registry.lock("local-minimal", exclusive=True):
        registry.remove("local-minimal")
        assert (tmp_path / "local-minimal.lock").exists()
        registry.remove("local-minimal", lock_file=True)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("seconds", "shown"), [(5, "5s"), (420, "7m"), (3 * 3600 + 300, "3h05m"), (52 * 3600, "2d04h")]
)
def test_age_reads_like_a_person_would_say_it(seconds: int, shown: str) -> None:
    assert _kept(created=1000.0).age(now=1000.0 + seconds) == shown


class _Holder:
    """A thread holding the platform's lock until told to let go."""

    def __init__(self, registry: Registry, exclusive: bool) -> None:
        self.held = threading.Event()
        self.release = threading.Event()
        self.waited = threading.Event()
        self.thread = threading.Thread(target=self._hold, args=(registry, exclusive), daemon=True)
        self.thread.start()

    def _hold(self, registry: Registry, exclusive: bool) -> None:
        with registry.lock("p", exclusive=exclusive, on_wait=self.waited.set):
            self.held.set()
            self.release.wait(30)


def test_runs_share_the_lock_and_up_or_down_waits_for_them(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    first, second = _Holder(registry, False), _Holder(registry, False)
    wait_for(lambda: first.held.is_set() and second.held.is_set(), timeout=10)
    assert not first.waited.is_set()
    assert not second.waited.is_set()  # two runs at once
    down = _Holder(registry, True)
    wait_for(down.waited.is_set, timeout=10, description="down to wait for the runs")
    assert not down.held.is_set()
    first.release.set()
    second.release.set()
    wait_for(down.held.is_set, timeout=10, description="down to get the lock")
    run = _Holder(registry, False)
    wait_for(run.waited.is_set, timeout=10, description="a run to wait for down")
    down.release.set()
    wait_for(run.held.is_set, timeout=10)
    run.release.set()


def test_a_waiter_on_a_removed_lock_file_starts_over_on_the_new_one(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    down = _Holder(registry, True)
    wait_for(down.held.is_set, timeout=10)
    up = _Holder(registry, True)
    wait_for(up.waited.is_set, timeout=10)
    registry.remove("p", lock_file=True)  # what down does before it lets go
    other = _Holder(registry, True)  # a third command arrives on a fresh lock file
    wait_for(other.held.is_set, timeout=10)
    down.release.set()
    down.thread.join(10)
    assert not up.held.is_set()  # woke on the removed file: waits on the new one, held by other
    other.release.set()
    wait_for(up.held.is_set, timeout=10)
    up.release.set()
