#!/usr/bin/env bash
# Supply-chain audit of the GitHub Actions workflows with zizmor (a dev dependency pinned in
# uv.lock). Offline: no GitHub API calls. Fails on any medium or high finding (zizmor exits
# non-zero when a finding at or above --min-severity remains); lower ones are not shown.
# Usage: .ci/workflow-audit.sh [PATH]   (a workflow file or .github/workflows, the default)
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v uv >/dev/null 2>&1; then uv=(uv); else uv=(python3 -m uv); fi
"${uv[@]}" run --frozen zizmor --offline --min-severity medium "${1:-.github/workflows}"
