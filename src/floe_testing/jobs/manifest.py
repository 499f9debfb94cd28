"""The one generator of test-runner manifests: what a run submits, what ``floe-test manifest``
prints, and the checked-in ``tests/<tier>/test-job.yaml`` (a unit test fails when they drift).

Container command contract: the command and args name no absolute path inside the image.
``python -m floe_testing.runner.pod_runner`` resolves ``python`` on the image's PATH (the
venv's ``bin``) and the suite relative to the image's working directory (the repository
root), so the very same command also runs from a checkout (the test harness does exactly
that). Keep it that way: no ``/app/.venv/bin/...`` here.

Seed semantics kept: ``backoffLimit: 0``, ``ttlSecondsAfterFinished: 3600``,
``restartPolicy: Never``, contract env with cluster-DNS hosts, a ``/results`` emptyDir,
pytest writing JUnit. Added: ``activeDeadlineSeconds`` from the tier's timeout, the tier's
resources, the restricted security profile (read-only root with emptyDirs for ``/tmp`` and
``/results``), a token-less ServiceAccount, recommended labels with run id and tier, and
``--shards N`` as an Indexed Job with ``backoffLimitPerIndex: 0`` instead of ``backoffLimit: 0``
(no retries either way): the runner exits non-zero when its tests fail (the Job ends Failed,
as a user of ``kubectl apply`` expects), and a Job-wide ``backoffLimit: 0`` would make the Job
controller stop every other shard at the first failing one. Recorded test durations (from
the previous run's ``durations.json``) travel in ``$FLOE_TEST_DURATIONS`` so the shards split
by time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from floe_testing.config import labels
from floe_testing.config.contract import cluster_env, secret_refs, setting_refs
from floe_testing.protocol.shards import ENV_DURATIONS

if TYPE_CHECKING:
    from floe_testing.config import Project, Service, Tier
    from floe_testing.plan import RunPlan

DEFAULT_IMAGE = "ghcr.io/floe/test-runner:latest"
CHECKED_IN_NAMESPACE = "floe-test"
CHECKED_IN_RUN_ID = "checked-in"
RESULTS_PATH = "/results"
TMP_PATH = "/tmp"  # noqa: S108 - an emptyDir mount inside the pod, not a host path
TERMINATION_LOG = "/dev/termination-log"
TTL_SECONDS = 3600
RUNNER_MODULE = "floe_testing.runner.pod_runner"
MAX_NAME = 63


@dataclass(frozen=True)
class JobSpec:
    """Everything a test Job depends on; ``from_plan`` and ``checked_in`` build it."""

    tier: Tier
    services: tuple[Service, ...]
    run_id: str
    namespace: str
    image: str
    shards: int
    suite: str
    timeout: int
    pytest_args: tuple[str, ...] = ()
    job_name: str = ""
    durations: tuple[tuple[str, float], ...] = ()
    settings: tuple[tuple[str, str], ...] = ()  # the tier's env and --env

    @classmethod
    def from_plan(cls, plan: RunPlan, namespace: str) -> JobSpec:
        from floe_testing.protocol.shards import recorded_durations

        durations = recorded_durations(plan.results_dir) if plan.shards > 1 else {}
        return cls(
            tier=plan.tier,
            services=plan.services,
            run_id=plan.run_id,
            namespace=namespace,
            image=plan.cluster.image or DEFAULT_IMAGE,
            shards=plan.shards,
            suite=plan.suite_arg,
            timeout=plan.timeout,
            pytest_args=plan.pytest_args,
            job_name=f"floe-{plan.tier.name}-tests-{plan.run_id}"[:MAX_NAME],
            durations=tuple(sorted(durations.items())),
            settings=plan.env,
        )

    @classmethod
    def checked_in(cls, project: Project, tier_name: str) -> JobSpec:
        """The form committed as ``<tier path>/test-job.yaml`` for ``kubectl apply -f``."""
        tier = project.config.tiers[tier_name]
        return cls(
            tier=tier,
            services=project.config.profile_services(tier.profile),
            run_id=CHECKED_IN_RUN_ID,
            namespace=CHECKED_IN_NAMESPACE,
            image=DEFAULT_IMAGE,
            shards=tier.shards,
            suite=tier.path,
            timeout=tier.timeout,
            job_name=f"floe-{tier.name}-tests",
            settings=tuple(sorted(tier.env.items())),
        )


def namespace_name(prefix: str, tier: str, run_id: str) -> str:
    """``<prefix>-<tier>-<run id>``, shortened (never the run id) to a 63-character label."""
    keep = MAX_NAME - len(run_id) - 1
    head = f"{prefix}-{tier}"[:keep].rstrip("-")
    return f"{head}-{run_id}"


PSA_MODES = ("enforce", "audit", "warn")


def namespace_manifest(
    name: str, run_id: str, tier: str, pod_security: str = "restricted"
) -> dict[str, Any]:
    """The run's namespace, Pod Security admission at ``pod_security`` in every mode."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "labels": {
                **labels.runner_labels(run_id, tier),
                **{f"pod-security.kubernetes.io/{mode}": pod_security for mode in PSA_MODES},
            },
        },
    }


