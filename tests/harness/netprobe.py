"""Connection probes from real pods: which of a set of TCP targets a pod with given labels reaches.

A probe pod (the runner image, restricted) tries every target in parallel, again and again, for
``WINDOW`` seconds and prints one JSON line: ``{"host:port": true | false}``, where true means
a connection succeeded in the window's last ``SETTLED`` seconds. kube-router programs a new
pod's rules a moment after it starts, and until then the pod's traffic is not yet judged by
them (either way): only the state after that moment counts, so early attempts are ignored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from floe_testing.core.polling import wait_for
from floe_testing.k8slocal.addons import RESTRICTED_CONTAINER

WINDOW = 15.0  # seconds each target is tried for
SETTLED = 5.0  # the last seconds of the window, when the pod's rules are surely in place
RESTRICTED_POD = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "seccompProfile": {"type": "RuntimeDefault"},
}
PROBE = """
import json, socket, sys, threading, time
targets, window, settled = json.loads(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
reached = {t: False for t in targets}
def attempt(target):
    host, port = target.rsplit(":", 1)
    start = time.monotonic()
    while time.monotonic() < start + window:
        counts = time.monotonic() >= start + window - settled
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            if counts:
                reached[target] = True
                return
        except OSError:
            pass
        threading.Event().wait(0.3)
threads = [threading.Thread(target=attempt, args=(t,)) for t in targets]
for thread in threads: thread.start()
for thread in threads: thread.join()
print("REACHED " + json.dumps(reached), flush=True)
"""


def probe_pod(
    namespace: str, name: str, image: str, labels: dict[str, str], targets: list[str]
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "securityContext": RESTRICTED_POD,
            "containers": [
                {
                    "name": "probe",
                    "image": image,
                    "imagePullPolicy": "Never",
                    "command": [
                        *("python", "-c", PROBE, json.dumps(targets)),
                        *(str(WINDOW), str(SETTLED)),
                    ],
                    "securityContext": RESTRICTED_CONTAINER,
                    "resources": {"limits": {"cpu": "200m", "memory": "128Mi"}},
                }
            ],
        },
    }


def reached(kubeconfig: Path, namespace: str, name: str, timeout: float = 120) -> dict[str, bool]:
    """The probe's result, once its pod ended (the pod is deleted afterwards)."""
    from harness.realcluster import kubectl

    def finished() -> str | None:
        got = kubectl(kubeconfig, "-n", namespace, "get", "pod", name, "-o", "json")
        phase = json.loads(got.stdout)["status"].get("phase") if got.returncode == 0 else None
        return phase if phase in ("Succeeded", "Failed") else None

    phase = wait_for(finished, timeout=timeout, interval=0.5, description=f"probe {name} to end")
    log = kubectl(kubeconfig, "-n", namespace, "logs", name).stdout
    kubectl(kubeconfig, "-n", namespace, "delete", "pod", name, "--wait=false")
    assert phase == "Succeeded", log
    line = next(line for line in log.splitlines() if line.startswith("REACHED "))
    result: dict[str, bool] = json.loads(line.removeprefix("REACHED "))
    return result
