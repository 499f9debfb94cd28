# The platform image: the demo Dagster code location (floe_demo) with dagster, the webserver,
# the daemon and dagster-postgres. The chart runs the webserver, the daemon and the user-code
# server from it (dagster.image), so their versions never skew.
#
#   docker build -f docker/platform.Dockerfile -t floe-platform:dev .
#
# Its build stage starts with tests/Dockerfile's instructions on purpose: the builder's cache
# then shares the dependency layer between the two images. Non-root uid/gid 10001 (the
# chart's dagster.securityContext); works with a read-only root filesystem (DAGSTER_HOME and
# /tmp are volumes in the chart).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# The first sync is tests/Dockerfile's, so the builder reuses that layer; the second adds the
# webserver's stack, which this image needs and the runner does not.
ARG HOST_ONLY="helm-python-sdk kubernetes-validate dagster-webserver uvicorn uvloop httptools watchfiles websockets"
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project $(printf -- '--no-install-package %s ' ${HOST_ONLY})
# declared only now: an ARG in scope is part of a RUN's cache key
ARG NOT_HERE="helm-python-sdk kubernetes-validate"
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project $(printf -- '--no-install-package %s ' ${NOT_HERE})
COPY README.md ./
COPY src/ src/
# Only the project itself (an editable install) is added here: nothing new to byte-compile.
# uv_cache.json (uv's bookkeeping of the editable install) holds source timestamps: without
# it the venv is byte-identical when only src/ changed, and the runtime stage reuses its layer
RUN --mount=type=cache,target=/root/.cache/uv \
    UV_COMPILE_BYTECODE=0 uv sync --frozen --no-dev $(printf -- '--no-install-package %s ' ${NOT_HERE}) \
 && rm .venv/lib/python3*/site-packages/floe_test-*.dist-info/uv_cache.json \
 && sed -i '/uv_cache\.json/d' .venv/lib/python3*/site-packages/floe_test-*.dist-info/RECORD

FROM ${PYTHON_IMAGE} AS platform
ARG APP_UID=10001
ARG APP_GID=10001
RUN groupadd --system --gid "${APP_GID}" floe \
 && useradd --system --uid "${APP_UID}" --gid "${APP_GID}" --home-dir /tmp \
      --no-create-home --shell /usr/sbin/nologin floe
ENV PATH="/app/.venv/bin:${PATH}" \
    VIRTUAL_ENV=/app/.venv \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    DAGSTER_HOME=/opt/dagster/home \
    FLOE_DUCKDB_PATH=/var/lib/floe/floe.duckdb
WORKDIR /app
# the venv alone first: the project is an editable install pointing at /app/src, so the
# venv does not change with src/ and a one-line change re-copies only the sources
COPY --from=build /app/.venv /app/.venv
COPY pyproject.toml uv.lock README.md ./
COPY src/ src/
USER ${APP_UID}:${APP_GID}
EXPOSE 3030
CMD ["dagster", "api", "grpc", "-m", "floe_demo.definitions", "-h", "0.0.0.0", "-p", "3030"]
