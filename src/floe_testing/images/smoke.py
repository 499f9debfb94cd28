"""``scripts/images smoke``: the built images run the way the chart and the Job run them.

The chart (minimal profile) is rendered and its three Dagster Deployments become three
containers on a user-defined Docker network, reachable by their Service names (Docker's
embedded DNS), with the pods' security settings and volumes (``images.pods``). One change,
stated: PostgreSQL (the chart's ``postgres`` image cannot be pulled here) is replaced by
Dagster's SQLite storage on a volume the three containers share; ``dagster.yaml`` is
otherwise the chart's ConfigMap.

Then the runner image runs with the test Job's pod settings (uid 10001, read-only root,
capabilities dropped, no privilege escalation, tmpfs ``/tmp`` and ``/results``) and the
contract's env pointing at the containers' DNS names, with its default command. Its results
come back through the pod-log framing the cluster backend reads
(``cluster.results.decode_shard``) and land in ``test-results/images-smoke/junit.xml``.
Everything started is removed afterwards, whatever happened.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml

from floe_testing.chart.engine import render
from floe_testing.cluster import frames, results
from floe_testing.cluster.manifest import JobSpec, job_manifest
from floe_testing.config.load import load_project
from floe_testing.contract import endpoint_env
from floe_testing.errors import EXIT_INFRASTRUCTURE, InfrastructureError
from floe_testing.images.base import cache_root
from floe_testing.images.docker import Docker, run_to_completion
from floe_testing.images.pods import ContainerRun, Manifest, tmpfs_options, translate
from floe_testing.polling import tcp_open, wait_for

TIER = "integration"
PROFILE = "minimal"
STORAGE_PATH = "/var/lib/dagster-storage"
START_ORDER = ("dagster-user-code", "dagster-webserver", "dagster-daemon")
READY_TIMEOUT = 180.0
LABEL = "org.floe-test.smoke"


def smoke(root: Path, runner: str, platform: str, say: Callable[[str], None]) -> int:
    """Platform up, suite in the runner container, everything removed; the suite's verdict."""
    project = load_project(root / "pyproject.toml")
    tier = project.config.tiers[TIER]
    run_id = secrets.token_hex(4)
    docker = Docker.find(labels={LABEL: run_id}, prefix=f"floe-smoke-{run_id}")
    out = root / "test-results" / "images-smoke"
    shutil.rmtree(out, ignore_errors=True)
    (out / "logs").mkdir(parents=True)
    (cache_root() / "images").mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="smoke-", dir=cache_root() / "images"))
    work.chmod(0o755)
    try:
        network = docker.network()
        say(f"network {network}; platform containers from the chart's {PROFILE} profile")
        platform_up(docker, platform, work, say)
        env = endpoint_env(
            project.config.profile_services(tier.profile),
            {s.name: s.name for s in project.config.profile_services(tier.profile)},
            {},
        )
        spec = JobSpec.checked_in(project, TIER)
        pod = job_manifest(spec)["spec"]["template"]["spec"]
        say(f"runner {runner}: the {TIER} suite, Job settings, default command")
        result = run_runner(
            docker,
            runner,
            pod,
            {e.name: e.value for e in env},
            work,
            timeout=float(tier.timeout),
            say=say,
        )
        verdict = results.write([result], out, out / "junit.xml")
        say(f"JUnit: {out / 'junit.xml'} (pytest status {result.exit_status})")
        if verdict.exit_status in (0, 1):
            return verdict.exit_status
        say(f"the suite did not give a verdict (pytest status {verdict.exit_status})")
        return EXIT_INFRASTRUCTURE
    finally:
        docker.save_logs(out / "logs")
        left = docker.remove_all()
        shutil.rmtree(work, ignore_errors=True)
        say(f"removed {left}")


