#!/usr/bin/env bash
# The staging tier proven on this machine (issue 12): three staging runs into a history
# (one with a planted flaky test), the HTML report rendered by headless Chromium, a 2-minute
# soak, a planted leak, a planted performance regression and an all-skipped run, all on the
# local backend. Needs Debian's chromium for the report test; installs it when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=../pins/versions.env
. pins/versions.env
if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing Debian's chromium $CHROMIUM_PACKAGE_VERSION for the report test"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if ! apt-get install -y -qq --no-install-recommends "chromium=$CHROMIUM_PACKAGE_VERSION" >/dev/null; then
    echo "error: chromium $CHROMIUM_PACKAGE_VERSION is not on the mirror (any more)" >&2
    echo "  next step: set CHROMIUM_PACKAGE_VERSION in pins/versions.env to a version" \
      "\`apt-cache policy chromium\` lists" >&2
    exit 3
  fi
fi
chromium --version

if command -v uv >/dev/null 2>&1; then uv=(uv); else uv=(python3 -m uv); fi
echo "== staging self-tests (tests/staging_selftest)"
"${uv[@]}" run --frozen pytest tests/staging_selftest -q -p no:cacheprovider
