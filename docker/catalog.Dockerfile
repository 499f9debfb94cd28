# The catalog for air-gapped clusters (the chart's catalog.implementation=iceberg-rest):
# Apache Iceberg's REST catalog server (RESTCatalogServer in org.apache.iceberg:iceberg-open-api,
# the fat jar `scripts/catalog build` fetches; the local backend runs the same jar) on Debian's
# OpenJDK 17 JRE. docs/catalog.md says why it stands in for Polaris and what it does not cover.
#
#   scripts/images build      (stages the jar beside this file as iceberg-rest.jar and builds)
#
# The build context is a staging directory holding this file and the jar (the jar lives in the
# local Maven repository, outside the checkout). Runs as uid/gid 10000:10001 (the chart's
# polaris.securityContext) on a read-only root: it writes only to /var/lib/iceberg-rest (the
# SQLite metastore) and /tmp (volumes in the chart). Settings come from CATALOG_* variables.
ARG DEBIAN_IMAGE=debian:bookworm-slim
FROM ${DEBIAN_IMAGE}
ARG OPENJDK_PACKAGE_VERSION=17.0.19+10-1~deb12u2
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "openjdk-17-jre-headless=${OPENJDK_PACKAGE_VERSION}" \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc /usr/share/man
ARG CATALOG_UID=10000
ARG CATALOG_GID=10001
RUN groupadd --system --gid "${CATALOG_GID}" iceberg \
 && useradd --system --uid "${CATALOG_UID}" --gid "${CATALOG_GID}" --home-dir /tmp \
      --no-create-home --shell /usr/sbin/nologin iceberg \
 && install -d -o "${CATALOG_UID}" -g "${CATALOG_GID}" /var/lib/iceberg-rest
COPY iceberg-rest.jar /opt/iceberg-rest/iceberg-rest.jar
# sqlite-jdbc's native library, unpacked once here instead of into /tmp at every start (a
# noexec /tmp could not map it); JDK_JAVA_OPTIONS points the driver at it, JAVA_TOOL_OPTIONS
# stays free for the chart's heap settings
RUN python3 -c "import zipfile; zipfile.ZipFile('/opt/iceberg-rest/iceberg-rest.jar').extract('org/sqlite/native/Linux/x86_64/libsqlitejdbc.so', '/opt/iceberg-rest/native')"
WORKDIR /var/lib/iceberg-rest
# small heap, one GC thread, C1 only (docs/catalog.md: starts in ~2 s on 2 shared cores)
ENV HOME=/tmp \
    JDK_JAVA_OPTIONS="-Dorg.sqlite.lib.path=/opt/iceberg-rest/native/org/sqlite/native/Linux/x86_64 -Dorg.sqlite.lib.name=libsqlitejdbc.so" \
    JAVA_TOOL_OPTIONS="-Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.io.tmpdir=/tmp" \
    CATALOG_CATALOG__IMPL=org.apache.iceberg.jdbc.JdbcCatalog \
    CATALOG_URI=jdbc:sqlite:file:/var/lib/iceberg-rest/catalog.db \
    CATALOG_JDBC_SCHEMA__VERSION=V1 \
    CATALOG_REST_PORT=8181 \
    AWS_EC2_METADATA_DISABLED=true \
    AWS_CONFIG_FILE=/tmp/aws-config \
    AWS_SHARED_CREDENTIALS_FILE=/tmp/aws-credentials
USER ${CATALOG_UID}:${CATALOG_GID}
EXPOSE 8181
CMD ["java", "-cp", "/opt/iceberg-rest/iceberg-rest.jar", "org.apache.iceberg.rest.RESTCatalogServer"]
