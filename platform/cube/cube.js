// Cube configuration of the floe platform (the chart mounts it as /cube/conf/cube.js, the local
// backend runs Cube with this directory as its working directory).
//
// The data: one Parquet file, the published revenue mart exported from its Iceberg snapshot by
// the pipeline (asset cube_mart_export). FLOE_CUBE_MART is its path or s3:// URL; the model reads
// it as read_parquet(getvariable('floe_mart')).
//
// MART COPY (FLOE_CUBE_MART_COPY, a local file; the chart's cube.martAccess=download): DuckDB
// reads s3:// only through its httpfs extension, which it downloads from DuckDB's site at first
// use - impossible on an air-gapped cluster. There, before each query, the object is fetched
// with the AWS SDK Cube already carries (@aws-sdk/client-s3, from @cubejs-backend/base-driver)
// when its ETag changed (one HEAD per query), written to a temporary name and renamed over the
// copy DuckDB reads, so a query sees the pipeline's latest export, never half of one.
//
// COMPATIBILITY SHIM (active only when @cubejs-backend/native cannot be loaded, i.e. Cube from
// npm on a machine that cannot download the native binary from GitHub; the cubejs/cube image
// ships the binary, so there nothing below changes). It disables exactly:
//   1. the SQL API (Postgres wire protocol): ApiGateway.createSQLServerInstance returns a no-op;
//   2. Jinja/Python data models: NativeInstance.newJinjaEngine returns an engine that refuses
//      to render (YAML and JS models are unaffected);
//   3. the DuckDB driver's own SQL dialect (built for Cube 1.7): replaced by a small DuckDB
//      dialect on this server's own BaseQuery.
// The REST API (/readyz, /livez, /cubejs-api/v1/meta, /load) works in full.
const path = require('path');

function nativeLoads() {
  try {
    const native = require(resolveFromServerCore('@cubejs-backend/native'));
    native.loadNative();
    return true;
  } catch (e) {
    return false;
  }
}

function resolveFromServerCore(name) {
  const serverCore = path.dirname(require.resolve('@cubejs-backend/server-core/package.json'));
  return require.resolve(name, { paths: [serverCore] });
}

function installShim() {
  const { ApiGateway } = require('@cubejs-backend/api-gateway');
  ApiGateway.prototype.createSQLServerInstance = () => ({
    init: async () => {},
    close: async () => {},
    shutdown: async () => {},
  });
  const { NativeInstance } = require(resolveFromServerCore('@cubejs-backend/native'));
  NativeInstance.prototype.newJinjaEngine = () => ({
    renderTemplate: async (file) => {
      throw new Error(`${file}: Jinja models need @cubejs-backend/native (disabled by the shim)`);
    },
  });
  const { BaseQuery, BaseFilter } = require(resolveFromServerCore('@cubejs-backend/schema-compiler'));
  const NUMERIC = new Set(['number', 'count', 'count_distinct', 'sum', 'avg', 'min', 'max']);
  class DuckDBFilter extends BaseFilter {
    castParameter() {
      return NUMERIC.has(this.definition().type) ? 'CAST(? AS DOUBLE)' : '?';
    }
  }
  class DuckDBQuery extends BaseQuery {
    newFilter(filter) { return new DuckDBFilter(this, filter); }
    convertTz(field) { return `timezone('${this.timezone}', ${field}::timestamptz)`; }
    timeGroupedColumn(granularity, dimension) { return `date_trunc('${granularity}', ${dimension})`; }
  }
  return DuckDBQuery;
}

function resolveFrom(pkg, name) {
  const base = path.dirname(require.resolve(`${pkg}/package.json`));
  return require.resolve(name, { paths: [base] });
}

function s3Mirror(url, target) {
  const fs = require('fs');
  const { S3Client, HeadObjectCommand, GetObjectCommand } = require(
    resolveFrom('@cubejs-backend/base-driver', '@aws-sdk/client-s3'),
  );
  const [bucket, ...key] = url.replace(/^s3:\/\//, '').split('/');
  const env = (name) => process.env[`CUBEJS_DB_DUCKDB_S3_${name}`];
  const ssl = env('USE_SSL') === 'true';
  const endpoint = env('ENDPOINT');
  const s3 = new S3Client({
    region: env('REGION') || 'us-east-1',
    endpoint: endpoint && !endpoint.includes('://') ? `${ssl ? 'https' : 'http'}://${endpoint}` : endpoint,
    forcePathStyle: env('URL_STYLE') === 'path',
    credentials: { accessKeyId: env('ACCESS_KEY_ID'), secretAccessKey: env('SECRET_ACCESS_KEY') },
  });
  const object = { Bucket: bucket, Key: key.join('/') };
  let copied = null; // the ETag of the local copy
  let running = null;
  async function sync() {
    let head;
    try {
      head = await s3.send(new HeadObjectCommand(object));
    } catch (e) {
      if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return; // not exported yet
      throw e;
    }
    if (head.ETag === copied) return;
    const got = await s3.send(new GetObjectCommand(object));
    const partial = `${target}.${process.pid}.partial`;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(partial, await got.Body.transformToByteArray());
    fs.renameSync(partial, target);
    copied = got.ETag;
  }
  return () => {
    running = running || sync().finally(() => { running = null; });
    return running;
  };
}

function mirroredDriver(initSql, mirror) {
  const { DuckDBDriver } = require('@cubejs-backend/duckdb-driver');
  class MirroredDuckDBDriver extends DuckDBDriver {
    async query(query, values, options) {
      await mirror();
      return super.query(query, values, options);
    }

    async stream(query, values, options) {
      await mirror();
      return super.stream(query, values, options);
    }
  }
  return new MirroredDuckDBDriver({ initSql });
}

const dialect = nativeLoads() ? null : installShim();
const source = process.env.FLOE_CUBE_MART || 'daily_revenue_by_segment.parquet';
const copy = source.startsWith('s3://') ? process.env.FLOE_CUBE_MART_COPY : '';
const mirror = copy ? s3Mirror(source, copy) : null;
const initSql = `SET VARIABLE floe_mart = '${(copy || source).replace(/'/g, "''")}'`;

module.exports = {
  driverFactory: () => (mirror ? mirroredDriver(initSql, mirror) : { type: 'duckdb', initSql }),
  ...(dialect ? { dialectFactory: () => dialect } : {}),
};
