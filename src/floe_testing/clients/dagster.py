"""A small Dagster GraphQL client: launch a job, poll its run, read what it produced.

Speaks only HTTP (httpx), so the same code runs on a laptop and inside a test Job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from floe_testing.core.polling import wait_for

DEFAULT_LOCATION = "floe_demo"
DEFAULT_REPOSITORY = "__repository__"
TERMINAL_STATUSES = frozenset({"SUCCESS", "FAILURE", "CANCELED"})


class DagsterGraphQLError(RuntimeError):
    """The server answered with GraphQL errors or an error union member."""


@dataclass(frozen=True)
class LocationStatus:
    name: str
    load_status: str
    error: str | None


@dataclass(frozen=True)
class FinishedRun:
    """A run that reached a terminal status."""

    run_id: str
    status: str


@dataclass(frozen=True)
class CheckResult:
    asset: str
    name: str
    status: str
    passed: bool | None
    metadata: dict[str, Any] = field(default_factory=dict)


_WORKSPACE = """
query Workspace {
  workspaceOrError {
    __typename
    ... on Workspace { locationEntries { name loadStatus
        locationOrLoadError { __typename ... on PythonError { message } } } }
    ... on PythonError { message }
  }
}"""

_RELOAD = """
mutation Reload($name: String!) {
  reloadRepositoryLocation(repositoryLocationName: $name) {
    __typename
    ... on WorkspaceLocationEntry { name loadStatus
        locationOrLoadError { __typename ... on PythonError { message } } }
    ... on PythonError { message }
    ... on ReloadNotSupported { message }
    ... on RepositoryLocationNotFound { message }
    ... on UnauthorizedError { message }
  }
}"""

_DAEMONS = """
query Daemons { instance { daemonHealth { allDaemonStatuses {
  daemonType healthy required lastHeartbeatErrors { message } } } } }"""

_LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on InvalidSubsetError { message }
    ... on PipelineNotFoundError { message }
    ... on RunConflict { message }
    ... on UnauthorizedError { message }
  }
}"""

_RUN = """
query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { status
      assetMaterializations { assetKey { path }
        metadataEntries { label __typename
          ... on IntMetadataEntry { intValue }
          ... on FloatMetadataEntry { floatValue }
          ... on TextMetadataEntry { text } } } }
    ... on RunNotFoundError { message }
    ... on PythonError { message }
  }
}"""

_EVENTS = """
query Events($runId: ID!, $cursor: String) {
  logsForRun(runId: $runId, afterCursor: $cursor) {
    __typename
    ... on EventConnection { cursor hasMore events { __typename
      ... on MessageEvent { message }
      ... on ExecutionStepFailureEvent { stepKey error { message cause { message } } }
      ... on RunFailureEvent { error { message cause { message } } }
      ... on AssetCheckEvaluationEvent { evaluation { checkName success
          assetKey { path }
          metadataEntries { label __typename ... on IntMetadataEntry { intValue } } } } } }
    ... on PythonError { message }
    ... on RunNotFoundError { message }
  }
}"""


