"""The diagnostics bundle written on any failure, before anything is deleted.

``<results>/<tier>/diagnostics/``: ``SUMMARY.md`` (the likely cause first), ``events.txt``
(the namespace's events in time order), ``objects/`` (the Job and every pod as YAML) and
``logs/`` (every container of every pod in the namespace, platform services included, with
the previous instance of restarted containers). Each part is best effort: one failing read
is noted in the summary and never hides the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from floe_testing.tools.kube import Kube, Obj

_TAIL = 25


@dataclass
class Context:
    namespace: str
    job_name: str
    cause: str
    message: str
    hint: str
    shard_logs: dict[int, list[str]] = field(default_factory=dict)


def _yaml(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, width=100)


def _event_time(event: Obj) -> str:
    return str(
        event.get("lastTimestamp")
        or event.get("eventTime")
        or event.get("firstTimestamp")
        or (event.get("metadata") or {}).get("creationTimestamp")
        or ""
    )


def _event_line(event: Obj) -> str:
    involved = event.get("involvedObject") or {}
    return (
        f"{_event_time(event)}  {event.get('type', '')}  {event.get('reason', '')}  "
        f"{involved.get('kind', '')}/{involved.get('name', '')}: {event.get('message', '')}"
    )


def _pod_row(pod: Obj) -> str:
    status = pod.get("status") or {}
    states = []
    restarts = 0
    for container in status.get("containerStatuses") or []:
        restarts += int(container.get("restartCount") or 0)
        state = container.get("state") or {}
        for kind in ("waiting", "terminated"):
            if state.get(kind):
                detail = state[kind].get("reason", "")
                if kind == "terminated":
                    detail += f" exit {state[kind].get('exitCode')}"
                states.append(detail)
    reason = status.get("reason") or ", ".join(states) or ""
    return f"| {pod['metadata']['name']} | {status.get('phase', '')} | {reason} | {restarts} |"


class Bundle:
    def __init__(self, kube: Kube, folder: Path) -> None:
        self.kube, self.folder = kube, folder
        self.problems: list[str] = []

    def _guard(self, what: str, action: Any) -> Any:
        try:
            return action()
        except Exception as exc:
            self.problems.append(f"{what}: {type(exc).__name__}: {exc}")
            return None

    def write(self, ctx: Context) -> Path:
        (self.folder / "logs").mkdir(parents=True, exist_ok=True)
        (self.folder / "objects").mkdir(parents=True, exist_ok=True)
        pods: list[Obj] = (
            self._guard("list pods", lambda: self.kube.list("Pod", ctx.namespace)) or []
        )
        events: list[Obj] = (
            self._guard("list events", lambda: self.kube.list("Event", ctx.namespace)) or []
        )
        job = self._guard("get job", lambda: self.kube.get("Job", ctx.job_name, ctx.namespace))
        if job is not None:
            (self.folder / "objects" / f"job-{ctx.job_name}.yaml").write_text(_yaml(job))
        for pod in pods:
            name = pod["metadata"]["name"]
            (self.folder / "objects" / f"pod-{name}.yaml").write_text(_yaml(pod))
            self._pod_logs(pod, ctx.namespace)
        events.sort(key=_event_time)
        (self.folder / "events.txt").write_text("".join(_event_line(e) + "\n" for e in events))
        for index, lines in ctx.shard_logs.items():
            (self.folder / "logs" / f"shard-{index}.log").write_text("\n".join(lines) + "\n")
        (self.folder / "SUMMARY.md").write_text(self._summary(ctx, pods, events))
        return self.folder

    def _pod_logs(self, pod: Obj, namespace: str) -> None:
        name = pod["metadata"]["name"]
        for status in (pod.get("status") or {}).get("containerStatuses") or []:
            container = status.get("name")
            if not (status.get("state") or {}).get("waiting"):
                text = self._guard(
                    f"log of {name}/{container}",
                    lambda c=container: list(self.kube.log(name, namespace, container=c)),
                )
                if text is not None:
                    (self.folder / "logs" / f"{name}.{container}.log").write_text(
                        "\n".join(text) + "\n"
                    )
            if int(status.get("restartCount") or 0) > 0:
                text = self._guard(
                    f"previous log of {name}/{container}",
                    lambda c=container: list(
                        self.kube.log(name, namespace, container=c, previous=True)
                    ),
                )
                if text is not None:
                    (self.folder / "logs" / f"{name}.{container}.previous.log").write_text(
                        "\n".join(text) + "\n"
                    )

    def _summary(self, ctx: Context, pods: list[Obj], events: list[Obj]) -> str:
        lines = [
            "# floe-test diagnostics",
            "",
            f"**Likely cause ({ctx.cause}):** {ctx.message}",
            "",
            f"**Next step:** {ctx.hint}",
            "",
            f"Namespace `{ctx.namespace}`, Job `{ctx.job_name}`.",
            "",
            "## Pods",
            "",
            "| pod | phase | reason | restarts |",
            "|---|---|---|---|",
            *(_pod_row(p) for p in pods),
            "",
            "## Recent warning events",
            "",
            *[f"- {_event_line(e)}" for e in events if e.get("type") == "Warning"][-10:],
        ]
        for index, log in sorted(ctx.shard_logs.items()):
            tail = [line for line in log if not line.startswith("@@floe-results")][-_TAIL:]
            lines += ["", f"## Shard {index}: last {len(tail)} log lines", "", "```", *tail, "```"]
        if self.problems:
            lines += ["", "## Could not collect", "", *(f"- {p}" for p in self.problems)]
        lines += [
            "",
            "Files: `events.txt` (time order), `objects/` (Job and pods as YAML), `logs/`.",
        ]
        return "\n".join(lines) + "\n"
