"""Stand-in ``docker``, ``kind`` and ``helm`` executables for the kind and cluster backends.

Each is a small Python script placed first on PATH. It appends its argv to a JSON-lines call
log and behaves as the scenario in ``state.json`` says (daemon state, memory, image store,
clusters, failures). The stand-in ``kind`` hands out the emulated cluster's kubeconfig; the
stand-in ``helm`` creates the platform's Deployments (and, for a failure scenario, a broken
Pod) in the emulator through the kubeconfig it is given with lightkube, as a real chart
install would, and ``helm uninstall`` deletes them again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.paths import FLOE_TEST

_COMMON = r"""
import json, os, sys
from pathlib import Path
HOME = Path(os.environ["FAKE_HOME"])
STATE = json.loads((HOME / "state.json").read_text())
with open(HOME / "calls.jsonl", "a") as log:
    log.write(json.dumps([Path(sys.argv[0]).name, *sys.argv[1:]]) + "\n")
args = sys.argv[1:]
def fail(message, code=1):
    sys.stderr.write(message + "\n")
    sys.exit(code)
def opt(name):
    return args[args.index(name) + 1] if name in args else None
def fails(step):
    return step in STATE.get("fail", [])
"""

DOCKER = r"""
images = HOME / "images.txt"
known = images.read_text().split() if images.exists() else []
daemon = STATE.get("daemon", "up")
if args[:1] == ["version"]:
    if daemon == "down":
        fail("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
             "Is the docker daemon running?")
    if daemon == "denied":
        fail("permission denied while trying to connect to the Docker daemon socket")
    if daemon == "broken":
        fail("Error response from daemon: internal error: storage corrupted")
    print("28.2.2")
elif args[:1] == ["info"]:
    driver = [["driver-type", "io.containerd.snapshotter.v1"]] if STATE.get("containerd") else []
    print(json.dumps({"MemTotal": STATE.get("memory", 16 * 1024**3), "NCPU": 4,
                      "Architecture": "x86_64", "DriverStatus": driver}))
elif args[:2] == ["image", "inspect"]:
    sys.exit(0 if args[2] in known else 1)
elif args[:1] == ["build"]:
    if fails("build"):
        fail("ERROR: failed to solve: process did not complete successfully: exit code: 2")
    images.write_text("\n".join([*known, opt("--tag")]) + "\n")
elif args[:1] == ["save"]:
    Path(opt("--output")).write_bytes(b"archive of " + args[-1].encode())
elif args[:1] in (["push"], ["tag"]):
    pass
else:
    fail("stand-in docker: unexpected " + " ".join(args), 64)
"""

KIND = r"""
clusters = HOME / "clusters"
clusters.mkdir(exist_ok=True)
kubeconfig = lambda: Path(os.environ["FAKE_KUBECONFIG"]).read_text()
if args[:2] == ["get", "clusters"]:
    for c in sorted(clusters.iterdir()):
        print(c.name)
elif args[:2] == ["create", "cluster"]:
    if fails("create"):
        fail("ERROR: failed to create cluster: could not find a log line that matches")
    (clusters / opt("--name")).touch()
    Path(opt("--kubeconfig")).write_text(kubeconfig())
elif args[:2] == ["delete", "cluster"]:
    (clusters / opt("--name")).unlink(missing_ok=True)
elif args[:2] == ["get", "kubeconfig"]:
    print(kubeconfig(), end="")
elif args[:2] == ["load", "docker-image"] or args[:2] == ["load", "image-archive"]:
    if fails("load"):
        fail("ERROR: failed to load image: ctr: content digest sha256:abc: not found")
    if args[1] == "image-archive" and not Path(args[2]).is_file():
        fail("no such archive", 2)
else:
    fail("stand-in kind: unexpected " + " ".join(args), 64)
"""

HELM = r"""
def client():
    from lightkube import Client, KubeConfig
    config = KubeConfig.from_file(opt("--kubeconfig"))
    return Client(config.get(context_name=opt("--kube-context")) if opt("--kube-context")
                  else config)