class DagsterClient:
    """GraphQL over HTTP against the Dagster webserver at ``base_url``."""

    def __init__(
        self,
        base_url: str,
        location: str = DEFAULT_LOCATION,
        repository: str = DEFAULT_REPOSITORY,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.location = location
        self.repository = repository
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DagsterClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def query(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self._http.post("/graphql", json={"query": document, "variables": variables})
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        if body.get("errors"):
            raise DagsterGraphQLError("; ".join(e.get("message", "?") for e in body["errors"]))
        data: dict[str, Any] = body["data"]
        return data

    def server_info(self) -> dict[str, Any]:
        response = self._http.get("/server_info")
        response.raise_for_status()
        info: dict[str, Any] = response.json()
        return info

    def locations(self) -> list[LocationStatus]:
        result = self.query(_WORKSPACE)["workspaceOrError"]
        if result["__typename"] != "Workspace":
            raise DagsterGraphQLError(result.get("message", result["__typename"]))
        return [_location_status(entry) for entry in result["locationEntries"]]

    def reload_location(self, name: str) -> LocationStatus:
        """Ask the webserver to reconnect to a code location and report how that went."""
        entry = self.query(_RELOAD, {"name": name})["reloadRepositoryLocation"]
        if entry["__typename"] != "WorkspaceLocationEntry":
            raise DagsterGraphQLError(entry.get("message", entry["__typename"]))
        return _location_status(entry)

    def daemon_health(self) -> dict[str, bool]:
        """Health of each required daemon, by daemon type."""
        statuses = self.query(_DAEMONS)["instance"]["daemonHealth"]["allDaemonStatuses"]
        return {s["daemonType"]: bool(s["healthy"]) for s in statuses if s["required"]}

    def launch_job(self, job_name: str, run_config: dict[str, Any] | None = None) -> str:
        params = {
            "selector": {
                "repositoryLocationName": self.location,
                "repositoryName": self.repository,
                "jobName": job_name,
            },
            "runConfigData": run_config or {},
        }
        result = self.query(_LAUNCH, {"params": params})["launchRun"]
        if result["__typename"] != "LaunchRunSuccess":
            detail = result.get("message") or "; ".join(
                e["message"] for e in result.get("errors", [])
            )
            raise DagsterGraphQLError(
                f"launching {job_name} failed: {result['__typename']}: {detail}"
            )
        run_id: str = result["run"]["runId"]
        return run_id

    def _run(self, run_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.query(_RUN, {"runId": run_id})["runOrError"]
        if result["__typename"] != "Run":
            raise DagsterGraphQLError(result.get("message", result["__typename"]))
        return result

    def run_status(self, run_id: str) -> str:
        status: str = self._run(run_id)["status"]
        return status

    def wait_for_run(self, run_id: str, timeout: float = 120.0) -> str:
        """Poll until the run reaches a terminal status; returns it."""
        return wait_for(
            lambda: s if (s := self.run_status(run_id)) in TERMINAL_STATUSES else None,
            timeout=timeout,
            interval=0.25,
            description=f"Dagster run {run_id} to finish",
        )

    def materializations(self, run_id: str) -> dict[str, dict[str, Any]]:
        """Metadata of each asset the run materialized, keyed by ``/``-joined asset key."""
        found: dict[str, dict[str, Any]] = {}
        for event in self._run(run_id)["assetMaterializations"]:
            key = "/".join(event["assetKey"]["path"])
            found[key] = {entry["label"]: _entry_value(entry) for entry in event["metadataEntries"]}
        return found

    def _events(self, run_id: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = self.query(_EVENTS, {"runId": run_id, "cursor": cursor})["logsForRun"]
            if page["__typename"] != "EventConnection":
                raise DagsterGraphQLError(page.get("message", page["__typename"]))
            events.extend(page["events"])
            cursor = page["cursor"]
            if not page["hasMore"]:
                return events

    def asset_check_results(self, run_id: str) -> list[CheckResult]:
        results = []
        for event in self._events(run_id):
            if event["__typename"] != "AssetCheckEvaluationEvent":
                continue
            evaluation = event["evaluation"]
            results.append(
                CheckResult(
                    asset="/".join(evaluation["assetKey"]["path"]),
                    name=evaluation["checkName"],
                    status="SUCCEEDED" if evaluation["success"] else "FAILED",
                    passed=bool(evaluation["success"]),
                    metadata={e["label"]: _entry_value(e) for e in evaluation["metadataEntries"]},
                )
            )
        return results

    def run_failure_messages(self, run_id: str) -> list[str]:
        """Error messages of failed steps and of the run failure, in event order."""
        messages = []
        for event in self._events(run_id):
            if event["__typename"] in ("ExecutionStepFailureEvent", "RunFailureEvent"):
                error = event.get("error") or {}
                cause = (error.get("cause") or {}).get("message")
                text = error.get("message") or event.get("message") or ""
                messages.append(f"{text.strip()} caused by: {cause.strip()}" if cause else text)
        return messages


def _location_status(entry: dict[str, Any]) -> LocationStatus:
    return LocationStatus(
        name=entry["name"],
        load_status=entry["loadStatus"],
        error=(entry.get("locationOrLoadError") or {}).get("message"),
    )


def _entry_value(entry: dict[str, Any]) -> Any:
    for key in ("intValue", "floatValue", "text"):
        if key in entry:
            return entry[key]
    return None