def service_account_manifest(spec: JobSpec) -> dict[str, Any]:
    """No token: the runner needs no API access (results go out through the log)."""
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": labels.RUNNER_SERVICE_ACCOUNT,
            "namespace": spec.namespace,
            "labels": labels.runner_labels(spec.run_id, spec.tier.name),
        },
        "automountServiceAccountToken": False,
    }


def _env(spec: JobSpec) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [
        {"name": var.name, "value": var.value} for var in cluster_env(spec.services, spec.namespace)
    ]
    env += [
        {
            "name": ref.env,
            "valueFrom": {"secretKeyRef": {"name": ref.secret, "key": ref.key}},
        }
        for ref in secret_refs(spec.services)
    ]
    env += [
        {
            "name": ref.env,
            "valueFrom": {
                "configMapKeyRef": {"name": ref.config_map, "key": ref.key, "optional": True}
            },
        }
        for ref in setting_refs(spec.services)
    ]
    env += [{"name": name, "value": value} for name, value in spec.settings]
    env += [
        {"name": "FLOE_TEST_TIER", "value": spec.tier.name},
        {"name": "FLOE_TEST_RUN_ID", "value": spec.run_id},
        {"name": "FLOE_TERMINATION_LOG", "value": TERMINATION_LOG},
        {"name": "HOME", "value": TMP_PATH},
        {"name": "TMPDIR", "value": TMP_PATH},
        {"name": "PYTHONUNBUFFERED", "value": "1"},
        {"name": "PYTHONDONTWRITEBYTECODE", "value": "1"},
    ]
    if spec.durations:
        recorded = {test: round(seconds, 3) for test, seconds in spec.durations}
        text = json.dumps(recorded, separators=(",", ":"), sort_keys=True)
        env.append({"name": ENV_DURATIONS, "value": text})
    return env


def _container(spec: JobSpec) -> dict[str, Any]:
    resources = spec.tier.resources
    return {
        "name": labels.RUNNER_CONTAINER,
        "image": spec.image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["python", "-m", RUNNER_MODULE],
        "args": [
            "--suite",
            spec.suite,
            "--results-dir",
            RESULTS_PATH,
            "--shards",
            str(spec.shards),
            "--",
            "-v",
            *spec.pytest_args,
        ],
        "env": _env(spec),
        "resources": {
            "requests": {"cpu": resources.requests.cpu, "memory": resources.requests.memory},
            "limits": {"cpu": resources.limits.cpu, "memory": resources.limits.memory},
        },
        "securityContext": {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "terminationMessagePath": TERMINATION_LOG,
        "terminationMessagePolicy": "FallbackToLogsOnError",
        "volumeMounts": [
            {"name": "results", "mountPath": RESULTS_PATH},
            {"name": "tmp", "mountPath": TMP_PATH},
        ],
    }


def job_manifest(spec: JobSpec) -> dict[str, Any]:
    run_labels = labels.runner_labels(spec.run_id, spec.tier.name)
    job_spec: dict[str, Any] = {
        "backoffLimit": 0,
        "ttlSecondsAfterFinished": TTL_SECONDS,
        "activeDeadlineSeconds": spec.timeout,
    }
    if spec.shards > 1:
        del job_spec["backoffLimit"]  # see the module docstring: no retries, per index
        job_spec |= {
            "completionMode": "Indexed",
            "completions": spec.shards,
            "parallelism": spec.shards,
            "backoffLimitPerIndex": 0,
        }
    job_spec["template"] = {
        "metadata": {"labels": run_labels},
        "spec": {
            "restartPolicy": "Never",
            "serviceAccountName": labels.RUNNER_SERVICE_ACCOUNT,
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": labels.RUNNER_UID,
                "runAsGroup": labels.RUNNER_GID,
                "fsGroup": labels.RUNNER_GID,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [_container(spec)],
            "volumes": [
                {"name": "results", "emptyDir": {}},
                {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}},
            ],
        },
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": spec.job_name, "namespace": spec.namespace, "labels": run_labels},
        "spec": job_spec,
    }


def run_manifests(
    spec: JobSpec, *, create_namespace: bool, pod_security: str = "restricted"
) -> list[dict[str, Any]]:
    """What a run submits, in order: [Namespace,] ServiceAccount, Job."""
    docs = [service_account_manifest(spec), job_manifest(spec)]
    if create_namespace:
        docs.insert(
            0, namespace_manifest(spec.namespace, spec.run_id, spec.tier.name, pod_security)
        )
    return docs


def to_yaml(docs: list[dict[str, Any]], header: str = "") -> str:
    import yaml

    class _NoAliases(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    body = yaml.dump_all(docs, Dumper=_NoAliases, sort_keys=False, explicit_start=True, width=100)
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    return ("\n".join(lines) + "\n" if lines else "") + body


def checked_in_yaml(project: Project, tier_name: str) -> str:
    spec = JobSpec.checked_in(project, tier_name)
    header = (
        f"Generated by `floe-test manifest {tier_name} --checked-in`; do not edit by hand.\n"
        f"Apply into the namespace where the platform runs ({CHECKED_IN_NAMESPACE}):\n"
        f"  kubectl apply -f {spec.tier.path}/test-job.yaml\n"
        f"  kubectl logs -f job/{spec.job_name}\n"
        "`floe-test run` submits the same Job with a fresh namespace and run id."
    )
    return to_yaml(run_manifests(spec, create_namespace=False), header)