namespace = opt("--namespace")
if args[:2] == ["upgrade", "--install"]:
    import yaml
    from lightkube import codecs
    values = [yaml.safe_load(Path(p).read_text())
              for i, p in enumerate(args) if args[i - 1] == "--values"]
    (HOME / "values.json").write_text(json.dumps(values))
    api = client()
    for name in STATE.get("workloads", ["dagster-webserver", "dagster-daemon"]):
        api.create(codecs.from_dict({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": name, "image": "x"}]}}},
            "status": {"replicas": 1, "readyReplicas": 0 if STATE.get("broken_pod") else 1}}))
    broken = STATE.get("broken_pod")
    if broken:
        api.create(codecs.from_dict({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "dagster-webserver-abc", "namespace": namespace},
            "spec": {"containers": [{"name": "webserver", "image": "floe-platform:x"}]},
            "status": {"phase": "Running", "containerStatuses": [{
                "name": "webserver", "image": "floe-platform:x", "imageID": "", "ready": False,
                "restartCount": 4, "state": {"waiting": {"reason": broken, "message": "back-off"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}}))
    if fails("helm"):
        fail("Error: INSTALLATION FAILED: chart requires kubeVersion >=1.29.0-0")
elif args[:1] == ["uninstall"]:
    from lightkube import ApiError
    from lightkube.resources.apps_v1 import Deployment
    api = client()
    for name in STATE.get("workloads", ["dagster-webserver", "dagster-daemon"]):
        try:
            api.delete(Deployment, name, namespace=namespace)
        except ApiError as exc:
            if exc.status.code != 404:
                raise
else:
    fail("stand-in helm: unexpected " + " ".join(args), 64)
"""


@dataclass
class StandIns:
    """The stand-ins' home: scenario, call log, and the PATH that puts them first."""

    home: Path
    bin: Path
    state: dict[str, Any] = field(default_factory=dict)

    def write_state(self) -> None:
        (self.home / "state.json").write_text(json.dumps(self.state))

    def set(self, **state: Any) -> None:
        self.state.update(state)
        self.write_state()

    def calls(self, tool: str | None = None) -> list[list[str]]:
        log = self.home / "calls.jsonl"
        if not log.exists():
            return []
        rows = [json.loads(line) for line in log.read_text().splitlines()]
        return [row for row in rows if tool is None or row[0] == tool]

    def add_cluster(self, name: str) -> None:
        (self.home / "clusters").mkdir(exist_ok=True)
        (self.home / "clusters" / name).touch()

    def clusters(self) -> list[str]:
        folder = self.home / "clusters"
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []

    def helm_values(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = json.loads((self.home / "values.json").read_text())
        return data

    def env(
        self, kubeconfig: Path | None = None, tools: tuple[str, ...] = ("docker", "kind", "helm")
    ) -> dict[str, str]:
        """An environment whose PATH has only the chosen stand-ins (and git, python)."""
        path = self.home / ("path-" + "-".join(tools) if tools else "path-none")
        path.mkdir(exist_ok=True)
        for tool in tools:
            link = path / tool
            if not link.exists():
                link.symlink_to(self.bin / tool)
        for real in ("git",):
            found = _which_real(real)
            if found and not (path / real).exists():
                (path / real).symlink_to(found)
        env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "KUBECONFIG")}
        env.update(
            PATH=str(path),
            FAKE_HOME=str(self.home),
            COLUMNS="400",
            FLOE_TEST_STATE_DIR=str(self.home / "floe-state"),
            FAKE_KUBECONFIG=str(kubeconfig or self.home / "no-kubeconfig"),
        )
        return env


def _which_real(name: str) -> str | None:
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def install(home: Path) -> StandIns:
    binary = home / "bin"
    binary.mkdir(parents=True)
    for name, body in (("docker", DOCKER), ("kind", KIND), ("helm", HELM)):
        script = binary / name
        script.write_text(f"#!{sys.executable}\n{_COMMON}\n{body}")
        script.chmod(0o755)
    standins = StandIns(home, binary)
    standins.write_state()
    return standins


REPO = Path(__file__).resolve().parents[2]


def floe_test(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FLOE_TEST), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
