"""Content tags, build skipping, image loading paths and the platform readiness wait (its pod
rules are the one classifier's: tests/unit/jobs/test_classify.py)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from floe_testing.core.errors import InfrastructureError
from floe_testing.deploy.readiness import Snapshot, wait_platform_ready
from floe_testing.images import build as images
from floe_testing.tools.command import Tool
from floe_testing.tools.docker import ContainerEngine, EngineInfo


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "a.py").write_text("A = 1\n")
    (root / "other.txt").write_text("not in the image\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "init")
    return root


def test_content_tag_follows_exactly_the_image_paths(repo: Path) -> None:
    clean = images.content_tag(repo, ["src"])
    assert clean.startswith("git-")
    assert images.content_tag(repo, ["src"]) == clean
    (repo / "other.txt").write_text("changed\n")
    assert images.content_tag(repo, ["src"]) == clean
    (repo / "src" / "a.py").write_text("A = 2\n")
    dirty = images.content_tag(repo, ["src"])
    assert dirty != clean
    (repo / "src" / "a.py").write_text("A = 1\n")
    assert images.content_tag(repo, ["src"]) == clean
    (repo / "src" / "new.py").write_text("B = 1\n")
    assert images.content_tag(repo, ["src"]) not in (clean, dirty)


def test_content_tag_without_git(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("A = 1\n")
    first = images.content_tag(tmp_path, ["src"])
    assert first.startswith("src-")
    (tmp_path / "src" / "a.py").write_text("A = 2\n")
    assert images.content_tag(tmp_path, ["src"]) != first


class FakeEngine(ContainerEngine):
    """The adapter with its image calls recorded instead of run; what depends only on which
    engine it is (docker or podman) is the adapter's own."""

    def __init__(self, name: str = "docker", ids: dict[str, str] | None = None) -> None:
        super().__init__(Tool(name, f"/nonexistent/{name}"))
        self.present: set[str] = set()
        self.calls: list[tuple[Any, ...]] = []
        self.labels: dict[str, dict[str, str]] = {}
        self.ids: dict[str, str] = dict(ids or {})

    def image_exists(self, ref: str) -> bool:
        return ref in self.present

    def image_label(self, ref: str, key: str) -> str | None:
        return self.labels.get(ref, {}).get(key)

    def image_id(self, ref: str) -> str | None:
        return self.ids.get(ref)

    def build(self, **kwargs: Any) -> None:  # type: ignore[override]
        self.calls.append(("build", kwargs["tag"], kwargs.get("build_args")))
        self.present.add(kwargs["tag"])
        self.labels[kwargs["tag"]] = kwargs["labels"]

    def save(self, ref: str, archive: Path, platform_name: str | None = None) -> None:
        self.calls.append(("save", ref, platform_name))
        archive.write_bytes(b"x")

    def push(self, ref: str) -> None:
        self.calls.append(("push", ref))


@dataclass
class FakeKind:
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def load_image(self, name: str, ref: str) -> None:
        self.calls.append(("load", ref))

    def load_archive(self, name: str, archive: Path) -> None:
        assert archive.is_file()
        self.calls.append(("archive", archive.name))


def test_build_skips_images_whose_tag_exists(repo: Path) -> None:
    spec = images.ImageSpec("floe-x", "Dockerfile", ("src",), "x")
    engine = FakeEngine()
    first = images.build_images(engine, repo, [spec])
    second = images.build_images(engine, repo, [spec])
    assert first[0].built
    assert not second[0].built
    assert first[0].ref == second[0].ref
    assert [c[0] for c in engine.calls] == ["build"]
    pushed = images.build_images(engine, repo, [spec], registry="localhost:5001")
    assert pushed[0].ref.startswith("localhost:5001/floe-x:git-")


def test_build_from_local_bases_rebuilds_when_a_base_image_changes(repo: Path) -> None:
    spec = images.ImageSpec("floe-x", "Dockerfile", ("src",), "x")
    engine = FakeEngine(ids={"local/python:1": "sha256:a", "local/uv:1": "sha256:u"})
    args = {"PYTHON_IMAGE": "local/python:1", "UV_IMAGE": "local/uv:1"}
    build = images.build_images
    assert build(engine, repo, [spec], build_args=args)[0].built
    assert not build(engine, repo, [spec], build_args=args)[0].built
    assert engine.calls[0][2] == args  # the bases reach the Dockerfile as build args
    engine.ids["local/python:1"] = "sha256:b"  # the base was rebuilt (e.g. a new CA bundle)
    assert build(engine, repo, [spec], build_args=args)[0].built
    assert build(engine, repo, [spec])[0].built  # upstream bases


