# PostgreSQL from Debian's own packages, with the upstream postgres image's contract:
# POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB / PGDATA, the data directory initialised on
# first start, non-root uid/gid 70, container args passed to `postgres` (the chart's
# postgresql.image; values-k8s-local.yaml uses it where no registry is reachable).
#
#   docker build -f docker/postgresql.Dockerfile --build-arg DEBIAN_IMAGE=floe-local/python:3.11-bookworm \
#       -t floe-local/postgresql:15-bookworm .
#
# (scripts/images build does this FROM its local Debian base.) Works with a read-only root
# filesystem: it writes only to PGDATA, /var/run/postgresql and /tmp (volumes in the chart).
ARG DEBIAN_IMAGE=debian:bookworm-slim
FROM ${DEBIAN_IMAGE}
ARG POSTGRESQL_MAJOR=15
ARG POSTGRESQL_PACKAGE_VERSION=15.18-0+deb12u1
# the postgres user first, with the alpine image's uid the chart runs as; no "main" cluster
RUN groupadd --system --gid 70 postgres \
 && useradd --system --uid 70 --gid 70 --home-dir /var/lib/postgresql --no-create-home \
      --shell /bin/sh postgres \
 && mkdir -p /etc/postgresql-common \
 && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf \
 && apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "postgresql-${POSTGRESQL_MAJOR}=${POSTGRESQL_PACKAGE_VERSION}" \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc /usr/share/man \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R 70:70 /var/lib/postgresql /var/run/postgresql
COPY docker/postgresql-entrypoint.sh /usr/local/bin/floe-postgresql-entrypoint
# PGUSER: libpq clients (pg_isready in the chart's init containers) run as other uids without a
# passwd entry and cannot look up their own user name
ENV PATH=/usr/lib/postgresql/${POSTGRESQL_MAJOR}/bin:$PATH \
    PGUSER=postgres \
    PGDATA=/var/lib/postgresql/data
USER 70:70
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["floe-postgresql-entrypoint"]
