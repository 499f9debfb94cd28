"""The workflows, Dockerfiles and Kind config: they parse, and say what they must."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from floe_testing.config import load_project
from floe_testing.config.labels import RUNNER_GID, RUNNER_UID

REPO = Path(__file__).resolve().parents[4]
# recent typer vendors click as typer._click; fall back to click for older typer
_EXCEPTIONS = (
    "typer._click.exceptions" if importlib.util.find_spec("typer._click") else ("click.exceptions")
)
CliUsageError: type[Exception] = importlib.import_module(_EXCEPTIONS).UsageError
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def _workflow(name: str) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load((REPO / ".github" / "workflows" / name).read_text())
    return data


def _floe_test_commands(workflow: dict[Any, Any]) -> list[tuple[str, dict[str, Any], list[str]]]:
    """(job, step, argv after ``floe-test``) for every floe-test call of every run step."""
    found = []
    for job_name, job in workflow["jobs"].items():
        for step in job["steps"]:
            script = step.get("run", "")
            script = re.sub(r"\$\{\{[^}]*\}\}", "X", script)
            for line in script.replace("\\\n", " ").splitlines():
                if "floe-test " not in line:
                    continue
                words = shlex.split(line.replace('"', ""))
                found.append((job_name, step, words[words.index("floe-test") + 1 :]))
    return found


def _parse_cli(argv: list[str]) -> Any:
    """Parse ``argv`` with the real CLI (no command runs); returns the leaf command."""
    from floe_testing.cli.app import app

    command: Any = typer.main.get_command(app)
    ctx = command.make_context("floe-test", list(argv))
    while hasattr(command, "resolve_command"):  # a group: descend into the subcommand
        rest = (
            [*ctx._protected_args, *ctx.args]
            if hasattr(ctx, "_protected_args")
            else [*ctx.protected_args, *ctx.args]
        )
        name, sub, args = command.resolve_command(ctx, rest)
        assert sub is not None, f"unknown command {name}"
        command = sub
        ctx = command.make_context(name or "", args, parent=ctx)
    return command


def test_workflows_parse_and_run_only_existing_commands() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "staging.yml"}
    seen = 0
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text())
        assert workflow["jobs"], path
        for _job, _step, argv in _floe_test_commands(workflow):
            _parse_cli(argv)
            seen += 1
    assert seen >= 4


@pytest.mark.parametrize(
    "argv",
    [
        ["cluster", "explode"],
        ["run", "--backend"],
        ["cluster", "down", "--bogus"],
        ["no-such-command"],
    ],
)
def test_a_wrong_command_would_be_caught(argv: list[str]) -> None:
    with pytest.raises(CliUsageError):
        _parse_cli(argv)


def test_ci_jobs_match_the_seed_table() -> None:
    project = load_project()
    workflow = _workflow("ci.yml")
    commands = {job: (step, argv) for job, step, argv in _floe_test_commands(workflow)}
    for tier_name in ("unit", "integration", "e2e"):
        tier = project.config.tiers[tier_name]
        step, argv = commands[tier_name]
        assert argv[:2] == ["run", tier_name]
        assert tier.ci is not None
        assert workflow["jobs"][tier_name]["runs-on"] == tier.ci.runner
        assert step["timeout-minutes"] == tier.ci.minutes
        assert workflow["jobs"][tier_name]["timeout-minutes"] > tier.ci.minutes
        uploads = [
            s
            for s in workflow["jobs"][tier_name]["steps"]
            if str(s.get("uses", "")).startswith("actions/upload-artifact")
        ]
        assert uploads
        assert uploads[0]["if"] == "always()"
        assert uploads[0]["with"]["path"] == f"test-results/{tier_name}"
        setup = next(
            s
            for s in workflow["jobs"][tier_name]["steps"]
            if str(s.get("uses", "")).startswith("astral-sh/setup-uv")
        )
        assert setup["with"]["enable-cache"] is True
    assert "--backend" in commands["integration"][1]
    assert commands["integration"][1][commands["integration"][1].index("--backend") + 1] == "kind"
    assert "--cov=floe_testing" in commands["unit"][1]


def test_staging_is_scheduled_and_reads_the_kubeconfig_from_a_secret() -> None:
    workflow = _workflow("staging.yml")
    assert workflow[True]["schedule"]  # YAML 1.1 reads the key `on` as True
    text = (REPO / ".github" / "workflows" / "staging.yml").read_text()
    assert "secrets.STAGING_KUBECONFIG" in text
    assert "umask 077" in text
    (run, report) = _floe_test_commands(workflow)
    argv = run[2]
    assert argv[:2] == ["run", "staging"]
    assert "--kubeconfig" in argv
    assert argv[argv.index("--history") + 1] == "staging-history"
    assert report[2][:3] == ["report", "--history", "staging-history"]


DOCKERFILE = (REPO / "tests" / "Dockerfile").read_text()
PLATFORM = (REPO / "docker" / "platform.Dockerfile").read_text()


def _final_stage(text: str) -> str:
    return text.rsplit("\nFROM ", 1)[1]


@pytest.mark.parametrize("text", [DOCKERFILE, PLATFORM], ids=["runner", "platform"])
def test_dockerfile_layers_and_runtime(text: str) -> None:
    assert re.search(r"ARG PYTHON_IMAGE=python:3\.11-slim", text)
    assert re.search(r"ghcr\.io/astral-sh/uv:\d+\.\d+\.\d+", text)  # official image, pinned
    sync = text.index("uv sync --frozen --no-dev --no-install-project")
    assert sync < text.index("COPY src/")
    assert text.index("COPY pyproject.toml uv.lock") < sync
    assert "--mount=type=cache,target=/root/.cache/uv" in text
    final = _final_stage(text)
    assert "uv" not in re.findall(r"COPY --from=(\S+)", final)
    assert "uv run" not in final
    assert 'PATH="/app/.venv/bin:${PATH}"' in final
    assert "PYTHONDONTWRITEBYTECODE=1" in final
    assert "UV_COMPILE_BYTECODE=1" in text  # bytecode exists: nothing to write at run time
    assert "HOME=/tmp" in final
    assert re.search(r"^USER \$\{\w+\}:\$\{\w+\}$", final, re.M)
    assert re.search(rf"ARG \w+_UID={RUNNER_UID}\b", final)
    assert re.search(rf"ARG \w+_GID={RUNNER_GID}\b", final)


def test_runner_entrypoint_matches_the_job_contract() -> None:
    final = _final_stage(DOCKERFILE)
    assert "WORKDIR /app" in final
    assert "COPY tests/ tests/" in final
    assert 'CMD ["python", "-m", "floe_testing.runner.pod_runner"' in final
    assert "-p no:cacheprovider" in final  # pytest writes no cache under a read-only root
    assert "/results" in final


def test_dockerignore_is_an_allow_list() -> None:
    lines = (REPO / ".dockerignore").read_text().split()
    assert lines[0] == "*" or "*" in lines
    for needed in ("!pyproject.toml", "!uv.lock", "!src/", "!tests/", "!README.md"):
        assert needed in lines
    assert "tests/unit/" in lines


def test_image_specs_cover_what_the_dockerfiles_copy() -> None:
    from floe_testing.images.build import IMAGES

    for spec in IMAGES:
        text = (REPO / spec.dockerfile).read_text()
        assert spec.dockerfile in spec.paths
        for source in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.M):
            for item in source.split():
                assert item.rstrip("/") in spec.paths, (spec.name, item)


def test_kind_config_is_single_node() -> None:
    config = yaml.safe_load((REPO / "kind" / "kind-config.yaml").read_text())
    assert config["kind"] == "Cluster"
    assert config["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    assert [n["role"] for n in config["nodes"]] == ["control-plane"]