@pytest.mark.parametrize(
    ("engine_name", "containerd", "registry", "expected"),
    [
        ("docker", False, None, [("load", "a:1")]),
        ("docker", True, None, [("archive", "image-0.tar")]),
        ("podman", False, None, [("archive", "image-0.tar")]),
        ("docker", False, "localhost:5001", []),
    ],
)
def test_load_paths(
    engine_name: str, containerd: bool, registry: str | None, expected: list[tuple[str, ...]]
) -> None:
    engine, kind = FakeEngine(name=engine_name), FakeKind()
    info = EngineInfo(8 * 1024**3, 4, "aarch64", containerd)
    done = images.load_images(engine, info, kind, "floe-dev", ["a:1"], registry)  # type: ignore[arg-type]
    assert kind.calls == expected
    if containerd:
        assert engine.calls == [("save", "a:1", "linux/arm64")]
        assert done == "docker save --platform linux/arm64 | kind load image-archive"
    if engine_name == "podman":  # podman's save is single-platform already
        assert engine.calls == [("save", "a:1", None)]
        assert done == "podman save | kind load image-archive"
    if registry:
        assert engine.calls == [("push", "a:1")]


def _pod(waiting: str | None = None, restarts: int = 0, **status: Any) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "c",
        "image": "i",
        "restartCount": restarts,
        "state": {"waiting": {"reason": waiting}} if waiting else {},
    }
    return {"metadata": {"name": "p"}, "status": {"containerStatuses": [container], **status}}


@dataclass
class FakeInstall:
    finished_after: int = 0
    polls: int = 0
    cancelled: bool = False
    error: Exception | None = None

    def done(self) -> bool:
        self.polls += 1
        return self.polls > self.finished_after

    def result(self) -> None:
        if self.error:
            raise self.error

    def cancel(self) -> None:
        self.cancelled = True


READY = {
    "kind": "Deployment",
    "metadata": {"name": "w"},
    "spec": {"replicas": 1},
    "status": {"readyReplicas": 1},
}
NOT_READY = {**READY, "status": {}}


def test_ready_needs_install_done_and_every_workload_ready() -> None:
    snapshots = iter(
        [Snapshot([], []), Snapshot([], [NOT_READY]), Snapshot([], [READY]), Snapshot([], [READY])]
    )
    install = FakeInstall(finished_after=2)
    wait_platform_ready(lambda: next(snapshots), install, timeout=5, interval=0.01)
    assert not install.cancelled


def test_fatal_pod_cancels_the_install() -> None:
    install = FakeInstall(finished_after=100)
    with pytest.raises(InfrastructureError, match="InvalidImageName"):
        wait_platform_ready(
            lambda: Snapshot([_pod("InvalidImageName")], [NOT_READY]),
            install,
            timeout=5,
            interval=0.01,
        )
    assert install.cancelled


def test_timeout_lists_what_was_pending() -> None:
    install = FakeInstall(finished_after=0)
    with pytest.raises(InfrastructureError, match="Deployment/w") as caught:
        wait_platform_ready(lambda: Snapshot([], [NOT_READY]), install, timeout=0.05, interval=0.01)
    assert caught.value.cause == "platform-timeout"
    assert install.cancelled


def _live_pod(name: str, **container: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "status": {"phase": "Running", "containerStatuses": [{"name": "main", **container}]},
    }


def test_timeout_says_which_container_is_not_ready_and_why() -> None:
    pods = [
        _live_pod("daemon-1", ready=False, started=False, state={"running": {}}),
        _live_pod("web-1", ready=False, started=True, state={"running": {}}),
        _live_pod("cube-1", ready=False, state={"waiting": {"reason": "ContainerCreating"}}),
        _live_pod("pg-0", ready=True, started=True, state={"running": {}}),
        {"metadata": {"name": "hook-1"}, "status": {"phase": "Succeeded"}},
    ]
    install = FakeInstall(finished_after=0)
    with pytest.raises(InfrastructureError) as caught:
        wait_platform_ready(
            lambda: Snapshot(pods, [NOT_READY]), install, timeout=0.05, interval=0.01
        )
    message = caught.value.message
    assert message.endswith(
        "still waiting for: Deployment/w; not ready: daemon-1 (main: startup probe not passed), "
        "web-1 (main: readiness probe failing), cube-1 (main: ContainerCreating)"
    )
    assert "timeoutSeconds" in caught.value.hint
    assert caught.value.cause == "platform-timeout"


def test_timeout_without_a_pending_startup_probe_keeps_the_pull_hint() -> None:
    pods = [_live_pod("cube-1", ready=False, state={"waiting": {"reason": "ContainerCreating"}})]
    install = FakeInstall(finished_after=0)
    with pytest.raises(InfrastructureError) as caught:
        wait_platform_ready(
            lambda: Snapshot(pods, [NOT_READY]), install, timeout=0.05, interval=0.01
        )
    assert "longer --timeout" in caught.value.hint
