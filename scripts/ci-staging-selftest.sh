#!/usr/bin/env bash
# The staging tier proven on this machine (issue 12): three staging runs into a history
# (one with a planted flaky test), the HTML report rendered by headless Chromium, a 2-minute
# soak, a planted leak, a planted performance regression and an all-skipped run, all on the
# local backend. Needs Debian's chromium for the report test; installs it when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing chromium (Debian) for the report test"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
chromium --version

if command -v uv >/dev/null 2>&1; then uv=(uv); else uv=(python3 -m uv); fi
echo "== staging self-tests (tests/staging_selftest)"
"${uv[@]}" run --frozen pytest tests/staging_selftest -q -p no:cacheprovider