def platform_up(docker: Docker, image: str, work: Path, say: Callable[[str], None]) -> None:
    rendered = render(PROFILE)
    files = _configmap_files(rendered.get("ConfigMap", "dagster-instance"), work)
    storage = docker.volume("dagster-storage", tmpfs_options(10001, 10001))
    for name in START_ORDER:
        deployment = rendered.get("Deployment", name)
        if deployment is None:
            raise InfrastructureError(f"the chart renders no Deployment {name}", "check the chart")
        pod: Manifest = deployment["spec"]["template"]["spec"]
        container = pod["containers"][0]
        run = translate(
            pod,
            container,
            name=docker.name(name),
            alias=name,
            image=image,
            files=files,
            volume_prefix=docker.prefix,
        )
        run.args += ["--mount", f"type=volume,source={storage},destination={STORAGE_PATH}"]
        _start(docker, run, container, say)


def _configmap_files(configmap: Manifest | None, work: Path) -> dict[str, Path]:
    """The ConfigMap's keys as files; dagster.yaml's PostgreSQL storage becomes SQLite."""
    if configmap is None:
        raise InfrastructureError(
            "the chart renders no ConfigMap dagster-instance", "check the chart"
        )
    files: dict[str, Path] = {}
    for key, text in configmap["data"].items():
        if key == "dagster.yaml":
            instance: dict[str, Any] = yaml.safe_load(text)
            instance["storage"] = {"sqlite": {"base_dir": STORAGE_PATH}}
            text = yaml.safe_dump(instance, sort_keys=False)
        path = work / "dagster-instance" / key
        path.parent.mkdir(exist_ok=True, mode=0o755)
        path.write_text(text, encoding="utf-8")
        path.chmod(0o644)
        files[f"dagster-instance/{key}"] = path
    return files


def _start(
    docker: Docker, run: ContainerRun, container: Manifest, say: Callable[[str], None]
) -> None:
    """Start a platform container and wait for its readiness probe, failing fast on exit."""
    for volume in run.volumes:
        docker.volume(volume.removeprefix(docker.prefix + "-"), tmpfs_options(10001, 10001))
    docker.start(run)
    ip = docker.ip(run.name)
    ready = _probe(container, ip)

    def condition() -> bool | None:
        if not docker.running(run.name):
            raise InfrastructureError(
                f"{run.alias} exited while starting:\n{docker.logs_tail(run.name)}",
                "its whole log is in test-results/images-smoke/logs/",
                cause="crash",
            )
        return True if ready() else None

    wait_for(
        condition,
        timeout=READY_TIMEOUT,
        description=f"{run.alias} ready",
        retry_on=(OSError, httpx.HTTPError),
    )
    say(f"{run.alias}: ready ({ip})")


def _probe(container: Manifest, ip: str) -> Callable[[], bool]:
    """The container's readinessProbe (httpGet or tcpSocket) as a check from the host."""
    probe = container.get("readinessProbe") or {}
    ports = {p["name"]: p["containerPort"] for p in container.get("ports") or []}
    if "httpGet" in probe:
        port = ports.get(probe["httpGet"]["port"], probe["httpGet"]["port"])
        url = f"http://{ip}:{port}{probe['httpGet'].get('path', '/')}"
        return lambda: httpx.get(url, timeout=2.0).status_code == 200
    if "tcpSocket" in probe:
        port = int(ports.get(probe["tcpSocket"]["port"], probe["tcpSocket"]["port"]))
        return lambda: tcp_open(ip, port, timeout=1.0)
    return lambda: True  # no readiness probe (the daemon): running is ready


def run_runner(
    docker: Docker,
    image: str,
    pod: Manifest,
    env: dict[str, str],
    work: Path,
    *,
    timeout: float,
    say: Callable[[str], None],
    command: list[str] | None = None,
    extra_args: list[str] | None = None,
) -> frames.ShardResult:
    """The runner container with the Job's pod settings; its shard result from the log."""
    container = pod["containers"][0]
    run = translate(
        pod,
        container,
        name=docker.name("runner"),
        alias="floe-test-runner",
        image=image,
        files={},
        volume_prefix=docker.prefix,
        default_command=True,
        env=env,
    )
    termination = work / "termination-log"
    termination.write_text("")
    termination.chmod(0o666)
    run.args += [
        "--mount",
        f"type=bind,source={termination},destination={container['terminationMessagePath']}",
    ]
    run.args += extra_args or []
    run.command = command or []
    lines, code = run_to_completion(docker, run, timeout=timeout, say=say)
    return results.decode_shard(0, lines, {"message": termination.read_text(), "exitCode": code})
