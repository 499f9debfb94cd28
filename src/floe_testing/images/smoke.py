"""``scripts/images smoke``: the built images run the way the chart and the Job run them.

The chart (minimal profile, the integration tier's ``values-test.yaml``) is rendered and
its PostgreSQL StatefulSet and three Dagster Deployments become four containers on a
user-defined Docker network, reachable by their Service names (Docker's embedded DNS), with
the pods' security settings and volumes (``images.pods``); ``dagster.yaml`` is the chart's
ConfigMap as it is. PostgreSQL runs from the image ``scripts/images build`` makes from
Debian's packages (docker/postgresql.Dockerfile, the upstream image's contract), as on the
real cluster. Readiness is each container's own readinessProbe (httpGet and tcpSocket from
the host, exec through ``docker exec``). The Secret the pods read is generated per run and
reaches the containers through an ``--env-file`` (0600, removed afterwards): never on a
command line or in a log.

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

import httpx

from floe_testing.config.contract import endpoint_env
from floe_testing.config.load import load_project
from floe_testing.core.cache import cache_root
from floe_testing.core.errors import EXIT_INFRASTRUCTURE, InfrastructureError
from floe_testing.core.polling import tcp_open, wait_for
from floe_testing.deploy.chart.engine import chart_dir, render
from floe_testing.images.containers import run_to_completion
from floe_testing.images.pods import Manifest, tmpfs_options, translate
from floe_testing.jobs import results
from floe_testing.jobs.manifest import JobSpec, job_manifest
from floe_testing.protocol import frames
from floe_testing.tools.docker import BindMount, ContainerEngine, ContainerSession, ContainerSpec

VALUES = "values-test.yaml"
DATABASE = ("StatefulSet", "postgresql")
START_ORDER = (
    DATABASE,
    ("Deployment", "dagster-user-code"),
    ("Deployment", "dagster-webserver"),
    ("Deployment", "dagster-daemon"),
)
READY_TIMEOUT = 180.0
LABEL = "org.floe-test.smoke"


def smoke(
    engine: ContainerEngine,
    root: Path,
    runner: str,
    platform: str,
    postgresql: str,
    say: Callable[[str], None],
) -> int:
    """Platform up, suite in the runner container, everything removed; the suite's verdict."""
    project = load_project(root / "pyproject.toml")
    tier = project.config.first_platform_tier()
    profile = str(tier.profile)
    run_id = secrets.token_hex(4)
    docker = ContainerSession(engine, labels={LABEL: run_id}, prefix=f"floe-smoke-{run_id}")
    out = root / "test-results" / "images-smoke"
    shutil.rmtree(out, ignore_errors=True)
    (out / "logs").mkdir(parents=True)
    (cache_root() / "images").mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="smoke-", dir=cache_root() / "images"))
    work.chmod(0o755)
    try:
        network = docker.network()
        say(f"network {network}; platform containers from the chart's {profile} profile")
        images = {"platform": platform, "postgresql": postgresql}
        platform_up(docker, profile, images, work, say)
        env = endpoint_env(
            project.config.profile_services(tier.profile),
            {s.name: s.name for s in project.config.profile_services(tier.profile)},
            {},
        )
        spec = JobSpec.checked_in(project, tier.name)
        pod = job_manifest(spec)["spec"]["template"]["spec"]
        say(f"runner {runner}: the {tier.name} suite, Job settings, default command")
        result = run_runner(
            docker,
            runner,
            pod,
            {e.name: e.value for e in env},
            work,
            timeout=float(tier.timeout),
            say=say,
        )
        say(f"postgresql: {_stored_runs(docker)} Dagster runs stored")
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


