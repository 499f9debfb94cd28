// Cube configuration of the floe platform (the chart mounts it as /cube/conf/cube.js, the local
// backend runs Cube with this directory as its working directory).
//
// The data: one Parquet file, the published revenue mart exported from its Iceberg snapshot by
// the pipeline (asset cube_mart_export). FLOE_CUBE_MART is its path or s3:// URL; the model reads
// it as read_parquet(getvariable('floe_mart')).
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

const dialect = nativeLoads() ? null : installShim();
const mart = process.env.FLOE_CUBE_MART || 'daily_revenue_by_segment.parquet';

module.exports = {
  driverFactory: () => ({
    type: 'duckdb',
    initSql: `SET VARIABLE floe_mart = '${mart.replace(/'/g, "''")}'`,
  }),
  ...(dialect ? { dialectFactory: () => dialect } : {}),
};