def platform_up(
    docker: ContainerSession,
    profile: str,
    images: dict[str, str],
    work: Path,
    say: Callable[[str], None],
) -> None:
    """The chart's PostgreSQL, then its Dagster Deployments, each once its probe passes."""
    rendered = render(profile, [chart_dir() / VALUES])
    files = _configmap_files(rendered.get("ConfigMap", "dagster-instance"), work)
    keys = {"postgresql-credentials": {"username": "floe", "password": secrets.token_hex(16)}}
    for kind, name in START_ORDER:
        workload = rendered.get(kind, name)
        if workload is None:
            raise InfrastructureError(f"the chart renders no {kind} {name}", "check the chart")
        pod: Manifest = workload["spec"]["template"]["spec"]
        container = pod["containers"][0]
        run = translate(
            pod,
            container,
            name=docker.name(name),
            alias=name,
            image=images["postgresql" if (kind, name) == DATABASE else "platform"],
            files=files,
            volume_prefix=docker.prefix,
        )
        run.env_files.append(_secret_env_file(container, keys, work / f"{name}.env"))
        _start(docker, run, container, say)


def _stored_runs(docker: ContainerSession) -> int:
    """The runs the platform recorded in PostgreSQL: the suite's, if Dagster really used it."""
    query = "SELECT count(*) FROM runs"
    name = docker.name(DATABASE[1])
    return int(docker.exec(name, "sh", "-c", f'psql -tA -U "$POSTGRES_USER" -c "{query}"'))


def _secret_env_file(container: Manifest, keys: dict[str, dict[str, str]], path: Path) -> Path:
    """The container's ``secretKeyRef`` env with this run's values, as a 0600 env file."""
    lines = []
    for var in container.get("env") or []:
        ref = (var.get("valueFrom") or {}).get("secretKeyRef")
        if ref is None:
            continue
        try:
            lines.append(f"{var['name']}={keys[ref['name']][ref['key']]}")
        except KeyError:
            raise InfrastructureError(
                f"{container['name']} reads Secret {ref['name']} key {ref['key']}, which the "
                "smoke run does not provide",
                "add it to images/smoke.py's keys",
            ) from None
    path.touch(mode=0o600)
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def _configmap_files(configmap: Manifest | None, work: Path) -> dict[str, Path]:
    """The ConfigMap's keys as files the containers' users can read."""
    if configmap is None:
        raise InfrastructureError(
            "the chart renders no ConfigMap dagster-instance", "check the chart"
        )
    files: dict[str, Path] = {}
    for key, text in configmap["data"].items():
        path = work / "dagster-instance" / key
        path.parent.mkdir(exist_ok=True, mode=0o755)
        path.write_text(text, encoding="utf-8")
        path.chmod(0o644)
        files[f"dagster-instance/{key}"] = path
    return files


def _start(
    docker: ContainerSession, run: ContainerSpec, container: Manifest, say: Callable[[str], None]
) -> None:
    """Start a platform container and wait for its readiness probe, failing fast on exit."""
    for volume in run.volumes:
        docker.volume(volume.removeprefix(docker.prefix + "-"), tmpfs_options(10001, 10001))
    docker.start(run)
    ip = docker.ip(run.name)
    ready = _probe(container, ip, docker, run.name)

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


def _probe(container: Manifest, ip: str, docker: ContainerSession, name: str) -> Callable[[], bool]:
    """The container's readinessProbe: httpGet or tcpSocket from the host, exec inside it."""
    probe = container.get("readinessProbe") or {}
    if "exec" in probe:
        command = [str(part) for part in probe["exec"]["command"]]
        return lambda: docker.exec_succeeds(name, *command)
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
    docker: ContainerSession,
    image: str,
    pod: Manifest,
    env: dict[str, str],
    work: Path,
    *,
    timeout: float,
    say: Callable[[str], None],
    command: list[str] | None = None,
    extra_mounts: list[BindMount] | None = None,
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
    run.mounts.append(BindMount(termination, container["terminationMessagePath"]))
    run.mounts += extra_mounts or []
    run.command = command or []
    lines, code = run_to_completion(docker, run, timeout=timeout, say=say)
    return results.decode_shard(0, lines, {"message": termination.read_text(), "exitCode": code})
